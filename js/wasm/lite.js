// Imported by the lite wasm (src/lite/wasm.rs) for its hot paths, `Keyring.verify`/`tryVerify`
// and `position` (`Ring.locate` has its own lookup functions, js/wasm/locate.js): one call
// copies a string argument into the core's scratch buffer as UTF-8, type and length checked
// first, and one builds the claims object of a verified token. No rule lives here: the core
// checks, verifies and places.
let buffer = null;
let bytes = null;
const encoder = new TextEncoder();

/**
 * Writes `value` (a string of at most `max` UTF-16 units) as UTF-8 at `ptr` in `memory`, which
 * has room for `cap` bytes. Returns the byte length; -1 when `value` is not such a string;
 * `-2 - need` when the buffer may be too small (need: 3 bytes per unit).
 */
export function liteWriteKey(memory, value, max, ptr, cap) {
  if (typeof value !== 'string' || value.length > max) return -1;
  const n = value.length;
  if (n * 3 > cap) return -2 - n * 3;
  if (memory.buffer !== buffer) {
    buffer = memory.buffer;
    bytes = new Uint8Array(buffer);
  }
  let i = 0;
  for (; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c > 0x7f) break;
    bytes[ptr + i] = c;
  }
  if (i === n) return n;
  return i + encoder.encodeInto(value.slice(i), bytes.subarray(ptr + i, ptr + cap)).written;
}

/** `kid \tsessionId \tshard \tepoch \tissuedAt \texpiresAt \tpayload` as the claims object. */
export function liteClaims(line) {
  const f = line.split('\t');
  return { kid: f[0], sessionId: f[1], shard: f[2], epoch: +f[3], issuedAt: +f[4], expiresAt: +f[5], payload: f[6] };
}

/** An Error with `message`, a stable `code` and, when not 0, the HTTP `status`. */
export function liteError(code, message, status) {
  const e = new Error(message);
  e.code = code;
  if (status) e.status = status;
  return e;
}

/** `JSON.stringify(value, strict)` or undefined when it throws (cycles, BigInts, throwing getters, traps). */
export function liteStringify(value) {
  try {
    return JSON.stringify(value, strict);
  } catch {
    return undefined;
  }
}

/** Refuses what JSON.stringify would otherwise drop or change silently: functions, Symbols, NaN, ±Infinity. */
function strict(_key, v) {
  if (typeof v === 'function' || typeof v === 'symbol' || (typeof v === 'number' && !Number.isFinite(v))) {
    throw new Error('not JSON');
  }
  return v;
}

/** `Array.isArray(v)`, false for a revoked Proxy (whose check throws). */
export function liteIsArray(v) {
  try {
    return Array.isArray(v);
  } catch {
    return false;
  }
}

/** `JSON.parse(text)` of text the core wrote. */
export function liteParse(text) {
  return JSON.parse(text);
}

const SPACE = 2 ** 64;
const fraction = (decimal) => Number(BigInt(decimal)) / SPACE;

/** The arcs `[{shard, start, len}]` the core wrote, with `startFraction` and `lenFraction` added. */
export function liteArcs(text) {
  return JSON.parse(text).map((a) => ({ ...a, startFraction: fraction(a.start), lenFraction: fraction(a.len) }));
}

/** The shares `[{name, weight, owned}]` the core wrote, with `fraction` added. */
export function liteShares(text) {
  return JSON.parse(text).map((s) => ({ name: s.name, weight: s.weight, fraction: fraction(s.owned), owned: s.owned }));
}
