//! The web server: the app assembled in one place ([`build`]), every route
//! in one block, templates in one minijinja environment, DuckDB reached only
//! through [`crate::store::Db::run`].

pub mod compress;
pub mod dash;
mod geo;
mod auth_routes;
mod import_routes;
pub mod ops;
mod pages;
mod pdf;
mod public;
mod query;

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;

use actix_web::{dev::Server, http::header, middleware, web, App, HttpResponse, HttpServer, ResponseError};
use anyhow::Context;
use minijinja::Environment;

use crate::catalog::Catalog;
use crate::store::Db;

/// Server settings. Paths are settings so tests can point them elsewhere.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub db: PathBuf,
    pub bind: String,
    /// Queries folder; `None` uses the copy embedded in the binary.
    pub queries: Option<PathBuf>,
    /// Dashboards folder; `None` uses the copy embedded in the binary.
    pub dashboards: Option<PathBuf>,
    /// A font file with Chinese glyphs for PNG and PDF (default: searched).
    pub cjk_font: Option<PathBuf>,
    /// HTTP worker threads (0: one per core).
    pub workers: usize,
    pub limits: Limits,
    /// Sessions and sign-in (see `crate::auth`).
    pub auth: crate::auth::AuthConfig,
    /// Serve a read-only copy (a replica): the file is opened read-only,
    /// imports and account changes answer 503.
    pub read_only: bool,
    /// Keep views, query results and responses for the next identical
    /// request (off only to measure uncached work).
    pub caching: bool,
    /// Build every dashboard once in the background after start and after
    /// each import ([`dash::warm`]), so that the first view is not a cold
    /// one.
    pub warm: bool,
}

/// Guards on every query, and the server's resource limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A page's or JSON query's time limit; an overrun answers 503.
    pub query_timeout: std::time::Duration,
    /// The time limit of a download (CSV, XLSX, Parquet).
    pub export_timeout: std::time::Duration,
    /// Rows shown on a page or in JSON; downloads have no cap.
    pub row_cap: usize,
    /// The largest total upload to `/import` (default 50 MiB); larger
    /// answers 413.
    pub max_upload_bytes: usize,
    /// PNG and PDF renders at once; more answer 503 (Busy).
    pub max_renders: usize,
    /// Downloads (CSV, XLSX, Parquet of a query) at once; more answer 503.
    pub max_exports: usize,
    /// On SIGTERM or SIGINT, how long in-flight requests may still run.
    pub shutdown_timeout: std::time::Duration,
    /// How long a client may take to send a request's head (slow clients
    /// get 408 and are disconnected).
    pub client_timeout: std::time::Duration,
    /// How long an idle keep-alive connection is kept open.
    pub keep_alive: std::time::Duration,
    /// DuckDB's buffer pool, in MiB: what it may keep of the file in
    /// memory; larger work spills to temporary files.
    pub duckdb_memory_mb: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            query_timeout: std::time::Duration::from_secs(5),
            export_timeout: std::time::Duration::from_secs(300),
            row_cap: 5_000,
            max_upload_bytes: 50 * 1024 * 1024,
            max_renders: CONCURRENT_RENDERS,
            max_exports: CONCURRENT_EXPORTS,
            shutdown_timeout: std::time::Duration::from_secs(30),
            client_timeout: std::time::Duration::from_secs(5),
            keep_alive: std::time::Duration::from_secs(5),
            duckdb_memory_mb: 160,
        }
    }
}

