//! The server's overhead over raw DuckDB, measured in rounds of blocks:
//! each canned query runs a few times back to back straight on DuckDB (as
//! the server runs it: `catalog::run_query` on its own read-only
//! connection to the same file), then as many times through the server
//! over HTTP, then through the floor server (below), in turns, over and
//! over for the time given. The sides of every round share the same
//! fraction of a second of a machine whose speed drifts from one second
//! to the next, and all run warm, back to back (BENCHMARKS.md).
//!
//! ```text
//! cargo run --release --example overhead -- DB URL SECONDSs [NAME=PARAMS ...]
//! ```
//!
//! `URL` is a server on the same file (e.g. `http://127.0.0.1:8080`,
//! started `--no-cache --read-only`); `JINGZHUN_COOKIE` is sent as the
//! `Cookie` header when set. The floor server is started here, from the
//! `floor` example's executable beside this one: a server as thin as we
//! could write that still keeps DuckDB off its HTTP worker
//! (examples/floor.rs). What it adds over raw DuckDB is what such a design
//! costs on this machine — thread wake-ups, HTTP over loopback, the client
//! — before any of Jingzhun's own work; it is not shown to be the least
//! any server could cost. A block is about 40 ms of raw runs, at most
//! `OVERHEAD_BLOCK` runs (default 1: single runs in turn); its first run,
//! which follows another side's work, is left out when there are more.
//! `JINGZHUN_QUERIES` names a queries folder instead of the built-in one
//! (the server's `--queries`).
//!
//! One line per query and format (page, `.json`, `.csv`), tab-separated:
//! name, format, median raw ms, median server ms, median of the rounds'
//! server/raw ratios, median of their differences in ms, rounds; then the
//! floor's median ms, ratio and difference.

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use jingzhun::catalog::run_query;

const FORMATS: [&str; 3] = ["", ".json", ".csv"];

