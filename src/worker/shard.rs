//! The `SessionShard` Durable Object: one instance per ring shard, sessions in its SQLite, and
//! the core's shard operations ([`crate::shard::execute`]) run inside it: each route of the
//! session API is one call to one object.
//!
//! Table `sessions(id_hash TEXT PRIMARY KEY, user, record JSON, version, created_at, last_seen,
//! expires_at)`, indexed on `user` and `expires_at`; table `buckets(key TEXT PRIMARY KEY, state,
//! expires_at)` holds the sign-in rate-limit buckets ([`crate::ratelimit`]) of this shard's
//! users and of the IPs that signed them in, purged with the expired sessions. The record JSON (the core's one serialised
//! form) is the source of truth; the other columns are copied from it on every write, for
//! queries. Whether a write applies is decided by [`crate::store::decide`].
//!
//! Every operation is atomic: the runtime delivers one request at a time to an object, and the
//! SQL calls are synchronous (an operation never yields between its read and its write). An
//! alarm purges expired rows; writes schedule it at the earliest expiry.
//!
//! Test builds (feature `conformance`) add `/rpc/test/calls` (how many calls this object has
//! served) and `/rpc/test/conformance` (the store suite against this object's SQLite).
//!
//! Integers cross into SQLite as JS numbers, so every stored timestamp and version must stay
//! below 2^53; larger values are refused (they cannot occur with a valid policy).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{
    durable_object, Date, Env, Method, Request, Response, Result, SqlStorage, SqlStorageValue,
    State, Storage,
};

use super::now::now_or_promise;
use super::rpc::{Answer, CallIn, PolicyText, MAX_RPC_BODY};
use super::sql;
use crate::error::{SessionError, StoreError};
use crate::id::IdHash;
use crate::policy::Policy;
use crate::ratelimit::BucketState;
use crate::session::SessionRecord;
use crate::shard::{execute, ShardOp};
use crate::store::{decide, Listed, Others, SessionStore, StoreResult};

/// Largest integer a JS number holds exactly.
const MAX_SAFE: u64 = (1 << 53) - 1;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    record TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user);
CREATE INDEX IF NOT EXISTS sessions_expires ON sessions(expires_at);
CREATE TABLE IF NOT EXISTS buckets (
    key TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);";

/// [`SessionStore`] over a Durable Object's SQLite (used inside the object only), made for
/// one shard call.
///
/// It remembers the last record it read or wrote: an operation reads its record, decides,
/// then writes through a store method that reads it again to decide once more
/// ([`crate::store::decide`]); inside one call nothing else writes to the object, so the
/// second read is answered from memory instead of a second query and parse. Every other
/// write forgets it.
pub struct SqlStore {
    sql: SqlStorage,
    last: RefCell<Option<(IdHash, Option<SessionRecord>)>>,
}

#[derive(Deserialize)]
struct RecordRow {
    record: String,
}

#[derive(Deserialize)]
struct CountRow {
    n: f64,
}

#[derive(Deserialize)]
struct MinRow {
    m: Option<f64>,
}

fn unavailable(e: worker::Error) -> StoreError {
    StoreError::Unavailable(format!("sqlite: {e}"))
}

fn int(v: u64) -> std::result::Result<SqlStorageValue, StoreError> {
    if v > MAX_SAFE {
        return Err(StoreError::Unavailable(
            "integer beyond 2^53 cannot be stored".into(),
        ));
    }
    // In range: v <= 2^53 - 1 fits an i64.
    Ok(SqlStorageValue::Integer(v as i64))
}

fn text(s: &str) -> SqlStorageValue {
    SqlStorageValue::String(s.to_owned())
}

fn parse_record(row: RecordRow) -> std::result::Result<SessionRecord, StoreError> {
    serde_json::from_str(&row.record).map_err(|e| StoreError::Corrupt(format!("record: {e}")))
}

