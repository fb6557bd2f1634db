//! Import in the browser: upload, preview (dry run), confirm or cancel,
//! against the real server.

mod common;

use common::{add_user, browser, csrf_in, fingerprint, sample_db, sample_dir, scalar_i64, signed_in, spawn_app, spawn_app_with, TestApp};
use jingzhun::auth::{Role, Scope};
use reqwest::blocking::Client;

const PW: &str = "a long test password 2026";

/// A multipart/form-data body with one part per file.
fn multipart(files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----jingzhunTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, content) in files {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes());
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn upload(client: &Client, app: &TestApp, csrf: Option<&str>, files: &[(&str, &[u8])]) -> reqwest::blocking::Response {
    let (ct, body) = multipart(files);
    let url = match csrf {
        Some(t) => app.url(&format!("/import?csrf={t}")),
        None => app.url("/import"),
    };
    client.post(url).header("Content-Type", ct).body(body).send().expect("POST /import")
}

/// The import form's CSRF token (and a check that the form is there).
fn import_csrf(client: &Client, app: &TestApp) -> String {
    let r = client.get(app.url("/import")).send().unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().unwrap();
    assert!(html.contains("enctype=\"multipart/form-data\""), "{html}");
    assert!(html.contains("action=\"/import?csrf="), "{html}");
    assert!(!html.contains("<script"), "no JavaScript");
    csrf_in(&html)
}

/// The pending import's id from the preview page's confirm or cancel form.
fn pending_id(html: &str) -> String {
    let at = html.find("action=\"/import/").unwrap_or_else(|| panic!("no pending form in {html}"));
    html[at + 16..].split('/').next().unwrap().to_string()
}

fn cell(html: &str, class: &str) -> String {
    let at = html.find(&format!("<td class=\"{class}\">")).unwrap_or_else(|| panic!("no {class} cell in {html}"));
    html[at..].split('>').nth(1).unwrap().split('<').next().unwrap().to_string()
}

/// household.csv with the sample's first household (unchanged: an update)
/// and a new one copied from it (an add); `bad` puts a non-number in the
/// new row's `size`.
fn household_csv(bad: bool) -> Vec<u8> {
    let mut r = csv::Reader::from_path(sample_dir().join("household.csv")).unwrap();
    let header = r.headers().unwrap().clone();
    let first = r.records().next().unwrap().unwrap();
    let size = header.iter().position(|h| h == "size").unwrap();
    let mut new: Vec<String> = first.iter().map(String::from).collect();
    new[0] = "1505269990990001".into();
    if bad {
        new[size] = "lots".into();
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).unwrap();
    w.write_record(&first).unwrap();
    w.write_record(&new).unwrap();
    w.into_inner().unwrap()
}

fn households(client: &Client, app: &TestApp) -> (i64, String) {
    let r = client.get(app.url("/q/headline.json")).send().unwrap();
    assert_eq!(r.status(), 200);
    let tag = r.headers()["etag"].to_str().unwrap().to_string();
    (r.json::<serde_json::Value>().unwrap()["rows"][0][0].as_i64().unwrap(), tag)
}

