// The store of one shard: its replicas (servers) asked in parallel, writes in two phases.
//
// Writes: phase one (`prepare`) checks the store rule on every replica at once and parks the
// write as pending (invisible to readers, dropped when its lease ends). With a quorum of
// replicas prepared and none refusing, phase two (`commit`) makes it visible; the write is
// acknowledged once a quorum has committed. Otherwise phase one is aborted and the write leaves
// no trace (`quorum_failed`, or the conflict/not-found a replica reported). Only a failure
// between the two phases can leave a write committed on fewer than a quorum: that is reported
// as `store_unavailable` with reason `write_indeterminate`.
// Reads ask every replica at once and answer from the first (available) or a majority
// (strict) of them, plus a short hedge for the others; a tombstone anywhere wins; copies found
// missing or older are repaired in the background.
import { randomBytes } from 'node:crypto';
import { conflict, exists, notFound, unavailable } from '../errors.mjs';
import { READ_FIELDS } from './lua.mjs';
import { MAX_LIST, alive, compare, gather, parseRead, recordFields, settledOk } from './records.mjs';

const newWriteId = () => randomBytes(12).toString('base64url');
const firstError = (replies) => (replies.find((r) => r && !r.ok) || {}).error;
const prepared = (s) => s === 'ok' || s === 'done' || s === 'absent' || s.startsWith('behind') || s.startsWith('found:');
const exact = (s) => s === 'ok' || s === 'done';
const versionIn = (s) => Number(s.slice(s.indexOf(':') + 1)) || 0;

/** What the prepare answers say: commit, or the error to reject with. */
function judge(replies, ops, q, strict) {
  const statuses = [];
  let ready = 0;
  let down = 0;
  for (const rep of replies) {
    if (!rep || !rep.ok) {
      down++;
      continue;
    }
    const [flag, ...ss] = rep.value;
    if (flag === 'ok') ready++;
    statuses.push(ss);
  }
  const all = statuses.flatMap((ss) => ss.map((s, i) => ({ s, op: ops[i] })));
  const refusing = all.filter(({ s, op }) => !(prepared(s) || (s === 'gone' && op.k === 'del')));
  if (refusing.some(({ s }) => s === 'gone' || s === 'missing')) return { error: notFound() };
  if (refusing.some(({ s }) => s === 'exists')) return { error: exists() };
  const moved = refusing.filter(({ s }) => s.startsWith('conflict:') || (s.startsWith('busy:') && (!strict || ready < q)));
  if (moved.length) return { error: conflict(Math.max(...moved.map(({ s }) => versionIn(s)))) };
  // A compare-and-set needs one copy at exactly the expected version; catch-ups alone are not enough.
  for (let i = 0; i < ops.length; i++) {
    if (ops[i].k !== 'cas' && ops[i].k !== 'delIf') continue;
    if (statuses.some((ss) => exact(ss[i]))) continue;
    if (down > 0) return { error: unavailable('quorum_failed', `no reachable copy at the expected version`) };
    const seen = statuses.map((ss) => ss[i]).filter((s) => s.startsWith('behind:')).map(versionIn);
    return { error: seen.length ? conflict(Math.max(...seen)) : notFound() };
  }
  if (ready < q) return { error: unavailable('quorum_failed', `write reached ${ready} of ${q} required servers`) };
  return { statuses };
}

export class ShardStore {
  constructor(store, name, nodes) {
    this.store = store;
    this.name = name;
    this.nodes = nodes;
  }

