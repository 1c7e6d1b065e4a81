// js/README.md "Quick start", ported to TypeScript: the same code, plus the one cast strict mode
// asks for (a caught error is `unknown`). The keys are declared without a type, as in the README.
import { SessionManager, MemoryStore, Keyring, type EdgeSessionError } from 'edge-session';
import { randomBytes } from 'node:crypto';

const keys = [{ kid: 'k1', secret: randomBytes(32).toString('base64'), state: 'primary' }];
const manager = new SessionManager({
  keys,
  ring: [{ name: 'main' }],
  store: new MemoryStore(),
  policy: { idleTimeout: 1800, absoluteLifetime: 43200 },
});

const { token, session, maxAge } = await manager.create({ user: 'alice', device: 'laptop', data: { cart: [] } });
console.log(session.user, session.version, maxAge);

const { session: current } = await manager.authenticate(token);
const updated = await manager.update(token, current.version, { cart: ['book'] });
console.log(updated.version, updated.data.cart);

try {
  await manager.update(token, current.version, { cart: [] });
} catch (e) {
  const err = e as EdgeSessionError;
  console.log(err.code, err.currentVersion, err.status);
}

const rotated = await manager.rotate(token);
const late = await manager.authenticate(token);
console.log(late.session.id === rotated.session.id, typeof late.successor?.token);
console.log((await manager.listUser('alice')).length);
await manager.destroy(rotated.token);

const keyring = Keyring.fromJSON(keys);
console.log(keyring.verify(rotated.token).shard);
console.log(keyring.tryVerify(rotated.token + 'x'));
// The literal key states survive: kids() gives KeyState, not string.
const state: 'primary' | 'verify' | 'retired' = keyring.kids()[0].state;
console.log(state);
