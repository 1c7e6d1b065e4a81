//! The session record: the one data shape every store holds, and its one serialised form.
//!
//! Every backend (memory, the Durable Object's SQLite, Workers KV, a JS store, the Redis
//! store) receives and returns the record as this JSON object, camelCase:
//!
//! ```json
//! {"idHash": "<43 chars>", "user": "alice", "device": "laptop", "data": "{\"theme\":\"dark\"}",
//!  "version": 1, "createdAt": 1800000000, "lastSeen": 1800000000,
//!  "idleExpiresAt": 1800001800, "absoluteExpiresAt": 1800043200, "expiresAt": 1800001800,
//!  "shard": "shard-0", "epoch": 1, "persistent": true, "authenticatedAt": 1800000000,
//!  "successor": null,
//!  "client": {"ip": "203.0.113.7", "agent": "Firefox on Linux", "country": "DE", "colo": "FRA"}}
//! ```
//!
//! `expiresAt` is derived (the earlier of the two deadlines) and written for the stores' sake:
//! they index, expire and filter by it and never work it out themselves. On input it is
//! ignored and derived again, so a store that updated a deadline in place cannot make the
//! record disagree with itself. The raw session id is never part of a record: only its hash.

use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use crate::client::Client;
use crate::id::IdHash;

/// A session as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    /// Storage key: the hash of the session id.
    pub id_hash: IdHash,
    /// The user the session belongs to.
    pub user: String,
    /// A label for the device or client (may be empty).
    pub device: String,
    /// Application data: a JSON object, as text.
    pub data: String,
    /// Bumped by every data change and rotation; writes must carry the version they read.
    pub version: u64,
    /// When the session was created (unix seconds); rotation keeps it.
    pub created_at: u64,
    /// Last use that reached storage.
    pub last_seen: u64,
    /// Idle deadline: `last_seen + idle_timeout`, capped by the absolute deadline.
    pub idle_expires_at: u64,
    /// Hard deadline: `created_at + absolute_lifetime`.
    pub absolute_expires_at: u64,
    /// Shard the session lives on (also written into its token).
    pub shard: String,
    /// Ring epoch the shard was chosen in.
    pub epoch: u32,
    /// Whether the cookie outlives the browser session ("remember me"): `false` gives a
    /// cookie without `Max-Age`, on sign-in and on every later `Set-Cookie` (rotation). The
    /// server-side deadlines apply either way. Records written before this field load as `true`.
    pub persistent: bool,
    /// When the user last proved who they are (sign-in or re-authentication), unix seconds:
    /// what freshness checks (`max_auth_age`) compare against. Separate from `created_at`;
    /// rotation keeps it. Records written before this field load with `created_at`.
    pub authenticated_at: u64,
    /// Set on the old record of a rotation inside the grace window: the key of its successor.
    /// Such a record lives only until the window closes; it authenticates as its successor and
    /// is never listed or written to. `None` (`null`) for every current record.
    pub successor: Option<IdHash>,
    /// Where the sign-in came from ([`Client`]: IP, browser and OS, country, colo); kept
    /// through rotation, shown in the session list, and compared by `bind_ip` / `bind_ua`.
    /// Records written before this field load with every detail empty (unknown, never bound).
    pub client: Client,
}

impl SessionRecord {
    /// When the record stops being valid: the earlier of the two deadlines.
    pub fn expires_at(&self) -> u64 {
        self.idle_expires_at.min(self.absolute_expires_at)
    }

    /// Whether the session is still alive at `now`.
    pub fn is_alive(&self, now: u64) -> bool {
        now < self.expires_at()
    }
}

/// The field names of the serialised record, in order.
pub const RECORD_FIELDS: [&str; 16] = [
    "idHash",
    "user",
    "device",
    "data",
    "version",
    "createdAt",
    "lastSeen",
    "idleExpiresAt",
    "absoluteExpiresAt",
    "expiresAt",
    "shard",
    "epoch",
    "persistent",
    "authenticatedAt",
    "successor",
    "client",
];

