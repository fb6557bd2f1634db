//! The leaders' canned queries (`queries/*.sql`), each run through the
//! catalog on the imported scale-1 sample with its defaults and with other
//! parameters, and each figure recomputed here in Rust from the raw table
//! rows, following the definitions in the domain brief — not from the
//! query's SQL. Each test also asserts something about the domain that a
//! wrong query (or wrong data) would break.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::NaiveDate;
use duckdb::Connection;
use jingzhun::catalog::{params, run_query, run_sql, Catalog, Cell, ResultSet};

/// The queries behind the twelve charts of the domain brief (besides the
/// overview's own `headline`, `incidence_by_year` and `income_by_year`).
const LEADER_QUERIES: &[&str] = &[
    "villages_by_incidence",
    "poverty_causes",
    "exits_by_year",
    "income_composition",
    "measure_coverage",
    "dividend_yield",
    "revolving_fund_by_township",
    "risk_warnings",
    "risk_resolution",
    "two_assurances_by_village",
    "cadre_load",
    "team_coverage",
    "yipin_meetings_by_month",
];

// ---------------------------------------------------------------- fixture

struct Fixture {
    // Field order matters: the connection closes before the folder goes.
    conn: Connection,
    catalog: Catalog,
    _db: common::TempDb,
}

fn fixture() -> Fixture {
    let db = common::sample_db();
    let conn = jingzhun::store::open_ro(&db.path).expect("open sample db");
    let catalog = Catalog::load(None).expect("load catalog");
    Fixture { conn, catalog, _db: db }
}

/// A query's result, read by column name.
struct Out {
    name: String,
    rs: ResultSet,
}

impl Out {
    fn len(&self) -> usize {
        self.rs.rows.len()
    }
    fn cell(&self, row: usize, col: &str) -> &Cell {
        let c = self.rs.col(col).unwrap_or_else(|e| panic!("{}: {e}", self.name));
        &self.rs.rows[row][c]
    }
    fn i(&self, row: usize, col: &str) -> i64 {
        let c = self.cell(row, col);
        c.as_i64().unwrap_or_else(|| panic!("{} row {row} {col}: expected a whole number, found {c:?}", self.name))
    }
    fn f(&self, row: usize, col: &str) -> f64 {
        let c = self.cell(row, col);
        c.as_f64().unwrap_or_else(|| panic!("{} row {row} {col}: expected a number, found {c:?}", self.name))
    }
    fn of(&self, row: usize, col: &str) -> Option<f64> {
        match self.cell(row, col) {
            Cell::Null => None,
            _ => Some(self.f(row, col)),
        }
    }
    fn oi(&self, row: usize, col: &str) -> Option<i64> {
        match self.cell(row, col) {
            Cell::Null => None,
            _ => Some(self.i(row, col)),
        }
    }
    fn s(&self, row: usize, col: &str) -> String {
        self.cell(row, col).text()
    }
    fn sum_i(&self, col: &str) -> i64 {
        (0..self.len()).map(|r| self.i(r, col)).sum()
    }
    fn sum_f(&self, col: &str) -> f64 {
        (0..self.len()).map(|r| self.f(r, col)).sum()
    }
}

/// Runs a canned query the way the server does: parameters read from
/// request text against the query's declarations, bound by name.
fn run(f: &Fixture, name: &str, given: &[(&str, &str)]) -> Out {
    let q = f.catalog.get(name).unwrap_or_else(|| panic!("no query {name} in the catalog"));
    let given: Vec<(String, String)> = given.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let bound = params::read_all(&q.meta.params, &given, &[]).unwrap_or_else(|e| panic!("{name}: parameters {e:?}"));
    let out = run_query(&f.conn, q, &bound, None).unwrap_or_else(|e| panic!("{name} {given:?}: {e:#}"));
    assert!(!out.truncated, "{name}: truncated without a cap");
    for c in &out.rs.columns {
        assert!(q.meta.columns.contains_key(c), "{name}: column {c} has no label");
    }
    Out { name: format!("{name} {given:?}"), rs: out.rs }
}

// ---------------------------------------------------------------- numbers

/// Rounds as DuckDB's round(x, 2) does.
fn r2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn r1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// `round(100 * part / whole, 2)`, or None when the whole is zero.
fn pct(part: f64, whole: f64) -> Option<f64> {
    (whole != 0.0).then(|| r2(100.0 * part / whole))
}

fn yuan(cents: i64) -> f64 {
    cents as f64 / 100.0
}

#[track_caller]
fn same(got: f64, want: f64, what: &str) {
    assert!((got - want).abs() < 1e-9, "{what}: query gives {got}, recomputed {want}");
}

#[track_caller]
fn same_opt(got: Option<f64>, want: Option<f64>, what: &str) {
    match (got, want) {
        (Some(g), Some(w)) => same(g, w, what),
        (None, None) => {}
        _ => panic!("{what}: query gives {got:?}, recomputed {want:?}"),
    }
}

// ---------------------------------------------------------------- raw rows

fn rows(conn: &Connection, sql: &str) -> Vec<Vec<Cell>> {
    run_sql(conn, sql).unwrap_or_else(|e| panic!("{sql}: {e:#}")).rows
}

fn txt(c: &Cell) -> String {
    c.text()
}
fn otxt(c: &Cell) -> Option<String> {
    match c {
        Cell::Null => None,
        c => Some(c.text()),
    }
}
fn int(c: &Cell) -> i64 {
    c.as_i64().unwrap_or_else(|| panic!("expected a whole number, found {c:?}"))
}
fn oint(c: &Cell) -> Option<i64> {
    match c {
        Cell::Null => None,
        c => Some(int(c)),
    }
}
fn date(c: &Cell) -> NaiveDate {
    NaiveDate::parse_from_str(&c.text(), "%Y-%m-%d").unwrap_or_else(|e| panic!("date {c:?}: {e}"))
}
fn odate(c: &Cell) -> Option<NaiveDate> {
    match c {
        Cell::Null => None,
        c => Some(date(c)),
    }
}

/// Villages, townships and war zones.
struct Geo {
    village_township: HashMap<String, String>,
    village_name: HashMap<String, String>,
    village_poor: HashMap<String, bool>,
    township_zone: HashMap<String, i64>,
    township_name: HashMap<String, String>,
    zones: BTreeMap<i64, String>,
}

impl Geo {
    fn load(conn: &Connection) -> Geo {
        let mut g = Geo {
            village_township: HashMap::new(),
            village_name: HashMap::new(),
            village_poor: HashMap::new(),
            township_zone: HashMap::new(),
            township_name: HashMap::new(),
            zones: BTreeMap::new(),
        };
        for r in rows(conn, "SELECT village_code, township_code, name, is_poor FROM village") {
            g.village_township.insert(txt(&r[0]), txt(&r[1]));
            g.village_name.insert(txt(&r[0]), txt(&r[2]));
            g.village_poor.insert(txt(&r[0]), int(&r[3]) == 1);
        }
        for r in rows(conn, "SELECT township_code, zone_id, name FROM township") {
            g.township_zone.insert(txt(&r[0]), int(&r[1]));
            g.township_name.insert(txt(&r[0]), txt(&r[2]));
        }
        for r in rows(conn, "SELECT zone_id, name FROM war_zone") {
            g.zones.insert(int(&r[0]), txt(&r[1]));
        }
        g
    }
    fn township(&self, village: &str) -> &str {
        &self.village_township[village]
    }
    fn zone(&self, village: &str) -> i64 {
        self.township_zone[self.township(village)]
    }
    fn in_zone(&self, village: &str, zone: Option<i64>) -> bool {
        zone.is_none_or(|z| self.zone(village) == z)
    }
}

struct Hh {
    code: String,
    village: String,
    size: i64,
    main_cause: String,
    secondary: [Option<String>; 2],
    identified: i64,
    exit_year: Option<i64>,
    exit_kind: Option<String>,
    /// food and clothing, education, medical, housing, water
    secure: [bool; 5],
    cadre: Option<String>,
}

