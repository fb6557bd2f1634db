//! Exports of query results for statisticians: CSV and XLSX files that open
//! correctly in Excel and WPS with Chinese text, and the download file name
//! and `Content-Disposition` header that go with them.
//!
//! This module owns everything between a query result ([`ResultSet`]'s
//! [`Cell`]s plus the catalog's [`ColumnMeta`] labels) and the bytes a
//! browser downloads:
//!
//! - [`ExportColumn`] — what an export needs to know about a column: its name,
//!   Chinese and English labels and unit. [`ExportColumn::from_meta`] builds
//!   one from the catalog; [`ExportColumn::label`] is the header label, the
//!   Chinese label with the unit in full-width parentheses
//!   (`人均纯收入（元）`).
//! - [`CsvExport`] — streaming CSV (`csv_export.rs`): one quoted header row of
//!   labels, then the rows; UTF-8 with an optional BOM (Excel and WPS need
//!   the BOM to read UTF-8 CSV as UTF-8 rather than GBK); CRLF line ends.
//! - [`XlsxExport`] — an Excel workbook (`xlsx_export.rs`), written row by
//!   row through `rust_xlsxwriter`'s constant-memory mode: real number cells
//!   with number formats chosen from the unit, a frozen bold header row with
//!   an autofilter, column widths that count CJK characters as two, and the
//!   English labels as notes (comments) on the header cells. See that type
//!   for the details.
//! - [`neutralise`] — the defence against CSV/spreadsheet formula injection.
//! - [`file_name`] and [`content_disposition`] — the download's file name and
//!   its RFC 6266 / RFC 5987 header value (`names.rs`).
//!
//! # Example
//!
//! ```
//! use jingzhun::catalog::{Cell, ColumnMeta};
//! use jingzhun::export::{content_disposition, file_name, CsvExport, ExportColumn, XlsxExport};
//!
//! let meta = ColumnMeta { zh: "贫困发生率".into(), en: "Poverty incidence".into(), unit: Some("%".into()) };
//! let columns = vec![
//!     ExportColumn::from_meta("year", Some(&ColumnMeta { zh: "年度".into(), en: "Year".into(), unit: None })),
//!     ExportColumn::from_meta("incidence", Some(&meta)),
//! ];
//! let rows = vec![vec![Cell::Int(2016), Cell::Float(8.4)], vec![Cell::Int(2017), Cell::Float(5.1)]];
//!
//! // CSV, with a BOM so that Excel and WPS read it as UTF-8.
//! let mut csv = CsvExport::new(Vec::new(), &columns, true)?;
//! for row in &rows {
//!     csv.write_row(row)?;
//! }
//! let bytes = csv.finish()?;
//! assert!(bytes.starts_with("\u{feff}\"年度\",\"贫困发生率（%）\"\r\n".as_bytes()));
//!
//! // XLSX.
//! let mut xlsx = XlsxExport::new("贫困发生率", &columns)?;
//! for row in &rows {
//!     xlsx.write_row(row)?;
//! }
//! let workbook: Vec<u8> = xlsx.finish()?;
//! assert!(workbook.starts_with(b"PK"));
//!
//! // The download.
//! let name = file_name("贫困发生率", &["2016".to_string(), "战区2".to_string()], "xlsx");
//! assert_eq!(name, "贫困发生率_2016_战区2.xlsx");
//! let header = content_disposition(&name);
//! assert!(header.starts_with("attachment; filename=\"______2016___2.xlsx\"; filename*=UTF-8''%E8%B4%AB"));
//! # Ok::<(), anyhow::Error>(())
//! ```
//!
//! # Formula injection
//!
//! Text that a spreadsheet would take for a formula (it starts with `=`, `+`,
//! `-`, `@`, a tab or a carriage return) gets a leading apostrophe in CSV
//! ([`neutralise`]); the apostrophe is visible when the CSV is opened, which
//! is the accepted price of not running a stranger's formula. In XLSX, text is
//! always written as a string cell and never as a formula, and gets the same
//! apostrophe, so that it stays inert when someone edits the cell or saves
//! the sheet as CSV. Numbers ([`Cell::Int`], [`Cell::Float`]) are never altered: a
//! negative number is a number, not text.
//!
//! [`ResultSet`]: crate::catalog::ResultSet

mod csv_export;
mod names;
mod xlsx_export;

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::catalog::ColumnMeta;
#[cfg(doc)]
use crate::catalog::Cell;

pub use csv_export::CsvExport;
pub use names::{content_disposition, file_name};
pub use xlsx_export::XlsxExport;

/// Which file a query is exported to.
#[derive(Debug, Clone)]
pub enum ExportKind {
    Csv { bom: bool },
    Xlsx { title: String },
}

/// A CSV or XLSX export writing into `W`.
pub enum Export<W: std::io::Write + Send> {
    Csv(CsvExport<W>),
    Xlsx(Box<XlsxExport>, W),
}

