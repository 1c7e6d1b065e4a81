// js/README.md "The lean browser build", ported to TypeScript.
import init, { Keyring, Ring, position, type VerifiedClaims } from 'edge-session/lite';
import * as full from 'edge-session';

await init();
const keys = [{ kid: 'k1', secret: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=', state: 'primary' }];
const now = 1_800_000_000;
const token = full.Keyring.fromJSON(keys).sign({
  sessionId: 'AAAAAAAAAAAAAAAAAAAAAA', shard: 'a', epoch: 1, issuedAt: now, expiresAt: now + 60,
});
const verifier = Keyring.fromJSON(keys);
const claims: VerifiedClaims = verifier.verify(token, now);
const maybe: VerifiedClaims | null = verifier.tryVerify(token + 'x', now);
console.log(claims.shard, maybe);

const ring = new full.Ring([{ name: 'a' }, { name: 'b' }]);
ring.add({ name: 'c' });
const lean = Ring.fromJSON(ring.snapshotJSON());
const owner: string = lean.locate('alice');
const pos: string = position('alice');
console.log(lean.epoch, owner === ring.locate('alice'), pos === ring.position('alice'));
// @ts-expect-error the lite build does not sign
verifier.sign({ sessionId: '', shard: 'a', epoch: 1, issuedAt: 0, expiresAt: 1 });
// @ts-expect-error nor change rings
lean.add({ name: 'd' });
