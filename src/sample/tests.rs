//! Tests of the generated sample, done by reading the CSV files back: every
//! value against its column's rules in tables.rs (type, range, enum,
//! required, references, unique keys), the cross-field rules the importer
//! enforces, and the headline figures at scale 1.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::{generate, SampleOptions};
use crate::store::tables::{Ty, TABLES};

struct Tab {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Tab {
    fn col(&self, name: &str) -> usize {
        self.header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"))
    }
    /// Iterates rows as accessors by column name.
    fn iter(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(move |r| Row { t: self, r })
    }
}

#[derive(Clone, Copy)]
struct Row<'a> {
    t: &'a Tab,
    r: &'a Vec<String>,
}

impl<'a> Row<'a> {
    fn s(&self, c: &str) -> &'a str {
        &self.r[self.t.col(c)]
    }
    fn i(&self, c: &str) -> i64 {
        self.s(c).parse().unwrap_or_else(|_| panic!("{c}={:?} is not an integer", self.s(c)))
    }
    fn oi(&self, c: &str) -> Option<i64> {
        let s = self.s(c);
        if s.is_empty() {
            None
        } else {
            Some(self.i(c))
        }
    }
    fn f(&self, c: &str) -> f64 {
        self.s(c).parse().unwrap_or_else(|_| panic!("{c}={:?} is not a number", self.s(c)))
    }
    fn b(&self, c: &str) -> bool {
        self.s(c) == "true"
    }
}

struct Data {
    tables: HashMap<String, Tab>,
    /// Raw bytes of every file (the directory itself is removed after reading).
    files: HashMap<String, Vec<u8>>,
}

impl Data {
    fn t(&self, name: &str) -> &Tab {
        &self.tables[name]
    }
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("jingzhun-sample-{}-{}", std::process::id(), tag));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn read_all(dir: &Path) -> HashMap<String, Tab> {
    let mut out = HashMap::new();
    for t in TABLES {
        let path = dir.join(format!("{}.csv", t.name));
        let mut r = csv::ReaderBuilder::new().has_headers(true).from_path(&path).expect("open csv");
        let header = r.headers().expect("header").iter().map(String::from).collect();
        let rows = r.records().map(|rec| rec.expect("record").iter().map(String::from).collect()).collect();
        out.insert(t.name.to_string(), Tab { header, rows });
    }
    out
}

fn read_bytes(dir: &Path) -> HashMap<String, Vec<u8>> {
    TABLES.iter().map(|t| (t.name.to_string(), std::fs::read(dir.join(format!("{}.csv", t.name))).expect("read csv"))).collect()
}

/// The seed the figure tests use: the default, or JINGZHUN_SAMPLE_SEED to
/// check that the figures hold for other seeds too.
fn test_seed() -> u64 {
    std::env::var("JINGZHUN_SAMPLE_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(SampleOptions::default().seed)
}

/// Scale 1, generated once for all tests.
fn data() -> &'static Data {
    static D: OnceLock<Data> = OnceLock::new();
    D.get_or_init(|| {
        let dir = temp_dir("scale1");
        let summary = generate(&dir, &SampleOptions { scale: 1, seed: test_seed() }).expect("generate");
        let tables = read_all(&dir);
        for (name, n) in &summary.rows {
            assert_eq!(tables[*name].rows.len(), *n, "summary count of {name}");
        }
        let files = read_bytes(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        Data { tables, files }
    })
}

// ------------------------------------------------------------ value rules

fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Ok(y), Ok(m), Ok(d)) = (s[..4].parse::<i32>(), s[5..7].parse::<u32>(), s[8..].parse::<u32>()) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    (1..=12).contains(&m) && d >= 1 && d <= days[m as usize - 1]
}

fn valid_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 18
        && b[..17].iter().all(u8::is_ascii_digit)
        && super::people::id_check(&b[..17]) == b[17]
        && valid_date(&format!("{}-{}-{}", &s[6..10], &s[10..12], &s[12..14]))
}

/// Money: whole yuan as digits, otherwise exactly two decimals.
fn money_ok(s: &str) -> Option<f64> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let ok = !int.is_empty()
        && int.bytes().all(|c| c.is_ascii_digit())
        && (frac.is_empty() && !s.ends_with('.') || frac.len() == 2 && frac.bytes().all(|c| c.is_ascii_digit()) && frac != "00");
    if ok {
        s.parse().ok()
    } else {
        None
    }
}

