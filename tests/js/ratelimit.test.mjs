// Sign-in rate limits in the npm package: the core's token bucket runs over each store's
// getBucket/putBucket (MemoryStore, RedisStore on local redis-servers, KVStore on a fake KV).
// A burst past the limit rejects with rate_limited (429, retryAfter), the bucket refills with
// the clock, other users and IPs are unaffected; bad ips and policies are coded errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEYS, pkg, startRedis } from './helpers.mjs';

const { SessionManager, MemoryStore, RedisStore, KVStore, Ring } = await pkg();

const POLICY = { signinUserBurst: 3, signinUserRefill: 10, signinIpBurst: 4, signinIpRefill: 5 };

/** The manager's clock is `clock.now`, moved by the test. */
function managerOver(store, ring = [{ name: 'one' }], clock = { now: 1_767_225_600 }) {
  const m = new SessionManager({ keys: KEYS, ring, store, policy: POLICY, now: () => clock.now });
  return { m, clock };
}

async function burstAndRefill(m, clock, tag) {
  for (let i = 0; i < 3; i++) await m.create({ user: `${tag}-alice` });
  const e = await m.create({ user: `${tag}-alice` }).catch((x) => x);
  assert.equal(e.code, 'rate_limited', tag);
  assert.equal(e.status, 429, tag);
  assert.equal(e.retryAfter, 10, tag);
  // Another user is not affected.
  await m.create({ user: `${tag}-bob` });
  clock.now += 4;
  assert.equal((await m.create({ user: `${tag}-alice` }).catch((x) => x)).retryAfter, 6, tag);
  clock.now += 6;
  await m.create({ user: `${tag}-alice` });
  await assert.rejects(m.create({ user: `${tag}-alice` }), { code: 'rate_limited' }, tag);
}

test('MemoryStore: a burst past the user limit, refill, other users, the IP bucket', async () => {
  const { m, clock } = managerOver(new MemoryStore());
  await burstAndRefill(m, clock, 'mem');
  // Four users from one IP pass, the fifth is refused by the IP's bucket; another IP is not.
  for (let i = 0; i < 4; i++) await m.create({ user: `ip-user-${i}`, ip: '203.0.113.7' });
  const e = await m.create({ user: 'ip-user-4', ip: '203.0.113.7' }).catch((x) => x);
  assert.deepEqual([e.code, e.retryAfter], ['rate_limited', 5]);
  await m.create({ user: 'ip-user-4', ip: '2001:db8::7' });
  assert.deepEqual(
    [m.policy.signinUserBurst, m.policy.signinUserRefill, m.policy.signinIpBurst, m.policy.signinIpRefill], [3, 10, 4, 5]);
});

test('create({ip}) and the policy knobs refuse bad values with codes', async () => {
  const { m } = managerOver(new MemoryStore());
  for (const ip of ['', 'not an ip', '1.2.3.4, 5.6.7.8', 'a'.repeat(46), 42, {}]) {
    await assert.rejects(m.create({ user: 'x', ip }), { code: 'invalid_input' }, String(ip));
  }
  for (const policy of [{ signinUserBurst: 10001 }, { signinIpRefill: 0 }, { signinUserRefill: 86401 }, { signinIpBurst: -1 }, { signinIpBurst: 1.5 }]) {
    assert.throws(() => new SessionManager({ keys: KEYS, ring: [{ name: 'a' }], store: new MemoryStore(), policy }), { code: 'policy_invalid' }, JSON.stringify(policy));
  }
  const d = new SessionManager({ keys: KEYS, ring: [{ name: 'a' }], store: new MemoryStore() }).policy;
  assert.deepEqual([d.signinUserBurst, d.signinUserRefill, d.signinIpBurst, d.signinIpRefill], [20, 15, 100, 1]);
  // A store without getBucket/putBucket keeps no buckets: no limit.
  const inner = new MemoryStore();
  const plain = Object.fromEntries(['get', 'create', 'compareAndSet', 'touch', 'replace', 'delete', 'listByUser', 'deleteByUser', 'expire']
    .map((k) => [k, (...a) => inner[k](...a)]));
  const { m: unlimited } = managerOver(plain);
  for (let i = 0; i < 6; i++) await unlimited.create({ user: 'free' });
  // A store answering junk for a bucket is store_corrupt, not a crash.
  const junk = { ...plain, getBucket: () => 'nope', putBucket: () => {} };
  await assert.rejects(managerOver(junk).m.create({ user: 'j' }), { code: 'store_corrupt' });
});

test('RedisStore: the same bucket over two local redis-servers', async (t) => {
  const servers = {};
  for (const n of ['r1', 'r2']) servers[n] = (await startRedis(t)).url;
  const ring = new Ring([{ name: 'r1' }, { name: 'r2' }]);
  const store = await RedisStore.connect({ servers, ring, commandTimeout: 500, connectTimeout: 1000 });
  t.after(() => store.close());
  const { m, clock } = managerOver(store.router(), ring);
  await burstAndRefill(m, clock, 'redis');
  const shard = store.shard(m.shardFor('redis-alice'));
  assert.match(await shard.getBucket('signin:u:redis-alice', clock.now), /^\d+:\d+$/);
});

test('KVStore: the same bucket over a KV namespace', async () => {
  const data = new Map();
  const kv = {
    async get(key, type) { assert.equal(type, 'text'); return data.get(key) ?? null; },
    async put(key, value, opts = {}) {
      assert.ok(opts.expiration >= Date.now() / 1000 + 60, 'KV refuses an expiration less than 60 s ahead');
      data.set(key, value);
    },
    async delete(key) { data.delete(key); },
    async list({ prefix = '' } = {}) {
      return { keys: [...data.keys()].filter((k) => k.startsWith(prefix)).sort().map((name) => ({ name })), list_complete: true };
    },
  };
  const { m, clock } = managerOver(new KVStore(kv));
  await burstAndRefill(m, clock, 'kv');
  assert.ok([...data.keys()].some((k) => k.startsWith('b:')), 'buckets are kept under b:');
});
