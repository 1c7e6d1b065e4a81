//! `SessionManager`: the core manager over JS stores.
//!
//! `new SessionManager({keys, ring, policy?, store, now?})`:
//! - `keys`: keyring JSON (text or `[{kid, secret, state}]`);
//! - `ring`: a `Ring`, its JSON, `{epoch, steps}`, `{shards}` or `[{name, weight}]`;
//! - `policy`: `{idleTimeout, absoluteLifetime, touchInterval, maxDataBytes,
//!   maxSessionsPerUser, rotationGrace, bindIp, bindUa}` (seconds / bytes / booleans; missing
//!   fields take the defaults);
//! - `store`: a store object (every shard) or a function `shard => store`;
//! - `now`: a function returning unix seconds, or a fixed number (tests);
//! - `onEvent`: a function called with every event (`{type: 'new_device', user, id, device,
//!   client, at}` at a sign-in from a device the user has not used, `{type: 'session_ended',
//!   user, ended}` at every revocation); what it throws or rejects with is ignored;
//! - `storeTimeout`: the deadline of one store call in milliseconds (default 10000, at most
//!   600000); a call that misses it fails with `store_timeout`.
//!
//! Calls that take a token take a request's `client: {ip?, userAgent?, country?, colo?}` in
//! their options (`authenticate(token, {client})`, `update(token, version, data, {client})`,
//! ...): sign-in records it, `bindIp` / `bindUa` compare it, and `refusals` counts what they
//! refused.
//!
//! Every method returns a promise; failures (bad arguments included) reject with a coded
//! `Error`. Numbers must be whole and safe (`0..=2^53-1`): NaN, ±Infinity, fractions and
//! larger numbers are refused, never rounded or replaced by a default.

use std::future::Future;
use std::rc::Rc;

use js_sys::{Function, Promise};
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::convert::{
    bounded_string, de_opt_safe_u64, is_nullish, json_arg, parse, prop_arg, safe_u64, string_arg,
    stringify, u64_arg,
};
use super::error::{coded, invalid_input, session_error};
use super::js_store::{JsRouter, JsStore, DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS};
use super::keyring::JsKeyring;
use super::record::{session_json, session_to_js};
use super::ring::ring_from_value;
use crate::client::Client;
use crate::error::SessionError;
use crate::history::{Ended, Event};
use crate::id::{IdHash, SessionId, ID_HASH_B64_LEN};
use crate::limits::{MAX_AUTH_AGE, MAX_CLIENT_FIELD_INPUT, MAX_DEVICE_LEN, MAX_USER_LEN};
use crate::manager::{Issued, SessionManager};
use crate::policy::Policy;
use crate::session::NewSession;
use crate::token::MAX_TOKEN_LEN;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PolicyOpts {
    #[serde(default, deserialize_with = "de_opt_safe_u64")]
    idle_timeout: Option<u64>,
    #[serde(default, deserialize_with = "de_opt_safe_u64")]
    absolute_lifetime: Option<u64>,
    #[serde(default, deserialize_with = "de_opt_safe_u64")]
    touch_interval: Option<u64>,
    #[serde(default, deserialize_with = "de_opt_safe_u64")]
    max_data_bytes: Option<u64>,
    #[serde(default, deserialize_with = "de_opt_safe_u64")]
    max_sessions_per_user: Option<u64>,
    #[serde(default, deserialize_with = "de_opt_safe_u64")]
    rotation_grace: Option<u64>,
    #[serde(default, deserialize_with = "de_opt_safe_u64")]
    signin_user_burst: Option<u64>,
    #[serde(default, deserialize_with = "de_opt_safe_u64")]
    signin_user_refill: Option<u64>,
    #[serde(default, deserialize_with = "de_opt_safe_u64")]
    signin_ip_burst: Option<u64>,
    #[serde(default, deserialize_with = "de_opt_safe_u64")]
    signin_ip_refill: Option<u64>,
    #[serde(default)]
    bind_ip: Option<bool>,
    #[serde(default)]
    bind_ua: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_safe_u64")]
    history_days: Option<u64>,
    #[serde(default, deserialize_with = "de_opt_safe_u64")]
    history_max: Option<u64>,
}

