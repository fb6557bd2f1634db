//! XLSX export through `rust_xlsxwriter` in constant-memory mode: rows are
//! written to a temporary file as they come and zipped into the workbook at
//! the end, so a result of millions of rows is never held in memory.

use std::borrow::Cow;
use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context};
use rust_xlsxwriter::{
    Color, DocProperties, Format, FormatAlign, FormatBorder, IgnoreError, Note, Workbook, Worksheet,
};

use super::{display_width, neutralise, ExportColumn};
use crate::catalog::Cell;

/// Rows in an Excel worksheet, the header included.
const EXCEL_MAX_ROWS: u32 = 1_048_576;
/// Columns in an Excel worksheet.
const EXCEL_MAX_COLS: usize = 16_384;
/// The longest text a cell holds, in UTF-16 code units.
const EXCEL_MAX_TEXT: usize = 32_767;
/// The longest sheet name, in UTF-16 code units.
const EXCEL_MAX_SHEET_NAME: usize = 31;
/// Integers beyond 15 digits lose digits as Excel numbers (doubles, shown to
/// 15 significant digits), so they are written as text instead.
const EXCEL_MAX_EXACT_INT: u64 = 999_999_999_999_999;
/// Rows looked at before choosing whole or two-decimal formats (see
/// [`XlsxExport`]); small enough to hold, large enough for any dashboard
/// result.
const LOOKAHEAD_ROWS: usize = 10_000;
/// Column widths, in Excel's units (the width of a digit).
const MIN_COLUMN_WIDTH: usize = 8;
const MAX_COLUMN_WIDTH: usize = 60;
/// Used when a title leaves nothing for a sheet name.
const DEFAULT_SHEET_NAME: &str = "数据";

/// XLSX: one worksheet named after the title, a header row of Chinese labels
/// (unit in parentheses), then the rows as real cells.
///
/// # Cells
///
/// - [`Cell::Int`] and [`Cell::Float`] are number cells, formatted by the
///   column's unit:
///   - `%` (or `％`): the value is already a percentage (8.4 means 8.4 %), so
///     it is not divided; format `0.0"%"`.
///   - a money unit (one containing `元`: `元`, `万元`, `元/人`): `#,##0` when
///     the column holds whole numbers, `#,##0.00` when it has decimals.
///   - any other unit (counts — `户`, `人`, `个` — and measures like `亩`): the
///     same, `#,##0` for whole numbers, `#,##0.00` when the column has
///     decimals (an average of persons should not be shown rounded).
///   - no unit: years, identifiers and codes (a column named `year`, `id`,
///     `code` or ending `_year`, `_id`, `_code`, `_no`; or labelled 年度, 年份,
///     编号, 代码, 编码, 序号, 号码, 身份证, or ending in 年; or with an English
///     label containing the word Year, ID or Code) get `0`, so that 2016 does
///     not show as `2,016` nor a long code in exponent notation. Other
///     whole-number columns get `#,##0`; columns with decimals keep Excel's
///     General format, as their scale is unknown.
///
///   "Has decimals" is decided on the first 10,000 rows, which are held
///   until then (every dashboard result fits). Beyond them, a fractional
///   value in a column judged whole is written with the two-decimal format,
///   so a value is never displayed rounded away. Integers of more than 15
///   digits are written as text (Excel would lose digits); NaN and ±∞, which
///   Excel cannot hold, are left empty.
/// - [`Cell::Text`] is always a string cell, never a formula, and text that
///   looks like one (`=1+2`, `@SUM(A1)`, `-x`) gets a leading apostrophe
///   as in CSV ([`neutralise`]), so it stays inert when the cell is edited
///   or the sheet saved as CSV; Excel's
///   "number stored as text" warning is switched off for the data (codes
///   such as 150526100001 are text on purpose). Text beyond Excel's 32,767
///   characters is cut.
/// - [`Cell::Null`] is an empty cell.
///
/// # Layout
///
/// The header row is bold on a light fill, frozen, and carries an
/// autofilter over all the data. The English label (with the unit) of each
/// column is a note (comment) on its header cell — a note rather than a
/// second header row so that the sheet stays a plain one-header table that
/// sorts, filters, pivots and reads into other tools cleanly. Column widths
/// fit the widest header or value, counting CJK characters as two, between 8
/// and 60.
///
/// The sheet name is the title made legal for Excel: `[ ] : * ? / \` and
/// control characters become `_`, leading and trailing apostrophes and
/// spaces go, it is cut to 31 characters (UTF-16 units), and `History`
/// (reserved by Excel) becomes `History_`. A result of more rows than a sheet
/// holds (1,048,575 besides the header) continues on further sheets,
/// `<title> (2)`, `<title> (3)`, …, each with the same header.
///
/// # Memory
///
/// Sheets are added with `rust_xlsxwriter`'s constant-memory mode (its
/// `constant_memory` feature): each row is flushed to a temporary file (in
/// [`std::env::temp_dir`], or the folder given to [`XlsxExport::new_in`])
/// when the next one starts, and strings are stored inline in the sheet
/// rather than in a shared-string table, so memory stays flat however many
/// rows are written. The temporary files go when the export is finished or
/// dropped. [`XlsxExport::finish`] returns the compressed workbook in
/// memory (a tenth or so of the sheet XML); [`XlsxExport::finish_to_writer`]
/// writes it to a file or any other writer instead.
pub struct XlsxExport {
    workbook: Workbook,
    /// The first sheet's name; continuation sheets add ` (n)`.
    sheet_base: String,
    columns: Vec<ExportColumn>,
    plans: Vec<ColumnPlan>,
    formats: Formats,
    /// Rows held until the number formats are decided.
    pending: Vec<Vec<Cell>>,
    decided: bool,
    /// Rows written to each sheet so far, the header included.
    sheet_rows: Vec<u32>,
    lookahead_rows: usize,
    rows_per_sheet: u32,
}

