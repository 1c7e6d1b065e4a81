// B. Ring from JS: our package's Ring (wasm) against npm `hashring` (ketama, md5, 160 points
// per server) and `consistent-hash`. Prints JSON on stdout.
//
// Lookups use more distinct keys than hashring's 5,000-entry LRU cache, so its cache never
// answers. Balance and movement of hashring are EXACT (from its sorted 32-bit points);
// consistent-hash places its control points with Math.random and hashes keys with a 24-bit PJW
// hash, so its figures are SAMPLED and change from run to run.
//
// Lookup times: wall clock, every lookup case in turn over batches of ~0.5 ms for 120 rounds per
// --rounds, median per case (so the peers and ours run under the same load, and a batch the
// scheduler interrupted does not count); then CPU time, interleaved, over whole passes.
import HashRing from 'hashring';
import ConsistentHash from 'consistent-hash';
import { interleaved, interleavedCpu, interleavedWall, arg, ourPackage, pkgVersion, do_not_optimize, median } from './lib.mjs';

const rounds = arg('--rounds', 7);
const cpuMs = arg('--cpu-ms', 150);
const nkeys = arg('--keys', 200_000);
const nlookups = arg('--lookups', 50_000);
const name = (i) => `shard-${String(i).padStart(4, '0')}`;
const sample = Array.from({ length: nkeys }, (_, i) => `user-${String(i).padStart(8, '0')}`);
const lookupKeys = Array.from({ length: nlookups }, (_, i) => `Luser-${String(i).padStart(8, '0')}`);
// Random keys of 8-64 characters (URL-safe alphabet, fixed-seed LCG), flattened by a JSON round
// trip as keys read from a request are (a string built by += is a rope until flattened).
let seed = 0x2545f491;
const rnd = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 2 ** 32; };
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_';
const randomKeys = JSON.parse(JSON.stringify(Array.from({ length: nlookups }, () => {
  const len = 8 + Math.floor(rnd() * 57);
  let k = '';
  for (let i = 0; i < len; i++) k += ALPHABET[Math.floor(rnd() * 64)];
  return k;
})));
const pkg = ourPackage();
const OurRing = pkg && pkg.Ring;

function ketamaPoints(r) {
  return r.ring.map((p) => [p.value, p.server]);
}
// hashring.find: a key hashing to h belongs to the first point with value >= h, else point 0.
function ketamaShares(pts, names) {
  const owned = new Map(names.map((n) => [n, 0]));
  let prev = pts[pts.length - 1][0] - 2 ** 32;
  for (const [v, s] of pts) { owned.set(s, owned.get(s) + (v - prev)); prev = v; }
  return names.map((n) => owned.get(n) / 2 ** 32);
}
function ownerAt(pts, x) {
  let lo = 0, hi = pts.length;
  while (lo < hi) { const m = (lo + hi) >> 1; if (pts[m][0] < x) lo = m + 1; else hi = m; }
  return lo === pts.length ? pts[0][1] : pts[lo][1];
}
function ketamaMoved(a, b) {
  const cuts = [...new Set([...a, ...b].map((p) => p[0]))].sort((x, y) => x - y);
  let moved = 0, prev = cuts[cuts.length - 1] - 2 ** 32;
  for (const c of cuts) { if (ownerAt(a, c) !== ownerAt(b, c)) moved += c - prev; prev = c; }
  return moved / 2 ** 32;
}
const maxOverMean = (s) => Math.max(...s) / (s.reduce((x, y) => x + y, 0) / s.length);
function sampledShares(locate, names) {
  const c = new Map(names.map((n) => [n, 0]));
  for (const k of sample) { const o = locate(k); c.set(o, c.get(o) + 1); }
  return names.map((n) => c.get(n) / sample.length);
}
const sampledMoved = (la, lb) => sample.reduce((m, k) => m + (la(k) !== lb(k) ? 1 : 0), 0) / sample.length;
const newKetama = (names) => new HashRing(names);
const newCH = (names) => { const r = new ConsistentHash(); for (const n of names) r.add(n); return r; };
const newOurs = (names) => new OurRing(names.map((n) => ({ name: n, weight: 1 })));

// Heap bytes per instance: build `copies` of it, keep them alive, compare the heap after a GC.
function heapOf(build, copies = 20) {
  if (!global.gc) return null;
  global.gc(); const h0 = process.memoryUsage().heapUsed;
  const keep = Array.from({ length: copies }, build);
  global.gc(); const h1 = process.memoryUsage().heapUsed;
  do_not_optimize(keep);
  return Math.max(0, (h1 - h0) / copies);
}

