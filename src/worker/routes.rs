//! The route table and handlers: each parses the request, calls the
//! [`SessionManager`](crate::manager::SessionManager), and writes JSON. No lifecycle rule lives
//! here.

use super::req::Request;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use worker::{Date, Response};

use super::app::App;
use super::http::{self, ApiError};
use super::verb::Verb;
use crate::error::SessionError;
use crate::id::{IdHash, SessionId, ID_HASH_B64_LEN};
use crate::limits::MAX_USER_LEN;
use crate::manager::{Authenticated, Issued};
use crate::session::{NewSession, SessionRecord};
use crate::view::{SessionSummary, SessionView};

/// A handler's outcome.
pub type Answer = Result<Response, ApiError>;

/// Most arcs `/api/ring` lists (the rest are counted in `arcs_total`).
const MAX_LISTED_ARCS: usize = 4096;

/// The known paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/healthz`
    Healthz,
    /// `/api/sessions`
    Sessions,
    /// `/api/sessions/{id}`
    SessionById(String),
    /// `/api/sessions/history`
    History,
    /// `/api/session`
    Session,
    /// `/api/session/rotate`
    Rotate,
    /// `/api/session/reauth`
    Reauth,
    /// `/api/admin/users/{user}/sessions`
    AdminUserSessions(String),
    /// `/api/admin/stats`
    AdminStats,
    /// `/api/ring`
    Ring,
    /// `/__test/conformance` (test builds only)
    #[cfg(feature = "conformance")]
    TestConformance,
    /// `/__test/calls` (test builds only)
    #[cfg(feature = "conformance")]
    TestCalls,
    /// `/__test/trap` (test builds only)
    #[cfg(feature = "conformance")]
    TestTrap,
}

impl Route {
    /// The route for `path`, if any. Path parameters are percent-decoded and bounded.
    pub fn parse(path: &str) -> Option<Route> {
        let segs: Vec<&str> = path
            .strip_prefix('/')?
            .split('/')
            .take(8)
            .collect::<Vec<_>>();
        Some(match segs.as_slice() {
            ["healthz"] => Route::Healthz,
            ["api", "sessions"] => Route::Sessions,
            ["api", "sessions", "history"] => Route::History,
            ["api", "sessions", id] => {
                Route::SessionById(http::decode_segment(id, ID_HASH_B64_LEN)?)
            }
            ["api", "session"] => Route::Session,
            ["api", "session", "rotate"] => Route::Rotate,
            ["api", "session", "reauth"] => Route::Reauth,
            ["api", "admin", "users", user, "sessions"] => {
                Route::AdminUserSessions(http::decode_segment(user, MAX_USER_LEN)?)
            }
            ["api", "admin", "stats"] => Route::AdminStats,
            ["api", "ring"] => Route::Ring,
            #[cfg(feature = "conformance")]
            ["__test", "conformance"] => Route::TestConformance,
            #[cfg(feature = "conformance")]
            ["__test", "calls"] => Route::TestCalls,
            #[cfg(feature = "conformance")]
            ["__test", "trap"] => Route::TestTrap,
            _ => return None,
        })
    }

    /// The methods the route answers (the `Allow` header): HEAD wherever GET, OPTIONS
    /// everywhere.
    pub fn allow(&self) -> &'static str {
        match self {
            Route::Healthz | Route::Ring | Route::AdminStats | Route::History => {
                "GET, HEAD, OPTIONS"
            }
            #[cfg(feature = "conformance")]
            Route::TestCalls => "GET, HEAD, OPTIONS",
            Route::Sessions => "GET, HEAD, POST, DELETE, OPTIONS",
            Route::SessionById(_) => "DELETE, OPTIONS",
            Route::Session => "GET, HEAD, PUT, DELETE, OPTIONS",
            Route::Rotate | Route::Reauth => "POST, OPTIONS",
            #[cfg(feature = "conformance")]
            Route::TestConformance | Route::TestTrap => "POST, OPTIONS",
            Route::AdminUserSessions(_) => "GET, HEAD, DELETE, OPTIONS",
        }
    }

    /// Whether `verb` is one of [`Route::allow`].
    pub fn allows(&self, verb: Verb) -> bool {
        self.allow().split(", ").any(|m| m == verb.as_str())
    }
}

/// Current time, unix seconds.
pub fn now() -> u64 {
    Date::now().as_millis() / 1000
}

pub(super) fn internal(e: worker::Error) -> ApiError {
    worker::console_error!("edge-session: runtime error: {e}");
    ApiError::new(500, "internal_error", "internal error")
}

fn with_view(status: u16, r: &SessionRecord) -> Answer {
    let view = SessionView::of(r).map_err(SessionError::from)?;
    let resp = http::json(status, &view).map_err(internal)?;
    resp.headers()
        .set("ETag", &format!("\"{}\"", r.version))
        .map_err(internal)?;
    Ok(resp)
}

