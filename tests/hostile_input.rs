//! Hostile and broken input (tests/data/hostile/README.md): one test per
//! kind of bad file, each through the real import, asserting the exact
//! message (file, row, column, what was expected) or the imported values,
//! and that every refused import leaves the database exactly as it was.
//! Then formula-like text exported over HTTP, and property tests that feed
//! random and mutated files to the readers and the import, and random
//! strings to the query-parameter parser.

mod common;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::{fingerprint, sample_dir, TempDb};
use jingzhun::import::{import_paths, ImportOptions, ImportReport};

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hostile").join(name)
}

/// A copy of a database holding the scale-1 sample (built once per binary).
fn fresh_db() -> TempDb {
    static TEMPLATE: OnceLock<TempDb> = OnceLock::new();
    let template = TEMPLATE.get_or_init(common::sample_db);
    let db = common::temp_db();
    std::fs::copy(&template.path, &db.path).unwrap();
    let wal = template.path.with_extension("duckdb.wal");
    if wal.exists() {
        std::fs::copy(&wal, db.path.with_extension("duckdb.wal")).unwrap();
    }
    db
}

fn import(db: &Path, paths: &[PathBuf]) -> ImportReport {
    let mut conn = jingzhun::store::open_rw(db).unwrap();
    import_paths(&mut conn, paths, &ImportOptions::default()).unwrap()
}

fn problems(report: &ImportReport) -> String {
    report.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n")
}

/// Imports `paths`, asserts it was refused with a problem that starts with
/// `wanted`, and that the database did not change.
fn refused(paths: &[PathBuf], wanted: &str) -> ImportReport {
    let db = fresh_db();
    let before = fingerprint(&db.path);
    let report = import(&db.path, paths);
    assert!(!report.committed, "{wanted}: the import committed");
    assert!(
        report.problems.iter().any(|p| p.to_string().starts_with(wanted)),
        "no problem starting with {wanted:?} in:\n{}",
        problems(&report)
    );
    assert_eq!(fingerprint(&db.path), before, "a refused import changed the database");
    report
}

/// Imports `paths` and asserts it committed; returns the database.
fn accepted(paths: &[PathBuf]) -> (TempDb, ImportReport) {
    let db = fresh_db();
    let report = import(&db.path, paths);
    assert!(report.committed, "refused:\n{}", problems(&report));
    (db, report)
}

