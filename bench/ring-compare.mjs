// Ring lookups of several builds of the package against npm hashring in one process: CPU time,
// interleaved, with the keys of bench/ring-node.mjs (B keys and random 8-64 character keys).
// For before/after comparisons: copy pkg/ aside, rebuild, then compare both.
//
// Usage: node bench/ring-compare.mjs N PKG_DIR... (ROUNDS=7 by default)
import HashRing from 'hashring';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { interleavedCpu } from './lib.mjs';
const require = createRequire(import.meta.url);
const [n0, ...rel] = process.argv.slice(2);
const dirs = rel.map((d) => resolve(d));
const n = Number(n0);
let seed = 0x2545f491;
const rnd = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 2 ** 32; };
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_';
const randomKeys = JSON.parse(JSON.stringify(Array.from({ length: 50000 }, () => { const len = 8 + Math.floor(rnd() * 57); let k = ''; for (let i = 0; i < len; i++) k += ALPHABET[Math.floor(rnd() * 64)]; return k; })));
const bKeys = Array.from({ length: 50000 }, (_, i) => `Luser-${String(i).padStart(8, '0')}`);
const names = Array.from({ length: n }, (_, i) => `shard-${String(i).padStart(4, '0')}`);
const hr = new HashRing(names);
const cases = {};
// One function per case (its own source text, so no two cases share type feedback).
const mk = (label, r) => new Function('ks', 'r', `return () => { let x; for (let i = 0; i < ks.length; i++) x = ${r}; globalThis.sink = x; return ks.length; }`);
for (const [kn, ks] of [['B', bKeys], ['rand', randomKeys]]) {
  cases[`hashring ${kn}`] = mk('', 'r.get(ks[i])')(ks, hr);
  for (const d of dirs) {
    const p = require(d);
    const ring = new p.Ring(names.map((name) => ({ name, weight: 1 })));
    cases[`${d.split('/').pop()} ${kn}`] = mk('', 'r.locate(ks[i])')(ks, ring);
  }
}
const t = interleavedCpu(cases, { rounds: Number(process.env.ROUNDS || 7), cpuMs: 120 });
for (const kn of ['B', 'rand']) {
  const h = t[`hashring ${kn}`].ns;
  console.log(`n=${n} ${kn}: hashring ${h.toFixed(0)} ` + dirs.map((d) => { const k = `${d.split('/').pop()} ${kn}`; return `${k.split(' ')[0]} ${t[k].ns.toFixed(0)} (${(h / t[k].ns).toFixed(2)}x)`; }).join('  '));
}
