//! Times every canned query straight on DuckDB, without the server: the
//! baseline that `bench/run` divides the server's times by.
//!
//! ```text
//! cargo run --release --example raw_queries -- DB [RUNS | SECONDSs] [NAME=PARAMS ...]
//! ```
//! Prints one tab-separated line per query: name, median ms, min ms, rows.
//! Without NAME=PARAMS every canned query runs with its default parameters;
//! with them, only the queries named, each with the parameters given as
//! `name=k=v&k=v` (the same query string the server gets). Every query runs
//! once before timing so that both sides are measured warm.

use std::time::Instant;

mod common;

use jingzhun::catalog::run_query;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let db = args.next().ok_or_else(|| anyhow::anyhow!("usage: raw_queries DB [RUNS or SECONDSs] [NAME=PARAMS ...]"))?;
    // RUNS is a count ("20") or a time ("1.5s": as many runs as fit in it,
    // at least 20), so that a baseline can cover as long as the load it is
    // compared with.
    let runs: Runs = args.next().map(|r| r.parse()).transpose()?.unwrap_or(Runs::Count(20));
    let conn = jingzhun::store::open_ro(std::path::Path::new(&db))?;
    for (q, _, bound) in common::chosen(common::catalog()?, args)? {
        let rows = run_query(&conn, q, &bound, None)?.rs.rows.len();
        let started = Instant::now();
        let mut times: Vec<f64> = Vec::new();
        while match runs {
            Runs::Count(n) => times.len() < n,
            Runs::For(d) => times.len() < 20 || started.elapsed() < d,
        } {
            let t = Instant::now();
            run_query(&conn, q, &bound, None)?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(|a, b| a.total_cmp(b));
        println!("{}\t{:.3}\t{:.3}\t{}", q.name, times[times.len() / 2], times[0], rows);
    }
    Ok(())
}

/// How many times each query runs: a count, or as many as fit in a time.
enum Runs {
    Count(usize),
    For(std::time::Duration),
}

impl std::str::FromStr for Runs {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> anyhow::Result<Runs> {
        let runs = match s.strip_suffix('s') {
            Some(secs) => secs.parse().ok().filter(|f: &f64| (0.0..=1e6).contains(f)).map(|f| Runs::For(std::time::Duration::from_secs_f64(f))),
            None => s.parse().ok().map(Runs::Count),
        };
        runs.ok_or_else(|| anyhow::anyhow!("RUNS: found \"{s}\", expected a count of runs (20) or seconds to run for (1.5s)"))
    }
}
