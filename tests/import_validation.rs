//! Import validation: every kind of bad input is reported as
//! `file:row:column: found …, expected …`, all at once, and leaves the
//! database exactly as it was; good input in GBK, with Chinese headers, in
//! Excel, and re-imports land as expected.

mod common;

use std::path::{Path, PathBuf};

use common::{fingerprint, sample_db, sample_dir, scalar_i64};
use jingzhun::import::{import_paths, ImportOptions, ImportReport};

/// The header and first data row of a sample table, to build test rows from.
fn template(table: &str) -> (Vec<String>, Vec<String>) {
    let mut r = csv::Reader::from_path(sample_dir().join(format!("{table}.csv"))).unwrap();
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let row = r.records().next().unwrap().unwrap().iter().map(String::from).collect();
    (header, row)
}

fn set(header: &[String], row: &mut [String], col: &str, value: &str) {
    let i = header.iter().position(|h| h == col).unwrap_or_else(|| panic!("no column {col}"));
    row[i] = value.to_string();
}

fn write_csv(dir: &Path, name: &str, header: &[String], rows: &[Vec<String>]) -> PathBuf {
    let path = dir.join(name);
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(header).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
    path
}

fn import(db: &Path, paths: &[PathBuf], opts: &ImportOptions) -> ImportReport {
    let mut conn = jingzhun::store::open_rw(db).unwrap();
    import_paths(&mut conn, paths, opts).unwrap()
}

/// A new household row built from the sample's first one.
fn household(code: &str) -> (Vec<String>, Vec<String>) {
    let (h, mut r) = template("household");
    set(&h, &mut r, "household_code", code);
    (h, r)
}

