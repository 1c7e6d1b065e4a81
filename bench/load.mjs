// D. The worker under load: wrk on 127.0.0.1 against the Rust worker (build/worker, started as
// the e2e tests start it) and the reference JS worker (bench/ref-worker), both on local
// wrangler/workerd with SQLite-backed Durable Objects, in interleaved rounds. Prints JSON.
//
//   node bench/load.mjs --out DIR [--rounds 5] [--seconds 4] [--connections 8] [--quick]
//                       [--mixes signin,rotate] [--transports]
//
// --mixes runs only the named mixes (for a quick A/B of one route); BENCH_WORKER serves another
// bundle of ours than build/worker/entry.mjs (an experimental build, for the same A/B), and
// BENCH_WORKER_B=<bundle> adds a second bundle of ours to the same rounds (worker `b`).
//
// Mixes: GET /healthz (no crypto, no storage: the fixed cost of a request), authenticated
// reads, updates with If-Match (each connection updates its own session: no 412 is expected)
// and sign-ins (a new user each). Every round runs every mix on both workers, ours first on
// even rounds and the peer first on odd ones; the table reports medians over rounds. Both
// workers get the same vars (keyring, a policy whose touch interval keeps reads read-only).
// Server CPU per request is read from /proc for each worker's process group.
//
// The gateway mix: GET /gw/page?x=1 through each worker in gateway mode (ORIGIN: a small Node
// HTTP origin started here on 127.0.0.1, answering 200 with a short body), authenticated (half
// Cookie, half Bearer: one shard call each), and the same request with no gateway, straight to
// the origin ("direct", in the same rounds). The gateway's cost is its figure minus direct's.
// With 8 connections every gateway is saturated (its CPU per request bounds it, and p50 is
// mostly queueing: about connections / req/s), so the gateway1 mix sends the same requests
// over one connection: there "added" is what one request pays, with no queue in front of it.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { startWorker } from '../tests/e2e/harness.mjs';
import { TEST_KEYS, client } from '../tests/e2e/helpers.mjs';
import { ROOT, arg, median } from './lib.mjs';
import { runWrk } from './load/wrk.mjs';
import { groupCpu } from './load/cpu.mjs';

const quick = process.argv.includes('--quick') || !!process.env.BENCH_QUICK;
const rounds = arg('--rounds', quick ? 2 : 5);
const seconds = arg('--seconds', quick ? 1 : 4);
const connections = arg('--connections', 8);
const warmupSeconds = quick ? 1 : 2;
const READ_SESSIONS = 64;
const outIdx = process.argv.indexOf('--out');
const out = join(outIdx >= 0 ? process.argv[outIdx + 1] : join(ROOT, 'target/bench'), 'load');
mkdirSync(out, { recursive: true });
const say = (s) => process.stderr.write(`[bench] D: ${s}\n`);

