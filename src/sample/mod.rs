//! Deterministic sample data: a synthetic but realistic data set for a
//! banner modelled on Zarud Banner (扎鲁特旗), one CSV file per table of
//! `crate::store::tables::TABLES`, reproducing the article's headline figures
//! exactly (8,638 households / 21,654 people registered, 8,600 / 21,388
//! lifted out, 8.4 % incidence in 2014, income 2,600 → 13,000 yuan, …).
//! `scale` multiplies every count and money total; townships and war zones
//! stay the same.
//!
//! Determinism: every table (and every separate purpose inside one) draws
//! from its own ChaCha8 stream derived from the seed and a label, so the same
//! seed and scale give byte-identical files, and changing how one table is
//! generated does not shift the others. Two threads write files at the same
//! time; each file is written by exactly one of them.
//!
//! Modules: `geo` (zones, townships, villages, village populations), `people`
//! (households and members), `income`, `measures`, `finance` (entities,
//! investments, dividends, loans), `cadres` (teams and cadres), `monitoring`
//! (risk warnings, deliberation meetings), `catalog` (poverty lines, aid
//! measures), `names` (name pools), `out` (CSV formats).

mod cadres;
mod catalog;
mod finance;
mod geo;
mod income;
mod measures;
mod monitoring;
mod names;
mod out;
mod people;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::store::tables::TABLES;

/// First and last year of the poverty-alleviation period the data covers.
pub(crate) const FIRST_YEAR: i32 = 2014;
pub(crate) const LAST_YEAR: i32 = 2020;
pub(crate) const NYEARS: usize = (LAST_YEAR - FIRST_YEAR + 1) as usize;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleOptions {
    /// Multiplies every count and money total (≥ 1).
    pub scale: u32,
    pub seed: u64,
}

impl Default for SampleOptions {
    fn default() -> Self {
        SampleOptions { scale: 1, seed: 2014 }
    }
}

/// Rows written per table, in `TABLES` order.
#[derive(Debug, Clone)]
pub struct Summary {
    pub rows: Vec<(&'static str, usize)>,
}

/// An independent random stream for one purpose: the seed picks the key,
/// a hash of the label picks the ChaCha stream.
/// Draws an index with probability proportional to its weight; rounding at
/// the top end falls back to the last index with a positive weight.
pub(crate) fn weighted(rng: &mut ChaCha8Rng, w: &[f64]) -> usize {
    use rand::Rng;
    let total: f64 = w.iter().sum();
    let mut u = rng.gen::<f64>() * total;
    for (i, &x) in w.iter().enumerate() {
        if u < x {
            return i;
        }
        u -= x;
    }
    w.iter().rposition(|&x| x > 0.0).unwrap_or(0)
}

pub(crate) fn stream(seed: u64, label: &str) -> ChaCha8Rng {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in label.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(h);
    rng
}

type Written = Vec<(&'static str, usize)>;

/// Generates the sample data into `out_dir` (created if needed): one
/// `<table>.csv` per table, UTF-8, `\n` line endings, English headers.
pub fn generate(out_dir: &Path, opts: &SampleOptions) -> Result<Summary> {
    anyhow::ensure!(opts.scale >= 1, "sample scale must be at least 1 (got {})", opts.scale);
    // Keep codes within the widths tables.rs allows (village codes widen with scale).
    anyhow::ensure!(opts.scale <= 10_000, "sample scale {} is too large", opts.scale);
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let (seed, scale, dir) = (opts.seed, opts.scale, out_dir);

    let geo = geo::build(seed, scale);
    let mut people = people::build(seed, scale, &geo)?;
    let org = cadres::build(seed, scale, &geo, &mut people);
    let fin = finance::build(seed, scale, &geo, &people);
    let mut poor_pop_2014 = vec![0u32; geo.villages.len()];
    for (i, h) in people.hh.iter().enumerate() {
        if h.poor_in(FIRST_YEAR) {
            poor_pop_2014[h.village as usize] += people.persons(i, FIRST_YEAR);
        }
    }
    let vy = geo::village_years(seed, &poor_pop_2014);
    let (people, geo, org, fin) = (&people, &geo, &org, &fin);

    let (a, b) = std::thread::scope(|s| {
        // Incomes, the warnings that depend on them and a few other files on
        // a second thread; the split only balances the work.
        let incomes_side = s.spawn(move || -> Result<Written> {
            let inc = income::build(seed, people);
            Ok(vec![
                income::write(dir, seed, people, &inc)?,
                monitoring::write_risk_events(dir, seed, geo, &vy, people, &inc)?,
                geo::write_village_years(dir, geo, &vy)?,
                people::write_households(dir, people, |c| org.cadres[c as usize].code.as_str())?,
                finance::write_dividends(dir, seed, people, fin)?,
            ])
        });
        let rest = (|| -> Result<Written> {
            Ok(vec![
                measures::write(dir, seed, geo, people)?,
                geo::write_zones(dir, seed)?,
                geo::write_townships(dir)?,
                geo::write_villages(dir, geo)?,
                catalog::write_poverty_lines(dir)?,
                catalog::write_measures(dir)?,
                finance::write_entities(dir, geo, fin)?,
                cadres::write_teams(dir, geo, org)?,
                cadres::write_cadres(dir, org)?,
                people::write_members(dir, people)?,
                finance::write_investments(dir, fin)?,
                finance::write_loans(dir, people, fin)?,
                monitoring::write_meetings(dir, seed, geo)?,
            ])
        })();
        let side = incomes_side.join().unwrap_or_else(|_| Err(anyhow::anyhow!("income writer thread panicked")));
        (rest, side)
    });
    let mut counts: HashMap<&'static str, usize> = a?.into_iter().collect();
    counts.extend(b?);
    let rows = TABLES
        .iter()
        .map(|t| counts.get(t.name).map(|&n| (t.name, n)).with_context(|| format!("table {} was not written", t.name)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Summary { rows })
}