const rows = [];
for (const n of [16, 64, 256]) {
  const names = Array.from({ length: n }, (_, i) => name(i));
  const added = [...names, name(n)];
  const mid = n >> 1;
  const removed = names.filter((_, i) => i !== mid);
  const algos = {};

  const kr = newKetama(names);
  const kpts = ketamaPoints(kr);
  // our reconstruction must place keys exactly as hashring.get does
  for (const k of sample.slice(0, 2000)) {
    if (ownerAt(kpts, kr.hashValue(k)) !== kr.get(k)) throw new Error('ketama reconstruction differs');
  }
  algos.hashring = {
    max_over_mean: maxOverMean(ketamaShares(kpts, names)), balance_exact: true,
    add_moved: ketamaMoved(kpts, ketamaPoints(newKetama(added))),
    remove_moved: ketamaMoved(kpts, ketamaPoints(newKetama(removed))), move_exact: true,
    memory_bytes: heapOf(() => newKetama(names)), note: 'exact: sorted points (2^32 space)',
  };
  const ch = newCH(names);
  // Same control points for the shards that stay (independent instances would draw new ones).
  const copyCH = (keep) => { const r = new ConsistentHash(); for (const s of keep) r.add(s, 0, ch.getPoints(s)); return r; };
  const chAdd = copyCH(names); chAdd.add(name(n));
  const chRem = copyCH(removed);
  algos['consistent-hash'] = {
    max_over_mean: maxOverMean(sampledShares((k) => ch.get(k), names)), balance_exact: false,
    add_moved: sampledMoved((k) => ch.get(k), (k) => chAdd.get(k)),
    remove_moved: sampledMoved((k) => ch.get(k), (k) => chRem.get(k)), move_exact: false,
    memory_bytes: heapOf(() => newCH(names)), note: 'sampled; random control points (Math.random)',
  };
  if (OurRing) {
    const r = newOurs(names);
    const shares = r.shares().map((s) => Number(BigInt(s.owned)) / 2 ** 64);
    const ra = newOurs(names); ra.add({ name: name(n), weight: 1 });
    const rr = newOurs(names); rr.remove(names[mid]);
    const frac = (x) => (typeof x === 'number' ? x : Number(BigInt(x)) / 2 ** 64);
    algos.ours = {
      max_over_mean: maxOverMean(shares), balance_exact: true,
      add_moved: frac(OurRing.movedFraction(r, ra)), remove_moved: frac(OurRing.movedFraction(r, rr)),
      move_exact: true, memory_bytes: null, note: 'exact: arcs (wasm memory: see the native row)',
    };
  }
  for (const a of Object.values(algos)) { a.add_ideal = 1 / (n + 1); a.remove_ideal = 1 / n; }

  // timings
  const built = { hashring: kr, 'consistent-hash': ch };
  if (OurRing) built.ours = newOurs(names);
  // Each lookup case is its own function, compiled from its own source text, so no two cases
  // share a call site's type feedback; each calls its ring's lookup as a user would
  // (`ring.get(key)`, ours `ring.locate(key)`), over its key set, going on where its last
  // batch stopped.
  const lookup = {};
  for (const [a, r] of Object.entries(built)) {
    const call = a === 'ours' ? 'r.locate(ks[p])' : 'r.get(ks[p])';
    for (const [what, ks] of [['lookup', lookupKeys], ['lookup_random', randomKeys]]) {
      lookup[`${a}|${what}`] = new Function('r', 'ks', 'out', `let p = 0;
        return (count) => { let x; for (let j = 0; j < count; j++) { x = ${call}; if (++p === ks.length) p = 0; } out.x = x; return count; };`)(r, ks, {});
    }
  }
  // Wall clock: every lookup case in turn over batches of ~0.5 ms, many rounds, median per case,
  // so that hashring and ours run under the same load.
  const wall = interleavedWall(lookup, { rounds: rounds * 120, batchMs: 0.5 });
  const builds = {};
  builds['hashring|build'] = () => do_not_optimize(newKetama(names));
  builds['consistent-hash|build'] = () => { const r = newCH(names); r.get('x'); return do_not_optimize(r); };
  if (OurRing) builds['ours|build'] = () => { const r = newOurs(names); do_not_optimize(r); r.free?.(); };
  const t = await interleaved(builds, { rounds, cpuMs });
  // The lookups again in CPU time (this process's user + system time), interleaved: on a busy
  // machine the wall-clock figures above also count time the scheduler gave to others.
  const lookups = Object.fromEntries(Object.entries(lookup).filter(([k]) => !k.startsWith('consistent-hash'))
    .map(([k, f]) => [k, () => f(k.endsWith('_random') ? randomKeys.length : lookupKeys.length)]));
  for (const [key, v] of Object.entries(interleavedCpu(lookups, { rounds, cpuMs }))) {
    const [a, what] = key.split('|');
    algos[a][what === 'lookup' ? 'lookup_cpu_ns' : 'lookup_random_cpu_ns'] = v.ns;
  }
  for (const [key, v] of Object.entries(wall)) {
    const [a, what] = key.split('|');
    algos[a][what === 'lookup' ? 'lookup_ns' : 'lookup_random_ns'] = v.ns;
  }
  for (const [key, v] of Object.entries(t)) algos[key.split('|')[0]].build_ns = v.ns;
  rows.push({ n, algos });
}
console.log(JSON.stringify({ rounds, cpu_ms: cpuMs, keys_sampled: nkeys, lookup_keys: nlookups, ours: !!OurRing,
  random_keys: { count: randomKeys.length, min_len: 8, max_len: 64, mean_len: randomKeys.reduce((a, k) => a + k.length, 0) / randomKeys.length },
  versions: { hashring: pkgVersion('hashring'), 'consistent-hash': pkgVersion('consistent-hash') }, rows }, null, 1));
void median;
