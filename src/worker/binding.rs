//! Service-binding RPC: a Worker that binds this one (`[[services]]` in its wrangler.toml) asks
//! "whose session is this?" with one JS RPC call, `env.SESSIONS.session({cookie, authorization})`
//! (the method is declared on the entrypoint class in src/worker/entry.mjs), instead of sending
//! an HTTP request to `GET /api/session` through the binding.
//!
//! The rules are the session API's: the same token lookup (Bearer first, else the session
//! cookie), the same authentication (touch, rotation grace) in one shard call, the same view.
//! Only the framing differs: the answer is JSON text that the entrypoint parses into a plain
//! object, `{"session": {...}, "setCookie": "..."}` (the view in the JS package's camelCase) or
//! `{"status": 401, "error": {"code", "message"}}`.

use serde::Serialize;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use worker::Env;

use super::app;
use super::http::{self, ApiError};
use super::routes::{self, issued_cookie};
use crate::cookie::MAX_COOKIE_HEADER_LEN;
use crate::error::SessionError;
use crate::view::camel::SessionView;

/// Longest credential string accepted over RPC (the longer of the two header limits).
const MAX_CREDENTIAL_LEN: usize = MAX_COOKIE_HEADER_LEN;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Found<'a> {
    session: SessionView<'a>,
    /// The successor's cookie for an old token inside the rotation grace window: the calling
    /// Worker passes it on to its client.
    #[serde(skip_serializing_if = "Option::is_none")]
    set_cookie: Option<String>,
}

/// `credentials[name]`: a string of at most [`MAX_CREDENTIAL_LEN`] bytes, or absent
/// (`undefined`/`null`); anything else is `invalid_input`.
fn credential(credentials: &JsValue, name: &str) -> Result<Option<String>, ApiError> {
    let bad = || {
        ApiError::new(
            400,
            "invalid_input",
            format!("invalid input: {name} must be a string"),
        )
    };
    if credentials.is_undefined() || credentials.is_null() {
        return Ok(None);
    }
    if !credentials.is_object() {
        return Err(ApiError::new(
            400,
            "invalid_input",
            "invalid input: credentials must be an object {cookie?, authorization?}",
        ));
    }
    let v = js_sys::Reflect::get(credentials, &JsValue::from_str(name)).map_err(|_| bad())?;
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    let s = v.as_string().ok_or_else(bad)?;
    if s.len() > MAX_CREDENTIAL_LEN {
        return Err(ApiError::new(
            431,
            "cookie_header_too_large",
            format!("{name} is over {MAX_CREDENTIAL_LEN} bytes"),
        ));
    }
    Ok(Some(s))
}

async fn answer(env: &Env, credentials: &JsValue) -> Result<String, ApiError> {
    let loaded = app::load(env);
    let app = loaded
        .as_ref()
        .as_ref()
        .map_err(|e| ApiError::new(500, "config_invalid", e.to_string()))?;
    let authorization = credential(credentials, "authorization")?;
    let cookie = credential(credentials, "cookie")?;
    let bearer = http::bearer_in(authorization.as_deref())
        .map_err(|()| ApiError::from(SessionError::InvalidToken))?;
    let token = match bearer {
        Some(t) => t,
        None => http::session_cookie_in(cookie.as_deref().unwrap_or(""), &app.config.cookie)?
            .ok_or_else(|| ApiError::from(SessionError::InvalidToken))?,
    };
    let auth = app.manager.authenticate(&token, routes::now()).await?;
    let set_cookie = match &auth.successor {
        Some(issued) => Some(issued_cookie(app, issued)?),
        None => None,
    };
    let found = Found {
        session: SessionView::of(&auth.record).map_err(SessionError::from)?,
        set_cookie,
    };
    serde_json::to_string(&found)
        .map_err(|_| ApiError::new(500, "internal_error", "internal error"))
}

/// The service-binding RPC's Rust side. A class with a static method rather than a free
/// function: worker-build puts every exported free function on the default entrypoint as an
/// RPC method of its own, and this one takes the `env`, which no caller may pass.
#[wasm_bindgen(js_name = Binding)]
pub struct Binding;

#[wasm_bindgen(js_class = Binding)]
impl Binding {
    /// The RPC behind `session(credentials)`: `credentials` is `{cookie?, authorization?}` (the
    /// calling request's `Cookie` and `Authorization` header values); the answer is JSON text,
    /// `{"session": view, "setCookie"?: string}` (camelCase) or
    /// `{"status": n, "error": {"code", "message"}}`, with the codes and statuses of the HTTP
    /// API. It never throws.
    pub async fn session(env: Env, credentials: JsValue) -> String {
        match answer(&env, &credentials).await {
            Ok(text) => text,
            Err(e) => {
                let mut body = http::error_body(&e);
                if let Some(obj) = body.as_object_mut() {
                    obj.insert("status".into(), e.status.into());
                }
                body.to_string()
            }
        }
    }
}
