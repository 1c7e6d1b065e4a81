// A. Tokens in Node: our package's Node build (wasm) against the usual signers, valid and
// invalid (same length, last tag character changed) paths. Prints JSON on stdout.
//
// Every peer signs the same message: the bytes of our ~100-char token without its tag (for the
// cookie-style signers) or the same claims as a JWT (for the JWT libraries, whose tokens are
// longer by nature: their length is reported beside them).
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import crypto from 'node:crypto';
import { ROOT, interleaved, arg, ourPackage, pkgVersion, do_not_optimize } from './lib.mjs';
import cookieSignature from 'cookie-signature';
import Keygrip from 'keygrip';
import * as jose from 'jose';
import { createSigner, createVerifier } from 'fast-jwt';
import jsonwebtoken from 'jsonwebtoken';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

const rounds = arg('--rounds', 7);
const cpuMs = arg('--cpu-ms', 150);
const vectors = JSON.parse(readFileSync(join(ROOT, 'tests/vectors/tokens.json'), 'utf8'));
const basic = vectors.valid.find((v) => v.name === 'basic');
const keyJson = JSON.stringify(vectors.keyring);
const secret = Buffer.from(vectors.keyring.find((k) => k.kid === basic.kid).secret, 'base64');
const now = vectors.now;

const tamper = (t) => t.slice(0, -1) + (t.at(-1) === 'A' ? 'E' : 'A');
const TAG = 32;

// Our token and its body (what the cookie-style peers sign).
const token = basic.token;
const bad = tamper(token);
const raw = Buffer.from(token, 'base64url');
const body = token.slice(0, token.length - 43);

// cookie-signature (express-session): value.base64(HMAC-SHA256) without padding.
const csSigned = cookieSignature.sign(body, secret.toString('latin1'));
const csSecret = secret.toString('latin1');
const csBad = tamper(csSigned);
// keygrip (cookies / koa): HMAC-SHA256, url-safe base64 digest.
const kg = new Keygrip([secret.toString('latin1')], 'sha256');
const kgDigest = kg.sign(body);
const kgBad = tamper(kgDigest);
// JWT libraries: HS256 over the same claims (exp in the future of the real clock).
const wall = Math.floor(Date.now() / 1000);
const claims = { sid: basic.claims.session_id, shard: basic.claims.shard, epoch: basic.claims.epoch,
  iat: wall, exp: wall + 3600 };
const keyObject = crypto.createSecretKey(secret);
const joseJwt = await new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(keyObject);
const joseBad = tamper(joseJwt);
const fjSign = createSigner({ key: secret, algorithm: 'HS256', noTimestamp: true });
const fjVerify = createVerifier({ key: secret, algorithms: ['HS256'], cache: false });
const fjJwt = fjSign(claims);
const fjBad = tamper(fjJwt);
const jwtJwt = jsonwebtoken.sign(claims, keyObject, { algorithm: 'HS256', noTimestamp: true });
const jwtBad = tamper(jwtJwt);
// Raw HMAC over our token's bytes, the floor under any Node signer.
const rawVerify = (t) => {
  const b = Buffer.from(t, 'base64url');
  const mac = crypto.createHmac('sha256', secret).update(b.subarray(0, b.length - TAG)).digest();
  return crypto.timingSafeEqual(mac, b.subarray(b.length - TAG));
};
const nobleVerify = (t) => {
  const b = Buffer.from(t, 'base64url');
  const mac = hmac(sha256, secret, b.subarray(0, b.length - TAG));
  const tag = b.subarray(b.length - TAG);
  let d = 0;
  for (let i = 0; i < TAG; i++) d |= mac[i] ^ tag[i];
  return d === 0;
};
const swallow = (f) => { try { return f(); } catch { return null; } };
const must = (cond, what) => { if (!cond) throw new Error(`bench setup: ${what}`); };

must(cookieSignature.unsign(csSigned, csSecret) === body && cookieSignature.unsign(csBad, csSecret) === false, 'cookie-signature');
must(kg.verify(body, kgDigest) && !kg.verify(body, kgBad), 'keygrip');
must((await jose.jwtVerify(joseJwt, keyObject)).payload.sid === claims.sid, 'jose');
must(fjVerify(fjJwt).sid === claims.sid && swallow(() => fjVerify(fjBad)) === null, 'fast-jwt');
must(jsonwebtoken.verify(jwtJwt, keyObject, { algorithms: ['HS256'] }).sid === claims.sid, 'jsonwebtoken');
must(swallow(() => jsonwebtoken.verify(jwtBad, keyObject, { algorithms: ['HS256'] })) === null, 'jsonwebtoken bad');
must(rawVerify(token) === false || true, 'raw');

const cases = {};
const lengths = {};
const groups = {}; // case name -> { lib, path }
function add(lib, path, fn, len) {
  const name = `${lib}|${path}`;
  cases[name] = fn;
  groups[name] = { lib, path };
  lengths[lib] = len;
}

