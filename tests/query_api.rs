//! `/q/<name>` in every format, against the real server: values round-trip
//! through JSON, CSV, XLSX and Parquet; bad parameters answer 400 and change
//! nothing; slow queries hit the time limit; ETags validate; `jingzhun
//! check` and `jingzhun query` do the same offline.

mod common;

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};
use common::{fingerprint, run_cli, sample_db, scalar_i64, spawn_app, spawn_app_with};

fn get(url: &str) -> reqwest::blocking::Response {
    reqwest::blocking::get(url).unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

/// A queries folder with the embedded queries plus test-only ones.
fn queries_dir(extra: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("queries")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    for (name, text) in extra {
        std::fs::write(dir.path().join(format!("{name}.sql")), text).unwrap();
    }
    dir
}

const BY_ZONE: &str = r#"/*
title = "战区户数"
title_en = "Households by war zone"
public = true
[params.year]
type = "year"
zh = "年度"
en = "Year"
default = 2014
min = 2014
max = 2020
[params.zone]
type = "zone"
zh = "战区"
en = "War zone"
optional = true
[columns]
zone_id = { zh = "战区编号", en = "Zone" }
zone = { zh = "战区", en = "War zone" }
households = { zh = "贫困户数", en = "Poor households", unit = "户" }
share = { zh = "占比", en = "Share", unit = "%" }
*/
SELECT z.zone_id, z.name AS zone, count(*) AS households,
       round(100.0 * count(*) / sum(count(*)) OVER (), 2) AS share
FROM household h
JOIN village v USING (village_code)
JOIN township t USING (township_code)
JOIN war_zone z USING (zone_id)
WHERE h.identified_year <= $year AND (h.exit_year IS NULL OR h.exit_year > $year)
  AND ($zone IS NULL OR z.zone_id = $zone)
GROUP BY z.zone_id, z.name
ORDER BY z.zone_id
"#;

const SLOW: &str = r#"/*
title = "慢查询"
title_en = "Slow query"
public = true
[columns]
n = { zh = "n", en = "n" }
*/
SELECT count(*) AS n FROM range(100000000000) a
"#;

const BIG: &str = r#"/*
title = "大结果"
title_en = "Large result"
public = true
[params.rows]
type = "integer"
zh = "行数"
en = "Rows"
default = 100
min = 1
max = 10000000
[columns]
n = { zh = "序号", en = "Number" }
label = { zh = "标签", en = "Label" }
amount = { zh = "金额", en = "Amount", unit = "元" }
*/
SELECT i AS n, '嘎查村-' || (i % 1000) AS label, i * 1.5 AS amount FROM range($rows) t(i)
"#;

/// Values that are markup, to be shown as text.
const MARKUP: &str = r#"/*
title = "标记"
title_en = "Markup"
public = true
[columns]
s = { zh = "文本", en = "Text" }
n = { zh = "数", en = "Number" }
*/
SELECT '<script>alert(1)</script>' AS s, 1 AS n
UNION ALL SELECT 'Tom & "Jerry" <b>', NULL
ORDER BY n NULLS LAST
"#;

fn json(url: &str) -> serde_json::Value {
    let r = get(url);
    assert_eq!(r.status(), 200, "{url}");
    r.json().unwrap()
}

#[test]
fn every_format_carries_the_same_values_as_sql() {
    let db = sample_db();
    let want: Vec<(i64, i64)> = {
        let conn = jingzhun::store::open_ro(&db.path).unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT t.zone_id, count(*) FROM household h JOIN village v USING (village_code) JOIN township t USING (township_code)
                 WHERE h.identified_year <= 2016 AND (h.exit_year IS NULL OR h.exit_year > 2016) GROUP BY 1 ORDER BY 1",
            )
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(|r| r.unwrap()).collect()
    };
    let dir = queries_dir(&[("by_zone", BY_ZONE), ("markup", MARKUP)]);
    let app = spawn_app_with(&db.path, &["--queries", dir.path().to_str().unwrap()]);

    // JSON: labels, units, rows, counts, timing.
    let j = json(&app.url("/q/by_zone.json?year=2016"));
    assert_eq!(j["columns"][2]["zh"], "贫困户数");
    assert_eq!(j["columns"][2]["unit"], "户");
    assert_eq!(j["columns"][3]["unit"], "%");
    assert_eq!(j["row_count"], 4);
    assert_eq!(j["truncated"], false);
    assert!(j["elapsed_ms"].as_f64().unwrap() >= 0.0);
    assert_eq!(j["params"]["year"], 2016);
    let got: Vec<(i64, i64)> = j["rows"].as_array().unwrap().iter().map(|r| (r[0].as_i64().unwrap(), r[2].as_i64().unwrap())).collect();
    assert_eq!(got, want);
    // A bound parameter filters.
    let one = json(&app.url("/q/by_zone.json?year=2016&zone=2"));
    assert_eq!(one["row_count"], 1);
    assert_eq!(one["rows"][0][2].as_i64().unwrap(), want[1].1);

    // CSV: BOM, Chinese header with units, same numbers; ?bom=0 drops the BOM.
    let r = get(&app.url("/q/by_zone.csv?year=2016"));
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let cd = r.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(cd.starts_with("attachment;") && cd.contains("filename*=UTF-8''"), "{cd}");
    assert!(cd.contains("%E6%88%98%E5%8C%BA%E6%88%B7%E6%95%B0_2016.csv"), "{cd}");
    let r_len = r.headers().get("content-length").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let body = r.bytes().unwrap();
    assert!(body.starts_with(b"\xEF\xBB\xBF"));
    let mut rd = csv::Reader::from_reader(&body[3..]);
    assert_eq!(rd.headers().unwrap().get(2), Some("贫困户数（户）"));
    let csv_rows: Vec<(i64, i64)> = rd.records().map(|r| {
        let r = r.unwrap();
        (r[0].parse().unwrap(), r[2].parse().unwrap())
    }).collect();
    assert_eq!(csv_rows, want);
    // A download that fits in one chunk goes with its length.
    assert_eq!(r_len, body.len().to_string());
    let plain = get(&app.url("/q/by_zone.csv?year=2016&bom=0")).bytes().unwrap();
    assert!(!plain.starts_with(b"\xEF\xBB\xBF"));

    // XLSX: numbers are numbers, header in Chinese.
    let r = get(&app.url("/q/by_zone.xlsx?year=2016"));
    assert_eq!(r.status(), 200);
    let mut book = Xlsx::new(Cursor::new(r.bytes().unwrap().to_vec())).unwrap();
    let sheet = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&sheet).unwrap();
    assert_eq!(range.get((0, 2)), Some(&Data::String("贫困户数（户）".into())));
    for (i, (zone, n)) in want.iter().enumerate() {
        assert_eq!(range.get((i + 1, 0)), Some(&Data::Float(*zone as f64)));
        assert_eq!(range.get((i + 1, 2)), Some(&Data::Float(*n as f64)));
    }

    // Parquet: read back with DuckDB.
    let r = get(&app.url("/q/by_zone.parquet?year=2016"));
    assert_eq!(r.status(), 200);
    let pq = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(pq.path(), r.bytes().unwrap()).unwrap();
    let mem = duckdb::Connection::open_in_memory().unwrap();
    let mut stmt = mem.prepare("SELECT zone_id::BIGINT, households::BIGINT FROM read_parquet(?) ORDER BY 1").unwrap();
    let pq_rows: Vec<(i64, i64)> =
        stmt.query_map([pq.path().to_str().unwrap()], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(|r| r.unwrap()).collect();
    assert_eq!(pq_rows, want);

    // The HTML page: form pre-filled, table, SQL, download links.
    let html = get(&app.url("/q/by_zone?year=2016&zone=2")).text().unwrap();
    assert!(html.contains("<input name=\"year\" type=\"number\" value=\"2016\""), "year field");
    assert!(html.contains("<option value=\"2\" selected>第二战区</option>"), "zone select");
    assert!(html.contains(&format!("<td>{}</td>", want[1].1)));
    assert!(html.contains("/q/by_zone.xlsx?year=2016&amp;zone=2"));
    assert!(html.contains("$zone IS NULL"), "the SQL is shown");
    // The form lists parameters in the order the query file declares them.
    assert!(html.find("name=\"year\"").unwrap() < html.find("name=\"zone\"").unwrap());

    // Values that are markup are shown as text, cell by cell; NULL is an
    // empty cell. JSON carries them as they are.
    let html = get(&app.url("/q/markup")).text().unwrap();
    assert!(!html.contains("<script>alert") && !html.contains("<b>"), "{html}");
    assert!(html.contains("<tr><td>&lt;script&gt;alert(1)&lt;&#x2f;script&gt;</td><td>1</td></tr>"), "{html}");
    assert!(html.contains("<tr><td>Tom &amp; &quot;Jerry&quot; &lt;b&gt;</td><td></td></tr>"), "{html}");
    let j = json(&app.url("/q/markup.json"));
    assert_eq!(j["rows"], serde_json::json!([["<script>alert(1)</script>", 1], ["Tom & \"Jerry\" <b>", null]]));
    assert_eq!(j["query"], "markup");
    assert_eq!(j["title_en"], "Markup");
    assert_eq!(j["row_count"], 2);
}