fn text(db: &Path, sql: &str) -> String {
    let conn = jingzhun::store::open_ro(db).unwrap();
    conn.query_row(sql, [], |r| r.get::<_, String>(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn count(db: &Path, sql: &str) -> i64 {
    let conn = jingzhun::store::open_ro(db).unwrap();
    common::scalar_i64(&conn, sql)
}

// ------------------------------------------------------------------ CSV files

#[test]
fn truncated_file_is_refused_naming_the_cut_row() {
    refused(&[corpus("household_truncated.csv")], "household_truncated.csv:4: the file ends in the middle of a character: it looks cut off");
    refused(&[corpus("household_cut_line.csv")], "household_cut_line.csv:4: found 5 fields, expected 19 as in the header (a quote left open, a wrong delimiter or a cut-off line?)");
}

#[test]
fn wrong_delimiters_are_named() {
    refused(
        &[corpus("household_fullwidth_commas.csv")],
        "household_fullwidth_commas.csv:1: the header is one single cell: the file seems separated by full-width commas (，); expected cells separated by commas, tabs or semicolons",
    );
    let report = refused(&[corpus("household_mixed_delimiters.csv")], "household_mixed_delimiters.csv:2: found 1 fields, expected 19");
    assert_eq!(report.problem_count, 2, "{}", problems(&report));
}

#[test]
fn unbalanced_quote_names_the_row_it_opens_in() {
    let report = refused(
        &[corpus("household_unbalanced_quote.csv")],
        "household_unbalanced_quote.csv:3: a quote (\") opened in this row is never closed, so the rest of the file (3 more lines) was read as one cell",
    );
    assert_eq!(report.problem_count, 1, "{}", problems(&report));
}

#[test]
fn mixed_encodings_name_the_odd_row() {
    refused(
        &[corpus("household_mixed_utf8_gbk.csv")],
        "household_mixed_utf8_gbk.csv:4: row 4 is in GBK/GB18030 while the rest of the file is UTF-8: the file mixes encodings",
    );
    refused(
        &[corpus("household_mixed_gbk_utf8.csv")],
        "household_mixed_gbk_utf8.csv:3: row 3 is in UTF-8 while the rest of the file is GBK/GB18030: the file mixes encodings",
    );
}

#[test]
fn bom_in_the_middle_is_stripped_and_a_pasted_header_skipped() {
    let (db, report) = accepted(&[corpus("household_bom_middle.csv")]);
    assert_eq!(report.files[0].inserted, 4);
    assert_eq!(report.files[0].warnings, ["row 4 repeats the header and was skipped"]);
    assert_eq!(count(&db.path, "SELECT count(*) FROM household WHERE household_code LIKE '150526999010000%'"), 4);
    assert_eq!(text(&db.path, "SELECT head_name FROM household WHERE household_code = '1505269990100004'"), "张桂兰");
}

#[test]
fn header_repeated_mid_file_is_skipped_with_a_warning() {
    let (db, report) = accepted(&[corpus("household_repeated_header.csv")]);
    assert_eq!((report.files[0].inserted, report.files[0].rejected), (3, 0));
    assert_eq!(report.files[0].warnings, ["row 4 repeats the header and was skipped"]);
    assert_eq!(count(&db.path, "SELECT count(*) FROM household WHERE household_code LIKE '150526999010000%'"), 3);
    // The command line shows the warning.
    let (code, _, stderr) = common::run_cli(
        &["import", "--db", fresh_db().path.to_str().unwrap(), corpus("household_repeated_header.csv").to_str().unwrap()],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("household_repeated_header.csv: warning: row 4 repeats the header and was skipped"), "{stderr}");
}

#[test]
fn nul_bytes_are_refused_with_row_and_column() {
    refused(
        &[corpus("household_nul.csv")],
        "household_nul.csv:3:head_name: found \"巴特\u{2400}尔\", expected text of at most 100 characters without control characters",
    );
    refused(&[corpus("household_binary.csv")], "household_binary.csv: the file holds binary data (602 NUL bytes in its first 1120 bytes), not text");
}

#[test]
fn utf16_without_byte_order_mark_imports() {
    let (db, report) = accepted(&[corpus("household_utf16_nobom.csv")]);
    assert_eq!(report.files[0].encoding, "UTF-16LE");
    assert_eq!(text(&db.path, "SELECT head_name FROM household WHERE household_code = '1505269990100002'"), "巴特尔");
}

#[test]
fn numbers_with_separators_and_full_width_digits_import() {
    let (db, _) = accepted(&[corpus("income_year_numbers.csv")]);
    let row = text(
        &db.path,
        "SELECT concat_ws('|', wage_income, operating_income, property_income, transfer_income, operating_cost, persons) \
         FROM income_year WHERE household_code = '1505261000010001' AND year = 2021",
    );
    assert_eq!(row, "3914.00|1234.00|260.00|1234.50|828.00|4");
    assert_eq!(text(&db.path, "SELECT CAST(wage_income AS VARCHAR) FROM income_year WHERE household_code = '1505261000010002' AND year = 2021"), "12345.00");
    let report = refused(&[corpus("income_year_ambiguous.csv")], "income_year_ambiguous.csv:2:wage_income: found \"1,23\", expected an amount in yuan");
    assert!(problems(&report).contains("income_year_ambiguous.csv:3:wage_income: found \"1.234,5\""), "{}", problems(&report));
}

#[test]
fn dates_in_chinese_compact_and_serial_forms_import() {
    let (db, _) = accepted(&[corpus("revolving_loan_dates.csv")]);
    let dates = |code: &str| {
        text(
            &db.path,
            &format!("SELECT concat_ws('|', issued_date, due_date, coalesce(CAST(settled_date AS VARCHAR), '-')) FROM revolving_loan WHERE loan_code = '{code}'"),
        )
    };
    assert_eq!(dates("LH-1"), "2016-03-05|2020-03-05|-");
    assert_eq!(dates("LH-2"), "2016-03-05|2019-03-05|2019-03-01");
    assert_eq!(dates("LH-3"), "2016-03-05|2018-03-05|-");
}

#[test]
fn million_character_field_is_refused_quickly_with_its_length() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("household_long.csv");
    let sample = std::fs::read_to_string(sample_dir().join("household.csv")).unwrap();
    let mut lines = sample.lines();
    let header = lines.next().unwrap();
    let mut cells: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    cells[0] = "1505269990200001".into();
    cells[2] = "长".repeat(1_000_000);
    std::fs::write(&path, format!("{header}\n{}\n", cells.join(","))).unwrap();
    let started = Instant::now();
    let report = refused(&[path], "household_long.csv:2:head_name: found \"长长长");
    assert!(problems(&report).contains("…\" (1000000 characters), expected text of at most 100 characters"), "{}", problems(&report));
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
}

// ------------------------------------------------------------------ workbooks

/// The sample's household header (English names), in the sample's order.
fn household_header() -> Vec<String> {
    let sample = std::fs::read_to_string(sample_dir().join("household.csv")).unwrap();
    sample.lines().next().unwrap().split(',').map(String::from).collect()
}

fn household_row(code: &str) -> Vec<String> {
    let sample = std::fs::read_to_string(sample_dir().join("household.csv")).unwrap();
    let mut cells: Vec<String> = sample.lines().nth(1).unwrap().split(',').map(String::from).collect();
    cells[0] = code.into();
    cells
}

/// A household workbook the way the national system exports it: a title
/// merged across the top, a two-row header (group headings merged across
/// columns, the first three column names merged down over both rows), and
/// empty rows between the data.
fn merged_header_workbook(path: &Path, bad_size_in_last_row: bool) {
    let table = jingzhun::store::tables::table("household").unwrap();
    let header = household_header();
    let zh: Vec<&str> = header.iter().map(|h| table.column(h).unwrap().zh).collect();
    let last = (header.len() - 1) as u16;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("贫困户").unwrap();
    let plain = rust_xlsxwriter::Format::new();
    ws.merge_range(0, 0, 0, last, "扎鲁特旗建档立卡贫困户信息表", &plain).unwrap();
    for c in 0..3u16 {
        ws.merge_range(1, c, 2, c, zh[c as usize], &plain).unwrap();
    }
    ws.merge_range(1, 3, 1, last, "家庭基本情况", &plain).unwrap();
    for c in 3..=last {
        ws.write_string(2, c, zh[c as usize]).unwrap();
    }
    // Data in spreadsheet rows 4, 6 and 9; rows 5, 7 and 8 are empty.
    for (r, code) in [(3u32, "1505269990300001"), (5, "1505269990300002"), (8, "1505269990300003")] {
        let mut cells = household_row(code);
        if bad_size_in_last_row && r == 8 {
            cells[3] = "abc".into();
        }
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(r, c as u16, v).unwrap();
        }
    }
    wb.save(path).unwrap();
}

#[test]
fn excel_with_merged_header_cells_and_empty_rows_imports() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("household_merged.xlsx");
    merged_header_workbook(&path, false);
    let (db, report) = accepted(&[path]);
    assert_eq!(report.files[0].inserted, 3, "{:?}", report.files[0]);
    assert_eq!(count(&db.path, "SELECT count(*) FROM household WHERE household_code LIKE '150526999030000%'"), 3);
    // A bad value after the empty rows is reported at the row Excel shows.
    let bad = dir.path().join("household_merged_bad.xlsx");
    merged_header_workbook(&bad, true);
    refused(&[bad], "household_merged_bad.xlsx[贫困户]:9:家庭人口: found \"abc\", expected a whole number from 1 to 20");
}

