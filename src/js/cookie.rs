//! Cookie helpers: `setCookie`, `clearCookie`, `readCookie`.
//!
//! Options (all optional): `{name: "session", prefix: "auto" | "host" | "secure" | "none",
//! hostPrefix, secure: true, httpOnly: true, sameSite: "Lax" | "Strict" | "None", path: "/",
//! domain, partitioned: false}`; the defaults give
//! `__Host-session=<token>; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=<n>`. `prefix`
//! `auto` (the default) is `__Host-`, or `__Secure-` with a `domain`; `hostPrefix: true` is
//! `prefix: "host"`, `false` is `"none"` (give one of the two).

use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::convert::{bounded_string, is_nullish, json_arg, u64_arg};
use super::error::{coded, invalid_input};
use crate::cookie::{
    CookieConfig, CookiePrefix, SameSite, MAX_COOKIE_HEADER_LEN, MAX_SET_COOKIE_LINE,
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CookieOpts {
    name: Option<String>,
    prefix: Option<String>,
    host_prefix: Option<bool>,
    secure: Option<bool>,
    http_only: Option<bool>,
    same_site: Option<String>,
    path: Option<String>,
    domain: Option<String>,
    partitioned: Option<bool>,
}

/// The cookie configuration described by `opts` (`undefined` for the defaults).
pub(crate) fn cookie_config(opts: &JsValue) -> Result<CookieConfig, JsValue> {
    let mut c = CookieConfig::default();
    if is_nullish(opts) {
        return Ok(c);
    }
    const SHAPE: &str =
        "cookie options are {name, prefix, hostPrefix, secure, httpOnly, sameSite, path, domain, partitioned}";
    let text = json_arg(opts, "cookie options", "invalid_input", 8 * 1024)
        .map_err(|_| invalid_input(SHAPE))?;
    let o: CookieOpts = serde_json::from_str(&text).map_err(|_| invalid_input(SHAPE))?;
    if let Some(v) = o.name {
        c.name = v;
    }
    c.prefix = match (o.prefix, o.host_prefix) {
        (Some(_), Some(_)) => return Err(invalid_input("give prefix or hostPrefix, not both")),
        (Some(p), None) => CookiePrefix::parse(&p)
            .ok_or_else(|| invalid_input("prefix must be auto, host, secure or none"))?,
        (None, Some(true)) => CookiePrefix::Host,
        (None, Some(false)) => CookiePrefix::None,
        (None, None) => CookiePrefix::Auto,
    };
    if let Some(v) = o.secure {
        c.secure = v;
    }
    if let Some(v) = o.http_only {
        c.http_only = v;
    }
    if let Some(v) = o.same_site {
        c.same_site = match v.to_ascii_lowercase().as_str() {
            "lax" => SameSite::Lax,
            "strict" => SameSite::Strict,
            "none" => SameSite::None,
            _ => return Err(invalid_input("sameSite must be Lax, Strict or None")),
        };
    }
    if let Some(v) = o.path {
        c.path = v;
    }
    c.domain = o.domain;
    c.partitioned = o.partitioned.unwrap_or(false);
    c.validate().map_err(|e| coded(e.code(), &e))?;
    Ok(c)
}

/// The `Set-Cookie` header value carrying `token` for `maxAge` seconds; a `maxAge` of `null`
/// or `undefined` gives a browser-session cookie (no `Max-Age`).
#[wasm_bindgen(js_name = setCookie)]
pub fn set_cookie(token: JsValue, max_age: JsValue, opts: JsValue) -> Result<String, JsValue> {
    let c = cookie_config(&opts)?;
    let token = bounded_string(&token, MAX_SET_COOKIE_LINE + 1).ok_or_else(|| {
        coded(
            "cookie_bad_value",
            "the cookie value must be a string that fits a cookie",
        )
    })?;
    let max_age = if is_nullish(&max_age) {
        None
    } else {
        Some(u64_arg(&max_age, "maxAge")?)
    };
    c.set_cookie_for(&token, max_age)
        .map_err(|e| coded(e.code(), &e))
}

/// A `Set-Cookie` header value that deletes the cookie.
#[wasm_bindgen(js_name = clearCookie)]
pub fn clear_cookie(opts: JsValue) -> Result<String, JsValue> {
    Ok(cookie_config(&opts)?.clear_cookie())
}

/// The cookie's value in a `Cookie` request header, or `undefined` (also for a missing or
/// oversized header).
#[wasm_bindgen(js_name = readCookie)]
pub fn read_cookie(header: JsValue, opts: JsValue) -> Result<Option<String>, JsValue> {
    let c = cookie_config(&opts)?;
    if is_nullish(&header) {
        return Ok(None);
    }
    if !header.is_string() {
        return Err(invalid_input("the Cookie header must be a string"));
    }
    let Some(h) = bounded_string(&header, MAX_COOKIE_HEADER_LEN) else {
        return Ok(None);
    };
    Ok(c.find(&h).map(str::to_owned))
}
