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
 * (its cookie or Bearer token), asked of the binding with one `GET /api/session`, or `null`
 * when there is none or it is invalid. Other failures throw a coded Error.
 */
export async function sessionFromBinding(binding, request, opts = {}) {
  if (!binding || typeof binding.fetch !== 'function') {
    throw codedError('invalid_input', 'invalid input: binding must be a service binding (with fetch)');
  }
  const headers = new Headers();
  const cookie = request.headers.get('cookie');
  const auth = request.headers.get('authorization');
  if (!cookie && !auth) return null;
  if (cookie) headers.set('cookie', cookie);
  if (auth) headers.set('authorization', auth);
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
  return camel(body);
}

/** The HTTP view (snake_case) as the package's `Session` (camelCase). */
function camel(view) {
  const out = {};
  for (const [k, v] of Object.entries(view ?? {})) out[k.replace(/_([a-z])/g, (_, c) => c.toUpperCase())] = v;
  return out;
}
