// D, service binding: what a calling Worker pays to learn whose session a request carries,
// by JS RPC (`env.SESSIONS.session(...)`, the worker's entrypoint method) against fetch through
// the binding (`GET /api/session`), both through the npm package's sessionFromBinding, in one
// `wrangler dev` running bench/binding-caller and the session worker (build/worker, shard
// calls to SQLite-backed Durable Objects). wrk on 127.0.0.1, interleaved rounds (the order
// turns each round); `none` is the calling Worker answering without asking (its own cost).
// Prints JSON on stdout.
//
//   node bench/binding.mjs --out DIR [--rounds 5] [--seconds 4] [--connections 8] [--quick]
import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWorker, testConfig } from '../tests/e2e/harness.mjs';
import { TEST_KEYS, client } from '../tests/e2e/helpers.mjs';
import { ROOT, arg, median } from './lib.mjs';
import { runWrk } from './load/wrk.mjs';
import { groupCpu } from './load/cpu.mjs';

const quick = process.argv.includes('--quick') || !!process.env.BENCH_QUICK;
const rounds = arg('--rounds', quick ? 2 : 5);
const seconds = arg('--seconds', quick ? 1 : 4);
const connections = arg('--connections', 8);
const SESSIONS = 64;
const outIdx = process.argv.indexOf('--out');
const out = join(outIdx >= 0 ? process.argv[outIdx + 1] : join(ROOT, 'target/bench'), 'binding');
mkdirSync(out, { recursive: true });
const say = (s) => process.stderr.write(`[bench] D binding: ${s}\n`);
const MODES = {
  rpc: "sessionFromBinding, transport 'rpc' (one JS RPC call)",
  fetch: "sessionFromBinding, transport 'fetch' (one GET /api/session through the binding)",
  none: 'the calling Worker alone (no session asked)',
};
const WORKER = process.env.BENCH_WORKER ?? 'build/worker/entry.mjs';
// Appended to the session worker's [vars] (STORE is "do" there already).
const VARS = {
  SESSION_KEYS: TEST_KEYS,
  POLICY: JSON.stringify({ idle_timeout: 7200, absolute_lifetime: 43200, touch_interval: 3600 }),
};

for (const [what, path] of [['the worker', WORKER], ['the package', 'pkg/web/workerd.js']]) {
  if (!existsSync(join(ROOT, path))) throw new Error(`${path} is missing: build ${what} first (scripts/bench.sh does)`);
}
// The caller under target/ with node_modules/edge-session -> pkg/, as a user's Worker has it.
const dir = join(out, 'caller');
rmSync(dir, { recursive: true, force: true });
mkdirSync(join(dir, 'node_modules'), { recursive: true });
for (const f of ['worker.mjs', 'wrangler.toml']) copyFileSync(join(ROOT, 'bench/binding-caller', f), join(dir, f));
symlinkSync(join(ROOT, 'pkg'), join(dir, 'node_modules/edge-session'));

say(`starting (rounds ${rounds}, ${seconds} s per run, ${connections} connections)`);
const w = await startWorker({ config: join(dir, 'wrangler.toml'), extraConfigs: [testConfig(WORKER, VARS)] });
const runs = [];
try {
  const { api, signIn } = client(w.url);
  const lines = [];
  for (let i = 0; i < SESSIONS; i++) lines.push(`${(await signIn(`bound-${i}`)).token} 1`);
  const file = join(out, 'sessions.txt');
  writeFileSync(file, lines.join('\n') + '\n');
  const token = lines[0].split(' ')[0];
  for (const mode of ['rpc', 'fetch']) {
    const r = await api('GET', `/${mode}`, { token });
    if (r.status !== 200 || r.json.user !== 'bound-0') throw new Error(`smoke ${mode}: ${r.status} ${r.text}`);
    const bad = await api('GET', `/${mode}`, { token: `${token.slice(0, -2)}AA` });
    if (bad.status !== 401) throw new Error(`smoke ${mode}, tampered token: ${bad.status} ${bad.text}`);
  }
  const modes = Object.keys(MODES);
  const measure = async (mode, round, secs) => {
    const before = groupCpu(w.pid);
    const r = await runWrk({ url: w.url, mode, tag: round, sessions: mode === 'none' ? undefined : file, connections, seconds: secs });
    const after = groupCpu(w.pid);
    r.cpu_us_per_req = ((after.total - before.total) * 1e6) / Math.max(1, r.requests);
    return { mode, round, ...r };
  };
  say('warm-up');
  for (const mode of modes) await measure(mode, 0, quick ? 1 : 2);
  for (let round = 1; round <= rounds; round++) {
    const order = modes.map((_, i) => modes[(i + round) % modes.length]);
    for (const mode of order) runs.push(await measure(mode, round, seconds));
    say(`round ${round}/${rounds} done`);
  }
} finally {
  await w.stop();
  rmSync(dir, { recursive: true, force: true });
}

const rows = Object.keys(MODES).map((mode) => {
  const rs = runs.filter((r) => r.mode === mode);
  return {
    mode,
    label: MODES[mode],
    rps: median(rs.map((r) => r.rps)),
    p50_ms: median(rs.map((r) => r.latency_us.p50 / 1000)),
    p99_ms: median(rs.map((r) => r.latency_us.p99 / 1000)),
    cpu_us_per_req: median(rs.map((r) => r.cpu_us_per_req)),
    errors: rs.reduce((a, r) => a + r.non2xx + r.socket_errors, 0),
    requests: rs.reduce((a, r) => a + r.requests, 0),
  };
});
const by = Object.fromEntries(rows.map((r) => [r.mode, r]));
const ratios = {
  rps_rpc_over_fetch: by.rpc.rps / by.fetch.rps,
  p50_rpc_over_fetch: by.rpc.p50_ms / by.fetch.p50_ms,
  p99_rpc_over_fetch: by.rpc.p99_ms / by.fetch.p99_ms,
  // What asking costs above the calling Worker's own request (CPU of both workers' processes).
  cpu_added_rpc_over_fetch: (by.rpc.cpu_us_per_req - by.none.cpu_us_per_req)
    / (by.fetch.cpu_us_per_req - by.none.cpu_us_per_req),
};
console.log(JSON.stringify({ rounds, seconds, connections, sessions: SESSIONS, rows, ratios, runs }, null, 1));
