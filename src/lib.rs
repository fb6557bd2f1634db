//! Jingzhun (精准): a dashboard server for precision poverty-alleviation
//! data. See ARCHITECTURE.md for the map of this crate.

/// mimalloc for Rust's allocations. DuckDB's C++ keeps glibc's `malloc`:
/// mimalloc's `override` feature made it faster but kept far more memory
/// (BENCHMARKS.md, "tried"). Declared here, not in `main.rs`, so the tests
/// and the timing examples run on the same allocator as the server.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod auth;
pub mod catalog;
pub mod charts;
pub mod cli;
pub mod dashboards;
pub mod export;
pub mod import;
pub mod lang;
pub mod render;
pub mod sample;
pub mod store;
pub mod web;
