//! The store decisions: what every backend does with the record it finds under a key.
//!
//! A backend reads what it holds, asks one of these pure functions whether the write applies
//! and what to write, then carries that out (inside one SQLite statement run, one Redis Lua
//! script, one borrow of a map, or read-then-write on KV, which is not atomic). No backend
//! decides on its own; [`crate::conformance`] proves each one follows these rules. The Redis
//! store's Lua scripts (js/redis-store.mjs in the npm package) mirror them line for line.
//!
//! "Stored" means present under the key, live or expired but not yet purged.

use std::cmp::Ordering;

use crate::error::StoreError;
use crate::id::IdHash;
use crate::session::SessionRecord;

/// `get`: what a read at `now` returns of the stored record: only a live one.
pub fn visible(stored: Option<SessionRecord>, now: u64) -> Option<SessionRecord> {
    stored.filter(|r| r.is_alive(now))
}

/// `create`: a new record may go under a key that holds nothing.
pub fn create(stored: Option<&SessionRecord>) -> Result<(), StoreError> {
    match stored {
        Some(_) => Err(StoreError::AlreadyExists),
        None => Ok(()),
    }
}

/// `compare_and_set`: applies when the stored version is `expected_version`; the record given
/// is then written whole.
pub fn compare_and_set(
    stored: Option<&SessionRecord>,
    expected_version: u64,
) -> Result<(), StoreError> {
    let current = stored.ok_or(StoreError::NotFound)?;
    if current.version != expected_version {
        return Err(StoreError::Conflict {
            current_version: current.version,
        });
    }
    Ok(())
}

/// `touch`: the record to write, with `last_seen` and `idle_expires_at` moved forward (never
/// back) and nothing else changed, the version included.
pub fn touch(
    stored: Option<&SessionRecord>,
    last_seen: u64,
    idle_expires_at: u64,
) -> Result<SessionRecord, StoreError> {
    let mut next = stored.ok_or(StoreError::NotFound)?.clone();
    next.last_seen = next.last_seen.max(last_seen);
    next.idle_expires_at = next.idle_expires_at.max(idle_expires_at);
    Ok(next)
}

/// `replace` (rotation): applies when the record under `old` has `expected_version` and the
/// new key is free (or is `old` itself); the old key is then removed and `record` written
/// under its own key, in one step where the backend allows.
pub fn replace(
    stored_old: Option<&SessionRecord>,
    expected_version: u64,
    old: &IdHash,
    record: &SessionRecord,
    new_key_taken: bool,
) -> Result<(), StoreError> {
    compare_and_set(stored_old, expected_version)?;
    if *old != record.id_hash && new_key_taken {
        return Err(StoreError::AlreadyExists);
    }
    Ok(())
}

/// The one order of every list of sessions: oldest first (`created_at`), ties by the key's
/// base64url text in byte order: what SQL's `ORDER BY created_at, id_hash` on the text
/// column, a JS `<` on `idHash` strings and Lua's string `<` all give.
pub fn list_order(a: &SessionRecord, b: &SessionRecord) -> Ordering {
    list_key(a).cmp(&list_key(b))
}

fn list_key(r: &SessionRecord) -> (u64, String) {
    (r.created_at, r.id_hash.to_base64url())
}

/// `list_by_user`: of the records a backend found for `user`, the live ones, in
/// [`list_order`], at most `limit`. Backends that query by index may pass more than they
/// need or records of other users (a stale index): this filters them.
pub fn list(
    found: impl IntoIterator<Item = SessionRecord>,
    user: &str,
    now: u64,
    limit: usize,
) -> Vec<SessionRecord> {
    let mut out: Vec<SessionRecord> = found
        .into_iter()
        .filter(|r| r.user == user && r.is_alive(now))
        .collect();
    crate::sort::sort_by_cached_key(&mut out, list_key);
    out.dedup_by(|a, b| a.id_hash == b.id_hash);
    out.truncate(limit);
    out
}

/// `expire`: whether housekeeping at `now` removes the stored record.
pub fn purge(stored: &SessionRecord, now: u64) -> bool {
    !stored.is_alive(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::SessionId;

    fn rec(n: u8, user: &str, created: u64) -> SessionRecord {
        SessionRecord {
            id_hash: SessionId::from_bytes([n; 16]).storage_key(),
            user: user.into(),
            device: String::new(),
            data: "{}".into(),
            version: 1,
            created_at: created,
            last_seen: created,
            idle_expires_at: created + 10,
            absolute_expires_at: created + 100,
            shard: "s".into(),
            epoch: 1,
            persistent: true,
            authenticated_at: created,
            successor: None,
            client: Default::default(),
        }
    }

    #[test]
    fn compare_and_set_needs_the_stored_version() {
        let r = rec(1, "a", 0);
        assert_eq!(compare_and_set(Some(&r), 1), Ok(()));
        assert_eq!(
            compare_and_set(Some(&r), 2),
            Err(StoreError::Conflict { current_version: 1 })
        );
        assert_eq!(compare_and_set(None, 1), Err(StoreError::NotFound));
        assert_eq!(create(Some(&r)), Err(StoreError::AlreadyExists));
        assert_eq!(create(None), Ok(()));
    }

    #[test]
    fn touch_moves_forward_only_and_keeps_the_version() {
        let r = rec(1, "a", 100);
        let t = touch(Some(&r), 105, 115).unwrap();
        assert_eq!((t.last_seen, t.idle_expires_at, t.version), (105, 115, 1));
        let back = touch(Some(&t), 101, 111).unwrap();
        assert_eq!((back.last_seen, back.idle_expires_at), (105, 115));
        assert_eq!(touch(None, 1, 2), Err(StoreError::NotFound));
    }

    #[test]
    fn replace_checks_version_then_the_new_key() {
        let old = rec(1, "a", 0);
        let mut new = old.clone();
        new.id_hash = rec(2, "a", 0).id_hash;
        assert_eq!(replace(Some(&old), 1, &old.id_hash, &new, false), Ok(()));
        assert_eq!(
            replace(Some(&old), 1, &old.id_hash, &new, true),
            Err(StoreError::AlreadyExists)
        );
        assert_eq!(
            replace(Some(&old), 1, &old.id_hash, &old, true),
            Ok(()),
            "same key"
        );
        assert_eq!(
            replace(Some(&old), 0, &old.id_hash, &new, false),
            Err(StoreError::Conflict { current_version: 1 })
        );
        assert_eq!(
            replace(None, 1, &old.id_hash, &new, false),
            Err(StoreError::NotFound)
        );
    }

    #[test]
    fn list_filters_orders_dedups_and_bounds() {
        let found = vec![
            rec(3, "a", 5),
            rec(1, "a", 7),
            rec(2, "b", 1),
            rec(4, "a", 5),
            rec(1, "a", 7),
            rec(5, "a", 0), // expired at now = 10
        ];
        let out = list(found.clone(), "a", 10, 10);
        let created: Vec<u64> = out.iter().map(|r| r.created_at).collect();
        assert_eq!(created, vec![5, 5, 7]);
        assert!(out[0].id_hash.to_base64url() < out[1].id_hash.to_base64url());
        assert!(out.windows(2).all(|w| list_order(&w[0], &w[1]).is_lt()));
        assert_eq!(list(found, "a", 10, 2).len(), 2);
        assert!(visible(Some(rec(5, "a", 0)), 10).is_none());
        assert!(purge(&rec(5, "a", 0), 10) && !purge(&rec(5, "a", 5), 10));
    }
}
