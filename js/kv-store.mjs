// KVStore: the store interface over a Workers KV binding (`env.SESSIONS_KV`), for JS Workers.
// The same layout and the same decisions as the Rust worker's KV store:
//   <prefix>s:<idHash>               the record JSON
//   <prefix>u:<base64url(user)>:<id>  an empty index entry, listed by prefix
// both with a KV `expiration` at the record's expiry, or 90 s from now if that is later (KV
// refuses less than 60 s ahead when the write arrives; reads filter expired records anyway).
//
// What KV really offers, and so what this store can promise:
// - Eventual consistency. A write is seen at once where it was made, and within about 60 s in
//   other locations; a delete (sign-out, revocation) likewise: a revoked session can still be
//   accepted elsewhere for up to a minute.
// - No compare-and-set and no transactions. compareAndSet, touch and replace read, compare and
//   write: two writers at the same moment can both pass the version check, and the later write
//   wins (a lost update). The core's versioned update still refuses a *stale* version that this
//   location has already seen replaced (412 `version_conflict`), but it cannot make concurrent
//   writers exclusive. Use a store with real compare-and-set (Durable Objects, Redis) when lost
//   updates or instant revocation matter.
// - One write per second per key. Touch throttling (`policy.touchInterval`, default 60 s) keeps
//   a session's writes far below it; a faster burst of writes to one session is refused by KV
//   and rejects with `store_unavailable` (reason `rate_limited`).
import { codedError, conflict, exists, notFound, unavailable } from './errors.mjs';

/** KV's floor for `expiration` is 60 s ahead; the margin absorbs clock skew and delay. */
const KV_MIN_TTL = 90;
/** KV lists at most 1000 keys per call; a user's index is read in at most this many pages. */
const LIST_PAGE = 1000;
const MAX_PAGES = 4;
/** Most records `listByUser` returns when the core passes no limit. */
const MAX_LIST = 256;
/** Longest key prefix accepted (KV keys are at most 512 bytes). */
const MAX_PREFIX = 64;
/** Largest record JSON written (KV values can be larger; session records never are). */
const MAX_RECORD_BYTES = 256 * 1024;

