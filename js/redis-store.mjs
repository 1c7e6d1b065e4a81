// RedisStore: sessions spread over several Redis servers by the ring, one server per shard
// (shard name = server name), optionally replicated on the next r - 1 servers of the ring's
// preference list. Atomic compare-and-set / replace run as Lua scripts on each server.
//
// Per server: `<prefix>s:<idHash>` is a hash {j: record JSON, v: version, ls: lastSeen,
// ie: idleExpiresAt, ae: absoluteExpiresAt, u: user} with a TTL of its remaining life (+ grace);
// `<prefix>u:<user>` is a sorted set of the user's idHashes scored by expiry, whose own TTL is
// that of its longest-lived session; `listByUser` prunes expired and vanished entries.
//
// Replication (replicas = r > 1): each write goes first to the first reachable replica (the
// primary, which serialises compare-and-set), then to the others ("put if not older"). A write
// acknowledged by fewer than `writeQuorum` servers rejects with code `store_unavailable`,
// reason `quorum_failed`. Reads try the replicas in order and repair replicas that missed it.
// Every command has a deadline (`commandTimeout`); a server that is down fails at once.
import { codedError, conflict, exists, notFound, unavailable } from './errors.mjs';

const LUA_PUT = `
local function put(P, id, j, v, ls, ie, ae, u, grace)
  local K = P .. 's:' .. id
  redis.call('HSET', K, 'j', j, 'v', v, 'ls', ls, 'ie', ie, 'ae', ae, 'u', u)
  local exp = math.min(tonumber(ie), tonumber(ae))
  local ttl = math.max(1, exp - tonumber(ls)) + tonumber(grace)
  redis.call('EXPIRE', K, ttl)
  local U = P .. 'u:' .. u
  redis.call('ZADD', U, exp, id)
  if redis.call('TTL', U) < ttl then redis.call('EXPIRE', U, ttl) end
end
`;
// ARGV common tail for a record: id j v ls ie ae u grace (ARGV[2..9]); ARGV[1] = prefix.
const SCRIPTS = {
  create: LUA_PUT + `
if redis.call('EXISTS', ARGV[1] .. 's:' .. ARGV[2]) == 1 then return 'exists' end
put(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9])
return 'ok'`,
  cas: LUA_PUT + `
local cur = redis.call('HGET', ARGV[1] .. 's:' .. ARGV[2], 'v')
if not cur then return 'missing' end
if cur ~= ARGV[10] then return 'conflict:' .. cur end
put(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9])
return 'ok'`,
  // Replica copy: write unless the stored version is newer; ARGV[10] = an old id to drop.
  sync: LUA_PUT + `
if ARGV[10] ~= '' and ARGV[10] ~= ARGV[2] then
  local OK = ARGV[1] .. 's:' .. ARGV[10]
  local ou = redis.call('HGET', OK, 'u')
  if ou then redis.call('DEL', OK); redis.call('ZREM', ARGV[1] .. 'u:' .. ou, ARGV[10]) end
end
local cur = redis.call('HGET', ARGV[1] .. 's:' .. ARGV[2], 'v')
if cur and tonumber(cur) > tonumber(ARGV[4]) then return 'newer' end
put(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9])
return 'ok'`,
  replace: LUA_PUT + `
local OK = ARGV[1] .. 's:' .. ARGV[10]
local cur = redis.call('HGET', OK, 'v')
if not cur then return 'missing' end
if cur ~= ARGV[11] then return 'conflict:' .. cur end
if ARGV[10] ~= ARGV[2] and redis.call('EXISTS', ARGV[1] .. 's:' .. ARGV[2]) == 1 then return 'exists' end
local ou = redis.call('HGET', OK, 'u')
redis.call('DEL', OK)
redis.call('ZREM', ARGV[1] .. 'u:' .. ou, ARGV[10])
put(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9])
return 'ok'`,
  // ARGV: prefix id lastSeen idleExpiresAt grace
  touch: `
local K = ARGV[1] .. 's:' .. ARGV[2]
local f = redis.call('HMGET', K, 'ls', 'ie', 'ae', 'u')
if not f[1] then return 'missing' end
local ls = math.max(tonumber(f[1]), tonumber(ARGV[3]))
local ie = math.max(tonumber(f[2]), tonumber(ARGV[4]))
redis.call('HSET', K, 'ls', string.format('%d', ls), 'ie', string.format('%d', ie))
local exp = math.min(ie, tonumber(f[3]))
local ttl = math.max(1, exp - ls) + tonumber(ARGV[5])
redis.call('EXPIRE', K, ttl)
local U = ARGV[1] .. 'u:' .. f[4]
redis.call('ZADD', U, exp, ARGV[2])
if redis.call('TTL', U) < ttl then redis.call('EXPIRE', U, ttl) end
return 'ok'`,
  // ARGV: prefix id
  delete: `
local K = ARGV[1] .. 's:' .. ARGV[2]
local u = redis.call('HGET', K, 'u')
if not u then return 0 end
redis.call('DEL', K)
redis.call('ZREM', ARGV[1] .. 'u:' .. u, ARGV[2])
return 1`,
  // ARGV: prefix user
  deleteByUser: `
local U = ARGV[1] .. 'u:' .. ARGV[2]
local n = 0
for _, id in ipairs(redis.call('ZRANGE', U, 0, -1)) do
  local K = ARGV[1] .. 's:' .. id
  if redis.call('HGET', K, 'u') == ARGV[2] then redis.call('DEL', K); n = n + 1 end
end
redis.call('DEL', U)
return n`,
  // ARGV: prefix user now max -> flat list of [j v ls ie] per live-looking record
  list: `
local U = ARGV[1] .. 'u:' .. ARGV[2]
redis.call('ZREMRANGEBYSCORE', U, '-inf', ARGV[3])
local out = {}
for _, id in ipairs(redis.call('ZRANGE', U, 0, tonumber(ARGV[4]) - 1)) do
  local r = redis.call('HMGET', ARGV[1] .. 's:' .. id, 'j', 'v', 'ls', 'ie')
  if r[1] then table.insert(out, r) else redis.call('ZREM', U, id) end
end
return out`,
};

