//! Reading a source file into records of text cells: CSV (UTF-8 with or
//! without BOM, UTF-16 with BOM, GBK/GB18030 detected; comma, tab or
//! semicolon delimited) and Excel workbooks (every non-empty sheet). Row
//! numbers are the ones a spreadsheet shows: the header is row 1.

use std::fs::File;
use std::io::{BufReader, Cursor, Read};
use std::path::Path;

use calamine::{open_workbook_auto, Data, Reader};

/// One record: its row number and its cells.
pub type Record = (usize, Vec<String>);

/// A problem that stops one record (or the whole source) from being read.
#[derive(Debug, Clone)]
pub struct ReadProblem {
    /// Row number, 0 for the file as a whole.
    pub row: usize,
    pub message: String,
}

/// The records of one CSV file or one sheet, header first.
pub struct Source {
    /// Shown in messages: the file name, plus `[sheet]` for workbooks.
    pub label: String,
    /// Sheet name for workbooks (used to tell which table it holds).
    pub sheet: Option<String>,
    pub encoding: &'static str,
    pub header: Vec<String>,
    /// Size in bytes of what is left to read, for the progress bar.
    pub size: u64,
    inner: Inner,
}

enum Inner {
    /// `row` is the spreadsheet row of the last record: the line it starts
    /// on (worked out from where it ends, since the CSV reader skips blank
    /// lines before a record without counting them) less the line breaks
    /// inside quoted fields before it (`embedded`). `total` is the length
    /// of the stream and `final_newline` whether it ends with a line break.
    Csv {
        reader: csv::Reader<Box<dyn Read + Send>>,
        record: csv::ByteRecord,
        row: usize,
        embedded: usize,
        total: u64,
        final_newline: bool,
        /// Cells in the header, once it is read (0 before).
        width: usize,
    },
    Rows(std::vec::IntoIter<Result<Record, ReadProblem>>),
}

impl Source {
    /// The next record, or a problem with it; `None` at the end.
    pub fn next_record(&mut self) -> Option<Result<Record, ReadProblem>> {
        let mut cells = Vec::new();
        self.next_into(&mut cells).map(|r| r.map(|row| (row, cells)))
    }

    /// Like [`Source::next_record`], with the cells written into `cells`,
    /// whose strings are reused from row to row (an import reads millions
    /// of rows: no new allocation per cell). Returns the row number.
    pub fn next_into(&mut self, cells: &mut Vec<String>) -> Option<Result<usize, ReadProblem>> {
        match &mut self.inner {
            Inner::Rows(it) => it.next().map(|r| {
                r.map(|(row, c)| {
                    *cells = c;
                    row
                })
            }),
            Inner::Csv { reader, record, row, embedded, total, final_newline, width } => loop {
                match reader.read_byte_record(record) {
                    Ok(false) => return None,
                    Ok(true) => {
                        let inside: usize = record.iter().map(|f| f.iter().filter(|b| **b == b'\n').count()).sum();
                        let end = reader.position();
                        // The reader stands on the line after the record,
                        // unless the record was the unterminated last line.
                        let at_unterminated_end = end.byte() >= *total && !*final_newline;
                        let start_line = end.line() as usize - inside - usize::from(!at_unterminated_end);
                        *row = start_line.saturating_sub(*embedded).max(*row + 1);
                        *embedded += inside;
                        if record.iter().all(|f| f.iter().all(|b| b.is_ascii_whitespace())) {
                            continue; // blank lines and empty rows from spreadsheets
                        }
                        if inside > 0 && end.byte() >= *total && *width > 0 && record.len() < *width {
                            // A quoted cell that runs to the end of the file:
                            // its opening quote was never closed.
                            return Some(Err(ReadProblem {
                                row: *row,
                                message: format!(
                                    "a quote (\") opened in this row is never closed, so the rest of the file ({inside} more lines) was read as one cell; expected every quoted cell to end with a quote (or the file is cut off)"
                                ),
                            }));
                        }
                        let mut n = 0;
                        for field in record.iter() {
                            match std::str::from_utf8(field) {
                                Ok(s) => {
                                    if n == cells.len() {
                                        cells.push(String::new());
                                    }
                                    let cell = &mut cells[n];
                                    cell.clear();
                                    if s.contains('\u{FEFF}') {
                                        cell.push_str(&s.replace('\u{FEFF}', ""));
                                    } else {
                                        cell.push_str(s);
                                    }
                                    n += 1;
                                }
                                Err(e) => {
                                    let message = if at_unterminated_end && e.error_len().is_none() {
                                        "the file ends in the middle of a character: it looks cut off (truncated); expected complete rows, so copy or export the file again".into()
                                    } else if encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(field).is_some() {
                                        "this row is in GBK/GB18030 although the file began as UTF-8: the file mixes encodings; expected one encoding throughout (save it again as UTF-8)".into()
                                    } else {
                                        "text is not valid UTF-8 here although the file began as UTF-8: the file mixes encodings; save it again as UTF-8".into()
                                    };
                                    return Some(Err(ReadProblem { row: *row, message }));
                                }
                            }
                        }
                        cells.truncate(n);
                        return Some(Ok(*row));
                    }
                    Err(e) => {
                        *row += 1;
                        let message = match e.kind() {
                            csv::ErrorKind::Io(io) => format!("cannot read the file: {io}"),
                            other => format!("malformed CSV: {other:?}"),
                        };
                        return Some(Err(ReadProblem { row: *row, message }));
                    }
                }
            },
        }
    }

