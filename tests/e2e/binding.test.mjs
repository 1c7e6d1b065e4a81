// Service binding: examples/binding-worker (a JS Worker on the npm package) binds the session
// worker as SESSIONS; both run in one local wrangler process (`wrangler dev -c a -c b`), and the
// example authenticates every request through the binding with sessionFromBinding.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startWorker, testConfig } from './harness.mjs';
import { TEST_KEYS, client } from './helpers.mjs';

let w;

/** The example under target/e2e with node_modules/edge-session -> pkg/. */
function project() {
  const pkg = join(ROOT, 'pkg');
  assert.ok(existsSync(join(pkg, 'web/workerd.js')), 'the package is built (bash scripts/build-pkg.sh)');
  const dir = join(ROOT, 'target/e2e', `binding-worker-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  for (const f of ['worker.mjs', 'wrangler.toml']) copyFileSync(join(ROOT, 'examples/binding-worker', f), join(dir, f));
  symlinkSync(pkg, join(dir, 'node_modules/edge-session'));
  return dir;
}

before(async () => {
  const dir = project();
  w = await startWorker({
    config: join(dir, 'wrangler.toml'),
    extraConfigs: [testConfig(undefined, { SESSION_KEYS: TEST_KEYS })],
  });
  w.dir = dir;
});
after(async () => {
  await w?.stop();
  if (w?.dir) rmSync(w.dir, { recursive: true, force: true });
});

test('a second worker authenticates through the service binding', async () => {
  const { api, signIn } = client(w.url);
  const anon = await api('GET', '/me');
  assert.equal(anon.status, 401, anon.text);
  assert.equal(anon.json.error.code, 'session_required');
  // Sign-in goes through the example to the bound session worker, cookie and all.
  const { token, view } = await signIn('bound-user');
  for (const viaCookie of [true, false]) {
    const me = await api('GET', '/me', { token, viaCookie });
    assert.equal(me.status, 200, me.text);
    assert.deepEqual(me.json, { hello: 'bound-user', shard: view.shard, version: 1 });
  }
  const bad = await api('GET', '/me', { token: `${token.slice(0, -2)}AA` });
  assert.equal(bad.status, 401, 'a tampered token is no session');
  assert.equal((await api('DELETE', '/api/session', { token })).status, 204);
  assert.equal((await api('GET', '/me', { token })).status, 401, 'signed out through the binding');
});