const b64url = (text) => {
  let bin = '';
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

const expiresAt = (r) => r.expiresAt ?? Math.min(r.idleExpiresAt, r.absoluteExpiresAt);
const alive = (r, now) => now < expiresAt(r);

function kvError(what, e) {
  const text = String(e && e.message);
  const reason = /429|too many/i.test(text) ? 'rate_limited' : 'kv_error';
  return unavailable(reason, `kv ${what} failed`);
}

/** Sessions in one Workers KV namespace (every shard name maps to it). */
export class KVStore {
  /**
   * `new KVStore(env.SESSIONS_KV, {prefix?})`: `kv` is the binding (get/put/delete/list);
   * `prefix` (default "") isolates this store's keys within the namespace.
   */
  constructor(kv, { prefix = '' } = {}) {
    const ok = kv && ['get', 'put', 'delete', 'list'].every((m) => typeof kv[m] === 'function');
    if (!ok) throw codedError('config_invalid', 'KVStore needs a Workers KV binding (get, put, delete, list)');
    if (typeof prefix !== 'string' || prefix.length > MAX_PREFIX) {
      throw codedError('config_invalid', `KVStore prefix must be a string of at most ${MAX_PREFIX} characters`);
    }
    this.kv = kv;
    this.prefix = prefix;
  }

  #recordKey(idHash) { return `${this.prefix}s:${idHash}`; }
  #userPrefix(user) { return `${this.prefix}u:${b64url(user)}:`; }

  /** The stored record under `idHash`, expired or not. */
  async #load(idHash) {
    let text;
    try {
      text = await this.kv.get(this.#recordKey(idHash), 'text');
    } catch (e) {
      throw kvError('get', e);
    }
    if (text === null || text === undefined) return null;
    let r;
    try {
      r = JSON.parse(text);
    } catch {
      r = null;
    }
    if (!r || typeof r !== 'object' || r.idHash !== idHash) {
      throw codedError('store_corrupt', 'session store returned a bad record');
    }
    return r;
  }

  async #put(r) {
    const json = JSON.stringify(r);
    if (json.length > MAX_RECORD_BYTES) throw codedError('store_corrupt', 'session record too large for the store');
    const expiration = Math.max(expiresAt(r), Math.floor(Date.now() / 1000) + KV_MIN_TTL);
    try {
      await this.kv.put(this.#recordKey(r.idHash), json, { expiration });
      await this.kv.put(this.#userPrefix(r.user) + r.idHash, '', { expiration });
    } catch (e) {
      throw kvError('put', e);
    }
  }

  async #remove(r) {
    try {
      await this.kv.delete(this.#recordKey(r.idHash));
      await this.kv.delete(this.#userPrefix(r.user) + r.idHash);
    } catch (e) {
      throw kvError('delete', e);
    }
  }

  /** The id hashes in `user`'s index (at most MAX_PAGES pages). */
  async #index(user) {
    const prefix = this.#userPrefix(user);
    const out = [];
    let cursor;
    for (let page = 0; page < MAX_PAGES; page++) {
      let list;
      try {
        list = await this.kv.list({ prefix, limit: LIST_PAGE, ...(cursor ? { cursor } : {}) });
      } catch (e) {
        throw kvError('list', e);
      }
      for (const k of list.keys) out.push(k.name.slice(prefix.length));
      if (list.list_complete || !list.cursor) break;
      cursor = list.cursor;
    }
    return out;
  }

  /** The live record, or null. */
  async get(idHash, now) {
    const r = await this.#load(idHash);
    return r && alive(r, now) ? r : null;
  }

  /** Inserts; `session_exists` if the key holds a record. */
  async create(record) {
    if (await this.#load(record.idHash)) throw exists();
    await this.#put(record);
  }

  /** Read, compare, write (not atomic: see the file's header). */
  async compareAndSet(record, expectedVersion) {
    const current = await this.#load(record.idHash);
    if (!current) throw notFound();
    if (current.version !== expectedVersion) throw conflict(current.version);
    await this.#put(record);
  }

  /** Moves lastSeen and idleExpiresAt forward only; the version stays. */
  async touch(idHash, lastSeen, idleExpiresAt) {
    const current = await this.#load(idHash);
    if (!current) throw notFound();
    const next = { ...current, lastSeen: Math.max(current.lastSeen, lastSeen),
      idleExpiresAt: Math.max(current.idleExpiresAt, idleExpiresAt) };
    if ('expiresAt' in current) next.expiresAt = Math.min(next.idleExpiresAt, next.absoluteExpiresAt);
    await this.#put(next);
  }

  /** Rotation: the new key first, then the old one removed (a crash leaves two, never none). */
  async replace(oldIdHash, expectedVersion, record) {
    const current = await this.#load(oldIdHash);
    if (!current) throw notFound();
    if (current.version !== expectedVersion) throw conflict(current.version);
    if (oldIdHash !== record.idHash && (await this.#load(record.idHash))) throw exists();
    await this.#put(record);
    if (oldIdHash !== record.idHash) await this.#remove(current);
  }

  /** true if there was a record. */
  async delete(idHash) {
    const current = await this.#load(idHash);
    if (!current) return false;
    await this.#remove(current);
    return true;
  }

  /** The user's live records, oldest first (createdAt, then idHash as text), at most `limit`. */
  async listByUser(user, now, limit) {
    const found = await Promise.all((await this.#index(user)).map((h) => this.#load(h)));
    return found
      .filter((r) => r && r.user === user && alive(r, now))
      .sort((a, b) => a.createdAt - b.createdAt || (a.idHash < b.idHash ? -1 : a.idHash > b.idHash ? 1 : 0))
      .slice(0, limit ?? MAX_LIST);
  }

  /** Deletes the user's records (and stale index entries); returns how many records. */
  async deleteByUser(user) {
    let n = 0;
    const prefix = this.#userPrefix(user);
    for (const h of await this.#index(user)) {
      const r = await this.#load(h);
      if (r && r.user === user) {
        await this.#remove(r);
        n += 1;
      } else {
        await this.kv.delete(prefix + h).catch(() => {});
      }
    }
    return n;
  }

  /** KV purges by `expiration` itself and reads hide expired records: nothing to do. */
  async expire() {
    return 0;
  }

  /**
   * Sign-in rate-limit buckets under `<prefix>b:<base64url(key)>`, with an `expiration` when
   * they are full again (at least 90 s ahead, KV's floor). Read-modify-write like the rest of
   * this store: concurrent sign-ins may each take the same token, and each location counts on
   * its own until writes propagate (about 60 s).
   */
  async getBucket(key, _now) {
    const v = await this.kv.get(this.#bucketKey(key), 'text');
    return typeof v === 'string' ? v : null;
  }

  async putBucket(key, state, expiresAt) {
    const now = Math.floor(Date.now() / 1000);
    await this.kv.put(this.#bucketKey(key), String(state), { expiration: Math.max(expiresAt, now + KV_MIN_TTL) });
  }

  #bucketKey(key) {
    return `${this.prefix}b:${b64url(key)}`;
  }
}
