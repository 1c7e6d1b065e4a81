#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod conformance;
pub mod cookie;
pub mod error;
pub mod id;
pub mod keyring;
pub mod manager;
pub mod memory;
pub mod policy;
pub mod ring;
pub mod session;
pub mod store;
pub mod token;

pub use cookie::{CookieConfig, CookieError, SameSite};
pub use error::{SessionError, StoreError};
pub use id::{IdError, IdHash, SessionId, SESSION_ID_LEN};
pub use keyring::{KeyState, Keyring, KeyringError};
pub use manager::{Authenticated, Issued, SessionManager};
pub use memory::{MemoryShards, MemoryStore};
pub use policy::Policy;
pub use session::{NewSession, Placement, SessionRecord};
pub use store::{SessionStore, ShardRouter};
pub use token::{Claims, InvalidToken, TokenError, Verified, MAX_PAYLOAD_LEN, MAX_TOKEN_LEN};

#[cfg(feature = "js")]
pub mod js;
#[cfg(feature = "worker")]
mod worker;
