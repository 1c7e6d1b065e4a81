//! The worker side of the Durable Object shards: a [`Shard`] whose every operation is one call
//! ([`super::rpc`]) to the `SessionShard` object named after the shard, which runs it there.

use worker::{Method, ObjectNamespace, Request, RequestInit, Stub};

use super::rpc::{Answer, Call, RPC_URL};
use crate::error::{SessionError, StoreError};
use crate::policy::Policy;
use crate::shard::{Reply, Shard, ShardOp};
use crate::store::ShardRouter;

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

    /// The stub of the object of `shard`.
    pub fn stub(&self, shard: &str) -> Result<Stub, StoreError> {
        self.namespace
            .get_by_name(shard)
            .map_err(|e| StoreError::Unavailable(format!("durable object stub: {e}")))
    }
}

impl ShardRouter for DoRouter {
    type Shard = DoShard;
    fn shard(&self, shard: &str) -> Result<DoShard, StoreError> {
        Ok(DoShard {
            stub: self.stub(shard)?,
        })
    }
}

/// A client of one shard object.
pub struct DoShard {
    stub: Stub,
}

fn unavailable(what: &str, e: &dyn std::fmt::Display) -> SessionError {
    SessionError::Store(StoreError::Unavailable(format!("shard call {what}: {e}")))
}

/// Posts `body` to `path` of the object behind `stub` and returns the answer's text.
pub async fn post(stub: &Stub, path: &str, body: String) -> Result<String, SessionError> {
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(body.into()));
    let url = format!("{RPC_URL}{path}");
    let req = Request::new_with_init(&url, &init).map_err(|e| unavailable("request", &e))?;
    let mut resp = stub
        .fetch_with_request(req)
        .await
        .map_err(|e| unavailable("fetch", &e))?;
    resp.text().await.map_err(|e| unavailable("read", &e))
}

impl Shard for DoShard {
    async fn run(&self, policy: &Policy, op: ShardOp) -> Result<Reply, SessionError> {
        let call = Call {
            policy: policy.clone(),
            op,
        };
        let body = serde_json::to_string(&call).map_err(|e| unavailable("encode", &e))?;
        let text = post(&self.stub, "", body).await?;
        serde_json::from_str::<Answer>(&text).map_err(|e| {
            SessionError::Store(StoreError::Corrupt(format!("shard call reply: {e}")))
        })?
    }
}
