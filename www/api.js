// The worker's session API, as small async functions. Same-origin requests: the session cookie
// is HttpOnly and travels by itself; the page never sees the token.

/** An HTTP error from the API: `status`, the stable `code`, the server's `message`, the whole `body`. */
export class ApiError extends Error {
  constructor(status, body) {
    const err = (body && body.error) || {};
    super(err.message || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = err.code || `http_${status}`;
    this.body = body;
  }
}

/** Seconds to add to `Date.now()/1000` to get the server's clock (from the last `Date` header). */
let skewSeconds = 0;
export const serverNow = () => Date.now() / 1000 + skewSeconds;

async function call(method, path, { body, headers = {} } = {}) {
  const init = { method, headers: { accept: 'application/json', ...headers }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, { error: { code: 'network', message: 'The server could not be reached.' } });
  }
  const date = Date.parse(res.headers.get('date') || '');
  // The Date header has one-second resolution: only correct clearly wrong local clocks.
  if (Number.isFinite(date)) {
    const skew = (date - Date.now()) / 1000;
    skewSeconds = Math.abs(skew) > 2 ? skew : 0;
  }
  const text = res.status === 204 ? '' : await res.text();
  let json = null;
  if (text) {
    try { json = JSON.parse(text); } catch { json = null; }
  }
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

/** Sign in: a new session for `user` on `device`; `persistent: false` for a browser-session cookie. */
export const signIn = (user, device, data = {}, persistent = true) =>
  call('POST', '/api/sessions', { body: { user, device, data, persistent } });
/** The current session, or an ApiError with status 401. */
export const current = () => call('GET', '/api/session');
/** The current session if the user authenticated at most `maxAuthAge` s ago, else 401 `reauth_required`. */
export const fresh = (maxAuthAge) => call('GET', `/api/session?max_auth_age=${encodeURIComponent(maxAuthAge)}`);
/** Marks the session freshly authenticated (same id and cookie). */
export const reauth = () => call('POST', '/api/session/reauth');
/** Replace the session data, if the session is still at `version` (else 412 `version_conflict`). */
export const update = (version, data) =>
  call('PUT', '/api/session', { body: { data }, headers: { 'if-match': `"${version}"` } });
/** New session id (and cookie), same data. */
export const rotate = () => call('POST', '/api/session/rotate');
/** Sign out this device. */
export const signOut = () => call('DELETE', '/api/session');
/** This user's sessions on every device. */
export const listSessions = () => call('GET', '/api/sessions');

export const history = () => call('GET', '/api/sessions/history');
/** Sign out one of this user's sessions. */
export const revoke = (id) => call('DELETE', `/api/sessions/${encodeURIComponent(id)}`);
/** Sign out everywhere: `{revoked: n}`. */
export const revokeAll = () => call('DELETE', '/api/sessions');
/** The ring: epoch, shares, arcs and its configuration. */
export const ring = () => call('GET', '/api/ring');
