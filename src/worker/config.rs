//! Worker configuration from vars and secrets, parsed once per isolate.
//!
//! | setting        | kind   | meaning                                                          |
//! |----------------|--------|------------------------------------------------------------------|
//! | `SESSION_KEYS` | secret | keyring JSON `[{"kid","secret","state"}]` (required)             |
//! | `ADMIN_TOKEN`  | secret | enables the admin routes (Bearer token); unset = no admin routes |
//! | `SIGNIN_TOKEN` | secret | if set, sign-in needs `Authorization: Bearer <it>`; unset = open |
//! | `STORE`        | var    | `do` (default, Durable Object shards) or `kv` (Workers KV)       |
//! | `RING`         | var    | ring config JSON; default `shard-0`..`shard-3`, weight 1, epoch 1 |
//! | (bundled ring) | build  | `RING_FILE=<path> scripts/build-worker.sh`: the file is bundled  |
//! |                |        | into the worker instead of a var (a var holds only a few KiB)   |
//! | `POLICY`       | var    | policy JSON (missing fields take the defaults)                   |
//! | `COOKIE_NAME`  | var    | cookie name without the `__Host-` prefix (default `session`)     |
//! | `COOKIE_DOMAIN` | var   | `Domain` for cross-subdomain sessions; the prefix becomes `__Secure-` |
//! | `COOKIE_PREFIX` | var   | `auto` (default: `__Host-`, `__Secure-` with a domain), `host`, `secure`, `none` |
//! | `COOKIE_PARTITIONED` | var | `true` adds `Partitioned` (CHIPS); default `false`            |
//! | `SHARD_CALL`   | var    | `rpc` (default: JS RPC to the shard objects) or `fetch`          |
//! | `ORIGIN` ...   |        | gateway mode: see [`super::gateway_config`]                      |
//!
//! A bad or missing setting is a [`ConfigError`] naming the setting; the worker then answers
//! every request (but `/healthz`, which reports it) with 500 `config_invalid`.

use wasm_bindgen::JsValue;
use worker::Env;

use super::do_store::Transport;
use super::gateway_config::GatewayConfig;
use crate::cookie::{CookieConfig, CookieError, CookiePrefix};
use crate::keyring::Keyring;
use crate::policy::Policy;
use crate::ring::{Ring, ShardSpec};

/// Longest accepted `ADMIN_TOKEN` / `SIGNIN_TOKEN`, in bytes.
const MAX_BEARER_SECRET_LEN: usize = 512;
/// Shortest accepted `ADMIN_TOKEN` / `SIGNIN_TOKEN`, in bytes.
const MIN_BEARER_SECRET_LEN: usize = 16;

/// Where sessions are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreKind {
    /// SQLite-backed Durable Object shards (strongly consistent).
    DurableObjects,
    /// Workers KV (eventually consistent).
    Kv,
}

impl StoreKind {
    /// The `STORE` value naming this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::DurableObjects => "do",
            StoreKind::Kv => "kv",
        }
    }
}

/// The parsed settings.
pub struct Config {
    /// Session storage backend.
    pub store: StoreKind,
    /// Signing and verification keys.
    pub keyring: Keyring,
    /// The shard ring.
    pub ring: Ring,
    /// Lifecycle policy.
    pub policy: Policy,
    /// Session cookie attributes.
    pub cookie: CookieConfig,
    /// Bearer token of the admin routes, if enabled.
    pub admin_token: Option<String>,
    /// Bearer token sign-in requires, if set.
    pub signin_token: Option<String>,
    /// How the worker calls the shard objects.
    pub shard_call: Transport,
    /// Gateway mode, when `ORIGIN` is set.
    pub gateway: Option<GatewayConfig>,
}

/// A setting that is missing or invalid. The message names the setting and never echoes a
/// secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The global that src/worker/entry.mjs sets to the ring configuration bundled at build time
/// (`RING_FILE`), if any. Large rings live there: the runtime caps the size of a var.
pub const BUNDLED_RING: &str = "EDGE_SESSION_RING";

