// Sealed tokens through the npm package: the golden vectors of tests/vectors/sealed.json open
// with their claims and fail with their codes; seal/unseal and the iron-session-style
// sealData/unsealData round trips; bounds and bad values give coded errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pkg, vectors } from './helpers.mjs';

const { Keyring } = await pkg();

const toJs = (c) => ({
  sessionId: c.session_id, shard: c.shard, epoch: c.epoch, issuedAt: c.issued_at,
  expiresAt: c.expires_at, payload: c.payload,
});

test('sealed vectors: valid ones open with their claims, invalid ones fail with their code', async () => {
  const doc = await vectors('sealed.json');
  const ring = Keyring.fromJSON(doc.keyring);
  assert.ok(doc.valid.length >= 4 && doc.invalid.length >= 10);
  for (const c of doc.valid) {
    assert.deepEqual(ring.unseal(c.token, doc.now), { kid: c.kid, ...toJs(c.claims) }, c.name);
    // A sealed token is no signed token.
    assert.equal(ring.tryVerify(c.token, doc.now), null, c.name);
  }
  for (const c of doc.invalid) {
    assert.throws(() => ring.unseal(c.token, doc.now), (e) => e.code === c.expect && e.status === 401, c.name);
  }
  // The signed vectors are not sealed tokens.
  const signed = await vectors('tokens.json');
  for (const c of signed.valid) {
    assert.throws(() => Keyring.fromJSON(signed.keyring).unseal(c.token, signed.now), { code: 'seal_malformed' }, c.name);
  }
});

test('seal draws a fresh nonce each time; unseal gives the claims back', async () => {
  const doc = await vectors('sealed.json');
  const ring = Keyring.fromJSON(doc.keyring);
  const claims = toJs(doc.valid[0].claims);
  const a = ring.seal(claims);
  const b = ring.seal(claims);
  assert.notEqual(a, b);
  assert.notEqual(a, doc.valid[0].token);
  const payload = Buffer.from(claims.payload, 'base64url').toString();
  assert.ok(!Buffer.from(a, 'base64url').toString('latin1').includes('alice'), 'the payload is not readable');
  for (const t of [a, b]) {
    assert.deepEqual(ring.unseal(t, doc.now), { kid: 'k1', ...claims });
  }
  assert.match(payload, /alice/);
  assert.throws(() => ring.unseal(a, claims.expiresAt), { code: 'seal_expired' });
});

test('sealData/unsealData: any JSON value, ttl and clock options, bounds', () => {
  const ring = Keyring.fromJSON([{ kid: 'a', secret: Buffer.alloc(32, 7).toString('base64'), state: 'primary' }]);
  const data = { user: 'alice', roles: ['admin'], n: 1.5, nested: { ok: true } };
  const t = ring.sealData(data, { ttl: 60, now: 1000 });
  assert.deepEqual(ring.unsealData(t, { now: 1059 }), data);
  assert.throws(() => ring.unsealData(t, { now: 1060 }), { code: 'seal_expired' });
  assert.equal(ring.unseal(t, 1000).shard, '-');
  // Defaults: 14 days from the clock.
  const d = ring.unseal(ring.sealData('x'));
  assert.equal(d.expiresAt - d.issuedAt, 14 * 24 * 3600);
  assert.ok(Math.abs(d.issuedAt - Date.now() / 1000) < 5);
  for (const v of ['', 0, null, [1, 2], 'é'.repeat(1000)]) assert.deepEqual(ring.unsealData(ring.sealData(v)), v);
  // Bounds: 2040 bytes of JSON, ttl in range, JSON-serialisable data.
  assert.ok(ring.sealData('x'.repeat(2038)));
  assert.throws(() => ring.sealData('x'.repeat(2039)), (e) => e.code === 'seal_payload_too_large' && e.status === 413);
  assert.throws(() => ring.sealData('x'.repeat(1 << 20)), { code: 'seal_payload_too_large' });
  for (const ttl of [0, -1, 1.5, 'x', 11 * 365 * 86400]) {
    assert.throws(() => ring.sealData(1, { ttl }), { code: 'invalid_input' }, String(ttl));
  }
  for (const bad of [undefined, () => 1, 10n, { toJSON() { throw new Error('no'); } }]) {
    assert.throws(() => ring.sealData(bad), { code: 'invalid_input' });
  }
  // Another keyring with the same kid cannot open it; one without the kid says so.
  const other = Keyring.fromJSON([{ kid: 'a', secret: Buffer.alloc(32, 8).toString('base64'), state: 'primary' }]);
  assert.throws(() => other.unsealData(t, { now: 1000 }), { code: 'seal_tampered' });
  const noKid = Keyring.fromJSON([{ kid: 'b', secret: Buffer.alloc(32, 7).toString('base64'), state: 'primary' }]);
  assert.throws(() => noKid.unsealData(t, { now: 1000 }), { code: 'seal_unknown_key' });
});

test('seal and unseal refuse bad values with codes, never crash', () => {
  const ring = Keyring.fromJSON([{ kid: 'a', secret: Buffer.alloc(32, 7).toString('base64'), state: 'primary' }]);
  const claims = { sessionId: 'AAAAAAAAAAAAAAAAAAAAAA', shard: 's', epoch: 0, issuedAt: 0, expiresAt: 10 };
  assert.throws(() => ring.seal({ ...claims, payload: Buffer.alloc(2041).toString('base64url') }),
    (e) => e.code === 'seal_payload_too_large' && e.status === 413);
  assert.ok(ring.seal({ ...claims, payload: Buffer.alloc(2040).toString('base64url') }));
  for (const bad of [undefined, null, 1, 'x', {}, { ...claims, shard: 'a b' }, { ...claims, issuedAt: 11 }]) {
    assert.throws(() => ring.seal(bad), (e) => typeof e.code === 'string');
  }
  for (const t of [undefined, null, 42, {}, ['x'], '', 'A'.repeat(200)]) {
    assert.throws(() => ring.unseal(t, 0), { code: 'seal_malformed' });
  }
  assert.throws(() => ring.unseal('A'.repeat(1 << 20), 0), { code: 'seal_too_large' });
  const t = ring.seal(claims);
  for (const now of ['5', -1, 1.5, NaN, 2 ** 60]) {
    assert.throws(() => ring.unseal(t, now), { code: 'invalid_input' }, String(now));
  }
  for (const i of [0, 10, 40, t.length - 1]) {
    const c = t[i] === 'A' ? 'B' : 'A';
    assert.throws(() => ring.unseal(t.slice(0, i) + c + t.slice(i + 1), 0), (e) => e.code.startsWith('seal_'));
  }
  ring.free();
  assert.throws(() => ring.unseal(t, 0), { code: 'object_freed' });
});
