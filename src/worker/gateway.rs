//! Gateway mode: every request that is not the session API, `/healthz` or a static asset is
//! proxied to `ORIGIN`, with the session authenticated first (one shard call, touching or
//! rotating per the policy) and the signed identity headers of [`crate::gateway`] added.
//!
//! - Bodies stream both ways: the request's body stream is handed to the origin request and the
//!   origin's body stream to the answer; nothing is buffered or read here.
//! - Client-sent `Edge-Session-*` headers are always dropped; so are the session cookie and a
//!   Bearer session token, unless `FORWARD_TOKEN=1`.
//! - Touch and rotation `Set-Cookie`s are appended to the origin's answer, whose own
//!   `Set-Cookie`s pass unchanged.
//! - `PROTECT`ed paths without a session: HTML requests get 302 to `SIGNIN_URL` with a return
//!   path that cannot leave the site, others 401 `session_required`.
//! - The origin unreachable: 502 `origin_unreachable`; no response headers within
//!   `ORIGIN_TIMEOUT_MS`: 504 `origin_timeout`. Nothing internal is shown.

use super::req::Request;
use futures_util::future::{select, Either};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{AbortController, Delay, Response};

use super::app::App;
use super::gateway_config::GatewayConfig;
use super::http::{self, ApiError};
use super::routes::{internal, now};
use crate::cookie::MAX_COOKIE_HEADER_LEN;
use crate::gateway::{self as sig, is_identity_header, Identity};
use crate::id::SessionId;
use crate::protect::signin_location;
use crate::record::SessionRecord;
use crate::session::cookie_lifetime;

/// Hop-by-hop headers (RFC 9110 7.6.1), which a proxy does not forward, plus `Host` (the
/// runtime sets it from the origin URL).
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "proxy-authorization",
];

/// Where the session token came from.
struct Token {
    value: String,
    from_cookie: bool,
}

/// The session of the request, and the `Set-Cookie` its touch or rotation produced.
struct Authed {
    record: SessionRecord,
    set_cookie: Option<String>,
}

/// What authentication found.
enum Auth {
    /// No token, or one that names no live session (`clear`: it came in the cookie, which the
    /// answer clears).
    Anonymous { clear: bool },
    /// A live session.
    Session(Box<Authed>),
}

fn token(req: &Request, app: &App) -> Result<Option<Token>, ApiError> {
    // A malformed Bearer header may be the origin's own credential: not ours, ignored.
    if let Ok(Some(value)) = http::bearer(req) {
        return Ok(Some(Token {
            value,
            from_cookie: false,
        }));
    }
    Ok(
        http::session_cookie(req, &app.config.cookie)?.map(|value| Token {
            value,
            from_cookie: true,
        }),
    )
}

/// The session cookie for `token`; `max_age` `None` is a browser-session cookie (signed in
/// with `persistent: false`).
fn cookie_for(app: &App, token: &str, max_age: Option<u64>) -> Result<String, ApiError> {
    app.config
        .cookie
        .set_cookie_for(token, max_age)
        .map_err(|e| ApiError::new(500, e.code(), e.to_string()))
}

/// Authenticates `t`: one shard call (authenticate-and-touch, or rotate when the token is
/// older than `ROTATE_AFTER` and came in the cookie, the only place a new token can go).
async fn authenticate(
    app: &App,
    gw: &GatewayConfig,
    t: &Token,
    client: &crate::client::Client,
) -> Result<Auth, ApiError> {
    let now = now();
    let manager = app.manager.with_client(client);
    let rotate = gw
        .rotate_after
        .filter(|_| t.from_cookie)
        .is_some_and(|after| {
            app.config
                .keyring
                .verify(&t.value, now)
                .is_ok_and(|v| v.claims.issued_at.saturating_add(after) <= now)
        });
    let outcome = if rotate {
        let id = SessionId::random().map_err(|e| ApiError::new(500, e.code(), e.to_string()))?;
        match manager.rotate(&t.value, id, now).await {
            Ok(issued) => Ok(Authed {
                set_cookie: Some(cookie_for(app, &issued.token, issued.max_age)?),
                record: issued.record,
            }),
            Err(e) => Err(e),
        }
    } else {
        match manager.authenticate(&t.value, now).await {
            Ok(a) => {
                // An old token inside the rotation grace window resolves to its successor,
                // whose cookie the browser gets (whichever way the old token came).
                let set_cookie = if let Some(next) = &a.successor {
                    Some(cookie_for(app, &next.token, next.max_age)?)
                } else if a.touched && t.from_cookie {
                    Some(cookie_for(app, &t.value, cookie_lifetime(&a.record, now))?)
                } else {
                    None
                };
                Ok(Authed {
                    record: a.record,
                    set_cookie,
                })
            }
            Err(e) => Err(e),
        }
    };
    match outcome {
        Ok(a) => Ok(Auth::Session(Box::new(a))),
        Err(e) if e.http_status() == 401 => Ok(Auth::Anonymous {
            clear: t.from_cookie,
        }),
        Err(e) => Err(ApiError::from(e)),
    }
}

