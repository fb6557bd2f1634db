//! The queries and dashboards folders are embedded in the binary
//! (include_dir), which cargo does not track: rebuild when they change.
fn main() {
    println!("cargo:rerun-if-changed=queries");
    println!("cargo:rerun-if-changed=dashboards");
    println!("cargo:rerun-if-changed=build.rs");
}
