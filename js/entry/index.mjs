// Node entry (import): the same instance as require('edge-session').
import m from './index.cjs';

export const {
  Keyring, Ring, SessionManager, setCookie, clearCookie, readCookie, runConformance, version,
  MemoryStore, RedisStore, KVStore, GatewayKeys, verifyGatewayHeaders, sessionFromBinding, edgeSession, honoSession, honoOnError, init,
} = m;
export default m;