/// Dec: up to four decimals, no trailing zeros.
fn dec_ok(s: &str) -> Option<f64> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let ok = !int.is_empty()
        && int.bytes().all(|c| c.is_ascii_digit())
        && (!s.contains('.') || (1..=4).contains(&frac.len()) && frac.bytes().all(|c| c.is_ascii_digit()) && !frac.ends_with('0'));
    if ok {
        s.parse().ok()
    } else {
        None
    }
}

fn check_value(ty: &Ty, v: &str) -> Result<(), String> {
    let bad = || Err(format!("{v:?} is not a valid {ty:?}"));
    match *ty {
        Ty::Int { min, max } => match v.parse::<i64>() {
            Ok(x) if x >= min && x <= max && !v.starts_with('+') => Ok(()),
            _ => bad(),
        },
        Ty::Year => match v.parse::<i64>() {
            Ok(x) if (1900..=2100).contains(&x) => Ok(()),
            _ => bad(),
        },
        Ty::Money { min, max } => match money_ok(v) {
            Some(x) if x >= min && x <= max => Ok(()),
            _ => bad(),
        },
        Ty::Dec { min, max } => match dec_ok(v) {
            Some(x) if x >= min && x <= max => Ok(()),
            _ => bad(),
        },
        Ty::Text { max_chars } => {
            if v.chars().count() <= max_chars && v.trim() == v {
                Ok(())
            } else {
                bad()
            }
        }
        Ty::Code { max_chars } => {
            if v.len() <= max_chars && v.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-') {
                Ok(())
            } else {
                bad()
            }
        }
        Ty::IdCard => {
            if valid_id(v) {
                Ok(())
            } else {
                bad()
            }
        }
        Ty::Bool => {
            if v == "true" || v == "false" {
                Ok(())
            } else {
                bad()
            }
        }
        Ty::Date => {
            if valid_date(v) {
                Ok(())
            } else {
                bad()
            }
        }
        Ty::Enum(list) => {
            if list.contains(&v) {
                Ok(())
            } else {
                bad()
            }
        }
    }
}

#[test]
fn files_follow_the_catalogue() {
    let d = data();
    for t in TABLES {
        let bytes = &d.files[t.name];
        assert!(!bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "{}: BOM", t.name);
        assert!(!bytes.contains(&b'\r'), "{}: CR in file", t.name);
        assert!(std::str::from_utf8(bytes).is_ok(), "{}: not UTF-8", t.name);
        let tab = d.t(t.name);
        let names: Vec<&str> = t.columns.iter().map(|c| c.name).collect();
        assert_eq!(tab.header, names, "{}: header", t.name);
        assert!(!tab.rows.is_empty(), "{}: empty", t.name);
        for row in &tab.rows {
            assert_eq!(row.len(), names.len(), "{}: field count", t.name);
            for (c, v) in t.columns.iter().zip(row) {
                if v.is_empty() {
                    assert!(!c.required, "{}.{}: required value missing", t.name, c.name);
                    continue;
                }
                if let Err(e) = check_value(&c.ty, v) {
                    panic!("{}.{}: {e}", t.name, c.name);
                }
            }
        }
        // Natural keys are unique.
        let key_idx: Vec<usize> = t.key.iter().map(|k| tab.col(k)).collect();
        let mut seen = HashSet::new();
        for row in &tab.rows {
            let key: Vec<&str> = key_idx.iter().map(|&i| row[i].as_str()).collect();
            assert!(seen.insert(key.join("\u{1}")), "{}: duplicate key {key:?}", t.name);
        }
        // References point to existing rows.
        for (ci, c) in t.columns.iter().enumerate() {
            if let Some((rt, rc)) = c.refs {
                let target = d.t(rt);
                let ti = target.col(rc);
                let set: HashSet<&str> = target.rows.iter().map(|r| r[ti].as_str()).collect();
                for row in &tab.rows {
                    if !row[ci].is_empty() {
                        assert!(set.contains(row[ci].as_str()), "{}.{} = {} not in {rt}.{rc}", t.name, c.name, row[ci]);
                    }
                }
            }
        }
    }
}

