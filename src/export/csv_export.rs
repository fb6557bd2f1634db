//! Streaming CSV export: a header row of Chinese labels, then one line per
//! row, written as the rows come so that a large result never has to be
//! held whole.

use std::fmt::Write as _;
use std::io::{self, Write};

use csv::{QuoteStyle, Terminator, WriterBuilder};

use super::{neutralise, ExportColumn};
use crate::catalog::Cell;

/// The UTF-8 byte order mark. Excel and WPS read a CSV without it in the
/// system code page (GBK on Chinese Windows), which garbles every Chinese
/// character; with it they read UTF-8.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Streaming CSV: a header row of Chinese labels with the unit in
/// parentheses (`人均纯收入（元）`), then the rows.
///
/// - UTF-8, with a byte order mark when asked (do ask, for files meant for
///   Excel or WPS; leave it out for programs that choke on it).
/// - Lines end in CRLF (RFC 4180; what Windows tools expect).
/// - Every header field is quoted: besides being harmless, this stops Excel
///   from taking a file whose first bytes are `ID` for a SYLK file when there
///   is no BOM. Data fields are quoted only when they need it.
/// - [`Cell::Null`] is an empty field; [`Cell::Int`] and [`Cell::Float`] are
///   written in plain decimal (never exponent notation, `8.4`, `3000`,
///   `0.0000001`); a non-finite float (NaN, ±∞), which no spreadsheet can
///   hold, is an empty field; [`Cell::Text`] goes through [`neutralise`]
///   (formula injection).
pub struct CsvExport<W: Write> {
    writer: csv::Writer<W>,
    width: usize,
    /// Reused for formatting numbers, to avoid an allocation per cell.
    scratch: String,
}

