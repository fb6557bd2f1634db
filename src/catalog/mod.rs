//! The canned-query catalog: `queries/<name>.sql`, each SQL file opening
//! with a `/* … */` block of TOML metadata (titles, description, column
//! labels and units, whether public pages may use it). Loaded once at start,
//! from a folder or from the copy embedded in the binary, and checked by
//! preparing every query against the schema.
//!
//! Invariant: query text comes only from these files; values are bound,
//! never formatted into SQL.

pub mod params;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, bail, Context};
use duckdb::types::ValueRef;
use duckdb::Connection;
use include_dir::{include_dir, Dir};
use serde::{Deserialize, Serialize};

/// The `queries/` folder as it was when the binary was built.
pub static EMBEDDED: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/queries");

/// A column's label and unit.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ColumnMeta {
    pub zh: String,
    pub en: String,
    #[serde(default)]
    pub unit: Option<String>,
}

/// The metadata block at the top of a query file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct QueryMeta {
    pub title: String,
    pub title_en: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub description_en: String,
    #[serde(default)]
    pub public: bool,
    #[serde(default)]
    pub columns: BTreeMap<String, ColumnMeta>,
    /// Typed parameters, bound by name (`$year` in the SQL).
    #[serde(default)]
    pub params: indexmap::IndexMap<String, params::ParamMeta>,
}

/// One canned query.
#[derive(Debug, Clone, Serialize)]
pub struct Query {
    pub name: String,
    pub meta: QueryMeta,
    pub sql: String,
}

/// Every canned query, by name.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Shared, so that a request holds its query without copying it.
    pub queries: BTreeMap<String, std::sync::Arc<Query>>,
}

/// Splits a query file into its metadata and SQL. Errors name the file and
/// the line.
pub fn parse_query(name: &str, file: &str, text: &str) -> anyhow::Result<Query> {
    let trimmed = text.trim_start();
    let offset_lines = text[..text.len() - trimmed.len()].matches('\n').count();
    let Some(rest) = trimmed.strip_prefix("/*") else {
        bail!("{file}:1: expected the file to open with a /* … */ block of TOML metadata (title, title_en, columns)");
    };
    let Some(end) = rest.find("*/") else {
        bail!("{file}:{}: the metadata block opened with /* is never closed with */", offset_lines + 1);
    };
    let meta_text = &rest[..end];
    let sql = rest[end + 2..].trim().to_string();
    let meta: QueryMeta = toml::from_str(meta_text).map_err(|e| {
        let line = e.span().map(|s| meta_text[..s.start].matches('\n').count() + 1 + offset_lines).unwrap_or(1);
        anyhow!("{file}:{line}: malformed metadata: {}", e.message())
    })?;
    if sql.is_empty() {
        bail!("{file}: the file has metadata but no SQL");
    }
    Ok(Query { name: name.to_string(), meta, sql })
}

