//! Imports landing while dashboards are read: a load generator reads a
//! dashboard page and the headline total continuously while imports are
//! uploaded and confirmed in the browser; every response is recorded and
//! none is an error, and every total is one of the values before or after
//! an import. Two confirms at the same instant both end well.

mod common;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{add_user, sample_db, sample_dir, signed_in, spawn_app, upload_for_import, new_households_csv, TestApp};
use jingzhun::auth::{Role, Scope};

const PW: &str = "a long test password 2026";
const READERS: usize = 8;

#[derive(Default)]
struct Seen {
    requests: usize,
    transport_errors: Vec<String>,
    bad_status: Vec<(String, u16)>,
    not_modified: usize,
    totals: Vec<i64>,
}

fn reader(app_url: String, client: reqwest::blocking::Client, stop: Arc<AtomicBool>) -> Seen {
    let mut seen = Seen::default();
    let mut etag: Option<String> = None;
    let mut i = 0usize;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        let path = if i % 2 == 0 { "/d/overview" } else { "/q/headline.json" };
        let mut req = client.get(format!("{app_url}{path}"));
        if path.ends_with(".json") {
            if let Some(t) = &etag {
                req = req.header("If-None-Match", t);
            }
        }
        seen.requests += 1;
        match req.send() {
            Err(e) => seen.transport_errors.push(format!("{path}: {e}")),
            Ok(r) => {
                let status = r.status().as_u16();
                if status == 304 && path.ends_with(".json") {
                    seen.not_modified += 1;
                } else if status != 200 {
                    seen.bad_status.push((path.to_string(), status));
                } else if path.ends_with(".json") {
                    etag = r.headers().get("etag").and_then(|v| v.to_str().ok()).map(String::from);
                    match r.json::<serde_json::Value>() {
                        Ok(v) => match v["rows"][0][0].as_i64() {
                            Some(n) => seen.totals.push(n),
                            None => seen.transport_errors.push(format!("{path}: no total in {v}")),
                        },
                        Err(e) => seen.transport_errors.push(format!("{path}: body: {e}")),
                    }
                } else if let Err(e) = r.bytes() {
                    seen.transport_errors.push(format!("{path}: body: {e}"));
                }
            }
        }
    }
    seen
}

fn confirm(client: &reqwest::blocking::Client, app: &TestApp, id: &str, csrf: &str) -> u16 {
    client.post(app.url(&format!("/import/{id}/confirm"))).form(&[("csrf", csrf)]).send().expect("confirm").status().as_u16()
}

#[test]
fn imports_land_while_dashboards_are_read() {
    let db = sample_db();
    add_user(&db.path, "wang", Role::Statistician, Scope::All, PW);
    add_user(&db.path, "li", Role::Leader, Scope::All, PW);
    let app = spawn_app(&db.path);
    let importer = signed_in(&app, "wang", PW);
    let leader = signed_in(&app, "li", PW);
    let total_before = {
        let r = leader.get(app.url("/q/headline.json")).send().unwrap();
        r.json::<serde_json::Value>().unwrap()["rows"][0][0].as_i64().unwrap()
    };
    // Each import re-imports the scale-1 members (every row an update: a
    // few seconds of work) and adds a known number of households.
    let members = std::fs::read(sample_dir().join("member.csv")).unwrap();
    let mut allowed = BTreeSet::from([total_before]);

    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let readers: Vec<_> = (0..READERS)
        .map(|_| {
            let (url, client, stop) = (app.url(""), leader.clone(), stop.clone());
            std::thread::spawn(move || reader(url, client, stop))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(800));

    let mut total = total_before;
    for (k, added) in [5usize, 7, 11].into_iter().enumerate() {
        let files = vec![
            ("household.csv".to_string(), new_households_csv(1505269990000001 + 1000 * k as u64, added)),
            ("member.csv".to_string(), members.clone()),
        ];
        let (id, csrf) = upload_for_import(&importer, &app, &files);
        let t = Instant::now();
        assert_eq!(confirm(&importer, &app, &id, &csrf), 200, "import {k}");
        total += added as i64;
        allowed.insert(total);
        eprintln!("import {} landed in {:?} (total now {total})", k + 1, t.elapsed());
        std::thread::sleep(Duration::from_millis(400));
    }

    // Two confirms at the same instant: serialised (both 200, the second
    // on top of the first) or the second refused with 409, never a 500.
    let (a, csrf_a) = upload_for_import(&importer, &app, &[("household.csv".to_string(), new_households_csv(1505269990100001, 3)), ("member.csv".to_string(), members.clone())]);
    let (b, csrf_b) = upload_for_import(&importer, &app, &[("household.csv".to_string(), new_households_csv(1505269990200001, 4)), ("member.csv".to_string(), members.clone())]);
    allowed.extend([total + 3, total + 4, total + 7]);
    let barrier = Arc::new(std::sync::Barrier::new(2));
    let both: Vec<u16> = [(a, csrf_a), (b, csrf_b)]
        .into_iter()
        .map(|(id, csrf)| {
            let (client, url, barrier) = (importer.clone(), app.url(&format!("/import/{id}/confirm")), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                client.post(url).form(&[("csrf", csrf.as_str())]).send().expect("confirm").status().as_u16()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    eprintln!("two confirms at once answered {both:?}");
    assert!(both.iter().all(|s| *s == 200 || *s == 409), "{both:?}");
    assert!(both.contains(&200), "{both:?}");
    let expected_final = total + if both == [200, 200] { 7 } else if both[0] == 200 { 3 } else { 4 };
    std::thread::sleep(Duration::from_millis(800));

    stop.store(true, Ordering::Relaxed);
    let seen: Vec<Seen> = readers.into_iter().map(|h| h.join().unwrap()).collect();
    let elapsed = started.elapsed();
    let requests: usize = seen.iter().map(|s| s.requests).sum();
    let not_modified: usize = seen.iter().map(|s| s.not_modified).sum();
    let errors: Vec<&String> = seen.iter().flat_map(|s| &s.transport_errors).collect();
    let bad: Vec<&(String, u16)> = seen.iter().flat_map(|s| &s.bad_status).collect();
    let totals: BTreeSet<i64> = seen.iter().flat_map(|s| s.totals.iter().copied()).collect();
    eprintln!(
        "{READERS} readers, {requests} requests in {elapsed:.1?} ({not_modified} answered 304), {} transport errors, {} bad statuses; totals seen {totals:?} of {allowed:?}",
        errors.len(),
        bad.len()
    );
    assert!(errors.is_empty(), "transport errors: {errors:?}");
    assert!(bad.is_empty(), "non-2xx answers: {bad:?}");
    assert!(totals.is_subset(&allowed), "totals seen {totals:?}, allowed {allowed:?}");
    assert!(totals.len() >= 3, "the readers saw the imports land: {totals:?}");

    let now = leader.get(app.url("/q/headline.json")).send().unwrap().json::<serde_json::Value>().unwrap()["rows"][0][0].as_i64().unwrap();
    assert_eq!(now, expected_final);
}
