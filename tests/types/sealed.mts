// js/README.md "Sealed (encrypted) tokens", ported to TypeScript (verbatim, plus a typed unsealData).
import { Keyring, type EdgeSessionError } from 'edge-session';
import { randomBytes } from 'node:crypto';

const secret = () => randomBytes(32).toString('base64');
const k1 = secret();
const keyring = Keyring.fromJSON([{ kid: 'k1', secret: k1, state: 'primary' }]);
const cookie: string = keyring.sealData({ user: 'alice', cart: [3, 7] }, { ttl: 3600 });
console.log(cookie.includes('alice'));
console.log(keyring.unsealData<{ cart: number[] }>(cookie).cart.length);
console.log(keyring.sealData({ n: 1 }) === keyring.sealData({ n: 1 }));
const tampered = cookie.slice(0, 60) + (cookie[60] === 'A' ? 'B' : 'A') + cookie.slice(61);
try { keyring.unsealData(tampered); } catch (e) { console.log((e as EdgeSessionError).code, (e as EdgeSessionError).status); }
const rotated = Keyring.fromJSON([
  { kid: 'k2', secret: secret(), state: 'primary' },
  { kid: 'k1', secret: k1, state: 'retired' },
]);
try { rotated.unsealData(cookie); } catch (e) { console.log((e as EdgeSessionError).code); }
const claims = rotated.unseal(rotated.seal({ sessionId: 'AAAAAAAAAAAAAAAAAAAAAA', shard: 's', epoch: 0, issuedAt: 0, expiresAt: 2 ** 40 }), 1);
const kid: string = claims.kid;
console.log(kid);