fn size(n: Option<u64>, default: usize) -> usize {
    n.map_or(default, |n| usize::try_from(n).unwrap_or(usize::MAX))
}

fn policy_from(v: &JsValue) -> Result<Policy, JsValue> {
    let mut p = Policy::default();
    if is_nullish(v) {
        return Ok(p);
    }
    const SHAPE: &str = "policy is {idleTimeout, absoluteLifetime, touchInterval, maxDataBytes, maxSessionsPerUser, rotationGrace, signinUserBurst, signinUserRefill, signinIpBurst, signinIpRefill, historyDays, historyMax} (whole numbers from 0 to 2^53 - 1), bindIp, bindUa (booleans)";
    let text = json_arg(v, "policy", "policy_invalid", 4096)?;
    let o: PolicyOpts = serde_json::from_str(&text).map_err(|_| coded("policy_invalid", SHAPE))?;
    p.idle_timeout = o.idle_timeout.unwrap_or(p.idle_timeout);
    p.absolute_lifetime = o.absolute_lifetime.unwrap_or(p.absolute_lifetime);
    p.touch_interval = o.touch_interval.unwrap_or(p.touch_interval);
    p.max_data_bytes = size(o.max_data_bytes, p.max_data_bytes);
    p.max_sessions_per_user = size(o.max_sessions_per_user, p.max_sessions_per_user);
    p.rotation_grace = o.rotation_grace.unwrap_or(p.rotation_grace);
    p.signin_user_burst = o.signin_user_burst.unwrap_or(p.signin_user_burst);
    p.signin_user_refill = o.signin_user_refill.unwrap_or(p.signin_user_refill);
    p.signin_ip_burst = o.signin_ip_burst.unwrap_or(p.signin_ip_burst);
    p.signin_ip_refill = o.signin_ip_refill.unwrap_or(p.signin_ip_refill);
    p.bind_ip = o.bind_ip.unwrap_or(p.bind_ip);
    p.bind_ua = o.bind_ua.unwrap_or(p.bind_ua);
    p.history_days = o.history_days.unwrap_or(p.history_days);
    p.history_max = size(o.history_max, p.history_max);
    p.validate().map_err(|e| coded(e.code(), &e))?;
    Ok(p)
}

enum Clock {
    System,
    Fixed(u64),
    Func(Function),
}

impl Clock {
    fn from(v: &JsValue) -> Result<Clock, JsValue> {
        if is_nullish(v) {
            Ok(Clock::System)
        } else if let Some(f) = v.dyn_ref::<Function>() {
            Ok(Clock::Func(f.clone()))
        } else {
            safe_u64(v).map(Clock::Fixed).ok_or_else(|| {
                invalid_input("now must be a function returning unix seconds, or a number")
            })
        }
    }

    fn now(&self) -> Result<u64, JsValue> {
        match self {
            Clock::System => Ok(super::system_now()),
            Clock::Fixed(n) => Ok(*n),
            Clock::Func(f) => {
                // Fractions (`Date.now() / 1000`) are floored; NaN, ±Infinity, negatives and
                // numbers over 2^53 - 1 are refused.
                let v = f
                    .call0(&JsValue::NULL)
                    .map_err(|_| invalid_input("now() threw"))?;
                let secs = v.as_f64().filter(|s| s.is_finite() && *s >= 0.0);
                secs.map(f64::floor)
                    .and_then(super::convert::safe_u64_of)
                    .ok_or_else(|| invalid_input("now() must return unix seconds"))
            }
        }
    }
}

struct Inner {
    manager: SessionManager<JsRouter>,
    clock: Clock,
}

