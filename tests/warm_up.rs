//! The warm-up: after start (and after each import) the server builds every
//! dashboard once in the background, so that the first visitor does not
//! get a cold page; `/readyz` answers 503 until the first warm-up is done.

mod common;

use std::time::{Duration, Instant};

use common::{add_user, sample_db, signed_in, spawn_app_logged, spawn_app_with, upload_for_import, new_households_csv, TestApp};
use jingzhun::auth::{Role, Scope};

const PW: &str = "a long test password 2026";

fn readyz(app: &TestApp) -> (u16, serde_json::Value) {
    let r = reqwest::blocking::get(app.url("/readyz")).unwrap();
    (r.status().as_u16(), r.json().unwrap())
}

/// Every `/readyz` answer until ready says why not (the warm-up, the
/// database being fine); the log then names the pages built: every
/// dashboard, the unit pages included (one zone, township and village).
#[test]
fn ready_once_every_dashboard_was_built() {
    let db = sample_db();
    let app = spawn_app_logged(&db.path, &[], &[]);
    let started = Instant::now();
    let (dashboards, version) = loop {
        let (status, j) = readyz(&app.app);
        assert_eq!(j["database"], "ok", "{j}");
        if status == 200 {
            assert_eq!((j["ready"].as_bool(), j["warm_up"].as_str()), (Some(true), Some("done")), "{j}");
            break (j["dashboards"].as_u64().unwrap(), j["data_version"].as_u64().unwrap());
        }
        assert_eq!((status, j["ready"].as_bool(), j["warm_up"].as_str()), (503, Some(false), Some("running")), "{j}");
        assert!(started.elapsed() < Duration::from_secs(60), "not ready after a minute: {j}");
        std::thread::sleep(Duration::from_millis(20));
    };
    let line = app.wait_for_log("warm-up done").expect("a warm-up log line");
    assert!(line.contains(&format!("pages={dashboards} version={version} ms=")), "every dashboard built once ({dashboards}), at version {version}: {line}");
}

/// With `--no-warm` the server is ready at once and builds nothing.
#[test]
fn no_warm_is_ready_at_once() {
    let db = sample_db();
    let app = spawn_app_with(&db.path, &["--no-warm"]);
    let (status, j) = readyz(&app);
    assert_eq!((status, j["warm_up"].as_str()), (200, Some("done")), "{j}");
}

/// The warm-up keeps nothing: no view, result or response is cached by
/// it, so the first real request still runs its queries (and a page is
/// never served from a cache the visitor did not fill).
#[test]
fn the_warm_up_caches_nothing() {
    let db = sample_db();
    let config = jingzhun::web::ServeConfig {
        db: db.path.clone(),
        bind: String::new(),
        queries: None,
        dashboards: None,
        cjk_font: None,
        workers: 1,
        limits: Default::default(),
        auth: Default::default(),
        read_only: false,
        caching: true,
        warm: true,
    };
    let state = jingzhun::web::app_state(&config, 1).unwrap();
    let built = actix_web::rt::System::new().block_on(jingzhun::web::dash::warm(&state));
    assert_eq!(built, state.dashboards.all.len());
    assert_eq!(state.views.lock().unwrap().len(), 0);
    assert_eq!(state.results.lock().unwrap().len(), 0);
    assert_eq!(state.cache.lock().unwrap().len(), 0);
}

/// An import through the web starts another warm-up, of the new data
/// version.
#[test]
fn an_import_warms_the_new_version() {
    let db = sample_db();
    add_user(&db.path, "wang", Role::Statistician, Scope::All, PW);
    let app = spawn_app_logged(&db.path, &[], &[]);
    app.wait_for_log("warm-up done").expect("the warm-up after start");
    let before = readyz(&app.app).1["data_version"].as_u64().unwrap();
    let importer = signed_in(&app.app, "wang", PW);
    let (id, csrf) = upload_for_import(&importer, &app.app, &[("household.csv".to_string(), new_households_csv(1505269990000001, 3))]);
    let r = importer.post(app.app.url(&format!("/import/{id}/confirm"))).form(&[("csrf", csrf.as_str())]).send().unwrap();
    assert_eq!(r.status(), 200);
    let (status, j) = readyz(&app.app);
    assert_eq!(status, 200, "the import's warm-up does not take the server out of service: {j}");
    let after = j["data_version"].as_u64().unwrap();
    assert!(after > before, "{before} → {after}");
    let line = app.wait_for_log(&format!("version={after} ms=")).expect("a warm-up of the new version");
    assert!(line.contains("warm-up done"), "{line}");
}