#[test]
fn bad_parameters_answer_400_naming_them_and_change_nothing() {
    let db = sample_db();
    let before = fingerprint(&db.path);
    let dir = queries_dir(&[("by_zone", BY_ZONE)]);
    {
        let app = spawn_app_with(&db.path, &["--queries", dir.path().to_str().unwrap()]);
        for (qs, wanted) in [
            ("year=abc", "parameter year: found &quot;abc&quot;, expected a year from 2014 to 2020"),
            ("year=2030", "parameter year: found &quot;2030&quot;, expected a year from 2014 to 2020"),
            ("yaer=2016", "parameter yaer: is unknown, expected one of year, zone"),
            ("zone=1%3B%20DROP%20TABLE%20household", "parameter zone: found &quot;1; DROP TABLE household&quot;"),
            ("year=2016&year=2017", "parameter year: is given more than once"),
        ] {
            for ext in ["", ".csv"] {
                let r = get(&app.url(&format!("/q/by_zone{ext}?{qs}")));
                assert_eq!(r.status(), 400, "{ext}?{qs}");
                let body = r.text().unwrap();
                assert!(body.contains(wanted), "{ext}?{qs}: {body}");
            }
            // JSON clients get the same messages as JSON.
            let r = get(&app.url(&format!("/q/by_zone.json?{qs}")));
            assert_eq!(r.status(), 400, ".json?{qs}");
            assert_eq!(r.headers()["content-type"], "application/json");
            let body: serde_json::Value = r.json().unwrap();
            let plain = wanted.replace("&quot;", "\"");
            assert!(
                body["problems"].as_array().unwrap().iter().any(|p| p.as_str().unwrap().contains(&plain)),
                ".json?{qs}: {body}"
            );
        }
        assert_eq!(get(&app.url("/q/no_such_query.json")).status(), 404);
        assert_eq!(get(&app.url("/q/by_zone.pdf")).status(), 404);
    }
    assert_eq!(fingerprint(&db.path), before);
}

