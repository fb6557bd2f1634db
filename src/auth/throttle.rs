//! Sign-in throttling, in memory: failures are counted per client address
//! and per user name; after `max_failures` within `window`, further attempts
//! are refused (429 with `Retry-After`) until the oldest of those failures
//! leaves the window.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys kept at most; past that, keys with no failure inside the window
/// are dropped first.
const MAX_KEYS: usize = 100_000;

pub struct Throttle {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

fn ip_key(ip: &str) -> String {
    format!("ip:{ip}")
}

fn user_key(name: &str) -> String {
    format!("user:{}", name.to_lowercase())
}

impl Throttle {
    pub fn new(max_failures: usize, window: Duration) -> Throttle {
        Throttle { max_failures: max_failures.max(1), window, failures: Mutex::new(HashMap::new()) }
    }

    /// How long this address or name must wait before trying again;
    /// `None` when it may try now.
    pub fn wait(&self, ip: &str, name: &str) -> Option<Duration> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        [ip_key(ip), user_key(name)]
            .iter()
            .filter_map(|k| {
                let q = map.get_mut(k)?;
                while q.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
                    q.pop_front();
                }
                // Blocked while max_failures failures lie inside the window:
                // until the oldest of the last max_failures leaves it.
                if q.len() >= self.max_failures {
                    let oldest = q[q.len() - self.max_failures];
                    Some(self.window.saturating_sub(now.duration_since(oldest)).max(Duration::from_secs(1)))
                } else {
                    None
                }
            })
            .max()
    }

    /// Counts a failed attempt against the address and the name.
    pub fn failed(&self, ip: &str, name: &str) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_KEYS {
            let window = self.window;
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        for k in [ip_key(ip), user_key(name)] {
            let q = map.entry(k).or_default();
            q.push_back(now);
            // Only the last max_failures matter.
            while q.len() > self.max_failures {
                q.pop_front();
            }
        }
    }

    /// Forgets the name's failures after it signed in (the address keeps
    /// its count).
    pub fn succeeded(&self, name: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&user_key(name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_max_failures_per_address_and_per_name() {
        let t = Throttle::new(3, Duration::from_secs(60));
        for _ in 0..2 {
            t.failed("1.1.1.1", "li");
        }
        assert_eq!(t.wait("1.1.1.1", "li"), None);
        t.failed("1.1.1.1", "li");
        let w = t.wait("1.1.1.1", "li").expect("blocked");
        assert!(w > Duration::from_secs(58) && w <= Duration::from_secs(60), "{w:?}");
        // Same name from elsewhere, or elsewhere name from the same address.
        assert!(t.wait("2.2.2.2", "LI").is_some(), "names are counted case-insensitively");
        assert!(t.wait("1.1.1.1", "wang").is_some());
        assert!(t.wait("2.2.2.2", "wang").is_none());
        t.succeeded("li");
        assert!(t.wait("2.2.2.2", "li").is_none());
        assert!(t.wait("1.1.1.1", "li").is_some(), "the address keeps its count");
    }

    #[test]
    fn failures_leave_the_window() {
        let t = Throttle::new(1, Duration::from_millis(50));
        t.failed("1.1.1.1", "li");
        assert!(t.wait("1.1.1.1", "li").is_some());
        std::thread::sleep(Duration::from_millis(80));
        assert!(t.wait("1.1.1.1", "li").is_none());
    }
}
