//! Import in the browser: upload CSV or Excel files (a plain multipart
//! form), see the validation report and a dry-run preview (rows to add,
//! update, reject per file), then confirm or cancel. The dry run and the
//! real import are the CLI's `import_paths`; the dry run rolls back.
//!
//! The multipart form carries the CSRF token in the query string (the CSRF
//! guard cannot read multipart bodies); confirm and cancel are ordinary
//! forms with a `csrf` field.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use minijinja::context;

use super::{State, WebError};
use crate::auth::{audit, csrf, AuthError, AuthState, CurrentUser, Role};
use crate::import::{import_paths, ImportOptions, ImportReport};

/// Who may import.
const IMPORTERS: &[Role] = &[Role::Statistician, Role::Admin];
/// How long an uploaded import waits for confirmation.
pub const PENDING_TTL: Duration = Duration::from_secs(30 * 60);
/// File name endings accepted for upload.
const ACCEPTED: &[&str] = &["csv", "tsv", "txt", "xlsx", "xls"];
/// Problems shown on the preview page (the count says how many in all).
const SHOWN_PROBLEMS: usize = 200;
/// The audit action of a confirmed import.
pub const IMPORT: &str = "import";

/// One uploaded import awaiting confirmation.
pub struct PendingImport {
    pub user: String,
    pub dir: tempfile::TempDir,
    pub files: Vec<PathBuf>,
    pub report: ImportReport,
    pub expires: Instant,
}

/// Pending imports by id.
pub type Pending = Mutex<HashMap<String, PendingImport>>;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/import", web::get().to(form))
        .route("/import", web::post().to(upload))
        .route("/import/{id}/confirm", web::post().to(confirm))
        .route("/import/{id}/cancel", web::post().to(cancel));
}

fn page(state: &State, status: StatusCode, ctx: minijinja::Value) -> Result<HttpResponse, WebError> {
    let html = state.templates.get_template("import.html")?.render(ctx)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(header::ContentEncoding::Identity)
        .body(html))
}

fn plain(status: StatusCode, zh: &str, en: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(crate::auth::message_page(zh, en))
}

/// Drops expired pending imports (their files go with their TempDir).
fn purge(state: &State) {
    if let Ok(mut m) = state.imports.lock() {
        let now = Instant::now();
        m.retain(|_, p| p.expires > now);
    }
}

fn max_mb(state: &State) -> f64 {
    state.limits.max_upload_bytes as f64 / (1024.0 * 1024.0)
}

pub async fn form(state: State, session: Session, user: CurrentUser, req: HttpRequest) -> Result<HttpResponse, WebError> {
    user.require_role(&req, IMPORTERS)?;
    purge(&state);
    let csrf = csrf::token(&session);
    page(&state, StatusCode::OK, context! { stage => "form", csrf, max_mb => max_mb(&state) })
}

