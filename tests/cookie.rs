//! Cookie tests: pinned attribute output, the exact 4096-byte boundary, bounded parsing.

use edge_session::cookie::{CookieHeaderError, MAX_COOKIE_HEADER_LEN, SET_COOKIE_PREFIX_LEN};
use edge_session::{CookieConfig, CookieError, CookiePrefix, SameSite, MAX_TOKEN_LEN};
use proptest::prelude::*;

fn line_len(header: &str) -> usize {
    "Set-Cookie: ".len() + header.len()
}

#[test]
fn safe_defaults_are_pinned() {
    let c = CookieConfig::default();
    assert_eq!(c.cookie_name(), "__Host-session");
    c.validate().unwrap();
    assert_eq!(
        c.set_cookie("abc-_123", 3600).unwrap(),
        "__Host-session=abc-_123; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=3600"
    );
    assert_eq!(
        c.clear_cookie(),
        "__Host-session=; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=0"
    );
}

#[test]
fn other_attributes() {
    let c = CookieConfig {
        name: "sid".into(),
        prefix: CookiePrefix::None,
        same_site: SameSite::Strict,
        path: "/app".into(),
        domain: Some("example.com".into()),
        http_only: false,
        ..CookieConfig::default()
    };
    assert_eq!(
        c.set_cookie("v", 0).unwrap(),
        "sid=v; SameSite=Strict; Secure; Path=/app; Domain=example.com; Max-Age=0"
    );
    let c = CookieConfig {
        same_site: SameSite::None,
        ..CookieConfig::default()
    };
    assert_eq!(
        c.set_cookie("v", 1).unwrap(),
        "__Host-session=v; HttpOnly; SameSite=None; Secure; Path=/; Max-Age=1"
    );
}

#[test]
fn size_boundary_is_exact() {
    assert_eq!(SET_COOKIE_PREFIX_LEN, 12);
    let c = CookieConfig::default();
    let overhead = line_len(&c.set_cookie("", 86_400).unwrap());
    let fits = "a".repeat(4096 - overhead);
    let header = c.set_cookie(&fits, 86_400).unwrap();
    assert_eq!(line_len(&header), 4096);
    let over = "a".repeat(4096 - overhead + 1);
    let err = c.set_cookie(&over, 86_400).unwrap_err();
    assert_eq!(err, CookieError::TooLarge { len: 4097 });
    assert_eq!(err.code(), "cookie_too_large");
    // Max-Age digits count too: the same value with a longer Max-Age no longer fits.
    assert_eq!(
        c.set_cookie(&fits, 864_000).unwrap_err(),
        CookieError::TooLarge { len: 4097 }
    );
    // Huge values are refused before formatting.
    assert!(matches!(
        c.set_cookie(&"a".repeat(100_000), 1),
        Err(CookieError::TooLarge { .. })
    ));
    // The largest token always fits with the defaults.
    let token = "A".repeat(MAX_TOKEN_LEN);
    assert!(line_len(&c.set_cookie(&token, u32::MAX.into()).unwrap()) <= 4096);
}

#[test]
fn validation_rules() {
    let d = CookieConfig::default;
    let err = |c: CookieConfig| c.validate().unwrap_err().code();
    assert_eq!(
        err(CookieConfig {
            secure: false,
            ..d()
        }),
        "cookie_host_prefix"
    );
    assert_eq!(
        err(CookieConfig {
            path: "/a".into(),
            ..d()
        }),
        "cookie_host_prefix"
    );
    assert_eq!(
        err(CookieConfig {
            domain: Some("example.com".into()),
            prefix: CookiePrefix::Host,
            ..d()
        }),
        "cookie_host_prefix_domain"
    );
    let plain = || CookieConfig {
        prefix: CookiePrefix::None,
        ..d()
    };
    plain().validate().unwrap();
    assert_eq!(
        err(CookieConfig {
            same_site: SameSite::None,
            secure: false,
            ..plain()
        }),
        "cookie_samesite_none_insecure"
    );
    assert_eq!(
        err(CookieConfig {
            name: "__Host-x".into(),
            secure: false,
            ..plain()
        }),
        "cookie_host_prefix"
    );
    assert_eq!(
        err(CookieConfig {
            name: "__Secure-x".into(),
            secure: false,
            ..plain()
        }),
        "cookie_secure_prefix"
    );
    for name in ["", "a b", "a;b", "a=b", "sé", "a\"b"] {
        assert_eq!(
            err(CookieConfig {
                name: name.into(),
                ..d()
            }),
            "cookie_bad_name",
            "{name:?}"
        );
    }
    for path in ["", "a", "/a;b", "/a\nb", "/é"] {
        assert_eq!(
            err(CookieConfig {
                path: path.into(),
                ..plain()
            }),
            "cookie_bad_path",
            "{path:?}"
        );
    }
    for domain in [
        "", ".", "a b", "a;b", "a/b", "a..b", "a.", "-a.com", "a-.com", "..a", "é.com",
    ] {
        assert_eq!(
            err(CookieConfig {
                domain: Some(domain.into()),
                ..plain()
            }),
            "cookie_bad_domain",
            "{domain:?}"
        );
    }
    // set_cookie validates too.
    let bad = CookieConfig {
        secure: false,
        ..d()
    };
    assert_eq!(
        bad.set_cookie("v", 1).unwrap_err().code(),
        "cookie_host_prefix"
    );
}

