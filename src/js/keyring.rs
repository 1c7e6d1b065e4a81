//! `Keyring`: signs and verifies tokens from JavaScript.

use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::convert::{de_safe_u64, is_nullish, json_arg, parse, safe_u64};
use super::error::{coded, invalid_input, session_error};
use super::hot_paths::claims_of;
use super::hot_paths::with_bytes;
use crate::error::SessionError;
use crate::id::SessionId;
use crate::keyring::{Keyring, MAX_KEYRING_JSON_LEN};
use crate::token::{Claims, MAX_PAYLOAD_LEN, MAX_TOKEN_LEN};

/// Claims as JavaScript sees them (camelCase; session id and payload in base64url).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct JsClaims {
    /// Accepted (verified claims carry it) and ignored: the primary key signs.
    #[serde(default, rename = "kid")]
    _kid: Option<serde::de::IgnoredAny>,
    session_id: String,
    shard: String,
    epoch: u32,
    #[serde(deserialize_with = "de_safe_u64")]
    issued_at: u64,
    #[serde(deserialize_with = "de_safe_u64")]
    expires_at: u64,
    #[serde(default)]
    payload: String,
}

/// The tab-separated claims line of a verified token, for [`claims_of`]. No field can hold a tab: kids
/// and shards are `[A-Za-z0-9._-]`, the rest are digits or base64url.
pub(crate) fn claims_line(kid: &str, c: &Claims) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(96 + c.payload.len() * 4 / 3);
    let _ = write!(
        out,
        "{kid}\t{}\t{}\t{}\t{}\t{}\t",
        c.session_id.to_base64url(),
        c.shard,
        c.epoch,
        c.issued_at,
        c.expires_at
    );
    crate::b64::encode_into(&c.payload, crate::b64::Alphabet::UrlSafe, false, &mut out);
    out
}

#[wasm_bindgen(typescript_custom_section)]
const VERIFIED_CLAIMS_TS: &str = r#"
/** Claims of a verified token (times in unix seconds; sessionId and payload in base64url). */
export interface VerifiedClaims {
    kid: string;
    sessionId: string;
    shard: string;
    epoch: number;
    issuedAt: number;
    expiresAt: number;
    payload: string;
}
"#;

/// Claims `{sessionId, shard, epoch, issuedAt, expiresAt, payload?}` from JavaScript, the
/// payload at most `max_payload` bytes (`token_payload_too_large` or, for seals,
/// `seal_payload_too_large`).
pub(crate) fn claims_arg(claims: &JsValue, max_payload: usize) -> Result<Claims, JsValue> {
    let text = json_arg(claims, "claims", "invalid_input", 2 * MAX_TOKEN_LEN)
        .map_err(|_| invalid_input(CLAIMS_SHAPE))?;
    let c: JsClaims = serde_json::from_str(&text).map_err(|_| invalid_input(CLAIMS_SHAPE))?;
    let session_id = SessionId::from_base64url(&c.session_id).map_err(|e| coded(e.code(), e))?;
    let payload = crate::b64::decode(
        c.payload.as_bytes(),
        crate::b64::Alphabet::UrlSafe,
        crate::b64::Padding::Absent,
    )
    .ok_or_else(|| invalid_input("payload must be unpadded base64url"))?;
    if payload.len() > max_payload {
        let message = format_args!("payload is over {max_payload} bytes");
        return Err(if max_payload == MAX_PAYLOAD_LEN {
            coded("token_payload_too_large", message)
        } else {
            let e = coded("seal_payload_too_large", message);
            super::error::set(&e, "status", &JsValue::from_f64(413.0));
            e
        });
    }
    Ok(Claims {
        session_id,
        shard: c.shard,
        epoch: c.epoch,
        issued_at: c.issued_at,
        expires_at: c.expires_at,
        payload,
    })
}

const CLAIMS_SHAPE: &str =
    "claims must be {sessionId, shard, epoch, issuedAt, expiresAt, payload?} (payload in base64url; times whole numbers from 0 to 2^53 - 1)";

/// A set of named HMAC keys: one signs, the others only verify, retired ones are refused.
#[wasm_bindgen(js_name = Keyring)]
pub struct JsKeyring {
    pub(crate) inner: Keyring,
}

