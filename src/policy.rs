//! Session policy: the timeouts and bounds every lifecycle decision is made against.

use serde::{Deserialize, Serialize};

use crate::limits::{
    MAX_DATA_BYTES_LIMIT, MAX_DURATION, MAX_HISTORY_DAYS, MAX_HISTORY_PER_USER, MAX_POLICY_JSON,
    MAX_ROTATION_GRACE, MAX_SESSIONS_PER_USER,
};
use crate::ratelimit::{Limit, MAX_BURST, MAX_REFILL};

/// How long sessions live and how often storage is refreshed. All durations are seconds.
///
/// Defaults: idle timeout 30 min (sliding), absolute lifetime 12 h (a hard cap sliding never
/// passes), touch interval 60 s (at most one storage write per session per minute for reads,
/// which also respects Workers KV's one write per second per key), data up to 4 KiB, at most
/// 32 sessions per user, rotation grace 30 s, sign-in rate limits of 20 per user (one more every
/// 15 s) and 100 per client IP (one more every second) on each shard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// A session unused for this long expires (sliding window).
    pub idle_timeout: u64,
    /// A session expires this long after creation, however active (rotation keeps the cap).
    pub absolute_lifetime: u64,
    /// Reads refresh `last_seen` in storage at most this often.
    pub touch_interval: u64,
    /// Largest accepted session data (JSON text), in bytes.
    pub max_data_bytes: usize,
    /// Most live sessions one user may hold; a sign-in beyond it ends the least recently
    /// used ones (bounds storage per user).
    pub max_sessions_per_user: usize,
    /// For this long after a rotation the old token still authenticates and resolves to its
    /// successor (0 ..= 300 s; 0: the old token dies at once). Requests in flight with the old
    /// cookie then succeed, and the answer carries the successor's cookie.
    pub rotation_grace: u64,
    /// Sign-ins one user may make in a burst (0: no per-user limit); see [`crate::ratelimit`].
    pub signin_user_burst: u64,
    /// Seconds until a user's bucket gains one more sign-in (1 ..= 86400).
    pub signin_user_refill: u64,
    /// Sign-ins one client IP may make in a burst on one shard (0: no per-IP limit).
    pub signin_ip_burst: u64,
    /// Seconds until an IP's bucket gains one more sign-in (1 ..= 86400).
    pub signin_ip_refill: u64,
    /// Refuse (401 `device_mismatch`) a token used from another network than its sign-in:
    /// another IPv4 address, or another IPv6 /64. Sessions signed in without a known IP are
    /// not bound. Default off.
    pub bind_ip: bool,
    /// Refuse (401 `device_mismatch`) a token used from another browser or OS than its
    /// sign-in (the user-agent summary, which ignores versions). Default off.
    pub bind_ua: bool,
    /// Days every end of a session is kept in the user's audit trail (a tombstone with its
    /// reason; `GET /api/sessions/history`). 0 ..= 366; 0 keeps none. Default 30.
    pub history_days: u64,
    /// Most tombstones kept per user (the newest), 1 ..= 100. Default 20.
    pub history_max: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            idle_timeout: 30 * 60,
            absolute_lifetime: 12 * 60 * 60,
            touch_interval: 60,
            max_data_bytes: 4096,
            max_sessions_per_user: 32,
            rotation_grace: 30,
            signin_user_burst: 20,
            signin_user_refill: 15,
            signin_ip_burst: 100,
            signin_ip_refill: 1,
            bind_ip: false,
            bind_ua: false,
            history_days: 30,
            history_max: 20,
        }
    }
}

/// A policy that cannot work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError(&'static str);

impl PolicyError {
    /// Stable error code.
    pub fn code(&self) -> &'static str {
        "policy_invalid"
    }
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid session policy: {}", self.0)
    }
}

impl std::error::Error for PolicyError {}

