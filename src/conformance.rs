//! One behaviour suite for every [`SessionStore`] (feature `conformance`; never in the deployed
//! worker): the memory store runs it in `cargo test`, the Durable Object and KV stores run it
//! inside workerd (test builds of the worker), the JS adapter and the Redis store run it from
//! Node through the npm package's `runConformance`, which store authors use too.
//!
//! It returns the first broken rule instead of panicking, so any host can report it. Records
//! are namespaced by `tag` (use a fresh one per run, e.g. a timestamp) so the suite can run
//! against a store that already holds data.

use sha2::{Digest, Sha256};

use crate::error::StoreError;
use crate::id::SessionId;
use crate::limits::MAX_SESSIONS_PER_USER;
use crate::session::SessionRecord;
use crate::store::{decide, Others, SessionStore};

/// The first rule a store broke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConformanceFailure {
    /// Name of the failed check.
    pub check: &'static str,
    /// What was seen.
    pub detail: String,
}

impl std::fmt::Display for ConformanceFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "store conformance check `{}` failed: {}",
            self.check, self.detail
        )
    }
}

impl std::error::Error for ConformanceFailure {}

/// Names of the checks, in the order they run.
pub const CHECKS: &[&str] = &[
    "get_missing",
    "create_then_get",
    "create_duplicate_refused",
    "cas_current_version",
    "cas_stale_version_refused",
    "cas_missing_not_found",
    "touch_moves_forward_only",
    "touch_missing_not_found",
    "replace_rotates",
    "replace_stale_refused",
    "list_by_user_exact",
    "list_by_user_ordered_and_bounded",
    "expired_not_returned",
    "delete_then_gone",
    "delete_by_user_counts",
    "expired_lists_only_expired",
    "expire_keeps_live",
    "data_roundtrip",
    "create_counting_others",
    "history_tombstone_through_the_store",
];

fn fail(check: &'static str, detail: impl Into<String>) -> ConformanceFailure {
    ConformanceFailure {
        check,
        detail: detail.into(),
    }
}

fn id(tag: &str, n: u8) -> SessionId {
    let d = Sha256::new()
        .chain_update(b"edge-session/conformance\0")
        .chain_update(tag.as_bytes())
        .chain_update([n])
        .finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    SessionId::from_bytes(b)
}

