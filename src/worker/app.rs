//! The per-isolate application: parsed configuration plus the session manager over the
//! configured backend, cached and rebuilt only when the raw settings change.

use std::cell::RefCell;
use std::rc::Rc;

use worker::Env;

use super::config::{Config, ConfigError, RawConfig, RawKey, StoreKind};
use super::do_store::{DoRouter, DoShard, Transport};
use super::kv_store::KvSessionStore;
use crate::error::{SessionError, StoreError};
use crate::manager::SessionManager;
use crate::policy::Policy;
use crate::shard::{Reply, Shard, ShardOp};
use crate::store::ShardRouter;

/// Binding of the `SessionShard` Durable Object namespace.
pub const SHARDS_BINDING: &str = "SHARDS";
/// Binding of the KV namespace.
pub const KV_BINDING: &str = "SESSIONS_KV";

/// The configured backend: Durable Object shards or KV.
#[derive(Clone)]
pub enum Backend {
    /// One `SessionShard` object per shard.
    Do(DoRouter),
    /// One KV namespace for all shards.
    Kv(KvSessionStore),
}

/// A shard of either backend.
pub enum BackendShard {
    /// A client of the shard's Durable Object, which runs the operations.
    Do(DoShard),
    /// The KV store: operations run here, in the worker.
    Kv(KvSessionStore),
}

impl ShardRouter for Backend {
    type Shard = BackendShard;
    fn shard(&self, shard: &str) -> Result<BackendShard, StoreError> {
        match self {
            Backend::Do(r) => r.shard(shard).map(BackendShard::Do),
            Backend::Kv(r) => r.shard(shard).map(BackendShard::Kv),
        }
    }
}

impl Shard for BackendShard {
    async fn run(&self, policy: &Policy, op: ShardOp) -> Result<Reply, SessionError> {
        match self {
            BackendShard::Do(s) => s.run(policy, op).await,
            BackendShard::Kv(s) => s.run(policy, op).await,
        }
    }
}

/// Configuration and the manager built from it.
pub struct App {
    /// The parsed settings.
    pub config: Config,
    /// Sessions over the configured backend.
    pub manager: SessionManager<Backend>,
}

/// The backend `kind` from the env's bindings.
pub fn backend(env: &Env, kind: StoreKind, transport: Transport) -> Result<Backend, ConfigError> {
    match kind {
        StoreKind::DurableObjects => env
            .durable_object(SHARDS_BINDING)
            .map(|ns| Backend::Do(DoRouter::new(ns, transport)))
            .map_err(|_| {
                ConfigError(format!(
                    "STORE: \"do\" needs the Durable Object binding {SHARDS_BINDING}"
                ))
            }),
        StoreKind::Kv => env
            .kv(KV_BINDING)
            .map(|kv| Backend::Kv(KvSessionStore::new(kv, "")))
            .map_err(|_| ConfigError(format!("STORE: \"kv\" needs the KV binding {KV_BINDING}"))),
    }
}

fn build(raw: &RawConfig, env: &Env) -> Result<App, ConfigError> {
    let config = raw.parse()?;
    let router = backend(env, config.store, config.shard_call)?;
    let manager = SessionManager::new(
        config.keyring.clone(),
        config.ring.clone(),
        config.policy.clone(),
        router,
    )
    .map_err(|e| ConfigError(format!("RING/POLICY: {e}")))?;
    // Events only where a queue takes them: looking for a new device costs a sign-in a read
    // of the user's other sessions and history, which nobody would receive.
    let manager = if super::events::bound(env) {
        manager.on_event(super::events::push)
    } else {
        manager
    };
    Ok(App { config, manager })
}

/// A built application, or why it could not be built.
type Loaded = Rc<Result<App, ConfigError>>;

/// The cached application: the `env` object it was built for, its settings, and the build.
struct Cached {
    env: wasm_bindgen::JsValue,
    key: RawKey,
    app: Loaded,
}

thread_local! {
    /// The last application built by this isolate, keyed by the raw settings.
    static CACHE: RefCell<Option<Cached>> = const { RefCell::new(None) };
}

/// The application for `env`'s settings: built once per distinct settings per isolate (the
/// bindings of `env` are per-isolate objects, so keeping the first `env`'s is sound). The
/// same `env` object as last time is one comparison inside the engine; another object has
/// its settings compared one by one. A bad setting is logged once, when first seen.
pub fn load(env: &Env) -> Loaded {
    let this: &wasm_bindgen::JsValue = env.as_ref();
    CACHE.with(|c| {
        if let Some(cached) = c.borrow().as_ref() {
            if js_sys::Object::is(&cached.env, this) {
                return cached.app.clone();
            }
        }
        let key = RawKey::from_env(env);
        if let Some(cached) = c.borrow_mut().as_mut() {
            if cached.key == key {
                cached.env = this.clone();
                return cached.app.clone();
            }
        }
        let app = Rc::new(build(&RawConfig::from_env(env), env));
        if let Err(e) = app.as_ref() {
            worker::console_error!("edge-session: configuration invalid: {e}");
        }
        *c.borrow_mut() = Some(Cached {
            env: this.clone(),
            key,
            app: app.clone(),
        });
        app
    })
}
