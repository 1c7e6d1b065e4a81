// The worker's entry module (wrangler's `main`): the bundle worker-build made, with the shard
// class declared as a real Durable Object, so that the runtime offers JS RPC on it: the worker
// calls `stub.call(body)` instead of sending an HTTP request (src/worker/do_store.rs). Every
// method hands straight to the Rust object (src/worker/shard.rs); nothing else lives here.
// scripts/build-worker.sh copies this file next to the bundle (build/worker/, build/test/worker/).
import { DurableObject } from 'cloudflare:workers';
import handler, { SessionShard as RustShard } from '../index.js';
// The ring configuration bundled at build time (RING_FILE, see scripts/ring-module.mjs), or
// null. The worker reads it from this global where the RING var is unset (src/worker/config.rs).
import bundledRing from './ring-config.mjs';

if (bundledRing !== null) globalThis.EDGE_SESSION_RING = bundledRing;

export default handler;

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
