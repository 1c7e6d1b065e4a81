// Browser entry: call `await init()` once before using the classes (or import 'edge-session/auto').
export { Keyring, Ring, SessionManager, MemoryStore, setCookie, clearCookie, readCookie, runConformance, version,
  initSync } from './edge_session.js';
export { default as init, default } from './edge_session.js';
export { KVStore } from '../lib/kv-store.mjs';
export { honoOnError } from '../lib/hono.mjs';
import * as core from './edge_session.js';
import { makeHonoSession } from '../lib/hono.mjs';

/** Hono middleware (see the package README): `app.use(honoSession({manager, cookie}))`. */
export const honoSession = makeHonoSession(core);
