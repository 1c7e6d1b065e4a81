//! Gateway mode's settings. Gateway mode is on when `ORIGIN` is set.
//!
//! | setting             | kind   | meaning                                                        |
//! |---------------------|--------|----------------------------------------------------------------|
//! | `ORIGIN`            | var    | `http(s)://host[:port]` the worker proxies to                  |
//! | `GATEWAY_KEYS`      | secret | keyring JSON of the identity-header signature (required with `ORIGIN`) |
//! | `PROTECT`           | var    | path patterns that need a session, e.g. `/app/*,/account`      |
//! | `SIGNIN_URL`        | var    | where a browser without a session is sent (`/login`, `https://...`) |
//! | `FORWARD_TOKEN`     | var    | `1`: the origin also gets the session cookie / Bearer token     |
//! | `ORIGIN_TIMEOUT_MS` | var    | how long to wait for the origin's response headers (default 15000) |
//! | `ROTATE_AFTER`      | var    | seconds after which a proxied request rotates the session id (unset: never) |

use super::config::{ConfigError, RawConfig};
use crate::gateway::GatewayKeys;
use crate::limits::MAX_DURATION;
use crate::protect::{check_signin_url, Protect};

/// Default `ORIGIN_TIMEOUT_MS`.
pub const DEFAULT_TIMEOUT_MS: u32 = 15_000;
/// Largest `ORIGIN_TIMEOUT_MS` (five minutes).
pub const MAX_TIMEOUT_MS: u32 = 300_000;
/// Longest `ORIGIN`, in bytes.
const MAX_ORIGIN_LEN: usize = 512;

/// The parsed gateway settings.
pub struct GatewayConfig {
    /// `scheme://host[:port]`, no trailing slash.
    pub origin: String,
    /// Signs the identity headers.
    pub keys: GatewayKeys,
    /// Paths that need a session.
    pub protect: Protect,
    /// Where browsers without a session go, if set.
    pub signin_url: Option<String>,
    /// Whether the session cookie and Bearer token reach the origin.
    pub forward_token: bool,
    /// Deadline for the origin's response headers, in milliseconds.
    pub timeout_ms: u32,
    /// Rotate the session id of a proxied request whose token is this many seconds old.
    pub rotate_after: Option<u64>,
}

impl GatewayConfig {
    /// The gateway settings of `raw`, `None` when `ORIGIN` is unset.
    pub fn parse(raw: &RawConfig) -> Result<Option<GatewayConfig>, ConfigError> {
        let bad = |name: &str, why: &str| ConfigError(format!("{name}: {why}"));
        let Some(origin) = raw.get("ORIGIN").map(str::trim) else {
            return Ok(None);
        };
        let origin = origin.strip_suffix('/').unwrap_or(origin);
        let url = worker::Url::parse(origin).map_err(|_| bad("ORIGIN", "not a URL"))?;
        let plain = matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some()
            && url.path() == "/"
            && url.query().is_none()
            && url.username().is_empty()
            && origin.len() <= MAX_ORIGIN_LEN;
        if !plain {
            return Err(bad(
                "ORIGIN",
                "must be http(s)://host[:port] with no path, query or credentials",
            ));
        }
        let keys = raw.get("GATEWAY_KEYS").ok_or_else(|| {
            bad(
                "GATEWAY_KEYS",
                "missing: gateway mode signs identity headers with it (set it as a secret)",
            )
        })?;
        let keys =
            GatewayKeys::from_json(keys).map_err(|e| ConfigError(format!("GATEWAY_KEYS: {e}")))?;
        let protect = Protect::parse(raw.get("PROTECT").unwrap_or(""))
            .map_err(|e| ConfigError(format!("PROTECT: {e}")))?;
        let signin_url = raw.get("SIGNIN_URL").map(|s| s.trim().to_owned());
        if let Some(u) = &signin_url {
            check_signin_url(u).map_err(|e| ConfigError(format!("SIGNIN_URL: {e}")))?;
        }
        let forward_token = match raw.get("FORWARD_TOKEN").map(str::trim) {
            None | Some("0") => false,
            Some("1") => true,
            Some(_) => return Err(bad("FORWARD_TOKEN", "must be 0 or 1")),
        };
        let timeout_ms = match raw.get("ORIGIN_TIMEOUT_MS").map(str::trim) {
            None => DEFAULT_TIMEOUT_MS,
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_TIMEOUT_MS).contains(n))
                .ok_or_else(|| bad("ORIGIN_TIMEOUT_MS", "must be 1..=300000 milliseconds"))?,
        };
        let rotate_after = match raw.get("ROTATE_AFTER").map(str::trim) {
            None => None,
            Some(v) => Some(
                v.parse::<u64>()
                    .ok()
                    .filter(|n| (1..=MAX_DURATION).contains(n))
                    .ok_or_else(|| {
                        bad("ROTATE_AFTER", "must be a number of seconds, at least 1")
                    })?,
            ),
        };
        Ok(Some(GatewayConfig {
            origin: origin.to_owned(),
            keys,
            protect,
            signin_url,
            forward_token,
            timeout_ms,
            rotate_after,
        }))
    }
}
