//! Import: CSV and Excel files into the store, validated before anything
//! lands. Each file is read as a stream, every cell checked against the
//! table catalogue (`store::tables`) on a reading thread, rows appended in
//! Arrow batches through DuckDB's Appender (into the table when it is
//! empty, else into a staging table merged into the real table by natural
//! key) — all inside one transaction that commits only when the whole run
//! is clean (or, with `skip_invalid`, with the clean rows).
//!
//! Invariant: an import either commits whole or leaves the database exactly
//! as it was; every problem names file, row and column and what was expected.

pub mod read;
pub mod values;

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::Connection;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::store::tables::{Column, Table, TABLES};
use read::Source;
use values::header_key;

/// How an import behaves.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Land the valid rows and write rejected ones to a rejects CSV.
    pub skip_invalid: bool,
    /// Where rejects CSVs go (default: the current directory).
    pub rejects_dir: Option<PathBuf>,
    /// Import every file into this table instead of guessing it.
    pub table: Option<String>,
    /// Draw a progress bar on stderr.
    pub progress: bool,
    /// Validate, merge and count as for real, then roll back: the report
    /// shows what would be added and updated, and nothing changes.
    pub dry_run: bool,
}

/// One problem with the input: `file:row:column: message`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Problem {
    pub file: String,
    /// Row as a spreadsheet numbers it (header = 1); 0 for the whole file.
    pub row: usize,
    pub column: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.row, &self.column) {
            (0, _) => write!(f, "{}: {}", self.file, self.message),
            (row, Some(col)) => write!(f, "{}:{}:{}: {}", self.file, row, col, self.message),
            (row, None) => write!(f, "{}:{}: {}", self.file, row, self.message),
        }
    }
}

/// What happened to one file (or sheet).
#[derive(Debug, Clone, Serialize, Default)]
pub struct FileReport {
    pub label: String,
    pub table: String,
    pub encoding: String,
    pub sha256: String,
    pub accepted: u64,
    pub rejected: u64,
    pub inserted: u64,
    pub updated: u64,
    pub warnings: Vec<String>,
    pub rejects_file: Option<PathBuf>,
}

/// The outcome of one import run.
#[derive(Debug, Clone, Serialize, Default)]
pub struct ImportReport {
    pub files: Vec<FileReport>,
    /// The problems found, up to [`MAX_KEPT_PROBLEMS`].
    pub problems: Vec<Problem>,
    /// How many problems there were in all.
    pub problem_count: u64,
    pub committed: bool,
}

/// Problems kept in memory and reported; beyond this they are counted.
pub const MAX_KEPT_PROBLEMS: usize = 10_000;

impl ImportReport {
    fn problem(&mut self, p: Problem) {
        self.problem_count += 1;
        if self.problems.len() < MAX_KEPT_PROBLEMS {
            self.problems.push(p);
        }
    }
}

/// Which table a file or sheet name stands for: a table's English or
/// Chinese name or alias, or such a name followed by a suffix
/// (`household_2020.csv`).
pub fn table_for_name(stem: &str) -> Option<&'static Table> {
    let key = header_key(stem);
    let names = |t: &'static Table| {
        std::iter::once(t.name).chain(std::iter::once(t.zh)).chain(t.aliases.iter().copied()).map(header_key)
    };
    if let Some(t) = TABLES.iter().find(|t| names(t).any(|n| n == key)) {
        return Some(t);
    }
    TABLES
        .iter()
        .flat_map(|t| names(t).map(move |n| (t, n)))
        .filter(|(_, n)| {
            key.starts_with(n.as_str())
                && key[n.len()..].chars().next().is_some_and(|c| !c.is_alphabetic() || !c.is_ascii())
        })
        .max_by_key(|(_, n)| n.len())
        .map(|(t, _)| t)
}

/// Maps header cells to a table's columns: for each table column, the index
/// of the header cell that names it.
fn map_header(table: &Table, header: &[String]) -> (Vec<Option<usize>>, Vec<String>, Vec<String>) {
    let mut lookup: HashMap<String, usize> = HashMap::new();
    for (i, c) in table.columns.iter().enumerate() {
        for n in std::iter::once(c.name).chain(std::iter::once(c.zh)).chain(c.aliases.iter().copied()) {
            lookup.entry(header_key(n)).or_insert(i);
        }
    }
    let mut map = vec![None; table.columns.len()];
    let mut unknown = Vec::new();
    let mut doubled = Vec::new();
    for (h, cell) in header.iter().enumerate() {
        let k = header_key(cell);
        if k.is_empty() {
            continue;
        }
        match lookup.get(&k) {
            Some(&i) if map[i].is_none() => map[i] = Some(h),
            Some(&i) => doubled.push(format!(
                "columns \"{}\" and \"{}\" both mean {} ({})",
                header[map[i].unwrap_or(0)],
                cell,
                table.columns[i].zh,
                table.columns[i].name
            )),
            None => unknown.push(cell.clone()),
        }
    }
    (map, unknown, doubled)
}

