// MemoryStore: the store interface over a Map, for tests, single-process apps and browsers.
import { conflict, exists, notFound } from './errors.mjs';

const MAX_LIST = 256;
const alive = (r, now) => now < Math.min(r.idleExpiresAt, r.absoluteExpiresAt);
const copy = (r) => ({ ...r });

/** Sessions in process memory (one Map). Implements the edge-session store interface. */
export class MemoryStore {
  #records = new Map();

  /** Number of records held, live or not yet purged. */
  get size() {
    return this.#records.size;
  }

  async get(idHash, now) {
    const r = this.#records.get(idHash);
    return r && alive(r, now) ? copy(r) : null;
  }

  async create(record) {
    if (this.#records.has(record.idHash)) throw exists();
    this.#records.set(record.idHash, copy(record));
  }

  async compareAndSet(record, expectedVersion) {
    const cur = this.#records.get(record.idHash);
    if (!cur) throw notFound();
    if (cur.version !== expectedVersion) throw conflict(cur.version);
    this.#records.set(record.idHash, copy(record));
  }

  async touch(idHash, lastSeen, idleExpiresAt) {
    const cur = this.#records.get(idHash);
    if (!cur) throw notFound();
    cur.lastSeen = Math.max(cur.lastSeen, lastSeen);
    cur.idleExpiresAt = Math.max(cur.idleExpiresAt, idleExpiresAt);
  }

  async replace(oldIdHash, expectedVersion, record) {
    const cur = this.#records.get(oldIdHash);
    if (!cur) throw notFound();
    if (cur.version !== expectedVersion) throw conflict(cur.version);
    if (oldIdHash !== record.idHash && this.#records.has(record.idHash)) throw exists();
    this.#records.delete(oldIdHash);
    this.#records.set(record.idHash, copy(record));
  }

  async delete(idHash) {
    return this.#records.delete(idHash);
  }

  async listByUser(user, now) {
    const out = [];
    for (const r of this.#records.values()) if (r.user === user && alive(r, now)) out.push(copy(r));
    out.sort((a, b) => a.createdAt - b.createdAt || (a.idHash < b.idHash ? -1 : 1));
    return out.slice(0, MAX_LIST);
  }

  async deleteByUser(user) {
    let n = 0;
    for (const [k, r] of this.#records) if (r.user === user && this.#records.delete(k)) n++;
    return n;
  }

  async expire(now) {
    let n = 0;
    for (const [k, r] of this.#records) if (!alive(r, now) && this.#records.delete(k)) n++;
    return n;
  }
}
