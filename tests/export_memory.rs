//! A large XLSX export keeps memory flat (constant-memory mode). This test
//! measures the whole process's resident memory, so it lives alone in its
//! own test binary where no other test allocates beside it.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use jingzhun::catalog::Cell;
use jingzhun::export::{ExportColumn, XlsxExport};

fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn col(name: &str, zh: &str, en: &str, unit: Option<&str>) -> ExportColumn {
    ExportColumn { name: name.into(), zh: zh.into(), en: en.into(), unit: unit.map(String::from) }
}

#[test]
fn two_hundred_thousand_rows_in_modest_memory() {
    const ROWS: i64 = 200_000;
    let columns = vec![
        col("year", "年度", "Year", None),
        col("village", "嘎查村", "Village", None),
        col("income_per_capita", "人均纯收入", "Per-capita net income", Some("元")),
        col("households", "户数", "Households", Some("户")),
        col("incidence", "贫困发生率", "Poverty incidence", Some("%")),
    ];
    let start = resident_bytes().expect("/proc/self/status");
    let mut peak = 0u64;
    let mut x = XlsxExport::new("大数据", &columns).unwrap();
    for i in 0..ROWS {
        let row = [
            Cell::Int(2014 + i % 7),
            Cell::Text(format!("嘎查村{}", i % 1000)),
            Cell::Float(3000.0 + (i % 100) as f64 / 4.0),
            Cell::Int(i),
            Cell::Float((i % 1000) as f64 / 10.0),
        ];
        x.write_row(&row).unwrap();
        if i % 20_000 == 0 {
            peak = peak.max(resident_bytes().unwrap_or(0));
        }
    }
    // A million cells: constant-memory mode keeps resident memory flat
    // (the standard mode needs some 200 MB for this).
    let growth = peak.saturating_sub(start);
    assert!(growth < 64 << 20, "memory grew by {} MB while writing", growth >> 20);
    let bytes = x.finish().unwrap();
    let mut book = Xlsx::new(Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range("大数据").unwrap();
    assert_eq!(range.get_size(), (ROWS as usize + 1, 5));
    assert_eq!(range.get((ROWS as usize, 3)), Some(&Data::Float((ROWS - 1) as f64)));
    assert_eq!(range.get((12345 + 1, 1)), Some(&Data::String("嘎查村345".into())));
    assert_eq!(range.get((12345 + 1, 4)), Some(&Data::Float(34.5)));
}
