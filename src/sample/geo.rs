//! Geography of the sample banner: the 4 war zones, the 19 real townships of
//! Zarud Banner (zone assignment is an assumption), the villages (206 per
//! scale unit, 58 of them poor) and the yearly rural population of each
//! village, calibrated so the banner's 2014 poverty incidence is 8.4 %.

use std::path::Path;

use anyhow::Result;
use rand::Rng;
use rand_distr::{Distribution, LogNormal};

use super::names::{self, Namer};
use super::out::Out;
use super::{stream, FIRST_YEAR, LAST_YEAR, NYEARS};

pub(crate) struct Zone {
    pub id: u8,
    pub name: &'static str,
    pub name_en: &'static str,
}

pub(crate) const ZONES: &[Zone] = &[
    Zone { id: 1, name: "第一战区", name_en: "War Zone 1" },
    Zone { id: 2, name: "第二战区", name_en: "War Zone 2" },
    Zone { id: 3, name: "第三战区", name_en: "War Zone 3" },
    Zone { id: 4, name: "第四战区", name_en: "War Zone 4" },
];

pub(crate) struct TownshipDef {
    pub code: &'static str,
    pub name: &'static str,
    pub name_en: &'static str,
    pub kind: &'static str,
    pub zone: u8,
    /// Villages at scale 1 (they add up to 206).
    pub villages: u32,
    /// Village names that must exist here (the article's model villages).
    pub forced: &'static [&'static str],
}

const fn t(
    code: &'static str,
    name: &'static str,
    name_en: &'static str,
    kind: &'static str,
    zone: u8,
    villages: u32,
    forced: &'static [&'static str],
) -> TownshipDef {
    TownshipDef { code, name, name_en, kind, zone, villages, forced }
}

/// The townships, grouped by war zone. Village counts per township are an
/// assumption; towns get the most, state farms the fewest.
pub(crate) const TOWNSHIPS: &[TownshipDef] = &[
    t("150526100", "鲁北镇", "Lubei Town", "镇", 1, 16, &["义和碑村"]),
    t("150526200", "巴彦塔拉苏木", "Bayantala Sumu", "苏木", 1, 11, &["巴彦乌拉嘎查"]),
    t("150526105", "香山镇", "Xiangshan Town", "镇", 1, 12, &[]),
    t("150526401", "香山农场", "Xiangshan Farm", "农牧场", 1, 9, &[]),
    t("150526106", "阿日昆都楞镇", "Arikunduleng Town", "镇", 1, 10, &[]),
    t("150526101", "黄花山镇", "Huanghuashan Town", "镇", 2, 12, &["小黑山村"]),
    t("150526102", "嘎亥图镇", "Gahaitu Town", "镇", 2, 11, &[]),
    t("150526203", "格日朝鲁苏木", "Gerichaolu Sumu", "苏木", 2, 12, &[]),
    t("150526205", "乌兰哈达苏木", "Wulanhada Sumu", "苏木", 2, 11, &[]),
    t("150526403", "嘎达苏种畜场", "Gadasu Breeding Farm", "农牧场", 2, 8, &[]),
    t("150526103", "巨日合镇", "Jurihe Town", "镇", 3, 14, &[]),
    t("150526104", "巴雅尔图胡硕镇", "Bayaertuhushuo Town", "镇", 3, 13, &[]),
    t("150526204", "前德门苏木", "Qiandemen Sumu", "苏木", 3, 10, &[]),
    t("150526206", "查布嘎图苏木", "Chabugatu Sumu", "苏木", 3, 10, &[]),
    t("150526207", "乌额格其苏木", "Wuegeqi Sumu", "苏木", 3, 9, &[]),
    t("150526201", "乌力吉木仁苏木", "Wulijimuren Sumu", "苏木", 4, 12, &["查干诺尔嘎查"]),
    t("150526202", "道老杜苏木", "Daolaodu Sumu", "苏木", 4, 11, &[]),
    t("150526400", "乌额格其牧场", "Wuegeqi Ranch", "农牧场", 4, 8, &[]),
    t("150526402", "乌日根塔拉农场", "Wurigentala Farm", "农牧场", 4, 7, &[]),
];

/// Poor villages per 58 by exit year 2016..=2020.
const VILLAGE_EXITS: [(i32, u32); 5] = [(2016, 8), (2017, 15), (2018, 20), (2019, 13), (2020, 2)];
const VILLAGES_PER_SCALE: u32 = 206;
const POOR_VILLAGES_PER_SCALE: u32 = 58;
/// Target poverty incidence in 2014.
pub(crate) const INCIDENCE_2014: f64 = 0.084;

