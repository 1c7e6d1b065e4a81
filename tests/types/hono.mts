// js/README.md "Hono", ported to TypeScript: the same app, with the session variables declared
// on the Hono type (`EdgeSessionVariables`) and the data type given where it is read.
import { Hono } from 'hono';
import { SessionManager, MemoryStore, honoSession, honoOnError, type EdgeSessionVariables } from 'edge-session';
import { randomBytes } from 'node:crypto';

interface Visits { visits: number }

const keys = [{ kid: 'k1', secret: randomBytes(32).toString('base64'), state: 'primary' }];
const manager = new SessionManager({ keys, ring: [{ name: 'main' }], store: new MemoryStore() });

const app = new Hono<{ Variables: EdgeSessionVariables }>();
app.onError(honoOnError);
app.use('/api/*', honoSession({ manager, cookie: { hostPrefix: false, secure: false } }));
app.post('/api/sessions', async (c) => {
  const { user } = await c.req.json<{ user: string }>();
  const session = await c.get('signIn')<Visits>({ user, data: { visits: 0 } });
  return c.json({ user: session.user }, 201);
});
app.post('/api/visit', async (c) => {
  const session = c.get('session');
  if (!session) return c.json({ error: { code: 'invalid_token' } }, 401);
  const data = session.data as unknown as Visits;
  const saved = await c.get('saveSession')<Visits>({ visits: data.visits + 1 });
  return c.json({ visits: saved.data.visits });
});
app.delete('/api/session', async (c) => {
  await c.get('signOut')();
  return c.body(null, 204);
});

const json = { 'content-type': 'application/json' };
const login = await app.request('/api/sessions', { method: 'POST', headers: json, body: '{"user":"alice"}' });
const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
const visit = await app.request('/api/visit', { method: 'POST', headers: { cookie } });
console.log(login.status, ((await visit.json()) as Visits).visits);
