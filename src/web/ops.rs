//! Operations: a request id on every request and every log line written
//! while it runs, one access-log line per request, clear answers to bodies
//! and addresses that are too large, and the probes `/healthz` (the process
//! is up) and `/readyz` (the database answers, the catalog is loaded).

use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse};
use tracing::Instrument;

use super::State;

/// The header that carries the request id, in and out.
pub const REQUEST_ID: &str = "x-request-id";

/// The longest request target (path and query string) served; longer
/// answers 414. (The whole request head is limited to 128 KiB by actix,
/// which answers 431 beyond that.)
pub const MAX_URI: usize = 8 * 1024;

/// How long `/readyz` waits for a free database connection.
pub const READY_WAIT: Duration = Duration::from_secs(1);

tokio::task_local! {
    static CURRENT_ID: String;
}

/// The id of the request being served on this task, if any (error pages
/// show it so a user can quote it).
pub fn current_request_id() -> Option<String> {
    CURRENT_ID.try_with(|id| id.clone()).ok()
}

/// An incoming id is kept when it is at most 64 characters of letters,
/// digits, `-`, `_` and `.`; anything else is replaced.
pub fn is_sane_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// 16 hex digits from the thread's generator (seeded from the system's,
/// so ids are not guessable, without a system call per request).
fn new_id() -> String {
    format!("{:016x}", rand::Rng::gen::<u64>(&mut rand::thread_rng()))
}

/// Probes are logged at debug level so they do not drown the access log.
fn is_probe(path: &str) -> bool {
    path == "/healthz" || path == "/readyz"
}

/// The outermost middleware (`App::wrap(from_fn(ops::request_id))`,
/// registered last): takes or makes the request id, runs the request inside
/// a span carrying it (database work on blocking threads carries the span
/// too, see `Db::run`), answers it in `X-Request-Id`, and writes the access
/// line: method, path, status, milliseconds, user.
pub async fn request_id(req: ServiceRequest, next: Next<impl MessageBody + 'static>) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_sane_id(v))
        .map(str::to_string)
        .unwrap_or_else(new_id);
    let method = req.method().to_string();
    let path = req.path().to_string();
    // ERROR level so that the span (and the id on every line inside it)
    // survives any log filter that lets errors through.
    let span = tracing::error_span!("request", request_id = %id, method = %method, path = %path);
    let started = Instant::now();
    let too_long = req.uri().path_and_query().map_or(0, |p| p.as_str().len()) > MAX_URI;
    let work = async move {
        if too_long {
            return Ok(req.into_response(message(StatusCode::URI_TOO_LONG, "请求地址过长", &format!("The address is too long (at most {MAX_URI} bytes)"))));
        }
        next.call(req).await.map(|res| clear_413(res.map_into_boxed_body()))
    };
    let result: Result<ServiceResponse<BoxBody>, actix_web::Error> = CURRENT_ID.scope(id.clone(), work.instrument(span.clone())).await;
    let mut res = match result {
        Ok(res) => res,
        // An inner middleware's error (rare: handlers' errors are already
        // responses here) is answered by actix; log it at least.
        Err(e) => {
            let status = e.as_response_error().status_code().as_u16();
            span.in_scope(|| tracing::warn!(target: "jingzhun::access", status, error = %e, "{method} {path} {status}"));
            return Err(e);
        }
    };
    if let Ok(v) = header::HeaderValue::from_str(&id) {
        res.headers_mut().insert(header::HeaderName::from_static(REQUEST_ID), v);
    }
    let status = res.status().as_u16();
    let ms = (started.elapsed().as_secs_f64() * 1000.0 * 10.0).round() / 10.0;
    let user = res.request().extensions().get::<crate::auth::CurrentUser>().and_then(|u| u.name().map(str::to_string));
    let line = AccessLine { span, method, path, status, ms, user };
    // The line is written by a task of this worker's, which runs once the
    // dispatcher has written this response to the socket: the client does
    // not wait for it (about 15 µs a request, BENCHMARKS.md). A task that
    // never runs (the worker stopping) is dropped, which writes it too.
    actix_web::rt::spawn(async move { drop(line) });
    Ok(res)
}