fn bundled_ring() -> JsValue {
    js_sys::Reflect::get(&js_sys::global(), &BUNDLED_RING.into()).unwrap_or(JsValue::UNDEFINED)
}

/// The raw strings the configuration is parsed from.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RawConfig {
    vars: [Option<String>; NAMES.len()],
    bundled_ring: Option<String>,
}

const NAMES: [&str; 18] = [
    "SESSION_KEYS",
    "ADMIN_TOKEN",
    "SIGNIN_TOKEN",
    "STORE",
    "RING",
    "POLICY",
    "COOKIE_NAME",
    "SHARD_CALL",
    "COOKIE_DOMAIN",
    "COOKIE_PREFIX",
    "COOKIE_PARTITIONED",
    "ORIGIN",
    "GATEWAY_KEYS",
    "PROTECT",
    "SIGNIN_URL",
    "FORWARD_TOKEN",
    "ORIGIN_TIMEOUT_MS",
    "ROTATE_AFTER",
];

/// The settings as the JavaScript values `env` holds, uncopied: the cheap per-request check of
/// whether the cached configuration still applies. Comparing two keys compares the values inside
/// the JS engine (`Object.is`), so a large `RING` is never copied into wasm per request.
#[derive(Clone, Debug)]
pub struct RawKey {
    vars: [JsValue; NAMES.len()],
    bundled_ring: JsValue,
}

impl RawKey {
    /// Reads the value of every setting from `env`.
    pub fn from_env(env: &Env) -> RawKey {
        RawKey {
            vars: NAMES.map(|name| {
                js_sys::Reflect::get(env.as_ref(), &name.into()).unwrap_or(JsValue::UNDEFINED)
            }),
            bundled_ring: bundled_ring(),
        }
    }
}

impl PartialEq for RawKey {
    fn eq(&self, other: &RawKey) -> bool {
        self.vars
            .iter()
            .zip(&other.vars)
            .chain([(&self.bundled_ring, &other.bundled_ring)])
            .all(|(a, b)| js_sys::Object::is(a, b))
    }
}

impl RawConfig {
    /// Reads every setting from `env` (vars and secrets are both plain strings there).
    pub fn from_env(env: &Env) -> RawConfig {
        let mut vars: [Option<String>; NAMES.len()] = Default::default();
        for (slot, name) in vars.iter_mut().zip(NAMES) {
            *slot = js_sys::Reflect::get(env.as_ref(), &name.into())
                .ok()
                .and_then(|v| v.as_string());
        }
        RawConfig {
            vars,
            bundled_ring: bundled_ring().as_string(),
        }
    }

    pub(super) fn get(&self, name: &str) -> Option<&str> {
        let i = NAMES.iter().position(|n| *n == name)?;
        self.vars[i].as_deref().filter(|v| !v.trim().is_empty())
    }

