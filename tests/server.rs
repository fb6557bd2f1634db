//! The real server, started on port 0 against a temporary database,
//! answers over HTTP: the overview page carries SVG charts whose numbers are
//! the ones SQL computes.

mod common;

use common::{sample_db, scalar_f64, scalar_i64, spawn_app};
use jingzhun::charts::Unit;

fn get(url: &str) -> reqwest::blocking::Response {
    reqwest::blocking::get(url).unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

fn thousands(n: i64) -> String {
    jingzhun::charts::thousands(n)
}

#[test]
fn overview_page_shows_charts_whose_numbers_match_sql() {
    let db = sample_db();
    let (households, people, exited, inc_2014, income_2014, income_2020) = {
        let conn = jingzhun::store::open_ro(&db.path).unwrap();
        (
            scalar_i64(&conn, "SELECT count(*) FROM household"),
            scalar_i64(&conn, "SELECT sum(size) FROM household"),
            scalar_i64(&conn, "SELECT count(*) FROM household WHERE exit_kind = '脱贫'"),
            scalar_f64(
                &conn,
                "SELECT 100.0 * (SELECT count(*) FROM member m JOIN household h USING (household_code)
                   WHERE h.identified_year <= 2014 AND (h.exit_year IS NULL OR h.exit_year > 2014)
                     AND (m.removed_year IS NULL OR m.removed_year > 2014))
                 / (SELECT sum(rural_population) FROM village_year WHERE year = 2014)",
            ),
            scalar_f64(&conn, "SELECT round(sum(wage_income + operating_income + property_income + transfer_income - operating_cost)::DOUBLE / sum(persons)) FROM income_year WHERE year = 2014"),
            scalar_f64(&conn, "SELECT round(sum(wage_income + operating_income + property_income + transfer_income - operating_cost)::DOUBLE / sum(persons)) FROM income_year WHERE year = 2020"),
        )
    };
    let app = spawn_app(&db.path);

    let resp = get(&app.url("/"));
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/html; charset=utf-8");
    let html = resp.text().unwrap();
    assert!(html.contains("<html lang=\"zh-CN\">"));
    assert!(html.contains("贫困发生率"), "Chinese labels are served as UTF-8");
    let fmt = |v: f64, u: Unit| jingzhun::charts::format_number(v, u);
    // Headline tiles.
    assert!(html.contains(&format!("<div class=\"value\">{}</div>", thousands(households))), "households tile");
    assert!(html.contains(&format!("<div class=\"value\">{}</div>", fmt(people as f64, Unit::Count))), "people tile");
    assert!(html.contains(&format!("<div class=\"value\">{}</div>", thousands(exited))), "exited tile");
    // Inline SVG charts, each with its title and summary in <desc>.
    assert!(html.matches("<svg").count() >= 4, "the overview's charts");
    assert!(html.contains("<title>贫困发生率：全旗与各战区</title>"), "chart title");
    // The summary sentences carry the same numbers as SQL.
    let start = fmt(inc_2014, Unit::Percent);
    assert!(html.contains(&format!("全旗由2014年的{start}降至2020年的0%")), "incidence summary {start}");
    assert!(
        html.contains(&format!("由2014年的{}升至2020年的{}", fmt(income_2014, Unit::Yuan), fmt(income_2020, Unit::Yuan))),
        "income summary"
    );
    // Every war zone is a series in the chart's legend.
    for zone in ["第一战区", "第二战区", "第三战区", "第四战区"] {
        assert!(html.matches(zone).count() >= 2, "{zone} in legend and table");
    }

    // The view is drawn once per data version: the next request gets the
    // same page, and a browser holding the ETag gets 304.
    let again = get(&app.url("/"));
    let tag = again.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(again.text().unwrap(), html);
    let revalidated = reqwest::blocking::Client::new().get(app.url("/")).header("If-None-Match", &tag).send().unwrap();
    assert_eq!(revalidated.status(), 304);

    let health = get(&app.url("/healthz"));
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().unwrap(), "ok\n");

    let missing = get(&app.url("/no/such/page"));
    assert_eq!(missing.status(), 404);
}

#[test]
fn sql_command_reads_and_never_writes() {
    let db = sample_db();
    let path = db.path.to_str().unwrap();
    let (code, out, err) = common::run_cli(&["sql", "--db", path, "--format", "csv", "SELECT count(*) AS n FROM household"], None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "n\n8638\n");
    let (code, out, _) = common::run_cli(&["sql", "--db", path, "--format", "json", "SELECT name FROM war_zone ORDER BY zone_id LIMIT 1"], None);
    assert_eq!(code, 0);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&out).unwrap(), serde_json::json!([{"name": "第一战区"}]));
    let (code, out, _) = common::run_cli(&["sql", "--db", path, "SELECT name FROM township WHERE township_code = '150526100'"], None);
    assert_eq!(code, 0);
    assert!(out.contains("鲁北镇") && out.contains("(1 rows)"), "{out}");
    let (code, _, err) = common::run_cli(&["sql", "--db", path, "DELETE FROM household"], None);
    assert_ne!(code, 0);
    assert!(err.to_lowercase().contains("read-only") || err.to_lowercase().contains("read only"), "{err}");
    let conn = jingzhun::store::open_ro(&db.path).unwrap();
    assert_eq!(scalar_i64(&conn, "SELECT count(*) FROM household"), 8_638);
}

#[test]
fn serve_without_a_database_builds_the_default_from_sample_data() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(common::sample_dir(), dir.path().join("sample-data")).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_jingzhun"))
        .args(["serve", "--bind", "127.0.0.1:0", "--workers", "1"])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
    let addr = line.trim().strip_prefix("Jingzhun listening on ").unwrap().to_string();
    let status = get(&format!("{addr}healthz")).status();
    let html = get(&addr).text().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, 200);
    assert!(html.contains(&format!("<div class=\"value\">{}</div>", thousands(8_638))));
    assert!(dir.path().join("jingzhun.duckdb").exists());
    assert!(!dir.path().join("jingzhun.duckdb.building").exists());
}