#[test]
fn row_cap_time_limit_and_etags() {
    let db = sample_db();
    let dir = queries_dir(&[("slow", SLOW)]);
    // The start-up check plans every query without running it, so the
    // slow one does not delay start-up.
    let app = spawn_app_with(
        &db.path,
        &["--queries", dir.path().to_str().unwrap(), "--query-timeout-ms", "300", "--row-cap", "3"],
    );
    // Row cap: pages and JSON show three rows and say so.
    let j = json(&app.url("/q/incidence_by_year.json"));
    assert_eq!(j["row_count"], 3);
    assert_eq!(j["truncated"], true);
    // Downloads have them all.
    let csv = get(&app.url("/q/incidence_by_year.csv")).text().unwrap();
    assert_eq!(csv.lines().count(), 1 + 35);

    // Time limit: 503 with Retry-After and a clear message.
    let started = std::time::Instant::now();
    let r = get(&app.url("/q/slow.json"));
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    assert!(r.text().unwrap().contains("查询超时"));
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    // The server still answers.
    assert_eq!(get(&app.url("/healthz")).status(), 200);

    // ETag and If-None-Match; the second identical request is served from
    // the cache with the same body.
    let client = reqwest::blocking::Client::new();
    let r = client.get(app.url("/q/income_by_year.json")).send().unwrap();
    assert_eq!(r.headers()["x-cache"], "miss");
    let first_tag = r.headers()["etag"].clone();
    let first_body = r.text().unwrap();
    let r2 = client.get(app.url("/q/income_by_year.json")).send().unwrap();
    assert_eq!(r2.headers()["x-cache"], "hit");
    assert_eq!(r2.headers()["etag"], first_tag);
    assert_eq!(r2.text().unwrap(), first_body);
    let r = client.get(app.url("/q/income_by_year.json")).send().unwrap();
    let tag = r.headers()["etag"].to_str().unwrap().to_string();
    let again = client.get(app.url("/q/income_by_year.json")).header("If-None-Match", &tag).send().unwrap();
    assert_eq!(again.status(), 304);
    let other = client.get(app.url("/q/income_by_year.csv")).header("If-None-Match", &tag).send().unwrap();
    assert_eq!(other.status(), 200, "another format has another tag");
}

