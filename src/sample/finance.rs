//! Money that works for poor households: industry entities (cooperatives,
//! leading enterprises, village collectives, poverty-relief workshops), the
//! poverty funds invested in them (fund_investment, 2016–2018), the yearly
//! asset-income dividends to the households the principal is attributed to
//! (2017–2020, ≥ 2,000 households a year, ≥ 10 % yield, ≥ 3,000 yuan a
//! household), and the interest-free production revolving loans (exactly
//! 56.55 M yuan per scale unit, one loan per household).

use std::collections::HashSet;
use std::path::Path;

use anyhow::Result;
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::geo::{Geo, TOWNSHIPS};
use super::out::{Date, Out};
use super::people::People;
use super::{stream, LAST_YEAR};
use crate::store::tables::LOAN_PURPOSES;

const ENTITIES: u32 = 80;
/// Households receiving dividends every year 2017–2020 (per scale unit).
const DIVIDEND_EARLY: u32 = 2_050;
/// Households added by the 2018 investments (dividends 2018–2020).
const DIVIDEND_LATE: u32 = 50;
const LOANS: u32 = 3_140;
const LOAN_TOTAL_YUAN: i64 = 56_550_000;

pub(crate) struct Entity {
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub sector: &'static str,
    pub township: usize,
    pub village: Option<usize>,
    pub founded: i32,
}

pub(crate) struct Investment {
    pub code: String,
    pub entity: usize,
    pub year: i32,
    /// Floor rate in ten-thousandths (1000 = 10 %).
    pub floor: i64,
    pub source: &'static str,
    /// (household, share principal in yuan).
    pub shares: Vec<(u32, i64)>,
}

impl Investment {
    pub fn principal(&self) -> i64 {
        self.shares.iter().map(|s| s.1).sum()
    }
}

pub(crate) struct Loan {
    pub code: String,
    pub household: u32,
    pub amount: i64,
    pub issued: Date,
    pub due: Date,
    pub repaid: i64,
    pub settled: Option<Date>,
    pub purpose: u8,
}

pub(crate) struct Finance {
    pub entities: Vec<Entity>,
    pub investments: Vec<Investment>,
    pub loans: Vec<Loan>,
}

/// The registered households (not those that left the rolls otherwise), in
/// a random order weighted by ability to work: a weighted sample without
/// replacement is any prefix of it (Efraimidis–Spirakis keys).
fn weighted_order(p: &People, rng: &mut ChaCha8Rng, able: f64, unable: f64) -> Vec<u32> {
    let mut keyed: Vec<(f64, u32)> = p
        .hh
        .iter()
        .enumerate()
        .filter(|(_, h)| !h.natural)
        .map(|(i, h)| {
            let w: f64 = if h.able { able } else { unable };
            let u: f64 = rng.gen_range(1e-12..1.0);
            (u.powf(1.0 / w), i as u32)
        })
        .collect();
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    keyed.into_iter().map(|k| k.1).collect()
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, f64)]) -> T {
    let total: f64 = items.iter().map(|x| x.1).sum();
    let mut u = rng.gen::<f64>() * total;
    for &(v, w) in items {
        if u < w {
            return v;
        }
        u -= w;
    }
    items[items.len() - 1].0
}

fn width(n: usize, min: usize) -> usize {
    n.to_string().len().max(min)
}

/// Strips the 嘎查/村 ending for names like "巴彦乌拉养牛专业合作社".
fn village_stem(name: &str) -> &str {
    name.strip_suffix("嘎查").or_else(|| name.strip_suffix("村")).unwrap_or(name)
}

pub(crate) fn build(seed: u64, scale: u32, geo: &Geo, p: &People) -> Finance {
    let entities = entities(seed, scale, geo);
    let investments = investments(seed, scale, geo, p, &entities);
    let loans = loans(seed, scale, p);
    Finance { entities, investments, loans }
}

const BRANDS: [&str; 12] = ["蒙源", "草原红", "绿野", "鲁北", "科尔沁", "罕山", "金草原", "兴牧", "丰泽", "牧歌", "福瑞", "天骄"];
const NAME_WORDS: [&str; 12] = ["兴旺", "富民", "鑫源", "丰收", "宏达", "惠农", "金牛", "绿源", "同心", "聚福", "兴农", "福源"];