impl Catalog {
    /// Loads `dir`, or the embedded copy when `dir` is `None`.
    pub fn load(dir: Option<&Path>) -> anyhow::Result<Catalog> {
        let mut queries = BTreeMap::new();
        let mut problems: Vec<String> = Vec::new();
        // Every malformed file is reported, not just the first.
        let mut add = |name: &str, file: String, text: &str| -> anyhow::Result<()> {
            match parse_query(name, &file, text) {
                Ok(q) => {
                    queries.insert(name.to_string(), std::sync::Arc::new(q));
                }
                Err(e) => problems.push(e.to_string()),
            }
            Ok(())
        };
        match dir {
            Some(dir) => {
                let mut entries: Vec<_> = std::fs::read_dir(dir)
                    .with_context(|| format!("cannot read the queries folder {}", dir.display()))?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|e| e == "sql"))
                    .collect();
                entries.sort();
                for path in entries {
                    let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
                    add(&name, format!("queries/{name}.sql"), &text)?;
                }
            }
            None => {
                for f in EMBEDDED.files() {
                    let path = f.path();
                    if path.extension().is_none_or(|e| e != "sql") {
                        continue;
                    }
                    let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                    let text = f.contents_utf8().ok_or_else(|| anyhow!("queries/{name}.sql is not UTF-8"))?;
                    add(&name, format!("queries/{name}.sql"), text)?;
                }
            }
        }
        if !problems.is_empty() {
            bail!("{}", problems.join("\n"));
        }
        Ok(Catalog { queries })
    }

    pub fn get(&self, name: &str) -> Option<&std::sync::Arc<Query>> {
        self.queries.get(name)
    }

    /// Prepares every query against the schema, checks that its declared
    /// parameters are exactly the ones its SQL uses, runs it with the
    /// defaults, and checks that every column it returns has a label.
    /// Returns every problem found, each naming the file.
    pub fn check(&self, conn: &Connection) -> Vec<String> {
        let mut problems = Vec::new();
        for q in self.queries.values() {
            let file = format!("queries/{}.sql", q.name);
            let stmt = match conn.prepare(&q.sql) {
                Ok(s) => s,
                Err(e) => {
                    problems.push(format!("{file}: the SQL does not prepare against the schema: {e}"));
                    continue;
                }
            };
            let used: Vec<String> = (1..=stmt.parameter_count())
                .map(|i| stmt.parameter_name(i).map(|n| n.trim_start_matches('$').to_string()).unwrap_or_default())
                .collect();
            for u in &used {
                if u.is_empty() || u.chars().all(|c| c.is_ascii_digit()) {
                    problems.push(format!("{file}: the SQL uses a positional parameter; use named parameters ($name) declared in [params]"));
                } else if !q.meta.params.contains_key(u) {
                    problems.push(format!("{file}: the SQL uses ${u}, which [params] does not declare"));
                }
            }
            for (name, meta) in &q.meta.params {
                if !used.contains(name) {
                    problems.push(format!("{file}: [params.{name}] is declared but the SQL never uses ${name}"));
                }
                if meta.default.is_none() && !meta.optional {
                    problems.push(format!("{file}: [params.{name}] needs a default or optional = true, so the page opens without input"));
                }
                if meta.ty == params::ParamType::Enum && meta.options.is_empty() {
                    problems.push(format!("{file}: [params.{name}] is an enum without options"));
                }
                if let Err(e) = meta.read(name, None) {
                    problems.push(format!("{file}: the default of [params.{name}] is not valid: {e}"));
                }
            }
            let before = problems.len();
            drop(stmt);
            if before > 0 && problems[before - 1].starts_with(&file) {
                continue;
            }
            let bound = match params::read_all(&q.meta.params, &[], &[]) {
                Ok(b) => b,
                Err(_) => continue,
            };
            // Planned and bound but not run: LIMIT 0 gives the columns
            // without reading data, so a check is instant on any database.
            let probe = Query { sql: format!("SELECT * FROM (\n{}\n) AS _jz_check LIMIT 0", q.sql.trim().trim_end_matches(';')), ..Query::clone(q) };
            match run_query(conn, &probe, &bound, Some(0)) {
                Ok(out) => {
                    for c in &out.rs.columns {
                        if !q.meta.columns.contains_key(c) {
                            problems.push(format!("{file}: column {c} has no label in [columns]"));
                        }
                    }
                }
                Err(e) => problems.push(format!("{file}: the SQL fails with its default parameters: {e:#}")),
            }
            for (name, meta) in &q.meta.params {
                if let Some(sql) = meta.options_query() {
                    if let Err(e) = conn.prepare(sql) {
                        problems.push(format!("{file}: the option list of [params.{name}] does not prepare: {e}"));
                    }
                }
            }
        }
        problems
    }
}

/// A query's result with what the pages report about it.
#[derive(Debug, Clone, Serialize)]
pub struct QueryOutput {
    pub rs: ResultSet,
    /// More rows existed than the cap allowed.
    pub truncated: bool,
    pub elapsed_ms: f64,
}

/// Runs a canned query with its parameters bound by name, keeping at most
/// `cap` rows (`None`: all).
pub fn run_query(conn: &Connection, q: &Query, bound: &[(String, params::Bound)], cap: Option<usize>) -> anyhow::Result<QueryOutput> {
    for_each_row(conn, q, bound, cap, |_, _| Ok(()), true)
}

/// Runs a canned query inside a read-only transaction (so a query file can
/// never change data), calling `each` for every row as it arrives; rows are
/// also kept in the output when `keep` is set (and at most `cap` of them are
/// read). `each` gets the column names with every row. Exports use
/// `keep = false`.
pub fn for_each_row(
    conn: &Connection,
    q: &Query,
    bound: &[(String, params::Bound)],
    cap: Option<usize>,
    mut each: impl FnMut(&[String], &[Cell]) -> anyhow::Result<()>,
    keep: bool,
) -> anyhow::Result<QueryOutput> {
    let tx = ReadOnly::begin(conn)?;
    let result = rows_of(conn, q, bound, cap, &mut each, keep);
    tx.end()?;
    result
}

/// A read-only transaction that is rolled back however its scope ends —
/// an error, a panic — so a pooled connection never goes back to the pool
/// with a transaction open.
struct ReadOnly<'a> {
    conn: &'a Connection,
    open: bool,
}