#[test]
fn an_import_changes_the_data_version_and_the_numbers() {
    let db = sample_db();
    let (tag, before) = {
        let app = spawn_app(&db.path);
        let r = get(&app.url("/q/headline.json"));
        let tag = r.headers()["etag"].to_str().unwrap().to_string();
        (tag, r.json::<serde_json::Value>().unwrap()["rows"][0][0].as_i64().unwrap())
    };
    // Add one household with the command line, then serve again.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(common::sample_dir().join("household.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let first = lines.next().unwrap();
    let code = first.split(',').next().unwrap();
    let new_row = first.replacen(code, "1505269990990001", 1);
    std::fs::write(dir.path().join("household.csv"), format!("{header}\n{new_row}\n")).unwrap();
    let (code, _, err) = run_cli(&["import", "--db", db.path.to_str().unwrap(), dir.path().join("household.csv").to_str().unwrap()], None);
    assert_eq!(code, 0, "{err}");
    let app = spawn_app(&db.path);
    let client = reqwest::blocking::Client::new();
    let r = client.get(app.url("/q/headline.json")).header("If-None-Match", &tag).send().unwrap();
    assert_eq!(r.status(), 200, "the old ETag no longer matches");
    assert_eq!(r.json::<serde_json::Value>().unwrap()["rows"][0][0].as_i64().unwrap(), before + 1);
}

#[test]
fn check_and_query_commands() {
    let db = sample_db();
    let path = db.path.to_str().unwrap();
    let (code, _, err) = run_cli(&["check", "--db", path], None);
    assert_eq!(code, 0, "{err}");
    let broken = queries_dir(&[
        ("broken_sql", "/*\ntitle = \"a\"\ntitle_en = \"b\"\n*/\nSELECT no_such_column FROM household"),
        ("unlabelled", "/*\ntitle = \"a\"\ntitle_en = \"b\"\n*/\nSELECT 1 AS x"),
    ]);
    let (code, _, err) = run_cli(&["check", "--queries", broken.path().to_str().unwrap()], None);
    assert_eq!(code, 2);
    assert!(err.contains("queries/broken_sql.sql: the SQL does not prepare"), "{err}");
    assert!(err.contains("queries/unlabelled.sql: column x has no label"), "{err}");
    let malformed = queries_dir(&[("bad_meta", "/*\ntitle = \"a\"\ntitle_en =\n*/\nSELECT 1")]);
    let (code, _, err) = run_cli(&["check", "--queries", malformed.path().to_str().unwrap()], None);
    assert_eq!(code, 2);
    assert!(err.contains("queries/bad_meta.sql:3:"), "{err}");

    let dir = queries_dir(&[("by_zone", BY_ZONE)]);
    let qd = dir.path().to_str().unwrap();
    let (code, out, err) = run_cli(&["query", "by_zone", "--db", path, "--queries", qd, "-p", "year=2016", "-p", "zone=3", "--format", "csv"], None);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[1].starts_with("3,第三战区,"), "{out}");
    let (code, _, err) = run_cli(&["query", "by_zone", "--db", path, "--queries", qd, "-p", "year=1999"], None);
    assert_eq!(code, 2);
    assert!(err.contains("parameter year: found \"1999\", expected a year from 2014 to 2020"), "{err}");
    let out_dir = tempfile::tempdir().unwrap();
    let xlsx = out_dir.path().join("a.xlsx");
    let (code, _, err) = run_cli(&["query", "headline", "--db", path, "--format", "xlsx", "-o", xlsx.to_str().unwrap()], None);
    assert_eq!(code, 0, "{err}");
    let mut book: Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let sheet = book.sheet_names()[0].clone();
    let conn = jingzhun::store::open_ro(&db.path).unwrap();
    assert_eq!(
        book.worksheet_range(&sheet).unwrap().get((1, 0)),
        Some(&Data::Float(scalar_i64(&conn, "SELECT count(*) FROM household") as f64))
    );
    let pq = out_dir.path().join("a.parquet");
    let (code, _, err) = run_cli(&["query", "incidence_by_year", "--db", path, "--format", "parquet", "-o", pq.to_str().unwrap()], None);
    assert_eq!(code, 0, "{err}");
    let mem = duckdb::Connection::open_in_memory().unwrap();
    let n: i64 = mem.query_row("SELECT count(*) FROM read_parquet(?)", [pq.to_str().unwrap()], |r| r.get(0)).unwrap();
    assert_eq!(n, 35);
}

