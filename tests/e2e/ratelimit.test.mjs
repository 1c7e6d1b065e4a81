// Sign-in rate limits in the Rust worker over Durable Object shards (local workerd): a burst
// past the per-user limit is 429 rate_limited with Retry-After, the bucket refills with time,
// other users are unaffected; the per-IP bucket (CF-Connecting-IP) on the user's shard counts
// every user of that IP and no other IP; a sealed token (npm package) is no session token here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, startWorker } from './harness.mjs';
import { TEST_KEYS, client, assertError, sleep } from './helpers.mjs';

// One shard, so every user below shares the IP buckets of that shard.
const RING = JSON.stringify({ shards: [{ name: 'only' }] });
const POLICY = JSON.stringify({ signin_user_burst: 3, signin_user_refill: 2, signin_ip_burst: 4, signin_ip_refill: 600 });
let w;
let api;
before(async () => {
  w = await startWorker({ vars: { SESSION_KEYS: TEST_KEYS, RING, POLICY } });
  ({ api } = client(w.url));
});
after(async () => { await w?.stop(); });

// Local workerd sets CF-Connecting-IP to 127.0.0.1 when a request has none: unless a test is
// about one IP's bucket, each sign-in comes from an IP of its own.
let next = 0;
const fresh = () => `203.0.113.${next++ % 250}`;
const signIn = (user, ip = fresh()) => api('POST', '/api/sessions', { body: { user }, headers: { 'cf-connecting-ip': ip } });

test('a burst past the user limit gets 429 with Retry-After; the bucket refills; others are unaffected', async () => {
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await signIn('burst-user')).status);
  assert.deepEqual(statuses, [201, 201, 201]);
  const r = await signIn('burst-user');
  assertError(r, 429, 'rate_limited');
  const wait = Number(r.headers.get('retry-after'));
  assert.ok(Number.isInteger(wait) && wait >= 1 && wait <= 2, `Retry-After: ${r.headers.get('retry-after')}`);
  assert.equal(r.json.error.retry_after, wait);
  assert.equal(r.headers.get('set-cookie'), null, 'a refused sign-in sets no cookie');
  // Another user on the same shard signs in at once.
  assert.equal((await signIn('other-user')).status, 201);
  // After Retry-After the bucket has one token again, and only one.
  await sleep(wait * 1000 + 200);
  assert.equal((await signIn('burst-user')).status, 201);
  assertError(await signIn('burst-user'), 429, 'rate_limited');
});

test('the IP bucket counts every user of one IP, not other IPs', async () => {
  const ip = '198.51.100.23';
  for (let i = 0; i < 4; i++) assert.equal((await signIn(`ip-user-${i}`, ip)).status, 201, `user ${i}`);
  const r = await signIn('ip-user-4', ip);
  assertError(r, 429, 'rate_limited');
  assert.ok(Number(r.headers.get('retry-after')) >= 1);
  // The same user from another IP, and a malformed header (ignored: only the user's bucket).
  assert.equal((await signIn('ip-user-4', '2001:db8::23')).status, 201);
  assert.equal((await signIn('ip-user-5', 'not-an-ip')).status, 201);
});

test('a refused sign-in, like an allowed one, is one shard call', async () => {
  const total = async () => Object.values((await api('GET', '/__test/calls')).json.calls).reduce((a, b) => a + b, 0);
  const ip = '192.0.2.77';
  const counts = [];
  for (let i = 0; i < 5; i++) {
    const before = await total();
    const r = await signIn(`calls-user-${i}`, ip);
    counts.push([r.status, (await total()) - before]);
  }
  assert.deepEqual(counts, [[201, 1], [201, 1], [201, 1], [201, 1], [429, 1]]);
});

test('a sealed token is not a session token: 401 invalid_token', async () => {
  const { Keyring } = await import(join(ROOT, 'pkg/index.mjs'));
  const keys = Keyring.fromJSON(TEST_KEYS);
  const sealed = keys.sealData({ user: 'mallory' });
  assert.deepEqual(keys.unsealData(sealed), { user: 'mallory' });
  assertError(await api('GET', '/api/session', { token: sealed }), 401, 'invalid_token');
  assertError(await api('GET', '/api/session', { token: sealed, viaCookie: true }), 401, 'invalid_token');
});