const MAX_LIST = 256;
const alive = (r, now) => now < Math.min(r.idleExpiresAt, r.absoluteExpiresAt);

function recordArgs(prefix, r, grace) {
  return [prefix, r.idHash, JSON.stringify(r), String(r.version), String(r.lastSeen),
    String(r.idleExpiresAt), String(r.absoluteExpiresAt), r.user, String(grace)];
}

function fromFields(j, v, ls, ie) {
  let r;
  try {
    r = JSON.parse(j);
  } catch {
    throw codedError('store_corrupt', 'session store returned a bad record');
  }
  r.version = Number(v);
  r.lastSeen = Number(ls);
  r.idleExpiresAt = Number(ie);
  return r;
}

function parseReply(reply) {
  if (reply === 'missing') throw notFound();
  if (reply === 'exists') throw exists();
  if (typeof reply === 'string' && reply.startsWith('conflict:')) throw conflict(Number(reply.slice(9)));
  return reply;
}

/** One Redis server, with deadlines on every command. */
class Node {
  constructor(name, client, commandTimeout) {
    this.name = name;
    this.client = client;
    this.commandTimeout = commandTimeout;
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

const isDown = (e) => e && e.code === 'store_unavailable';

/** The store of one shard: its primary server and replicas. */
class ShardStore {
  constructor(store, nodes) {
    this.store = store;
    this.nodes = nodes;
  }

  get #p() {
    return this.store.prefix;
  }

  get #grace() {
    return this.store.grace;
  }

