//! Gateway identity headers: what the worker in gateway mode adds to a proxied request, and how
//! the origin checks that they came from the gateway.
//!
//! # Headers
//!
//! | header                   | value                                                            |
//! |--------------------------|------------------------------------------------------------------|
//! | `Edge-Session-User`      | the user id, percent-encoded (UTF-8; bytes outside `[A-Za-z0-9-._~@]` as `%XX`) |
//! | `Edge-Session-Id`        | the session's id hash (43 base64url characters, as in the API)   |
//! | `Edge-Session-Shard`     | the shard that holds the session                                 |
//! | `Edge-Session-Version`   | the record's version (decimal)                                   |
//! | `Edge-Session-Expires`   | when the session expires (unix seconds, decimal)                 |
//! | `Edge-Session-Signature` | `v1;kid=<kid>;t=<unix seconds>;sig=<base64url, no padding>`      |
//!
//! # Signature
//!
//! `sig` is HMAC-SHA256 with the gateway key `kid` over
//!
//! ```text
//! "edge-session/v1/gateway\0" || "v1" LF kid LF t LF METHOD LF target LF user LF id LF shard LF version LF expires
//! ```
//!
//! where `target` is the request's path and query exactly as the origin receives it
//! (`/app/page?x=1`), `METHOD` is the method as sent (upper case), and the five identity
//! values are the header values as sent (the user still percent-encoded). No value may hold
//! a line feed (each field has a closed alphabet, below), so the string parses one way only.
//! The verifier recomputes the MAC with the key named by `kid` (one MAC), compares in
//! constant time, and refuses a `t` more than `max_skew` seconds from its clock either way.
//! Golden vectors: `tests/vectors/gateway.json`.
//!
//! # Keys: `GATEWAY_KEYS`, not the session keyring
//!
//! The gateway keys are their own keyring ([`GatewayKeys`], the same JSON as the session
//! keyring: `[{"kid","secret","state"}]`, one `primary` that signs, `verify` keys that still
//! verify during a rotation). They are not derived from the session keys because the origin
//! must hold them: an origin holding the session secrets (or anything they derive) could mint
//! session tokens, while one holding only the gateway keys can only check identity headers.
//! They also rotate on their own schedule. The `kid` in every signature is what lets the origin
//! accept the old and the new key during a rotation.

use core::fmt;

use hmac::Mac;

use crate::id::ID_HASH_B64_LEN;
use crate::keyring::{KeyState, Keyring, KeyringError, MAX_KID_LEN};
use crate::limits::MAX_USER_LEN;
use crate::ring::MAX_NAME_LEN;

/// Domain-separation prefix MACed in front of every gateway canonical string.
pub const GATEWAY_MAC_PREFIX: &[u8] = b"edge-session/v1/gateway\0";

/// `Edge-Session-User`.
pub const HEADER_USER: &str = "Edge-Session-User";
/// `Edge-Session-Id`.
pub const HEADER_ID: &str = "Edge-Session-Id";
/// `Edge-Session-Shard`.
pub const HEADER_SHARD: &str = "Edge-Session-Shard";
/// `Edge-Session-Version`.
pub const HEADER_VERSION: &str = "Edge-Session-Version";
/// `Edge-Session-Expires`.
pub const HEADER_EXPIRES: &str = "Edge-Session-Expires";
/// `Edge-Session-Signature`.
pub const HEADER_SIGNATURE: &str = "Edge-Session-Signature";
/// Every identity header, in canonical-string order (the signature last).
pub const HEADERS: [&str; 6] = [
    HEADER_USER,
    HEADER_ID,
    HEADER_SHARD,
    HEADER_VERSION,
    HEADER_EXPIRES,
    HEADER_SIGNATURE,
];
/// The prefix every identity header shares (compare case-insensitively). The gateway strips
/// every client-sent header with this prefix, not only the six it knows.
pub const HEADER_PREFIX: &str = "edge-session-";

