// js/README.md "Sign-in rate limits", ported to TypeScript (verbatim, with the error typed).
import { SessionManager, MemoryStore, type EdgeSessionError } from 'edge-session';
import { randomBytes } from 'node:crypto';

const keys = [{ kid: 'k1', secret: randomBytes(32).toString('base64'), state: 'primary' }];
let now = 1_767_225_600;
const manager = new SessionManager({
  keys, ring: [{ name: 'main' }], store: new MemoryStore(), now: () => now,
  policy: { signinUserBurst: 2, signinUserRefill: 30 },
});
await manager.create({ user: 'alice', ip: '203.0.113.5' });
await manager.create({ user: 'alice', ip: '203.0.113.5' });
try { await manager.create({ user: 'alice' }); } catch (e) {
  const err = e as EdgeSessionError;
  const wait: number | undefined = err.retryAfter;
  console.log(err.code, err.status, wait);
}
console.log((await manager.create({ user: 'bob' })).session.user);
now += 30;
console.log((await manager.create({ user: 'alice' })).session.user);
const burst: number = manager.policy.signinIpBurst;
console.log(burst);