impl Hh {
    /// Poor in year y (domain.md): identified by y, not exited by y.
    fn poor_in(&self, y: i64) -> bool {
        self.identified <= y && self.exit_year.is_none_or(|e| e > y)
    }
}

fn households(conn: &Connection) -> Vec<Hh> {
    rows(
        conn,
        "SELECT household_code, village_code, size, main_cause, secondary_cause_1, secondary_cause_2,
                identified_year, exit_year, exit_kind, food_clothing_secure, education_secure,
                medical_secure, housing_secure, water_secure, cadre_code
         FROM household",
    )
    .iter()
    .map(|r| Hh {
        code: txt(&r[0]),
        village: txt(&r[1]),
        size: int(&r[2]),
        main_cause: txt(&r[3]),
        secondary: [otxt(&r[4]), otxt(&r[5])],
        identified: int(&r[6]),
        exit_year: oint(&r[7]),
        exit_kind: otxt(&r[8]),
        secure: [int(&r[9]) == 1, int(&r[10]) == 1, int(&r[11]) == 1, int(&r[12]) == 1, int(&r[13]) == 1],
        cadre: otxt(&r[14]),
    })
    .collect()
}

/// Members' removal years by household.
fn members(conn: &Connection) -> HashMap<String, Vec<Option<i64>>> {
    let mut m: HashMap<String, Vec<Option<i64>>> = HashMap::new();
    for r in rows(conn, "SELECT household_code, removed_year FROM member") {
        m.entry(txt(&r[0])).or_default().push(oint(&r[1]));
    }
    m
}

// ---------------------------------------------------------------- 2. villages

