//! Where a sign-in came from, for "where you're signed in": the client's IP address, a short
//! user-agent summary (browser and OS), and, at Cloudflare's edge, the country and the data
//! centre (colo) that served it. Also the rule of the optional `bind_ip` / `bind_ua` policy.
//!
//! The shells read these from the request (the worker: `CF-Connecting-IP` and `request.cf`;
//! Node: the socket's address, or `X-Forwarded-For` only through a `trustProxy` setting) and
//! hand them over raw; everything here is pure and bounded. The user-agent summary comes from
//! a small pinned table ([`summarize_agent`]): no version numbers, so a browser update neither
//! changes what the session list shows nor trips `bind_ua`.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::error::SessionError;
use crate::limits::{MAX_AGENT_SCAN, MAX_CLIENT_FIELD_INPUT};

/// The client details a session records at sign-in (every field may be empty: unknown).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Client {
    /// The client's IP address, canonical (`203.0.113.7`, `2001:db8::1`; an IPv4-mapped IPv6
    /// address is written as IPv4). At most 39 bytes.
    pub ip: String,
    /// Browser and OS, e.g. `Firefox on Linux` (from [`summarize_agent`]). At most 32 bytes.
    pub agent: String,
    /// ISO 3166-1 alpha-2 country (Cloudflare's `request.cf.country`; `T1` for Tor). 2 bytes.
    pub country: String,
    /// The Cloudflare data centre that served the sign-in (IATA code, `request.cf.colo`).
    /// 3 or 4 bytes.
    pub colo: String,
}

impl Client {
    /// Whether nothing is known.
    pub fn is_empty(&self) -> bool {
        self.ip.is_empty()
            && self.agent.is_empty()
            && self.country.is_empty()
            && self.colo.is_empty()
    }

    /// The details of a request, each raw value checked: an IP that does not parse, a country or
    /// colo of the wrong shape, or any value over 8 KiB is `invalid_input` naming the field.
    /// `user_agent` is the raw `User-Agent` header; only its summary is kept.
    pub fn parse(
        ip: Option<&str>,
        user_agent: Option<&str>,
        country: Option<&str>,
        colo: Option<&str>,
    ) -> Result<Client, SessionError> {
        fn field(
            v: Option<&str>,
            f: fn(&str) -> Option<String>,
            why: &'static str,
        ) -> Result<String, SessionError> {
            match v {
                None | Some("") => Ok(String::new()),
                Some(s) if s.len() > MAX_CLIENT_FIELD_INPUT => Err(SessionError::invalid(why)),
                Some(s) => f(s).ok_or(SessionError::invalid(why)),
            }
        }
        if user_agent.is_some_and(|u| u.len() > MAX_CLIENT_FIELD_INPUT) {
            return Err(SessionError::invalid(
                "client.userAgent must be at most 8 KiB",
            ));
        }
        Ok(Client {
            ip: field(
                ip,
                normalize_ip,
                "client.ip must be an IPv4 or IPv6 address",
            )?,
            agent: user_agent.map(summarize_agent).unwrap_or_default(),
            country: field(
                country,
                normalize_country,
                "client.country must be 2 letters or digits",
            )?,
            colo: field(
                colo,
                normalize_colo,
                "client.colo must be 3 or 4 letters or digits",
            )?,
        })
    }

    /// The details of a request, dropping any value that does not check (for headers set by a
    /// platform, which a client cannot be blamed for).
    pub fn lenient(
        ip: Option<&str>,
        user_agent: Option<&str>,
        country: Option<&str>,
        colo: Option<&str>,
    ) -> Client {
        let one = |v: Option<&str>, f: fn(&str) -> Option<String>| {
            v.filter(|s| s.len() <= MAX_CLIENT_FIELD_INPUT)
                .and_then(f)
                .unwrap_or_default()
        };
        Client {
            ip: one(ip, normalize_ip),
            agent: user_agent.map(summarize_agent).unwrap_or_default(),
            country: one(country, normalize_country),
            colo: one(colo, normalize_colo),
        }
    }

    /// Checks a stored record's details (the shapes [`Client::parse`] produces).
    pub fn validate(&self) -> Result<(), SessionError> {
        let ok = (self.ip.is_empty() || normalize_ip(&self.ip).as_deref() == Some(&self.ip))
            && self.agent.len() <= 32
            && !self.agent.chars().any(char::is_control)
            && (self.country.is_empty() || normalize_country(&self.country).is_some())
            && (self.colo.is_empty() || normalize_colo(&self.colo).is_some());
        if ok {
            Ok(())
        } else {
            Err(SessionError::invalid("client details are malformed"))
        }
    }
}

/// The canonical text of an IP address, or `None` if `s` is not one (surrounding spaces are
/// ignored; an IPv4-mapped IPv6 address becomes IPv4).
pub fn normalize_ip(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() || s.len() > 45 {
        return None;
    }
    s.parse::<IpAddr>()
        .ok()
        .map(|ip| ip.to_canonical().to_string())
}

/// Whether two recorded addresses are the same network for `bind_ip`: the same IPv4 address,
/// or the same IPv6 /64 (privacy addresses change inside it). An empty or unparsable `seen`
/// is another network.
pub fn same_network(recorded: &str, seen: &str) -> bool {
    match (recorded.parse::<IpAddr>(), seen.parse::<IpAddr>()) {
        (Ok(IpAddr::V4(a)), Ok(IpAddr::V4(b))) => a == b,
        (Ok(IpAddr::V6(a)), Ok(IpAddr::V6(b))) => a.segments()[..4] == b.segments()[..4],
        _ => false,
    }
}