/// Guesses the table from the header: the table all of whose required
/// columns are present and which matches the most header cells.
fn table_for_header(header: &[String]) -> Option<&'static Table> {
    let mut best: Option<(&'static Table, usize)> = None;
    let mut tie = false;
    for t in TABLES {
        let (map, _, _) = map_header(t, header);
        let complete = t.columns.iter().zip(&map).all(|(c, m)| !c.required || m.is_some());
        let matched = map.iter().filter(|m| m.is_some()).count();
        if !complete || matched == 0 {
            continue;
        }
        match best {
            Some((_, n)) if n > matched => {}
            Some((_, n)) if n == matched => tie = true,
            _ => {
                best = Some((t, matched));
                tie = false;
            }
        }
    }
    if tie {
        None
    } else {
        best.map(|b| b.0)
    }
}

fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)?;
    Ok(format!("{:x}", hasher.finalize()))
}

const EXTENSIONS: &[&str] = &["csv", "tsv", "txt", "xlsx", "xlsm", "xls"];

/// Expands folders into the table files in them (sorted by name; rejects
/// files from earlier runs are left out).
fn expand(paths: &[PathBuf], report: &mut ImportReport) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut inside: Vec<PathBuf> = match std::fs::read_dir(p) {
                Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
                Err(e) => {
                    report.problem(Problem {
                        file: p.display().to_string(),
                        row: 0,
                        column: None,
                        message: format!("cannot read the folder: {e}"),
                    });
                    continue;
                }
            };
            inside.retain(|f| {
                let name = f.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
                f.is_file()
                    && !name.ends_with(".rejects.csv")
                    && f.extension()
                        .is_some_and(|e| EXTENSIONS.contains(&e.to_string_lossy().to_lowercase().as_str()))
            });
            inside.sort();
            files.extend(inside);
        } else if p.is_file() {
            files.push(p.clone());
        } else {
            report.problem(Problem {
                file: p.display().to_string(),
                row: 0,
                column: None,
                message: "no such file or folder".into(),
            });
        }
    }
    files
}

/// One source that will be imported into one table.
struct Planned {
    source: Source,
    table: &'static Table,
    /// For each table column, the index of its cell in a record.
    map: Vec<Option<usize>>,
    sha256: String,
    warnings: Vec<String>,
}

/// Opens every file, tells its table and maps its header; problems that
/// make a file unusable are reported and the file left out.
fn plan(files: &[PathBuf], opts: &ImportOptions, report: &mut ImportReport) -> Vec<Planned> {
    let forced = opts.table.as_deref().map(|name| TABLES.iter().find(|t| t.name == name));
    if let Some(None) = forced {
        report.problem(Problem {
            file: "--table".into(),
            row: 0,
            column: None,
            message: format!(
                "unknown table {:?}; expected one of {}",
                opts.table.as_deref().unwrap_or(""),
                TABLES.iter().map(|t| t.name).collect::<Vec<_>>().join(", ")
            ),
        });
        return Vec::new();
    }
    // Every file's checksum first, on two threads: hashing a region's
    // files is a second of work that need not wait for one core.
    let sums: Vec<std::io::Result<String>> = std::thread::scope(|scope| {
        let odd = scope.spawn(|| files.iter().skip(1).step_by(2).map(|f| sha256_file(f)).collect::<Vec<_>>());
        let even: Vec<_> = files.iter().step_by(2).map(|f| sha256_file(f)).collect();
        let mut odd = odd.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)).into_iter();
        even.into_iter().flat_map(|e| std::iter::once(e).chain(odd.next())).collect()
    });
    let mut planned = Vec::new();
    for (path, sum) in files.iter().zip(sums) {
        let label = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string());
        let file_problem = |report: &mut ImportReport, file: &str, row: usize, message: String| {
            report.problem(Problem { file: file.to_string(), row, column: None, message })
        };
        let sha256 = match sum {
            Ok(s) => s,
            Err(e) => {
                file_problem(report, &label, 0, format!("cannot read the file: {e}"));
                continue;
            }
        };
        let ext = path.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
        let sources = if matches!(ext.as_str(), "xlsx" | "xlsm" | "xls") {
            read::open_workbook(path, &label)
        } else {
            read::open_csv(path, &label).map(|s| vec![s])
        };
        let sources = match sources {
            Ok(s) => s,
            Err(p) => {
                file_problem(report, &label, p.row, p.message);
                continue;
            }
        };
        let single = sources.len() == 1;
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        for source in sources {
            let table = match forced {
                Some(Some(t)) => Some(t),
                _ => source
                    .sheet
                    .as_deref()
                    .and_then(table_for_name)
                    .or_else(|| if single { table_for_name(&stem) } else { None })
                    .or_else(|| table_for_header(&source.header)),
            };
            let Some(table) = table else {
                file_problem(
                    report,
                    &source.label,
                    0,
                    "cannot tell which table this is for; expected a file (or sheet) named after a table, such as household.csv or 贫困户.xlsx, a header that matches one table, or --table".into(),
                );
                continue;
            };
            let (map, unknown, doubled) = map_header(table, &source.header);
            let mut usable = true;
            for d in doubled {
                file_problem(report, &source.label, 1, d);
                usable = false;
            }
            for (c, m) in table.columns.iter().zip(&map) {
                if m.is_none() && (c.required || table.key.contains(&c.name)) {
                    report.problem(Problem {
                        file: source.label.clone(),
                        row: 1,
                        column: Some(c.zh.to_string()),
                        message: format!(
                            "the header has no column {} ({}), which table {} ({}) requires; found columns: {}",
                            c.zh,
                            c.name,
                            table.zh,
                            table.name,
                            source.header.join(", ")
                        ),
                    });
                    usable = false;
                }
            }
            if !usable {
                continue;
            }
            let warnings = unknown
                .iter()
                .map(|u| format!("column \"{u}\" is not part of table {} and was ignored", table.name))
                .collect();
            planned.push(Planned { sha256: sha256.clone(), source, table, map, warnings });
        }
    }
    // Dependency order: a table's references are loaded before it.
    planned.sort_by_key(|p| TABLES.iter().position(|t| t.name == p.table.name));
    planned
}