/// Longest accepted request target (path and query), in bytes.
pub const MAX_TARGET_LEN: usize = 8192;
/// Longest accepted method, in bytes.
pub const MAX_METHOD_LEN: usize = 16;
/// Longest `Edge-Session-User` value: every byte of the longest user percent-encoded.
pub const MAX_USER_HEADER_LEN: usize = MAX_USER_LEN * 3;
/// Longest `Edge-Session-Signature` value.
pub const MAX_SIGNATURE_HEADER_LEN: usize = 128;
/// Longest accepted `max_skew`, in seconds (one hour).
pub const MAX_SKEW_LIMIT: u64 = 3600;
/// Longest decimal number accepted (`u64::MAX` has 20 digits).
const MAX_DECIMAL_LEN: usize = 20;
/// Length of the base64url (no padding) HMAC-SHA256 tag.
const SIG_B64_LEN: usize = 43;

/// Why identity headers were refused. Messages never echo header values.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GatewayError {
    /// Some identity headers are present but not all six.
    Missing {
        /// The first missing header.
        header: &'static str,
    },
    /// A header (or the method, target or clock given to sign/verify) is malformed or over
    /// its bound.
    Malformed {
        /// The header or argument.
        field: &'static str,
    },
    /// The signature names a key the verifier does not have, or a retired one.
    UnknownKey,
    /// The signature's timestamp is further than `max_skew` from the verifier's clock.
    Skew,
    /// The MAC does not match.
    BadSignature,
    /// The gateway keys are invalid.
    Keys(KeyringError),
}

impl GatewayError {
    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            GatewayError::Missing { .. } => "gateway_header_missing",
            GatewayError::Malformed { .. } => "gateway_header_invalid",
            GatewayError::UnknownKey => "gateway_unknown_key",
            GatewayError::Skew => "gateway_timestamp_skew",
            GatewayError::BadSignature => "gateway_signature_invalid",
            GatewayError::Keys(e) => e.code(),
        }
    }
}

impl fmt::Display for GatewayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GatewayError::Missing { header } => write!(f, "identity header {header} is missing"),
            GatewayError::Malformed { field } => write!(f, "{field} is malformed or too long"),
            GatewayError::UnknownKey => f.write_str("signature names an unknown or retired key"),
            GatewayError::Skew => f.write_str("signature timestamp is outside the allowed skew"),
            GatewayError::BadSignature => f.write_str("identity header signature does not match"),
            GatewayError::Keys(e) => write!(f, "gateway keys: {e}"),
        }
    }
}

impl std::error::Error for GatewayError {}

/// The gateway keyring: same JSON and rules as [`Keyring`], its own MAC prefix.
#[derive(Clone, Debug)]
pub struct GatewayKeys(Keyring);

impl GatewayKeys {
    /// Parses `[{"kid","secret","state"}]` (see [`Keyring::from_json`] for the rules).
    pub fn from_json(json: &str) -> Result<GatewayKeys, GatewayError> {
        Keyring::from_json_prefixed(json, GATEWAY_MAC_PREFIX)
            .map(GatewayKeys)
            .map_err(GatewayError::Keys)
    }

    /// Builds the keys from `(kid, secret bytes, state)` triples.
    pub fn new(keys: Vec<(String, Vec<u8>, KeyState)>) -> Result<GatewayKeys, GatewayError> {
        Keyring::new_prefixed(keys, GATEWAY_MAC_PREFIX)
            .map(GatewayKeys)
            .map_err(GatewayError::Keys)
    }

    /// The kid that signs.
    pub fn primary_kid(&self) -> &str {
        self.0.primary_kid()
    }
}

/// Who the gateway says the user is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The user id (decoded).
    pub user: String,
    /// The session's id hash (base64url).
    pub id: String,
    /// The session's shard.
    pub shard: String,
    /// The record's version.
    pub version: u64,
    /// When the session expires (unix seconds).
    pub expires: u64,
}

/// A verified identity and the signature's facts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The identity the headers carry.
    pub identity: Identity,
    /// The key that signed.
    pub kid: String,
    /// When the gateway signed (unix seconds).
    pub timestamp: u64,
}

