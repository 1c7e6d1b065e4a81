// RedisStore under faults, against three real redis-server processes on loopback ports:
// SIGKILL + restart empty + repair, writes that cannot reach their quorum, concurrent retried
// increments with a server killed midway, partitions through local TCP proxies the test cuts,
// and a SIGSTOPped server (latency printed, never asserted). Counts are printed as diagnostics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEYS, percentile, pkg, startProxy, startRedis, until } from './helpers.mjs';

const { SessionManager, RedisStore, Ring } = await pkg();
const NAMES = ['r1', 'r2', 'r3'];
const ring = () => new Ring(NAMES.map((name) => ({ name })));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function servers(t) {
  const procs = {};
  for (const n of NAMES) procs[n] = await startRedis(t);
  return procs;
}

/** A store + manager (one "app") over `urls` ({name: url}). */
async function app(t, urls, opts = {}) {
  const store = await RedisStore.connect({ servers: urls, ring: ring(), commandTimeout: 300, connectTimeout: 500, ...opts });
  t.after(() => store.close());
  const manager = new SessionManager({ keys: KEYS, ring: ring(), store: store.router() });
  return { store, manager };
}

const urlsOf = (procs) => Object.fromEntries(NAMES.map((n) => [n, procs[n].url]));

/** Replicas of a shard, as the store chose them. */
const replicasOf = (store, shard) => store.shard(shard).nodes.map((n) => n.name);

async function createMany(manager, nUsers, each) {
  const made = [];
  for (let u = 0; u < nUsers; u++) {
    for (let i = 0; i < each; i++) made.push(await manager.create({ user: `user-${u}`, data: { u, i } }));
  }
  return made;
}

/** How many of `made` no longer authenticate (any error counts as lost). */
async function lost(manager, made, check = () => true) {
  let n = 0;
  for (const m of made) {
    try {
      const { session } = await manager.authenticate(m.token);
      if (!check(m, session)) n++;
    } catch {
      n++;
    }
  }
  return n;
}

const reconnected = (store, name) => until(() => store.nodes.get(name).client.isReady, `${name} to reconnect`);

for (const [first, second] of NAMES.flatMap((a) => NAMES.filter((b) => b !== a).map((b) => [a, b]))) {
  test(`r = 2: kill ${first}, restart it empty, repair, kill ${second}: 0 of 300 sessions lost`, async (t) => {
    const procs = await servers(t);
    const { store, manager } = await app(t, urlsOf(procs), { replicas: 2 });
    const made = await createMany(manager, 100, 3);
    await procs[first].stop();
    // Writes during the outage go to the survivors.
    let updated = 0;
    for (const m of made.slice(0, 60)) {
      const { session } = await manager.authenticate(m.token);
      m.want = (await manager.update(m.token, session.version, { changed: true })).version;
      updated++;
    }
    await procs[first].restart();
    const client = store.nodes.get(first).client;
    await reconnected(store, first);
    await until(() => store.lastRepair !== null, 'the automatic repair');
    await store.idle();
    const keys = await client.dbSize();
    await procs[second].stop();
    const gone = await lost(manager, made, (m, s) => s.version === (m.want ?? 1));
    t.diagnostic(`${made.length} sessions, ${updated} updated while ${first} was down; repair copied ${store.lastRepair.copied} `
      + `(scanned ${store.lastRepair.scanned}), ${first} then held ${keys} keys; after killing ${second}: ${gone} lost`);
    assert.ok(store.lastRepair.copied > 0 && keys > 0);
    assert.equal(gone, 0);
  });
}

test('strict, r = 3: kill r1 (reads and writes go on), restart it empty, repair, kill r2: 0 of 300 lost', async (t) => {
  const procs = await servers(t);
  const { store, manager } = await app(t, urlsOf(procs), { replicas: 3, consistency: 'strict' });
  const made = await createMany(manager, 100, 3);
  await procs.r1.stop();
  for (const m of made.slice(0, 60)) {
    const { session } = await manager.authenticate(m.token);
    m.want = (await manager.update(m.token, session.version, { changed: true })).version;
  }
  await procs.r1.restart();
  await reconnected(store, 'r1');
  await until(() => store.lastRepair !== null, 'the automatic repair');
  await store.idle();
  await procs.r2.stop();
  const gone = await lost(manager, made, (m, s) => s.version === (m.want ?? 1));
  t.diagnostic(`strict: 60 updated while r1 was down; repair copied ${store.lastRepair.copied}; after killing r2: ${gone} lost`);
  assert.equal(gone, 0);
});