/// Sessions over JS stores: sign in, authenticate, update, rotate, sign out, list, revoke.
#[wasm_bindgen(js_name = SessionManager)]
pub struct JsSessionManager {
    inner: Rc<Inner>,
}

fn token_arg(v: &JsValue) -> Result<String, JsValue> {
    bounded_string(v, MAX_TOKEN_LEN).ok_or_else(|| session_error(&SessionError::InvalidToken))
}

fn user_arg(v: &JsValue) -> Result<String, JsValue> {
    string_arg(v, "user", MAX_USER_LEN)
}

/// JSON text of session data: an object, at most `limit` bytes.
fn data_arg(v: &JsValue, limit: usize) -> Result<String, JsValue> {
    if is_nullish(v) {
        return Ok("{}".to_owned());
    }
    match stringify(v, limit) {
        Ok(t) => Ok(t),
        Err(Some(_)) => Err(session_error(&SessionError::DataTooLarge { limit })),
        Err(None) => Err(invalid_input("data must be a JSON-serialisable object")),
    }
}

/// The client IP of a sign-in (`create({ip})`), for its rate-limit bucket: absent, or an IP
/// address's text (at most 45 characters of hex digits, `.` and `:`).
fn ip_arg(v: &JsValue) -> Result<Option<String>, JsValue> {
    if is_nullish(v) {
        return Ok(None);
    }
    let ip = bounded_string(v, crate::ratelimit::MAX_IP_LEN)
        .filter(|ip| crate::ratelimit::ip_key(ip).is_some())
        .ok_or_else(|| {
            invalid_input(
                "ip must be an IP address (at most 45 characters of hex digits, '.' and ':')",
            )
        })?;
    Ok(Some(ip))
}

/// `authenticate`'s options: `undefined`, or `{maxAuthAge}` in seconds (0 ..= 10 years).
fn max_auth_age_arg(opts: &JsValue) -> Result<Option<u64>, JsValue> {
    if is_nullish(opts) {
        return Ok(None);
    }
    if !opts.is_object() {
        return Err(invalid_input(
            "authenticate() options are {maxAuthAge?, client?}",
        ));
    }
    let v = prop_arg(opts, "maxAuthAge")?;
    if is_nullish(&v) {
        return Ok(None);
    }
    let age = u64_arg(&v, "maxAuthAge")?;
    if age > MAX_AUTH_AGE {
        return Err(invalid_input("maxAuthAge must be 0 ..= 315360000 seconds"));
    }
    Ok(Some(age))
}

/// A request's client details: `undefined`, or `{ip?, userAgent?, country?, colo?}` (strings;
/// `userAgent` is the raw header, of which only the browser and OS are kept).
fn client_arg(v: &JsValue) -> Result<Client, JsValue> {
    if is_nullish(v) {
        return Ok(Client::default());
    }
    if !v.is_object() {
        return Err(invalid_input(
            "client is {ip?, userAgent?, country?, colo?} (strings)",
        ));
    }
    let field = |key: &str| -> Result<Option<String>, JsValue> {
        let f = prop_arg(v, key)?;
        if is_nullish(&f) {
            return Ok(None);
        }
        string_arg(&f, &format!("client.{key}"), MAX_CLIENT_FIELD_INPUT).map(Some)
    };
    let (ip, ua) = (field("ip")?, field("userAgent")?);
    let (country, colo) = (field("country")?, field("colo")?);
    Client::parse(
        ip.as_deref(),
        ua.as_deref(),
        country.as_deref(),
        colo.as_deref(),
    )
    .map_err(|e| session_error(&e))
}

/// The `client` of a call's options object (`undefined` options: no client).
fn opts_client(opts: &JsValue) -> Result<Client, JsValue> {
    if is_nullish(opts) {
        return Ok(Client::default());
    }
    if !opts.is_object() {
        return Err(invalid_input("options are an object ({client?})"));
    }
    client_arg(&prop_arg(opts, "client")?)
}

