//! The dashboard engine over HTTP, with its own small queries and
//! dashboards (tests/data/engine) so these tests depend on the engine, not
//! on the product's dashboards: filters change the numbers exactly as SQL
//! says, drill-down links lead to pages that answer, `?lang=en` switches
//! every label, a broken dashboard is refused by name, and every panel has
//! its downloads.

mod common;

use std::path::PathBuf;

use common::{run_cli, sample_db, spawn_app_with, TempDb, TestApp};

fn engine_dir(sub: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/engine").join(sub)
}

fn app(db: &TempDb) -> TestApp {
    let q = engine_dir("queries");
    let d = engine_dir("dashboards");
    spawn_app_with(&db.path, &["--queries", q.to_str().unwrap(), "--dashboards", d.to_str().unwrap()])
}

fn get(url: &str) -> reqwest::blocking::Response {
    reqwest::blocking::get(url).unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

fn text(url: &str) -> (u16, String) {
    let r = get(url);
    (r.status().as_u16(), r.text().unwrap())
}

/// The SVG of one panel inside a page: from `<figure id="ID"` to its `</svg>`.
fn panel_svg<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html.find(&format!("<figure id=\"{id}\"")).unwrap_or_else(|| panic!("panel {id} missing"));
    let rest = &html[start..];
    let s = rest.find("<svg").expect("svg");
    let e = rest.find("</svg>").expect("end of svg");
    &rest[s..e + 6]
}

/// Every `href="…"` inside a piece of markup, unescaped.
fn hrefs(markup: &str) -> Vec<String> {
    markup
        .split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|h| h.replace("&amp;", "&").replace("&#x2f;", "/"))
        .collect()
}

fn sql_rows(db: &TempDb, sql: &str) -> Vec<(String, i64)> {
    let conn = jingzhun::store::open_ro(&db.path).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))).unwrap().map(Result::unwrap).collect()
}

#[test]
fn filters_change_the_numbers_exactly_as_sql_says() {
    let db = sample_db();
    // DuckDB locks the file for the server: SQL runs before it starts.
    let cases: Vec<(i64, i64, Vec<(String, i64)>)> = [(1, 2014), (2, 2017), (4, 2019)]
        .into_iter()
        .map(|(zone, year)| {
            (zone, year, sql_rows(
            &db,
            &format!(
                "SELECT v.name, count(*) FROM household h JOIN village v USING (village_code) JOIN township t USING (township_code)
                 WHERE t.zone_id = {zone} AND h.identified_year <= {year} AND (h.exit_year IS NULL OR h.exit_year > {year})
                 GROUP BY v.village_code, v.name ORDER BY 2 DESC, v.village_code LIMIT 8"
            ),
        ))
        })
        .collect();
    let app = app(&db);
    for (zone, year, expected) in cases {
        assert!(!expected.is_empty());
        let (status, html) = text(&app.url(&format!("/d/t?zone={zone}&year={year}")));
        assert_eq!(status, 200, "{html}");
        let svg = panel_svg(&html, "villages");
        // Every village drawn carries its exact count in a hover title.
        let titles: Vec<&str> = svg.split("<title>").skip(1).filter_map(|t| t.split("</title>").next()).collect();
        for (village, n) in &expected {
            assert!(
                titles.iter().any(|t| t.contains(village.as_str()) && t.contains(&n.to_string())),
                "zone {zone} year {year}: no hover title with {village} = {n} in {titles:?}"
            );
        }
        // The table behind the chart and the CSV download hold exactly the rows drawn.
        let csv = get(&app.url(&format!("/d/t/villages.csv?zone={zone}&year={year}"))).text().unwrap();
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().skip(1).collect();
        assert_eq!(lines.len(), expected.len(), "{csv}");
        for ((village, n), line) in expected.iter().zip(&lines) {
            assert!(line.contains(village.as_str()) && line.ends_with(&format!(",{n}")), "{line} vs {village} {n}");
        }
    }
    // Unknown and malformed filters are refused by name.
    let (status, body) = text(&app.url("/d/t?zone=9"));
    assert_eq!(status, 400);
    assert!(body.contains("parameter zone"), "{body}");
    let (status, body) = text(&app.url("/d/t?yaer=2016"));
    assert_eq!(status, 400);
    assert!(body.contains("parameter yaer: is unknown"), "{body}");
}

