// `ring.locate`, the lookup function each ring holds (src/locator.rs, js/wasm/locate.js), in
// the full package and in edge-session/lite: it places every key as the package's other key
// path does (`preferenceList(key, 1)`, which copies the key through wasm-bindgen's glue),
// whatever the key's characters (lone surrogates included) and length (the scratch buffer
// grows), follows the ring's changes, stays bound to its ring, and throws the core's codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PKG, pkg } from './helpers.mjs';

const { Ring } = await pkg();
const lite = await import(pathToFileURL(join(PKG, 'lite/node.js')).href);
await lite.default();

// Fixed-seed keys: ASCII, Latin-1, BMP, astral pairs, lone surrogates; lengths 0..3000.
let seed = 7;
const rnd = (n) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n; };
const UNITS = [() => 0x61 + rnd(26), () => 0xe9, () => 0x4e2d, () => 0xd800 + rnd(0x400), () => 0xdc00 + rnd(0x400)];
const key = (len) => {
  let k = '';
  while (k.length < len) {
    const u = UNITS[rnd(UNITS.length)]();
    k += u >= 0xd800 && u < 0xdc00 && rnd(2) ? String.fromCharCode(u, 0xdc00 + rnd(0x400)) : String.fromCharCode(u);
  }
  return k;
};
const keys = [
  '', 'a', 'user-42', '\ud800', '\udfff', 'a\ud800b', '\ud83d\ude00', 'é', '\ufffd',
  ...Array.from({ length: 400 }, () => key(rnd(80))),
  ...Array.from({ length: 20 }, () => key(1000 + rnd(2000))),
  'x'.repeat(65536),
];
const shards = Array.from({ length: 16 }, (_, i) => ({ name: `s${i}`, weight: 1 + (i % 3) }));

test('locate places every key as preferenceList(key, 1) does, in both builds', () => {
  const ring = new Ring(shards);
  const light = lite.Ring.fromJSON(ring.snapshotJSON());
  for (const k of keys) {
    const want = ring.preferenceList(k, 1)[0];
    assert.equal(ring.locate(k), want, JSON.stringify(k.slice(0, 40)));
    assert.equal(light.locate(k), want, JSON.stringify(k.slice(0, 40)));
  }
  // A lone surrogate is hashed as U+FFFD, as every copy of a JS string into wasm does.
  assert.equal(ring.locate('\ud800'), ring.locate('\ufffd'));
  // Shorter keys again after the scratch buffer grew.
  assert.equal(ring.locate('user-42'), ring.preferenceList('user-42', 1)[0]);
});

test('locate refuses what is not a string of at most 65536 units with invalid_input', () => {
  for (const R of [Ring, lite.Ring]) {
    const ring = new R(shards);
    for (const bad of [undefined, null, 7, 7n, {}, ['k'], new String('k'), Symbol('k'), 'x'.repeat(65537)]) {
      assert.throws(() => ring.locate(bad), (e) => e instanceof Error && e.code === 'invalid_input' && e.status === 400);
    }
    assert.equal(typeof ring.locate('k'), 'string', 'the ring still works');
  }
});

test('locate is one function per ring, bound to it, and follows its changes', () => {
  const ring = new Ring([{ name: 'a' }, { name: 'b' }]);
  const f = ring.locate;
  assert.equal(ring.locate, f);
  assert.equal(typeof f, 'function');
  const other = new Ring([{ name: 'z' }]);
  assert.equal(f.call(other, 'k'), ring.locate('k'), 'bound to its ring, not to `this`');
  assert.equal(other.locate('k'), 'z');
  ring.add({ name: 'c' });
  ring.remove('a');
  const ks = Array.from({ length: 300 }, (_, i) => `user-${i}`);
  assert.deepEqual(ks.map(f), ks.map((k) => ring.preferenceList(k, 1)[0]));
  assert.ok(ks.every((k) => f(k) !== 'a') && ks.some((k) => f(k) === 'c'));
  const copy = ring.clone();
  ring.setWeight('b', 5);
  assert.deepEqual(ks.map(copy.locate), ks.map((k) => copy.preferenceList(k, 1)[0]), 'a clone has its own');
});

test('a lookup function of a freed ring throws object_freed; other rings are unaffected', () => {
  for (const R of [Ring, lite.Ring]) {
    const rings = Array.from({ length: 50 }, (_, i) => new R([{ name: `r${i}` }]));
    const fns = rings.map((r) => r.locate);
    for (const r of rings.slice(0, 25)) r.free();
    // New rings take the freed slots; the old functions must not answer for them.
    const fresh = Array.from({ length: 25 }, (_, i) => new R([{ name: `n${i}` }]));
    fns.slice(0, 25).forEach((f) => assert.throws(() => f('k'), { code: 'object_freed' }));
    fns.slice(25).forEach((f, i) => assert.equal(f('k'), `r${i + 25}`));
    fresh.forEach((r, i) => assert.equal(r.locate('k'), `n${i}`));
    assert.throws(() => rings[0].locate('k'), { code: 'object_freed' });
  }
});

test('locate from inside a change: the ring is busy, its lookup function answers as before it', () => {
  const ring = new Ring([{ name: 'a' }]);
  const f = ring.locate;
  const seen = [];
  // `ring.locate` is an own property: reading it does not enter the busy ring, and the lookup
  // answers from the ring as it was before the change (which has not started).
  ring.add({ toJSON() { seen.push(f('k'), ring.locate('k')); assert.throws(() => ring.epoch, { code: 'object_busy' }); return { name: 'b' }; } });
  assert.deepEqual(seen, ['a', 'a']);
  assert.equal(ring.shards.length, 2);
  assert.equal(f('k'), ring.preferenceList('k', 1)[0]);
});

test('locate keeps working after wasm memory grows', () => {
  const ring = new Ring(shards);
  const before = keys.slice(0, 50).map(ring.locate);
  // Big rings and long keys grow the memory (and detach the old views).
  const big = Array.from({ length: 8 }, () => new Ring(Array.from({ length: 1000 }, (_, i) => ({ name: `b${i}`, weight: 1000 }))));
  assert.ok(big.every((b) => typeof b.locate('k'.repeat(60000)) === 'string'));
  assert.deepEqual(keys.slice(0, 50).map(ring.locate), before);
  big.forEach((b) => b.free());
});

test('every Ring object holds its lookup function as an own read-only property, the getter\'s', () => {
  const full = new Ring(shards);
  const made = [full, Ring.fromJSON(full.toJSON()), full.clone(), full.atEpoch(1), new Ring(shards, 2),
    new lite.Ring(shards), lite.Ring.fromJSON(full.snapshotJSON())];
  for (const r of made) {
    const own = Object.getOwnPropertyDescriptor(r, 'locate');
    assert.equal(typeof own?.value, 'function', 'an own data property');
    assert.deepEqual([own.writable, own.enumerable, own.configurable], [false, false, false]);
    const getter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(r), 'locate').get;
    assert.equal(getter.call(r), own.value, 'the getter declared in Rust answers the same function');
    assert.throws(() => { r.locate = () => 'x'; }, TypeError);
    assert.ok(!Object.keys(r).includes('locate'));
    assert.equal(r.locate('user-42'), full.locate('user-42'));
  }
  for (const r of made) r.free();
  assert.throws(() => made[1].locate('k'), { code: 'object_freed' });
});