/// A 128-bit fingerprint of a natural key, so that duplicate checks on
/// millions of rows need no copy of the key text.
fn key_fingerprint(parts: &[&str]) -> u128 {
    let mut a = std::collections::hash_map::DefaultHasher::new();
    let mut b = std::collections::hash_map::DefaultHasher::new();
    0x6a7au16.hash(&mut b);
    for p in parts {
        p.hash(&mut a);
        p.hash(&mut b);
    }
    ((a.finish() as u128) << 64) | b.finish() as u128
}

/// Checks that involve more than one column of a row. `get` gives a
/// column's normalised value.
fn row_rules<'a>(table: &Table, get: impl Fn(&str) -> Option<&'a str>) -> Vec<(&'static str, String)> {
    let int = |c: &str| get(c).and_then(|v| v.parse::<i64>().ok());
    let num = |c: &str| get(c).and_then(|v| v.parse::<f64>().ok());
    let mut out = Vec::new();
    match table.name {
        "household" => {
            if let (Some(l), Some(s)) = (int("labour_count"), int("size")) {
                if l > s {
                    out.push(("labour_count", format!("found {l} workers in a household of {s}, expected at most the household size")));
                }
            }
            if get("exit_year").is_some() != get("exit_kind").is_some() {
                out.push(("exit_kind", "expected 退出方式 exactly when 退出年份 is given".into()));
            }
            if let (Some(e), Some(i)) = (int("exit_year"), int("identified_year")) {
                if e < i {
                    out.push(("exit_year", format!("found exit year {e} before identification year {i}, expected {i} or later")));
                }
            }
        }
        "village" => {
            if get("exit_year").is_some() && get("is_poor") == Some("false") {
                out.push(("exit_year", "found an exit year for a village that is not a poor village, expected it empty".into()));
            }
        }
        "member" => {
            if get("removed_year").is_some() != get("removed_reason").is_some() {
                out.push(("removed_reason", "expected 减少原因 exactly when 减少年份 is given".into()));
            }
        }
        "revolving_loan" => {
            let date = |c: &str| get(c).and_then(|v| chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").ok());
            if let (Some(issued), Some(due)) = (date("issued_date"), date("due_date")) {
                let limit = issued.checked_add_months(chrono::Months::new(60)).unwrap_or(issued);
                if due <= issued {
                    out.push(("due_date", format!("found due date {due} not after issue date {issued}, expected a later date")));
                } else if due > limit {
                    out.push(("due_date", format!("found due date {due}, expected at most 5 years after issue ({limit})")));
                }
            }
            if let (Some(issued), Some(settled)) = (date("issued_date"), date("settled_date")) {
                if settled < issued {
                    out.push(("settled_date", format!("found settlement {settled} before issue {issued}, expected a later date")));
                }
            }
            if let (Some(repaid), Some(amount)) = (num("repaid_amount"), num("amount")) {
                if repaid > amount {
                    out.push(("repaid_amount", format!("found {repaid} repaid on a loan of {amount}, expected at most the loan amount")));
                }
                if get("settled_date").is_some() && repaid < amount {
                    out.push(("settled_date", format!("found a settlement date with only {repaid} of {amount} repaid, expected it empty until the loan is repaid")));
                }
            }
        }
        "risk_event" => {
            if let (Some(d), Some(r)) = (get("detected_date"), get("resolved_date")) {
                if r < d {
                    out.push(("resolved_date", format!("found {r}, before the detection date {d}, expected a later date")));
                }
            }
            if get("household_code").is_none() && get("monitored_group").is_some_and(|g| g != "边缘易致贫户") {
                out.push(("household_code", "required value is missing, expected the household code of a registered household (only 边缘易致贫户 have none)".into()));
            }
        }
        "yipin_meeting" => {
            if let (Some(a), Some(r)) = (int("actions_done"), int("issues_raised")) {
                if a > r {
                    out.push(("actions_done", format!("found {a} actions for {r} issues raised, expected at most {r}")));
                }
            }
        }
        _ => {}
    }
    out
}

/// Records per chunk handed from the parsing thread to the checking one,
/// and chunks on their way at once.
const CHUNK_ROWS: usize = 4096;
const CHUNKS_IN_FLIGHT: usize = 4;

/// Parsed records of one file, in order: every cell's text in one buffer
/// (so that a chunk is a few allocations, reused, not one per cell), and
/// per record its row number and cell count, or the problem that kept it
/// from being read.
#[derive(Default)]
struct Chunk {
    text: String,
    /// Where each cell ends in `text`.
    ends: Vec<usize>,
    rows: Vec<Result<(usize, usize), read::ReadProblem>>,
}

impl Chunk {
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        self.rows.clear();
    }

    fn push(&mut self, next: Result<usize, read::ReadProblem>, cells: &[String]) {
        self.rows.push(next.map(|row| {
            for c in cells {
                self.text.push_str(c);
                self.ends.push(self.text.len());
            }
            (row, cells.len())
        }));
    }

    /// The text of cell `i` (counted over the whole chunk).
    fn cell(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }
}

