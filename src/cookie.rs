//! The session cookie: safe attributes, exact size accounting, bounded parsing.
//!
//! Defaults ([`CookieConfig::default`]) give
//!
//! ```text
//! __Host-session=<token>; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=<n>
//! ```
//!
//! A `Domain` (sessions shared by the subdomains of a site) rules out `__Host-`: the default
//! prefix ([`CookiePrefix::Auto`]) then becomes `__Secure-`, and asking for `__Host-` together
//! with a `Domain` is [`CookieError::HostPrefixDomain`]. `Partitioned` (CHIPS: a cookie kept
//! per top-level site, for embedded use) needs `Secure`.
//!
//! # Size accounting
//!
//! Browsers drop cookies silently when they are too large. [`CookieConfig::set_cookie`]
//! counts the bytes of the whole header line as it would be sent,
//!
//! ```text
//! Set-Cookie: <value>
//! ```
//!
//! that is `"Set-Cookie: ".len()` (12 bytes, name, colon and one space) plus the
//! UTF-8 length of the returned value with every attribute (`Domain` and `Partitioned`
//! included), excluding the CRLF
//! line terminator. Above [`MAX_SET_COOKIE_LINE`] (4096) bytes it returns
//! [`CookieError::TooLarge`]. This is stricter than the RFC 6265bis limit
//! (4096 bytes of name plus value), so anything it accepts a browser keeps.
//!
//! # Parsing
//!
//! [`CookieConfig::lookup`] reads a `Cookie` request header of at most
//! [`MAX_COOKIE_HEADER_LEN`] (32 KiB) bytes and examines every `name=value` pair in it, so
//! the work is bounded by the length alone. A longer header is an error
//! ([`CookieHeaderError::TooLarge`]), never a cookie silently not found. RFC 6265bis has user
//! agents keep cookies of up to 4096 bytes of name and value and at least 50 per domain: a
//! header over 32 KiB is far beyond what a site of normal cookies sends, and most servers
//! refuse headers that large anyway.

use core::fmt;

/// Largest `Set-Cookie: <value>` line produced, in bytes (CRLF not counted).
pub const MAX_SET_COOKIE_LINE: usize = 4096;
/// Bytes of `"Set-Cookie: "` counted in front of the value.
pub const SET_COOKIE_PREFIX_LEN: usize = "Set-Cookie: ".len();
/// Largest `Cookie` request header [`CookieConfig::lookup`] reads.
pub const MAX_COOKIE_HEADER_LEN: usize = 32 * 1024;
/// Longest path attribute value (RFC 6265bis attribute limit).
pub const MAX_ATTRIBUTE_LEN: usize = 1024;
/// Longest `Domain` attribute value: a DNS name (253 bytes), plus an optional leading dot.
pub const MAX_DOMAIN_LEN: usize = 254;
/// Longest label of a `Domain` (DNS).
const MAX_LABEL_LEN: usize = 63;

const HOST_PREFIX: &str = "__Host-";
const SECURE_PREFIX: &str = "__Secure-";

/// The `SameSite` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum SameSite {
    /// `SameSite=Strict`: never sent on cross-site requests.
    Strict,
    /// `SameSite=Lax`: sent on top-level cross-site navigations only (the default).
    Lax,
    /// `SameSite=None`: always sent; requires `Secure`.
    None,
}

/// The name prefix that makes browsers enforce the cookie's attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CookiePrefix {
    /// The strongest the attributes allow (default): `__Host-` without a `Domain`,
    /// `__Secure-` with one.
    #[default]
    Auto,
    /// `__Host-`: needs `Secure`, `Path=/` and no `Domain`.
    Host,
    /// `__Secure-`: needs `Secure`.
    Secure,
    /// No prefix.
    None,
}

impl CookiePrefix {
    /// Parses `auto`, `host`, `secure` or `none` (ASCII case-insensitive).
    pub fn parse(s: &str) -> Option<CookiePrefix> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Some(CookiePrefix::Auto),
            "host" => Some(CookiePrefix::Host),
            "secure" => Some(CookiePrefix::Secure),
            "none" => Some(CookiePrefix::None),
            _ => None,
        }
    }
}

