//! cookie (to be written).
