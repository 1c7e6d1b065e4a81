// edgeSession({manager, cookie, trustProxy?}): middleware for Express (or any (req, res, next) server).
// Sets `req.session` (the live session or null) and helpers:
//   await req.signIn({user, device?, data?, persistent?}) -> session (sets the cookie; persistent:
//                                            false = a browser-session cookie, kept through rotation)
//   await req.saveSession(data, version?)     -> session   (versioned: the version read, or the one
//                                                          given, e.g. from If-Match; 412 if stale)
//   await req.rotateSession()                 -> session   (new id, new cookie)
//   await req.requireFresh(maxAuthAge)        -> session   (401 reauth_required unless the user
//                                                          authenticated at most maxAuthAge s ago)
//   await req.reauthenticate()                -> session   (after checking credentials again:
//                                                          fresh, same id and cookie)
//   await req.sessionHistory()                -> ended sessions of the user, newest first
//   await req.signOut()                                    (clears the cookie)
// Device details: every call passes the request's client (IP by `trustProxy`, see
// js/client-ip.mjs; User-Agent), which sign-in records and `bindIp` / `bindUa` compare.
// Errors reaching Express carry `code` and `status` (401, 412, 413, 503...).

import { checkTrustProxy, clientIp, clientOf } from './client-ip.mjs';

const ANONYMOUS = new Set(['invalid_token', 'session_not_found', 'session_expired', 'device_mismatch']);

function appendSetCookie(res, value) {
  const prev = res.getHeader('Set-Cookie');
  res.setHeader('Set-Cookie', prev === undefined ? [value] : [].concat(prev, value));
}

/** Builds the middleware factory over the core's cookie helpers. */
export function makeEdgeSession({ readCookie, setCookie, clearCookie }) {
  return function edgeSession({ manager, cookie, trustProxy } = {}) {
    if (!manager) throw Object.assign(new Error('edgeSession needs {manager}'), { code: 'config_invalid' });
    clearCookie(cookie); // validates the cookie options now, not on the first request
    checkTrustProxy(trustProxy);
    return async function edgeSessionMiddleware(req, res, next) {
      try {
        const forwarded = req.headers['x-forwarded-for'];
        const ip = clientIp(req, {
          socketAddress: req.socket && req.socket.remoteAddress,
          forwardedFor: Array.isArray(forwarded) ? forwarded.join(',') : forwarded,
        }, trustProxy);
        const client = clientOf(ip, req.headers['user-agent']);
        req.sessionClient = client;
        let token = readCookie(req.headers.cookie, cookie);
        req.session = null;
        if (token) {
          try {
            const auth = await manager.authenticate(token, { client });
            req.session = auth.session;
            // An old cookie inside the rotation grace window: hand out the successor's.
            if (auth.successor) {
              token = auth.successor.token;
              appendSetCookie(res, setCookie(auth.successor.token, auth.successor.maxAge, cookie));
            }
          } catch (e) {
            if (!ANONYMOUS.has(e && e.code)) throw e;
            appendSetCookie(res, clearCookie(cookie));
            token = undefined;
          }
        }
        const issue = (issued) => {
          token = issued.token;
          req.session = issued.session;
          appendSetCookie(res, setCookie(issued.token, issued.maxAge, cookie));
          return issued.session;
        };
        req.signIn = async (input) => {
          if (token) await manager.destroy(token).catch(() => {});
          return issue(await manager.create({ client, ...input }));
        };
        req.saveSession = async (data, expectedVersion) => {
          if (!req.session) throw Object.assign(new Error('no session'), { code: 'invalid_token', status: 401 });
          req.session = await manager.update(token, expectedVersion ?? req.session.version, data, { client });
          return req.session;
        };
        req.requireFresh = async (maxAuthAge) => {
          if (!req.session) throw Object.assign(new Error('no session'), { code: 'invalid_token', status: 401 });
          req.session = (await manager.authenticate(token, { maxAuthAge, client })).session;
          return req.session;
        };
        req.reauthenticate = async () => {
          if (!req.session) throw Object.assign(new Error('no session'), { code: 'invalid_token', status: 401 });
          req.session = await manager.reauthenticate(token, { client });
          return req.session;
        };
        req.rotateSession = async () => {
          if (!req.session) throw Object.assign(new Error('no session'), { code: 'invalid_token', status: 401 });
          return issue(await manager.rotate(token, { client }));
        };
        req.sessionHistory = async () => {
          if (!req.session) throw Object.assign(new Error('no session'), { code: 'invalid_token', status: 401 });
          return manager.history(req.session.user);
        };
        req.signOut = async () => {
          if (token) await manager.destroy(token).catch(() => {});
          token = undefined;
          req.session = null;
          appendSetCookie(res, clearCookie(cookie));
        };
        next();
      } catch (e) {
        next(e);
      }
    };
  };
}