impl<'a> ReadOnly<'a> {
    fn begin(conn: &'a Connection) -> anyhow::Result<Self> {
        conn.execute_batch("BEGIN TRANSACTION READ ONLY")?;
        Ok(ReadOnly { conn, open: true })
    }
    fn end(mut self) -> anyhow::Result<()> {
        self.open = false;
        Ok(self.conn.execute_batch("ROLLBACK")?)
    }
}

impl Drop for ReadOnly<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// Runs SQL that comes from a query file (an option list, say) inside a
/// read-only transaction.
pub fn run_sql_read_only(conn: &Connection, sql: &str) -> anyhow::Result<ResultSet> {
    let tx = ReadOnly::begin(conn)?;
    let result = run_sql(conn, sql);
    tx.end()?;
    result
}

/// The bound value of each of the statement's parameters, in DuckDB's
/// parameter order (`$name` → the value bound under `name`).
fn values_in_order(stmt: &duckdb::Statement<'_>, q: &Query, bound: &[(String, params::Bound)]) -> anyhow::Result<Vec<params::Bound>> {
    (1..=stmt.parameter_count())
        .map(|i| {
            let name = stmt.parameter_name(i)?;
            let name = name.trim_start_matches('$');
            bound
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .ok_or_else(|| anyhow!("queries/{}.sql: no value for parameter ${name}", q.name))
        })
        .collect()
}

fn rows_of(
    conn: &Connection,
    q: &Query,
    bound: &[(String, params::Bound)],
    cap: Option<usize>,
    each: &mut dyn FnMut(&[String], &[Cell]) -> anyhow::Result<()>,
    keep: bool,
) -> anyhow::Result<QueryOutput> {
    let started = std::time::Instant::now();
    // Each connection keeps its prepared statements (see
    // `store::STATEMENT_CACHE`): a canned query is parsed once per
    // connection, not once per request. DuckDB still plans it with the
    // values bound, and rebinds it by itself when a table it reads changed.
    let mut stmt = conn.prepare_cached(&q.sql)?;
    let values = values_in_order(&stmt, q, bound)?;
    let mut out = Vec::new();
    let mut truncated = false;
    let mut columns = Vec::new();
    let read = (|| -> anyhow::Result<()> {
        // Execute as a stream: DuckDB hands over one chunk at a time instead
        // of materialising the whole result, so a full export stays small.
        // The arrow stream is only the way duckdb-rs offers streaming
        // execution; the rows are then read chunk by chunk through
        // `raw_query`.
        drop(stmt.stream_arrow(duckdb::params_from_iter(values.iter()))?);
        let mut rows = stmt.raw_query();
        columns = rows.as_ref().map(|s| s.column_names()).unwrap_or_default();
        let width = columns.len();
        let mut seen = 0usize;
        let mut row: Vec<Cell> = Vec::with_capacity(width);
        while let Some(r) = rows.next()? {
            if cap.is_some_and(|c| seen >= c) {
                truncated = true;
                break;
            }
            seen += 1;
            row.clear();
            row.extend((0..width).map(|i| r.get_ref(i).map(cell).unwrap_or(Cell::Null)));
            each(&columns, &row)?;
            if keep {
                out.push(row.clone());
            }
        }
        Ok(())
    })();
    if read.is_err() || truncated {
        // A result not read to its end stays pending on the statement, and
        // the transaction could not be closed behind it: such a statement
        // is finalised instead of going back to the connection's cache.
        stmt.discard();
    }
    read?;
    Ok(QueryOutput { rs: ResultSet { columns, rows: out }, truncated, elapsed_ms: started.elapsed().as_secs_f64() * 1000.0 })
}

/// Runs a canned query and returns its result as a Parquet file, written
/// by DuckDB itself into a temporary file.
pub fn parquet_bytes(conn: &Connection, q: &Query, bound: &[(String, params::Bound)]) -> anyhow::Result<Vec<u8>> {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    // A private (0700) directory of its own, removed with everything in it
    // however this ends.
    let dir = tempfile::Builder::new().prefix("jingzhun-export-").tempdir().context("cannot create a temporary folder")?;
    let path = dir.path().join("result.parquet");
    let table = format!("_jz_parquet_{n}");
    // The query's values are bound into a temporary table (COPY itself takes
    // no parameters); the path is ours, never a user's.
    let mut stmt = conn.prepare(&format!("CREATE TEMP TABLE {table} AS {}", q.sql))?;
    for (i, value) in values_in_order(&stmt, q, bound)?.into_iter().enumerate() {
        stmt.raw_bind_parameter(i + 1, value)?;
    }
    let created = stmt.raw_execute();
    drop(stmt);
    let copied = created.map_err(anyhow::Error::from).and_then(|_| {
        Ok(conn.execute_batch(&format!(
            "COPY {table} TO '{}' (FORMAT parquet)",
            path.display().to_string().replace('\'', "''")
        ))?)
    });
    let _ = conn.execute_batch(&format!("DROP TABLE IF EXISTS {table}"));
    copied?;
    std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))
}