fn set_cookie(resp: &Response, value: &str) -> Result<(), ApiError> {
    resp.headers().append("Set-Cookie", value).map_err(internal)
}

pub(super) fn issued_cookie(app: &App, issued: &Issued) -> Result<String, ApiError> {
    app.config
        .cookie
        .set_cookie_for(&issued.token, issued.max_age)
        .map_err(|e| ApiError::new(500, e.code(), e.to_string()))
}

fn fresh_id() -> Result<SessionId, ApiError> {
    SessionId::random().map_err(|e| ApiError::new(500, e.code(), e.to_string()))
}

/// The session token: `Authorization: Bearer` if present, else the session cookie. An
/// `Authorization` header of another scheme (Basic from a proxy, say) is not ours and does not
/// hide the cookie; a malformed Bearer one is refused. A `Cookie` header over
/// [`MAX_COOKIE_HEADER_LEN`](crate::cookie::MAX_COOKIE_HEADER_LEN) bytes answers 431 `cookie_header_too_large` rather than a silent
/// 401.
fn token(req: &Request, app: &App) -> Result<String, ApiError> {
    let bad = || ApiError::from(SessionError::InvalidToken);
    if let Some(t) = http::bearer(req).map_err(|_| bad())? {
        return Ok(t);
    }
    cookie_token(req, app)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    user: String,
    #[serde(default)]
    device: String,
    #[serde(default)]
    data: Option<Box<RawValue>>,
    /// "Remember me" (default `true`); `false` gives a browser-session cookie.
    #[serde(default)]
    persistent: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Update {
    /// As sent: the core checks it is an object; no tree is built.
    data: Box<RawValue>,
    #[serde(default)]
    version: Option<u64>,
}

/// Checks `Authorization: Bearer <SIGNIN_TOKEN>` when it is set (constant time); `true` if it
/// is set (and was given).
fn require_signin_token(req: &Request, app: &App) -> Result<bool, ApiError> {
    let Some(expected) = &app.config.signin_token else {
        return Ok(false);
    };
    let given = http::bearer(req).ok().flatten().unwrap_or_default();
    if !http::ct_eq(given.as_bytes(), expected.as_bytes()) {
        return Err(ApiError::new(
            401,
            "signin_required",
            "this needs Authorization: Bearer <SIGNIN_TOKEN>",
        ));
    }
    Ok(true)
}

/// `POST /api/sessions`: sign in with the JSON `body`.
pub async fn sign_in(req: &Request, app: &App, body: &[u8]) -> Answer {
    require_signin_token(req, app)?;
    let body: SignIn = http::parse_json(req, body)?;
    let new = NewSession {
        user: body.user,
        device: body.device,
        data: body
            .data
            .map_or_else(|| "{}".to_owned(), |d| d.get().to_owned()),
        persistent: body.persistent.unwrap_or(true),
        client: http::client(req),
    };
    // The client IP for its sign-in bucket: Cloudflare sets CF-Connecting-IP; a missing or
    // malformed one leaves only the user's bucket.
    let ip = http::header(
        req.headers(),
        "CF-Connecting-IP",
        crate::ratelimit::MAX_IP_LEN,
    )
    .ok()
    .flatten()
    .filter(|ip| crate::ratelimit::ip_key(ip).is_some());
    let issued = app
        .manager
        .create_from(fresh_id()?, &new, ip.as_deref(), now())
        .await?;
    let cookie = issued_cookie(app, &issued)?;
    let resp = with_view(201, &issued.record)?;
    set_cookie(&resp, &cookie)?;
    Ok(resp)
}

/// The `max_auth_age` query parameter: seconds, at most 10 digits and
/// [`MAX_AUTH_AGE`](crate::limits::MAX_AUTH_AGE); given at most once.
fn max_auth_age(req: &Request) -> Result<Option<u64>, ApiError> {
    let bad = || {
        ApiError::new(
            400,
            "invalid_input",
            "max_auth_age must be given once, as 0 ..= 315360000 seconds",
        )
    };
    let url = req.url().map_err(internal)?;
    let mut found = None;
    for (k, v) in url.query_pairs().take(64) {
        if k != "max_auth_age" {
            continue;
        }
        if found.is_some() || v.is_empty() || v.len() > 10 || !v.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let n: u64 = v.parse().map_err(|_| bad())?;
        if n > crate::limits::MAX_AUTH_AGE {
            return Err(bad());
        }
        found = Some(n);
    }
    Ok(found)
}

/// `GET /api/session` (`?max_auth_age=<s>`: 401 `reauth_required` unless the user
/// authenticated at most that long ago).
pub async fn read(req: &Request, app: &App) -> Answer {
    let token = token(req, app)?;
    let auth = match max_auth_age(req)? {
        Some(age) => {
            app.manager
                .with_client(&http::seen_client(req, app))
                .authenticate_fresh(&token, age, now())
                .await?
        }
        None => {
            app.manager
                .with_client(&http::seen_client(req, app))
                .authenticate(&token, now())
                .await?
        }
    };
    let resp = with_view(200, &auth.record)?;
    successor_cookie(app, &resp, &auth)?;
    Ok(resp)
}

/// An old token inside the rotation grace window: the answer carries the successor's cookie,
/// so the client (another tab) catches up.
fn successor_cookie(app: &App, resp: &Response, auth: &Authenticated) -> Result<(), ApiError> {
    match &auth.successor {
        Some(issued) => set_cookie(resp, &issued_cookie(app, issued)?),
        None => Ok(()),
    }
}

/// The session cookie alone (no Bearer fallback): the reauth route's Bearer carries
/// `SIGNIN_TOKEN`.
fn cookie_token(req: &Request, app: &App) -> Result<String, ApiError> {
    http::session_cookie(req, &app.config.cookie)?.ok_or_else(|| SessionError::InvalidToken.into())
}

/// `POST /api/session/reauth`: the user proved who they are again; marks the session fresh
/// (same id, same cookie). With `SIGNIN_TOKEN` set, only the backend that checked the user's
/// credentials may call it: `Authorization: Bearer <SIGNIN_TOKEN>`, the session in its cookie.
pub async fn reauth(req: &Request, app: &App) -> Answer {
    let token = if require_signin_token(req, app)? {
        cookie_token(req, app)?
    } else {
        token(req, app)?
    };
    let record = app
        .manager
        .with_client(&http::seen_client(req, app))
        .reauthenticate(&token, now())
        .await?;
    with_view(200, &record)
}

fn if_match(req: &Request) -> Result<Option<u64>, ApiError> {
    let bad = || ApiError::new(400, "invalid_input", "If-Match must be \"<version>\"");
    let Some(v) = http::header(req.headers(), "If-Match", 64).map_err(|_| bad())? else {
        return Ok(None);
    };
    let v = v.trim();
    let inner = v
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(v);
    if inner.is_empty() || inner.len() > 16 || !inner.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    inner.parse().map(Some).map_err(|_| bad())
}

/// `PUT /api/session`: replace the data with the JSON `body`, carrying the version read.
pub async fn update(req: &Request, app: &App, body: &[u8]) -> Answer {
    let token = token(req, app)?;
    let header_version = if_match(req)?;
    let body: Update = http::parse_json(req, body)?;
    let version = match (header_version, body.version) {
        (Some(h), Some(b)) if h != b => {
            return Err(ApiError::new(
                400,
                "invalid_input",
                "If-Match and body version disagree",
            ))
        }
        (Some(v), _) | (None, Some(v)) => v,
        (None, None) => {
            return Err(ApiError::new(
                428,
                "version_required",
                "send If-Match: \"<version>\" (or a body field \"version\")",
            ))
        }
    };
    let record = app
        .manager
        .with_client(&http::seen_client(req, app))
        .update(&token, version, body.data.get(), now())
        .await?;
    with_view(200, &record)
}

/// `POST /api/session/rotate`: new id, same session; the old token dies.
pub async fn rotate(req: &Request, app: &App) -> Answer {
    let issued = app
        .manager
        .with_client(&http::seen_client(req, app))
        .rotate(&token(req, app)?, fresh_id()?, now())
        .await?;
    let cookie = issued_cookie(app, &issued)?;
    let resp = with_view(200, &issued.record)?;
    set_cookie(&resp, &cookie)?;
    Ok(resp)
}

fn no_content_clearing(app: &App) -> Answer {
    let resp = Response::empty().map_err(internal)?.with_status(204);
    set_cookie(&resp, &app.config.cookie.clear_cookie())?;
    Ok(resp)
}

/// `DELETE /api/session`: sign out.
pub async fn sign_out(req: &Request, app: &App) -> Answer {
    app.manager.destroy(&token(req, app)?, now()).await?;
    no_content_clearing(app)
}

fn summaries<'a>(all: &'a [SessionRecord], asking: Option<&IdHash>) -> Vec<SessionSummary<'a>> {
    all.iter().map(|r| SessionSummary::of(r, asking)).collect()
}