    /// Bytes read so far (CSV only; 0 for workbooks).
    pub fn position(&self) -> u64 {
        match &self.inner {
            Inner::Csv { reader, .. } => reader.position().byte(),
            Inner::Rows(_) => 0,
        }
    }
}

/// How a file's bytes are encoded.
fn sniff_encoding(sample: &[u8]) -> &'static str {
    if sample.starts_with(&[0xEF, 0xBB, 0xBF]) {
        "UTF-8 (BOM)"
    } else if sample.starts_with(&[0xFF, 0xFE]) {
        "UTF-16LE"
    } else if sample.starts_with(&[0xFE, 0xFF]) {
        "UTF-16BE"
    } else {
        match std::str::from_utf8(sample) {
            Ok(_) => "UTF-8",
            // A sample cut in the middle of a character is still UTF-8.
            Err(e) if e.error_len().is_none() => "UTF-8",
            Err(_) => {
                // Mostly valid UTF-8 with a stray bad byte stays UTF-8 (the
                // bad row is then reported); GBK text is mostly invalid.
                let text = String::from_utf8_lossy(sample);
                let bad = text.matches('\u{FFFD}').count();
                let good = text.chars().filter(|c| !c.is_ascii() && *c != '\u{FFFD}').count();
                if good > 20 * bad {
                    "UTF-8"
                } else {
                    "GB18030"
                }
            }
        }
    }
}

/// Picks the delimiter that splits the first line into the most fields.
fn sniff_delimiter(first_line: &str) -> u8 {
    let mut best = (b',', 0usize);
    for d in [b',', b'\t', b';', b'|'] {
        let n = first_line.bytes().filter(|b| *b == d).count();
        if n > best.1 {
            best = (d, n);
        }
    }
    best.0
}

