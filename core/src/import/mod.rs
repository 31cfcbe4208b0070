//! File imports.

pub mod pool;
