// Browser entry: call `await init()` once before using the classes (or import 'edge-session/auto').
export { Keyring, Ring, SessionManager, MemoryStore, setCookie, clearCookie, readCookie, version,
  GatewayKeys, initSync } from './edge_session.js';
// The store conformance suite: its own wasm, loaded on the first call (./suite.js).
export { runConformance } from './suite.js';
export { default as init, default } from './edge_session.js';
export { KVStore } from '../lib/kv-store.mjs';
export { honoOnError } from '../lib/hono.mjs';
import * as core from './edge_session.js';
import { makeHonoSession } from '../lib/hono.mjs';
import { makeVerifyGatewayHeaders } from '../lib/gateway.mjs';

export { sessionFromBinding } from '../lib/gateway.mjs';

/** Hono middleware (see the package README): `app.use(honoSession({manager, cookie}))`. */
export const honoSession = makeHonoSession(core);
/** Checks the gateway's signed identity headers of a request (see the package README). */
export const verifyGatewayHeaders = makeVerifyGatewayHeaders(core);