#[test]
fn values_must_be_cookie_octets() {
    let c = CookieConfig::default();
    for v in [
        "a b",
        "a;b",
        "a,b",
        "a\"b",
        "a\\b",
        "é",
        "a\r\nSet-Cookie: x=y",
    ] {
        assert_eq!(
            c.set_cookie(v, 1).unwrap_err().code(),
            "cookie_bad_value",
            "{v:?}"
        );
    }
    assert_eq!(
        c.set_cookie("v", u64::MAX).unwrap_err().code(),
        "cookie_bad_max_age"
    );
}

#[test]
fn find_in_a_cookie_header() {
    let c = CookieConfig::default();
    assert_eq!(c.find(""), None);
    assert_eq!(c.find("__Host-session=tok"), Some("tok"));
    assert_eq!(
        c.find("theme=dark; __Host-session=tok; lang=en"),
        Some("tok")
    );
    assert_eq!(c.find("a=1;__Host-session=tok;b=2"), Some("tok"));
    assert_eq!(c.find(" \t__Host-session = tok \t; x=y"), Some("tok"));
    assert_eq!(c.find("__Host-session=\"tok\""), Some("tok"));
    assert_eq!(c.find("__Host-session=\"tok"), Some("\"tok"));
    assert_eq!(c.find("__Host-session="), Some(""));
    assert_eq!(c.find("__Host-session=a=b"), Some("a=b"));
    // Names compare exactly.
    assert_eq!(
        c.find("session=x; __host-session=y; __Host-sessionX=z"),
        None
    );
    assert_eq!(c.find("x__Host-session=z"), None);
    // The first match wins.
    assert_eq!(
        c.find("__Host-session=one; __Host-session=two"),
        Some("one")
    );
    // Junk is skipped.
    assert_eq!(
        c.find(";;; =; junk; \u{0}\u{7f}é=ü; __Host-session=tok"),
        Some("tok")
    );
    let plain = CookieConfig {
        prefix: CookiePrefix::None,
        ..CookieConfig::default()
    };
    assert_eq!(plain.find("__Host-session=a; session=b"), Some("b"));
}

#[test]
fn find_is_bounded_by_length_only() {
    let c = CookieConfig::default();
    let ours = "__Host-session=tok";
    // Browsers keep at least 50 cookies per site: ours is found after 1000 others.
    let filler: Vec<String> = (0..1000).map(|i| format!("c{i}=v")).collect();
    let header = format!("{}; {ours}", filler.join("; "));
    assert_eq!(c.lookup(&header), Ok(Some("tok")));
    assert_eq!(c.lookup(&filler.join("; ")), Ok(None));
    // A header of exactly 32 KiB is read, one byte more is a coded error.
    let pad = "p=".to_owned() + &"x".repeat(MAX_COOKIE_HEADER_LEN - ours.len() - 4);
    let header = format!("{pad}; {ours}");
    assert_eq!(header.len(), MAX_COOKIE_HEADER_LEN);
    assert_eq!(c.lookup(&header), Ok(Some("tok")));
    assert_eq!(c.find(&header), Some("tok"));
    let header = format!("{pad}x; {ours}");
    let err = c.lookup(&header).unwrap_err();
    assert_eq!(
        err,
        CookieHeaderError::TooLarge {
            len: MAX_COOKIE_HEADER_LEN + 1
        }
    );
    assert_eq!(err.code(), "cookie_header_too_large");
    assert!(err
        .to_string()
        .contains(&(MAX_COOKIE_HEADER_LEN + 1).to_string()));
    assert_eq!(c.find(&header), None);
}

#[test]
fn error_display_and_codes() {
    let e = CookieError::TooLarge { len: 5000 };
    assert!(e.to_string().contains("5000"));
    let _: &dyn std::error::Error = &e;
}

proptest! {
    #[test]
    fn find_never_panics(h in ".{0,600}") {
        let _ = CookieConfig::default().find(&h);
    }

    #[test]
    fn set_then_find_roundtrips(v in "[A-Za-z0-9_-]{0,3000}", age in any::<u32>()) {
        let c = CookieConfig::default();
        let header = c.set_cookie(&v, age.into()).unwrap();
        prop_assert!(line_len(&header) <= 4096);
        let (pair, _) = header.split_once(';').unwrap();
        prop_assert_eq!(c.find(pair), Some(v.as_str()));
    }
}