#[test]
fn drill_down_links_lead_to_pages_that_answer() {
    let db = sample_db();
    let app = app(&db);
    let (status, html) = text(&app.url("/d/t?zone=2&year=2015"));
    assert_eq!(status, 200);
    let mut links = Vec::new();
    for id in ["zones", "villages", "by_zone_filter"] {
        let found = hrefs(panel_svg(&html, id));
        assert!(!found.is_empty(), "panel {id} has drill links");
        links.extend(found);
    }
    assert!(links.iter().any(|l| l.starts_with("/zone/")), "{links:?}");
    assert!(links.iter().any(|l| l.starts_with("/village/")), "{links:?}");
    assert!(links.iter().any(|l| l.starts_with("/d/t?") && l.contains("zone=")), "{links:?}");
    for l in &links {
        let (status, body) = text(&app.url(l));
        assert_eq!(status, 200, "{l}: {body}");
    }
    // A village page: breadcrumbs from the banner down to the village.
    let village = links.iter().find(|l| l.starts_with("/village/")).unwrap();
    let (_, page) = text(&app.url(village));
    let from = page.find("class=\"crumbs\"").unwrap();
    let crumbs = page[from..from + page[from..].find("</nav>").unwrap()].replace("&#x2f;", "/");
    assert_eq!(crumbs.matches("<li>").count(), 4, "banner › zone › township › village: {crumbs}");
    assert!(crumbs.contains("href=\"/\""));
    assert!(crumbs.contains("/zone/2"), "{crumbs}");
    // Units that do not exist are 404, not empty pages.
    assert_eq!(get(&app.url("/village/000000000000")).status(), 404);
    assert_eq!(get(&app.url("/zone/99")).status(), 404);
    assert_eq!(get(&app.url("/d/nope")).status(), 404);
    assert_eq!(get(&app.url("/d/t/nope.svg")).status(), 404);
}

#[test]
fn lang_en_switches_every_label_and_is_remembered() {
    let db = sample_db();
    let villages: Vec<String> = sql_rows(&db, "SELECT name, 0::BIGINT FROM village").into_iter().map(|v| v.0).collect();
    let app = app(&db);
    let client = reqwest::blocking::Client::builder().cookie_store(true).build().unwrap();
    let resp = client.get(app.url("/d/t?lang=en")).send().unwrap();
    assert_eq!(resp.status(), 200);
    let html = resp.text().unwrap();
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Test dashboard") && html.contains("Poor households by war zone"));
    // Nothing Chinese is left but the data's own village names and the
    // link back to Chinese.
    let mut rest = html.replace(">中文<", "><");
    for v in &villages {
        rest = rest.replace(v.as_str(), "");
    }
    let cjk: String = rest.chars().filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c)).collect();
    assert!(cjk.is_empty(), "Chinese text left on the English page: {cjk}");
    // The choice is remembered by a cookie.
    let again = client.get(app.url("/d/t")).send().unwrap().text().unwrap();
    assert!(again.contains("<html lang=\"en\">"), "the language choice is remembered");
    let back = client.get(app.url("/d/t?lang=zh")).send().unwrap().text().unwrap();
    assert!(back.contains("<html lang=\"zh-CN\">") && back.contains("测试看板"));
}