/// Opens a CSV file. Problems that prevent reading it at all come back as
/// `Err` with row 0.
pub fn open_csv(path: &Path, label: &str) -> Result<Source, ReadProblem> {
    let mut file = File::open(path).map_err(cannot_read)?;
    let size = file.metadata().map_err(cannot_read)?.len();
    let mut sample = Vec::with_capacity(64 * 1024);
    (&mut file).take(64 * 1024).read_to_end(&mut sample).map_err(cannot_read)?;
    if sample.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(empty_file());
    }
    let encoding = match sniff_binary(&sample) {
        Ok(Some(utf16)) => utf16,
        Ok(None) => sniff_encoding(&sample),
        Err(p) => return Err(p),
    };
    let mut total = size;
    let final_newline;
    let (first_line, body): (String, Box<dyn Read + Send>) = if encoding.starts_with("UTF-8") {
        final_newline = last_byte(path).map_err(cannot_read)? == Some(b'\n');
        // UTF-8 streams from the file, so large exports never sit in memory.
        let first = sample.split(|b| *b == b'\n').next().unwrap_or(&[]);
        let first = String::from_utf8_lossy(first).into_owned();
        (first, Box::new(Cursor::new(sample).chain(BufReader::with_capacity(1 << 20, file))))
    } else {
        // GBK and UTF-16 exports are the small hand-made ones: decode whole.
        let mut all = sample;
        file.read_to_end(&mut all).map_err(cannot_read)?;
        let (text, had_errors) = match encoding {
            "UTF-16LE" => encoding_rs::UTF_16LE.decode_with_bom_removal(&all),
            "UTF-16BE" => encoding_rs::UTF_16BE.decode_with_bom_removal(&all),
            _ => {
                gbk_rows(&all)?;
                let (t, _, e) = encoding_rs::GB18030.decode(&all);
                (t, e)
            }
        };
        if had_errors {
            return Err(ReadProblem {
                row: 0,
                message: format!("the file is neither UTF-8 nor {encoding}; expected text in UTF-8 or GBK/GB18030"),
            });
        }
        let text = text.into_owned();
        total = text.len() as u64;
        final_newline = text.ends_with('\n');
        (text.lines().next().unwrap_or("").to_string(), Box::new(Cursor::new(text.into_bytes())))
    };
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sniff_delimiter(&first_line))
        .from_reader(body);
    let mut source = Source {
        label: label.to_string(),
        sheet: None,
        encoding,
        header: Vec::new(),
        size,
        inner: Inner::Csv { reader, record: csv::ByteRecord::new(), row: 0, embedded: 0, total, final_newline, width: 0 },
    };
    match source.next_record() {
        Some(Ok((_, header))) => {
            if let [only] = header.as_slice() {
                if let Some(what) = foreign_separator(only) {
                    return Err(ReadProblem {
                        row: 1,
                        message: format!(
                            "the header is one single cell: the file seems separated by {what}; expected cells separated by commas, tabs or semicolons (save it as CSV from Excel or WPS)"
                        ),
                    });
                }
            }
            if let Inner::Csv { width, .. } = &mut source.inner {
                *width = header.len();
            }
            source.header = header;
            Ok(source)
        }
        Some(Err(p)) => Err(p),
        None => Err(empty_file()),
    }
}

/// Files full of NUL bytes: UTF-16 without a byte order mark (every other
/// byte NUL) is `Ok(Some(encoding))`; other binary data (a workbook, an
/// archive or a picture renamed to .csv) is refused. Text is `Ok(None)`.
fn sniff_binary(sample: &[u8]) -> Result<Option<&'static str>, ReadProblem> {
    if sample.starts_with(&[0xFF, 0xFE]) || sample.starts_with(&[0xFE, 0xFF]) {
        return Ok(None);
    }
    let nuls = sample.iter().filter(|b| **b == 0).count();
    if nuls * 10 <= sample.len() {
        return Ok(None); // a few NUL bytes are reported where they stand
    }
    let even = sample.iter().step_by(2).filter(|b| **b == 0).count();
    let odd = nuls - even;
    let half = sample.len() / 2;
    if odd * 10 >= half * 8 && even * 10 <= half {
        return Ok(Some("UTF-16LE"));
    }
    if even * 10 >= half * 8 && odd * 10 <= half {
        return Ok(Some("UTF-16BE"));
    }
    Err(ReadProblem {
        row: 0,
        message: format!(
            "the file holds binary data ({nuls} NUL bytes in its first {} bytes), not text: is it a workbook, archive or picture renamed to .csv? expected a CSV text file",
            sample.len()
        ),
    })
}

/// A GBK/GB18030 file checked line by line before it is decoded, so that
/// a row in another encoding (UTF-8 pasted into a GBK export) is named.
fn gbk_rows(all: &[u8]) -> Result<(), ReadProblem> {
    let cjk = |c: char| matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3000}'..='\u{303F}' | '\u{FF00}'..='\u{FFEF}');
    let mut utf8_rows = Vec::new();
    let mut bad_rows = Vec::new();
    let mut gbk_rows = Vec::new();
    for (i, line) in all.split(|b| *b == b'\n').enumerate() {
        if line.is_ascii() {
            continue;
        }
        let line = if i == 0 { line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line) } else { line };
        match std::str::from_utf8(line) {
            // GBK text is almost never also valid UTF-8 made of Chinese
            // characters only; a UTF-8 row is.
            Ok(text) if text.chars().any(cjk) && text.chars().all(|c| c.is_ascii() || cjk(c)) => utf8_rows.push(i + 1),
            _ if encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(line).is_none() => bad_rows.push(i + 1),
            _ => gbk_rows.push(i + 1),
        }
    }
    // Name the rows in the minority encoding.
    let (odd, main, other) = if utf8_rows.len() > gbk_rows.len() {
        (&gbk_rows, "UTF-8", "GBK/GB18030")
    } else {
        (&utf8_rows, "GBK/GB18030", "UTF-8")
    };
    let list = |rows: &[usize]| {
        let mut shown: Vec<String> = rows.iter().take(10).map(|r| r.to_string()).collect();
        if rows.len() > 10 {
            shown.push(format!("… ({} rows)", rows.len()));
        }
        shown.join(", ")
    };
    if let Some(&first) = odd.first() {
        return Err(ReadProblem {
            row: first,
            message: format!(
                "{} {} in {other} while the rest of the file is {main}: the file mixes encodings; expected one encoding throughout (save it again as UTF-8)",
                if odd.len() == 1 { "row" } else { "rows" },
                list(odd) + if odd.len() == 1 { " is" } else { " are" }
            ),
        });
    }
    if let Some(&first) = bad_rows.first() {
        return Err(ReadProblem {
            row: first,
            message: format!(
                "{} {} neither GBK/GB18030 nor UTF-8 text; expected text in UTF-8 or GBK/GB18030 throughout",
                if bad_rows.len() == 1 { "row" } else { "rows" },
                list(&bad_rows) + if bad_rows.len() == 1 { " is" } else { " are" }
            ),
        });
    }
    Ok(())
}