/// "Remember me": absent means `true`; anything but a boolean is refused.
fn persistent_arg(v: &JsValue) -> Result<bool, JsValue> {
    if is_nullish(v) {
        return Ok(true);
    }
    v.as_bool()
        .ok_or_else(|| invalid_input("persistent must be a boolean"))
}

fn issued(i: &Issued) -> Result<JsValue, JsValue> {
    // The token is base64url: it needs no escaping inside the JSON string. `maxAge` is null for
    // a browser-session cookie (`setCookie` then writes no Max-Age).
    let max_age = i
        .max_age
        .map_or_else(|| "null".to_owned(), |s| s.to_string());
    parse(&format!(
        r#"{{"token":"{}","maxAge":{},"session":{}}}"#,
        i.token,
        max_age,
        session_json(&i.record)?
    ))
}

impl JsSessionManager {
    /// Runs `f(inner, now)` as a promise; argument errors reject it.
    fn run<F, Fut>(&self, f: F) -> Promise
    where
        F: FnOnce(Rc<Inner>, u64) -> Fut + 'static,
        Fut: Future<Output = Result<JsValue, JsValue>> + 'static,
    {
        let now = match self.inner.clock.now() {
            Ok(n) => n,
            Err(e) => return Promise::reject(&e),
        };
        future_to_promise(f(self.inner.clone(), now))
    }
}

/// The `storeTimeout` option: milliseconds, 1 to [`MAX_TIMEOUT_MS`].
fn timeout_from(v: &JsValue) -> Result<u32, JsValue> {
    if is_nullish(v) {
        return Ok(DEFAULT_TIMEOUT_MS);
    }
    safe_u64(v)
        .filter(|ms| (1..=u64::from(MAX_TIMEOUT_MS)).contains(ms))
        .and_then(|ms| u32::try_from(ms).ok())
        .ok_or_else(|| {
            coded(
                "config_invalid",
                format_args!("storeTimeout must be a whole number of milliseconds from 1 to {MAX_TIMEOUT_MS}"),
            )
        })
}

/// A tombstone in camelCase.
fn ended_json(e: &Ended) -> serde_json::Value {
    serde_json::json!({
        "id": e.id,
        "device": e.device,
        "client": e.client,
        "createdAt": e.created_at,
        "endedAt": e.ended_at,
        "reason": e.reason,
    })
}

/// An event in camelCase.
fn event_json(e: &Event) -> serde_json::Value {
    match e {
        Event::NewDevice {
            user,
            id,
            device,
            client,
            at,
        } => serde_json::json!({
            "type": "new_device", "user": user, "id": id, "device": device, "client": client, "at": at,
        }),
        Event::SessionEnded { user, ended } => serde_json::json!({
            "type": "session_ended", "user": user, "ended": ended_json(ended),
        }),
    }
}

thread_local! {
    /// Swallows what a hook's promise rejects with (an unhandled rejection would end Node).
    static IGNORE: wasm_bindgen::closure::Closure<dyn FnMut(JsValue)> =
        wasm_bindgen::closure::Closure::new(|_: JsValue| {});
}

/// Calls the `onEvent` hook; a throw or a rejected promise is ignored: the call goes on.
fn call_hook(f: &Function, e: &Event) {
    let Ok(arg) = parse(&event_json(e).to_string()) else {
        return;
    };
    if let Ok(ret) = f.call1(&JsValue::NULL, &arg) {
        if let Some(p) = ret.dyn_ref::<Promise>() {
            IGNORE.with(|c| {
                let _ = p.catch(c);
            });
        }
    }
}

fn reject(e: JsValue) -> Promise {
    Promise::reject(&e)
}