fn assert_problem(report: &ImportReport, wanted: &str) {
    assert!(
        report.problems.iter().any(|p| p.to_string().starts_with(wanted)),
        "no problem starting with {wanted:?} in:\n{}",
        report.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn every_kind_of_bad_value_is_reported_with_file_row_column_and_nothing_lands() {
    let db = sample_db();
    let before = fingerprint(&db.path);
    let dir = tempfile::tempdir().unwrap();

    // household.csv: one good row and one bad row per rule.
    let (h, good) = household("1505269990010001");
    let mut rows = vec![good];
    let mut bad = |code: &str, col: &str, value: &str| {
        let (_, mut r) = household(code);
        set(&h, &mut r, col, value);
        rows.push(r);
    };
    bad("1505269990010002", "size", "abc"); // row 3: type
    bad("1505269990010003", "size", "21"); // row 4: range
    bad("1505269990010004", "head_name", ""); // row 5: required
    bad("1505269990010005", "village_code", "150526999999"); // row 6: unknown code
    bad("1505269990010006", "main_cause", "运气不好"); // row 7: enum
    bad("1505269990010001", "size", "2"); // row 8: duplicate of row 2
    let hh = write_csv(dir.path(), "household.csv", &h, &rows);

    // income_year.csv: a negative income.
    let (ih, mut ir) = template("income_year");
    set(&ih, &mut ir, "wage_income", "-5");
    let inc = write_csv(dir.path(), "income_year.csv", &ih, &[ir]);

    // revolving_loan.csv: too large, due too late.
    let (lh, mut l1) = template("revolving_loan");
    set(&lh, &mut l1, "loan_code", "L-TEST-1");
    set(&lh, &mut l1, "amount", "30000");
    let mut l2 = l1.clone();
    set(&lh, &mut l2, "loan_code", "L-TEST-2");
    set(&lh, &mut l2, "amount", "20000");
    set(&lh, &mut l2, "repaid_amount", "0");
    set(&lh, &mut l2, "settled_date", "");
    set(&lh, &mut l2, "issued_date", "2016-03-01");
    set(&lh, &mut l2, "due_date", "2021-03-02");
    let loans = write_csv(dir.path(), "revolving_loan.csv", &lh, &[l1, l2]);

    // member.csv: an ID-card number with a wrong check digit.
    let (mh, mut mr) = template("member");
    set(&mh, &mut mr, "member_code", "150526999001000101");
    let id = mr[mh.iter().position(|c| c == "id_number").unwrap()].clone();
    let wrong_last = if id.ends_with('1') { "2" } else { "1" };
    set(&mh, &mut mr, "id_number", &format!("{}{}", &id[..17], wrong_last));
    let members = write_csv(dir.path(), "member.csv", &mh, &[mr]);

    let report = import(&db.path, &[hh, inc, loans, members], &ImportOptions::default());
    assert!(!report.committed);
    assert_problem(&report, "household.csv:3:size: found \"abc\", expected a whole number from 1 to 20");
    assert_problem(&report, "household.csv:4:size: found \"21\", expected a whole number from 1 to 20");
    assert_problem(&report, "household.csv:5:head_name: required value is missing");
    assert_problem(&report, "household.csv:6:village_code: found \"150526999999\", expected a code that exists in table village");
    assert_problem(&report, "household.csv:7:main_cause: found \"运气不好\", expected one of 因病");
    assert_problem(&report, "household.csv:8:household_code: found duplicate key household_code=1505269990010001, already at household.csv:2");
    assert_problem(&report, "income_year.csv:2:wage_income: found \"-5\", expected an amount in yuan");
    assert_problem(&report, "revolving_loan.csv:2:amount: found \"30000\", expected an amount in yuan from 0.01 to 25000");
    assert_problem(&report, "revolving_loan.csv:3:due_date: found due date 2021-03-02, expected at most 5 years after issue");
    assert_problem(&report, "member.csv:2:id_number: found \"");
    assert!(report.problems.iter().any(|p| p.message.contains("check digit")));
    // All problems at once, not just the first.
    assert!(report.problem_count >= 10, "{}", report.problem_count);
    assert_eq!(fingerprint(&db.path), before, "a rejected import changed the database");

    // The command line says the same and exits non-zero.
    let (code, _, stderr) = common::run_cli(
        &["import", "--db", db.path.to_str().unwrap(), dir.path().join("household.csv").to_str().unwrap()],
        None,
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("household.csv:3:size: found \"abc\""), "{stderr}");
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    assert_eq!(fingerprint(&db.path), before);
}

#[test]
fn malformed_files_are_reported_not_half_imported() {
    let db = sample_db();
    let before = fingerprint(&db.path);
    let dir = tempfile::tempdir().unwrap();
    let (h, good) = household("1505269990020001");
    let header = h.join(",");
    let line = good.join(",");
    let cases: Vec<(&str, String, &str)> = vec![
        ("empty.csv", String::new(), "empty.csv: the file is empty"),
        ("household_short.csv", format!("{header}\n{line}\n1505269990020002,150526100001\n"), "household_short.csv:3: found 2 fields, expected"),
        ("household_nohead.csv", "a,b,c\n1,2,3\n".into(), "household_nohead.csv:1:户编号: the header has no column 户编号"),
        ("whatever.csv", "x,y\n1,2\n".into(), "whatever.csv: cannot tell which table"),
    ];
    for (name, text, wanted) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let report = import(&db.path, &[path], &ImportOptions::default());
        assert!(!report.committed, "{name}");
        assert_problem(&report, wanted);
        assert_eq!(fingerprint(&db.path), before, "{name} changed the database");
    }
}

#[test]
fn gbk_file_with_chinese_headers_imports() {
    let db = sample_db();
    let dir = tempfile::tempdir().unwrap();
    let table = jingzhun::store::tables::table("household").unwrap();
    let (h, mut r) = household("1505269990030001");
    set(&h, &mut r, "head_name", "巴特尔");
    // Chinese headers of the national system, in the sample's column order.
    let zh: Vec<String> = h.iter().map(|c| table.column(c).unwrap().zh.to_string()).collect();
    assert!(zh.contains(&"户编号".to_string()) && zh.contains(&"主要致贫原因".to_string()));
    let mut text = zh.join(",") + "\n" + &r.join(",") + "\n";
    text = text.replace(",true,", ",是,").replace(",false,", ",否,");
    let (bytes, _, bad) = encoding_rs::GBK.encode(&text);
    assert!(!bad);
    let path = dir.path().join("贫困户.csv");
    std::fs::write(&path, &bytes).unwrap();
    let report = import(&db.path, &[path], &ImportOptions::default());
    assert!(report.committed, "{:?}", report.problems);
    assert_eq!(report.files[0].encoding, "GB18030");
    assert_eq!(report.files[0].table, "household");
    let conn = jingzhun::store::open_ro(&db.path).unwrap();
    let name: String = conn
        .query_row("SELECT head_name FROM household WHERE household_code = '1505269990030001'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(name, "巴特尔");
}

#[test]
fn reimport_updates_by_natural_key_without_duplicates() {
    let db = sample_db();
    let dir = tempfile::tempdir().unwrap();
    let src = sample_dir().join("household.csv");
    let mut text = std::fs::read_to_string(&src).unwrap();
    let (h, first) = template("household");
    let name_at = h.iter().position(|c| c == "head_name").unwrap();
    let old_line = first.join(",");
    let mut changed = first.clone();
    changed[name_at] = "新户主".into();
    assert!(text.contains(&old_line));
    text = text.replacen(&old_line, &changed.join(","), 1);
    let path = dir.path().join("household.csv");
    std::fs::write(&path, text).unwrap();
    let report = import(&db.path, &[path], &ImportOptions::default());
    assert!(report.committed, "{:?}", report.problems);
    assert_eq!((report.files[0].inserted, report.files[0].updated), (0, 8_638));
    let conn = jingzhun::store::open_ro(&db.path).unwrap();
    assert_eq!(scalar_i64(&conn, "SELECT count(*) FROM household"), 8_638);
    let name: String = conn
        .query_row("SELECT head_name FROM household WHERE household_code = ?", [&first[0]], |r| r.get(0))
        .unwrap();
    assert_eq!(name, "新户主");
    assert_eq!(scalar_i64(&conn, "SELECT count(*) FROM import_batch WHERE table_name = 'household'"), 2);
}

#[test]
fn skip_invalid_lands_good_rows_and_writes_rejects() {
    let db = sample_db();
    let dir = tempfile::tempdir().unwrap();
    let (h, a) = household("1505269990040001");
    let (_, b) = household("1505269990040002");
    let (_, mut c) = household("1505269990040003");
    set(&h, &mut c, "size", "0");
    let path = write_csv(dir.path(), "household.csv", &h, &[a, b, c]);
    let rejects = dir.path().join("rejects");
    let opts = ImportOptions { skip_invalid: true, rejects_dir: Some(rejects.clone()), ..Default::default() };
    let report = import(&db.path, &[path], &opts);
    assert!(report.committed);
    assert_eq!((report.files[0].accepted, report.files[0].rejected), (2, 1));
    let conn = jingzhun::store::open_ro(&db.path).unwrap();
    assert_eq!(scalar_i64(&conn, "SELECT count(*) FROM household WHERE household_code LIKE '150526999004%'"), 2);
    assert_eq!(scalar_i64(&conn, "SELECT rows_rejected FROM import_batch ORDER BY batch_id DESC LIMIT 1"), 1);
    let text = std::fs::read_to_string(rejects.join("household.csv.rejects.csv")).unwrap();
    let text = text.strip_prefix('\u{FEFF}').expect("rejects CSV starts with a BOM for spreadsheets");
    let mut r = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(r.headers().unwrap().iter().take(3).collect::<Vec<_>>(), ["row", "problems", "household_code"]);
    let rows: Vec<csv::StringRecord> = r.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][0], "4");
    assert_eq!(&rows[0][1], "household.csv:4:size: found \"0\", expected a whole number from 1 to 20");
    assert_eq!(&rows[0][2], "1505269990040003");
}

