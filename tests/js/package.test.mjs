// The packed tarball as a user gets it: installed into a fresh project, used from CommonJS, ESM
// and TypeScript (tsc --noEmit), and every README example run, including the Express + Redis app.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEYS, NODE, PKG, ROOT, depDir, freePort, run, startRedis, tempDir } from './helpers.mjs';

const NPM_ENV = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
let app;

before(async () => {
  const tgz = readdirSync(ROOT).find((f) => /^edge-session-.*\.tgz$/.test(f));
  assert.ok(tgz, 'scripts/build-pkg.sh makes edge-session-<version>.tgz');
  app = tempDir({ after: (fn) => process.on('exit', fn) }, 'edge-session-app-');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
  // Offline: the package has no dependencies; redis and express come from the repository.
  await run('npm', ['install', '--offline', '--no-package-lock', join(ROOT, tgz)], { cwd: app, env: NPM_ENV });
  for (const dep of ['redis', 'express', '@redis', 'hono']) {
    try {
      symlinkSync(dep === '@redis' ? join(depDir('redis'), '..', '@redis') : depDir(dep), join(app, 'node_modules', dep));
    } catch (e) {
      if (dep !== 'express' && dep !== 'hono') throw e;
    }
  }
});

const node = (file, opts = {}) => run(NODE, [file], { cwd: app, timeout: 30_000, ...opts });

test('the tarball holds one package with node, web, lib and types', () => {
  const pj = JSON.parse(readFileSync(join(app, 'node_modules/edge-session/package.json'), 'utf8'));
  assert.equal(pj.name, 'edge-session');
  for (const f of ['index.cjs', 'index.mjs', 'index.d.ts', 'node/edge_session_bg.wasm', 'web/edge_session_bg.wasm', 'web/index.js', 'web/auto.js', 'lib/redis-store.cjs', 'lib/hono.cjs', 'lib/kv-store.cjs', 'index.d.mts', 'web/workerd.js', 'lite/index.js', 'lite/node.js', 'lite/workerd.js', 'lite/index.d.ts', 'lite/edge_session_lite_bg.wasm', 'README.md', 'LICENSE-MIT', 'LICENSE-APACHE']) {
    assert.ok(readFileSync(join(app, 'node_modules/edge-session', f)).length > 0, f);
  }
});

test('require() works with no init call', async () => {
  writeFileSync(join(app, 'cjs.cjs'), `
    const { Ring, Keyring, SessionManager, MemoryStore, version } = require('edge-session');
    const ring = new Ring([{ name: 'a' }, { name: 'b' }]);
    const keys = Keyring.fromJSON(${JSON.stringify(JSON.stringify(KEYS))});
    const m = new SessionManager({ keys: ${JSON.stringify(KEYS)}, ring, store: new MemoryStore() });
    m.create({ user: 'cjs' }).then(({ token }) => {
      console.log(version(), ring.locate('cjs'), keys.verify(token).shard);
    });`);
  const { stdout } = await node('cjs.cjs');
  assert.match(stdout, /^\d+\.\d+\.\d+ [ab] [ab]\n$/);
});

test('import works with no init call, and is the same instance as require', async () => {
  writeFileSync(join(app, 'esm.mjs'), `
    import { createRequire } from 'node:module';
    import es, { Ring, init } from 'edge-session';
    await init();
    await es(); // the browser form \`import init from 'edge-session'; await init()\` runs in Node too
    const cjs = createRequire(import.meta.url)('edge-session');
    console.log(Ring === cjs.Ring, es.Ring === Ring, cjs.default === cjs, typeof cjs.KVStore, new Ring([{ name: 'x' }]).locate('k'));`);
  const { stdout } = await node('esm.mjs');
  assert.equal(stdout, 'true true true function x\n');
});

test('TypeScript: the declarations type-check a typical program (tsc --noEmit)', async () => {
  writeFileSync(join(app, 'main.ts'), `
    import { SessionManager, MemoryStore, Ring, Keyring, RedisStore, edgeSession, setCookie,
      type Session, type SessionStore, type EdgeSessionError } from 'edge-session';
    const ring: Ring = new Ring([{ name: 'a', weight: 2 }]);
    const store: SessionStore = new MemoryStore();
    const m = new SessionManager({ keys: '[]', ring, store, policy: { idleTimeout: 60, touchInterval: 10 }, now: () => 1 });
    async function f(): Promise<number> {
      const { token, session, maxAge } = await m.create<{ n: number }>({ user: 'u', data: { n: 1 } });
      const s: Session<{ n: number }> = session;
      const next = await m.update(token, s.version, { n: s.data.n + 1 });
      try { await m.destroy(token); } catch (e) { const err = e as EdgeSessionError; console.log(err.code, err.currentVersion); }
      const redis = await RedisStore.connect({ servers: { a: 'redis://127.0.0.1:1' }, ring, replicas: 1 });
      new SessionManager({ keys: '[]', ring, store: redis.router() });
      edgeSession({ manager: m, cookie: { sameSite: 'Strict' } });
      setCookie(token, maxAge);
      Keyring.fromJSON('[]').verify(token).kid.toUpperCase();
      const maybe = Keyring.fromJSON('[]').tryVerify(token, 1_800_000_000);
      if (maybe !== null) maybe.shard.toUpperCase();
      return next.version + ring.shares()[0].fraction;
    }
    void f;`);
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: [], skipLibCheck: false },
    files: ['main.ts'],
  }));
  await run(NODE, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: app, timeout: 60_000 })
    .catch((e) => assert.fail(e.stdout + e.stderr));
});