/// What every handler shares.
pub struct AppState {
    pub db: Db,
    pub catalog: Catalog,
    pub dashboards: crate::dashboards::Dashboards,
    /// War zones, townships and villages of the current data version.
    pub geo: geo::GeoCache,
    /// Option lists of query parameters, per data version.
    pub option_lists: std::sync::Arc<query::OptionLists>,
    /// Dashboard views by dashboard, filters, language and data version.
    pub views: std::sync::Mutex<lru::LruCache<String, std::sync::Arc<dash::DashView>>>,
    /// Query results by query, bound parameters and data version: shared
    /// by every dashboard that shows the same query.
    pub results: std::sync::Mutex<lru::LruCache<String, std::sync::Arc<crate::catalog::ResultSet>>>,
    pub templates: Environment<'static>,
    pub limits: Limits,
    /// Changes with every import; part of every ETag.
    pub data_version: std::sync::atomic::AtomicU64,
    /// Whether the warm-up after start has finished (or is off): until
    /// then `/readyz` answers 503, so that a load balancer sends no one
    /// to a cold server.
    pub warmed: std::sync::atomic::AtomicBool,
    /// Rendered pages and JSON by ETag (query, parameters, format, data
    /// version): a new data version never matches an old entry.
    pub cache: std::sync::Mutex<lru::LruCache<String, Cached>>,
    /// Permits for downloads; when none is free the request answers 503.
    pub exports: std::sync::Arc<tokio::sync::Semaphore>,
    /// Permits for PNG and PDF rendering (CPU-heavy).
    pub renders: std::sync::Arc<tokio::sync::Semaphore>,
    /// The font that draws Chinese in PNG and PDF.
    pub fonts: crate::render::Fonts,
    /// A hash of what shapes responses besides the data (the version, the
    /// queries, the dashboards, templates and stylesheet): part of every
    /// ETag, so a new build or a changed dashboard never revalidates a
    /// page drawn by the old one. The same on every replica.
    pub build: String,
    /// Uploaded imports awaiting confirmation, by random id.
    pub imports: import_routes::Pending,
    /// Whether views, results and responses are kept (see
    /// [`ServeConfig::caching`]).
    pub caching: bool,
    /// Warm up after start and after each import ([`ServeConfig::warm`]).
    pub warm: bool,
    /// Compressed bodies by encoding and ETag (`compress.rs`).
    pub compressed: compress::Store,
    /// Held by every import run (dry run or confirm): two at once would
    /// touch the same rows and DuckDB would refuse one with a conflict.
    /// The guard moves into the blocking task, so an import whose request
    /// went away still holds it until DuckDB is done.
    pub import_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// A rendered response kept for the next identical request.
#[derive(Clone)]
pub struct Cached {
    pub content_type: &'static str,
    pub body: actix_web::web::Bytes,
}

/// Entries kept in the response cache.
pub const CACHE_ENTRIES: usize = 512;
/// Bodies larger than this are not cached.
pub const CACHE_MAX_BODY: usize = 256 * 1024;
/// Dashboard views kept (each holds its charts and tables).
pub const VIEW_ENTRIES: usize = 256;
/// Query results kept for dashboards.
pub const RESULT_ENTRIES: usize = 1024;

fn nonzero(n: usize) -> std::num::NonZeroUsize {
    std::num::NonZeroUsize::new(n).unwrap_or(std::num::NonZeroUsize::MIN)
}

/// PNG and PDF renders at once by default (each takes a core).
pub const CONCURRENT_RENDERS: usize = 2;

/// Downloads streaming at once by default (each holds a database connection).
pub const CONCURRENT_EXPORTS: usize = 2;

impl AppState {
    pub fn data_version(&self) -> u64 {
        self.data_version.load(std::sync::atomic::Ordering::Acquire)
    }
}

/// An error a handler returns: the user sees a short page, the log keeps
/// the whole cause chain.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    /// Bad parameters: each message names the parameter and what was expected.
    #[error("bad request: {}", .0.join("; "))]
    BadRequest(Vec<String>),
    #[error("the query took too long")]
    Timeout(std::time::Duration),
    /// The query needed more memory than DuckDB may use (the MiB given).
    #[error("the query needed too much memory")]
    OutOfMemory(usize),
    /// Too many heavy requests of this kind at once (the limit given).
    #[error("busy: {0:?}")]
    Busy(Heavy, usize),
    /// Something the server needs is missing (e.g. a CJK font for PNG).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// A write (import, account change) asked of a read-only replica.
    #[error("read-only replica")]
    ReadOnly,
    #[error("internal error")]
    Internal(anyhow::Error),
    /// Sign-in required (401 or a redirect), forbidden (403), too many
    /// sign-ins (429): see `crate::auth::AuthError`.
    #[error(transparent)]
    Auth(#[from] crate::auth::AuthError),
}

/// What a [`WebError::Busy`] ran out of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heavy {
    /// PNG and PDF (`AppState::renders`).
    Renders,
    /// Query downloads (`AppState::exports`).
    Downloads,
}

