// Golden vectors through the npm package: tokens verify (and re-sign byte for byte) per
// tests/vectors/tokens.json, placements equal the native ones in tests/vectors/ring.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pkg, vectors } from './helpers.mjs';

const { Keyring, Ring } = await pkg();

const toJs = (c) => ({
  sessionId: c.session_id, shard: c.shard, epoch: c.epoch, issuedAt: c.issued_at,
  expiresAt: c.expires_at, payload: c.payload,
});

test('token vectors: valid ones verify with their claims and re-sign to the same bytes', async () => {
  const doc = await vectors('tokens.json');
  const ring = Keyring.fromJSON(doc.keyring);
  assert.ok(doc.valid.length > 0);
  for (const c of doc.valid) {
    const got = ring.verify(c.token, doc.now);
    assert.deepEqual(got, { kid: c.kid, ...toJs(c.claims) }, c.name);
    assert.deepEqual(ring.tryVerify(c.token, doc.now), got, c.name);
    const promoted = doc.keyring.map((k) => ({
      ...k,
      state: k.kid === c.kid ? 'primary' : k.state === 'primary' ? 'verify' : k.state,
    }));
    assert.equal(Keyring.fromJSON(JSON.stringify(promoted)).sign(toJs(c.claims)), c.token, c.name);
  }
});

test('token vectors: invalid ones throw invalid_token', async () => {
  const doc = await vectors('tokens.json');
  const ring = Keyring.fromJSON(doc.keyring);
  assert.ok(doc.invalid.length > 0);
  for (const c of doc.invalid) {
    assert.throws(() => ring.verify(c.token, doc.now), { code: 'invalid_token' }, c.name);
    assert.equal(ring.tryVerify(c.token, doc.now), null, c.name);
  }
  // Not a string, or too long to be a token: invalid, without copying it into wasm.
  for (const t of [undefined, null, 42, {}, ['x'], 'A'.repeat(1 << 20)]) {
    assert.equal(ring.tryVerify(t, doc.now), null);
    assert.throws(() => ring.verify(t, doc.now), { code: 'invalid_token' });
  }
  // A bad clock is the caller's mistake, not an invalid token.
  const good = doc.valid[0].token;
  for (const now of ['5', -1, 1.5, NaN, 2 ** 60]) {
    assert.throws(() => ring.tryVerify(good, now), { code: 'invalid_input' }, String(now));
  }
});

test('ring vectors: positions, owners, preference lists, every epoch and exact shares', async () => {
  const doc = await vectors('ring.json');
  const ring = Ring.fromJSON(doc.config);
  assert.equal(ring.epoch, doc.config.epoch);
  assert.deepEqual(ring.toJSON(), doc.config);
  const epochs = Array.from({ length: ring.epoch }, (_, i) => ring.atEpoch(i + 1));
  for (const k of doc.keys) {
    assert.equal(ring.position(k.key), k.position, k.key);
    assert.equal(ring.locate(k.key), k.owner, k.key);
    assert.deepEqual(ring.preferenceList(k.key, 3), k.preference, k.key);
    assert.deepEqual(epochs.map((r) => r.locate(k.key)), k.owner_by_epoch, k.key);
  }
  assert.deepEqual(ring.shares().map(({ name, owned, weight }) => ({ name, owned, weight })), doc.shares);
  const total = ring.arcs().reduce((s, a) => s + BigInt(a.len), 0n);
  assert.equal(total, 2n ** 64n);
});

test('ring API: add/remove/setWeight, clone, movedFraction, JSON round trip', async () => {
  const r = new Ring([{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }]);
  const before = r.clone();
  r.add({ name: 'c', weight: 2 });
  assert.equal(r.epoch, 2);
  assert.ok(Math.abs(Ring.movedFraction(before, r) - 0.5) < 1e-9);
  r.setWeight('c', 1);
  r.remove('a');
  assert.equal(r.epoch, 4);
  assert.deepEqual(r.shards.map((s) => s.name), ['b', 'c']);
  const back = Ring.fromJSON(JSON.stringify(r));
  assert.equal(back.locate('someone'), r.locate('someone'));
  assert.throws(() => r.remove('zzz'), { code: 'ring_unknown_shard' });
  assert.throws(() => r.add({ name: 'b' }), { code: 'ring_duplicate_shard' });
  assert.throws(() => r.add({ name: 'bad name' }), { code: 'ring_bad_name' });
  assert.throws(() => new Ring([]), { code: 'ring_empty' });
  assert.throws(() => new Ring('nope'), { code: 'ring_bad_config' });
  assert.equal(before.epoch, 1, 'clone is independent');
});

test('ring lookups follow every change (the cached shard names are refreshed)', async () => {
  const keys = Array.from({ length: 300 }, (_, i) => `user-${i}`);
  const r = new Ring([{ name: 'a' }, { name: 'b' }]);
  const fresh = () => Ring.fromJSON(JSON.stringify(r));
  const same = (what) => {
    const f = fresh();
    assert.deepEqual(keys.map((k) => r.locate(k)), keys.map((k) => f.locate(k)), what);
  };
  same('initial');
  r.add({ name: 'c', weight: 3 });
  same('after add');
  assert.ok(keys.some((k) => r.locate(k) === 'c'));
  r.remove('a');
  same('after remove');
  assert.ok(keys.every((k) => r.locate(k) !== 'a'));
  r.setWeight('b', 5);
  same('after setWeight');
  assert.throws(() => r.remove('zzz'), { code: 'ring_unknown_shard' });
  same('after a refused change');
  const c = r.clone();
  c.remove('b');
  assert.ok(keys.every((k) => c.locate(k) === 'c'));
  same('original untouched by its clone');
});