/// The name of an entity of `kind` and `sector` at `place` (a village, or the
/// township for entities not tied to one); `variant` > 0 gives the
/// alternatives used when the plain name is taken.
fn entity_name(kind: &str, sector: &str, place: &str, brand: usize, variant: usize) -> String {
    let word = match variant {
        0 => String::new(),
        v if v <= NAME_WORDS.len() => NAME_WORDS[v - 1].to_string(),
        v => format!("第{}", super::names::zh_number(v as u32)),
    };
    match kind {
        "合作社" => {
            let what = match sector {
                "肉牛养殖" => "养牛",
                "肉羊养殖" => "养羊",
                "食用菌" => "食用菌种植",
                other => other,
            };
            format!("{}{word}{what}专业合作社", village_stem(place))
        }
        "龙头企业" => {
            let what = match sector {
                "农畜产品加工" => "食品",
                "肉牛养殖" => "牧业",
                _ => "光伏电力",
            };
            // Other brands first, then brand + word.
            let b = BRANDS[(brand + variant) % BRANDS.len()];
            let word = if variant < BRANDS.len() { "" } else { word.as_str() };
            format!("扎鲁特旗{b}{word}{what}有限公司")
        }
        "村集体经济" => {
            let what = match sector {
                "光伏发电" => "光伏电站",
                "肉牛养殖" => "集体养牛场",
                "食用菌" => "食用菌厂",
                "乡村旅游" => "乡村旅游点",
                _ => "杂粮种植基地",
            };
            format!("{place}{word}{what}")
        }
        _ => format!("{place}{word}{}扶贫车间", if sector == "民族手工艺" { "民族手工艺" } else { "" }),
    }
}

/// The article's model entities (name, kind, sector, township, village,
/// founded); where they are is an assumption.
type ModelEntity = (&'static str, &'static str, &'static str, &'static str, Option<&'static str>, i32);
const MODEL_ENTITIES: &[ModelEntity] = &[
    ("玛拉沁艾力养牛专业合作社", "合作社", "肉牛养殖", "格日朝鲁苏木", None, 2013),
    ("义和碑村食用菌厂", "村集体经济", "食用菌", "鲁北镇", Some("义和碑村"), 2016),
    ("小黑山养牛专业合作社", "合作社", "肉牛养殖", "黄花山镇", Some("小黑山村"), 2014),
];

fn entities(seed: u64, scale: u32, geo: &Geo) -> Vec<Entity> {
    let mut rng = stream(seed, "industry_entity");
    let n = (ENTITIES * scale) as usize;
    let w = width(n, 4);
    let mut villages_of: Vec<Vec<usize>> = vec![Vec::new(); TOWNSHIPS.len()];
    for (i, v) in geo.villages.iter().enumerate() {
        villages_of[v.township as usize].push(i);
    }
    let find_township = |name: &str| TOWNSHIPS.iter().position(|t| t.name == name).unwrap_or(0);
    let find_village = |name: &str| geo.villages.iter().position(|v| v.name == name);
    let mut out: Vec<Entity> = Vec::with_capacity(n);
    let mut names: HashSet<String> = HashSet::new();
    for &(name, kind, sector, township, village, founded) in MODEL_ENTITIES {
        names.insert(name.to_string());
        out.push(Entity {
            code: String::new(),
            name: name.to_string(),
            kind,
            sector,
            township: find_township(township),
            village: village.and_then(find_village),
            founded,
        });
    }
    // Townships: each gets at least two, the rest by village count.
    let mut per_t: Vec<usize> = vec![0; TOWNSHIPS.len()];
    for e in &out {
        per_t[e.township] += 1;
    }
    for c in per_t.iter_mut() {
        *c = (*c).max(2);
    }
    let weights: Vec<(usize, f64)> = TOWNSHIPS.iter().enumerate().map(|(i, t)| (i, t.villages as f64)).collect();
    let specials_per_t: Vec<usize> =
        (0..TOWNSHIPS.len()).map(|t| out.iter().filter(|e| e.township == t).count()).collect();
    while per_t.iter().sum::<usize>() < n {
        let t = pick(&mut rng, &weights);
        per_t[t] += 1;
    }
    const KINDS: [(&str, f64); 4] = [("合作社", 0.5), ("龙头企业", 0.1), ("村集体经济", 0.3), ("扶贫车间", 0.1)];
    for (t, &count) in per_t.iter().enumerate() {
        for _ in specials_per_t[t]..count {
            let kind = pick(&mut rng, &KINDS);
            let sector: &'static str = match kind {
                "合作社" => pick(
                    &mut rng,
                    &[("肉牛养殖", 45.0), ("肉羊养殖", 25.0), ("杂粮种植", 15.0), ("食用菌", 10.0), ("农畜产品加工", 5.0)],
                ),
                "龙头企业" => pick(&mut rng, &[("农畜产品加工", 50.0), ("肉牛养殖", 30.0), ("光伏发电", 20.0)]),
                "村集体经济" => pick(
                    &mut rng,
                    &[("光伏发电", 35.0), ("肉牛养殖", 25.0), ("食用菌", 15.0), ("乡村旅游", 10.0), ("杂粮种植", 15.0)],
                ),
                _ => pick(&mut rng, &[("农畜产品加工", 60.0), ("食用菌", 20.0), ("民族手工艺", 20.0)]),
            };
            let vs = &villages_of[t];
            let village = if kind == "龙头企业" || (kind == "合作社" && rng.gen_bool(0.3)) {
                None
            } else {
                Some(vs[rng.gen_range(0..vs.len())])
            };
            let place = village.map(|v| geo.villages[v].name.as_str()).unwrap_or(TOWNSHIPS[t].name);
            let brand = rng.gen_range(0..BRANDS.len());
            // Same place, kind and sector twice: vary the name with a word.
            let mut variant = 0;
            let mut name = entity_name(kind, sector, place, brand, variant);
            while names.contains(&name) {
                variant += 1;
                name = entity_name(kind, sector, place, brand, variant);
            }
            names.insert(name.clone());
            let founded = match kind {
                "合作社" => rng.gen_range(2008..=2016),
                "龙头企业" => rng.gen_range(1998..=2014),
                "村集体经济" => rng.gen_range(2015..=2017),
                _ => rng.gen_range(2016..=2017),
            };
            out.push(Entity { code: String::new(), name, kind, sector, township: t, village, founded });
        }
    }
    for (i, e) in out.iter_mut().enumerate() {
        e.code = format!("E{:0w$}", i + 1, w = w);
    }
    out
}

