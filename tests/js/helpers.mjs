// Shared helpers of the Node tests of the npm package: paths, temp dirs, redis-server processes.
import { spawn, execFile } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const PKG = join(ROOT, 'pkg');
export const NODE = process.execPath;
export const run = promisify(execFile);
const rootRequire = createRequire(join(ROOT, 'package.json'));

/** The package as built in pkg/ (same files the tarball holds). */
export const pkg = () => import(join(PKG, 'index.mjs'));

/** Directory of an installed dev dependency (e.g. express), or of EXTRA_NODE_MODULES/<name>. */
export function depDir(name) {
  try {
    return dirname(rootRequire.resolve(`${name}/package.json`));
  } catch {
    // Packages whose exports map hides package.json (hono): the repository's copy, if any.
    if (existsSync(join(ROOT, 'node_modules', name, 'package.json'))) return join(ROOT, 'node_modules', name);
    if (process.env.EXTRA_NODE_MODULES) return join(process.env.EXTRA_NODE_MODULES, name);
    throw new Error(`${name} is not installed: run npm install in the repository`);
  }
}

export function tempDir(t, prefix = 'edge-session-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function ping(port) {
  return new Promise((res) => {
    const c = connect(port, '127.0.0.1');
    c.setTimeout(300);
    c.on('connect', () => c.write('PING\r\n'));
    c.on('data', (d) => { c.destroy(); res(d.toString().startsWith('+PONG')); });
    c.on('error', () => res(false));
    c.on('timeout', () => { c.destroy(); res(false); });
  });
}

// Servers still running when this process exits (a timeout, a crash) are killed with it.
const running = new Set();
process.on('exit', () => { for (const p of running) p.kill('SIGKILL'); });

/**
 * A redis-server on a free loopback port, no persistence. `stop()` kills it (SIGKILL),
 * `restart()` starts an empty one on the same port, `pause()`/`resume()` SIGSTOP/SIGCONT it.
 * Killed at test end.
 */
export async function startRedis(t) {
  const port = await freePort();
  const server = {
    port,
    url: `redis://127.0.0.1:${port}`,
    stopped: true,
    proc: null,
    async stop() {
      if (server.stopped) return;
      server.stopped = true;
      const { proc } = server;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGCONT');
      proc.kill('SIGKILL');
      await exited;
    },
    async restart() {
      await server.stop();
      const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '',
        '--appendonly', 'no', '--protected-mode', 'no'], { stdio: 'ignore' });
      running.add(proc);
      proc.once('exit', () => running.delete(proc));
      server.proc = proc;
      server.stopped = false;
      for (let i = 0; i < 100; i++) {
        if (await ping(port)) return server;
        await sleep(50);
      }
      throw new Error(`redis-server on ${port} did not start`);
    },
    pause() {
      server.proc.kill('SIGSTOP');
    },
    resume() {
      server.proc.kill('SIGCONT');
    },
  };
  t.after(() => server.stop());
  return server.restart();
}

/**
 * A TCP proxy on a loopback port in front of `port`, for partitions: `cut()` drops every
 * connection and refuses new ones until `heal()`. Closed at test end.
 */
export async function startProxy(t, port) {
  const sockets = new Set();
  let open = true;
  const server = createServer((client) => {
    if (!open) return client.destroy();
    const upstream = connect(port, '127.0.0.1');
    const pair = [client, upstream];
    for (const s of pair) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => { sockets.delete(s); for (const o of pair) o.destroy(); });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((res) => server.listen(0, '127.0.0.1', res));
  const proxy = {
    port: server.address().port,
    get url() { return `redis://127.0.0.1:${proxy.port}`; },
    cut() {
      open = false;
      for (const s of sockets) s.destroy();
    },
    heal() {
      open = true;
    },
  };
  t.after(() => { proxy.cut(); server.close(); });
  return proxy;
}

/** Waits (bounded) until `cond()` is true. */
export async function until(cond, what, ms = 5000) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** p-th percentile (0..100) of a list of numbers. */
export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** The golden vectors. */
export async function vectors(name) {
  const { readFile } = await import('node:fs/promises');
  return JSON.parse(await readFile(join(ROOT, 'tests/vectors', name), 'utf8'));
}

export const KEYS = [{ kid: 'k1', secret: Buffer.alloc(32, 7).toString('base64'), state: 'primary' }];
