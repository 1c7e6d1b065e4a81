// Where one route's time goes inside workerd: a V8 CPU profile of the worker's isolate (the
// worker and its Durable Objects run in one isolate under local wrangler) while wrk drives one
// mix of bench/load.mjs, taken through wrangler's inspector.
//
//   node bench/profile-worker.mjs [--mix signin|read|update|healthz|gateway] [--seconds 5] [--peer] [--out FILE.cpuprofile]
// (the bundle the profile's line numbers refer to is saved beside it, e.g. profile-ours-update.entry.js)
//
// Prints the busy time per request by kind (our JS glue, wasm, SQLite, other natives), then the
// functions with the most time spent inside them. The deployable build has no wasm names; build
// one with them for this (the function names then show in the list):
//
//   WORKER_OUT=build/prof CARGO_PROFILE_RELEASE_STRIP=false bash scripts/build-worker.sh
//   BENCH_WORKER=build/prof/worker/entry.mjs node bench/profile-worker.mjs --mix signin
//
// --peer profiles the reference JS worker instead. The profile file opens in Chrome DevTools.
// Sampling adds its own cost, and the figures move with the machine's load: compare two runs
// taken back to back, never a run with a figure from BENCHMARKS.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { startWorker } from '../tests/e2e/harness.mjs';
import { TEST_KEYS, client } from '../tests/e2e/helpers.mjs';
import { ROOT, arg } from './lib.mjs';
import { runWrk } from './load/wrk.mjs';

const opt = (name, dflt) => { const i = process.argv.indexOf(name); return i >= 0 ? process.argv[i + 1] : dflt; };
const mix = opt('--mix', 'signin');
const seconds = arg('--seconds', 5);
const peer = process.argv.includes('--peer');
const outFile = opt('--out', join(ROOT, 'target/bench', `profile-${peer ? 'peer' : 'ours'}-${mix}.cpuprofile`));
if (!['healthz', 'read', 'signin', 'update', 'gateway'].includes(mix)) throw new Error('--mix: healthz, read, signin, update or gateway');
const CONNECTIONS = 8;

const VARS = {
  SESSION_KEYS: TEST_KEYS,
  STORE: 'do',
  // as bench/load.mjs
  POLICY: JSON.stringify({ idle_timeout: 7200, absolute_lifetime: 43200, touch_interval: 3600, signin_user_burst: 0, signin_ip_burst: 0, history_days: 0 }),
};
// The gateway mix: a local Node origin answering 200 to everything, as in bench/load.mjs.
let origin = null;
if (mix === 'gateway') {
  origin = createServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('hello from the origin\n')); });
  origin.keepAliveTimeout = 30_000;
  await new Promise((r) => origin.listen(0, '127.0.0.1', r));
  VARS.ORIGIN = `http://127.0.0.1:${origin.address().port}`;
  VARS.GATEWAY_KEYS = JSON.stringify([{ kid: 'bench', secret: Buffer.alloc(32, 0x5a).toString('base64'), state: 'primary' }]);
}

