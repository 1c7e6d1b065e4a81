// Node ESM: interfaces as session data, literal key states, the callable default import, and
// what the types refuse (each @ts-expect-error fails the run if the line ever type-checks).
import init, { SessionManager, MemoryStore, type Session, type KeyJSON, type KeyState } from 'edge-session';

interface Cart { items: string[]; total: number }

await init();
const keys = [{ kid: 'k', secret: 'x'.repeat(44), state: 'primary' }] as const;
const typed: KeyJSON[] = [{ kid: 'k', secret: 'x'.repeat(44), state: 'verify' }];
const m = new init.SessionManager({ keys, ring: [{ name: 'a' }], store: new MemoryStore() });
new SessionManager({ keys: typed, ring: [{ name: 'a' }], store: new init.MemoryStore() });
const { token, session } = await m.create<Cart>({ user: 'u', data: { items: [], total: 0 } });
const s: Session<Cart> = session;
const next = await m.update<Cart>(token, s.version, { items: ['book'], total: 12 });
console.log(next.data.items.length + next.data.total);
const st: KeyState = 'retired';
console.log(st);
// @ts-expect-error: data must match the declared interface
await m.update<Cart>(token, 2, { items: 'book' });
// @ts-expect-error: KeyJSON keeps the literal union
const bad: KeyJSON = { kid: 'k', secret: 's', state: 'signer' };
console.log(bad);
