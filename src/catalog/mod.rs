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
    pub queries: BTreeMap<String, Query>,
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
        let mut add = |name: &str, file: String, text: &str| -> anyhow::Result<()> {
            let q = parse_query(name, &file, text)?;
            queries.insert(name.to_string(), q);
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
        Ok(Catalog { queries })
    }

    pub fn get(&self, name: &str) -> Option<&Query> {
        self.queries.get(name)
    }

    /// Prepares every query against the schema and checks that every column
    /// it returns has a label; returns every problem found.
    pub fn check(&self, conn: &Connection) -> Vec<String> {
        let mut problems = Vec::new();
        for q in self.queries.values() {
            match conn.prepare(&q.sql) {
                Err(e) => problems.push(format!("queries/{}.sql: the SQL does not prepare against the schema: {e}", q.name)),
                Ok(mut stmt) => {
                    // Column names are known once the statement has run on
                    // the (possibly empty) data.
                    let names = match stmt.query([]) {
                        Ok(rows) => rows.as_ref().map(|s| s.column_names()).unwrap_or_default(),
                        Err(e) => {
                            problems.push(format!("queries/{}.sql: the SQL fails: {e}", q.name));
                            continue;
                        }
                    };
                    for c in names {
                        if !q.meta.columns.contains_key(&c) {
                            problems.push(format!("queries/{}.sql: column {c} has no label in [columns]", q.name));
                        }
                    }
                }
            }
        }
        problems
    }
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

    #[test]
    fn broken_sql_is_reported() {
        let mut cat = Catalog::default();
        let q = parse_query("bad", "queries/bad.sql", "/*\ntitle = \"a\"\ntitle_en = \"b\"\n*/ SELECT no_such_column FROM household").unwrap();
        cat.queries.insert("bad".into(), q);
        let conn = crate::store::open_memory().unwrap();
        let problems = cat.check(&conn);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("queries/bad.sql:"), "{problems:?}");
    }
}