  /** Runs `first(node)` on the first reachable replica, then `rest(node)` on the others. */
  async #write(first, rest) {
    let acks = 0;
    let result;
    let at = 0;
    let lastDown;
    for (; at < this.nodes.length; at++) {
      try {
        result = parseReply(await first(this.nodes[at]));
        acks = 1;
        break;
      } catch (e) {
        if (!isDown(e)) throw e;
        lastDown = e;
      }
    }
    if (acks === 0) throw lastDown;
    const others = this.nodes.filter((_, i) => i !== at);
    const done = await Promise.allSettled(others.map((n) => rest(n)));
    acks += done.filter((d) => d.status === 'fulfilled').length;
    if (acks < this.store.writeQuorum) {
      throw unavailable('quorum_failed', `write reached ${acks} of ${this.store.writeQuorum} required servers`);
    }
    return result;
  }

  async #readAll(fn) {
    const done = await Promise.allSettled(this.nodes.map((n) => fn(n)));
    const ok = done.filter((d) => d.status === 'fulfilled').map((d) => d.value);
    if (ok.length === 0) throw done[0].reason;
    return ok;
  }

  async #sync(node, record, oldId = '') {
    return node.eval('sync', [...recordArgs(this.#p, record, this.#grace), oldId]);
  }

  async get(idHash, now) {
    const missed = [];
    let lastDown;
    for (const node of this.nodes) {
      let f;
      try {
        f = await node.send(['HMGET', this.#p + 's:' + idHash, 'j', 'v', 'ls', 'ie']);
      } catch (e) {
        lastDown = e;
        continue;
      }
      if (!f[0]) {
        missed.push(node);
        continue;
      }
      const r = fromFields(...f);
      // Read repair: replicas that answered "absent" get the copy back (best effort).
      await Promise.allSettled(missed.map((n) => this.#sync(n, r)));
      return alive(r, now) ? r : null;
    }
    if (missed.length === 0 && lastDown) throw lastDown;
    return null;
  }

  async create(record) {
    const args = recordArgs(this.#p, record, this.#grace);
    await this.#write((n) => n.eval('create', args), (n) => this.#sync(n, record));
  }

  async compareAndSet(record, expectedVersion) {
    const args = [...recordArgs(this.#p, record, this.#grace), String(expectedVersion)];
    await this.#write((n) => n.eval('cas', args), (n) => this.#sync(n, record));
  }

  async touch(idHash, lastSeen, idleExpiresAt) {
    const args = [this.#p, idHash, String(lastSeen), String(idleExpiresAt), String(this.#grace)];
    await this.#write(
      (n) => n.eval('touch', args),
      async (n) => {
        const r = await n.eval('touch', args);
        if (r !== 'ok' && r !== 'missing') throw new Error(r);
      },
    );
  }

  async replace(oldIdHash, expectedVersion, record) {
    const args = [...recordArgs(this.#p, record, this.#grace), oldIdHash, String(expectedVersion)];
    await this.#write((n) => n.eval('replace', args), (n) => this.#sync(n, record, oldIdHash));
  }

  async delete(idHash) {
    const found = await this.#write(
      (n) => n.eval('delete', [this.#p, idHash]),
      (n) => n.eval('delete', [this.#p, idHash]),
    );
    return Number(found) === 1;
  }

  async listByUser(user, now) {
    const lists = await this.#readAll((n) => n.eval('list', [this.#p, user, String(now), String(MAX_LIST)]));
    const byId = new Map();
    for (const list of lists) {
      for (const f of list) {
        const r = fromFields(...f);
        const seen = byId.get(r.idHash);
        if (!seen || seen.version < r.version || (seen.version === r.version && seen.lastSeen < r.lastSeen)) {
          byId.set(r.idHash, r);
        }
      }
    }
    return [...byId.values()]
      .filter((r) => r.user === user && alive(r, now))
      .sort((a, b) => a.createdAt - b.createdAt || (a.idHash < b.idHash ? -1 : 1))
      .slice(0, MAX_LIST);
  }

  async deleteByUser(user) {
    const counts = await this.#readAll((n) => n.eval('deleteByUser', [this.#p, user]));
    if (counts.length < Math.min(this.store.writeQuorum, this.nodes.length)) {
      throw unavailable('quorum_failed', `delete reached ${counts.length} of ${this.store.writeQuorum} servers`);
    }
    return Math.max(...counts.map(Number));
  }

  async expire(_now) {
    // Redis expires records by TTL; the user indexes are pruned by listByUser.
    return 0;
  }
}

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
  constructor({ clients, ring, replicas = 1, writeQuorum = 1, prefix = 'es:', commandTimeout = 1000, grace = 60 }) {
    const names = Object.keys(clients || {});
    if (names.length === 0) throw codedError('config_invalid', 'RedisStore needs at least one server');
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > names.length) {
      throw codedError('config_invalid', `replicas must be 1..${names.length}`);
    }
    if (!Number.isInteger(writeQuorum) || writeQuorum < 1 || writeQuorum > replicas) {
      throw codedError('config_invalid', `writeQuorum must be 1..replicas (${replicas})`);
    }
    if (replicas > 1 && (!ring || typeof ring.preferenceList !== 'function')) {
      throw codedError('config_invalid', 'replicas > 1 needs the ring (to choose replica servers)');
    }
    this.nodes = new Map(names.map((n) => [n, new Node(n, clients[n], commandTimeout)]));
    this.ring = ring;
    this.replicas = replicas;
    this.writeQuorum = writeQuorum;
    this.prefix = prefix;
    this.grace = grace;
    this.shards = new Map();
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
    s = new ShardStore(this, order.map((n) => this.nodes.get(n)));
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