/// Rows per batch handed from the reading thread to DuckDB's appender.
const BATCH_ROWS: usize = 16 * 1024;

/// Checked rows of one file as Arrow columns in the order of the
/// appender's table. Into a table the columns have its exact types (whole
/// numbers, decimals, dates and booleans parsed here from the checked
/// canonical text), so DuckDB copies them without a cast; into a staging
/// table of text they stay text.
struct Batch {
    schema: std::sync::Arc<duckdb::arrow::datatypes::Schema>,
    columns: Vec<(&'static str, Builder)>,
    rows: usize,
}

enum Builder {
    Text(arrow_array::StringBuilder),
    Int(arrow_array::Int32Builder),
    /// A decimal and its scale.
    Dec(arrow_array::Decimal128Builder, u32),
    Date(arrow_array::Date32Builder),
    Bool(arrow_array::BooleanBuilder),
}

mod arrow_array {
    pub use duckdb::arrow::array::{BooleanBuilder, Date32Builder, Decimal128Builder, Int32Builder, StringBuilder};
}

impl Batch {
    fn new(columns: &[&'static Column], typed: bool) -> anyhow::Result<Batch> {
        use crate::store::tables::Ty;
        use duckdb::arrow::datatypes::{DataType, Field, Schema};
        let n = BATCH_ROWS;
        let mut fields = Vec::new();
        let mut builders = Vec::new();
        for c in columns {
            let (ty, b) = match (typed, &c.ty) {
                (true, Ty::Int { .. } | Ty::Year) => (DataType::Int32, Builder::Int(arrow_array::Int32Builder::with_capacity(n))),
                (true, Ty::Money { .. }) => {
                    (DataType::Decimal128(14, 2), Builder::Dec(arrow_array::Decimal128Builder::with_capacity(n).with_precision_and_scale(14, 2)?, 2))
                }
                (true, Ty::Dec { .. }) => {
                    (DataType::Decimal128(9, 4), Builder::Dec(arrow_array::Decimal128Builder::with_capacity(n).with_precision_and_scale(9, 4)?, 4))
                }
                (true, Ty::Date) => (DataType::Date32, Builder::Date(arrow_array::Date32Builder::with_capacity(n))),
                (true, Ty::Bool) => (DataType::Boolean, Builder::Bool(arrow_array::BooleanBuilder::with_capacity(n))),
                _ => (DataType::Utf8, Builder::Text(arrow_array::StringBuilder::with_capacity(n, n * 8))),
            };
            debug_assert!(!typed || matches!(b, Builder::Text(_)) == (c.ty.sql_type() == "VARCHAR"));
            fields.push(Field::new(c.name, ty, true));
            builders.push((c.name, b));
        }
        Ok(Batch { schema: std::sync::Arc::new(Schema::new(fields)), columns: builders, rows: 0 })
    }

    /// Adds a row of checked values (`values::normalize`'s canonical text).
    fn push<'a>(&mut self, values: impl Iterator<Item = Option<&'a str>>) -> anyhow::Result<()> {
        for ((name, column), v) in self.columns.iter_mut().zip(values) {
            let bad = || anyhow::anyhow!("column {name}: checked value {v:?} does not convert to its type");
            match (column, v) {
                (Builder::Text(b), v) => b.append_option(v),
                (Builder::Int(b), None) => b.append_null(),
                (Builder::Int(b), Some(t)) => b.append_value(t.parse().map_err(|_| bad())?),
                (Builder::Dec(b, _), None) => b.append_null(),
                (Builder::Dec(b, scale), Some(t)) => b.append_value(values::scaled(t, *scale).ok_or_else(bad)?),
                (Builder::Date(b), None) => b.append_null(),
                (Builder::Date(b), Some(t)) => b.append_value(values::epoch_days(t).ok_or_else(bad)?),
                (Builder::Bool(b), None) => b.append_null(),
                (Builder::Bool(b), Some(t)) => b.append_value(match t {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad()),
                }),
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// The rows so far as a record batch; the batch starts empty again.
    fn take(&mut self) -> anyhow::Result<RecordBatch> {
        use duckdb::arrow::array::{ArrayBuilder, ArrayRef};
        let arrays: Vec<ArrayRef> = self
            .columns
            .iter_mut()
            .map(|(_, c)| match c {
                Builder::Text(b) => ArrayBuilder::finish(b),
                Builder::Int(b) => ArrayBuilder::finish(b),
                Builder::Dec(b, _) => ArrayBuilder::finish(b),
                Builder::Date(b) => ArrayBuilder::finish(b),
                Builder::Bool(b) => ArrayBuilder::finish(b),
            })
            .collect();
        self.rows = 0;
        Ok(RecordBatch::try_new(self.schema.clone(), arrays)?)
    }
}

/// Keys that exist, per table: read from the database before a file that
/// refers to them is read, and extended with the rows this run accepts.
struct KnownKeys {
    sets: HashMap<&'static str, FastSet<String>>,
}

/// Hash maps and sets asked once or more per imported row: foldhash, not
/// the default SipHash (keys come from files being checked, and a
/// collision costs time, never a wrong answer).
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
type FastSet<K> = HashSet<K, foldhash::fast::RandomState>;

impl KnownKeys {
    fn load(&mut self, conn: &Connection, table: &'static str, column: &str) -> anyhow::Result<()> {
        if self.sets.contains_key(table) {
            return Ok(());
        }
        let mut set = FastSet::default();
        let mut stmt = conn.prepare(&format!("SELECT CAST({column} AS VARCHAR) FROM {table}"))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            set.insert(r.get::<_, String>(0)?);
        }
        self.sets.insert(table, set);
        Ok(())
    }
    fn has(&self, table: &str, value: &str) -> bool {
        self.sets.get(table).is_some_and(|s| s.contains(value))
    }
    fn add(&mut self, table: &'static str, value: &str) {
        if let Some(set) = self.sets.get_mut(table) {
            set.insert(value.to_string());
        }
    }
}

/// Imports files and folders into the database behind `conn`.
///
/// Returns `Err` only when the database itself fails (and then nothing was
/// written); problems with the input are in the report.
pub fn import_paths(conn: &mut Connection, paths: &[PathBuf], opts: &ImportOptions) -> anyhow::Result<ImportReport> {
    let _span = tracing::info_span!("import", files = paths.len()).entered();
    let mut report = ImportReport::default();
    let files = expand(paths, &mut report);
    let mut planned = plan(&files, opts, &mut report);
    if planned.is_empty() && report.problem_count == 0 {
        report.problem(Problem {
            file: paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" "),
            row: 0,
            column: None,
            message: format!("no table files found; expected files ending in {}", EXTENSIONS.join(", ")),
        });
    }