fn record(tag: &str, n: u8, user: &str, now: u64) -> SessionRecord {
    SessionRecord {
        id_hash: id(tag, n).storage_key(),
        user: user.to_owned(),
        device: format!("device-{n}"),
        data: format!(r#"{{"n":{n}}}"#),
        version: 1,
        created_at: now,
        last_seen: now,
        idle_expires_at: now + 600,
        absolute_expires_at: now + 3600,
        shard: "conformance".to_owned(),
        epoch: 1,
        // Odd records are browser-session ones: every store must keep the flag as given.
        persistent: n.is_multiple_of(2),
        authenticated_at: now.saturating_sub(u64::from(n)),
        successor: None,
        client: Default::default(),
    }
}

macro_rules! check {
    ($name:literal, $cond:expr, $($detail:tt)+) => {
        if !$cond {
            return Err(fail($name, format!($($detail)+)));
        }
    };
}

async fn get<S: SessionStore>(
    s: &S,
    r: &SessionRecord,
    now: u64,
    check: &'static str,
) -> Result<Option<SessionRecord>, ConformanceFailure> {
    s.get(&r.id_hash, now)
        .await
        .map_err(|e| fail(check, format!("get failed: {e}")))
}

/// Runs every check against `store`; `Ok` carries the number of checks passed.
pub async fn run<S: SessionStore>(
    store: &S,
    tag: &str,
    now: u64,
) -> Result<usize, ConformanceFailure> {
    let alice = format!("{tag}-alice");
    let bob = format!("{tag}-bob");
    let a1 = record(tag, 1, &alice, now);

    check!(
        "get_missing",
        get(store, &a1, now, "get_missing").await?.is_none(),
        "found a record never created"
    );

    store
        .create(&a1)
        .await
        .map_err(|e| fail("create_then_get", e.to_string()))?;
    let got = get(store, &a1, now, "create_then_get").await?;
    check!(
        "create_then_get",
        got.as_ref() == Some(&a1),
        "read back {got:?}"
    );

    let dup = store.create(&a1).await;
    check!(
        "create_duplicate_refused",
        dup == Err(StoreError::AlreadyExists),
        "second create gave {dup:?}"
    );

    let mut a1v2 = a1.clone();
    a1v2.data = r#"{"n":"two"}"#.into();
    a1v2.version = 2;
    let r = store.compare_and_set(&a1v2, 1).await;
    check!(
        "cas_current_version",
        r.is_ok(),
        "CAS with the current version gave {r:?}"
    );
    let got = get(store, &a1, now, "cas_current_version").await?;
    check!(
        "cas_current_version",
        got.as_ref() == Some(&a1v2),
        "read back {got:?}"
    );

    let mut stale = a1.clone();
    stale.data = r#"{"n":"stale"}"#.into();
    stale.version = 2;
    let r = store.compare_and_set(&stale, 1).await;
    check!(
        "cas_stale_version_refused",
        r == Err(StoreError::Conflict { current_version: 2 }),
        "CAS with a stale version gave {r:?}"
    );
    let got = get(store, &a1, now, "cas_stale_version_refused").await?;
    check!(
        "cas_stale_version_refused",
        got.as_ref() == Some(&a1v2),
        "stale write changed the record: {got:?}"
    );

    let ghost = record(tag, 9, &alice, now);
    let r = store.compare_and_set(&ghost, 1).await;
    check!(
        "cas_missing_not_found",
        r == Err(StoreError::NotFound),
        "CAS on a missing key gave {r:?}"
    );

    store
        .touch(&a1.id_hash, now + 30, now + 630)
        .await
        .map_err(|e| fail("touch_moves_forward_only", e.to_string()))?;
    store
        .touch(&a1.id_hash, now + 10, now + 610)
        .await
        .map_err(|e| fail("touch_moves_forward_only", e.to_string()))?;
    let got = get(store, &a1, now, "touch_moves_forward_only").await?;
    let ok = got.as_ref().is_some_and(|g| {
        g.last_seen == now + 30
            && g.idle_expires_at == now + 630
            && g.version == 2
            && g.data == a1v2.data
    });
    check!("touch_moves_forward_only", ok, "after touches: {got:?}");
    let r = store.touch(&ghost.id_hash, now, now + 1).await;
    check!(
        "touch_missing_not_found",
        r == Err(StoreError::NotFound),
        "touch on a missing key gave {r:?}"
    );

    let mut rotated = got.unwrap_or_else(|| a1v2.clone());
    rotated.id_hash = id(tag, 2).storage_key();
    rotated.version = 3;
    let r = store.replace(&a1.id_hash, 2, &rotated).await;
    check!("replace_rotates", r.is_ok(), "replace gave {r:?}");
    let old = get(store, &a1, now, "replace_rotates").await?;
    let new = get(store, &rotated, now, "replace_rotates").await?;
    check!(
        "replace_rotates",
        old.is_none() && new.as_ref() == Some(&rotated),
        "old {old:?}, new {new:?}"
    );

    let mut again = rotated.clone();
    again.id_hash = id(tag, 3).storage_key();
    let r = store.replace(&rotated.id_hash, 2, &again).await;
    check!(
        "replace_stale_refused",
        r == Err(StoreError::Conflict { current_version: 3 }),
        "replace with a stale version gave {r:?}"
    );
    let still = get(store, &rotated, now, "replace_stale_refused").await?;
    let made = get(store, &again, now, "replace_stale_refused").await?;
    check!(
        "replace_stale_refused",
        still.is_some() && made.is_none(),
        "after refused replace: {still:?} / {made:?}"
    );

    let a4 = record(tag, 4, &alice, now + 1);
    let b5 = record(tag, 5, &bob, now);
    let mut dead = record(tag, 6, &alice, now);
    dead.idle_expires_at = now + 5;
    for r in [&a4, &b5, &dead] {
        store
            .create(r)
            .await
            .map_err(|e| fail("list_by_user_exact", e.to_string()))?;
    }
    let list = store
        .list_by_user(&alice, now, MAX_SESSIONS_PER_USER)
        .await
        .map_err(|e| fail("list_by_user_exact", e.to_string()))?;
    let ordered = list
        .windows(2)
        .all(|w| decide::list_order(&w[0], &w[1]).is_lt());
    let mut keys: Vec<_> = list.iter().map(|r| r.id_hash.clone()).collect();
    keys.sort_unstable();
    let mut want = vec![
        rotated.id_hash.clone(),
        a4.id_hash.clone(),
        dead.id_hash.clone(),
    ];
    want.sort_unstable();
    check!(
        "list_by_user_exact",
        keys == want,
        "alice's sessions: got {} records, want 3 ({keys:?})",
        keys.len()
    );

    let mut want_order = [rotated.clone(), a4.clone(), dead.clone()];
    want_order.sort_unstable_by(decide::list_order);
    let first = store
        .list_by_user(&alice, now, 1)
        .await
        .map_err(|e| fail("list_by_user_ordered_and_bounded", e.to_string()))?;
    check!(
        "list_by_user_ordered_and_bounded",
        ordered && first.len() == 1 && first[0].id_hash == want_order[0].id_hash,
        "ordered: {ordered}; limit 1 gave {} records",
        first.len()
    );

    let later = now + 5;
    let got = get(store, &dead, later, "expired_not_returned").await?;
    let list = store
        .list_by_user(&alice, later, MAX_SESSIONS_PER_USER)
        .await
        .map_err(|e| fail("expired_not_returned", e.to_string()))?;
    check!(
        "expired_not_returned",
        got.is_none() && list.len() == 2 && list.iter().all(|r| r.id_hash != dead.id_hash),
        "expired record visible: get {got:?}, list of {}",
        list.len()
    );

    let first = store
        .delete(&a4.id_hash)
        .await
        .map_err(|e| fail("delete_then_gone", e.to_string()))?;
    let second = store
        .delete(&a4.id_hash)
        .await
        .map_err(|e| fail("delete_then_gone", e.to_string()))?;
    let gone = get(store, &a4, now, "delete_then_gone").await?;
    check!(
        "delete_then_gone",
        first && !second && gone.is_none(),
        "delete gave {first} then {second}, get {gone:?}"
    );

    let n = store
        .delete_by_user(&alice)
        .await
        .map_err(|e| fail("delete_by_user_counts", e.to_string()))?;
    let left = store
        .list_by_user(&alice, now, MAX_SESSIONS_PER_USER)
        .await
        .map_err(|e| fail("delete_by_user_counts", e.to_string()))?;
    let bob_left = get(store, &b5, now, "delete_by_user_counts").await?;
    // `dead` may already have been purged lazily by a TTL backend: 1 or 2 records.
    check!(
        "delete_by_user_counts",
        (1..=2).contains(&n) && left.is_empty() && bob_left.is_some(),
        "deleted {n}, left {}, bob's session kept: {}",
        left.len(),
        bob_left.is_some()
    );

    let mut short = record(tag, 7, &bob, now);
    short.absolute_expires_at = now + 2;
    short.idle_expires_at = now + 2;
    store
        .create(&short)
        .await
        .map_err(|e| fail("expire_keeps_live", e.to_string()))?;
    // Optional for stores that expire natively (the default lists nothing), but what it lists
    // must be expired and stored.
    let listed = store
        .expired(now + 3, 64)
        .await
        .map_err(|e| fail("expired_lists_only_expired", e.to_string()))?;
    check!(
        "expired_lists_only_expired",
        listed.iter().all(|r| !r.is_alive(now + 3)) && listed.len() <= 64,
        "listed {} records, some alive at now + 3",
        listed.len()
    );
    store
        .expire(now + 3)
        .await
        .map_err(|e| fail("expire_keeps_live", e.to_string()))?;
    let live = get(store, &b5, now + 3, "expire_keeps_live").await?;
    let expired = get(store, &short, now + 3, "expire_keeps_live").await?;
    check!(
        "expire_keeps_live",
        live.is_some() && expired.is_none(),
        "live kept: {}, expired visible: {}",
        live.is_some(),
        expired.is_some()
    );

    let mut big = record(tag, 8, &bob, now);
    let text = "é€😀\"\\\n".repeat(200);
    big.data = serde_json::json!({ "text": text }).to_string();
    big.client = crate::client::Client::lenient(
        Some("2001:db8::7"),
        Some("Firefox/1 (Linux)"),
        Some("DE"),
        Some("FRA"),
    );
    store
        .create(&big)
        .await
        .map_err(|e| fail("data_roundtrip", e.to_string()))?;
    let got = get(store, &big, now, "data_roundtrip").await?;
    check!(
        "data_roundtrip",
        got.as_ref() == Some(&big),
        "unicode data changed in the store"
    );

    for r in [&b5, &big, &short] {
        let _ = store.delete(&r.id_hash).await;
    }

    // Sign-in's write: the record is created, and the user's other live sessions are given
    // exactly (listed) or as a count that never falls short of them.
    let carol = format!("{tag}-carol");
    let c1 = record(tag, 20, &carol, now);
    let mut gone = record(tag, 21, &carol, now);
    gone.idle_expires_at = now;
    let c3 = record(tag, 22, &carol, now + 1);
    for r in [&c1, &gone] {
        store
            .create(r)
            .await
            .map_err(|e| fail("create_counting_others", e.to_string()))?;
    }
    let others = store
        .create_counting(&c3, now)
        .await
        .map_err(|e| fail("create_counting_others", e.to_string()))?;
    let exact = match &others {
        Others::Listed(list) => list.len() == 1 && list[0].id_hash == c1.id_hash,
        Others::Counted(n) => *n >= 1,
    };
    let stored = get(store, &c3, now, "create_counting_others").await?;
    let again = store.create_counting(&c3, now).await;
    check!(
        "create_counting_others",
        exact && stored.as_ref() == Some(&c3) && matches!(again, Err(StoreError::AlreadyExists)),
        "others {others:?}, stored: {}, second create: {again:?}",
        stored.is_some()
    );
    for r in [&c1, &gone, &c3] {
        let _ = store.delete(&r.id_hash).await;
    }
    // The audit trail needs nothing but the calls above: a sign-out through the shard ops
    // leaves a tombstone the history lists, in a record no list of the user ever shows.
    let carol = format!("{tag}-carol");
    let c = record(tag, 9, &carol, now);
    let policy = crate::policy::Policy::default();
    let h = "history_tombstone_through_the_store";
    let op = |op| crate::shard::execute(store, &policy, op);
    op(crate::shard::ShardOp::SignIn {
        record: c.clone(),
        now,
        ip: None,
        events: false,
    })
    .await
    .map_err(|e| fail(h, format!("sign-in: {e}")))?;
    op(crate::shard::ShardOp::SignOut {
        key: c.id_hash.clone(),
        now: now + 1,
    })
    .await
    .map_err(|e| fail(h, format!("sign-out: {e}")))?;
    let listed = op(crate::shard::ShardOp::History {
        user: carol.clone(),
        now: now + 2,
    })
    .await
    .map_err(|e| fail(h, format!("history: {e}")))?;
    let ok = matches!(&listed, crate::shard::Reply::History { ended }
        if ended.len() == 1 && ended[0].id == c.id_hash
            && ended[0].reason == crate::history::Reason::SignedOut && ended[0].ended_at == now + 1);
    check!(
        "history_tombstone_through_the_store",
        ok,
        "history after one sign-out: {listed:?}"
    );
    let sessions = store
        .list_by_user(&carol, now + 2, MAX_SESSIONS_PER_USER)
        .await
        .map_err(|e| fail(h, e.to_string()))?;
    check!(
        "history_tombstone_through_the_store",
        sessions.is_empty(),
        "the user's list shows {} records",
        sessions.len()
    );
    let _ = store.delete(&crate::history::key(&carol)).await;
    Ok(CHECKS.len())
}
