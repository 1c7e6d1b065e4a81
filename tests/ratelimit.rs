//! Sign-in rate limits through the manager over memory shards: a burst past the limit is
//! refused with `rate_limited` and a Retry-After, the bucket refills with time, other users and
//! other IPs are unaffected, a refused sign-in charges no bucket, and limits can be turned off.

use edge_session::error::SessionError;
use edge_session::ring::{Ring, ShardSpec};
use edge_session::{
    KeyState, Keyring, MemoryShards, NewSession, Policy, SessionId, SessionManager,
};
use futures_executor::block_on;

const T0: u64 = 1_767_225_600;

fn manager(policy: Policy) -> SessionManager<MemoryShards> {
    let keys = Keyring::new(vec![("k1".into(), vec![7; 32], KeyState::Primary)]).unwrap();
    let specs: Vec<ShardSpec> = ["a", "b", "c"]
        .iter()
        .map(|n| ShardSpec {
            name: (*n).into(),
            weight: 1,
        })
        .collect();
    SessionManager::new(
        keys,
        Ring::new(&specs).unwrap(),
        policy,
        MemoryShards::new(),
    )
    .unwrap()
}

fn limited(user: u64, ip: u64) -> Policy {
    Policy {
        signin_user_burst: user,
        signin_user_refill: 10,
        signin_ip_burst: ip,
        signin_ip_refill: 5,
        max_sessions_per_user: 256,
        ..Policy::default()
    }
}

fn sign_in(
    m: &SessionManager<MemoryShards>,
    user: &str,
    ip: Option<&str>,
    now: u64,
) -> Result<(), SessionError> {
    let id = SessionId::random().unwrap();
    block_on(m.create_from(id, &NewSession::for_user(user), ip, now)).map(|_| ())
}

#[test]
fn a_burst_past_the_user_limit_is_refused_then_the_bucket_refills() {
    let m = manager(limited(3, 0));
    for _ in 0..3 {
        sign_in(&m, "alice", None, T0).unwrap();
    }
    let e = sign_in(&m, "alice", None, T0 + 4).unwrap_err();
    assert_eq!((e.code(), e.http_status()), ("rate_limited", 429));
    assert_eq!(e.retry_after(), Some(6));
    assert_eq!(e.to_string(), "too many sign-ins: retry after 6 s");
    // Another user on whatever shard is not affected.
    sign_in(&m, "bob", None, T0 + 4).unwrap();
    // One token comes back after one refill interval, and only one.
    sign_in(&m, "alice", None, T0 + 10).unwrap();
    assert_eq!(
        sign_in(&m, "alice", None, T0 + 10)
            .unwrap_err()
            .retry_after(),
        Some(10)
    );
    // A long pause refills the whole burst.
    for _ in 0..3 {
        sign_in(&m, "alice", None, T0 + 1_000).unwrap();
    }
    assert!(sign_in(&m, "alice", None, T0 + 1_000).is_err());
}

#[test]
fn the_ip_bucket_counts_every_user_of_one_ip_on_the_users_shard() {
    let m = manager(limited(0, 2));
    // Two users on one shard: find a pair the ring puts together.
    let users: Vec<String> = (0..50).map(|i| format!("u{i}")).collect();
    let shard = |u: &str| m.ring().locate(u.as_bytes()).to_owned();
    let first = &users[0];
    let mate = users[1..]
        .iter()
        .find(|u| shard(u) == shard(first))
        .unwrap();
    sign_in(&m, first, Some("203.0.113.9"), T0).unwrap();
    sign_in(&m, mate, Some("203.0.113.9"), T0).unwrap();
    let e = sign_in(&m, first, Some("203.0.113.9"), T0).unwrap_err();
    assert_eq!((e.code(), e.retry_after()), ("rate_limited", Some(5)));
    // Another IP, and the same user without an IP, are not limited by this bucket.
    sign_in(&m, first, Some("2001:db8::1"), T0).unwrap();
    sign_in(&m, first, None, T0).unwrap();
    sign_in(&m, first, Some("203.0.113.9"), T0 + 5).unwrap();
    // Not an IP: invalid_input, before any bucket is touched.
    for bad in ["", "1.2.3.4, 5.6.7.8", &"a".repeat(46)] {
        let e = sign_in(&m, first, Some(bad), T0).unwrap_err();
        assert_eq!(e.code(), "invalid_input", "{bad:?}");
    }
}

#[test]
fn a_refused_sign_in_charges_neither_bucket() {
    let m = manager(limited(1, 5));
    sign_in(&m, "carol", Some("198.51.100.7"), T0).unwrap();
    // carol's bucket is empty: refused four times, the IP's bucket keeps its 4 tokens.
    for _ in 0..4 {
        assert!(sign_in(&m, "carol", Some("198.51.100.7"), T0).is_err());
    }
    let users: Vec<String> = (0..200).map(|i| format!("v{i}")).collect();
    let here = m.ring().locate(b"carol").to_owned();
    let mates: Vec<&String> = users
        .iter()
        .filter(|u| m.ring().locate(u.as_bytes()) == here)
        .collect();
    assert!(mates.len() >= 5);
    for u in &mates[..4] {
        sign_in(&m, u, Some("198.51.100.7"), T0).unwrap();
    }
    assert_eq!(
        sign_in(&m, mates[4], Some("198.51.100.7"), T0)
            .unwrap_err()
            .code(),
        "rate_limited"
    );
}

#[test]
fn burst_zero_turns_a_limit_off_and_the_defaults_are_on() {
    let m = manager(limited(0, 0));
    for _ in 0..300 {
        sign_in(&m, "dave", Some("192.0.2.1"), T0).unwrap();
    }
    let d = Policy::default();
    assert_eq!((d.signin_user_burst, d.signin_user_refill), (20, 15));
    assert_eq!((d.signin_ip_burst, d.signin_ip_refill), (100, 1));
    let m = manager(Policy::default());
    let ok = (0..25)
        .filter(|_| sign_in(&m, "erin", None, T0).is_ok())
        .count();
    assert_eq!(ok, 20);
}
