//! Scaling out (ARCHITECTURE.md, "Scaling out"): several servers serve one
//! published database file read-only and answer identically; a replica
//! refuses writes with a clear 503 and still signs users in.

mod common;

use common::*;
use jingzhun::auth::{Role, Scope};

/// Every kind of page a replica serves: dashboards with filters, unit
/// pages, public pages, query results in each format, chart downloads.
const PATHS: &[&str] = &[
    "/",
    "/d/incidence?year=2017",
    "/d/income?zone=2",
    "/zone/2",
    "/public",
    "/public/incidence",
    "/q/incidence_by_year.json",
    "/q/villages_by_incidence.csv?year=2016",
    "/q/exits_by_year?zone=3",
    "/d/incidence/villages.svg?year=2018",
    "/d/overview/incidence.csv",
];

/// A body with the query's own time left out: `/q/` pages and JSON say how
/// long the query took on the server that ran it (`· 12.3 ms`,
/// `"elapsed_ms":12.34`), the one thing two replicas may not share.
fn same_but_timing(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body).into_owned();
    let text = blank_number_after(&text, "\"elapsed_ms\":", "");
    blank_number_after(&text, " · ", " ms")
}

/// Replaces each number that follows `marker` (and precedes `suffix`) by `T`.
fn blank_number_after(text: &str, marker: &str, suffix: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        out.push_str(&rest[..at + marker.len()]);
        rest = &rest[at + marker.len()..];
        let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if digits > 0 && rest[digits..].starts_with(suffix) {
            out.push('T');
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn two_read_only_servers_on_one_file_answer_identically() {
    let db = sample_db();
    add_user(&db.path, "tongji", Role::Statistician, Scope::All, "replica-password-1");
    let village: String = {
        let conn = jingzhun::store::open_ro(&db.path).unwrap();
        conn.query_row("SELECT min(village_code) FROM village WHERE is_poor", [], |r| r.get(0)).unwrap()
    };
    // Both open the same file at once: only possible read-only.
    let a = spawn_app_with(&db.path, &["--read-only"]);
    let b = spawn_app_with(&db.path, &["--read-only"]);
    let client = reqwest::blocking::Client::new();
    let village_path = format!("/village/{village}");
    let mut compared = 0;
    for path in PATHS.iter().copied().chain([village_path.as_str()]) {
        let ra = client.get(a.url(path)).send().unwrap();
        let rb = client.get(b.url(path)).send().unwrap();
        assert_eq!(ra.status(), 200, "{path} on replica a");
        assert_eq!(rb.status(), 200, "{path} on replica b");
        let (ea, eb) = (ra.headers().get("etag").cloned(), rb.headers().get("etag").cloned());
        assert_eq!(ea, eb, "{path}: the replicas' ETags differ");
        let (ba, bb) = (same_but_timing(&ra.bytes().unwrap()), same_but_timing(&rb.bytes().unwrap()));
        assert!(!ba.is_empty(), "{path}: empty body");
        assert!(ba == bb, "{path}: the replicas' answers differ");
        compared += 1;
    }
    assert_eq!(compared, PATHS.len() + 1);

    // An ETag from one replica revalidates on the other (a load balancer
    // may send the next request anywhere).
    let first = client.get(a.url("/d/incidence?year=2017")).send().unwrap();
    let tag = first.headers().get("etag").unwrap().to_str().unwrap().to_string();
    let again = client.get(b.url("/d/incidence?year=2017")).header("If-None-Match", &tag).send().unwrap();
    assert_eq!(again.status(), 304);

    // Sign-in works on a replica (it reads the users); what would write
    // answers 503 with the reason, and nothing is imported.
    let user = signed_in(&a, "tongji", "replica-password-1");
    let page = user.get(a.url("/d/risk")).send().unwrap();
    assert_eq!(page.status(), 200, "a signed-in dashboard on a replica");
    let form = user.get(a.url("/account/password")).send().unwrap().text().unwrap();
    let csrf = csrf_in(&form);
    let refused = user
        .post(a.url("/account/password"))
        .form(&[("csrf", csrf.as_str()), ("current", "replica-password-1"), ("new", "another-password-2"), ("confirm", "another-password-2")])
        .send()
        .unwrap();
    assert_eq!(refused.status(), 503);
    let text = refused.text().unwrap();
    assert!(text.contains("只读副本") && text.contains("read-only replica"), "{text}");
    drop((a, b));
    // The password is unchanged: the replica wrote nothing.
    let c = spawn_app(&db.path);
    let r = sign_in(&browser(), &c, "tongji", "replica-password-1");
    assert_eq!(r.status(), 303, "the old password still signs in");
}

#[test]
fn a_read_write_server_and_a_replica_cannot_share_a_file() {
    // DuckDB's file lock: a replica must be given a published copy, not
    // the primary's live file. The refusal is clear, not a hang.
    let db = sample_db();
    let _primary = spawn_app(&db.path);
    let (code, _out, err) = run_cli(&["serve", "--read-only", "--bind", "127.0.0.1:0", "--db", db.path.to_str().unwrap()], None);
    assert_ne!(code, 0);
    assert!(err.contains("cannot open database") || err.contains("lock"), "{err}");
}