impl SqlStore {
    /// A store over `sql`, creating the table if needed.
    pub fn open(sql: SqlStorage) -> std::result::Result<SqlStore, StoreError> {
        sql.exec(SCHEMA, None).map_err(unavailable)?;
        Ok(SqlStore::over(sql))
    }

    fn over(sql: SqlStorage) -> SqlStore {
        SqlStore {
            sql,
            last: RefCell::new(None),
        }
    }

    fn rows<T: DeserializeOwned>(
        &self,
        query: &str,
        bind: Vec<SqlStorageValue>,
    ) -> std::result::Result<Vec<T>, StoreError> {
        self.sql
            .exec(query, bind)
            .and_then(|c| c.to_array::<T>())
            .map_err(unavailable)
    }

    /// Runs a write (the remembered record is forgotten first).
    fn exec(&self, query: &str, bind: Vec<SqlStorageValue>) -> std::result::Result<(), StoreError> {
        *self.last.borrow_mut() = None;
        self.sql.exec(query, bind).map(|_| ()).map_err(unavailable)
    }

    /// The stored record under `key`, live or not.
    fn load(&self, key: &IdHash) -> std::result::Result<Option<SessionRecord>, StoreError> {
        if let Some((k, r)) = self.last.borrow().as_ref() {
            if k == key {
                return Ok(r.clone());
            }
        }
        let found = sql::record(&self.sql, &key.to_base64url())?
            .map(|record| parse_record(RecordRow { record }))
            .transpose()?;
        *self.last.borrow_mut() = Some((key.clone(), found.clone()));
        Ok(found)
    }

    /// Inserts or overwrites `r` (columns derived from it).
    fn put(&self, r: &SessionRecord) -> std::result::Result<(), StoreError> {
        let json =
            serde_json::to_string(r).map_err(|e| StoreError::Corrupt(format!("encode: {e}")))?;
        Self::check_ints(r)?;
        *self.last.borrow_mut() = None;
        sql::put(
            &self.sql,
            &sql::Row {
                key: &r.id_hash.to_base64url(),
                user: &r.user,
                record: &json,
                ints: [r.version, r.created_at, r.last_seen, r.expires_at()],
            },
        )?;
        *self.last.borrow_mut() = Some((r.id_hash.clone(), Some(r.clone())));
        Ok(())
    }

    /// Deletes the row under `key` (the remembered record is forgotten first).
    fn delete_row(&self, key: &IdHash) -> std::result::Result<(), StoreError> {
        *self.last.borrow_mut() = None;
        sql::delete(&self.sql, &key.to_base64url())
    }

    fn check_ints(r: &SessionRecord) -> std::result::Result<(), StoreError> {
        for v in [r.version, r.created_at, r.last_seen, r.expires_at()] {
            int(v)?;
        }
        Ok(())
    }

    fn count(
        &self,
        query: &str,
        bind: Vec<SqlStorageValue>,
    ) -> std::result::Result<u64, StoreError> {
        let rows: Vec<CountRow> = self.rows(query, bind)?;
        Ok(rows.first().map_or(0, |r| r.n.max(0.0) as u64))
    }

    /// The earliest expiry of any stored row, in unix seconds.
    pub fn earliest_expiry(&self) -> std::result::Result<Option<u64>, StoreError> {
        let rows: Vec<MinRow> = self.rows("SELECT MIN(expires_at) AS m FROM sessions", vec![])?;
        Ok(rows.first().and_then(|r| r.m).map(|m| m.max(0.0) as u64))
    }
}

impl SessionStore for SqlStore {
    async fn get(
        &self,
        key: &IdHash,
        now: u64,
    ) -> std::result::Result<Option<SessionRecord>, StoreError> {
        Ok(decide::visible(self.load(key)?, now))
    }

    async fn create(&self, record: &SessionRecord) -> std::result::Result<(), StoreError> {
        Self::check_ints(record)?;
        decide::create(self.load(&record.id_hash)?.as_ref())?;
        self.put(record)
    }