/// A file longer than the parser's chunks (4,096 records): problems on
/// either side of each chunk's edge keep their own rows, a duplicate far
/// from its first row still names it, the rejects file holds the bad rows'
/// cells, and every good row lands.
#[test]
fn rows_past_the_parsers_chunks_keep_their_numbers() {
    let db = sample_db();
    let dir = tempfile::tempdir().unwrap();
    let (h, _) = household("1505269990050001");
    let mut rows: Vec<Vec<String>> = (0..9_000).map(|i| household(&format!("15052699905{i:05}")).1).collect();
    // Records 4094, 4095 | 4096 (the first of the second chunk) and 8192
    // (the first of the third): spreadsheet rows 4096, 4097, 4098, 8194.
    for i in [4094, 4095, 4096, 8192] {
        set(&h, &mut rows[i], "size", "abc");
    }
    // The last record (row 9001) repeats the first's key (row 2).
    let first_code = rows[0][0].clone();
    rows[8999][0] = first_code.clone();
    let path = write_csv(dir.path(), "household.csv", &h, &rows);
    let rejects = dir.path().join("rejects");
    let opts = ImportOptions { skip_invalid: true, rejects_dir: Some(rejects.clone()), ..Default::default() };
    let report = import(&db.path, &[path], &opts);
    assert!(report.committed, "{:?}", report.problems);
    assert_eq!((report.files[0].accepted, report.files[0].rejected), (8_995, 5));
    let problems: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    for row in [4096, 4097, 4098, 8194] {
        assert!(problems.iter().any(|p| p.starts_with(&format!("household.csv:{row}:size: found \"abc\""))), "row {row}: {problems:?}");
    }
    assert!(
        problems.iter().any(|p| p.starts_with("household.csv:9001:household_code: found duplicate key") && p.contains("already at household.csv:2")),
        "{problems:?}"
    );
    assert_eq!(problems.len(), 5, "{problems:?}");
    let text = std::fs::read_to_string(rejects.join("household.csv.rejects.csv")).unwrap();
    let mut r = csv::Reader::from_reader(text.trim_start_matches('\u{FEFF}').as_bytes());
    let rejected: Vec<(String, String)> = r.records().map(|r| r.unwrap()).map(|r| (r[0].to_string(), r[2].to_string())).collect();
    let expected: Vec<(String, String)> = [4094usize, 4095, 4096, 8192]
        .iter()
        .map(|&i| ((i + 2).to_string(), format!("15052699905{i:05}")))
        .chain([("9001".to_string(), first_code)])
        .collect();
    assert_eq!(rejected, expected);
    let conn = jingzhun::store::open_ro(&db.path).unwrap();
    assert_eq!(scalar_i64(&conn, "SELECT count(*) FROM household WHERE household_code LIKE '15052699905%'"), 8_995);
}

