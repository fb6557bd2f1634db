//! The summary tables (migration 5) always hold exactly the rows of their
//! definitions: after a first import, after a re-import that changes rows,
//! and not after a dry run (which changes nothing). Also: re-imports keep
//! one row per natural key now that the tables carry no key index
//! (migration 4).

mod common;

use common::{sample_db, scalar_i64};
use jingzhun::import::{import_paths, ImportOptions};
use jingzhun::store::{tables::TABLES, SUMMARIES};

/// Rows in the summary table but not its definition, and the reverse.
fn differences(conn: &duckdb::Connection) -> Vec<(String, i64, i64)> {
    SUMMARIES
        .iter()
        .map(|s| {
            let extra = scalar_i64(conn, &format!("SELECT count(*) FROM (SELECT * FROM {s} EXCEPT ALL SELECT * FROM {s}_def)"));
            let missing = scalar_i64(conn, &format!("SELECT count(*) FROM (SELECT * FROM {s}_def EXCEPT ALL SELECT * FROM {s})"));
            (s.to_string(), extra, missing)
        })
        .filter(|(_, e, m)| *e != 0 || *m != 0)
        .collect()
}

fn keys_are_unique(conn: &duckdb::Connection) {
    for t in TABLES {
        let key = t.key.join(", ");
        let dup = scalar_i64(conn, &format!("SELECT count(*) FROM (SELECT {key} FROM {} GROUP BY {key} HAVING count(*) > 1)", t.name));
        assert_eq!(dup, 0, "{}: keys ({key}) repeated", t.name);
    }
}

#[test]
fn summaries_follow_every_import_and_no_dry_run() {
    let db = sample_db();
    let mut conn = jingzhun::store::open_rw(&db.path).unwrap();
    assert_eq!(differences(&conn), vec![], "after the first import");
    for s in SUMMARIES {
        assert!(scalar_i64(&conn, &format!("SELECT count(*) FROM {s}")) > 0, "{s} is empty");
    }
    let income_before = scalar_i64(&conn, "SELECT sum(wage_income)::BIGINT FROM income_household_year");

    // Every household's wage income doubled, and a third of the households
    // exit a year later: the income and poverty summaries must follow.
    let dir = tempfile::tempdir().unwrap();
    let sample = common::sample_dir();
    let mut income = csv::Reader::from_path(sample.join("income_year.csv")).unwrap();
    let header = income.headers().unwrap().clone();
    let wage = header.iter().position(|h| h == "wage_income").unwrap();
    let mut out = csv::Writer::from_path(dir.path().join("income_year.csv")).unwrap();
    out.write_record(&header).unwrap();
    for r in income.records() {
        let r = r.unwrap();
        let row: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, v)| if i == wage { (v.parse::<i64>().unwrap() * 2).to_string() } else { v.to_string() })
            .collect();
        out.write_record(&row).unwrap();
    }
    out.flush().unwrap();
    let mut households = csv::Reader::from_path(sample.join("household.csv")).unwrap();
    let header = households.headers().unwrap().clone();
    let exit = header.iter().position(|h| h == "exit_year").unwrap();
    let mut out = csv::Writer::from_path(dir.path().join("household.csv")).unwrap();
    out.write_record(&header).unwrap();
    for (n, r) in households.records().enumerate() {
        let r = r.unwrap();
        let row: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, v)| match (i == exit && n % 3 == 0, v.parse::<i64>()) {
                (true, Ok(y)) if y < 2020 => (y + 1).to_string(),
                _ => v.to_string(),
            })
            .collect();
        out.write_record(&row).unwrap();
    }
    out.flush().unwrap();
    let poor_before = scalar_i64(&conn, "SELECT count(*) FROM poor_household_year");

    // A dry run computes the merge and rolls back: summaries unchanged.
    let dry = import_paths(&mut conn, &[dir.path().to_path_buf()], &ImportOptions { dry_run: true, ..Default::default() }).unwrap();
    assert!(!dry.committed);
    assert_eq!(scalar_i64(&conn, "SELECT sum(wage_income)::BIGINT FROM income_household_year"), income_before);
    assert_eq!(differences(&conn), vec![], "after a dry run");

    let report = import_paths(&mut conn, &[dir.path().to_path_buf()], &ImportOptions::default()).unwrap();
    assert!(report.committed, "{:?}", &report.problems[..report.problems.len().min(5)]);
    assert!(report.files.iter().all(|f| f.updated == f.accepted && f.inserted == 0), "a re-import updates: {:?}", report.files);
    assert_eq!(differences(&conn), vec![], "after a re-import that changed rows");
    assert_eq!(scalar_i64(&conn, "SELECT sum(wage_income)::BIGINT FROM income_household_year"), 2 * income_before);
    assert!(scalar_i64(&conn, "SELECT count(*) FROM poor_household_year") > poor_before, "later exits keep households poor longer");
    keys_are_unique(&conn);
}
