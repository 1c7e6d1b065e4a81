//! token (to be written).
