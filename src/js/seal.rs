//! Sealed tokens from JavaScript: `Keyring.seal`/`unseal` (claims in, claims out) and the
//! iron-session-style `sealData`/`unsealData` (any JSON value in a cookie, encrypted).
//!
//! Nonces come from `getrandom` (WebCrypto) here, never from the caller: a repeated nonce would
//! undo the encryption, so no JavaScript API takes one. The golden vectors are checked by
//! opening them (`unseal`), and by sealing with their fixed nonces in the wasm tests of the core.

use wasm_bindgen::prelude::*;

use super::convert::{is_nullish, prop_arg, safe_u64, stringify};
use super::error::{coded, invalid_input, set};
use super::hot_paths::{claims_of, with_bytes};
use super::keyring::{claims_arg, claims_line, JsKeyring};
use crate::id::SessionId;
use crate::limits::MAX_DURATION;
use crate::seal::{SealError, MAX_SEALED_PAYLOAD_LEN, SEAL_NONCE_LEN};
use crate::token::{Claims, TokenError, MAX_TOKEN_LEN};

/// The shard name of `sealData` tokens: they live on no shard.
const STATELESS_SHARD: &str = "-";
/// Default lifetime of `sealData` tokens: 14 days, as iron-session's.
const DEFAULT_TTL: u64 = 14 * 24 * 60 * 60;

/// A `seal_*` error with its HTTP status: 413 for a payload too large to seal, 401 for a
/// token that does not open, 500 without randomness.
fn seal_error(code: &str, message: impl std::fmt::Display) -> JsValue {
    let status = match code {
        "seal_payload_too_large" => 413,
        "rng_unavailable" => 500,
        _ => 401,
    };
    let e = coded(code, message);
    set(&e, "status", &JsValue::from_f64(f64::from(status)));
    e
}

fn token_error(e: &TokenError) -> JsValue {
    if matches!(e, TokenError::SealedPayloadTooLarge { .. }) {
        seal_error(e.code(), e)
    } else {
        coded(e.code(), e)
    }
}

fn unseal_error(e: SealError) -> JsValue {
    seal_error(e.code(), e)
}

fn fresh_nonce() -> Result<[u8; SEAL_NONCE_LEN], JsValue> {
    let mut n = [0u8; SEAL_NONCE_LEN];
    getrandom::fill(&mut n).map_err(|_| seal_error("rng_unavailable", "no randomness"))?;
    Ok(n)
}

/// `options.<key>` as whole seconds, `None` when absent; anything else is `invalid_input`.
fn seconds_opt(options: &JsValue, key: &str) -> Result<Option<u64>, JsValue> {
    let v = prop_arg(options, key)?;
    if is_nullish(&v) {
        return Ok(None);
    }
    safe_u64(&v)
        .map(Some)
        .ok_or_else(|| invalid_input(&format!("{key} must be a whole number of seconds")))
}

fn now_opt(options: &JsValue, key: &str) -> Result<u64, JsValue> {
    Ok(seconds_opt(options, key)?.unwrap_or_else(super::system_now))
}

impl JsKeyring {
    fn open(&self, token: &JsValue, now: u64) -> Result<crate::token::Verified, JsValue> {
        if !token.is_string() {
            return Err(unseal_error(SealError::Malformed));
        }
        // The length is checked before the copy; the core checks the rest.
        with_bytes(token, MAX_TOKEN_LEN, |t| {
            let t = std::str::from_utf8(t).map_err(|_| SealError::Malformed)?;
            self.inner.unseal(t, now)
        })
        .unwrap_or(Err(SealError::TooLarge))
        .map_err(unseal_error)
    }
}

#[wasm_bindgen(js_class = Keyring)]
impl JsKeyring {
    /// Seals claims `{sessionId, shard, epoch, issuedAt, expiresAt, payload?}` with the primary
    /// key and a fresh random nonce: the payload (at most 2040 bytes) is encrypted, every field
    /// authenticated. Returns the sealed token; `seal_payload_too_large` (413) over the bound.
    pub fn seal(&self, claims: JsValue) -> Result<String, JsValue> {
        let claims = claims_arg(&claims, MAX_SEALED_PAYLOAD_LEN)?;
        let nonce = fresh_nonce()?;
        self.inner
            .seal(&claims, &nonce)
            .map_err(|e| token_error(&e))
    }