/// Percent-encodes a user id for `Edge-Session-User`.
pub fn encode_user(user: &str) -> String {
    let mut out = String::with_capacity(user.len());
    for b in user.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Decodes `Edge-Session-User` (only the encoding [`encode_user`] writes: `%XX` in upper-case
/// hex for every byte outside the plain set).
fn decode_user(v: &str) -> Option<String> {
    if v.is_empty() || v.len() > MAX_USER_HEADER_LEN {
        return None;
    }
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' {
            let hi = hex_val(*b.get(i + 1)?)?;
            let lo = hex_val(*b.get(i + 2)?)?;
            out.push(hi << 4 | lo);
            i += 3;
        } else if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~' | b'@') {
            out.push(c);
            i += 1;
        } else {
            return None;
        }
    }
    let user = String::from_utf8(out).ok()?;
    let ok = user.len() <= MAX_USER_LEN && !user.chars().any(char::is_control);
    ok.then_some(user)
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn decimal(v: &str) -> Option<u64> {
    let ok = !v.is_empty() && v.len() <= MAX_DECIMAL_LEN && v.bytes().all(|b| b.is_ascii_digit());
    // No leading zeros: one spelling per number.
    if !ok || (v.len() > 1 && v.starts_with('0')) {
        return None;
    }
    v.parse().ok()
}

fn check_method(m: &str) -> Result<(), GatewayError> {
    let ok =
        !m.is_empty() && m.len() <= MAX_METHOD_LEN && m.bytes().all(|b| b.is_ascii_uppercase());
    ok.then_some(())
        .ok_or(GatewayError::Malformed { field: "method" })
}

fn check_target(t: &str) -> Result<(), GatewayError> {
    let ok =
        t.starts_with('/') && t.len() <= MAX_TARGET_LEN && t.bytes().all(|b| b.is_ascii_graphic());
    ok.then_some(())
        .ok_or(GatewayError::Malformed { field: "target" })
}

