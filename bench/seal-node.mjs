// A. Sealed (encrypted) stateless sessions in Node: our package's Node build (wasm,
// XChaCha20-Poly1305) against iron-session (the reference for sealed cookies: AES-256-CBC +
// HMAC-SHA256 through WebCrypto, keys derived from a password). Both seal the same JSON value,
// both open the seal they made, and both refuse a seal with the last character of its tag changed.
// Prints JSON on stdout (rows and ratios against iron-session, measured in the same run).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, interleaved, arg, ourPackage, pkgVersion, do_not_optimize } from './lib.mjs';
import { sealData, unsealData } from 'iron-session';

const rounds = arg('--rounds', 7);
const cpuMs = arg('--cpu-ms', 150);
const vectors = JSON.parse(readFileSync(join(ROOT, 'tests/vectors/sealed.json'), 'utf8'));
const json = vectors.valid.find((v) => v.name === 'json_payload');
const data = JSON.parse(Buffer.from(json.claims.payload, 'base64url').toString());
const password = Buffer.from(vectors.keyring[0].secret, 'base64').toString('hex'); // 64 characters
const ttl = 3600;
// Change the last character of the MAC: iron-session's seal ends "~<version>" after it.
const tamper = (t) => {
  // Ours: the second-to-last character (the last may carry unused base64 bits).
  const i = t.includes('~') ? t.lastIndexOf('~') - 1 : t.length - 2;
  return t.slice(0, i) + (t[i] === 'A' ? 'E' : 'A') + t.slice(i + 1);
};
const must = (cond, what) => { if (!cond) throw new Error(`bench setup: ${what}`); };

const ironSeal = await sealData(data, { password, ttl });
const ironBad = tamper(ironSeal);
must(JSON.stringify(await unsealData(ironSeal, { password, ttl })) === JSON.stringify(data), 'iron-session unseal');
// iron-session answers {} (no error) for a seal that does not verify.
must(Object.keys(await unsealData(ironBad, { password, ttl })).length === 0, 'iron-session refuses a changed seal');

const cases = {};
const groups = {};
const lengths = {};
function add(lib, path, fn, len) {
  const name = `${lib}|${path}`;
  cases[name] = fn;
  groups[name] = { lib, path };
  lengths[lib] = len;
}

const pkg = ourPackage();
const OURS = 'edge-session (wasm)';
let ours = false;
if (pkg && pkg.Keyring && typeof pkg.Keyring.fromJSON(JSON.stringify(vectors.keyring)).sealData === 'function') {
  const kr = pkg.Keyring.fromJSON(JSON.stringify(vectors.keyring));
  const seal = kr.sealData(data, { ttl });
  const bad = tamper(seal);
  must(JSON.stringify(kr.unsealData(seal)) === JSON.stringify(data), 'our unsealData');
  let code = null;
  try { kr.unsealData(bad); } catch (e) { code = e.code; }
  must(code === 'seal_tampered', 'our unsealData refuses a changed seal');
  const claims = { ...json.claims };
  const jsClaims = { sessionId: claims.session_id, shard: claims.shard, epoch: claims.epoch,
    issuedAt: vectors.now, expiresAt: vectors.now + ttl, payload: claims.payload };
  const token = kr.seal(jsClaims);
  ours = true;
  add(OURS, 'seal', () => do_not_optimize(kr.sealData(data, { ttl })), seal.length);
  add(OURS, 'unseal valid', () => do_not_optimize(kr.unsealData(seal)), seal.length);
  add(OURS, 'unseal invalid', () => { try { kr.unsealData(bad); } catch (e) { do_not_optimize(e); } }, seal.length);
  // The claims-level calls (no JSON on our side): what the manager would use.
  add(`${OURS}, claims`, 'seal', () => do_not_optimize(kr.seal(jsClaims)), token.length);
  add(`${OURS}, claims`, 'unseal valid', () => do_not_optimize(kr.unseal(token, vectors.now)), token.length);
} else {
  console.error('[bench] our package has no sealData (build it: scripts/build-pkg.sh); only iron-session measured');
}
add('iron-session', 'seal', async () => do_not_optimize(await sealData(data, { password, ttl })), ironSeal.length);
add('iron-session', 'unseal valid', async () => do_not_optimize(await unsealData(ironSeal, { password, ttl })), ironSeal.length);
add('iron-session', 'unseal invalid', async () => do_not_optimize(await unsealData(ironBad, { password, ttl })), ironSeal.length);

const results = await interleaved(cases, { rounds, cpuMs });
const rows = Object.entries(results).map(([name, r]) => ({ ...groups[name], ns: r.ns, rounds: r.rounds, length: lengths[groups[name].lib] }));
const peer = Object.fromEntries(rows.filter((r) => r.lib === 'iron-session').map((r) => [r.path, r.ns]));
// ratio = iron-session's time / ours: above 1 means ours is faster.
const ratios = rows.filter((r) => r.lib !== 'iron-session' && peer[r.path])
  .map((r) => ({ lib: r.lib, path: r.path, ratio: peer[r.path] / r.ns }));
for (const r of rows) console.error(`[bench] ${r.lib.padEnd(28)} ${r.path.padEnd(15)} ${(r.ns / 1000).toFixed(2).padStart(8)} us  (${r.length} chars)`);
for (const r of ratios) console.error(`[bench] ${r.path}: iron-session / ${r.lib} = ${r.ratio.toFixed(2)}x`);
const versions = Object.fromEntries(['iron-session', 'iron-webcrypto', 'mitata'].map((n) => [n, pkgVersion(n)]));
console.log(JSON.stringify({ rounds, cpu_ms: cpuMs, ours, payload_bytes: JSON.stringify(data).length, rows, ratios, versions }, null, 1));