/// Dividend recipients (preferring households unable to work) and the
/// investments their share principals are attributed to, township by
/// township. Early investments (2016–2017) pay 2017–2020; the 2018 ones pay
/// 2018–2020, so every year at least 2,050 households per unit are paid.
fn investments(seed: u64, scale: u32, geo: &Geo, p: &People, entities: &[Entity]) -> Vec<Investment> {
    let mut rng = stream(seed, "fund_investment");
    let order = weighted_order(p, &mut rng, 1.0, 4.0);
    let early_n = (DIVIDEND_EARLY * scale) as usize;
    let late_n = (DIVIDEND_LATE * scale) as usize;
    let chosen: Vec<u32> = order.iter().take(early_n + late_n).copied().collect();
    let mut by_t_early: Vec<Vec<u32>> = vec![Vec::new(); TOWNSHIPS.len()];
    let mut by_t_late: Vec<Vec<u32>> = vec![Vec::new(); TOWNSHIPS.len()];
    for (k, &h) in chosen.iter().enumerate() {
        let t = geo.villages[p.hh[h as usize].village as usize].township as usize;
        if k < early_n {
            by_t_early[t].push(h);
        } else {
            by_t_late[t].push(h);
        }
    }
    let mut ents_of: Vec<Vec<usize>> = vec![Vec::new(); TOWNSHIPS.len()];
    for (i, e) in entities.iter().enumerate() {
        ents_of[e.township].push(i);
    }
    const SOURCES: [(&str, f64); 6] = [
        ("中央财政专项扶贫资金", 35.0),
        ("自治区财政专项扶贫资金", 25.0),
        ("旗级整合涉农资金", 20.0),
        ("京蒙协作帮扶资金", 10.0),
        ("社会帮扶资金", 5.0),
        ("通辽市财政扶贫资金", 5.0),
    ];
    const FLOORS: [i64; 5] = [1000, 1050, 1100, 1150, 1200];
    let share = |rng: &mut ChaCha8Rng| -> i64 { rng.gen_range(25..=35) * 1000 };
    let mut out: Vec<Investment> = Vec::new();
    for t in 0..TOWNSHIPS.len() {
        let ents = &ents_of[t];
        if ents.is_empty() {
            continue;
        }
        // Early investments: one per entity (2016 or 2017, not before it was
        // founded), a second one for some.
        let mut plan: Vec<(usize, i32, f64)> = Vec::new();
        for &e in ents {
            let f = entities[e].founded;
            let y = if f <= 2016 && rng.gen_bool(0.6) { 2016 } else { 2017 };
            let weight = if entities[e].kind == "龙头企业" { 2.0 } else { 1.0 } * rng.gen_range(0.5..1.5);
            plan.push((e, y, weight));
            if f <= 2016 && rng.gen_bool(0.3) {
                plan.push((e, if y == 2016 { 2017 } else { 2016 }, rng.gen_range(0.3..1.0)));
            }
        }
        let mut hs = by_t_early[t].clone();
        hs.shuffle(&mut rng);
        plan.truncate(hs.len());
        let counts = split(hs.len(), &plan.iter().map(|x| x.2).collect::<Vec<_>>());
        let mut pos = 0;
        for (k, &(e, y, _)) in plan.iter().enumerate() {
            let shares: Vec<(u32, i64)> = hs[pos..pos + counts[k]].iter().map(|&h| (h, share(&mut rng))).collect();
            pos += counts[k];
            out.push(Investment {
                code: String::new(),
                entity: e,
                year: y,
                floor: FLOORS[rng.gen_range(0..FLOORS.len())],
                source: pick(&mut rng, &SOURCES),
                shares,
            });
        }
        // One 2018 investment for the township's late recipients.
        let late = &by_t_late[t];
        if !late.is_empty() {
            let e = ents[rng.gen_range(0..ents.len())];
            let shares: Vec<(u32, i64)> = late.iter().map(|&h| (h, share(&mut rng))).collect();
            out.push(Investment {
                code: String::new(),
                entity: e,
                year: 2018,
                floor: FLOORS[rng.gen_range(0..FLOORS.len())],
                source: pick(&mut rng, &SOURCES),
                shares,
            });
        }
    }
    out.sort_by_key(|inv| (inv.year, inv.entity));
    let w = width(out.len(), 4);
    let mut seq_in_year = std::collections::HashMap::new();
    for inv in out.iter_mut() {
        let s = seq_in_year.entry(inv.year).or_insert(0usize);
        *s += 1;
        inv.code = format!("F{}-{:0w$}", inv.year, s, w = w);
    }
    out
}

