//! The accounts a signed-in request needs, kept in memory.
//!
//! Every request with a session cookie checks its account (role, scope and
//! session epoch) against `app_user`. Read from DuckDB, that was a trip to
//! a database thread and a query, 1.4–2.9 ms a request (BENCHMARKS.md);
//! from here it is a lock and a clone.
//!
//! Invariant: every change to `app_user` goes through [`Accounts::change`],
//! which forgets every kept account once the change is done; so a sign-out,
//! a new password or a removed user ends the sessions concerned on the very
//! next request, as it did without the cache. Nothing else writes the
//! table while the server runs: the server holds the file's lock (a
//! read-only replica shares it only with other readers, and sees a new
//! file only by being started on it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::users::{self, Account};
use crate::store::Db;

/// At most this many accounts are kept; beyond it the map starts over.
/// Names come only from signed session cookies, so only accounts that
/// once signed in (and may since have been removed) are ever asked for.
const MOST_KEPT: usize = 4096;

#[derive(Default)]
pub struct Accounts {
    /// Shared with the database thread, which forgets it after a change.
    kept: Arc<Mutex<Kept>>,
}

#[derive(Default)]
struct Kept {
    /// Bumped by every change, so that a lookup that read the table before
    /// a change finished does not keep what it read.
    generation: u64,
    /// Name → its row, or `None` for a name with no account.
    by_name: HashMap<String, Option<Account>>,
}

impl Accounts {
    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        lock(&self.kept)
    }

    /// The account named `name`, from memory when it is there, else read
    /// on a database thread and kept.
    pub async fn get(&self, db: &Db, name: &str) -> anyhow::Result<Option<Account>> {
        let generation = {
            let kept = self.kept();
            if let Some(found) = kept.by_name.get(name) {
                return Ok(found.clone());
            }
            kept.generation
        };
        let lookup = name.to_string();
        let found = db.run(move |conn| users::get(conn, &lookup)).await?;
        self.keep(generation, name, &found);
        Ok(found)
    }

    /// Keeps what a lookup read, unless a change came after `generation`
    /// (the generation the lookup began in).
    fn keep(&self, generation: u64, name: &str, found: &Option<Account>) {
        let mut kept = self.kept();
        if kept.generation == generation {
            if kept.by_name.len() >= MOST_KEPT {
                kept.by_name.clear();
            }
            kept.by_name.insert(name.to_string(), found.clone());
        }
    }

    /// Runs a change to accounts on a database thread; whatever its
    /// outcome, every kept account is forgotten after it.
    ///
    /// The forgetting happens on the database thread, as `f` ends (even by
    /// a panic): the job runs and commits even when the request that asked
    /// for it has gone (a client that reset its connection drops the
    /// handler while it waits), and the cache must not outlive the change.
    pub async fn change<T, F>(&self, db: &Db, f: F) -> anyhow::Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&duckdb::Connection) -> anyhow::Result<T> + Send + 'static,
    {
        let forget = Forget(self.kept.clone());
        db.run(move |conn| {
            let _forget = forget;
            f(conn)
        })
        .await
    }
}

fn lock(kept: &Mutex<Kept>) -> std::sync::MutexGuard<'_, Kept> {
    kept.lock().unwrap_or_else(|e| e.into_inner())
}

/// Forgets every kept account when dropped: at the end of a change's job.
struct Forget(Arc<Mutex<Kept>>);

impl Drop for Forget {
    fn drop(&mut self) {
        let mut kept = lock(&self.0);
        kept.generation += 1;
        kept.by_name.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Role, Scope};

    /// A database with one leader account, added through `change`, and
    /// the cache in front of it.
    struct Fixture {
        _dir: tempfile::TempDir,
        db: Db,
        rt: tokio::runtime::Runtime,
        accounts: Accounts,
    }