#[test]
fn geography() {
    let d = data();
    assert_eq!(d.t("war_zone").rows.len(), 4);
    let tw = d.t("township");
    assert_eq!(tw.rows.len(), 19);
    let lubei = tw.iter().find(|r| r.s("township_code") == "150526100").unwrap();
    assert_eq!((lubei.s("name"), lubei.s("name_en"), lubei.s("kind"), lubei.i("zone_id")), ("鲁北镇", "Lubei Town", "镇", 1));
    let v = d.t("village");
    assert_eq!(v.rows.len(), 206);
    let poor: Vec<_> = v.iter().filter(|r| r.b("is_poor")).collect();
    assert_eq!(poor.len(), 58);
    let mut by_year = BTreeMap::new();
    for r in v.iter() {
        assert_eq!(r.b("is_poor"), r.oi("exit_year").is_some(), "village exit_year iff poor");
        if let Some(y) = r.oi("exit_year") {
            *by_year.entry(y).or_insert(0) += 1;
        }
        assert!(r.s("village_code").starts_with(r.s("township_code")));
    }
    assert_eq!(by_year.into_iter().collect::<Vec<_>>(), vec![(2016, 8), (2017, 15), (2018, 20), (2019, 13), (2020, 2)]);
    // Names unique within a township; the model villages exist.
    let mut seen = HashSet::new();
    for r in v.iter() {
        assert!(seen.insert((r.s("township_code"), r.s("name"))), "duplicate village name {}", r.s("name"));
    }
    for name in ["义和碑村", "小黑山村"] {
        assert!(v.iter().any(|r| r.s("name") == name), "{name} missing");
    }
}

#[test]
fn households_and_exits() {
    let d = data();
    let h = d.t("household");
    assert_eq!(h.rows.len(), 8_638);
    assert_eq!(h.iter().map(|r| r.i("size")).sum::<i64>(), 21_654);
    let mut exits = BTreeMap::new();
    let (mut natural, mut able, mut ident14) = (0, 0, 0);
    let mut attrs: HashMap<&str, usize> = HashMap::new();
    let mut causes: HashMap<&str, usize> = HashMap::new();
    for r in h.iter() {
        assert!(r.i("labour_count") <= r.i("size"));
        assert_eq!(r.b("able_to_work"), r.i("labour_count") > 0);
        let exit = r.oi("exit_year").expect("every household has left the rolls by 2020");
        assert!(!r.s("exit_kind").is_empty());
        assert!(exit >= r.i("identified_year") && exit <= 2020);
        match r.s("exit_kind") {
            "脱贫" => *exits.entry(exit).or_insert(0) += 1,
            _ => natural += 1,
        }
        let c1 = r.s("secondary_cause_1");
        let c2 = r.s("secondary_cause_2");
        assert!(c1 != r.s("main_cause") && c2 != r.s("main_cause"));
        assert!(c2.is_empty() || (c2 != c1 && !c1.is_empty()));
        able += r.b("able_to_work") as usize;
        ident14 += (r.i("identified_year") == 2014) as usize;
        *attrs.entry(r.s("attribute")).or_default() += 1;
        *causes.entry(r.s("main_cause")).or_default() += 1;
        assert!(!r.s("cadre_code").is_empty());
    }
    assert_eq!(exits.values().copied().collect::<Vec<_>>(), vec![1_250, 1_690, 1_850, 1_730, 1_570, 455, 55]);
    assert_eq!(exits.keys().copied().collect::<Vec<_>>(), (2014..=2020).collect::<Vec<_>>());
    assert_eq!(natural, 38);
    let share = |n: usize| n as f64 / 8_638.0;
    println!("able {:.3}, identified 2014 {:.3}, attributes {attrs:?}, causes {causes:?}", share(able), share(ident14));
    assert!((0.50..=0.60).contains(&share(able)));
    assert!((0.87..=0.93).contains(&share(ident14)));
    assert!((0.66..=0.74).contains(&share(attrs["一般贫困户"])));
    assert!((0.21..=0.29).contains(&share(attrs["低保贫困户"])));
    assert!((0.03..=0.07).contains(&share(attrs["特困供养贫困户"])));
    assert!((0.36..=0.44).contains(&share(causes["因病"])));
    assert!((0.03..=0.08).contains(&share(causes["因学"])));
    // Poor villages hold a clearly larger share of households.
    let poor_v: HashSet<&str> = d.t("village").iter().filter(|r| r.b("is_poor")).map(|r| r.s("village_code")).collect();
    let in_poor = h.iter().filter(|r| poor_v.contains(r.s("village_code"))).count();
    let per_poor = in_poor as f64 / 58.0;
    let per_other = (8_638 - in_poor) as f64 / 148.0;
    println!("households per poor village {per_poor:.1}, per other village {per_other:.1}");
    assert!(per_poor > 2.0 * per_other);
}

