// A JS Worker on the npm package as a user writes it: Hono, honoSession and a KVStore over the
// SESSIONS_KV binding. tests/e2e/hono.test.mjs serves it with local wrangler (workerd) against
// the built package (pkg/, through its `workerd` export condition). Its routes are the Rust
// worker's session routes (a subset), so one verbs table covers both.
import { Hono } from 'hono';
import { SessionManager, KVStore, honoSession, honoOnError, runConformance, version } from 'edge-session';
// The lean entry, through its own `workerd` build (the wasm imported as a module).
import * as lite from 'edge-session/lite';

// One manager per isolate: bindings and vars do not change between requests.
let manager;
const managerFor = (env) =>
  (manager ??= new SessionManager({
    keys: env.SESSION_KEYS,
    ring: [{ name: 'kv' }],
    store: new KVStore(env.SESSIONS_KV),
  }));

/** The JSON body, or a 400 `invalid_json`. */
async function body(c) {
  try {
    return await c.req.json();
  } catch {
    throw Object.assign(new Error('the body must be JSON'), { code: 'invalid_json', status: 400 });
  }
}

const needSession = (c) => {
  const s = c.get('session');
  if (!s) throw Object.assign(new Error('no session'), { code: 'invalid_token', status: 401 });
  return s;
};

const view = (s) => ({ id: s.id, user: s.user, device: s.device, data: s.data, version: s.version, shard: s.shard });

const app = new Hono();
app.onError(honoOnError);
app.notFound((c) => c.json({ error: { code: 'not_found' } }, 404));

app.get('/healthz', (c) => c.json({ ok: true, store: 'kv', version: version() }));

// Session tests of the store itself, inside workerd against local KV (isolated by a key prefix).
app.post('/__test/conformance', async (c) => {
  const tag = crypto.randomUUID();
  const passed = await runConformance(new KVStore(c.env.SESSIONS_KV, { prefix: `conformance-${tag}:` }), tag);
  return c.json({ passed });
});

// The cookie's token verified by edge-session/lite: its claims, or 401 invalid_token.
app.get('/lite/verify', (c) => {
  const token = /(?:^|;\s*)__Host-session=([^;]*)/.exec(c.req.header('cookie') ?? '')?.[1];
  const claims = lite.Keyring.fromJSON(c.env.SESSION_KEYS).verify(token);
  return c.json({ kid: claims.kid, shard: claims.shard, epoch: claims.epoch, version: lite.version() });
});

app.use('/api/*', honoSession({ manager: (c) => managerFor(c.env) }));

app.post('/api/sessions', async (c) => {
  const { user, device, data } = await body(c);
  return c.json(view(await c.get('signIn')({ user, device, data })), 201);
});
app.get('/api/sessions', async (c) => {
  const list = await managerFor(c.env).listUser(needSession(c).user);
  return c.json(list.map((s) => ({ ...view(s), current: s.id === c.get('session').id })));
});
app.get('/api/session', (c) => {
  const s = needSession(c);
  c.header('ETag', `"${s.version}"`);
  return c.json(view(s));
});
app.put('/api/session', async (c) => {
  const current = needSession(c);
  const match = /^"(\d{1,15})"$/.exec(c.req.header('if-match') ?? '');
  const { data } = await body(c);
  const saved = await c.get('saveSession')(data, match ? Number(match[1]) : current.version);
  return c.json(view(saved));
});
app.post('/api/session/rotate', async (c) => {
  needSession(c);
  return c.json(view(await c.get('rotateSession')()));
});
app.delete('/api/session', async (c) => {
  await c.get('signOut')();
  return c.body(null, 204);
});

export default app;