#[test]
fn upload_preview_confirm_and_refusals() {
    let db = sample_db();
    add_user(&db.path, "wang", Role::Statistician, Scope::All, PW);
    add_user(&db.path, "chen", Role::Statistician, Scope::All, PW);
    add_user(&db.path, "li", Role::Leader, Scope::All, PW);
    let households_before = scalar_i64(&jingzhun::store::open_ro(&db.path).unwrap(), "SELECT count(*) FROM household");
    let batches_before = scalar_i64(&jingzhun::store::open_ro(&db.path).unwrap(), "SELECT count(*) FROM import_batch");
    let app = spawn_app_with(&db.path, &["--max-upload-mb", "1"]);

    // Anonymous: to sign-in; a leader: 403.
    let r = browser().get(app.url("/import")).send().unwrap();
    assert!(r.status() == 303 || r.status() == 401, "{}", r.status());
    let leader = signed_in(&app, "li", PW);
    assert_eq!(leader.get(app.url("/import")).send().unwrap().status(), 403);
    let page = leader.get(app.url("/account")).send().unwrap().text().unwrap();
    let leader_csrf = csrf_in(&page);
    assert!(!page.contains("href=\"/import\""), "no import link for a leader");
    assert_eq!(upload(&leader, &app, Some(&leader_csrf), &[("household.csv", &household_csv(false))]).status(), 403);

    let client = signed_in(&app, "wang", PW);
    assert!(client.get(app.url("/account")).send().unwrap().text().unwrap().contains("href=\"/import\""), "import link for a statistician");
    let csrf = import_csrf(&client, &app);
    let (total_before, tag_before) = households(&client, &app);
    assert_eq!(total_before, households_before);

    // No CSRF token: 403, nothing kept.
    assert_eq!(upload(&client, &app, None, &[("household.csv", &household_csv(false))]).status(), 403);
    // Not a CSV or Excel name: 400 naming the file and what was expected.
    let r = upload(&client, &app, Some(&csrf), &[("household.sh", b"x")]);
    assert_eq!(r.status(), 400);
    let text = r.text().unwrap();
    assert!(text.contains("household.sh") && text.contains(".csv"), "{text}");
    // Over the limit (1 MiB here): 413 with a clear message.
    let big = vec![b'a'; 1024 * 1024 + 200_000];
    let r = upload(&client, &app, Some(&csrf), &[("household.csv", &big)]);
    assert_eq!(r.status(), 413);
    assert!(r.text().unwrap().contains("1 MiB"));

    // A bad file: previewed with row and column, confirm refused.
    let r = upload(&client, &app, Some(&csrf), &[("household.csv", &household_csv(true))]);
    assert_eq!(r.status(), 200);
    let html = r.text().unwrap();
    assert!(html.contains("<td class=\"row\">3</td>"), "row 3 named: {html}");
    assert!(html.contains("<td class=\"column\">size"), "column named: {html}");
    assert!(!html.contains("/confirm\""), "no confirm button for a bad file");
    let bad_id = pending_id(&html);
    let r = client.post(app.url(&format!("/import/{bad_id}/confirm"))).form(&[("csrf", csrf.as_str())]).send().unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().unwrap().contains("nothing was changed"));
    assert_eq!(households(&client, &app), (total_before, tag_before.clone()), "a bad file changes nothing");
    let r = client.post(app.url(&format!("/import/{bad_id}/cancel"))).form(&[("csrf", csrf.as_str())]).send().unwrap();
    assert_eq!(r.status(), 200);
    let r = client.post(app.url(&format!("/import/{bad_id}/cancel"))).form(&[("csrf", csrf.as_str())]).send().unwrap();
    assert_eq!(r.status(), 404, "cancelled means gone");

    // A good file: the preview counts one add and one update, changes nothing.
    let r = upload(&client, &app, Some(&csrf), &[("household.csv", &household_csv(false))]);
    assert_eq!(r.status(), 200);
    let html = r.text().unwrap();
    assert_eq!(cell(&html, "add"), "1", "{html}");
    assert_eq!(cell(&html, "update"), "1", "{html}");
    assert_eq!(cell(&html, "reject"), "0", "{html}");
    assert!(html.contains("/confirm\""));
    let id = pending_id(&html);
    assert_eq!(households(&client, &app).0, total_before, "the dry run rolled back");

    // Another statistician cannot confirm it; confirm without CSRF: 403.
    let other = signed_in(&app, "chen", PW);
    let other_csrf = csrf_in(&other.get(app.url("/import")).send().unwrap().text().unwrap());
    let r = other.post(app.url(&format!("/import/{id}/confirm"))).form(&[("csrf", other_csrf.as_str())]).send().unwrap();
    assert_eq!(r.status(), 403);
    let r = client.post(app.url(&format!("/import/{id}/confirm"))).form(&[("csrf", "wrong")]).send().unwrap();
    assert_eq!(r.status(), 403);

    // Readers during the import see the old or the new total, never an error.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let stop = stop.clone();
        let url = app.url("/q/headline.json");
        let reader = signed_in(&app, "chen", PW);
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) || seen.len() < 3 {
                let r = reader.get(&url).send().unwrap();
                assert_eq!(r.status(), 200);
                seen.push(r.json::<serde_json::Value>().unwrap()["rows"][0][0].as_i64().unwrap());
            }
            seen
        })
    };
    let r = client.post(app.url(&format!("/import/{id}/confirm"))).form(&[("csrf", csrf.as_str())]).send().unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().unwrap();
    assert!(html.contains("导入完成"), "{html}");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let seen = reader.join().unwrap();
    assert!(seen.iter().all(|&n| n == total_before || n == total_before + 1), "{seen:?}");

    let (total_after, tag_after) = households(&client, &app);
    assert_eq!(total_after, total_before + 1);
    assert_ne!(tag_after, tag_before, "a new data version, a new ETag");
    let r = client.get(app.url("/q/headline.json")).header("If-None-Match", &tag_before).send().unwrap();
    assert_eq!(r.status(), 200, "the old ETag no longer matches");
    let r = client.post(app.url(&format!("/import/{id}/confirm"))).form(&[("csrf", csrf.as_str())]).send().unwrap();
    assert_eq!(r.status(), 404, "confirmed once");
    drop(app);

    let conn = jingzhun::store::open_ro(&db.path).unwrap();
    assert_eq!(scalar_i64(&conn, "SELECT count(*) FROM household"), households_before + 1);
    assert_eq!(scalar_i64(&conn, "SELECT count(*) FROM import_batch"), batches_before + 1, "only the confirmed import is recorded");
    let detail: String = conn
        .query_row("SELECT detail FROM audit_log WHERE action = 'import' AND user_name = 'wang'", [], |r| r.get(0))
        .unwrap();
    assert!(detail.contains("household.csv") && detail.contains("\"inserted\":1") && detail.contains("sha256"), "{detail}");
}

#[test]
fn a_refused_bad_file_leaves_the_database_unchanged() {
    let db = sample_db();
    add_user(&db.path, "wang", Role::Statistician, Scope::All, PW);
    let before = fingerprint(&db.path);
    {
        let app = spawn_app(&db.path);
        let client = signed_in(&app, "wang", PW);
        let csrf = import_csrf(&client, &app);
        let html = upload(&client, &app, Some(&csrf), &[("household.csv", &household_csv(true))]).text().unwrap();
        let id = pending_id(&html);
        let r = client.post(app.url(&format!("/import/{id}/confirm"))).form(&[("csrf", csrf.as_str())]).send().unwrap();
        assert_eq!(r.status(), 409);
    }
    assert_eq!(fingerprint(&db.path), before);
}