#[test]
fn members_and_people_exited() {
    let d = data();
    let h = d.t("household");
    let m = d.t("member");
    assert_eq!(m.rows.len(), 21_654);
    let mut by_hh: HashMap<&str, Vec<Row>> = HashMap::new();
    for r in m.iter() {
        by_hh.entry(r.s("household_code")).or_default().push(r);
    }
    let mut ids = HashSet::new();
    let mut exited_people = 0;
    let mut eth: HashMap<&str, usize> = HashMap::new();
    for r in m.iter() {
        let id = r.s("id_number");
        assert!(valid_id(id) && id.starts_with("150526"), "bad id {id}");
        assert_eq!(&id[6..10], r.s("birth_year"));
        let seq_digit = id.as_bytes()[16] - b'0';
        assert_eq!(seq_digit % 2 == 1, r.s("sex") == "男", "sex digit of {id}");
        assert!(ids.insert(id), "duplicate id {id}");
        assert_eq!(r.oi("removed_year").is_some(), !r.s("removed_reason").is_empty());
        assert!(r.s("member_code").starts_with(r.s("household_code")));
        *eth.entry(r.s("ethnicity")).or_default() += 1;
        let age = 2020 - r.i("birth_year");
        if age < 6 {
            assert!(matches!(r.s("education"), "学龄前儿童"));
        }
        if r.s("schooling") == "小学" {
            assert!((5..=13).contains(&age), "primary pupil aged {age}");
        }
    }
    println!("ethnicity {eth:?}");
    assert!((0.45..=0.55).contains(&(eth["蒙古族"] as f64 / 21_654.0)));
    for r in h.iter() {
        let ms = &by_hh[r.s("household_code")];
        assert_eq!(ms.len() as i64, r.i("size"));
        let head = ms.iter().find(|x| x.s("relation") == "户主").expect("head");
        assert_eq!(head.s("name"), r.s("head_name"));
        assert_eq!(ms.iter().filter(|x| x.s("relation") == "户主").count(), 1);
        let labour = ms.iter().filter(|x| matches!(x.s("labour_skill"), "普通劳动力" | "技能劳动力")).count();
        assert_eq!(labour as i64, r.i("labour_count"));
        let exit = r.i("exit_year");
        if r.s("exit_kind") == "脱贫" {
            exited_people += ms.iter().filter(|x| x.oi("removed_year").is_none_or(|y| y > exit)).count();
            assert!(head.oi("removed_year").is_none(), "heads of exited households stay");
        } else {
            assert!(ms.iter().all(|x| x.oi("removed_year") == Some(exit) && matches!(x.s("removed_reason"), "死亡" | "其他")));
            assert!(r.i("size") <= 2);
        }
        for x in ms {
            if let Some(y) = x.oi("removed_year") {
                assert!(y >= r.i("identified_year") && y <= 2020);
            }
        }
    }
    assert_eq!(exited_people, 21_388);
}

/// Poor households and poor population by year, as the product computes them.
fn poor_population(d: &Data) -> BTreeMap<i64, (usize, i64)> {
    let mut removed: HashMap<&str, Vec<Option<i64>>> = HashMap::new();
    for r in d.t("member").iter() {
        removed.entry(r.s("household_code")).or_default().push(r.oi("removed_year"));
    }
    let mut out = BTreeMap::new();
    for y in 2014..=2020 {
        let (mut hh, mut pop) = (0usize, 0i64);
        for r in d.t("household").iter() {
            let poor = r.i("identified_year") <= y && r.oi("exit_year").is_none_or(|e| e > y);
            if poor {
                hh += 1;
                pop += removed[r.s("household_code")].iter().filter(|x| x.is_none_or(|ry| ry > y)).count() as i64;
            }
        }
        out.insert(y, (hh, pop));
    }
    out
}

#[test]
fn incidence_and_village_population() {
    let d = data();
    let poor = poor_population(d);
    let mut rural: BTreeMap<i64, i64> = BTreeMap::new();
    for r in d.t("village_year").iter() {
        *rural.entry(r.i("year")).or_default() += r.i("rural_population");
        assert!(r.i("rural_households") * 2 < r.i("rural_population"));
        if r.i("year") == 2014 {
            assert!((300..=4000).contains(&r.i("rural_population")));
        }
        assert!(r.i("rural_population") >= 300);
    }
    for y in 2014..=2020 {
        let inc = poor[&y].1 as f64 / rural[&y] as f64 * 100.0;
        println!("{y}: poor households {}, poor people {}, rural {}, incidence {inc:.3} %", poor[&y].0, poor[&y].1, rural[&y]);
        if y == 2014 {
            assert!((8.35..=8.45).contains(&inc), "incidence 2014 = {inc}");
        }
    }
    assert_eq!(poor[&2020], (0, 0));
    // Each village at least three times its 2014 poor population.
    let mut vpoor: HashMap<&str, i64> = HashMap::new();
    let mut removed: HashMap<&str, i64> = HashMap::new();
    for r in d.t("member").iter() {
        if r.oi("removed_year").is_none_or(|y| y > 2014) {
            *removed.entry(r.s("household_code")).or_default() += 1;
        }
    }
    for r in d.t("household").iter() {
        if r.i("identified_year") <= 2014 && r.i("exit_year") > 2014 {
            *vpoor.entry(r.s("village_code")).or_default() += removed.get(r.s("household_code")).copied().unwrap_or(0);
        }
    }
    for r in d.t("village_year").iter().filter(|r| r.i("year") == 2014) {
        assert!(r.i("rural_population") >= 3 * vpoor.get(r.s("village_code")).copied().unwrap_or(0));
    }
}

