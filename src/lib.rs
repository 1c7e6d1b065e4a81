#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod b64;
pub mod client;
#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
pub mod cookie;
pub mod error;
pub mod gateway;
pub mod history;
pub mod id;
pub mod keyring;
pub mod limits;
pub mod lite;
pub mod manager;
pub mod memory;
pub mod policy;
pub mod protect;
pub mod ratelimit;
pub mod record;
pub mod ring;
pub mod seal;
pub mod session;
pub mod shard;
mod sort;
pub mod store;
pub mod token;
pub mod view;

pub use client::Client;
pub use cookie::{CookieConfig, CookieError, CookiePrefix, SameSite};
pub use error::{SessionError, StoreError};
pub use id::{IdError, IdHash, SessionId, SESSION_ID_LEN};
pub use keyring::{KeyState, Keyring, KeyringError};
pub use manager::{Authenticated, Issued, SessionManager};
pub use memory::{MemoryShards, MemoryStore};
pub use policy::Policy;
pub use record::SessionRecord;
pub use seal::{SealError, MAX_SEALED_PAYLOAD_LEN};
pub use session::{NewSession, Placement};
pub use shard::{Reply, Shard, ShardOp};
pub use store::{SessionStore, ShardRouter};
pub use token::{Claims, InvalidToken, TokenError, Verified, MAX_PAYLOAD_LEN, MAX_TOKEN_LEN};
pub use view::{SessionSummary, SessionView};

#[cfg(any(feature = "js", feature = "js-suite"))]
pub mod js;
// `Ring.locate`'s lookup functions, shared by the two wasm surfaces.
#[cfg(any(feature = "js", feature = "lite"))]
mod locator;
// The two wasm surfaces export classes of the same names: they are two builds.
#[cfg(all(feature = "js", feature = "lite"))]
compile_error!("features `js` and `lite` are separate wasm builds: enable one of them");
#[cfg(all(feature = "js-suite", any(feature = "js", feature = "lite")))]
compile_error!("feature `js-suite` is its own wasm build: enable it without `js` or `lite`");
#[cfg(feature = "worker")]
mod worker;

/// The heap of every wasm build (npm package, lean build, worker): talc instead of the default
/// dlmalloc, for size. Single-threaded wasm only, which all of them are.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