fn check_id(id: &str) -> bool {
    id.len() == ID_HASH_B64_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn check_shard(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_NAME_LEN
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The header values of an identity, in [`HEADERS`] order (without the signature).
fn values(identity: &Identity) -> [String; 5] {
    [
        encode_user(&identity.user),
        identity.id.clone(),
        identity.shard.clone(),
        identity.version.to_string(),
        identity.expires.to_string(),
    ]
}

/// The MAC over the canonical string (the key's prefix already absorbed).
fn mac(
    key: &hmac::Hmac<sha2::Sha256>,
    kid: &str,
    t: u64,
    method: &str,
    target: &str,
    values: &[&str; 5],
) -> hmac::Hmac<sha2::Sha256> {
    let mut m = key.clone();
    let t = t.to_string();
    let parts: [&str; 5] = ["v1", kid, &t, method, target];
    for (i, p) in parts.iter().chain(values.iter()).enumerate() {
        if i > 0 {
            m.update(b"\n");
        }
        m.update(p.as_bytes());
    }
    m
}

/// The six identity headers for a request (`method`, `target` = path and query as the origin
/// will receive them), signed now with the primary gateway key.
pub fn sign(
    keys: &GatewayKeys,
    method: &str,
    target: &str,
    identity: &Identity,
    now: u64,
) -> Result<[(&'static str, String); 6], GatewayError> {
    check_method(method)?;
    check_target(target)?;
    let vals = values(identity);
    if identity.user.is_empty()
        || identity.user.len() > MAX_USER_LEN
        || identity.user.chars().any(char::is_control)
    {
        return Err(GatewayError::Malformed { field: HEADER_USER });
    }
    if !check_id(&identity.id) {
        return Err(GatewayError::Malformed { field: HEADER_ID });
    }
    if !check_shard(&identity.shard) {
        return Err(GatewayError::Malformed {
            field: HEADER_SHARD,
        });
    }
    let key = keys.0.primary_key().ok_or(GatewayError::UnknownKey)?;
    let refs: [&str; 5] = [&vals[0], &vals[1], &vals[2], &vals[3], &vals[4]];
    let tag = mac(&key.mac, &key.kid, now, method, target, &refs).finalize();
    let sig = format!(
        "v1;kid={};t={now};sig={}",
        key.kid,
        crate::b64::url_encode(&tag.into_bytes())
    );
    let [u, i, s, v, e] = vals;
    Ok([
        (HEADER_USER, u),
        (HEADER_ID, i),
        (HEADER_SHARD, s),
        (HEADER_VERSION, v),
        (HEADER_EXPIRES, e),
        (HEADER_SIGNATURE, sig),
    ])
}

/// The parts of `Edge-Session-Signature`.
fn parse_signature(v: &str) -> Option<(&str, u64, [u8; 32])> {
    if v.len() > MAX_SIGNATURE_HEADER_LEN {
        return None;
    }
    let rest = v.strip_prefix("v1;kid=")?;
    let (kid, rest) = rest.split_once(";t=")?;
    let (t, sig) = rest.split_once(";sig=")?;
    let kid_ok = !kid.is_empty()
        && kid.len() <= MAX_KID_LEN
        && kid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !kid_ok || sig.len() != SIG_B64_LEN {
        return None;
    }
    let t = decimal(t)?;
    let mut tag = [0u8; 32];
    let n = crate::b64::url_decode_slice(sig.as_bytes(), &mut tag)?;
    // Canonical base64 only: re-encoding must give the same text.
    (n == 32 && crate::b64::url_encode(&tag) == sig).then_some((kid, t, tag))
}

/// Checks the identity headers of a request. `header(name)` returns a header's value
/// (case-insensitive lookup is the caller's: HTTP header names are). `Ok(None)`: no identity
/// header at all (an anonymous request). `Err`: some are present but they are incomplete,
/// malformed, signed by an unknown key, outside `max_skew` seconds of `now`, or not what the
/// gateway signed for this `method` and `target`.
pub fn verify<'a>(
    keys: &GatewayKeys,
    method: &str,
    target: &str,
    header: impl Fn(&str) -> Option<&'a str>,
    now: u64,
    max_skew: u64,
) -> Result<Option<Verified>, GatewayError> {
    if max_skew > MAX_SKEW_LIMIT {
        return Err(GatewayError::Malformed { field: "maxSkew" });
    }
    let got: Vec<Option<&str>> = HEADERS.iter().map(|h| header(h)).collect();
    if got.iter().all(Option::is_none) {
        return Ok(None);
    }
    let mut vals: [&str; 6] = [""; 6];
    for (i, (slot, v)) in vals.iter_mut().zip(&got).enumerate() {
        *slot = v.ok_or(GatewayError::Missing { header: HEADERS[i] })?;
    }
    check_method(method)?;
    check_target(target)?;
    let bad = |field| GatewayError::Malformed { field };
    let (kid, t, tag) = parse_signature(vals[5]).ok_or(bad(HEADER_SIGNATURE))?;
    let user = decode_user(vals[0]).ok_or(bad(HEADER_USER))?;
    if !check_id(vals[1]) {
        return Err(bad(HEADER_ID));
    }
    if !check_shard(vals[2]) {
        return Err(bad(HEADER_SHARD));
    }
    let version = decimal(vals[3]).ok_or(bad(HEADER_VERSION))?;
    let expires = decimal(vals[4]).ok_or(bad(HEADER_EXPIRES))?;
    let key = keys
        .0
        .key(kid.as_bytes())
        .filter(|k| k.state != KeyState::Retired)
        .ok_or(GatewayError::UnknownKey)?;
    let five: [&str; 5] = [vals[0], vals[1], vals[2], vals[3], vals[4]];
    mac(&key.mac, kid, t, method, target, &five)
        .verify_slice(&tag)
        .map_err(|_| GatewayError::BadSignature)?;
    // After the MAC: a forged timestamp is a bad signature, not a skew.
    if now.abs_diff(t) > max_skew {
        return Err(GatewayError::Skew);
    }
    Ok(Some(Verified {
        identity: Identity {
            user,
            id: vals[1].to_owned(),
            shard: vals[2].to_owned(),
            version,
            expires,
        },
        kid: kid.to_owned(),
        timestamp: t,
    }))
}

/// Whether `name` is an identity header (any `Edge-Session-*`, case-insensitive): the gateway
/// drops every such header a client sends.
pub fn is_identity_header(name: &str) -> bool {
    name.len() >= HEADER_PREFIX.len()
        && name.as_bytes()[..HEADER_PREFIX.len()].eq_ignore_ascii_case(HEADER_PREFIX.as_bytes())
}

/// The parts of a request URL the gateway forwards, sliced from the runtime's serialised
/// (WHATWG) absolute URL without parsing it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlParts<'a> {
    /// `http` or `https` (what precedes `://`).
    pub scheme: &'a str,
    /// `host[:port]`, without any `user:password@`.
    pub host: &'a str,
    /// The path, still percent-encoded (`/` when the URL has none).
    pub path: &'a str,
    /// Path and query (`/app/page?x=1`), the fragment dropped: what the origin receives.
    pub target: &'a str,
}

/// Splits a serialised absolute URL (`scheme://[user@]host[:port]/path?query#fragment`) into
/// [`UrlParts`]; `None` when it has no `://`, no host, or a query with no path before it.
pub fn split_url(url: &str) -> Option<UrlParts<'_>> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if scheme.is_empty() || host.is_empty() {
        return None;
    }
    let target = &tail[..tail.find('#').unwrap_or(tail.len())];
    let target = match target {
        "" => "/",
        // An http(s) URL always serialises with a path (`http://h?q` as `http://h/?q`).
        t if !t.starts_with('/') => return None,
        t => t,
    };
    let path = &target[..target.find('?').unwrap_or(target.len())];
    Some(UrlParts {
        scheme,
        host,
        path,
        target,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_url_slices_what_the_origin_receives() {
        let p = split_url("https://example.com:8443/app/page?x=1&y=%2F#frag").unwrap();
        assert_eq!(p.scheme, "https");
        assert_eq!(p.host, "example.com:8443");
        assert_eq!(p.path, "/app/page");
        assert_eq!(p.target, "/app/page?x=1&y=%2F");
        let p = split_url("http://u:pw@127.0.0.1/%61pp/x").unwrap();
        assert_eq!(
            (p.host, p.path, p.target),
            ("127.0.0.1", "/%61pp/x", "/%61pp/x")
        );
        let p = split_url("http://h").unwrap();
        assert_eq!((p.host, p.path, p.target), ("h", "/", "/"));
        assert_eq!(split_url("http://h?q=1"), None);
        let p = split_url("http://[::1]:8787/a?b#c?d").unwrap();
        assert_eq!((p.host, p.path, p.target), ("[::1]:8787", "/a", "/a?b"));
        assert_eq!(split_url("/no/scheme"), None);
        assert_eq!(split_url("http:///path"), None);
        assert_eq!(split_url("://h/"), None);
    }

    fn keys() -> GatewayKeys {
        GatewayKeys::new(vec![
            ("g2".into(), vec![2; 32], KeyState::Primary),
            ("g1".into(), vec![1; 32], KeyState::Verify),
        ])
        .unwrap()
    }

    fn who() -> Identity {
        Identity {
            user: "zoë@example.com".into(),
            id: "A".repeat(43),
            shard: "shard-1".into(),
            version: 3,
            expires: 1_800_000_000,
        }
    }

    #[test]
    fn round_trip_and_tamper() {
        let k = keys();
        let h = sign(&k, "GET", "/app?x=1", &who(), 1000).unwrap();
        let get = |name: &str| h.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str());
        let ok = verify(&k, "GET", "/app?x=1", get, 1005, 30)
            .unwrap()
            .unwrap();
        assert_eq!(ok.identity, who());
        assert_eq!(ok.kid, "g2");
        assert_eq!(
            verify(&k, "POST", "/app?x=1", get, 1000, 30).unwrap_err(),
            GatewayError::BadSignature
        );
        assert_eq!(
            verify(&k, "GET", "/app?x=2", get, 1000, 30).unwrap_err(),
            GatewayError::BadSignature
        );
        assert_eq!(
            verify(&k, "GET", "/app?x=1", get, 1031, 30).unwrap_err(),
            GatewayError::Skew
        );
        assert_eq!(verify(&k, "GET", "/", |_| None, 1000, 30).unwrap(), None);
        let only_user = |n: &str| (n == HEADER_USER).then_some("bob");
        assert_eq!(
            verify(&k, "GET", "/", only_user, 1000, 30)
                .unwrap_err()
                .code(),
            "gateway_header_missing"
        );
        assert_eq!(h[0].1, "zo%C3%AB@example.com");
    }

    #[test]
    fn identity_header_prefix() {
        assert!(is_identity_header("edge-session-user"));
        assert!(is_identity_header("EDGE-SESSION-X"));
        assert!(!is_identity_header("edge-sessio"));
        assert!(!is_identity_header("x-edge-session-user"));
    }
}