/// How a column's numbers are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Unit `%`: values already in percent.
    Percent,
    /// A unit containing 元.
    Money,
    /// Any other unit: counts and measures.
    Measure,
    /// No unit, looks like a year, identifier or code.
    Identifier,
    /// No unit, nothing known.
    Plain,
}

/// The number format of one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Percent,
    Grouped,
    GroupedDecimals,
    Integer,
    General,
}

#[derive(Debug)]
struct ColumnPlan {
    kind: Kind,
    has_decimals: bool,
    /// The widest header or value seen, in digit widths.
    width: usize,
}

impl ColumnPlan {
    fn style(&self, value: f64) -> Style {
        let decimals = self.has_decimals || value.fract() != 0.0;
        match self.kind {
            Kind::Percent => Style::Percent,
            Kind::Money | Kind::Measure if decimals => Style::GroupedDecimals,
            Kind::Money | Kind::Measure => Style::Grouped,
            Kind::Identifier if value.fract() != 0.0 => Style::General,
            Kind::Identifier => Style::Integer,
            Kind::Plain if decimals => Style::General,
            Kind::Plain => Style::Grouped,
        }
    }

    fn widen(&mut self, width: usize) {
        self.width = self.width.max(width);
    }
}

struct Formats {
    header: Format,
    percent: Format,
    grouped: Format,
    grouped_decimals: Format,
    integer: Format,
}

impl Formats {
    fn new() -> Self {
        Formats {
            header: Format::new()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color(Color::RGB(0xDDEBF7))
                .set_border_bottom(FormatBorder::Thin),
            percent: Format::new().set_num_format("0.0\"%\""),
            grouped: Format::new().set_num_format("#,##0"),
            grouped_decimals: Format::new().set_num_format("#,##0.00"),
            integer: Format::new().set_num_format("0"),
        }
    }

    fn get(&self, style: Style) -> Option<&Format> {
        match style {
            Style::Percent => Some(&self.percent),
            Style::Grouped => Some(&self.grouped),
            Style::GroupedDecimals => Some(&self.grouped_decimals),
            Style::Integer => Some(&self.integer),
            Style::General => None,
        }
    }
}

impl XlsxExport {
    /// Starts a workbook for `columns`, its sheet named after `title`, with
    /// temporary files in [`std::env::temp_dir`]. Fails if `columns` is empty
    /// or wider than Excel allows, or the temporary file cannot be made.
    pub fn new(title: &str, columns: &[ExportColumn]) -> anyhow::Result<Self> {
        Self::start(title, columns, None)
    }

    /// As [`XlsxExport::new`], with the temporary files in `tempdir` (for a
    /// server whose temp folder is small or in memory).
    pub fn new_in(title: &str, columns: &[ExportColumn], tempdir: &Path) -> anyhow::Result<Self> {
        Self::start(title, columns, Some(tempdir))
    }