/// A request's access line, written when dropped.
struct AccessLine {
    span: tracing::Span,
    method: String,
    path: String,
    status: u16,
    ms: f64,
    user: Option<String>,
}

impl Drop for AccessLine {
    fn drop(&mut self) {
        let AccessLine { span, method, path, status, ms, user } = &*self;
        let (status, ms, user) = (*status, *ms, user.as_deref().unwrap_or("-"));
        span.in_scope(|| {
            if is_probe(path) {
                tracing::debug!(target: "jingzhun::access", status, duration_ms = ms, user, "{method} {path} {status} {ms}ms");
            } else {
                tracing::info!(target: "jingzhun::access", status, duration_ms = ms, user, "{method} {path} {status} {ms}ms");
            }
        });
    }
}

/// A short bilingual page (the same shape as `WebError`'s).
fn message(status: StatusCode, zh: &str, en: &str) -> HttpResponse {
    let id = current_request_id().map(|id| format!("<p>请求编号 Request id: <code>{id}</code></p>")).unwrap_or_default();
    HttpResponse::build(status).insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8")).body(format!(
        "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>{zh}</title><body><h1>{zh}</h1><p lang=\"en\">{}</p>{id}<p><a href=\"/\">返回首页 Home</a></p></body></html>",
        crate::charts::escape_xml(en)
    ))
}

/// actix answers an oversized form or body with a terse plain-text 413;
/// say what the limit is. (Pages that explain their own 413, like
/// `/import`'s, answer HTML and are left alone.)
fn clear_413(res: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    if res.status() != StatusCode::PAYLOAD_TOO_LARGE {
        return res;
    }
    let html = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    if html {
        return res;
    }
    let kib = crate::auth::BODY_LIMIT / 1024;
    res.into_response(message(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("提交的内容过大（上限 {kib} KiB）"),
        &format!("The request body is too large (at most {kib} KiB)"),
    ))
}

/// `/healthz`: the process is up and serving. Nothing else is checked, so
/// a busy database never gets the process restarted.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").insert_header((header::CACHE_CONTROL, "no-store")).body("ok\n")
}

/// `/readyz`: ready for traffic when a pooled database connection is free
/// within [`READY_WAIT`] and answers `SELECT 1`, and the query catalog is
/// loaded. 200 with what was checked, else 503 naming the failing part.
pub async fn readyz(state: State) -> HttpResponse {
    let started = Instant::now();
    let database = match state.db.ping(READY_WAIT).await {
        Ok(()) => "ok".to_string(),
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "not ready: the database does not answer");
            format!("unavailable: {e:#}")
        }
    };
    let queries = state.catalog.queries.len();
    let catalog_ok = queries > 0;
    let warmed = state.warmed.load(std::sync::atomic::Ordering::Acquire);
    let ready = database == "ok" && catalog_ok && warmed;
    let body = serde_json::json!({
        "ready": ready,
        "database": database,
        // The first build of every dashboard after start (`dash::warm`).
        "warm_up": if warmed { "done" } else { "running" },
        "catalog": if catalog_ok { serde_json::json!(queries) } else { serde_json::json!("no queries loaded") },
        "dashboards": state.dashboards.all.len(),
        "data_version": state.data_version(),
        "renders_free": state.renders.available_permits(),
        "exports_free": state.exports.available_permits(),
        "elapsed_ms": started.elapsed().as_millis() as u64,
    });
    let mut resp = if ready { HttpResponse::Ok() } else { HttpResponse::ServiceUnavailable() };
    if !ready {
        resp.insert_header((header::RETRY_AFTER, "5"));
    }
    resp.content_type("application/json").insert_header((header::CACHE_CONTROL, "no-store")).body(body.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_checked() {
        assert!(is_sane_id("abc-123_x.y"));
        assert!(is_sane_id(&"a".repeat(64)));
        assert!(!is_sane_id(&"a".repeat(65)));
        assert!(!is_sane_id(""));
        assert!(!is_sane_id("a b"));
        assert!(!is_sane_id("x\"y"));
        assert!(!is_sane_id("编号"));
        assert!(is_sane_id(&new_id()));
        assert_ne!(new_id(), new_id());
    }
}