impl From<anyhow::Error> for WebError {
    fn from(e: anyhow::Error) -> Self {
        if let Some(t) = e.downcast_ref::<crate::store::QueryTimeout>() {
            return WebError::Timeout(t.0);
        }
        if let Some(m) = e.downcast_ref::<crate::store::OutOfMemory>() {
            tracing::warn!(error = ?e, "a query ran out of memory");
            return WebError::OutOfMemory(m.0);
        }
        WebError::Internal(e)
    }
}

impl From<minijinja::Error> for WebError {
    fn from(e: minijinja::Error) -> Self {
        WebError::Internal(e.into())
    }
}

impl ResponseError for WebError {
    fn status_code(&self) -> actix_web::http::StatusCode {
        use actix_web::http::StatusCode;
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Timeout(_) | WebError::OutOfMemory(_) | WebError::Busy(..) | WebError::Unavailable(_) | WebError::ReadOnly => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            WebError::Auth(e) => e.status_code(),
        }
    }
    fn error_response(&self) -> HttpResponse {
        if let WebError::Auth(e) = self {
            return e.error_response();
        }
        if let WebError::Internal(e) = self {
            tracing::error!(error = ?e, "request failed");
        }
        let (zh, en, details): (&str, String, Vec<String>) = match self {
            WebError::NotFound => ("页面不存在", "Page not found".into(), vec![]),
            WebError::BadRequest(m) => ("参数有误", "Bad parameters".into(), m.clone()),
            WebError::Timeout(t) => (
                "查询超时，请缩小范围后重试",
                format!("The query took longer than {} s and was stopped; narrow it and try again", t.as_secs_f64()),
                vec![],
            ),
            WebError::OutOfMemory(mb) => (
                "查询所需内存超过服务器上限，请缩小范围或稍后重试",
                format!(
                    "The query needed more memory than the server lets DuckDB use ({mb} MiB, set by --duckdb-memory-mb); narrow it or try again later"
                ),
                vec![],
            ),
            WebError::Busy(Heavy::Renders, n) => (
                "图片和 PDF 生成请求过多，请稍后重试",
                format!("Too many PNG and PDF renders at once (at most {n}); try again in a few seconds"),
                vec![],
            ),
            WebError::Busy(Heavy::Downloads, n) => (
                "下载请求过多，请稍后重试",
                format!("Too many downloads at once (at most {n}); try again in a few seconds"),
                vec![],
            ),
            WebError::Unavailable(m) => ("服务器缺少所需资源", "The server lacks something this needs".into(), vec![m.clone()]),
            WebError::ReadOnly => (
                "这是只读副本：导入数据和修改账号请在主服务器上进行",
                "This is a read-only replica: imports and account changes are made on the primary server".into(),
                vec![],
            ),
            WebError::Internal(_) | WebError::Auth(_) => ("服务器内部错误，详情已记入日志", "Internal error; the details are in the server log".into(), vec![]),
        };
        let items: String = details
            .iter()
            .map(|d| format!("<li>{}</li>", crate::charts::escape_xml(d)))
            .collect();
        let mut resp = HttpResponse::build(self.status_code());
        match self {
            WebError::Timeout(_) | WebError::OutOfMemory(_) => {
                resp.insert_header((header::RETRY_AFTER, "30"));
            }
            WebError::Busy(..) => {
                resp.insert_header((header::RETRY_AFTER, "5"));
            }
            _ => {}
        }
        // A server-side failure shows the request id, which the log lines
        // of the request carry, so a user can quote it.
        let id = match ops::current_request_id() {
            Some(id) if self.status_code().is_server_error() => format!("<p>请求编号 Request id: <code>{}</code></p>", crate::charts::escape_xml(&id)),
            _ => String::new(),
        };
        resp.insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8")).body(format!(
            "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>{zh}</title><body><h1>{zh}</h1><p lang=\"en\">{}</p><ul>{items}</ul>{id}<p><a href=\"/\">返回首页 Home</a></p></body></html>",
            crate::charts::escape_xml(&en)
        ))
    }
}