/// A header read as one cell because its cells are separated by something
/// the CSV reader does not split on: which separator, in words.
fn foreign_separator(cell: &str) -> Option<&'static str> {
    [('，', "full-width commas (，)"), ('、', "enumeration commas (、)"), ('；', "full-width semicolons (；)"), ('\u{3000}', "ideographic spaces"), ('|', "bars (|)")]
        .into_iter()
        .find(|(c, _)| cell.matches(*c).count() >= 2)
        .map(|(_, what)| what)
        .or_else(|| (cell.trim().split_whitespace().count() >= 3).then_some("spaces"))
}

/// The last byte of a file, read without reading the rest.
fn last_byte(path: &Path) -> std::io::Result<Option<u8>> {
    use std::io::{Seek, SeekFrom};
    let mut f = File::open(path)?;
    if f.metadata()?.len() == 0 {
        return Ok(None);
    }
    f.seek(SeekFrom::End(-1))?;
    let mut b = [0u8; 1];
    f.read_exact(&mut b)?;
    Ok(Some(b[0]))
}

fn cannot_read(e: std::io::Error) -> ReadProblem {
    ReadProblem { row: 0, message: format!("cannot read the file: {e}") }
}

fn empty_file() -> ReadProblem {
    ReadProblem { row: 0, message: "the file is empty; expected a header row and data rows".into() }
}

/// Text of one spreadsheet cell as the importer reads it. Whole numbers lose
/// the `.0` spreadsheets store them with; dates become ISO dates.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.abs() >= 1e15 {
                // Past 15 digits a spreadsheet number has lost digits (an ID
                // or household code typed as a number): keep the exponent so
                // that code and ID checks refuse it.
                format!("{f:E}")
            } else if f.fract() == 0.0 {
                format!("{}", *f as i64)
            } else {
                format!("{f}")
            }
        }
        Data::Bool(b) => if *b { "true" } else { "false" }.to_string(),
        Data::DateTime(dt) => {
            let serial = dt.as_f64();
            match chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
                .and_then(|d| d.checked_add_days(chrono::Days::new(serial.floor().max(0.0) as u64)))
            {
                Some(d) if dt.is_datetime() => d.format("%Y-%m-%d").to_string(),
                _ => format!("{serial}"),
            }
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"), // refused by the caller
    }
}

