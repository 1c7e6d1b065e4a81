//! The worker side of the Durable Object store: a [`SessionStore`] whose every call is one RPC
//! ([`super::rpc`]) to the `SessionShard` object named after the shard.

use serde::de::DeserializeOwned;
use worker::{Method, ObjectNamespace, Request, RequestInit, Stub};

use super::rpc::{Op, Reply, RPC_URL};
use crate::error::StoreError;
use crate::id::IdHash;
use crate::session::SessionRecord;
use crate::store::{SessionStore, ShardRouter};

/// Routes each shard name to its `SessionShard` Durable Object.
#[derive(Clone)]
pub struct DoRouter {
    namespace: ObjectNamespace,
}

impl DoRouter {
    /// A router over the Durable Object namespace bound as `SHARDS`.
    pub fn new(namespace: ObjectNamespace) -> DoRouter {
        DoRouter { namespace }
    }
}

impl ShardRouter for DoRouter {
    type Store = DoStore;
    fn store(&self, shard: &str) -> Result<DoStore, StoreError> {
        let stub = self
            .namespace
            .get_by_name(shard)
            .map_err(|e| StoreError::Unavailable(format!("durable object stub: {e}")))?;
        Ok(DoStore { stub })
    }
}

/// A [`SessionStore`] client for one shard object.
pub struct DoStore {
    stub: Stub,
}

impl DoStore {
    async fn call<T: DeserializeOwned>(&self, op: &Op) -> Result<T, StoreError> {
        let unavailable = |what: &str, e: &dyn std::fmt::Display| {
            StoreError::Unavailable(format!("shard rpc {what}: {e}"))
        };
        let body = serde_json::to_string(op).map_err(|e| unavailable("encode", &e))?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_body(Some(body.into()));
        let req = Request::new_with_init(RPC_URL, &init).map_err(|e| unavailable("request", &e))?;
        let mut resp = self
            .stub
            .fetch_with_request(req)
            .await
            .map_err(|e| unavailable("fetch", &e))?;
        let text = resp.text().await.map_err(|e| unavailable("read", &e))?;
        match serde_json::from_str::<Reply<T>>(&text) {
            Ok(Reply::Ok(v)) => Ok(v),
            Ok(Reply::Err(e)) => Err(e.into()),
            Err(e) => Err(StoreError::Corrupt(format!("shard rpc reply: {e}"))),
        }
    }
}

impl SessionStore for DoStore {
    async fn get(&self, key: &IdHash, now: u64) -> Result<Option<SessionRecord>, StoreError> {
        self.call(&Op::Get {
            key: key.clone(),
            now,
        })
        .await
    }

    async fn create(&self, record: &SessionRecord) -> Result<(), StoreError> {
        self.call(&Op::Create {
            record: record.clone(),
        })
        .await
    }

    async fn compare_and_set(
        &self,
        record: &SessionRecord,
        expected_version: u64,
    ) -> Result<(), StoreError> {
        self.call(&Op::CompareAndSet {
            record: record.clone(),
            expected_version,
        })
        .await
    }

    async fn touch(
        &self,
        key: &IdHash,
        last_seen: u64,
        idle_expires_at: u64,
    ) -> Result<(), StoreError> {
        self.call(&Op::Touch {
            key: key.clone(),
            last_seen,
            idle_expires_at,
        })
        .await
    }

    async fn replace(
        &self,
        old: &IdHash,
        expected_version: u64,
        record: &SessionRecord,
    ) -> Result<(), StoreError> {
        self.call(&Op::Replace {
            old: old.clone(),
            expected_version,
            record: record.clone(),
        })
        .await
    }

    async fn delete(&self, key: &IdHash) -> Result<bool, StoreError> {
        self.call(&Op::Delete { key: key.clone() }).await
    }

    async fn list_by_user(&self, user: &str, now: u64) -> Result<Vec<SessionRecord>, StoreError> {
        self.call(&Op::ListByUser {
            user: user.to_owned(),
            now,
        })
        .await
    }

    async fn delete_by_user(&self, user: &str) -> Result<u64, StoreError> {
        self.call(&Op::DeleteByUser {
            user: user.to_owned(),
        })
        .await
    }

    async fn expire(&self, now: u64) -> Result<u64, StoreError> {
        self.call(&Op::Expire { now }).await
    }
}
