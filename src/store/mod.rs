//! The store: opening the DuckDB database file, versioned schema migrations,
//! and the pool of connections the server reads through.
//!
//! Invariant: only `store/` and `import/` hold a `duckdb::Connection`; the
//! web layer reaches DuckDB through [`Db::run`], which runs on a blocking
//! thread, never on an async worker.

pub mod backup;
pub mod tables;
pub mod threads;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use duckdb::{AccessMode, Config, Connection};

/// Schema migrations, in order. A released migration is never edited: a
/// change to the schema is a new entry, applied to existing files on open.
pub const MIGRATIONS: &[(i32, &str)] = &[
    (1, include_str!("migrations/0001_initial.sql")),
    (2, include_str!("migrations/0002_accounts.sql")),
    (3, include_str!("migrations/0003_definitions.sql")),
    (4, include_str!("migrations/0004_no_key_indexes.sql")),
    (5, include_str!("migrations/0005_summaries.sql")),
];

/// The summary tables of migration 5, in the order they are built: each is
/// the rows of its definition, the view `<name>_def`.
pub const SUMMARIES: &[&str] = &[
    "poor_household_year",
    "incidence_village_year",
    "income_household_year",
    "household_exit",
    "coverage_village_year",
    "dividend_paid",
    "loan_geo",
    "risk_warning",
];

/// Rebuilds every summary table from its definition. The import calls it
/// inside its transaction, so the summaries always match the data.
pub fn refresh_summaries(conn: &Connection) -> anyhow::Result<()> {
    for name in SUMMARIES {
        let started = std::time::Instant::now();
        conn.execute_batch(&format!("CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_def"))
            .with_context(|| format!("cannot rebuild the summary table {name}"))?;
        tracing::info!(table = name, ms = started.elapsed().as_millis() as u64, "summary rebuilt");
    }
    Ok(())
}

/// The schema version this build writes and expects.
pub fn latest_version() -> i32 {
    MIGRATIONS.last().map(|m| m.0).unwrap_or(0)
}

/// Opens (creating if needed) a database for writing and brings its schema
/// up to date.
pub fn open_rw(path: &Path) -> anyhow::Result<Connection> {
    let conn = Connection::open(path)
        .with_context(|| format!("cannot open database {}", path.display()))?;
    let have = current_version(&conn)?;
    if have > 0 && have < latest_version() {
        let copy = backup_before_migration(&conn, path)
            .with_context(|| format!("cannot back up database {} before migrating it; nothing was changed", path.display()))?;
        tracing::warn!(
            backup = %copy.display(),
            "database {} has schema version {have}; copied it to {} before migrating to version {}",
            path.display(),
            copy.display(),
            latest_version()
        );
    }
    migrate(&conn).with_context(|| format!("cannot migrate database {}", path.display()))?;
    Ok(conn)
}

/// Where the copy of a database taken before migrating it goes:
/// `<db>.pre-v<latest>-<UTC time>.bak`, beside it.
pub fn pre_migration_path(path: &Path, at: chrono::DateTime<chrono::Utc>) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".pre-v{}-{}.bak", latest_version(), at.format("%Y%m%dT%H%M%S%.3fZ")));
    path.with_file_name(name)
}

/// Copies the file, byte for byte, before a migration touches it: a
/// checkpoint first (so the file holds everything and the WAL nothing),
/// then a copy under a temporary name, fsync, rename. This process holds
/// the file's lock, so nothing writes it meanwhile.
fn backup_before_migration(conn: &Connection, path: &Path) -> anyhow::Result<PathBuf> {
    conn.execute_batch("CHECKPOINT")?;
    let out = pre_migration_path(path, chrono::Utc::now());
    let tmp = PathBuf::from(format!("{}.partial", out.display()));
    std::fs::copy(path, &tmp).with_context(|| format!("cannot copy to {}", tmp.display()))?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, &out)?;
    Ok(out)
}