fn wants_html(req: &Request) -> bool {
    http::header(req.headers(), "Accept", 4096)
        .ok()
        .flatten()
        .is_some_and(|a| a.to_ascii_lowercase().contains("text/html"))
}

/// The answer for a protected path without a session.
fn refuse(req: &Request, gw: &GatewayConfig, target: &str) -> Result<Response, ApiError> {
    match (&gw.signin_url, wants_html(req)) {
        (Some(url), true) => {
            let resp = Response::empty().map_err(internal)?.with_status(302);
            resp.headers()
                .set("Location", &signin_location(url, target))
                .map_err(internal)?;
            resp.headers()
                .set("Cache-Control", "no-store")
                .map_err(internal)?;
            Ok(resp)
        }
        _ => Err(ApiError::new(
            401,
            "session_required",
            "this path needs a session: sign in first",
        )),
    }
}

/// The headers the origin gets: the client's, minus hop-by-hop ones, every `Edge-Session-*`,
/// and (unless `FORWARD_TOKEN=1`) the session cookie and a Bearer session token.
///
/// The runtime copies the client's headers in one call; only their names cross into wasm,
/// and only the cookie's value when it has to be rewritten.
fn upstream_headers(
    req: &Request,
    app: &App,
    gw: &GatewayConfig,
    token: Option<&Token>,
) -> Result<web_sys::Headers, ApiError> {
    let js = |e: JsValue| internal(e.into());
    let client = req.inner().headers();
    let out = web_sys::Headers::new_with_headers(&client).map_err(js)?;
    // The names of the client's headers (lower case, each once), read from the original: `out`
    // changes as names are deleted.
    for name in client.keys() {
        let Some(name) = name.map_err(js)?.as_string() else {
            continue;
        };
        let drop = is_identity_header(&name)
            || HOP_BY_HOP.contains(&name.as_str())
            || (name == "authorization"
                && !gw.forward_token
                && token.is_some_and(|t| !t.from_cookie));
        if drop {
            out.delete(&name).map_err(js)?;
        } else if name == "cookie" && !gw.forward_token {
            let kept = client
                .get(&name)
                .map_err(js)?
                .filter(|v| v.len() <= MAX_COOKIE_HEADER_LEN)
                .and_then(|v| app.config.cookie.without_session(&v));
            match kept {
                Some(v) => out.set(&name, &v).map_err(js)?,
                None => out.delete(&name).map_err(js)?,
            }
        }
    }
    Ok(out)
}

fn identity(r: &SessionRecord) -> Identity {
    Identity {
        user: r.user.clone(),
        id: r.id_hash.to_base64url(),
        shard: r.shard.clone(),
        version: r.version,
        expires: r.expires_at(),
    }
}

fn unreachable_origin() -> ApiError {
    ApiError::new(502, "origin_unreachable", "the origin could not be reached")
}