/// The base name of an uploaded file, if it is one we accept.
fn sanitize(name: &str) -> Result<String, String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let clean: String = base.chars().filter(|c| !c.is_control()).collect();
    if clean.is_empty() || clean.starts_with('.') {
        return Err(format!("file \"{name}\": expected a file name ending in {}", ACCEPTED.iter().map(|e| format!(".{e}")).collect::<Vec<_>>().join(", ")));
    }
    let ext = clean.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if !ACCEPTED.contains(&ext.as_str()) {
        return Err(format!(
            "file \"{clean}\": expected a CSV or Excel file (name ending in {}) 只接受 CSV 或 Excel 文件",
            ACCEPTED.iter().map(|e| format!(".{e}")).collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(clean)
}

fn too_large(state: &State) -> HttpResponse {
    plain(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("上传文件过大：合计不得超过 {} MiB，未做任何更改", max_mb(state)),
        &format!("The upload is too large: at most {} MiB in all; nothing was changed", max_mb(state)),
    )
}

fn report_context(report: &ImportReport) -> minijinja::Value {
    let problems: Vec<minijinja::Value> = report
        .problems
        .iter()
        .take(SHOWN_PROBLEMS)
        .map(|p| context! { file => p.file, row => p.row, column => p.column.clone().unwrap_or_default(), message => p.message, text => p.to_string() })
        .collect();
    let files: Vec<minijinja::Value> = report
        .files
        .iter()
        .map(|f| context! { label => f.label, table => f.table, encoding => f.encoding, accepted => f.accepted, inserted => f.inserted, updated => f.updated, rejected => f.rejected, warnings => f.warnings })
        .collect();
    context! { files, problems, problem_count => report.problem_count, committed => report.committed }
}

pub async fn upload(state: State, session: Session, user: CurrentUser, req: HttpRequest, mut payload: actix_multipart::Multipart) -> Result<HttpResponse, WebError> {
    let me = user.require_role(&req, IMPORTERS)?.name.clone();
    purge(&state);
    let limit = state.limits.max_upload_bytes;
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit + 64 * 1024) {
        return Ok(too_large(&state));
    }
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    if !content_type.to_ascii_lowercase().starts_with("multipart/form-data") {
        return Err(WebError::BadRequest(vec!["expected a multipart/form-data upload 须以表单上传文件".into()]));
    }
    // Each file streams to disk as it arrives (actix-multipart), counted
    // against the limit, hashed on the way.
    let dir = tempfile::Builder::new().prefix("jingzhun-upload-").tempdir().map_err(anyhow::Error::from)?;
    let (mut names, mut files, mut sums, mut errors) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut total = 0usize;
    let malformed = |e: actix_multipart::MultipartError| WebError::BadRequest(vec![format!("malformed upload: {e}; expected a multipart/form-data form with files")]);
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(malformed)?;
        let name = field.content_disposition().and_then(|cd| cd.get_filename()).map(str::to_string).unwrap_or_default();
        let clean = if name.is_empty() {
            None
        } else {
            match sanitize(&name) {
                Ok(n) if names.contains(&n) => {
                    errors.push(format!("file \"{n}\" is uploaded twice; expected each file once"));
                    None
                }
                Ok(n) => Some(n),
                Err(e) => {
                    errors.push(e);
                    None
                }
            }
        };
        let mut out = match &clean {
            Some(n) => Some(std::fs::File::create(dir.path().join(n)).map_err(anyhow::Error::from)?),
            None => None,
        };
        let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(malformed)?;
            if let Some(f) = out.as_mut() {
                total += chunk.len();
                if total > limit {
                    return Ok(too_large(&state));
                }
                sha2::Digest::update(&mut hasher, &chunk);
                std::io::Write::write_all(f, &chunk).map_err(anyhow::Error::from)?;
            }
        }
        if let Some(n) = clean {
            sums.push(format!("{:x}", sha2::Digest::finalize(hasher)));
            files.push(dir.path().join(&n));
            names.push(n);
        }
    }
    if !errors.is_empty() {
        return Err(WebError::BadRequest(errors));
    }
    if files.is_empty() {
        return Err(WebError::BadRequest(vec!["no file uploaded: expected one or more CSV or Excel files 请选择文件".into()]));
    }
    let paths = files.clone();
    let one_import = state.import_lock.clone().lock_owned().await;
    let report = state
        .db
        .run_mut(move |conn| {
            let report = import_paths(conn, &paths, &ImportOptions { dry_run: true, ..Default::default() });
            drop(one_import);
            report
        })
        .await?;
    let id = {
        use rand::Rng;
        let bytes: [u8; 16] = rand::thread_rng().gen();
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    let ctx = report_context(&report);
    let can_confirm = report.problem_count == 0 && !report.files.is_empty();
    tracing::info!(user = %me, files = names.len(), problems = report.problem_count, "import previewed");
    if let Ok(mut m) = state.imports.lock() {
        m.insert(id.clone(), PendingImport { user: me, dir, files, report, expires: Instant::now() + PENDING_TTL });
    }
    let csrf = csrf::token(&session);
    page(&state, StatusCode::OK, context! { stage => "preview", csrf, id, report => ctx, can_confirm, names, sums })
}

