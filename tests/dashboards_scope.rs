//! Who sees which dashboard data: anonymous visitors see dashboards built
//! from public queries only; a leader scoped to a war zone gets every
//! non-public query restricted to that zone by the server (not by hidden
//! links), loses panels that cannot be restricted, and gets 403 for any
//! other zone, township or village through any URL or format.

mod common;

use std::path::PathBuf;

use common::{add_user, browser, sample_db, signed_in, spawn_app_with};
use jingzhun::auth::{Role, Scope};

fn engine_dir(sub: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/engine").join(sub)
}

#[test]
fn a_scoped_leader_sees_only_their_zone() {
    let db = sample_db();
    // Everything SQL says is computed before the server holds the file.
    let (zone2_villages, other_villages, village1, village2, zone2_count) = {
        let conn = jingzhun::store::open_ro(&db.path).unwrap();
        let names = |sql: &str| -> Vec<String> {
            let mut st = conn.prepare(sql).unwrap();
            st.query_map([], |r| r.get::<_, String>(0)).unwrap().map(Result::unwrap).collect()
        };
        let by_zone = |z: &str| format!("SELECT DISTINCT v.name FROM village v JOIN township t USING (township_code) JOIN household h USING (village_code) WHERE t.zone_id {z}");
        let zone2 = names(&by_zone("= 2"));
        let other: Vec<String> = names(&by_zone("<> 2")).into_iter().filter(|n| !zone2.contains(n)).collect();
        let code = |z: i32| names(&format!("SELECT min(v.village_code) FROM village v JOIN township t USING (township_code) WHERE t.zone_id = {z}"))[0].clone();
        let count = names("SELECT count(DISTINCT v.village_code)::VARCHAR FROM village v JOIN township t USING (township_code) JOIN household h USING (village_code) WHERE t.zone_id = 2")[0].parse::<usize>().unwrap();
        (zone2, other, code(1), code(2), count)
    };
    assert!(!other_villages.is_empty());
    add_user(&db.path, "leader2", Role::Leader, Scope::Zone(2), "zone-two-pass-123");
    add_user(&db.path, "leader", Role::Leader, Scope::All, "banner-pass-1234");
    let q = engine_dir("queries");
    let d = engine_dir("dashboards");
    let app = spawn_app_with(&db.path, &["--queries", q.to_str().unwrap(), "--dashboards", d.to_str().unwrap()]);

    // Anonymous: a dashboard with non-public panels asks for sign-in; one
    // of public aggregates is open.
    let anon = browser();
    let r = anon.get(app.url("/d/private")).header("Accept", "text/html").send().unwrap();
    assert_eq!(r.status(), 303, "anonymous visitors are sent to sign in");
    assert!(r.headers()["location"].to_str().unwrap().starts_with("/login"));
    assert_eq!(anon.get(app.url("/d/private/villages.csv")).send().unwrap().status(), 401);
    assert_eq!(anon.get(app.url("/d/t")).send().unwrap().status(), 200);

    let scoped = signed_in(&app, "leader2", "zone-two-pass-123");
    let r = scoped.get(app.url("/d/private")).send().unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["cache-control"].to_str().unwrap().contains("private"));
    let html = r.text().unwrap();
    assert!(html.contains("id=\"villages\""));
    assert!(!html.contains("id=\"all\""), "a panel that cannot be restricted to the zone is left out");
    for v in &zone2_villages {
        assert!(html.contains(v.as_str()), "zone 2 village {v} is shown");
    }
    for v in &other_villages {
        assert!(!html.contains(v.as_str()), "village {v} of another zone leaked");
    }
    let csv = scoped.get(app.url("/d/private/villages.csv")).send().unwrap();
    assert_eq!(csv.status(), 200);
    let csv = csv.text().unwrap();
    assert_eq!(csv.lines().count() - 1, zone2_count, "one row per zone-2 village");
    for v in &other_villages {
        assert!(!csv.contains(v.as_str()), "village {v} of another zone leaked into the CSV");
    }
    // Another zone through any URL, filter or format: 403.
    for url in [
        "/d/private?zone=1".to_string(),
        "/d/private/villages.csv?zone=1".to_string(),
        "/d/private/villages.svg?zone=3".to_string(),
        "/d/private.pdf?zone=4".to_string(),
        "/d/t?zone=1".to_string(),
        "/zone/1".to_string(),
        format!("/village/{village1}"),
        format!("/d/village/trend.png?village={village1}"),
    ] {
        assert_eq!(scoped.get(app.url(&url)).send().unwrap().status(), 403, "{url}");
    }
    // Their own zone and its villages answer.
    for url in ["/zone/2".to_string(), format!("/village/{village2}"), "/d/private?zone=2".to_string()] {
        assert_eq!(scoped.get(app.url(&url)).send().unwrap().status(), 200, "{url}");
    }

    // The same row filter on canned queries: /q/ runs a non-public query
    // restricted to the zone, and refuses one that cannot be restricted.
    let json: serde_json::Value = scoped.get(app.url("/q/t_private.json")).send().unwrap().json().unwrap();
    let rows = json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), zone2_count, "one row per zone-2 village");
    assert_eq!(json["params"]["zone"], 2, "the zone is forced to the user's own");
    for url in ["/q/t_private.json?zone=1", "/q/t_private?zone=3", "/q/t_private_all.json"] {
        assert_eq!(scoped.get(app.url(url)).send().unwrap().status(), 403, "{url}");
    }

    // A leader of the whole banner sees everything.
    let banner = signed_in(&app, "leader", "banner-pass-1234");
    let html = banner.get(app.url("/d/private?zone=1")).send().unwrap().text().unwrap();
    assert!(html.contains("id=\"all\""));
    assert_eq!(banner.get(app.url(&format!("/village/{village1}"))).send().unwrap().status(), 200);
    assert_eq!(banner.get(app.url("/q/t_private_all.json")).send().unwrap().status(), 200);
}