/// The orders of the sides in a round: raw DuckDB (0), the server (1), the
/// floor server (2).
const ORDERS: [[usize; 3]; 6] = [[0, 1, 2], [1, 2, 0], [2, 0, 1], [0, 2, 1], [2, 1, 0], [1, 0, 2]];

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = || anyhow::anyhow!("usage: overhead DB URL SECONDSs [NAME=PARAMS ...]");
    let db = args.next().ok_or_else(usage)?;
    let url = args.next().ok_or_else(usage)?;
    let secs = args.next().ok_or_else(usage)?;
    let duration = secs
        .strip_suffix('s')
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|f| (0.0..=1e6).contains(f))
        .map(Duration::from_secs_f64)
        .ok_or_else(|| anyhow::anyhow!("SECONDS: found \"{secs}\", expected seconds to run for each query (2s)"))?;
    let cookie = std::env::var("JINGZHUN_COOKIE").ok();
    let most: usize = match std::env::var("OVERHEAD_BLOCK") {
        Ok(b) => b.parse().ok().filter(|b| *b >= 1).ok_or_else(|| anyhow::anyhow!("OVERHEAD_BLOCK: found \"{b}\", expected a count of runs, 1 or more"))?,
        Err(_) => 1,
    };
    let conn = jingzhun::store::open_ro(std::path::Path::new(&db))?;
    let named: Vec<String> = args.collect();
    let chosen = common::chosen(common::catalog()?, named.iter().cloned())?;
    // The floor is a process of its own, with a database instance of its
    // own, as a server is: run on the raw side's instance (its buffers and
    // worker threads warm from the raw runs) and in the measuring process,
    // it looked cheaper than any server can be. And it is an executable of
    // its own: as a mode of this one, its code shared memory pages with the
    // raw side's, so each warmed the other (BENCHMARKS.md).
    let floor_server = Floor::spawn(&db, &named)?;
    let floor = floor_server.url.as_str();
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(60)).build();
    let get = |base: &str, path: &str| -> anyhow::Result<f64> {
        let t = Instant::now();
        let mut req = agent.get(&format!("{base}{path}"));
        if let Some(c) = &cookie {
            req = req.set("Cookie", c);
        }
        let resp = req.call().map_err(|e| anyhow::anyhow!("GET {path}: {e}"))?;
        std::io::copy(&mut resp.into_reader(), &mut std::io::sink())?;
        Ok(ms(t))
    };

    for (q, qs, bound) in chosen {
        let raw = || -> anyhow::Result<f64> {
            let t = Instant::now();
            run_query(&conn, q, &bound, None)?;
            Ok(ms(t))
        };
        let path = |fmt: &str| if qs.is_empty() { format!("/q/{}{fmt}", q.name) } else { format!("/q/{}{fmt}?{qs}", q.name) };
        // One of each first, so that no side's first (cold) run counts.
        let first = raw()?;
        // Blocks of about 40 ms of raw runs, at most `most` runs.
        let block = ((40.0 / first.max(0.01)).round() as usize).clamp(1, most);
        for fmt in FORMATS {
            get(&url, &path(fmt))?;
            get(floor, &path(fmt))?;
        }
        // A block: `block` runs back to back, the first of them left out
        // when there are more (it follows another side's work); its
        // figure is their median.
        let raw_block = || -> anyhow::Result<f64> { block_of(block, raw) };
        let get_block = |base: &str, fmt: &str| -> anyhow::Result<f64> { block_of(block, || get(base, &path(fmt))) };
        // (raw, server, floor) per format.
        let mut rounds: [Vec<[f64; 3]>; 3] = Default::default();
        let started = Instant::now();
        let mut i = 0usize;
        while rounds.iter().any(|p| p.len() < 10) || started.elapsed() < duration {
            let f = i % FORMATS.len();
            // Each of the six orders of the sides in turn, so that every
            // side follows each other one as often.
            let mut round = [0.0; 3];
            for &side in &ORDERS[(i / FORMATS.len()) % ORDERS.len()] {
                round[side] = match side {
                    0 => raw_block()?,
                    1 => get_block(&url, FORMATS[f])?,
                    _ => get_block(floor, FORMATS[f])?,
                };
            }
            rounds[f].push(round);
            i += 1;
        }
        for (fmt, p) in FORMATS.iter().zip(&rounds) {
            let of = |side: usize| median(p.iter().map(|x| x[side]).collect());
            let ratio = |side: usize| median(p.iter().map(|x| x[side] / x[0]).collect());
            let extra = |side: usize| median(p.iter().map(|x| x[side] - x[0]).collect());
            println!(
                "{}\t{}\t{:.3}\t{:.3}\t{:.3}\t{:.3}\t{}\t{:.3}\t{:.3}\t{:.3}",
                q.name,
                fmt,
                of(0),
                of(1),
                ratio(1),
                extra(1),
                p.len(),
                of(2),
                ratio(2),
                extra(2)
            );
        }
    }
    Ok(())
}

/// The floor server running as a child process, stopped when dropped.
struct Floor {
    child: Child,
    url: String,
}

impl Floor {
    /// Starts the `floor` example's executable (beside this one) on `db`,
    /// for the queries named by `args` (`NAME=PARAMS`), and waits for its
    /// address.
    fn spawn(db: &str, args: &[String]) -> anyhow::Result<Floor> {
        let exe = std::env::current_exe()?.with_file_name(format!("floor{}", std::env::consts::EXE_SUFFIX));
        let mut child = Command::new(&exe)
            .arg(db)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| anyhow::anyhow!("{}: {e} (build it with `cargo build --release --example floor`)", exe.display()))?;
        let out = child.stdout.take().ok_or_else(|| anyhow::anyhow!("the floor server has no stdout"))?;
        let mut line = String::new();
        std::io::BufReader::new(out).read_line(&mut line)?;
        let url = line.trim().to_string();
        let floor = Floor { child, url };
        if !floor.url.starts_with("http://") {
            anyhow::bail!("the floor server did not start (it said {line:?})");
        }
        Ok(floor)
    }
}

impl Drop for Floor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The median of `n` runs of `f` back to back, the first left out when
/// `n` > 1.
fn block_of(n: usize, f: impl Fn() -> anyhow::Result<f64>) -> anyhow::Result<f64> {
    let times = (0..n).map(|_| f()).collect::<anyhow::Result<Vec<f64>>>()?;
    Ok(median(times.into_iter().skip(if n > 1 { 1 } else { 0 }).collect()))
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}
