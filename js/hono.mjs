// honoSession({manager, cookie, trustProxy?}): middleware for Hono (Workers, Deno, Bun, Node), with the same
// verbs as the Express one, as context variables:
//   c.get('session')                         the live session or null
//   await c.get('signIn')({user, device?, data?, persistent?}) -> session (sets the cookie;
//                                            persistent: false = a browser-session cookie)
//   await c.get('saveSession')(data, version?)     -> session   (versioned: the version read, or the
//                                                               one given, e.g. from If-Match; 412 if stale)
//   await c.get('rotateSession')()                 -> session   (new id, new cookie)
//   await c.get('requireFresh')(maxAuthAge)        -> session   (401 reauth_required unless the
//                                                               user authenticated at most maxAuthAge s ago)
//   await c.get('reauthenticate')()                -> session   (fresh again, same id and cookie)
//   await c.get('sessionHistory')()                -> ended sessions of the user, newest first
//   await c.get('signOut')()                                    (clears the cookie)
// Device details: every call passes the request's client (IP: on Workers CF-Connecting-IP and
// request.cf's country and colo; on Node the socket's address, or X-Forwarded-For by `trustProxy`,
// see js/client-ip.mjs; User-Agent), which sign-in records and `bindIp` / `bindUa` compare.
// `manager` is a SessionManager or `(c) => SessionManager` (in a Worker the store's binding
// lives in `c.env`). Errors are thrown to Hono with `code` and `status`; `app.onError(honoOnError)`
// answers them as `{error: {code}}` with that status (500 for anything without one).

import { checkTrustProxy, clientIp, clientOf } from './client-ip.mjs';

const ANONYMOUS = new Set(['invalid_token', 'session_not_found', 'session_expired', 'device_mismatch']);

/** The request's client: Workers (request.cf present) or Node (@hono/node-server's `incoming`). */
function honoClient(c, trustProxy) {
  const cf = c.req.raw && c.req.raw.cf;
  const onWorkers = cf && typeof cf === 'object';
  const incoming = c.env && c.env.incoming;
  const ip = onWorkers && !trustProxy
    ? c.req.header('cf-connecting-ip')
    : clientIp(c, {
      socketAddress: incoming && incoming.socket && incoming.socket.remoteAddress,
      forwardedFor: c.req.header('x-forwarded-for'),
    }, trustProxy);
  return clientOf(ip, c.req.header('user-agent'), onWorkers ? cf : undefined);
}

const noSession = () => Object.assign(new Error('no session'), { code: 'invalid_token', status: 401 });

/** Builds the middleware factory over the core's cookie helpers. */
export function makeHonoSession({ readCookie, setCookie, clearCookie }) {
  return function honoSession({ manager, cookie, trustProxy } = {}) {
    if (!manager) throw Object.assign(new Error('honoSession needs {manager}'), { code: 'config_invalid' });
    clearCookie(cookie); // validates the cookie options now, not on the first request
    checkTrustProxy(trustProxy);
    return async function honoSessionMiddleware(c, next) {
      const mgr = typeof manager === 'function' ? manager(c) : manager;
      const client = honoClient(c, trustProxy);
      c.set('sessionClient', client);
      const append = (value) => c.header('Set-Cookie', value, { append: true });
      let token = readCookie(c.req.header('cookie'), cookie);
      let session = null;
      if (token) {
        try {
          const auth = await mgr.authenticate(token, { client });
          session = auth.session;
          // An old cookie inside the rotation grace window: hand out the successor's.
          if (auth.successor) {
            token = auth.successor.token;
            append(setCookie(auth.successor.token, auth.successor.maxAge, cookie));
          }
        } catch (e) {
          if (!ANONYMOUS.has(e && e.code)) throw e;
          append(clearCookie(cookie));
          token = undefined;
        }
      }
      c.set('session', session);
      const issue = (issued) => {
        token = issued.token;
        c.set('session', issued.session);
        append(setCookie(issued.token, issued.maxAge, cookie));
        return issued.session;
      };
      c.set('signIn', async (input) => {
        if (token) await mgr.destroy(token).catch(() => {});
        return issue(await mgr.create({ client, ...input }));
      });
      c.set('saveSession', async (data, expectedVersion) => {
        const current = c.get('session');
        if (!current) throw noSession();
        const saved = await mgr.update(token, expectedVersion ?? current.version, data, { client });
        c.set('session', saved);
        return saved;
      });
      c.set('requireFresh', async (maxAuthAge) => {
        if (!c.get('session')) throw noSession();
        const fresh = (await mgr.authenticate(token, { maxAuthAge, client })).session;
        c.set('session', fresh);
        return fresh;
      });
      c.set('reauthenticate', async () => {
        if (!c.get('session')) throw noSession();
        const fresh = await mgr.reauthenticate(token, { client });
        c.set('session', fresh);
        return fresh;
      });
      c.set('rotateSession', async () => {
        if (!c.get('session')) throw noSession();
        return issue(await mgr.rotate(token, { client }));
      });
      c.set('sessionHistory', async () => {
        if (!c.get('session')) throw noSession();
        return mgr.history(c.get('session').user);
      });
      c.set('signOut', async () => {
        if (token) await mgr.destroy(token).catch(() => {});
        token = undefined;
        c.set('session', null);
        append(clearCookie(cookie));
      });
      await next();
    };
  };
}

/**
 * For `app.onError`: a coded error becomes `{error: {code}}` with its `status` (500 without
 * one, code `internal_error` without a code). Never shows messages or internals.
 */
export function honoOnError(err, c) {
  if (err && typeof err.getResponse === 'function') return err.getResponse(); // Hono's HTTPException
  const status = Number.isInteger(err && err.status) && err.status >= 400 && err.status <= 599 ? err.status : 500;
  const code = err && typeof err.code === 'string' ? err.code : 'internal_error';
  return c.json({ error: { code } }, status);
}
