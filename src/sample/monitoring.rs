//! Follow-up work: return-to-poverty risk warnings (risk_event, 2017–2020:
//! 5–8 % of registered households a year, more likely where income fell, plus
//! about 30 % more for unregistered edge households) and village deliberation
//! meetings (yipin_meeting: monthly in poor villages, quarterly elsewhere).

use std::path::Path;

use anyhow::Result;
use rand::Rng;

use super::catalog::poverty_line;
use super::geo::{Geo, VillageYears};
use super::income::Incomes;
use super::out::{days_in_year, Date, Out};
use super::people::People;
use super::{stream, weighted, LAST_YEAR};
use crate::store::tables::{MONITORED_GROUPS, RISK_CAUSES, RISK_SOURCES, SEVERITIES};

const RISK_FIRST_YEAR: i32 = 2017;
/// Edge-household warnings as a share of registered-household warnings.
const EDGE_SHARE: f64 = 0.3;


struct Event {
    household: Option<u32>,
    village: usize,
    group: u8,
    persons: u32,
    detected: Date,
    source: u8,
    cause: u8,
    severity: u8,
    income_cents: i64,
    resolved: Option<Date>,
    measures: Option<&'static str>,
}

const MEASURES_BY_CAUSE: [&str; 8] = [
    "落实大病救治和医疗救助；帮扶责任人跟踪走访",
    "落实教育资助和雨露计划补助",
    "发放临时救助金；落实农业保险理赔",
    "安排公益岗位；发放临时救助金",
    "落实产业帮扶项目；推荐就业",
    "发放临时救助金；纳入低保",
    "调整产业项目；开展技术指导",
    "帮扶责任人跟踪帮扶",
];

