//! ring (to be written).
