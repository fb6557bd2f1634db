//! Operations over HTTP against the real binary: request ids (answered,
//! echoed, replaced, on every log line of the request, on error pages),
//! the JSON log, `/healthz` and `/readyz` (including a 503 while every
//! database connection is busy), and a graceful stop on SIGTERM that
//! finishes the request in flight.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::sample_db;

/// The server as a process, its log (standard error) captured line by line.
struct Server {
    child: Child,
    addr: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(db: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_jingzhun"))
            .args(["serve", "--db"])
            .arg(db)
            .args(["--bind", "127.0.0.1:0", "--workers", "2"])
            .args(extra)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start server");
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let addr = line
            .trim()
            .strip_prefix("Jingzhun listening on http://")
            .and_then(|s| s.strip_suffix('/'))
            .unwrap_or_else(|| panic!("unexpected first line {line:?}; log: {:?}", log.lock().unwrap()))
            .to_string();
        Server { child, addr, log }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Waits (up to 20 s) until `n` log lines contain `needle`.
    fn wait_for_lines(&self, needle: &str, n: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let found: Vec<String> = self.log().into_iter().filter(|l| l.contains(needle)).collect();
            if found.len() >= n || Instant::now() > deadline {
                return found;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().timeout(Duration::from_secs(60)).build().unwrap()
}

fn query_file(dir: &Path, name: &str, sql: &str) {
    let text = format!(
        "/*\ntitle = \"{name}\"\ntitle_en = \"{name}\"\npublic = true\n[columns]\nn = {{ zh = \"n\", en = \"n\" }}\n*/\n{sql}\n"
    );
    std::fs::write(dir.join(format!("{name}.sql")), text).unwrap();
}

/// The product's queries plus the given ones.
fn queries(extra: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("queries")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    for (name, sql) in extra {
        query_file(dir.path(), name, sql);
    }
    dir
}

fn json_lines(lines: &[String]) -> Vec<serde_json::Value> {
    lines.iter().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

#[test]
fn request_ids_and_the_json_log() {
    let db = sample_db();
    let dir = queries(&[("broken", "SELECT CAST(name AS INTEGER) AS n FROM war_zone")]);
    let server = Server::start(&db.path, &["--queries", dir.path().to_str().unwrap(), "--log-format", "json"]);
    let c = client();

    // Every response carries an id; a sane incoming one is echoed, a bad
    // one replaced.
    let r = c.get(server.url("/q/incidence_by_year.json")).send().unwrap();
    assert_eq!(r.status(), 200);
    let made = r.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(made.len() == 16 && made.bytes().all(|b| b.is_ascii_hexdigit()), "{made}");
    let r = c.get(server.url("/q/incidence_by_year.json")).header("X-Request-Id", "lb-7f3a.42_x").send().unwrap();
    assert_eq!(r.headers()["x-request-id"], "lb-7f3a.42_x");
    let long = "a".repeat(65);
    for bad in ["has space", "引号\"<x>", long.as_str()] {
        let r = c.get(server.url("/")).header("X-Request-Id", header_value(bad)).send().unwrap();
        let got = r.headers()["x-request-id"].to_str().unwrap();
        assert!(got != bad && got.len() == 16, "{bad:?} replaced, got {got}");
    }
    // On 404s and probes too.
    assert!(c.get(server.url("/no/such")).send().unwrap().headers().contains_key("x-request-id"));
    assert!(c.get(server.url("/healthz")).send().unwrap().headers().contains_key("x-request-id"));

    // The access line of a request is one JSON object carrying its id,
    // method, path, status and duration. It is written after the response
    // has gone out, so wait for both of the request's lines: the query's
    // and the access line.
    let access = server.wait_for_lines("lb-7f3a.42_x", 2);
    let lines = json_lines(&access);
    let line = lines.iter().find(|l| l["target"] == "jingzhun::access").unwrap_or_else(|| panic!("{access:?}"));
    assert_eq!(line["span"]["request_id"], "lb-7f3a.42_x");
    assert_eq!(line["span"]["method"], "GET");
    assert_eq!(line["span"]["path"], "/q/incidence_by_year.json");
    assert_eq!(line["fields"]["status"], 200);
    assert!(line["fields"]["duration_ms"].is_number());
    assert_eq!(line["fields"]["user"], "-");
    // The query's own log line, written inside the request, carries it too.
    assert!(lines.iter().any(|l| l["fields"]["message"] == "query" && l["span"]["request_id"] == "lb-7f3a.42_x"), "{access:?}");

    // A 500 shows the id so a user can quote it, and the logged cause
    // carries the same id.
    let r = c.get(server.url("/q/broken.json")).header("X-Request-Id", "err-case-1").send().unwrap();
    assert_eq!(r.status(), 500);
    assert_eq!(r.headers()["x-request-id"], "err-case-1");
    let body = r.text().unwrap();
    assert!(body.contains("Request id: <code>err-case-1</code>"), "{body}");
    assert!(!body.contains("CAST") && !body.contains("Conversion"), "no SQL or DuckDB message: {body}");
    // Its query line, the error and the access line (written last).
    let lines = json_lines(&server.wait_for_lines("err-case-1", 3));
    let error = lines.iter().find(|l| l["level"] == "ERROR").unwrap_or_else(|| panic!("{lines:?}"));
    assert_eq!(error["span"]["request_id"], "err-case-1");
    assert!(error["fields"]["error"].as_str().unwrap_or_default().contains("Conversion"), "{error}");
    let access = lines.iter().find(|l| l["target"] == "jingzhun::access").unwrap();
    assert_eq!(access["fields"]["status"], 500);

    // Every line of the log is JSON.
    for l in server.log() {
        assert!(serde_json::from_str::<serde_json::Value>(&l).is_ok(), "not JSON: {l}");
    }
}

/// reqwest refuses header values with control characters but not these.
fn header_value(s: &str) -> reqwest::header::HeaderValue {
    reqwest::header::HeaderValue::from_bytes(s.as_bytes()).unwrap()
}

#[test]
fn the_text_log_carries_the_request_id_too() {
    let db = sample_db();
    let server = Server::start(&db.path, &[]);
    let r = client().get(server.url("/")).header("X-Request-Id", "text-log-1").send().unwrap();
    assert_eq!(r.status(), 200);
    // The access line is written after the response has gone out: wait
    // for it, not for any line of the request.
    let lines = server.wait_for_lines("GET / 200", 1);
    let line = lines.iter().find(|l| l.contains("GET / 200")).unwrap_or_else(|| panic!("{lines:?}"));
    assert!(line.contains("request_id=text-log-1") && line.contains("status=200") && line.contains("duration_ms="), "{line}");
}

#[test]
fn readyz_says_what_is_not_ready() {
    let db = sample_db();
    let dir = queries(&[("slow", "SELECT count(*) AS n FROM range(100000000000) a")]);
    // Two workers: a pool of four database connections.
    let server = Server::start(&db.path, &["--queries", dir.path().to_str().unwrap(), "--query-timeout-ms", "5000"]);
    let c = client();

    // Not ready until the warm-up after start is done (tests/warm_up.rs).
    let started = std::time::Instant::now();
    let mut r = c.get(server.url("/readyz")).send().unwrap();
    while r.status() == 503 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
        r = c.get(server.url("/readyz")).send().unwrap();
    }
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let j: serde_json::Value = r.json().unwrap();
    assert_eq!(j["ready"], true);
    assert_eq!(j["database"], "ok");
    let n_queries = std::fs::read_dir(dir.path()).unwrap().filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "sql")).count();
    assert_eq!(j["catalog"], n_queries as u64);
    assert!(j["dashboards"].as_u64().unwrap() >= 10, "{j}");
    assert!(j["data_version"].as_u64().unwrap() >= 1, "{j}");
    let h = c.get(server.url("/healthz")).send().unwrap();
    assert_eq!((h.status().as_u16(), h.headers()["cache-control"].to_str().unwrap()), (200, "no-store"));
    assert_eq!(h.text().unwrap(), "ok\n");

    // Four slow queries take every pooled connection: not ready (503,
    // naming the database), though the process is up.
    let slow: Vec<_> = (0..4)
        .map(|_| {
            let url = server.url("/q/slow.json");
            std::thread::spawn(move || client().get(&url).send().unwrap().status().as_u16())
        })
        .collect();
    assert_eq!(server.wait_for_lines("\"slow\"", 4).len(), 4, "four slow queries started: {:?}", server.log());
    std::thread::sleep(Duration::from_millis(300));
    let r = c.get(server.url("/readyz")).send().unwrap();
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(r.headers()["cache-control"], "no-store");
    let j: serde_json::Value = r.json().unwrap();
    assert_eq!(j["ready"], false);
    assert!(j["database"].as_str().unwrap().contains("no free database connection"), "{j}");
    assert_eq!(c.get(server.url("/healthz")).send().unwrap().status(), 200, "the process is up");
    // The slow ones end at their time limit; ready again.
    for h in slow {
        assert_eq!(h.join().unwrap(), 503);
    }
    let r = c.get(server.url("/readyz")).send().unwrap();
    assert_eq!(r.status(), 200);
}

#[test]
fn sigterm_finishes_the_request_in_flight_then_exits() {
    let db = sample_db();
    // Runs a few seconds, then answers.
    let dir = queries(&[("slowish", "SELECT count(*) AS n FROM range(3000000000) a")]);
    let mut server = Server::start(
        &db.path,
        &["--queries", dir.path().to_str().unwrap(), "--query-timeout-ms", "120000", "--shutdown-timeout", "60"],
    );
    let url = server.url("/q/slowish.json");
    let in_flight = std::thread::spawn(move || {
        let r = client().get(&url).send().unwrap();
        (r.status().as_u16(), r.text().unwrap())
    });
    assert_eq!(server.wait_for_lines("slowish", 1).len(), 1, "the query started: {:?}", server.log());
    std::thread::sleep(Duration::from_millis(200));
    assert!(!in_flight.is_finished(), "the request is still running when SIGTERM comes");
    let sent = Instant::now();
    let status = Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().unwrap();
    assert!(status.success());

    // New connections are refused soon after.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if std::net::TcpStream::connect(&server.addr).is_err() {
            break;
        }
        assert!(Instant::now() < deadline, "still accepting connections 5 s after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }

    // The request in flight completes, whole.
    let (code, body) = in_flight.join().unwrap();
    assert_eq!(code, 200, "{body}");
    let j: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(j["rows"][0][0].to_string().contains("3000000000"), "{j}");

    // And the process exits 0 within the shutdown timeout.
    let deadline = Instant::now() + Duration::from_secs(60);
    let exit = loop {
        if let Some(s) = server.child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "still running 60 s after SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(exit.success(), "exit status {exit:?}; log: {:?}", server.log());
    assert!(sent.elapsed() < Duration::from_secs(60));
}