    /// Opens a sealed token at `nowSeconds` (default: now): its claims `{kid, sessionId, shard,
    /// epoch, issuedAt, expiresAt, payload}` with the payload decrypted. Throws (status 401)
    /// `seal_tampered`, `seal_unknown_key`, `seal_expired`, `seal_malformed` or
    /// `seal_too_large`; a bad `nowSeconds` is `invalid_input`.
    #[wasm_bindgen(unchecked_return_type = "VerifiedClaims")]
    pub fn unseal(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] now_seconds: JsValue,
    ) -> Result<JsValue, JsValue> {
        let now = if is_nullish(&now_seconds) {
            super::system_now()
        } else {
            safe_u64(&now_seconds)
                .ok_or_else(|| invalid_input("nowSeconds must be a whole number of seconds"))?
        };
        let v = self.open(&token, now)?;
        Ok(claims_of(&claims_line(&v.kid, &v.claims)))
    }

    /// Stateless sessions in the style of iron-session: seals `data` (any JSON value, at most
    /// 2040 bytes as JSON) into a token that expires `ttl` seconds after `now` (defaults: 14
    /// days, the clock). Options `{ttl?, now?}`. The token needs no store: `unsealData` opens it.
    #[wasm_bindgen(js_name = sealData)]
    pub fn seal_data(
        &self,
        #[wasm_bindgen(unchecked_param_type = "unknown")] data: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "{ ttl?: number; now?: number }")]
        options: JsValue,
    ) -> Result<String, JsValue> {
        let ttl = seconds_opt(&options, "ttl")?.unwrap_or(DEFAULT_TTL);
        if ttl == 0 || ttl > MAX_DURATION {
            return Err(invalid_input(&format!(
                "ttl must be 1 to {MAX_DURATION} seconds"
            )));
        }
        let now = now_opt(&options, "now")?;
        let text = stringify(&data, MAX_SEALED_PAYLOAD_LEN).map_err(|e| match e {
            Some(_) => seal_error(
                "seal_payload_too_large",
                format_args!("data is over {MAX_SEALED_PAYLOAD_LEN} bytes as JSON"),
            ),
            None => invalid_input("data must be JSON-serialisable"),
        })?;
        // One draw for the id and the nonce: each WebCrypto call costs about a seal's worth.
        let mut random = [0u8; 16 + SEAL_NONCE_LEN];
        getrandom::fill(&mut random).map_err(|_| seal_error("rng_unavailable", "no randomness"))?;
        let (id, nonce) = random.split_at(16);
        let id: [u8; 16] = id
            .try_into()
            .map_err(|_| seal_error("rng_unavailable", "rng"))?;
        let nonce: [u8; SEAL_NONCE_LEN] = nonce
            .try_into()
            .map_err(|_| seal_error("rng_unavailable", "rng"))?;
        let claims = Claims {
            session_id: SessionId::from_bytes(id),
            shard: STATELESS_SHARD.to_owned(),
            epoch: 0,
            issued_at: now,
            expires_at: now.saturating_add(ttl),
            payload: text.into_bytes(),
        };
        self.inner
            .seal(&claims, &nonce)
            .map_err(|e| token_error(&e))
    }

    /// Opens a `sealData` token at `now` (option, default: the clock) and returns its data.
    /// Throws the `seal_*` codes of `unseal` (status 401).
    #[wasm_bindgen(js_name = unsealData, unchecked_return_type = "unknown")]
    pub fn unseal_data(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "{ now?: number }")] options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let now = now_opt(&options, "now")?;
        let v = self.open(&token, now)?;
        let text = std::str::from_utf8(&v.claims.payload)
            .map_err(|_| unseal_error(SealError::Malformed))?;
        js_sys::JSON::parse(text).map_err(|_| unseal_error(SealError::Malformed))
    }
}
