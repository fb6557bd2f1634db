//! The committed `sample-data/` is exactly what `jingzhun sample` writes at
//! scale 1 with the default seed, and generation is deterministic.

mod common;

use std::path::Path;

#[test]
fn committed_sample_data_regenerates_identically() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let fresh = common::sample_dir();
    let mut names: Vec<String> = std::fs::read_dir(fresh).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names.len(), jingzhun::store::tables::TABLES.len());
    for name in &names {
        let a = std::fs::read(fresh.join(name)).unwrap();
        let b = std::fs::read(committed.join(name)).unwrap_or_else(|e| panic!("sample-data/{name}: {e}"));
        assert!(a == b, "sample-data/{name} differs from a fresh `jingzhun sample --out DIR`; regenerate it");
    }
}

#[test]
fn same_seed_same_bytes_other_seed_other_data() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let (code, _, err) = common::run_cli(&["sample", "--out", a.path().to_str().unwrap(), "--seed", "7"], None);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = common::run_cli(&["sample", "--out", b.path().to_str().unwrap(), "--seed", "8"], None);
    assert_eq!(code, 0, "{err}");
    let seven = std::fs::read(a.path().join("member.csv")).unwrap();
    assert_ne!(seven, std::fs::read(b.path().join("member.csv")).unwrap());
    let (code, _, _) = common::run_cli(&["sample", "--out", b.path().to_str().unwrap(), "--seed", "7"], None);
    assert_eq!(code, 0);
    for t in jingzhun::store::tables::TABLES {
        let f = format!("{}.csv", t.name);
        assert_eq!(std::fs::read(a.path().join(&f)).unwrap(), std::fs::read(b.path().join(&f)).unwrap(), "{f}");
    }
}