/// The template environment, with the templates compiled into the binary.
pub fn templates() -> anyhow::Result<Environment<'static>> {
    let mut env = Environment::new();
    env.add_template("base.html", include_str!("templates/base.html"))?;
    env.add_template("dashboard.html", include_str!("templates/dashboard.html"))?;
    env.add_template("query.html", include_str!("templates/query.html"))?;
    env.add_template("public.html", include_str!("templates/public.html"))?;
    // Accounts (auth_routes.rs).
    env.add_template("login.html", include_str!("templates/login.html"))?;
    env.add_template("account.html", include_str!("templates/account.html"))?;
    env.add_template("password.html", include_str!("templates/password.html"))?;
    env.add_template("admin_users.html", include_str!("templates/admin_users.html"))?;
    env.add_template("admin_audit.html", include_str!("templates/admin_audit.html"))?;
    env.add_template("import.html", include_str!("templates/import.html"))?;
    env.add_filter("num", |v: f64| crate::charts::thousands(v.round() as i64));
    env.add_filter("pct", |v: f64| crate::charts::format_number(v, crate::charts::Unit::Percent));
    env.add_filter("yuan", |v: f64| crate::charts::format_number(v, crate::charts::Unit::Yuan));
    Ok(env)
}

/// Opens the database, loads and checks the catalog and the dashboards,
/// and assembles what every handler shares (also used offline by
/// `jingzhun render`).
pub fn app_state(config: &ServeConfig, workers: usize) -> anyhow::Result<State> {
    let pool = (workers as u32).max(2) * 2;
    let memory = config.limits.duckdb_memory_mb;
    let db = if config.read_only { Db::open_read_only(&config.db, pool, memory)? } else { Db::open(&config.db, pool, memory)? };
    let catalog = Catalog::load(config.queries.as_deref())?;
    let dashboards = crate::dashboards::Dashboards::load(config.dashboards.as_deref(), &catalog)?;
    let problems = db_check(&db, &catalog)?;
    if !problems.is_empty() {
        anyhow::bail!("the query catalog has problems:\n{}", problems.join("\n"));
    }
    let version = db.with_conn(|conn| Ok(conn.query_row("SELECT coalesce(max(batch_id), 0) FROM import_batch", [], |r| r.get::<_, i64>(0))?))?;
    let build = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        env!("CARGO_PKG_VERSION").hash(&mut h);
        for q in catalog.queries.values() {
            (&q.name, &q.sql, serde_json::to_string(&q.meta.columns).unwrap_or_default()).hash(&mut h);
        }
        for d in dashboards.all.values() {
            format!("{d:?}").hash(&mut h);
        }
        (include_str!("templates/base.html"), include_str!("templates/dashboard.html"), include_str!("static/jingzhun.css")).hash(&mut h);
        include_str!("templates/public.html").hash(&mut h);
        format!("{:08x}", h.finish() as u32)
    };
    let fonts = crate::render::Fonts::discover(config.cjk_font.as_deref());
    match (fonts.cjk_font(), fonts.problem()) {
        (Some(path), _) => tracing::info!(font = %path.display(), "PNG and PDF draw Chinese with this font"),
        (None, Some(p)) => tracing::warn!("PNG and PDF exports are unavailable: {p}"),
        (None, None) => tracing::warn!("PNG and PDF exports are unavailable: no CJK font found"),
    }
    Ok(web::Data::new(AppState {
        db,
        catalog,
        dashboards,
        geo: geo::GeoCache::default(),
        option_lists: Default::default(),
        views: std::sync::Mutex::new(lru::LruCache::new(nonzero(VIEW_ENTRIES))),
        results: std::sync::Mutex::new(lru::LruCache::new(nonzero(RESULT_ENTRIES))),
        templates: templates()?,
        limits: config.limits,
        data_version: std::sync::atomic::AtomicU64::new(version as u64),
        warmed: std::sync::atomic::AtomicBool::new(!config.warm),
        exports: std::sync::Arc::new(tokio::sync::Semaphore::new(config.limits.max_exports.max(1))),
        renders: std::sync::Arc::new(tokio::sync::Semaphore::new(config.limits.max_renders.max(1))),
        fonts,
        build,
        cache: std::sync::Mutex::new(lru::LruCache::new(nonzero(CACHE_ENTRIES))),
        imports: Default::default(),
        caching: config.caching,
        warm: config.warm,
        compressed: Default::default(),
        import_lock: Default::default(),
    }))
}