/// `GET /api/sessions`: the signed-in user's sessions.
pub async fn list(req: &Request, app: &App) -> Answer {
    let (auth, all) = app
        .manager
        .with_client(&http::seen_client(req, app))
        .list_own(&token(req, app)?, now())
        .await?;
    let resp = http::json(200, &summaries(&all, Some(&auth.record.id_hash))).map_err(internal)?;
    successor_cookie(app, &resp, &auth)?;
    Ok(resp)
}

/// `GET /api/sessions/history`: the signed-in user's ended sessions (tombstones), newest first.
pub async fn history(req: &Request, app: &App) -> Answer {
    let (auth, ended) = app
        .manager
        .with_client(&http::seen_client(req, app))
        .history_own(&token(req, app)?, now())
        .await?;
    let resp = http::json(200, &ended).map_err(internal)?;
    successor_cookie(app, &resp, &auth)?;
    Ok(resp)
}

/// `DELETE /api/sessions/{id}`: end one of the user's sessions.
pub async fn revoke_one(req: &Request, app: &App, id: &str) -> Answer {
    let token = token(req, app)?;
    let gone = || ApiError::new(404, "session_not_found", "no such session of this user");
    // A malformed id names no session; the token is still checked first.
    let seen = http::seen_client(req, app);
    let key = IdHash::parse(id);
    let Ok(key) = key else {
        app.manager
            .with_client(&seen)
            .authenticate(&token, now())
            .await?;
        return Err(gone());
    };
    let (auth, found) = app
        .manager
        .with_client(&seen)
        .revoke_own(&token, &key, now())
        .await?;
    if !found {
        return Err(gone());
    }
    if key == auth.record.id_hash {
        return no_content_clearing(app);
    }
    Ok(Response::empty().map_err(internal)?.with_status(204))
}