#[test]
fn income() {
    let d = data();
    let lines: HashMap<i64, f64> = d.t("poverty_line").iter().map(|r| (r.i("year"), r.f("poverty_line"))).collect();
    let hh: HashMap<&str, Row> = d.t("household").iter().map(|r| (r.s("household_code"), r)).collect();
    let mut present: HashMap<(&str, i64), i64> = HashMap::new();
    for r in d.t("member").iter() {
        for y in 2014..=2020 {
            if r.oi("removed_year").is_none_or(|ry| ry > y) {
                *present.entry((r.s("household_code"), y)).or_default() += 1;
            }
        }
    }
    let mut sums: BTreeMap<i64, (f64, f64)> = BTreeMap::new();
    let mut pcs: HashMap<(&str, i64), f64> = HashMap::new();
    let (mut poor_rows, mut poor_bad, mut out_rows, mut out_bad) = (0, 0, 0, 0);
    let mut rows_per_hh: HashMap<&str, Vec<i64>> = HashMap::new();
    let (mut able_wage, mut able_total, mut unable_tr, mut unable_total) = (0.0, 0.0, 0.0, 0.0);
    for r in d.t("income_year").iter() {
        let code = r.s("household_code");
        let y = r.i("year");
        let persons = r.i("persons");
        assert_eq!(persons, present[&(code, y)], "persons of {code} in {y}");
        let net = r.f("wage_income") + r.f("operating_income") + r.f("property_income") + r.f("transfer_income")
            - r.f("operating_cost");
        assert!(net >= 0.0);
        let e = sums.entry(y).or_default();
        e.0 += net;
        e.1 += persons as f64;
        let pc = net / persons as f64;
        pcs.insert((code, y), pc);
        let h = hh[code];
        if h.b("able_to_work") {
            able_wage += r.f("wage_income") + r.f("operating_income") - r.f("operating_cost");
            able_total += net;
        } else {
            unable_tr += r.f("transfer_income");
            unable_total += net;
        }
        rows_per_hh.entry(code).or_default().push(y);
        if y < h.i("exit_year") {
            poor_rows += 1;
            poor_bad += (pc >= lines[&y]) as usize;
        } else {
            out_rows += 1;
            out_bad += (pc <= lines[&y]) as usize;
        }
    }
    // One row per year from identification to 2020, or while someone is left.
    for (code, h) in &hh {
        let last = if h.s("exit_kind") == "自然减少" { h.i("exit_year") - 1 } else { 2020 };
        let want: Vec<i64> = (h.i("identified_year")..=last).collect();
        assert_eq!(rows_per_hh.get(code).cloned().unwrap_or_default(), want, "income years of {code}");
    }
    for (y, (net, persons)) in &sums {
        let mean = net / persons;
        let target = 2_600.0 * 5f64.powf((*y - 2014) as f64 / 6.0);
        println!("{y}: mean per-capita net income {mean:.1} (target {target:.1})");
        assert!((mean / target - 1.0).abs() < 0.01, "{y}: mean {mean}");
    }
    let mut falls = 0;
    let mut pairs = 0;
    let mut hh_fell: HashSet<&str> = HashSet::new();
    for (&(code, y), &pc) in &pcs {
        if let Some(&next) = pcs.get(&(code, y + 1)) {
            pairs += 1;
            if next < pc {
                falls += 1;
                hh_fell.insert(code);
            }
        }
    }
    let fall_share = falls as f64 / pairs as f64;
    println!(
        "poor rows above the line {:.2} %, exited rows at/below it {:.2} %, year-on-year falls {:.2} % of pairs ({:.1} % of households ever), \
         able: wage+net operating {:.0} %, unable: transfers {:.0} %",
        100.0 * poor_bad as f64 / poor_rows as f64,
        100.0 * out_bad as f64 / out_rows as f64,
        100.0 * fall_share,
        100.0 * hh_fell.len() as f64 / hh.len() as f64,
        100.0 * able_wage / able_total,
        100.0 * unable_tr / unable_total
    );
    assert_eq!(poor_bad, 0);
    assert!((out_bad as f64) < 0.03 * out_rows as f64);
    assert!((0.05..=0.10).contains(&fall_share));
    assert!(able_wage / able_total > 0.6 && unable_tr / unable_total > 0.6);
}

