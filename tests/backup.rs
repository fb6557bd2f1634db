//! `jingzhun backup` while the server serves (and an import lands), and the
//! schema version checks at startup: an older database is copied, then
//! migrated; a newer one is refused.

mod common;

use std::path::Path;
use std::time::Instant;

use common::{add_user, fingerprint, new_households_csv, run_cli, sample_db, sample_dir, signed_in, spawn_app, temp_db, upload_for_import};
use jingzhun::auth::{Role, Scope};

const PW: &str = "a long test password 2026";

fn answers(app: &common::TestApp, client: &reqwest::blocking::Client) -> Vec<String> {
    ["/q/headline.json", "/q/incidence_by_year.json", "/q/income_by_year.json", "/q/poverty_causes.json"]
        .iter()
        .map(|q| {
            let r = client.get(app.url(q)).send().unwrap();
            assert_eq!(r.status(), 200, "{q}");
            let mut v: serde_json::Value = r.json().unwrap();
            if let Some(o) = v.as_object_mut() {
                o.remove("elapsed_ms");
            }
            v.to_string()
        })
        .collect()
}

fn no_partial_files(dir: &Path) {
    let left: Vec<_> = std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).filter(|n| n.contains(".partial")).collect();
    assert!(left.is_empty(), "temporary files left behind: {left:?}");
}

#[test]
fn a_backup_while_serving_is_one_consistent_snapshot() {
    let db = sample_db();
    add_user(&db.path, "wang", Role::Statistician, Scope::All, PW);
    let before = fingerprint(&db.path);
    let app = spawn_app(&db.path);

    // The server holds the file: another process cannot open it, even read-only.
    let (code, _, err) = run_cli(&["sql", "--db", db.path.to_str().unwrap(), "SELECT 1"], None);
    assert_ne!(code, 0);
    assert!(err.contains("lock"), "{err}");
    // The control socket is there, for the file's owner only.
    let socket = jingzhun::store::backup::control_path(&db.path);
    {
        use std::os::unix::fs::{FileTypeExt, PermissionsExt};
        let meta = std::fs::metadata(&socket).expect("control socket");
        assert!(meta.file_type().is_socket());
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }

    // A backup taken while an import lands holds the data before it or after it.
    let client = signed_in(&app, "wang", PW);
    let members = std::fs::read(sample_dir().join("member.csv")).unwrap();
    let (id, csrf) = upload_for_import(&client, &app, &[("household.csv".into(), new_households_csv(1505269990300001, 9)), ("member.csv".into(), members)]);
    let out_dir = tempfile::tempdir().unwrap();
    let during = out_dir.path().join("during.duckdb");
    let confirming = {
        let (client, url) = (client.clone(), app.url(&format!("/import/{id}/confirm")));
        std::thread::spawn(move || client.post(url).form(&[("csrf", csrf.as_str())]).send().unwrap().status().as_u16())
    };
    std::thread::sleep(std::time::Duration::from_millis(300));
    let t = Instant::now();
    let (code, _, err) = run_cli(&["backup", "--db", db.path.to_str().unwrap(), "--out", during.to_str().unwrap()], None);
    eprintln!("backup during an import: {:?}: {}", t.elapsed(), err.trim());
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("made by the running server"), "{err}");
    assert_eq!(confirming.join().unwrap(), 200);

    // A second backup with nothing landing: the same answers as the live server.
    let quiet = out_dir.path().join("quiet.duckdb");
    let t = Instant::now();
    let (code, _, err) = run_cli(&["backup", "--db", db.path.to_str().unwrap(), "--out", quiet.to_str().unwrap()], None);
    eprintln!("backup of a quiet server: {:?}: {}", t.elapsed(), err.trim());
    assert_eq!(code, 0, "{err}");
    let live = answers(&app, &client);
    drop(app);
    no_partial_files(out_dir.path());

    let after = fingerprint(&db.path);
    assert_ne!(before, after);
    let got = fingerprint(&during);
    assert!(got == before || got == after, "the backup taken during the import is neither before nor after it");
    eprintln!("backup during the import holds the data {}", if got == before { "before it" } else { "after it" });
    assert_eq!(fingerprint(&quiet), after);

    // The backup serves the same answers, and takes imports of its own.
    add_user(&quiet, "chen", Role::Statistician, Scope::All, PW);
    let copy = spawn_app(&quiet);
    let chen = signed_in(&copy, "chen", PW);
    assert_eq!(answers(&copy, &chen), live, "the backup answers as the live server did");
    let (id, csrf) = upload_for_import(&chen, &copy, &[("household.csv".into(), new_households_csv(1505269990400001, 2))]);
    let r = chen.post(copy.url(&format!("/import/{id}/confirm"))).form(&[("csrf", csrf.as_str())]).send().unwrap();
    assert_eq!(r.status(), 200, "an import on the backup (its sequences came along)");
    drop(copy);

    // No server: the file is opened directly.
    let direct = out_dir.path().join("direct.duckdb");
    let (code, _, err) = run_cli(&["backup", "--db", db.path.to_str().unwrap(), "--out", direct.to_str().unwrap()], None);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("running server"), "{err}");
    assert_eq!(fingerprint(&direct), after);
    no_partial_files(out_dir.path());
}