impl<W: std::io::Write + Send> Export<W> {
    pub fn new(kind: &ExportKind, columns: &[ExportColumn], out: W) -> anyhow::Result<Self> {
        Ok(match kind {
            ExportKind::Csv { bom } => Export::Csv(CsvExport::new(out, columns, *bom)?),
            ExportKind::Xlsx { title } => Export::Xlsx(Box::new(XlsxExport::new(title, columns)?), out),
        })
    }

    pub fn write_row(&mut self, row: &[crate::catalog::Cell]) -> anyhow::Result<()> {
        match self {
            Export::Csv(w) => Ok(w.write_row(row)?),
            Export::Xlsx(x, _) => x.write_row(row),
        }
    }

    /// Finishes the file and hands back the writer (to flush or close).
    pub fn finish(self) -> anyhow::Result<W> {
        match self {
            Export::Csv(w) => Ok(w.finish()?),
            Export::Xlsx(x, mut out) => {
                x.finish_to_writer(&mut out)?;
                Ok(out)
            }
        }
    }
}

/// Runs a canned query into an export, row by row as DuckDB yields them.
/// The writer is created when the result's columns are known (also for an
/// empty result). `progress` sees the running row count and may stop the
/// export with an error (a client that left, say).
pub fn export_query<W: std::io::Write + Send>(
    conn: &duckdb::Connection,
    q: &crate::catalog::Query,
    bound: &[(String, crate::catalog::params::Bound)],
    kind: &ExportKind,
    out: W,
    mut progress: impl FnMut(u64) -> anyhow::Result<()>,
) -> anyhow::Result<W> {
    let mut out = Some(out);
    let mut export: Option<Export<W>> = None;
    let mut rows = 0u64;
    let start = |names: &[String], out: &mut Option<W>| -> anyhow::Result<Export<W>> {
        let sink = out.take().ok_or_else(|| anyhow::anyhow!("the export was started twice"))?;
        Export::new(kind, &ExportColumn::for_result(names, &q.meta.columns), sink)
    };
    let result = crate::catalog::for_each_row(
        conn,
        q,
        bound,
        None,
        |names, row| {
            if export.is_none() {
                export = Some(start(names, &mut out)?);
            }
            rows += 1;
            progress(rows)?;
            match export.as_mut() {
                Some(e) => e.write_row(row),
                None => Ok(()),
            }
        },
        false,
    )?;
    let export = match export {
        Some(e) => e,
        None => start(&result.rs.columns, &mut out)?,
    };
    export.finish()
}

/// What an export needs to know about a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportColumn {
    /// The column's name in the result (`income_per_capita`).
    pub name: String,
    /// Chinese label (`人均纯收入`); never empty.
    pub zh: String,
    /// English label (`Per-capita net income`); never empty.
    pub en: String,
    /// Unit: `"元"`, `"%"`, `"户"`, `"人"`, `"个"`, … or `None`.
    pub unit: Option<String>,
}

impl ExportColumn {
    /// The column `name` described by its catalog metadata. Missing or blank
    /// labels fall back (Chinese to English to the column name, English to
    /// the column name) so that a header cell is never empty; a blank unit is
    /// no unit.
    pub fn from_meta(name: &str, meta: Option<&ColumnMeta>) -> Self {
        let nonblank = |s: &str| {
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_string())
        };
        let zh = meta.and_then(|m| nonblank(&m.zh));
        let en = meta.and_then(|m| nonblank(&m.en));
        let unit = meta.and_then(|m| m.unit.as_deref()).and_then(nonblank);
        ExportColumn {
            name: name.to_string(),
            zh: zh.or_else(|| en.clone()).unwrap_or_else(|| name.to_string()),
            en: en.unwrap_or_else(|| name.to_string()),
            unit,
        }
    }

    /// One column per name in `names` (a [`ResultSet`]'s `columns`), labelled
    /// from a query's `[columns]` metadata.
    ///
    /// [`ResultSet`]: crate::catalog::ResultSet
    pub fn for_result(names: &[String], meta: &BTreeMap<String, ColumnMeta>) -> Vec<Self> {
        names.iter().map(|n| Self::from_meta(n, meta.get(n))).collect()
    }

    /// The header label: the Chinese label with the unit in full-width
    /// parentheses, as Chinese statistical tables write it
    /// (`人均纯收入（元）`, `贫困发生率（%）`), or the bare label without a unit.
    pub fn label(&self) -> String {
        match &self.unit {
            Some(unit) => {
                // A label that already names its unit is left alone.
                if self.zh.ends_with(&format!("（{unit}）")) || self.zh.ends_with(&format!("({unit})")) {
                    self.zh.clone()
                } else {
                    format!("{}（{unit}）", self.zh)
                }
            }
            None => self.zh.clone(),
        }
    }
}

