//! Cloudflare Worker entry (feature `worker`): the session API at the edge.
//!
//! The worker only translates HTTP to and from the core: [`routes`] parses requests and calls
//! the [`SessionManager`](crate::manager::SessionManager) over the configured backend
//! ([`app`]): SQLite-backed Durable Object shards ([`shard`], reached through [`do_store`]) or
//! Workers KV ([`kv_store`]). Configuration comes from vars and secrets ([`config`]). Static
//! files in `www/` are served by the assets binding before the worker runs.
//!
//! Every error is `{"error": {"code", "message"}}` with a stable code ([`http`]); no input
//! reaches a panic. Methods are decided on the raw method name ([`verb`]), and every request
//! body is read to its end under a bound ([`body`]), so an early answer never costs the client
//! its connection.

pub mod app;
pub mod binding;
pub mod body;
pub mod config;
pub mod do_store;
pub mod events;
pub mod gateway;
pub mod gateway_config;
pub mod http;
pub mod kv_store;
pub mod req;
pub mod routes;
pub mod rpc;
pub mod shard;
#[cfg(feature = "conformance")]
pub mod test_routes;
pub mod verb;

use self::req::Request;
use worker::{event, Context, Env, Response, Result};

use self::app::App;
use self::http::ApiError;
use self::routes::Route;
use self::verb::Verb;

/// The fetch handler.
#[event(fetch)]
pub async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let app = app::load(&env);
    let app = app.as_ref();
    if let Ok(a) = app {
        if let Some(gw) = a.config.gateway.as_ref().filter(|_| !reserved(&req.path())) {
            // Streamed: the body goes to the origin unread, so there is nothing to drain.
            let out = gateway::proxy(&req, a, gw).await;
            events::flush(&env).await;
            return match out {
                Ok(resp) => Ok(resp),
                Err(e) => http::error_response(&e, Some(&a.config.cookie.clear_cookie()))
                    .or_else(|_| Response::error("internal error", 500)),
            };
        }
    }
    let outcome = match app {
        Ok(app) => handle(&req, &env, app).await,
        // Every route, /healthz included, reports the bad setting.
        Err(e) => Err(ApiError::new(500, "config_invalid", e.to_string())),
    };
    events::flush(&env).await;
    // An answer decided before the body was read (404, 405, 401, 415, 403, ...) still reads it
    // to its end, or the runtime may drop the connection under the client.
    body::drain(&req).await;
    let resp = match outcome {
        Ok(resp) => resp,
        Err(e) => {
            let clear = app.as_ref().ok().map(|a| a.config.cookie.clear_cookie());
            http::error_response(&e, clear.as_deref())
                .or_else(|_| Response::error("internal error", 500))?
        }
    };
    if Verb::of(&req) == Some(Verb::Head) {
        return http::without_body(&resp);
    }
    Ok(resp)
}

/// Whether `path` belongs to the worker itself in gateway mode (the session API, `/healthz`, the
/// test routes); every other path goes to the origin.
fn reserved(path: &str) -> bool {
    const OWN: [&str; 6] = [
        "/api/session",
        "/api/sessions",
        "/api/ring",
        "/api/admin",
        "/healthz",
        "/__test",
    ];
    OWN.iter().any(|p| {
        path.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

#[cfg_attr(not(feature = "conformance"), allow(unused_variables))] // env: the test routes'
async fn handle(req: &Request, env: &Env, app: &App) -> std::result::Result<Response, ApiError> {
    let path = req.path();
    let route = Route::parse(&path).ok_or_else(ApiError::not_found)?;
    let verb = Verb::of(req)
        .filter(|v| route.allows(*v))
        .ok_or_else(|| ApiError::method_not_allowed(route.allow()))?;
    if !verb.is_safe() && (path.starts_with("/api/") || cfg!(feature = "conformance")) {
        http::check_same_origin(req)?;
    }
    let body = http::read_limited(req).await?;
    if verb == Verb::Options {
        return http::options(route.allow()).map_err(routes::internal);
    }
    // HEAD runs the GET handler; `fetch` drops the body.
    let get = matches!(verb, Verb::Get | Verb::Head);
    match route {
        Route::Healthz => routes::healthz(app),
        Route::Ring => routes::ring(app),
        Route::Sessions if verb == Verb::Post => routes::sign_in(req, app, &body).await,
        Route::Sessions if get => routes::list(req, app).await,
        Route::Sessions => routes::revoke_all(req, app).await,
        Route::SessionById(id) => routes::revoke_one(req, app, &id).await,
        Route::History => routes::history(req, app).await,
        Route::Session if get => routes::read(req, app).await,
        Route::Session if verb == Verb::Put => routes::update(req, app, &body).await,
        Route::Session => routes::sign_out(req, app).await,
        Route::Rotate => routes::rotate(req, app).await,
        Route::Reauth => routes::reauth(req, app).await,
        Route::AdminUserSessions(user) => routes::admin(req, app, verb, &user).await,
        Route::AdminStats => routes::admin_stats(req, app),
        #[cfg(feature = "conformance")]
        Route::TestConformance => test_routes::conformance(req, env).await,
        #[cfg(feature = "conformance")]
        Route::TestCalls => test_routes::calls(app).await,
        #[cfg(feature = "conformance")]
        Route::TestTrap => test_routes::trap(),
    }
}
