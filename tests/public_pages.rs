//! Public summary pages (`/public`, `/public/<page>`): open without
//! signing in, in Chinese and English; no name, household code or ID-card
//! number in any public response; small counts suppressed; shared-cacheable
//! with an ETag that answers 304; a public page that names a query not
//! marked public stops the server at start.

mod common;

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use common::{sample_db, spawn_app, spawn_app_with, TempDb};

fn get(url: &str) -> reqwest::blocking::Response {
    reqwest::blocking::get(url).unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

/// Every `href="…"` in a page, unescaped.
fn hrefs(markup: &str) -> Vec<String> {
    markup
        .split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|h| h.replace("&amp;", "&").replace("&#x2f;", "/"))
        .collect()
}

fn strings(db: &TempDb, sql: &str) -> Vec<String> {
    let conn = jingzhun::store::open_ro(&db.path).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0)).unwrap().map(Result::unwrap).collect()
}

/// Personal data in the sample: household heads' and members' names (2
/// characters or more), household and member codes, ID-card numbers.
fn personal_data(db: &TempDb) -> HashSet<String> {
    let mut out = HashSet::new();
    for sql in [
        "SELECT DISTINCT head_name FROM household WHERE length(head_name) >= 2",
        "SELECT DISTINCT name FROM member WHERE length(name) >= 2",
        "SELECT DISTINCT household_code FROM household",
        "SELECT DISTINCT member_code FROM member",
        "SELECT DISTINCT id_number FROM member WHERE id_number IS NOT NULL",
    ] {
        let found = strings(db, sql);
        assert!(!found.is_empty(), "{sql} found nothing");
        out.extend(found);
    }
    out
}

/// The first needle found in `text`, if any: every substring of a needle's
/// length (in characters) is looked up in the set.
fn find_any<'a>(text: &'a str, needles: &HashSet<String>, lengths: &[usize]) -> Option<&'a str> {
    let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
    for i in 0..bounds.len() {
        for &n in lengths {
            if i + n < bounds.len() {
                let s = &text[bounds[i]..bounds[i + n]];
                if needles.contains(s) {
                    return Some(s);
                }
            }
        }
    }
    None
}

fn dashboards_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("dashboards")
}

