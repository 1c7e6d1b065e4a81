//! HTTP helpers: JSON error bodies, the body limit's answers, HEAD and OPTIONS answers, the
//! CSRF check, bearer extraction, path decoding. Nothing here knows the session rules.

use super::req::Request;
use serde::de::DeserializeOwned;
use serde::Serialize;
use worker::{Headers, Response, ResponseBody, Result};

use super::body::{self, BodyError, MAX_BODY};
use crate::error::SessionError;

/// Longest accepted `Authorization` header, in bytes.
const MAX_AUTHORIZATION_LEN: usize = 4096;
/// Longest accepted `Origin` / `Sec-Fetch-Site` / `If-Match` / `Content-Type` header.
const MAX_SMALL_HEADER_LEN: usize = 1024;

/// An HTTP error answer: status, stable code, message; optionally the current version (412).
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// Stable snake_case code.
    pub code: &'static str,
    /// Human text; never carries secrets, tokens or internals.
    pub message: String,
    /// For `version_conflict`: the version now stored.
    pub current_version: Option<u64>,
    /// `Allow` header for 405.
    pub allow: Option<&'static str>,
    /// Whether the answer clears the session cookie (the token it came with is useless).
    pub clear_cookie: bool,
    /// For `rate_limited` (429): seconds to wait, sent as `Retry-After` and `retry_after`.
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// An error with `status`, `code` and `message`.
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            current_version: None,
            allow: None,
            clear_cookie: false,
            retry_after: None,
        }
    }

    /// 404 `not_found`.
    pub fn not_found() -> ApiError {
        ApiError::new(404, "not_found", "no such route")
    }

    /// 405 `method_not_allowed` with the `Allow` list.
    pub fn method_not_allowed(allow: &'static str) -> ApiError {
        let mut e = ApiError::new(405, "method_not_allowed", format!("allowed: {allow}"));
        e.allow = Some(allow);
        e
    }
}

impl From<SessionError> for ApiError {
    fn from(e: SessionError) -> ApiError {
        if let SessionError::Store(inner) = &e {
            // Details are for logs; the client gets the generic text.
            worker::console_error!("edge-session: store error: {inner}");
        }
        if let SessionError::Config(why) = &e {
            worker::console_error!("edge-session: {why}");
        }
        let mut out = ApiError::new(e.http_status(), e.code(), e.to_string());
        out.current_version = e.current_version();
        out.retry_after = e.retry_after();
        // reauth_required is a 401 whose session stays valid: its cookie is kept.
        out.clear_cookie = e.ends_session();
        out
    }
}

/// The JSON body of an error: `{"error": {"code", "message"[, "current_version"][,
/// "retry_after"]}}`.
pub fn error_body(e: &ApiError) -> serde_json::Value {
    let mut inner = serde_json::json!({ "code": e.code, "message": e.message });
    if let (Some(v), Some(obj)) = (e.current_version, inner.as_object_mut()) {
        obj.insert("current_version".into(), v.into());
    }
    if let (Some(s), Some(obj)) = (e.retry_after, inner.as_object_mut()) {
        obj.insert("retry_after".into(), s.into());
    }
    serde_json::json!({ "error": inner })
}

/// A JSON response with `status`.
pub fn json<T: Serialize>(status: u16, body: &T) -> Result<Response> {
    let mut resp = Response::from_json(body)?.with_status(status);
    resp.headers_mut().set("Cache-Control", "no-store")?;
    Ok(resp)
}

/// The response for an error.
pub fn error_response(e: &ApiError, clear_cookie: Option<&str>) -> Result<Response> {
    let resp = json(e.status, &error_body(e))?;
    if let Some(allow) = e.allow {
        resp.headers().set("Allow", allow)?;
    }
    if let Some(secs) = e.retry_after {
        resp.headers().set("Retry-After", &secs.to_string())?;
    }
    if let (true, Some(c)) = (e.clear_cookie, clear_cookie) {
        resp.headers().append("Set-Cookie", c)?;
    }
    Ok(resp)
}

