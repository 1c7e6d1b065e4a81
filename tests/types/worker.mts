// js/README.md "A JS Worker over Workers KV", ported to TypeScript: bindings typed structurally
// (Cloudflare's KVNamespace fits KVNamespaceLike), the manager built once from c.env.
import { Hono } from 'hono';
import { SessionManager, KVStore, honoSession, honoOnError, type EdgeSessionVariables, type KVNamespaceLike } from 'edge-session';

interface Env { SESSION_KEYS: string; SESSIONS_KV: KVNamespaceLike }

let manager: SessionManager | undefined;
const managerFor = (env: Env) => (manager ??= new SessionManager({
  keys: env.SESSION_KEYS, ring: [{ name: 'kv' }], store: new KVStore(env.SESSIONS_KV),
}));
const app = new Hono<{ Bindings: Env; Variables: EdgeSessionVariables }>();
app.onError(honoOnError);
app.use('/api/*', honoSession({ manager: (c: { env: Env }) => managerFor(c.env) }));
app.put('/api/session', async (c) => {
  const current = c.get('session');
  if (!current) return c.json({ error: { code: 'invalid_token' } }, 401);
  const match = /^"(\d+)"$/.exec(c.req.header('if-match') ?? '');
  const saved = await c.get('saveSession')({ theme: 'dark' }, match ? Number(match[1]) : current.version);
  return c.json({ version: saved.version });
});
export default app;

// A Map-backed KV binding type-checks as one (the shape tests use).
const map = new Map<string, string>();
const fake: KVNamespaceLike = {
  get: async (k) => map.get(k) ?? null,
  put: async (k, v) => { map.set(k, v); },
  delete: async (k) => { map.delete(k); },
  list: async () => ({ keys: [...map.keys()].map((name) => ({ name })), list_complete: true }),
};
new KVStore(fake, { prefix: 't:' });
// @ts-expect-error: a KVStore needs a binding
new KVStore();