/// Opens an existing database read-only; refuses one whose schema is not
/// the version this build knows.
pub fn open_ro(path: &Path) -> anyhow::Result<Connection> {
    if !path.exists() {
        bail!("database {} does not exist", path.display());
    }
    let config = Config::default().access_mode(AccessMode::ReadOnly)?;
    let conn = Connection::open_with_flags(path, config)
        .with_context(|| format!("cannot open database {} read-only", path.display()))?;
    let v = current_version(&conn)?;
    if v != latest_version() {
        bail!(
            "database {} has schema version {v}, this jingzhun expects {}; open it once for writing (e.g. `jingzhun import`) to migrate",
            path.display(),
            latest_version()
        );
    }
    Ok(conn)
}

/// An in-memory database with the current schema (tests, checks).
pub fn open_memory() -> anyhow::Result<Connection> {
    let conn = Connection::open_in_memory()?;
    migrate(&conn)?;
    Ok(conn)
}

fn current_version(conn: &Connection) -> anyhow::Result<i32> {
    let exists: i64 = conn.query_row(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = 'schema_version'",
        [],
        |r| r.get(0),
    )?;
    if exists == 0 {
        return Ok(0);
    }
    let v: Option<i32> = conn.query_row("SELECT max(version) FROM schema_version", [], |r| r.get(0))?;
    Ok(v.unwrap_or(0))
}

/// Applies every migration newer than the file's version, each in its own
/// transaction together with its `schema_version` row.
pub fn migrate(conn: &Connection) -> anyhow::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)",
    )?;
    let have = current_version(conn)?;
    if have > latest_version() {
        bail!(
            "the database has schema version {have}, newer than this jingzhun knows ({}); use a newer jingzhun",
            latest_version()
        );
    }
    for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 > have) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql).with_context(|| format!("migration {version} failed"))?;
        tx.execute("INSERT INTO schema_version (version) VALUES (?)", [version])?;
        tx.commit()?;
    }
    Ok(())
}

/// The server's DuckDB settings: its buffer pool is capped at `memory_mb`
/// (DuckDB's default, 80 % of the machine, let a scale-100 server grow past
/// 600 MB by keeping every column it had read; BENCHMARKS.md). Larger work
/// spills to temporary files instead.
fn server_config(memory_mb: usize) -> anyhow::Result<Config> {
    Ok(Config::default().max_memory(&format!("{}MB", memory_mb.max(64)))?)
}

/// Prepared statements each pooled connection keeps: every canned query
/// (there are some fifty) and the option lists, so that a request never
/// parses SQL again (BENCHMARKS.md).
pub const STATEMENT_CACHE: usize = 128;

/// Gives each new pooled connection its statement cache.
#[derive(Debug)]
struct StatementCache;

impl r2d2::CustomizeConnection<Connection, duckdb::Error> for StatementCache {
    fn on_acquire(&self, conn: &mut Connection) -> Result<(), duckdb::Error> {
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(())
    }
}

/// A pool of read connections to one database file, used by the server.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<duckdb::DuckdbConnectionManager>,
    /// The threads [`Db::run`] uses, one per pooled connection.
    threads: std::sync::Arc<threads::Threads>,
    /// Every [`Db::run_limited`] query and download holds this shared
    /// while it runs; one DuckDB stopped for want of memory runs again
    /// holding it alone (see there).
    memory_gate: std::sync::Arc<parking_lot::RwLock<()>>,
    /// DuckDB's memory limit, in MiB, for the message when even that fails.
    memory_mb: usize,
    path: PathBuf,
    read_only: bool,
}

impl Db {
    /// Opens the pool on a database that already has the current schema.
    pub fn open(path: &Path, size: u32, memory_mb: usize) -> anyhow::Result<Db> {
        // Migrate once through a plain connection; pooled connections share
        // the same database instance inside the manager.
        drop(open_rw(path)?);
        let manager = duckdb::DuckdbConnectionManager::file_with_flags(path, server_config(memory_mb)?)
            .with_context(|| format!("cannot open database {}", path.display()))?;
        Db::pooled(manager, path, size, memory_mb, false)
    }

