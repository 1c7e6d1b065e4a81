// The worker's entry module (wrangler's `main`): the bundle worker-build made, with the shard
// class declared as a real Durable Object, so that the runtime offers JS RPC on it: the worker
// calls `stub.call(body)` instead of sending an HTTP request (src/worker/do_store.rs), and the
// entrypoint with one JS RPC method for Workers that bind this one (`session`, below). Every
// method hands straight to Rust (src/worker/shard.rs, src/worker/binding.rs); no rule lives here.
// scripts/build-worker.sh copies this file next to the bundle (build/worker/, build/test/worker/).
import { DurableObject } from 'cloudflare:workers';
import handler, { SessionShard as RustShard, Binding } from '../index.js';
// The ring configuration bundled at build time (RING_FILE, see scripts/ring-module.mjs), or
// null. The worker reads it from this global where the RING var is unset (src/worker/config.rs).
import bundledRing from './ring-config.mjs';

if (bundledRing !== null) globalThis.EDGE_SESSION_RING = bundledRing;

/**
 * The worker's entrypoint: worker-build's (fetch, and its recovery from a failed wasm instance)
 * plus `session`, the service-binding RPC. A calling Worker's `env.SESSIONS.session({cookie,
 * authorization})` (its request's header values) answers `{session, setCookie?}` or
 * `{status, error: {code, message}}` as the session API's `GET /api/session` would, without
 * an HTTP request in between.
 */
export default class EdgeSession extends handler {
  async session(credentials) {
    return JSON.parse(await Binding.session(this.env, credentials));
  }
}

export class SessionShard extends DurableObject {
  #inner;

  constructor(ctx, env) {
    super(ctx, env);
    this.#inner = new RustShard(ctx, env);
  }

  /** One shard call (JSON text in, JSON text out): the core's shard operation. */
  call(body) {
    return this.#inner.call(body);
  }

  fetch(request) {
    return this.#inner.fetch(request);
  }

  alarm() {
    return this.#inner.alarm();
  }
}
