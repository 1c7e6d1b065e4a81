// E. RedisStore with one replica hung (SIGSTOP): latency of authenticate and update against
// three local redis-server processes (127.0.0.1), next to the same run with every server
// healthy. Prints JSON {rows: [{consistency, replicas, state, op, n, p50, p99}]}.
// Usage: node bench/redis-hung.mjs [rounds]   (needs pkg/ built and redis-server on PATH)
import { KEYS, percentile, pkg, startRedis } from '../tests/js/helpers.mjs';

const ROUNDS = Number(process.argv[2] ?? 10);
const { SessionManager, RedisStore, Ring } = await pkg();
const NAMES = ['r1', 'r2', 'r3'];
const cleanups = [];
const t = { after: (fn) => cleanups.push(fn) };

async function run(consistency, replicas) {
  const procs = {};
  for (const n of NAMES) procs[n] = await startRedis(t);
  const ring = new Ring(NAMES.map((name) => ({ name })));
  const store = await RedisStore.connect({
    servers: Object.fromEntries(NAMES.map((n) => [n, procs[n].url])),
    ring, replicas, consistency, commandTimeout: 1000, connectTimeout: 500,
  });
  const manager = new SessionManager({ keys: KEYS, ring, store: store.router() });
  const hung = 'r1';
  const sessions = [];
  for (let u = 0; u < 40; u++) {
    const s = await manager.create({ user: `bench-${u}`, data: { round: -1 } });
    if (store.shard(s.session.shard).nodes.some((n) => n.name === hung)) sessions.push(s);
  }
  const measure = async () => {
    const times = { authenticate: [], update: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of sessions) {
        let t0 = performance.now();
        const { session } = await manager.authenticate(s.token);
        times.authenticate.push(performance.now() - t0);
        t0 = performance.now();
        await manager.update(s.token, session.version, { round });
        times.update.push(performance.now() - t0);
      }
    }
    return times;
  };
  const rows = [];
  const add = (state, times) => {
    for (const [op, xs] of Object.entries(times)) {
      rows.push({ consistency, replicas, state, op, n: xs.length, p50: percentile(xs, 50), p99: percentile(xs, 99) });
    }
  };
  await measure(); // warm-up
  add('healthy', await measure());
  procs[hung].pause();
  add(`${hung} SIGSTOPped`, await measure());
  procs[hung].resume();
  await store.idle();
  await store.close();
  for (const n of NAMES) await procs[n].stop();
  return rows;
}

const rows = [...(await run('available', 2)), ...(await run('strict', 3))];
for (const fn of cleanups) await fn();
console.log(JSON.stringify({ date: new Date().toISOString(), rounds: ROUNDS, commandTimeout: 1000, hedge: 10, rows }, null, 1));
process.exit(0);
