//! `/q/<name>` and its renderings: an HTML page (description, parameter
//! form, result table, the SQL, download links) and `.json`, `.csv`,
//! `.xlsx` and `.parquet`. Parameters come from the query string and are
//! validated against the query's metadata before anything runs.

use std::hash::{Hash, Hasher};

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use minijinja::context;
use serde::Serialize;

use super::{State, WebError};
use crate::auth::{audit, mask, AuthError, CurrentUser, Role};
use crate::catalog::params::{read_all, Bound};
use crate::catalog::{run_query, Query};
use crate::export::{content_disposition, export_query, file_name, ExportKind};

/// Query-string keys that belong to the rendering, not to the query.
const RENDER_KEYS: &[&str] = &["bom"];

#[derive(Clone, Copy, PartialEq, Debug)]
enum Format {
    Html,
    Json,
    Csv,
    Xlsx,
    Parquet,
}

fn split_format(name: &str) -> (&str, Option<Format>) {
    match name.rsplit_once('.') {
        None => (name, Some(Format::Html)),
        Some((n, "json")) => (n, Some(Format::Json)),
        Some((n, "csv")) => (n, Some(Format::Csv)),
        Some((n, "xlsx")) => (n, Some(Format::Xlsx)),
        Some((n, "parquet")) => (n, Some(Format::Parquet)),
        Some((n, _)) => (n, None),
    }
}

/// The strong validator of a response: the query, its bound parameters, the
/// rendering and the data version. A new import changes the data version,
/// so nothing stale is ever confirmed.
fn etag(name: &str, bound: &[(String, Bound)], format: Format, extra: &str, version: u64) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (name, format!("{format:?}"), extra, version).hash(&mut h);
    for (k, v) in bound {
        (k, v.text(), matches!(v, Bound::Null)).hash(&mut h);
    }
    format!("\"{:016x}-{version}\"", h.finish())
}


#[derive(Serialize)]
struct JsonColumn<'a> {
    name: &'a str,
    zh: &'a str,
    en: &'a str,
    unit: Option<&'a str>,
}

/// A query's answer as `.json`.
#[derive(Serialize)]
struct JsonAnswer<'a> {
    query: &'a str,
    title: &'a str,
    title_en: &'a str,
    params: JsonParams<'a>,
    columns: Vec<JsonColumn<'a>>,
    rows: &'a [Vec<crate::catalog::Cell>],
    row_count: usize,
    truncated: bool,
    elapsed_ms: f64,
}

/// The bound parameters as an object, in the query file's order.
struct JsonParams<'a>(&'a [(String, Bound)]);

impl Serialize for JsonParams<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

pub async fn query(state: State, path: web::Path<String>, req: HttpRequest, user: CurrentUser) -> Result<HttpResponse, WebError> {
    let raw_name = path.into_inner();
    let wants_json = raw_name.ends_with(".json");
    match answer(state, raw_name, req, user).await {
        // A JSON client gets its errors as JSON too.
        Err(WebError::BadRequest(problems)) if wants_json => Ok(HttpResponse::BadRequest()
            .content_type("application/json")
            .body(serde_json::json!({ "error": "bad parameters", "problems": problems }).to_string())),
        other => other,
    }
}

/// Who may see what (see `crate::auth`): a query that is not public needs
/// a signed-in user, and its downloads a statistician or admin. Returns
/// whether ID-card numbers must be masked for this user.
fn authorize(q: &Query, format: Format, req: &HttpRequest, user: &CurrentUser) -> Result<bool, AuthError> {
    let download = matches!(format, Format::Csv | Format::Xlsx | Format::Parquet);
    if !q.meta.public {
        user.require_signed_in(req)?;
        if download {
            user.require_role(req, &[Role::Statistician, Role::Admin])?;
        }
    }
    let mask = q.meta.columns.keys().any(|c| mask::is_id_column(c)) && !user.sees_household_detail();
    // Downloads are not masked: whole ID numbers only for those who may see them.
    if mask && download {
        return Err(AuthError::Forbidden);
    }
    Ok(mask)
}