    async fn create_counting(
        &self,
        record: &SessionRecord,
        now: u64,
    ) -> std::result::Result<Others, StoreError> {
        Self::check_ints(record)?;
        int(now)?;
        let json = serde_json::to_string(record)
            .map_err(|e| StoreError::Corrupt(format!("encode: {e}")))?;
        *self.last.borrow_mut() = None;
        // One statement (src/worker/sql.rs): inserted only under a free key, counting the user's
        // other live rows, which decides whether a list for eviction is needed.
        let row = sql::Row {
            key: &record.id_hash.to_base64url(),
            user: &record.user,
            record: &json,
            ints: [
                record.version,
                record.created_at,
                record.last_seen,
                record.expires_at(),
            ],
        };
        match sql::insert_counting(&self.sql, &row, now)? {
            None => Err(StoreError::AlreadyExists),
            Some(n) => Ok(Others::Counted(usize::try_from(n).unwrap_or(usize::MAX))),
        }
    }

    async fn compare_and_set(&self, record: &SessionRecord, expected_version: u64) -> StoreResult {
        Self::check_ints(record)?;
        decide::compare_and_set(self.load(&record.id_hash)?.as_ref(), expected_version)?;
        self.put(record)
    }

    async fn touch(&self, key: &IdHash, last_seen: u64, idle_expires_at: u64) -> StoreResult {
        let next = decide::touch(self.load(key)?.as_ref(), last_seen, idle_expires_at)?;
        Self::check_ints(&next)?;
        self.put(&next)
    }

    async fn replace(&self, old: &IdHash, expected: u64, record: &SessionRecord) -> StoreResult {
        Self::check_ints(record)?;
        let taken = old != &record.id_hash && self.load(&record.id_hash)?.is_some();
        decide::replace(self.load(old)?.as_ref(), expected, old, record, taken)?;
        // Both statements run before the object yields: no other request sees the gap.
        self.delete_row(old)?;
        self.put(record)
    }

    async fn delete(&self, key: &IdHash) -> std::result::Result<bool, StoreError> {
        let existed = self.load(key)?.is_some();
        self.delete_row(key)?;
        Ok(existed)
    }

    async fn list_by_user(&self, user: &str, now: u64, limit: usize) -> Listed {
        // SQL orders as decide::list_order does: created_at, then the key's text.
        let rows: Vec<RecordRow> = self.rows(
            "SELECT record FROM sessions WHERE user = ? AND expires_at > ? ORDER BY created_at, id_hash LIMIT ?",
            vec![text(user), int(now)?, int(limit.min(1 << 20) as u64)?],
        )?;
        let found = rows
            .into_iter()
            .map(parse_record)
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(decide::list(found, user, now, limit))
    }

    async fn delete_by_user(&self, user: &str) -> std::result::Result<u64, StoreError> {
        let n = self.count(
            "SELECT COUNT(*) AS n FROM sessions WHERE user = ?",
            vec![text(user)],
        )?;
        self.exec("DELETE FROM sessions WHERE user = ?", vec![text(user)])?;
        Ok(n)
    }

    async fn expired(&self, now: u64, limit: usize) -> Listed {
        let rows: Vec<RecordRow> = self.rows(
            "SELECT record FROM sessions WHERE expires_at <= ? LIMIT ?",
            vec![int(now)?, int(limit.min(1 << 20) as u64)?],
        )?;
        rows.into_iter().map(parse_record).collect()
    }

    async fn expire(&self, now: u64) -> std::result::Result<u64, StoreError> {
        // `expires_at <= now` is decide::purge, as one statement.
        let n = self.count(
            "SELECT COUNT(*) AS n FROM sessions WHERE expires_at <= ?",
            vec![int(now)?],
        )?;
        self.exec(
            "DELETE FROM sessions WHERE expires_at <= ?",
            vec![int(now)?],
        )?;
        self.exec("DELETE FROM buckets WHERE expires_at <= ?", vec![int(now)?])?;
        Ok(n)
    }

