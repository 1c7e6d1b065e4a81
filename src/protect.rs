//! Gateway mode's path rules: which request paths need a session (`PROTECT`), and where a
//! browser without one is sent (`SIGNIN_URL` plus a return path that cannot leave the site).
//!
//! A pattern is an exact path (`/account`) or a prefix ending in `/*` (`/app/*`), which matches
//! the prefix itself (`/app`, `/app/`) and everything below it (`/app/x/y`). A bare `*` or `/*`
//! matches every path. Patterns are matched against the request path only (no query).

use core::fmt;

/// Most patterns `PROTECT` may list.
pub const MAX_PATTERNS: usize = 64;
/// Longest pattern, in bytes.
pub const MAX_PATTERN_LEN: usize = 256;
/// Longest `SIGNIN_URL`, in bytes.
pub const MAX_SIGNIN_URL_LEN: usize = 2048;
/// Longest return path put into the sign-in redirect, in bytes (a longer one becomes `/`).
pub const MAX_RETURN_LEN: usize = 2048;

/// A bad `PROTECT` or `SIGNIN_URL` setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectError(pub &'static str);

impl fmt::Display for ProtectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for ProtectError {}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    Exact(String),
    /// The prefix without the trailing `/*` (empty: every path).
    Below(String),
}

/// The parsed `PROTECT` list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Protect(Vec<Pattern>);

impl Protect {
    /// Parses a comma-separated list of patterns (blank entries are ignored).
    pub fn parse(list: &str) -> Result<Protect, ProtectError> {
        let mut out = Vec::new();
        for raw in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if out.len() == MAX_PATTERNS {
                return Err(ProtectError("at most 64 patterns"));
            }
            if raw.len() > MAX_PATTERN_LEN {
                return Err(ProtectError("a pattern is longer than 256 bytes"));
            }
            if raw == "*" || raw == "/*" {
                out.push(Pattern::Below(String::new()));
                continue;
            }
            let ok_chars = raw.bytes().all(|b| b.is_ascii_graphic() && b != b'?');
            if !raw.starts_with('/') || !ok_chars {
                return Err(ProtectError(
                    "patterns are paths starting with / (no spaces, no query)",
                ));
            }
            match raw.strip_suffix("/*") {
                Some(prefix) if !prefix.contains('*') => out.push(Pattern::Below(prefix.into())),
                None if !raw.contains('*') => out.push(Pattern::Exact(raw.into())),
                _ => return Err(ProtectError("* may only end a pattern, as /*")),
            }
        }
        Ok(Protect(out))
    }

    /// Whether `path` (as in the URL, percent-encoded) needs a session. Patterns are matched
    /// against the percent-decoded path, so `/%61pp/x` and `/app%2Fx`, which an origin may
    /// decode to `/app/x`, are protected by `/app/*` as `/app/x` is.
    pub fn matches(&self, path: &str) -> bool {
        if self.0.is_empty() {
            return false;
        }
        let decoded = percent_decode(path);
        let path = decoded.as_slice();
        self.0.iter().any(|p| match p {
            Pattern::Exact(e) => path == e.as_bytes(),
            Pattern::Below(prefix) => path
                .strip_prefix(prefix.as_bytes())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(b"/")),
        })
    }

    /// Whether no pattern was given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// `%XX` sequences decoded to their bytes; anything else (a lone `%` included) kept as is.
fn percent_decode(path: &str) -> Vec<u8> {
    let b = path.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).and_then(|&c| hex(c)),
            b.get(i + 2).and_then(|&c| hex(c)),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// Checks `SIGNIN_URL`: a same-site path (`/login`, not `//host`) or an absolute `http(s)://`
/// URL, printable ASCII, at most [`MAX_SIGNIN_URL_LEN`] bytes.
pub fn check_signin_url(url: &str) -> Result<(), ProtectError> {
    let printable = url.bytes().all(|b| b.is_ascii_graphic());
    let relative = url.starts_with('/') && !url.starts_with("//") && !url.starts_with("/\\");
    let absolute = url.starts_with("https://") || url.starts_with("http://");
    if url.len() > MAX_SIGNIN_URL_LEN || !printable || !(relative || absolute) {
        return Err(ProtectError(
            "must be a path like /login or an http(s):// URL, printable ASCII, at most 2048 bytes",
        ));
    }
    Ok(())
}

/// The return path for a sign-in redirect: `target` (path and query) if it is a same-site
/// relative path, else `/`. `//evil.example/x` and `/\evil.example` would be read by browsers as
/// another host, so they become `/`.
pub fn return_path(target: &str) -> &str {
    let safe = target.starts_with('/')
        && !target.starts_with("//")
        && !target.starts_with("/\\")
        && target.len() <= MAX_RETURN_LEN
        && target.bytes().all(|b| b.is_ascii_graphic());
    if safe {
        target
    } else {
        "/"
    }
}

/// The `Location` of the sign-in redirect: `signin_url` with `return=<return path>` added to
/// its query (percent-encoded).
pub fn signin_location(signin_url: &str, target: &str) -> String {
    let ret = return_path(target);
    let mut out = String::with_capacity(signin_url.len() + ret.len() * 3 + 8);
    out.push_str(signin_url);
    out.push(if signin_url.contains('?') { '&' } else { '?' });
    out.push_str("return=");
    for b in ret.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_what_they_say() {
        let p = Protect::parse(" /app/*, /account ,,").unwrap();
        for yes in ["/app", "/app/", "/app/x/y", "/account"] {
            assert!(p.matches(yes), "{yes}");
        }
        for no in ["/apple", "/account/x", "/", "/ap", "/accounts"] {
            assert!(!p.matches(no), "{no}");
        }
        assert!(Protect::parse("/*").unwrap().matches("/anything"));
        // Encoded forms an origin may decode are protected too.
        for sneaky in ["/%61pp/x", "/app%2Fx", "/app%2fsecret", "/%61ccount"] {
            assert!(p.matches(sneaky), "{sneaky}");
        }
        assert!(!p.matches("/app%"), "a lone % is not an escape");
        assert!(Protect::parse("").unwrap().is_empty());
    }

    #[test]
    fn bad_patterns_are_refused() {
        for bad in ["app", "/a*b", "/a/*/b/*", "/a b", "/a?x=1", "/*x"] {
            assert!(Protect::parse(bad).is_err(), "{bad}");
        }
        let many = vec!["/a"; 65].join(",");
        assert!(Protect::parse(&many).is_err());
        assert!(Protect::parse(&format!("/{}", "a".repeat(256))).is_err());
    }

    #[test]
    fn no_open_redirect() {
        assert_eq!(return_path("/app?x=1"), "/app?x=1");
        for bad in [
            "//evil.example/x",
            "/\\evil.example",
            "https://evil.example",
            "",
            "/a b",
        ] {
            assert_eq!(return_path(bad), "/", "{bad}");
        }
        assert_eq!(
            signin_location("/login", "/app/page?x=1&y=2"),
            "/login?return=/app/page%3Fx%3D1%26y%3D2"
        );
        assert_eq!(
            signin_location("/login?from=gw", "//evil.example"),
            "/login?from=gw&return=/"
        );
        assert!(check_signin_url("/login").is_ok());
        assert!(check_signin_url("https://id.example/login").is_ok());
        for bad in [
            "//evil.example",
            "/\\evil",
            "javascript:alert(1)",
            "login",
            "/a b",
        ] {
            assert!(check_signin_url(bad).is_err(), "{bad}");
        }
    }
}
