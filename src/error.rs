//! Errors of the session layer, each with a stable `code` and the HTTP status the shells use.
//!
//! The worker answers `{"error": {"code", "message"}}` with [`SessionError::http_status`]; the
//! JS binding throws an `Error` whose `code` property is [`SessionError::code`]. Messages never
//! carry secrets, tokens, ids or store internals.
//!
//! Both enums (de)serialise themselves (`{"kind": "conflict", "detail": {...}}`), so a
//! Durable Object shard can return them to the worker unchanged.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// What a storage backend can say. Backends map their own failures onto these.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum StoreError {
    /// No live record under that key.
    NotFound,
    /// The record's version is not the one the write expected.
    Conflict {
        /// The version currently stored.
        current_version: u64,
    },
    /// A record already exists under that key.
    AlreadyExists,
    /// The backend could not be reached or failed; the text is for logs, not for clients.
    Unavailable(String),
    /// The backend returned something that is not a valid record.
    Corrupt(String),
}

impl StoreError {
    /// Stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::NotFound => "session_not_found",
            StoreError::Conflict { .. } => "version_conflict",
            StoreError::AlreadyExists => "session_exists",
            StoreError::Unavailable(_) => "store_unavailable",
            StoreError::Corrupt(_) => "store_corrupt",
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::NotFound => f.write_str("no such session"),
            StoreError::Conflict { current_version } => {
                write!(f, "version conflict (current version {current_version})")
            }
            StoreError::AlreadyExists => f.write_str("a session with this id already exists"),
            StoreError::Unavailable(why) => write!(f, "session store unavailable: {why}"),
            StoreError::Corrupt(why) => write!(f, "session store returned a bad record: {why}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// What a [`SessionError::DeviceMismatch`] found different.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// The network (`bind_ip`).
    Ip,
    /// The browser or OS (`bind_ua`).
    Agent,
}

/// Everything a session operation can fail with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum SessionError {
    /// The token is missing, malformed, forged, expired or signed by a retired key (one opaque
    /// answer: no oracle).
    InvalidToken,
    /// The token is authentic but its session is gone (signed out, revoked, rotated away).
    NotFound,
    /// The session passed its idle or absolute deadline.
    Expired,
    /// The session is live but the user proved who they are longer ago than the call allows
    /// (`max_auth_age`): re-authenticate, then retry. The session and its cookie stay valid.
    ReauthRequired {
        /// When the user last authenticated (unix seconds).
        authenticated_at: u64,
    },
    /// The policy binds sessions to their sign-in's network (`bind_ip`) or browser
    /// (`bind_ua`), and this request came from another one. The refusal is counted
    /// ([`SessionManager::refusals`](crate::manager::SessionManager::refusals)).
    DeviceMismatch {
        /// What differed.
        bound: Bound,
    },
    /// A write carried a stale version.
    Conflict {
        /// The version currently stored.
        current_version: u64,
    },
    /// Input rejected; the text says which rule (never echoes the input).
    InvalidInput(Cow<'static, str>),
    /// Session data larger than the policy allows.
    DataTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The store failed. Never [`StoreError::NotFound`] or [`StoreError::Conflict`]: the
    /// `From<StoreError>` conversion, the only way stores' errors become session errors, maps
    /// those to [`SessionError::NotFound`] and [`SessionError::Conflict`].
    Store(StoreError),
    /// Too many sign-ins for this user or client IP ([`crate::ratelimit`]): retry after
    /// `retry_after` seconds (the shells send it as `Retry-After`).
    RateLimited {
        /// Seconds until the bucket has a token again (at least 1).
        retry_after: u64,
    },
    /// A server-side misconfiguration (keys, ring, policy); the text names the setting.
    Config(String),
}

impl SessionError {
    /// Stable error code (snake_case), shared by HTTP bodies and JS `Error.code`.
    pub fn code(&self) -> &'static str {
        match self {
            SessionError::InvalidToken => "invalid_token",
            SessionError::NotFound => "session_not_found",
            SessionError::Expired => "session_expired",
            SessionError::ReauthRequired { .. } => "reauth_required",
            SessionError::DeviceMismatch { .. } => "device_mismatch",
            SessionError::Conflict { .. } => "version_conflict",
            SessionError::InvalidInput(_) => "invalid_input",
            SessionError::DataTooLarge { .. } => "data_too_large",
            SessionError::Store(e) => e.code(),
            SessionError::RateLimited { .. } => "rate_limited",
            SessionError::Config(_) => "config_invalid",
        }
    }