/// Binds the listener and builds the server; returns it with the address it
/// really listens on (port 0 picks a free port).
pub fn build(config: &ServeConfig) -> anyhow::Result<(Server, SocketAddr)> {
    let workers = if config.workers == 0 { std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2) } else { config.workers };
    let state = app_state(config, workers)?;
    // Accounts: the session key, and on a database without users a first
    // admin with a one-time password (logged once, never a default).
    let auth = web::Data::new(crate::auth::AuthState::new(state.db.clone(), config.auth.clone(), &config.db)?);
    if state.db.read_only() {
        tracing::info!(db = %config.db.display(), "serving a read-only replica: imports and account changes answer 503");
    } else if let Some(pw) = state.db.with_conn(crate::auth::users::ensure_admin)? {
        tracing::warn!("no users yet: created user admin with one-time password {pw} — sign in at /login and choose a new password");
    }
    // `jingzhun backup` reaches this server (and its lock on the file)
    // here. Replicas have no lock to get around and leave the socket to
    // the primary: backups are taken there.
    if !state.db.read_only() {
        if let Err(e) = crate::store::backup::listen(&state.db) {
            tracing::warn!("`jingzhun backup` cannot reach this server: {e:#}");
        }
    }
    let listener = TcpListener::bind(&config.bind).with_context(|| format!("cannot listen on {}", config.bind))?;
    let addr = listener.local_addr()?;
    if state.warm {
        let state = state.clone();
        actix_web::rt::spawn(async move {
            dash::warm(&state).await;
            state.warmed.store(true, std::sync::atomic::Ordering::Release);
        });
    }
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(auth.clone())
            // Compressed bodies of responses with an ETag come from a
            // cache (compress.rs); the rest are compressed as they go.
            .wrap(middleware::from_fn(compress::precompressed))
            .wrap(middleware::Compress::default())
            // Accounts: CSRF check on every state-changing request (inside
            // the session), the cookie session, security headers on every
            // response.
            .wrap(middleware::from_fn(crate::auth::csrf::guard))
            .wrap(middleware::from_fn(read_only_guard))
            .wrap(auth.session_middleware())
            // Request id, its span and the access log (inside the security
            // headers, so its own answers get them too).
            .wrap(middleware::from_fn(ops::request_id))
            .wrap(crate::auth::security_headers())
            .route("/", web::get().to(dash::home))
            .route("/healthz", web::get().to(ops::healthz))
            .route("/readyz", web::get().to(ops::readyz))
            .route("/static/{file}", web::get().to(pages::asset))
            .route("/favicon.ico", web::get().to(pages::favicon))
            .route("/d/{name}", web::get().to(dash::dashboard))
            .route("/d/{name}/{file}", web::get().to(dash::panel))
            .route("/{unit:zone|township|village}/{id}", web::get().to(dash::unit))
            .route("/q/{name}", web::get().to(query::query))
            // Public summary pages: open to anyone, shared-cacheable.
            .route("/public", web::get().to(public::home))
            .route("/public/{page}", web::get().to(public::page))
            .route("/public/{page}/{file}", web::get().to(public::download))
            // /login, /logout, /account, /account/password, /admin/users, /admin/audit
            .configure(auth_routes::routes)
            // /import, /import/{id}/confirm, /import/{id}/cancel
            .configure(import_routes::routes)
            .default_service(web::to(|| async { WebError::NotFound.error_response() }))
    })
    // Responses go out as soon as they are written: without TCP_NODELAY a
    // streamed download's last small chunk waited for the client's delayed
    // ACK, 40 ms on every small CSV (BENCHMARKS.md).
    .on_connect(|conn, _ext| {
        if let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() {
            let _ = tcp.set_nodelay(true);
        }
    })
    .workers(workers)
    // Resource limits of the connections themselves (see `Limits`).
    .shutdown_timeout(config.limits.shutdown_timeout.as_secs().max(1))
    .client_request_timeout(config.limits.client_timeout)
    .keep_alive(config.limits.keep_alive)
    .listen(listener)?
    .run();
    Ok((server, addr))
}

