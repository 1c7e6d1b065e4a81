// Browser entry: call `await init()` once before using the classes (or import 'edge-session/auto').
export { Keyring, Ring, SessionManager, MemoryStore, setCookie, clearCookie, readCookie, runConformance, version,
  initSync } from './edge_session.js';
export { default as init } from './edge_session.js';
import * as core from './edge_session.js';
import { patchCore } from '../lib/patch.mjs';

patchCore(core);
