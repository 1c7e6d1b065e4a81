// CommonJS (require): the same types; the default import is the callable module object, and
// Express's Request carries the session helpers.
import init, { SessionManager, MemoryStore, Ring, KVStore, type Session } from 'edge-session';
import type { Request } from 'express';

interface Prefs { theme: 'dark' | 'light' }

async function main(req: Request): Promise<number> {
  await init();
  const m = new SessionManager({ keys: [{ kid: 'k', secret: 's', state: 'primary' }], ring: new Ring([{ name: 'a' }]), store: new MemoryStore() });
  const { session } = await m.create<Prefs>({ user: 'u', data: { theme: 'dark' } });
  const s: Session<Prefs> = session;
  const signedIn = await req.signIn<Prefs>({ user: 'u', data: { theme: 'light' } });
  const saved = await req.saveSession({ theme: 'dark' }, signedIn.version);
  await req.rotateSession();
  await req.signOut();
  // @ts-expect-error: req.session may be null
  console.log(req.session.user);
  console.log(typeof init.KVStore === typeof KVStore, s.data.theme, saved.version);
  return init.Ring === Ring ? 1 : 0;
}
void main;