    fn start(title: &str, columns: &[ExportColumn], tempdir: Option<&Path>) -> anyhow::Result<Self> {
        if columns.is_empty() {
            bail!("an XLSX export needs at least one column");
        }
        if columns.len() > EXCEL_MAX_COLS {
            bail!("an XLSX sheet holds at most {EXCEL_MAX_COLS} columns, not {}", columns.len());
        }
        let mut workbook = Workbook::new();
        if let Some(dir) = tempdir {
            workbook
                .set_tempdir(dir)
                .with_context(|| format!("cannot use {} for the export's temporary files", dir.display()))?;
        }
        workbook.set_properties(&DocProperties::new().set_title(title.trim()).set_author("精准 Jingzhun"));
        let plans = columns
            .iter()
            .map(|c| ColumnPlan {
                kind: kind_of(c),
                has_decimals: false,
                // Room for the autofilter's drop-down arrow.
                width: display_width(&c.label()) + 2,
            })
            .collect();
        let mut export = XlsxExport {
            workbook,
            sheet_base: sheet_name(title),
            columns: columns.to_vec(),
            plans,
            formats: Formats::new(),
            pending: Vec::new(),
            decided: false,
            sheet_rows: Vec::new(),
            lookahead_rows: LOOKAHEAD_ROWS,
            rows_per_sheet: EXCEL_MAX_ROWS,
        };
        export.add_sheet()?;
        Ok(export)
    }

    /// Writes one row; it must have one cell per column.
    pub fn write_row(&mut self, row: &[Cell]) -> anyhow::Result<()> {
        if row.len() != self.columns.len() {
            bail!("a row of {} cells in an XLSX export of {} columns", row.len(), self.columns.len());
        }
        if self.decided {
            return self.emit(row);
        }
        self.pending.push(row.to_vec());
        if self.pending.len() >= self.lookahead_rows {
            self.decide_formats()?;
        }
        Ok(())
    }

    /// Finishes the workbook and returns the `.xlsx` file's bytes.
    pub fn finish(self) -> anyhow::Result<Vec<u8>> {
        let mut workbook = self.complete()?;
        workbook.save_to_buffer().context("cannot assemble the XLSX file")
    }

    /// Finishes the workbook and writes the `.xlsx` file to `out` (a file, a
    /// socket, …) without holding it in memory.
    pub fn finish_to_writer<W: Write + Send>(self, out: W) -> anyhow::Result<()> {
        let mut workbook = self.complete()?;
        workbook.save_to_writer(out).context("cannot write the XLSX file")
    }

    /// Decides whole or decimal formats from the rows held so far, then
    /// writes them; later rows are written as they come.
    fn decide_formats(&mut self) -> anyhow::Result<()> {
        for (i, plan) in self.plans.iter_mut().enumerate() {
            plan.has_decimals = self
                .pending
                .iter()
                .any(|row| matches!(row[i], Cell::Float(f) if f.is_finite() && f.fract() != 0.0));
        }
        self.decided = true;
        for row in std::mem::take(&mut self.pending) {
            self.emit(&row)?;
        }
        Ok(())
    }

    /// Adds a sheet and writes its header row.
    fn add_sheet(&mut self) -> anyhow::Result<()> {
        let number = self.sheet_rows.len() + 1;
        let name = if number == 1 { self.sheet_base.clone() } else { continuation_sheet_name(&self.sheet_base, number) };
        let sheet = self
            .workbook
            .add_worksheet_with_constant_memory()
            .context("cannot create the temporary file for the XLSX sheet")?;
        sheet.set_name(&name)?;
        sheet.set_freeze_panes(1, 0)?;
        for (c, column) in self.columns.iter().enumerate() {
            let c = c as u16;
            sheet.write_string_with_format(0, c, column.label(), &self.formats.header)?;
            let english = match &column.unit {
                Some(unit) => format!("{} ({unit})", column.en),
                None => column.en.clone(),
            };
            sheet.insert_note(0, c, &Note::new(english).set_author("精准").add_author_prefix(false))?;
        }
        self.sheet_rows.push(1);
        Ok(())
    }

