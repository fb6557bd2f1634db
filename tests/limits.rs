//! Resource limits over HTTP against the real server: the query time
//! limit, the row cap, request bodies, addresses and heads that are too
//! large, slow clients, and the bounded number of heavy requests (PNG and
//! PDF renders, downloads), which answer 503 with Retry-After when
//! saturated — never 500, never a hang.

mod common;

use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use common::{sample_db, spawn_app_with};

/// Never runs to the end: only a time limit stops it.
const SLOW: &str = r#"/*
title = "慢查询"
title_en = "Slow query"
public = true
[columns]
n = { zh = "n", en = "n" }
*/
SELECT count(*) AS n FROM range(100000000000) a
"#;

/// The product's queries plus `name`.
fn queries_with(name: &str, sql: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("queries")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    std::fs::write(dir.path().join(format!("{name}.sql")), sql).unwrap();
    dir
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().timeout(Duration::from_secs(60)).build().unwrap()
}

fn get(url: &str) -> reqwest::blocking::Response {
    client().get(url).send().unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

/// Sends raw bytes on a new connection and returns what the server
/// answered before closing (or within `wait`).
fn raw(addr: &str, bytes: &[u8], wait: Duration) -> (String, Duration) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(wait)).unwrap();
    let started = Instant::now();
    let _ = s.write_all(bytes);
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(_) => break,
        }
    }
    (String::from_utf8_lossy(&out).into_owned(), started.elapsed())
}

/// Needs more memory than DuckDB is given below, even alone: the exact
/// median of twenty million doubles.
const GREEDY: &str = r#"/*
title = "贪内存的查询"
title_en = "Greedy query"
public = true
[columns]
m = { zh = "m", en = "m" }
*/
SELECT median(range::DOUBLE) AS m FROM range(20000000)
"#;

/// A query that does not fit in DuckDB's memory even alone answers 503
/// with Retry-After and a message naming the limit and the flag that sets
/// it, not a bare 500 (nor, as a download, a 200 cut short); the server
/// keeps answering.
#[test]
fn a_query_short_of_memory_names_the_limit() {
    let db = sample_db();
    let dir = queries_with("greedy", GREEDY);
    let app = spawn_app_with(&db.path, &["--queries", dir.path().to_str().unwrap(), "--duckdb-memory-mb", "64", "--no-warm"]);
    for path in ["/q/greedy.json", "/q/greedy", "/q/greedy.csv", "/q/greedy.xlsx"] {
        let r = get(&app.url(path));
        assert_eq!(r.status(), 503, "{path}");
        assert_eq!(r.headers()["retry-after"], "30");
        let body = r.text().unwrap();
        assert!(body.contains("查询所需内存超过服务器上限") && body.contains("(64 MiB, set by --duckdb-memory-mb)"), "{body}");
    }
    assert_eq!(get(&app.url("/q/incidence_by_year.json")).status(), 200);
}

#[test]
fn time_limit_row_cap_bodies_addresses_and_slow_clients() {
    let db = sample_db();
    let dir = queries_with("slow", SLOW);
    let app = spawn_app_with(
        &db.path,
        // No warm-up: `/readyz` below is about the time limit, not the start.
        &["--queries", dir.path().to_str().unwrap(), "--query-timeout-ms", "1500", "--row-cap", "3", "--client-timeout-ms", "1000", "--no-warm"],
    );

    // Query time limit: 503, Retry-After, a message saying what happened,
    // and the request id to quote.
    let started = Instant::now();
    let r = get(&app.url("/q/slow.json"));
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "30");
    let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
    let body = r.text().unwrap();
    assert!(body.contains("查询超时") && body.contains("took longer than 1.5 s"), "{body}");
    assert!(body.contains(&id), "the 503 page shows the request id: {body}");
    assert!(started.elapsed() < Duration::from_secs(10));
    // The page of the same query, too; the server keeps answering.
    assert_eq!(get(&app.url("/q/slow")).status(), 503);
    assert_eq!(get(&app.url("/q/incidence_by_year.json")).status(), 200);
    assert_eq!(get(&app.url("/readyz")).status(), 200);

    // Row cap: the page shows three rows and says it is capped.
    let html = get(&app.url("/q/incidence_by_year")).text().unwrap();
    assert!(html.contains("仅显示前 3 行") && html.contains("Showing the first 3 rows; downloads have them all"), "{html}");
    let body_rows = html.split("<tbody>").nth(1).unwrap().split("</tbody>").next().unwrap().matches("<tr").count();
    assert_eq!(body_rows, 3);
    let j: serde_json::Value = get(&app.url("/q/incidence_by_year.json")).json().unwrap();
    assert_eq!((j["row_count"].as_u64(), j["truncated"].as_bool()), (Some(3), Some(true)));
    assert_eq!(j["rows"].as_array().unwrap().len(), 3);

    // Form bodies over 64 KiB: 413 with a clear page (before any handler
    // or the CSRF check reads them).
    let big = "x".repeat(100 * 1024);
    let r = client().post(app.url("/login")).form(&[("name", "admin"), ("password", big.as_str())]).send().unwrap();
    assert_eq!(r.status(), 413);
    assert!(r.headers().contains_key("x-request-id"));
    let body = r.text().unwrap();
    assert!(body.contains("64 KiB") && body.contains("too large"), "{body}");
    // A declared length over the limit is refused without reading the body.
    let (answer, _) = raw(
        &app.addr,
        format!("POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n", 1 << 30).as_bytes(),
        Duration::from_secs(10),
    );
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");

    // Addresses over 8 KiB: 414; request heads over actix's 128 KiB: 431.
    let r = get(&app.url(&format!("/q/incidence_by_year?x={}", "a".repeat(9 * 1024))));
    assert_eq!(r.status(), 414);
    assert!(r.text().unwrap().contains("too long"));
    let (answer, _) = raw(
        &app.addr,
        format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "b".repeat(200 * 1024)).as_bytes(),
        Duration::from_secs(10),
    );
    // (actix answers 431 and closes; the client may see the close first,
    // as a reset, when the rest of its head was still unread. Never a page.)
    assert!(answer.starts_with("HTTP/1.1 431") || answer.is_empty(), "{answer}");

    // A client that never finishes its request head is answered 408 and
    // disconnected after --client-timeout-ms (1 s here), not held open.
    let (answer, took) = raw(&app.addr, b"GET / HTTP/1.1\r\nHost: x\r\n", Duration::from_secs(15));
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(took < Duration::from_secs(8), "disconnected after {took:?}");

    // Still serving.
    assert_eq!(get(&app.url("/healthz")).status(), 200);
}