#[test]
fn browser_session_cookie_has_no_max_age_and_is_bounded_the_same() {
    let c = CookieConfig::default();
    assert_eq!(
        c.set_session_cookie("abc").unwrap(),
        "__Host-session=abc; HttpOnly; SameSite=Lax; Secure; Path=/"
    );
    assert_eq!(c.set_cookie_for("abc", None), c.set_session_cookie("abc"));
    assert_eq!(c.set_cookie_for("abc", Some(5)), c.set_cookie("abc", 5));
    let overhead = line_len(&c.set_session_cookie("").unwrap());
    let fits = "a".repeat(4096 - overhead);
    assert_eq!(line_len(&c.set_session_cookie(&fits).unwrap()), 4096);
    let over = "a".repeat(4096 - overhead + 1);
    assert_eq!(
        c.set_session_cookie(&over).unwrap_err().code(),
        "cookie_too_large"
    );
}

#[test]
fn a_domain_switches_the_prefix_to_secure_and_host_with_a_domain_is_refused() {
    let c = CookieConfig {
        domain: Some("example.com".into()),
        ..CookieConfig::default()
    };
    assert_eq!(c.cookie_name(), "__Secure-session");
    assert_eq!(
        c.set_cookie("v", 60).unwrap(),
        "__Secure-session=v; HttpOnly; SameSite=Lax; Secure; Path=/; Domain=example.com; Max-Age=60"
    );
    assert!(c.clear_cookie().starts_with("__Secure-session=; "));
    assert_eq!(c.find("__Secure-session=tok"), Some("tok"));
    assert_eq!(c.find("__Host-session=tok"), None);
    let host = CookieConfig {
        prefix: CookiePrefix::Host,
        ..c.clone()
    };
    let e = host.set_cookie("v", 60).unwrap_err();
    assert_eq!(e.code(), "cookie_host_prefix_domain");
    assert!(e.to_string().contains("Domain"));
    // A name spelled with the prefix is held to the same rule.
    let spelled = CookieConfig {
        name: "__Host-x".into(),
        prefix: CookiePrefix::None,
        ..c.clone()
    };
    assert_eq!(
        spelled.validate().unwrap_err().code(),
        "cookie_host_prefix_domain"
    );
    let secure = CookieConfig {
        prefix: CookiePrefix::Secure,
        domain: None,
        ..c.clone()
    };
    assert_eq!(secure.cookie_name(), "__Secure-session");
    assert_eq!(CookiePrefix::parse("HOST"), Some(CookiePrefix::Host));
    assert_eq!(CookiePrefix::parse("hosts"), None);
    // A leading dot, a 63-byte label and a 253-byte name are accepted; one byte more is not.
    let label = "a".repeat(63);
    for ok in [".example.com".to_owned(), format!("{label}.com")] {
        let c = CookieConfig {
            domain: Some(ok.clone()),
            ..CookieConfig::default()
        };
        c.validate().unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    let long = [label.as_str(); 4].join(".");
    let fits = &long[..253];
    for (d, good) in [
        (fits.to_owned(), true),
        (format!("{label}a.com"), false),
        (format!("{fits}b"), false),
    ] {
        let c = CookieConfig {
            domain: Some(d.clone()),
            ..CookieConfig::default()
        };
        assert_eq!(c.validate().is_ok(), good, "{} bytes", d.len());
    }
}

#[test]
fn partitioned_needs_secure_and_counts_in_the_size() {
    let p = CookieConfig {
        partitioned: true,
        ..CookieConfig::default()
    };
    assert_eq!(
        p.set_cookie("v", 1).unwrap(),
        "__Host-session=v; HttpOnly; SameSite=Lax; Partitioned; Secure; Path=/; Max-Age=1"
    );
    assert!(p.clear_cookie().contains("; Partitioned"));
    let insecure = CookieConfig {
        secure: false,
        prefix: CookiePrefix::None,
        ..p.clone()
    };
    assert_eq!(
        insecure.validate().unwrap_err().code(),
        "cookie_partitioned_insecure"
    );
    // Domain and Partitioned are counted: a value that just fits without them is too large
    // with them, by exactly their bytes.
    let plain = CookieConfig::default();
    let both = CookieConfig {
        domain: Some("sub.example.com".into()),
        partitioned: true,
        ..CookieConfig::default()
    };
    let overhead = |c: &CookieConfig| line_len(&c.set_cookie("", 86_400).unwrap());
    let extra = "; Partitioned".len() + "; Domain=sub.example.com".len() + "__Secure-".len()
        - "__Host-".len();
    assert_eq!(overhead(&both), overhead(&plain) + extra);
    let fits_plain = "a".repeat(4096 - overhead(&plain));
    assert!(plain.set_cookie(&fits_plain, 86_400).is_ok());
    assert_eq!(
        both.set_cookie(&fits_plain, 86_400),
        Err(CookieError::TooLarge { len: 4096 + extra })
    );
    let fits_both = "a".repeat(4096 - overhead(&both));
    assert_eq!(
        line_len(&both.set_cookie(&fits_both, 86_400).unwrap()),
        4096
    );
    assert_eq!(
        line_len(&both.set_session_cookie(&fits_both).unwrap()),
        4096 - "; Max-Age=86400".len()
    );
}