pub(crate) struct Village {
    pub code: String,
    pub name: String,
    /// Index into `TOWNSHIPS`.
    pub township: u8,
    pub is_poor: bool,
    pub exit_year: Option<i32>,
}

impl Village {
    pub fn township(&self) -> &'static TownshipDef {
        &TOWNSHIPS[self.township as usize]
    }
    pub fn zone(&self) -> u8 {
        self.township().zone
    }
}

pub(crate) struct Geo {
    pub villages: Vec<Village>,
}

/// Builds the villages: names, codes, which are poor, and when they exited.
pub(crate) fn build(seed: u64, scale: u32) -> Geo {
    let mut rng = stream(seed, "village");
    let counts: Vec<u32> = TOWNSHIPS.iter().map(|t| t.villages * scale).collect();
    debug_assert_eq!(counts.iter().sum::<u32>(), VILLAGES_PER_SCALE * scale);
    let width = counts.iter().max().map(|m| m.to_string().len()).unwrap_or(3).max(3);
    let mut villages = Vec::with_capacity((VILLAGES_PER_SCALE * scale) as usize);
    for (ti, t) in TOWNSHIPS.iter().enumerate() {
        let n = counts[ti] as usize;
        let mut names = names::village_names(&mut rng, t.kind, n, t.forced);
        // Forced names stay, the rest keep their shuffled order; then sort the
        // township's villages by a random permutation so forced ones are not
        // always number 001.
        names.truncate(n);
        for i in (1..names.len()).rev() {
            let j = rng.gen_range(0..=i);
            names.swap(i, j);
        }
        for (k, name) in names.into_iter().enumerate() {
            villages.push(Village {
                code: format!("{}{:0width$}", t.code, k + 1, width = width),
                name,
                township: ti as u8,
                is_poor: false,
                exit_year: None,
            });
        }
    }
    // Poor villages: weighted sampling without replacement (Efraimidis–Spirakis
    // keys), sumu a little more likely, state farms less.
    let mut keyed: Vec<(f64, usize)> = villages
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let w = match v.township().kind {
                "苏木" => 1.3,
                "镇" => 1.0,
                _ => 0.5,
            };
            let u: f64 = rng.gen_range(1e-12..1.0);
            (u.powf(1.0 / w), i)
        })
        .collect();
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut poor: Vec<usize> = keyed[..(POOR_VILLAGES_PER_SCALE * scale) as usize].iter().map(|k| k.1).collect();
    poor.sort_unstable();
    let mut exits: Vec<i32> = VILLAGE_EXITS.iter().flat_map(|&(y, n)| std::iter::repeat_n(y, (n * scale) as usize)).collect();
    for i in (1..exits.len()).rev() {
        let j = rng.gen_range(0..=i);
        exits.swap(i, j);
    }
    for (&vi, &y) in poor.iter().zip(&exits) {
        villages[vi].is_poor = true;
        villages[vi].exit_year = Some(y);
    }
    Geo { villages }
}

pub(crate) fn write_zones(dir: &Path, seed: u64) -> Result<(&'static str, usize)> {
    let mut rng = stream(seed, "war_zone");
    let namer = Namer::new();
    let mut o = Out::table(dir, "war_zone")?;
    for z in ZONES {
        o.int(z.id as i64)?;
        o.text(z.name)?;
        o.text(z.name_en)?;
        let n = namer.adult(&mut rng);
        o.concat(&[n.surname().as_bytes(), n.given().as_bytes()])?;
        o.end()?;
    }
    o.finish()
}

pub(crate) fn write_townships(dir: &Path) -> Result<(&'static str, usize)> {
    let mut o = Out::table(dir, "township")?;
    for t in TOWNSHIPS {
        o.text(t.code)?;
        o.text(t.name)?;
        o.text(t.name_en)?;
        o.text(t.kind)?;
        o.int(t.zone as i64)?;
        o.end()?;
    }
    o.finish()
}

pub(crate) fn write_villages(dir: &Path, geo: &Geo) -> Result<(&'static str, usize)> {
    let mut o = Out::table(dir, "village")?;
    for v in &geo.villages {
        o.text(&v.code)?;
        o.text(&v.name)?;
        o.text(v.township().code)?;
        o.bool(v.is_poor)?;
        o.opt_int(v.exit_year.map(i64::from))?;
        o.end()?;
    }
    o.finish()
}

