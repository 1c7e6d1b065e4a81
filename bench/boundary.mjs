// Where a `Ring.locate` from JS spends its time: each case times one piece of the crossing
// (an empty export, an externref argument, a returned externref with and without a Result, a
// call back into JS, the key's copy, ...) in one process, interleaved, over the same random keys
// as bench/ring-node.mjs. Prints a table of CPU ns per call (median over rounds) and JSON with
// --json. Build first: `bash bench/boundary/build.sh` (writes target/boundary/).
//
// Usage: node bench/boundary.mjs [--rounds 5] [--cpu-ms 100] [--n 16] [--json 1]
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { interleavedCpu, arg, ROOT } from './lib.mjs';

const rounds = arg('--rounds', 5);
const cpuMs = arg('--cpu-ms', 100);
const n = arg('--n', 16);
const json = arg('--json', 0) === 1;
const require = createRequire(import.meta.url);
const opt = (name) => (process.argv.includes(name) ? resolve(process.argv[process.argv.indexOf(name) + 1]) : null);
const dir = opt('--dir') || join(ROOT, 'target', 'boundary');
// --compare DIR: the wasm cases again on a second build (e.g. without reference types), interleaved.
const other = opt('--compare');
const m = require(join(dir, 'edge_session_boundary_bench.js'));

// The random keys of bench/ring-node.mjs: 8-64 characters, fixed-seed LCG, flattened.
let seed = 0x2545f491;
const rnd = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 2 ** 32; };
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_';
const keys = JSON.parse(JSON.stringify(Array.from({ length: 5_000 }, () => {
  const len = 8 + Math.floor(rnd() * 57);
  let k = '';
  for (let i = 0; i < len; i++) k += ALPHABET[Math.floor(rnd() * 64)];
  return k;
})));
const K = keys.length;

const ring = new m.Bench(n);
const m2 = other ? require(join(other, 'edge_session_boundary_bench.js')) : null;
const ring2 = m2 ? new m2.Bench(n) : null;
const table = new WebAssembly.Table({ element: 'externref', initial: 4 });
table.set(1, 'shard-0001');
const encoder = new TextEncoder();
const view = new Uint8Array(new ArrayBuffer(512));
const bytes = new Uint8Array(new ArrayBuffer(512));
const { writeKey } = require(join(dir, 'js', 'wasm', 'hot-paths.js'));
const memory = { buffer: new ArrayBuffer(4096) };

// Each case is its own function (compiled from its own source text, so no two cases share a
// call site's type feedback) that runs `expr` over every key; the figure is per call.
const ctx = { m, ring, table, encoder, view, bytes, writeKey, memory };
const mk = (expr, c) => new Function('keys', 'ctx', `const { m, ring, table, encoder, view, bytes, writeKey, memory } = ctx;
  return function () { let x; for (let i = 0; i < keys.length; i++) { const k = keys[i]; x = ${expr}; } ctx.sink = x; return keys.length; };`)(keys, c);
const CASES = [
  ['js: loop over the keys (reads k.length)', 'k.length'],
  ['js: Table.prototype.get', 'table.get(1)'],
  ['js: TextEncoder.encodeInto (cached view)', 'encoder.encodeInto(k, view).written'],
  ['js: charCodeAt loop into a Uint8Array (ASCII)', '(() => { const l = k.length; for (let j = 0; j < l; j++) bytes[j] = k.charCodeAt(j); return l; })()'],
  ['js: writeKey (checks + encodeInto)', 'writeKey(memory, k, 65536, 0, 512)'],
  ['wasm: export, no arguments', 'm.noop()'],
  ['wasm: export, u32 in and out', 'm.noopU32(i)'],
  ['wasm: export, borrowed externref argument', 'm.argRef(k)'],
  ['wasm: export, owned externref argument', 'm.argOwned(k)'],
  ['wasm: export returning a cached externref', 'm.retCached()'],
  ['wasm: the same in a Result', 'm.retCachedResult()'],
  ['wasm: u32 in a Result', 'm.retU32Result()'],
  ['wasm: export + one call into an empty JS function', 'm.callNoop(k)'],
  ['wasm: export + writeKey (the key copy, no hash)', 'm.copyKey(k)'],
  ['ring: method doing nothing (&self)', 'ring.noop()'],
  ['ring: locate as the package (writeKey, Result of the name)', 'ring.locate(k)'],
  ['ring: locate without the Result', 'ring.locateNoResult(k)'],
  ['ring: index in a Result', 'ring.locateIndexResult(k)'],
  ['ring: index as u32 (no Result)', 'ring.locateIndex(k)'],
  ['ring: key as &str (glue copy through malloc)', 'ring.locateStr(k)'],
  ['ring: getter only (a cached function)', 'ring.locator'],
  ['ring: getter + JS function (charCodeAt copy, u32 export, name array)', 'ring.locator(k)'],
  ['ring: getter + JS function (encodeInto copy)', 'ring.locatorEncode(k)'],
  ['ring: getter + JS function (Buffer#utf8Write copy)', 'ring.locatorBuffer(k)'],
  ['ring: hash + search only (u32 export, key already in memory)', 'm.benchIndex(0, k.length)'],
];
const cases = Object.fromEntries(CASES.map(([name, expr]) => [name, mk(expr, ctx)]));
if (other) {
  const m2 = require(join(other, 'edge_session_boundary_bench.js'));
  const ctx2 = { ...ctx, m: m2, ring: new m2.Bench(n) };
  for (const [name, expr] of CASES) if (!name.startsWith('js:')) cases[`${name} [--compare]`] = mk(expr, ctx2);
}

const t = interleavedCpu(cases, { rounds, cpuMs });
const per = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.ns]));
if (json) {
  console.log(JSON.stringify({ rounds, cpu_ms: cpuMs, n, keys: K, ns_per_call: per }, null, 1));
} else {
  for (const [k, v] of Object.entries(per)) console.log(`${v.toFixed(1).padStart(8)} ns  ${k}`);
}
