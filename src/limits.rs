//! Every size and count bound of the session layer, in one place.
//!
//! The policy ([`crate::policy`]), the lifecycle ([`crate::session`]), the store contract
//! ([`crate::store`]) and the shells (worker routes, wasm boundary) all read their bounds from
//! here, so no module depends on another just for a number.

/// Most sessions one user may hold on one shard, and the most records a
/// [`SessionStore::list_by_user`](crate::store::SessionStore::list_by_user) call returns.
pub const MAX_SESSIONS_PER_USER: usize = 256;

/// Longest accepted user id, in bytes.
pub const MAX_USER_LEN: usize = 128;

/// Longest accepted device label, in bytes.
pub const MAX_DEVICE_LEN: usize = 64;

/// How much of a `User-Agent` header the summary reads, in bytes.
pub const MAX_AGENT_SCAN: usize = 1024;

/// Longest raw client detail (IP, `User-Agent`, country, colo) a shell may hand the core, in
/// bytes; longer is `invalid_input` (the worker drops it instead).
pub const MAX_CLIENT_FIELD_INPUT: usize = 8 * 1024;

/// Upper bound on [`Policy::max_data_bytes`](crate::policy::Policy::max_data_bytes): a session's
/// data must fit a Durable Object row, a KV value and a Redis string comfortably.
pub const MAX_DATA_BYTES_LIMIT: usize = 64 * 1024;

/// Longest duration any policy setting may name: ten years, which keeps every `now + d` far
/// from overflow.
pub const MAX_DURATION: u64 = 10 * 365 * 24 * 60 * 60;

/// Largest `max_auth_age` a freshness check may name (seconds): the longest duration.
pub const MAX_AUTH_AGE: u64 = MAX_DURATION;

/// Longest rotation grace window a policy may set (seconds).
pub const MAX_ROTATION_GRACE: u64 = 300;

/// How many rotations an old token may be behind its session's current id and still be
/// resolved inside the grace window.
pub const MAX_SUCCESSOR_HOPS: u8 = 4;

/// Most days a policy may keep the audit trail (`history_days`).
pub const MAX_HISTORY_DAYS: u64 = 366;

/// Most tombstones a policy may keep per user (`history_max`), per shard.
pub const MAX_HISTORY_PER_USER: usize = 100;

/// Records one housekeeping pass (`expire`) tombstones as `expired`; the rest are purged
/// without one.
pub const MAX_EXPIRED_TOMBSTONES: usize = 512;

/// Longest policy JSON accepted, in bytes.
pub const MAX_POLICY_JSON: usize = 4096;

/// How many recent ring epochs `list_user`/`revoke_user` look through for a user's shards.
pub const MAX_HISTORY_EPOCHS: u32 = 64;

const _: () = assert!(MAX_SESSIONS_PER_USER <= u16::MAX as usize);
const _: () = assert!(MAX_DATA_BYTES_LIMIT <= 1 << 20);