#[wasm_bindgen(js_class = SessionManager)]
impl JsSessionManager {
    /// `new SessionManager({keys, ring, policy?, store, now?})`.
    #[wasm_bindgen(constructor)]
    pub fn new(opts: JsValue) -> Result<JsSessionManager, JsValue> {
        if !opts.is_object() {
            return Err(invalid_input(
                "new SessionManager({keys, ring, policy?, store, now?})",
            ));
        }
        let keys = prop_arg(&opts, "keys")?;
        if !super::convert::prop(&keys, "__wbg_ptr").is_undefined() {
            return Err(coded(
                "keyring_invalid_json",
                "keys takes the keyring JSON ([{kid, secret, state}]), not a Keyring object",
            ));
        }
        let keyring = JsKeyring::parse(&keys)?;
        let ring = ring_from_value(&prop_arg(&opts, "ring")?)?;
        let policy = policy_from(&prop_arg(&opts, "policy")?)?;
        let clock = Clock::from(&prop_arg(&opts, "now")?)?;
        let timeout = timeout_from(&prop_arg(&opts, "storeTimeout")?)?;
        let store = prop_arg(&opts, "store")?;
        let router = if let Some(f) = store.dyn_ref::<Function>() {
            JsRouter::Func(f.clone(), timeout)
        } else {
            JsRouter::One(JsStore::new(store, timeout).map_err(|why| coded("config_invalid", why))?)
        };
        let hook = prop_arg(&opts, "onEvent")?;
        let mut manager =
            SessionManager::new(keyring, ring, policy, router).map_err(|e| session_error(&e))?;
        if !is_nullish(&hook) {
            let f = hook
                .dyn_into::<Function>()
                .map_err(|_| coded("config_invalid", "onEvent must be a function"))?;
            manager = manager.on_event(move |e| call_hook(&f, e));
        }
        Ok(JsSessionManager {
            inner: Rc::new(Inner { manager, clock }),
        })
    }

    /// The shard a new session of `user` goes to.
    #[wasm_bindgen(js_name = shardFor)]
    pub fn shard_for(&self, user: JsValue) -> Result<String, JsValue> {
        Ok(self.inner.manager.placement_for(&user_arg(&user)?).shard)
    }

    /// Signs in: `{user, device?, data?, persistent?}` -> `{token, session, maxAge}`
    /// (`persistent: false`: `maxAge` is null, a browser-session cookie).
    pub fn create(&self, input: JsValue) -> Promise {
        let limit = self.inner.manager.policy().max_data_bytes;
        let new = (|| {
            if !input.is_object() {
                return Err(invalid_input(
                    "create() takes {user, device?, data?, persistent?, client?, ip?}",
                ));
            }
            let device = prop_arg(&input, "device")?;
            let ip = ip_arg(&prop_arg(&input, "ip")?)?;
            Ok((
                ip,
                NewSession {
                    user: user_arg(&prop_arg(&input, "user")?)?,
                    device: if is_nullish(&device) {
                        String::new()
                    } else {
                        string_arg(&device, "device", MAX_DEVICE_LEN)?
                    },
                    data: data_arg(&prop_arg(&input, "data")?, limit)?,
                    persistent: persistent_arg(&prop_arg(&input, "persistent")?)?,
                    client: client_arg(&prop_arg(&input, "client")?)?,
                },
            ))
        })();
        let (ip, new) = match new {
            Ok(n) => n,
            Err(e) => return reject(e),
        };
        self.run(move |inner, now| async move {
            let id = SessionId::random().map_err(|e| coded(e.code(), e))?;
            let i = inner
                .manager
                .create_from(id, &new, ip.as_deref(), now)
                .await
                .map_err(|e| session_error(&e))?;
            issued(&i)
        })
    }