const MIXES = {
  healthz: 'GET /healthz (baseline: no crypto, no storage)',
  read: 'GET /api/session (half Cookie, half Bearer)',
  update: 'PUT /api/session with If-Match (own session per connection)',
  signin: 'POST /api/sessions (new user each)',
  rotate: 'POST /api/session/rotate (own session per connection, following its new token)',
  signout: 'DELETE /api/session (256 sessions; each deleted on first use, 204 after)',
  gateway: 'GET /gw/page?x=1 through the gateway to a local Node origin (half Cookie, half Bearer)',
  gateway1: 'GET /gw/page?x=1 through the gateway, one connection (no queueing)',
};
/** Connections per mix where not `connections`. */
const MIX_CONNECTIONS = { gateway1: 1 };
const isGateway = (mix) => mix === 'gateway' || mix === 'gateway1';
const SIGNOUT_SESSIONS = 256;
const VARS = {
  SESSION_KEYS: TEST_KEYS,
  STORE: 'do',
  // Reads never write back during the run (touch_interval far above its length), in both workers.
  // Sign-in rate limits off (burst 0): the reference worker has none, and wrk signs in from one
  // address far past the per-IP default; with them on, each sign-in also reads and writes two
  // token buckets in the same shard call. The audit trail off (history_days 0): the reference
  // worker keeps no history, and with it on every end of a session (rotate, sign-out) also reads
  // and writes the user's history record; the `trail` worker measures those two routes with it on.
  POLICY: JSON.stringify({ idle_timeout: 7200, absolute_lifetime: 43200, touch_interval: 3600, signin_user_burst: 0, signin_ip_burst: 0, history_days: 0 }),
};
const TRAIL_POLICY = JSON.stringify({ ...JSON.parse(VARS.POLICY), history_days: 30 });
const WORKERS = {
  ours: { label: 'edge-session (Rust/wasm)', config: undefined, vars: {} },
  peer: { label: 'reference JS worker (bench/ref-worker)', config: join(ROOT, 'bench/ref-worker/wrangler.toml'), vars: {} },
  // The same build, shard calls sent as fetch() instead of JS RPC (--transports).
  fetch: { label: 'edge-session, shard calls by fetch', config: undefined, vars: { SHARD_CALL: 'fetch' } },
  // The same build with the audit trail on (the default policy's 30 days), on the routes that write it.
  trail: { label: 'edge-session with the audit trail (history_days 30, the default)', config: undefined, vars: { POLICY: TRAIL_POLICY }, only: ['rotate', 'signout'] },
  // The gateway mix's baseline: wrk straight at the origin (not a worker; no server CPU figure).
  direct: { label: 'straight to the origin (no gateway)' },
  // BENCH_WORKER_B=<bundle>: a second build of ours in the same rounds (an A/B of two builds).
  b: { label: `edge-session, ${process.env.BENCH_WORKER_B}`, config: undefined, vars: {}, worker: process.env.BENCH_WORKER_B },
};
// The gateway keys every worker signs identity headers with in the gateway mix.
const GATEWAY_KEYS = JSON.stringify([{ kid: 'bench', secret: Buffer.alloc(32, 0x5a).toString('base64'), state: 'primary' }]);
// Ours is the deployable build (no test routes, no call counter).
const WORKER = process.env.BENCH_WORKER ?? 'build/worker/entry.mjs';
const mixesIdx = process.argv.indexOf('--mixes');
const only = mixesIdx >= 0 ? process.argv[mixesIdx + 1].split(',') : null;
if (only && only.some((m) => !MIXES[m])) throw new Error(`--mixes: known mixes are ${Object.keys(MIXES).join(', ')}`);
const withTrail = !only || only.includes('rotate') || only.includes('signout');
const NAMES = [...(process.argv.includes('--transports') ? ['ours', 'fetch', 'peer'] : ['ours', 'peer']),
  ...(process.env.BENCH_WORKER_B ? ['b'] : []), ...(withTrail ? ['trail'] : [])];
const withGateway = !only || only.some(isGateway);
/** The workers (and, for the gateway mix, the direct baseline) a mix runs on. */
const namesFor = (mix) => [...NAMES.filter((n) => !WORKERS[n].only || WORKERS[n].only.includes(mix)), ...(isGateway(mix) ? ['direct'] : [])];

function need() {
  if (spawnSync('wrk', ['--version']).error) throw new Error('wrk is not installed (scripts/bench.sh installs it from apt)');
  if (!existsSync(join(ROOT, WORKER))) {
    throw new Error(`${WORKER} is missing: build the worker first (bash scripts/build-worker.sh)`);
  }
  if (!existsSync(join(ROOT, 'node_modules/.bin/wrangler'))) throw new Error('node_modules/.bin/wrangler is missing (scripts/setup.sh)');
}

const tail = (text, n = 40) => text.trimEnd().split('\n').slice(-n).join('\n');

async function start(name) {
  try {
    const w = await startWorker({ vars: { ...VARS, ...WORKERS[name].vars }, config: WORKERS[name].config, worker: WORKERS[name].worker ?? WORKER });
    return { name, ...w };
  } catch (e) {
    throw new Error(`${WORKERS[name].label} did not start; the end of its log:\n${tail(e.message)}`);
  }
}

/** Checks the routes answer as the load test expects; returns what the report shows about shapes. */
async function smoke(w) {
  const { api, signIn } = client(w.url);
  const fail = (what, r) => { throw new Error(`${WORKERS[w.name].label}: ${what}: ${r.status} ${r.text}\n${tail(w.logs())}`); };
  const { token, view } = await signIn('smoke-user', { data: { theme: 'dark' } });
  const byCookie = await api('GET', '/api/session', { token, viaCookie: true });
  if (byCookie.status !== 200 || byCookie.json.id !== view.id) fail('read by cookie', byCookie);
  const byBearer = await api('GET', '/api/session', { token });
  if (byBearer.status !== 200) fail('read by bearer', byBearer);
  const up = await api('PUT', '/api/session', { token, body: { data: { theme: 'light' } }, headers: { 'if-match': '"1"' } });
  if (up.status !== 200 || up.json.version !== 2 || up.headers.get('etag') !== '"2"') fail('update', up);
  const stale = await api('PUT', '/api/session', { token, body: { data: {} }, headers: { 'if-match': '"1"' } });
  if (stale.status !== 412 || stale.json.error.current_version !== 2) fail('stale update', stale);
  return { token_chars: token.length, view_keys: Object.keys(view).sort(), read_bytes: byBearer.text.length };
}