/// Responses from queries that are not public stay out of shared caches.
fn private(mut resp: HttpResponse, public: bool) -> HttpResponse {
    if !public {
        resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("private, no-cache"));
        resp.headers_mut().insert(header::VARY, header::HeaderValue::from_static("Cookie"));
    }
    resp
}

async fn answer(state: State, raw_name: String, req: HttpRequest, user: CurrentUser) -> Result<HttpResponse, WebError> {
    let (name, format) = split_format(&raw_name);
    let Some(format) = format else { return Err(WebError::NotFound) };
    let Some(q) = state.catalog.get(name).cloned() else { return Err(WebError::NotFound) };
    let masked = authorize(&q, format, &req, &user)?;
    let public = q.meta.public;
    let given: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string()).map_err(|e| {
        WebError::BadRequest(vec![format!("the query string is malformed: {e}; expected name=value pairs")])
    })?;
    let scope = super::dash::Viewer::of(&user).scope;
    let given = super::dash::scope_args(&state, &q, given, &scope).await?;
    let bound = read_all(&q.meta.params, &given, RENDER_KEYS)
        .map_err(|errs| WebError::BadRequest(errs.iter().map(|e| e.to_string()).collect()))?;
    let bom = match given.iter().find(|(k, _)| k == "bom").map(|(_, v)| v.as_str()) {
        None | Some("1") => true,
        Some("0") => false,
        Some(other) => return Err(WebError::BadRequest(vec![format!("parameter bom: found \"{other}\", expected 0 or 1")])),
    };
    let version = state.data_version();
    let extra = format!("{}{}{}{}", if bom { "bom" } else { "" }, if masked { "-masked" } else { "" }, state.build, scope.to_field());
    let tag = etag(name, &bound, format, &extra, version);
    if super::not_modified(&req, &tag) {
        return Ok(private(HttpResponse::NotModified().insert_header((header::ETAG, tag)).finish(), public));
    }
    if matches!(format, Format::Html | Format::Json) {
        if let Some(hit) = super::cached(&state, &tag) {
            tracing::info!(query = name, format = ?format, params = ?bound, cache = "hit", "query");
            return Ok(private(hit, public));
        }
    }
    if !public && matches!(format, Format::Csv | Format::Xlsx | Format::Parquet) {
        // Household-level data leaving the server is recorded.
        let params: serde_json::Map<String, serde_json::Value> = bound.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.text()))).collect();
        let detail = serde_json::json!({ "query": name, "format": format!("{format:?}").to_lowercase(), "params": params });
        let ip = req.app_data::<web::Data<crate::auth::AuthState>>().map(|a| a.ip(&req));
        audit::record_async(&state.db, user.name().map(str::to_string), ip, audit::EXPORT, detail).await;
    }
    // The query's log line is written while its database work runs (the
    // work starts when it is handed over, below).
    let log = || tracing::info!(query = name, format = ?format, params = ?bound, cache = "miss", "query");
    let limit = state.limits.query_timeout;
    let cap = state.limits.row_cap;
    let parts: Vec<String> = bound.iter().filter(|(_, v)| *v != Bound::Null).map(|(_, v)| v.text()).collect();
    let resp = match format {
        Format::Html => {
            let q2 = q.clone();
            let b2 = bound.clone();
            let version = state.data_version();
            let lists = state.option_lists.clone();
            let job = state
                .db
                .run_limited(limit, move |conn| {
                    let mut out = run_query(conn, &q2, &b2, Some(cap))?;
                    if masked {
                        mask::mask_rows(&out.rs.columns, &mut out.rs.rows);
                    }
                    let mut options = Vec::new();
                    for (pname, meta) in &q2.meta.params {
                        let list = if let Some(sql) = meta.options_query() {
                            lists.get(conn, sql, version)?
                        } else {
                            std::sync::Arc::new(meta.options.iter().map(|o| (o.clone(), o.clone())).collect())
                        };
                        options.push((pname.clone(), list));
                    }
                    Ok((out, options))
                });
            log();
            let (out, options) = job.await?;
            let html = render_page(&state, &q, &bound, &out, &options, req.query_string())?;
            super::remember(&state, &tag, "text/html; charset=utf-8", html.into())
        }
        Format::Json => {
            let q2 = q.clone();
            let b2 = bound.clone();
            let job = state.db.run_limited(limit, move |conn| {
                let mut out = run_query(conn, &q2, &b2, Some(cap))?;
                if masked {
                    mask::mask_rows(&out.rs.columns, &mut out.rs.rows);
                }
                Ok(out)
            });
            log();
            let out = job.await?;
            let columns: Vec<JsonColumn> = out
                .rs
                .columns
                .iter()
                .map(|c| {
                    let m = q.meta.columns.get(c);
                    JsonColumn {
                        name: c,
                        zh: m.map(|m| m.zh.as_str()).unwrap_or(c),
                        en: m.map(|m| m.en.as_str()).unwrap_or(c),
                        unit: m.and_then(|m| m.unit.as_deref()),
                    }
                })
                .collect();
            // Written straight from the rows (not through a `serde_json::Value`
            // tree first), in this order.
            let body = serde_json::to_string(&JsonAnswer {
                query: name,
                title: &q.meta.title,
                title_en: &q.meta.title_en,
                params: JsonParams(&bound),
                columns,
                rows: &out.rs.rows,
                row_count: out.rs.rows.len(),
                truncated: out.truncated,
                elapsed_ms: (out.elapsed_ms * 100.0).round() / 100.0,
            })
            .map_err(anyhow::Error::from)?;
            super::remember(&state, &tag, "application/json", body.into())
        }
        Format::Csv | Format::Xlsx => {
            // Downloads hold a connection for as long as they stream: only a
            // few at once, so pages always find a free connection.
            let permit = state.exports.clone().try_acquire_owned().map_err(|_| WebError::Busy(super::Heavy::Downloads, state.limits.max_exports))?;
            let (ext, mime, kind) = if format == Format::Csv {
                ("csv", "text/csv; charset=utf-8", ExportKind::Csv { bom })
            } else {
                (
                    "xlsx",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    ExportKind::Xlsx { title: q.meta.title.clone() },
                )
            };
            let name_for_file = file_name(&q.meta.title, &parts, ext);
            let mut resp = HttpResponse::Ok();
            resp.content_type(mime).insert_header((header::CONTENT_DISPOSITION, content_disposition(&name_for_file)));
            log();
            match stream_export(&state, q.clone(), bound.clone(), kind, permit).await? {
                Download::Whole(bytes) => resp.body(bytes),
                Download::Streamed(body) => resp.streaming(body),
            }
        }
        Format::Parquet => {
            let _permit = state.exports.clone().try_acquire_owned().map_err(|_| WebError::Busy(super::Heavy::Downloads, state.limits.max_exports))?;
            let name_for_file = file_name(&q.meta.title, &parts, "parquet");
            let q2 = q.clone();
            let b2 = bound.clone();
            let job = state.db.run_limited(state.limits.export_timeout, move |conn| crate::catalog::parquet_bytes(conn, &q2, &b2));
            log();
            let bytes = job.await?;
            HttpResponse::Ok()
                .content_type("application/vnd.apache.parquet")
                .insert_header((header::CONTENT_DISPOSITION, content_disposition(&name_for_file)))
                .body(bytes)
        }
    };
    super::tagged(resp, &tag).map(|r| private(r, public))
}