    /// Verifies the token and loads its live session: `{session, touched, successor?}`
    /// (`successor: {token, maxAge}` when `token` is the old token of a rotation inside the
    /// grace window: hand it out in place of the old one). With
    /// `{maxAuthAge}` (seconds) it rejects with `reauth_required` (401) unless the user signed
    /// in or re-authenticated at most that long ago.
    pub fn authenticate(&self, token: JsValue, opts: JsValue) -> Promise {
        let args =
            token_arg(&token).and_then(|t| Ok((t, max_auth_age_arg(&opts)?, opts_client(&opts)?)));
        let (token, max_auth_age, client) = match args {
            Ok(a) => a,
            Err(e) => return reject(e),
        };
        self.run(move |inner, now| async move {
            let m = inner.manager.with_client(&client);
            let a = match max_auth_age {
                Some(age) => m.authenticate_fresh(&token, age, now).await,
                None => m.authenticate(&token, now).await,
            }
            .map_err(|e| session_error(&e))?;
            // An old token inside the rotation grace window also gets its successor's token.
            let successor = match &a.successor {
                Some(i) => {
                    let max_age = i
                        .max_age
                        .map_or_else(|| "null".to_owned(), |s| s.to_string());
                    format!(
                        r#","successor":{{"token":"{}","maxAge":{}}}"#,
                        i.token, max_age
                    )
                }
                None => String::new(),
            };
            parse(&format!(
                r#"{{"session":{},"touched":{}{}}}"#,
                session_json(&a.record)?,
                a.touched,
                successor
            ))
        })
    }

    /// Replaces the data if `version` is current; resolves to the new session. A stale
    /// version rejects with `version_conflict` and `currentVersion`.
    pub fn update(
        &self,
        token: JsValue,
        version: JsValue,
        data: JsValue,
        opts: JsValue,
    ) -> Promise {
        let limit = self.inner.manager.policy().max_data_bytes;
        let args = token_arg(&token).and_then(|t| {
            let v = u64_arg(&version, "version")?;
            if is_nullish(&data) {
                return Err(invalid_input("update() needs data"));
            }
            Ok((t, v, data_arg(&data, limit)?, opts_client(&opts)?))
        });
        let (token, version, data, client) = match args {
            Ok(a) => a,
            Err(e) => return reject(e),
        };
        self.run(move |inner, now| async move {
            let r = inner
                .manager
                .with_client(&client)
                .update(&token, version, &data, now)
                .await
                .map_err(|e| session_error(&e))?;
            session_to_js(&r)
        })
    }

    /// Marks the session freshly authenticated (call it after checking the user's credentials
    /// again): same id and token, `authenticatedAt` now, version bumped; resolves to the session.
    pub fn reauthenticate(&self, token: JsValue, opts: JsValue) -> Promise {
        let (token, client) = match token_arg(&token).and_then(|t| Ok((t, opts_client(&opts)?))) {
            Ok(t) => t,
            Err(e) => return reject(e),
        };
        self.run(move |inner, now| async move {
            let r = inner
                .manager
                .with_client(&client)
                .reauthenticate(&token, now)
                .await
                .map_err(|e| session_error(&e))?;
            session_to_js(&r)
        })
    }

    /// Moves the session to a fresh id (the old token dies): `{token, session, maxAge}`.
    pub fn rotate(&self, token: JsValue, opts: JsValue) -> Promise {
        let (token, client) = match token_arg(&token).and_then(|t| Ok((t, opts_client(&opts)?))) {
            Ok(t) => t,
            Err(e) => return reject(e),
        };
        self.run(move |inner, now| async move {
            let id = SessionId::random().map_err(|e| coded(e.code(), e))?;
            let i = inner
                .manager
                .with_client(&client)
                .rotate(&token, id, now)
                .await
                .map_err(|e| session_error(&e))?;
            issued(&i)
        })
    }

