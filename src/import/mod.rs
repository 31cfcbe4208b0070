//! File imports.

#[path = "../stub_pool.rs"]
pub mod pool;