/// The records of one sheet, numbered as the spreadsheet shows them; a row
/// holding an error cell (#N/A, #DIV/0!, …) is a problem, not a value.
fn sheet_rows(range: &calamine::Range<Data>, formulas: Option<&calamine::Range<String>>) -> Vec<Result<Record, ReadProblem>> {
    let first_row = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    let first_col = range.start().map(|(_, c)| c as usize).unwrap_or(0);
    let mut rows: Vec<Result<Record, ReadProblem>> = Vec::new();
    // Formula cells without a saved value, by row.
    let mut uncalculated: std::collections::BTreeMap<usize, (usize, String)> = std::collections::BTreeMap::new();
    if let Some(formulas) = formulas {
        let (r0, c0) = formulas.start().unwrap_or((0, 0));
        for (r, c, f) in formulas.used_cells() {
            // used_cells counts from the range's corner; get_value does not.
            let (r, c) = (r0 as usize + r, c0 as usize + c);
            if !f.is_empty() && matches!(range.get_value((r as u32, c as u32)), None | Some(Data::Empty)) {
                uncalculated.entry(r).or_insert((c, f.clone()));
            }
        }
    }
    for (i, row) in range.rows().enumerate() {
        let number = first_row + i + 1;
        if let Some((c, f)) = uncalculated.get(&(number - 1)) {
            let shown: String = f.chars().take(60).collect();
            rows.push(Err(ReadProblem {
                row: number,
                message: format!(
                    "cell {}{number} holds the formula ={shown} without a calculated value; expected a value (open and save the file in Excel or WPS, which calculates it, or paste values)",
                    column_letters(*c)
                ),
            }));
            continue;
        }
        if let Some((c, Data::Error(e))) = row.iter().enumerate().find(|(_, d)| matches!(d, Data::Error(_))) {
            rows.push(Err(ReadProblem {
                row: number,
                message: format!(
                    "cell {}{number} holds the spreadsheet error {e:?}; expected a value (fix the formula or type the value)",
                    column_letters(first_col + c)
                ),
            }));
            continue;
        }
        let mut cells: Vec<String> = vec![String::new(); first_col];
        cells.extend(row.iter().map(cell_text));
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push(Ok((number, cells)));
    }
    rows
}

/// Spreadsheet column letters: 0 → A, 25 → Z, 26 → AA.
fn column_letters(mut i: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A workbook may unpack to at most this much in all (declared sizes).
pub const MAX_UNPACKED_BYTES: u64 = 4 << 30;
/// A part of a workbook larger than this must not be packed more tightly
/// than [`MAX_PACKING_RATIO`]: sheet XML packs 5 to 30 times, a zip bomb a
/// thousand.
const RATIO_CHECKED_FROM: u64 = 64 << 20;
pub const MAX_PACKING_RATIO: u64 = 200;

/// Checks a zip-based workbook's central directory before it is opened:
/// the sizes its parts declare, so that a zip bomb is refused in
/// milliseconds. (The zip reader never inflates past a declared size, so
/// the declared sizes bound what is read.)
fn check_packed_sizes(path: &Path) -> Result<(), ReadProblem> {
    let mut magic = [0u8; 4];
    let is_zip = File::open(path).and_then(|mut f| f.read_exact(&mut magic)).is_ok() && magic == *b"PK\x03\x04";
    if !is_zip {
        return Ok(()); // .xls, or not a workbook: calamine says what is wrong
    }
    let file = File::open(path).map_err(cannot_read)?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| ReadProblem {
        row: 0,
        message: format!("cannot open the workbook: it is damaged ({e}); expected an .xlsx file saved by Excel or WPS"),
    })?;
    let human = |n: u64| if n >= 1 << 30 { format!("{:.1} GB", n as f64 / (1u64 << 30) as f64) } else { format!("{} MB", n >> 20) };
    let mut total = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|e| ReadProblem {
            row: 0,
            message: format!("cannot open the workbook: it is damaged ({e}); expected an .xlsx file saved by Excel or WPS"),
        })?;
        let (size, packed) = (entry.size(), entry.compressed_size().max(1));
        total = total.saturating_add(size);
        if size >= RATIO_CHECKED_FROM && size / packed > MAX_PACKING_RATIO {
            return Err(ReadProblem {
                row: 0,
                message: format!(
                    "refused as a possible zip bomb: its part {} would unpack from {} KB to {} ({} times); expected a workbook packed at most {MAX_PACKING_RATIO} times",
                    entry.name().unwrap_or_default(),
                    packed >> 10,
                    human(size),
                    size / packed
                ),
            });
        }
    }
    if total > MAX_UNPACKED_BYTES {
        return Err(ReadProblem {
            row: 0,
            message: format!(
                "refused as a possible zip bomb: the workbook would unpack to {}; expected at most {} (split it, or export it as CSV)",
                human(total),
                human(MAX_UNPACKED_BYTES)
            ),
        });
    }
    Ok(())
}

/// Opens a workbook and returns one source per non-empty sheet. A zip bomb
/// is refused before it is opened, and a workbook so damaged that the
/// workbook reader fails on it is a problem, never a crash.
pub fn open_workbook(path: &Path, label: &str) -> Result<Vec<Source>, ReadProblem> {
    check_packed_sizes(path)?;
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_workbook(path, label))).unwrap_or_else(|_| {
        Err(ReadProblem {
            row: 0,
            message: "cannot read the workbook: it is damaged; expected an .xlsx or .xls file saved by Excel or WPS".into(),
        })
    })
}

