//! The shard's point read, row write and delete by key as one call each into JS
//! (`src/worker/sql.js`), with the statement texts held as JS strings: what
//! [`super::shard::SqlStore`] runs on every session read and write. Everything else goes
//! through the worker crate's generic `exec`.

use std::cell::OnceCell;

use js_sys::JsString;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use worker::SqlStorage;

use crate::error::StoreError;

#[wasm_bindgen(module = "/src/worker/sql.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = firstRecord)]
    fn first_record(sql: &JsValue, query: &JsString, key: &str) -> Result<Option<String>, JsValue>;

    #[allow(clippy::too_many_arguments)]
    #[wasm_bindgen(catch, js_name = writeRow)]
    fn write_row(
        sql: &JsValue,
        query: &JsString,
        key: &str,
        user: &str,
        record: &str,
        version: f64,
        created: f64,
        last_seen: f64,
        expires: f64,
    ) -> Result<(), JsValue>;

    #[allow(clippy::too_many_arguments)]
    #[wasm_bindgen(catch, js_name = insertCounting)]
    fn insert_counting_js(
        sql: &JsValue,
        query: &JsString,
        key: &str,
        user: &str,
        record: &str,
        version: f64,
        created: f64,
        last_seen: f64,
        expires: f64,
        now: f64,
    ) -> Result<Option<f64>, JsValue>;

    #[wasm_bindgen(catch, js_name = execKey)]
    fn exec_key(sql: &JsValue, query: &JsString, key: &str) -> Result<(), JsValue>;
}

/// One statement's text, made a JS string once per isolate.
struct Query {
    text: &'static str,
    js: OnceCell<JsString>,
}

impl Query {
    const fn new(text: &'static str) -> Query {
        Query {
            text,
            js: OnceCell::new(),
        }
    }

    fn js(&self) -> &JsString {
        self.js.get_or_init(|| JsString::from(self.text))
    }
}

thread_local! {
    static SELECT_RECORD: Query = const { Query::new("SELECT record FROM sessions WHERE id_hash = ?") };
    static PUT_ROW: Query = const { Query::new(
        "INSERT OR REPLACE INTO sessions (id_hash, user, record, version, created_at, last_seen, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    ) };
    // The insert applies only under a key that holds nothing (`decide::create`: no row at all,
    // live or not, hence DO NOTHING on any conflict), and its RETURNING counts the user's other
    // live rows (`expires_at > now`, as `list_by_user` filters).
    static INSERT_COUNTING: Query = const { Query::new(
        "INSERT INTO sessions (id_hash, user, record, version, created_at, last_seen, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT(id_hash) DO NOTHING \
         RETURNING (SELECT COUNT(*) FROM sessions WHERE user = ? AND expires_at > ? AND id_hash != ?) AS n",
    ) };
    static DELETE_ROW: Query = const { Query::new("DELETE FROM sessions WHERE id_hash = ?") };
}

fn failed(e: JsValue) -> StoreError {
    let msg = e
        .as_string()
        .or_else(|| js_sys::Error::from(e).message().as_string())
        .unwrap_or_else(|| "error".into());
    StoreError::Unavailable(format!("sqlite: {msg}"))
}

/// The stored record JSON under `key` (`sessions.id_hash`), if any.
pub fn record(sql: &SqlStorage, key: &str) -> Result<Option<String>, StoreError> {
    SELECT_RECORD.with(|q| first_record(sql.as_ref(), q.js(), key).map_err(failed))
}

/// One session row (inserted or replaced): its key, user, record JSON and the integer columns
/// copied from the record, each already checked to be below 2^53 (exact as a JS number).
pub struct Row<'a> {
    /// `id_hash`
    pub key: &'a str,
    /// `user`
    pub user: &'a str,
    /// `record`
    pub record: &'a str,
    /// `version`, `created_at`, `last_seen`, `expires_at`
    pub ints: [u64; 4],
}

/// Inserts or replaces `row`.
pub fn put(sql: &SqlStorage, row: &Row) -> Result<(), StoreError> {
    let [version, created, last_seen, expires] = row.ints.map(|v| v as f64);
    PUT_ROW.with(|q| {
        write_row(
            sql.as_ref(),
            q.js(),
            row.key,
            row.user,
            row.record,
            version,
            created,
            last_seen,
            expires,
        )
        .map_err(failed)
    })
}

/// Inserts `row` unless its key holds a row: how many other live rows (`expires_at > now`) its
/// user has, or `None` when the key was taken and nothing was written. `now` is below 2^53.
pub fn insert_counting(sql: &SqlStorage, row: &Row, now: u64) -> Result<Option<u64>, StoreError> {
    let [version, created, last_seen, expires] = row.ints.map(|v| v as f64);
    let n = INSERT_COUNTING.with(|q| {
        insert_counting_js(
            sql.as_ref(),
            q.js(),
            row.key,
            row.user,
            row.record,
            version,
            created,
            last_seen,
            expires,
            now as f64,
        )
        .map_err(failed)
    })?;
    // A count is a small non-negative integer; anything else reads as 0.
    Ok(n.map(|n| {
        if n.is_finite() && n > 0.0 {
            n as u64
        } else {
            0
        }
    }))
}

/// Deletes the row under `key`.
pub fn delete(sql: &SqlStorage, key: &str) -> Result<(), StoreError> {
    DELETE_ROW.with(|q| exec_key(sql.as_ref(), q.js(), key).map_err(failed))
}