    let progress = if opts.progress {
        let total: u64 = planned.iter().map(|p| p.source.size).sum();
        let bar = indicatif::ProgressBar::with_draw_target(Some(total), indicatif::ProgressDrawTarget::stderr());
        if let Ok(style) = indicatif::ProgressStyle::with_template("{msg:24} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}") {
            bar.set_style(style.progress_chars("=> "));
        }
        Some(bar)
    } else {
        None
    };

    let tx = conn.transaction()?;
    let mut known = KnownKeys { sets: HashMap::new() };
    // Natural keys seen in this run, per table, with where they were seen.
    let mut seen: HashMap<&'static str, FastMap<u128, (u32, u32)>> = HashMap::new();
    let labels: Vec<String> = planned.iter().map(|p| p.source.label.clone()).collect();
    // Tables whose keys other tables refer to: only these need key sets.
    let referenced: HashSet<&'static str> = TABLES.iter().flat_map(|t| t.columns.iter().filter_map(|c| c.refs.map(|r| r.0))).collect();
    // Per file: its index, and the staging table to merge (None: appended
    // directly into its empty table).
    let mut staged: Vec<(usize, Option<String>)> = Vec::new();
    let mut loaded: HashSet<&'static str> = HashSet::new();
    let mut progress_base = 0u64;
    let mut rejects_names: HashSet<String> = HashSet::new();