    /// The HTTP status the worker answers with.
    pub fn http_status(&self) -> u16 {
        match self {
            SessionError::InvalidToken
            | SessionError::NotFound
            | SessionError::Expired
            | SessionError::ReauthRequired { .. }
            | SessionError::DeviceMismatch { .. } => 401,
            SessionError::Conflict { .. } => 412,
            SessionError::InvalidInput(_) => 400,
            SessionError::DataTooLarge { .. } => 413,
            SessionError::Store(StoreError::AlreadyExists) => 409,
            SessionError::Store(_) => 503,
            SessionError::RateLimited { .. } => 429,
            SessionError::Config(_) => 500,
        }
    }

    /// Whether the error means the token is of no further use (the shells clear its cookie):
    /// invalid, gone, expired, or bound to another device. A [`SessionError::ReauthRequired`]
    /// session stays valid.
    pub fn ends_session(&self) -> bool {
        matches!(
            self,
            SessionError::InvalidToken
                | SessionError::NotFound
                | SessionError::Expired
                | SessionError::DeviceMismatch { .. }
        )
    }

    /// The seconds to wait carried by a rate limit, if this is one.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            SessionError::RateLimited { retry_after } => Some(*retry_after),
            _ => None,
        }
    }

    /// The current version carried by a conflict, if this is one.
    pub fn current_version(&self) -> Option<u64> {
        match self {
            SessionError::Conflict { current_version } => Some(*current_version),
            _ => None,
        }
    }
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::InvalidToken => f.write_str("missing or invalid session token"),
            SessionError::NotFound => f.write_str("session not found (signed out or revoked)"),
            SessionError::Expired => f.write_str("session expired"),
            SessionError::ReauthRequired { .. } => f.write_str(
                "this needs a recent sign-in: re-authenticate, then retry (the session stays valid)",
            ),
            SessionError::DeviceMismatch { bound: Bound::Ip } => {
                f.write_str("this session is bound to the network it signed in from")
            }
            SessionError::DeviceMismatch { bound: Bound::Agent } => {
                f.write_str("this session is bound to the browser it signed in from")
            }
            SessionError::Conflict { current_version } => write!(
                f,
                "stale version: the session changed (current version {current_version}); reload and retry"
            ),
            SessionError::InvalidInput(why) => write!(f, "invalid input: {why}"),
            SessionError::DataTooLarge { limit } => {
                write!(f, "session data too large (limit {limit} bytes)")
            }
            SessionError::Store(StoreError::Unavailable(_)) => {
                f.write_str("session store unavailable")
            }
            SessionError::Store(StoreError::Corrupt(_)) => {
                f.write_str("session store returned a bad record")
            }
            SessionError::Store(e) => e.fmt(f),
            SessionError::RateLimited { retry_after } => {
                write!(f, "too many sign-ins: retry after {retry_after} s")
            }
            SessionError::Config(setting) => write!(f, "server misconfigured: {setting}"),
        }
    }
}

impl std::error::Error for SessionError {}

impl SessionError {
    /// [`SessionError::InvalidInput`] with a fixed message.
    pub const fn invalid(why: &'static str) -> SessionError {
        SessionError::InvalidInput(Cow::Borrowed(why))
    }
}

impl From<StoreError> for SessionError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => SessionError::NotFound,
            StoreError::Conflict { current_version } => SessionError::Conflict { current_version },
            other => SessionError::Store(other),
        }
    }
}