fn read_workbook(path: &Path, label: &str) -> Result<Vec<Source>, ReadProblem> {
    let mut wb = open_workbook_auto(path).map_err(|e| ReadProblem {
        row: 0,
        message: format!("cannot open the workbook: {e}; expected an .xlsx or .xls file"),
    })?;
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let mut sources = Vec::new();
    for name in wb.sheet_names() {
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| ReadProblem { row: 0, message: format!("cannot read sheet {name}: {e}") })?;
        // Formulas count by the value Excel last calculated and saved with
        // them; one saved without a value (written by a program, never
        // opened in Excel) is refused rather than read as empty.
        let formulas = wb.worksheet_formula(&name).ok();
        let mut rows = sheet_rows(&range, formulas.as_ref());
        let Some(first) = rows.iter().position(|r| r.is_ok()) else { continue };
        let filled = |r: &Result<Record, ReadProblem>| r.as_ref().map_or(0, |(_, c)| c.iter().filter(|c| !c.trim().is_empty()).count());
        let widest_below = rows[first + 1..].iter().take(5).map(filled).max().unwrap_or(0);
        let mut header_at = first;
        if filled(&rows[first]) < widest_below {
            // Not a plain table: title rows, or a header in two rows with
            // merged group cells above the column names.
            let merges = match &mut wb {
                calamine::Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
                _ => Vec::new(),
            };
            header_at = find_header(&mut rows, first, &merges);
        }
        let header = match rows.drain(..=header_at).next_back() {
            Some(Ok((_, header))) => header,
            _ => continue,
        };
        sources.push(Source {
            label: format!("{label}[{name}]"),
            sheet: Some(name.clone()),
            encoding: "xlsx",
            header,
            size,
            inner: Inner::Rows(rows.into_iter()),
        });
    }
    if sources.is_empty() {
        return Err(ReadProblem { row: 0, message: "the workbook has no sheet with data".into() });
    }
    Ok(sources)
}

