//! Who sees what, against the real server: sign-in and sign-out, session
//! cookies, CSRF, throttling, the first admin, the `user` command, every
//! route for every role, masking, the audit log and security headers.

mod common;

use std::path::Path;

use common::{add_user, browser, csrf_in, sign_in, signed_in, spawn_app_logged, TestApp};
use jingzhun::auth::{Role, Scope};

const PW: &str = "a long test passphrase";

fn headers_are_hardened(r: &reqwest::blocking::Response, what: &str) {
    let h = r.headers();
    assert_eq!(
        h.get("content-security-policy").and_then(|v| v.to_str().ok()),
        Some(jingzhun::auth::CONTENT_SECURITY_POLICY),
        "CSP on {what}"
    );
    assert_eq!(h.get("x-content-type-options").map(|v| v.as_bytes()), Some(&b"nosniff"[..]), "nosniff on {what}");
    assert_eq!(h.get("referrer-policy").map(|v| v.as_bytes()), Some(&b"same-origin"[..]), "Referrer-Policy on {what}");
    assert_eq!(h.get("x-frame-options").map(|v| v.as_bytes()), Some(&b"DENY"[..]), "X-Frame-Options on {what}");
}

fn set_cookie(r: &reqwest::blocking::Response) -> String {
    r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect::<Vec<_>>().join("\n")
}

/// Every event in the audit log: (user, action, detail), oldest first.
fn audit_rows(db: &Path) -> Vec<(Option<String>, String, String)> {
    let conn = jingzhun::store::open_ro(db).unwrap();
    let mut stmt = conn.prepare("SELECT user_name, action, detail FROM audit_log ORDER BY id").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(|r| r.unwrap()).collect()
}