    /// Signs out: deletes the token's session (idempotent for an authentic token).
    pub fn destroy(&self, token: JsValue) -> Promise {
        let token = match token_arg(&token) {
            Ok(t) => t,
            Err(e) => return reject(e),
        };
        self.run(move |inner, now| async move {
            inner
                .manager
                .destroy(&token, now)
                .await
                .map_err(|e| session_error(&e))?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// The live sessions of `user`, oldest first.
    #[wasm_bindgen(js_name = listUser)]
    pub fn list_user(&self, user: JsValue) -> Promise {
        let user = match user_arg(&user) {
            Ok(u) => u,
            Err(e) => return reject(e),
        };
        self.run(move |inner, now| async move {
            let list = inner
                .manager
                .list_user(&user, now)
                .await
                .map_err(|e| session_error(&e))?;
            let views = list
                .iter()
                .map(session_json)
                .collect::<Result<Vec<_>, _>>()?;
            parse(&format!("[{}]", views.join(",")))
        })
    }

    /// Signs `user` out everywhere; resolves to the number of sessions ended.
    #[wasm_bindgen(js_name = revokeUser)]
    pub fn revoke_user(&self, user: JsValue) -> Promise {
        let user = match user_arg(&user) {
            Ok(u) => u,
            Err(e) => return reject(e),
        };
        self.run(move |inner, now| async move {
            let n = inner
                .manager
                .revoke_user(&user, now)
                .await
                .map_err(|e| session_error(&e))?;
            Ok(JsValue::from_f64(n as f64))
        })
    }

    /// The user's ended sessions, newest first: `[{id, device, client, createdAt, endedAt,
    /// reason}]` (`reason`: `signed_out`, `revoked`, `revoked_all`, `admin`, `rotated`,
    /// `evicted` or `expired`), kept for the policy's `historyDays`, at most `historyMax`.
    pub fn history(&self, user: JsValue) -> Promise {
        let user = match user_arg(&user) {
            Ok(u) => u,
            Err(e) => return reject(e),
        };
        self.run(move |inner, now| async move {
            let ended = inner
                .manager
                .history(&user, now)
                .await
                .map_err(|e| session_error(&e))?;
            let list: Vec<serde_json::Value> = ended.iter().map(ended_json).collect();
            parse(&serde_json::Value::Array(list).to_string())
        })
    }

    /// Ends one session of `user` by its `id` (as listed); resolves to whether it existed.
    pub fn revoke(&self, user: JsValue, id: JsValue) -> Promise {
        let args = user_arg(&user).and_then(|u| {
            let id = string_arg(&id, "id", ID_HASH_B64_LEN)?;
            let id = IdHash::parse(&id).map_err(|e| invalid_input(&e.to_string()))?;
            Ok((u, id))
        });
        let (user, id) = match args {
            Ok(a) => a,
            Err(e) => return reject(e),
        };
        self.run(move |inner, now| async move {
            let found = inner
                .manager
                .revoke(&user, &id, now)
                .await
                .map_err(|e| session_error(&e))?;
            Ok(JsValue::from_bool(found))
        })
    }

    /// The policy in force, camelCase.
    #[wasm_bindgen(getter)]
    pub fn policy(&self) -> Result<JsValue, JsValue> {
        let p = self.inner.manager.policy();
        let v = serde_json::json!({
            "idleTimeout": p.idle_timeout,
            "absoluteLifetime": p.absolute_lifetime,
            "touchInterval": p.touch_interval,
            "maxDataBytes": p.max_data_bytes,
            "maxSessionsPerUser": p.max_sessions_per_user,
            "rotationGrace": p.rotation_grace,
            "signinUserBurst": p.signin_user_burst,
            "signinUserRefill": p.signin_user_refill,
            "signinIpBurst": p.signin_ip_burst,
            "signinIpRefill": p.signin_ip_refill,
            "bindIp": p.bind_ip,
            "bindUa": p.bind_ua,
            "historyDays": p.history_days,
            "historyMax": p.history_max,
        });
        parse(&v.to_string())
    }

    /// Requests the device binding refused since this manager was built: `{ip, agent}`
    /// (`bindIp`: another network; `bindUa`: another browser or OS).
    #[wasm_bindgen(getter)]
    pub fn refusals(&self) -> Result<JsValue, JsValue> {
        let r = self.inner.manager.refusals();
        parse(&format!(r#"{{"ip":{},"agent":{}}}"#, r.ip, r.agent))
    }
}