/// Sends the request to the origin, waiting at most `ORIGIN_TIMEOUT_MS` for its response
/// headers (the body then streams without a deadline).
async fn send(
    url: &str,
    method: &str,
    headers: &web_sys::Headers,
    body: Option<web_sys::ReadableStream>,
    gw: &GatewayConfig,
) -> Result<web_sys::Response, ApiError> {
    let abort = AbortController::default();
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_headers(headers);
    init.set_redirect(web_sys::RequestRedirect::Manual);
    init.set_signal(Some(&abort.signal()));
    if let Some(stream) = &body {
        init.set_body(stream);
    }
    let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    let promise = scope.fetch_with_str_and_init(url, &init);
    let fetch = JsFuture::from(promise);
    let timer = Delay::from(std::time::Duration::from_millis(u64::from(gw.timeout_ms)));
    match select(fetch, timer).await {
        Either::Left((Ok(resp), _)) => resp.dyn_into().map_err(|_| unreachable_origin()),
        Either::Left((Err(_), _)) => Err(unreachable_origin()),
        Either::Right(((), _)) => {
            abort.abort();
            Err(ApiError::new(
                504,
                "origin_timeout",
                format!("the origin did not answer within {} ms", gw.timeout_ms),
            ))
        }
    }
}

/// The origin's answer with its body stream, status and headers, plus our `Set-Cookie`s.
fn answer(origin: web_sys::Response, cookies: &[String]) -> Result<Response, ApiError> {
    if cookies.is_empty() {
        // Nothing to add: the runtime copies it into the answer as it is (one copy, not two).
        return Ok(Response::from(origin));
    }
    let headers =
        web_sys::Headers::new_with_headers(&origin.headers()).map_err(|e| internal(e.into()))?;
    for c in cookies {
        headers
            .append("Set-Cookie", c)
            .map_err(|e| internal(e.into()))?;
    }
    let init = web_sys::ResponseInit::new();
    init.set_status(origin.status());
    init.set_status_text(&origin.status_text());
    init.set_headers(&headers);
    let body = origin.body();
    let resp = web_sys::Response::new_with_opt_readable_stream_and_init(body.as_ref(), &init)
        .map_err(|_| {
            ApiError::new(
                502,
                "origin_unreachable",
                "the origin's answer could not be relayed",
            )
        })?;
    Ok(Response::from(resp))
}

/// Proxies `req` to the origin (see the module docs).
pub async fn proxy(req: &Request, app: &App, gw: &GatewayConfig) -> Result<Response, ApiError> {
    let raw_url = req.url_text();
    let url = sig::split_url(raw_url).ok_or_else(|| {
        internal(worker::Error::RustError(
            "request URL without host or path".into(),
        ))
    })?;
    let target = url.target;
    let method = req.method();
    let token = token(req, app)?;
    let protected = gw.protect.matches(url.path);
    let auth = match &token {
        None => Auth::Anonymous { clear: false },
        Some(t) => match authenticate(app, gw, t, &super::http::seen_client(req, app)).await {
            Ok(a) => a,
            // The store is down: a protected path cannot be served; others pass anonymously.
            Err(e) if !protected && e.status == 503 => Auth::Anonymous { clear: false },
            Err(e) => return Err(e),
        },
    };
    let mut cookies = Vec::new();
    let headers = upstream_headers(req, app, gw, token.as_ref())?;
    match &auth {
        Auth::Anonymous { clear } => {
            if *clear {
                cookies.push(app.config.cookie.clear_cookie());
            }
            if protected {
                let resp = refuse(req, gw, target);
                if let (Ok(r), Some(c)) = (&resp, cookies.first()) {
                    r.headers().append("Set-Cookie", c).map_err(internal)?;
                }
                return resp.map_err(|mut e| {
                    e.clear_cookie = *clear;
                    e
                });
            }
        }
        Auth::Session(a) => {
            let signed = sig::sign(&gw.keys, method, target, &identity(&a.record), now())
                .map_err(|e| ApiError::new(400, e.code(), e.to_string()))?;
            for (name, value) in signed {
                headers.set(name, &value).map_err(|e| internal(e.into()))?;
            }
            cookies.extend(a.set_cookie.clone());
        }
    }
    let _ = headers.set("X-Forwarded-Host", url.host);
    let _ = headers.set("X-Forwarded-Proto", url.scheme);
    let body = match method {
        "GET" | "HEAD" => None,
        _ => req.inner().body(),
    };
    let upstream = format!("{}{target}", gw.origin);
    let origin = send(&upstream, method, &headers, body, gw).await?;
    answer(origin, &cookies)
}