/// Splits `n` items into `w.len()` parts proportional to `w`, each ≥ 1 (when n ≥ parts).
fn split(n: usize, w: &[f64]) -> Vec<usize> {
    let parts = w.len();
    if parts == 0 {
        return Vec::new();
    }
    let base = if n >= parts { 1 } else { 0 };
    let rest = n - base * parts;
    let total: f64 = w.iter().sum();
    let exact: Vec<f64> = w.iter().map(|x| x / total * rest as f64).collect();
    let mut c: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let mut left = rest - c.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..parts).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b)));
    for &i in order.iter().cycle() {
        if left == 0 {
            break;
        }
        c[i] += 1;
        left -= 1;
    }
    c.iter().map(|x| x + base).collect()
}

/// Dividend rate (ten-thousandths) an investment paid in a year: its floor
/// rate plus up to 1.5 points.
pub(crate) fn dividend_rate(rng: &mut ChaCha8Rng, floor: i64) -> i64 {
    floor + rng.gen_range(0..=15) * 10
}

/// One loan per household, mostly to households able to work; amounts of
/// 10/15/20/25 thousand yuan adjusted to the exact total; repayment status as
/// of 2020-12-31.
fn loans(seed: u64, scale: u32, p: &People) -> Vec<Loan> {
    let mut rng = stream(seed, "revolving_loan");
    let n = (LOANS * scale) as usize;
    let order = weighted_order(p, &mut rng, 6.0, 1.0);
    let mut hs: Vec<u32> = order.iter().take(n).copied().collect();
    hs.sort_unstable();
    // Amounts in units of 5,000 yuan: 2, 3, 4 or 5.
    let mut units: Vec<i64> = hs.iter().map(|_| pick(&mut rng, &[(2i64, 18.0), (3, 27.0), (4, 32.0), (5, 23.0)])).collect();
    let target = LOAN_TOTAL_YUAN * scale as i64 / 5_000;
    let mut diff = target - units.iter().sum::<i64>();
    while diff != 0 {
        let k = rng.gen_range(0..units.len());
        if diff > 0 && units[k] < 5 {
            units[k] += 1;
            diff -= 1;
        } else if diff < 0 && units[k] > 2 {
            units[k] -= 1;
            diff += 1;
        }
    }
    let as_of = Date::ymd(LAST_YEAR, 12, 31);
    let mut out: Vec<Loan> = Vec::with_capacity(n);
    for (k, &h) in hs.iter().enumerate() {
        let amount = units[k] * 5_000;
        let year = pick(&mut rng, &[(2016, 30.0), (2017, 30.0), (2018, 25.0), (2019, 15.0)]);
        // Days 1–28 only, so "issued + n years" is the same date everywhere.
        let issued = Date::ymd(year, rng.gen_range(3..=11), rng.gen_range(1..=28));
        let term = pick(&mut rng, &[(3, 40.0), (4, 30.0), (5, 30.0)]);
        let due = issued.add_years(term);
        let status = pick(&mut rng, &[(0u8, 95.0), (1, 3.0), (2, 2.0)]);
        let partial = |rng: &mut ChaCha8Rng| -> i64 { (amount as f64 * rng.gen_range(0.2..0.8) / 1000.0).floor() as i64 * 1000 };
        let (repaid, settled) = if due < as_of {
            match status {
                0 => {
                    let lo = issued.add_days(365).0.min(due.0);
                    (amount, Some(Date(rng.gen_range(lo..=due.0))))
                }
                1 => {
                    let hi = due.add_days(300).0.min(as_of.0);
                    (amount, Some(Date(rng.gen_range(due.0 + 1..=hi))))
                }
                _ => (partial(&mut rng), None),
            }
        } else if status == 0 {
            // Not yet due: most have already paid back early.
            let lo = issued.add_days(300).0.min(as_of.0);
            (amount, Some(Date(rng.gen_range(lo..=as_of.0))))
        } else {
            (partial(&mut rng), None)
        };
        let purpose = pick(&mut rng, &[(1u8, 55.0), (0, 25.0), (2, 15.0), (3, 5.0)]);
        out.push(Loan { code: String::new(), household: h, amount, issued, due, repaid, settled, purpose });
    }
    out.sort_by_key(|l| (l.issued, l.household));
    let w = width(n, 5);
    let mut seq = std::collections::HashMap::new();
    for l in out.iter_mut() {
        let y = l.issued.year();
        let s = seq.entry(y).or_insert(0usize);
        *s += 1;
        l.code = format!("LD{}-{:0w$}", y, s, w = w);
    }
    out
}