/// Rural households and population of each village for each year.
pub(crate) struct VillageYears {
    /// `pop[v][y - FIRST_YEAR]`.
    pub pop: Vec<[u32; NYEARS]>,
    pub households: Vec<[u32; NYEARS]>,
}

/// Calibrates village populations. `poor_pop_2014[v]` is the poor population
/// of village `v` in 2014 as the product computes it; the banner total of 2014
/// is set to round(poor / 8.4 %) exactly, each village at least three times its
/// poor population and within 320..=4000 (so it stays ≥ 300 after shrinking).
pub(crate) fn village_years(seed: u64, poor_pop_2014: &[u32]) -> VillageYears {
    let mut rng = stream(seed, "village_year");
    let total_poor: u64 = poor_pop_2014.iter().map(|&p| p as u64).sum();
    let target = (total_poor as f64 / INCIDENCE_2014).round() as i64;
    let ln = LogNormal::new((900.0f64).ln(), 0.55).expect("valid lognormal");
    let raw: Vec<f64> = poor_pop_2014.iter().map(|_| ln.sample(&mut rng)).collect();
    let lo: Vec<f64> = poor_pop_2014.iter().map(|&p| (3.0 * p as f64).max(320.0)).collect();
    let hi: Vec<f64> = lo.iter().map(|&l| l.max(4000.0)).collect();
    let sum_at = |s: f64| -> f64 { raw.iter().zip(lo.iter().zip(&hi)).map(|(r, (l, h))| (r * s).clamp(*l, *h)).sum() };
    // Bisection on a common scale factor.
    let (mut a, mut b) = (0.0f64, 100.0f64);
    for _ in 0..100 {
        let m = 0.5 * (a + b);
        if sum_at(m) < target as f64 {
            a = m;
        } else {
            b = m;
        }
    }
    let s = 0.5 * (a + b);
    let mut p2014: Vec<i64> =
        raw.iter().zip(lo.iter().zip(&hi)).map(|(r, (l, h))| (r * s).clamp(*l, *h).round() as i64).collect();
    let lo_i: Vec<i64> = lo.iter().map(|l| l.ceil() as i64).collect();
    let hi_i: Vec<i64> = hi.iter().map(|h| h.floor() as i64).collect();
    for (p, (l, h)) in p2014.iter_mut().zip(lo_i.iter().zip(&hi_i)) {
        *p = (*p).clamp(*l, *h);
    }
    // Hand out the rounding remainder one person at a time, cycling over the
    // villages that still have room.
    let mut diff = target - p2014.iter().sum::<i64>();
    let n = p2014.len();
    let mut i = 0usize;
    let mut idle = 0usize;
    while diff != 0 && idle <= n {
        let step = diff.signum();
        let next = p2014[i] + step;
        if next >= lo_i[i] && next <= hi_i[i] {
            p2014[i] = next;
            diff -= step;
            idle = 0;
        } else {
            idle += 1;
        }
        i = (i + 1) % n;
    }
    let mut pop = Vec::with_capacity(n);
    let mut households = Vec::with_capacity(n);
    for &p0 in &p2014 {
        let mut row = [0u32; NYEARS];
        let mut hrow = [0u32; NYEARS];
        let mut p = p0 as f64;
        for y in FIRST_YEAR..=LAST_YEAR {
            let k = (y - FIRST_YEAR) as usize;
            if y > FIRST_YEAR {
                // About 0.5 % fewer people each year (out-migration, ageing).
                p *= 1.0 - rng.gen_range(0.002..0.008);
            }
            let pi = if y == FIRST_YEAR { p0 as u32 } else { p.round() as u32 };
            row[k] = pi;
            hrow[k] = (pi as f64 / rng.gen_range(2.5..2.7)).round() as u32;
        }
        pop.push(row);
        households.push(hrow);
    }
    VillageYears { pop, households }
}

pub(crate) fn write_village_years(dir: &Path, geo: &Geo, vy: &VillageYears) -> Result<(&'static str, usize)> {
    let mut o = Out::table(dir, "village_year")?;
    for (v, village) in geo.villages.iter().enumerate() {
        for y in FIRST_YEAR..=LAST_YEAR {
            let k = (y - FIRST_YEAR) as usize;
            o.text(&village.code)?;
            o.int(y as i64)?;
            o.int(vy.households[v][k] as i64)?;
            o.int(vy.pop[v][k] as i64)?;
            o.end()?;
        }
    }
    o.finish()
}
