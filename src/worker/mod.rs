//! Cloudflare Worker entry (feature `worker`): the session API at the edge.
//!
//! This first cut answers `/healthz` and leaves every other path to the static
//! assets in `www/` (wrangler serves them before the worker runs).

use worker::{durable_object, event, Context, Env, Request, Response, Result, State};

/// The fetch handler: routes API paths; static files are served by the assets binding.
#[event(fetch)]
pub async fn fetch(req: Request, _env: Env, _ctx: Context) -> Result<Response> {
    match req.path().as_str() {
        "/healthz" => Response::from_json(&serde_json::json!({ "ok": true })),
        _ => json_error(404, "not_found", "no such route"),
    }
}

fn json_error(status: u16, code: &str, message: &str) -> Result<Response> {
    Ok(
        Response::from_json(&serde_json::json!({ "error": { "code": code, "message": message } }))?
            .with_status(status),
    )
}

/// One session shard: a SQLite-backed Durable Object named after a ring shard.
#[durable_object]
pub struct SessionShard {
    #[allow(dead_code)]
    state: State,
}

impl worker::DurableObject for SessionShard {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    async fn fetch(&self, _req: Request) -> Result<Response> {
        json_error(501, "not_implemented", "shard API not implemented yet")
    }
}
