// Reference JS gateway for bench D's gateway mix: what a competent developer would write by hand
// in front of an origin, over the reference worker's own sessions (authenticate: one Durable
// Object call), with the identity headers of the documented format (README "Gateway mode")
// signed with WebCrypto HMAC-SHA256. Streams both ways, strips client identity headers and the
// session credentials, 502/504 on origin failure. Not a copy of the Rust code.
const enc = new TextEncoder();
let keyCache = null;

async function gatewayKey(env) {
  if (keyCache?.raw === env.GATEWAY_KEYS) return keyCache;
  const primary = JSON.parse(env.GATEWAY_KEYS).find((k) => k.state === 'primary');
  const raw = Uint8Array.from(atob(primary.secret), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  keyCache = { raw: env.GATEWAY_KEYS, kid: primary.kid, key };
  return keyCache;
}

const b64url = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const encodeUser = (u) => Array.from(enc.encode(u), (b) => (/[A-Za-z0-9\-._~@]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');

const json = (status, code, message) => new Response(JSON.stringify({ error: { code, message } }), {
  status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
});

/** Proxies `req` to env.ORIGIN; `authenticate` is the reference worker's (one shard call). */
export async function gateway(req, env, cfg, authenticate, cookieName) {
  const url = new URL(req.url);
  const target = url.pathname + url.search;
  const headers = new Headers();
  for (const [k, v] of req.headers) {
    if (k.startsWith('edge-session-') || k === 'host' || k === 'authorization') continue;
    if (k === 'cookie') {
      const rest = v.split(';').map((s) => s.trim()).filter((s) => s && !s.startsWith(`${cookieName}=`));
      if (rest.length) headers.set('cookie', rest.join('; '));
      continue;
    }
    headers.append(k, v);
  }
  let record = null;
  if (req.headers.has('authorization') || (req.headers.get('cookie') ?? '').includes(`${cookieName}=`)) {
    try {
      record = (await authenticate(req, env, cfg)).record;
    } catch (e) {
      if (e.status !== 401) throw e;
    }
  }
  if (record) {
    const g = await gatewayKey(env);
    const t = Math.floor(Date.now() / 1000);
    const vals = [encodeUser(record.user), record.id, record.shard, String(record.version),
      String(Math.min(record.idle_expires, record.absolute_expires))];
    const line = ['v1', g.kid, String(t), req.method, target, ...vals].join('\n');
    const sig = await crypto.subtle.sign('HMAC', g.key, enc.encode(`edge-session/v1/gateway\0${line}`));
    ['Edge-Session-User', 'Edge-Session-Id', 'Edge-Session-Shard', 'Edge-Session-Version', 'Edge-Session-Expires']
      .forEach((h, i) => headers.set(h, vals[i]));
    headers.set('Edge-Session-Signature', `v1;kid=${g.kid};t=${t};sig=${b64url(sig)}`);
  }
  let resp;
  try {
    resp = await fetch(env.ORIGIN + target, {
      method: req.method, headers, redirect: 'manual',
      body: req.method === 'GET' || req.method === 'HEAD' ? null : req.body,
      signal: AbortSignal.timeout(Number(env.ORIGIN_TIMEOUT_MS ?? 15000)),
    });
  } catch (e) {
    return e?.name === 'TimeoutError' ? json(504, 'origin_timeout', 'origin timed out') : json(502, 'origin_unreachable', 'origin unreachable');
  }
  return new Response(resp.body, resp);
}
