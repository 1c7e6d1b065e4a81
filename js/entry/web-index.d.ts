// Types of the browser entries: the package types minus the Node-only parts, plus initSync and
// the default export `init` (`import init, {...} from 'edge-session/web'`).
export {
  EdgeSessionError, KeyState, KeyJSON, KeyInput, Claims, VerifiedClaims, Keyring, ShardSpec, RingStep, RingJSON, Share,
  RingArc, Ring, SessionData, Session, ClientDetails, RequestClient, EndReason, EndedSession, SessionEvent, StoreRecord, SessionStore, StoreRouter, Policy, SessionManagerOptions, Issued,
  SessionManager, CookieOptions, setCookie, clearCookie, readCookie, runConformance, version, init, MemoryStore,
  KVNamespaceLike, KVStore, SessionVerbs, EdgeSessionVariables, honoSession, honoOnError,
  GatewayKeys, GatewayIdentity, GatewayIdentityInput, GatewayVerifyOptions, GatewayRequestLike, verifyGatewayHeaders,
  ServiceBindingLike, SessionFromBindingOptions, sessionFromBinding,
} from '../index.js';
export { init as default } from '../index.js';
export function initSync(module: unknown): unknown;