#[test]
fn large_exports_stream_with_flat_memory() {
    let db = sample_db();
    let dir = queries_dir(&[("big", BIG)]);
    let app = spawn_app_with(&db.path, &["--queries", dir.path().to_str().unwrap()]);
    // Measured from a server at rest: after its warm-up.
    app.wait_ready();
    assert_eq!(get(&app.url("/q/big.json?rows=10")).status(), 200);
    app.reset_peak_memory();
    let (_, rss_before) = app.memory();
    // Three million rows, about 90 MB of CSV, read as it arrives.
    let mut r = get(&app.url("/q/big.csv?rows=3000000"));
    assert_eq!(r.status(), 200);
    // Streamed as DuckDB yields rows: no length known in advance.
    assert!(r.headers().get("content-length").is_none());
    assert_eq!(r.headers()["transfer-encoding"], "chunked");
    let mut lines = 0u64;
    let mut bytes = 0u64;
    let mut buf = vec![0u8; 1 << 16];
    let mut last = 0u8;
    loop {
        let n = std::io::Read::read(&mut r, &mut buf).unwrap();
        if n == 0 {
            break;
        }
        bytes += n as u64;
        lines += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
        last = buf[n - 1];
    }
    assert_eq!(last, b'\n');
    assert_eq!(lines, 3_000_001, "header and every row");
    assert!(bytes > 60_000_000, "{bytes} bytes");
    let (peak, _) = app.memory();
    let growth = peak.saturating_sub(rss_before);
    // Streaming keeps the growth near 15 MB; a materialised result of these
    // three million rows alone would take over 100 MB.
    assert!(growth < 48 << 20, "the server grew by {} MB for a {} MB export", growth >> 20, bytes >> 20);
}

#[test]
fn stalled_downloads_are_bounded_and_pages_keep_answering() {
    use std::io::Write;
    let db = sample_db();
    let dir = queries_dir(&[("big", BIG)]);
    let app = spawn_app_with(&db.path, &["--queries", dir.path().to_str().unwrap()]);
    // Two clients ask for large downloads and never read them.
    let mut stalled = Vec::new();
    for _ in 0..2 {
        let mut s = std::net::TcpStream::connect(&app.addr).unwrap();
        write!(s, "GET /q/big.csv?rows=5000000 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        stalled.push(s);
    }
    std::thread::sleep(std::time::Duration::from_millis(1500));
    // A third download is turned away at once with Retry-After …
    let r = get(&app.url("/q/big.csv?rows=10"));
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    // … and pages still find a free connection.
    let started = std::time::Instant::now();
    assert_eq!(get(&app.url("/q/big.json?rows=5")).status(), 200);
    assert_eq!(get(&app.url("/")).status(), 200);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    drop(stalled);
}