    async fn get_bucket(
        &self,
        key: &str,
        now: u64,
    ) -> std::result::Result<Option<BucketState>, StoreError> {
        // Read through the record row type: one deserializer less in the wasm.
        let rows: Vec<RecordRow> = self.rows(
            "SELECT state AS record FROM buckets WHERE key = ? AND expires_at > ?",
            vec![text(key), int(now)?],
        )?;
        rows.into_iter()
            .next()
            .map(|row| {
                BucketState::from_text(&row.record)
                    .ok_or_else(|| StoreError::Corrupt("bucket".into()))
            })
            .transpose()
    }

    async fn put_bucket(
        &self,
        key: &str,
        state: &BucketState,
        _now: u64,
        expires_at: u64,
    ) -> StoreResult {
        int(state.tokens)?;
        int(state.updated)?;
        self.exec(
            "INSERT OR REPLACE INTO buckets (key, state, expires_at) VALUES (?, ?, ?)",
            vec![text(key), text(&state.to_text()), int(expires_at)?],
        )
    }
}

/// One session shard: a SQLite-backed Durable Object named after a ring shard.
#[durable_object]
pub struct SessionShard {
    /// The object's storage and its SQL interface, fetched from the state once.
    storage: Rc<Storage>,
    sql: SqlStorage,
    /// The alarm time (unix ms) this object last set, if known.
    alarm_at: Rc<Cell<Option<u64>>>,
    /// Whether the schema was created by this instance.
    ready: Cell<bool>,
    /// The policy of the last call this instance served, and its text: what the next call
    /// with the same text runs under without parsing it, and what the purge alarm applies to
    /// its `expired` tombstones (the default policy after a restart).
    policy: PolicyText,
    /// Shard calls served by this instance (test builds read it through `/rpc/test/calls`).
    #[cfg(feature = "conformance")]
    calls: Cell<u64>,
}

fn answer(a: &Answer) -> Result<Response> {
    Response::from_json(a)
}

fn refused(why: &str) -> Answer {
    Err(SessionError::Store(StoreError::Unavailable(why.to_owned())))
}

fn now_secs() -> u64 {
    Date::now().as_millis() / 1000
}

/// Sets the purge alarm to `expiry` (unix s) unless one is set earlier. Awaits only when
/// the object does not know its alarm yet or must move it: a call that needs neither
/// finishes without yielding.
async fn purge_by(storage: &Storage, alarm_at: &Cell<Option<u64>>, expiry: u64) {
    // One second late, so the rows are expired when the alarm runs.
    let at_ms = expiry.saturating_add(1).saturating_mul(1000);
    if alarm_at.get().is_none() {
        let current = storage.get_alarm().await.ok().flatten();
        alarm_at.set(current.map(|t| t.max(0) as u64));
    }
    if alarm_at.get().is_some_and(|t| t <= at_ms) {
        return;
    }
    let when = worker::ScheduledTime::new(js_sys::Date::new(&(at_ms as f64).into()));
    if storage.set_alarm(when).await.is_ok() {
        alarm_at.set(Some(at_ms));
    }
}

impl SessionShard {
    fn store(&self) -> std::result::Result<SqlStore, StoreError> {
        let sql = self.sql.clone();
        if self.ready.get() {
            return Ok(SqlStore::over(sql));
        }
        let store = SqlStore::open(sql)?;
        self.ready.set(true);
        Ok(store)
    }

