//! The `SessionShard` Durable Object: one instance per ring shard, sessions in its SQLite.
//!
//! Table `sessions(id_hash TEXT PRIMARY KEY, user, record JSON, version, created_at, last_seen,
//! expires_at)`, indexed on `user` and `expires_at`. The record JSON is the source of truth; the
//! other columns are derived from it on every write, for queries.
//!
//! Compare-and-set is exact: the runtime delivers one request at a time to an object, and every
//! op reads and writes with synchronous SQL calls (no `await` between the read and the write).
//! An alarm purges expired rows; writes schedule it at the earliest expiry.
//!
//! Integers cross into SQLite as JS numbers, so every stored timestamp and version must stay
//! below 2^53; larger values are refused (they cannot occur with a valid policy).

use std::cell::Cell;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use worker::{
    durable_object, Date, Env, Method, Request, Response, Result, SqlStorage, SqlStorageValue,
    State,
};

use super::http;
use super::rpc::{Op, Reply, WireError, MAX_RPC_BODY};
use crate::error::StoreError;
use crate::id::IdHash;
use crate::session::SessionRecord;
use crate::store::{SessionStore, MAX_SESSIONS_PER_USER};

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
CREATE INDEX IF NOT EXISTS sessions_expires ON sessions(expires_at);";

/// [`SessionStore`] over a Durable Object's SQLite (used inside the object only).
pub struct SqlStore {
    sql: SqlStorage,
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

fn key_text(k: &IdHash) -> SqlStorageValue {
    SqlStorageValue::String(k.to_base64url())
}

fn parse_record(row: RecordRow) -> std::result::Result<SessionRecord, StoreError> {
    serde_json::from_str(&row.record).map_err(|e| StoreError::Corrupt(format!("record: {e}")))
}

impl SqlStore {
    /// A store over `sql`, creating the table if needed.
    pub fn open(sql: SqlStorage) -> std::result::Result<SqlStore, StoreError> {
        sql.exec(SCHEMA, None).map_err(unavailable)?;
        Ok(SqlStore { sql })
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

    fn exec(&self, query: &str, bind: Vec<SqlStorageValue>) -> std::result::Result<(), StoreError> {
        self.sql.exec(query, bind).map(|_| ()).map_err(unavailable)
    }

    /// The stored record under `key`, live or not.
    fn load(&self, key: &IdHash) -> std::result::Result<Option<SessionRecord>, StoreError> {
        let rows: Vec<RecordRow> = self.rows(
            "SELECT record FROM sessions WHERE id_hash = ?",
            vec![key_text(key)],
        )?;
        rows.into_iter().next().map(parse_record).transpose()
    }

    /// Inserts or overwrites `r` (columns derived from it).
    fn put(&self, r: &SessionRecord) -> std::result::Result<(), StoreError> {
        let json =
            serde_json::to_string(r).map_err(|e| StoreError::Corrupt(format!("encode: {e}")))?;
        self.exec(
            "INSERT OR REPLACE INTO sessions (id_hash, user, record, version, created_at, last_seen, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            vec![
                key_text(&r.id_hash),
                text(&r.user),
                SqlStorageValue::String(json),
                int(r.version)?,
                int(r.created_at)?,
                int(r.last_seen)?,
                int(r.expires_at())?,
            ],
        )
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
        Ok(self.load(key)?.filter(|r| r.is_alive(now)))
    }

    async fn create(&self, record: &SessionRecord) -> std::result::Result<(), StoreError> {
        Self::check_ints(record)?;
        if self.load(&record.id_hash)?.is_some() {
            return Err(StoreError::AlreadyExists);
        }
        self.put(record)
    }

    async fn compare_and_set(
        &self,
        record: &SessionRecord,
        expected_version: u64,
    ) -> std::result::Result<(), StoreError> {
        Self::check_ints(record)?;
        let current = self.load(&record.id_hash)?.ok_or(StoreError::NotFound)?;
        if current.version != expected_version {
            return Err(StoreError::Conflict {
                current_version: current.version,
            });
        }
        self.put(record)
    }

    async fn touch(
        &self,
        key: &IdHash,
        last_seen: u64,
        idle_expires_at: u64,
    ) -> std::result::Result<(), StoreError> {
        let mut r = self.load(key)?.ok_or(StoreError::NotFound)?;
        r.last_seen = r.last_seen.max(last_seen);
        r.idle_expires_at = r.idle_expires_at.max(idle_expires_at);
        Self::check_ints(&r)?;
        self.put(&r)
    }

    async fn replace(
        &self,
        old: &IdHash,
        expected_version: u64,
        record: &SessionRecord,
    ) -> std::result::Result<(), StoreError> {
        Self::check_ints(record)?;
        let current = self.load(old)?.ok_or(StoreError::NotFound)?;
        if current.version != expected_version {
            return Err(StoreError::Conflict {
                current_version: current.version,
            });
        }
        if old != &record.id_hash && self.load(&record.id_hash)?.is_some() {
            return Err(StoreError::AlreadyExists);
        }
        // Both statements run before the object yields: no other request sees the gap.
        self.exec(
            "DELETE FROM sessions WHERE id_hash = ?",
            vec![key_text(old)],
        )?;
        self.put(record)
    }

    async fn delete(&self, key: &IdHash) -> std::result::Result<bool, StoreError> {
        let existed = self.load(key)?.is_some();
        self.exec(
            "DELETE FROM sessions WHERE id_hash = ?",
            vec![key_text(key)],
        )?;
        Ok(existed)
    }

