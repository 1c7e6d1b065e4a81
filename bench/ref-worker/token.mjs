// Reference worker (bench D): session tokens with WebCrypto HMAC-SHA256, written the way one
// would by hand: `kid.sid.shard.iat.exp.sig`, where sid is the base64url 128-bit session id and
// sig = base64url(HMAC-SHA256(secret, "ref-session/v1|" + everything before ".sig")).
// The keyring is the same SESSION_KEYS JSON the Rust worker reads: [{kid, secret (base64), state}].
const enc = new TextEncoder();
const PREFIX = 'ref-session/v1|';

export function b64url(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromB64url(s) {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return null;
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Imported keys of one SESSION_KEYS value: { primary: {kid, key}, byKid: Map(kid -> key) }. */
export async function importKeyring(json) {
  const list = JSON.parse(json);
  const byKid = new Map();
  let primary = null;
  for (const k of list) {
    if (k.state === 'retired') continue;
    const raw = Uint8Array.from(atob(k.secret), (c) => c.charCodeAt(0));
    if (raw.length < 32) throw new Error(`SESSION_KEYS: key ${k.kid} is shorter than 32 bytes`);
    const key = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    byKid.set(k.kid, key);
    if (k.state === 'primary') primary = { kid: k.kid, key };
  }
  if (!primary) throw new Error('SESSION_KEYS: no primary key');
  return { primary, byKid };
}

/** A signed token for session id bytes `sid` on `shard`, valid until `exp` (unix seconds). */
export async function signToken(keys, sid, shard, iat, exp) {
  const head = `${keys.primary.kid}.${b64url(sid)}.${shard}.${iat}.${exp}`;
  const sig = await crypto.subtle.sign('HMAC', keys.primary.key, enc.encode(PREFIX + head));
  return `${head}.${b64url(new Uint8Array(sig))}`;
}

/** { sid: Uint8Array(16), shard, iat, exp } of a valid, unexpired token, else null. */
export async function verifyToken(keys, token, now) {
  if (token.length > 512) return null;
  const cut = token.lastIndexOf('.');
  if (cut < 0) return null;
  const head = token.slice(0, cut);
  const parts = head.split('.');
  if (parts.length !== 5) return null;
  const key = keys.byKid.get(parts[0]);
  const sig = fromB64url(token.slice(cut + 1));
  if (!key || !sig || sig.length !== 32) return null;
  // subtle.verify compares in constant time; nothing else in the token is trusted before it.
  if (!(await crypto.subtle.verify('HMAC', key, sig, enc.encode(PREFIX + head)))) return null;
  const sid = fromB64url(parts[1]);
  const iat = Number(parts[3]);
  const exp = Number(parts[4]);
  if (!sid || sid.length !== 16 || !Number.isSafeInteger(exp) || exp <= now) return null;
  return { sid, shard: parts[2], iat, exp };
}

/** Storage key of a session id: base64url(SHA-256(id)). The raw id never reaches storage. */
export async function idHash(sid) {
  return b64url(new Uint8Array(await crypto.subtle.digest('SHA-256', sid)));
}