/// A value in a result.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Cell {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
}

impl Cell {
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Cell::Int(i) => Some(*i as f64),
            Cell::Float(f) => Some(*f),
            Cell::Text(t) => t.parse().ok(),
            Cell::Null => None,
        }
    }
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Cell::Int(i) => Some(*i),
            Cell::Float(f) if f.fract() == 0.0 => Some(*f as i64),
            _ => None,
        }
    }
    pub fn text(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(f) => f.to_string(),
            Cell::Text(t) => t.clone(),
        }
    }
}

fn cell(v: ValueRef<'_>) -> Cell {
    use duckdb::types::ValueRef as V;
    match v {
        V::Null => Cell::Null,
        V::Boolean(b) => Cell::Int(b as i64),
        V::TinyInt(i) => Cell::Int(i as i64),
        V::SmallInt(i) => Cell::Int(i as i64),
        V::Int(i) => Cell::Int(i as i64),
        V::BigInt(i) => Cell::Int(i),
        V::HugeInt(i) => i64::try_from(i).map(Cell::Int).unwrap_or(Cell::Float(i as f64)),
        V::UTinyInt(i) => Cell::Int(i as i64),
        V::USmallInt(i) => Cell::Int(i as i64),
        V::UInt(i) => Cell::Int(i as i64),
        V::UBigInt(i) => i64::try_from(i).map(Cell::Int).unwrap_or(Cell::Float(i as f64)),
        V::Float(f) => Cell::Float(f as f64),
        V::Double(f) => Cell::Float(f),
        V::Decimal(d) => d.to_string().parse().map(Cell::Float).unwrap_or(Cell::Null),
        V::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
        other => match other.to_owned() {
            duckdb::types::Value::Date32(days) => chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
                .and_then(|d| d.checked_add_signed(chrono::Duration::days(days as i64)))
                .map(|d| Cell::Text(d.to_string()))
                .unwrap_or(Cell::Null),
            v => Cell::Text(format!("{v:?}")),
        },
    }
}