#[test]
fn sign_in_sign_out_cookies_and_csrf() {
    let db = common::sample_db();
    add_user(&db.path, "wang", Role::Statistician, Scope::All, PW);
    let logged = spawn_app_logged(&db.path, &[], &[]);
    let app = &logged.app;
    let client = browser();

    // The sign-in page starts a session for its CSRF token: the cookie is
    // HttpOnly, SameSite=Lax, expires a minute after the idle time (8 h;
    // the server's own check of `seen` keeps the idle time itself), and is
    // not Secure on plain http by default.
    let r = client.get(app.url("/login")).send().unwrap();
    assert_eq!(r.status(), 200);
    headers_are_hardened(&r, "GET /login");
    assert_eq!(r.headers()["cache-control"], "no-store");
    let cookie = set_cookie(&r);
    assert!(cookie.starts_with("jingzhun="), "{cookie}");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=28860"] {
        assert!(cookie.contains(flag), "{flag} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "{cookie}");
    let csrf = csrf_in(&r.text().unwrap());
    // Pages holding the token are never compressed (no BREACH-style guessing).
    let r = client.get(app.url("/login?next=/x")).header("Accept-Encoding", "gzip, br").send().unwrap();
    assert_eq!(set_cookie(&r), "", "an unchanged session sends no cookie");
    assert!(r.headers().get("content-encoding").is_none_or(|v| v == "identity"), "{:?}", r.headers());
    assert_eq!(csrf_in(&r.text().unwrap()), csrf, "one token per session");

    // No token, a wrong token, or another site's form: 403, nothing checked.
    let form = |token: &str, password: &str| vec![("csrf", token.to_string()), ("name", "wang".into()), ("password", password.to_string())];
    let r = client.post(app.url("/login")).form(&[("name", "wang"), ("password", PW)]).send().unwrap();
    assert_eq!(r.status(), 403);
    headers_are_hardened(&r, "a refused POST");
    assert_eq!(client.post(app.url("/login")).form(&form(&"0".repeat(64), PW)).send().unwrap().status(), 403);
    let r = client.post(app.url("/login")).header("Origin", "http://evil.example").form(&form(&csrf, PW)).send().unwrap();
    assert_eq!(r.status(), 403, "cross-origin");
    let r = client.post(app.url("/login")).header("Sec-Fetch-Site", "cross-site").form(&form(&csrf, PW)).send().unwrap();
    assert_eq!(r.status(), 403, "cross-site fetch");
    assert_eq!(client.get(app.url("/account")).send().unwrap().status(), 401, "still signed out");

    // A wrong password: 401 and the form again.
    let r = client.post(app.url("/login")).form(&form(&csrf, "not the password")).send().unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.text().unwrap().contains("Wrong user name or password"));

    // The right one: 303 to the page asked for, same-origin header accepted.
    let r = client
        .post(app.url("/login"))
        .header("Origin", format!("http://{}", app.addr))
        .form(&[("csrf", csrf.as_str()), ("name", "wang"), ("password", PW), ("next", "/q/risk_warnings?zone=2")])
        .send()
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/q/risk_warnings?zone=2");
    let signed_cookie = set_cookie(&r);
    assert!(signed_cookie.contains("HttpOnly") && signed_cookie.contains("SameSite=Lax"), "{signed_cookie}");
    let account = client.get(app.url("/account")).send().unwrap();
    assert_eq!(account.status(), 200);
    // Signed in, within a minute of the last request: the session did not
    // change, so no cookie goes out again.
    assert_eq!(set_cookie(&account), "", "signed-in requests do not re-send an unchanged session");
    let page = account.text().unwrap();
    assert!(page.contains("wang") && page.contains("统计员 statistician"), "{page}");
    // The token changed at sign-in: the one from before is worthless.
    let after = csrf_in(&page);
    assert_ne!(after, csrf);
    assert_eq!(client.post(app.url("/logout")).form(&[("csrf", csrf.as_str())]).send().unwrap().status(), 403);
    assert_eq!(client.post(app.url("/logout")).send().unwrap().status(), 403, "sign-out needs the token too");
    assert_eq!(client.get(app.url("/q/risk_warnings.json")).send().unwrap().status(), 200);

    // A copy of the signed-in cookie, kept by someone else.
    let stolen = signed_cookie.split(';').next().unwrap().to_string();
    let other = reqwest::blocking::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    assert_eq!(other.get(app.url("/account")).header("Cookie", &stolen).send().unwrap().status(), 200);

    // Sign-out: 303 home, the cookie removed, and every copy of it void.
    let r = client.post(app.url("/logout")).form(&[("csrf", after.as_str())]).send().unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/");
    assert!(set_cookie(&r).contains("Max-Age=0") || set_cookie(&r).contains("expires=Thu, 01 Jan 1970"), "{}", set_cookie(&r));
    assert_eq!(client.get(app.url("/account")).send().unwrap().status(), 401);
    assert_eq!(client.get(app.url("/q/risk_warnings.json")).send().unwrap().status(), 401);
    assert_eq!(other.get(app.url("/account")).header("Cookie", &stolen).send().unwrap().status(), 401, "a copied cookie dies with sign-out");

    drop(logged);
    let actions: Vec<(Option<String>, String)> = audit_rows(&db.path).into_iter().map(|(u, a, _)| (u, a)).collect();
    assert!(actions.contains(&(None, "sign_in_failed".into())), "{actions:?}");
    assert!(actions.contains(&(Some("wang".into()), "sign_in".into())), "{actions:?}");
    assert!(actions.contains(&(Some("wang".into()), "sign_out".into())), "{actions:?}");

    // Secure cookies when asked for (served over https), under the
    // __Host- prefix; a shorter idle time shows in Max-Age.
    let app = common::spawn_app_with(&db.path, &["--secure-cookies", "--session-idle-minutes", "30"]);
    let cookie = set_cookie(&browser().get(app.url("/login")).send().unwrap());
    assert!(cookie.starts_with("__Host-jingzhun="), "{cookie}");
    for flag in ["Secure", "HttpOnly", "SameSite=Lax", "Max-Age=1860"] {
        assert!(cookie.contains(flag), "{flag} in {cookie}");
    }
}

