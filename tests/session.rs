//! The session manager over the memory stores: the whole lifecycle, expiry, placement across
//! ring changes, key rotation, revocation. The store conformance suite is in
//! tests/conformance.rs.

use edge_session::error::SessionError;
use edge_session::ring::{Ring, ShardSpec};
use edge_session::{
    KeyState, Keyring, MemoryShards, NewSession, Policy, Reply, SessionId, SessionManager, Shard,
    ShardOp, ShardRouter,
};
use futures_executor::block_on;

const T0: u64 = 1_800_000_000;

fn keyring(keys: &[(&str, u8, KeyState)]) -> Keyring {
    Keyring::new(
        keys.iter()
            .map(|(k, b, s)| (k.to_string(), vec![*b; 32], *s))
            .collect(),
    )
    .unwrap()
}

fn ring(names: &[&str]) -> Ring {
    let specs: Vec<ShardSpec> = names
        .iter()
        .map(|n| ShardSpec {
            name: n.to_string(),
            weight: 1,
        })
        .collect();
    Ring::new(&specs).unwrap()
}

fn policy() -> Policy {
    Policy {
        idle_timeout: 600,
        absolute_lifetime: 3600,
        touch_interval: 60,
        max_data_bytes: 1024,
        max_sessions_per_user: 8,
        rotation_grace: 0,
        ..Policy::default()
    }
}

fn sid(n: u64) -> SessionId {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&n.to_be_bytes());
    b[15] = 0x5a;
    SessionId::from_bytes(b)
}

fn new(user: &str, data: &str) -> NewSession {
    NewSession {
        user: user.into(),
        device: "test".into(),
        data: data.into(),
        persistent: true,
        client: Default::default(),
    }
}

fn manager(shards: MemoryShards) -> SessionManager<MemoryShards> {
    SessionManager::new(
        keyring(&[("k1", 1, KeyState::Primary)]),
        ring(&["a", "b", "c", "d"]),
        policy(),
        shards,
    )
    .unwrap()
}

