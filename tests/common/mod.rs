//! Helpers shared by the integration tests: sample data generated once per
//! test binary, temporary databases, and the real server started on port 0.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use jingzhun::import::{import_paths, ImportOptions};

/// Scale-1 sample data, generated once for this test binary.
pub fn sample_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        jingzhun::sample::generate(dir.path(), &jingzhun::sample::SampleOptions::default()).expect("sample data");
        dir
    })
    .path()
}

/// A new database file in its own temporary folder.
pub struct TempDb {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

pub fn temp_db() -> TempDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("test.duckdb");
    TempDb { dir, path }
}

/// A temporary database holding the scale-1 sample.
pub fn sample_db() -> TempDb {
    let db = temp_db();
    let mut conn = jingzhun::store::open_rw(&db.path).expect("open db");
    let report = import_paths(&mut conn, &[sample_dir().to_path_buf()], &ImportOptions::default()).expect("import");
    assert!(report.committed, "sample import failed: {:?}", &report.problems[..report.problems.len().min(10)]);
    db
}

/// One number from SQL.
pub fn scalar_f64(conn: &duckdb::Connection, sql: &str) -> f64 {
    conn.query_row(sql, [], |r| r.get::<_, f64>(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

pub fn scalar_i64(conn: &duckdb::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The real server, started as a process on a free port; killed on drop.
pub struct TestApp {
    pub addr: String,
    child: Child,
}

impl TestApp {
    /// Waits (up to a minute) until `/readyz` answers 200: the warm-up
    /// after start is done, as a load balancer would wait.
    pub fn wait_ready(&self) {
        let started = std::time::Instant::now();
        while reqwest::blocking::get(self.url("/readyz")).map(|r| r.status().as_u16()).unwrap_or(0) != 200 {
            assert!(started.elapsed() < std::time::Duration::from_secs(60), "the server is not ready after a minute");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Starts the server's peak resident memory afresh from its current
    /// one (Linux: `clear_refs` 5), so that `memory` then measures one
    /// request's peak, not the warm-up's.
    pub fn reset_peak_memory(&self) {
        std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5").expect("reset the peak RSS");
    }

    /// The server's peak and current resident memory in bytes (Linux).
    pub fn memory(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
                * 1024
        };
        (field("VmHWM:"), field("VmRSS:"))
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn spawn_app(db: &Path) -> TestApp {
    spawn_app_with(db, &[])
}

/// The real server with extra command-line arguments.
pub fn spawn_app_with(db: &Path, extra: &[&str]) -> TestApp {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jingzhun"))
        .args(["serve", "--db"])
        .arg(db)
        .args(["--bind", "127.0.0.1:0", "--workers", "2"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start server");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("read address");
    let addr = line
        .trim()
        .strip_prefix("Jingzhun listening on http://")
        .and_then(|s| s.strip_suffix('/'))
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_string();
    TestApp { addr, child }
}

/// Runs the jingzhun binary with arguments; returns (exit code, stdout, stderr).
pub fn run_cli(args: &[&str], cwd: Option<&Path>) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jingzhun"));
    cmd.args(args);
    if let Some(d) = cwd {
        cmd.current_dir(d);
    }
    let out = cmd.output().expect("run jingzhun");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A fingerprint of everything in the database: row count and a hash of
/// every table's contents, so a test can prove nothing changed.
pub fn fingerprint(path: &Path) -> Vec<(String, i64, String)> {
    let conn = jingzhun::store::open_ro(path).expect("open ro");
    let mut out = Vec::new();
    for t in jingzhun::store::tables::TABLES.iter().map(|t| t.name).chain(["import_batch"]) {
        let n = scalar_i64(&conn, &format!("SELECT count(*) FROM {t}"));
        let h: String = conn
            .query_row(&format!("SELECT coalesce(CAST(sum(hash(t)) AS VARCHAR), '') FROM {t} AS t"), [], |r| r.get(0))
            .unwrap();
        out.push((t.to_string(), n, h));
    }
    out
}

// ---------------------------------------------------------------- accounts (tests/auth*.rs)

/// The server with its log (standard error) captured line by line.
pub struct LoggedApp {
    pub app: TestApp,
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl LoggedApp {
    /// Every log line so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Waits (up to 10 s) for a log line containing `needle`.
    pub fn wait_for_log(&self, needle: &str) -> Option<String> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if let Some(l) = self.log().into_iter().find(|l| l.contains(needle)) {
                return Some(l);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        None
    }
}

/// The real server with extra arguments and environment, its log captured.
pub fn spawn_app_logged(db: &Path, extra: &[&str], env: &[(&str, &str)]) -> LoggedApp {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jingzhun"))
        .args(["serve", "--db"])
        .arg(db)
        .args(["--bind", "127.0.0.1:0", "--workers", "2"])
        .args(extra)
        .envs(env.iter().copied())
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start server");
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let stderr = child.stderr.take().expect("stderr");
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("read address");
    let addr = line
        .trim()
        .strip_prefix("Jingzhun listening on http://")
        .and_then(|s| s.strip_suffix('/'))
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}; log: {:?}", log.lock().unwrap()))
        .to_string();
    LoggedApp { app: TestApp { addr, child }, log }
}

/// Adds a user straight into a database that no server holds; the
/// password need not be changed at first sign-in.
pub fn add_user(db: &Path, name: &str, role: jingzhun::auth::Role, scope: jingzhun::auth::Scope, password: &str) {
    let conn = jingzhun::store::open_rw(db).expect("open db");
    let phc = jingzhun::auth::password::hash(password).expect("hash");
    jingzhun::auth::users::add(&conn, name, role, &scope, &phc, false).expect("add user");
}

/// A client that keeps cookies and does not follow redirects.
pub fn browser() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The CSRF token in a page's first form.
pub fn csrf_in(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").unwrap_or_else(|| panic!("no csrf field in {html}"));
    html[at + 19..].split('"').next().unwrap().to_string()
}

/// Signs in through /login; returns the response to the form (303 when
/// it worked).
pub fn sign_in(client: &reqwest::blocking::Client, app: &TestApp, name: &str, password: &str) -> reqwest::blocking::Response {
    let page = client.get(app.url("/login")).send().expect("GET /login").text().unwrap();
    let csrf = csrf_in(&page);
    client
        .post(app.url("/login"))
        .form(&[("csrf", csrf.as_str()), ("name", name), ("password", password), ("next", "/")])
        .send()
        .expect("POST /login")
}

/// A client signed in as `name`.
pub fn signed_in(app: &TestApp, name: &str, password: &str) -> reqwest::blocking::Client {
    let client = browser();
    let r = sign_in(&client, app, name, password);
    assert_eq!(r.status(), 303, "sign-in of {name}: {}", r.text().unwrap_or_default());
    client
}

// ---------------------------------------------------------------- browser imports and crashes (tests/crash_safety.rs, live_import.rs, backup.rs)

impl TestApp {
    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// A multipart/form-data body with one part per file.
pub fn multipart(files: &[(String, Vec<u8>)]) -> (String, Vec<u8>) {
    let boundary = "----jingzhunTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, content) in files {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes());
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Uploads files through /import (the dry run) as a signed-in importer;
/// returns the pending import's id, asserting the preview can be confirmed.
pub fn upload_for_import(client: &reqwest::blocking::Client, app: &TestApp, files: &[(String, Vec<u8>)]) -> (String, String) {
    let page = client.get(app.url("/import")).send().expect("GET /import").text().unwrap();
    let csrf = csrf_in(&page);
    let (ct, body) = multipart(files);
    let r = client.post(app.url(&format!("/import?csrf={csrf}"))).header("Content-Type", ct).body(body).send().expect("POST /import");
    assert_eq!(r.status(), 200, "upload");
    let html = r.text().unwrap();
    assert!(html.contains("/confirm\""), "the preview offers confirm: {}", &html[..html.len().min(3000)]);
    let at = html.find("action=\"/import/").expect("pending form");
    (html[at + 16..].split('/').next().unwrap().to_string(), csrf)
}

/// household.csv holding `n` new households (copies of the sample's first
/// one under new ids starting at `first_id`).
pub fn new_households_csv(first_id: u64, n: usize) -> Vec<u8> {
    let mut r = csv::Reader::from_path(sample_dir().join("household.csv")).unwrap();
    let header = r.headers().unwrap().clone();
    let first = r.records().next().unwrap().unwrap();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).unwrap();
    for i in 0..n {
        let mut row: Vec<String> = first.iter().map(String::from).collect();
        row[0] = format!("{}", first_id + i as u64);
        w.write_record(&row).unwrap();
    }
    w.into_inner().unwrap()
}

/// Copies a database file (and its WAL, if any) to a new temporary folder.
pub fn copy_db(from: &Path) -> TempDb {
    let db = temp_db();
    std::fs::copy(from, &db.path).expect("copy db");
    let wal = PathBuf::from(format!("{}.wal", from.display()));
    if wal.exists() {
        std::fs::copy(&wal, format!("{}.wal", db.path.display())).expect("copy wal");
    }
    db
}

/// Opens the file for writing once, as a restarted jingzhun would (DuckDB
/// replays its write-ahead log), then fingerprints what is in it. The
/// import_batch rows are compared without the columns that differ between
/// two runs of the same import (batch id, run id, time).
pub fn fingerprint_after_restart(path: &Path) -> Vec<(String, i64, String)> {
    drop(jingzhun::store::open_rw(path).expect("reopen after a crash"));
    let conn = jingzhun::store::open_ro(path).expect("open ro");
    let mut out = Vec::new();
    for t in jingzhun::store::tables::TABLES.iter().map(|t| t.name) {
        let n = scalar_i64(&conn, &format!("SELECT count(*) FROM {t}"));
        let h: String = conn
            .query_row(&format!("SELECT coalesce(CAST(sum(hash(t)) AS VARCHAR), '') FROM {t} AS t"), [], |r| r.get(0))
            .unwrap();
        out.push((t.to_string(), n, h));
    }
    let n = scalar_i64(&conn, "SELECT count(*) FROM import_batch");
    let h: String = conn
        .query_row(
            "SELECT coalesce(CAST(sum(hash(file_name, sha256, table_name, encoding, rows_accepted, rows_rejected, rows_inserted, rows_updated, mode)) AS VARCHAR), '') FROM import_batch",
            [],
            |r| r.get(0),
        )
        .unwrap();
    out.push(("import_batch".into(), n, h));
    out
}