    async fn list_by_user(
        &self,
        user: &str,
        now: u64,
    ) -> std::result::Result<Vec<SessionRecord>, StoreError> {
        let rows: Vec<RecordRow> = self.rows(
            "SELECT record FROM sessions WHERE user = ? AND expires_at > ? ORDER BY created_at, id_hash LIMIT ?",
            vec![text(user), int(now)?, int(MAX_SESSIONS_PER_USER as u64)?],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let r = parse_record(row)?;
            if r.user == user && r.is_alive(now) {
                out.push(r);
            }
        }
        Ok(out)
    }

    async fn delete_by_user(&self, user: &str) -> std::result::Result<u64, StoreError> {
        let n = self.count(
            "SELECT COUNT(*) AS n FROM sessions WHERE user = ?",
            vec![text(user)],
        )?;
        self.exec("DELETE FROM sessions WHERE user = ?", vec![text(user)])?;
        Ok(n)
    }

    async fn expire(&self, now: u64) -> std::result::Result<u64, StoreError> {
        let n = self.count(
            "SELECT COUNT(*) AS n FROM sessions WHERE expires_at <= ?",
            vec![int(now)?],
        )?;
        self.exec(
            "DELETE FROM sessions WHERE expires_at <= ?",
            vec![int(now)?],
        )?;
        Ok(n)
    }
}

/// One session shard: a SQLite-backed Durable Object named after a ring shard.
#[durable_object]
pub struct SessionShard {
    state: State,
    /// The alarm time (unix ms) this object last set, if known.
    alarm_at: Cell<Option<u64>>,
    /// Whether the schema was created by this instance.
    ready: Cell<bool>,
}

fn reply<T: Serialize>(r: std::result::Result<T, StoreError>) -> Result<Response> {
    let body = match r {
        Ok(v) => Reply::Ok(v),
        Err(e) => Reply::Err(WireError::from(e)),
    };
    Response::from_json(&body)
}

fn now_secs() -> u64 {
    Date::now().as_millis() / 1000
}

impl SessionShard {
    fn store(&self) -> std::result::Result<SqlStore, StoreError> {
        let sql = self.state.storage().sql();
        if self.ready.get() {
            return Ok(SqlStore { sql });
        }
        let store = SqlStore::open(sql)?;
        self.ready.set(true);
        Ok(store)
    }

    /// Sets the alarm to the earliest expiry if none is set earlier.
    async fn schedule_purge(&self, store: &SqlStore) {
        let Ok(Some(expiry)) = store.earliest_expiry() else {
            return;
        };
        // One second late, so the rows are expired when the alarm runs.
        let at_ms = expiry.saturating_add(1).saturating_mul(1000);
        let storage = self.state.storage();
        if self.alarm_at.get().is_none() {
            let current = storage.get_alarm().await.ok().flatten();
            self.alarm_at.set(current.map(|t| t.max(0) as u64));
        }
        if self.alarm_at.get().is_some_and(|t| t <= at_ms) {
            return;
        }
        let when = worker::ScheduledTime::new(js_sys::Date::new(&(at_ms as f64).into()));
        if storage.set_alarm(when).await.is_ok() {
            self.alarm_at.set(Some(at_ms));
        }
    }

    async fn run(&self, store: &SqlStore, op: Op) -> Result<Response> {
        match op {
            Op::Get { key, now } => reply(store.get(&key, now).await),
            Op::Create { record } => reply(store.create(&record).await),
            Op::CompareAndSet {
                record,
                expected_version,
            } => reply(store.compare_and_set(&record, expected_version).await),
            Op::Touch {
                key,
                last_seen,
                idle_expires_at,
            } => reply(store.touch(&key, last_seen, idle_expires_at).await),
            Op::Replace {
                old,
                expected_version,
                record,
            } => reply(store.replace(&old, expected_version, &record).await),
            Op::Delete { key } => reply(store.delete(&key).await),
            Op::ListByUser { user, now } => reply(store.list_by_user(&user, now).await),
            Op::DeleteByUser { user } => reply(store.delete_by_user(&user).await),
            Op::Expire { now } => reply(store.expire(now).await),
        }
    }
}

impl worker::DurableObject for SessionShard {
    fn new(state: State, _env: Env) -> Self {
        Self {
            state,
            alarm_at: Cell::new(None),
            ready: Cell::new(false),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        if req.method() != Method::Post {
            return reply::<()>(Err(StoreError::Unavailable("rpc wants POST".into())));
        }
        let body = match http::read_body(&mut req, MAX_RPC_BODY).await {
            Ok(b) => b,
            Err(_) => return reply::<()>(Err(StoreError::Unavailable("rpc body".into()))),
        };
        let op: Op = match serde_json::from_slice(&body) {
            Ok(op) => op,
            Err(e) => return reply::<()>(Err(StoreError::Unavailable(format!("rpc op: {e}")))),
        };
        let writes = matches!(
            op,
            Op::Create { .. } | Op::CompareAndSet { .. } | Op::Touch { .. } | Op::Replace { .. }
        );
        let store = match self.store() {
            Ok(s) => s,
            Err(e) => return reply::<()>(Err(e)),
        };
        let resp = self.run(&store, op).await;
        if writes {
            self.schedule_purge(&store).await;
        }
        resp
    }

    async fn alarm(&self) -> Result<Response> {
        self.alarm_at.set(None);
        if let Ok(store) = self.store() {
            let _ = store.expire(now_secs()).await;
            self.schedule_purge(&store).await;
        }
        Response::empty()
    }
}