#[test]
fn measures() {
    let d = data();
    let cat = d.t("aid_measure");
    assert_eq!(cat.rows.len(), 33);
    let cats: HashSet<&str> = cat.iter().map(|r| r.s("category")).collect();
    assert_eq!(cats.len(), 8);
    assert_eq!(cat.iter().filter(|r| r.s("model") == "3+3+3").count(), 9);
    assert_eq!(cat.iter().filter(|r| r.s("model") == "6保6助2托").count(), 14);
    assert!(cat.iter().filter(|r| r.s("model") == "3+3+3").all(|r| r.s("category") == "产业扶贫" && r.s("target") == "有劳动能力"));
    let model: HashMap<&str, &str> = cat.iter().map(|r| (r.s("measure_code"), r.s("model"))).collect();
    let hh: HashMap<&str, Row> = d.t("household").iter().map(|r| (r.s("household_code"), r)).collect();
    let rows = d.t("household_measure");
    let per = rows.rows.len() as f64 / hh.len() as f64;
    println!("measure rows per household {per:.2}");
    assert!((6.0..=10.0).contains(&per));
    let mut got: HashSet<(&str, i64)> = HashSet::new();
    for r in rows.iter() {
        let h = hh[r.s("household_code")];
        let y = r.i("year");
        assert!(y >= h.i("identified_year") && y <= h.i("exit_year"), "measure outside poor years");
        match model[r.s("measure_code")] {
            "3+3+3" => assert!(h.b("able_to_work")),
            "6保6助2托" => assert!(!h.b("able_to_work")),
            _ => {}
        }
        if r.s("measure_code") == "M28" {
            assert_eq!(r.s("amount"), "0");
        }
        got.insert((r.s("household_code"), y));
    }
    let (mut poor, mut covered) = (0, 0);
    for (code, h) in &hh {
        for y in h.i("identified_year")..h.i("exit_year") {
            poor += 1;
            covered += got.contains(&(*code, y)) as usize;
        }
    }
    let cov = covered as f64 / poor as f64;
    println!("household-years poor with at least one measure: {:.2} %", 100.0 * cov);
    assert!(cov >= 0.95);
}

#[test]
fn dividends_and_investments() {
    let d = data();
    let inv = d.t("fund_investment");
    let div = d.t("dividend");
    let mut by_year: BTreeMap<i64, (HashSet<&str>, f64, f64)> = BTreeMap::new();
    let mut principal: HashMap<&str, HashMap<&str, f64>> = HashMap::new();
    for r in div.iter() {
        let y = r.i("year");
        assert!((2017..=2020).contains(&y));
        let sp = r.f("share_principal");
        assert!((25_000.0..=35_000.0).contains(&sp));
        assert!(r.s("paid_date").starts_with(&format!("{y}-12-")));
        let e = by_year.entry(y).or_default();
        e.0.insert(r.s("household_code"));
        e.1 += r.f("amount");
        e.2 += sp;
        let old = principal.entry(r.s("investment_code")).or_default().insert(r.s("household_code"), sp);
        assert!(old.is_none_or(|o| o == sp), "share principal changes over years");
    }
    let inv_year: HashMap<&str, i64> = inv.iter().map(|r| (r.s("investment_code"), r.i("year"))).collect();
    for r in div.iter() {
        assert!(r.i("year") >= inv_year[r.s("investment_code")]);
    }
    for (y, (hs, amount, principal)) in &by_year {
        let avg = amount / hs.len() as f64;
        let yield_ = amount / principal;
        println!("{y}: {} households, average dividend {avg:.0}, yield {:.2} %", hs.len(), 100.0 * yield_);
        assert!(hs.len() >= 2_000 && avg >= 3_000.0 && (0.10..=0.125).contains(&yield_));
    }
    assert_eq!(by_year.keys().copied().collect::<Vec<_>>(), vec![2017, 2018, 2019, 2020]);
    for r in inv.iter() {
        assert!((2016..=2018).contains(&r.i("year")));
        assert!((0.10..=0.12).contains(&r.f("floor_rate")));
        let want: f64 = principal.get(r.s("investment_code")).map(|m| m.values().sum()).unwrap_or(0.0);
        assert_eq!(r.f("principal"), want, "principal of {}", r.s("investment_code"));
    }
    let ents = d.t("industry_entity");
    println!("entities {}, investments {}", ents.rows.len(), inv.rows.len());
    assert_eq!(ents.rows.len(), 80);
    for name in ["玛拉沁艾力养牛专业合作社", "义和碑村食用菌厂", "小黑山养牛专业合作社"] {
        assert!(ents.iter().any(|r| r.s("name") == name), "{name} missing");
    }
}