/** A CDP client over the inspector's WebSocket (wrangler's proxy wants a local Origin). */
async function inspector(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`, { signal: AbortSignal.timeout(5000) })).json();
  const ws = new WebSocket(targets[0].webSocketDebuggerUrl, { headers: { Origin: 'http://localhost' } });
  await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = () => fail(new Error('inspector did not accept the connection')); });
  let id = 0;
  const pending = new Map();
  ws.onmessage = (m) => {
    const d = JSON.parse(m.data);
    if (d.id && pending.has(d.id)) { pending.get(d.id)(d); pending.delete(d.id); }
  };
  const send = (method, params = {}) => new Promise((ok, fail) => {
    const i = ++id;
    const timer = setTimeout(() => fail(new Error(`${method}: no answer`)), 30_000);
    pending.set(i, (d) => { clearTimeout(timer); ok(d.result); });
    ws.send(JSON.stringify({ id: i, method, params }));
  });
  return { send, close: () => ws.close() };
}

/** Busy µs per request by kind, and the functions with the most inclusive time. */
function summarise(profile, requests) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // A long gap before a sample is the sampler's, not the function's: cap what one sample counts.
  const self = new Map();
  profile.samples.forEach((s, i) => self.set(s, (self.get(s) ?? 0) + Math.min(profile.timeDeltas[i] ?? 0, 400)));
  const name = (f) => (f.functionName || '(anonymous)').replace(/::h[0-9a-f]{16}$/, '');
  const kinds = new Map();
  const inclusive = new Map();
  for (const [id, us] of self) {
    const f = byId.get(id).callFrame;
    if (f.functionName === '(idle)') continue;
    const kind = f.url.startsWith('wasm') ? 'wasm' : f.functionName === 'exec' && !f.url ? 'SQLite (exec)'
      : f.url ? `JS (${f.url.split('/').pop()})` : f.functionName.startsWith('(') ? f.functionName : 'other natives';
    kinds.set(kind, (kinds.get(kind) ?? 0) + us);
    const seen = new Set();
    for (let q = id; q !== undefined; q = parent.get(q)) {
      const k = name(byId.get(q).callFrame);
      if (!seen.has(k)) { seen.add(k); inclusive.set(k, (inclusive.get(k) ?? 0) + us); }
    }
  }
  const busy = [...kinds.values()].reduce((a, b) => a + b, 0);
  const per = (us) => `${(us / requests).toFixed(0).padStart(6)} µs/req`;
  console.log(`${peer ? 'reference JS worker' : 'edge-session'} · ${mix} · ${requests} requests · busy ${per(busy)} (isolate thread)`);
  for (const [k, us] of [...kinds].sort((a, b) => b[1] - a[1])) console.log(`  ${per(us)}  ${k}`);
  console.log('inside (inclusive):');
  const skip = /^\((root|program|anonymous)\)$/;
  for (const [k, us] of [...inclusive].filter(([k]) => !skip.test(k)).sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    console.log(`  ${per(us)}  ${k.slice(0, 140)}`);
  }
  // Self time by function and line: the glue's import shims are anonymous, so only their line
  // (1-based, in the bundle saved beside the profile) tells them apart.
  const lines = new Map();
  for (const [id, us] of self) {
    const f = byId.get(id).callFrame;
    if (f.functionName === '(idle)' || skip.test(f.functionName)) continue;
    const k = `${name(f)}${f.url ? ` ${f.url.split('/').pop()}:${f.lineNumber + 1}` : ''}`;
    lines.set(k, (lines.get(k) ?? 0) + us);
  }
  console.log('self time (function, bundle line):');
  for (const [k, us] of [...lines].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`  ${per(us)}  ${k.slice(0, 140)}`);
}

mkdirSync(join(ROOT, 'target/bench'), { recursive: true });
const w = await startWorker({
  vars: VARS,
  worker: process.env.BENCH_WORKER ?? 'build/worker/entry.mjs',
  config: process.env.BENCH_CONFIG ?? (peer ? join(ROOT, 'bench/ref-worker/wrangler.toml') : undefined),
});
try {
  const { signIn } = client(w.url);
  // Sessions for the mixes that need them: read and gateway share 16; update gives each connection
  // its own (wrk follows its version), fresh for each run.
  const sessionFile = async (tag, n) => {
    const lines = [];
    for (let i = 0; i < n; i++) lines.push(`${(await signIn(`profile-${tag}-${i}`, { data: { theme: 'dark' } })).token} 1`);
    const file = join(ROOT, 'target/bench', `profile-sessions-${tag}.txt`);
    writeFileSync(file, lines.join('\n') + '\n');
    return file;
  };
  const shared = mix === 'read' || mix === 'gateway' ? await sessionFile('read', 16) : undefined;
  const run = async (tag, secs) => runWrk({ url: w.url, mode: mix, tag, connections: CONNECTIONS, seconds: secs,
    sessions: mix === 'update' ? await sessionFile(`update-${tag}`, CONNECTIONS) : shared });
  await run(0, 2); // warm-up: JIT, objects created
  const cdp = await inspector(w.inspector);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  const r = await run(1, seconds);
  const { profile } = await cdp.send('Profiler.stop');
  // The bundle the line numbers refer to (wrangler builds it in a temporary directory).
  const script = profile.nodes.map((n) => n.callFrame).find((f) => f.url && !f.url.startsWith('wasm'));
  if (script) {
    await cdp.send('Debugger.enable');
    const { scriptSource } = await cdp.send('Debugger.getScriptSource', { scriptId: script.scriptId });
    writeFileSync(outFile.replace(/\.cpuprofile$/, '') + `.${script.url.split('/').pop()}`, scriptSource);
  }
  cdp.close();
  writeFileSync(outFile, JSON.stringify(profile));
  summarise(profile, r.requests);
  console.log(`profile: ${outFile}`);
} finally {
  await w.stop();
  origin?.closeAllConnections();
  origin?.close();
}
process.exit(0);
