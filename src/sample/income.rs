//! Yearly household income (income_year): one row per household per year
//! from identification to 2020 (自然减少 households only while someone is
//! left). Per-capita net income is modelled first and calibrated year by
//! year so the population-weighted mean runs geometrically from 2,600 yuan
//! (2014) to 13,000 yuan (2020); it stays below the poverty line while a
//! household is poor and above it from the exit year on (a few income
//! shocks aside). The row is then split into wage, operating, property and
//! transfer income and operating costs.

use std::path::Path;

use anyhow::Result;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use super::catalog::poverty_line;
use super::out::Out;
use super::people::People;
use super::{stream, FIRST_YEAR, LAST_YEAR};

pub(crate) const MEAN_2014: f64 = 2_600.0;
pub(crate) const MEAN_2020: f64 = 13_000.0;
/// Lognormal spread of per-capita income among households out of poverty:
/// a persistent household part and a yearly AR(1) part.
const SIGMA_HOUSEHOLD: f64 = 0.335;
const SIGMA_YEAR: f64 = 0.10;
const AR_YEAR: f64 = 0.7;
/// Chance per household-year of a sudden income fall (illness, disaster…).
const SHOCK: f64 = 0.065;

/// Population-weighted mean per-capita net income targeted for `y`.
pub(crate) fn target_mean(y: i32) -> f64 {
    MEAN_2014 * (MEAN_2020 / MEAN_2014).powf((y - FIRST_YEAR) as f64 / (LAST_YEAR - FIRST_YEAR) as f64)
}

pub(crate) struct Incomes {
    /// Index of each household's first row in `pc`; row k is year identified + k.
    start: Vec<u32>,
    /// Per-capita net income in fen (cents), one per household-year row.
    pc: Vec<u32>,
}

impl Incomes {
    /// Per-capita net income (yuan) of household `h` in `y`, if it has a row.
    pub fn per_capita(&self, p: &People, h: usize, y: i32) -> Option<f64> {
        let hh = &p.hh[h];
        if y < hh.identified || y > hh.last_year() {
            return None;
        }
        Some(self.pc[self.start[h] as usize + (y - hh.identified) as usize] as f64 / 100.0)
    }
}