fn date(s: &str) -> super::out::Date {
    super::out::Date::ymd(s[..4].parse().unwrap(), s[5..7].parse().unwrap(), s[8..].parse().unwrap())
}

#[test]
fn revolving_loans() {
    let d = data();
    let l = d.t("revolving_loan");
    assert_eq!(l.rows.len(), 3_140);
    let hs: HashSet<&str> = l.iter().map(|r| r.s("household_code")).collect();
    assert_eq!(hs.len(), 3_140);
    let total: f64 = l.iter().map(|r| r.f("amount")).sum();
    assert_eq!(total, 56_550_000.0);
    let as_of = date("2020-12-31");
    let (mut due, mut on_time, mut late, mut open) = (0, 0, 0, 0);
    for r in l.iter() {
        let amount = r.f("amount");
        assert!([10_000.0, 15_000.0, 20_000.0, 25_000.0].contains(&amount));
        let issued = date(r.s("issued_date"));
        let due_d = date(r.s("due_date"));
        assert!((2016..=2019).contains(&issued.year()));
        assert!(due_d > issued && due_d <= issued.add_years(5) && due_d >= issued.add_years(3));
        let repaid = r.f("repaid_amount");
        assert!(repaid <= amount);
        let settled = r.s("settled_date");
        assert_eq!(!settled.is_empty(), repaid == amount);
        if !settled.is_empty() {
            let s = date(settled);
            assert!(s >= issued && s <= as_of);
        }
        if due_d <= as_of {
            due += 1;
            match settled {
                "" => open += 1,
                s if date(s) <= due_d => on_time += 1,
                _ => late += 1,
            }
        }
    }
    println!("loans due by 2020: {due}; on time {on_time}, late {late}, outstanding {open}");
    let share = |n: i32| n as f64 / due as f64;
    assert!((0.92..=0.98).contains(&share(on_time)) && share(late) < 0.06 && share(open) < 0.05);
}

#[test]
fn cadres_and_teams() {
    let d = data();
    let c = d.t("cadre");
    let helpers: HashSet<&str> = c.iter().filter(|r| r.s("role") == "帮扶责任人").map(|r| r.s("cadre_code")).collect();
    assert_eq!(helpers.len(), 2_074);
    assert_eq!(c.iter().filter(|r| r.s("role") == "第一书记").count(), 185);
    assert_eq!(c.iter().filter(|r| r.s("role") == "驻村工作队员").count(), 370);
    assert!(c.iter().all(|r| (r.s("role") == "帮扶责任人") == r.s("team_code").is_empty()));
    let mut load: HashMap<&str, usize> = HashMap::new();
    for r in d.t("household").iter() {
        assert!(helpers.contains(r.s("cadre_code")));
        *load.entry(r.s("cadre_code")).or_default() += 1;
    }
    assert!(load.values().all(|&n| n <= 5));
    let t = d.t("work_team");
    assert_eq!(t.rows.len(), 185);
    let team_v: HashSet<&str> = t.iter().map(|r| r.s("village_code")).collect();
    assert_eq!(team_v.len(), 185);
    for v in d.t("village").iter().filter(|r| r.b("is_poor")) {
        assert!(team_v.contains(v.s("village_code")));
    }
}

