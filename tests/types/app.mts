// js/README.md "Express + Redis", ported to TypeScript: the same app; `req.session` and
// `req.signIn()` are typed by the package's augmentation of Express's Request (no casts), and
// the error handler's parameters get Express's types.
import express, { type ErrorRequestHandler } from 'express';
import { SessionManager, RedisStore, Ring, edgeSession, type EdgeSessionError } from 'edge-session';

const servers: Record<string, string> = JSON.parse(process.env.REDIS_SERVERS ?? '{"r1":"redis://127.0.0.1:6379"}');
const ring = new Ring(Object.keys(servers).map((name) => ({ name })));
const redis = await RedisStore.connect({ servers, ring, replicas: Math.min(2, ring.shards.length) });
const manager = new SessionManager({
  keys: process.env.SESSION_KEYS ?? '[]',
  ring,
  store: redis.router(),
});

interface Visits { visits: number }

const app = express();
app.use(express.json());
app.use(edgeSession({ manager, cookie: { hostPrefix: false, secure: false } }));

app.post('/login', async (req, res) => {
  const session = await req.signIn<Visits>({ user: req.body.user, data: { visits: 0 } });
  res.json({ user: session.user, shard: session.shard });
});
app.get('/me', (req, res) => {
  if (!req.session) return res.status(401).json({ error: { code: 'invalid_token' } });
  res.json({ user: req.session.user, data: req.session.data, version: req.session.version });
});
app.post('/visit', async (req, res) => {
  if (!req.session) return res.status(401).end();
  const data = req.session.data as unknown as Visits;
  const s = await req.saveSession<Visits>({ visits: data.visits + 1 });
  res.json({ visits: s.data.visits });
});
app.post('/logout', async (req, res) => {
  await req.signOut();
  res.status(204).end();
});
const onError: ErrorRequestHandler = (err: EdgeSessionError, req, res, next) => {
  res.status(err.status ?? 500).json({ error: { code: err.code ?? 'internal_error' } });
};
app.use(onError);

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () =>
  console.log(`listening on ${JSON.stringify(server.address())}`));
process.on('SIGTERM', () => server.close(() => redis.close()));
