//! The session record and its lifecycle, as pure functions of (record, policy, now).
//!
//! Nothing here touches storage, a clock or an RNG: the caller passes `now` (unix seconds) and
//! fresh [`SessionId`]s, and writes whatever record these functions return. The
//! [`crate::manager::SessionManager`] strings them together over a store.
//!
//! Expiry: a session is alive while `now < idle_expires_at` and `now < absolute_expires_at`.
//! Every use slides the idle deadline to `now + idle_timeout`, never past the absolute one.
//! Storage is refreshed by reads at most every `touch_interval` ([`touch`]); writes
//! ([`update`], [`rotate`]) always refresh it.

use crate::client::{same_network, Client};
use crate::error::{Bound, SessionError};
use crate::id::{IdHash, SessionId};
use crate::limits::{MAX_AUTH_AGE, MAX_DEVICE_LEN, MAX_USER_LEN};
use crate::policy::Policy;
pub use crate::record::SessionRecord;
use crate::token::Claims;

/// What a sign-in provides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSession {
    /// User id: 1..=128 bytes, no control characters.
    pub user: String,
    /// Device label: 0..=64 bytes, no control characters.
    pub device: String,
    /// Initial data: a JSON object as text, at most `policy.max_data_bytes`.
    pub data: String,
    /// "Remember me": `true` gives a cookie that lives until the session's hard cap, `false`
    /// a browser-session cookie (no `Max-Age`). Kept in the record, so rotation keeps it.
    pub persistent: bool,
    /// Where the sign-in came from (IP, browser and OS, country, colo): shown in the session
    /// list and compared by `bind_ip` / `bind_ua`. Empty when unknown.
    pub client: Client,
}

impl NewSession {
    /// A persistent session of `user` with no device label and empty data (`{}`).
    pub fn for_user(user: impl Into<String>) -> NewSession {
        NewSession {
            user: user.into(),
            device: String::new(),
            data: "{}".to_owned(),
            persistent: true,
            client: Client::default(),
        }
    }
}

/// Where a session is placed: the shard and the ring epoch that chose it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    /// Shard name.
    pub shard: String,
    /// Ring epoch.
    pub epoch: u32,
}

/// Checks a user id.
pub fn validate_user(user: &str) -> Result<(), SessionError> {
    if user.is_empty() || user.len() > MAX_USER_LEN || user.chars().any(char::is_control) {
        return Err(SessionError::invalid(
            "user must be 1..=128 bytes without control characters",
        ));
    }
    Ok(())
}

fn validate_device(device: &str) -> Result<(), SessionError> {
    if device.len() > MAX_DEVICE_LEN || device.chars().any(char::is_control) {
        return Err(SessionError::invalid(
            "device must be at most 64 bytes without control characters",
        ));
    }
    Ok(())
}

/// Checks session data: at most `max_data_bytes`, and a JSON object.
pub fn validate_data(policy: &Policy, data: &str) -> Result<(), SessionError> {
    if data.len() > policy.max_data_bytes {
        return Err(SessionError::DataTooLarge {
            limit: policy.max_data_bytes,
        });
    }
    // An object is JSON that opens with `{` after JSON whitespace; the parse checks the rest
    // without building anything.
    let object = data
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .starts_with('{');
    match serde_json::from_str::<serde::de::IgnoredAny>(data) {
        Ok(_) if object => Ok(()),
        _ => Err(SessionError::invalid("data must be a JSON object")),
    }
}

/// The token claims for a record (stateful token: no payload; it expires with the hard cap).
pub fn claims_for(record: &SessionRecord, id: &SessionId, now: u64) -> Claims {
    Claims {
        session_id: id.clone(),
        shard: record.shard.clone(),
        epoch: record.epoch,
        issued_at: now,
        expires_at: record.absolute_expires_at,
        payload: Vec::new(),
    }
}

/// Seconds a cookie for this record should live (until the hard cap).
pub fn cookie_max_age(record: &SessionRecord, now: u64) -> u64 {
    record.absolute_expires_at.saturating_sub(now)
}

