//! Jingzhun (精准): a dashboard server for precision poverty-alleviation
//! data. See ARCHITECTURE.md for the map of this crate.

/// jemalloc for every allocation in the process: Rust's through this
/// declaration, and DuckDB's C++ `malloc` and `new` because the crate's
/// `unprefixed_malloc_on_supported_platforms` feature makes jemalloc the
/// process's `malloc`. Under glibc's `malloc` a server's arenas fragmented
/// with mixed load until DuckDB ran 15-30 % slower in it than in a fresh
/// process (BENCHMARKS.md). Declared here, not in `main.rs`, so the tests
/// and the timing examples run on the same allocator as the server.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read at its start (`MALLOC_CONF` in the environment
/// still overrides them): freed pages go back to the system after a second
/// instead of ten, and at once rather than through a second, "muzzy" decay.
/// At scale 100 this kept the server's peak RSS below glibc's (424 against
/// 456 MB on the same requests) without losing jemalloc's speed.
#[used]
#[export_name = "malloc_conf"]
static MALLOC_CONF: &[u8; 37] = b"dirty_decay_ms:1000,muzzy_decay_ms:0\0";

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