type Sender = tokio::sync::mpsc::Sender<Result<web::Bytes, std::io::Error>>;

/// A download's body: whole, with its length, when all of it fit in the
/// first chunk (most downloads of a query's result); else streamed.
enum Download<S> {
    Whole(web::Bytes),
    Streamed(S),
}

/// Runs the query on a database thread and streams the export as the
/// response body in chunks, row by row as the query yields them.
///
/// Answers once the first chunk is ready: a download that fails before it
/// (its time limit, DuckDB's memory) gets its own error status and page,
/// not a 200 cut short. A failure after it can only cut the body short.
async fn stream_export(
    state: &State,
    q: std::sync::Arc<Query>,
    bound: Vec<(String, Bound)>,
    kind: ExportKind,
    permit: tokio::sync::OwnedSemaphorePermit,
) -> Result<Download<impl futures_util::Stream<Item = Result<web::Bytes, std::io::Error>>>, WebError> {
    let (send, mut recv) = tokio::sync::mpsc::channel::<Result<web::Bytes, std::io::Error>>(8);
    let (done, mut finished) = tokio::sync::oneshot::channel::<anyhow::Result<()>>();
    let db = state.db.clone();
    let limit = state.limits.export_timeout;
    let errors = send.clone();
    // Whether any of the download has gone out: before that, a download
    // stopped for want of memory can still run again alone.
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Set before the last chunk goes when no other went before it.
    let whole = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let said_whole = whole.clone();
    actix_web::rt::spawn(async move {
        let _permit = permit;
        let started = sent.clone();
        let said_started = sent.clone();
        let result = db
            .run_streaming(limit, move |conn| {
                let mut out = export_query(conn, &q, &bound, &kind, ChunkWriter::new(send.clone(), sent.clone(), whole.clone()), |rows| {
                    // A workbook sends nothing until it is finished: notice
                    // a client that left while it was being built.
                    if rows % 4096 == 0 && send.is_closed() {
                        anyhow::bail!("the client went away");
                    }
                    Ok(())
                })?;
                Ok(out.flush_last()?)
            }, move || said_started.load(std::sync::atomic::Ordering::Acquire))
            .await;
        if let (Err(e), true) = (&result, started.load(std::sync::atomic::Ordering::Acquire)) {
            tracing::error!(error = ?e, "export failed");
            let _ = errors.send(Err(std::io::Error::other("export failed"))).await;
        }
        let _ = done.send(result);
    });
    let first = tokio::select! {
        biased;
        end = &mut finished => match end {
            Ok(Err(e)) => return Err(e.into()),
            // Finished: what it sent is waiting in the channel.
            _ => recv.recv().await,
        },
        chunk = recv.recv() => match chunk {
            Some(chunk) => Some(chunk),
            // The channel closes only once the job has ended.
            None => match (&mut finished).await {
                Ok(Err(e)) => return Err(e.into()),
                _ => None,
            },
        },
    };
    // The whole download in one chunk: answered with its length, without
    // waiting for the end of the stream. Nothing can fail after the last
    // chunk is sent.
    if let Some(Ok(bytes)) = &first {
        if said_whole.load(std::sync::atomic::Ordering::Acquire) {
            return Ok(Download::Whole(bytes.clone()));
        }
    }
    let rest = futures_util::stream::unfold(recv, |mut recv| async move { recv.recv().await.map(|item| (item, recv)) });
    use futures_util::StreamExt as _;
    Ok(Download::Streamed(futures_util::stream::iter(first).chain(rest)))
}

