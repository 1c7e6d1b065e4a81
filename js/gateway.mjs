// The origin's side of gateway mode: `verifyGatewayHeaders` reads the six Edge-Session-*
// headers of a request (a fetch Request, a Node IncomingMessage, or a Headers / plain object
// with `method` and `path` in the options) and has the core check the signature. No rule lives
// here: the core parses, bounds and verifies; this file only finds the header values.
import { codedError } from './errors.mjs';

const NAMES = [
  'edge-session-user', 'edge-session-id', 'edge-session-shard', 'edge-session-version',
  'edge-session-expires', 'edge-session-signature',
];
/** Parsed gateway keys, by their JSON text: an origin passes the same keys on every call. */
const MAX_CACHED = 8;

function getter(headers) {
  if (headers && typeof headers.get === 'function') return (n) => headers.get(n);
  if (headers && typeof headers === 'object') {
    const lower = new Map();
    for (const [k, v] of Object.entries(headers)) lower.set(k.toLowerCase(), v);
    return (n) => lower.get(n);
  }
  throw codedError('invalid_input', 'invalid input: headers must be a Headers object, a plain object or a request');
}

/** method, request target (path + query) and headers of whatever the caller passed. */
function requestParts(input, opts) {
  const isRequest = input && typeof input.method === 'string' && typeof input.url === 'string' && input.headers;
  if (!isRequest) return { method: opts.method, target: opts.path, get: getter(input) };
  let target = input.url;
  if (!target.startsWith('/')) {
    try {
      const u = new URL(target);
      target = u.pathname + u.search;
    } catch {
      throw codedError('invalid_input', 'invalid input: the request URL does not parse');
    }
  }
  return { method: input.method, target: opts.path ?? target, get: getter(input.headers) };
}

/** Binds `verifyGatewayHeaders` to the loaded core. */
export function makeVerifyGatewayHeaders(core) {
  const cache = new Map();
  function keysOf(keys) {
    if (keys instanceof core.GatewayKeys) return keys;
    const text = typeof keys === 'string' ? keys : JSON.stringify(keys ?? null);
    let k = cache.get(text);
    if (!k) {
      k = core.GatewayKeys.fromJSON(text);
      if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value);
      cache.set(text, k);
    }
    return k;
  }
  /**
   * The verified identity `{user, id, shard, version, expires, kid, timestamp}`, `null` when
   * the request carries no identity header (anonymous), or a thrown Error with a `code`
   * (`gateway_header_missing`, `gateway_header_invalid`, `gateway_unknown_key`,
   * `gateway_timestamp_skew`, `gateway_signature_invalid`).
   */
  return function verifyGatewayHeaders(input, opts = {}) {
    const { method, target, get } = requestParts(input, opts);
    const values = NAMES.map((n) => {
      const v = get(n);
      if (v == null) return null;
      // Node hands a repeated header as an array or a joined string: either is not ours.
      return typeof v === 'string' ? v : '';
    });
    return keysOf(opts.keys).verifyValues(method, target, values, opts.now, opts.maxSkew);
  };
}

/**
 * For a Worker that binds the session worker (`[[services]]`): the session of `request`
 * (its cookie or Bearer token), asked of the binding in one call, or `null` when there is none
 * or it is invalid. Other failures throw a coded Error (the worker's `code` and `status`).
 *
 * `transport`: `'rpc'` (default) calls the worker's `session` RPC method with the request's
 * `Cookie` and `Authorization` values; `'fetch'` sends `GET /api/session` through the binding
 * (for a session worker deployed before the RPC method existed). `onSetCookie(value)` receives
 * the successor's cookie when an old token inside the rotation grace window was used: pass it
 * on to the client.
 */
export async function sessionFromBinding(binding, request, opts = {}) {
  const transport = opts.transport ?? 'rpc';
  if (transport !== 'rpc' && transport !== 'fetch') {
    throw codedError('invalid_input', "invalid input: transport must be 'rpc' or 'fetch'");
  }
  const method = transport === 'rpc' ? 'session' : 'fetch';
  if (!binding || typeof binding[method] !== 'function') {
    throw codedError('invalid_input', `invalid input: binding must be a service binding (with ${method})`);
  }
  const cookie = request.headers.get('cookie');
  const authorization = request.headers.get('authorization');
  if (!cookie && !authorization) return null;
  if (transport === 'rpc') return viaRpc(binding, cookie, authorization, opts);
  const headers = new Headers();
  if (cookie) headers.set('cookie', cookie);
  if (authorization) headers.set('authorization', authorization);
  const resp = await binding.fetch(new Request(`${opts.base ?? 'https://edge-session'}/api/session`, { headers }));
  if (resp.status === 401 || resp.status === 404) {
    await resp.body?.cancel();
    return null;
  }
  const body = await resp.json().catch(() => null);
  if (!resp.ok) {
    const code = body?.error?.code ?? 'binding_error';
    throw codedError(code, `session worker answered ${resp.status}`, { status: resp.status });
  }
  const setCookie = resp.headers.get('set-cookie');
  if (setCookie) opts.onSetCookie?.(setCookie);
  return camel(body);
}

async function viaRpc(binding, cookie, authorization, opts) {
  const answer = await binding.session({ cookie, authorization });
  if (answer && typeof answer === 'object' && answer.session && typeof answer.session === 'object') {
    if (typeof answer.setCookie === 'string') opts.onSetCookie?.(answer.setCookie);
    return answer.session;
  }
  const status = typeof answer?.status === 'number' ? answer.status : 502;
  if (status === 401 || status === 404) return null;
  const code = typeof answer?.error?.code === 'string' ? answer.error.code : 'binding_error';
  throw codedError(code, `session worker answered ${status}`, { status });
}

/** The HTTP view (snake_case) as the package's `Session` (camelCase). */
function camel(view) {
  const out = {};
  for (const [k, v] of Object.entries(view ?? {})) out[k.replace(/_([a-z])/g, (_, c) => c.toUpperCase())] = v;
  return out;
}
