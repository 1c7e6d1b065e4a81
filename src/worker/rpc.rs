//! The internal call from the worker ([`super::do_store`]) to a shard Durable Object
//! ([`super::shard`]): one `POST` per route, carrying one core [`ShardOp`].
//!
//! Request body: `{"policy": {...}, "op": {"update": {"key": "<id hash>", ...}}}` ([`CallOut`],
//! read as [`CallIn`]).
//! Response body: the core's `Result<Reply, SessionError>` as serde writes it:
//! `{"Ok": {"session": {...}}}` or `{"Err": {"kind": "conflict", "detail": {...}}}`.
//! Both ends are this crate (serde_json), so `u64`s travel exactly as decimal text and the
//! error types cross as they are.

use std::cell::RefCell;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::error::{SessionError, StoreError};
use crate::policy::Policy;
use crate::shard::{Reply, ShardOp};

/// The URL the worker posts calls to (the host is ignored by a Durable Object stub).
pub const RPC_URL: &str = "https://shard.internal/rpc";

/// Largest call body the shard accepts, in bytes: a sign-in or update with the largest data
/// a policy allows, escaped, plus the envelope.
pub const MAX_RPC_BODY: usize = 512 * 1024;

/// One shard call as the worker writes it: the op, and the policy it runs under as JSON
/// ([`PolicyText`]: written once per policy, not per call).
#[derive(Serialize)]
pub struct CallOut<'a> {
    /// The caller's policy, serialised.
    pub policy: &'a RawValue,
    /// The operation.
    pub op: &'a ShardOp,
}

/// One shard call as the shard reads it: the policy still as text, parsed only when it is not
/// the text of the policy the object already holds ([`PolicyText`]).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallIn<'a> {
    /// The caller's policy, serialised.
    #[serde(borrow)]
    pub policy: &'a RawValue,
    /// The operation.
    pub op: ShardOp,
}

/// The answer to a call.
pub type Answer = Result<Reply, SessionError>;

/// A policy and its JSON, kept so that neither end of a shard call serialises or parses the
/// same policy on every call (it changes only with the worker's configuration).
#[derive(Default)]
pub struct PolicyText(RefCell<Option<(Policy, Box<RawValue>)>>);

impl PolicyText {
    /// The JSON of `policy` (the kept one if `policy` is the kept policy).
    pub fn json(&self, policy: &Policy) -> Result<Box<RawValue>, StoreError> {
        if let Some((p, text)) = self.0.borrow().as_ref() {
            if p == policy {
                return Ok(text.clone());
            }
        }
        let text = serde_json::value::to_raw_value(policy)
            .map_err(|e| StoreError::Corrupt(format!("policy: {e}")))?;
        *self.0.borrow_mut() = Some((policy.clone(), text.clone()));
        Ok(text)
    }

    /// The policy `text` holds, validated (the kept one if `text` is the kept text).
    pub fn policy(&self, text: &RawValue) -> Result<Policy, SessionError> {
        if let Some((p, kept)) = self.0.borrow().as_ref() {
            if kept.get() == text.get() {
                return Ok(p.clone());
            }
        }
        let policy: Policy = serde_json::from_str(text.get())
            .map_err(|e| SessionError::Config(format!("shard call policy: {e}")))?;
        policy
            .validate()
            .map_err(|e| SessionError::Config(e.to_string()))?;
        *self.0.borrow_mut() = Some((policy.clone(), text.to_owned()));
        Ok(policy)
    }

    /// The last policy kept, if any.
    pub fn last(&self) -> Option<Policy> {
        self.0.borrow().as_ref().map(|(p, _)| p.clone())
    }
}