    for (idx, p) in planned.iter_mut().enumerate() {
        let table = p.table;
        let read_started = std::time::Instant::now();
        // Into a table that is empty (and not yet loaded by this run) rows
        // are appended directly: nothing to merge. Otherwise they go to a
        // staging table of text columns and are merged by key below.
        let direct = !loaded.contains(table.name)
            && tx.query_row(&format!("SELECT NOT EXISTS (SELECT 1 FROM {})", table.name), [], |r| r.get::<_, bool>(0))?;
        loaded.insert(table.name);
        let present: Vec<usize> = if direct {
            (0..table.columns.len()).collect()
        } else {
            (0..table.columns.len()).filter(|&i| p.map[i].is_some()).collect()
        };
        let stage = if direct {
            table.name.to_string()
        } else {
            let stage = format!("_jz_stage_{idx}");
            let ddl = present.iter().map(|&i| format!("{} VARCHAR", table.columns[i].name)).collect::<Vec<_>>().join(", ");
            tx.execute_batch(&format!("CREATE TABLE {stage} ({ddl})"))?;
            stage
        };
        let mut file_report = FileReport {
            label: p.source.label.clone(),
            table: table.name.to_string(),
            encoding: p.source.encoding.to_string(),
            sha256: p.sha256.clone(),
            warnings: p.warnings.clone(),
            ..Default::default()
        };
        if let Some(bar) = &progress {
            bar.set_message(p.source.label.clone());
        }
        let mut rejects = if opts.skip_invalid {
            // Two files of the same name (from two folders) get two rejects files.
            let mut name = p.source.label.clone();
            let mut n = 1;
            while !rejects_names.insert(name.clone()) {
                n += 1;
                name = format!("{}-{n}", p.source.label);
            }
            Some(RejectsWriter::new(opts, &name, &p.source.header))
        } else {
            None
        };
        let header_keys: Vec<String> = p.source.header.iter().map(|h| header_key(h)).collect();
        // Trailing empty header cells (a stray delimiter at the end of the
        // header line) are not columns.
        let width = p.source.header.iter().rposition(|h| !h.trim().is_empty()).map_or(0, |i| i + 1);
        let key_idx: Vec<usize> = table.key.iter().filter_map(|k| table.column_index(k)).collect();
        let seen_table = seen.entry(table.name).or_default();
        if let [key] = table.key {
            if referenced.contains(table.name) {
                known.load(&tx, table.name, key)?;
            }
        }
        for (rt, rc) in table.columns.iter().filter_map(|c| c.refs) {
            known.load(&tx, rt, rc)?;
        }
        let batch_columns: Vec<&'static Column> = present.iter().map(|&i| &table.columns[i]).collect();
        let mut appender = tx.appender(&stage)?;
        // Three threads per file: a parser reads and decodes the records,
        // a checker checks them and builds batches, and this thread appends
        // the batches to DuckDB (which casts and compresses as it appends).
        // Chunks of records and batches of rows, never single rows, cross
        // between the threads; the checker alone keeps the file's order of
        // problems and keys, as one thread did (BENCHMARKS.md).
        let (send, recv) = std::sync::mpsc::sync_channel::<RecordBatch>(4);
        // Chunks go from the parser to the checker and come back to be
        // filled again.
        let (send_chunk, chunks) = std::sync::mpsc::sync_channel::<Chunk>(CHUNKS_IN_FLIGHT);
        let (return_chunk, returned) = std::sync::mpsc::channel::<Chunk>();
        let label = p.source.label.clone();
        let file_header = p.source.header.clone();
        let source = &mut p.source;
        let read: anyhow::Result<u64> = std::thread::scope(|scope| {
            let parser = scope.spawn(|| {
                let send_chunk = send_chunk;
                let returned = returned;
                let mut cells: Vec<String> = Vec::new();
                let mut more = true;
                while more {
                    let mut chunk = returned.try_recv().unwrap_or_default();
                    chunk.clear();
                    while chunk.rows.len() < CHUNK_ROWS {
                        match source.next_into(&mut cells) {
                            None => {
                                more = false;
                                break;
                            }
                            Some(next) => chunk.push(next, &cells),
                        }
                    }
                    if let Some(bar) = &progress {
                        bar.set_position(progress_base + source.position());
                    }
                    if send_chunk.send(chunk).is_err() {
                        return; // the checking side stopped and says why
                    }
                }
            });
            let reader = scope.spawn(|| -> anyhow::Result<u64> {
                // The sender is the reader's own: the channel closes when
                // the reader ends, however it ends.
                let send = send;
                let chunks = chunks;
                let mut batch = Batch::new(&batch_columns, direct)?;
                let mut row_count = 0u64;
                for chunk in chunks.iter() {
                    let mut cells: Vec<&str> = Vec::new();
                    let mut cell_at = 0usize;
                    for next in &chunk.rows {
                        row_count += 1;
                        let row = match next {
                            Ok((r, n)) => {
                                cells.clear();
                                cells.extend((cell_at..cell_at + n).map(|i| chunk.cell(i)));
                                cell_at += n;
                                *r
                            }
                            Err(rp) => {
                                report.problem(Problem { file: label.clone(), row: rp.row, column: None, message: rp.message.clone() });
                                file_report.rejected += 1;
                                if let Some(w) = rejects.as_mut() {
                                    w.write(rp.row, &rp.message, &[])?;
                                }
                                continue;
                            }
                        };
                        let mut problems: Vec<Problem> = Vec::new();
                        let mut values: Vec<Option<std::borrow::Cow<str>>> = vec![None; table.columns.len()];
                        let extra_filled = cells.len() > width && cells[width..].iter().any(|c| !c.trim().is_empty());
                        if cells.len() < width || extra_filled {
                            problems.push(Problem {
                                file: label.clone(),
                                row,
                                column: None,
                                message: format!(
                                    "found {} fields, expected {} as in the header (a quote left open, a wrong delimiter or a cut-off line?)",
                                    cells.len(),
                                    width
                                ),
                            });
                        } else if cells.len() == header_keys.len()
                            && cells.iter().zip(header_keys.iter()).all(|(c, k)| values::is_header_key(c, k))
                        {
                            file_report.warnings.push(format!("row {row} repeats the header and was skipped"));
                            continue;
                        } else {
                            for (i, c) in table.columns.iter().enumerate() {
                                let Some(h) = p.map[i] else { continue };
                                match values::normalize(c, &cells[h]) {
                                    Ok(v) => values[i] = v,
                                    Err(message) => problems.push(cell_problem(&label, row, &file_header[h], c, message)),
                                }
                            }
                            if problems.is_empty() {
                                let get = |name: &str| table.column_index(name).and_then(|i| values[i].as_deref());
                                for (col, message) in row_rules(table, get) {
                                    let header = p.map[table.column_index(col).unwrap_or(0)].map(|h| file_header[h].as_str()).unwrap_or(col);
                                    problems.push(Problem { file: label.clone(), row, column: Some(header.to_string()), message });
                                }
                                for (i, c) in table.columns.iter().enumerate() {
                                    let (Some((rt, rc)), Some(v)) = (c.refs, values[i].as_deref()) else { continue };
                                    if !known.has(rt, v) {
                                        let header = p.map[i].map(|h| file_header[h].as_str()).unwrap_or(c.name);
                                        problems.push(Problem {
                                            file: label.clone(),
                                            row,
                                            column: Some(header.to_string()),
                                            message: format!("found \"{v}\", expected a code that exists in table {rt} ({rc}); import {rt} first or correct the code"),
                                        });
                                    }
                                }
                                let parts: Vec<&str> = key_idx.iter().map(|&i| values[i].as_deref().unwrap_or("")).collect();
                                let fp = key_fingerprint(&parts);
                                if let Some(&(first_file, first_row)) = seen_table.get(&fp) {
                                    let first_file = &labels[first_file as usize];
                                    let key_text = table.key.iter().zip(&parts).map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ");
                                    problems.push(Problem {
                                        file: label.clone(),
                                        row,
                                        column: Some(table.key.join("+")),
                                        message: format!("found duplicate key {key_text}, already at {first_file}:{first_row}; expected each key once"),
                                    });
                                } else if problems.is_empty() {
                                    seen_table.insert(fp, (idx as u32, row as u32));
                                }
                            }
                        }
                        if problems.is_empty() {
                            batch.push(present.iter().map(|&i| values[i].as_deref()))?;
                            if batch.rows >= BATCH_ROWS && send.send(batch.take()?).is_err() {
                                return Ok(row_count); // the appending side failed and says why
                            }
                            if key_idx.len() == 1 {
                                if let Some(v) = values[key_idx[0]].as_deref() {
                                    known.add(table.name, v);
                                }
                            }
                            file_report.accepted += 1;
                        } else {
                            file_report.rejected += 1;
                            if let Some(w) = rejects.as_mut() {
                                let reasons = problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; ");
                                w.write(row, &reasons, &cells)?;
                            }
                            for pr in problems {
                                report.problem(pr);
                            }
                        }
                    }
                    drop(cells);
                    let _ = return_chunk.send(chunk);
                }
                if batch.rows > 0 {
                    let _ = send.send(batch.take()?);
                }
                Ok(row_count)
            });
            let mut appended: anyhow::Result<()> = Ok(());
            for b in recv.iter() {
                if let Err(e) = appender.append_record_batch(b) {
                    appended = Err(e.into());
                    break;
                }
            }
            // Dropping the receiver stops a reader whose batches are no
            // longer wanted.
            drop(recv);
            let read = reader.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            parser.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            appended.and(read)
        });
        let row_count = read?;
        appender.flush()?;
        drop(appender);
        progress_base += p.source.size;
        if let Some(w) = rejects {
            file_report.rejects_file = w.finish()?;
        }
        tracing::info!(file = %file_report.label, rows = row_count, ms = read_started.elapsed().as_millis() as u64, "read and validated");
        staged.push((idx, (!direct).then_some(stage)));
        report.files.push(file_report);
    }
    if let Some(bar) = &progress {
        bar.finish_and_clear();
    }