    /// Writes one row below the last, on a new sheet when this one is full.
    fn emit(&mut self, row: &[Cell]) -> anyhow::Result<()> {
        if self.sheet_rows.last().is_some_and(|&rows| rows >= self.rows_per_sheet) {
            self.add_sheet()?;
        }
        let index = self.sheet_rows.len() - 1;
        let r = self.sheet_rows[index];
        let sheet = self.workbook.worksheet_from_index(index)?;
        for (c, (cell, plan)) in row.iter().zip(self.plans.iter_mut()).enumerate() {
            let c = c as u16;
            match cell {
                Cell::Null => {}
                Cell::Int(i) if i.unsigned_abs() > EXCEL_MAX_EXACT_INT => {
                    let text = i.to_string();
                    plan.widen(text.len());
                    sheet.write_string(r, c, text)?;
                }
                Cell::Int(i) => write_number(sheet, r, c, *i as f64, plan, &self.formats)?,
                Cell::Float(f) if f.is_finite() => write_number(sheet, r, c, *f, plan, &self.formats)?,
                Cell::Float(_) => {}
                Cell::Text(t) => {
                    let text = neutralise(t);
                    let text = clip_text(&text);
                    plan.widen(display_width(&text));
                    sheet.write_string(r, c, text.as_ref())?;
                }
            }
        }
        self.sheet_rows[index] = r + 1;
        Ok(())
    }

    /// Writes what is held, then sets each sheet's widths, autofilter and
    /// ignored warnings, which are known only now.
    fn complete(mut self) -> anyhow::Result<Workbook> {
        if !self.decided {
            self.decide_formats()?;
        }
        let last_col = (self.columns.len() - 1) as u16;
        let widths: Vec<f64> =
            self.plans.iter().map(|p| (p.width + 2).clamp(MIN_COLUMN_WIDTH, MAX_COLUMN_WIDTH) as f64).collect();
        for (index, &rows) in self.sheet_rows.iter().enumerate() {
            let sheet = self.workbook.worksheet_from_index(index)?;
            for (c, &width) in widths.iter().enumerate() {
                sheet.set_column_width(c as u16, width)?;
            }
            sheet.autofilter(0, 0, rows - 1, last_col)?;
            if rows > 1 {
                sheet.ignore_error_range(1, 0, rows - 1, last_col, IgnoreError::NumberStoredAsText)?;
            }
        }
        Ok(self.workbook)
    }

    /// Test hook: a smaller look-ahead and sheet size, so that the paths for
    /// large results run on small ones.
    #[cfg(test)]
    fn with_limits(mut self, lookahead_rows: usize, rows_per_sheet: u32) -> Self {
        self.lookahead_rows = lookahead_rows;
        self.rows_per_sheet = rows_per_sheet;
        self
    }
}

fn write_number(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: f64,
    plan: &mut ColumnPlan,
    formats: &Formats,
) -> anyhow::Result<()> {
    let style = plan.style(value);
    plan.widen(number_width(value, style));
    match formats.get(style) {
        Some(format) => sheet.write_number_with_format(row, col, value, format)?,
        None => sheet.write_number(row, col, value)?,
    };
    Ok(())
}

/// How a column's numbers should look, from its unit and, without one, from
/// whether its name or labels say it is a year, identifier or code.
fn kind_of(column: &ExportColumn) -> Kind {
    match column.unit.as_deref() {
        Some(u) if u.contains('%') || u.contains('％') => Kind::Percent,
        Some(u) if u.contains('元') => Kind::Money,
        Some(_) => Kind::Measure,
        None if looks_like_identifier(column) => Kind::Identifier,
        None => Kind::Plain,
    }
}

fn looks_like_identifier(column: &ExportColumn) -> bool {
    let name = column.name.to_ascii_lowercase();
    let by_name = matches!(name.as_str(), "year" | "id" | "code" | "no")
        || ["_year", "_id", "_code", "_no"].iter().any(|s| name.ends_with(s));
    let by_zh = ["年度", "年份", "编号", "代码", "编码", "序号", "号码", "身份证"].iter().any(|s| column.zh.contains(s))
        || column.zh.ends_with('年');
    let by_en = column
        .en
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| w.eq_ignore_ascii_case("year") || w.eq_ignore_ascii_case("id") || w.eq_ignore_ascii_case("code"));
    by_name || by_zh || by_en
}