test('writeQuorum 2, one server down: rejected writes, creates and revocations leave no trace; retries succeed once', async (t) => {
  const procs = await servers(t);
  const { store, manager } = await app(t, urlsOf(procs), { replicas: 2, writeQuorum: 2 });
  const made = await createMany(manager, 30, 1);
  await procs.r1.stop();
  const hit = made.filter((m) => replicasOf(store, m.session.shard).includes('r1'));
  let rejected = 0;
  for (const m of hit) {
    await assert.rejects(manager.update(m.token, 1, { n: 1 }), { code: 'store_unavailable', reason: 'quorum_failed' });
    rejected++;
  }
  // Rejected sign-ins: no session listed, none counted toward the per-user limit.
  const users = [...new Set(hit.map((m) => m.session.user))];
  for (const u of users) await assert.rejects(manager.create({ user: u }), { code: 'store_unavailable', reason: 'quorum_failed' });
  for (const u of users) await assert.rejects(manager.revokeUser(u), { code: 'store_unavailable', reason: 'quorum_failed' });
  await store.idle();
  for (const u of users) assert.equal((await manager.listUser(u)).length, 1, `${u}: only the first session`);
  // Nothing applied on the survivors: same version, no pending write left behind.
  for (const m of hit) {
    const { session } = await manager.authenticate(m.token);
    assert.deepEqual([session.version, session.data], [1, { u: m.session.data.u, i: 0 }]);
    for (const name of replicasOf(store, m.session.shard).filter((n) => n !== 'r1')) {
      const c = store.nodes.get(name).client;
      assert.equal(await c.hGet(`es:s:${m.session.id}`, 'pw'), null);
    }
  }
  // Back with r1 (empty, repaired): the same write with the same version succeeds, once.
  await procs.r1.restart();
  await reconnected(store, 'r1');
  await store.idle();
  await store.repair();
  let retried = 0;
  for (const m of hit) {
    assert.equal((await manager.update(m.token, 1, { n: 1 })).version, 2);
    await assert.rejects(manager.update(m.token, 1, { n: 1 }), { code: 'version_conflict', currentVersion: 2 });
    retried++;
  }
  t.diagnostic(`${rejected} updates, ${users.length} creates and ${users.length} revocations rejected with no trace; ${retried} retries applied exactly once`);
  assert.ok(rejected > 0);
});