/// A dashboards folder: the real dashboards plus `extra` files.
fn dashboards_with(extra: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(dashboards_dir()).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    for (name, text) in extra {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

#[test]
fn public_pages_answer_in_both_languages_without_personal_data() {
    let db = sample_db();
    // DuckDB locks the file for the server: SQL runs before it starts.
    let needles = personal_data(&db);
    let mut lengths: Vec<usize> = needles.iter().map(|s| s.chars().count()).collect::<HashSet<_>>().into_iter().collect();
    lengths.sort();
    // Place and enterprise names are public, and some contain a person's
    // name (格日朝鲁苏木 holds 朝鲁): they are blanked before the scan.
    let mut place_names: Vec<String> = Vec::new();
    for sql in ["SELECT name FROM war_zone", "SELECT name FROM township", "SELECT name FROM village", "SELECT name FROM industry_entity"] {
        place_names.extend(strings(&db, sql));
    }
    place_names.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
    let app = spawn_app(&db.path);

    let mut scanned: Vec<(String, String)> = Vec::new();
    let mut downloads: Vec<String> = Vec::new();
    // Anonymous: no cookie, no sign-in.
    for page in ["/public", "/public/incidence"] {
        for (lang, url, expect) in [("zh", page.to_string(), "贫困发生率"), ("en", format!("{page}?lang=en"), "Poverty incidence")] {
            let r = get(&app.url(&url));
            assert_eq!(r.status(), 200, "{url}");
            let html = r.text().unwrap();
            assert!(html.contains(expect), "{url} ({lang}) lacks {expect}");
            assert!(html.contains("<svg"), "{url} draws charts");
            assert!(html.contains("<table"), "{url} shows tables");
            for h in hrefs(&html) {
                if h.starts_with("/public/") && (h.contains(".csv") || h.contains(".svg")) {
                    downloads.push(h);
                }
            }
            scanned.push((url, html));
        }
    }
    // The remembered language: a cookie, as on dashboards.
    let en = reqwest::blocking::Client::new().get(app.url("/public")).header("Cookie", "lang=en").send().unwrap().text().unwrap();
    assert!(en.contains("How the banner left poverty behind"), "the lang cookie switches to English");
    // The header links the public pages for anonymous visitors.
    let home = get(&app.url("/")).text().unwrap();
    assert!(hrefs(&home).iter().any(|h| h == "/public"), "the header links /public");

    downloads.sort();
    downloads.dedup();
    assert!(downloads.len() >= 2 * 8 * 2, "every panel's CSV and SVG in both languages: {downloads:?}");
    for d in &downloads {
        let r = get(&app.url(d));
        assert_eq!(r.status(), 200, "{d}");
        scanned.push((d.clone(), r.text().unwrap()));
    }
    // Every public query, with its defaults.
    let catalog = jingzhun::catalog::Catalog::load(None).unwrap();
    let public: Vec<&str> = catalog.queries.values().filter(|q| q.meta.public).map(|q| q.name.as_str()).collect();
    assert!(public.len() > 10, "{public:?}");
    for name in &public {
        for ext in ["json", "csv"] {
            let url = format!("/q/{name}.{ext}");
            let r = get(&app.url(&url));
            assert_eq!(r.status(), 200, "{url}");
            scanned.push((url, r.text().unwrap()));
        }
    }
    for (url, body) in &scanned {
        let mut body = body.clone();
        for n in &place_names {
            if body.contains(n.as_str()) {
                body = body.replace(n.as_str(), "□");
            }
        }
        let body = &body;
        if let Some(found) = find_any(body, &needles, &lengths) {
            let at = body.find(found).unwrap();
            let from = body[..at].char_indices().rev().nth(40).map(|(i, _)| i).unwrap_or(0);
            panic!("{url} contains personal data {found:?}: …{}…", &body[from..(at + found.len() + 40).min(body.len())].chars().collect::<String>());
        }
    }
    // The scan itself finds what it looks for.
    let one = needles.iter().next().unwrap();
    assert!(find_any(&format!("abc {one} def"), &needles, &lengths).is_some());
}

#[test]
fn public_pages_are_cacheable_with_an_etag() {
    let db = sample_db();
    let app = spawn_app(&db.path);
    let client = reqwest::blocking::Client::new();
    for url in ["/public", "/public?lang=en", "/public/incidence", "/public/summary/exits.csv"] {
        let r = client.get(app.url(url)).send().unwrap();
        assert_eq!(r.status(), 200, "{url}");
        assert_eq!(r.headers()["cache-control"], "public, max-age=300", "{url}");
        let tag = r.headers()["etag"].to_str().unwrap().to_string();
        assert!(tag.starts_with('"') && tag.ends_with('"'), "{url}: {tag}");
        let again = client.get(app.url(url)).header("If-None-Match", &tag).send().unwrap();
        assert_eq!(again.status(), 304, "{url}");
        assert_eq!(again.headers()["etag"].to_str().unwrap(), tag);
        assert_eq!(again.headers()["cache-control"], "public, max-age=300");
        let stale = client.get(app.url(url)).header("If-None-Match", "\"other\"").send().unwrap();
        assert_eq!(stale.status(), 200, "{url}");
    }
    // Pages come from the response cache the second time.
    let hit = client.get(app.url("/public/incidence")).send().unwrap();
    assert_eq!(hit.headers()["x-cache"], "hit");
    assert_eq!(hit.headers()["cache-control"], "public, max-age=300");
    // The languages have different tags.
    let zh = client.get(app.url("/public")).send().unwrap().headers()["etag"].clone();
    let en = client.get(app.url("/public?lang=en")).send().unwrap().headers()["etag"].clone();
    assert_ne!(zh, en);
    // Filters do not exist on public pages.
    assert_eq!(client.get(app.url("/public?zone=1")).send().unwrap().status(), 400);
    assert_eq!(client.get(app.url("/public/nope")).send().unwrap().status(), 404);
}

/// A village-level public page (a test-only dashboard; the product keeps
/// public pages at banner and war-zone level), where small counts occur.
const VILLAGES: &str = r#"
title = "各嘎查村贫困户"
title_en = "Poor households by village"
public = true

[[panels]]
id = "villages"
title = "各嘎查村贫困户数"
title_en = "Poor households by village"
query = "villages_by_incidence"
kind = "h_bar"
params = { year = 2019, top = 500 }
x = "village"
y = ["poor_households"]
table = ["village_code", "village", "poor_households", "poor_population", "rural_population", "incidence"]
"#;

#[test]
fn small_counts_are_suppressed_on_public_pages() {
    let db = sample_db();
    // The exact values, with the query the page runs, before the server holds the file.
    let rows: Vec<(String, i64)> = {
        let conn = jingzhun::store::open_ro(&db.path).unwrap();
        let catalog = jingzhun::catalog::Catalog::load(None).unwrap();
        let q = catalog.get("villages_by_incidence").unwrap();
        let args = [("year".to_string(), "2019".to_string()), ("top".to_string(), "500".to_string())];
        let bound = jingzhun::catalog::params::read_all(&q.meta.params, &args, &[]).unwrap();
        let rs = jingzhun::catalog::run_query(&conn, q, &bound, None).unwrap().rs;
        let (v, h) = (rs.col("village_code").unwrap(), rs.col("poor_households").unwrap());
        rs.rows.iter().map(|r| (r[v].text(), r[h].as_f64().unwrap_or(0.0) as i64)).collect()
    };
    let small: Vec<&(String, i64)> = rows.iter().filter(|(_, n)| (1..5).contains(n)).collect();
    assert!(!small.is_empty(), "the sample has villages with fewer than 5 poor households in 2019: {rows:?}");
    let dir = dashboards_with(&[("public_villages.toml", VILLAGES)]);
    let app = spawn_app_with(&db.path, &["--dashboards", dir.path().to_str().unwrap()]);

    let html = get(&app.url("/public/villages")).text().unwrap();
    let csv = get(&app.url("/public/villages/villages.csv")).text().unwrap();
    let svg = get(&app.url("/public/villages/villages.svg")).text().unwrap();
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    for (code, n) in &small {
        // CSV: village code first, then the name, then the counts: all "<5".
        let line = lines.iter().find(|l| l.starts_with(&format!("{code},"))).unwrap_or_else(|| panic!("village {code} missing from {csv}"));
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells[2], "<5", "poor households of {code} ({n}): {line}");
        assert_eq!(cells[3], "<5", "poor people of {code}: {line}");
        assert_eq!(cells[5], "<5", "incidence of {code}, which gives the people back: {line}");
        // The page's table says "<5" in the village's row.
        let row_at = html.find(&format!("<td class=\"text\">{code}</td>")).unwrap_or_else(|| panic!("row {code} in the table"));
        let row = &html[row_at..row_at + html[row_at..].find("</tr>").unwrap()];
        assert!(row.contains("&lt;5"), "{row}");
    }
    // Suppressed values are not drawn: one bar (with its hover title
    // "village: n") for each village shown, none for the suppressed.
    // (Villages of one name share a bar: count names.)
    let shown: HashSet<&str> = lines.iter().skip(1).filter(|l| l.split(',').nth(2) != Some("<5")).map(|l| l.split(',').nth(1).unwrap()).collect();
    let rows_hidden = lines.iter().skip(1).filter(|l| l.split(',').nth(2) == Some("<5")).count();
    assert!(rows_hidden >= small.len());
    let rows_shown = shown.len();
    let marks = svg.split("<title>").skip(1).filter_map(|t| t.split("</title>").next()).filter(|t| t.contains(": ")).count();
    assert_eq!(marks, rows_shown, "{svg}");
    // Other counts are shown as they are (zero describes nobody).
    let (code, n) = rows.iter().filter(|(_, n)| *n >= 5 || *n == 0).max_by_key(|(_, n)| *n).expect("a village not suppressed");
    let line = lines.iter().find(|l| l.starts_with(&format!("{code},"))).unwrap();
    assert_eq!(line.split(',').nth(2).unwrap(), n.to_string(), "{line}");
}

#[test]
fn a_public_page_with_a_query_that_is_not_public_stops_the_server() {
    let db = sample_db();
    let broken = r#"
title = "坏"
title_en = "Broken"
public = true

[[panels]]
id = "open"
title = "未消除预警户"
title_en = "Open warnings"
query = "risk_open_households"
kind = "tiles"
tiles = [{ column = "event_code" }]
"#;
    let dir = dashboards_with(&[("public_broken.toml", broken)]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_jingzhun"))
        .args(["serve", "--db"])
        .arg(&db.path)
        .args(["--bind", "127.0.0.1:0", "--workers", "1", "--dashboards"])
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server started with a public page naming a query that is not public");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(!status.success());
    assert!(err.contains("public_broken.toml") && err.contains("risk_open_households is not public"), "{err}");
}