/// `OPTIONS`: 204 with `Allow`. No CORS grant: cross-origin callers get none.
pub fn options(allow: &str) -> Result<Response> {
    let resp = Response::empty()?.with_status(204);
    resp.headers().set("Allow", allow)?;
    resp.headers().set("Cache-Control", "no-store")?;
    Ok(resp)
}

/// The answer to `HEAD`: `resp`'s status and headers without its body, with the
/// `Content-Length` GET would have (without it, clients cannot tell the answer is complete and
/// drop the connection).
pub fn without_body(resp: &Response) -> Result<Response> {
    let headers = Headers(resp.headers().0.clone());
    if let ResponseBody::Body(bytes) = resp.body() {
        headers.set("Content-Length", &bytes.len().to_string())?;
    }
    Ok(Response::empty()?
        .with_status(resp.status_code())
        .with_headers(headers))
}

/// A header's value if present and at most `max` bytes; longer values count as absent-but-bad.
pub fn header(
    headers: &Headers,
    name: &str,
    max: usize,
) -> std::result::Result<Option<String>, ()> {
    match headers.get(name) {
        Ok(Some(v)) if v.len() > max => Err(()),
        Ok(v) => Ok(v),
        Err(_) => Err(()),
    }
}

/// The answer for a body that was not read: 413 `body_too_large` or 400 `invalid_body`.
pub fn body_error(e: BodyError) -> ApiError {
    match e {
        BodyError::TooLarge => ApiError::new(
            413,
            "body_too_large",
            format!("request body over {MAX_BODY} bytes"),
        ),
        BodyError::Unreadable => {
            ApiError::new(400, "invalid_body", "request body could not be read")
        }
    }
}

/// Reads the request body, whatever the route: a body over [`MAX_BODY`] answers 413
/// `body_too_large` on every route, before anything else is decided from the request (the
/// bytes are read to the end either way, see [`body`]).
pub async fn read_limited(req: &Request) -> std::result::Result<Vec<u8>, ApiError> {
    body::read(req, MAX_BODY).await.map_err(body_error)
}