/** `n` fresh sessions; writes "<token> <version>" lines to a file and returns its path. */
async function sessions(w, n, prefix) {
  const { signIn } = client(w.url);
  const lines = [];
  for (let i = 0; i < n; i++) lines.push(`${(await signIn(`${prefix}-${i}`, { data: { theme: 'dark' } })).token} 1`);
  const file = join(out, `${w.name}-${prefix}.txt`);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

async function measure(w, mix, round, secs) {
  const file = w.name === 'direct' ? undefined : mix === 'read' || isGateway(mix) ? w.readFile
    : mix === 'update' || mix === 'rotate' ? await sessions(w, connections, `${mix}-${round}`)
      : mix === 'signout' ? await sessions(w, SIGNOUT_SESSIONS, `out-${round}`) : undefined;
  const mode = w.name === 'direct' ? 'origin' : mix;
  const before = w.pid ? groupCpu(w.pid) : null;
  const r = await runWrk({ url: w.url, mode: mode === 'gateway1' ? 'gateway' : mode, tag: round, sessions: file, connections: MIX_CONNECTIONS[mix] ?? connections, seconds: secs });
  const after = w.pid ? groupCpu(w.pid) : null;
  r.cpu_us_per_req = before ? ((after.total - before.total) * 1e6) / Math.max(1, r.requests) : null;
  r.workerd_cpu_us_per_req = before ? ((after.workerd - before.workerd) * 1e6) / Math.max(1, r.requests) : null;
  return { worker: w.name, mix, round, ...r };
}

/** The gateway mix's origin: 200 and a short body for every request, on a free loopback port. */
function startOrigin() {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('hello from the origin\n'));
  });
  server.keepAliveTimeout = 30_000;
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

