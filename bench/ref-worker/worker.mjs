// Reference worker for bench D ("the worker under load"): the routes the load test drives,
// hand-written in plain JS the way a competent developer would, over the same Durable Object
// layout as the Rust worker (one SQLite-backed object per shard, same table; placement by the
// shard written in the token). Sign-in, read, update, rotate, sign-out and /healthz; same vars (SESSION_KEYS,
// POLICY), same answers and error shape. Not a copy of the Rust logic: its own token format
// (token.mjs), FNV-1a placement over shard-0..3, one RPC per route (shard.mjs).
import { importKeyring, signToken, verifyToken, idHash } from './token.mjs';
import { expiresAt } from './shard.mjs';
import { gateway } from './gateway.mjs';

export { RefShard } from './shard.mjs';

const SHARDS = ['shard-0', 'shard-1', 'shard-2', 'shard-3'];
const COOKIE = '__Host-session';
const MAX_BODY = 16 * 1024;
const DEFAULT_POLICY = { idle_timeout: 1800, absolute_lifetime: 43200, touch_interval: 60, max_data_bytes: 4096, max_sessions_per_user: 32 };

class HttpError extends Error {
  constructor(status, code, message, extra = {}) {
    super(message);
    Object.assign(this, { status, code, extra });
  }
}

// Parsed settings, cached per isolate and rebuilt when the raw strings change.
let cached = null;
async function config(env) {
  const raw = `${env.SESSION_KEYS}\n${env.POLICY ?? ''}`;
  if (cached?.raw === raw) return cached;
  if (!env.SESSION_KEYS) throw new HttpError(500, 'config_invalid', 'SESSION_KEYS: missing');
  const policy = { ...DEFAULT_POLICY, ...(env.POLICY ? JSON.parse(env.POLICY) : {}) };
  cached = { raw, keys: await importKeyring(env.SESSION_KEYS), policy };
  return cached;
}

const now = () => Math.floor(Date.now() / 1000);

function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body), {
    status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  });
}

function view(r) {
  return {
    id: r.id, user: r.user, device: r.device, data: r.data, version: r.version, created: r.created,
    last_seen: r.last_seen, idle_expires: r.idle_expires, absolute_expires: r.absolute_expires,
    expires: expiresAt(r), shard: r.shard, epoch: r.epoch,
  };
}
const withView = (status, r, headers = {}) => json(status, view(r), { etag: `"${r.version}"`, ...headers });

function setCookie(token, maxAge) {
  return `${COOKIE}=${token}; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=${maxAge}`;
}

/** FNV-1a over the user id, mod the shard count: one user's sessions share a shard. */
function shardFor(user) {
  let h = 0x811c9dc5;
  for (let i = 0; i < user.length; i++) h = Math.imul(h ^ user.charCodeAt(i), 0x01000193);
  return SHARDS[(h >>> 0) % SHARDS.length];
}

const shard = (env, name) => env.SHARDS.get(env.SHARDS.idFromName(name));

function tokenOf(req) {
  const auth = req.headers.get('authorization');
  if (auth) {
    const m = /^bearer\s+(\S+)\s*$/i.exec(auth);
    if (!m) throw new HttpError(401, 'invalid_token', 'invalid session token');
    return m[1];
  }
  for (const part of (req.headers.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === COOKIE) return part.slice(eq + 1).trim();
  }
  throw new HttpError(401, 'invalid_token', 'invalid session token');
}

async function readJson(req) {
  const type = (req.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError(415, 'unsupported_media_type', 'send the body as application/json');
  if (Number(req.headers.get('content-length') ?? 0) > MAX_BODY) throw new HttpError(413, 'body_too_large', `request body over ${MAX_BODY} bytes`);
  const text = await req.text();
  if (text.length > MAX_BODY) throw new HttpError(413, 'body_too_large', `request body over ${MAX_BODY} bytes`);
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'invalid_json', 'request body is not valid JSON');
  }
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const bytes = (s) => new TextEncoder().encode(s).length;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function checkData(data, policy) {
  if (!isObject(data)) throw new HttpError(400, 'invalid_input', 'data must be a JSON object');
  if (bytes(JSON.stringify(data)) > policy.max_data_bytes) {
    throw new HttpError(413, 'data_too_large', `data over ${policy.max_data_bytes} bytes`);
  }
}

/** The verified token and its live record. */
async function authenticate(req, env, cfg) {
  const t = now();
  const claims = await verifyToken(cfg.keys, tokenOf(req), t);
  if (!claims) throw new HttpError(401, 'invalid_token', 'invalid session token');
  const id = await idHash(claims.sid);
  const stub = shard(env, claims.shard);
  let r = await stub.read(id);
  if (!r) throw new HttpError(401, 'session_not_found', 'no such session');
  if (expiresAt(r) <= t) throw new HttpError(401, 'session_expired', 'session expired');
  if (t >= r.last_seen + cfg.policy.touch_interval) r = (await stub.touch(id, t, cfg.policy.idle_timeout)) ?? r;
  return { claims, id, stub, record: r, now: t };
}