fn normalize_code(s: &str, lens: std::ops::RangeInclusive<usize>) -> Option<String> {
    let s = s.trim();
    (lens.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| s.to_ascii_uppercase())
}

/// A country code: 2 ASCII letters or digits, upper-cased.
pub fn normalize_country(s: &str) -> Option<String> {
    normalize_code(s, 2..=2)
}

/// A colo code: 3 or 4 ASCII letters or digits, upper-cased.
pub fn normalize_colo(s: &str) -> Option<String> {
    normalize_code(s, 3..=4)
}

/// Browsers, most specific first: (marker in the User-Agent, name). Chromium-based browsers
/// carry `Chrome/` and `Safari/` too, and Chrome carries `Safari/`, so their own markers come
/// first.
const BROWSERS: [(&str, &str); 14] = [
    ("Edg/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("EdgA/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Vivaldi/", "Vivaldi"),
    ("YaBrowser/", "Yandex"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
    ("node", "Node.js"),
];

/// Operating systems, most specific first: iOS agents say "like Mac OS X", Android and
/// ChromeOS agents say "Linux".
const SYSTEMS: [(&str, &str); 8] = [
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
];

/// A short summary of a `User-Agent` header: `"<browser> on <os>"` from the pinned tables
/// above (`Firefox on Linux`, `Safari on iOS`), the one that is known (`curl`), `Other` for an
/// agent neither table knows, and empty for an empty header. Only the first 1 KiB is read;
/// the result is at most 32 bytes.
pub fn summarize_agent(user_agent: &str) -> String {
    let mut end = user_agent.len().min(MAX_AGENT_SCAN);
    while !user_agent.is_char_boundary(end) {
        end -= 1;
    }
    let ua = user_agent[..end].trim();
    if ua.is_empty() {
        return String::new();
    }
    let find = |table: &[(&str, &'static str)]| {
        table
            .iter()
            .find(|(marker, _)| ua.contains(marker))
            .map(|(_, name)| *name)
    };
    match (find(&BROWSERS), find(&SYSTEMS)) {
        (Some(b), Some(os)) => format!("{b} on {os}"),
        (Some(one), None) | (None, Some(one)) => one.to_owned(),
        (None, None) => "Other".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_of_common_agents() {
        let cases = [
            ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Linux"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome on Windows"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge on Windows"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", "Safari on iOS"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", "Safari on macOS"),
            ("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36", "Samsung Internet on Android"),
            ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome on ChromeOS"),
            ("curl/8.11.0", "curl"),
            ("Wget/1.21", "Other"),
            ("", ""),
        ];
        for (ua, want) in cases {
            assert_eq!(summarize_agent(ua), want, "{ua}");
            assert!(summarize_agent(ua).len() <= 32);
        }
        // A marker past the first KiB is not read; a multi-byte character at the cut is safe.
        let long = format!("{}Firefox/1", "é".repeat(600));
        assert_eq!(summarize_agent(&long), "Other");
    }

    #[test]
    fn addresses_and_codes_are_checked_and_canonical() {
        assert_eq!(
            normalize_ip(" 203.0.113.7 ").as_deref(),
            Some("203.0.113.7")
        );
        assert_eq!(
            normalize_ip("::ffff:203.0.113.7").as_deref(),
            Some("203.0.113.7")
        );
        assert_eq!(
            normalize_ip("2001:DB8:0::1").as_deref(),
            Some("2001:db8::1")
        );
        for bad in ["", "localhost", "1.2.3", "203.0.113.7, 10.0.0.1", "[::1]"] {
            assert_eq!(normalize_ip(bad), None, "{bad}");
        }
        assert_eq!(normalize_country("de").as_deref(), Some("DE"));
        assert_eq!(normalize_country("DEU"), None);
        assert_eq!(normalize_colo("fra").as_deref(), Some("FRA"));
        assert_eq!(normalize_colo("F"), None);
        let c = Client::parse(Some("10.0.0.1"), Some("curl/8"), Some("nl"), Some("AMS")).unwrap();
        assert_eq!(
            (c.ip.as_str(), c.agent.as_str(), c.country.as_str()),
            ("10.0.0.1", "curl", "NL")
        );
        c.validate().unwrap();
        assert_eq!(
            Client::parse(Some("nope"), None, None, None)
                .unwrap_err()
                .code(),
            "invalid_input"
        );
        assert_eq!(
            Client::parse(None, Some(&"x".repeat(9000)), None, None)
                .unwrap_err()
                .code(),
            "invalid_input"
        );
        assert_eq!(
            Client::lenient(Some("nope"), None, Some("XX"), Some("?")).country,
            "XX"
        );
        assert!(Client::lenient(Some("nope"), None, None, Some("?")).is_empty());
        let mut bad = c.clone();
        bad.ip = "2001:DB8::1".into();
        assert!(bad.validate().is_err(), "not canonical");
    }

    #[test]
    fn networks_for_binding() {
        assert!(same_network("203.0.113.7", "203.0.113.7"));
        assert!(!same_network("203.0.113.7", "203.0.113.8"));
        assert!(same_network("2001:db8:1:2::1", "2001:db8:1:2:aaaa::9"));
        assert!(!same_network("2001:db8:1:2::1", "2001:db8:1:3::1"));
        assert!(!same_network("203.0.113.7", ""));
        assert!(!same_network("203.0.113.7", "::ffff:203.0.113.8"));
    }
}
