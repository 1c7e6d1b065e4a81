//! The internal call from the worker ([`super::do_store`]) to a shard Durable Object
//! ([`super::shard`]): one `POST` per route, carrying one core [`ShardOp`].
//!
//! Request body: `{"policy": {...}, "op": {"op": "update", "key": "<id hash>", ...}}` ([`Call`]).
//! Response body: the core's `Result<Reply, SessionError>` as serde writes it:
//! `{"Ok": {"reply": "session", ...}}` or `{"Err": {"kind": "conflict", "detail": {...}}}`.
//! Both ends are this crate (serde_json), so `u64`s travel exactly as decimal text and the
//! error types cross as they are.

use serde::{Deserialize, Serialize};

use crate::error::SessionError;
use crate::policy::Policy;
use crate::shard::{Reply, ShardOp};

/// The URL the worker posts calls to (the host is ignored by a Durable Object stub).
pub const RPC_URL: &str = "https://shard.internal/rpc";

/// Largest call body the shard accepts, in bytes: a sign-in or update with the largest data
/// a policy allows, escaped, plus the envelope.
pub const MAX_RPC_BODY: usize = 512 * 1024;

/// One shard call: the op, and the policy it runs under (the worker's, parsed once).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Call {
    /// The caller's policy.
    pub policy: Policy,
    /// The operation.
    pub op: ShardOp,
}

/// The answer to a [`Call`].
pub type Answer = Result<Reply, SessionError>;
