// Starts and stops the real worker on local wrangler/workerd for end-to-end tests.
// Each server gets free loopback ports, a fresh persist dir (unless one is given, to test
// restarts) and an env file with test secrets. The worker must already be built: the test
// build (scripts/build-worker.sh --test, with the /__test routes and the shard call counter)
// by default, or the deployable one with EDGE_WORKER=build/worker/entry.mjs. The generated
// config has no [build] step, so starts stay fast.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const WRANGLER = join(ROOT, 'node_modules/.bin/wrangler');
const WRANGLER_CLI = join(ROOT, 'node_modules/wrangler/wrangler-dist/cli.js');
// Loading wrangler's 15 MB CLI is most of a start's CPU (about 1.8 s of 2.5 s; the e2e tiers start
// ~30 of them). Node >= 22.12 (what wrangler needs) runs it directly, skipping the wrapper's second
// Node process, with V8's compile cache kept under target/e2e (about 0.4 s less per start).
const [major, minor] = process.versions.node.split('.').map(Number);
const DIRECT = major > 22 || (major === 22 && minor >= 12);
const COMPILE_CACHE = join(ROOT, 'target/e2e/node-compile-cache');
/** The worker bundle the tests serve. */
export const WORKER = process.env.EDGE_WORKER ?? 'build/test/worker/entry.mjs';

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
  });
}

/**
 * The repo's wrangler.toml without [build], with paths made absolute, written under target/e2e.
 * `vars` are added to its [vars] (for a worker started as a second config, which the env file
 * does not reach).
 */
export function testConfig(worker = WORKER, vars = {}) {
  const src = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');
  const out = src
    .replace(/^\[build\][^[]*/m, '')
    .replace(/^main = ".*"$/m, `main = ${JSON.stringify(join(ROOT, worker))}`)
    .replace(/^directory = "www"$/m, `directory = ${JSON.stringify(join(ROOT, 'www'))}`)
    + Object.entries(vars).map(([k, v]) => `${k} = ${JSON.stringify(String(v))}\n`).join('');
  const dir = join(ROOT, 'target/e2e');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `wrangler-${process.pid}${Object.keys(vars).length ? '-vars' : ''}.toml`);
  writeFileSync(file, out);
  return file;
}

/** dotenv quoting: single quotes keep JSON literally (double quotes do not unescape \"). */
function envQuote(v) {
  if (!v.includes("'") && !v.includes('\n')) return `'${v}'`;
  return JSON.stringify(v);
}

/**
 * Start the worker. `vars` become an env file (secrets and vars alike). `config` serves another
 * wrangler config instead of the repo's worker (bench/load.mjs starts its reference worker so);
 * `worker` another bundle of ours (bench/load.mjs: the deployable build/worker/entry.mjs);
 * `extraConfigs` more wrangler configs run in the same process, reachable through service
 * bindings of the first (the served one).
 * Returns { url, persistDir, pid (wrangler's, also its process group), stop(), logs() }.
 */
export async function startWorker(options = {}) {
  const persistDir = options.persistDir ?? mkdtempSync(join(tmpdir(), 'edge-session-e2e-'));
  // Free ports are picked here and bound by wrangler later (its own internal sockets too), so a
  // server starting at the same moment can take one first: that start is retried on new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce({ ...options, persistDir });
    } catch (e) {
      if (attempt >= 3 || !/Address already in use/.test(e.message)) throw e;
    }
  }
}

async function startOnce({ vars = {}, persistDir, timeoutMs = 90_000, config, worker, extraConfigs = [], readyPath = '/healthz' }) {
  const port = await freePort();
  const inspector = await freePort();
  const envFile = join(mkdtempSync(join(tmpdir(), 'edge-session-env-')), '.env');
  writeFileSync(envFile, Object.entries(vars).map(([k, v]) => `${k}=${envQuote(String(v))}`).join('\n') + '\n');
  const args = ['dev', '--config', config ?? testConfig(worker), ...extraConfigs.flatMap((c) => ['--config', c]), '--ip', '127.0.0.1', '--port', String(port),
    '--inspector-port', String(inspector), '--persist-to', persistDir, '--env-file', envFile,
    '--show-interactive-dev-session=false', '--log-level', 'warn'];
  const [cmd, argv] = DIRECT ? [process.execPath, ['--no-warnings', WRANGLER_CLI, ...args]] : [WRANGLER, args];
  const child = spawn(cmd, argv, {
    cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_COMPILE_CACHE: COMPILE_CACHE, WRANGLER_SEND_METRICS: 'false', DO_NOT_TRACK: '1', WRANGLER_HIDE_BANNER: 'true',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_NO_SKILLS_UPDATE_PROMPTS: 'true', CI: 'true' },
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  child.once('exit', () => { exited = true; });

  const stop = async () => {
    if (exited) return;
    const done = new Promise((r) => child.once('exit', r));
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
    const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 10_000);
    await done;
    clearTimeout(timer);
  };

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`wrangler exited before serving:\n${output}`);
    try {
      // `readyPath` other than /healthz (e.g. a static asset): ready without the worker having run.
      const r = await fetch(`${url}${readyPath}`, { signal: AbortSignal.timeout(2000) });
      // 200, or a JSON 500 naming a bad setting (tests of configuration errors want that too).
      if (r.status === 200 || (r.status === 500 && /config_invalid/.test(await r.text()))) {
        return { url, persistDir, pid: child.pid, inspector, stop, logs: () => output };
      }
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`worker did not answer /healthz within ${timeoutMs} ms:\n${output}`);
}