  get #p() {
    return this.store.prefix;
  }

  /** Servers that must take a write. */
  get quorum() {
    return this.store.writeQuorumFor(this.nodes.length);
  }

  /** Servers a read must hear from. */
  get readNeed() {
    return this.store.strict ? Math.floor(this.nodes.length / 2) + 1 : 1;
  }

  /** Two-phase write of `ops`; resolves with the prepare statuses (one array per server that answered). */
  async #write(ops) {
    const st = this.store;
    const n = this.nodes.length;
    const q = this.quorum;
    const W = newWriteId();
    const apply = n === 1;
    const argv = [this.#p, W, String(st.lease), apply ? '1' : '0', String(st.grace), String(st.tombstoneTtl), JSON.stringify(ops)];
    const calls = this.nodes.map((node) => node.eval('prepare', argv));
    const replies = await gather(calls, (rs) => {
      const got = settledOk(rs);
      const ready = got.filter((r) => r.value[0] === 'ok').length;
      const refused = got.length - ready;
      const failed = rs.filter((r) => r && !r.ok).length;
      if (refused > 0 && !st.strict) return 'now';
      if (failed + refused > n - q) return 'now';
      if (ready >= q) return 'hedge';
      return undefined;
    }, st.hedge);
    const verdict = judge(replies, ops, q, st.strict);
    const ids = ops.map((o) => o.id);
    if (verdict.error) {
      if (!apply) st.background(Promise.allSettled(this.nodes.map((node) => node.eval('abort', [this.#p, W, JSON.stringify(ids)]))));
      throw verdict.error;
    }
    if (apply) return verdict.statuses;
    // The tombstone of a delete outlives every copy: the longest remaining TTL seen.
    const ttls = verdict.statuses.flat().filter((s) => s.startsWith('found:')).map(versionIn);
    const tombTtl = Math.max(0, ...ttls);
    const okFor = (ss) => ss.every((s, i) => s === 'ok' || (s === 'gone' && ops[i].k === 'del'));
    const commits = this.nodes.map((node) => node.eval('commit', [this.#p, W, String(st.grace), String(tombTtl), JSON.stringify(ids), String(st.tombstoneTtl)]));
    const done = await gather(commits, (rs) => (settledOk(rs).filter((r) => okFor(r.value)).length >= q ? 'now' : undefined), 0);
    const committed = settledOk(done).filter((r) => okFor(r.value)).length;
    // Replicas that did not commit (down, hung, behind) get the result copied when they answer.
    st.background(Promise.allSettled(commits).then((rs) => Promise.allSettled(rs.map((r, i) =>
      (r.status === 'fulfilled' && okFor(r.value) ? null : this.#catchUp(this.nodes[i], ops, W, tombTtl))))));
    if (committed >= q) return verdict.statuses;
    if (settledOk(done).some((r) => r.value.includes('gone'))) throw notFound();
    throw unavailable('write_indeterminate', `write committed on ${committed} of ${q} required servers; read the session before retrying`);
  }

  #catchUp(node, ops, W, ttl) {
    return Promise.allSettled(ops.map((op) => (op.k === 'create' || op.k === 'cas'
      ? this.sync(node, op.id, { kind: 'rec', f: { ...op.r, w: W } })
      : this.sync(node, op.id, { kind: 'tomb', f: { v: '0', ae: '', u: '', sh: this.name, w: W } }, ttl))));
  }

  /** Copies `copy` ({kind, f}) of `id` to `node` unless the copy there wins. */
  sync(node, id, copy, ttl = 0) {
    const f = copy.kind === 'tomb' ? { ...copy.f, ttl: Math.max(0, ttl) } : copy.f;
    return node.eval('sync', [this.#p, id, copy.kind, String(this.store.grace), JSON.stringify(f), String(this.store.tombstoneTtl)]);
  }

  async #readRepair(calls, best, id) {
    if (!best || best.kind === 'absent') return;
    const rs = await Promise.allSettled(calls);
    await Promise.allSettled(rs.map((r, i) => {
      if (r.status !== 'fulfilled') return null;
      const here = parseRead(r.value);
      return compare(best, here) > 0 ? this.sync(this.nodes[i], id, best) : null;
    }));
  }

  async get(idHash, now) {
    const need = this.readNeed;
    const strict = this.store.strict;
    const calls = this.nodes.map((node) => node.send(['HMGET', this.#p + 's:' + idHash, ...READ_FIELDS]));
    const replies = await gather(calls, (rs) => {
      const got = settledOk(rs);
      if (got.length >= need && (strict || got.some((r) => r.value[0] || r.value[1]))) return 'hedge';
      return undefined;
    }, this.store.hedge);
    const got = settledOk(replies);
    if (got.length < need) throw firstError(replies) || unavailable('quorum_failed', 'read reached too few servers');
    let best = null;
    for (const r of got) {
      const c = parseRead(r.value);
      if (!best || compare(c, best) > 0) best = c;
    }
    this.store.background(this.#readRepair(calls, best, idHash));
    if (!best || best.kind !== 'rec') return null;
    return alive(best.r, now) ? best.r : null;
  }

  async #lists(user, now) {
    const need = this.readNeed;
    const calls = this.nodes.map((node) => node.eval('list', [this.#p, user, String(now), String(MAX_LIST)]));
    const replies = await gather(calls, (rs) => (settledOk(rs).length >= need ? 'hedge' : undefined), this.store.hedge);
    const got = settledOk(replies);
    if (got.length < need) throw firstError(replies) || unavailable('quorum_failed', 'read reached too few servers');
    const dead = new Set();
    const best = new Map();
    for (const { value } of got) {
      for (const [kind, id, j, v, ls, ie, ex, w] of value) {
        if (kind === 't') {
          dead.add(id);
          continue;
        }
        const c = { kind: 'rec', f: { j, v, ls, ie, ex, w: w ?? '' } };
        if (!best.has(id) || compare(c, best.get(id)) > 0) best.set(id, c);
      }
    }
    for (const id of dead) best.delete(id);
    return best;
  }

  async listByUser(user, now, limit) {
    const max = Math.min(Number.isInteger(limit) && limit > 0 ? limit : MAX_LIST, MAX_LIST);
    const best = await this.#lists(user, now);
    return [...best.values()]
      .map(({ f }) => parseRead([null, f.j, f.v, f.ls, f.ie, f.ex]).r)
      .filter((r) => r.user === user && alive(r, now))
      .sort((a, b) => a.createdAt - b.createdAt || (a.idHash < b.idHash ? -1 : 1))
      .slice(0, max);
  }

  async create(record) {
    await this.#write([{ k: 'create', id: record.idHash, r: recordFields(record, this.name) }]);
  }

  async compareAndSet(record, expectedVersion) {
    await this.#write([{ k: 'cas', id: record.idHash, e: expectedVersion, r: recordFields(record, this.name) }]);
  }

  async replace(oldIdHash, expectedVersion, record) {
    const r = recordFields(record, this.name);
    if (oldIdHash === record.idHash) {
      await this.#write([{ k: 'cas', id: record.idHash, e: expectedVersion, r }]);
      return;
    }
    await this.#write([
      { k: 'delIf', id: oldIdHash, e: expectedVersion, sh: this.name },
      { k: 'create', id: record.idHash, r },
    ]);
  }

  async delete(idHash) {
    const statuses = await this.#write([{ k: 'del', id: idHash, sh: this.name }]);
    return statuses.some((ss) => ss[0].startsWith('found:'));
  }

  async deleteByUser(user) {
    // Every id any reachable replica lists (bounded: MAX_LIST per replica), deleted in one write.
    const ids = [...(await this.#lists(user, 0)).keys()];
    if (ids.length === 0) return 0;
    const statuses = await this.#write(ids.map((id) => ({ k: 'del', id, sh: this.name })));
    return ids.filter((_, i) => statuses.some((ss) => ss[i].startsWith('found:'))).length;
  }

  async touch(idHash, lastSeen, idleExpiresAt) {
    const q = this.quorum;
    const args = [this.#p, idHash, String(lastSeen), String(idleExpiresAt), String(this.store.grace)];
    const calls = this.nodes.map((node) => node.eval('touch', args));
    const replies = await gather(calls, (rs) => (settledOk(rs).filter((r) => r.value === 'ok').length >= q ? 'now' : undefined), 0);
    const got = settledOk(replies);
    const oks = got.filter((r) => r.value === 'ok').length;
    const missing = got.length - oks;
    // Touches only move forward, so a partial one is harmless; copies that lack the record
    // (a restarted server) are lagging and get it back from read repair.
    if (oks >= q || (oks >= 1 && oks + missing >= q)) return;
    if (oks === 0 && missing > 0 && got.length === this.nodes.length) throw notFound();
    if (oks === 0 && missing === 0 && firstError(replies)) throw firstError(replies);
    throw unavailable('quorum_failed', `touch reached ${oks} of ${q} required servers`);
  }

  async expire(_now) {
    // Redis expires records and tombstones by TTL; the user indexes are pruned by listByUser.
    return 0;
  }

  /**
   * Sign-in rate-limit buckets (`<prefix>b:<key>`, a plain string with a TTL): kept on the
   * first server of the shard that answers, in replica order. Not replicated: a bucket lost
   * with its server is a full bucket again, which only loosens the limit until it refills.
   */
  async getBucket(key, _now) {
    let last;
    for (const node of this.nodes) {
      try {
        const v = await node.send(['GET', `${this.#p}b:${key}`]);
        return typeof v === 'string' ? v : null;
      } catch (e) {
        last = e;
      }
    }
    throw last;
  }

  async putBucket(key, state, expiresAt, now) {
    // A TTL relative to the manager's clock: the Redis server's clock may differ.
    const ttl = Math.max(1, Math.min(86400 * 10000, expiresAt - (now ?? Math.floor(Date.now() / 1000))));
    let last;
    for (const node of this.nodes) {
      try {
        await node.send(['SET', `${this.#p}b:${key}`, String(state), 'EX', String(ttl)]);
        return;
      } catch (e) {
        last = e;
      }
    }
    throw last;
  }
}