/// How long a download waits for a client that has stopped reading.
const SEND_PATIENCE: std::time::Duration = std::time::Duration::from_secs(30);

/// A writer that sends what it is given to the response in 64 KiB chunks.
struct ChunkWriter {
    buf: Vec<u8>,
    send: Sender,
    /// Set once a chunk has gone out.
    sent: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Set when the last chunk is also the first: the whole download.
    whole: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl ChunkWriter {
    fn new(send: Sender, sent: std::sync::Arc<std::sync::atomic::AtomicBool>, whole: std::sync::Arc<std::sync::atomic::AtomicBool>) -> Self {
        ChunkWriter { buf: Vec::with_capacity(1 << 16), send, sent, whole }
    }
    fn push(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let mut chunk = Ok(web::Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(1 << 16))));
        // A client that stops reading must not hold this thread and its
        // connection for ever: wait at most SEND_PATIENCE for room.
        let deadline = std::time::Instant::now() + SEND_PATIENCE;
        loop {
            match self.send.try_send(chunk) {
                Ok(()) => {
                    self.sent.store(true, std::sync::atomic::Ordering::Release);
                    return Ok(());
                }
                Err(tokio::sync::mpsc::error::TrySendError::Closed(_)) => {
                    return Err(std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away"))
                }
                Err(tokio::sync::mpsc::error::TrySendError::Full(back)) => {
                    if std::time::Instant::now() >= deadline {
                        return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "the client stopped reading"));
                    }
                    chunk = back;
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
            }
        }
    }
    fn flush_last(&mut self) -> std::io::Result<()> {
        if !self.sent.load(std::sync::atomic::Ordering::Acquire) {
            self.whole.store(true, std::sync::atomic::Ordering::Release);
        }
        self.push()
    }
}

