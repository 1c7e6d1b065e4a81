// Small guards and shapes the generated bindings cannot express: coded errors where
// wasm-bindgen itself would throw an uncoded one (class-typed arguments), and the hot paths
// (token verification, ring lookup), whose arguments are checked here so the glue can copy a
// string straight into wasm memory, and whose answers are shaped here. No rule lives here: the
// core verifies, places and bounds; this file only checks types and lengths and builds objects.
import { codedError } from './errors.mjs';

/** `kid\tsessionId\tshard\tepoch\tissuedAt\texpiresAt\tpayload` (from the core) as an object. */
function claimsOf(line) {
  const f = line.split('\t');
  return { kid: f[0], sessionId: f[1], shard: f[2], epoch: +f[3], issuedAt: +f[4], expiresAt: +f[5], payload: f[6] };
}

const method = (value) => ({ value, writable: true, configurable: true });

/** Applies the guards to the wasm-bindgen exports (once). */
export function patchCore(core) {
  const { Ring, Keyring } = core;
  if (Ring.prototype.locate) return core;

  // Read on first use: the web build patches at import, before `init()` loads the wasm.
  let limits = null;
  const maxLen = (i) => (limits ??= core.limits())[i];
  const verifyLine = Keyring.prototype.verifyLine;
  const locateKey = Ring.prototype.locateKey;
  delete Keyring.prototype.verifyLine;
  delete Ring.prototype.locateKey;

  // The line of a verified token, or undefined (any invalid token, including a non-string).
  function line(kr, token, nowSeconds) {
    if (nowSeconds != null && typeof nowSeconds !== 'number') {
      throw codedError('invalid_input', 'invalid input: nowSeconds must be a whole number of seconds');
    }
    if (typeof token !== 'string' || token.length > maxLen(0)) return undefined;
    return verifyLine.call(kr, token, nowSeconds);
  }
  Object.defineProperties(Keyring.prototype, {
    verify: method(function verify(token, nowSeconds) {
      const l = line(this, token, nowSeconds);
      if (l === undefined) throw codedError('invalid_token', 'invalid token');
      return claimsOf(l);
    }),
    tryVerify: method(function tryVerify(token, nowSeconds) {
      const l = line(this, token, nowSeconds);
      return l === undefined ? null : claimsOf(l);
    }),
  });
  Object.defineProperty(Ring.prototype, 'locate', method(function locate(key) {
    if (typeof key !== 'string' || key.length > maxLen(1)) {
      throw codedError('invalid_input', `invalid input: key must be a string of at most ${maxLen(1)} characters`);
    }
    return locateKey.call(this, key);
  }));
  return core;
}