#[test]
fn a_broken_dashboard_is_refused_with_its_name() {
    let db = sample_db();
    let q = engine_dir("queries");
    let bad = engine_dir("broken");
    let (code, _, err) = run_cli(
        &["check", "--db", db.path.to_str().unwrap(), "--queries", q.to_str().unwrap(), "--dashboards", bad.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("dashboards/bad.toml: panel 2 (p2): y column no_such_column is not a column of query t_unit"), "{err}");
    assert!(err.contains("dashboards/bad.toml: panel 3 (p3): query no_such_query does not exist"), "{err}");
    // The server refuses to start on it, with the same message.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jingzhun"))
        .args(["serve", "--bind", "127.0.0.1:0", "--db", db.path.to_str().unwrap(), "--queries", q.to_str().unwrap(), "--dashboards", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("dashboards/bad.toml: panel 2 (p2)"), "{err}");
    // The good ones pass the check.
    let good = engine_dir("dashboards");
    let (code, _, err) = run_cli(
        &["check", "--db", db.path.to_str().unwrap(), "--queries", q.to_str().unwrap(), "--dashboards", good.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 0, "{err}");
    // And so do the product's own dashboards and queries.
    let (code, _, err) = run_cli(&["check", "--db", db.path.to_str().unwrap()], None);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn every_panel_downloads_as_svg_csv_and_xlsx_and_pages_revalidate() {
    let db = sample_db();
    let app = app(&db);
    for (path, panel) in [("/d/t", "zones"), ("/d/t", "villages"), ("/d/zone", "trend")] {
        let suffix = if path == "/d/zone" { "?zone=1" } else { "?zone=1&year=2016" };
        let svg = get(&app.url(&format!("{path}/{panel}.svg{suffix}")));
        assert_eq!(svg.status(), 200);
        assert_eq!(svg.headers()["content-type"], "image/svg+xml; charset=utf-8");
        let body = svg.text().unwrap();
        assert!(body.starts_with("<?xml") && body.contains("xmlns=\"http://www.w3.org/2000/svg\""), "{}", &body[..200]);
        let xlsx = get(&app.url(&format!("{path}/{panel}.xlsx{suffix}")));
        assert_eq!(xlsx.status(), 200);
        assert!(xlsx.headers()["content-disposition"].to_str().unwrap().contains(".xlsx"));
        assert_eq!(&xlsx.bytes().unwrap()[..2], b"PK", "an XLSX is a zip");
    }
    // A unit page's panel needs its unit.
    assert_eq!(get(&app.url("/d/zone/trend.svg")).status(), 400);
    // Pages carry an ETag; a browser holding it gets 304.
    let first = get(&app.url("/d/t?zone=1"));
    let tag = first.headers()["etag"].to_str().unwrap().to_string();
    let again = reqwest::blocking::Client::new().get(app.url("/d/t?zone=1")).header("If-None-Match", &tag).send().unwrap();
    assert_eq!(again.status(), 304);
    // The stylesheet is served from the binary.
    let css = get(&app.url("/static/jingzhun.css"));
    assert_eq!(css.status(), 200);
    assert!(css.text().unwrap().contains("@media print"));
}

/// Dark pixels (all channels below 110) in rows `y0..y1` of a PNG.
fn dark_pixels(png: &[u8], y0: u32, y1: u32) -> (u32, u32, usize) {
    let pix = resvg::tiny_skia::Pixmap::decode_png(png).expect("a PNG that decodes");
    let (w, h) = (pix.width(), pix.height());
    let mut dark = 0;
    for y in y0..y1.min(h) {
        for x in 0..w {
            let p = pix.pixel(x, y).unwrap();
            if p.red() < 110 && p.green() < 110 && p.blue() < 110 {
                dark += 1;
            }
        }
    }
    (w, h, dark)
}

fn pdf_info(pdf: &[u8]) -> (usize, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.pdf");
    std::fs::write(&path, pdf).unwrap();
    let info = std::process::Command::new("pdfinfo").arg(&path).output().expect("pdfinfo (poppler-utils) is installed by .ci/run");
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    let pages = info.lines().find_map(|l| l.strip_prefix("Pages:")).map(|n| n.trim().parse().unwrap()).unwrap_or(0);
    let text = std::process::Command::new("pdftotext").arg(&path).arg("-").output().expect("pdftotext");
    (pages, String::from_utf8_lossy(&text.stdout).into_owned())
}

#[test]
fn png_and_pdf_exports_draw_chinese_on_the_server() {
    let db = sample_db();
    let app = app(&db);
    let resp = get(&app.url("/d/t/zones.png?zone=1"));
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/png");
    let png = resp.bytes().unwrap();
    // Twice the half-width chart (480 × 360), plus the title band.
    let (w, h, title_ink) = dark_pixels(&png, 0, 88);
    assert_eq!((w, h), (960, 808));
    assert!(title_ink > 800, "the Chinese title is drawn in the PNG's title band ({title_ink} dark pixels)");

    let resp = get(&app.url("/d/t.pdf?zone=2&year=2017"));
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    let pdf = resp.bytes().unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let (pages, text) = pdf_info(&pdf);
    assert!(pages >= 2, "three panels with their tables take more than one page ({pages})");
    assert!(text.contains("测试看板"), "the title");
    assert!(text.contains("第二战区"), "the filter values under the title");
    assert_eq!(text.matches("数据截至").count(), pages, "the data date on every page");

    // The same from the command line (the server holds the file's lock).
    drop(app);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("v.png");
    let q = engine_dir("queries");
    let d = engine_dir("dashboards");
    let base = ["--db", db.path.to_str().unwrap(), "--queries", q.to_str().unwrap(), "--dashboards", d.to_str().unwrap()];
    let mut args = vec!["render", "t/villages", "--format", "png", "-p", "zone=3", "-o", out.to_str().unwrap()];
    args.extend(base);
    let (code, _, err) = run_cli(&args, None);
    assert_eq!(code, 0, "{err}");
    let (w, _, ink) = dark_pixels(&std::fs::read(&out).unwrap(), 0, 88);
    assert_eq!(w, 960);
    assert!(ink > 500);
    let pdf_out = dir.path().join("v.pdf");
    let mut args = vec!["render", "village", "--format", "pdf", "--lang", "en", "-o", pdf_out.to_str().unwrap()];
    let village: String = jingzhun::store::open_ro(&db.path).unwrap().query_row("SELECT min(village_code) FROM village", [], |r| r.get(0)).unwrap();
    let vp = format!("village={village}");
    args.extend(["-p", vp.as_str()]);
    args.extend(base);
    let (code, _, err) = run_cli(&args, None);
    assert_eq!(code, 0, "{err}");
    let (pages, text) = pdf_info(&std::fs::read(&pdf_out).unwrap());
    assert!(pages >= 1);
    assert!(text.contains("Unit profile") && text.contains("Data as of"), "{text}");
    // A panel asked of a whole-dashboard format is refused with a reason.
    let mut args = vec!["render", "t", "--format", "png", "-o", out.to_str().unwrap()];
    args.extend(base);
    let (code, _, err) = run_cli(&args, None);
    assert_ne!(code, 0);
    assert!(err.contains("name a panel"), "{err}");
}