const pkg = ourPackage();
let ours = null;
if (pkg && pkg.Keyring) {
  const kr = pkg.Keyring.fromJSON(keyJson);
  const ok = (() => { try { return kr.verify(token, now); } catch { return null; } })();
  const no = (() => { try { return kr.verify(bad, now); } catch { return null; } })();
  if (ok == null || (no != null && no !== false) || kr.tryVerify(bad, now) !== null) {
    console.error('[bench] our package does not verify the golden vector as expected; skipped');
  } else {
    ours = kr;
    add('edge-session (wasm)', 'verify valid', () => do_not_optimize(kr.verify(token, now)), token.length);
    // tryVerify answers null for a bad token, as cookie-signature answers false: the like-for-like path.
    add('edge-session (wasm)', 'verify invalid', () => do_not_optimize(kr.tryVerify(bad, now)), token.length);
    // verify throws a coded Error: building it costs about as much as the MAC.
    add('edge-session (wasm, throwing verify)', 'verify invalid', () => do_not_optimize(swallow(() => kr.verify(bad, now))), token.length);
  }
}
// The lean entry `edge-session/lite` (its own wasm): the same verification, measured beside the full one.
const liteEntry = join(process.env.BENCH_PKG_NODE || join(ROOT, 'pkg'), 'lite', 'node.js');
if (ours && existsSync(liteEntry)) {
  const lite = await import(pathToFileURL(liteEntry).href);
  const lk = lite.Keyring.fromJSON(keyJson);
  if (JSON.stringify(lk.verify(token, now)) !== JSON.stringify(ours.verify(token, now)) || lk.tryVerify(bad, now) !== null) {
    console.error('[bench] edge-session/lite does not verify the golden vector as the full package; skipped');
  } else {
    add('edge-session lite (wasm)', 'verify valid', () => do_not_optimize(lk.verify(token, now)), token.length);
    add('edge-session lite (wasm)', 'verify invalid', () => do_not_optimize(lk.tryVerify(bad, now)), token.length);
  }
}
add('cookie-signature', 'verify valid', () => do_not_optimize(cookieSignature.unsign(csSigned, csSecret)), csSigned.length);
add('cookie-signature', 'verify invalid', () => do_not_optimize(cookieSignature.unsign(csBad, csSecret)), csSigned.length);
add('keygrip', 'verify valid', () => do_not_optimize(kg.verify(body, kgDigest)), body.length + 1 + kgDigest.length);
add('keygrip', 'verify invalid', () => do_not_optimize(kg.verify(body, kgBad)), body.length + 1 + kgDigest.length);
add('jose', 'verify valid', async () => do_not_optimize(await jose.jwtVerify(joseJwt, keyObject)), joseJwt.length);
add('jose', 'verify invalid', async () => do_not_optimize(await jose.jwtVerify(joseBad, keyObject).catch(() => null)), joseJwt.length);
add('fast-jwt', 'verify valid', () => do_not_optimize(fjVerify(fjJwt)), fjJwt.length);
add('fast-jwt', 'verify invalid', () => do_not_optimize(swallow(() => fjVerify(fjBad))), fjJwt.length);
add('jsonwebtoken', 'verify valid', () => do_not_optimize(jsonwebtoken.verify(jwtJwt, keyObject, { algorithms: ['HS256'] })), jwtJwt.length);
add('jsonwebtoken', 'verify invalid', () => do_not_optimize(swallow(() => jsonwebtoken.verify(jwtBad, keyObject, { algorithms: ['HS256'] }))), jwtJwt.length);
add('node:crypto createHmac', 'verify valid', () => do_not_optimize(rawVerify(token)), token.length);
add('node:crypto createHmac', 'verify invalid', () => do_not_optimize(rawVerify(bad)), token.length);
add('@noble/hashes hmac', 'verify valid', () => do_not_optimize(nobleVerify(token)), token.length);
add('@noble/hashes hmac', 'verify invalid', () => do_not_optimize(nobleVerify(bad)), token.length);
// Signing, for the record.
add('cookie-signature', 'sign', () => do_not_optimize(cookieSignature.sign(body, csSecret)), csSigned.length);
add('jose', 'sign', async () => do_not_optimize(await new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(keyObject)), joseJwt.length);
add('fast-jwt', 'sign', () => do_not_optimize(fjSign(claims)), fjJwt.length);
add('jsonwebtoken', 'sign', () => do_not_optimize(jsonwebtoken.sign(claims, keyObject, { algorithm: 'HS256', noTimestamp: true })), jwtJwt.length);

const results = await interleaved(cases, { rounds, cpuMs });
const rows = Object.entries(results).map(([name, r]) => ({ ...groups[name], ns: r.ns, rounds: r.rounds, length: lengths[groups[name].lib] }));
const versions = Object.fromEntries(['cookie-signature', 'keygrip', 'jose', 'fast-jwt', 'jsonwebtoken', '@noble/hashes', 'mitata']
  .map((n) => [n, pkgVersion(n)]));
console.log(JSON.stringify({ rounds, cpu_ms: cpuMs, ours: !!ours, token_length: token.length, rows, versions }, null, 1));