impl JsKeyring {
    /// Builds the core keyring from a JS value (JSON text or an array of `{kid, secret, state}`).
    pub(crate) fn parse(json: &JsValue) -> Result<Keyring, JsValue> {
        let text = json_arg(
            json,
            "keyring",
            "keyring_invalid_json",
            MAX_KEYRING_JSON_LEN,
        )?;
        Keyring::from_json(&text).map_err(|e| coded(e.code(), &e))
    }
}

#[wasm_bindgen(js_class = Keyring)]
impl JsKeyring {
    /// `new Keyring()` is refused (`invalid_input`): a keyring is built by `Keyring.fromJSON`.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<JsKeyring, JsValue> {
        Err(invalid_input(
            "a Keyring is built by Keyring.fromJSON(keys), not new Keyring()",
        ))
    }

    /// `Keyring.fromJSON(json)`: JSON text or an array `[{kid, secret, state}]`
    /// (secrets in base64, at least 32 bytes; exactly one `primary`).
    #[wasm_bindgen(js_name = fromJSON)]
    pub fn from_json(json: JsValue) -> Result<JsKeyring, JsValue> {
        Ok(JsKeyring {
            inner: JsKeyring::parse(&json)?,
        })
    }

    /// The kid of the signing key.
    #[wasm_bindgen(getter, js_name = primaryKid)]
    pub fn primary_kid(&self) -> String {
        self.inner.primary_kid().to_owned()
    }

    /// Signs claims `{sessionId, shard, epoch, issuedAt, expiresAt, payload?}` with the
    /// primary key; returns the token.
    pub fn sign(&self, claims: JsValue) -> Result<String, JsValue> {
        let claims = claims_arg(&claims, MAX_PAYLOAD_LEN)?;
        self.inner.sign(&claims).map_err(|e| coded(e.code(), &e))
    }

    /// The claims of `token` verified at `nowSeconds` (default: now), or `None` for any
    /// invalid token (a non-string or an over-long one included). A bad `nowSeconds` is
    /// `invalid_input`.
    fn check(&self, token: &JsValue, now_seconds: &JsValue) -> Result<Option<JsValue>, JsValue> {
        let now = if is_nullish(now_seconds) {
            super::system_now()
        } else {
            safe_u64(now_seconds)
                .ok_or_else(|| invalid_input("nowSeconds must be a whole number of seconds"))?
        };
        // The type and length are checked before the copy; the core checks the rest.
        let line = with_bytes(token, MAX_TOKEN_LEN, |t| {
            let t = std::str::from_utf8(t).ok()?;
            let v = self.inner.verify(t, now).ok()?;
            Some(claims_line(&v.kid, &v.claims))
        });
        Ok(line.flatten().map(|l| claims_of(&l)))
    }

    /// Verifies a token at `nowSeconds` (default: now): its claims `{kid, sessionId, shard,
    /// epoch, issuedAt, expiresAt, payload}`, or `invalid_token` (status 401) for any invalid
    /// token. A bad `nowSeconds` is `invalid_input`.
    #[wasm_bindgen(unchecked_return_type = "VerifiedClaims")]
    pub fn verify(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] now_seconds: JsValue,
    ) -> Result<JsValue, JsValue> {
        self.check(&token, &now_seconds)?
            .ok_or_else(|| session_error(&SessionError::InvalidToken))
    }

    /// Like `verify`, but an invalid token (for any reason) gives `null` instead of an Error:
    /// the fast path for authenticating requests, where building an Error would cost more
    /// than the MAC. A bad `nowSeconds` still throws `invalid_input`.
    #[wasm_bindgen(js_name = tryVerify, unchecked_return_type = "VerifiedClaims | null")]
    pub fn try_verify(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] now_seconds: JsValue,
    ) -> Result<JsValue, JsValue> {
        Ok(self.check(&token, &now_seconds)?.unwrap_or(JsValue::NULL))
    }

    /// The kids and their states, `[{kid, state}]` (never the secrets).
    pub fn kids(&self) -> Result<JsValue, JsValue> {
        let list: Vec<serde_json::Value> = self
            .inner
            .kids()
            .into_iter()
            .map(|(kid, state)| serde_json::json!({ "kid": kid, "state": state }))
            .collect();
        parse(&serde_json::Value::Array(list).to_string())
    }
}
