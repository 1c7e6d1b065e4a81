//! The worker side of the Durable Object shards: a [`Shard`] whose every operation is one call
//! ([`super::rpc`]) to the `SessionShard` object named after the shard, which runs it there.

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use worker::{Method, ObjectNamespace, Request, RequestInit, Stub};

use super::rpc::{Answer, CallOut, PolicyText, RPC_URL};
use crate::error::{SessionError, StoreError};
use crate::policy::Policy;
use crate::shard::{Reply, Shard, ShardOp};
use crate::store::ShardRouter;

#[wasm_bindgen]
extern "C" {
    /// A shard object's stub seen through JS RPC: its `call` method (src/worker/entry.mjs).
    #[wasm_bindgen(extends = js_sys::Object)]
    pub type ShardRpc;

    #[wasm_bindgen(method, catch, js_name = call)]
    fn call(this: &ShardRpc, body: &str) -> Result<js_sys::Promise, JsValue>;
}

/// How the worker reaches a shard object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// JS RPC: `stub.call(body)`.
    Rpc,
    /// `stub.fetch(POST body)`.
    Fetch,
}

/// Routes each shard name to its `SessionShard` Durable Object.
#[derive(Clone)]
pub struct DoRouter {
    namespace: ObjectNamespace,
    transport: Transport,
}

impl DoRouter {
    /// A router over the Durable Object namespace bound as `SHARDS`.
    pub fn new(namespace: ObjectNamespace, transport: Transport) -> DoRouter {
        DoRouter {
            namespace,
            transport,
        }
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
        let stub = self.stub(shard)?;
        Ok(match self.transport {
            Transport::Rpc => DoShard::Rpc(stub.into_rpc()),
            Transport::Fetch => DoShard::Fetch(stub),
        })
    }
}

/// A client of one shard object.
pub enum DoShard {
    /// Through JS RPC.
    Rpc(ShardRpc),
    /// Through `fetch`.
    Fetch(Stub),
}

fn js(e: &JsValue) -> String {
    e.as_string()
        .or_else(|| js_sys::Error::from(e.clone()).message().as_string())
        .unwrap_or_else(|| "error".into())
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

thread_local! {
    /// The JSON of the policy calls were last made under.
    static POLICY: PolicyText = PolicyText::default();
}

impl Shard for DoShard {
    async fn run(&self, policy: &Policy, op: ShardOp) -> Result<Reply, SessionError> {
        let policy = POLICY.with(|p| p.json(policy))?;
        let call = CallOut {
            policy: &policy,
            op: &op,
        };
        let body = serde_json::to_string(&call).map_err(|e| unavailable("encode", &e))?;
        let text = match self {
            DoShard::Fetch(stub) => post(stub, "", body).await?,
            DoShard::Rpc(rpc) => {
                let promise = rpc.call(&body).map_err(|e| unavailable("rpc", &js(&e)))?;
                let v = JsFuture::from(promise)
                    .await
                    .map_err(|e| unavailable("rpc", &js(&e)))?;
                v.as_string()
                    .ok_or_else(|| unavailable("rpc", &"answer is not text"))?
            }
        };
        serde_json::from_str::<Answer>(&text).map_err(|e| {
            SessionError::Store(StoreError::Corrupt(format!("shard call reply: {e}")))
        })?
    }
}