#[test]
fn repeated_failures_answer_429_with_retry_after() {
    let db = common::sample_db();
    add_user(&db.path, "li", Role::Leader, Scope::All, PW);
    add_user(&db.path, "zhao", Role::Leader, Scope::All, PW);
    let logged = spawn_app_logged(&db.path, &[], &[]);
    let app = &logged.app;
    let client = browser();
    for i in 0..5 {
        let r = sign_in(&client, app, "li", &format!("guess {i}"));
        assert_eq!(r.status(), 401, "attempt {i}");
    }
    // The sixth attempt is refused before any check, even with the right
    // password, and says how long to wait.
    let started = std::time::Instant::now();
    let r = sign_in(&client, app, "li", PW);
    assert_eq!(r.status(), 429);
    headers_are_hardened(&r, "429");
    let wait: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(wait > 800 && wait <= 900, "Retry-After {wait}");
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    // The address is blocked for other names too.
    assert_eq!(sign_in(&client, app, "zhao", PW).status(), 429);
    assert_eq!(client.get(app.url("/account")).send().unwrap().status(), 401);
    drop(logged);
    let failed = audit_rows(&db.path).into_iter().filter(|r| r.1 == "sign_in_failed").collect::<Vec<_>>();
    assert_eq!(failed.len(), 7, "{failed:?}");
    assert!(failed[0].2.contains("\"name\":\"li\""), "{:?}", failed[0]);
    assert!(failed[5].2.contains("throttled"), "{:?}", failed[5]);
    assert!(!audit_rows(&db.path).iter().any(|r| r.1 == "sign_in"), "no sign-in got through");
}

#[test]
fn first_start_creates_admin_with_a_one_time_password() {
    let db = common::sample_db();
    let logged = spawn_app_logged(&db.path, &[], &[]);
    let app = &logged.app;
    let line = logged.wait_for_log("one-time password").expect("the password is logged");
    assert!(line.contains("WARN"), "{line}");
    let pw = line.split("one-time password ").nth(1).unwrap().split_whitespace().next().unwrap().to_string();
    assert_eq!(pw.len(), 16, "{line}");
    // The session key was made beside the database, readable by its owner only.
    let key = db.path.with_file_name("test.duckdb.session-key");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);

    let client = browser();
    assert_eq!(sign_in(&client, app, "admin", "admin").status(), 401, "no default password");
    let r = sign_in(&client, app, "admin", &pw);
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/account/password", "the one-time password must be changed first");
    // Until then, nothing that needs a sign-in opens.
    assert_eq!(client.get(app.url("/admin/users")).send().unwrap().status(), 403);
    let r = client.get(app.url("/admin/users")).header("Accept", "text/html").send().unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/account/password"));
    let page = client.get(app.url("/account/password")).send().unwrap().text().unwrap();
    assert!(page.contains("one-time password"), "{page}");
    let csrf = csrf_in(&page);
    let change = |current: &str, new: &str, confirm: &str| {
        client
            .post(app.url("/account/password"))
            .form(&[("csrf", csrf.as_str()), ("current", current), ("new", new), ("confirm", confirm)])
            .send()
            .unwrap()
    };
    assert_eq!(change(&pw, "short", "short").status(), 400);
    assert_eq!(change("wrong", PW, PW).status(), 400);
    assert_eq!(change(&pw, PW, "something else entirely").status(), 400);
    let r = change(&pw, PW, PW);
    assert_eq!(r.status(), 303);
    assert_eq!(client.get(app.url("/admin/users")).send().unwrap().status(), 200, "this session carries on");
    // The one-time password is spent; the new one works.
    assert_eq!(sign_in(&browser(), app, "admin", &pw).status(), 401);
    signed_in(app, "admin", PW);
    drop(logged);

    // A later start with users creates no admin and logs no password.
    let again = spawn_app_logged(&db.path, &[], &[]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(!again.log().iter().any(|l| l.contains("one-time password")), "{:?}", again.log());
}

