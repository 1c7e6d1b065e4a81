//! Cloudflare Worker entry (feature `worker`): the session API at the edge.
//!
//! The worker only translates HTTP to and from the core: [`routes`] parses requests and calls
//! the [`SessionManager`](crate::manager::SessionManager) over the configured backend
//! ([`app`]): SQLite-backed Durable Object shards ([`shard`], reached through [`do_store`]) or
//! Workers KV ([`kv_store`]). Configuration comes from vars and secrets ([`config`]). Static
//! files in `www/` are served by the assets binding before the worker runs.
//!
//! Every error is `{"error": {"code", "message"}}` with a stable code ([`http`]); no input
//! reaches a panic.

pub mod app;
pub mod config;
pub mod do_store;
pub mod http;
pub mod kv_store;
pub mod routes;
pub mod rpc;
pub mod shard;
#[cfg(feature = "conformance")]
pub mod test_routes;

use worker::{event, Context, Env, Method, Request, Response, Result};

use self::app::App;
use self::http::ApiError;
use self::routes::Route;

/// The fetch handler.
#[event(fetch)]
pub async fn fetch(mut req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let app = app::load(&env);
    let app = app.as_ref();
    let outcome = match app {
        Ok(app) => handle(&mut req, &env, app).await,
        // Every route, /healthz included, reports the bad setting.
        Err(e) => Err(ApiError::new(500, "config_invalid", e.to_string())),
    };
    match outcome {
        Ok(resp) => Ok(resp),
        Err(e) => {
            let clear = app.as_ref().ok().map(|a| a.config.cookie.clear_cookie());
            http::error_response(&e, clear.as_deref())
                .or_else(|_| Response::error("internal error", 500))
        }
    }
}

#[cfg_attr(not(feature = "conformance"), allow(unused_variables))] // env: the test routes'
async fn handle(
    req: &mut Request,
    env: &Env,
    app: &App,
) -> std::result::Result<Response, ApiError> {
    let path = req.path();
    let route = Route::parse(&path).ok_or_else(ApiError::not_found)?;
    let method = req.method();
    if !route.allows(&method) {
        return Err(ApiError::method_not_allowed(route.allow()));
    }
    let unsafe_method = !matches!(method, Method::Get | Method::Head | Method::Options);
    if unsafe_method && (path.starts_with("/api/") || cfg!(feature = "conformance")) {
        http::check_same_origin(req)?;
    }
    match (route, method) {
        (Route::Healthz, _) => routes::healthz(app),
        (Route::Ring, _) => routes::ring(app),
        (Route::Sessions, Method::Post) => routes::sign_in(req, app).await,
        (Route::Sessions, Method::Get) => routes::list(req, app).await,
        (Route::Sessions, _) => routes::revoke_all(req, app).await,
        (Route::SessionById(id), _) => routes::revoke_one(req, app, &id).await,
        (Route::Session, Method::Get) => routes::read(req, app).await,
        (Route::Session, Method::Put) => routes::update(req, app).await,
        (Route::Session, _) => routes::sign_out(req, app).await,
        (Route::Rotate, _) => routes::rotate(req, app).await,
        (Route::AdminUserSessions(user), _) => routes::admin(req, app, &user).await,
        #[cfg(feature = "conformance")]
        (Route::TestConformance, _) => test_routes::conformance(req, env).await,
        #[cfg(feature = "conformance")]
        (Route::TestCalls, _) => test_routes::calls(app).await,
    }
}
