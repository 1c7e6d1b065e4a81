// Imported by the wasm core (src/js/hot_paths.rs) for the token hot path, `Keyring.verify`/
// `tryVerify` (`Ring.locate` has its own lookup functions, js/wasm/locate.js): one call from
// wasm copies a string argument into the core's scratch buffer as UTF-8, with the type and
// length checks first (instead of wasm-bindgen's three crossings: type check, length, and a
// copy through malloc), and one builds the claims object of a verified token. No rule lives
// here: the core checks and verifies; this file moves bytes and builds an object.
const encoder = new TextEncoder();
// A view of the core's scratch buffer, made again when the buffer moves or wasm memory grows
// (growth detaches the old ArrayBuffer, so the view's length drops to 0 and no longer matches).
let view = null;
let viewPtr = -1;

/**
 * Writes `value` (a string of at most `max` UTF-16 units) as UTF-8 at `ptr` in `memory`, which
 * has room for `cap` bytes. Returns the byte length; -1 when `value` is not such a string;
 * `-2 - need` when the buffer may be too small (need: 3 bytes per unit; grow it and ask again).
 * Lone surrogates become U+FFFD, as in every copy of a JS string into wasm.
 */
export function writeKey(memory, value, max, ptr, cap) {
  if (typeof value !== 'string' || value.length > max) return -1;
  const n = value.length;
  if (n * 3 > cap) return -2 - n * 3;
  if (view === null || viewPtr !== ptr || view.length !== cap) {
    view = new Uint8Array(memory.buffer, ptr, cap);
    viewPtr = ptr;
  }
  return encoder.encodeInto(value, view).written;
}

/** `kid \tsessionId \tshard \tepoch \tissuedAt \texpiresAt \tpayload` (from the core) as the claims object. */
export function claimsOf(line) {
  const f = line.split('\t');
  return { kid: f[0], sessionId: f[1], shard: f[2], epoch: +f[3], issuedAt: +f[4], expiresAt: +f[5], payload: f[6] };
}
