// Shared helpers of the Node tests of the npm package: paths, temp dirs, redis-server processes.
import { spawn, execFile } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
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

/** A redis-server on a free loopback port, no persistence; stopped by `stop()` or at test end. */
export async function startRedis(t) {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '',
    '--appendonly', 'no', '--protected-mode', 'no'], { stdio: 'ignore' });
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
  const server = {
    port,
    url: `redis://127.0.0.1:${port}`,
    stopped: false,
    async stop() {
      if (server.stopped) return;
      server.stopped = true;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
    },
  };
  t.after(() => server.stop());
  for (let i = 0; i < 100; i++) {
    if (await ping(port)) return server;
    await sleep(50);
  }
  throw new Error(`redis-server on ${port} did not start`);
}

/** The golden vectors. */
export async function vectors(name) {
  const { readFile } = await import('node:fs/promises');
  return JSON.parse(await readFile(join(ROOT, 'tests/vectors', name), 'utf8'));
}

export const KEYS = [{ kid: 'k1', secret: Buffer.alloc(32, 7).toString('base64'), state: 'primary' }];