/// `DELETE /api/sessions`: sign out everywhere.
pub async fn revoke_all(req: &Request, app: &App) -> Answer {
    let (_, n) = app
        .manager
        .with_client(&http::seen_client(req, app))
        .revoke_own_user(&token(req, app)?, now())
        .await?;
    let resp = http::json(200, &json!({ "revoked": n })).map_err(internal)?;
    set_cookie(&resp, &app.config.cookie.clear_cookie())?;
    Ok(resp)
}

/// Checks `Authorization: Bearer <ADMIN_TOKEN>` (constant time).
fn require_admin(req: &Request, app: &App) -> Result<(), ApiError> {
    let Some(expected) = &app.config.admin_token else {
        return Err(ApiError::not_found());
    };
    match http::bearer(req) {
        Ok(Some(given)) if http::ct_eq(given.as_bytes(), expected.as_bytes()) => Ok(()),
        Ok(Some(_)) => Err(ApiError::new(403, "forbidden", "wrong admin token")),
        _ => Err(ApiError::new(
            401,
            "admin_required",
            "admin routes need Authorization: Bearer <ADMIN_TOKEN>",
        )),
    }
}

/// `GET|DELETE /api/admin/users/{user}/sessions`.
pub async fn admin(req: &Request, app: &App, verb: Verb, user: &str) -> Answer {
    require_admin(req, app)?;
    if verb == Verb::Delete {
        let n = app.manager.revoke_user(user, now()).await?;
        return http::json(200, &json!({ "revoked": n })).map_err(internal);
    }
    let all = app.manager.list_user(user, now()).await?;
    http::json(
        200,
        &json!({ "user": user, "sessions": summaries(&all, None) }),
    )
    .map_err(internal)
}

/// `GET /api/admin/stats`: counters of this worker instance (isolate) since it loaded its
/// configuration: requests refused by the device binding (`bind_ip`, `bind_ua`).
pub fn admin_stats(req: &Request, app: &App) -> Answer {
    require_admin(req, app)?;
    let r = app.manager.refusals();
    http::json(
        200,
        &json!({ "scope": "isolate", "device_mismatch": { "ip": r.ip, "agent": r.agent } }),
    )
    .map_err(internal)
}

/// `GET /api/ring`: shards, exact shares, arcs and the config, for the demo page.
pub fn ring(app: &App) -> Answer {
    let ring = app.manager.ring();
    let shards: Vec<Value> = ring
        .shares()
        .iter()
        .map(|s| {
            json!({
                "name": s.name,
                "weight": s.weight,
                "share": s.fraction,
                "owned": s.owned.to_string(),
            })
        })
        .collect();
    let arcs = ring.arcs();
    let total = arcs.len();
    let listed: Vec<_> = arcs.into_iter().take(MAX_LISTED_ARCS).collect();
    http::json(
        200,
        &json!({
            "epoch": ring.epoch(),
            "shards": shards,
            "arcs": listed,
            "arcs_total": total,
            "config": ring.config(),
        }),
    )
    .map_err(internal)
}

/// `GET /healthz`.
pub fn healthz(app: &App) -> Answer {
    http::json(
        200,
        &json!({
            "ok": true,
            "store": app.config.store.as_str(),
            "epoch": app.manager.ring().epoch(),
        }),
    )
    .map_err(internal)
}