impl std::io::Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= 1 << 16 {
            self.push()?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[derive(Serialize)]
struct FormField<'a> {
    name: String,
    zh: String,
    en: String,
    kind: &'static str,
    value: String,
    optional: bool,
    options: &'a [(String, String)],
    min: Option<f64>,
    max: Option<f64>,
}

fn render_page(
    state: &State,
    q: &Query,
    bound: &[(String, Bound)],
    out: &crate::catalog::QueryOutput,
    options: &[(String, OptionList)],
    query_string: &str,
) -> anyhow::Result<String> {
    use crate::catalog::params::ParamType as T;
    let fields: Vec<FormField> = q
        .meta
        .params
        .iter()
        .map(|(name, m)| {
            let list: &[(String, String)] = options.iter().find(|o| &o.0 == name).map(|o| o.1.as_slice()).unwrap_or_default();
            FormField {
                name: name.clone(),
                zh: m.zh.clone(),
                en: m.en.clone(),
                kind: match m.ty {
                    _ if !list.is_empty() => "select",
                    T::Integer | T::Year | T::Decimal | T::Zone => "number",
                    T::Date => "date",
                    _ => "text",
                },
                value: bound.iter().find(|(n, _)| n == name).map(|(_, v)| v.text()).unwrap_or_default(),
                optional: m.optional,
                options: list,
                min: m.min,
                max: m.max,
            }
        })
        .collect();
    let head: Vec<(String, String, String)> = out
        .rs
        .columns
        .iter()
        .map(|c| {
            let m = q.meta.columns.get(c);
            (
                m.map(|m| m.zh.clone()).unwrap_or_else(|| c.clone()),
                m.map(|m| m.en.clone()).unwrap_or_default(),
                m.and_then(|m| m.unit.clone()).unwrap_or_default(),
            )
        })
        .collect();
    // The table's rows are written here, escaped, rather than by the
    // template: a loop over every cell in minijinja took most of a page's
    // rendering time (BENCHMARKS.md).
    let body = table_body(&out.rs.rows, head.len());
    let suffix = if query_string.is_empty() { String::new() } else { format!("?{query_string}") };
    let tmpl = state.templates.get_template("query.html")?;
    Ok(tmpl.render(context! {
        name => q.name,
        // What the template reads of the metadata, not all of it (its
        // columns and parameters are given as `head` and `fields`).
        meta => context! {
            title => q.meta.title,
            title_en => q.meta.title_en,
            description => q.meta.description,
            description_en => q.meta.description_en,
        },
        sql => q.sql,
        fields,
        head,
        body => minijinja::Value::from_safe_string(body),
        truncated => out.truncated,
        row_count => out.rs.rows.len(),
        elapsed_ms => format!("{:.1}", out.elapsed_ms),
        suffix,
    })?)
}