fn db_check(db: &Db, catalog: &Catalog) -> anyhow::Result<Vec<String>> {
    db.with_conn(|conn| Ok(catalog.check(conn)))
}

/// Whether the request's `If-None-Match` names this ETag.
pub fn not_modified(req: &actix_web::HttpRequest, tag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"))
}

/// Marks a response with its ETag and asks clients to revalidate it.
pub fn tagged(mut resp: HttpResponse, tag: &str) -> Result<HttpResponse, WebError> {
    resp.headers_mut().insert(header::ETAG, header::HeaderValue::from_str(tag).map_err(anyhow::Error::from)?);
    resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-cache"));
    Ok(resp)
}

/// On a read-only replica, refuses what would write: imports and account
/// changes (every POST but sign-in and sign-out) answer 503 and name the
/// primary as the place to do it.
async fn read_only_guard(
    req: actix_web::dev::ServiceRequest,
    next: middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::EitherBody<impl actix_web::body::MessageBody>>, actix_web::Error> {
    let writes = req.method() == actix_web::http::Method::POST && !matches!(req.path(), "/login" | "/logout");
    let replica = req.app_data::<State>().is_some_and(|s| s.db.read_only());
    if writes && replica {
        let resp = WebError::ReadOnly.error_response();
        return Ok(req.into_response(resp).map_into_right_body());
    }
    next.call(req).await.map(|r| r.map_into_left_body())
}

/// The cached response under this ETag, if any.
pub fn cached(state: &State, tag: &str) -> Option<HttpResponse> {
    if !state.caching {
        return None;
    }
    let hit = state.cache.lock().ok().and_then(|mut c| c.get(tag).cloned())?;
    Some(
        HttpResponse::Ok()
            .content_type(hit.content_type)
            .insert_header((header::ETAG, tag.to_string()))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .insert_header(("X-Cache", "hit"))
            .body(hit.body),
    )
}

/// Keeps a rendered body in the cache and answers with it.
pub fn remember(state: &State, tag: &str, content_type: &'static str, body: web::Bytes) -> HttpResponse {
    // Large bodies are not kept: the cache is bounded in bytes as well as
    // in entries (CACHE_ENTRIES × CACHE_MAX_BODY at most).
    if body.len() > CACHE_MAX_BODY || !state.caching {
        return HttpResponse::Ok().content_type(content_type).insert_header(("X-Cache", "miss")).body(body);
    }
    if let Ok(mut c) = state.cache.lock() {
        c.put(tag.to_string(), Cached { content_type, body: body.clone() });
    }
    HttpResponse::Ok().content_type(content_type).insert_header(("X-Cache", "miss")).body(body)
}

/// Shared for handlers.
pub type State = web::Data<AppState>;
