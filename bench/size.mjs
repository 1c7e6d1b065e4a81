// C. Size and start-up. gzip/brotli of our npm package (wasm + glue), of the worker upload
// (`wrangler deploy --dry-run --outdir`, made by scripts/bench.sh into the folder given as
// --upload), and of each peer bundled with `esbuild --minify`; wasm compile + instantiate
// times in Node. Prints JSON on stdout.
import { build } from 'esbuild';
import { readFileSync, readdirSync, statSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { ROOT, median, arg } from './lib.mjs';

const rounds = arg('--rounds', 7);
const uploadIdx = process.argv.indexOf('--upload');
const uploadDir = uploadIdx >= 0 ? process.argv[uploadIdx + 1] : null;

const sizes = (buf) => ({
  raw: buf.length,
  gzip: gzipSync(buf, { level: 9 }).length,
  brotli: brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});
const sum = (list) => list.reduce((a, s) => ({ raw: a.raw + s.raw, gzip: a.gzip + s.gzip, brotli: a.brotli + s.brotli }), { raw: 0, gzip: 0, brotli: 0 });
function walk(d) {
  return readdirSync(d, { withFileTypes: true }).flatMap((f) => (f.isDirectory() ? walk(join(d, f.name)) : [join(d, f.name)]));
}

const rows = [];
// Our npm package: every .js/.mjs/.cjs/.wasm file of each build under pkg/ (types and docs excluded).
const PKG = process.env.BENCH_PKG_ROOT || join(ROOT, 'pkg');
if (existsSync(PKG)) {
  const files = walk(PKG).filter((f) => /\.(m?js|cjs|wasm)$/.test(f) && !f.includes('node_modules'));
  const byDir = new Map();
  for (const f of files) {
    const d = relative(ROOT, join(f, '..'));
    if (!byDir.has(d)) byDir.set(d, []);
    byDir.get(d).push(sizes(readFileSync(f)));
  }
  // A build is a folder holding a .wasm (pkg/node, pkg/web); the shared JS (pkg/, pkg/lib) has its own row.
  const shared = [];
  for (const [d, s] of byDir) {
    const isBuild = files.some((f) => f.endsWith('.wasm') && relative(ROOT, join(f, '..')) === d);
    if (isBuild) rows.push({ what: `edge-session npm package: ${d}/ (wasm + glue)`, ours: true, ...sum(s) });
    else shared.push(...s);
  }
  if (shared.length) rows.push({ what: 'edge-session npm package: entries and JS stores (pkg/*.cjs, pkg/lib/)', ours: true, ...sum(shared) });
}
// The worker upload as wrangler would send it.
if (uploadDir && existsSync(uploadDir)) {
  const files = walk(uploadDir).filter((f) => !f.endsWith('.map') && !f.endsWith('README.md'));
  rows.push({ what: 'edge-session worker upload (wrangler deploy --dry-run)', ours: true, ...sum(files.map((f) => sizes(readFileSync(f)))) });
}

// Peers: esbuild --minify bundles of exactly what a user would import.
const PEERS = [
  ['cookie-signature', "export { sign, unsign } from 'cookie-signature';", 'node'],
  ['keygrip', "export { default } from 'keygrip';", 'node'],
  ['jose (SignJWT + jwtVerify)', "export { SignJWT, jwtVerify } from 'jose';", 'browser'],
  ['fast-jwt', "export { createSigner, createVerifier } from 'fast-jwt';", 'node'],
  ['jsonwebtoken', "export { sign, verify } from 'jsonwebtoken';", 'node'],
  ['@noble/hashes (hmac + sha256)', "export { hmac } from '@noble/hashes/hmac.js'; export { sha256 } from '@noble/hashes/sha2.js';", 'browser'],
  ['hono signed cookie (parseSigned + serializeSigned)', "export { parseSigned, serializeSigned } from 'hono/utils/cookie';", 'browser'],
  ['hashring', "export { default } from 'hashring';", 'node'],
  ['consistent-hash', "export { default } from 'consistent-hash';", 'neutral'],
];
const tmp = mkdtempSync(join(tmpdir(), 'edge-bench-size-'));
for (const [name, src, platform] of PEERS) {
  const entry = join(ROOT, 'bench', `.size-entry-${process.pid}.mjs`);
  writeFileSync(entry, src);
  try {
    const r = await build({ entryPoints: [entry], bundle: true, minify: true, format: 'esm', platform,
      mainFields: platform === 'neutral' ? ['main', 'module'] : undefined,
      write: false, logLevel: 'silent', outdir: tmp });
    rows.push({ what: `${name} (esbuild --minify, ${platform})`, ours: false, ...sizes(Buffer.from(r.outputFiles[0].contents)) });
  } finally {
    try { (await import('node:fs')).unlinkSync(entry); } catch { /* gone */ }
  }
}

// Start-up in Node: compile + instantiate each of our wasm files (imports stubbed: neither
// compile nor instantiate calls them), median over rounds.
const startup = [];
const wasmFiles = [
  ...(existsSync(PKG) ? walk(PKG).filter((f) => f.endsWith('.wasm')) : []),
  ...(uploadDir && existsSync(uploadDir) ? walk(uploadDir).filter((f) => f.endsWith('.wasm')) : []),
];
for (const f of wasmFiles) {
  const bytes = readFileSync(f);
  const compile = [];
  const inst = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const mod = new WebAssembly.Module(bytes);
    const t1 = performance.now();
    const stubs = {};
    for (const i of WebAssembly.Module.imports(mod)) {
      if (i.kind === 'function') (stubs[i.module] ??= {})[i.name] = () => {};
      // wasm-bindgen's exception tag carries one externref
      if (i.kind === 'tag') (stubs[i.module] ??= {})[i.name] = new WebAssembly.Tag({ parameters: ['externref'] });
    }
    const t2 = performance.now();
    let ok = true;
    try { new WebAssembly.Instance(mod, stubs); } catch { ok = false; }
    const t3 = performance.now();
    compile.push(t1 - t0);
    inst.push(ok ? t3 - t2 : NaN);
  }
  startup.push({ file: relative(ROOT, f).startsWith('..') ? `worker upload/${relative(uploadDir, f)}` : relative(ROOT, f),
    bytes: statSync(f).size, compile_ms: median(compile), instantiate_ms: median(inst) });
}
const esbuildVersion = JSON.parse(readFileSync(join(ROOT, 'node_modules/esbuild/package.json'), 'utf8')).version;
console.log(JSON.stringify({ rows, startup, esbuild: esbuildVersion }, null, 1));
