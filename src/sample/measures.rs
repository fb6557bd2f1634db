//! Measures received (household_measure): for every year a household is poor
//! and for its exit year, the aid it got. Able households get "3+3+3"
//! industry support (one main line of business kept over the years, sometimes
//! a second), unable ones the "6保6助2托" relief policies that fit them
//! (低保 for 低保 households, disability allowances where someone is
//! disabled …), and many get general measures. Probabilities vary by war
//! zone and category so a zone × category coverage table shows contrasts.

use std::path::Path;

use anyhow::Result;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::catalog::MEASURES;
use super::geo::Geo;
use super::out::Out;
use super::people::{People, ATTR_DIBAO, ATTR_TEKUN, CAUSE_ILL, HEALTH_DISABLED, HEALTH_SERIOUS};
use super::{stream, weighted};
use crate::store::tables::MEASURE_CATEGORIES;

/// Multipliers on the chance of each category (in `MEASURE_CATEGORIES`
/// order: 产业 就业 教育 健康 住房 生态 兜底 金融) per war zone. Zone 1 (around
/// Lubei) has more jobs, zones 2 and 4 more ecological and housing work,
/// zone 3 more finance.
const ZONE_FACTOR: [[f64; 8]; 4] = [
    [1.00, 1.40, 1.10, 1.05, 0.90, 0.70, 1.00, 1.10],
    [1.02, 0.95, 1.00, 0.95, 1.10, 1.20, 0.95, 0.90],
    [1.01, 0.75, 0.95, 1.00, 1.00, 1.00, 1.05, 1.35],
    [0.97, 0.60, 0.90, 0.90, 1.30, 1.40, 1.10, 0.80],
];

/// Main industry weights over M01..M09 by township kind.
fn industry_weights(kind: &str) -> [f64; 9] {
    match kind {
        "苏木" => [40.0, 30.0, 3.0, 8.0, 5.0, 2.0, 5.0, 5.0, 2.0],
        "镇" => [25.0, 12.0, 10.0, 20.0, 10.0, 8.0, 10.0, 4.0, 1.0],
        _ => [20.0, 10.0, 5.0, 30.0, 20.0, 5.0, 5.0, 3.0, 2.0],
    }
}


/// Measure index from its code number (M01 → 0).
const fn mi(n: usize) -> usize {
    n - 1
}

/// Amount in fen (cents) for one household-year of a measure.
fn amount(rng: &mut ChaCha8Rng, m: usize, y: i32, persons: i64, students: i64, elderly: i64, disabled: i64) -> i64 {
    let step = |rng: &mut ChaCha8Rng, lo: i64, hi: i64, s: i64| -> i64 { rng.gen_range(lo / s..=hi / s) * s * 100 };
    let cents = |rng: &mut ChaCha8Rng, lo: f64, hi: f64| -> i64 { (rng.gen_range(lo..hi) * 100.0).round() as i64 };
    match m + 1 {
        1 => step(rng, 5_000, 10_000, 500),
        2 => step(rng, 2_000, 6_000, 500),
        3 => step(rng, 1_000, 3_000, 100),
        4 => step(rng, 300, 1_500, 50),
        5 => step(rng, 300, 1_200, 50),
        6 => step(rng, 3_000, 10_000, 500),
        7 => step(rng, 500, 2_000, 100),
        8 => 300_000,
        9 => step(rng, 1_000, 3_000, 100),
        10 => persons * step(rng, 2_400, 4_800, 60),
        11 => persons * step(rng, 5_000, 7_000, 100),
        12 => persons * [90, 120, 150, 180, 220, 250, 280][(y - 2014).clamp(0, 6) as usize] * 100,
        13 => cents(rng, 2_000.0, 30_000.0),
        14 => elderly.max(1) * step(rng, 1_320, 2_160, 12),
        15 => disabled.max(1) * step(rng, 600, 1_200, 60),
        16 => students.max(1) * step(rng, 1_000, 3_000, 250),
        17 => cents(rng, 300.0, 5_000.0),
        18 => step(rng, 20_000, 40_000, 1_000),
        19 => step(rng, 500, 3_000, 100),
        20 => step(rng, 500, 2_000, 50),
        21 => step(rng, 600, 1_500, 100),
        22 => step(rng, 6_000, 12_000, 500),
        23 => step(rng, 800, 3_000, 100),
        24 => step(rng, 500, 1_500, 100),
        25 => step(rng, 6_000, 12_000, 500),
        26 => step(rng, 3_000, 10_000, 500),
        27 => students.max(1) * 300_000,
        28 => 0, // family doctor: a service, no money changes hands
        29 => persons * step(rng, 18_000, 22_000, 500),
        30 => 1_000_000,
        31 => cents(rng, 500.0, 5_000.0),
        32 => [10_000, 20_000, 30_000, 50_000][rng.gen_range(0..4)] * 100,
        _ => [10_000, 15_000, 20_000, 25_000][rng.gen_range(0..4)] * 100,
    }
}