/// The cookie's `Max-Age` for this record: until the hard cap for a persistent session, none
/// (a browser-session cookie) otherwise.
pub fn cookie_lifetime(record: &SessionRecord, now: u64) -> Option<u64> {
    record.persistent.then(|| cookie_max_age(record, now))
}

/// A new session's record for `id`, placed at `placement`.
pub fn create(
    policy: &Policy,
    id: &SessionId,
    new: &NewSession,
    placement: &Placement,
    now: u64,
) -> Result<SessionRecord, SessionError> {
    validate_user(&new.user)?;
    validate_device(&new.device)?;
    validate_data(policy, &new.data)?;
    new.client.validate()?;
    let absolute = now.saturating_add(policy.absolute_lifetime);
    Ok(SessionRecord {
        id_hash: id.storage_key(),
        user: new.user.clone(),
        device: new.device.clone(),
        data: new.data.clone(),
        version: 1,
        created_at: now,
        last_seen: now,
        idle_expires_at: now.saturating_add(policy.idle_timeout).min(absolute),
        absolute_expires_at: absolute,
        shard: placement.shard.clone(),
        epoch: placement.epoch,
        persistent: new.persistent,
        authenticated_at: now,
        successor: None,
        client: new.client.clone(),
    })
}

/// Checks the policy's device binding: with `bind_ip`, a request from another network than
/// the sign-in's ([`same_network`]); with `bind_ua`, one from another browser or OS, is
/// [`SessionError::DeviceMismatch`]. A detail the sign-in did not record binds nothing; one
/// the request lacks (a caller that did not pass it) differs.
pub fn check_bound(
    policy: &Policy,
    record: &SessionRecord,
    seen: &Client,
) -> Result<(), SessionError> {
    let recorded = &record.client;
    if policy.bind_ip && !recorded.ip.is_empty() && !same_network(&recorded.ip, &seen.ip) {
        return Err(SessionError::DeviceMismatch { bound: Bound::Ip });
    }
    if policy.bind_ua && !recorded.agent.is_empty() && recorded.agent != seen.agent {
        return Err(SessionError::DeviceMismatch {
            bound: Bound::Agent,
        });
    }
    Ok(())
}

/// The sessions to end before a user with `live` sessions signs in once more, so that at
/// most `policy.max_sessions_per_user` remain: the least recently used first.
pub fn sessions_to_evict(policy: &Policy, live: &[SessionRecord]) -> Vec<IdHash> {
    let keep = policy.max_sessions_per_user.saturating_sub(1);
    // Old records of a rotation (in their grace window) are not sessions of their own.
    let mut by_use: Vec<&SessionRecord> = live.iter().filter(|r| r.successor.is_none()).collect();
    if by_use.len() <= keep {
        return Vec::new();
    }
    crate::sort::sort_by_key(&mut by_use, |r| (r.last_seen, r.created_at, &r.id_hash));
    let excess = by_use.len() - keep;
    by_use
        .iter()
        .take(excess)
        .map(|r| r.id_hash.clone())
        .collect()
}

/// Checks that a loaded record is alive at `now` (and is the one the token names).
pub fn check_alive(record: &SessionRecord, key: &IdHash, now: u64) -> Result<(), SessionError> {
    if record.id_hash != *key {
        return Err(SessionError::NotFound);
    }
    if !record.is_alive(now) {
        return Err(SessionError::Expired);
    }
    Ok(())
}

/// The refreshed record if a read at `now` should write `last_seen` back, `None` if the last
/// write is recent enough (touch throttling). Never moves the idle deadline past the hard cap.
pub fn touch(policy: &Policy, record: &SessionRecord, now: u64) -> Option<SessionRecord> {
    if now < record.last_seen.saturating_add(policy.touch_interval) {
        return None;
    }
    let mut next = record.clone();
    slide(policy, &mut next, now);
    Some(next)
}

