//! The test-only routes (feature `conformance`, never in the deployed worker):
//! `POST /__test/conformance?store=do|kv`, `GET /__test/calls` and `POST /__test/trap`.

use super::req::Request;
use serde_json::{json, Value};
use worker::Env;

use super::app::{App, Backend};
use super::http::{self, ApiError};
use super::routes::{internal, now, Answer};
use crate::error::SessionError;

/// `POST /__test/conformance?store=do|kv`: runs the store conformance
/// suite against the real Durable Object's SQLite (inside the object) or KV store.
pub async fn conformance(req: &Request, env: &Env) -> Answer {
    let url = req.url().map_err(internal)?;
    let which = url
        .query_pairs()
        .find(|(k, _)| k == "store")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let mut n = [0u8; 4];
    getrandom::fill(&mut n).map_err(|_| ApiError::new(500, "rng_unavailable", "no randomness"))?;
    let tag = format!("conformance-{}", u32::from_be_bytes(n));
    let kind = match which.as_str() {
        "do" => super::config::StoreKind::DurableObjects,
        "kv" => super::config::StoreKind::Kv,
        _ => {
            return Err(ApiError::new(
                400,
                "invalid_input",
                "store must be do or kv",
            ))
        }
    };
    let backend = super::app::backend(env, kind, super::do_store::Transport::Rpc)
        .map_err(|e| ApiError::new(500, "config_invalid", e.to_string()))?;
    let result: Result<usize, String> = match backend {
        Backend::Do(router) => {
            let stub = router.stub(&tag).map_err(SessionError::from)?;
            let text = super::do_store::post(&stub, "/test/conformance", tag.clone()).await?;
            serde_json::from_str(&text).unwrap_or_else(|e| Err(format!("bad answer: {e}")))
        }
        Backend::Kv(kv) => {
            let store = kv.with_prefix(format!("{tag}/"));
            crate::conformance::run(&store, &tag, now())
                .await
                .map_err(|f| format!("{}: {}", f.check, f.detail))
        }
    };
    match result {
        Ok(passed) => http::json(200, &json!({ "passed": passed })),
        Err(failed) => http::json(500, &json!({ "failed": failed })),
    }
    .map_err(internal)
}

/// `GET /__test/calls`: the shard calls served so far by the objects of
/// the current ring's shards, `{"calls": {"shard-0": n, ...}}` (reading them is not counted).
pub async fn calls(app: &App) -> Answer {
    let Backend::Do(router) = app.manager.router() else {
        return Err(ApiError::new(
            400,
            "invalid_input",
            "calls are counted in DO mode",
        ));
    };
    let mut out = serde_json::Map::new();
    for share in app.manager.ring().shares() {
        let stub = router.stub(&share.name).map_err(SessionError::from)?;
        let text = super::do_store::post(&stub, "/test/calls", String::new()).await?;
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        out.insert(share.name.clone(), v["calls"].clone());
    }
    http::json(200, &json!({ "calls": out })).map_err(internal)
}

/// `POST /__test/trap`: stops the wasm instance with a trap, as a panic would (the release
/// profile aborts on panic). What a test checks is what follows: the next request runs on a
/// fresh instance and every stored session is still there.
pub fn trap() -> Answer {
    std::process::abort()
}
