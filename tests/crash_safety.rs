//! Crash safety: an import killed (SIGKILL) at any moment leaves the
//! database exactly as before it or, if it had committed, exactly as after
//! it — never partial — and import_batch agrees with the data. Once for
//! `jingzhun import`, once for the browser's confirm on `jingzhun serve`.

mod common;

use std::path::Path;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{add_user, copy_db, fingerprint_after_restart, sample_db, signed_in, spawn_app, spawn_app_logged, upload_for_import, LoggedApp, TestApp};
use jingzhun::auth::{Role, Scope};
use rand::{Rng, SeedableRng};

const PW: &str = "a long test password 2026";

type Fingerprint = Vec<(String, i64, String)>;

/// The scale-1 sample drawn with another seed: the same villages, other
/// households and values, so importing it over the scale-1 database updates
/// about half the rows and adds the rest — a few seconds of work.
fn reseeded() -> &'static Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        jingzhun::sample::generate(dir.path(), &jingzhun::sample::SampleOptions { scale: 1, seed: 7 }).unwrap();
        dir
    })
    .path()
}

/// When to kill: after a delay from the start; once the import has logged
/// its last merge, plus a delay (the commit follows the last merge); or
/// once it has logged its commit.
#[derive(Debug, Clone, Copy)]
enum Kill {
    At(Duration),
    AfterLastMerge(Duration),
    AfterCommitLogged,
}

/// What an import has logged so far.
#[derive(Default)]
struct Progress {
    merges: AtomicUsize,
    committed: AtomicBool,
}

/// The kill points: one very early, `random` at seeded random delays over
/// the measured run, two inside the measured window between the last merge
/// and the commit, one right after the commit.
fn kill_points(duration: Duration, commit_window: Duration, random: usize, seed: u64) -> Vec<Kill> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut points = vec![Kill::At(Duration::from_millis(30))];
    let mut delays: Vec<Duration> = (0..random).map(|_| duration.mul_f64(rng.gen_range(0.05..0.9))).collect();
    delays.sort();
    points.extend(delays.into_iter().map(Kill::At));
    for f in [rng.gen_range(0.0..0.2), rng.gen_range(0.2..0.5)] {
        points.push(Kill::AfterLastMerge(commit_window.mul_f64(f)));
    }
    points.push(Kill::AfterCommitLogged);
    points
}

/// Waits as `kill` says; `files` merges make the last one.
fn wait_for(kill: Kill, files: usize, progress: impl Fn() -> (usize, bool)) {
    let deadline = Instant::now() + Duration::from_secs(120);
    let until = |done: &dyn Fn((usize, bool)) -> bool| {
        while !done(progress()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_micros(500));
        }
    };
    match kill {
        Kill::At(d) => std::thread::sleep(d),
        Kill::AfterLastMerge(extra) => {
            until(&|(merges, _)| merges >= files);
            std::thread::sleep(extra);
        }
        Kill::AfterCommitLogged => until(&|(_, committed)| committed),
    }
}

#[derive(Default, Debug)]
struct Outcomes {
    before: usize,
    after: usize,
    finished_first: usize,
}

fn judge(outcomes: &mut Outcomes, what: &str, delay: Kill, exited: bool, got: &Fingerprint, before: &Fingerprint, after: &Fingerprint) {
    let note = if exited { " (it had already finished)" } else { "" };
    if exited {
        outcomes.finished_first += 1;
    }
    if got == before {
        outcomes.before += 1;
        eprintln!("{what}: killed at {delay:?}{note}: database as before the import");
    } else if got == after {
        outcomes.after += 1;
        eprintln!("{what}: killed at {delay:?}{note}: database as after the import");
    } else {
        let diff: Vec<_> = got.iter().zip(before).zip(after).filter(|((g, b), a)| g != b || g != a).map(|((g, b), a)| (g, b.1, a.1)).collect();
        panic!("{what}: killed at {delay:?}: the database is neither as before nor as after the import: {diff:?}");
    }
}

/// How many import runs import_batch records (each file of a run is a row
/// with the same run_id).
fn runs(path: &Path) -> i64 {
    let conn = jingzhun::store::open_ro(path).unwrap();
    common::scalar_i64(&conn, "SELECT count(DISTINCT run_id) FROM import_batch")
}