    if report.problem_count > 0 && !opts.skip_invalid {
        tx.rollback()?;
        return Ok(report);
    }

    let run_id = format!("{}", chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ"));
    let mode = if opts.skip_invalid { "skip-invalid" } else { "all-or-nothing" };
    for ((idx, stage), file_report) in staged.iter().zip(report.files.iter_mut()) {
        let p = &planned[*idx];
        let table = p.table;
        let updated: i64 = match stage {
            None => 0,
            Some(stage) => merge(&tx, table, &p.map, stage).with_context(|| format!("merging {} into {}", file_report.label, table.name))?,
        };
        file_report.updated = updated as u64;
        file_report.inserted = file_report.accepted - updated as u64;
        tx.execute(
            "INSERT INTO import_batch (run_id, file_name, sha256, table_name, encoding, rows_accepted, rows_rejected, rows_inserted, rows_updated, mode) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            duckdb::params![
                run_id,
                file_report.label,
                file_report.sha256,
                table.name,
                file_report.encoding,
                file_report.accepted as i64,
                file_report.rejected as i64,
                file_report.inserted as i64,
                file_report.updated as i64,
                mode
            ],
        )?;
    }
    if opts.dry_run {
        tx.rollback()?;
        tracing::info!(files = report.files.len(), "import dry run rolled back");
        return Ok(report);
    }
    if report.files.iter().any(|f| f.accepted > 0) {
        crate::store::refresh_summaries(&tx)?;
    }
    tx.commit()?;
    report.committed = true;
    tracing::info!(files = report.files.len(), problems = report.problem_count, "import committed");
    Ok(report)
}

/// Merges a staging table (text columns, keys unique) into its table by
/// natural key: rows whose key is there update the columns the file has,
/// the rest are inserted. Returns the number of rows updated.
///
/// The tables carry no key index (migration 4), so this is two hash joins
/// rather than an index probe per row.
fn merge(tx: &duckdb::Transaction<'_>, table: &Table, map: &[Option<usize>], stage: &str) -> anyhow::Result<i64> {
    let started = std::time::Instant::now();
    let present: Vec<&Column> = table.columns.iter().zip(map).filter(|(_, m)| m.is_some()).map(|(c, _)| c).collect();
    let cast = |c: &Column| format!("CAST(s.{} AS {})", c.name, c.ty.sql_type());
    let key_cols: Vec<&Column> = table.key.iter().filter_map(|k| table.column_index(k)).map(|i| &table.columns[i]).collect();
    let join = key_cols.iter().map(|c| format!("t.{} = {}", c.name, cast(c))).collect::<Vec<_>>().join(" AND ");
    let updated: i64 = tx.query_row(&format!("SELECT count(*) FROM {stage} s JOIN {} t ON {join}", table.name), [], |r| r.get(0))?;
    let sets: Vec<String> = present.iter().filter(|c| !table.key.contains(&c.name)).map(|c| format!("{} = {}", c.name, cast(c))).collect();
    if updated > 0 && !sets.is_empty() {
        tx.execute_batch(&format!("UPDATE {0} AS t SET {1} FROM {stage} AS s WHERE {join}", table.name, sets.join(", ")))?;
    }
    let names = present.iter().map(|c| c.name).collect::<Vec<_>>().join(", ");
    let casts = present.iter().map(|c| cast(c)).collect::<Vec<_>>().join(", ");
    tx.execute_batch(&format!(
        "INSERT INTO {0} ({names}) SELECT {casts} FROM {stage} AS s WHERE NOT EXISTS (SELECT 1 FROM {0} AS t WHERE {join})",
        table.name
    ))?;
    tx.execute_batch(&format!("DROP TABLE {stage}"))?;
    tracing::info!(table = table.name, updated, ms = started.elapsed().as_millis() as u64, "merged");
    Ok(updated)
}

fn cell_problem(file: &str, row: usize, header: &str, col: &Column, message: String) -> Problem {
    let column = if header.trim() == col.zh || header.trim() == col.name {
        header.trim().to_string()
    } else {
        format!("{} ({})", header.trim(), col.name)
    };
    Problem { file: file.to_string(), row, column: Some(column), message }
}

/// Writes rejected rows, with their row numbers and reasons, beside the
/// other rejects of the run; UTF-8 with BOM so spreadsheets open it.
struct RejectsWriter {
    path: PathBuf,
    header: Vec<String>,
    writer: Option<csv::Writer<std::fs::File>>,
    count: u64,
}

impl RejectsWriter {
    fn new(opts: &ImportOptions, label: &str, header: &[String]) -> RejectsWriter {
        let dir = opts.rejects_dir.clone().unwrap_or_else(|| PathBuf::from("."));
        let safe: String = label.chars().map(|c| if c.is_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
        RejectsWriter { path: dir.join(format!("{safe}.rejects.csv")), header: header.to_vec(), writer: None, count: 0 }
    }

    fn write(&mut self, row: usize, reasons: &str, cells: &[&str]) -> anyhow::Result<()> {
        if self.writer.is_none() {
            if let Some(dir) = self.path.parent() {
                std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            }
            let mut file = std::fs::File::create(&self.path).with_context(|| format!("cannot create {}", self.path.display()))?;
            file.write_all(b"\xEF\xBB\xBF")?;
            let mut w = csv::Writer::from_writer(file);
            let mut head = vec!["row".to_string(), "problems".to_string()];
            head.extend(self.header.iter().cloned());
            w.write_record(&head)?;
            self.writer = Some(w);
        }
        let mut rec = vec![row.to_string(), reasons.to_string()];
        // Opened in a spreadsheet: formula-like text is neutralised, numbers
        // (-5) stay as they were.
        rec.extend(cells.iter().map(|c| {
            if values::parse_number(c, false).is_some() {
                c.to_string()
            } else {
                crate::export::neutralise(c).into_owned()
            }
        }));
        if let Some(w) = self.writer.as_mut() {
            w.write_record(&rec)?;
        }
        self.count += 1;
        Ok(())
    }

    fn finish(self) -> anyhow::Result<Option<PathBuf>> {
        match self.writer {
            Some(mut w) => {
                w.flush()?;
                Ok(Some(self.path))
            }
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checksums are taken on two threads: each file keeps its own.
    #[test]
    fn every_file_keeps_its_own_checksum() {
        let mut report = ImportReport::default();
        let files = expand(&[PathBuf::from("sample-data")], &mut report);
        assert!(files.len() > 10, "{files:?}");
        let planned = plan(&files, &ImportOptions::default(), &mut report);
        assert_eq!(planned.len(), files.len(), "{:?}", report.problems);
        for p in &planned {
            let path = files.iter().find(|f| f.file_name().is_some_and(|n| n.to_string_lossy() == p.source.label)).unwrap();
            assert_eq!(p.sha256, sha256_file(path).unwrap(), "{}", p.source.label);
        }
    }

    #[test]
    fn tables_are_told_by_name() {
        assert_eq!(table_for_name("household").unwrap().name, "household");
        assert_eq!(table_for_name("贫困户").unwrap().name, "household");
        assert_eq!(table_for_name("household_2020").unwrap().name, "household");
        assert_eq!(table_for_name("village_year").unwrap().name, "village_year");
        assert_eq!(table_for_name("village_year-2019").unwrap().name, "village_year");
        assert_eq!(table_for_name("Sheet1").map(|t| t.name), None);
    }

    #[test]
    fn tables_are_told_by_header() {
        let header: Vec<String> = ["户编号", "年度", "工资性收入", "生产经营性收入", "财产性收入", "转移性收入", "生产经营性支出", "计算人口"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(table_for_header(&header).unwrap().name, "income_year");
    }

    #[test]
    fn problems_read_file_row_column() {
        let p = Problem { file: "a.csv".into(), row: 3, column: Some("家庭人口".into()), message: "found \"x\"".into() };
        assert_eq!(p.to_string(), "a.csv:3:家庭人口: found \"x\"");
    }

    #[test]
    fn loan_rules() {
        let t = crate::store::tables::table("revolving_loan").unwrap();
        let row: HashMap<&str, &str> = [
            ("issued_date", "2016-03-01"),
            ("due_date", "2022-03-01"),
            ("amount", "20000"),
            ("repaid_amount", "10000"),
            ("settled_date", "2019-01-01"),
        ]
        .into_iter()
        .collect();
        let out = row_rules(t, |c| row.get(c).copied());
        let cols: Vec<&str> = out.iter().map(|o| o.0).collect();
        assert_eq!(cols, ["due_date", "settled_date"], "{out:?}");
    }
}