fn slide(policy: &Policy, record: &mut SessionRecord, now: u64) {
    record.last_seen = record.last_seen.max(now);
    record.idle_expires_at = now
        .saturating_add(policy.idle_timeout)
        .min(record.absolute_expires_at)
        .max(record.idle_expires_at.min(record.absolute_expires_at));
}

/// Checks a freshness demand: `max_auth_age` seconds at most ([`MAX_AUTH_AGE`]).
pub fn validate_max_auth_age(max_auth_age: u64) -> Result<(), SessionError> {
    if max_auth_age > MAX_AUTH_AGE {
        return Err(SessionError::invalid(
            "max_auth_age must be 0 ..= 315360000 seconds",
        ));
    }
    Ok(())
}

/// Whether the user authenticated at most `max_auth_age` seconds before `now`; otherwise
/// [`SessionError::ReauthRequired`]. A clock that went back counts as fresh.
pub fn check_fresh(
    record: &SessionRecord,
    max_auth_age: u64,
    now: u64,
) -> Result<(), SessionError> {
    validate_max_auth_age(max_auth_age)?;
    if now.saturating_sub(record.authenticated_at) > max_auth_age {
        return Err(SessionError::ReauthRequired {
            authenticated_at: record.authenticated_at,
        });
    }
    Ok(())
}

/// The record after the user proved who they are again at `now`: `authenticated_at` moves to
/// `now` (never back), same id, version bumped (a write that read the old record is stale).
pub fn reauthenticate(policy: &Policy, record: &SessionRecord, now: u64) -> SessionRecord {
    let mut next = record.clone();
    next.authenticated_at = record.authenticated_at.max(now);
    next.version = record.version.saturating_add(1);
    slide(policy, &mut next, now);
    next
}

/// The record after replacing its data, if `expected_version` is the current one.
/// A stale version is a [`SessionError::Conflict`] carrying the current version.
pub fn update(
    policy: &Policy,
    record: &SessionRecord,
    expected_version: u64,
    data: &str,
    now: u64,
) -> Result<SessionRecord, SessionError> {
    if record.version != expected_version {
        return Err(SessionError::Conflict {
            current_version: record.version,
        });
    }
    validate_data(policy, data)?;
    let mut next = record.clone();
    next.data = data.to_owned();
    next.version = record.version.saturating_add(1);
    slide(policy, &mut next, now);
    Ok(next)
}

/// The record under a fresh id (given by its storage key): same data, user, creation time and
/// hard cap; version bumped. The caller stores it in place of the old one atomically
/// (`SessionStore::replace`), which kills the old id (session fixation defence).
pub fn rotate(
    policy: &Policy,
    record: &SessionRecord,
    new_key: &IdHash,
    now: u64,
) -> Result<SessionRecord, SessionError> {
    if *new_key == record.id_hash {
        return Err(SessionError::invalid("rotation needs a fresh session id"));
    }
    let mut next = record.clone();
    next.id_hash = new_key.clone();
    next.version = record.version.saturating_add(1);
    slide(policy, &mut next, now);
    Ok(next)
}

