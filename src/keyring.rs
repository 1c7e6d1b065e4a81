//! keyring (to be written).