    /// Parses and validates every setting.
    pub fn parse(&self) -> Result<Config, ConfigError> {
        let bad = |name: &str, why: String| ConfigError(format!("{name}: {why}"));
        let keys = self
            .get("SESSION_KEYS")
            .ok_or_else(|| bad("SESSION_KEYS", "missing (set it as a secret)".into()))?;
        let keyring = Keyring::from_json(keys).map_err(|e| bad("SESSION_KEYS", e.to_string()))?;
        let store = match self.get("STORE").map(str::trim) {
            None | Some("do") => StoreKind::DurableObjects,
            Some("kv") => StoreKind::Kv,
            Some(_) => return Err(bad("STORE", "must be \"do\" or \"kv\"".into())),
        };
        let bundled = self
            .bundled_ring
            .as_deref()
            .filter(|v| !v.trim().is_empty());
        let ring = match (self.get("RING"), bundled) {
            (Some(_), Some(_)) => {
                return Err(bad(
                    "RING",
                    "set as a var and bundled at build time (RING_FILE): keep one".into(),
                ))
            }
            (Some(json), None) => Ring::from_json(json).map_err(|e| bad("RING", e.to_string()))?,
            (None, Some(json)) => {
                Ring::from_json(json).map_err(|e| bad("RING (bundled)", e.to_string()))?
            }
            (None, None) => default_ring().map_err(|e| bad("RING", e.to_string()))?,
        };
        let policy = match self.get("POLICY") {
            Some(json) => Policy::from_json(json).map_err(|e| bad("POLICY", e.to_string()))?,
            None => Policy::default(),
        };
        let mut cookie = CookieConfig::default();
        if let Some(name) = self.get("COOKIE_NAME") {
            cookie.name = name.trim().to_owned();
        }
        cookie_options(self, &mut cookie)?;
        let admin_token = bearer_secret(self.get("ADMIN_TOKEN"), "ADMIN_TOKEN")?;
        let signin_token = bearer_secret(self.get("SIGNIN_TOKEN"), "SIGNIN_TOKEN")?;
        let shard_call = match self.get("SHARD_CALL").map(str::trim) {
            None | Some("rpc") => Transport::Rpc,
            Some("fetch") => Transport::Fetch,
            Some(_) => return Err(bad("SHARD_CALL", "must be \"rpc\" or \"fetch\"".into())),
        };
        let gateway = GatewayConfig::parse(self)?;
        Ok(Config {
            gateway,
            store,
            keyring,
            ring,
            policy,
            cookie,
            admin_token,
            signin_token,
            shard_call,
        })
    }
}

/// `COOKIE_DOMAIN`, `COOKIE_PREFIX` and `COOKIE_PARTITIONED`, then the whole cookie checked; an
/// error names the setting it comes from.
fn cookie_options(raw: &RawConfig, cookie: &mut CookieConfig) -> Result<(), ConfigError> {
    let bad = |name: &str, why: String| ConfigError(format!("{name}: {why}"));
    if let Some(p) = raw.get("COOKIE_PREFIX") {
        cookie.prefix = CookiePrefix::parse(p.trim()).ok_or_else(|| {
            bad(
                "COOKIE_PREFIX",
                "must be \"auto\", \"host\", \"secure\" or \"none\"".into(),
            )
        })?;
    }
    cookie.partitioned = match raw.get("COOKIE_PARTITIONED").map(str::trim) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(bad(
                "COOKIE_PARTITIONED",
                "must be \"true\" or \"false\"".into(),
            ))
        }
    };
    cookie.domain = raw.get("COOKIE_DOMAIN").map(|d| d.trim().to_owned());
    cookie.validate().map_err(|e| {
        let setting = match e {
            CookieError::BadDomain | CookieError::HostPrefixDomain => "COOKIE_DOMAIN",
            CookieError::PartitionedInsecure => "COOKIE_PARTITIONED",
            _ => "COOKIE_NAME",
        };
        bad(setting, format!("{e} ({})", e.code()))
    })
}

fn bearer_secret(value: Option<&str>, name: &str) -> Result<Option<String>, ConfigError> {
    let Some(v) = value else { return Ok(None) };
    let ok_len = (MIN_BEARER_SECRET_LEN..=MAX_BEARER_SECRET_LEN).contains(&v.len());
    if !ok_len || !v.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ConfigError(format!(
            "{name}: must be {MIN_BEARER_SECRET_LEN}..={MAX_BEARER_SECRET_LEN} printable ASCII characters"
        )));
    }
    Ok(Some(v.to_owned()))
}

/// The default ring: `shard-0`..`shard-3`, weight 1, epoch 1.
pub fn default_ring() -> Result<Ring, crate::ring::RingError> {
    let shards: Vec<ShardSpec> = (0..4)
        .map(|i| ShardSpec::new(format!("shard-{i}"), 1))
        .collect();
    Ring::new(&shards)
}