    /// One shard call: the core operation over this object's SQLite, as a future that owns
    /// what it needs (so the RPC entry can run it to its end at once, see [`now_or_promise`]).
    fn call(&self, body: &[u8]) -> impl Future<Output = Answer> + 'static {
        let prepared = self.prepare(body);
        let storage = Rc::clone(&self.storage);
        let alarm_at = Rc::clone(&self.alarm_at);
        async move {
            let (store, policy, op) = prepared?;
            // Only a sign-in can bring the earliest expiry forward: touch, update and rotation
            // only ever move a session's deadlines later.
            let new_expiry = match &op {
                ShardOp::SignIn { record, .. } => Some(record.expires_at()),
                _ => None,
            };
            let out = execute(&store, &policy, op).await;
            if let (Some(expiry), Ok(_)) = (new_expiry, &out) {
                purge_by(&storage, &alarm_at, expiry).await;
            }
            out
        }
    }

    /// The call's op, the policy it runs under and the store, or the answer refusing it.
    fn prepare(
        &self,
        body: &[u8],
    ) -> std::result::Result<(SqlStore, Policy, ShardOp), SessionError> {
        let call: CallIn = serde_json::from_slice(body).map_err(|e| {
            SessionError::Store(StoreError::Unavailable(format!("shard call: {e}")))
        })?;
        let policy = self.policy.policy(call.policy)?;
        Ok((self.store()?, policy, call.op))
    }

    #[cfg(feature = "conformance")]
    async fn test_route(&self, path: &str, body: &[u8]) -> Option<Result<Response>> {
        match path {
            "/rpc/test/calls" => Some(Response::from_json(&serde_json::json!({
                "calls": self.calls.get(),
            }))),
            "/rpc/test/conformance" => {
                let tag = String::from_utf8_lossy(body).into_owned();
                let outcome = match self.store() {
                    Ok(store) => crate::conformance::run(&store, &tag, now_secs())
                        .await
                        .map_err(|f| format!("{}: {}", f.check, f.detail)),
                    Err(e) => Err(e.to_string()),
                };
                Some(Response::from_json(&outcome))
            }
            _ => None,
        }
    }
}

#[wasm_bindgen::prelude::wasm_bindgen(js_class = SessionShard)]
impl SessionShard {
    /// The JS RPC entry (`stub.call(body)`, declared by src/worker/entry.mjs): one shard call,
    /// the [`CallIn`] as JSON text in, the [`Answer`] as JSON text out.
    #[wasm_bindgen(js_name = call)]
    pub fn rpc(&self, body: String) -> JsValue {
        if body.len() > MAX_RPC_BODY {
            return JsValue::from(answer_text(&refused("shard call body")));
        }
        #[cfg(feature = "conformance")]
        self.calls.set(self.calls.get() + 1);
        let call = self.call(body.as_bytes());
        now_or_promise(async move { Ok(JsValue::from(answer_text(&call.await))) })
    }
}

fn answer_text(a: &Answer) -> String {
    serde_json::to_string(a).unwrap_or_else(|_| {
        r#"{"Err":{"kind":"store","detail":{"kind":"corrupt","detail":"encode"}}}"#.to_owned()
    })
}

impl worker::DurableObject for SessionShard {
    fn new(state: State, _env: Env) -> Self {
        let storage = state.storage();
        Self {
            sql: storage.sql(),
            storage: Rc::new(storage),
            alarm_at: Rc::new(Cell::new(None)),
            ready: Cell::new(false),
            policy: PolicyText::default(),
            #[cfg(feature = "conformance")]
            calls: Cell::new(0),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        if req.method() != Method::Post {
            return answer(&refused("shard calls are POSTs"));
        }
        // The same runtime object (a handle copy, not JS `Request.clone()`).
        let req = super::req::Request::from(Clone::clone(req.inner()));
        let Ok(body) = super::body::read(&req, MAX_RPC_BODY).await else {
            return answer(&refused("shard call body"));
        };
        #[cfg(feature = "conformance")]
        {
            if let Some(resp) = self.test_route(&req.path(), &body).await {
                return resp;
            }
            self.calls.set(self.calls.get() + 1);
        }
        answer(&self.call(&body).await)
    }

    async fn alarm(&self) -> Result<Response> {
        self.alarm_at.set(None);
        if let Ok(store) = self.store() {
            // Expired sessions leave `expired` tombstones, then go.
            let policy = self.policy.last().unwrap_or_default();
            let _ = execute(&store, &policy, ShardOp::Expire { now: now_secs() }).await;
            if let Ok(Some(expiry)) = store.earliest_expiry() {
                purge_by(&self.storage, &self.alarm_at, expiry).await;
            }
        }
        Response::empty()
    }
}