fn run_user(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_jingzhun"))
        .arg("user")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn user_command_round_trip() {
    let db = common::sample_db();
    let p = db.path.to_str().unwrap();
    let (code, _, err) = run_user(&["list", "--db", "/no/such/file.duckdb"], None);
    assert_ne!(code, 0);
    assert!(err.contains("does not exist"), "{err}");

    // A generated one-time password is printed once.
    let (code, out, err) = run_user(&["add", "admin2", "--role", "admin", "--db", p], None);
    assert_eq!(code, 0, "{err}");
    let one_time = out.trim().rsplit(' ').next().unwrap().to_string();
    assert!(out.starts_with("one-time password for admin2: ") && one_time.len() == 16, "{out}");
    // A chosen password from standard input; scopes by zone and township.
    let (code, out, err) = run_user(&["add", "li", "--role", "leader", "--zone", "2", "--password-stdin", "--db", p], Some(&format!("{PW}\n")));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "", "a chosen password is not echoed");
    let (code, _, err) = run_user(&["add", "wu", "--role", "statistician", "--township", "150526100", "--db", p], None);
    assert_eq!(code, 0, "{err}");
    // Refusals: a taken name, an unknown zone, a weak password, a bad role,
    // both scopes at once.
    let (code, _, err) = run_user(&["add", "li", "--role", "leader", "--db", p], None);
    assert_eq!(code, 2);
    assert!(err.contains("already exists"), "{err}");
    let (code, _, err) = run_user(&["add", "x", "--role", "leader", "--zone", "99", "--db", p], None);
    assert_eq!(code, 2);
    assert!(err.contains("no war zone 99"), "{err}");
    let (code, _, err) = run_user(&["add", "y", "--role", "leader", "--password-stdin", "--db", p], Some("short\n"));
    assert_eq!(code, 2);
    assert!(err.contains("at least 10"), "{err}");
    assert_ne!(run_user(&["add", "z", "--role", "root", "--db", p], None).0, 0);
    assert_ne!(run_user(&["add", "z", "--role", "leader", "--zone", "1", "--township", "150526100", "--db", p], None).0, 0);

    let (code, out, err) = run_user(&["list", "--db", p], None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(3 users)"), "{out}");
    let line = |name: &str| out.lines().find(|l| l.contains(&format!(" {name} "))).unwrap_or_else(|| panic!("{name} in {out}")).to_string();
    assert!(line("admin2").contains("admin") && line("admin2").contains("yes"), "{out}");
    assert!(line("li").contains("zone:2") && line("li").contains("no"), "{out}");
    assert!(line("wu").contains("township:150526100"), "{out}");

    // passwd: a new one-time password replaces the old one.
    let (code, out, err) = run_user(&["passwd", "li", "--db", p], None);
    assert_eq!(code, 0, "{err}");
    let li_pw = out.trim().rsplit(' ').next().unwrap().to_string();
    {
        let conn = jingzhun::store::open_ro(&db.path).unwrap();
        let li = jingzhun::auth::users::get(&conn, "li").unwrap().unwrap();
        assert!(jingzhun::auth::password::verify(&li_pw, &li.password_hash));
        assert!(!jingzhun::auth::password::verify(PW, &li.password_hash));
        assert!(li.must_change_password);
    }
    assert_eq!(run_user(&["passwd", "nobody", "--db", p], None).0, 2);
    let (code, _, err) = run_user(&["passwd", "li", "--password-stdin", "--db", p], Some(PW));
    assert_eq!(code, 0, "{err}");

    // remove; the last admin stays.
    assert_eq!(run_user(&["remove", "wu", "--db", p], None).0, 0);
    let (code, _, err) = run_user(&["remove", "admin2", "--db", p], None);
    assert_eq!(code, 2);
    assert!(err.contains("last admin"), "{err}");
    let (_, out, _) = run_user(&["list", "--db", p], None);
    assert!(out.contains("(2 users)") && !out.contains(" wu "), "{out}");

    // The server takes these users, and creates no first admin.
    let logged = spawn_app_logged(&db.path, &[], &[]);
    signed_in(&logged.app, "li", PW);
    let r = sign_in(&browser(), &logged.app, "admin2", &one_time);
    assert_eq!(r.headers()["location"], "/account/password");
    // While it runs it holds the database: the command says so.
    let (code, _, err) = run_user(&["list", "--db", p], None);
    assert_ne!(code, 0);
    assert!(err.contains("stop it first"), "{err}");
    drop(logged);
    let actions: Vec<String> = audit_rows(&db.path).into_iter().filter(|r| r.2.contains("command line")).map(|r| r.1).collect();
    assert_eq!(actions, ["user_added", "user_added", "user_added", "password_reset", "password_changed", "user_removed"]);
}

/// Expected status per role: anonymous, leader of zone 2, leader of one
/// township, leader of the banner, statistician, admin.
const ROUTES: &[(&str, [u16; 6])] = &[
    ("/healthz", [200; 6]),
    ("/", [200; 6]),
    ("/q/incidence_by_year", [200; 6]),
    ("/q/incidence_by_year.json", [200; 6]),
    ("/q/incidence_by_year.csv", [200; 6]),
    ("/q/villages_by_incidence.json?year=2016&zone=2", [200; 6]),
    ("/q/villages_by_incidence.xlsx", [200; 6]),
    // A township's leader cannot have risk_warnings (restricted by zone
    // only) narrowed to their township: 403, not the whole zone.
    ("/q/risk_warnings", [401, 200, 403, 200, 200, 200]),
    ("/q/risk_warnings.json?zone=2", [401, 200, 403, 200, 200, 200]),
    ("/q/risk_warnings.json?zone=1", [401, 403, 403, 200, 200, 200]),
    ("/q/risk_warnings.csv", [401, 403, 403, 403, 200, 200]),
    ("/q/risk_warnings.xlsx", [401, 403, 403, 403, 200, 200]),
    ("/q/two_assurances_by_village.parquet", [401, 403, 403, 403, 200, 200]),
    ("/q/risk_warnings.json?zone=x", [401, 400, 403, 400, 400, 400]),
    ("/q/no_such_query", [404; 6]),
    ("/login", [200, 303, 303, 303, 303, 303]),
    ("/account", [401, 200, 200, 200, 200, 200]),
    ("/account/password", [401, 200, 200, 200, 200, 200]),
    ("/admin/users", [401, 403, 403, 403, 403, 200]),
    ("/admin/audit", [401, 403, 403, 403, 403, 200]),
    ("/no/such/page", [404; 6]),
    // Dashboards: public aggregates are open; one with a non-public panel
    // needs sign-in (a scoped leader's copy leaves out what cannot be
    // restricted); unit pages outside a scope are 403.
    ("/d/overview", [200; 6]),
    ("/d/overview?zone=1", [200, 403, 403, 200, 200, 200]),
    ("/d/overview/incidence.png", [200; 6]),
    ("/d/overview.pdf", [200; 6]),
    ("/d/fund", [401, 200, 200, 200, 200, 200]),
    ("/d/fund/townships.csv", [401, 200, 403, 200, 200, 200]),
    ("/zone/2", [200, 200, 403, 200, 200, 200]),
    ("/zone/1", [200, 403, 403, 200, 200, 200]),
    ("/d/no_such_dashboard", [404; 6]),
    ("/public", [200; 6]),
    ("/import", [401, 403, 403, 403, 200, 200]),
];

#[test]
fn every_route_for_every_role() {
    let db = common::sample_db();
    add_user(&db.path, "leader_zone", Role::Leader, Scope::Zone(2), PW);
    add_user(&db.path, "leader_town", Role::Leader, Scope::Township("150526100".into()), PW);
    add_user(&db.path, "leader", Role::Leader, Scope::All, PW);
    add_user(&db.path, "stat", Role::Statistician, Scope::All, PW);
    add_user(&db.path, "boss", Role::Admin, Scope::All, PW);
    let logged = spawn_app_logged(&db.path, &[], &[]);
    let app: &TestApp = &logged.app;
    assert_eq!(sign_in(&browser(), app, "stat", "not it").status(), 401);
    let clients = [
        ("anonymous", browser()),
        ("leader_zone", signed_in(app, "leader_zone", PW)),
        ("leader_town", signed_in(app, "leader_town", PW)),
        ("leader", signed_in(app, "leader", PW)),
        ("stat", signed_in(app, "stat", PW)),
        ("boss", signed_in(app, "boss", PW)),
    ];
    let mut wrong = Vec::new();
    for (path, expected) in ROUTES {
        for ((who, client), want) in clients.iter().zip(expected) {
            let r = client.get(app.url(path)).send().unwrap();
            headers_are_hardened(&r, &format!("{who} GET {path}"));
            let status = r.status().as_u16();
            // Read it all: a download holds one of two permits until it ends.
            r.bytes().unwrap();
            if status != *want {
                wrong.push(format!("{who} GET {path}: {status} (expected {want})"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // A browser is sent to the sign-in page and back.
    for path in ["/q/risk_warnings?zone=2", "/admin/users", "/account"] {
        let r = clients[0].1.get(app.url(path)).header("Accept", "text/html,application/xhtml+xml").send().unwrap();
        assert_eq!(r.status(), 303, "{path}");
        let to = r.headers()["location"].to_str().unwrap().to_string();
        let back: Vec<(String, String)> = serde_urlencoded::from_str(to.strip_prefix("/login?").unwrap()).unwrap();
        assert_eq!(back, [("next".to_string(), path.to_string())]);
    }
    // Pages about data that is not public stay out of shared caches.
    let r = clients[4].1.get(app.url("/q/risk_warnings.json")).send().unwrap();
    assert_eq!(r.headers()["cache-control"], "private, no-cache");

    // The audit log, as the admin reads it, newest first.
    let audit = clients[5].1.get(app.url("/admin/audit")).send().unwrap().text().unwrap();
    assert!(
        audit.split("<tr>").any(|row| row.contains("<td>stat</td>") && row.contains("<td>export</td>") && row.contains("risk_warnings")),
        "{audit}"
    );
    drop(logged);
    let rows = audit_rows(&db.path);
    let exports: Vec<_> = rows.iter().filter(|r| r.1 == "export").collect();
    assert_eq!(exports.len(), 6, "stat and boss each downloaded three household-level files: {exports:?}");
    assert!(exports.iter().all(|r| r.0.as_deref() == Some("stat") || r.0.as_deref() == Some("boss")));
    assert!(exports.iter().any(|r| r.2.contains("\"query\":\"two_assurances_by_village\"") && r.2.contains("\"format\":\"parquet\"")));
    assert!(rows.iter().any(|r| r.1 == "sign_in_failed" && r.2.contains("\"name\":\"stat\"")));
    assert_eq!(rows.iter().filter(|r| r.1 == "sign_in").count(), 5);
    // Public downloads are not household-level: not recorded.
    assert!(!rows.iter().any(|r| r.2.contains("incidence_by_year")));
}

const IDS: &str = r#"/*
title = "身份证号"
title_en = "ID numbers"
public = true
[columns]
member_code = { zh = "成员编号", en = "Member" }
id_number = { zh = "身份证号", en = "ID number" }
*/
SELECT member_code, id_number FROM member WHERE id_number IS NOT NULL ORDER BY member_code LIMIT 3
"#;

const BROKEN: &str = r#"/*
title = "运行出错"
title_en = "Fails when run"
public = true
[columns]
n = { zh = "n", en = "n" }
*/
SELECT CAST(name AS INTEGER) AS n FROM war_zone
"#;

#[test]
fn admin_pages_masking_errors_and_limits() {
    let db = common::sample_db();
    add_user(&db.path, "boss", Role::Admin, Scope::All, PW);
    add_user(&db.path, "li", Role::Leader, Scope::Zone(2), PW);
    add_user(&db.path, "stat", Role::Statistician, Scope::All, PW);
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("queries")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    std::fs::write(dir.path().join("ids.sql"), IDS).unwrap();
    std::fs::write(dir.path().join("broken.sql"), BROKEN).unwrap();
    let logged = spawn_app_logged(&db.path, &["--queries", dir.path().to_str().unwrap()], &[]);
    let app = &logged.app;

    // ID numbers: whole for statisticians, masked for leaders and
    // anonymous visitors, and no download for them.
    let full = {
        let j: serde_json::Value = signed_in(app, "stat", PW).get(app.url("/q/ids.json")).send().unwrap().json().unwrap();
        j["rows"][0][1].as_str().unwrap().to_string()
    };
    assert_eq!(full.len(), 18, "{full}");
    let masked = format!("{}********{}", &full[..6], &full[14..]);
    let leader = signed_in(app, "li", PW);
    for client in [&leader, &browser()] {
        let j: serde_json::Value = client.get(app.url("/q/ids.json")).send().unwrap().json().unwrap();
        assert_eq!(j["rows"][0][1], masked.as_str());
        let html = client.get(app.url("/q/ids")).send().unwrap().text().unwrap();
        assert!(html.contains(&masked) && !html.contains(&full));
        assert_eq!(client.get(app.url("/q/ids.csv")).send().unwrap().status(), 403);
    }
    let csv = signed_in(app, "stat", PW).get(app.url("/q/ids.csv")).send().unwrap().text().unwrap();
    assert!(csv.contains(&full));

    // An internal error says so and nothing more: no SQL, no DuckDB message.
    let r = browser().get(app.url("/q/broken.json")).send().unwrap();
    assert_eq!(r.status(), 500);
    headers_are_hardened(&r, "500");
    let body = r.text().unwrap();
    for leak in ["CAST", "war_zone", "SELECT", "Conversion", "INT32", "第一战区"] {
        assert!(!body.contains(leak), "{leak} in {body}");
    }
    assert!(body.contains("Internal error"), "{body}");
    assert!(logged.wait_for_log("Conversion").is_some(), "the cause goes to the log");

    // Bodies over 64 KiB are refused.
    let client = browser();
    let csrf = csrf_in(&client.get(app.url("/login")).send().unwrap().text().unwrap());
    let big = "x".repeat(100 * 1024);
    let r = client.post(app.url("/login")).form(&[("csrf", csrf.as_str()), ("name", "boss"), ("password", big.as_str())]).send().unwrap();
    assert_eq!(r.status(), 413);

    // Admin: add, change, reset and remove users through the forms.
    let admin = signed_in(app, "boss", PW);
    let page = admin.get(app.url("/admin/users")).send().unwrap().text().unwrap();
    assert!(page.contains("li") && page.contains("zone:2"), "{page}");
    let csrf = csrf_in(&page);
    let post = |fields: &[(&str, &str)]| {
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        admin.post(app.url("/admin/users")).form(&form).send().unwrap()
    };
    let r = post(&[("action", "add"), ("name", "zhou"), ("role", "leader"), ("scope", "township:150526100")]);
    assert_eq!(r.status(), 200);
    let page = r.text().unwrap();
    let at = page.find("<code class=\"password\">").expect("the new password is shown once");
    let zhou_pw = page[at + 23..].split('<').next().unwrap().to_string();
    assert_eq!(zhou_pw.len(), 16);
    let r = sign_in(&browser(), app, "zhou", &zhou_pw);
    assert_eq!(r.headers()["location"], "/account/password");
    assert_eq!(post(&[("action", "add"), ("name", "zhou"), ("role", "leader")]).status(), 400, "taken");
    assert_eq!(post(&[("action", "add"), ("name", "x"), ("role", "leader"), ("scope", "zone:99")]).status(), 400);
    assert_eq!(post(&[("action", "update"), ("name", "boss"), ("role", "leader"), ("scope", "all")]).status(), 400, "the last admin");
    // Changing li's role ends li's session.
    assert_eq!(leader.get(app.url("/account")).send().unwrap().status(), 200);
    assert_eq!(post(&[("action", "update"), ("name", "li"), ("role", "statistician"), ("scope", "all")]).status(), 200);
    assert_eq!(leader.get(app.url("/account")).send().unwrap().status(), 401);
    let li = signed_in(app, "li", PW);
    assert_eq!(li.get(app.url("/q/risk_warnings.csv")).send().unwrap().status(), 200, "now a statistician");
    let r = post(&[("action", "reset"), ("name", "li")]);
    assert_eq!(r.status(), 200);
    assert_eq!(sign_in(&browser(), app, "li", PW).status(), 401, "the old password is gone");
    assert_eq!(post(&[("action", "remove"), ("name", "zhou")]).status(), 200);
    assert_eq!(sign_in(&browser(), app, "zhou", &zhou_pw).status(), 401);
    // Without the token nothing changes.
    let r = admin.post(app.url("/admin/users")).form(&[("action", "remove"), ("name", "li")]).send().unwrap();
    assert_eq!(r.status(), 403);
    drop(logged);
    let actions: Vec<String> = audit_rows(&db.path).into_iter().filter(|r| r.0.as_deref() == Some("boss")).map(|r| r.1).collect();
    for a in ["user_added", "user_changed", "password_reset", "user_removed"] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
    let conn = jingzhun::store::open_ro(&db.path).unwrap();
    assert!(jingzhun::auth::users::get(&conn, "li").unwrap().is_some());
}
