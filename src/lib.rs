//! edge-session: crate docs are filled in from README.md once it exists.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cookie;
pub mod id;
pub mod keyring;
pub mod ring;
pub mod token;

pub use cookie::{CookieConfig, CookieError, SameSite};
pub use id::{IdError, IdHash, SessionId, SESSION_ID_LEN};
pub use keyring::{KeyState, Keyring, KeyringError};
pub use token::{Claims, InvalidToken, TokenError, Verified, MAX_PAYLOAD_LEN, MAX_TOKEN_LEN};
