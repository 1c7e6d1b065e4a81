//! `GatewayKeys`: checks (and makes) the gateway's signed identity headers from JavaScript.
//! `verifyGatewayHeaders` (js/gateway.mjs) is the one-call form an origin uses.

use serde_json::json;
use wasm_bindgen::prelude::*;

use super::convert::{bounded_string, json_arg, parse, prop, safe_u64_of, string_arg};
use super::error::{coded, invalid_input};
use crate::gateway::{self, GatewayKeys, Identity, HEADERS, MAX_SIGNATURE_HEADER_LEN};
use crate::keyring::MAX_KEYRING_JSON_LEN;

/// Longest header value read from JavaScript (longer ones are malformed in any case).
const MAX_VALUE_LEN: usize = gateway::MAX_USER_HEADER_LEN + MAX_SIGNATURE_HEADER_LEN;

fn gateway_error(e: &gateway::GatewayError) -> JsValue {
    coded(e.code(), e)
}

fn seconds(v: Option<f64>, what: &str, default: u64) -> Result<u64, JsValue> {
    match v {
        None => Ok(default),
        Some(n) => safe_u64_of(n)
            .ok_or_else(|| invalid_input(&format!("{what} must be a whole number of seconds"))),
    }
}

/// The gateway keys `[{kid, secret, state}]`: the primary signs, `verify` keys still verify,
/// retired ones are refused.
#[wasm_bindgen(js_name = GatewayKeys)]
pub struct JsGatewayKeys {
    inner: GatewayKeys,
}

#[wasm_bindgen(js_class = GatewayKeys)]
impl JsGatewayKeys {
    /// `GatewayKeys.fromJSON(json)`: JSON text or an array `[{kid, secret, state}]` (the rules
    /// of `Keyring.fromJSON`).
    #[wasm_bindgen(js_name = fromJSON)]
    pub fn from_json(json: JsValue) -> Result<JsGatewayKeys, JsValue> {
        let text = json_arg(
            &json,
            "gateway keys",
            "keyring_invalid_json",
            MAX_KEYRING_JSON_LEN,
        )?;
        let inner = GatewayKeys::from_json(&text).map_err(|e| gateway_error(&e))?;
        Ok(JsGatewayKeys { inner })
    }

    /// The kid of the signing key.
    #[wasm_bindgen(getter, js_name = primaryKid)]
    pub fn primary_kid(&self) -> String {
        self.inner.primary_kid().to_owned()
    }

    /// The six identity headers `{name: value}` for a request `method` and `target` (path and
    /// query), signed at `nowSeconds` (default: now) with the primary key. `identity` is
    /// `{user, id, shard, version, expires}`.
    pub fn sign(
        &self,
        method: JsValue,
        target: JsValue,
        identity: JsValue,
        now_seconds: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        let method = string_arg(&method, "method", gateway::MAX_METHOD_LEN)?;
        let target = string_arg(&target, "target", gateway::MAX_TARGET_LEN)?;
        let now = seconds(now_seconds, "nowSeconds", super::system_now())?;
        let shape = "identity must be {user, id, shard, version, expires}";
        let text = |k: &str, max| bounded_string(&prop(&identity, k), max);
        let num = |k: &str| prop(&identity, k).as_f64().and_then(safe_u64_of);
        let who = Identity {
            user: text("user", crate::limits::MAX_USER_LEN).ok_or_else(|| invalid_input(shape))?,
            id: text("id", 64).ok_or_else(|| invalid_input(shape))?,
            shard: text("shard", 64).ok_or_else(|| invalid_input(shape))?,
            version: num("version").ok_or_else(|| invalid_input(shape))?,
            expires: num("expires").ok_or_else(|| invalid_input(shape))?,
        };
        let headers = gateway::sign(&self.inner, &method, &target, &who, now)
            .map_err(|e| gateway_error(&e))?;
        let map: serde_json::Map<String, serde_json::Value> = headers
            .into_iter()
            .map(|(n, v)| (n.to_owned(), v.into()))
            .collect();
        parse(&serde_json::Value::Object(map).to_string())
    }

    /// Checks the six header values (in `Edge-Session-User, -Id, -Shard, -Version, -Expires,
    /// -Signature` order, `null` where absent) of a `method` + `target` request. Returns `null`
    /// when all are absent, else `{user, id, shard, version, expires, kid, timestamp}`, or
    /// throws a coded error.
    ///
    /// Internal: `verifyGatewayHeaders` (js/gateway.mjs) reads the headers and calls this.
    #[doc(hidden)]
    #[wasm_bindgen(js_name = verifyValues, skip_typescript)]
    pub fn verify_values(
        &self,
        method: JsValue,
        target: JsValue,
        values: Vec<JsValue>,
        now_seconds: Option<f64>,
        max_skew: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        let bad = |field| gateway_error(&gateway::GatewayError::Malformed { field });
        let method = bounded_string(&method, gateway::MAX_METHOD_LEN).ok_or(bad("method"))?;
        let target = bounded_string(&target, gateway::MAX_TARGET_LEN).ok_or(bad("target"))?;
        let now = seconds(now_seconds, "now", super::system_now())?;
        let skew = seconds(max_skew, "maxSkew", 60)?;
        let mut got: Vec<Option<String>> = Vec::with_capacity(HEADERS.len());
        for (i, name) in HEADERS.iter().enumerate() {
            let v = values.get(i).cloned().unwrap_or(JsValue::NULL);
            if v.is_null() || v.is_undefined() {
                got.push(None);
            } else {
                got.push(Some(bounded_string(&v, MAX_VALUE_LEN).ok_or(bad(name))?));
            }
        }
        let lookup = |name: &str| {
            let i = HEADERS.iter().position(|h| *h == name)?;
            got.get(i)?.as_deref()
        };
        let verified = gateway::verify(&self.inner, &method, &target, lookup, now, skew)
            .map_err(|e| gateway_error(&e))?;
        let Some(v) = verified else {
            return Ok(JsValue::NULL);
        };
        let id = &v.identity;
        parse(
            &json!({"user": id.user, "id": id.id, "shard": id.shard, "version": id.version,
                    "expires": id.expires, "kid": v.kid, "timestamp": v.timestamp})
            .to_string(),
        )
    }
}
