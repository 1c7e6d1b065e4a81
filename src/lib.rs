//! edge-session: crate docs are filled in from README.md once it exists.
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

pub use error::{SessionError, StoreError};

#[cfg(feature = "worker")]
mod worker;
