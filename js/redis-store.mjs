// RedisStore: sessions spread over several Redis servers by the ring, one server per shard
// (shard name = server name), optionally replicated on the next r - 1 servers of the ring's
// preference list.
//
// - js/redis/lua.mjs: what each server keeps and the scripts that change it (atomic per server);
// - js/redis/replica.mjs: one shard over its replicas (parallel, two-phase writes, quorums);
// - js/redis/repair.mjs: re-replication of every record (`repair()`, also run when a server
//   comes back).
// Consistency: `available` (default: writes need `writeQuorum` servers, reads answer from the
// first copy found) or `strict` (writes and reads need a majority of the replicas). Every
// command has a deadline (`commandTimeout`); a server that is down fails at once.
import { codedError, unavailable } from './errors.mjs';
import { SCRIPTS } from './redis/lua.mjs';
import { ShardStore } from './redis/replica.mjs';
import { repairAll } from './redis/repair.mjs';

/** One Redis server, with deadlines on every command. */
class Node {
  constructor(name, client, commandTimeout, onBack) {
    this.name = name;
    this.client = client;
    this.commandTimeout = commandTimeout;
    // node-redis emits 'ready' on every (re)connection: after the first, the server came back.
    let seen = Boolean(client.isReady);
    if (typeof client.on === 'function') {
      client.on('ready', () => {
        if (seen) onBack(name);
        seen = true;
      });
    }
  }