pub(crate) fn write(dir: &Path, seed: u64, geo: &Geo, p: &People) -> Result<(&'static str, usize)> {
    let mut rng = stream(seed, "household_measure");
    let mut o = Out::table(dir, "household_measure")?;
    let cat_of: Vec<usize> =
        MEASURES.iter().map(|m| MEASURE_CATEGORIES.iter().position(|c| *c == m.category).unwrap_or(0)).collect();
    let mut chosen: Vec<(usize, i64)> = Vec::with_capacity(16);
    for (i, h) in p.hh.iter().enumerate() {
        let v = &geo.villages[h.village as usize];
        let kind = v.township().kind;
        let zf = &ZONE_FACTOR[(v.zone() as usize - 1).min(3)];
        let prob = |m: usize, base: f64| -> f64 { (base * zf[cat_of[m]]).clamp(0.0, 0.99) };
        let ms = p.members_of(i);
        let students_total = ms.iter().filter(|m| m.in_school()).count() as i64;
        let elderly = ms.iter().filter(|m| m.birth <= 1955).count() as i64;
        let disabled = ms.iter().filter(|m| m.health == HEALTH_DISABLED).count() as i64;
        let serious = ms.iter().any(|m| m.health == HEALTH_SERIOUS);
        let ill = h.main_cause == CAUSE_ILL;
        let iw = industry_weights(kind);
        let main_ind = weighted(&mut rng, &iw);
        let mut iw2 = iw;
        iw2[main_ind] = 0.0;
        let second_ind = weighted(&mut rng, &iw2);
        let grass = match kind {
            "苏木" => 0.3,
            "农牧场" => 0.18,
            _ => 0.05,
        };
        let ranger = if kind == "镇" { 0.015 } else { 0.04 };
        let mut one_off_done = [false; 3]; // 危房改造, 饮水安全, 易地搬迁
        let code = p.code(i);
        let last = h.exit_year.min(h.last_year());
        for y in h.identified..=last {
            chosen.clear();
            let persons = p.persons(i, y) as i64;
            // Vocational-age students this year (雨露计划 is for 中职/高职).
            let voc = ms.iter().filter(|m| m.present_in(y) && (15..=22).contains(&(y - m.birth as i32))).count() as i64;
            let add = |rng: &mut ChaCha8Rng, m: usize, base: f64, chosen: &mut Vec<(usize, i64)>| {
                if base > 0.0 && rng.gen_bool(prob(m, base)) {
                    let a = amount(rng, m, y, persons, students_total, elderly, disabled);
                    chosen.push((m, a));
                }
            };
            if h.able {
                add(&mut rng, main_ind, 0.965, &mut chosen);
                add(&mut rng, second_ind, 0.15, &mut chosen);
            } else {
                add(&mut rng, mi(12), 0.95, &mut chosen);
                add(&mut rng, mi(10), if h.attribute == ATTR_DIBAO { 0.95 } else { 0.04 }, &mut chosen);
                add(&mut rng, mi(11), if h.attribute == ATTR_TEKUN { 0.98 } else { 0.0 }, &mut chosen);
                add(&mut rng, mi(13), if ill { 0.4 } else if serious { 0.25 } else { 0.04 }, &mut chosen);
                add(&mut rng, mi(14), if elderly > 0 { 0.45 } else { 0.0 }, &mut chosen);
                add(&mut rng, mi(15), if disabled > 0 { 0.7 } else { 0.0 }, &mut chosen);
                add(&mut rng, mi(16), if students_total > 0 { 0.6 } else { 0.0 }, &mut chosen);
                add(&mut rng, mi(17), if ill { 0.25 } else { 0.08 }, &mut chosen);
                if !one_off_done[0] && rng.gen_bool(prob(mi(18), 0.03)) {
                    one_off_done[0] = true;
                    chosen.push((mi(18), amount(&mut rng, mi(18), y, persons, 0, 0, 0)));
                }
                add(&mut rng, mi(19), 0.06, &mut chosen);
                if !one_off_done[1] && rng.gen_bool(prob(mi(20), 0.02)) {
                    one_off_done[1] = true;
                    chosen.push((mi(20), amount(&mut rng, mi(20), y, persons, 0, 0, 0)));
                }
                add(&mut rng, mi(21), 0.08, &mut chosen);
                add(&mut rng, mi(22), if h.attribute == ATTR_TEKUN { 0.12 } else { 0.004 }, &mut chosen);
                add(&mut rng, mi(23), 0.12, &mut chosen);
            }
            // General measures.
            let able = h.able;
            add(&mut rng, mi(24), if able { 0.08 } else { 0.0 }, &mut chosen);
            add(&mut rng, mi(25), if able { 0.04 } else { 0.02 }, &mut chosen);
            add(&mut rng, mi(26), if able { 0.03 } else { 0.0 }, &mut chosen);
            add(&mut rng, mi(27), if voc > 0 { if able { 0.45 } else { 0.25 } } else { 0.0 }, &mut chosen);
            add(&mut rng, mi(28), if able { 0.22 } else { 0.35 }, &mut chosen);
            if !one_off_done[2] && rng.gen_bool(prob(mi(29), 0.004)) {
                one_off_done[2] = true;
                chosen.push((mi(29), amount(&mut rng, mi(29), y, persons, 0, 0, 0)));
            }
            add(&mut rng, mi(30), if able { ranger } else { 0.0 }, &mut chosen);
            add(&mut rng, mi(31), grass, &mut chosen);
            add(&mut rng, mi(32), if able { 0.05 } else { 0.0 }, &mut chosen);
            add(&mut rng, mi(33), if able { 0.03 } else { 0.0 }, &mut chosen);
            chosen.sort_unstable_by_key(|c| c.0);
            chosen.dedup_by_key(|c| c.0);
            for &(m, a) in chosen.iter() {
                o.bytes(code)?;
                o.text(MEASURES[m].code)?;
                o.int(y as i64)?;
                o.cents(a)?;
                o.end()?;
            }
        }
    }
    o.finish()
}
