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
    },
    Rows(std::vec::IntoIter<Result<Record, ReadProblem>>),
}

impl Source {
    /// The next record, or a problem with it; `None` at the end.
    pub fn next_record(&mut self) -> Option<Result<Record, ReadProblem>> {
        match &mut self.inner {
            Inner::Rows(it) => it.next(),
            Inner::Csv { reader, record, row, embedded, total, final_newline } => loop {
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
                        let mut cells = Vec::with_capacity(record.len());
                        for field in record.iter() {
                            match std::str::from_utf8(field) {
                                Ok(s) if s.contains('\u{FEFF}') => cells.push(s.replace('\u{FEFF}', "")),
                                Ok(s) => cells.push(s.to_string()),
                                Err(_) => {
                                    return Some(Err(ReadProblem {
                                        row: *row,
                                        message: "text is not valid UTF-8 here although the file began as UTF-8: the file mixes encodings; save it again as UTF-8".into(),
                                    }))
                                }
                            }
                        }
                        return Some(Ok((*row, cells)));
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
    let encoding = sniff_encoding(&sample);
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
        inner: Inner::Csv { reader, record: csv::ByteRecord::new(), row: 0, embedded: 0, total, final_newline },
    };
    match source.next_record() {
        Some(Ok((_, header))) => {
            source.header = header;
            Ok(source)
        }
        Some(Err(p)) => Err(p),
        None => Err(empty_file()),
    }
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
fn sheet_rows(range: &calamine::Range<Data>) -> Vec<Result<Record, ReadProblem>> {
    let first_row = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    let first_col = range.start().map(|(_, c)| c as usize).unwrap_or(0);
    let mut rows: Vec<Result<Record, ReadProblem>> = Vec::new();
    for (i, row) in range.rows().enumerate() {
        let number = first_row + i + 1;
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

/// Opens a workbook and returns one source per non-empty sheet.
pub fn open_workbook(path: &Path, label: &str) -> Result<Vec<Source>, ReadProblem> {
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
        let mut rows = sheet_rows(&range);
        let header = match rows.iter().position(|r| r.is_ok()) {
            Some(i) => match rows.remove(i) {
                Ok((_, header)) => header,
                Err(_) => continue,
            },
            None => continue,
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
    fn spreadsheet_errors_and_long_numbers_are_refused() {
        let mut range = calamine::Range::new((0, 0), (2, 1));
        range.set_value((0, 0), Data::String("户编号".into()));
        range.set_value((0, 1), Data::String("户主姓名".into()));
        range.set_value((1, 0), Data::Float(1.505261002010001e15));
        range.set_value((1, 1), Data::String("巴特尔".into()));
        range.set_value((2, 0), Data::String("150526100201".into()));
        range.set_value((2, 1), Data::Error(calamine::CellErrorType::NA));
        let rows = sheet_rows(&range);
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
