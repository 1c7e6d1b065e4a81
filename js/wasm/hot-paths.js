// Imported by the wasm core (src/js/hot_paths.rs) for the hot paths, `Ring.locate` and
// `Keyring.verify`/`tryVerify`: one call from wasm copies a string argument into the core's
// scratch buffer as UTF-8, with the type and length checks first (instead of wasm-bindgen's
// three crossings: type check, length, and a copy through malloc, which were most of the cost
// of a ring lookup), and one builds the claims object of a verified token. No rule lives here:
// the core checks, verifies and places; this file moves bytes and builds an object.
let buffer = null;
let bytes = null;
const encoder = new TextEncoder();

/**
 * Writes `value` (a string of at most `max` UTF-16 units) as UTF-8 at `ptr` in `memory`, which
 * has room for `cap` bytes. Returns the byte length; -1 when `value` is not such a string;
 * `-2 - need` when the buffer may be too small (need: 3 bytes per unit; grow it and ask again).
 */
export function writeKey(memory, value, max, ptr, cap) {
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

/** `kid \tsessionId \tshard \tepoch \tissuedAt \texpiresAt \tpayload` (from the core) as the claims object. */
export function claimsOf(line) {
  const f = line.split('\t');
  return { kid: f[0], sessionId: f[1], shard: f[2], epoch: +f[3], issuedAt: +f[4], expiresAt: +f[5], payload: f[6] };
}