/// How the session cookie is named and which attributes it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieConfig {
    /// The base name (default `"session"`).
    pub name: String,
    /// The name prefix (default [`CookiePrefix::Auto`]: `__Host-`, or `__Secure-` with a
    /// `Domain`).
    pub prefix: CookiePrefix,
    /// The `Secure` attribute (default `true`).
    pub secure: bool,
    /// The `HttpOnly` attribute (default `true`).
    pub http_only: bool,
    /// The `SameSite` attribute (default [`SameSite::Lax`]).
    pub same_site: SameSite,
    /// The `Path` attribute (default `"/"`).
    pub path: String,
    /// The `Domain` attribute (default none, which `__Host-` requires): a host name of at most
    /// 253 bytes, optionally with a leading dot, labels of 1..=63 letters, digits and inner `-`.
    pub domain: Option<String>,
    /// The `Partitioned` attribute (CHIPS; default `false`); needs `Secure`.
    pub partitioned: bool,
}

impl Default for CookieConfig {
    fn default() -> Self {
        CookieConfig {
            name: "session".to_owned(),
            prefix: CookiePrefix::Auto,
            secure: true,
            http_only: true,
            same_site: SameSite::Lax,
            path: "/".to_owned(),
            domain: None,
            partitioned: false,
        }
    }
}

/// Errors from building a cookie or validating a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CookieError {
    /// The cookie name is empty or not an RFC 9110 token.
    BadName,
    /// The value has a character outside RFC 6265 cookie-octets.
    BadValue,
    /// The path is empty, does not start with `/`, is over 1024 bytes or has a control character or `;`.
    BadPath,
    /// The domain is not a host name: empty, over [`MAX_DOMAIN_LEN`] bytes, an empty label or
    /// one over 63 bytes, a character outside `[A-Za-z0-9.-]`, or a label starting or ending
    /// with `-`.
    BadDomain,
    /// A `__Host-` cookie needs `Secure` and `Path=/`.
    HostPrefix,
    /// `__Host-` was asked for together with a `Domain`, which it forbids (the default prefix
    /// becomes `__Secure-` with a `Domain`).
    HostPrefixDomain,
    /// `Partitioned` needs `Secure`.
    PartitionedInsecure,
    /// A `__Secure-` cookie needs `Secure`.
    SecurePrefix,
    /// `SameSite=None` needs `Secure`.
    SameSiteNoneInsecure,
    /// Max-Age does not fit the cookie crate's range (above `i64::MAX` seconds).
    BadMaxAge,
    /// The `Set-Cookie` line would be over [`MAX_SET_COOKIE_LINE`] bytes.
    TooLarge {
        /// Bytes the line would have had.
        len: usize,
    },
}

impl CookieError {
    /// A stable snake_case code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            CookieError::BadName => "cookie_bad_name",
            CookieError::BadValue => "cookie_bad_value",
            CookieError::BadPath => "cookie_bad_path",
            CookieError::BadDomain => "cookie_bad_domain",
            CookieError::HostPrefix => "cookie_host_prefix",
            CookieError::HostPrefixDomain => "cookie_host_prefix_domain",
            CookieError::PartitionedInsecure => "cookie_partitioned_insecure",
            CookieError::SecurePrefix => "cookie_secure_prefix",
            CookieError::SameSiteNoneInsecure => "cookie_samesite_none_insecure",
            CookieError::BadMaxAge => "cookie_bad_max_age",
            CookieError::TooLarge { .. } => "cookie_too_large",
        }
    }
}

impl fmt::Display for CookieError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CookieError::BadName => f.write_str("cookie name must be a non-empty HTTP token"),
            CookieError::BadValue => {
                f.write_str("cookie value has a character not allowed in cookies")
            }
            CookieError::BadPath => {
                f.write_str("cookie path must start with '/' and have no control characters or ';'")
            }
            CookieError::BadDomain => f.write_str(
                "cookie domain must be a host name (at most 253 bytes, labels of 1..=63 letters, digits and inner '-')",
            ),
            CookieError::HostPrefix => f.write_str("a __Host- cookie needs Secure and Path=/"),
            CookieError::HostPrefixDomain => f.write_str(
                "a __Host- cookie cannot have a Domain: drop the Domain, or let the prefix default to __Secure-",
            ),
            CookieError::PartitionedInsecure => f.write_str("Partitioned needs Secure"),
            CookieError::SecurePrefix => f.write_str("a __Secure- cookie needs Secure"),
            CookieError::SameSiteNoneInsecure => f.write_str("SameSite=None needs Secure"),
            CookieError::BadMaxAge => f.write_str("Max-Age is out of range"),
            CookieError::TooLarge { len } => write!(
                f,
                "Set-Cookie line would be {len} bytes, browsers keep at most {MAX_SET_COOKIE_LINE}"
            ),
        }
    }
}

