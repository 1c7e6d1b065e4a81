// Gateway identity headers through the npm package: the golden vectors of
// tests/vectors/gateway.json, every input form of verifyGatewayHeaders, rotation, bounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pkg, vectors } from './helpers.mjs';

const { GatewayKeys, verifyGatewayHeaders } = await pkg();

test('gateway vectors: valid ones verify to their identity, primary-signed ones re-sign byte for byte', async () => {
  const doc = await vectors('gateway.json');
  const keys = GatewayKeys.fromJSON(doc.keys);
  assert.ok(doc.valid.length >= 5);
  for (const c of doc.valid) {
    const got = verifyGatewayHeaders(c.headers, { keys: doc.keys, maxSkew: doc.max_skew, now: c.now, method: c.method, path: c.target });
    assert.deepEqual(got, c.expect, c.name);
    if (got && got.kid === keys.primaryKid) {
      assert.deepEqual(keys.sign(c.method, c.target, got, got.timestamp), c.headers, c.name);
    }
  }
});

test('gateway vectors: invalid ones throw their code', async () => {
  const doc = await vectors('gateway.json');
  assert.ok(doc.invalid.length >= 10);
  for (const c of doc.invalid) {
    assert.throws(
      () => verifyGatewayHeaders(c.headers, { keys: JSON.stringify(doc.keys), maxSkew: doc.max_skew, now: c.now, method: c.method, path: c.target }),
      (e) => e.code === c.expect && !e.message.includes('mallory'),
      c.name,
    );
  }
});

test('verifyGatewayHeaders takes a fetch Request, a Node-style request and Headers', async () => {
  const doc = await vectors('gateway.json');
  const c = doc.valid[0];
  const opts = { keys: doc.keys, maxSkew: doc.max_skew, now: c.now };
  const fetchReq = new Request(`http://origin.test${c.target}`, { method: c.method, headers: c.headers });
  assert.deepEqual(verifyGatewayHeaders(fetchReq, opts), c.expect);
  const lower = Object.fromEntries(Object.entries(c.headers).map(([k, v]) => [k.toLowerCase(), v]));
  assert.deepEqual(verifyGatewayHeaders({ method: c.method, url: c.target, headers: lower }, opts), c.expect);
  assert.deepEqual(verifyGatewayHeaders(new Headers(c.headers), { ...opts, method: c.method, path: c.target }), c.expect);
  // The same request under another path or method is refused.
  assert.throws(() => verifyGatewayHeaders({ method: 'DELETE', url: c.target, headers: lower }, opts), { code: 'gateway_signature_invalid' });
  // A repeated header (Node gives an array) is not the gateway's.
  const doubled = { ...lower, 'edge-session-user': ['alice', 'mallory'] };
  assert.throws(() => verifyGatewayHeaders({ method: c.method, url: c.target, headers: doubled }, opts), { code: 'gateway_header_invalid' });
  // No identity header: anonymous.
  assert.equal(verifyGatewayHeaders(new Request('http://origin.test/'), opts), null);
});

test('sign/verify round trip, rotation by kid, bad arguments are coded errors', async () => {
  const secret = (b) => Buffer.alloc(32, b).toString('base64');
  const old = [{ kid: 'a', secret: secret(1), state: 'primary' }];
  const rotated = [{ kid: 'b', secret: secret(2), state: 'primary' }, { kid: 'a', secret: secret(1), state: 'verify' }];
  const who = { user: 'ünï', id: 'A'.repeat(43), shard: 'shard-0', version: 7, expires: 2_000_000_000 };
  const h = GatewayKeys.fromJSON(old).sign('PUT', '/x?y', who, 1000);
  const got = verifyGatewayHeaders(h, { keys: rotated, now: 1010, method: 'PUT', path: '/x?y' });
  assert.deepEqual(got, { ...who, kid: 'a', timestamp: 1000 });
  assert.throws(() => verifyGatewayHeaders(h, { keys: rotated, now: 1061, method: 'PUT', path: '/x?y' }), { code: 'gateway_timestamp_skew' });
  assert.throws(() => verifyGatewayHeaders(h, { keys: [{ ...rotated[0] }], now: 1000, method: 'PUT', path: '/x?y' }), { code: 'gateway_unknown_key' });
  assert.throws(() => verifyGatewayHeaders(h, { keys: 'nope', method: 'PUT', path: '/' }), { code: 'keyring_invalid_json' });
  assert.throws(() => verifyGatewayHeaders(h, { keys: old, method: 'PUT', path: '/'.repeat(9000) }), { code: 'gateway_header_invalid' });
  assert.throws(() => verifyGatewayHeaders(h, { keys: old, method: 'PUT', path: '/', maxSkew: 1e6 }), { code: 'gateway_header_invalid' });
  assert.throws(() => verifyGatewayHeaders(h, { keys: old, method: 'PUT', path: '/', now: -1 }), { code: 'invalid_input' });
  assert.throws(() => verifyGatewayHeaders(42, { keys: old }), { code: 'invalid_input' });
  assert.throws(() => GatewayKeys.fromJSON(old).sign('PUT', '/', { ...who, user: 'x'.repeat(200) }), { code: 'invalid_input' });
  assert.throws(() => GatewayKeys.fromJSON(old).sign('put', '/', who), { code: 'gateway_header_invalid' });
});