  async send(args) {
    if (!this.client.isReady) throw unavailable('connection', `redis server ${this.name} is not connected`);
    let timer;
    const deadline = new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(unavailable('timeout', `redis server ${this.name} did not answer in ${this.commandTimeout} ms`)),
        this.commandTimeout,
      );
    });
    try {
      return await Promise.race([this.client.sendCommand(args), deadline]);
    } catch (e) {
      if (e && e.code === 'store_unavailable') throw e;
      throw unavailable('connection', `redis server ${this.name}: ${e && e.message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  eval(name, argv) {
    return this.send(['EVAL', SCRIPTS[name], '0', ...argv]);
  }
}

const CONSISTENCY = ['available', 'strict'];
const positiveInt = (v) => Number.isInteger(v) && v > 0;

/**
 * Sessions in several Redis servers, one per ring shard. Use `RedisStore.connect(opts)`, then
 * pass `store.router()` as the manager's `store`.
 */
export class RedisStore {
  /**
   * @param {object} opts
   * @param {Record<string, any>} opts.clients shard name -> node-redis client (connected or not)
   * @param {{preferenceList(key: string, n: number): string[]}} [opts.ring] for replica order
   */
  constructor({
    clients, ring, replicas = 1, writeQuorum = 1, consistency = 'available', prefix = 'es:',
    commandTimeout = 1000, grace = 60, hedge = 10, tombstoneTtl = 86400,
  }) {
    const names = Object.keys(clients || {});
    if (names.length === 0) throw codedError('config_invalid', 'RedisStore needs at least one server');
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > names.length) {
      throw codedError('config_invalid', `replicas must be 1..${names.length}`);
    }
    if (!Number.isInteger(writeQuorum) || writeQuorum < 1 || writeQuorum > replicas) {
      throw codedError('config_invalid', `writeQuorum must be 1..replicas (${replicas})`);
    }
    if (!CONSISTENCY.includes(consistency)) {
      throw codedError('config_invalid', `consistency must be one of ${CONSISTENCY.join(', ')}`);
    }
    if (replicas > 1 && (!ring || typeof ring.preferenceList !== 'function')) {
      throw codedError('config_invalid', 'replicas > 1 needs the ring (to choose replica servers)');
    }
    for (const [k, v] of Object.entries({ commandTimeout, grace, tombstoneTtl })) {
      if (!positiveInt(v)) throw codedError('config_invalid', `${k} must be a positive integer`);
    }
    if (!Number.isInteger(hedge) || hedge < 0 || hedge > commandTimeout) {
      throw codedError('config_invalid', 'hedge must be 0..commandTimeout ms');
    }
    if (typeof prefix !== 'string' || prefix.length > 64) throw codedError('config_invalid', 'prefix must be a string of at most 64 characters');
    const onBack = () => this.#scheduleRepair();
    this.nodes = new Map(names.map((n) => [n, new Node(n, clients[n], commandTimeout, onBack)]));
    this.ring = ring;
    this.replicas = replicas;
    this.writeQuorum = writeQuorum;
    this.consistency = consistency;
    this.strict = consistency === 'strict';
    this.prefix = prefix;
    this.grace = grace;
    this.hedge = hedge;
    this.tombstoneTtl = tombstoneTtl;
    // A pending (phase one) write blocks others for at most this long if its writer vanishes.
    this.lease = Math.max(1000, 2 * commandTimeout);
    this.shards = new Map();
    this.#tasks = new Set();
    this.#repairs = Promise.resolve();
    this.lastRepair = null;
  }

  #tasks;
  #repairs;
  #repairQueued = false;

  /** Servers a write of a shard with `n` replicas must reach. */
  writeQuorumFor(n) {
    const q = Math.min(this.writeQuorum, n);
    return this.strict ? Math.max(q, Math.floor(n / 2) + 1) : q;
  }

  /** Tracks work that outlives the call that started it (read repair, catch-up, aborts). */
  background(p) {
    const task = Promise.resolve(p).catch(() => {});
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
  }

  /** Resolves once the background work started so far (and any repair) has finished. */
  async idle() {
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
  }

  #scheduleRepair() {
    if (this.#repairQueued) return;
    this.#repairQueued = true;
    const run = this.#repairs.then(() => {
      this.#repairQueued = false;
      return this.repair();
    });
    this.#repairs = run.catch(() => {});
    this.background(run);
  }

  /**
   * Copies every record and tombstone to every replica of its shard (SCAN batches of `batch`
   * keys). Runs by itself when a server reconnects; resolves with {servers, scanned, copied}.
   */
  async repair({ batch = 200 } = {}) {
    const stats = await repairAll(this, { batch });
    this.lastRepair = stats;
    return stats;
  }

  /**
   * Creates node-redis clients for `servers` ({shard name: url}), connects them (waiting at
   * most `connectTimeout` ms each; servers that are down keep reconnecting in the background)
   * and returns the store.
   */
  static async connect({ servers, connectTimeout = 1000, createClient, ...opts }) {
    if (!createClient) ({ createClient } = await import('redis'));
    const clients = {};
    for (const [name, url] of Object.entries(servers || {})) {
      const client = createClient({
        url,
        disableOfflineQueue: true,
        socket: { connectTimeout, reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 1000) },
      });
      client.on('error', () => {}); // state is read from isReady; errors surface as coded rejections
      clients[name] = client;
    }
    const store = new RedisStore({ clients, ...opts });
    await Promise.all(
      Object.values(clients).map((c) => {
        const connected = c.connect().catch(() => {});
        return Promise.race([connected, new Promise((r) => setTimeout(r, connectTimeout).unref())]);
      }),
    );
    return store;
  }

  /** The store of one shard (its server and, with replicas, the next servers of the ring). */
  shard(name) {
    let s = this.shards.get(name);
    if (s) return s;
    if (!this.nodes.has(name)) throw codedError('ring_unknown_shard', `no Redis server for shard ${name}`);
    let order = [name];
    if (this.replicas > 1) {
      const pref = this.ring.preferenceList(name, 1024).filter((n) => n !== name && this.nodes.has(n));
      order = [name, ...pref].slice(0, this.replicas);
    }
    s = new ShardStore(this, name, order.map((n) => this.nodes.get(n)));
    this.shards.set(name, s);
    return s;
  }

  /** A `shard => store` function for `new SessionManager({store})`. */
  router() {
    return (shard) => this.shard(shard);
  }

  /** Closes every client. */
  async close() {
    for (const { client } of this.nodes.values()) {
      try {
        if (typeof client.destroy === 'function') client.destroy();
        else if (client.isOpen) await client.disconnect();
      } catch {
        // already closed
      }
    }
  }
}