#[test]
fn villages_by_incidence_ranks_villages_by_the_definition() {
    let f = fixture();
    let geo = Geo::load(&f.conn);
    let hh = households(&f.conn);
    let mem = members(&f.conn);
    let mut rural: HashMap<(String, i64), i64> = HashMap::new();
    for r in rows(&f.conn, "SELECT village_code, year, rural_population FROM village_year") {
        rural.insert((txt(&r[0]), int(&r[1])), int(&r[2]));
    }

    // (village, households, people, rural population, share)
    let expect = |year: i64, zone: Option<i64>, township: Option<&str>, top: usize| {
        let mut households: HashMap<&str, i64> = HashMap::new();
        let mut people: HashMap<&str, i64> = HashMap::new();
        for h in hh.iter().filter(|h| h.poor_in(year)) {
            *households.entry(&h.village).or_default() += 1;
            let still = mem.get(&h.code).map_or(0, |ms| ms.iter().filter(|r| r.is_none_or(|r| r > year)).count());
            *people.entry(&h.village).or_default() += still as i64;
        }
        let mut list: Vec<(String, i64, i64, i64, Option<f64>)> = rural
            .iter()
            .filter(|((v, y), _)| *y == year && geo.in_zone(v, zone) && township.is_none_or(|t| geo.township(v) == t))
            .map(|((v, _), &pop)| {
                let p = people.get(v.as_str()).copied().unwrap_or(0);
                let share = (pop != 0).then(|| 100.0 * p as f64 / pop as f64);
                (v.clone(), households.get(v.as_str()).copied().unwrap_or(0), p, pop, share)
            })
            .collect();
        list.sort_by(|a, b| match (a.4, b.4) {
            (Some(x), Some(y)) => y.partial_cmp(&x).unwrap().then(a.0.cmp(&b.0)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.0.cmp(&b.0),
        });
        list.truncate(top);
        list
    };

    let cases: Vec<(Vec<(&str, &str)>, i64, Option<i64>, Option<&str>, usize)> = vec![
        (vec![], 2014, None, None, 20),
        (vec![("year", "2016"), ("zone", "2"), ("top", "5")], 2016, Some(2), None, 5),
        (vec![("year", "2015"), ("township", "150526201"), ("top", "500")], 2015, None, Some("150526201"), 500),
        (vec![("top", "500")], 2014, None, None, 500),
    ];
    for (given, year, zone, township, top) in cases {
        let out = run(&f, "villages_by_incidence", &given);
        let want = expect(year, zone, township, top);
        assert!(!want.is_empty());
        assert_eq!(out.len(), want.len(), "{}", out.name);
        for (r, (v, households, people, pop, share)) in want.iter().enumerate() {
            let what = format!("{} rank {} village {v}", out.name, r + 1);
            assert_eq!(out.i(r, "rank"), r as i64 + 1, "{what}");
            assert_eq!(&out.s(r, "village_code"), v, "{what}");
            assert_eq!(out.s(r, "village"), geo.village_name[v], "{what}");
            assert_eq!(out.s(r, "township"), geo.township_name[geo.township(v)], "{what}");
            assert_eq!(out.i(r, "zone_id"), geo.zone(v), "{what}");
            assert_eq!(out.s(r, "poor_village"), if geo.village_poor[v] { "是" } else { "否" }, "{what}");
            assert_eq!(out.i(r, "poor_households"), *households, "{what}");
            assert_eq!(out.i(r, "poor_population"), *people, "{what}");
            assert_eq!(out.i(r, "rural_population"), *pop, "{what}");
            same_opt(out.of(r, "incidence"), share.map(r2), &what);
        }
    }

    // Domain: shares are shares; the list falls; every village ranked, and
    // the villages' poor people add up to the banner's (incidence_by_year).
    let all = run(&f, "villages_by_incidence", &[("top", "500")]);
    assert_eq!(all.len(), 206);
    for r in 0..all.len() {
        let inc = all.f(r, "incidence");
        assert!((0.0..=100.0).contains(&inc), "incidence {inc}");
        assert!(all.i(r, "poor_population") <= all.i(r, "rural_population"));
        if r > 0 {
            assert!(inc <= all.f(r - 1, "incidence"), "ranking falls");
        }
    }
    let banner = run(&f, "incidence_by_year", &[]);
    let b = (0..banner.len()).find(|&r| banner.i(r, "zone_id") == 0 && banner.i(r, "year") == 2014).unwrap();
    assert_eq!(all.sum_i("poor_population"), banner.i(b, "poor_population"));
    assert_eq!(all.sum_i("rural_population"), banner.i(b, "rural_population"));
    // Poor villages carry the poverty: the top 20 of 2014 are all registered poor villages.
    let top = run(&f, "villages_by_incidence", &[]);
    assert!((0..top.len()).all(|r| top.s(r, "poor_village") == "是"));
    // By 2020 nobody is poor any more.
    let end = run(&f, "villages_by_incidence", &[("year", "2020"), ("top", "500")]);
    assert_eq!(end.sum_i("poor_population"), 0);
}

// ---------------------------------------------------------------- 3. causes

#[test]
fn poverty_causes_count_main_and_secondary_causes() {
    let f = fixture();
    let geo = Geo::load(&f.conn);
    let hh = households(&f.conn);
    let causes: BTreeSet<&str> = hh
        .iter()
        .flat_map(|h| std::iter::once(h.main_cause.as_str()).chain(h.secondary.iter().flatten().map(String::as_str)))
        .collect();

    for (given, zone, year) in [
        (vec![], None, None),
        (vec![("zone", "3"), ("year", "2016")], Some(3), Some(2016)),
        (vec![("year", "2014")], None, Some(2014)),
    ] {
        let out = run(&f, "poverty_causes", &given);
        let scope: Vec<&Hh> = hh.iter().filter(|h| geo.in_zone(&h.village, zone) && year.is_none_or(|y| h.poor_in(y))).collect();
        let total = scope.len() as f64;
        // (cause, main households, main people, secondary households)
        let mut want: Vec<(&str, i64, i64, i64)> = causes
            .iter()
            .map(|&c| {
                let main: Vec<&&Hh> = scope.iter().filter(|h| h.main_cause == c).collect();
                let secondary = scope.iter().filter(|h| h.secondary.iter().flatten().any(|s| s == c)).count();
                (c, main.len() as i64, main.iter().map(|h| h.size).sum(), secondary as i64)
            })
            .collect();
        want.sort_by(|a, b| b.1.cmp(&a.1).then(b.3.cmp(&a.3)).then(a.0.cmp(b.0)));
        assert_eq!(out.len(), want.len(), "{}", out.name);
        for (r, (c, main, people, secondary)) in want.iter().enumerate() {
            let what = format!("{} {c}", out.name);
            assert_eq!(out.s(r, "cause"), *c, "{what}");
            assert_eq!(out.i(r, "main_households"), *main, "{what}");
            assert_eq!(out.i(r, "main_people"), *people, "{what}");
            assert_eq!(out.i(r, "secondary_households"), *secondary, "{what}");
            same_opt(out.of(r, "main_share"), pct(*main as f64, total), &what);
            same_opt(out.of(r, "secondary_share"), pct(*secondary as f64, total), &what);
        }
    }

    // Domain: every registered household has one main cause; illness is
    // the leading one at about 40 % (the sample recipe).
    let out = run(&f, "poverty_causes", &[]);
    assert_eq!(out.sum_i("main_households"), 8_638);
    assert_eq!(out.sum_i("main_people"), 21_654);
    assert!((out.sum_f("main_share") - 100.0).abs() < 0.1);
    assert_eq!(out.s(0, "cause"), "因病");
    assert!((35.0..=45.0).contains(&out.f(0, "main_share")), "因病 {}", out.f(0, "main_share"));
    // A household lists at most two secondary causes.
    assert!(out.sum_i("secondary_households") <= 2 * 8_638);
}

// ---------------------------------------------------------------- 4. exits

#[test]
fn exits_by_year_count_households_and_people_lifted_out() {
    let f = fixture();
    let geo = Geo::load(&f.conn);
    let hh = households(&f.conn);
    let mem = members(&f.conn);
    let first = hh.iter().map(|h| h.identified).min().unwrap();
    let last = hh.iter().map(|h| h.identified.max(h.exit_year.unwrap_or(h.identified))).max().unwrap();

    let mut by_zone = Vec::new();
    for zone in [None, Some(1), Some(2), Some(3), Some(4)] {
        let zone_text = zone.map(|z: i64| z.to_string());
        let given: Vec<(&str, &str)> = zone_text.iter().map(|z| ("zone", z.as_str())).collect();
        let out = run(&f, "exits_by_year", &given);
        let scope: Vec<&Hh> = hh.iter().filter(|h| geo.in_zone(&h.village, zone)).collect();
        assert_eq!(out.len() as i64, last - first + 1, "{}", out.name);
        let mut cumulative = 0;
        for (r, y) in (first..=last).enumerate() {
            let what = format!("{} {y}", out.name);
            let exited: Vec<&&Hh> =
                scope.iter().filter(|h| h.exit_year == Some(y) && h.exit_kind.as_deref() == Some("脱贫")).collect();
            let natural: Vec<&&Hh> =
                scope.iter().filter(|h| h.exit_year == Some(y) && h.exit_kind.as_deref() == Some("自然减少")).collect();
            let count_members = |hs: &[&&Hh], keep: &dyn Fn(Option<i64>) -> bool| -> i64 {
                hs.iter().map(|h| mem.get(&h.code).map_or(0, |ms| ms.iter().filter(|&&m| keep(m)).count() as i64)).sum()
            };
            cumulative += exited.len() as i64;
            assert_eq!(out.i(r, "year"), y, "{what}");
            assert_eq!(out.i(r, "exited_households"), exited.len() as i64, "{what}");
            assert_eq!(out.i(r, "exited_people"), count_members(&exited, &|m| m.is_none_or(|m| m > y)), "{what}");
            assert_eq!(out.i(r, "cumulative_exited_households"), cumulative, "{what}");
            assert_eq!(out.i(r, "natural_decrease_households"), natural.len() as i64, "{what}");
            assert_eq!(out.i(r, "natural_decrease_people"), count_members(&natural, &|m| m.is_none_or(|m| m >= y)), "{what}");
            assert_eq!(out.i(r, "remaining_households"), scope.iter().filter(|h| h.poor_in(y)).count() as i64, "{what}");
        }
        by_zone.push(out);
    }

    // Domain: the article's totals and the sample recipe's yearly exits.
    let banner = &by_zone[0];
    assert_eq!(banner.sum_i("exited_households"), 8_600);
    assert_eq!(banner.sum_i("exited_people"), 21_388);
    assert_eq!(banner.sum_i("natural_decrease_households"), 38);
    let yearly: Vec<i64> = (0..banner.len()).map(|r| banner.i(r, "exited_households")).collect();
    assert_eq!(yearly, [1_250, 1_690, 1_850, 1_730, 1_570, 455, 55]);
    assert_eq!(banner.i(banner.len() - 1, "remaining_households"), 0, "nobody poor at the end of 2020");
    // Stock and flow agree: still poor = still poor last year + newly
    // identified − lifted out − natural decrease.
    for r in 0..banner.len() {
        let y = banner.i(r, "year");
        let before = if r == 0 { 0 } else { banner.i(r - 1, "remaining_households") };
        let identified = hh.iter().filter(|h| h.identified == y).count() as i64;
        assert_eq!(
            banner.i(r, "remaining_households"),
            before + identified - banner.i(r, "exited_households") - banner.i(r, "natural_decrease_households"),
            "stock and flow in {y}"
        );
    }
    // The four war zones add up to the banner.
    for col in ["exited_households", "exited_people", "natural_decrease_people", "remaining_households"] {
        for r in 0..banner.len() {
            let zones: i64 = by_zone[1..].iter().map(|o| o.i(r, col)).sum();
            assert_eq!(zones, banner.i(r, col), "{col} row {r}");
        }
    }
}

// ---------------------------------------------------------------- 5. income

#[test]
fn income_composition_splits_net_income_by_kind() {
    let f = fixture();
    let geo = Geo::load(&f.conn);
    let village_of: HashMap<String, String> = households(&f.conn).into_iter().map(|h| (h.code, h.village)).collect();
    // household, year, wage, operating, property, transfer, cost (cents), persons
    let incomes: Vec<(String, i64, [i64; 5], i64)> = rows(
        &f.conn,
        "SELECT household_code, year, (wage_income * 100)::BIGINT, (operating_income * 100)::BIGINT,
                (property_income * 100)::BIGINT, (transfer_income * 100)::BIGINT,
                (operating_cost * 100)::BIGINT, persons
         FROM income_year",
    )
    .iter()
    .map(|r| (txt(&r[0]), int(&r[1]), [int(&r[2]), int(&r[3]), int(&r[4]), int(&r[5]), int(&r[6])], int(&r[7])))
    .collect();
    let lines: HashMap<i64, (i64, Option<i64>)> =
        rows(&f.conn, "SELECT year, (poverty_line * 100)::BIGINT, (monitoring_line * 100)::BIGINT FROM poverty_line")
            .iter()
            .map(|r| (int(&r[0]), (int(&r[1]), oint(&r[2]))))
            .collect();

    for zone in [None, Some(4)] {
        let zone_text = zone.map(|z: i64| z.to_string());
        let given: Vec<(&str, &str)> = zone_text.iter().map(|z| ("zone", z.as_str())).collect();
        let out = run(&f, "income_composition", &given);
        let years: BTreeSet<i64> = incomes.iter().map(|i| i.1).collect();
        assert_eq!(out.len(), years.len(), "{}", out.name);
        for (r, y) in years.iter().enumerate() {
            let what = format!("{} {y}", out.name);
            let these: Vec<_> = incomes.iter().filter(|i| i.1 == *y && geo.in_zone(&village_of[&i.0], zone)).collect();
            let persons: i64 = these.iter().map(|i| i.3).sum();
            let sum = |k: usize| -> i64 { these.iter().map(|i| i.2[k]).sum() };
            let per_capita = |cents: i64| (yuan(cents) / persons as f64).round();
            let gross = sum(0) + sum(1) + sum(2) + sum(3);
            let line = lines.get(y).map(|l| l.0);
            let below =
                these.iter().filter(|i| line.is_some_and(|l| i.2[0] + i.2[1] + i.2[2] + i.2[3] - i.2[4] < l * i.3)).count();
            assert_eq!(out.i(r, "year"), *y, "{what}");
            assert_eq!(out.i(r, "households"), these.len() as i64, "{what}");
            assert_eq!(out.i(r, "persons"), persons, "{what}");
            same(out.f(r, "wage_per_capita"), per_capita(sum(0)), &what);
            same(out.f(r, "operating_per_capita"), per_capita(sum(1)), &what);
            same(out.f(r, "property_per_capita"), per_capita(sum(2)), &what);
            same(out.f(r, "transfer_per_capita"), per_capita(sum(3)), &what);
            same(out.f(r, "cost_per_capita"), per_capita(sum(4)), &what);
            same(out.f(r, "net_income_per_capita"), per_capita(gross - sum(4)), &what);
            same_opt(out.of(r, "transfer_share"), pct(yuan(sum(3)), yuan(gross)), &what);
            assert_eq!(out.i(r, "below_line_households"), below as i64, "{what}");
            same_opt(out.of(r, "poverty_line"), line.map(yuan), &what);
            same_opt(out.of(r, "monitoring_line"), lines.get(y).and_then(|l| l.1).map(yuan), &what);
        }
    }

    // Domain: the banner's net income is the overview's (income_by_year),
    // ≈ 2,600 yuan in 2014 and ≈ 13,000 in 2020; the parts add up to the
    // whole within rounding; nobody's income falls below the line forever.
    let out = run(&f, "income_composition", &[]);
    let overview = run(&f, "income_by_year", &[]);
    assert_eq!(out.len(), overview.len());
    for r in 0..out.len() {
        assert_eq!(out.i(r, "year"), overview.i(r, "year"));
        same(out.f(r, "net_income_per_capita"), overview.f(r, "income_per_capita"), "net income = overview");
        let parts = out.f(r, "wage_per_capita")
            + out.f(r, "operating_per_capita")
            + out.f(r, "property_per_capita")
            + out.f(r, "transfer_per_capita")
            - out.f(r, "cost_per_capita");
        assert!((parts - out.f(r, "net_income_per_capita")).abs() <= 3.0, "parts {parts}");
    }
    assert!((out.f(0, "net_income_per_capita") / 2_600.0 - 1.0).abs() <= 0.03);
    assert!((out.f(out.len() - 1, "net_income_per_capita") / 13_000.0 - 1.0).abs() <= 0.03);
    let below: Vec<i64> = (0..out.len()).map(|r| out.i(r, "below_line_households")).collect();
    assert!(below.windows(2).all(|w| w[1] <= w[0]), "households below the line fall every year: {below:?}");
}

// ---------------------------------------------------------------- 6. measures

#[test]
fn measure_coverage_is_households_reached_over_households_poor() {
    let f = fixture();
    let geo = Geo::load(&f.conn);
    let hh = households(&f.conn);
    let category_of: HashMap<String, String> =
        rows(&f.conn, "SELECT measure_code, category FROM aid_measure").iter().map(|r| (txt(&r[0]), txt(&r[1]))).collect();
    // Categories in catalogue order (by their first measure code).
    let mut first: BTreeMap<String, String> = BTreeMap::new();
    for (code, cat) in &category_of {
        let e = first.entry(cat.clone()).or_insert_with(|| code.clone());
        if code < e {
            *e = code.clone();
        }
    }
    let mut categories: Vec<(String, String)> = first.into_iter().map(|(c, m)| (m, c)).collect();
    categories.sort();
    let received: Vec<(String, String, i64)> = rows(&f.conn, "SELECT household_code, measure_code, year FROM household_measure")
        .iter()
        .map(|r| (txt(&r[0]), txt(&r[1]), int(&r[2])))
        .collect();

    for (given, year) in [(vec![], 2014), (vec![("year", "2017")], 2017), (vec![("year", "2019")], 2019)] {
        let out = run(&f, "measure_coverage", &given);
        let poor: HashMap<&str, i64> =
            hh.iter().filter(|h| h.poor_in(year)).map(|h| (h.code.as_str(), geo.zone(&h.village))).collect();
        let reached: HashSet<(&str, &str)> = received
            .iter()
            .filter(|(h, _, y)| *y == year && poor.contains_key(h.as_str()))
            .map(|(h, m, _)| (h.as_str(), category_of[m].as_str()))
            .collect();
        let scopes: Vec<(i64, String)> =
            std::iter::once((0, "全旗".to_string())).chain(geo.zones.iter().map(|(z, n)| (*z, n.clone()))).collect();
        assert_eq!(out.len(), scopes.len() * categories.len(), "{}", out.name);
        let mut r = 0;
        for (zone, zone_name) in &scopes {
            let in_scope = |z: i64| *zone == 0 || z == *zone;
            let eligible = poor.values().filter(|&&z| in_scope(z)).count() as i64;
            for (_, cat) in &categories {
                let what = format!("{} zone {zone} {cat}", out.name);
                let covered = reached.iter().filter(|(h, c)| *c == cat.as_str() && in_scope(poor[h])).count() as i64;
                assert_eq!(out.i(r, "zone_id"), *zone, "{what}");
                assert_eq!(&out.s(r, "zone"), zone_name, "{what}");
                assert_eq!(&out.s(r, "category"), cat, "{what}");
                assert_eq!(out.i(r, "eligible_households"), eligible, "{what}");
                assert_eq!(out.i(r, "covered_households"), covered, "{what}");
                same_opt(out.of(r, "coverage"), pct(covered as f64, eligible as f64), &what);
                r += 1;
            }
        }
    }

    // Domain: eight categories; coverage is a share (≤ 100 %); the banner's
    // eligible households are exits_by_year's households still poor that
    // year; the zones add up to the banner.
    let out = run(&f, "measure_coverage", &[]);
    assert_eq!(out.len(), 5 * 8);
    let exits = run(&f, "exits_by_year", &[]);
    let still_poor_2014 = (0..exits.len()).find(|&r| exits.i(r, "year") == 2014).map(|r| exits.i(r, "remaining_households"));
    for r in 0..out.len() {
        let c = out.f(r, "coverage");
        assert!((0.0..=100.0).contains(&c), "coverage {c}");
        assert!(out.i(r, "covered_households") <= out.i(r, "eligible_households"));
        if out.i(r, "zone_id") == 0 {
            assert_eq!(Some(out.i(r, "eligible_households")), still_poor_2014);
            let zones: i64 = (0..out.len())
                .filter(|&z| out.i(z, "zone_id") != 0 && out.s(z, "category") == out.s(r, "category"))
                .map(|z| out.i(z, "covered_households"))
                .sum();
            assert_eq!(zones, out.i(r, "covered_households"));
        }
    }
}

// ---------------------------------------------------------------- 7. dividends

#[test]
fn dividend_yield_by_year_and_kind_meets_the_target() {
    let f = fixture();
    let geo = Geo::load(&f.conn);
    let village_of: HashMap<String, String> = households(&f.conn).into_iter().map(|h| (h.code, h.village)).collect();
    let entity_kind: HashMap<String, String> =
        rows(&f.conn, "SELECT entity_code, kind FROM industry_entity").iter().map(|r| (txt(&r[0]), txt(&r[1]))).collect();
    let investment_kind: HashMap<String, String> = rows(&f.conn, "SELECT investment_code, entity_code FROM fund_investment")
        .iter()
        .map(|r| (txt(&r[0]), entity_kind[&txt(&r[1])].clone()))
        .collect();
    // investment, household, year, principal (cents), amount (cents)
    let paid: Vec<(String, String, i64, i64, i64)> = rows(
        &f.conn,
        "SELECT investment_code, household_code, year, (share_principal * 100)::BIGINT, (amount * 100)::BIGINT FROM dividend",
    )
    .iter()
    .map(|r| (txt(&r[0]), txt(&r[1]), int(&r[2]), int(&r[3]), int(&r[4])))
    .collect();

    let cases: Vec<(Vec<(&str, &str)>, Option<i64>, Option<&str>, f64)> = vec![
        (vec![], None, None, 10.0),
        (vec![("zone", "2"), ("kind", "合作社")], Some(2), Some("合作社"), 10.0),
        (vec![("target", "11.5")], None, None, 11.5),
    ];
    for (given, zone, kind, target) in cases {
        let out = run(&f, "dividend_yield", &given);
        let scope: Vec<_> = paid
            .iter()
            .filter(|d| geo.in_zone(&village_of[&d.1], zone) && kind.is_none_or(|k| investment_kind[&d.0] == k))
            .collect();
        // Groups: (year, kind) and (year, all kinds = None); all-kinds first.
        let mut groups: BTreeMap<(i64, bool, String), Vec<_>> = BTreeMap::new();
        for d in &scope {
            let k = investment_kind[&d.0].clone();
            groups.entry((d.2, true, k)).or_default().push(*d);
            groups.entry((d.2, false, String::new())).or_default().push(*d);
        }
        assert_eq!(out.len(), groups.len(), "{}", out.name);
        for (r, ((year, by_kind, k), ds)) in groups.iter().enumerate() {
            let what = format!("{} {year} {k}", out.name);
            let investments: BTreeSet<&str> = ds.iter().map(|d| d.0.as_str()).collect();
            let households: HashSet<&str> = ds.iter().map(|d| d.1.as_str()).collect();
            let principal: i64 = ds.iter().map(|d| d.3).sum();
            let amount: i64 = ds.iter().map(|d| d.4).sum();
            let below = investments
                .iter()
                .filter(|&&inv| {
                    let (p, a) = ds.iter().filter(|d| d.0 == inv).fold((0, 0), |(p, a), d| (p + d.3, a + d.4));
                    100.0 * yuan(a) / yuan(p) < target
                })
                .count();
            assert_eq!(out.i(r, "year"), *year, "{what}");
            assert_eq!(out.s(r, "kind"), if *by_kind { k.as_str() } else { "全部" }, "{what}");
            assert_eq!(out.i(r, "investments"), investments.len() as i64, "{what}");
            assert_eq!(out.i(r, "households"), households.len() as i64, "{what}");
            same(out.f(r, "principal"), yuan(principal), &what);
            same(out.f(r, "dividends"), yuan(amount), &what);
            same_opt(out.of(r, "yield"), pct(yuan(amount), yuan(principal)), &what);
            same(out.f(r, "per_household"), r2(yuan(amount) / households.len() as f64), &what);
            same(out.f(r, "target_yield"), target, &what);
            assert_eq!(out.i(r, "below_target_investments"), below as i64, "{what}");
        }
    }

    // Domain (the article): every year and every kind yields at least 10 %
    // of the principal; every year 2,000+ households get 3,000+ yuan each on
    // average.
    let out = run(&f, "dividend_yield", &[]);
    assert!(out.len() >= 5);
    for r in 0..out.len() {
        assert!(out.f(r, "yield") >= 10.0, "{} {} yield {}", out.i(r, "year"), out.s(r, "kind"), out.f(r, "yield"));
        assert_eq!(out.i(r, "below_target_investments"), 0);
        if out.s(r, "kind") == "全部" {
            assert!(out.i(r, "households") >= 2_000);
            assert!(out.f(r, "per_household") >= 3_000.0);
            // The kinds add up to the year.
            let year = out.i(r, "year");
            let kinds: Vec<usize> = (0..out.len()).filter(|&k| out.i(k, "year") == year && out.s(k, "kind") != "全部").collect();
            same(kinds.iter().map(|&k| out.f(k, "dividends")).sum(), out.f(r, "dividends"), "kinds add up");
        }
    }
    // A higher target flags some investments (floor rates run 10–12 %).
    let strict = run(&f, "dividend_yield", &[("target", "11.5")]);
    assert!(strict.sum_i("below_target_investments") > 0);
}

// ---------------------------------------------------------------- 8. loans

#[test]
fn revolving_fund_by_township_adds_up_to_the_fund() {
    let f = fixture();
    let geo = Geo::load(&f.conn);
    let village_of: HashMap<String, String> = households(&f.conn).into_iter().map(|h| (h.code, h.village)).collect();
    struct Loan {
        household: String,
        amount: i64,
        issued: NaiveDate,
        due: NaiveDate,
        repaid: i64,
        settled: Option<NaiveDate>,
    }
    let loans: Vec<Loan> = rows(
        &f.conn,
        "SELECT household_code, (amount * 100)::BIGINT, issued_date, due_date, (repaid_amount * 100)::BIGINT, settled_date
         FROM revolving_loan",
    )
    .iter()
    .map(|r| Loan {
        household: txt(&r[0]),
        amount: int(&r[1]),
        issued: date(&r[2]),
        due: date(&r[3]),
        repaid: int(&r[4]),
        settled: odate(&r[5]),
    })
    .collect();
    let mut townships: Vec<(i64, String)> = geo.township_zone.iter().map(|(t, z)| (*z, t.clone())).collect();
    townships.sort();

    let cases: Vec<(Vec<(&str, &str)>, Option<i32>, &str, Option<i64>)> = vec![
        (vec![], None, "2020-12-31", None),
        (vec![("year", "2016"), ("as_of", "2019-06-30")], Some(2016), "2019-06-30", None),
        (vec![("as_of", "2020-06-30"), ("zone", "3")], None, "2020-06-30", Some(3)),
        // On a due date: a loan due that very day is not yet overdue.
        (vec![("as_of", "2020-11-28")], None, "2020-11-28", None),
    ];
    for (given, year, as_of, zone) in cases {
        let as_of = NaiveDate::parse_from_str(as_of, "%Y-%m-%d").unwrap();
        let out = run(&f, "revolving_fund_by_township", &given);
        let want: Vec<&(i64, String)> = townships.iter().filter(|(z, _)| zone.is_none_or(|w| *z == w)).collect();
        assert_eq!(out.len(), want.len(), "{}", out.name);
        for (r, (z, t)) in want.iter().enumerate() {
            let what = format!("{} {t}", out.name);
            let ls: Vec<&Loan> = loans
                .iter()
                .filter(|l| geo.township(&village_of[&l.household]) == t.as_str())
                .filter(|l| year.is_none_or(|y| chrono::Datelike::year(&l.issued) == y))
                .collect();
            let overdue: Vec<&&Loan> = ls.iter().filter(|l| l.due < as_of && l.settled.is_none_or(|s| s > as_of)).collect();
            let issued: i64 = ls.iter().map(|l| l.amount).sum();
            let repaid: i64 = ls.iter().map(|l| l.repaid).sum();
            let overdue_amount: i64 =
                overdue.iter().map(|l| if l.settled.is_none() { l.amount - l.repaid } else { l.amount }).sum();
            let households: HashSet<&str> = ls.iter().map(|l| l.household.as_str()).collect();
            assert_eq!(&out.s(r, "township_code"), t, "{what}");
            assert_eq!(out.s(r, "township"), geo.township_name[t], "{what}");
            assert_eq!(out.i(r, "zone_id"), *z, "{what}");
            assert_eq!(out.i(r, "loans"), ls.len() as i64, "{what}");
            assert_eq!(out.i(r, "households"), households.len() as i64, "{what}");
            same(out.f(r, "amount_issued"), yuan(issued), &what);
            same(out.f(r, "amount_repaid"), yuan(repaid), &what);
            same(out.f(r, "balance"), yuan(issued - repaid), &what);
            assert_eq!(out.i(r, "overdue_loans"), overdue.len() as i64, "{what}");
            same(out.f(r, "amount_overdue"), yuan(overdue_amount), &what);
            same_opt(out.of(r, "repayment_rate"), pct(yuan(repaid), yuan(issued)), &what);
        }
    }

    // Domain (the article): 56.55 M yuan, ≤ 25,000 each, 3,100+ households,
    // about 95 % repaid; overdue money is money not yet repaid.
    let out = run(&f, "revolving_fund_by_township", &[]);
    assert_eq!(out.len(), 19);
    same(out.sum_f("amount_issued"), 56_550_000.0, "fund total");
    assert_eq!(out.sum_i("loans"), loans.len() as i64);
    assert!(out.sum_i("households") >= 3_100);
    assert!(out.sum_f("amount_issued") <= 25_000.0 * out.sum_i("loans") as f64);
    let rate = 100.0 * out.sum_f("amount_repaid") / out.sum_f("amount_issued");
    assert!((90.0..=100.0).contains(&rate), "repaid {rate} %");
    for r in 0..out.len() {
        assert!(out.f(r, "repayment_rate") <= 100.0);
        assert!(out.f(r, "amount_overdue") <= out.f(r, "balance"), "row {r}");
        assert!(out.i(r, "overdue_loans") <= out.i(r, "loans"));
    }
    // Issuing years partition the fund.
    let by_year: f64 = (2014..=2020)
        .map(|y| {
            let y = y.to_string();
            run(&f, "revolving_fund_by_township", &[("year", y.as_str())]).sum_f("amount_issued")
        })
        .sum();
    same(by_year, 56_550_000.0, "years add up");
}

// ---------------------------------------------------------------- 9. risks

struct Risk {
    village: String,
    group: String,
    persons: i64,
    household: Option<String>,
    detected: NaiveDate,
    cause: String,
    severity: String,
    resolved: Option<NaiveDate>,
}

fn risks(conn: &Connection) -> Vec<Risk> {
    rows(
        conn,
        "SELECT village_code, monitored_group, persons, household_code, detected_date, cause, severity, resolved_date
         FROM risk_event",
    )
    .iter()
    .map(|r| Risk {
        village: txt(&r[0]),
        group: txt(&r[1]),
        persons: int(&r[2]),
        household: otxt(&r[3]),
        detected: date(&r[4]),
        cause: txt(&r[5]),
        severity: txt(&r[6]),
        resolved: odate(&r[7]),
    })
    .collect()
}

/// Causes in the domain brief's order, unknown ones after them by text.
fn cause_order(c: &str) -> (usize, String) {
    const ORDER: &[&str] = &["因病", "因学", "因灾", "因疫情", "因收入大幅缩减", "因刚性支出骤增", "因产业不可持续", "其他"];
    (ORDER.iter().position(|o| *o == c).unwrap_or(ORDER.len()), c.to_string())
}

#[test]
fn risk_warnings_count_what_is_open_on_the_date() {
    let f = fixture();
    let geo = Geo::load(&f.conn);
    let events = risks(&f.conn);
    let causes: BTreeSet<(usize, String)> = events.iter().map(|e| cause_order(&e.cause)).collect();
    let severities: BTreeSet<(usize, String)> = events
        .iter()
        .map(|e| (["高", "中", "低"].iter().position(|s| *s == e.severity).unwrap_or(3), e.severity.clone()))
        .collect();

    let cases: Vec<(Vec<(&str, &str)>, &str, Option<i64>, Option<&str>)> = vec![
        (vec![], "2020-12-31", None, None),
        (vec![("as_of", "2018-06-30"), ("zone", "1")], "2018-06-30", Some(1), None),
        (vec![("as_of", "2020-06-30"), ("monitored_group", "脱贫监测户")], "2020-06-30", None, Some("脱贫监测户")),
    ];
    for (given, as_of, zone, group) in cases {
        let d = NaiveDate::parse_from_str(as_of, "%Y-%m-%d").unwrap();
        let out = run(&f, "risk_warnings", &given);
        let open: Vec<&Risk> = events
            .iter()
            .filter(|e| e.detected <= d && e.resolved.is_none_or(|r| r > d))
            .filter(|e| geo.in_zone(&e.village, zone) && group.is_none_or(|g| e.group == g))
            .collect();
        assert_eq!(out.len(), causes.len() * severities.len(), "{}", out.name);
        let mut r = 0;
        for (_, c) in &causes {
            for (_, s) in &severities {
                let what = format!("{} {c} {s}", out.name);
                let cell: Vec<&&Risk> = open.iter().filter(|e| &e.cause == c && &e.severity == s).collect();
                let days: Vec<i64> = cell.iter().map(|e| (d - e.detected).num_days()).collect();
                let households: HashSet<&str> = cell.iter().filter_map(|e| e.household.as_deref()).collect();
                assert_eq!(&out.s(r, "cause"), c, "{what}");
                assert_eq!(&out.s(r, "severity"), s, "{what}");
                assert_eq!(out.i(r, "open_warnings"), cell.len() as i64, "{what}");
                assert_eq!(out.i(r, "persons"), cell.iter().map(|e| e.persons).sum::<i64>(), "{what}");
                assert_eq!(out.i(r, "households"), households.len() as i64, "{what}");
                assert_eq!(out.i(r, "open_over_90_days"), days.iter().filter(|&&n| n > 90).count() as i64, "{what}");
                assert_eq!(out.oi(r, "longest_open_days"), days.iter().max().copied(), "{what}");
                r += 1;
            }
        }
    }

    // Domain: at the end of 2020 the open warnings are exactly those without
    // a resolution date (none is resolved later); households ≤ warnings.
    let out = run(&f, "risk_warnings", &[]);
    assert_eq!(out.sum_i("open_warnings"), events.iter().filter(|e| e.resolved.is_none()).count() as i64);
    assert!(out.sum_i("open_warnings") > 0);
    for r in 0..out.len() {
        assert!(out.i(r, "households") <= out.i(r, "open_warnings"));
        assert!(out.i(r, "open_over_90_days") <= out.i(r, "open_warnings"));
    }
    // Epidemic risks only appear from 2020 (COVID-19).
    let before = run(&f, "risk_warnings", &[("as_of", "2019-12-31")]);
    let epidemic: i64 =
        (0..before.len()).filter(|&r| before.s(r, "cause") == "因疫情").map(|r| before.i(r, "open_warnings")).sum();
    assert_eq!(epidemic, 0);
}

#[test]
fn risk_resolution_medians_match_a_sort() {
    let f = fixture();
    let geo = Geo::load(&f.conn);
    let events = risks(&f.conn);

    fn median(mut v: Vec<i64>) -> Option<f64> {
        v.sort();
        let n = v.len();
        match n {
            0 => None,
            _ if n % 2 == 1 => Some(v[n / 2] as f64),
            _ => Some((v[n / 2 - 1] + v[n / 2]) as f64 / 2.0),
        }
    }

    for (given, year, zone) in [(vec![], None, None), (vec![("year", "2019"), ("zone", "4")], Some(2019), Some(4))] {
        let out = run(&f, "risk_resolution", &given);
        let scope: Vec<&Risk> = events
            .iter()
            .filter(|e| year.is_none_or(|y| chrono::Datelike::year(&e.detected) == y) && geo.in_zone(&e.village, zone))
            .collect();
        let mut causes: Vec<(usize, String)> =
            scope.iter().map(|e| cause_order(&e.cause)).collect::<BTreeSet<_>>().into_iter().collect();
        causes.push((usize::MAX, "全部".into()));
        assert_eq!(out.len(), causes.len(), "{}", out.name);
        for (r, (order, c)) in causes.iter().enumerate() {
            let what = format!("{} {c}", out.name);
            let these: Vec<&&Risk> = scope.iter().filter(|e| *order == usize::MAX || &e.cause == c).collect();
            let days: Vec<i64> = these.iter().filter_map(|e| e.resolved.map(|r| (r - e.detected).num_days())).collect();
            let mean = (!days.is_empty()).then(|| r1(days.iter().sum::<i64>() as f64 / days.len() as f64));
            assert_eq!(&out.s(r, "cause"), c, "{what}");
            assert_eq!(out.i(r, "warnings"), these.len() as i64, "{what}");
            assert_eq!(out.i(r, "resolved"), days.len() as i64, "{what}");
            assert_eq!(out.i(r, "unresolved"), (these.len() - days.len()) as i64, "{what}");
            same_opt(out.of(r, "median_days"), median(days.clone()).map(r1), &what);
            same_opt(out.of(r, "average_days"), mean, &what);
            assert_eq!(out.oi(r, "longest_days"), days.iter().max().copied(), "{what}");
        }
    }

    // Domain: every warning is counted once; resolution never precedes
    // detection; half of all warnings are resolved within a season.
    let out = run(&f, "risk_resolution", &[]);
    let all = out.len() - 1;
    assert_eq!(out.s(all, "cause"), "全部");
    assert_eq!(out.i(all, "warnings"), events.len() as i64);
    assert_eq!((0..all).map(|r| out.i(r, "warnings")).sum::<i64>(), events.len() as i64);
    for r in 0..out.len() {
        assert_eq!(out.i(r, "resolved") + out.i(r, "unresolved"), out.i(r, "warnings"));
        let (m, a, l) = (out.f(r, "median_days"), out.f(r, "average_days"), out.f(r, "longest_days"));
        assert!(0.0 <= m && m <= l && a <= l, "{}: median {m} mean {a} longest {l}", out.s(r, "cause"));
    }
    assert!(out.f(all, "median_days") <= 92.0, "median {}", out.f(all, "median_days"));
}

// ---------------------------------------------------------------- 10. assurances

#[test]
fn two_assurances_by_village_counts_each_guarantee() {
    let f = fixture();
    let geo = Geo::load(&f.conn);
    let hh = households(&f.conn);
    let cols = ["food_clothing", "education", "medical", "housing", "water"];

    for (given, zone, township) in
        [(vec![], None, None), (vec![("zone", "1")], Some(1), None), (vec![("township", "150526201")], None, Some("150526201"))]
    {
        let out = run(&f, "two_assurances_by_village", &given);
        let mut by_village: BTreeMap<&str, ([i64; 5], i64, i64)> = BTreeMap::new();
        for h in hh.iter().filter(|h| geo.in_zone(&h.village, zone) && township.is_none_or(|t| geo.township(&h.village) == t)) {
            let e = by_village.entry(&h.village).or_insert(([0; 5], 0, 0));
            for k in 0..5 {
                e.0[k] += h.secure[k] as i64;
            }
            e.1 += 1;
            e.2 += h.secure.iter().all(|&s| s) as i64;
        }
        let mut want: Vec<(&str, [i64; 5], i64, i64)> = by_village.into_iter().map(|(v, (c, n, a))| (v, c, n, a)).collect();
        want.sort_by(|a, b| (a.3 as f64 / a.2 as f64).partial_cmp(&(b.3 as f64 / b.2 as f64)).unwrap().then(a.0.cmp(b.0)));
        assert_eq!(out.len(), want.len(), "{}", out.name);
        for (r, (v, counts, n, all)) in want.iter().enumerate() {
            let what = format!("{} {v}", out.name);
            assert_eq!(out.s(r, "village_code"), *v, "{what}");
            assert_eq!(out.s(r, "village"), geo.village_name[*v], "{what}");
            assert_eq!(out.s(r, "township"), geo.township_name[geo.township(v)], "{what}");
            assert_eq!(out.i(r, "zone_id"), geo.zone(v), "{what}");
            assert_eq!(out.i(r, "households"), *n, "{what}");
            for (k, c) in cols.iter().enumerate() {
                assert_eq!(out.i(r, c), counts[k], "{what} {c}");
                same_opt(out.of(r, &format!("{c}_share")), pct(counts[k] as f64, *n as f64), &format!("{what} {c}"));
            }
            assert_eq!(out.i(r, "all_five"), *all, "{what}");
            same_opt(out.of(r, "all_five_share"), pct(*all as f64, *n as f64), &what);
        }
    }

    // Domain: every registered household belongs to a village; meeting all
    // five implies meeting each, and failing at most one per guarantee bounds
    // it from below; the worst village comes first.
    let out = run(&f, "two_assurances_by_village", &[]);
    assert_eq!(out.sum_i("households"), 8_638);
    assert_eq!(out.len(), 206);
    for r in 0..out.len() {
        let n = out.i(r, "households");
        let each: Vec<i64> = cols.iter().map(|c| out.i(r, c)).collect();
        let all = out.i(r, "all_five");
        assert!(all <= *each.iter().min().unwrap());
        assert!(all >= each.iter().sum::<i64>() - 4 * n, "inclusion–exclusion bound");
        assert!(out.f(r, "all_five_share") <= 100.0);
        if r > 0 {
            assert!(out.f(r, "all_five_share") >= out.f(r - 1, "all_five_share"));
        }
    }
    // Households lifted out met food, clothing, education and medical care.
    let exited_short =
        hh.iter().filter(|h| h.exit_kind.as_deref() == Some("脱贫") && !(h.secure[0] && h.secure[1] && h.secure[2])).count();
    assert_eq!(exited_short, 0);
}

// ---------------------------------------------------------------- 11. cadres and teams

#[test]
fn cadre_load_histogram_covers_every_cadre() {
    let f = fixture();
    let hh = households(&f.conn);
    let cadres: Vec<String> =
        rows(&f.conn, "SELECT cadre_code FROM cadre WHERE role = '帮扶责任人'").iter().map(|r| txt(&r[0])).collect();

    for (given, year) in [(vec![], None), (vec![("year", "2016")], Some(2016)), (vec![("year", "2020")], Some(2020))] {
        let out = run(&f, "cadre_load", &given);
        let mut load: HashMap<&str, i64> = cadres.iter().map(|c| (c.as_str(), 0)).collect();
        for h in hh.iter().filter(|h| year.is_none_or(|y| h.poor_in(y))) {
            if let Some(n) = h.cadre.as_deref().and_then(|c| load.get_mut(c)) {
                *n += 1;
            }
        }
        assert_eq!(out.len(), 6, "{}", out.name);
        for b in 0..6i64 {
            let what = format!("{} {b}", out.name);
            let in_bucket: Vec<i64> = load.values().copied().filter(|&n| n.min(5) == b).collect();
            let r = b as usize;
            assert_eq!(out.i(r, "paired"), b, "{what}");
            assert_eq!(out.s(r, "paired_label"), if b == 5 { "5+".to_string() } else { b.to_string() }, "{what}");
            assert_eq!(out.i(r, "cadres"), in_bucket.len() as i64, "{what}");
            same_opt(out.of(r, "share"), pct(in_bucket.len() as f64, cadres.len() as f64), &what);
            assert_eq!(out.i(r, "households"), in_bucket.iter().sum::<i64>(), "{what}");
        }
    }

    // Domain (the article): 2,074 aid-responsible cadres, each with a few
    // households — at most five — and every registered household paired.
    let out = run(&f, "cadre_load", &[]);
    assert_eq!(out.sum_i("cadres"), 2_074);
    assert_eq!(out.sum_i("households"), 8_638);
    assert_eq!(out.i(5, "households"), 5 * out.i(5, "cadres"), "nobody has more than five");
    let in_2016 = run(&f, "cadre_load", &[("year", "2016")]);
    assert_eq!(in_2016.sum_i("cadres"), 2_074);
    assert_eq!(in_2016.sum_i("households"), hh.iter().filter(|h| h.poor_in(2016)).count() as i64);
    let in_2020 = run(&f, "cadre_load", &[("year", "2020")]);
    assert_eq!(in_2020.i(0, "cadres"), 2_074, "no poor household left to pair in 2020");
}

#[test]
fn team_coverage_of_poor_villages() {
    let f = fixture();
    let geo = Geo::load(&f.conn);
    let teams: Vec<(String, i64)> =
        rows(&f.conn, "SELECT village_code, start_year FROM work_team").iter().map(|r| (txt(&r[0]), int(&r[1]))).collect();

    for (given, year) in [(vec![], None), (vec![("year", "2016")], Some(2016)), (vec![("year", "2014")], Some(2014))] {
        let out = run(&f, "team_coverage", &given);
        let mut per_village: HashMap<&str, i64> = HashMap::new();
        for (v, start) in &teams {
            if year.is_none_or(|y| *start <= y) {
                *per_village.entry(v.as_str()).or_default() += 1;
            }
        }
        let scopes: Vec<(i64, String)> =
            std::iter::once((0, "全旗".to_string())).chain(geo.zones.iter().map(|(z, n)| (*z, n.clone()))).collect();
        assert_eq!(out.len(), scopes.len(), "{}", out.name);
        for (r, (zone, name)) in scopes.iter().enumerate() {
            let what = format!("{} {name}", out.name);
            let vs: Vec<&String> = geo.village_poor.keys().filter(|v| *zone == 0 || geo.zone(v) == *zone).collect();
            let poor: Vec<&&String> = vs.iter().filter(|v| geo.village_poor[v.as_str()]).collect();
            let team = |v: &str| per_village.get(v).copied().unwrap_or(0);
            let with = poor.iter().filter(|v| team(v) > 0).count() as i64;
            assert_eq!(out.i(r, "zone_id"), *zone, "{what}");
            assert_eq!(&out.s(r, "zone"), name, "{what}");
            assert_eq!(out.i(r, "villages"), vs.len() as i64, "{what}");
            assert_eq!(out.i(r, "poor_villages"), poor.len() as i64, "{what}");
            assert_eq!(out.i(r, "poor_with_team"), with, "{what}");
            assert_eq!(out.i(r, "poor_without_team"), poor.len() as i64 - with, "{what}");
            same_opt(out.of(r, "coverage"), pct(with as f64, poor.len() as f64), &what);
            assert_eq!(out.i(r, "teams"), vs.iter().map(|v| team(v)).sum::<i64>(), "{what}");
            let others = vs.iter().filter(|v| !geo.village_poor[v.as_str()] && team(v) > 0).count() as i64;
            assert_eq!(out.i(r, "other_villages_with_team"), others, "{what}");
        }
    }

    // Domain (the article): 206 villages, 58 poor, 185 teams; coverage is a
    // share and the zones add up to the banner.
    let out = run(&f, "team_coverage", &[]);
    assert_eq!((out.i(0, "villages"), out.i(0, "poor_villages"), out.i(0, "teams")), (206, 58, 185));
    for col in ["villages", "poor_villages", "poor_with_team", "teams"] {
        assert_eq!((1..out.len()).map(|r| out.i(r, col)).sum::<i64>(), out.i(0, col), "{col}");
    }
    for r in 0..out.len() {
        assert!(out.f(r, "coverage") <= 100.0);
    }
    assert!(run(&f, "team_coverage", &[("year", "2015")]).i(0, "teams") < 185, "teams arrived over the years");
}

// ---------------------------------------------------------------- 12. meetings

#[test]
fn yipin_meetings_by_month_and_share_acted_on() {
    let f = fixture();
    let geo = Geo::load(&f.conn);
    // village, date, visits, issues, discussed, actions, satisfaction
    let meetings: Vec<(String, String, [i64; 4], Option<f64>)> = rows(
        &f.conn,
        "SELECT village_code, meeting_date, visits, issues_raised, households_discussed, actions_done, satisfaction::DOUBLE
         FROM yipin_meeting",
    )
    .iter()
    .map(|r| (txt(&r[0]), txt(&r[1]), [int(&r[2]), int(&r[3]), int(&r[4]), int(&r[5])], r[6].as_f64()))
    .collect();

    for (given, zone, year) in [(vec![], None, None), (vec![("zone", "2"), ("year", "2019")], Some(2), Some("2019"))] {
        let out = run(&f, "yipin_meetings_by_month", &given);
        let mut months: BTreeMap<&str, Vec<&(String, String, [i64; 4], Option<f64>)>> = BTreeMap::new();
        for m in meetings.iter().filter(|m| geo.in_zone(&m.0, zone) && year.is_none_or(|y| m.1.starts_with(y))) {
            months.entry(&m.1[..7]).or_default().push(m);
        }
        assert_eq!(out.len(), months.len(), "{}", out.name);
        for (r, (month, ms)) in months.iter().enumerate() {
            let what = format!("{} {month}", out.name);
            let sum = |k: usize| ms.iter().map(|m| m.2[k]).sum::<i64>();
            let villages: HashSet<&str> = ms.iter().map(|m| m.0.as_str()).collect();
            let sat: Vec<f64> = ms.iter().filter_map(|m| m.3).collect();
            assert_eq!(out.s(r, "month"), *month, "{what}");
            assert_eq!(out.i(r, "meetings"), ms.len() as i64, "{what}");
            assert_eq!(out.i(r, "villages"), villages.len() as i64, "{what}");
            assert_eq!(out.i(r, "visits"), sum(0), "{what}");
            assert_eq!(out.i(r, "issues_raised"), sum(1), "{what}");
            assert_eq!(out.i(r, "households_discussed"), sum(2), "{what}");
            assert_eq!(out.i(r, "actions_done"), sum(3), "{what}");
            same_opt(out.of(r, "acted_share"), pct(sum(3) as f64, sum(1) as f64), &what);
            // Mean satisfaction: within rounding (DuckDB averages decimals its own way).
            let mean = sat.iter().sum::<f64>() / sat.len() as f64;
            assert!((out.f(r, "satisfaction") - mean).abs() <= 0.005 + 1e-9, "{what}: satisfaction");
        }
    }

    // Domain: every meeting counted once; no more actions than issues.
    let out = run(&f, "yipin_meetings_by_month", &[]);
    assert_eq!(out.sum_i("meetings"), meetings.len() as i64);
    for r in 0..out.len() {
        let s = out.f(r, "acted_share");
        assert!((0.0..=100.0).contains(&s), "{}: acted on {s}", out.s(r, "month"));
        assert!(out.i(r, "villages") <= out.i(r, "meetings"));
        assert!(out.i(r, "villages") <= 206);
    }
    let one_year = run(&f, "yipin_meetings_by_month", &[("year", "2019")]);
    assert_eq!(one_year.len(), 12);
    assert!((0..12).all(|r| one_year.s(r, "month").starts_with("2019-")));
}

// ---------------------------------------------------------------- the catalog

#[test]
fn catalog_checks_clean_against_the_sample() {
    let f = fixture();
    assert_eq!(f.catalog.check(&f.conn), Vec::<String>::new());

    for name in LEADER_QUERIES {
        let q = f.catalog.get(name).unwrap_or_else(|| panic!("queries/{name}.sql is missing"));
        let m = &q.meta;
        for (what, text) in [
            ("title", &m.title),
            ("title_en", &m.title_en),
            ("description", &m.description),
            ("description_en", &m.description_en),
        ] {
            assert!(!text.trim().is_empty(), "{name}: {what} is empty");
        }
        assert!(q.sql.to_uppercase().contains("ORDER BY"), "{name}: no ORDER BY");
        for (p, pm) in &m.params {
            assert!(!pm.zh.is_empty() && !pm.en.is_empty(), "{name}: [params.{p}] needs labels");
        }
        for (c, cm) in &m.columns {
            assert!(!cm.zh.is_empty() && !cm.en.is_empty(), "{name}: column {c} needs labels");
        }
        // Deterministic: the same parameters give the same rows.
        let a = run(&f, name, &[]);
        let b = run(&f, name, &[]);
        assert_eq!(a.rs.rows, b.rs.rows, "{name}: not deterministic");
        assert!(a.len() > 0, "{name}: no rows with the defaults");
    }

    // Detail that can single out a village's few households, loans or
    // monitoring records stays off the public pages.
    for name in ["two_assurances_by_village", "revolving_fund_by_township", "risk_warnings", "risk_resolution"] {
        assert!(!f.catalog.get(name).unwrap().meta.public, "{name} must not be public");
    }
}