#[test]
fn excel_formulas_import_their_calculated_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("household_formulas.xlsx");
    let header = household_header();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("household").unwrap();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    for (c, v) in household_row("1505269990400001").iter().enumerate() {
        ws.write_string(1, c as u16, v).unwrap();
    }
    // 家庭人口 = 1+3 and 劳动力人数 = D2-1, with the values Excel saved.
    ws.write_formula(1, 3, rust_xlsxwriter::Formula::new("=1+3").set_result("4")).unwrap();
    ws.write_formula(1, 4, rust_xlsxwriter::Formula::new("=D2-1").set_result("3")).unwrap();
    wb.save(&path).unwrap();
    let (db, _) = accepted(&[path]);
    assert_eq!(text(&db.path, "SELECT concat(size, '/', labour_count) FROM household WHERE household_code = '1505269990400001'"), "4/3");
}

/// A zip archive written by hand, so that a part can carry any (packed)
/// bytes: (name, method 0 stored or 8 deflated, packed bytes, CRC-32,
/// unpacked size).
fn zip_bytes(parts: &[(&str, u16, Vec<u8>, u32, u32)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, method, data, crc, size) in parts {
        let offset = out.len() as u32;
        let header = |sig: u32, central: bool| {
            let mut h = Vec::new();
            h.extend(sig.to_le_bytes());
            if central {
                h.extend(20u16.to_le_bytes());
            }
            h.extend(20u16.to_le_bytes());
            h.extend(0u16.to_le_bytes()); // flags
            h.extend(method.to_le_bytes());
            h.extend(0u16.to_le_bytes()); // time
            h.extend(0x21u16.to_le_bytes()); // date: 1980-01-01
            h.extend(crc.to_le_bytes());
            h.extend((data.len() as u32).to_le_bytes());
            h.extend(size.to_le_bytes());
            h.extend((name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes()); // extra
            if central {
                h.extend([0u8; 6]); // comment length, disk, internal attributes
                h.extend(0u32.to_le_bytes()); // external attributes
                h.extend(offset.to_le_bytes());
            }
            h.extend(name.as_bytes());
            h
        };
        out.extend(header(0x04034b50, false));
        out.extend(data);
        central.extend(header(0x02014b50, true));
    }
    let (cd_offset, cd_size) = (out.len() as u32, central.len() as u32);
    out.extend(central);
    out.extend(0x06054b50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend((parts.len() as u16).to_le_bytes());
    out.extend((parts.len() as u16).to_le_bytes());
    out.extend(cd_size.to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// The parts of a one-sheet workbook named `sheet`, besides the sheet.
fn workbook_parts(sheet: &str) -> Vec<(&'static str, String)> {
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    vec![
        ("[Content_Types].xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/></Types>".to_string()),
        ("_rels/.rels", format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{rel}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>")),
        ("xl/workbook.xml", format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"{rel}\"><sheets><sheet name=\"{sheet}\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>")),
        ("xl/_rels/workbook.xml.rels", format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{rel}/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>")),
    ]
}

fn stored(name: &'static str, data: &[u8]) -> (&'static str, u16, Vec<u8>, u32, u32) {
    (name, 0, data.to_vec(), crc32fast::hash(data), data.len() as u32)
}

#[test]
fn excel_formula_without_a_saved_value_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("war_zone_formula.xlsx");
    let is = |r: &str, t: &str| format!("<c r=\"{r}\" t=\"inlineStr\"><is><t>{t}</t></is></c>");
    let sheet = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>\
         <row r=\"1\">{}{}{}{}</row><row r=\"2\"><c r=\"A2\"><f>1+4</f></c>{}{}{}</row></sheetData></worksheet>",
        is("A1", "zone_id"),
        is("B1", "name"),
        is("C1", "name_en"),
        is("D1", "commander"),
        is("B2", "第五战区"),
        is("C2", "War Zone 5"),
        is("D2", "某某")
    );
    let mut parts: Vec<_> = workbook_parts("war_zone").into_iter().map(|(n, t)| stored(n, t.as_bytes())).collect();
    parts.push(stored("xl/worksheets/sheet1.xml", sheet.as_bytes()));
    std::fs::write(&path, zip_bytes(&parts)).unwrap();
    refused(
        &[path],
        "war_zone_formula.xlsx[war_zone]:2: cell A2 holds the formula =1+4 without a calculated value; expected a value (open and save the file in Excel or WPS",
    );
}

/// A workbook whose sheet unpacks to 2 GiB of zeros from about 2 MB: one
/// deflated, fully flushed mebibyte repeated.
fn zip_bomb(path: &Path) -> u64 {
    use flate2::{Compress, Compression, FlushCompress};
    let zeros = vec![0u8; 1 << 20];
    let mut c = Compress::new(Compression::best(), false);
    let mut chunk = Vec::with_capacity(1 << 20);
    while (c.total_in() as usize) < zeros.len() {
        c.compress_vec(&zeros[c.total_in() as usize..], &mut chunk, FlushCompress::None).unwrap();
    }
    c.compress_vec(&[], &mut chunk, FlushCompress::Full).unwrap();
    let copies = 2048u32;
    let mut packed = Vec::with_capacity(chunk.len() * copies as usize + 2);
    let mut crc = crc32fast::Hasher::new();
    for _ in 0..copies {
        packed.extend_from_slice(&chunk);
        crc.update(&zeros);
    }
    packed.extend_from_slice(&[0x03, 0x00]); // an empty final block
    let size = copies * (1 << 20);
    let mut parts: Vec<_> = workbook_parts("household").into_iter().map(|(n, t)| stored(n, t.as_bytes())).collect();
    parts.push(("xl/worksheets/sheet1.xml", 8, packed, crc.finalize(), size));
    let bytes = zip_bytes(&parts);
    std::fs::write(path, &bytes).unwrap();
    bytes.len() as u64
}

#[test]
fn zip_bomb_named_xlsx_is_refused_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("household.xlsx");
    let on_disk = zip_bomb(&path);
    assert!(on_disk < 4 << 20, "the bomb is {on_disk} bytes on disk");
    // It really is one: the part inflates to its declared size.
    {
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        let mut part = zip.by_name("xl/worksheets/sheet1.xml").unwrap();
        assert_eq!(part.size(), 2 << 30);
        let mut head = [1u8; 4096];
        std::io::Read::read_exact(&mut part, &mut head).unwrap();
        assert!(head.iter().all(|b| *b == 0));
    }
    let started = Instant::now();
    refused(&[path.clone()], "household.xlsx: refused as a possible zip bomb: its part xl/worksheets/sheet1.xml would unpack from");
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    let db = fresh_db();
    let started = Instant::now();
    let (code, _, stderr) = common::run_cli(&["import", "--db", db.path.to_str().unwrap(), path.to_str().unwrap()], None);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("to 2.0 GB (") && stderr.contains("expected a workbook packed at most 200 times"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
}

// ------------------------------------------------------------------ formula-like text on export

const PW: &str = "a long test passphrase";
const INJECTION: &str = "=cmd|' /C calc'!A0";

#[test]
fn formula_like_text_imports_as_text_and_is_neutralised_in_every_export() {
    let (db, _) = accepted(&[corpus("household_formula_text.csv")]);
    assert_eq!(text(&db.path, "SELECT head_name FROM household WHERE household_code = '1505262060100057'"), INJECTION);
    let neutral = format!("'{INJECTION}");

    // The command line, CSV.
    let (code, out, stderr) = common::run_cli(
        &["query", "risk_open_households", "--db", db.path.to_str().unwrap(), "--format", "csv"],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    let row = csv_row_of(out.as_bytes(), "1505262060100057");
    assert!(row.contains(&neutral), "{row:?}");

    common::add_user(&db.path, "wang", jingzhun::auth::Role::Statistician, jingzhun::auth::Scope::All, PW);
    let app = common::spawn_app(&db.path);
    let client = common::signed_in(&app, "wang", PW);

    // CSV over HTTP: the text cell has its apostrophe, numbers stay numbers.
    let resp = client.get(app.url("/q/risk_open_households.csv")).send().unwrap();
    assert_eq!(resp.status(), 200);
    let body = resp.bytes().unwrap();
    let row = csv_row_of(&body, "1505262060100057");
    assert!(row.contains(&neutral), "{row:?}");
    assert!(!row.iter().any(|c| c == INJECTION), "{row:?}");
    assert!(row.iter().any(|c| c.parse::<f64>().is_ok() && !c.starts_with('\'')), "numbers stay numbers: {row:?}");

    // XLSX over HTTP: a string cell with the apostrophe, and no formula.
    let resp = client.get(app.url("/q/risk_open_households.xlsx")).send().unwrap();
    assert_eq!(resp.status(), 200);
    let bytes = resp.bytes().unwrap().to_vec();
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&sheet).unwrap();
    let cells: Vec<&calamine::Data> = range.used_cells().map(|(_, _, d)| d).collect();
    assert!(cells.contains(&&calamine::Data::String(neutral.clone())), "no neutralised cell");
    assert!(!cells.contains(&&calamine::Data::String(INJECTION.into())));
    let formulas = book.worksheet_formula(&sheet).unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
}

/// The record of a CSV export (after its BOM) that contains `needle`.
fn csv_row_of(bytes: &[u8], needle: &str) -> Vec<String> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut r = csv::ReaderBuilder::new().has_headers(true).from_reader(body);
    r.records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect::<Vec<_>>())
        .find(|row| row.iter().any(|c| c == needle))
        .unwrap_or_else(|| panic!("no row with {needle}"))
}

#[test]
fn rejects_file_neutralises_formula_like_cells_but_not_numbers() {
    let db = fresh_db();
    let dir = tempfile::tempdir().unwrap();
    let header = household_header();
    let mut row = household_row("1505269990500001");
    row[2] = "@SUM(1+1)".into();
    row[3] = "-3".into(); // out of range, so the row is rejected
    let path = dir.path().join("household.csv");
    std::fs::write(&path, format!("{}\n{}\n", header.join(","), row.join(","))).unwrap();
    let opts = ImportOptions { skip_invalid: true, rejects_dir: Some(dir.path().join("rejects")), ..Default::default() };
    let mut conn = jingzhun::store::open_rw(&db.path).unwrap();
    let report = import_paths(&mut conn, &[path], &opts).unwrap();
    assert_eq!(report.files[0].rejected, 1);
    let rejects = std::fs::read(dir.path().join("rejects/household.csv.rejects.csv")).unwrap();
    let row = csv_row_of(&rejects, "1505269990500001");
    assert_eq!(row[2 + 2], "'@SUM(1+1)");
    assert_eq!(row[2 + 3], "-3");
}

// ------------------------------------------------------------------ properties

mod properties {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    /// Cases per property; the whole binary stays well under a minute in
    /// release.
    pub const CSV_CASES: u32 = 96;
    pub const XLSX_CASES: u32 = 128;
    pub const PARAM_CASES: u32 = 1024;

    fn runner(cases: u32) -> TestRunner {
        TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() })
    }

    /// Everything in the database, from an open connection.
    fn fingerprint_conn(conn: &duckdb::Connection) -> Vec<(String, i64, String)> {
        let mut out = Vec::new();
        for t in jingzhun::store::tables::TABLES.iter().map(|t| t.name).chain(["import_batch"]) {
            let (n, h): (i64, String) = conn
                .query_row(&format!("SELECT count(*), coalesce(CAST(sum(hash(t)) AS VARCHAR), '') FROM {t} AS t"), [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .unwrap();
            out.push((t.to_string(), n, h));
        }
        out
    }

    /// Mutations of a valid file: (position, kind, byte).
    fn mutate(base: &[u8], edits: &[(usize, u8, u8)]) -> Vec<u8> {
        let mut b = base.to_vec();
        for &(pos, kind, byte) in edits {
            if b.is_empty() {
                b.push(byte);
                continue;
            }
            let at = pos % b.len();
            match kind % 9 {
                0 => b[at] = byte,
                1 => b.insert(at, b'"'),
                2 => b.insert(at, b','),
                3 => b.insert(at, b'\n'),
                4 => {
                    b.remove(at);
                }
                5 => b.insert(at, 0),
                6 => b.truncate(at),
                7 => b.insert(at, [0xFF, 0xE4, 0xEF, 0xC3][byte as usize % 4]),
                _ => {
                    // A line doubled (a duplicate key, or a repeated header).
                    let start = b[..at].iter().rposition(|c| *c == b'\n').map_or(0, |i| i + 1);
                    let end = b[at..].iter().position(|c| *c == b'\n').map_or(b.len(), |i| at + i + 1);
                    let line = b[start..end].to_vec();
                    b.splice(start..start, line);
                }
            }
        }
        b
    }

    /// Random and mutated household files through the whole import: it
    /// never panics, and it either commits or leaves the database as it was.
    #[test]
    fn csv_import_is_all_or_nothing_on_random_and_mutated_files() {
        let db = common::temp_db();
        let parents = tempfile::tempdir().unwrap();
        for t in ["war_zone", "township", "village", "work_team", "cadre"] {
            std::fs::copy(sample_dir().join(format!("{t}.csv")), parents.path().join(format!("{t}.csv"))).unwrap();
        }
        let conn = RefCell::new(jingzhun::store::open_rw(&db.path).unwrap());
        let report = import_paths(&mut conn.borrow_mut(), &[parents.path().to_path_buf()], &ImportOptions::default()).unwrap();
        assert!(report.committed);
        let sample = std::fs::read_to_string(sample_dir().join("household.csv")).unwrap();
        let base: Vec<u8> = sample.lines().take(30).collect::<Vec<_>>().join("\n").into_bytes();
        let header = sample.lines().next().unwrap().to_string() + "\n";
        let dir = tempfile::tempdir().unwrap();
        let strategy = prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..2048),
            proptest::collection::vec(any::<u8>(), 0..1024).prop_map(move |tail| [header.as_bytes(), &tail].concat()),
            // Up to three edits, none included: some files stay valid and land.
            proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 0..4).prop_map(move |e| mutate(&base, &e)),
        ];
        let counts = RefCell::new((0u32, 0u32));
        runner(CSV_CASES)
            .run(&strategy, |bytes| {
                let path = dir.path().join("household.csv");
                std::fs::write(&path, &bytes).unwrap();
                let mut conn = conn.borrow_mut();
                let before = fingerprint_conn(&conn);
                let report = import_paths(&mut conn, &[path], &ImportOptions::default());
                let report = report.map_err(|e| TestCaseError::fail(format!("database error: {e:#}")))?;
                if report.committed {
                    counts.borrow_mut().0 += 1;
                } else {
                    counts.borrow_mut().1 += 1;
                    prop_assert!(report.problem_count > 0, "refused without a problem");
                    prop_assert_eq!(fingerprint_conn(&conn), before, "a refused import changed the database");
                }
                Ok(())
            })
            .unwrap();
        let (committed, refused) = *counts.borrow();
        eprintln!("csv property: {CSV_CASES} cases, {committed} committed, {refused} refused");
        assert!(refused > 0 && committed > 0, "{committed} committed, {refused} refused");
    }

    /// Random bytes and mutated workbooks through the workbook reader (and
    /// every record it gives): never a panic, and a damaged workbook is a
    /// problem for the file as a whole.
    #[test]
    fn workbook_reader_never_panics_on_random_or_mutated_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.xlsx");
        super::merged_header_workbook(&good, false);
        // Repacked without compression, so that edits reach the XML parser
        // instead of stopping at the inflater (the checksum then fails only
        // after the damaged XML was read).
        let base = {
            let mut zip = zip::ZipArchive::new(std::fs::File::open(&good).unwrap()).unwrap();
            let names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
            let parts: Vec<(&'static str, u16, Vec<u8>, u32, u32)> = names
                .into_iter()
                .map(|n| {
                    let mut data = Vec::new();
                    std::io::Read::read_to_end(&mut zip.by_name(&n).unwrap(), &mut data).unwrap();
                    super::stored(Box::leak(n.into_boxed_str()), &data)
                })
                .collect();
            super::zip_bytes(&parts)
        };
        std::fs::write(&good, &base).unwrap();
        assert_eq!(jingzhun::import::read::open_workbook(&good, "good.xlsx").unwrap().len(), 1, "the repacked workbook reads");
        let strategy = prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..4096),
            proptest::collection::vec(any::<u8>(), 0..512).prop_map(|tail| [b"PK\x03\x04".as_slice(), &tail].concat()),
            proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..6).prop_map(move |e| {
                let mut b = base.clone();
                for (pos, kind, byte) in e {
                    let at = pos % b.len();
                    match kind % 3 {
                        0 => b[at] = byte,
                        1 => b.truncate(at.max(1)),
                        _ => b.insert(at, byte),
                    }
                }
                b
            }),
        ];
        let opened = RefCell::new(0u32);
        runner(XLSX_CASES)
            .run(&strategy, |bytes| {
                let path = dir.path().join("household.xlsx");
                std::fs::write(&path, &bytes).unwrap();
                match jingzhun::import::read::open_workbook(&path, "household.xlsx") {
                    Ok(sources) => {
                        *opened.borrow_mut() += 1;
                        for mut s in sources {
                            while let Some(r) = s.next_record() {
                                if let Err(p) = r {
                                    prop_assert!(!p.message.is_empty());
                                }
                            }
                        }
                    }
                    Err(p) => prop_assert!(!p.message.is_empty()),
                }
                Ok(())
            })
            .unwrap();
        eprintln!("xlsx property: {XLSX_CASES} cases, {} opened", opened.borrow());
    }

    /// Random query strings against parameters of every type: never a
    /// panic, and every error names a parameter that was given or declared.
    #[test]
    fn query_parameter_parser_never_panics_and_names_the_parameter() {
        use jingzhun::catalog::params::{read_all, ParamMeta};
        let metas = [
            ("year", "type = \"year\"\nzh = \"年度\"\nen = \"Year\"\ndefault = 2020\nmin = 2014\nmax = 2020"),
            ("zone", "type = \"zone\"\nzh = \"战区\"\nen = \"War zone\"\noptional = true"),
            ("township", "type = \"township\"\nzh = \"苏木镇场\"\nen = \"Township\"\noptional = true"),
            ("village", "type = \"village\"\nzh = \"嘎查村\"\nen = \"Village\""),
            ("as_of", "type = \"date\"\nzh = \"统计日\"\nen = \"As of\"\ndefault = \"2020-12-31\""),
            ("rate", "type = \"decimal\"\nzh = \"比率\"\nen = \"Rate\"\nmin = 0\nmax = 1\noptional = true"),
            ("n", "type = \"integer\"\nzh = \"数\"\nen = \"N\"\nmin = -5\nmax = 100\noptional = true"),
            ("q", "type = \"text\"\nzh = \"关键词\"\nen = \"Keyword\"\noptional = true"),
            ("kind", "type = \"enum\"\nzh = \"类别\"\nen = \"Kind\"\noptions = [\"产业扶贫\", \"就业扶贫\"]\noptional = true"),
        ];
        let declared: indexmap::IndexMap<String, ParamMeta> =
            metas.iter().map(|(n, t)| (n.to_string(), toml::from_str(t).unwrap())).collect();
        let names: Vec<String> = declared.keys().cloned().chain(["bom".to_string(), "yaer".to_string()]).collect();
        let value = prop_oneof![
            any::<String>(),
            "[0-9０-９,.\\-+eE%年月日/ ]{0,12}",
            Just("2016".to_string()),
            Just("150526100001".to_string()),
            Just("1; DROP TABLE household".to_string()),
        ];
        let pairs = proptest::collection::vec((proptest::sample::select(names), value), 0..6);
        let strategy = prop_oneof![
            pairs.prop_map(|p| (None, p)),
            any::<String>().prop_map(|s| (Some(s), Vec::new())),
            "[a-z_=&%0-9+;]{0,40}".prop_map(|s| (Some(s), Vec::new())),
        ];
        runner(PARAM_CASES)
            .run(&strategy, |(query_string, pairs)| {
                let given: Vec<(String, String)> = match query_string {
                    // The server reads the query string so; a malformed one is a 400.
                    Some(q) => match serde_urlencoded::from_str(&q) {
                        Ok(g) => g,
                        Err(_) => return Ok(()),
                    },
                    None => pairs,
                };
                match read_all(&declared, &given, &["bom"]) {
                    Ok(bound) => prop_assert_eq!(bound.len(), declared.len()),
                    Err(errors) => {
                        prop_assert!(!errors.is_empty());
                        for e in errors {
                            prop_assert!(
                                declared.contains_key(&e.param) || given.iter().any(|(k, _)| *k == e.param),
                                "error for an unknown name: {}",
                                e
                            );
                            let prefix = format!("parameter {}: ", e.param);
                            prop_assert!(e.to_string().starts_with(&prefix), "{}", e);
                        }
                    }
                }
                Ok(())
            })
            .unwrap();
    }
}
