// A (workerd). Starts the bench worker (bench/workerd) on local workerd through wrangler, on a
// free 127.0.0.1 port, and times verify loops inside it. Prints JSON on stdout.
//
// Timing: workerd freezes its clocks between I/O, so each sample is a request running `iters`
// iterations, timed by the client; the median time of an empty request (iters = 0) is
// subtracted. Samples are sized to ~150 ms; rounds interleave the cases.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, readdirSync, existsSync, mkdtempSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { freePort } from '../tests/e2e/harness.mjs';
import { ROOT, arg, median } from './lib.mjs';

const rounds = arg('--rounds', 7);
const sampleMs = arg('--sample-ms', 150);
const dir = join(ROOT, 'bench/workerd');
const vectors = JSON.parse(readFileSync(join(ROOT, 'tests/vectors/tokens.json'), 'utf8'));
const basic = vectors.valid.find((v) => v.name === 'basic');
const secret = Buffer.from(vectors.keyring.find((k) => k.kid === basic.kid).secret, 'base64').toString('base64url');

// Our package's web build (wasm-bindgen --target web: exports initSync), if pkg/ has one.
function findWebBuild(d = process.env.BENCH_PKG_WEB || join(ROOT, 'pkg'), depth = 0) {
  if (!existsSync(d) || depth > 2) return null;
  for (const f of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, f.name);
    if (f.isDirectory()) { const r = findWebBuild(p, depth + 1); if (r) return r; }
    else if (f.name.endsWith('_bg.wasm')) {
      const js = p.replace(/_bg\.wasm$/, '.js');
      if (existsSync(js) && /\binitSync\b/.test(readFileSync(js, 'utf8'))) return { wasm: p, js };
    }
  }
  return null;
}
const web = findWebBuild();
mkdirSync(join(dir, 'gen'), { recursive: true }); // git-ignored: absent in a fresh clone
writeFileSync(join(dir, 'gen/ours.mjs'), web ? `// Written by bench/workerd-run.mjs: our package's web build.
import wasm from ${JSON.stringify(web.wasm)};
import * as core from ${JSON.stringify(web.js)};
const stubs = {};
for (const i of WebAssembly.Module.imports(wasm)) (stubs[i.module] ??= {})[i.name] = () => {};
export async function makeOurs(cfg) {
  core.initSync({ module: wasm });
  const { Keyring } = core;
  const kr = Keyring.fromJSON(cfg.keyring);
  return { verify: (t, now) => kr.verify(t, now), tryVerify: (t, now) => kr.tryVerify(t, now),
    instantiate: async () => (new WebAssembly.Instance(wasm, stubs), 1) };
}
` : `// Written by bench/workerd-run.mjs: our package's web build when pkg/ is built, else nothing.
export async function makeOurs() { return null; }
`);

const port = await freePort();
const inspector = await freePort();
const persist = mkdtempSync(join(tmpdir(), 'edge-bench-wd-'));
const child = spawn(join(ROOT, 'node_modules/.bin/wrangler'), ['dev', '--config', join(dir, 'wrangler.toml'),
  '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspector), '--persist-to', persist,
  '--show-interactive-dev-session=false', '--log-level', 'warn'],
{ cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
let out = '';
child.stdout.on('data', (d) => { out += d; });
child.stderr.on('data', (d) => { out += d; });
const stop = () => { try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ } };
process.on('exit', stop);
const url = `http://127.0.0.1:${port}`;

try {
  const deadline = Date.now() + 90_000;
  for (;;) {
    try { if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) break; } catch { /* not yet */ }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`bench worker did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const setup = await (await fetch(`${url}/setup`, { method: 'POST', body: JSON.stringify({
    secret, token: basic.token, now: vectors.now, keyring: JSON.stringify(vectors.keyring) }) })).json();
  const timed = async (path) => {
    const t0 = performance.now();
    const r = await fetch(`${url}${path}`);
    const j = await r.json();
    if (!r.ok) throw new Error(`${path}: ${r.status}`);
    return { ms: performance.now() - t0, inner: j.inner_ms };
  };
  const empty = async () => {
    const xs = [];
    for (let i = 0; i < 9; i++) xs.push((await timed(`/run?case=${encodeURIComponent('webcrypto|verify valid')}&iters=0`)).ms);
    return median(xs);
  };
  // calibrate iterations per sample
  const iters = {};
  for (const c of setup.cases) {
    let n = 50;
    for (;;) {
      const { ms } = await timed(`/run?case=${encodeURIComponent(c)}&iters=${n}`);
      if (ms > sampleMs / 3 || n > 5e6) { iters[c] = Math.max(1, Math.round(n * sampleMs / ms)); break; }
      n *= 4;
    }
  }
  const per = Object.fromEntries(setup.cases.map((c) => [c, []]));
  const inner = Object.fromEntries(setup.cases.map((c) => [c, []]));
  const base = [];
  for (let r = 0; r < rounds; r++) {
    base.push(await empty());
    for (let j = 0; j < setup.cases.length; j++) {
      const c = setup.cases[(j + r) % setup.cases.length];
      const { ms, inner: im } = await timed(`/run?case=${encodeURIComponent(c)}&iters=${iters[c]}`);
      per[c].push(ms);
      inner[c].push(im);
    }
  }
  const b = median(base);
  const rows = setup.cases.map((c) => {
    const [lib, path] = c.split('|');
    return { lib, path, iters: iters[c], ns: ((median(per[c]) - b) * 1e6) / iters[c],
      inner_clock_ns: (median(inner[c]) * 1e6) / iters[c] };
  });
  let instantiate = null;
  if (setup.ours) {
    const n = 200;
    const xs = [];
    for (let r = 0; r < rounds; r++) xs.push((await timed(`/instantiate?iters=${n}`)).ms);
    instantiate = { ms: (median(xs) - b) / n };
  }
  console.log(JSON.stringify({ rounds, empty_request_ms: b, ours: setup.ours, rows, instantiate,
    hono: JSON.parse(readFileSync(join(ROOT, 'bench/node_modules/hono/package.json'), 'utf8')).version }, null, 1));
} finally {
  stop();
}