    /// Opens the pool read-only, as a replica does: no migration (the file
    /// must already have this build's schema), no writes, and any number
    /// of processes may open the same file at once.
    pub fn open_read_only(path: &Path, size: u32, memory_mb: usize) -> anyhow::Result<Db> {
        drop(open_ro(path)?);
        let config = server_config(memory_mb)?.access_mode(AccessMode::ReadOnly)?;
        let manager = duckdb::DuckdbConnectionManager::file_with_flags(path, config)
            .with_context(|| format!("cannot open database {} read-only", path.display()))?;
        Db::pooled(manager, path, size, memory_mb, true)
    }

    /// The pool over `manager`'s database, as both kinds of server use it.
    fn pooled(manager: duckdb::DuckdbConnectionManager, path: &Path, size: u32, memory_mb: usize, read_only: bool) -> anyhow::Result<Db> {
        let pool = r2d2::Pool::builder()
            .max_size(size.max(1))
            // An in-process DuckDB connection does not go stale: no probe
            // query on every checkout.
            .test_on_check_out(false)
            .connection_customizer(Box::new(StatementCache))
            .build(manager)
            .context("cannot build the connection pool")?;
        let threads = std::sync::Arc::new(threads::Threads::start("jingzhun-db", size.max(1) as usize)?);
        Ok(Db { pool, threads, memory_gate: Default::default(), memory_mb: memory_mb.max(64), path: path.to_path_buf(), read_only })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether this pool was opened read-only (a replica).
    pub fn read_only(&self) -> bool {
        self.read_only
    }

    /// Runs `f` with a pooled connection on this thread: for start-up and
    /// the command line, never from an async handler.
    pub fn with_conn<T>(&self, f: impl FnOnce(&Connection) -> anyhow::Result<T>) -> anyhow::Result<T> {
        let conn = self.pool.get().context("no database connection available")?;
        f(&conn)
    }

    /// Like [`Db::run`], with the connection mutable (for transactions,
    /// e.g. an import).
    pub async fn run_mut<T, F>(&self, f: F) -> anyhow::Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> anyhow::Result<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let mut conn = pool.get().context("no database connection available")?;
            f(&mut conn)
        })
        .await
        .context("the database task failed")?
    }

    /// Like [`Db::run`], but interrupts the query when it runs longer than
    /// `limit`; the error is then a [`QueryTimeout`].
    ///
    /// DuckDB's memory is capped (`--duckdb-memory-mb`) and shared by every
    /// connection: a heavy query (an exact median, a distinct count over
    /// millions of rows) that fits alone can be stopped for want of memory
    /// while others run beside it. Such a query runs once more, alone: it
    /// waits up to `limit` for a moment when no other query runs. New
    /// queries are not held back for it, so it may not find one; if it does
    /// not, or still does not fit, the error is an [`OutOfMemory`]. So `f`
    /// may run twice, and must not have sent anything anywhere; a download
    /// that streams as it reads uses [`Db::run_streaming`].
    ///
    /// The work is handed over at once, before the future is awaited.
    pub fn run_limited<T, F>(&self, limit: std::time::Duration, f: F) -> impl std::future::Future<Output = anyhow::Result<T>> + 'static
    where
        T: Send + 'static,
        F: Fn(&Connection) -> anyhow::Result<T> + Send + 'static,
    {
        // A job that sends nothing as it runs has never sent anything.
        self.run_streaming(limit, f, || false)
    }

    /// Like [`Db::run_limited`] for a download, which sends its output as
    /// it reads: it runs again alone only if it was stopped for memory
    /// before it had sent anything (`sent` says).
    pub fn run_streaming<T, F, S>(&self, limit: std::time::Duration, f: F, sent: S) -> impl std::future::Future<Output = anyhow::Result<T>> + 'static
    where
        T: Send + 'static,
        F: Fn(&Connection) -> anyhow::Result<T> + Send + 'static,
        S: Fn() -> bool + Send + 'static,
    {
        let (gate, memory_mb) = (self.memory_gate.clone(), self.memory_mb);
        self.run(move |conn| {
            let first = {
                let _beside_others = gate.read_recursive();
                with_time_limit(conn, limit, &f)
            };
            match first {
                Err(e) if sent() => Err(e),
                first => again_alone(first, &gate, memory_mb, limit, || with_time_limit(conn, limit, &f)),
            }
        })
    }

    /// Runs `f` with a pooled connection on one of the database threads
    /// (`threads.rs`), keeping the async workers free while DuckDB works.
    /// The work is handed over at once, before the future is awaited
    /// (`Threads::run`).
    pub fn run<T, F>(&self, f: F) -> impl std::future::Future<Output = anyhow::Result<T>> + 'static
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> anyhow::Result<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        let job = self.threads.run(move || {
            let _entered = span.enter();
            let conn = pool.get().context("no database connection available")?;
            f(&conn)
        });
        async move { job.await? }
    }

    /// Readiness: a pooled connection is free within `wait` and answers
    /// `SELECT 1` within `wait` (`/readyz`).
    pub async fn ping(&self, wait: std::time::Duration) -> anyhow::Result<()> {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let conn = pool
                .get_timeout(wait)
                .with_context(|| format!("no free database connection within {} ms", wait.as_millis()))?;
            with_time_limit(&conn, wait, |c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i32>(0))?))?;
            Ok(())
        })
        .await
        .context("database task failed")?
    }
}

