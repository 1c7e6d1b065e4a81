// Reference worker (bench D): one SQLite-backed Durable Object per shard, the same table shape
// as the Rust worker's SessionShard (src/worker/shard.rs). The worker calls it over JS RPC, one
// call per route: each method reads and writes with synchronous SQL, so compare-and-set is exact.
import { DurableObject } from 'cloudflare:workers';

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    record TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  )`,
  'CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user)',
  'CREATE INDEX IF NOT EXISTS sessions_expires ON sessions(expires_at)',
];

export const expiresAt = (r) => Math.min(r.idle_expires, r.absolute_expires);

export class RefShard extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    for (const s of SCHEMA) this.sql.exec(s);
    this.alarmAt = undefined; // unknown until first read
  }

  #load(idHash) {
    const row = this.sql.exec('SELECT record FROM sessions WHERE id_hash = ?', idHash).toArray()[0];
    return row ? JSON.parse(row.record) : null;
  }

  #save(r) {
    this.sql.exec(
      'INSERT OR REPLACE INTO sessions (id_hash, user, record, version, created_at, last_seen, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      r.id, r.user, JSON.stringify(r), r.version, r.created, r.last_seen, expiresAt(r));
  }

  /** Arms the purge alarm for `at` (unix s) unless one is due earlier. */
  async #purgeBy(at) {
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    const ms = (at + 1) * 1000;
    if (this.alarmAt != null && this.alarmAt <= ms) return;
    this.alarmAt = ms;
    await this.ctx.storage.setAlarm(ms);
  }

  /** The stored record or null (liveness is the caller's check). */
  read(idHash) {
    return this.#load(idHash);
  }

  /** Inserts `r`, first ending the user's least recently used sessions beyond `maxPerUser - 1`. */
  async create(r, maxPerUser, now) {
    const { n } = this.sql.exec('SELECT COUNT(*) AS n FROM sessions WHERE user = ? AND expires_at > ?', r.user, now).one();
    if (n >= maxPerUser) {
      this.sql.exec(`DELETE FROM sessions WHERE id_hash IN (SELECT id_hash FROM sessions WHERE user = ?
        ORDER BY expires_at <= ? DESC, last_seen, created_at LIMIT ?)`, r.user, now, n - maxPerUser + 1);
    }
    if (this.#load(r.id)) return { error: 'session_exists' };
    this.#save(r);
    await this.#purgeBy(expiresAt(r));
    return { ok: true };
  }

  /** Compare-and-set of the data; slides the idle deadline. */
  update(idHash, expected, data, now, idleTimeout) {
    const r = this.#load(idHash);
    if (!r || expiresAt(r) <= now) return { error: 'session_not_found' };
    if (r.version !== expected) return { conflict: r.version };
    r.data = data;
    r.version += 1;
    r.last_seen = Math.max(r.last_seen, now);
    r.idle_expires = Math.max(r.idle_expires, Math.min(now + idleTimeout, r.absolute_expires));
    this.#save(r);
    return { record: r };
  }

  /** Rotation: the live session under `idHash` moves to `newId` (version bumped, idle slid). */
  rotate(idHash, newId, now, idleTimeout) {
    const r = this.#load(idHash);
    if (!r || expiresAt(r) <= now) return { error: 'session_not_found' };
    if (this.#load(newId)) return { error: 'session_exists' };
    this.sql.exec('DELETE FROM sessions WHERE id_hash = ?', idHash);
    r.id = newId;
    r.version += 1;
    r.last_seen = Math.max(r.last_seen, now);
    r.idle_expires = Math.max(r.idle_expires, Math.min(now + idleTimeout, r.absolute_expires));
    this.#save(r);
    return { record: r };
  }

  /** Sign-out: deletes the session; whether there was one. */
  remove(idHash) {
    return this.sql.exec('DELETE FROM sessions WHERE id_hash = ?', idHash).rowsWritten > 0;
  }

  /** Refreshes last_seen (reads call it at most every touch_interval). */
  touch(idHash, now, idleTimeout) {
    const r = this.#load(idHash);
    if (!r) return null;
    r.last_seen = Math.max(r.last_seen, now);
    r.idle_expires = Math.max(r.idle_expires, Math.min(now + idleTimeout, r.absolute_expires));
    this.#save(r);
    return r;
  }

  async alarm() {
    this.alarmAt = null;
    const now = Math.floor(Date.now() / 1000);
    this.sql.exec('DELETE FROM sessions WHERE expires_at <= ?', now);
    const { m } = this.sql.exec('SELECT MIN(expires_at) AS m FROM sessions').one();
    if (m != null) await this.#purgeBy(m);
  }
}
