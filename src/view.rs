//! What callers see of a session: the view of one session and the summary line of a list.
//!
//! Each shape is declared once; serde writes it in two casings. The HTTP API uses
//! [`snake`] (`created_at`, `idle_expires_at`, ...), the JS package [`camel`] (`createdAt`,
//! `idleExpiresAt`, ...). The field names are the record's ([`SessionRecord`]) with the key
//! shown as `id`: the storage hash, public, safe to list and to pass to a revoke. The token is
//! never part of a view.

use serde::Serialize;
use serde_json::value::RawValue;

use crate::client::Client;
use crate::error::StoreError;
use crate::id::IdHash;
use crate::record::SessionRecord;

fn data(r: &SessionRecord) -> Result<&RawValue, StoreError> {
    serde_json::from_str::<&RawValue>(&r.data)
        .map_err(|_| StoreError::Corrupt("session data is not JSON".into()))
}

macro_rules! views {
    ($module:ident, $case:literal, $doc:literal) => {
        #[doc = $doc]
        pub mod $module {
            use super::*;

            /// One session: everything but the token.
            #[derive(Debug, Serialize)]
            #[serde(rename_all = $case)]
            pub struct SessionView<'a> {
                /// The id hash (not the token).
                pub id: &'a IdHash,
                /// User id.
                pub user: &'a str,
                /// Device label.
                pub device: &'a str,
                /// Application data, as the JSON object it is.
                pub data: &'a RawValue,
                /// Version: send it back with the next write.
                pub version: u64,
                /// Creation time (unix seconds).
                pub created_at: u64,
                /// Last use that reached storage.
                pub last_seen: u64,
                /// Idle deadline (sliding).
                pub idle_expires_at: u64,
                /// Hard deadline.
                pub absolute_expires_at: u64,
                /// The earlier of the two.
                pub expires_at: u64,
                /// Shard.
                pub shard: &'a str,
                /// Ring epoch of the placement.
                pub epoch: u32,
                /// Whether the cookie outlives the browser session (`false`: no `Max-Age`).
                pub persistent: bool,
                /// When the user last proved who they are (sign-in or re-authentication).
                pub authenticated_at: u64,
                /// Where the sign-in came from: `{ip, agent, country, colo}` (empty: unknown).
                pub client: &'a Client,
            }

            impl<'a> SessionView<'a> {
                /// The view of `r`; [`StoreError::Corrupt`] if its data is not JSON.
                pub fn of(r: &'a SessionRecord) -> Result<Self, StoreError> {
                    Ok(SessionView {
                        id: &r.id_hash,
                        user: &r.user,
                        device: &r.device,
                        data: data(r)?,
                        version: r.version,
                        created_at: r.created_at,
                        last_seen: r.last_seen,
                        idle_expires_at: r.idle_expires_at,
                        absolute_expires_at: r.absolute_expires_at,
                        expires_at: r.expires_at(),
                        shard: &r.shard,
                        epoch: r.epoch,
                        persistent: r.persistent,
                        authenticated_at: r.authenticated_at,
                        client: &r.client,
                    })
                }
            }

            /// One line of "where you're signed in".
            #[derive(Debug, Serialize)]
            #[serde(rename_all = $case)]
            pub struct SessionSummary<'a> {
                /// The id hash (what a revoke takes).
                pub id: &'a IdHash,
                /// Device label.
                pub device: &'a str,
                /// Creation time.
                pub created_at: u64,
                /// Last use that reached storage.
                pub last_seen: u64,
                /// When it expires.
                pub expires_at: u64,
                /// Shard.
                pub shard: &'a str,
                /// Whether this is the session that asked.
                pub current: bool,
                /// Where the sign-in came from: `{ip, agent, country, colo}` (empty: unknown).
                pub client: &'a Client,
            }

            impl<'a> SessionSummary<'a> {
                /// The summary of `r`; `current` if its key is `asking`.
                pub fn of(r: &'a SessionRecord, asking: Option<&IdHash>) -> Self {
                    SessionSummary {
                        id: &r.id_hash,
                        device: &r.device,
                        created_at: r.created_at,
                        last_seen: r.last_seen,
                        expires_at: r.expires_at(),
                        shard: &r.shard,
                        current: asking == Some(&r.id_hash),
                        client: &r.client,
                    }
                }
            }
        }
    };
}

views!(
    snake,
    "snake_case",
    "The shapes in snake_case: the HTTP API."
);
views!(
    camel,
    "camelCase",
    "The shapes in camelCase: the JS package."
);

pub use snake::{SessionSummary, SessionView};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::SessionId;

    #[test]
    fn one_shape_two_casings() {
        let r = SessionRecord {
            id_hash: SessionId::from_bytes([1; 16]).storage_key(),
            user: "alice".into(),
            device: "laptop".into(),
            data: r#"{"theme":"dark"}"#.into(),
            version: 2,
            created_at: 10,
            last_seen: 20,
            idle_expires_at: 30,
            absolute_expires_at: 40,
            shard: "s".into(),
            epoch: 1,
            persistent: false,
            authenticated_at: 15,
            successor: None,
            client: Default::default(),
        };
        let snake = serde_json::to_value(snake::SessionView::of(&r).unwrap()).unwrap();
        let camel = serde_json::to_value(camel::SessionView::of(&r).unwrap()).unwrap();
        assert_eq!(snake["idle_expires_at"], 30);
        assert_eq!(camel["idleExpiresAt"], 30);
        assert_eq!(snake["data"]["theme"], "dark");
        assert_eq!(snake["persistent"], false);
        assert_eq!(camel["authenticatedAt"], 15);
        let names = |v: &serde_json::Value| -> Vec<String> {
            let mut k: Vec<String> = v
                .as_object()
                .unwrap()
                .keys()
                .map(|k| k.replace('_', "").to_lowercase())
                .collect();
            k.sort();
            k
        };
        assert_eq!(names(&snake), names(&camel), "only the casing differs");
        let s = serde_json::to_value(snake::SessionSummary::of(&r, Some(&r.id_hash))).unwrap();
        assert_eq!(
            (s["current"].as_bool(), s["expires_at"].as_u64()),
            (Some(true), Some(30))
        );
        let mut bad = r.clone();
        bad.data = "{".into();
        assert!(snake::SessionView::of(&bad).is_err());
    }
}