/// Neutralises CSV/spreadsheet formula injection in a text cell: text that
/// starts with `=`, `+`, `-`, `@`, a tab or a carriage return (what Excel, WPS
/// and LibreOffice take as the start of a formula, after OWASP's list) is
/// returned with a leading apostrophe; anything else is returned unchanged
/// and unallocated.
///
/// Apply it to text only: numbers are never altered (a negative number is not
/// text). Both the CSV and the XLSX export apply it, as do the import's
/// rejects files and `jingzhun sql --format csv`.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

/// The display width of text in a spreadsheet column, in units of a digit's
/// width: CJK and other East Asian wide or full-width characters count as
/// two, everything else as one. Used for XLSX column widths.
pub(crate) fn display_width(text: &str) -> usize {
    text.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

/// Whether a character is drawn double-width (East Asian Wide or Fullwidth),
/// by the main blocks: enough for column widths, not a full UAX #11 table.
fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F          // Hangul Jamo initials
        | 0x2E80..=0x303E        // CJK radicals, Kangxi, CJK symbols and punctuation (、。「」…)
        | 0x3041..=0x33FF        // Hiragana, Katakana, Bopomofo, CJK compatibility
        | 0x3400..=0x4DBF        // CJK Extension A
        | 0x4E00..=0x9FFF        // CJK Unified Ideographs
        | 0xA000..=0xA4CF        // Yi
        | 0xAC00..=0xD7A3        // Hangul syllables
        | 0xF900..=0xFAFF        // CJK compatibility ideographs
        | 0xFE30..=0xFE4F        // CJK compatibility forms
        | 0xFF00..=0xFF60        // Full-width forms (（）％，０-９)
        | 0xFFE0..=0xFFE6        // Full-width signs (￥)
        | 0x1F300..=0x1F64F      // Emoji pictographs
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD      // CJK Extensions B–G
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(zh: &str, en: &str, unit: Option<&str>) -> ColumnMeta {
        ColumnMeta { zh: zh.into(), en: en.into(), unit: unit.map(Into::into) }
    }

    #[test]
    fn columns_come_from_metadata_with_fallbacks() {
        let c = ExportColumn::from_meta("income_per_capita", Some(&meta("人均纯收入", "Per-capita net income", Some("元"))));
        assert_eq!(c.name, "income_per_capita");
        assert_eq!((c.zh.as_str(), c.en.as_str(), c.unit.as_deref()), ("人均纯收入", "Per-capita net income", Some("元")));
        assert_eq!(c.label(), "人均纯收入（元）");

        let c = ExportColumn::from_meta("year", Some(&meta("年度", "Year", None)));
        assert_eq!(c.label(), "年度");

        let c = ExportColumn::from_meta("incidence", Some(&meta("贫困发生率", "Poverty incidence", Some("%"))));
        assert_eq!(c.label(), "贫困发生率（%）");

        // No metadata: the name everywhere.
        let c = ExportColumn::from_meta("zone_id", None);
        assert_eq!((c.zh.as_str(), c.en.as_str(), c.unit), ("zone_id", "zone_id", None));

        // Blank labels and units fall back.
        let c = ExportColumn::from_meta("x", Some(&meta(" ", "Households", Some(" "))));
        assert_eq!((c.zh.as_str(), c.en.as_str(), c.unit), ("Households", "Households", None));
        let c = ExportColumn::from_meta("x", Some(&meta("户数", "", Some(" 户 "))));
        assert_eq!((c.en.as_str(), c.unit.as_deref()), ("x", Some("户")));

        // A label that already carries its unit is not given it twice.
        let c = ExportColumn::from_meta("x", Some(&meta("户数（户）", "Households", Some("户"))));
        assert_eq!(c.label(), "户数（户）");
    }

    #[test]
    fn columns_for_a_result_follow_its_order() {
        let mut m = BTreeMap::new();
        m.insert("year".to_string(), meta("年度", "Year", None));
        m.insert("households".to_string(), meta("户数", "Households", Some("户")));
        let cols = ExportColumn::for_result(&["households".to_string(), "year".to_string(), "extra".to_string()], &m);
        let labels: Vec<_> = cols.iter().map(ExportColumn::label).collect();
        assert_eq!(labels, ["户数（户）", "年度", "extra"]);
    }

    #[test]
    fn formula_like_text_is_neutralised() {
        for bad in ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\",\"点我\")", "-"] {
            let n = neutralise(bad);
            assert!(matches!(n, Cow::Owned(_)), "{bad:?}");
            assert_eq!(n, format!("'{bad}"));
        }
        for good in ["", "扎鲁特旗", "1+1", " =1", "a=b", "'quoted", "8.4%", "2016", "\nx", "＝1"] {
            let n = neutralise(good);
            assert!(matches!(n, Cow::Borrowed(_)), "{good:?}");
            assert_eq!(n, good);
        }
    }

    #[test]
    fn wide_characters_count_twice() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("人均纯收入"), 10);
        assert_eq!(display_width("人均纯收入（元）"), 16);
        assert_eq!(display_width("贫困发生率（%）"), 15);
        assert_eq!(display_width("嘎查村A"), 7);
        assert_eq!(display_width(""), 0);
    }
}
