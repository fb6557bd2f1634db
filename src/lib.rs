//! Jingzhun (精准): a dashboard server for precision poverty-alleviation
//! data. See ARCHITECTURE.md for the map of this crate.

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