/// A result's rows as `<tr>`s of `<td>`s, each cell as `Cell::text`
/// gives it, HTML-escaped. Written in place: numbers need no escaping, and
/// no cell needs a string of its own.
fn table_body(rows: &[Vec<crate::catalog::Cell>], columns: usize) -> String {
    use crate::catalog::Cell;
    use std::fmt::Write as _;
    let mut body = String::with_capacity(rows.len() * (10 + 12 * columns));
    for row in rows {
        body.push_str("<tr>");
        for c in row {
            body.push_str("<td>");
            let _ = match c {
                Cell::Null => Ok(()),
                Cell::Int(i) => write!(body, "{i}"),
                Cell::Float(f) => write!(body, "{f}"),
                Cell::Text(t) => write!(body, "{}", minijinja::HtmlEscape(t)),
            };
            body.push_str("</td>");
        }
        body.push_str("</tr>\n");
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table's cells read as `Cell::text` gives them, escaped.
    #[test]
    fn table_cells_are_their_text_escaped() {
        use crate::catalog::Cell;
        let row = vec![
            Cell::Null,
            Cell::Int(-42),
            Cell::Int(i64::MAX),
            Cell::Float(0.1),
            Cell::Float(-1e21),
            Cell::Float(f64::NAN),
            Cell::Float(f64::NEG_INFINITY),
            Cell::Text("<b>\"甲&乙\"</b>'".into()),
        ];
        let want: String = row.iter().map(|c| format!("<td>{}</td>", minijinja::HtmlEscape(&c.text()))).collect();
        assert_eq!(table_body(&[row.clone(), row], 8), format!("<tr>{want}</tr>\n<tr>{want}</tr>\n"));
        assert_eq!(table_body(&[], 3), "");
    }

    #[test]
    fn formats_come_from_the_extension() {
        assert_eq!(split_format("income_by_year"), ("income_by_year", Some(Format::Html)));
        assert_eq!(split_format("income_by_year.csv"), ("income_by_year", Some(Format::Csv)));
        assert_eq!(split_format("income_by_year.pdf"), ("income_by_year", None));
    }

    #[test]
    fn etags_change_with_parameters_format_and_data_version() {
        let b = vec![("year".to_string(), Bound::Int(2016))];
        let a = etag("q", &b, Format::Json, "", 1);
        assert_eq!(a, etag("q", &b, Format::Json, "", 1));
        assert_ne!(a, etag("q", &b, Format::Json, "", 2));
        assert_ne!(a, etag("q", &b, Format::Csv, "", 1));
        assert_ne!(a, etag("q", &[("year".to_string(), Bound::Int(2017))], Format::Json, "", 1));
    }

    /// A list is run once per data version: the same version answers from
    /// memory, a new version (an import) runs it again.
    #[test]
    fn option_lists_follow_the_data_version() {
        let conn = crate::store::open_memory().unwrap();
        conn.execute_batch("INSERT INTO war_zone VALUES (1, '第一战区', NULL, NULL)").unwrap();
        let sql = "SELECT zone_id, name FROM war_zone ORDER BY zone_id";
        let lists = OptionLists::default();
        assert_eq!(*lists.get(&conn, sql, 1).unwrap(), vec![("1".to_string(), "第一战区".to_string())]);
        conn.execute_batch("INSERT INTO war_zone VALUES (2, '第二战区', NULL, NULL)").unwrap();
        assert_eq!(lists.get(&conn, sql, 1).unwrap().len(), 1, "the same data version is answered from memory");
        assert_eq!(lists.get(&conn, sql, 2).unwrap().len(), 2, "a new data version runs the list again");
    }
}

/// The option lists of query parameters (zones, townships, villages, or a
/// query file's own `options_sql`), each run once per data version: they
/// are reference data, like the geography, so even `--no-cache` keeps them.
/// There are at most as many entries as distinct option queries in the
/// catalog.
#[derive(Default)]
pub struct OptionLists(std::sync::Mutex<std::collections::HashMap<String, (u64, OptionList)>>);

pub type OptionList = std::sync::Arc<Vec<(String, String)>>;

impl OptionLists {
    /// The list `sql` gives at data version `version`, run on `conn` when
    /// not yet known for that version.
    pub fn get(&self, conn: &duckdb::Connection, sql: &str, version: u64) -> anyhow::Result<OptionList> {
        if let Some((v, list)) = self.0.lock().ok().and_then(|m| m.get(sql).cloned()) {
            if v == version {
                return Ok(list);
            }
        }
        let rs = crate::catalog::run_sql_read_only(conn, sql)?;
        let list: OptionList = std::sync::Arc::new(rs.rows.iter().map(|r| (r[0].text(), r.get(1).map(|c| c.text()).unwrap_or_default())).collect());
        if let Ok(mut m) = self.0.lock() {
            m.insert(sql.to_string(), (version, list.clone()));
        }
        Ok(list)
    }
}

