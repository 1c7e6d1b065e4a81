// MemoryStore, the manager over JS stores, and bad input from JS: always a coded Error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEYS, pkg } from './helpers.mjs';

const m = await pkg();
const { SessionManager, MemoryStore, Keyring, Ring, runConformance, setCookie, readCookie, clearCookie } = m;

test('MemoryStore passes the core conformance suite', async () => {
  assert.equal(await runConformance(new MemoryStore(), `mem-${Date.now()}`), 20);
});

test('a broken store fails the conformance suite with the check named', async () => {
  const s = new MemoryStore();
  s.compareAndSet = async () => {}; // accepts stale writes
  await assert.rejects(runConformance(s, 'broken'), { code: 'conformance_failed', check: 'cas_current_version' });
  await assert.rejects(runConformance({ get() {} }, 'x'), { code: 'invalid_input' });
});

test('lifecycle with a fake clock: touch throttling, idle expiry, hard cap, rotation, revoke', async () => {
  let now = 1_800_000_000;
  const stores = new Map();
  const mgr = new SessionManager({
    keys: KEYS,
    ring: [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
    policy: { idleTimeout: 100, absoluteLifetime: 250, touchInterval: 10, maxSessionsPerUser: 2, rotationGrace: 0 },
    store: (shard) => stores.get(shard) ?? stores.set(shard, new MemoryStore()).get(shard),
    now: () => now,
  });
  const { token, session, maxAge } = await mgr.create({ user: 'u1', data: { n: 1 } });
  assert.equal(maxAge, 250);
  assert.equal(session.shard, mgr.shardFor('u1'));
  assert.deepEqual([...stores.keys()], [session.shard]);
  now += 5;
  assert.equal((await mgr.authenticate(token)).touched, false);
  now += 10;
  assert.equal((await mgr.authenticate(token)).touched, true);
  const u = await mgr.update(token, 1, { n: 2 });
  assert.deepEqual([u.version, u.data], [2, { n: 2 }]);
  await assert.rejects(mgr.update(token, 1, { n: 3 }), { code: 'version_conflict', currentVersion: 2, status: 412 });
  const r = await mgr.rotate(token);
  await assert.rejects(mgr.authenticate(token), { code: 'session_not_found', status: 401 });
  assert.equal((await mgr.authenticate(r.token)).session.data.n, 2);
  // Sessions per user are bounded: the third sign-in ends the least recently used.
  await mgr.create({ user: 'u1' });
  await mgr.create({ user: 'u1' });
  assert.equal((await mgr.listUser('u1')).length, 2);
  const listed = await mgr.listUser('u1');
  assert.equal(await mgr.revoke('u1', listed[0].id), true);
  assert.equal(await mgr.revoke('u1', listed[0].id), false);
  now += 101; // idle
  assert.equal((await mgr.listUser('u1')).length, 0);
  const late = await mgr.create({ user: 'u2' });
  for (let i = 0; i < 3; i++) {
    now += 90;
    if (i < 2) await mgr.authenticate(late.token);
  }
  await assert.rejects(mgr.authenticate(late.token), (e) => ['invalid_token', 'session_not_found', 'session_expired'].includes(e.code));
  assert.equal(await mgr.revokeUser('u2'), 1);
});

test('bad input from JS is a coded Error, never a trap', async () => {
  const mgr = new SessionManager({ keys: KEYS, ring: [{ name: 'a' }], store: new MemoryStore() });
  const { token } = await mgr.create({ user: 'ok' });
  const cyclic = {};
  cyclic.self = cyclic;
  const cases = [
    [() => mgr.create({ user: 42 }), 'invalid_input'],
    [() => mgr.create({ user: '' }), 'invalid_input'],
    [() => mgr.create({ user: 'x'.repeat(1e6) }), 'invalid_input'],
    [() => mgr.create({ user: 'a\nb' }), 'invalid_input'],
    [() => mgr.create({ user: 'u', device: {} }), 'invalid_input'],
    [() => mgr.create({ user: 'u', data: cyclic }), 'invalid_input'],
    [() => mgr.create({ user: 'u', data: { big: 10n } }), 'invalid_input'],
    [() => mgr.create({ user: 'u', data: [1, 2] }), 'invalid_input'],
    [() => mgr.create({ user: 'u', data: '{"a":1}' }), 'invalid_input'],
    [() => mgr.create({ user: 'u', data: { s: 'x'.repeat(5000) } }), 'data_too_large'],
    [() => mgr.create({ user: 'u', data: { s: 'x'.repeat(50_000_000) } }), 'data_too_large'],
    [() => mgr.create('alice'), 'invalid_input'],
    [() => mgr.create(), 'invalid_input'],
    [() => mgr.authenticate('x'.repeat(10_000_000)), 'invalid_token'],
    [() => mgr.authenticate(undefined), 'invalid_token'],
    [() => mgr.authenticate({ token }), 'invalid_token'],
    [() => mgr.authenticate('not a token'), 'invalid_token'],
    [() => mgr.update(token, '1', { a: 1 }), 'invalid_input'],
    [() => mgr.update(token, -1, { a: 1 }), 'invalid_input'],
    [() => mgr.update(token, 1.5, { a: 1 }), 'invalid_input'],
    [() => mgr.update(token, 1), 'invalid_input'],
    [() => mgr.listUser(null), 'invalid_input'],
    [() => mgr.revoke('ok', 'short'), 'invalid_input'],
    [() => mgr.revokeUser(Symbol('x')), 'invalid_input'],
  ];
  for (const [call, code] of cases) {
    const p = call();
    assert.ok(p instanceof Promise, 'async methods always return a promise');
    // Session-layer codes carry their HTTP status (invalid_input: 400, data_too_large: 413, ...).
    const status = { invalid_input: 400, data_too_large: 413, invalid_token: 401 }[code];
    await assert.rejects(p, (e) => e instanceof Error && e.code === code && e.status === status, `${call} -> ${code} ${status}`);
  }
  const sync = [
    [() => new SessionManager(), 'invalid_input'],
    [() => new SessionManager({ keys: KEYS, ring: [{ name: 'a' }] }), 'config_invalid'],
    [() => new SessionManager({ keys: [], ring: [{ name: 'a' }], store: new MemoryStore() }), 'keyring_empty'],
    [() => new SessionManager({ keys: KEYS, ring: 5, store: new MemoryStore() }), 'ring_bad_config'],
    [() => new SessionManager({ keys: KEYS, ring: [{ name: 'a' }], store: new MemoryStore(), policy: { idleTimeout: 0 } }), 'policy_invalid'],
    [() => new SessionManager({ keys: KEYS, ring: [{ name: 'a' }], store: new MemoryStore(), policy: { nope: 1 } }), 'policy_invalid'],
    [() => Keyring.fromJSON('x'.repeat(100_000)), 'keyring_invalid_json'],
    [() => Keyring.fromJSON([{ kid: 'k', secret: 'c2hvcnQ=', state: 'primary' }]), 'keyring_key_too_short'],
    [() => Keyring.fromJSON(KEYS).sign({ sessionId: 1 }), 'invalid_input'],
    [() => Keyring.fromJSON(KEYS).verify(token, -5), 'invalid_input'],
    [() => Keyring.fromJSON(KEYS).verify(12345), 'invalid_token'],
    [() => new Ring([{ name: 'a' }]).locate(7), 'invalid_input'],
    [() => new Ring([{ name: 'a' }]).locate('k'.repeat(1e6)), 'invalid_input'],
    [() => new Ring([{ name: 'a' }]).preferenceList('k', -1), 'invalid_input'],
    [() => new Ring([{ name: 'a' }]).setWeight('a', 0), 'ring_bad_weight'],
    [() => Ring.movedFraction({}, 5), 'invalid_input'],
    [() => new SessionManager({ keys: Keyring.fromJSON(KEYS), ring: [{ name: 'a' }], store: new MemoryStore() }), 'keyring_invalid_json'],
    [() => Ring.fromJSON('{"epoch": 2, "steps": []}'), 'ring_epoch_mismatch'],
    [() => setCookie(token, 60, { sameSite: 'sideways' }), 'invalid_input'],
    [() => setCookie(token, 60, { hostPrefix: true, secure: false }), 'cookie_host_prefix'],
    [() => setCookie('a b', 60), 'cookie_bad_value'],
    [() => setCookie('x'.repeat(5000), 60), 'cookie_bad_value'],
    [() => setCookie('x'.repeat(4080), 60), 'cookie_too_large'],
    [() => setCookie(token, 'soon'), 'invalid_input'],
    [() => readCookie(42), 'invalid_input'],
  ];
  for (const [call, code] of sync) assert.throws(call, (e) => e instanceof Error && e.code === code, `${call} -> ${code}`);
  assert.equal(readCookie(undefined), undefined);
  assert.equal(readCookie('x'.repeat(100_000)), undefined);
  assert.match(clearCookie(), /Max-Age=0/);
  // The manager still works after all that.
  assert.equal((await mgr.authenticate(token)).session.user, 'ok');
});

test('store rejections map onto the core codes', async () => {
  const store = new MemoryStore();
  const down = Object.assign(new Error('boom'), { code: 'store_unavailable', reason: 'timeout' });
  const mgr = new SessionManager({ keys: KEYS, ring: [{ name: 'a' }], store });
  const { token } = await mgr.create({ user: 'u' });
  store.get = async () => { throw down; };
  await assert.rejects(mgr.authenticate(token), { code: 'store_unavailable', reason: 'timeout', status: 503 });
  store.get = () => { throw new TypeError('bug'); };
  await assert.rejects(mgr.authenticate(token), { code: 'store_unavailable', reason: 'store_error' });
  store.get = async () => ({ idHash: 'nope' });
  await assert.rejects(mgr.authenticate(token), { code: 'store_corrupt' });
  const bad = new SessionManager({ keys: KEYS, ring: [{ name: 'a' }], store: () => ({}) });
  await assert.rejects(bad.create({ user: 'u' }), { code: 'store_unavailable', reason: 'store_invalid' });
});