/// Models per-capita net income for every household-year.
pub(crate) fn build(seed: u64, p: &People) -> Incomes {
    let mut rng = stream(seed, "income");
    let n = p.hh.len();
    let mut start = Vec::with_capacity(n);
    let mut rows = 0u32;
    for h in &p.hh {
        start.push(rows);
        rows += (h.last_year() - h.identified + 1).max(0) as u32;
    }
    let mut pc = vec![0u32; rows as usize];
    // Where a poor household starts relative to the line (higher z, closer).
    let q0: Vec<f64> = p.hh.iter().map(|h| (0.72 + 0.12 * h.z as f64).clamp(0.35, 0.93)).collect();
    let mut eps = vec![0f64; n];
    let mut prev = vec![0f64; n];
    let mut prev_exited = vec![false; n];
    // (household, persons, relative level e) of the rows whose value depends on M.
    let mut var: Vec<(u32, u32, f64)> = Vec::with_capacity(n);
    let sig2 = SIGMA_HOUSEHOLD * SIGMA_HOUSEHOLD + SIGMA_YEAR * SIGMA_YEAR;
    for y in FIRST_YEAR..=LAST_YEAR {
        let line = poverty_line(y);
        let floor = 1.03 * line;
        let mut fixed_sum = 0.0f64;
        let mut persons_sum = 0.0f64;
        var.clear();
        for (i, h) in p.hh.iter().enumerate() {
            if y < h.identified || y > h.last_year() {
                continue;
            }
            let persons = p.persons(i, y);
            persons_sum += persons as f64;
            let first = y == h.identified;
            let e_noise: f64 = StandardNormal.sample(&mut rng);
            eps[i] = if first { e_noise } else { AR_YEAR * eps[i] + (1.0 - AR_YEAR * AR_YEAR).sqrt() * e_noise };
            let shock = !first && rng.gen_bool(SHOCK);
            let shock_factor = rng.gen_range(0.75..0.95);
            let noise: f64 = StandardNormal.sample(&mut rng);
            let row = start[i] as usize + (y - h.identified) as usize;
            let value = if h.poor_in(y) {
                // Below the line, creeping towards it as the exit year nears.
                let span = (h.exit_year - h.identified).max(1) as f64;
                let t = (y - h.identified) as f64 / span;
                let q = (q0[i] + (0.93 - q0[i]) * t + 0.02 * noise).clamp(0.3, 0.97);
                let v = if shock { (prev[i] * shock_factor).min(0.97 * line) } else { line * q };
                Some(v)
            } else if shock && prev_exited[i] {
                // A fall after exit; it may dip below the line (the cases the
                // risk monitoring exists for), but not far.
                Some((prev[i] * shock_factor).max(0.9 * line))
            } else {
                let e = (SIGMA_HOUSEHOLD * h.z as f64 + SIGMA_YEAR * eps[i] - sig2 / 2.0).exp();
                var.push((i as u32, persons, e));
                None
            };
            if let Some(v) = value {
                fixed_sum += v * persons as f64;
                pc[row] = (v * 100.0).round() as u32;
                prev[i] = v;
            }
            prev_exited[i] = !h.poor_in(y);
        }
        // Solve for the level M that brings the weighted mean to the target.
        let want = target_mean(y) * persons_sum - fixed_sum;
        let total = |m: f64| -> f64 { var.iter().map(|&(_, ps, e)| ps as f64 * (m * e).max(floor)).sum() };
        let (mut a, mut b) = (0.0f64, 1.0e6f64);
        for _ in 0..60 {
            let mid = 0.5 * (a + b);
            if total(mid) < want {
                a = mid;
            } else {
                b = mid;
            }
        }
        let m = 0.5 * (a + b);
        for &(i, _, e) in &var {
            let i = i as usize;
            let h = &p.hh[i];
            let v = (m * e).max(floor);
            pc[start[i] as usize + (y - h.identified) as usize] = (v * 100.0).round() as u32;
            prev[i] = v;
        }
    }
    Incomes { start, pc }
}

/// Writes income_year, splitting each row's net income into its parts: able
/// households live mostly on wages and farming (with its costs), the others
/// mostly on transfers.
pub(crate) fn write(dir: &Path, seed: u64, p: &People, inc: &Incomes) -> Result<(&'static str, usize)> {
    let mut rng = stream(seed, "income_year");
    let mut o = Out::table(dir, "income_year")?;
    for (i, h) in p.hh.iter().enumerate() {
        let code = p.code(i);
        for y in h.identified..=h.last_year() {
            let persons = p.persons(i, y) as i64;
            let pc = inc.pc[inc.start[i] as usize + (y - h.identified) as usize] as i64;
            let net = (pc * persons + 50) / 100; // whole yuan
            let (w, op, pr, tr) = if h.able {
                (
                    rng.gen_range(3.0..6.0),
                    rng.gen_range(2.0..4.5),
                    rng.gen_range(0.0..0.4),
                    rng.gen_range(0.5..2.0),
                )
            } else {
                (
                    rng.gen_range(0.0..0.8),
                    rng.gen_range(0.0..1.0),
                    rng.gen_range(0.0..0.5),
                    rng.gen_range(4.0..8.0),
                )
            };
            let sum: f64 = w + op + pr + tr;
            let wage = (net as f64 * w / sum).floor() as i64;
            let op_net = (net as f64 * op / sum).floor() as i64;
            let prop = (net as f64 * pr / sum).floor() as i64;
            let transfer = net - wage - op_net - prop;
            let cost = (op_net as f64 * rng.gen_range(0.3..0.8)).round() as i64;
            o.bytes(code)?;
            o.int(y as i64)?;
            o.yuan(wage)?;
            o.yuan(op_net + cost)?;
            o.yuan(prop)?;
            o.yuan(transfer)?;
            o.yuan(cost)?;
            o.int(persons)?;
            o.end()?;
        }
    }
    o.finish()
}