fn import_command(db: &Path, data: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jingzhun"));
    cmd.args(["import", "--db"]).arg(db).arg(data).env("RUST_LOG", "info").stdout(Stdio::null()).stderr(Stdio::piped());
    cmd
}

/// Follows what an import logs (merged files, the commit), on a thread of
/// its own.
fn follow(stderr: impl std::io::Read + Send + 'static) -> Arc<Progress> {
    let progress = Arc::new(Progress::default());
    let p = progress.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("merged") {
                p.merges.fetch_add(1, Ordering::SeqCst);
            } else if line.contains("import committed") {
                p.committed.store(true, Ordering::SeqCst);
            }
        }
    });
    progress
}

/// Measures a run: its duration and the time from its last merge to its
/// logged commit.
fn measure(files: usize, progress: impl Fn() -> (usize, bool), finished: impl Fn() -> bool) -> (Duration, Duration) {
    let started = Instant::now();
    let (mut last_merge, mut committed) = (None, None);
    while !finished() && started.elapsed() < Duration::from_secs(300) {
        let (merges, done) = progress();
        if merges >= files && last_merge.is_none() {
            last_merge = Some(started.elapsed());
        }
        if done && committed.is_none() {
            committed = Some(started.elapsed());
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    let total = started.elapsed();
    let last_merge = last_merge.expect("the last merge was logged");
    (total, committed.unwrap_or(total).saturating_sub(last_merge))
}

#[test]
fn a_killed_command_line_import_leaves_the_database_before_or_after() {
    let base = sample_db();
    let before = fingerprint_after_restart(&base.path);
    assert_eq!(runs(&base.path), 1);

    // The import done once, cleanly: what "after" looks like, how long it
    // takes, and how long its commit takes.
    const FILES: usize = 18;
    let clean = copy_db(&base.path);
    let mut child = import_command(&clean.path, reseeded()).spawn().unwrap();
    let progress = follow(child.stderr.take().unwrap());
    let child = std::sync::Mutex::new(child);
    let (duration, commit_window) = measure(
        FILES,
        || (progress.merges.load(Ordering::SeqCst), progress.committed.load(Ordering::SeqCst)),
        || child.lock().unwrap().try_wait().unwrap().is_some(),
    );
    assert!(child.into_inner().unwrap().wait().unwrap().success(), "the clean import failed");
    assert_eq!(progress.merges.load(Ordering::SeqCst), FILES);
    let after = fingerprint_after_restart(&clean.path);
    assert_ne!(before, after);
    assert_eq!(runs(&clean.path), 2);
    eprintln!("clean import of the reseeded sample on the scale-1 database: {duration:?}, of which {commit_window:?} from the last merge to the commit");

    let mut outcomes = Outcomes::default();
    let points = kill_points(duration, commit_window, 3, 20261128);
    for &kill in &points {
        let db = copy_db(&base.path);
        let mut child = import_command(&db.path, reseeded()).spawn().unwrap();
        let progress = follow(child.stderr.take().unwrap());
        wait_for(kill, FILES, || (progress.merges.load(Ordering::SeqCst), progress.committed.load(Ordering::SeqCst)));
        let exited = child.try_wait().unwrap().is_some();
        child.kill().ok(); // SIGKILL
        child.wait().unwrap();
        let got = fingerprint_after_restart(&db.path);
        judge(&mut outcomes, "jingzhun import", kill, exited, &got, &before, &after);
        assert_eq!(runs(&db.path), if got == before { 1 } else { 2 }, "import_batch agrees with the data");
        if matches!(kill, Kill::AfterCommitLogged) {
            assert_eq!(got, after, "a logged commit survives the kill");
        }
    }
    eprintln!("jingzhun import killed at {} points: {outcomes:?}", points.len());
    assert_eq!(outcomes.before + outcomes.after, points.len());
    assert!(outcomes.before >= 1, "some kills landed before the commit: {outcomes:?}");
}

/// The files a browser upload carries: households, members and incomes of
/// the reseeded sample.
fn upload_files() -> Vec<(String, Vec<u8>)> {
    ["household.csv", "member.csv", "income_year.csv"].iter().map(|n| (n.to_string(), std::fs::read(reseeded().join(n)).unwrap())).collect()
}

fn households(app: &TestApp, client: &reqwest::blocking::Client) -> i64 {
    let r = client.get(app.url("/q/headline.json")).send().unwrap();
    assert_eq!(r.status(), 200);
    r.json::<serde_json::Value>().unwrap()["rows"][0][0].as_i64().unwrap()
}

#[test]
fn a_server_killed_during_a_browser_import_restarts_with_the_database_before_or_after() {
    let base = sample_db();
    add_user(&base.path, "wang", Role::Statistician, Scope::All, PW);
    let before = fingerprint_after_restart(&base.path);
    let households_before = common::scalar_i64(&jingzhun::store::open_ro(&base.path).unwrap(), "SELECT count(*) FROM household");
    let files = upload_files();

    // Once cleanly: the "after" state, how long a confirm takes, and how
    // long from its last merge to its commit.
    let nfiles = files.len();
    // Dry runs log their merges too, but never a commit.
    let progress = |app: &LoggedApp, merges_before: usize| {
        let log = app.log();
        (log.iter().filter(|l| l.contains("merged")).count() - merges_before, log.iter().any(|l| l.contains("import committed")))
    };
    let clean = copy_db(&base.path);
    let (duration, commit_window, households_after) = {
        let app = spawn_app_logged(&clean.path, &[], &[]);
        let client = signed_in(&app.app, "wang", PW);
        let (id, csrf) = upload_for_import(&client, &app.app, &files);
        let merges_before = app.log().iter().filter(|l| l.contains("merged")).count();
        let confirming = {
            let (client, url) = (client.clone(), app.app.url(&format!("/import/{id}/confirm")));
            std::thread::spawn(move || client.post(url).form(&[("csrf", csrf.as_str())]).send().unwrap().status().as_u16())
        };
        let (duration, window) = measure(nfiles, || progress(&app, merges_before), || confirming.is_finished());
        assert_eq!(confirming.join().unwrap(), 200);
        (duration, window, households(&app.app, &client))
    };
    let after = fingerprint_after_restart(&clean.path);
    assert_ne!(before, after);
    eprintln!("clean browser confirm: {duration:?}, of which {commit_window:?} from the last merge to the commit");

    let mut outcomes = Outcomes::default();
    let points = kill_points(duration, commit_window, 1, 7);
    for &kill in &points {
        let db = copy_db(&base.path);
        let app = spawn_app_logged(&db.path, &[], &[]);
        let client = signed_in(&app.app, "wang", PW);
        let (id, csrf) = upload_for_import(&client, &app.app, &files);
        let url = app.app.url(&format!("/import/{id}/confirm"));
        let merges_before = app.log().iter().filter(|l| l.contains("merged")).count();
        let confirming = {
            let client = client.clone();
            std::thread::spawn(move || client.post(url).form(&[("csrf", csrf.as_str())]).send().map(|r| r.status().as_u16()))
        };
        wait_for(kill, nfiles, || progress(&app, merges_before));
        drop(app); // SIGKILL, then wait
        let answered = confirming.join().unwrap();
        if let Ok(status) = answered {
            assert_eq!(status, 200, "a confirm that answered before the kill succeeded");
        }
        // Restart the server on the same file: it opens, and serves the old or the new total.
        let restarted = spawn_app(&db.path);
        let client = signed_in(&restarted, "wang", PW);
        let total = households(&restarted, &client);
        assert!(total == households_before || total == households_after, "after a restart: {total}");
        if answered.is_ok() {
            assert_eq!(total, households_after, "a confirmed import survives the kill");
        }
        drop(restarted);
        let got = fingerprint_after_restart(&db.path);
        judge(&mut outcomes, "browser confirm", kill, answered.is_ok(), &got, &before, &after);
        if matches!(kill, Kill::AfterCommitLogged) {
            assert_eq!(got, after, "a logged commit survives the kill");
        }
        assert_eq!(total == households_after, got == after, "the server served what the file holds");
        assert_eq!(runs(&db.path), if got == before { 1 } else { 2 }, "import_batch agrees with the data");
    }
    eprintln!("jingzhun serve killed during confirm at {} points: {outcomes:?}", points.len());
    assert_eq!(outcomes.before + outcomes.after, points.len());
}
