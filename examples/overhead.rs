//! The server's overhead over raw DuckDB, measured in pairs of blocks:
//! each canned query runs a few times back to back straight on DuckDB (as
//! the server runs it: `catalog::run_query` on its own read-only
//! connection to the same file), then as many times through the server
//! over HTTP, then the other way round, over and over for the time given.
//! Both sides of every pair share the same fraction of a second of a
//! machine whose speed drifts from one second to the next, and both run
//! warm, back to back (BENCHMARKS.md).
//!
//! ```text
//! cargo run --release --example overhead -- DB URL SECONDSs [NAME=PARAMS ...]
//! ```
//!
//! `URL` is a server on the same file (e.g. `http://127.0.0.1:8080`,
//! started `--no-cache --read-only`); `JINGZHUN_COOKIE` is sent as the
//! `Cookie` header when set. A block is about 40 ms of raw runs, at most
//! `OVERHEAD_BLOCK` runs (default 1: single runs in turn); its first run,
//! which follows the other side's work, is left out when there are more.
//! One line per query and format (page, `.json`, `.csv`): name, format,
//! median raw ms, median server ms, median of the pairs' ratios, median of
//! the pairs' differences in ms, pairs.

use std::time::{Duration, Instant};

mod common;

use jingzhun::catalog::{run_query, Catalog};

const FORMATS: [&str; 3] = ["", ".json", ".csv"];

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
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(60)).build();
    let get = |path: &str| -> anyhow::Result<f64> {
        let t = Instant::now();
        let mut req = agent.get(&format!("{url}{path}"));
        if let Some(c) = &cookie {
            req = req.set("Cookie", c);
        }
        let resp = req.call().map_err(|e| anyhow::anyhow!("GET {path}: {e}"))?;
        std::io::copy(&mut resp.into_reader(), &mut std::io::sink())?;
        Ok(ms(t))
    };

    let conn = jingzhun::store::open_ro(std::path::Path::new(&db))?;
    let catalog = Catalog::load(None)?;
    for (q, qs, bound) in common::chosen(&catalog, args)? {
        let raw = || -> anyhow::Result<f64> {
            let t = Instant::now();
            run_query(&conn, q, &bound, None)?;
            Ok(ms(t))
        };
        let path = |fmt: &str| if qs.is_empty() { format!("/q/{}{fmt}", q.name) } else { format!("/q/{}{fmt}?{qs}", q.name) };
        // One of each first, so that neither side's first (cold) run counts.
        let first = raw()?;
        // Blocks of about 40 ms of raw runs, at most `most` runs.
        let block = ((40.0 / first.max(0.01)).round() as usize).clamp(1, most);
        for fmt in FORMATS {
            get(&path(fmt))?;
        }
        // A block: `block` runs back to back, the first of them left out
        // when there are more (it follows the other side's work); its
        // figure is their median.
        let raw_block = || -> anyhow::Result<f64> { block_of(block, &raw) };
        let get_block = |fmt: &str| -> anyhow::Result<f64> { block_of(block, || get(&path(fmt))) };
        // (raw, server) pairs per format.
        let mut pairs: [Vec<(f64, f64)>; 3] = Default::default();
        let started = Instant::now();
        let mut i = 0usize;
        while pairs.iter().any(|p| p.len() < 10) || started.elapsed() < duration {
            let f = i % FORMATS.len();
            // Alternate which side goes first, so neither always follows
            // the other.
            let pair = if (i / FORMATS.len()) % 2 == 0 {
                let r = raw_block()?;
                (r, get_block(FORMATS[f])?)
            } else {
                let s = get_block(FORMATS[f])?;
                (raw_block()?, s)
            };
            pairs[f].push(pair);
            i += 1;
        }
        for (fmt, p) in FORMATS.iter().zip(&pairs) {
            let raw = median(p.iter().map(|x| x.0).collect());
            let server = median(p.iter().map(|x| x.1).collect());
            let ratio = median(p.iter().map(|x| x.1 / x.0).collect());
            let extra = median(p.iter().map(|x| x.1 - x.0).collect());
            println!("{}\t{}\t{raw:.3}\t{server:.3}\t{ratio:.3}\t{extra:.3}\t{}", q.name, fmt, p.len());
        }
    }
    Ok(())
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
