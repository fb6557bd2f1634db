//! People sent to help: resident work teams (185 per scale unit, one per
//! village, every poor village covered) and cadres — 2,074 aid-responsible
//! cadres (帮扶责任人) per unit, each paired with at most five households,
//! plus a first secretary and two team members for every work team.

use std::path::Path;

use anyhow::Result;
use rand::seq::SliceRandom;
use rand::Rng;

use super::geo::Geo;
use super::names::{township_office, Name, Namer, DISPATCH_UNITS};
use super::out::Out;
use super::people::People;
use super::stream;
use crate::store::tables::CADRE_ROLES;

const HELPERS: u32 = 2_074;
const TEAMS: u32 = 185;
const MAX_LOAD: u32 = 5;

pub(crate) struct Team {
    pub code: String,
    pub village: usize,
    pub unit: &'static str,
    pub start: i32,
}

pub(crate) struct Cadre {
    pub code: String,
    pub name: Name,
    /// Index into `CADRE_ROLES`.
    pub role: u8,
    pub unit: String,
    pub team: Option<usize>,
}

pub(crate) struct Org {
    pub teams: Vec<Team>,
    pub cadres: Vec<Cadre>,
}

/// Builds teams and cadres and pairs every household with a 帮扶责任人
/// (setting `Household::cadre`).
pub(crate) fn build(seed: u64, scale: u32, geo: &Geo, p: &mut People) -> Org {
    let mut rng = stream(seed, "work_team");
    let namer = Namer::new();
    // Teams: all poor villages, then non-poor ones at random.
    let mut others: Vec<usize> = (0..geo.villages.len()).filter(|&v| !geo.villages[v].is_poor).collect();
    others.shuffle(&mut rng);
    let mut team_villages: Vec<usize> = (0..geo.villages.len()).filter(|&v| geo.villages[v].is_poor).collect();
    let want = (TEAMS * scale) as usize;
    team_villages.extend(others.into_iter().take(want.saturating_sub(team_villages.len())));
    team_villages.sort_unstable();
    let teams: Vec<Team> = team_villages
        .iter()
        .map(|&v| {
            let start = if geo.villages[v].is_poor {
                [2015, 2015, 2015, 2016, 2016, 2017][rng.gen_range(0..6)]
            } else {
                rng.gen_range(2016..=2018)
            };
            Team {
                code: format!("T{}", geo.villages[v].code),
                village: v,
                unit: DISPATCH_UNITS[rng.gen_range(0..DISPATCH_UNITS.len())],
                start,
            }
        })
        .collect();

    // Helper loads: mostly 4–5 households, adjusted to cover every household.
    let mut rng = stream(seed, "cadre");
    let helpers = (HELPERS * scale) as usize;
    let n_hh = p.hh.len();
    let mut load: Vec<u32> = (0..helpers).map(|_| [2, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5][rng.gen_range(0..12)]).collect();
    let mut diff = n_hh as i64 - load.iter().map(|&l| l as i64).sum::<i64>();
    while diff != 0 {
        let k = rng.gen_range(0..helpers);
        if diff > 0 && load[k] < MAX_LOAD {
            load[k] += 1;
            diff -= 1;
        } else if diff < 0 && load[k] > 1 {
            load[k] -= 1;
            diff += 1;
        }
    }
    let total = helpers + 3 * teams.len();
    let width = total.to_string().len().max(5);
    let mut cadres: Vec<Cadre> = Vec::with_capacity(total);
    // Households are grouped by village, so consecutive blocks keep a
    // cadre's households in one village (occasionally two).
    let mut h = 0usize;
    for (k, &l) in load.iter().enumerate() {
        let first_village = &geo.villages[p.hh[h].village as usize];
        for _ in 0..l {
            p.hh[h].cadre = k as u32;
            h += 1;
        }
        let t = first_village.township();
        let unit = if rng.gen_bool(0.45) {
            township_office(t.name, t.kind)
        } else {
            DISPATCH_UNITS[rng.gen_range(0..DISPATCH_UNITS.len())].to_string()
        };
        cadres.push(Cadre { code: String::new(), name: namer.adult(&mut rng), role: 0, unit, team: None });
    }
    debug_assert_eq!(h, n_hh);
    for (ti, team) in teams.iter().enumerate() {
        for role in [1u8, 2, 2] {
            cadres.push(Cadre {
                code: String::new(),
                name: namer.adult(&mut rng),
                role,
                unit: team.unit.to_string(),
                team: Some(ti),
            });
        }
    }
    for (i, c) in cadres.iter_mut().enumerate() {
        c.code = format!("C{:0w$}", i + 1, w = width);
    }
    Org { teams, cadres }
}

pub(crate) fn write_teams(dir: &Path, geo: &Geo, org: &Org) -> Result<(&'static str, usize)> {
    let mut o = Out::table(dir, "work_team")?;
    for t in &org.teams {
        o.text(&t.code)?;
        o.text(&geo.villages[t.village].code)?;
        o.text(t.unit)?;
        o.int(t.start as i64)?;
        o.end()?;
    }
    o.finish()
}

pub(crate) fn write_cadres(dir: &Path, org: &Org) -> Result<(&'static str, usize)> {
    let mut o = Out::table(dir, "cadre")?;
    for c in &org.cadres {
        o.text(&c.code)?;
        o.concat(&[c.name.surname().as_bytes(), c.name.given().as_bytes()])?;
        o.text(CADRE_ROLES[c.role as usize])?;
        o.text(&c.unit)?;
        o.opt_text(c.team.map(|t| org.teams[t].code.as_str()))?;
        o.end()?;
    }
    o.finish()
}
