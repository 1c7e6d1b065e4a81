// The shard's hot SQL statements, each one call from wasm (src/worker/sql.rs): the worker crate's
// generic `exec` builds its bind array value by value from wasm and reads each row back field by
// field, a few dozen crossings for one point read or one write. No rule lives here: the
// statements and every value are the Rust side's.

/** The `record` column of the first row of `query` bound to `key`, or undefined. */
export function firstRecord(sql, query, key) {
  const row = sql.exec(query, key).toArray()[0];
  return row === undefined ? undefined : row.record;
}

/** Runs the write `query` with the row's seven values. */
export function writeRow(sql, query, key, user, record, version, created, lastSeen, expires) {
  sql.exec(query, key, user, record, version, created, lastSeen, expires);
}

/**
 * Runs the counting insert `query` (the row's seven values, then the user, `now` and the key
 * again for its RETURNING count): the count, or undefined when the insert did not apply.
 */
export function insertCounting(sql, query, key, user, record, version, created, lastSeen, expires, now) {
  const row = sql.exec(query, key, user, record, version, created, lastSeen, expires, user, now, key).toArray()[0];
  return row === undefined ? undefined : row.n;
}

/** Runs `query` bound to `key` (a delete by primary key). */
export function execKey(sql, query, key) {
  sql.exec(query, key);
}