impl Policy {
    /// Checks the policy is coherent.
    pub fn validate(&self) -> Result<(), PolicyError> {
        if self.idle_timeout == 0 || self.idle_timeout > MAX_DURATION {
            return Err(PolicyError("idle_timeout must be 1 s .. 10 years"));
        }
        if self.absolute_lifetime == 0 || self.absolute_lifetime > MAX_DURATION {
            return Err(PolicyError("absolute_lifetime must be 1 s .. 10 years"));
        }
        if self.touch_interval >= self.idle_timeout {
            return Err(PolicyError(
                "touch_interval must be shorter than idle_timeout",
            ));
        }
        if self.max_data_bytes < 2 || self.max_data_bytes > MAX_DATA_BYTES_LIMIT {
            return Err(PolicyError("max_data_bytes must be 2 .. 65536"));
        }
        if self.max_sessions_per_user == 0 || self.max_sessions_per_user > MAX_SESSIONS_PER_USER {
            return Err(PolicyError("max_sessions_per_user must be 1 .. 256"));
        }
        if self.rotation_grace > MAX_ROTATION_GRACE {
            return Err(PolicyError("rotation_grace must be 0 .. 300"));
        }
        if self.signin_user_burst > MAX_BURST || self.signin_ip_burst > MAX_BURST {
            return Err(PolicyError(
                "signin_user_burst and signin_ip_burst must be 0 .. 10000",
            ));
        }
        let refill = 1..=MAX_REFILL;
        if !refill.contains(&self.signin_user_refill) || !refill.contains(&self.signin_ip_refill) {
            return Err(PolicyError(
                "signin_user_refill and signin_ip_refill must be 1 .. 86400",
            ));
        }
        if self.history_days > MAX_HISTORY_DAYS {
            return Err(PolicyError("history_days must be 0 .. 366"));
        }
        if self.history_max == 0 || self.history_max > MAX_HISTORY_PER_USER {
            return Err(PolicyError("history_max must be 1 .. 100"));
        }
        Ok(())
    }

    /// The per-user sign-in bucket.
    pub fn user_limit(&self) -> Limit {
        Limit {
            burst: self.signin_user_burst,
            refill: self.signin_user_refill,
        }
    }

    /// The per-IP sign-in bucket.
    pub fn ip_limit(&self) -> Limit {
        Limit {
            burst: self.signin_ip_burst,
            refill: self.signin_ip_refill,
        }
    }

    /// Parses and validates a policy from JSON (missing fields take their defaults).
    pub fn from_json(json: &str) -> Result<Policy, PolicyError> {
        if json.len() > MAX_POLICY_JSON {
            return Err(PolicyError("policy JSON is too long"));
        }
        let p: Policy =
            serde_json::from_str(json).map_err(|_| PolicyError("policy is not valid JSON"))?;
        p.validate()?;
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_partial_json_fills_defaults() {
        Policy::default().validate().unwrap();
        let p = Policy::from_json(r#"{"idle_timeout": 5, "touch_interval": 1}"#).unwrap();
        assert_eq!(p.idle_timeout, 5);
        assert_eq!(p.absolute_lifetime, Policy::default().absolute_lifetime);
    }

    #[test]
    fn incoherent_policies_are_refused() {
        for bad in [
            r#"{"idle_timeout": 0}"#,
            r#"{"touch_interval": 1800}"#,
            r#"{"max_data_bytes": 1000000}"#,
            r#"{"max_sessions_per_user": 0}"#,
            r#"{"max_sessions_per_user": 257}"#,
            r#"{"rotation_grace": 301}"#,
            r#"{"signin_user_burst": 10001}"#,
            r#"{"signin_ip_refill": 0}"#,
            r#"{"signin_user_refill": 86401}"#,
            r#"{"bind_ip": 1}"#,
            r#"{"history_days": 367}"#,
            r#"{"history_max": 0}"#,
            r#"{"history_max": 101}"#,
            r#"{"absolute_lifetime": 18446744073709551615}"#,
            r#"{"nope": 1}"#,
            "[",
        ] {
            assert_eq!(
                Policy::from_json(bad).unwrap_err().code(),
                "policy_invalid",
                "{bad}"
            );
        }
    }
}