/// A query ran past its time limit and was interrupted.
#[derive(Debug, thiserror::Error)]
#[error("the query took longer than {0:?} and was stopped")]
pub struct QueryTimeout(pub std::time::Duration);

/// A query needed more memory than DuckDB may use (`--duckdb-memory-mb`,
/// the MiB given), even when it ran alone, or the queries beside it did not
/// finish in time for it to run alone.
#[derive(Debug, thiserror::Error)]
#[error("the query needed more memory than the {0} MiB DuckDB may use (--duckdb-memory-mb), even run alone")]
pub struct OutOfMemory(pub usize);

/// `first`, unless DuckDB stopped it for want of memory: then `again`, run
/// holding `gate` alone, at a moment when no query holds it (waiting at
/// most `limit`; queries hold it with `read_recursive`, so none waits
/// behind this one). Still short of memory is an [`OutOfMemory`].
fn again_alone<T>(
    first: anyhow::Result<T>,
    gate: &parking_lot::RwLock<()>,
    memory_mb: usize,
    limit: std::time::Duration,
    again: impl FnOnce() -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    match first {
        Err(e) if is_out_of_memory(&e) => {
            tracing::warn!(error = %e, "a query ran out of memory beside others; it runs again alone");
            let Some(_alone) = gate.try_write_for(limit) else {
                return Err(e.context(OutOfMemory(memory_mb)));
            };
            again().map_err(|e| if is_out_of_memory(&e) { e.context(OutOfMemory(memory_mb)) } else { e })
        }
        other => other,
    }
}

/// Whether DuckDB stopped the query for want of memory.
fn is_out_of_memory(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.to_string().starts_with("Out of Memory Error"))
}

/// Runs `f` on `conn`, interrupting DuckDB if it is still running after
/// `limit`.
pub fn with_time_limit<T>(
    conn: &Connection,
    limit: std::time::Duration,
    f: impl FnOnce(&Connection) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let watch = Watchdog::get().watch(conn.interrupt_handle(), limit);
    let result = f(conn);
    let fired = Watchdog::get().unwatch(watch);
    match result {
        Err(_) if fired => Err(QueryTimeout(limit).into()),
        other => other,
    }
}