#[test]
fn full_lifecycle() {
    let m = manager(MemoryShards::new());
    let issued = block_on(m.create(sid(1), &new("alice", r#"{"cart":[]}"#), T0)).unwrap();
    assert!(issued.token.len() < 160);
    assert_eq!(issued.max_age, Some(3600));
    assert_eq!(issued.record.shard, m.ring().locate(b"alice"));

    let auth = block_on(m.authenticate(&issued.token, T0 + 1)).unwrap();
    assert_eq!(
        (auth.record.user.as_str(), auth.record.version, auth.touched),
        ("alice", 1, false)
    );

    let v2 = block_on(m.update(&issued.token, 1, r#"{"cart":[1]}"#, T0 + 2)).unwrap();
    assert_eq!(v2.version, 2);
    let stale = block_on(m.update(&issued.token, 1, r#"{"cart":[9]}"#, T0 + 3)).unwrap_err();
    assert_eq!(stale, SessionError::Conflict { current_version: 2 });
    assert_eq!(
        block_on(m.authenticate(&issued.token, T0 + 3))
            .unwrap()
            .record
            .data,
        r#"{"cart":[1]}"#
    );

    let rotated = block_on(m.rotate(&issued.token, sid(2), T0 + 4)).unwrap();
    assert_ne!(rotated.token, issued.token);
    assert_eq!(
        block_on(m.authenticate(&issued.token, T0 + 5)).unwrap_err(),
        SessionError::NotFound
    );
    let after = block_on(m.authenticate(&rotated.token, T0 + 5)).unwrap();
    assert_eq!(
        (
            after.record.data.as_str(),
            after.record.version,
            after.record.created_at
        ),
        (r#"{"cart":[1]}"#, 3, T0)
    );
    assert_eq!(
        rotated.max_age,
        Some(3600 - 4),
        "rotation keeps the hard cap"
    );

    block_on(m.destroy(&rotated.token, T0 + 6)).unwrap();
    assert_eq!(
        block_on(m.authenticate(&rotated.token, T0 + 7)).unwrap_err(),
        SessionError::NotFound
    );
    block_on(m.destroy(&rotated.token, T0 + 8)).unwrap(); // idempotent
    assert_eq!(
        block_on(m.authenticate("garbage", T0)).unwrap_err().code(),
        "invalid_token"
    );
}

#[test]
fn remember_me_off_gives_browser_session_cookies_through_rotation() {
    let m = manager(MemoryShards::new());
    let mut n = new("bob", "{}");
    n.persistent = false;
    let issued = block_on(m.create(sid(1), &n, T0)).unwrap();
    assert_eq!(issued.max_age, None);
    let auth = block_on(m.authenticate(&issued.token, T0 + 100)).unwrap();
    assert!(auth.touched && !auth.record.persistent);
    let rotated = block_on(m.rotate(&issued.token, sid(2), T0 + 101)).unwrap();
    assert_eq!(rotated.max_age, None, "the choice is kept in the record");
    let cookie = edge_session::CookieConfig::default()
        .set_cookie_for(&rotated.token, rotated.max_age)
        .unwrap();
    assert!(!cookie.contains("Max-Age") && !cookie.contains("Expires"));
    // Server-side deadlines still apply: idle timeout from the last use.
    let idle = policy().idle_timeout;
    let late = block_on(m.authenticate(&rotated.token, T0 + 101 + idle)).unwrap_err();
    assert_eq!(late.http_status(), 401, "{late}");
}

#[test]
fn freshness_survives_rotation_and_reauthentication_renews_it_without_a_new_id() {
    let m = manager(MemoryShards::new());
    let issued = block_on(m.create(sid(1), &new("carol", "{}"), T0)).unwrap();
    assert_eq!(issued.record.authenticated_at, T0);
    let ok = block_on(m.authenticate_fresh(&issued.token, 300, T0 + 300)).unwrap();
    assert_eq!(ok.record.authenticated_at, T0);
    let rotated = block_on(m.rotate(&issued.token, sid(2), T0 + 310)).unwrap();
    assert_eq!(rotated.record.authenticated_at, T0, "rotation keeps it");
    let stale = block_on(m.authenticate_fresh(&rotated.token, 300, T0 + 320)).unwrap_err();
    assert_eq!(
        stale,
        SessionError::ReauthRequired {
            authenticated_at: T0
        }
    );
    assert_eq!(
        (stale.code(), stale.http_status()),
        ("reauth_required", 401)
    );
    // The session itself is still good for everything else.
    assert!(block_on(m.authenticate(&rotated.token, T0 + 321)).is_ok());
    let re = block_on(m.reauthenticate(&rotated.token, T0 + 330)).unwrap();
    assert_eq!(re.id_hash, rotated.record.id_hash, "same id");
    assert_eq!(re.authenticated_at, T0 + 330);
    assert_eq!(re.version, rotated.record.version + 1);
    let fresh = block_on(m.authenticate_fresh(&rotated.token, 300, T0 + 400)).unwrap();
    assert_eq!(fresh.record.authenticated_at, T0 + 330);
    // A write that read the record before reauthentication is stale.
    let e = block_on(m.update(&rotated.token, rotated.record.version, "{}", T0 + 401)).unwrap_err();
    assert_eq!(e.code(), "version_conflict");
    // Bad input and dead sessions.
    assert_eq!(
        block_on(m.authenticate_fresh(&rotated.token, u64::MAX, T0 + 401))
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    assert_eq!(
        block_on(m.reauthenticate("garbage", T0))
            .unwrap_err()
            .code(),
        "invalid_token"
    );
    block_on(m.destroy(&rotated.token, T0 + 402)).unwrap();
    assert_eq!(
        block_on(m.reauthenticate(&rotated.token, T0 + 403)).unwrap_err(),
        SessionError::NotFound
    );
}

fn graced(shards: MemoryShards) -> SessionManager<MemoryShards> {
    let p = Policy {
        rotation_grace: 30,
        ..policy()
    };
    SessionManager::new(
        keyring(&[("k1", 1, KeyState::Primary), ("k0", 2, KeyState::Verify)]),
        ring(&["a", "b", "c", "d"]),
        p,
        shards,
    )
    .unwrap()
}

#[test]
fn inside_the_grace_window_the_old_token_resolves_to_its_one_successor() {
    let m = graced(MemoryShards::new());
    let issued = block_on(m.create(sid(1), &new("gus", r#"{"n":1}"#), T0)).unwrap();
    let old = issued.token.clone();
    let rotated = block_on(m.rotate(&old, sid(99), T0 + 10)).unwrap();
    assert_ne!(
        rotated.record.id_hash,
        sid(99).storage_key(),
        "the successor id is derived"
    );
    // A second rotation with the old token (a concurrent one, or a tab behind) gives the same
    // successor, not a second one.
    let again = block_on(m.rotate(&old, sid(98), T0 + 11)).unwrap();
    assert_eq!(again.record.id_hash, rotated.record.id_hash);
    assert_eq!(again.record.version, rotated.record.version);
    let auth = block_on(m.authenticate(&old, T0 + 12)).unwrap();
    assert_eq!(auth.record.id_hash, rotated.record.id_hash);
    let succ = auth
        .successor
        .expect("the old token is answered with the successor's");
    assert_eq!(succ.record.id_hash, rotated.record.id_hash);
    let via_succ = block_on(m.authenticate(&succ.token, T0 + 13)).unwrap();
    assert_eq!(via_succ.record.id_hash, rotated.record.id_hash);
    assert!(via_succ.successor.is_none());
    // Lists show the session once, under its current id.
    let list = block_on(m.list_user("gus", T0 + 13)).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id_hash, rotated.record.id_hash);
    // Writes through the old token go to the successor with compare-and-set: a stale version
    // is refused, the current one applies to the successor.
    let stale = block_on(m.update(&old, issued.record.version, "{}", T0 + 14)).unwrap_err();
    assert_eq!(stale.code(), "version_conflict");
    let v = block_on(m.update(&old, rotated.record.version, r#"{"n":2}"#, T0 + 14)).unwrap();
    assert_eq!(v.id_hash, rotated.record.id_hash);
    assert_eq!(
        block_on(m.authenticate(&rotated.token, T0 + 15))
            .unwrap()
            .record
            .data,
        r#"{"n":2}"#
    );
    // A chain: the successor rotates too; the old token follows both hops.
    let second = block_on(m.rotate(&rotated.token, sid(97), T0 + 20)).unwrap();
    let far = block_on(m.authenticate(&old, T0 + 21)).unwrap();
    assert_eq!(far.record.id_hash, second.record.id_hash);
    assert_eq!(far.successor.unwrap().record.id_hash, second.record.id_hash);
    // The window closes 30 s after the first rotation.
    assert_eq!(
        block_on(m.authenticate(&old, T0 + 40)).unwrap_err(),
        SessionError::NotFound
    );
    assert!(block_on(m.authenticate(&second.token, T0 + 40)).is_ok());
}

#[test]
fn the_old_token_never_outlives_sign_out_or_revocation() {
    let m = graced(MemoryShards::new());
    // Sign-out with the new token: the old one is dead at once.
    let a = block_on(m.create(sid(1), &new("hal", "{}"), T0)).unwrap();
    let a2 = block_on(m.rotate(&a.token, sid(2), T0 + 1)).unwrap();
    block_on(m.destroy(&a2.token, T0 + 2)).unwrap();
    assert_eq!(
        block_on(m.authenticate(&a.token, T0 + 3)).unwrap_err(),
        SessionError::NotFound
    );
    assert_eq!(
        block_on(m.rotate(&a.token, sid(3), T0 + 3)).unwrap_err(),
        SessionError::NotFound
    );
    // Sign-out with the old token ends the successor too.
    let b = block_on(m.create(sid(4), &new("hal", "{}"), T0)).unwrap();
    let b2 = block_on(m.rotate(&b.token, sid(5), T0 + 1)).unwrap();
    block_on(m.destroy(&b.token, T0 + 2)).unwrap();
    assert_eq!(
        block_on(m.authenticate(&b2.token, T0 + 3)).unwrap_err(),
        SessionError::NotFound
    );
    assert_eq!(
        block_on(m.authenticate(&b.token, T0 + 3)).unwrap_err(),
        SessionError::NotFound
    );
    // Revoking the listed (current) id, and revoking everything.
    let c = block_on(m.create(sid(6), &new("hal", "{}"), T0)).unwrap();
    let c2 = block_on(m.rotate(&c.token, sid(7), T0 + 1)).unwrap();
    assert!(block_on(m.revoke("hal", &c2.record.id_hash, T0 + 2)).unwrap());
    assert_eq!(
        block_on(m.authenticate(&c.token, T0 + 3)).unwrap_err(),
        SessionError::NotFound
    );
    let d = block_on(m.create(sid(8), &new("hal", "{}"), T0)).unwrap();
    let _d2 = block_on(m.rotate(&d.token, sid(9), T0 + 1)).unwrap();
    assert_eq!(
        block_on(m.revoke_user("hal", T0 + 2)).unwrap(),
        1,
        "d's session; the old records of a, c and d go too, uncounted"
    );
    assert_eq!(
        block_on(m.authenticate(&d.token, T0 + 3)).unwrap_err(),
        SessionError::NotFound
    );
}

#[test]
fn the_successor_is_found_whichever_key_derived_it() {
    let shards = MemoryShards::new();
    let m = graced(shards.clone());
    let a = block_on(m.create(sid(1), &new("ivy", "{}"), T0)).unwrap();
    let a2 = block_on(m.rotate(&a.token, sid(2), T0 + 1)).unwrap();
    // The primary changes inside the window: k0 signs now, k1 (which derived) verifies.
    let m2 = SessionManager::new(
        keyring(&[("k0", 2, KeyState::Primary), ("k1", 1, KeyState::Verify)]),
        ring(&["a", "b", "c", "d"]),
        Policy {
            rotation_grace: 30,
            ..policy()
        },
        shards,
    )
    .unwrap();
    let auth = block_on(m2.authenticate(&a.token, T0 + 2)).unwrap();
    assert_eq!(auth.record.id_hash, a2.record.id_hash);
    assert!(auth.successor.is_some());
}

#[test]
fn idle_expiry_slides_with_use_but_never_past_the_hard_cap() {
    let shards = MemoryShards::new();
    let m = manager(shards);
    let t = block_on(m.create(sid(1), &new("bob", "{}"), T0))
        .unwrap()
        .token;
    // used every 500 s (< idle 600): alive until the absolute cap at T0 + 3600
    let mut now = T0;
    while now + 500 < T0 + 3600 {
        now += 500;
        let a = block_on(m.authenticate(&t, now)).unwrap();
        assert!(
            a.touched,
            "past the touch interval, a read refreshes storage"
        );
    }
    assert_eq!(
        block_on(m.authenticate(&t, T0 + 3600)).unwrap_err().code(),
        "invalid_token",
        "the token itself expires at the cap"
    );
    // an idle session dies after 600 s
    let t2 = block_on(m.create(sid(2), &new("bob", "{}"), T0))
        .unwrap()
        .token;
    assert!(
        !block_on(m.authenticate(&t2, T0 + 30)).unwrap().touched,
        "touch throttled"
    );
    // stores never return an expired record, so an idle-expired session reads as gone (401)
    let e = block_on(m.authenticate(&t2, T0 + 600)).unwrap_err();
    assert_eq!((e.code(), e.http_status()), ("session_not_found", 401));
    assert!(block_on(m.authenticate(&t2, T0 + 599)).is_ok());
}

#[test]
fn sessions_of_a_user_share_a_shard_and_survive_a_ring_change() {
    let shards = MemoryShards::new();
    let m = manager(shards.clone());
    let mut tokens = Vec::new();
    for (i, user) in ["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8"]
        .iter()
        .enumerate()
    {
        for d in 0..3u64 {
            let t = block_on(m.create(sid(100 + i as u64 * 10 + d), &new(user, "{}"), T0)).unwrap();
            assert_eq!(t.record.shard, m.ring().locate(user.as_bytes()));
            tokens.push((user.to_string(), t.token));
        }
    }
    assert!(
        shards.counts().len() >= 3,
        "8 users spread over several shards: {:?}",
        shards.counts()
    );

    // New epoch: add a shard. Old sessions still work, new ones follow the new ring.
    let mut grown = m.ring().clone();
    grown
        .add(ShardSpec {
            name: "e".into(),
            weight: 4,
        })
        .unwrap();
    let m2 = SessionManager::new(m.keyring().clone(), grown, policy(), shards.clone()).unwrap();
    for (_, t) in &tokens {
        block_on(m2.authenticate(t, T0 + 1)).unwrap();
    }
    let moved: Vec<&str> = ["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8"]
        .into_iter()
        .filter(|u| m2.ring().locate(u.as_bytes()) == "e")
        .collect();
    assert!(
        !moved.is_empty(),
        "weight 4 of 8: some user moves to the new shard"
    );
    if let Some(u) = moved.first() {
        let fresh = block_on(m2.create(sid(999), &new(u, "{}"), T0 + 2)).unwrap();
        assert_eq!(fresh.record.shard, "e");
        // listing covers the old epoch's shard too: 3 old + 1 new
        assert_eq!(block_on(m2.list_user(u, T0 + 3)).unwrap().len(), 4);
        assert_eq!(block_on(m2.revoke_user(u, T0 + 3)).unwrap(), 4);
        for (owner, t) in &tokens {
            if owner == u {
                assert_eq!(
                    block_on(m2.authenticate(t, T0 + 4)).unwrap_err(),
                    SessionError::NotFound
                );
            }
        }
    }
}

#[test]
fn a_manager_over_a_snapshot_fans_out_over_the_same_epochs_as_over_the_history() {
    let mut grown = ring(&["a", "b", "c"]);
    for n in ["d", "e", "f", "g"] {
        grown
            .add(ShardSpec {
                name: n.into(),
                weight: 1,
            })
            .unwrap();
    }
    let loaded = Ring::from_json(&grown.snapshot_json().unwrap()).unwrap();
    let over = |r: Ring| {
        SessionManager::new(
            keyring(&[("k1", 1, KeyState::Primary)]),
            r,
            policy(),
            MemoryShards::new(),
        )
        .unwrap()
    };
    let (m1, m2) = (over(grown), over(loaded));
    // The recent epochs are built on first use; checking them first gives the same answers.
    m2.check_history().unwrap();
    let mut fanned_out = 0;
    for i in 0..64 {
        let user = format!("user-{i}");
        let shards = m1.user_shards(&user).unwrap();
        assert_eq!(shards, m2.user_shards(&user).unwrap());
        assert_eq!(shards[0], m1.ring().locate(user.as_bytes()));
        fanned_out += usize::from(shards.len() > 1);
    }
    assert!(fanned_out > 0, "some user moved over the four adds");
}

#[test]
fn key_rotation_logs_nobody_out_until_retirement() {
    let shards = MemoryShards::new();
    let r = ring(&["a", "b"]);
    let m1 = SessionManager::new(
        keyring(&[("k1", 1, KeyState::Primary)]),
        r.clone(),
        policy(),
        shards.clone(),
    )
    .unwrap();
    let old = block_on(m1.create(sid(1), &new("carol", "{}"), T0))
        .unwrap()
        .token;
    let m2 = SessionManager::new(
        keyring(&[("k2", 2, KeyState::Primary), ("k1", 1, KeyState::Verify)]),
        r.clone(),
        policy(),
        shards.clone(),
    )
    .unwrap();
    block_on(m2.authenticate(&old, T0 + 1)).unwrap();
    let fresh = block_on(m2.rotate(&old, sid(2), T0 + 2)).unwrap().token;
    let m3 = SessionManager::new(
        keyring(&[("k2", 2, KeyState::Primary), ("k1", 1, KeyState::Retired)]),
        r,
        policy(),
        shards,
    )
    .unwrap();
    block_on(m3.authenticate(&fresh, T0 + 3)).unwrap();
    let other = block_on(m1.create(sid(3), &new("carol", "{}"), T0))
        .unwrap()
        .token;
    assert_eq!(
        block_on(m3.authenticate(&other, T0 + 3))
            .unwrap_err()
            .code(),
        "invalid_token"
    );
}

#[test]
fn revoke_one_session_by_its_listed_id_hash_only_for_its_owner() {
    let m = manager(MemoryShards::new());
    let a = block_on(m.create(sid(1), &new("dave", "{}"), T0)).unwrap();
    let b = block_on(m.create(sid(2), &new("dave", "{}"), T0)).unwrap();
    let listed = block_on(m.list_user("dave", T0)).unwrap();
    assert_eq!(listed.len(), 2);
    assert!(!block_on(m.revoke("mallory", &a.record.id_hash, T0)).unwrap());
    assert!(block_on(m.revoke("dave", &a.record.id_hash, T0)).unwrap());
    assert_eq!(
        block_on(m.authenticate(&a.token, T0)).unwrap_err(),
        SessionError::NotFound
    );
    block_on(m.authenticate(&b.token, T0)).unwrap();
}

#[test]
fn a_user_holds_at_most_max_sessions_the_least_recently_used_go_first() {
    let m = manager(MemoryShards::new());
    let tokens: Vec<String> = (0..8)
        .map(|i| {
            block_on(m.create(sid(i), &new("erin", "{}"), T0 + i))
                .unwrap()
                .token
        })
        .collect();
    block_on(m.authenticate(&tokens[0], T0 + 100)).unwrap(); // refreshes session 0 (touch interval 60 s)
    let ninth = block_on(m.create(sid(8), &new("erin", "{}"), T0 + 101)).unwrap();
    assert_eq!(block_on(m.list_user("erin", T0 + 101)).unwrap().len(), 8);
    assert_eq!(
        block_on(m.authenticate(&tokens[1], T0 + 102)).unwrap_err(),
        SessionError::NotFound,
        "least recently used ended"
    );
    block_on(m.authenticate(&tokens[0], T0 + 102)).unwrap();
    block_on(m.authenticate(&ninth.token, T0 + 102)).unwrap();
}

#[test]
fn bad_input_is_refused_with_codes() {
    let m = manager(MemoryShards::new());
    let e = block_on(m.create(sid(1), &new("", "{}"), T0)).unwrap_err();
    assert_eq!((e.code(), e.http_status()), ("invalid_input", 400));
    let e = block_on(m.create(
        sid(1),
        &new("x", &format!(r#"{{"a":"{}"}}"#, "b".repeat(2000))),
        T0,
    ))
    .unwrap_err();
    assert_eq!((e.code(), e.http_status()), ("data_too_large", 413));
    let t = block_on(m.create(sid(1), &new("x", "{}"), T0))
        .unwrap()
        .token;
    let e = block_on(m.update(&t, 1, "not json", T0)).unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    let e = block_on(m.create(sid(1), &new("x", "{}"), T0)).unwrap_err();
    assert_eq!(
        e.code(),
        "session_exists",
        "an id collision is refused, never overwritten"
    );
}

/// A router that counts the shard operations it runs, by shard.
#[derive(Clone, Default)]
struct Counting {
    shards: MemoryShards,
    calls: std::rc::Rc<std::cell::RefCell<Vec<String>>>,
}

struct CountingShard {
    name: String,
    store: edge_session::MemoryStore,
    calls: std::rc::Rc<std::cell::RefCell<Vec<String>>>,
}

impl Shard for CountingShard {
    async fn run(&self, policy: &Policy, op: ShardOp) -> Result<Reply, SessionError> {
        self.calls.borrow_mut().push(self.name.clone());
        edge_session::shard::execute(&self.store, policy, op).await
    }
}

impl ShardRouter for Counting {
    type Shard = CountingShard;
    fn shard(&self, name: &str) -> Result<CountingShard, edge_session::StoreError> {
        Ok(CountingShard {
            name: name.to_owned(),
            store: self.shards.shard(name)?,
            calls: self.calls.clone(),
        })
    }
}

#[test]
fn every_route_is_one_shard_call_and_a_bad_token_none() {
    let router = Counting::default();
    let calls = router.calls.clone();
    let m = SessionManager::new(
        keyring(&[("k1", 1, KeyState::Primary)]),
        ring(&["a", "b", "c", "d"]),
        policy(),
        router,
    )
    .unwrap();
    let count = |f: &dyn Fn()| {
        calls.borrow_mut().clear();
        f();
        calls.borrow().len()
    };
    let t = std::cell::RefCell::new(String::new());
    let other = std::cell::RefCell::new(String::new());
    let n = count(&|| {
        *t.borrow_mut() = block_on(m.create(sid(1), &new("zoe", "{}"), T0))
            .unwrap()
            .token
    });
    assert_eq!(n, 1, "sign-in");
    assert_eq!(
        count(&|| drop(block_on(m.authenticate(&t.borrow(), T0 + 100)).unwrap())),
        1
    );
    assert_eq!(
        count(&|| drop(block_on(m.update(&t.borrow(), 1, r#"{"a":1}"#, T0 + 101)).unwrap())),
        1
    );
    assert_eq!(
        count(&|| drop(block_on(m.update(&t.borrow(), 1, "{}", T0 + 102)).unwrap_err())),
        1
    );
    let n = count(&|| {
        let next = block_on(m.rotate(&t.borrow(), sid(2), T0 + 103))
            .unwrap()
            .token;
        *t.borrow_mut() = next;
    });
    assert_eq!(n, 1, "rotate");
    assert_eq!(
        count(&|| drop(block_on(m.authenticate_fresh(&t.borrow(), 1, T0 + 104)).unwrap_err())),
        1,
        "a stale freshness check"
    );
    assert_eq!(
        count(&|| drop(block_on(m.reauthenticate(&t.borrow(), T0 + 104)).unwrap())),
        1,
        "reauthenticate"
    );
    assert_eq!(
        count(&|| drop(block_on(m.authenticate_fresh(&t.borrow(), 1, T0 + 104)).unwrap())),
        1
    );
    assert_eq!(
        count(&|| drop(
            block_on(m.authenticate_fresh(&t.borrow(), u64::MAX, T0 + 104)).unwrap_err()
        )),
        0,
        "an out-of-range max_auth_age reaches no shard"
    );
    *other.borrow_mut() = block_on(m.create(sid(3), &new("zoe", "{}"), T0))
        .unwrap()
        .token;
    let (auth, list) = block_on(m.list_own(&t.borrow(), T0 + 104)).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(
        count(&|| drop(block_on(m.list_own(&t.borrow(), T0 + 104)).unwrap())),
        1
    );
    let theirs = list
        .iter()
        .find(|r| r.id_hash != auth.record.id_hash)
        .unwrap()
        .id_hash
        .clone();
    let n = count(&|| {
        assert!(
            block_on(m.revoke_own(&t.borrow(), &theirs, T0 + 105))
                .unwrap()
                .1
        )
    });
    assert_eq!(n, 1, "revoke one");
    assert_eq!(
        count(&|| block_on(m.destroy(&other.borrow(), T0 + 106)).unwrap()),
        1
    );
    assert_eq!(
        count(&|| assert_eq!(
            block_on(m.revoke_own_user(&t.borrow(), T0 + 107))
                .unwrap()
                .1,
            1
        )),
        1
    );
    // A forged, expired or garbage token never reaches a shard.
    let mut forged = t.borrow().clone().into_bytes();
    forged[10] ^= 1;
    let forged = String::from_utf8(forged).unwrap();
    for bad in ["", "garbage", forged.as_str(), &t.borrow()] {
        let now = if bad == t.borrow().as_str() {
            T0 + 10_000
        } else {
            T0
        };
        assert_eq!(
            count(&|| drop(block_on(m.authenticate(bad, now)).unwrap_err())),
            0,
            "{bad}"
        );
        assert_eq!(
            count(&|| drop(block_on(m.update(bad, 1, "{}", now)).unwrap_err())),
            0
        );
        assert_eq!(
            count(&|| drop(block_on(m.list_own(bad, now)).unwrap_err())),
            0
        );
    }
}

#[test]
fn device_details_are_recorded_and_bound_sessions_refuse_other_devices_counted() {
    use edge_session::Client;
    let laptop = Client::parse(
        Some("203.0.113.7"),
        Some("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"),
        Some("de"),
        Some("FRA"),
    )
    .unwrap();
    let phone = Client::parse(Some("198.51.100.9"), Some("curl/8.11"), None, None).unwrap();
    let shards = MemoryShards::new();
    let p = Policy {
        bind_ip: true,
        bind_ua: true,
        ..policy()
    };
    let m = SessionManager::new(
        keyring(&[("k1", 1, KeyState::Primary)]),
        ring(&["a", "b"]),
        p,
        shards.clone(),
    )
    .unwrap();
    let mut n = new("dora", "{}");
    n.client = laptop.clone();
    let issued = block_on(m.create(sid(1), &n, T0)).unwrap();
    assert_eq!(issued.record.client.agent, "Firefox on Linux");
    assert_eq!(issued.record.client.country, "DE");
    let (_, listed) = block_on(m.with_client(&laptop).list_own(&issued.token, T0 + 1)).unwrap();
    assert_eq!(listed[0].client, laptop, "the list shows the details");

    // From the phone: refused on every token call, nothing written, each refusal counted.
    let from_phone = m.with_client(&phone);
    let e = block_on(from_phone.authenticate(&issued.token, T0 + 100)).unwrap_err();
    assert_eq!((e.code(), e.http_status()), ("device_mismatch", 401));
    assert!(block_on(from_phone.update(&issued.token, 1, r#"{"x":1}"#, T0 + 101)).is_err());
    assert!(block_on(from_phone.rotate(&issued.token, sid(2), T0 + 102)).is_err());
    assert!(block_on(from_phone.revoke_own_user(&issued.token, T0 + 103)).is_err());
    assert_eq!(m.refusals().ip, 4);
    // Same network, another browser: refused by bind_ua.
    let same_net = Client {
        agent: "Chrome on Windows".into(),
        ..laptop.clone()
    };
    assert!(block_on(
        m.with_client(&same_net)
            .authenticate(&issued.token, T0 + 104)
    )
    .is_err());
    assert_eq!((m.refusals().ip, m.refusals().agent), (4, 1));
    // No client given: fail closed.
    assert!(block_on(m.authenticate(&issued.token, T0 + 105)).is_err());
    // The laptop still works, and the session is untouched by the refusals.
    let a = block_on(m.with_client(&laptop).authenticate(&issued.token, T0 + 106)).unwrap();
    assert_eq!((a.record.version, a.record.last_seen), (1, T0 + 106));
    let r = block_on(
        m.with_client(&laptop)
            .rotate(&issued.token, sid(3), T0 + 107),
    )
    .unwrap();
    assert_eq!(r.record.client, laptop, "rotation keeps the details");
}

#[test]
fn every_end_leaves_a_tombstone_with_its_reason_and_revocations_and_new_devices_emit_events() {
    use edge_session::history::{Event, Reason};
    use edge_session::Client;
    use std::cell::RefCell;
    use std::rc::Rc;
    let seen: Rc<RefCell<Vec<Event>>> = Rc::default();
    let sink = seen.clone();
    let p = Policy {
        max_sessions_per_user: 2,
        rotation_grace: 30,
        history_max: 6,
        ..policy()
    };
    let m = SessionManager::new(
        keyring(&[("k1", 1, KeyState::Primary)]),
        ring(&["a", "b"]),
        p,
        MemoryShards::new(),
    )
    .unwrap()
    .on_event(move |e| sink.borrow_mut().push(e.clone()));
    let laptop = Client::lenient(Some("203.0.113.7"), Some("curl/8"), None, None);
    let phone = Client::lenient(Some("198.51.100.9"), Some("Safari/1 (iPhone)"), None, None);
    let signed = |n: u64, c: &Client, at: u64| {
        let mut s = new("ivy", "{}");
        s.client = c.clone();
        block_on(m.create(sid(n), &s, at)).unwrap()
    };
    let kinds = |from: usize| -> Vec<String> {
        seen.borrow()[from..]
            .iter()
            .map(|e| match e {
                Event::NewDevice { .. } => "new_device".to_owned(),
                Event::SessionEnded { ended, .. } => format!("{:?}", ended.reason),
            })
            .collect()
    };
    let a = signed(1, &laptop, T0);
    assert_eq!(kinds(0), ["new_device"]);
    let b = signed(2, &laptop, T0 + 1);
    assert_eq!(kinds(1), Vec::<String>::new(), "a known device");
    let _c = signed(3, &phone, T0 + 2); // evicts a (least recently used)
    assert_eq!(kinds(1), ["new_device", "Evicted"]);
    let b2 = block_on(m.rotate(&b.token, sid(4), T0 + 3)).unwrap();
    block_on(m.destroy(&b2.token, T0 + 4)).unwrap();
    let d = signed(5, &laptop, T0 + 5);
    let list = block_on(m.list_user("ivy", T0 + 6)).unwrap();
    let phone_session = list.iter().find(|r| r.client == phone).unwrap();
    let (_, found) = block_on(m.revoke_own(&d.token, &phone_session.id_hash, T0 + 6)).unwrap();
    assert!(found);
    let e = signed(6, &laptop, T0 + 7);
    let (_, n) = block_on(m.revoke_own_user(&e.token, T0 + 8)).unwrap();
    assert_eq!(n, 2);
    let f = signed(7, &laptop, T0 + 9);
    assert_eq!(block_on(m.revoke_user("ivy", T0 + 10)).unwrap(), 1);
    let _ = (a, f);

    let (reasons, ids): (Vec<Reason>, Vec<_>) = block_on(m.history("ivy", T0 + 11))
        .unwrap()
        .into_iter()
        .map(|e| (e.reason, e.id))
        .unzip();
    assert_eq!(
        reasons,
        [
            Reason::Admin,
            Reason::RevokedAll,
            Reason::RevokedAll,
            Reason::Revoked,
            Reason::SignedOut,
            Reason::Rotated,
        ],
        "newest first, at most history_max (the evicted one is the seventh)"
    );
    assert_eq!(
        ids[4], b2.record.id_hash,
        "the signed-out id is the successor's"
    );
    assert_eq!(ids[5], b.record.id_hash, "the rotated id is the old one");
    // Rotation and expiry emit no event; every other end does.
    assert!(!kinds(0).iter().any(|k| k == "Rotated"));
    assert_eq!(kinds(0).iter().filter(|k| *k == "RevokedAll").count(), 2);
    // The history record is nobody's session: not listed, not counted, not revocable.
    assert!(block_on(m.list_user("ivy", T0 + 11)).unwrap().is_empty());
    let h = edge_session::history::key("ivy");
    assert!(!block_on(m.revoke("ivy", &h, T0 + 11)).unwrap());
    assert_eq!(block_on(m.history("ivy", T0 + 11)).unwrap().len(), 6);
    // Kept for history_days only.
    let later = T0 + 11 + 30 * 86_400;
    assert!(block_on(m.history("ivy", later)).unwrap().is_empty());
}

#[test]
fn expiry_leaves_expired_tombstones_where_the_store_lists_what_it_purges() {
    use edge_session::history::Reason;
    let shards = MemoryShards::new();
    let m = manager(shards.clone());
    let s = block_on(m.create(sid(1), &new("jo", "{}"), T0)).unwrap();
    let shard = shards.shard(&s.record.shard).unwrap();
    let at = T0 + 601; // past the idle timeout
    let reply = block_on(Shard::run(&shard, m.policy(), ShardOp::Expire { now: at })).unwrap();
    assert_eq!(reply, Reply::Count { n: 1 });
    let h = block_on(m.history("jo", at)).unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!((h[0].reason, h[0].ended_at), (Reason::Expired, T0 + 600));
}