#[test]
fn excel_workbook_with_chinese_headers_and_dates_imports() {
    let db = sample_db();
    let dir = tempfile::tempdir().unwrap();
    let (_, loan) = template("revolving_loan");
    let household_code = loan[1].clone();
    let path = dir.path().join("周转金.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let head = ["借款编号", "户编号", "借款金额", "发放日期", "应还日期", "已还金额", "结清日期", "用途"];
    for (c, h) in head.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    ws.write_string(1, 0, "L-XLSX-1").unwrap();
    ws.write_string(1, 1, &household_code).unwrap();
    ws.write_number(1, 2, 20000.0).unwrap();
    let issued = rust_xlsxwriter::ExcelDateTime::from_ymd(2017, 4, 1).unwrap();
    ws.write_datetime_with_format(1, 3, &issued, &date_format).unwrap();
    ws.write_string(1, 4, "2020年4月1日").unwrap();
    ws.write_number(1, 5, 20000.0).unwrap();
    ws.write_string(1, 6, "2020/3/15").unwrap();
    ws.write_string(1, 7, "养殖").unwrap();
    wb.save(&path).unwrap();

    let report = import(&db.path, &[path], &ImportOptions::default());
    assert!(report.committed, "{:?}", report.problems);
    assert_eq!(report.files[0].table, "revolving_loan");
    let conn = jingzhun::store::open_ro(&db.path).unwrap();
    let (issued, due, settled): (String, String, String) = conn
        .query_row(
            "SELECT issued_date::VARCHAR, due_date::VARCHAR, settled_date::VARCHAR FROM revolving_loan WHERE loan_code = 'L-XLSX-1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((issued.as_str(), due.as_str(), settled.as_str()), ("2017-04-01", "2020-04-01", "2020-03-15"));
}

#[test]
fn trailing_empty_header_cells_and_same_named_files_in_two_folders() {
    let db = sample_db();
    let dir = tempfile::tempdir().unwrap();
    // A stray delimiter ends the header line: still one table of 19 columns.
    let (h, a) = household("1505269990050001");
    let path = dir.path().join("household.csv");
    std::fs::write(&path, format!("{},\n{}\n", h.join(","), a.join(","))).unwrap();
    let report = import(&db.path, &[path], &ImportOptions::default());
    assert!(report.committed, "{:?}", report.problems);
    assert_eq!(report.files[0].inserted, 1);

    // Two folders with a household.csv each: two rejects files, none lost.
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    for (d, code) in [(&one, "1505269990050002"), (&two, "1505269990050003")] {
        std::fs::create_dir_all(d).unwrap();
        let (h, mut r) = household(code);
        set(&h, &mut r, "size", "0");
        write_csv(d, "household.csv", &h, &[r]);
    }
    let rejects = dir.path().join("rejects");
    let opts = ImportOptions { skip_invalid: true, rejects_dir: Some(rejects.clone()), ..Default::default() };
    let report = import(&db.path, &[one, two], &opts);
    assert!(report.committed);
    let mut files: Vec<String> = std::fs::read_dir(&rejects).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    files.sort();
    assert_eq!(files, ["household.csv-2.rejects.csv", "household.csv.rejects.csv"]);
}