impl std::error::Error for CookieError {}

/// Why a `Cookie` request header was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CookieHeaderError {
    /// The header is over [`MAX_COOKIE_HEADER_LEN`] bytes.
    TooLarge {
        /// Its length in bytes.
        len: usize,
    },
}

impl CookieHeaderError {
    /// Stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            CookieHeaderError::TooLarge { .. } => "cookie_header_too_large",
        }
    }
}

impl fmt::Display for CookieHeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CookieHeaderError::TooLarge { len } => write!(
                f,
                "Cookie header is {len} bytes, over the {MAX_COOKIE_HEADER_LEN} read; the session cookie was not looked for"
            ),
        }
    }
}

impl std::error::Error for CookieHeaderError {}

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// RFC 6265 `cookie-octet`.
fn is_cookie_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

/// Strips leading and trailing spaces and tabs (HTTP optional whitespace).
fn trim_ows(s: &str) -> &str {
    s.trim_matches(|c| c == ' ' || c == '\t')
}

/// Whether `d` is a host name fit for a `Domain` attribute (one leading dot allowed).
fn valid_domain(d: &str) -> bool {
    let host = d.strip_prefix('.').unwrap_or(d);
    !host.is_empty()
        && d.len() <= MAX_DOMAIN_LEN
        && host.len() < MAX_DOMAIN_LEN
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= MAX_LABEL_LEN
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

impl CookieConfig {
    /// The prefix in force: [`CookiePrefix::Auto`] resolved against the `Domain`.
    fn effective_prefix(&self) -> &'static str {
        match (self.prefix, self.domain.is_some()) {
            (CookiePrefix::Auto, false) | (CookiePrefix::Host, _) => HOST_PREFIX,
            (CookiePrefix::Auto, true) | (CookiePrefix::Secure, _) => SECURE_PREFIX,
            (CookiePrefix::None, _) => "",
        }
    }

    /// The full cookie name: the prefix in force + `name` (`__Host-session` by default,
    /// `__Secure-session` with a `Domain`).
    pub fn cookie_name(&self) -> String {
        format!("{}{}", self.effective_prefix(), self.name)
    }

    /// Checks the configuration. Prefix rules apply to the full name, so a name
    /// spelled `__Host-x` without `host_prefix` is held to them too.
    pub fn validate(&self) -> Result<(), CookieError> {
        let name = self.cookie_name();
        if self.name.is_empty() || name.len() > MAX_ATTRIBUTE_LEN || !name.bytes().all(is_tchar) {
            return Err(CookieError::BadName);
        }
        if !self.path.starts_with('/')
            || self.path.len() > MAX_ATTRIBUTE_LEN
            || self
                .path
                .bytes()
                .any(|b| b.is_ascii_control() || b == b';' || !b.is_ascii())
        {
            return Err(CookieError::BadPath);
        }
        if let Some(d) = &self.domain {
            if !valid_domain(d) {
                return Err(CookieError::BadDomain);
            }
        }
        let lower = name.to_ascii_lowercase();
        if lower.starts_with(&HOST_PREFIX.to_ascii_lowercase()) {
            if self.domain.is_some() {
                return Err(CookieError::HostPrefixDomain);
            }
            if !self.secure || self.path != "/" {
                return Err(CookieError::HostPrefix);
            }
        }
        if lower.starts_with(&SECURE_PREFIX.to_ascii_lowercase()) && !self.secure {
            return Err(CookieError::SecurePrefix);
        }
        if self.same_site == SameSite::None && !self.secure {
            return Err(CookieError::SameSiteNoneInsecure);
        }
        if self.partitioned && !self.secure {
            return Err(CookieError::PartitionedInsecure);
        }
        Ok(())
    }

    /// The header value: `name=value` and the attributes, in the order (and with the
    /// spelling) of the `cookie` crate's `Display`, which this replaces so the wasm carries no
    /// date-formatting code (nothing here writes `Expires`). A test checks both agree.
    fn build(&self, value: &str, max_age: Option<u64>) -> String {
        let mut out = String::with_capacity(96 + value.len());
        out.push_str(&self.cookie_name());
        out.push('=');
        out.push_str(value);
        if self.http_only {
            out.push_str("; HttpOnly");
        }
        out.push_str(match self.same_site {
            SameSite::Strict => "; SameSite=Strict",
            SameSite::Lax => "; SameSite=Lax",
            SameSite::None => "; SameSite=None",
        });
        if self.partitioned {
            out.push_str("; Partitioned");
        }
        if self.secure || self.partitioned {
            out.push_str("; Secure");
        }
        out.push_str("; Path=");
        out.push_str(&self.path);
        if let Some(d) = &self.domain {
            out.push_str("; Domain=");
            out.push_str(d.strip_prefix('.').unwrap_or(d));
        }
        if let Some(age) = max_age {
            out.push_str("; Max-Age=");
            out.push_str(&age.to_string());
        }
        out
    }

    /// The `Set-Cookie` header value carrying `value` for `max_age_secs` seconds.
    ///
    /// Fails when the configuration is invalid, the value has characters outside
    /// RFC 6265 cookie-octets, or the line `Set-Cookie: <value>` would exceed
    /// 4096 bytes (see the module docs for exactly what is counted).
    pub fn set_cookie(&self, value: &str, max_age_secs: u64) -> Result<String, CookieError> {
        self.set_cookie_for(value, Some(max_age_secs))
    }

    /// A browser-session `Set-Cookie` header value (no `Max-Age`: the browser drops it when it
    /// ends its session), checked like [`CookieConfig::set_cookie`].
    pub fn set_session_cookie(&self, value: &str) -> Result<String, CookieError> {
        self.set_cookie_for(value, None)
    }

    /// [`CookieConfig::set_cookie`] for `Some(max_age_secs)`,
    /// [`CookieConfig::set_session_cookie`] for `None` (what a session's
    /// [`Issued::max_age`](crate::manager::Issued::max_age) holds).
    pub fn set_cookie_for(
        &self,
        value: &str,
        max_age_secs: Option<u64>,
    ) -> Result<String, CookieError> {
        self.validate()?;
        // Bound before formatting anything.
        if value.len() > MAX_SET_COOKIE_LINE {
            return Err(CookieError::TooLarge {
                len: SET_COOKIE_PREFIX_LEN + value.len(),
            });
        }
        if !value.bytes().all(is_cookie_octet) {
            return Err(CookieError::BadValue);
        }
        // The cookie crate took seconds as an i64; the same bound keeps the same errors.
        if max_age_secs.is_some_and(|s| i64::try_from(s).is_err()) {
            return Err(CookieError::BadMaxAge);
        }
        let header = self.build(value, max_age_secs);
        let line = SET_COOKIE_PREFIX_LEN + header.len();
        if line > MAX_SET_COOKIE_LINE {
            return Err(CookieError::TooLarge { len: line });
        }
        Ok(header)
    }

    /// A `Set-Cookie` header value that deletes the cookie: empty value,
    /// `Max-Age=0`, the same attributes (browsers match on name, path and domain, and a
    /// partitioned cookie is only reached by a `Partitioned` line).
    pub fn clear_cookie(&self) -> String {
        self.build("", Some(0))
    }

    /// Finds this cookie's value in a `Cookie` request header.
    ///
    /// Pairs are separated by `;`, surrounding spaces and tabs are ignored, a
    /// value wrapped in double quotes is returned without them, names compare
    /// exactly. The first matching pair wins, wherever it is in the header. A header over
    /// [`MAX_COOKIE_HEADER_LEN`] bytes is [`CookieHeaderError::TooLarge`]. The value is not
    /// otherwise checked: it goes to token verification.
    pub fn lookup<'a>(&self, cookie_header: &'a str) -> Result<Option<&'a str>, CookieHeaderError> {
        if cookie_header.len() > MAX_COOKIE_HEADER_LEN {
            return Err(CookieHeaderError::TooLarge {
                len: cookie_header.len(),
            });
        }
        let name = self.cookie_name();
        for pair in cookie_header.split(';') {
            let Some((n, v)) = pair.split_once('=') else {
                continue;
            };
            if trim_ows(n) != name {
                continue;
            }
            let v = trim_ows(v);
            let v = v
                .strip_prefix('"')
                .and_then(|x| x.strip_suffix('"'))
                .unwrap_or(v);
            return Ok(Some(v));
        }
        Ok(None)
    }

    /// `cookie_header` without the session cookie (every pair with its name), the other
    /// cookies kept in order; `None` when nothing is left. A gateway forwards this to its
    /// origin so the session token stays at the edge.
    pub fn without_session(&self, cookie_header: &str) -> Option<String> {
        let name = self.cookie_name();
        let kept: Vec<&str> = cookie_header
            .split(';')
            .map(trim_ows)
            .filter(|pair| !pair.is_empty())
            .filter(|pair| pair.split_once('=').map_or(*pair, |(n, _)| trim_ows(n)) != name)
            .collect();
        (!kept.is_empty()).then(|| kept.join("; "))
    }

    /// [`CookieConfig::lookup`] with an oversized header read as having no such cookie.
    pub fn find<'a>(&self, cookie_header: &'a str) -> Option<&'a str> {
        self.lookup(cookie_header).ok().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header as the `cookie` crate (a dev-dependency now) writes it.
    fn by_the_crate(c: &CookieConfig, value: &str, max_age: Option<u64>) -> String {
        let mut b = cookie::Cookie::build((c.cookie_name(), value.to_owned()))
            .http_only(c.http_only)
            .secure(c.secure)
            .same_site(match c.same_site {
                SameSite::Strict => cookie::SameSite::Strict,
                SameSite::Lax => cookie::SameSite::Lax,
                SameSite::None => cookie::SameSite::None,
            })
            .path(c.path.clone());
        if let Some(age) = max_age {
            b = b.max_age(cookie::time::Duration::seconds(age as i64));
        }
        if let Some(d) = &c.domain {
            b = b.domain(d.clone());
        }
        if c.partitioned {
            b = b.partitioned(true);
        }
        b.build().to_string()
    }

    #[test]
    fn headers_are_the_cookie_crates_byte_for_byte() {
        let mut checked = 0;
        for same_site in [SameSite::Strict, SameSite::Lax, SameSite::None] {
            for (secure, partitioned) in [(true, false), (true, true), (false, false)] {
                for http_only in [true, false] {
                    for domain in [None, Some("example.com"), Some(".example.com")] {
                        for path in ["/", "/app"] {
                            let c = CookieConfig {
                                same_site,
                                secure,
                                partitioned,
                                http_only,
                                domain: domain.map(str::to_owned),
                                path: path.to_owned(),
                                prefix: if secure {
                                    CookiePrefix::Auto
                                } else {
                                    CookiePrefix::None
                                },
                                ..CookieConfig::default()
                            };
                            for age in [None, Some(0), Some(43_200), Some(i64::MAX as u64)] {
                                let Ok(ours) = c.set_cookie_for("tok", age) else {
                                    continue; // refused configurations are tested elsewhere
                                };
                                assert_eq!(ours, by_the_crate(&c, "tok", age));
                                checked += 1;
                            }
                            if c.validate().is_ok() {
                                assert_eq!(c.clear_cookie(), by_the_crate(&c, "", Some(0)));
                            }
                        }
                    }
                }
            }
        }
        assert!(checked > 50, "{checked}");
    }

    #[test]
    fn without_session_keeps_the_other_cookies() {
        let c = CookieConfig::default();
        assert_eq!(
            c.without_session("a=1; __Host-session=tok;b=2 ; __Host-session=\"x\"")
                .as_deref(),
            Some("a=1; b=2")
        );
        assert_eq!(c.without_session("__Host-session=tok"), None);
        assert_eq!(
            c.without_session("theme=dark").as_deref(),
            Some("theme=dark")
        );
        assert_eq!(
            c.without_session("x__Host-session=1").as_deref(),
            Some("x__Host-session=1")
        );
    }

    #[test]
    fn codes_are_stable() {
        assert_eq!(CookieError::TooLarge { len: 1 }.code(), "cookie_too_large");
        assert_eq!(CookieError::HostPrefix.code(), "cookie_host_prefix");
    }

    #[test]
    fn octets() {
        for b in [b' ', b'"', b',', b';', b'\\', 0x7F, 0x00] {
            assert!(!is_cookie_octet(b));
        }
        for b in b"azAZ09-_.~!#+/:<=>?@[]^`{|}" {
            assert!(is_cookie_octet(*b), "{}", *b as char);
        }
    }
}
