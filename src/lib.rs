//! edge-session: crate docs are filled in from README.md once it exists.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cookie;
pub mod id;
pub mod keyring;
pub mod ring;
pub mod token;