    impl Fixture {
        fn with_leader(name: &str) -> Fixture {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("a.duckdb");
            drop(crate::store::open_rw(&path).unwrap());
            let f = Fixture {
                db: Db::open(&path, 2, 64).unwrap(),
                _dir: dir,
                rt: tokio::runtime::Builder::new_current_thread().build().unwrap(),
                accounts: Accounts::default(),
            };
            f.add_leader(name);
            f
        }
        fn add_leader(&self, name: &str) {
            let name = name.to_string();
            self.change(move |c| users::add(c, &name, Role::Leader, &Scope::All, "x", false));
        }
        fn change(&self, f: impl FnOnce(&duckdb::Connection) -> anyhow::Result<()> + Send + 'static) {
            self.rt.block_on(self.accounts.change(&self.db, f)).unwrap();
        }
        fn get(&self, name: &str) -> Option<Account> {
            self.rt.block_on(self.accounts.get(&self.db, name)).unwrap()
        }
        fn epoch(&self, name: &str) -> i64 {
            self.get(name).unwrap().session_epoch
        }
    }

    /// A kept account is what the table said; a change through `change`
    /// is seen on the next lookup (new epoch, new role, removed).
    #[test]
    fn changes_are_seen_at_once() {
        let f = Fixture::with_leader("wang");
        let first = f.get("wang").unwrap();
        assert_eq!((first.role, first.session_epoch), (Role::Leader, 0));

        f.change(|c| users::end_sessions(c, "wang"));
        assert_eq!(f.epoch("wang"), first.session_epoch + 1);

        f.change(|c| users::update(c, "wang", Role::Statistician, &Scope::All));
        assert_eq!(f.get("wang").unwrap().role, Role::Statistician);

        f.change(|c| users::remove(c, "wang"));
        assert!(f.get("wang").is_none());
    }

    /// A kept account is served from memory: a write that bypasses
    /// `change` is not seen (which is why every write must use it).
    #[test]
    fn lookups_are_kept() {
        let f = Fixture::with_leader("li");
        assert_eq!(f.epoch("li"), 0);
        f.db.with_conn(|c| users::end_sessions(c, "li")).unwrap();
        assert_eq!(f.epoch("li"), 0);
        // A name without an account is kept as such too.
        assert!(f.get("nobody").is_none());
        f.add_leader("nobody");
        assert!(f.get("nobody").is_some());
    }

    /// A change whose request went away while it waited is still
    /// forgotten once it has run: the job, not the request, forgets.
    #[test]
    fn a_change_whose_request_went_away_is_still_forgotten() {
        let f = Fixture::with_leader("sun");
        assert_eq!(f.epoch("sun"), 0);
        let (ran_tx, ran_rx) = std::sync::mpsc::channel::<()>();
        let change = f.accounts.change(&f.db, move |c| {
            // Long enough for the request to be gone before it commits.
            std::thread::sleep(std::time::Duration::from_millis(100));
            users::end_sessions(c, "sun")?;
            ran_tx.send(()).unwrap();
            Ok(())
        });
        let before = f.accounts.kept().generation;
        // Polled once (the job is queued), then dropped, as actix drops a
        // handler whose client reset the connection.
        assert!(futures_util::FutureExt::now_or_never(change).is_none());
        ran_rx.recv().unwrap();
        // The job forgets as it ends, just after it said it ran.
        let waited = std::time::Instant::now();
        while f.accounts.kept().generation == before {
            assert!(waited.elapsed() < std::time::Duration::from_secs(5), "the change was never forgotten");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(f.epoch("sun"), 1);
    }

    /// A lookup that read the table before a change finished does not keep
    /// what it read.
    #[test]
    fn a_lookup_overtaken_by_a_change_is_not_kept() {
        let f = Fixture::with_leader("zhao");
        // A lookup begins and reads the row; a change lands before it
        // keeps what it read.
        let generation = f.accounts.kept().generation;
        let read = f.db.with_conn(|c| users::get(c, "zhao")).unwrap();
        f.change(|c| users::end_sessions(c, "zhao"));
        f.accounts.keep(generation, "zhao", &read);
        assert_eq!(f.epoch("zhao"), 1);
    }
}