/// Parses a JSON body (read by [`read_limited`]) as `T`: 415 unless `Content-Type` is JSON,
/// 400 `invalid_json` for bad syntax, 400 `invalid_input` for the wrong shape.
pub fn parse_json<T: DeserializeOwned>(
    req: &Request,
    body: &[u8],
) -> std::result::Result<T, ApiError> {
    let ct = header(req.headers(), "Content-Type", MAX_SMALL_HEADER_LEN)
        .ok()
        .flatten()
        .unwrap_or_default();
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime != "application/json" {
        return Err(ApiError::new(
            415,
            "unsupported_media_type",
            "send the body as application/json",
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        if e.is_data() {
            // serde's text may quote the input (field names): report the position only.
            let at = format!("line {}, column {}", e.line(), e.column());
            ApiError::new(
                400,
                "invalid_input",
                format!("unexpected JSON shape at {at}"),
            )
        } else {
            ApiError::new(400, "invalid_json", "request body is not valid JSON")
        }
    })
}

/// The scheme://host[:port] of the request URL.
pub fn own_origin(req: &Request) -> Option<String> {
    let url = req.url().ok()?;
    Some(url.origin().ascii_serialization())
}

/// CSRF: an unsafe method passes if `Sec-Fetch-Site` is `same-origin`/`none`, or `Origin` is
/// the request's own origin, or neither header is present (non-browser clients).
pub fn check_same_origin(req: &Request) -> std::result::Result<(), ApiError> {
    let refuse = || ApiError::new(403, "cross_origin", "cross-origin request refused");
    let headers = req.headers();
    let site = header(headers, "Sec-Fetch-Site", MAX_SMALL_HEADER_LEN).map_err(|_| refuse())?;
    let origin = header(headers, "Origin", MAX_SMALL_HEADER_LEN).map_err(|_| refuse())?;
    if site.is_none() && origin.is_none() {
        return Ok(());
    }
    if matches!(site.as_deref(), Some("same-origin") | Some("none")) {
        return Ok(());
    }
    match (origin, own_origin(req)) {
        (Some(o), Some(own)) if o == own => Ok(()),
        _ => Err(refuse()),
    }
}

/// The bearer credential in `Authorization`, if any. `Ok(None)` when the header is absent or
/// names another scheme (that credential is not ours); `Err` when a Bearer header is malformed
/// or over 4 KiB.
pub fn bearer(req: &Request) -> std::result::Result<Option<String>, ()> {
    let header = req.headers().get("Authorization").map_err(|_| ())?;
    bearer_in(header.as_deref())
}

/// [`bearer`] over the `Authorization` header's value, if any.
pub fn bearer_in(header: Option<&str>) -> std::result::Result<Option<String>, ()> {
    let Some(v) = header else {
        return Ok(None);
    };
    let v = v.trim_start_matches([' ', '\t']);
    let (scheme, rest) = v.split_once([' ', '\t']).unwrap_or((v, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Ok(None);
    }
    if v.len() > MAX_AUTHORIZATION_LEN {
        return Err(());
    }
    let token = rest.trim_matches([' ', '\t']);
    if token.is_empty() || token.contains([' ', '\t']) {
        return Err(());
    }
    Ok(Some(token.to_owned()))
}

/// The session token in the request's `Cookie` header, if any (the cookie named by `cookie`,
/// wherever it sits among the others). A header over the limit is 431
/// `cookie_header_too_large`.
pub fn session_cookie(
    req: &Request,
    cookie: &crate::cookie::CookieConfig,
) -> std::result::Result<Option<String>, ApiError> {
    let header = req
        .headers()
        .get("Cookie")
        .ok()
        .flatten()
        .unwrap_or_default();
    session_cookie_in(&header, cookie)
}

/// [`session_cookie`] over the `Cookie` header's value.
pub fn session_cookie_in(
    header: &str,
    cookie: &crate::cookie::CookieConfig,
) -> std::result::Result<Option<String>, ApiError> {
    match cookie.lookup(header) {
        Ok(v) => Ok(v.map(str::to_owned)),
        Err(e) => Err(ApiError::new(431, e.code(), e.to_string())),
    }
}

/// Constant-time equality of two byte strings (the length is not secret).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut acc = 0u8;
    for (x, y) in a.iter().zip(b) {
        acc |= x ^ y;
    }
    core::hint::black_box(acc) == 0
}

/// Percent-decodes one path segment into UTF-8; `None` if malformed or longer than `max`
/// bytes once decoded.
pub fn decode_segment(seg: &str, max: usize) -> Option<String> {
    if seg.len() > max * 3 {
        return None;
    }
    let bytes = seg.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            let s = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(s, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    if out.len() > max {
        return None;
    }
    String::from_utf8(out).ok()
}

/// The client a token call is checked against: read from the request only when the policy
/// binds sessions to their sign-in's network or browser (`bind_ip` / `bind_ua`); otherwise
/// empty, so that no header or `request.cf` field is read and nothing more crosses to the shard.
pub fn seen_client(req: &Request, app: &super::app::App) -> crate::client::Client {
    let p = &app.config.policy;
    if p.bind_ip || p.bind_ua {
        client(req)
    } else {
        crate::client::Client::default()
    }
}

/// Where the request comes from, for device details: `CF-Connecting-IP` (set by Cloudflare
/// to the client's address; a client cannot forge it at the edge), `User-Agent`, and
/// `request.cf`'s `country` and `colo`. Values that do not check are dropped (unknown), and
/// `request.cf` is read without trusting its shape (local runs may lack it).
pub fn client(req: &Request) -> crate::client::Client {
    let h = req.headers();
    let get = |name: &str| {
        header(h, name, crate::limits::MAX_CLIENT_FIELD_INPUT)
            .ok()
            .flatten()
    };
    let cf = js_sys::Reflect::get(req.inner(), &"cf".into()).ok();
    let cf_text = |field: &str| {
        cf.as_ref()
            .filter(|v| v.is_object())
            .and_then(|cf| js_sys::Reflect::get(cf, &field.into()).ok())
            .and_then(|v| v.as_string())
    };
    crate::client::Client::lenient(
        get("CF-Connecting-IP").as_deref(),
        get("User-Agent").as_deref(),
        cf_text("country").as_deref(),
        cf_text("colo").as_deref(),
    )
}