#[test]
fn risk_events_and_meetings() {
    let d = data();
    let hh: HashMap<&str, Row> = d.t("household").iter().map(|r| (r.s("household_code"), r)).collect();
    let mut registered: BTreeMap<i64, usize> = BTreeMap::new();
    for r in d.t("income_year").iter() {
        *registered.entry(r.i("year")).or_default() += 1;
    }
    let mut per_year: BTreeMap<i64, (usize, usize)> = BTreeMap::new();
    let (mut resolved, mut quick) = (0, 0);
    for r in d.t("risk_event").iter() {
        let y: i64 = r.s("detected_date")[..4].parse().unwrap();
        assert!((2017..=2020).contains(&y));
        let edge = r.s("monitored_group") == "边缘易致贫户";
        assert_eq!(edge, r.s("household_code").is_empty());
        let e = per_year.entry(y).or_default();
        if edge {
            e.1 += 1;
        } else {
            e.0 += 1;
            let h = hh[r.s("household_code")];
            let poor = h.i("exit_year") > y;
            assert_eq!(r.s("monitored_group"), if poor { "未脱贫户" } else { "脱贫监测户" });
        }
        if !r.s("resolved_date").is_empty() {
            let (det, res) = (date(r.s("detected_date")), date(r.s("resolved_date")));
            assert!(res >= det);
            resolved += 1;
            quick += ((res.0 - det.0) <= 120) as usize;
        }
    }
    for (y, (reg, edge)) in &per_year {
        let share = *reg as f64 / registered[y] as f64;
        println!("{y}: warnings {reg} ({:.2} % of registered), edge {edge}", share * 100.0);
        assert!((0.05..=0.08).contains(&share));
        assert!((*edge as f64 / *reg as f64 - 0.3).abs() < 0.05);
    }
    let total: usize = per_year.values().map(|v| v.0 + v.1).sum();
    println!("resolved {resolved} of {total}, within 120 days {quick}");
    assert!((quick as f64 / total as f64) > 0.75);

    let poor_v: HashSet<&str> = d.t("village").iter().filter(|r| r.b("is_poor")).map(|r| r.s("village_code")).collect();
    let mut per_vy: HashMap<(&str, &str), usize> = HashMap::new();
    for r in d.t("yipin_meeting").iter() {
        assert!(r.i("actions_done") <= r.i("issues_raised"));
        assert!((5..=40).contains(&r.i("visits")) && (1..=8).contains(&r.i("issues_raised")));
        assert!((1..=15).contains(&r.i("households_discussed")));
        assert!((85.0..=100.0).contains(&r.f("satisfaction")));
        *per_vy.entry((r.s("village_code"), &r.s("meeting_date")[..4])).or_default() += 1;
    }
    for ((v, _), n) in per_vy {
        assert_eq!(n, if poor_v.contains(v) { 12 } else { 4 });
    }
}

#[test]
fn poverty_lines() {
    let d = data();
    let got: Vec<(i64, String, String)> = d
        .t("poverty_line")
        .iter()
        .map(|r| (r.i("year"), r.s("poverty_line").to_string(), r.s("monitoring_line").to_string()))
        .collect();
    let want = [(2014, 2800, 4200), (2015, 2855, 4283), (2016, 2952, 4428), (2017, 3335, 5003), (2018, 3535, 5303), (2019, 3747, 5621), (2020, 4000, 6000)];
    assert_eq!(got, want.iter().map(|&(y, l, m)| (y, l.to_string(), m.to_string())).collect::<Vec<_>>());
}

#[test]
fn deterministic_and_seeded() {
    let d = data();
    let again = temp_dir("again");
    generate(&again, &SampleOptions { scale: 1, seed: test_seed() }).unwrap();
    let again_files = read_bytes(&again);
    for t in TABLES {
        assert!(d.files[t.name] == again_files[t.name], "{}.csv differs between runs", t.name);
    }
    let other = temp_dir("seed7");
    let s = generate(&other, &SampleOptions { scale: 1, seed: test_seed() ^ 7 }).unwrap();
    assert!(d.files["member"] != std::fs::read(other.join("member.csv")).unwrap());
    let counts: HashMap<&str, usize> = s.rows.iter().copied().collect();
    for t in ["war_zone", "township", "village", "household", "member", "revolving_loan", "aid_measure"] {
        assert_eq!(counts[t], d.t(t).rows.len(), "{t} count with another seed");
    }
    let o = read_all(&other);
    let total: f64 = o["revolving_loan"].iter().map(|r| r.f("amount")).sum();
    assert_eq!(total, 56_550_000.0);
    let _ = std::fs::remove_dir_all(&again);
    let _ = std::fs::remove_dir_all(&other);
}

#[test]
fn scale_two_doubles_the_counts() {
    let dir = temp_dir("scale2");
    let s = generate(&dir, &SampleOptions { scale: 2, seed: 2014 }).unwrap();
    let counts: HashMap<&str, usize> = s.rows.iter().copied().collect();
    assert_eq!(counts["township"], 19);
    assert_eq!(counts["village"], 412);
    assert_eq!(counts["household"], 17_276);
    assert_eq!(counts["member"], 43_308);
    assert_eq!(counts["work_team"], 370);
    let t = read_all(&dir);
    let total: f64 = t["revolving_loan"].iter().map(|r| r.f("amount")).sum();
    assert_eq!(total, 113_100_000.0);
    let _ = std::fs::remove_dir_all(&dir);
}