async function signIn(req, env, cfg) {
  const body = await readJson(req);
  const { user, device = '', data = {} } = isObject(body) ? body : {};
  if (typeof user !== 'string' || !user || bytes(user) > 128 || CONTROL.test(user)) {
    throw new HttpError(400, 'invalid_input', 'user must be 1..=128 bytes without control characters');
  }
  if (typeof device !== 'string' || bytes(device) > 64 || CONTROL.test(device)) {
    throw new HttpError(400, 'invalid_input', 'device must be at most 64 bytes without control characters');
  }
  checkData(data, cfg.policy);
  const t = now();
  const sid = crypto.getRandomValues(new Uint8Array(16));
  const p = cfg.policy;
  const absolute = t + p.absolute_lifetime;
  const r = {
    id: await idHash(sid), user, device, data, version: 1, created: t, last_seen: t,
    idle_expires: Math.min(t + p.idle_timeout, absolute), absolute_expires: absolute, shard: shardFor(user), epoch: 1,
  };
  const out = await shard(env, r.shard).create(r, p.max_sessions_per_user, t);
  if (out.error) throw new HttpError(409, out.error, 'session id collision');
  const token = await signToken(cfg.keys, sid, r.shard, t, absolute);
  return withView(201, r, { 'set-cookie': setCookie(token, absolute - t) });
}

function ifMatch(req) {
  const h = req.headers.get('if-match');
  if (h == null) return null;
  const m = /^\s*"?(\d{1,15})"?\s*$/.exec(h);
  if (!m) throw new HttpError(400, 'invalid_input', 'If-Match must be "<version>"');
  return Number(m[1]);
}

async function update(req, env, cfg) {
  const token = tokenOf(req);
  const header = ifMatch(req);
  const body = await readJson(req);
  if (!isObject(body)) throw new HttpError(400, 'invalid_input', 'body must be {"data", "version"?}');
  const version = header ?? (Number.isSafeInteger(body.version) ? body.version : null);
  if (version == null) throw new HttpError(428, 'version_required', 'send If-Match: "<version>" (or a body field "version")');
  if (header != null && body.version != null && body.version !== header) {
    throw new HttpError(400, 'invalid_input', 'If-Match and body version disagree');
  }
  checkData(body.data, cfg.policy);
  const t = now();
  const claims = await verifyToken(cfg.keys, token, t);
  if (!claims) throw new HttpError(401, 'invalid_token', 'invalid session token');
  const out = await shard(env, claims.shard).update(await idHash(claims.sid), version, body.data, t, cfg.policy.idle_timeout);
  if (out.conflict != null) {
    throw new HttpError(412, 'version_conflict', 'the session changed since that version', { current_version: out.conflict });
  }
  if (out.error) throw new HttpError(401, out.error, 'no such session');
  return withView(200, out.record);
}

async function rotate(req, env, cfg) {
  const t = now();
  const claims = await verifyToken(cfg.keys, tokenOf(req), t);
  if (!claims) throw new HttpError(401, 'invalid_token', 'invalid session token');
  const sid = crypto.getRandomValues(new Uint8Array(16));
  const out = await shard(env, claims.shard).rotate(await idHash(claims.sid), await idHash(sid), t, cfg.policy.idle_timeout);
  if (out.error) throw new HttpError(out.error === 'session_exists' ? 409 : 401, out.error, 'no such session');
  const r = out.record;
  const token = await signToken(cfg.keys, sid, r.shard, t, r.absolute_expires);
  return withView(200, r, { 'set-cookie': setCookie(token, r.absolute_expires - t) });
}

async function signOut(req, env, cfg) {
  const claims = await verifyToken(cfg.keys, tokenOf(req), now());
  if (!claims) throw new HttpError(401, 'invalid_token', 'invalid session token');
  await shard(env, claims.shard).remove(await idHash(claims.sid));
  return new Response(null, { status: 204, headers: { 'set-cookie': setCookie('', 0) } });
}

/** CSRF: unsafe methods from a browser must be same-origin; clients without the headers pass. */
function checkSameOrigin(req) {
  const site = req.headers.get('sec-fetch-site');
  const origin = req.headers.get('origin');
  if (site == null && origin == null) return;
  if (site === 'same-origin' || site === 'none') return;
  if (origin != null && origin === new URL(req.url).origin) return;
  throw new HttpError(403, 'cross_origin', 'cross-origin request refused');
}

const ROUTES = {
  '/healthz': { GET: async () => json(200, { ok: true, store: 'do', epoch: 1 }) },
  '/api/sessions': { POST: signIn },
  '/api/session': {
    GET: async (req, env, cfg) => withView(200, (await authenticate(req, env, cfg)).record),
    PUT: update,
    DELETE: signOut,
  },
  '/api/session/rotate': { POST: rotate },
};

export default {
  async fetch(req, env) {
    try {
      const route = ROUTES[new URL(req.url).pathname];
      // Gateway mode (bench D's gateway mix): everything but the routes goes to the origin.
      if (!route && env.ORIGIN) return await gateway(req, env, await config(env), authenticate, COOKIE);
      if (!route) throw new HttpError(404, 'not_found', 'no such route');
      const handler = route[req.method];
      if (!handler) throw new HttpError(405, 'method_not_allowed', `allowed: ${Object.keys(route).join(', ')}`);
      if (req.method !== 'GET' && req.method !== 'HEAD') checkSameOrigin(req);
      return await handler(req, env, await config(env));
    } catch (e) {
      if (!(e instanceof HttpError)) {
        console.error('ref-worker:', e);
        return json(500, { error: { code: 'internal_error', message: 'internal error' } });
      }
      const headers = e.status === 401 ? { 'set-cookie': setCookie('', 0) } : {};
      return json(e.status, { error: { code: e.code, message: e.message, ...e.extra } }, headers);
    }
  },
};
