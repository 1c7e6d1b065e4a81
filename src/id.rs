//! id (to be written).