/// The approximate displayed width of a number in `style`, in digit widths.
fn number_width(value: f64, style: Style) -> usize {
    let sign = usize::from(value < 0.0);
    let digits = {
        let whole = value.abs().round();
        if whole < 10.0 {
            1
        } else {
            whole.log10().floor() as usize + 1
        }
    };
    let separators = (digits - 1) / 3;
    match style {
        Style::Percent => sign + digits + 3,
        Style::Grouped => sign + digits + separators,
        Style::GroupedDecimals => sign + digits + separators + 3,
        Style::Integer => sign + digits,
        // General shows at most about 11 characters.
        Style::General => value.to_string().len().min(11),
    }
}

/// Text cut to what an Excel cell holds.
fn clip_text(text: &str) -> Cow<'_, str> {
    if text.len() <= EXCEL_MAX_TEXT {
        // Fewer bytes than the limit means fewer UTF-16 units too.
        return Cow::Borrowed(text);
    }
    Cow::Owned(take_utf16(text, EXCEL_MAX_TEXT).to_string())
}

/// The longest prefix of `text` of at most `units` UTF-16 code units.
fn take_utf16(text: &str, units: usize) -> &str {
    let mut used = 0;
    for (i, c) in text.char_indices() {
        used += c.len_utf16();
        if used > units {
            return &text[..i];
        }
    }
    text
}