pub(crate) fn write_risk_events(
    dir: &Path,
    seed: u64,
    geo: &Geo,
    vy: &VillageYears,
    p: &People,
    inc: &Incomes,
) -> Result<(&'static str, usize)> {
    let mut rng = stream(seed, "risk_event");
    let mut o = Out::table(dir, "risk_event")?;
    let as_of = Date::ymd(LAST_YEAR, 12, 31);
    let mut events: Vec<Event> = Vec::new();
    let vweights: Vec<f64> = vy.pop.iter().map(|r| r[0] as f64).collect();
    let vtotal: f64 = vweights.iter().sum();
    for y in RISK_FIRST_YEAR..=LAST_YEAR {
        events.clear();
        let line = poverty_line(y);
        let days = days_in_year(y);
        let mut registered = 0usize;
        for (i, h) in p.hh.iter().enumerate() {
            let Some(now) = inc.per_capita(p, i, y) else { continue };
            let fell = inc.per_capita(p, i, y - 1).is_some_and(|before| now < before);
            // Households whose income fell are flagged far more often.
            let chance = if fell { 0.35 } else { 0.042 };
            if !rng.gen_bool(chance) {
                continue;
            }
            registered += 1;
            let covid = if y == 2020 { 1.0 } else { 0.0 };
            let cause = if fell {
                weighted(&mut rng, &[0.0, 0.0, 10.0, 10.0 * covid, 55.0, 0.0, 25.0, 0.0])
            } else {
                weighted(&mut rng, &[35.0, 8.0, 12.0, 15.0 * covid, 8.0, 20.0, 10.0, 5.0])
            };
            events.push(Event {
                household: Some(i as u32),
                village: h.village as usize,
                group: if h.poor_in(y) { 0 } else { 1 },
                persons: p.persons(i, y),
                detected: Date::from_doy(y, rng.gen_range(0..days)),
                source: weighted(&mut rng, &[20.0, 55.0, 25.0]) as u8,
                cause: cause as u8,
                severity: if fell && now < line { 0 } else { weighted(&mut rng, &[8.0, 46.0, 46.0]) as u8 },
                income_cents: (now * 100.0).round() as i64,
                resolved: None,
                measures: None,
            });
        }
        // Edge households: not registered, so no household code; a village
        // picked in proportion to its population.
        let edge = (registered as f64 * EDGE_SHARE).round() as usize;
        for _ in 0..edge {
            let mut u = rng.gen::<f64>() * vtotal;
            let mut village = vweights.len() - 1;
            for (v, &w) in vweights.iter().enumerate() {
                if u < w {
                    village = v;
                    break;
                }
                u -= w;
            }
            let covid = if y == 2020 { 1.0 } else { 0.0 };
            let cause = weighted(&mut rng, &[35.0, 8.0, 15.0, 15.0 * covid, 12.0, 15.0, 8.0, 5.0]);
            events.push(Event {
                household: None,
                village,
                group: 2,
                persons: weighted(&mut rng, &[20.0, 35.0, 20.0, 15.0, 7.0, 3.0]) as u32 + 1,
                detected: Date::from_doy(y, rng.gen_range(0..days)),
                source: weighted(&mut rng, &[20.0, 55.0, 25.0]) as u8,
                cause: cause as u8,
                severity: weighted(&mut rng, &[8.0, 46.0, 46.0]) as u8,
                income_cents: (line * rng.gen_range(1.0..1.5) * 100.0).round() as i64,
                resolved: None,
                measures: None,
            });
        }
        for e in events.iter_mut() {
            // Most risks are cleared in 10–120 days; late ones in 2020 stay open.
            let r = weighted(&mut rng, &[85.0, 10.0, 5.0]);
            let resolved = match r {
                0 => Some(e.detected.add_days(rng.gen_range(10..=120))),
                1 => Some(e.detected.add_days(rng.gen_range(121..=300))),
                _ => None,
            };
            e.resolved = resolved.filter(|d| *d <= as_of);
            if e.resolved.is_some() || rng.gen_bool(0.5) {
                e.measures = Some(MEASURES_BY_CAUSE[e.cause as usize]);
            }
        }
        events.sort_by_key(|e| (e.detected, e.household.unwrap_or(u32::MAX), e.village));
        let width = events.len().to_string().len().max(5);
        let mut code = String::with_capacity(24);
        for (k, e) in events.iter().enumerate() {
            code.clear();
            use std::fmt::Write;
            let _ = write!(code, "FX{}-{:0w$}", y, k + 1, w = width);
            o.text(&code)?;
            match e.household {
                Some(h) => o.bytes(p.code(h as usize))?,
                None => o.null()?,
            }
            o.text(&geo.villages[e.village].code)?;
            o.text(MONITORED_GROUPS[e.group as usize])?;
            o.int(e.persons as i64)?;
            o.date(e.detected)?;
            o.text(RISK_SOURCES[e.source as usize])?;
            o.text(RISK_CAUSES[e.cause as usize])?;
            o.text(SEVERITIES[e.severity as usize])?;
            o.cents(e.income_cents)?;
            o.opt_date(e.resolved)?;
            o.opt_text(e.measures)?;
            o.end()?;
        }
    }
    o.finish()
}

pub(crate) fn write_meetings(dir: &Path, seed: u64, geo: &Geo) -> Result<(&'static str, usize)> {
    let mut rng = stream(seed, "yipin_meeting");
    let mut o = Out::table(dir, "yipin_meeting")?;
    let mut code = String::with_capacity(24);
    for v in &geo.villages {
        for y in RISK_FIRST_YEAR..=LAST_YEAR {
            let months: Vec<u32> = if v.is_poor {
                (1..=12).collect()
            } else {
                (0..4).map(|q| q * 3 + rng.gen_range(1..=3)).collect()
            };
            for m in months {
                let date = Date::ymd(y, m, rng.gen_range(1..=28));
                let (vlo, vhi) = if v.is_poor { (12, 40) } else { (5, 25) };
                let issues: i64 = rng.gen_range(1..=8);
                let short = weighted(&mut rng, &[60.0, 30.0, 10.0]) as i64;
                code.clear();
                use std::fmt::Write;
                let _ = write!(code, "YP{}{}{:02}", v.code, y, m);
                o.text(&code)?;
                o.text(&v.code)?;
                o.date(date)?;
                o.int(rng.gen_range(vlo..=vhi))?;
                o.int(issues)?;
                o.int(rng.gen_range(1..=15))?;
                o.int((issues - short).max(0))?;
                o.dec4(rng.gen_range(850..=1000) * 1000)?;
                o.end()?;
            }
        }
    }
    o.finish()
}