/// The index of the header among `rows` when the first non-empty row is
/// narrower than the data: title rows (one filled cell) are passed over,
/// and a row of group headings (cells merged across several columns) with
/// the column names below it gives way to that row, whose cells merged down
/// from the group row (户编号 spanning both rows) are filled in from it.
fn find_header(rows: &mut [Result<Record, ReadProblem>], first: usize, merges: &[calamine::Dimensions]) -> usize {
    let filled = |r: &Result<Record, ReadProblem>| r.as_ref().map_or(0, |(_, c)| c.iter().filter(|c| !c.trim().is_empty()).count());
    let next_ok = |rows: &[Result<Record, ReadProblem>], i: usize| (i + 1..rows.len()).find(|&j| rows[j].is_ok());
    let mut at = first;
    for _ in 0..10 {
        match next_ok(rows, at) {
            Some(next) if filled(&rows[at]) <= 1 && filled(&rows[next]) >= 2 => at = next,
            _ => break,
        }
    }
    let Some(next) = next_ok(rows, at) else { return at };
    let (Ok((group_row, group)), Ok((header_row, _))) = (&rows[at], &rows[next]) else { return at };
    let (group_row, header_row) = (*group_row as u32 - 1, *header_row as u32 - 1);
    let grouped = merges.iter().any(|m| m.start.0 == group_row && m.end.0 == group_row && m.end.1 > m.start.1);
    if !grouped {
        return at;
    }
    // Cells merged down over both rows keep their value in the group row.
    let down: Vec<(usize, String)> = merges
        .iter()
        .filter(|m| m.start.0 == group_row && m.end.0 >= header_row && m.start.1 == m.end.1)
        .filter_map(|m| group.get(m.start.1 as usize).map(|v| (m.start.1 as usize, v.clone())))
        .collect();
    if let Ok((_, cells)) = &mut rows[next] {
        for (c, v) in down {
            if cells.len() <= c {
                cells.resize(c + 1, String::new());
            }
            if cells[c].trim().is_empty() {
                cells[c] = v;
            }
        }
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_and_delimiters_are_sniffed() {
        assert_eq!(sniff_encoding(b"\xEF\xBB\xBFa,b"), "UTF-8 (BOM)");
        assert_eq!(sniff_encoding("户编号,户主".as_bytes()), "UTF-8");
        let (gbk, _, _) = encoding_rs::GBK.encode("户编号,户主姓名");
        assert_eq!(sniff_encoding(&gbk), "GB18030");
        // A sample cut inside a multi-byte character is still UTF-8.
        let cut = &"户编号".as_bytes()[..4];
        assert_eq!(sniff_encoding(cut), "UTF-8");
        assert_eq!(sniff_delimiter("a\tb\tc"), b'\t');
        assert_eq!(sniff_delimiter("a;b;c"), b';');
        assert_eq!(sniff_delimiter("a,b"), b',');
        // One stray byte in otherwise Chinese UTF-8 stays UTF-8.
        let mut mostly = "户编号,户主姓名,家庭人口\n".repeat(20).into_bytes();
        mostly.push(0xFF);
        assert_eq!(sniff_encoding(&mostly), "UTF-8");
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(27), "AB");
    }

    #[test]
    fn binary_utf16_and_mixed_encodings_are_told_apart() {
        let utf16: Vec<u8> = "a\tb\n户\t1\n".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        assert_eq!(sniff_binary(&utf16).unwrap(), Some("UTF-16LE"));
        assert_eq!(sniff_binary(b"a,b\n1,2\n").unwrap(), None);
        assert!(sniff_binary(&[0u8; 100]).unwrap_err().message.contains("binary data"));
        let gbk = |t: &str| encoding_rs::GBK.encode(t).0.into_owned();
        let mut mixed = gbk("户编号,户主姓名\n1,巴特尔\n");
        mixed.extend("2,乌云其其格\n".as_bytes());
        mixed.extend(gbk("3,张桂兰\n"));
        let p = gbk_rows(&mixed).unwrap_err();
        assert_eq!(p.row, 3);
        assert!(p.message.starts_with("row 3 is in UTF-8 while the rest of the file is GBK/GB18030"), "{}", p.message);
        assert!(gbk_rows(&gbk("户编号,户主姓名\n1,巴特尔\n")).is_ok());
        assert_eq!(foreign_separator("户编号，户主姓名，家庭人口"), Some("full-width commas (，)"));
        assert_eq!(foreign_separator("户编号"), None);
    }

    #[test]
    fn spreadsheet_errors_and_long_numbers_are_refused() {
        let mut range = calamine::Range::new((0, 0), (2, 1));
        range.set_value((0, 0), Data::String("户编号".into()));
        range.set_value((0, 1), Data::String("户主姓名".into()));
        range.set_value((1, 0), Data::Float(1.505261002010001e15));
        range.set_value((1, 1), Data::String("巴特尔".into()));
        range.set_value((2, 0), Data::String("150526100201".into()));
        range.set_value((2, 1), Data::Error(calamine::CellErrorType::NA));
        let rows = sheet_rows(&range, None);
        let (n, cells) = rows[1].as_ref().unwrap();
        assert_eq!(*n, 2);
        assert!(cells[0].contains('E'), "a 16-digit number keeps its exponent: {}", cells[0]);
        let err = rows[2].as_ref().unwrap_err();
        assert_eq!(err.row, 3);
        assert!(err.message.starts_with("cell B3 holds the spreadsheet error"), "{}", err.message);
    }

    #[test]
    fn rows_keep_their_spreadsheet_numbers_past_blank_lines_and_multiline_cells() {
        let dir = std::env::temp_dir().join(format!("jingzhun-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.csv");
        std::fs::write(&path, "a,b\n1,2\n\n3,\"x\ny\"\n4,5\n").unwrap();
        let mut s = open_csv(&path, "t.csv").unwrap();
        let mut rows = Vec::new();
        while let Some(r) = s.next_record() {
            rows.push(r.unwrap().0);
        }
        // Row 3 is blank; row 4 holds a cell with a line break; row 5 follows.
        assert_eq!(rows, [2, 4, 5]);
        // The same without a final line break, and with blank lines at the end.
        for text in ["a,b\n1,2\n\n3,\"x\ny\"\n4,5", "a,b\n1,2\n\n3,\"x\ny\"\n4,5\n\n\n"] {
            std::fs::write(&path, text).unwrap();
            let mut s = open_csv(&path, "t.csv").unwrap();
            let mut rows = Vec::new();
            while let Some(r) = s.next_record() {
                rows.push(r.unwrap().0);
            }
            assert_eq!(rows, [2, 4, 5], "{text:?}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
