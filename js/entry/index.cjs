'use strict';
// Node entry (require): the wasm core loads synchronously, no init call needed.
const core = require('./node/edge_session.cjs');
const { RedisStore } = require('./lib/redis-store.cjs');
const { makeEdgeSession } = require('./lib/express.cjs');
const { makeHonoSession, honoOnError } = require('./lib/hono.cjs');
const { KVStore } = require('./lib/kv-store.cjs');
const { makeVerifyGatewayHeaders, sessionFromBinding } = require('./lib/gateway.cjs');

/**
 * Nothing to do in Node (the wasm is loaded already); kept so isomorphic code can call it. It is
 * also the module itself, so `import init, {...} from 'edge-session'` (the browser form) works here.
 */
async function init() {}

module.exports = Object.assign(init, {
  Keyring: core.Keyring,
  Ring: core.Ring,
  SessionManager: core.SessionManager,
  setCookie: core.setCookie,
  clearCookie: core.clearCookie,
  readCookie: core.readCookie,
  runConformance: core.runConformance,
  version: core.version,
  MemoryStore: core.MemoryStore,
  GatewayKeys: core.GatewayKeys,
  verifyGatewayHeaders: makeVerifyGatewayHeaders(core),
  sessionFromBinding,
  RedisStore,
  KVStore,
  edgeSession: makeEdgeSession(core),
  honoSession: makeHonoSession(core),
  honoOnError,
  init,
});
module.exports.default = module.exports;