/// A query's result: column names and rows.
#[derive(Debug, Clone, Serialize, Default)]
pub struct ResultSet {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl ResultSet {
    /// The index of a column by name.
    pub fn col(&self, name: &str) -> anyhow::Result<usize> {
        self.columns.iter().position(|c| c == name).ok_or_else(|| anyhow!("the result has no column {name}"))
    }
}

/// Runs SQL and collects its result.
pub fn run_sql(conn: &Connection, sql: &str) -> anyhow::Result<ResultSet> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query([])?;
    let columns = rows.as_ref().map(|s| s.column_names()).unwrap_or_default();
    let width = columns.len();
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push((0..width).map(|i| r.get_ref(i).map(cell).unwrap_or(Cell::Null)).collect());
    }
    Ok(ResultSet { columns, rows: out })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_queries_parse_and_prepare() {
        let cat = Catalog::load(None).unwrap();
        assert!(cat.get("incidence_by_year").is_some());
        let conn = crate::store::open_memory().unwrap();
        assert_eq!(cat.check(&conn), Vec::<String>::new());
    }

    #[test]
    fn malformed_metadata_names_file_and_line() {
        let err = parse_query("x", "queries/x.sql", "/*\ntitle = \"a\"\ntitle_en = \n*/ SELECT 1").unwrap_err();
        assert!(err.to_string().starts_with("queries/x.sql:3:"), "{err}");
        let err = parse_query("x", "queries/x.sql", "SELECT 1").unwrap_err();
        assert!(err.to_string().contains("expected the file to open with a /*"), "{err}");
    }

    fn checked(text: &str) -> Vec<String> {
        let mut cat = Catalog::default();
        cat.queries.insert("q".into(), parse_query("q", "queries/q.sql", text).unwrap().into());
        cat.check(&crate::store::open_memory().unwrap())
    }

    #[test]
    fn parameters_must_match_the_sql() {
        let head = "/*\ntitle = \"a\"\ntitle_en = \"b\"\n[columns]\nn = { zh = \"n\", en = \"n\" }\n";
        let year = "[params.year]\ntype = \"year\"\nzh = \"年度\"\nen = \"Year\"\ndefault = 2020\n";
        assert_eq!(checked(&format!("{head}{year}*/ SELECT count(*) AS n FROM household WHERE identified_year <= $year")), Vec::<String>::new());
        let p = checked(&format!("{head}*/ SELECT count(*) AS n FROM household WHERE identified_year <= $year"));
        assert!(p.iter().any(|m| m.contains("uses $year, which [params] does not declare")), "{p:?}");
        let p = checked(&format!("{head}{year}*/ SELECT count(*) AS n FROM household"));
        assert!(p.iter().any(|m| m.contains("[params.year] is declared but the SQL never uses $year")), "{p:?}");
        let p = checked(&format!("{head}*/ SELECT count(*) AS n, 1 AS unlabelled FROM household"));
        assert!(p.iter().any(|m| m.contains("column unlabelled has no label")), "{p:?}");
    }

    #[test]
    fn parameters_are_bound_never_spliced() {
        let conn = crate::store::open_memory().unwrap();
        let q = parse_query(
            "q",
            "queries/q.sql",
            "/*\ntitle = \"a\"\ntitle_en = \"b\"\n[params.name]\ntype = \"text\"\nzh = \"名\"\nen = \"Name\"\ndefault = \"x\"\n*/ SELECT $name AS v",
        )
        .unwrap();
        let evil = "'; DROP TABLE household; --";
        let out = run_query(&conn, &q, &[("name".into(), params::Bound::Text(evil.into()))], None).unwrap();
        assert_eq!(out.rs.rows, vec![vec![Cell::Text(evil.into())]]);
        assert!(conn.prepare("SELECT count(*) FROM household").is_ok(), "the table is still there");
    }

    #[test]
    fn canned_queries_cannot_write() {
        let conn = crate::store::open_memory().unwrap();
        conn.execute_batch("INSERT INTO war_zone VALUES (1, '第一战区', NULL, NULL)").unwrap();
        let q = parse_query("q", "queries/q.sql", "/*\ntitle = \"a\"\ntitle_en = \"b\"\n*/ DELETE FROM war_zone").unwrap();
        assert!(run_query(&conn, &q, &[], None).is_err());
        let n: i64 = conn.query_row("SELECT count(*) FROM war_zone", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 1);
        // A failure while rows are read also closes the transaction.
        let ok0 = parse_query("q", "queries/q.sql", "/*\ntitle = \"a\"\ntitle_en = \"b\"\n*/ SELECT 1 AS n").unwrap();
        assert!(for_each_row(&conn, &ok0, &[], None, |_, _| anyhow::bail!("stop"), false).is_err());
        // The connection is usable afterwards: the transaction was closed.
        let ok = parse_query("q", "queries/q.sql", "/*\ntitle = \"a\"\ntitle_en = \"b\"\n*/ SELECT count(*) AS n FROM war_zone").unwrap();
        assert_eq!(run_query(&conn, &ok, &[], None).unwrap().rs.rows, vec![vec![Cell::Int(1)]]);
    }

    #[test]
    fn kept_statements_serve_again_after_a_capped_or_failed_read() {
        // One connection, as a pooled one: its statements are kept between
        // requests, and a result cut short by the row cap or an error must
        // not leave the next request in a transaction or a pending result.
        let conn = crate::store::open_memory().unwrap();
        let three = parse_query("q", "queries/q.sql", "/*\ntitle = \"a\"\ntitle_en = \"b\"\n*/ SELECT i AS n FROM range(3) t(i)").unwrap();
        for _ in 0..3 {
            let capped = run_query(&conn, &three, &[], Some(1)).unwrap();
            assert!(capped.truncated);
            assert_eq!(capped.rs.rows, vec![vec![Cell::Int(0)]]);
            assert!(for_each_row(&conn, &three, &[], None, |_, _| anyhow::bail!("stop"), false).is_err());
            let whole = run_query(&conn, &three, &[], None).unwrap();
            assert!(!whole.truncated);
            assert_eq!(whole.rs.rows.len(), 3);
        }
    }

    #[test]
    fn broken_sql_is_reported() {
        let mut cat = Catalog::default();
        let q = parse_query("bad", "queries/bad.sql", "/*\ntitle = \"a\"\ntitle_en = \"b\"\n*/ SELECT no_such_column FROM household").unwrap();
        cat.queries.insert("bad".into(), q.into());
        let conn = crate::store::open_memory().unwrap();
        let problems = cat.check(&conn);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("queries/bad.sql:"), "{problems:?}");
    }
}