/// A database at schema version `upto`, made as an older jingzhun did.
fn database_at_version(path: &Path, upto: i32) {
    let conn = duckdb::Connection::open(path).unwrap();
    conn.execute_batch("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)").unwrap();
    for (v, sql) in jingzhun::store::MIGRATIONS.iter().filter(|m| m.0 <= upto) {
        conn.execute_batch(sql).unwrap();
        conn.execute("INSERT INTO schema_version (version) VALUES (?)", [v]).unwrap();
    }
}

fn version_of(path: &Path) -> i32 {
    let config = duckdb::Config::default().access_mode(duckdb::AccessMode::ReadOnly).unwrap();
    let conn = duckdb::Connection::open_with_flags(path, config).unwrap();
    conn.query_row("SELECT max(version) FROM schema_version", [], |r| r.get(0)).unwrap()
}

#[test]
fn an_older_database_is_copied_then_migrated_at_startup() {
    let db = temp_db();
    database_at_version(&db.path, 2);
    assert!(jingzhun::store::latest_version() > 2);
    let (code, _, err) = run_cli(&["import", "--db", db.path.to_str().unwrap(), sample_dir().join("war_zone.csv").to_str().unwrap()], None);
    assert_eq!(code, 0, "{err}");
    // The data went into the migrated file; the copy is the old file.
    let baks: Vec<_> = std::fs::read_dir(db.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(&format!("test.duckdb.pre-v{}-", jingzhun::store::latest_version())) && p.extension().is_some_and(|e| e == "bak"))
        .collect();
    assert_eq!(baks.len(), 1, "one copy before migrating: {baks:?}; log: {err}");
    assert!(err.contains(&baks[0].display().to_string()), "the log names the copy: {err}");
    assert_eq!(version_of(&baks[0]), 2);
    assert_eq!(version_of(&db.path), jingzhun::store::latest_version());
    let conn = jingzhun::store::open_ro(&db.path).unwrap();
    assert_eq!(common::scalar_i64(&conn, "SELECT count(*) FROM war_zone"), 4);
    drop(conn);

    // Opened again, current: no new copy; and the server starts on it.
    let app = spawn_app(&db.path);
    assert_eq!(reqwest::blocking::get(app.url("/healthz")).unwrap().status(), 200);
    drop(app);
    let count = std::fs::read_dir(db.dir.path()).unwrap().filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().ends_with(".bak")).count();
    assert_eq!(count, 1);
}

#[test]
fn serve_refuses_a_database_newer_than_itself() {
    let db = sample_db();
    {
        let conn = jingzhun::store::open_rw(&db.path).unwrap();
        conn.execute("INSERT INTO schema_version (version) VALUES (?)", [jingzhun::store::latest_version() + 1]).unwrap();
    }
    let before = std::fs::read(&db.path).unwrap().len();
    let (code, out, err) = run_cli(&["serve", "--db", db.path.to_str().unwrap(), "--bind", "127.0.0.1:0"], None);
    assert_ne!(code, 0, "{out}");
    assert!(!out.contains("listening"), "{out}");
    assert!(err.contains("newer than this jingzhun"), "{err}");
    assert_eq!(std::fs::read(&db.path).unwrap().len(), before);
    let baks = std::fs::read_dir(db.dir.path()).unwrap().filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().ends_with(".bak")).count();
    assert_eq!(baks, 0, "a refused file is not copied");
}
