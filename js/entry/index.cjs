'use strict';
// Node entry (require): the wasm core loads synchronously, no init call needed.
const { patchCore } = require('./lib/patch.cjs');
const core = patchCore(require('./node/edge_session.cjs'));
const { RedisStore } = require('./lib/redis-store.cjs');
const { makeEdgeSession } = require('./lib/express.cjs');

module.exports = {
  Keyring: core.Keyring,
  Ring: core.Ring,
  SessionManager: core.SessionManager,
  setCookie: core.setCookie,
  clearCookie: core.clearCookie,
  readCookie: core.readCookie,
  runConformance: core.runConformance,
  version: core.version,
  MemoryStore: core.MemoryStore,
  RedisStore,
  edgeSession: makeEdgeSession(core),
  /** Nothing to do in Node (the wasm is loaded already); kept so isomorphic code can call it. */
  init: async () => {},
};
