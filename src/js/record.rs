//! Session records as JavaScript sees them.
//!
//! Two shapes, both camelCase:
//! - [`StoreRecord`], what a JS store receives and returns: `data` is JSON *text* (the store
//!   keeps it opaque) and the key is `idHash`;
//! - the application's view ([`session_to_js`]): `data` is the parsed object and the key is
//!   `id` (the storage hash: public, safe to list and to pass to `revoke`).

use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use super::convert::parse;
use super::error::coded;
use crate::id::IdHash;
use crate::session::SessionRecord;

/// A record as stored by a JS store.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoreRecord {
    /// Storage key (43 characters of base64url).
    pub id_hash: IdHash,
    /// User id.
    pub user: String,
    /// Device label.
    pub device: String,
    /// Application data, JSON text.
    pub data: String,
    /// Version, bumped by every write of data or id.
    pub version: u64,
    /// Creation time (unix seconds).
    pub created_at: u64,
    /// Last use that reached storage.
    pub last_seen: u64,
    /// Idle deadline.
    pub idle_expires_at: u64,
    /// Hard deadline.
    pub absolute_expires_at: u64,
    /// Shard name.
    pub shard: String,
    /// Ring epoch of the placement.
    pub epoch: u32,
}

impl From<&SessionRecord> for StoreRecord {
    fn from(r: &SessionRecord) -> Self {
        StoreRecord {
            id_hash: r.id_hash.clone(),
            user: r.user.clone(),
            device: r.device.clone(),
            data: r.data.clone(),
            version: r.version,
            created_at: r.created_at,
            last_seen: r.last_seen,
            idle_expires_at: r.idle_expires_at,
            absolute_expires_at: r.absolute_expires_at,
            shard: r.shard.clone(),
            epoch: r.epoch,
        }
    }
}

impl From<StoreRecord> for SessionRecord {
    fn from(r: StoreRecord) -> Self {
        SessionRecord {
            id_hash: r.id_hash,
            user: r.user,
            device: r.device,
            data: r.data,
            version: r.version,
            created_at: r.created_at,
            last_seen: r.last_seen,
            idle_expires_at: r.idle_expires_at,
            absolute_expires_at: r.absolute_expires_at,
            shard: r.shard,
            epoch: r.epoch,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Session<'a> {
    id: &'a IdHash,
    user: &'a str,
    device: &'a str,
    data: serde_json::Value,
    version: u64,
    created_at: u64,
    last_seen: u64,
    idle_expires_at: u64,
    absolute_expires_at: u64,
    expires_at: u64,
    shard: &'a str,
    epoch: u32,
}

/// The application's view of a record: `{id, user, device, data, version, createdAt,
/// lastSeen, idleExpiresAt, absoluteExpiresAt, expiresAt, shard, epoch}`.
pub fn session_value(r: &SessionRecord) -> Result<serde_json::Value, JsValue> {
    let data = serde_json::from_str(&r.data)
        .map_err(|_| coded("store_corrupt", "session store returned a bad record"))?;
    let s = Session {
        id: &r.id_hash,
        user: &r.user,
        device: &r.device,
        data,
        version: r.version,
        created_at: r.created_at,
        last_seen: r.last_seen,
        idle_expires_at: r.idle_expires_at,
        absolute_expires_at: r.absolute_expires_at,
        expires_at: r.expires_at(),
        shard: &r.shard,
        epoch: r.epoch,
    };
    serde_json::to_value(s).map_err(|_| coded("internal_error", "could not serialise a session"))
}

/// [`session_value`] as a JavaScript object.
pub fn session_to_js(r: &SessionRecord) -> Result<JsValue, JsValue> {
    parse(&session_value(r)?.to_string())
}