/// A legal Excel sheet name made from a title.
fn sheet_name(title: &str) -> String {
    let cleaned: String = title
        .chars()
        .map(|c| if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') || c.is_control() { '_' } else { c })
        .collect();
    let name = trim_sheet_name(take_utf16(trim_sheet_name(&cleaned), EXCEL_MAX_SHEET_NAME));
    if name.is_empty() {
        DEFAULT_SHEET_NAME.to_string()
    } else if name.eq_ignore_ascii_case("History") {
        format!("{name}_")
    } else {
        name.to_string()
    }
}

/// The name of the `number`th sheet of a result: `<base> (n)`, the base cut
/// so that the whole stays within 31 characters.
fn continuation_sheet_name(base: &str, number: usize) -> String {
    let suffix = format!(" ({number})");
    let base = trim_sheet_name(take_utf16(base, EXCEL_MAX_SHEET_NAME - suffix.len()));
    format!("{base}{suffix}")
}

/// Excel refuses names that start or end with an apostrophe; surrounding
/// spaces only confuse.
fn trim_sheet_name(name: &str) -> &str {
    name.trim_matches(|c: char| c == '\'' || c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{Data, Reader, Xlsx};

    use super::*;
    use crate::catalog::ColumnMeta;

    fn col(name: &str, zh: &str, en: &str, unit: Option<&str>) -> ExportColumn {
        ExportColumn::from_meta(name, Some(&ColumnMeta { zh: zh.into(), en: en.into(), unit: unit.map(Into::into) }))
    }

    fn t(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }

    /// year, village, income (元, decimals), subsidy (元, whole), incidence
    /// (%), households (户), zone_id (no unit).
    fn columns() -> Vec<ExportColumn> {
        vec![
            col("year", "年度", "Year", None),
            col("village", "嘎查村", "Village", None),
            col("income_per_capita", "人均纯收入", "Per-capita net income", Some("元")),
            col("subsidy", "补贴", "Subsidy", Some("元")),
            col("incidence", "贫困发生率", "Poverty incidence", Some("%")),
            col("households", "户数", "Households", Some("户")),
            col("zone_id", "战区编号", "Zone", None),
        ]
    }

    fn sample_rows() -> Vec<Vec<Cell>> {
        vec![
            vec![Cell::Int(2016), t("乌兰哈达嘎查"), Cell::Float(3280.5), Cell::Float(3000.0), Cell::Float(8.4), Cell::Int(1234), Cell::Int(2)],
            vec![Cell::Int(2017), t("=1+2"), Cell::Int(4000), Cell::Int(12000), Cell::Float(5.15), Cell::Int(980), Cell::Int(2)],
            vec![Cell::Int(2018), Cell::Null, Cell::Float(-12.25), Cell::Null, Cell::Float(0.0), Cell::Int(-5), Cell::Null],
        ]
    }

    fn build(title: &str, columns: &[ExportColumn], rows: &[Vec<Cell>]) -> Vec<u8> {
        let mut x = XlsxExport::new(title, columns).unwrap();
        for r in rows {
            x.write_row(r).unwrap();
        }
        x.finish().unwrap()
    }

    fn open(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
        Xlsx::new(Cursor::new(bytes)).unwrap()
    }

    fn number_format(styles: &calamine::StyleRange, row: u32, col: u32) -> String {
        styles
            .get((row, col))
            .and_then(|s| s.number_format.as_ref())
            .map(|f| f.format_code.clone())
            .unwrap_or_else(|| "General".to_string())
    }

    #[test]
    fn reads_back_with_numbers_as_numbers_and_labels_as_header() {
        let mut book = open(build("贫困发生率", &columns(), &sample_rows()));
        assert_eq!(book.sheet_names(), ["贫困发生率"]);
        let range = book.worksheet_range("贫困发生率").unwrap();
        assert_eq!(range.get_size(), (4, 7));
        let header: Vec<_> = (0..7).map(|c| range.get((0, c)).unwrap().to_string()).collect();
        assert_eq!(header, ["年度", "嘎查村", "人均纯收入（元）", "补贴（元）", "贫困发生率（%）", "户数（户）", "战区编号"]);

        // Numbers are numbers (calamine reads every xlsx number as Float).
        assert_eq!(range.get((1, 0)), Some(&Data::Float(2016.0)));
        assert_eq!(range.get((1, 2)), Some(&Data::Float(3280.5)));
        assert_eq!(range.get((1, 4)), Some(&Data::Float(8.4)), "percent not divided");
        assert_eq!(range.get((2, 2)), Some(&Data::Float(4000.0)));
        assert_eq!(range.get((3, 2)), Some(&Data::Float(-12.25)));
        assert_eq!(range.get((3, 5)), Some(&Data::Float(-5.0)), "a negative number stays a number");
        // Text is text; formula-like text gets an apostrophe.
        assert_eq!(range.get((1, 1)), Some(&Data::String("乌兰哈达嘎查".into())));
        assert_eq!(range.get((2, 1)), Some(&Data::String("'=1+2".into())), "formula-like text is neutralised");
        // Null is empty.
        assert_eq!(range.get((3, 1)), Some(&Data::Empty));
        assert_eq!(range.get((3, 3)), Some(&Data::Empty));

        // No formula anywhere.
        let formulas = book.worksheet_formula("贫困发生率").unwrap();
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "{formulas:?}");
    }

    #[test]
    fn number_formats_follow_units() {
        let mut book = open(build("格式", &columns(), &sample_rows()));
        let styles = book.worksheet_style("格式").unwrap();
        for row in 1..=2 {
            assert_eq!(number_format(&styles, row, 0), "0", "year: no thousands separator");
            assert_eq!(number_format(&styles, row, 2), "#,##0.00", "money column with decimals, whole values too");
            assert_eq!(number_format(&styles, row, 3), "#,##0", "money column of whole numbers");
            assert_eq!(number_format(&styles, row, 4), "0.0\"%\"", "percent");
            assert_eq!(number_format(&styles, row, 5), "#,##0", "count");
            assert_eq!(number_format(&styles, row, 6), "0", "identifier");
        }
        // Text cells carry no number format.
        assert_eq!(number_format(&styles, 1, 1), "General");
        // The header is bold, the data is not.
        for c in 0..7 {
            let font = styles.get((0, c)).and_then(|s| s.font.as_ref()).expect("header font");
            assert!(font.is_bold(), "header cell {c}");
        }
        assert!(!styles.get((1, 2)).and_then(|s| s.font.as_ref()).is_some_and(|f| f.is_bold()));
    }

    #[test]
    fn unitless_columns_without_identity_get_separators_or_general() {
        let cols = vec![col("total", "合计", "Total", None), col("ratio", "比值", "Ratio", None), col("n", "数量", "Count", Some("个"))];
        let rows = vec![
            vec![Cell::Int(123456), Cell::Float(0.1234), Cell::Float(2.5)],
            vec![Cell::Int(7), Cell::Float(1.0), Cell::Int(3)],
        ];
        let mut book = open(build("其他", &cols, &rows));
        let styles = book.worksheet_style("其他").unwrap();
        assert_eq!(number_format(&styles, 1, 0), "#,##0");
        assert_eq!(number_format(&styles, 1, 1), "General");
        assert_eq!(number_format(&styles, 2, 1), "General");
        // A count with decimals (an average) is not shown rounded.
        assert_eq!(number_format(&styles, 1, 2), "#,##0.00");
        assert_eq!(number_format(&styles, 2, 2), "#,##0.00");
    }

    #[test]
    fn decimals_after_the_look_ahead_are_not_shown_rounded() {
        let cols = vec![col("income", "收入", "Income", Some("元"))];
        let mut x = XlsxExport::new("收入", &cols).unwrap().with_limits(2, EXCEL_MAX_ROWS);
        for v in [1000.0, 2000.0, 2500.75, 3000.0] {
            x.write_row(&[Cell::Float(v)]).unwrap();
        }
        let mut book = open(x.finish().unwrap());
        let styles = book.worksheet_style("收入").unwrap();
        let got: Vec<_> = (1..=4).map(|r| number_format(&styles, r, 0)).collect();
        assert_eq!(got, ["#,##0", "#,##0", "#,##0.00", "#,##0"]);
        let range = book.worksheet_range("收入").unwrap();
        assert_eq!(range.get((3, 0)), Some(&Data::Float(2500.75)));
    }

    #[test]
    fn autofilter_covers_header_and_data() {
        let book = open(build("贫困发生率", &columns(), &sample_rows()));
        let names = book.defined_names().to_vec();
        assert!(
            names.iter().any(|(n, v)| n == "_xlnm._FilterDatabase" && v == "贫困发生率!$A$1:$G$4"),
            "{names:?}"
        );
    }

    #[test]
    fn identifiers_and_kinds() {
        let kind = |name: &str, zh: &str, en: &str, unit: Option<&str>| kind_of(&col(name, zh, en, unit));
        assert_eq!(kind("year", "年度", "Year", None), Kind::Identifier);
        assert_eq!(kind("exit_year", "脱贫年", "Exit", None), Kind::Identifier);
        assert_eq!(kind("zone_id", "战区编号", "Zone", None), Kind::Identifier);
        assert_eq!(kind("x", "身份证号", "x", None), Kind::Identifier);
        assert_eq!(kind("x", "x", "Village code", None), Kind::Identifier);
        assert_eq!(kind("households", "户数", "Households", Some("户")), Kind::Measure);
        assert_eq!(kind("x", "贷款", "Loan", Some("万元")), Kind::Money);
        assert_eq!(kind("x", "发生率", "Rate", Some("％")), Kind::Percent);
        assert_eq!(kind("total", "合计", "Total", None), Kind::Plain);
        // "Identified" is not the word "id".
        assert_eq!(kind("identified", "识别", "Identified households", None), Kind::Plain);
    }

    #[test]
    fn sheet_names_follow_excel_rules() {
        assert_eq!(sheet_name("贫困发生率"), "贫困发生率");
        assert_eq!(sheet_name("收入/支出: [对比]*?\\"), "收入_支出_ _对比____");
        assert_eq!(sheet_name("'引号'"), "引号");
        assert_eq!(sheet_name("  "), DEFAULT_SHEET_NAME);
        assert_eq!(sheet_name("history"), "history_");
        let long = "建档立卡户人均纯收入按年度按战区按苏木镇按嘎查村统计汇总表格";
        assert_eq!(long.chars().count(), 30);
        assert_eq!(sheet_name(&format!("{long}ABC")), format!("{long}A"));
        // A cut that leaves an apostrophe at the end drops it.
        assert_eq!(sheet_name(&format!("{}'x", "a".repeat(30))), "a".repeat(30));
        // Astral characters count as two UTF-16 units.
        let emoji = "😀".repeat(20);
        assert_eq!(sheet_name(&emoji), "😀".repeat(15));
        assert_eq!(continuation_sheet_name(&"表".repeat(31), 2), format!("{} (2)", "表".repeat(27)));
        assert_eq!(continuation_sheet_name("贫困发生率", 12), "贫困发生率 (12)");

        // The workbook accepts what we make, with a hostile title.
        let mut book = open(build("a/b:c*d?e[f]g\\h'", &columns(), &[]));
        assert_eq!(book.sheet_names(), ["a_b_c_d_e_f_g_h"]);
        assert!(book.worksheet_range("a_b_c_d_e_f_g_h").is_ok());
    }

    #[test]
    fn rows_beyond_a_sheet_continue_on_the_next() {
        let cols = vec![col("n", "序号", "No.", None), col("v", "值", "Value", Some("人"))];
        let mut x = XlsxExport::new("大表", &cols).unwrap().with_limits(3, 5);
        for i in 0..10 {
            x.write_row(&[Cell::Int(i), Cell::Int(i * 10)]).unwrap();
        }
        let mut book = open(x.finish().unwrap());
        assert_eq!(book.sheet_names(), ["大表", "大表 (2)", "大表 (3)"]);
        let mut seen = Vec::new();
        for name in book.sheet_names() {
            let range = book.worksheet_range(&name).unwrap();
            assert_eq!(range.get((0, 0)), Some(&Data::String("序号".into())), "{name}");
            assert_eq!(range.get((0, 1)), Some(&Data::String("值（人）".into())), "{name}");
            assert!(range.height() <= 5);
            for r in 1..range.height() {
                seen.push(range.get((r, 0)).cloned().unwrap());
            }
        }
        assert_eq!(seen, (0..10).map(|i| Data::Float(i as f64)).collect::<Vec<_>>());
    }

    #[test]
    fn awkward_values() {
        let cols = vec![col("a", "甲", "A", None), col("b", "乙", "B", Some("元"))];
        let long = "长".repeat(40_000);
        let rows = vec![
            vec![Cell::Int(1_234_567_890_123_456_789), Cell::Float(f64::NAN)],
            vec![t("控制\u{1}字符\t和\n换行"), Cell::Float(f64::INFINITY)],
            vec![Cell::Text(long), Cell::Int(-1)],
            vec![t("150526198001011234"), Cell::Float(1e-3)],
        ];
        let mut book = open(build("怪值", &cols, &rows));
        let range = book.worksheet_range("怪值").unwrap();
        assert_eq!(range.get((1, 0)), Some(&Data::String("1234567890123456789".into())), "long integers keep their digits");
        assert_eq!(range.get((1, 1)), Some(&Data::Empty));
        assert_eq!(range.get((2, 0)), Some(&Data::String("控制\u{1}字符\t和\n换行".into())));
        assert_eq!(range.get((2, 1)), Some(&Data::Empty));
        match range.get((3, 0)) {
            Some(Data::String(s)) => assert_eq!(s.chars().count(), EXCEL_MAX_TEXT),
            other => panic!("{other:?}"),
        }
        assert_eq!(range.get((4, 0)), Some(&Data::String("150526198001011234".into())));
        assert_eq!(range.get((4, 1)), Some(&Data::Float(1e-3)));
    }

    #[test]
    fn empty_results_and_bad_input() {
        let mut book = open(build("空", &columns(), &[]));
        let range = book.worksheet_range("空").unwrap();
        assert_eq!(range.get_size(), (1, 7));
        assert!(XlsxExport::new("x", &[]).is_err());
        let mut x = XlsxExport::new("x", &columns()).unwrap();
        let err = x.write_row(&[Cell::Int(1)]).unwrap_err();
        assert!(err.to_string().contains("1 cells") && err.to_string().contains("7 columns"), "{err}");
    }

    #[test]
    fn finishes_to_a_writer_and_is_send() {
        fn is_send<T: Send>() {}
        is_send::<XlsxExport>();
        let mut x = XlsxExport::new_in("写出", &columns(), &std::env::temp_dir()).unwrap();
        for r in sample_rows() {
            x.write_row(&r).unwrap();
        }
        let mut out = Vec::new();
        x.finish_to_writer(&mut out).unwrap();
        let mut book = open(out);
        assert_eq!(book.worksheet_range("写出").unwrap().get_size(), (4, 7));
        assert!(XlsxExport::new_in("x", &columns(), Path::new("/no/such/folder")).is_err());
    }

    #[test]
    fn widths_count_cjk_as_two() {
        assert_eq!(number_width(1234567.0, Style::Grouped), 9);
        assert_eq!(number_width(-1234.5, Style::GroupedDecimals), 9);
        assert_eq!(number_width(8.4, Style::Percent), 4);
        assert_eq!(number_width(2016.0, Style::Integer), 4);
        assert_eq!(number_width(0.25, Style::General), 4);
        assert_eq!(take_utf16("ab😀c", 3), "ab");
        assert_eq!(take_utf16("ab😀c", 4), "ab😀");
    }
}
