// Service binding: examples/binding-worker (a JS Worker on the npm package) binds the session
// worker as SESSIONS; both run in one local wrangler process (`wrangler dev -c a -c b`), and the
// example authenticates every request through the binding with sessionFromBinding.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

for (const transport of ['rpc', 'fetch']) {
  test(`a second worker authenticates through the service binding (${transport})`, async () => {
    const { api, signIn } = client(w.url);
    const q = transport === 'fetch' ? '?transport=fetch' : '';
    const anon = await api('GET', `/me${q}`);
    assert.equal(anon.status, 401, anon.text);
    assert.equal(anon.json.error.code, 'session_required');
    // Sign-in goes through the example to the bound session worker, cookie and all.
    const { token, view } = await signIn(`bound-${transport}`);
    for (const viaCookie of [true, false]) {
      const me = await api('GET', `/me${q}`, { token, viaCookie });
      assert.equal(me.status, 200, me.text);
      assert.deepEqual(me.json, { hello: `bound-${transport}`, shard: view.shard, version: 1 });
      assert.equal(me.headers.get('set-cookie'), null, 'no cookie for a current token');
    }
    const bad = await api('GET', `/me${q}`, { token: `${token.slice(0, -2)}AA` });
    assert.equal(bad.status, 401, 'a tampered token is no session');
    // Rotation: the old token, inside its grace window, still names the session, and the
    // answer hands the successor's cookie on to the client.
    const rotated = await api('POST', '/api/session/rotate', { token });
    assert.equal(rotated.status, 200, rotated.text);
    assert.ok(rotated.token && rotated.token !== token);
    const old = await api('GET', `/me${q}`, { token });
    assert.equal(old.status, 200, old.text);
    // The successor's token is issued again for this answer (its issue time may be a second
    // later than the rotation's), so compare the session it names, not its bytes.
    assert.ok(old.token && old.token !== token, 'the successor cookie reaches the client');
    const viaHanded = await api('GET', '/api/session', { token: old.token });
    assert.equal(viaHanded.status, 200, viaHanded.text);
    assert.equal(viaHanded.json.id, rotated.json.id, 'the handed-out cookie names the successor');
    assert.equal((await api('DELETE', '/api/session', { token: rotated.token })).status, 204);
    assert.equal((await api('GET', `/me${q}`, { token: rotated.token })).status, 401, 'signed out through the binding');
    assert.equal((await api('GET', `/me${q}`, { token })).status, 401, 'the old token does not outlive sign-out');
  });
}

// A caller that hands the RPC method whatever it is given: no value reaches a panic, each
// gets the HTTP API's code and status, and the session worker keeps answering.
test('the RPC method refuses bad credentials with a coded answer', async () => {
  const dir = join(ROOT, 'target/e2e', `binding-raw-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'worker.mjs'), `export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname.startsWith('/api/')) return env.SESSIONS.fetch(request);
    if (request.method !== 'POST') return new Response('ready');
    const cases = await request.json();
    const out = [];
    for (const c of cases) out.push(await env.SESSIONS.session(c.value === '__undefined' ? undefined : c.value));
    return Response.json(out);
  },
};
`);
  writeFileSync(join(dir, 'wrangler.toml'), readFileSync(join(ROOT, 'examples/binding-worker/wrangler.toml'), 'utf8')
    .replace(/^name = .*$/m, 'name = "edge-session-binding-raw"'));
  const raw = await startWorker({ config: join(dir, 'wrangler.toml'), extraConfigs: [testConfig(undefined, { SESSION_KEYS: TEST_KEYS })], readyPath: '/' });
  try {
    const { token } = await client(raw.url).signIn('raw-user');
    const long = 'x'.repeat(40_000);
    const cases = [
      { value: '__undefined', status: 401, code: 'invalid_token' },
      { value: null, status: 401, code: 'invalid_token' },
      { value: 42, status: 400, code: 'invalid_input' },
      { value: 'a string', status: 400, code: 'invalid_input' },
      { value: [token], status: 401, code: 'invalid_token' },
      { value: {}, status: 401, code: 'invalid_token' },
      { value: { cookie: 7 }, status: 400, code: 'invalid_input' },
      { value: { authorization: ['Bearer', token] }, status: 400, code: 'invalid_input' },
      { value: { authorization: `Bearer ${long}` }, status: 431, code: 'cookie_header_too_large' },
      { value: { cookie: `__Host-session=${long}` }, status: 431, code: 'cookie_header_too_large' },
      { value: { authorization: 'Bearer a b' }, status: 401, code: 'invalid_token' },
      { value: { authorization: 'Bearer not-a-token' }, status: 401, code: 'invalid_token' },
      { value: { authorization: `Bearer ${token}` }, status: 200 },
      { value: { cookie: `theme=dark; __Host-session=${token}`, authorization: 'Basic eDp5' }, status: 200 },
    ];
    const r = await fetch(`${raw.url}/`, { method: 'POST', body: JSON.stringify(cases) });
    const text = await r.text();
    assert.equal(r.status, 200, text);
    const answers = JSON.parse(text);
    assert.equal(answers.length, cases.length);
    cases.forEach((c, i) => {
      const a = answers[i];
      const what = `${JSON.stringify(c.value).slice(0, 60)} -> ${JSON.stringify(a).slice(0, 200)}`;
      if (c.status === 200) {
        assert.equal(a.session?.user, 'raw-user', what);
        assert.equal(typeof a.session.idleExpiresAt, 'number', `camelCase view: ${what}`);
      } else {
        assert.equal(a.status, c.status, what);
        assert.equal(a.error?.code, c.code, what);
        assert.equal(typeof a.error.message, 'string', what);
      }
    });
  } finally {
    await raw.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
