//! The per-isolate application: parsed configuration plus the session manager over the
//! configured backend, cached and rebuilt only when the raw settings change.

use std::cell::RefCell;
use std::rc::Rc;

use worker::Env;

use super::config::{Config, ConfigError, RawConfig, StoreKind};
use super::do_store::{DoRouter, DoStore};
use super::kv_store::KvSessionStore;
use crate::error::StoreError;
use crate::id::IdHash;
use crate::manager::SessionManager;
use crate::session::SessionRecord;
use crate::store::{SessionStore, ShardRouter};

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

/// A store of either backend.
pub enum BackendStore {
    /// A shard object client.
    Do(DoStore),
    /// The KV store.
    Kv(KvSessionStore),
}

impl ShardRouter for Backend {
    type Store = BackendStore;
    fn store(&self, shard: &str) -> Result<BackendStore, StoreError> {
        match self {
            Backend::Do(r) => r.store(shard).map(BackendStore::Do),
            Backend::Kv(r) => r.store(shard).map(BackendStore::Kv),
        }
    }
}

macro_rules! both {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            BackendStore::Do($s) => $e,
            BackendStore::Kv($s) => $e,
        }
    };
}

impl SessionStore for BackendStore {
    async fn get(&self, key: &IdHash, now: u64) -> Result<Option<SessionRecord>, StoreError> {
        both!(self, s => s.get(key, now).await)
    }
    async fn create(&self, record: &SessionRecord) -> Result<(), StoreError> {
        both!(self, s => s.create(record).await)
    }
    async fn compare_and_set(&self, record: &SessionRecord, v: u64) -> Result<(), StoreError> {
        both!(self, s => s.compare_and_set(record, v).await)
    }
    async fn touch(&self, key: &IdHash, seen: u64, idle: u64) -> Result<(), StoreError> {
        both!(self, s => s.touch(key, seen, idle).await)
    }
    async fn replace(&self, old: &IdHash, v: u64, r: &SessionRecord) -> Result<(), StoreError> {
        both!(self, s => s.replace(old, v, r).await)
    }
    async fn delete(&self, key: &IdHash) -> Result<bool, StoreError> {
        both!(self, s => s.delete(key).await)
    }
    async fn list_by_user(&self, user: &str, now: u64) -> Result<Vec<SessionRecord>, StoreError> {
        both!(self, s => s.list_by_user(user, now).await)
    }
    async fn delete_by_user(&self, user: &str) -> Result<u64, StoreError> {
        both!(self, s => s.delete_by_user(user).await)
    }
    async fn expire(&self, now: u64) -> Result<u64, StoreError> {
        both!(self, s => s.expire(now).await)
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
pub fn backend(env: &Env, kind: StoreKind) -> Result<Backend, ConfigError> {
    match kind {
        StoreKind::DurableObjects => env
            .durable_object(SHARDS_BINDING)
            .map(|ns| Backend::Do(DoRouter::new(ns)))
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
    let router = backend(env, config.store)?;
    let manager = SessionManager::new(
        config.keyring.clone(),
        config.ring.clone(),
        config.policy.clone(),
        router,
    )
    .map_err(|e| ConfigError(format!("RING/POLICY: {e}")))?;
    Ok(App { config, manager })
}

/// A built application, or why it could not be built.
type Loaded = Rc<Result<App, ConfigError>>;

thread_local! {
    /// The last application built by this isolate, keyed by the raw settings.
    static CACHE: RefCell<Option<(RawConfig, Loaded)>> = const { RefCell::new(None) };
}

/// The application for `env`'s settings: built once per distinct settings per isolate (the
/// bindings of `env` are per-isolate objects, so keeping the first `env`'s is sound). A bad
/// setting is logged once, when first seen.
pub fn load(env: &Env) -> Loaded {
    let raw = RawConfig::from_env(env);
    CACHE.with(|c| {
        if let Some((key, app)) = c.borrow().as_ref() {
            if *key == raw {
                return app.clone();
            }
        }
        let app = Rc::new(build(&raw, env));
        if let Err(e) = app.as_ref() {
            worker::console_error!("edge-session: configuration invalid: {e}");
        }
        *c.borrow_mut() = Some((raw, app.clone()));
        app
    })
}