/// The old record of a rotation inside the grace window: it points at `successor`, is bumped
/// one version (a writer that read it is stale) and lives `policy.rotation_grace` seconds
/// more at most (never past its own deadlines). `None` when the policy has no grace window.
pub fn forward(
    policy: &Policy,
    record: &SessionRecord,
    successor: &IdHash,
    now: u64,
) -> Option<SessionRecord> {
    if policy.rotation_grace == 0 {
        return None;
    }
    let mut old = record.clone();
    old.successor = Some(successor.clone());
    old.version = record.version.saturating_add(1);
    old.idle_expires_at = now
        .saturating_add(policy.rotation_grace)
        .min(record.expires_at());
    Some(old)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy {
            idle_timeout: 100,
            absolute_lifetime: 250,
            touch_interval: 10,
            max_data_bytes: 64,
            max_sessions_per_user: 3,
            rotation_grace: 0,
            ..Policy::default()
        }
    }

    fn new_session() -> NewSession {
        NewSession {
            user: "alice".into(),
            device: "laptop".into(),
            data: r#"{"n":1}"#.into(),
            persistent: true,
            client: Client::default(),
        }
    }

    fn place() -> Placement {
        Placement {
            shard: "s1".into(),
            epoch: 3,
        }
    }

    fn id(b: u8) -> SessionId {
        SessionId::from_bytes([b; 16])
    }

    #[test]
    fn create_sets_deadlines_and_version_one() {
        let r = create(&policy(), &id(1), &new_session(), &place(), 1000).unwrap();
        assert_eq!((r.version, r.created_at, r.last_seen), (1, 1000, 1000));
        assert_eq!((r.idle_expires_at, r.absolute_expires_at), (1100, 1250));
        assert_eq!(r.id_hash, id(1).storage_key());
        assert!(r.is_alive(1099) && !r.is_alive(1100));
    }

    #[test]
    fn create_refuses_bad_input() {
        let p = policy();
        let mut n = new_session();
        n.user = String::new();
        assert_eq!(
            create(&p, &id(1), &n, &place(), 0).unwrap_err().code(),
            "invalid_input"
        );
        n = new_session();
        n.user = "a\nb".into();
        assert!(create(&p, &id(1), &n, &place(), 0).is_err());
        n = new_session();
        n.data = "[1]".into();
        assert_eq!(
            create(&p, &id(1), &n, &place(), 0).unwrap_err().code(),
            "invalid_input"
        );
        n.data = format!(r#"{{"x":"{}"}}"#, "y".repeat(64));
        assert_eq!(
            create(&p, &id(1), &n, &place(), 0).unwrap_err().code(),
            "data_too_large"
        );
    }

    #[test]
    fn data_must_be_one_json_object() {
        let p = Policy {
            max_data_bytes: 4096,
            ..policy()
        };
        // Nesting is bounded by the size alone: the check walks the text without recursion,
        // so even the deepest object that fits is checked without exhausting the stack.
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(2040), "]".repeat(2040));
        for ok in [
            "{}",
            " \n\t{\"a\":[1,{\"b\":null}]} ",
            r#"{"a":"\u00e9\"x"}"#,
            deep.as_str(),
        ] {
            assert!(validate_data(&p, ok).is_ok(), "{ok:?}");
        }
        let unclosed = format!("{{\"a\":{}", "[".repeat(4000));
        for bad in [
            "",
            "[1]",
            "null",
            "\"{}\"",
            "{",
            "{}x",
            "{} {}",
            "{'a':1}",
            "\u{a0}{}",
            "{\"a\":1,}",
            unclosed.as_str(),
        ] {
            let e = validate_data(&p, bad).unwrap_err();
            assert_eq!(e.code(), "invalid_input", "{bad:?}");
        }
    }
    #[test]
    fn touch_is_throttled_and_slides_but_never_past_the_cap() {
        let p = policy();
        let r = create(&p, &id(1), &new_session(), &place(), 1000).unwrap();
        assert_eq!(touch(&p, &r, 1009), None, "inside the touch interval");
        let t = touch(&p, &r, 1010).unwrap();
        assert_eq!((t.last_seen, t.idle_expires_at, t.version), (1010, 1110, 1));
        let late = touch(&p, &t, 1200).unwrap();
        assert_eq!(
            late.idle_expires_at, 1250,
            "capped by the absolute deadline"
        );
        assert!(!late.is_alive(1250));
    }

    #[test]
    fn update_needs_the_current_version() {
        let p = policy();
        let r = create(&p, &id(1), &new_session(), &place(), 1000).unwrap();
        let u = update(&p, &r, 1, r#"{"n":2}"#, 1005).unwrap();
        assert_eq!(
            (u.version, u.data.as_str(), u.last_seen),
            (2, r#"{"n":2}"#, 1005)
        );
        let e = update(&p, &u, 1, r#"{"n":3}"#, 1006).unwrap_err();
        assert_eq!(e, SessionError::Conflict { current_version: 2 });
        assert_eq!(e.http_status(), 412);
    }

    #[test]
    fn rotate_keeps_data_and_cap_and_changes_the_key() {
        let p = policy();
        let r = create(&p, &id(1), &new_session(), &place(), 1000).unwrap();
        let n = rotate(&p, &r, &id(2).storage_key(), 1100).unwrap();
        assert_eq!(n.id_hash, id(2).storage_key());
        assert_ne!(n.id_hash, r.id_hash);
        assert_eq!(
            (n.data.as_str(), n.created_at, n.absolute_expires_at),
            (r.data.as_str(), 1000, 1250)
        );
        assert_eq!(n.version, 2);
        assert!(rotate(&p, &r, &id(1).storage_key(), 1100).is_err());
        assert_eq!(
            check_alive(&n, &id(1).storage_key(), 1100),
            Err(SessionError::NotFound)
        );
        assert_eq!(check_alive(&n, &id(2).storage_key(), 1100), Ok(()));
    }

    #[test]
    fn eviction_keeps_room_for_one_more_and_drops_the_least_recently_used() {
        let p = policy();
        let mut live: Vec<SessionRecord> = (1..=2u8)
            .map(|i| create(&p, &id(i), &new_session(), &place(), 1000 + u64::from(i)).unwrap())
            .collect();
        assert!(
            sessions_to_evict(&p, &live).is_empty(),
            "2 live + 1 new = 3 = the limit"
        );
        live.push(create(&p, &id(3), &new_session(), &place(), 900).unwrap());
        live[0].last_seen = 2000; // id(1) was used recently
        let out = sessions_to_evict(&p, &live);
        assert_eq!(out, vec![id(3).storage_key()]);
        live.push(create(&p, &id(4), &new_session(), &place(), 950).unwrap());
        assert_eq!(
            sessions_to_evict(&p, &live),
            vec![id(3).storage_key(), id(4).storage_key()]
        );
    }

    #[test]
    fn expired_records_are_refused() {
        let p = policy();
        let r = create(&p, &id(1), &new_session(), &place(), 1000).unwrap();
        assert_eq!(
            check_alive(&r, &id(1).storage_key(), 1100),
            Err(SessionError::Expired)
        );
        assert_eq!(cookie_max_age(&r, 1000), 250);
        assert_eq!(cookie_max_age(&r, 2000), 0);
        assert_eq!(cookie_lifetime(&r, 1000), Some(250));
    }

    #[test]
    fn freshness_is_kept_through_rotation_and_renewed_by_reauthentication() {
        let p = policy();
        let r = create(&p, &id(1), &new_session(), &place(), 1000).unwrap();
        assert_eq!((r.created_at, r.authenticated_at), (1000, 1000));
        assert_eq!(check_fresh(&r, 30, 1030), Ok(()));
        assert_eq!(
            check_fresh(&r, 30, 1031),
            Err(SessionError::ReauthRequired {
                authenticated_at: 1000
            })
        );
        assert_eq!(check_fresh(&r, 0, 1000), Ok(()));
        assert_eq!(check_fresh(&r, 5, 900), Ok(()), "a clock that went back");
        assert_eq!(
            check_fresh(&r, MAX_AUTH_AGE + 1, 1000).unwrap_err().code(),
            "invalid_input"
        );
        let rot = rotate(&p, &r, &id(2).storage_key(), 1040).unwrap();
        assert_eq!(rot.authenticated_at, 1000, "rotation keeps it");
        let re = reauthenticate(&p, &rot, 1050);
        assert_eq!(
            (
                re.id_hash.clone(),
                re.authenticated_at,
                re.version,
                re.last_seen
            ),
            (rot.id_hash.clone(), 1050, rot.version + 1, 1050)
        );
        assert_eq!((re.created_at, re.absolute_expires_at), (1000, 1250));
        assert_eq!(check_fresh(&re, 30, 1080), Ok(()));
        assert_eq!(reauthenticate(&p, &re, 1049).authenticated_at, 1050);
        let e = check_fresh(&re, 1, 1100).unwrap_err();
        assert_eq!(
            (e.code(), e.http_status(), e.ends_session()),
            ("reauth_required", 401, false)
        );
    }

    #[test]
    fn forwarding_lives_for_the_grace_window_only_and_is_never_evicted_or_counted() {
        let mut p = policy();
        assert_eq!(
            forward(
                &p,
                &create(&p, &id(1), &new_session(), &place(), 1000).unwrap(),
                &id(2).storage_key(),
                1000
            ),
            None
        );
        p.rotation_grace = 30;
        let r = create(&p, &id(1), &new_session(), &place(), 1000).unwrap();
        let f = forward(&p, &r, &id(2).storage_key(), 1010).unwrap();
        assert_eq!(f.successor, Some(id(2).storage_key()));
        assert_eq!(
            (f.version, f.idle_expires_at, f.id_hash.clone()),
            (2, 1040, r.id_hash.clone())
        );
        assert!(f.is_alive(1039) && !f.is_alive(1040));
        // Near the hard cap the window is shorter, never longer.
        let late = forward(&p, &r, &id(2).storage_key(), 1090).unwrap();
        assert_eq!(late.idle_expires_at, 1100);
        p.max_sessions_per_user = 1;
        assert!(sessions_to_evict(&p, std::slice::from_ref(&f)).is_empty());
        assert_eq!(sessions_to_evict(&p, &[f, r.clone()]), vec![r.id_hash]);
    }

    #[test]
    fn binding_refuses_another_network_or_browser_and_only_when_asked() {
        let mut p = policy();
        let mut n = new_session();
        n.client = Client::lenient(Some("203.0.113.7"), Some("curl/8"), Some("DE"), None);
        let r = create(&p, &id(1), &n, &place(), 1000).unwrap();
        let rot = rotate(&p, &r, &id(2).storage_key(), 1010).unwrap();
        assert_eq!(rot.client, n.client, "rotation keeps the details");
        let elsewhere =
            Client::lenient(Some("198.51.100.1"), Some("Firefox/1 (Linux)"), None, None);
        assert_eq!(
            check_bound(&p, &r, &elsewhere),
            Ok(()),
            "not bound by default"
        );
        p.bind_ip = true;
        let e = check_bound(&p, &r, &elsewhere).unwrap_err();
        assert_eq!(
            (e.code(), e.http_status(), e.ends_session()),
            ("device_mismatch", 401, true)
        );
        assert_eq!(check_bound(&p, &r, &n.client), Ok(()));
        assert!(
            check_bound(&p, &r, &Client::default()).is_err(),
            "unknown is another network"
        );
        p.bind_ip = false;
        p.bind_ua = true;
        let same_net = Client {
            agent: "Firefox on Linux".into(),
            ..n.client.clone()
        };
        assert_eq!(
            check_bound(&p, &r, &same_net),
            Err(SessionError::DeviceMismatch {
                bound: Bound::Agent
            })
        );
        // Nothing recorded binds nothing (records from before device details).
        let old = create(&p, &id(3), &new_session(), &place(), 1000).unwrap();
        p.bind_ip = true;
        assert_eq!(check_bound(&p, &old, &elsewhere), Ok(()));
        let mut bad = new_session();
        bad.client.country = "germany".into();
        assert_eq!(
            create(&p, &id(4), &bad, &place(), 1000).unwrap_err().code(),
            "invalid_input"
        );
    }

    #[test]
    fn remember_me_off_survives_rotation_and_touch() {
        let p = policy();
        let mut n = new_session();
        n.persistent = false;
        let r = create(&p, &id(1), &n, &place(), 1000).unwrap();
        assert_eq!(cookie_lifetime(&r, 1000), None);
        let t = touch(&p, &r, 1050).unwrap();
        let rot = rotate(&p, &t, &id(2).storage_key(), 1060).unwrap();
        assert!(!rot.persistent);
        assert_eq!(cookie_lifetime(&rot, 1060), None);
        // The server-side deadlines still apply.
        assert_eq!(rot.absolute_expires_at, 1250);
        assert!(!rot.is_alive(1250));
    }
}
