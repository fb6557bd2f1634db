//! The threads that run DuckDB work for the async handlers.
//!
//! A fixed set of threads, one per pooled connection. Work goes to the
//! thread that finished work most recently (last in, first out), so a
//! request's query runs on a thread whose caches and allocator arena are
//! still warm from the previous one. On tokio's blocking pool the same
//! query took 0.15–1 ms longer (BENCHMARKS.md).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::thread::Thread;

/// A job computes, then hands its result over: the thread goes back on
/// the idle list between the two, so that the handler's next job (sent as
/// soon as this result arrives) finds this same thread idle.
type Job = Box<dyn FnOnce() -> Deliver + Send>;
type Deliver = Box<dyn FnOnce() + Send>;

pub struct Threads {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Job>,
    /// Idle threads, the most recently idle last.
    idle: Vec<Thread>,
    closed: bool,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Threads {
    /// Starts `count` threads named `name-N`.
    pub fn start(name: &str, count: usize) -> anyhow::Result<Threads> {
        let shared = Arc::new(Shared { state: Mutex::new(State::default()) });
        for n in 0..count.max(1) {
            let shared = shared.clone();
            std::thread::Builder::new().name(format!("{name}-{n}")).spawn(move || work(&shared))?;
        }
        Ok(Threads { shared })
    }

    /// Hands `f` to one of the threads at once, and returns the future of
    /// its result, which waits without blocking the async worker. Work
    /// waits its turn while every thread is busy. The work starts before
    /// the future is first awaited, so the caller can do its own work
    /// (write a log line) while the query runs; dropping the future does
    /// not stop the work.
    pub fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> impl std::future::Future<Output = anyhow::Result<T>> + 'static {
        let (send, recv) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            // A panic is caught here so that the thread lives on; the
            // waiting handler then gets an error instead of a result.
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            Box::new(move || {
                if let Ok(out) = out {
                    let _ = send.send(out);
                }
            })
        });
        let wake = {
            let mut s = self.shared.lock();
            s.queue.push_back(job);
            s.idle.pop()
        };
        if let Some(t) = wake {
            t.unpark();
        }
        async move { recv.await.map_err(|_| anyhow::anyhow!("the database task failed")) }
    }
}

impl Drop for Threads {
    fn drop(&mut self) {
        let idle = {
            let mut s = self.shared.lock();
            s.closed = true;
            std::mem::take(&mut s.idle)
        };
        for t in idle {
            t.unpark();
        }
    }
}

fn work(shared: &Shared) {
    let me = std::thread::current();
    let mut s = shared.lock();
    loop {
        if let Some(job) = s.queue.pop_front() {
            s.idle.retain(|t| t.id() != me.id());
            drop(s);
            let deliver = job();
            shared.lock().idle.push(me.clone());
            deliver();
            s = shared.lock();
            continue;
        }
        if s.closed {
            return;
        }
        if !s.idle.iter().any(|t| t.id() == me.id()) {
            s.idle.push(me.clone());
        }
        drop(s);
        // Woken by `run` (which took this thread off the idle list and
        // queued a job), by `drop`, or spuriously; an `unpark` that came
        // before this `park` makes it return at once.
        std::thread::park();
        s = shared.lock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_work_and_returns_its_result() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let threads = Threads::start("test", 2).unwrap();
        let name = rt.block_on(threads.run(|| std::thread::current().name().map(str::to_string))).unwrap();
        assert!(name.unwrap().starts_with("test-"));
        assert_eq!(rt.block_on(threads.run(|| 6 * 7)).unwrap(), 42);
    }

    /// Sequential work lands on the same thread: the one idle last.
    #[test]
    fn sequential_work_stays_on_one_thread() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let threads = Threads::start("lifo", 4).unwrap();
        // Let every thread reach the idle list first.
        std::thread::sleep(std::time::Duration::from_millis(50));
        let ids: Vec<_> = (0..20).map(|_| rt.block_on(threads.run(|| std::thread::current().id())).unwrap()).collect();
        assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
    }

    /// With more work than threads, all of it runs, each thread busy at
    /// once, and a panicking job costs neither a thread nor the rest.
    #[test]
    fn queued_work_all_runs_and_a_panic_does_not_stop_a_thread() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let threads = Threads::start("queue", 2).unwrap();
        let panicked = rt.block_on(threads.run(|| panic!("a job that panics")));
        assert!(panicked.is_err());
        let running = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let jobs = (0..10).map(|i| {
            let (running, most) = (running.clone(), most.clone());
            threads.run(move || {
                let now = running.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                most.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(20));
                running.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                i
            })
        });
        let done: Vec<usize> = rt.block_on(futures_util::future::join_all(jobs)).into_iter().map(|r| r.unwrap()).collect();
        assert_eq!(done, (0..10).collect::<Vec<_>>());
        assert_eq!(most.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    /// The work is handed over when `run` is called, before its future is
    /// first polled (the handler writes its log line meanwhile), and a
    /// future dropped unpolled does not stop it.
    #[test]
    fn work_starts_before_its_future_is_polled() {
        let threads = Threads::start("eager", 1).unwrap();
        let (ran, seen) = std::sync::mpsc::channel();
        let pending = threads.run(move || ran.send("polled later").unwrap());
        assert_eq!(seen.recv_timeout(std::time::Duration::from_secs(5)), Ok("polled later"));
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(pending).unwrap();
        let (ran, seen) = std::sync::mpsc::channel();
        drop(threads.run(move || ran.send("never polled").unwrap()));
        assert_eq!(seen.recv_timeout(std::time::Duration::from_secs(5)), Ok("never polled"));
    }

    /// Dropping the handle stops the threads.
    #[test]
    fn dropping_stops_the_threads() {
        let threads = Threads::start("gone", 3).unwrap();
        let shared = Arc::downgrade(&threads.shared);
        std::thread::sleep(std::time::Duration::from_millis(20));
        drop(threads);
        let started = std::time::Instant::now();
        while shared.strong_count() > 0 {
            assert!(started.elapsed() < std::time::Duration::from_secs(5), "threads still running");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
}