/// Runs `n` requests at once (released together) and returns their status,
/// Retry-After and body.
fn burst(url: &str, n: usize) -> Vec<(u16, Option<String>, Vec<u8>)> {
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let url = url.to_string();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let c = client();
                barrier.wait();
                let r = c.get(&url).send().unwrap_or_else(|e| panic!("GET {url}: {e}"));
                let status = r.status().as_u16();
                let retry = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
                (status, retry, r.bytes().unwrap().to_vec())
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().expect("request thread")).collect()
}

#[test]
fn heavy_requests_are_bounded_with_503_and_retry_after() {
    let db = sample_db();
    let dir = queries_with("slow", SLOW);
    let app = spawn_app_with(
        &db.path,
        &["--queries", dir.path().to_str().unwrap(), "--max-renders", "1", "--max-exports", "1", "--export-timeout-ms", "3000"],
    );
    // The dashboard's view is drawn once and cached; each PDF and PNG is
    // rendered anew.
    assert_eq!(get(&app.url("/d/overview")).status(), 200);

    // One render at a time: of eight PDFs asked at once, some are refused
    // with 503 + Retry-After naming renders, the rest are whole PDFs.
    let mut refused = 0;
    for round in 0..5 {
        for (status, retry, body) in burst(&app.url("/d/overview.pdf"), 8) {
            match status {
                200 => assert!(body.starts_with(b"%PDF-") && body.windows(5).any(|w| w == b"%%EOF"), "a whole PDF"),
                503 => {
                    refused += 1;
                    assert_eq!(retry.as_deref(), Some("5"));
                    let text = String::from_utf8_lossy(&body);
                    assert!(text.contains("Too many PNG and PDF renders at once (at most 1)"), "{text}");
                }
                other => panic!("round {round}: status {other}: {}", String::from_utf8_lossy(&body)),
            }
        }
        if refused > 0 {
            break;
        }
    }
    assert!(refused > 0, "eight PDFs at once with one render permit: some must be refused");
    // PNGs share the same permits.
    for (status, _, body) in burst(&app.url("/d/overview/incidence.png"), 4) {
        assert!(status == 200 || status == 503, "{status}");
        if status == 200 {
            assert!(body.starts_with(b"\x89PNG"));
        }
    }
    // Free again once they are done.
    assert_eq!(get(&app.url("/d/overview.pdf")).status(), 200);

    // One download at a time: a slow CSV holds the permit (until the export
    // time limit, 3 s here); meanwhile other downloads are refused, pages
    // are not.
    let slow_url = app.url("/q/slow.csv");
    let slow = std::thread::spawn(move || client().get(slow_url).send().unwrap());
    // It takes the permit at once; its answer waits for its first rows.
    std::thread::sleep(Duration::from_millis(500));
    for format in ["csv", "xlsx", "parquet"] {
        let r = get(&app.url(&format!("/q/incidence_by_year.{format}")));
        assert_eq!(r.status(), 503, "{format}");
        assert_eq!(r.headers()["retry-after"], "5");
        assert!(r.text().unwrap().contains("Too many downloads at once (at most 1)"));
    }
    assert_eq!(get(&app.url("/q/incidence_by_year.json")).status(), 200, "pages are not downloads");
    assert_eq!(get(&app.url("/d/overview.pdf")).status(), 200, "renders are not downloads");
    // The slow download ends at its time limit. It had sent nothing, so it
    // answers 503 with the time limit's message, not a 200 cut short; and
    // the permit is free again.
    let slow = slow.join().unwrap();
    assert_eq!(slow.status(), 503);
    assert!(slow.text().unwrap().contains("took longer than 3 s"));
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = get(&app.url("/q/incidence_by_year.csv"));
        if r.status() == 200 {
            assert_eq!(r.text().unwrap().lines().count(), 1 + 35);
            break;
        }
        assert_eq!(r.status(), 503);
        assert!(Instant::now() < deadline, "the download permit never came back");
        std::thread::sleep(Duration::from_millis(200));
    }
}
