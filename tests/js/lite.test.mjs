// The lean entry `edge-session/lite` against the golden vectors and the full package: tokens
// verify to the same claims (and invalid ones are refused the same way), a snapshot of the golden
// ring places every key as the native vectors say, and what lite refuses carries the full
// package's codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PKG, pkg, vectors } from './helpers.mjs';

const full = await pkg();
const lite = await import(pathToFileURL(join(PKG, 'lite/node.js')).href);
await lite.default();

const toJs = (c) => ({
  sessionId: c.session_id, shard: c.shard, epoch: c.epoch, issuedAt: c.issued_at,
  expiresAt: c.expires_at, payload: c.payload,
});

test('lite token vectors: valid tokens give their claims, invalid ones invalid_token (401) or null', async () => {
  const doc = await vectors('tokens.json');
  const keys = lite.Keyring.fromJSON(doc.keyring);
  assert.equal(keys.primaryKid, full.Keyring.fromJSON(doc.keyring).primaryKid);
  assert.ok(doc.valid.length > 0 && doc.invalid.length > 0);
  for (const c of doc.valid) {
    assert.deepEqual(keys.verify(c.token, doc.now), { kid: c.kid, ...toJs(c.claims) }, c.name);
    assert.deepEqual(keys.tryVerify(c.token, doc.now), keys.verify(c.token, doc.now), c.name);
  }
  for (const c of doc.invalid) {
    assert.throws(() => keys.verify(c.token, doc.now), { code: 'invalid_token', status: 401 }, c.name);
    assert.equal(keys.tryVerify(c.token, doc.now), null, c.name);
  }
  for (const t of [undefined, null, 42, {}, ['x'], 'A'.repeat(1 << 20)]) assert.equal(keys.tryVerify(t, doc.now), null);
  for (const now of ['5', -1, 1.5, NaN, 2 ** 60]) {
    assert.throws(() => keys.tryVerify(doc.valid[0].token, now), { code: 'invalid_input', status: 400 }, String(now));
  }
});

test('lite ring vectors: the golden ring, loaded from its snapshot, places every key as the native core', async () => {
  const doc = await vectors('ring.json');
  const snapshot = full.Ring.fromJSON(doc.config).snapshotJSON();
  for (const ring of [lite.Ring.fromJSON(snapshot), lite.Ring.fromJSON(JSON.parse(snapshot))]) {
    assert.equal(ring.epoch, doc.config.epoch);
    for (const k of doc.keys) {
      assert.equal(ring.locate(k.key), k.owner, k.key);
      assert.equal(ring.position(k.key), k.position, k.key);
      assert.equal(lite.position(k.key), k.position, k.key);
    }
    assert.deepEqual(ring.shares().map(({ name, owned, weight }) => ({ name, owned, weight })), doc.shares);
    const ref = full.Ring.fromJSON(doc.config);
    assert.deepEqual(ring.arcs(), ref.arcs());
    assert.deepEqual(ring.shares(), ref.shares());
    assert.deepEqual(ring.shards, ref.shards);
  }
});

test('lite rings of one init equal the full ones; a longer history is ring_bad_config', () => {
  for (const version of [1, 2]) {
    const shards = [{ name: 'b', weight: 3 }, { name: 'a' }, { name: 'c', weight: 2 }];
    const ref = new full.Ring(shards, version);
    for (const r of [new lite.Ring(shards, version), lite.Ring.fromJSON({ shards, version }), lite.Ring.fromJSON(JSON.stringify(ref))]) {
      assert.equal(r.version, version);
      assert.deepEqual(r.arcs(), ref.arcs());
      for (let i = 0; i < 200; i += 1) assert.equal(r.locate(`user-${i}`), ref.locate(`user-${i}`));
    }
    ref.add({ name: 'd' });
    assert.throws(() => lite.Ring.fromJSON(ref.toJSON()), { code: 'ring_bad_config', message: /snapshot/ });
    assert.deepEqual(lite.Ring.fromJSON(ref.snapshotJSON()).arcs(), ref.arcs());
  }
});

test('lite refuses bad keyrings and rings with the full package\'s codes', () => {
  const secret = Buffer.alloc(32, 1).toString('base64');
  const keyrings = [
    [], {}, 'not json', [{ kid: 'k1', secret, state: 'main' }], [{ kid: 'k 1', secret, state: 'primary' }],
    [{ kid: 'k1', secret: 'AAEC', state: 'primary' }], [{ kid: 'k1', secret, state: 'verify' }],
    [{ kid: 'k1', secret, state: 'primary' }, { kid: 'k1', secret, state: 'verify' }],
    [{ kid: 'k1', secret, state: 'primary' }, { kid: 'k2', secret, state: 'primary' }],
  ];
  for (const k of keyrings) {
    const want = (() => { try { full.Keyring.fromJSON(k); } catch (e) { return e.code; } return 'accepted'; })();
    assert.notEqual(want, 'accepted');
    assert.throws(() => lite.Keyring.fromJSON(k), { code: want }, JSON.stringify(k));
  }
  const rings = [
    { shards: [] }, { shards: [{ name: 'a b' }] }, { shards: [{ name: 'a', weight: 0 }] },
    { shards: [{ name: 'a' }, { name: 'a' }] }, { shards: [{ name: 'a' }], version: 3 }, { shards: [{ name: 'a', x: 1 }] },
    { epoch: 2, steps: [{ init: [{ name: 'a' }] }] }, '{"shards": [', 'x'.repeat((1 << 20) + 1),
  ];
  for (const r of rings) {
    const want = (() => { try { full.Ring.fromJSON(r); } catch (e) { return e.code; } return 'accepted'; })();
    assert.notEqual(want, 'accepted');
    assert.throws(() => lite.Ring.fromJSON(r), { code: want }, JSON.stringify(r).slice(0, 80));
  }
  assert.throws(() => new lite.Keyring(), { code: 'invalid_input', status: 400 });
});