test('200 retried increments from 20 clients (4 app instances), a replica killed midway: exactly 200', async (t) => {
  const procs = await servers(t);
  const apps = [];
  for (let i = 0; i < 4; i++) apps.push(await app(t, urlsOf(procs), { replicas: 3, writeQuorum: 2 }));
  const { token } = await apps[0].manager.create({ user: 'counter', data: { n: 0 } });
  const counts = { acked: 0, conflicts: 0, unavailable: 0, indeterminate: 0 };
  let killed = false;
  const victim = 'r2';
  const client = async (manager) => {
    for (let i = 0; i < 10; i++) {
      for (let attempt = 0; ; attempt++) {
        assert.ok(attempt < 500, 'bounded retries');
        try {
          const { session } = await manager.authenticate(token);
          await manager.update(token, session.version, { n: session.data.n + 1 });
          counts.acked++;
          if (counts.acked === 100 && !killed) {
            killed = true;
            await procs[victim].stop();
          }
          break;
        } catch (e) {
          if (e.code === 'version_conflict') counts.conflicts++;
          else if (e.code === 'store_unavailable' && e.reason === 'write_indeterminate') counts.indeterminate++;
          else if (e.code === 'store_unavailable') counts.unavailable++;
          else throw e;
          await sleep(Math.random() * 3);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 20 }, (_, i) => client(apps[i % 4].manager)));
  const { session } = await apps[1].manager.authenticate(token);
  t.diagnostic(`acked ${counts.acked}, retried after ${counts.conflicts} conflicts and ${counts.unavailable} unavailable, `
    + `${counts.indeterminate} indeterminate; final n = ${session.data.n}, version ${session.version}`);
  assert.ok(killed);
  assert.equal(counts.indeterminate, 0);
  assert.equal(session.data.n, 200);
  assert.equal(session.version, 201);
});

/** Two apps, each reaching every server through its own cuttable proxy. */
async function partitioned(t, opts) {
  const procs = await servers(t);
  const proxies = { A: {}, B: {} };
  for (const side of ['A', 'B']) for (const n of NAMES) proxies[side][n] = await startProxy(t, procs[n].port);
  const urls = (side) => Object.fromEntries(NAMES.map((n) => [n, proxies[side][n].url]));
  const A = await app(t, urls('A'), { replicas: 3, ...opts });
  const B = await app(t, urls('B'), { replicas: 3, ...opts });
  const heal = async () => {
    for (const side of ['A', 'B']) for (const n of NAMES) proxies[side][n].heal();
    for (const n of NAMES) await reconnected(A.store, n);
    for (const n of NAMES) await reconnected(B.store, n);
    await A.store.idle();
    await B.store.idle();
    await A.store.repair();
  };
  return { procs, proxies, A, B, heal };
}

/** The copies of a session on every server: [version, write id] or 'tomb' or null. */
async function copies(store, id) {
  const out = [];
  for (const n of NAMES) {
    const [t, v, w] = await store.nodes.get(n).client.hmGet(`es:s:${id}`, ['t', 'v', 'w']);
    out.push(t ? 'tomb' : v ? `${v}/${w}` : null);
  }
  return out;
}

test('partition, strict: no acknowledged write lost, no revoked session accepted', async (t) => {
  const { proxies, A, B, heal } = await partitioned(t, { consistency: 'strict' });
  const made = await createMany(A.manager, 30, 1);
  // 1. A cannot reach r1, which keeps its (now stale) data, as after a restart with persistence.
  proxies.A.r1.cut();
  let acked = 0;
  for (const m of made.slice(10)) {
    m.want = (await A.manager.update(m.token, 1, { by: 'A' })).version;
    acked++;
  }
  for (const m of made.slice(0, 10)) await A.manager.revokeUser(m.session.user);
  let accepted = 0;
  for (const m of made.slice(0, 10)) await B.manager.authenticate(m.token).then(() => accepted++, () => {});
  const lostWrites = await lost(B.manager, made.slice(10), (m, s) => s.version === m.want && s.data.by === 'A');
  let stale = 0;
  for (const m of made.slice(10, 15)) {
    await assert.rejects(B.manager.update(m.token, 1, { by: 'B' }), { code: 'version_conflict' });
    stale++;
  }
  t.diagnostic(`A cut from r1: ${acked} writes acked by A, ${lostWrites} lost as B sees them; 10 revoked by A, `
    + `${accepted} accepted by B; ${stale} stale writes by B refused`);
  assert.equal(lostWrites, 0);
  assert.equal(accepted, 0);
  // 2. Split: A reaches only r1 (a minority), B reaches r2 and r3.
  proxies.A.r2.cut();
  proxies.A.r3.cut();
  proxies.B.r1.cut();
  proxies.A.r1.heal();
  await reconnected(A.store, 'r1');
  let refused = 0;
  for (const m of made.slice(10, 20)) {
    await assert.rejects(A.manager.authenticate(m.token), { code: 'store_unavailable' });
    await assert.rejects(A.manager.update(m.token, m.want, { by: 'A2' }), { code: 'store_unavailable' });
    refused++;
  }
  for (const m of made.slice(10, 20)) m.want = (await B.manager.update(m.token, m.want, { by: 'B' })).version;
  for (const m of made.slice(20, 25)) await B.manager.revokeUser(m.session.user);
  await heal();
  const lostAfter = await lost(A.manager, made.slice(10, 20), (m, s) => s.version === m.want && s.data.by === 'B');
  let resurrected = 0;
  for (const m of [...made.slice(0, 10), ...made.slice(20, 25)]) await A.manager.authenticate(m.token).then(() => resurrected++, () => {});
  const diverged = [];
  for (const m of made) {
    const c = await copies(A.store, m.session.id);
    if (new Set(c).size !== 1) diverged.push(c);
  }
  t.diagnostic(`split: A (minority) refused ${refused} reads and writes; after heal + repair: ${lostAfter} of B's writes lost, `
    + `${resurrected} of 15 revoked sessions accepted, ${diverged.length} sessions with diverging copies`);
  assert.equal(lostAfter, 0);
  assert.equal(resurrected, 0);
  assert.deepEqual(diverged, []);
});

test('partition, available: both sides of a split accept writes; on heal one per session survives, revocations win', async (t) => {
  const { proxies, A, B, heal } = await partitioned(t, {});
  const made = await createMany(A.manager, 20, 1);
  // 1. A cut from r1 only: its writes reach r2 and r3, B reads every copy and sees them.
  proxies.A.r1.cut();
  for (const m of made.slice(0, 10)) m.want = (await A.manager.update(m.token, 1, { by: 'A' })).version;
  const lostOneCut = await lost(B.manager, made.slice(0, 10), (m, s) => s.data.by === 'A');
  await B.store.idle();
  // 2. Split: A reaches only r1, B only r2 and r3. Both accept writes to the same sessions.
  proxies.A.r2.cut();
  proxies.A.r3.cut();
  proxies.B.r1.cut();
  proxies.A.r1.heal();
  await reconnected(A.store, 'r1');
  let bothAcked = 0;
  for (const m of made.slice(0, 10)) {
    await A.manager.update(m.token, m.want, { by: 'A2' }).catch((e) => { throw new Error(`A: ${e.code} ${e.reason} ${e.currentVersion}`); });
    await B.manager.update(m.token, m.want, { by: 'B2' }).catch((e) => { throw new Error(`B: ${e.code} ${e.reason} ${e.currentVersion}`); });
    bothAcked++;
  }
  for (const m of made.slice(10, 15)) await B.manager.revokeUser(m.session.user);
  let acceptedDuring = 0;
  for (const m of made.slice(10, 15)) await A.manager.authenticate(m.token).then(() => acceptedDuring++, () => {});
  await heal();
  let survivedA = 0;
  let survivedB = 0;
  for (const m of made.slice(0, 10)) {
    const { session } = await B.manager.authenticate(m.token);
    if (session.data.by === 'A2') survivedA++;
    if (session.data.by === 'B2') survivedB++;
  }
  let acceptedAfter = 0;
  for (const m of made.slice(10, 15)) await A.manager.authenticate(m.token).then(() => acceptedAfter++, () => {});
  const diverged = [];
  for (const m of made) {
    const c = await copies(A.store, m.session.id);
    if (new Set(c).size !== 1) diverged.push(c);
  }
  t.diagnostic(`one cut: ${lostOneCut} of 10 writes lost; split: ${bothAcked} sessions written on both sides, after heal `
    + `${survivedA} kept A's write and ${survivedB} B's (${bothAcked} of ${2 * bothAcked} acknowledged writes lost); revoked by B: `
    + `${acceptedDuring} of 5 accepted by A during the split, ${acceptedAfter} after heal; ${diverged.length} diverging`);
  assert.equal(lostOneCut, 0);
  assert.equal(survivedA + survivedB, 10);
  assert.equal(acceptedDuring, 5); // documented: a side that cannot reach the tombstone still accepts
  assert.equal(acceptedAfter, 0);
  assert.deepEqual(diverged, []);
});

test('one server SIGSTOPped (r = 2): every operation succeeds; latencies printed next to a healthy run', async (t) => {
  const procs = await servers(t);
  const { store, manager } = await app(t, urlsOf(procs), { replicas: 2, commandTimeout: 1000 });
  const made = await createMany(manager, 40, 1);
  const hung = 'r1';
  const hit = made.filter((m) => replicasOf(store, m.session.shard).includes(hung));
  const measure = async () => {
    const auth = [];
    const upd = [];
    for (let round = 0; round < 5; round++) {
      for (const m of hit) {
        let s = performance.now();
        const { session } = await manager.authenticate(m.token);
        auth.push(performance.now() - s);
        s = performance.now();
        await manager.update(m.token, session.version, { round });
        upd.push(performance.now() - s);
      }
    }
    return { auth, upd };
  };
  const healthy = await measure();
  procs[hung].pause();
  t.after(() => procs[hung].resume());
  const stopped = await measure();
  procs[hung].resume();
  await store.idle();
  const f = (xs) => `p50 ${percentile(xs, 50).toFixed(1)} ms, p99 ${percentile(xs, 99).toFixed(1)} ms`;
  t.diagnostic(`${hit.length} sessions with a replica on ${hung}, ${stopped.auth.length} authenticate + ${stopped.upd.length} update each run`);
  t.diagnostic(`healthy: authenticate ${f(healthy.auth)}; update ${f(healthy.upd)}`);
  t.diagnostic(`${hung} SIGSTOPped: authenticate ${f(stopped.auth)}; update ${f(stopped.upd)}`);
  t.diagnostic(`ratio stopped/healthy p99: authenticate ${(percentile(stopped.auth, 99) / percentile(healthy.auth, 99)).toFixed(1)}x, `
    + `update ${(percentile(stopped.upd, 99) / percentile(healthy.upd, 99)).toFixed(1)}x`);
  // After SIGCONT the stopped server runs its queued commands in order and catches up.
  const behind = await lost(manager, hit, (m, s) => s.data.round === 4);
  assert.equal(behind, 0);
  assert.ok(hit.length > 0);
});