need();
const loadStart = loadavg();
const started = Date.now();
say(`starting both workers (rounds ${rounds}, ${seconds} s per run, ${connections} connections)`);
const running = [];
const stopAll = () => Promise.all(running.map((w) => w.stop()));
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => stopAll().then(() => process.exit(130)));
const origin = withGateway ? await startOrigin() : null;
if (origin) {
  // Only with the gateway mix, so the other mixes run on exactly the settings they always had.
  VARS.ORIGIN = `http://127.0.0.1:${origin.address().port}`;
  VARS.GATEWAY_KEYS = GATEWAY_KEYS;
}
try {
  const results = await Promise.allSettled(NAMES.map((n) => start(n).then((w) => (running.push(w), w))));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  const workers = Object.fromEntries(results.map((r) => [r.value.name, r.value]));
  const shapes = {};
  const direct = origin ? { name: 'direct', url: VARS.ORIGIN, pid: null } : null;
  for (const w of Object.values(workers)) {
    shapes[w.name] = await smoke(w);
    w.readFile = await sessions(w, READ_SESSIONS, 'read');
  }
  const mixes = Object.keys(MIXES).filter((m) => !only || only.includes(m));
  say('warm-up');
  for (const mix of mixes) for (const name of namesFor(mix)) if (name !== 'direct') await measure(workers[name], mix, 0, warmupSeconds);
  for (const mix of mixes.filter(isGateway)) await measure(direct, mix, 0, warmupSeconds);
  const target = (name) => (name === 'direct' ? direct : workers[name]);
  const runs = [];
  for (let r = 1; r <= rounds; r++) {
    say(`round ${r}/${rounds}`);
    for (let j = 0; j < mixes.length; j++) {
      const mix = mixes[(j + r) % mixes.length];
      const order = r % 2 ? namesFor(mix) : [...namesFor(mix)].reverse();
      for (const name of order) runs.push(await measure(target(name), mix, r, seconds));
    }
  }
  for (const w of Object.values(workers)) writeFileSync(join(out, `${w.name}.log`), w.logs());

  const rows = [];
  for (const mix of mixes) {
    for (const name of namesFor(mix)) {
      const rs = runs.filter((x) => x.worker === name && x.mix === mix);
      rows.push({
        worker: name, label: WORKERS[name].label, mix, what: MIXES[mix],
        rps: median(rs.map((x) => x.rps)),
        p50_ms: median(rs.map((x) => x.latency_us.p50)) / 1e3,
        p99_ms: median(rs.map((x) => x.latency_us.p99)) / 1e3,
        requests: rs.reduce((a, x) => a + x.requests, 0),
        non2xx: rs.reduce((a, x) => a + x.non2xx, 0),
        socket_errors: rs.reduce((a, x) => a + x.socket_errors, 0),
        statuses: rs.reduce((a, x) => { for (const [s, c] of Object.entries(x.statuses)) a[s] = (a[s] || 0) + c; return a; }, {}),
        cpu_us_per_req: name === 'direct' ? null : median(rs.map((x) => x.cpu_us_per_req)),
        workerd_cpu_us_per_req: name === 'direct' ? null : median(rs.map((x) => x.workerd_cpu_us_per_req)),
        resp_bytes: median(rs.map((x) => x.bytes / Math.max(1, x.requests))),
      });
    }
  }
  const row = (name, mix) => rows.find((x) => x.worker === name && x.mix === mix);
  const ratios = Object.fromEntries(mixes.map((mix) => {
    const o = row('ours', mix);
    const p = row('peer', mix);
    return [mix, { rps: o.rps / p.rps, p99: o.p99_ms / p.p99_ms, cpu: o.cpu_us_per_req / p.cpu_us_per_req }];
  }));
  // The audit trail's cost: the same build with it on, over ours with it off (rotate, sign-out).
  const trail = NAMES.includes('trail') ? Object.fromEntries(mixes.filter((m) => WORKERS.trail.only.includes(m)).map((mix) => {
    const t = row('trail', mix);
    const o = row('ours', mix);
    const p = row('peer', mix);
    return [mix, { rps_vs_ours: t.rps / o.rps, rps_vs_peer: t.rps / p.rps, p99_vs_peer: t.p99_ms / p.p99_ms, cpu_vs_ours: t.cpu_us_per_req / o.cpu_us_per_req }];
  })) : null;
  // JS RPC (ours) against fetch (the same build), when both ran.
  const transport = NAMES.includes('fetch') ? Object.fromEntries(mixes.map((mix) => {
    const o = row('ours', mix);
    const f = row('fetch', mix);
    return [mix, { rps: o.rps / f.rps, p99: o.p99_ms / f.p99_ms, cpu: o.cpu_us_per_req / f.cpu_us_per_req }];
  })) : null;
  // The gateway's cost: each gateway's figures against the same request straight to the origin
  // (at `connections`, and over one connection when the gateway1 mix ran).
  const cost = (mix) => {
    const d = row('direct', mix);
    const o = row('ours', mix);
    const p = row('peer', mix);
    const added = (x, k) => x[k] - d[k];
    return {
      direct: { rps: d.rps, p50_ms: d.p50_ms, p99_ms: d.p99_ms },
      ours_added: { p50_ms: added(o, 'p50_ms'), p99_ms: added(o, 'p99_ms'), rps_vs_direct: o.rps / d.rps },
      peer_added: { p50_ms: added(p, 'p50_ms'), p99_ms: added(p, 'p99_ms'), rps_vs_direct: p.rps / d.rps },
      // ours' overhead over the peer's (lower is better; the goal is at most 1)
      overhead_ours_over_peer: { p50: added(o, 'p50_ms') / added(p, 'p50_ms'), p99: added(o, 'p99_ms') / added(p, 'p99_ms') },
    };
  };
  const gw = mixes.includes('gateway') ? cost('gateway') : null;
  if (gw && mixes.includes('gateway1')) gw.one_connection = cost('gateway1');
  console.log(JSON.stringify({
    wrk: spawnSync('wrk', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0].trim(),
    rounds, seconds, connections, threads: connections, quick, mixes: MIXES, vars: { POLICY: VARS.POLICY, STORE: VARS.STORE },
    loadavg_start: loadStart, loadavg_end: loadavg(), wall_s: (Date.now() - started) / 1000,
    shapes, rows, ratios, trail, transport, gateway: gw, goal_mixes: ['read', 'update', 'signin'], runs,
  }, null, 1));
} finally {
  await stopAll();
  origin?.closeAllConnections();
  origin?.close();
}
process.exit(0);