impl<W: Write> CsvExport<W> {
    /// Starts a CSV on `out`: the BOM when `bom`, then the header row.
    /// Fails if `columns` is empty or writing fails.
    pub fn new(mut out: W, columns: &[ExportColumn], bom: bool) -> io::Result<Self> {
        if columns.is_empty() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "a CSV export needs at least one column"));
        }
        if bom {
            out.write_all(BOM)?;
        }
        {
            let mut header = WriterBuilder::new()
                .quote_style(QuoteStyle::Always)
                .terminator(Terminator::CRLF)
                .from_writer(&mut out);
            header.write_record(columns.iter().map(|c| neutralise(&c.label()).into_owned()))?;
            header.flush()?;
        }
        let writer = WriterBuilder::new()
            .quote_style(QuoteStyle::Necessary)
            .terminator(Terminator::CRLF)
            .from_writer(out);
        Ok(CsvExport { writer, width: columns.len(), scratch: String::new() })
    }

    /// Writes one row; it must have one cell per column.
    pub fn write_row(&mut self, row: &[Cell]) -> io::Result<()> {
        if row.len() != self.width {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("a row of {} cells in a CSV export of {} columns", row.len(), self.width),
            ));
        }
        for cell in row {
            self.scratch.clear();
            match cell {
                Cell::Null => self.writer.write_field("")?,
                // Writing to a String cannot fail.
                Cell::Int(i) => {
                    let _ = write!(self.scratch, "{i}");
                    self.writer.write_field(&self.scratch)?;
                }
                Cell::Float(f) if f.is_finite() => {
                    // `{}` on f64 is the shortest round-tripping decimal,
                    // never in exponent notation.
                    let _ = write!(self.scratch, "{f}");
                    self.writer.write_field(&self.scratch)?;
                }
                Cell::Float(_) => self.writer.write_field("")?,
                Cell::Text(t) => self.writer.write_field(neutralise(t).as_bytes())?,
            }
        }
        // An empty record ends the current one.
        self.writer.write_record(None::<&[u8]>)?;
        Ok(())
    }

    /// Pushes what is buffered so far to the underlying writer (for
    /// streaming a response as it is produced).
    pub fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }

    /// Flushes everything and returns the underlying writer.
    pub fn finish(self) -> io::Result<W> {
        let mut out = self.writer.into_inner().map_err(|e| e.into_error())?;
        out.flush()?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ColumnMeta;

    fn col(name: &str, zh: &str, en: &str, unit: Option<&str>) -> ExportColumn {
        ExportColumn::from_meta(name, Some(&ColumnMeta { zh: zh.into(), en: en.into(), unit: unit.map(Into::into) }))
    }

    fn columns() -> Vec<ExportColumn> {
        vec![
            col("year", "年度", "Year", None),
            col("village", "嘎查村", "Village", None),
            col("income_per_capita", "人均纯收入", "Per-capita net income", Some("元")),
            col("incidence", "贫困发生率", "Poverty incidence", Some("%")),
            col("households", "户数", "Households", Some("户")),
        ]
    }

    fn export(rows: &[Vec<Cell>], bom: bool) -> Vec<u8> {
        let mut csv = CsvExport::new(Vec::new(), &columns(), bom).unwrap();
        for r in rows {
            csv.write_row(r).unwrap();
        }
        csv.finish().unwrap()
    }

    /// Parses CSV bytes (after any BOM) into header and records.
    fn parse(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
        let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
        let mut r = csv::ReaderBuilder::new().has_headers(true).from_reader(body);
        let header = r.headers().unwrap().iter().map(String::from).collect();
        let rows = r.records().map(|rec| rec.unwrap().iter().map(String::from).collect()).collect();
        (header, rows)
    }

    fn t(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }

    #[test]
    fn round_trips_through_the_csv_crate() {
        let rows = vec![
            vec![Cell::Int(2016), t("乌兰哈达嘎查"), Cell::Float(3280.5), Cell::Float(8.4), Cell::Int(1234)],
            vec![Cell::Int(2017), t("巴彦塔拉, \"东\"\n村"), Cell::Int(4000), Cell::Float(0.0000001), Cell::Null],
            vec![Cell::Null, Cell::Null, Cell::Float(-12.25), Cell::Float(1e21), Cell::Int(-5)],
        ];
        let (header, got) = parse(&export(&rows, true));
        assert_eq!(header, ["年度", "嘎查村", "人均纯收入（元）", "贫困发生率（%）", "户数（户）"]);
        assert_eq!(
            got,
            vec![
                vec!["2016", "乌兰哈达嘎查", "3280.5", "8.4", "1234"],
                vec!["2017", "巴彦塔拉, \"东\"\n村", "4000", "0.0000001", ""],
                vec!["", "", "-12.25", "1000000000000000000000", "-5"],
            ]
        );
        // Numbers read back as the same numbers.
        assert_eq!(got[0][2].parse::<f64>().unwrap(), 3280.5);
        assert_eq!(got[1][3].parse::<f64>().unwrap(), 0.0000001);
    }

    #[test]
    fn bom_is_present_only_when_asked() {
        let with = export(&[], true);
        assert!(with.starts_with(BOM));
        assert_eq!(with.windows(3).filter(|w| *w == BOM).count(), 1, "one BOM, at the start");
        let without = export(&[], false);
        assert!(without.starts_with("\"年度\"".as_bytes()));
        assert_eq!(&with[3..], &without[..]);
        assert_eq!(String::from_utf8(without).unwrap(), "\"年度\",\"嘎查村\",\"人均纯收入（元）\",\"贫困发生率（%）\",\"户数（户）\"\r\n");
    }

    #[test]
    fn lines_end_in_crlf_and_only_needed_data_fields_are_quoted() {
        let out = export(&[vec![Cell::Int(2016), t("a,b"), Cell::Int(1), Cell::Float(2.5), Cell::Null]], false);
        let text = String::from_utf8(out).unwrap();
        assert!(text.ends_with("\r\n2016,\"a,b\",1,2.5,\r\n"), "{text:?}");
    }

    #[test]
    fn formula_injection_is_neutralised_but_numbers_are_not() {
        let rows = vec![vec![t("=HYPERLINK(\"http://evil\",\"点\")"), t("+1"), Cell::Int(-5), Cell::Float(-0.5), t("-3")]];
        let cols = vec![col("a", "甲", "A", None), col("b", "乙", "B", None), col("c", "丙", "C", None), col("d", "丁", "D", None), col("e", "戊", "E", None)];
        let mut csv = CsvExport::new(Vec::new(), &cols, false).unwrap();
        for r in &rows {
            csv.write_row(r).unwrap();
        }
        let (_, got) = parse(&csv.finish().unwrap());
        assert_eq!(got[0], ["'=HYPERLINK(\"http://evil\",\"点\")", "'+1", "-5", "-0.5", "'-3"]);

        let mut csv = CsvExport::new(Vec::new(), &cols, false).unwrap();
        csv.write_row(&[t("@SUM(A1)"), t("\t=1"), t("\r=1"), t("安全"), t("1-2")]).unwrap();
        let (_, got) = parse(&csv.finish().unwrap());
        assert_eq!(got[0], ["'@SUM(A1)", "'\t=1", "'\r=1", "安全", "1-2"]);
    }

    #[test]
    fn non_finite_floats_are_empty() {
        let out = export(&[vec![Cell::Float(f64::NAN), Cell::Null, Cell::Float(f64::INFINITY), Cell::Float(f64::NEG_INFINITY), Cell::Int(0)]], false);
        let (_, got) = parse(&out);
        assert_eq!(got[0], ["", "", "", "", "0"]);
    }

    #[test]
    fn wrong_row_width_and_no_columns_are_errors() {
        let mut csv = CsvExport::new(Vec::new(), &columns(), false).unwrap();
        let err = csv.write_row(&[Cell::Int(1)]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("1 cells") && err.to_string().contains("5 columns"), "{err}");
        assert!(CsvExport::new(Vec::new(), &[], true).is_err());
    }

    #[test]
    fn streams_into_any_writer() {
        // A writer that is not a Vec, and a flush in the middle.
        let mut file = std::io::Cursor::new(Vec::new());
        {
            let mut csv = CsvExport::new(&mut file, &columns(), true).unwrap();
            csv.write_row(&[Cell::Int(2016), t("甲"), Cell::Int(1), Cell::Float(1.5), Cell::Int(2)]).unwrap();
            csv.flush().unwrap();
            csv.finish().unwrap();
        }
        let (_, got) = parse(file.get_ref());
        assert_eq!(got, vec![vec!["2016", "甲", "1", "1.5", "2"]]);
    }
}