/** The README's `// file: NAME` examples. */
function readmeExamples() {
  const text = readFileSync(join(PKG, 'README.md'), 'utf8');
  return Object.fromEntries([...text.matchAll(/```js\n\/\/ file: (\S+)\n([\s\S]*?)```/g)].map((m) => [m[1], m[2]]));
}

test('README examples run and print what their comments say', async () => {
  const ex = readmeExamples();
  assert.deepEqual(Object.keys(ex).sort(), ['app.mjs', 'conformance.mjs', 'cookies.mjs', 'gateway.mjs', 'hono.mjs', 'lite.mjs', 'quickstart.mjs', 'ratelimit.mjs', 'ring.mjs', 'sealed.mjs']);
  for (const [name, code] of Object.entries(ex)) {
    if (name === 'app.mjs') continue;
    writeFileSync(join(app, name), code);
    const { stdout } = await node(name);
    // Each `console.log(...); // expected` comment is checked against its output line.
    const expected = [...code.matchAll(/console\.log\(.*\);? \/\/ (.+)$/gm)].map((m) => m[1].trim());
    const lines = stdout.trim().split('\n');
    for (const want of expected) {
      assert.ok(lines.some((l) => l.startsWith(want.replace(/\.\.\..*$/, ''))), `${name}: "${want}" in\n${stdout}`);
    }
  }
});

test('README Express + Redis app end to end: login, cookie, versioned visits, logout', async (t) => {
  try { depDir('express'); } catch (e) { assert.fail(e.message); }
  const servers = {};
  for (const n of ['r1', 'r2', 'r3']) servers[n] = (await startRedis(t)).url;
  writeFileSync(join(app, 'app.mjs'), readmeExamples()['app.mjs']);
  const port = await freePort();
  const proc = spawn(NODE, ['app.mjs'], {
    cwd: app,
    env: { ...process.env, PORT: String(port), REDIS_SERVERS: JSON.stringify(servers), SESSION_KEYS: JSON.stringify(KEYS) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  t.after(() => proc.kill('SIGKILL'));
  for (let i = 0; i < 100 && !log.includes('listening'); i++) await new Promise((r) => setTimeout(r, 50));
  assert.match(log, /listening/);
  const base = `http://127.0.0.1:${port}`;
  const call = (path, { cookie, body, method = 'POST' } = {}) => fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(5000),
  });
  assert.equal((await call('/me', { method: 'GET' })).status, 401);
  const shards = new Set();
  let cookie;
  for (const user of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank']) {
    const res = await call('/login', { body: { user } });
    assert.equal(res.status, 200);
    const set = res.headers.getSetCookie()[0];
    assert.match(set, /^session=[A-Za-z0-9_-]+; HttpOnly; SameSite=Lax; Path=\/; Max-Age=43200$/);
    shards.add((await res.json()).shard);
    cookie ??= set.split(';')[0];
  }
  assert.ok(shards.size >= 2, 'users land on several servers');
  // Bad input is the client's fault: 400 with the code, not 500.
  const bad = await call('/login', { body: { user: 42 } });
  assert.equal(bad.status, 400);
  assert.deepEqual(await bad.json(), { error: { code: 'invalid_input' } });
  const visits = await Promise.all(Array.from({ length: 5 }, async () => {
    for (;;) {
      const r = await call('/visit', { cookie });
      if (r.status === 412) continue; // stale version: retry
      assert.equal(r.status, 200);
      return (await r.json()).visits;
    }
  }));
  assert.deepEqual(visits.sort(), [1, 2, 3, 4, 5]);
  const me = await (await call('/me', { cookie, method: 'GET' })).json();
  assert.deepEqual([me.user, me.data.visits, me.version], ['alice', 5, 6]);
  const out = await call('/logout', { cookie });
  assert.equal(out.status, 204);
  assert.match(out.headers.getSetCookie()[0], /^session=; .*Max-Age=0/);
  const after = await call('/me', { cookie, method: 'GET' });
  assert.equal(after.status, 401);
  assert.match(after.headers.getSetCookie()[0] ?? '', /Max-Age=0/, 'a dead cookie is cleared');
  assert.equal((await call('/visit', { cookie: 'session=garbage' })).status, 401);
});