pub(crate) fn write_entities(dir: &Path, geo: &Geo, f: &Finance) -> Result<(&'static str, usize)> {
    let mut o = Out::table(dir, "industry_entity")?;
    for e in &f.entities {
        o.text(&e.code)?;
        o.text(&e.name)?;
        o.text(e.kind)?;
        o.text(e.sector)?;
        o.text(TOWNSHIPS[e.township].code)?;
        o.opt_text(e.village.map(|v| geo.villages[v].code.as_str()))?;
        o.int(e.founded as i64)?;
        o.end()?;
    }
    o.finish()
}

pub(crate) fn write_investments(dir: &Path, f: &Finance) -> Result<(&'static str, usize)> {
    let mut o = Out::table(dir, "fund_investment")?;
    for inv in &f.investments {
        o.text(&inv.code)?;
        o.text(&f.entities[inv.entity].code)?;
        o.int(inv.year as i64)?;
        o.yuan(inv.principal())?;
        o.dec4(inv.floor)?;
        o.text(inv.source)?;
        o.end()?;
    }
    o.finish()
}

pub(crate) fn write_dividends(dir: &Path, seed: u64, p: &People, f: &Finance) -> Result<(&'static str, usize)> {
    let mut rng = stream(seed, "dividend");
    let mut o = Out::table(dir, "dividend")?;
    for inv in &f.investments {
        for y in inv.year.max(2017)..=LAST_YEAR {
            let rate = dividend_rate(&mut rng, inv.floor);
            let day = rng.gen_range(5..=28);
            for &(h, share) in &inv.shares {
                o.text(&inv.code)?;
                o.bytes(p.code(h as usize))?;
                o.int(y as i64)?;
                o.yuan(share)?;
                o.yuan((share * rate + 5_000) / 10_000)?;
                o.date(Date::ymd(y, 12, day))?;
                o.end()?;
            }
        }
    }
    o.finish()
}

pub(crate) fn write_loans(dir: &Path, p: &People, f: &Finance) -> Result<(&'static str, usize)> {
    let mut o = Out::table(dir, "revolving_loan")?;
    for l in &f.loans {
        o.text(&l.code)?;
        o.bytes(p.code(l.household as usize))?;
        o.yuan(l.amount)?;
        o.date(l.issued)?;
        o.date(l.due)?;
        o.yuan(l.repaid)?;
        o.opt_date(l.settled)?;
        o.text(LOAN_PURPOSES[l.purpose as usize])?;
        o.end()?;
    }
    o.finish()
}
