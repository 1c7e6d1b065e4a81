// Where a `ring.locate(key)` of the built package (pkg/, Node build) spends its time: the whole
// call, the `locate` property read alone, the lookup function called from a variable, the key's
// check and copy into wasm memory alone, the export alone (key already in memory) and the
// export refusing at once (the crossing and its borrows, no hash), in one process, interleaved,
// CPU time, over the key sets of bench/ring-node.mjs. The copy is the one of js/wasm/locate.js,
// repeated here (keep the two alike); the export and the memory are the package's own, taken
// from the core's call to `locatorInit`. Prints CPU ns per call, median over rounds.
//
// Usage: node bench/ring-parts.mjs [--n 16] [--rounds 7] [--cpu-ms 100] [--json 1] [--pkg DIR]
import { createRequire } from 'node:module';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import HashRing from 'hashring';
import ConsistentHash from 'consistent-hash';
import { interleavedCpu, arg, ROOT } from './lib.mjs';

const n = arg('--n', 16);
const rounds = arg('--rounds', 7);
const cpuMs = arg('--cpu-ms', 100);
const json = arg('--json', 0) === 1;
const dir = process.argv.includes('--pkg') ? resolve(process.argv[process.argv.indexOf('--pkg') + 1]) : join(ROOT, 'pkg');
const require = createRequire(import.meta.url);

// The core hands js/wasm/locate.js its raw exports and memory once: keep a copy on the way.
const snippets = join(dir, 'node', 'snippets');
const snippet = join(snippets, readdirSync(snippets)[0], 'js', 'wasm', 'locate.js');
const locateJs = require(snippet);
const core = {};
require.cache[require.resolve(snippet)].exports = {
  ...locateJs,
  locatorInit(exports, memory, ptr, cap) {
    Object.assign(core, { exports, memory, ptr, cap });
    return locateJs.locatorInit(exports, memory, ptr, cap);
  },
};
const { Ring } = require(dir);

let seed = 0x2545f491;
const rnd = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 2 ** 32; };
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_';
const sets = {
  B: Array.from({ length: 50_000 }, (_, i) => `Luser-${String(i).padStart(8, '0')}`),
  random: JSON.parse(JSON.stringify(Array.from({ length: 50_000 }, () => {
    const len = 8 + Math.floor(rnd() * 57);
    let k = '';
    for (let i = 0; i < len; i++) k += ALPHABET[Math.floor(rnd() * 64)];
    return k;
  }))),
};
const names = Array.from({ length: n }, (_, i) => `shard-${String(i).padStart(4, '0')}`);
const ring = new Ring(names.map((name) => ({ name, weight: 1 })));
const fn = ring.locate;
fn('warm');
const hr = new HashRing(names);
const raw = core.exports;
if (!raw) throw new Error('the core did not call locatorInit');
const slot = 0; // the first ring with a lookup function in this process
const nameList = names.slice().sort();
if (nameList[raw.__edgeSessionLocate(slot, 0)] === undefined) throw new Error('slot 0 is not this ring');

// js/wasm/locate.js's copy: a charCodeAt loop for short ASCII keys, Buffer#utf8Write otherwise.
const SHORT = 24;
let bytes = new Uint8Array(core.memory.buffer);
let buf = Buffer.from(core.memory.buffer);
const { ptr, cap } = core;
function write(key) {
  const len = key.length;
  if (bytes.byteLength === 0) { bytes = new Uint8Array(core.memory.buffer); buf = Buffer.from(core.memory.buffer); }
  if (len <= SHORT) {
    let i = 0;
    for (; i < len; i++) {
      const c = key.charCodeAt(i);
      if (c > 0x7f) break;
      bytes[ptr + i] = c;
    }
    if (i === len) return len;
  }
  return buf.utf8Write(key, ptr, cap);
}
const checkWrite = (k) => (typeof k !== 'string' || k.length > 65536 ? -1 : write(k));

const ctx = { ring, fn, hr, raw, slot, checkWrite, names: nameList };
const mk = (keys, expr) => new Function('keys', 'ctx', `const { ring, fn, hr, raw, slot, checkWrite, names } = ctx;
  return function () { let x; for (let i = 0; i < keys.length; i++) { const k = keys[i]; x = ${expr}; } ctx.sink = x; return keys.length; };`)(keys, ctx);
const CASES = [
  ['loop over the keys (k.length)', 'k.length'],
  ['ring.locate(k): the whole lookup', 'ring.locate(k)'],
  ['ring.locate: the property read alone', 'ring.locate'],
  ['fn(k): the lookup function from a variable', 'fn(k)'],
  ['key check + copy into wasm memory (locate.js)', 'checkWrite(k)'],
  ['export alone: hash + search, key in memory', 'raw.__edgeSessionLocate(slot, k.length)'],
  ['export refusing (crossing + borrows, no hash)', 'raw.__edgeSessionLocate(slot, 1e9)'],
  ['check + copy + export + name (fn(k) rebuilt)', 'names[raw.__edgeSessionLocate(slot, checkWrite(k))]'],
  ['hashring.get(k)', 'hr.get(k)'],
];
const cases = {};
for (const [set, keys] of Object.entries(sets)) for (const [label, expr] of CASES) cases[`${set}: ${label}`] = mk(keys, expr);
// bench/ring-node.mjs's loop before it gave each ring its own: one function literal made into a
// closure per ring (hashring, consistent-hash, ours), so all three share its type feedback, and
// `r.locate ? r.locate(k) : r.get(k)` reads our property twice.
const ch = new ConsistentHash();
for (const name of names) ch.add(name);
for (const [set, keys] of Object.entries(sets)) {
  const shared = {};
  for (const [a, r] of Object.entries({ hashring: hr, 'consistent-hash': ch, ours: ring })) {
    shared[a] = () => { let x; for (let i = 0; i < keys.length; i++) x = r.locate ? r.locate(keys[i]) : r.get(keys[i]); ctx.sink = x; return keys.length; };
  }
  shared['consistent-hash']();
  cases[`${set}: ours in the old ring-node.mjs loop (shared closure, two reads)`] = shared.ours;
  cases[`${set}: hashring in the old ring-node.mjs loop`] = shared.hashring;
}
const t = interleavedCpu(cases, { rounds, cpuMs });
const per = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.ns]));
if (json) console.log(JSON.stringify({ n, rounds, cpu_ms: cpuMs, ns_per_call: per }, null, 1));
else for (const [k, v] of Object.entries(per)) console.log(`${v.toFixed(1).padStart(8)} ns  ${k}`);