impl Serialize for SessionRecord {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let [id, user, device, data, version, created, seen, idle, absolute, expires, shard, epoch, persistent, authenticated, successor, client] =
            RECORD_FIELDS;
        let mut st = s.serialize_struct("SessionRecord", RECORD_FIELDS.len())?;
        st.serialize_field(id, &self.id_hash)?;
        st.serialize_field(user, &self.user)?;
        st.serialize_field(device, &self.device)?;
        st.serialize_field(data, &self.data)?;
        st.serialize_field(version, &self.version)?;
        st.serialize_field(created, &self.created_at)?;
        st.serialize_field(seen, &self.last_seen)?;
        st.serialize_field(idle, &self.idle_expires_at)?;
        st.serialize_field(absolute, &self.absolute_expires_at)?;
        st.serialize_field(expires, &self.expires_at())?;
        st.serialize_field(shard, &self.shard)?;
        st.serialize_field(epoch, &self.epoch)?;
        st.serialize_field(persistent, &self.persistent)?;
        st.serialize_field(authenticated, &self.authenticated_at)?;
        st.serialize_field(successor, &self.successor)?;
        st.serialize_field(client, &self.client)?;
        st.end()
    }
}

fn yes() -> bool {
    true
}

/// The serialised form on input (`expiresAt` and unknown fields are ignored; fields added
/// after the first release take a default, so records already stored still load).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    id_hash: IdHash,
    user: String,
    device: String,
    data: String,
    version: u64,
    created_at: u64,
    last_seen: u64,
    idle_expires_at: u64,
    absolute_expires_at: u64,
    shard: String,
    epoch: u32,
    #[serde(default = "yes")]
    persistent: bool,
    #[serde(default)]
    authenticated_at: Option<u64>,
    #[serde(default)]
    successor: Option<IdHash>,
    #[serde(default)]
    client: Client,
}

impl<'de> Deserialize<'de> for SessionRecord {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = Stored::deserialize(d)?;
        Ok(SessionRecord {
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
            persistent: r.persistent,
            authenticated_at: r.authenticated_at.unwrap_or(r.created_at),
            successor: r.successor,
            client: r.client,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::SessionId;

    fn record() -> SessionRecord {
        SessionRecord {
            id_hash: SessionId::from_bytes([1; 16]).storage_key(),
            user: "alice".into(),
            device: "laptop".into(),
            data: r#"{"theme":"dark"}"#.into(),
            version: 3,
            created_at: 100,
            last_seen: 150,
            idle_expires_at: 250,
            absolute_expires_at: 200,
            shard: "shard-0".into(),
            epoch: 2,
            persistent: false,
            authenticated_at: 140,
            successor: None,
            client: Client::lenient(Some("203.0.113.7"), Some("curl/8"), Some("DE"), Some("FRA")),
        }
    }

    #[test]
    fn serialises_camel_case_with_the_derived_expiry() {
        let v = serde_json::to_value(record()).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut want = RECORD_FIELDS.to_vec();
        want.sort_unstable();
        let mut got = keys.clone();
        got.sort_unstable();
        assert_eq!(got, want);
        assert_eq!(v["expiresAt"], 200);
        assert_eq!(v["idHash"].as_str().unwrap().len(), 43);
    }

    #[test]
    fn round_trips_and_derives_expiry_again_on_input() {
        let r = record();
        let mut v = serde_json::to_value(&r).unwrap();
        assert_eq!(
            serde_json::from_value::<SessionRecord>(v.clone()).unwrap(),
            r
        );
        // A store that moved a deadline in place without updating `expiresAt`:
        v["absoluteExpiresAt"] = 300.into();
        v["extra"] = "kept by some store".into();
        let back: SessionRecord = serde_json::from_value(v).unwrap();
        assert_eq!(back.expires_at(), 250);
    }

    #[test]
    fn records_stored_before_remember_me_load_as_persistent() {
        let mut v = serde_json::to_value(record()).unwrap();
        assert_eq!(v["persistent"], false);
        v.as_object_mut().unwrap().remove("persistent");
        let back: SessionRecord = serde_json::from_value(v).unwrap();
        assert!(back.persistent);
    }

    #[test]
    fn records_stored_before_freshness_load_as_authenticated_at_creation() {
        let mut v = serde_json::to_value(record()).unwrap();
        assert_eq!(v["authenticatedAt"], 140);
        v.as_object_mut().unwrap().remove("authenticatedAt");
        let back: SessionRecord = serde_json::from_value(v).unwrap();
        assert_eq!(back.authenticated_at, back.created_at);
    }

    #[test]
    fn records_stored_before_device_details_load_with_none() {
        let mut v = serde_json::to_value(record()).unwrap();
        assert_eq!(v["client"]["agent"], "curl");
        v.as_object_mut().unwrap().remove("client");
        let back: SessionRecord = serde_json::from_value(v).unwrap();
        assert!(back.client.is_empty());
    }

    #[test]
    fn missing_fields_are_refused() {
        let mut v = serde_json::to_value(record()).unwrap();
        v.as_object_mut().unwrap().remove("version");
        assert!(serde_json::from_value::<SessionRecord>(v).is_err());
    }
}