/// Takes the pending import if it exists and belongs to this user.
fn take(state: &State, id: &str, me: &str, remove: bool) -> Result<Option<PendingImport>, WebError> {
    purge(state);
    let mut m = state.imports.lock().map_err(|_| anyhow::anyhow!("pending imports lock poisoned"))?;
    match m.get(id) {
        None => Err(WebError::NotFound),
        Some(p) if p.user != me => Err(AuthError::Forbidden.into()),
        Some(_) if remove => Ok(m.remove(id)),
        Some(_) => Ok(None),
    }
}

pub async fn confirm(
    state: State,
    auth: web::Data<AuthState>,
    session: Session,
    user: CurrentUser,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let me = user.require_role(&req, IMPORTERS)?.name.clone();
    // A bad file stays pending (it can still be cancelled) and is refused.
    let bad = {
        take(&state, &id, &me, false)?;
        let m = state.imports.lock().map_err(|_| anyhow::anyhow!("pending imports lock poisoned"))?;
        m.get(id.as_str()).is_some_and(|p| p.report.problem_count > 0 || p.report.files.is_empty())
    };
    if bad {
        return Ok(plain(
            StatusCode::CONFLICT,
            "文件有错误，不能导入：请修正文件后重新上传；数据未做任何更改",
            "The files have problems and cannot be imported: fix the file and upload it again; nothing was changed",
        ));
    }
    let Some(pending) = take(&state, &id, &me, true)? else { return Err(WebError::NotFound) };
    let paths = pending.files.clone();
    // One import at a time: a second confirm waits here and then applies
    // on top of the first (never a DuckDB conflict, never a 500).
    let one_import = state.import_lock.clone().lock_owned().await;
    let (report, version, one_import) = state
        .db
        .run_mut(move |conn| {
            let report = import_paths(conn, &paths, &ImportOptions::default())?;
            let version: i64 = conn.query_row("SELECT coalesce(max(batch_id), 0) FROM import_batch", [], |r| r.get(0))?;
            Ok((report, version, one_import))
        })
        .await?;
    if report.committed {
        state.data_version.store(version as u64, std::sync::atomic::Ordering::Release);
        if let Ok(mut c) = state.cache.lock() {
            c.clear();
        }
        if let Ok(mut c) = state.views.lock() {
            c.clear();
        }
        if let Ok(mut c) = state.results.lock() {
            c.clear();
        }
        if state.warm {
            let state = state.clone();
            actix_web::rt::spawn(async move { super::dash::warm(&state).await });
        }
    }
    drop(one_import);
    let detail = serde_json::json!({
        "committed": report.committed,
        "data_version": version,
        "files": report.files.iter().map(|f| serde_json::json!({
            "file": f.label, "sha256": f.sha256, "table": f.table,
            "inserted": f.inserted, "updated": f.updated, "rejected": f.rejected,
        })).collect::<Vec<_>>(),
        "problems": report.problem_count,
    });
    audit::record_async(&state.db, Some(me.clone()), Some(auth.ip(&req)), IMPORT, detail).await;
    tracing::info!(user = %me, committed = report.committed, version, "import confirmed");
    drop(pending);
    let csrf = csrf::token(&session);
    let status = if report.committed { StatusCode::OK } else { StatusCode::CONFLICT };
    page(&state, status, context! { stage => "done", csrf, report => report_context(&report), data_version => version })
}

pub async fn cancel(state: State, session: Session, user: CurrentUser, req: HttpRequest, id: web::Path<String>) -> Result<HttpResponse, WebError> {
    let me = user.require_role(&req, IMPORTERS)?.name.clone();
    let pending = take(&state, &id, &me, true)?;
    drop(pending);
    let csrf = csrf::token(&session);
    page(&state, StatusCode::OK, context! { stage => "cancelled", csrf, max_mb => max_mb(&state) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sanitised() {
        assert_eq!(sanitize("../../etc/village.csv").unwrap(), "village.csv");
        assert_eq!(sanitize("C:\\data\\户.XLSX").unwrap(), "户.XLSX");
        assert!(sanitize("evil.sh").unwrap_err().contains("evil.sh"));
        assert!(sanitize("../.csv").is_err());
    }

}
