// Types of the browser entries: the package types minus the Node-only parts, plus initSync.
export {
  EdgeSessionError, KeyJSON, Claims, VerifiedClaims, Keyring, ShardSpec, RingStep, RingJSON, Share, RingArc, Ring,
  SessionData, Session, StoreRecord, SessionStore, StoreRouter, Policy, SessionManagerOptions, Issued,
  SessionManager, CookieOptions, setCookie, clearCookie, readCookie, runConformance, version, init, MemoryStore,
} from '../index.js';
export function initSync(module: unknown): unknown;