/// One thread that keeps every running query's deadline and interrupts
/// those that pass it. A thread per query cost 0.3 ms of every request
/// (BENCHMARKS.md); registering here costs a lock.
struct Watchdog {
    watched: std::sync::Mutex<Watched>,
    wake: std::sync::Condvar,
}

struct Watched {
    next_id: u64,
    /// Id, deadline, the connection's interrupt handle.
    running: Vec<(u64, std::time::Instant, std::sync::Arc<duckdb::InterruptHandle>)>,
    /// Ids interrupted, until their caller looks.
    fired: Vec<u64>,
    /// When the watchdog wakes next by itself.
    wakes_at: std::time::Instant,
}

impl Default for Watched {
    fn default() -> Self {
        Watched { next_id: 0, running: Vec::new(), fired: Vec::new(), wakes_at: std::time::Instant::now() }
    }
}

/// How often the watchdog wakes when no query runs.
const IDLE_WAKE: std::time::Duration = std::time::Duration::from_secs(1);

impl Watchdog {
    fn get() -> &'static Watchdog {
        static DOG: std::sync::OnceLock<&'static Watchdog> = std::sync::OnceLock::new();
        DOG.get_or_init(|| {
            let dog: &'static Watchdog = Box::leak(Box::new(Watchdog { watched: Default::default(), wake: std::sync::Condvar::new() }));
            std::thread::Builder::new()
                .name("jingzhun-watchdog".into())
                .spawn(move || dog.run())
                .expect("cannot start the query watchdog thread");
            dog
        })
    }

    fn watch(&self, handle: std::sync::Arc<duckdb::InterruptHandle>, limit: std::time::Duration) -> u64 {
        let mut w = self.watched.lock().unwrap_or_else(|e| e.into_inner());
        w.next_id += 1;
        let id = w.next_id;
        let deadline = std::time::Instant::now() + limit;
        w.running.push((id, deadline, handle));
        // The watchdog is woken only when this deadline comes before the
        // time it will wake by itself: waking it for every query put a
        // third thread on the CPUs beside DuckDB's two (BENCHMARKS.md).
        let wake = deadline < w.wakes_at;
        drop(w);
        if wake {
            self.wake.notify_one();
        }
        id
    }

    /// Stops watching `id`; whether it was interrupted.
    fn unwatch(&self, id: u64) -> bool {
        let mut w = self.watched.lock().unwrap_or_else(|e| e.into_inner());
        w.running.retain(|r| r.0 != id);
        match w.fired.iter().position(|&f| f == id) {
            Some(i) => {
                w.fired.swap_remove(i);
                true
            }
            None => false,
        }
    }

    fn run(&self) {
        let mut w = self.watched.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let now = std::time::Instant::now();
            let mut i = 0;
            while i < w.running.len() {
                if w.running[i].1 <= now {
                    let (id, _, handle) = w.running.swap_remove(i);
                    handle.interrupt();
                    w.fired.push(id);
                } else {
                    i += 1;
                }
            }
            // With nothing to watch it still wakes every second, so that
            // a query starting meanwhile (its limit is longer) needs no
            // wake-up call.
            let next = w.running.iter().map(|r| r.1).min().unwrap_or(now + IDLE_WAKE);
            w.wakes_at = next;
            w = self.wake.wait_timeout(w, next.saturating_duration_since(now)).unwrap_or_else(|e| e.into_inner()).0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Heavy queries that each fit in DuckDB's memory alone but not all at
    /// once: run side by side as downloads that have already sent
    /// something, some are stopped for want of memory (this shows the
    /// test's queries are heavy enough); through `run_limited`, or as
    /// downloads that have sent nothing yet, every one answers, those
    /// stopped running again alone. One that does not fit even alone is an
    /// `OutOfMemory` naming the limit.
    #[test]
    fn queries_short_of_memory_beside_others_run_again_alone() {
        use std::sync::{atomic::AtomicBool, atomic::Ordering, Arc, Barrier};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("heavy.duckdb");
        // Three million doubles: their exact medians fit in 64 MiB alone
        // (four million do not).
        open_rw(&path).unwrap().execute_batch("CREATE TABLE heavy AS SELECT range::DOUBLE AS x, range % 3 AS g FROM range(3000000)").unwrap();
        let db = Db::open(&path, 4, 64).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let limit = std::time::Duration::from_secs(60);
        let heavy = |c: &Connection| -> anyhow::Result<Vec<f64>> {
            let mut stmt = c.prepare("SELECT median(x) FROM heavy GROUP BY g ORDER BY g")?;
            let medians = stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<f64>, _>>()?;
            Ok(medians)
        };
        // `heavy` as a job whose first run waits until all four have
        // started (a run again alone does not wait).
        let together = |at_once: Arc<Barrier>| {
            let first = AtomicBool::new(true);
            move |c: &Connection| {
                if first.swap(false, Ordering::SeqCst) {
                    at_once.wait();
                }
                heavy(c)
            }
        };
        let at_once = Arc::new(Barrier::new(4));
        let side_by_side =
            rt.block_on(futures_util::future::join_all((0..4).map(|_| db.run_streaming(limit, together(at_once.clone()), || true))));
        let stopped = side_by_side.iter().filter(|r| r.as_ref().is_err_and(is_out_of_memory)).count();
        assert!(stopped > 0, "all four fitted at once: the test's queries are not heavy enough");

        let at_once = Arc::new(Barrier::new(4));
        let retried = rt.block_on(futures_util::future::join_all((0..4).map(|_| db.run_limited(limit, together(at_once.clone())))));
        let at_once = Arc::new(Barrier::new(4));
        let downloads =
            rt.block_on(futures_util::future::join_all((0..4).map(|_| db.run_streaming(limit, together(at_once.clone()), || false))));
        let alone = rt.block_on(db.run_limited(limit, heavy)).unwrap();
        assert_eq!(alone.len(), 3);
        for r in retried.into_iter().chain(downloads) {
            assert_eq!(r.unwrap(), alone);
        }

        let too_big = rt.block_on(db.run_limited(limit, |c| {
            Ok(c.query_row("SELECT median(x), median(x + 1), median(x + 2), median(x + 3), median(x + 4) FROM heavy, range(4)", [], |r| r.get::<_, f64>(0))?)
        }));
        let e = too_big.unwrap_err();
        assert_eq!(e.downcast_ref::<OutOfMemory>().map(|m| m.0), Some(64), "{e:?}");
        assert!(e.to_string().contains("--duckdb-memory-mb"));
    }

    /// The watchdog sleeps until the earliest deadline it knows and is
    /// woken only for an earlier one: a long query is watched first, then
    /// a short one must still be stopped at its own limit.
    #[test]
    fn a_short_limit_behind_a_long_one_is_kept() {
        let long = open_memory().unwrap();
        let short = long.try_clone().unwrap();
        let spin = "SELECT count(*) FROM range(100000000000)";
        let long_started = std::time::Instant::now();
        let long_run = std::thread::spawn(move || with_time_limit(&long, std::time::Duration::from_secs(4), |c| Ok(c.query_row(spin, [], |r| r.get::<_, i64>(0))?)));
        // Past the watchdog's idle wake-up: it now sleeps until the long
        // query's deadline.
        std::thread::sleep(IDLE_WAKE + std::time::Duration::from_millis(200));
        let started = std::time::Instant::now();
        let r = with_time_limit(&short, std::time::Duration::from_millis(200), |c| Ok(c.query_row(spin, [], |r| r.get::<_, i64>(0))?));
        let took = started.elapsed();
        assert!(r.unwrap_err().downcast_ref::<QueryTimeout>().is_some());
        assert!(took < std::time::Duration::from_millis(1500), "stopped after {took:?}, its limit was 200 ms");
        assert!(long_run.join().unwrap().unwrap_err().downcast_ref::<QueryTimeout>().is_some());
        assert!(long_started.elapsed() >= std::time::Duration::from_secs(4));
    }

    /// One watchdog serves every query at once: the slow one is stopped at
    /// its limit, the quick ones beside it are not touched, then or later.
    #[test]
    fn the_watchdog_stops_only_queries_past_their_limit() {
        let slow = open_memory().unwrap();
        let quick = slow.try_clone().unwrap();
        let limit = std::time::Duration::from_millis(300);
        let started = std::time::Instant::now();
        let stopped = std::thread::spawn(move || {
            let r = with_time_limit(&slow, limit, |c| Ok(c.query_row("SELECT count(*) FROM range(100000000000)", [], |r| r.get::<_, i64>(0))?));
            (slow, r)
        });
        for _ in 0..50 {
            let n = with_time_limit(&quick, std::time::Duration::from_secs(30), |c| Ok(c.query_row("SELECT 41 + 1", [], |r| r.get::<_, i64>(0))?));
            assert_eq!(n.unwrap(), 42);
        }
        let (slow, result) = stopped.join().unwrap();
        let err = result.unwrap_err();
        assert!(err.downcast_ref::<QueryTimeout>().is_some(), "{err:#}");
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        // The interrupted connection's next query runs normally.
        let n = with_time_limit(&slow, limit, |c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?));
        assert_eq!(n.unwrap(), 1);
    }

    /// The table catalogue and the migrated schema must agree column by
    /// column, so that import, sample data and SQL see the same tables.
    #[test]
    fn spec_matches_schema() {
        let conn = open_memory().unwrap();
        for t in tables::TABLES {
            let mut stmt = conn
                .prepare(
                    "SELECT column_name, data_type, is_nullable FROM information_schema.columns \
                     WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
                )
                .unwrap();
            let cols: Vec<(String, String, String)> = stmt
                .query_map([t.name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(cols.len(), t.columns.len(), "column count of {}", t.name);
            for (c, (name, ty, nullable)) in t.columns.iter().zip(&cols) {
                assert_eq!(c.name, name, "column order of {}", t.name);
                assert_eq!(c.ty.sql_type(), ty, "type of {}.{}", t.name, c.name);
                let is_key = t.key.contains(&c.name);
                assert_eq!(c.required || is_key, nullable == "NO", "nullability of {}.{}", t.name, c.name);
            }
        }
    }

    #[test]
    fn migrate_is_idempotent_and_versioned() {
        let conn = open_memory().unwrap();
        migrate(&conn).unwrap();
        let v: i32 = conn.query_row("SELECT max(version) FROM schema_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, latest_version());
        let n: i64 = conn.query_row("SELECT count(*) FROM schema_version", [], |r| r.get(0)).unwrap();
        assert_eq!(n as usize, MIGRATIONS.len());
    }

    #[test]
    fn slow_queries_are_interrupted() {
        let conn = open_memory().unwrap();
        let started = std::time::Instant::now();
        let err = with_time_limit(&conn, std::time::Duration::from_millis(200), |c| {
            Ok(c.query_row("SELECT count(*) FROM range(10000000000) a", [], |r| r.get::<_, i64>(0))?)
        })
        .unwrap_err();
        assert!(err.downcast_ref::<QueryTimeout>().is_some(), "{err:#}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        // A quick query is untouched and the connection still works.
        let n = with_time_limit(&conn, std::time::Duration::from_secs(5), |c| Ok(c.query_row("SELECT 41 + 1", [], |r| r.get::<_, i64>(0))?));
        assert_eq!(n.unwrap(), 42);
    }

    #[test]
    fn refuses_a_newer_schema() {
        let conn = open_memory().unwrap();
        conn.execute("INSERT INTO schema_version (version) VALUES (?)", [latest_version() + 1]).unwrap();
        let err = migrate(&conn).unwrap_err().to_string();
        assert!(err.contains("newer than this jingzhun"), "{err}");
    }
}
