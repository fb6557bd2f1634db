//! Sessions and the request side of authorization: the session key, the
//! cookie session middleware, the [`CurrentUser`] extractor with its
//! `require_*` checks, [`AuthError`], security headers and body limits.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::time::Duration;

use actix_session::config::{CookieContentSecurity, PersistentSession, TtlExtensionPolicy};
use actix_session::storage::CookieSessionStore;
use actix_session::{Session, SessionExt, SessionMiddleware};
use actix_web::cookie::{Key, SameSite};
use actix_web::http::{header, Method, StatusCode};
use actix_web::{middleware::DefaultHeaders, web, FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use anyhow::Context;
use base64::Engine as _;

use super::{accounts::Accounts, password, throttle::Throttle, users, AuthConfig, Role, User};
use crate::store::Db;

/// Request bodies (forms, JSON, raw) larger than this answer 413.
pub const BODY_LIMIT: usize = 64 * 1024;

/// No inline scripts or styles anywhere: pages take CSS and any script from
/// `/static/`.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Headers on every response (`App::wrap`, outermost).
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "same-origin"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
}

/// Limits on request bodies, registered as app data.
pub fn body_limits() -> (web::FormConfig, web::JsonConfig, web::PayloadConfig) {
    (
        web::FormConfig::default().limit(BODY_LIMIT),
        web::JsonConfig::default().limit(BODY_LIMIT),
        web::PayloadConfig::new(BODY_LIMIT),
    )
}

// Session entries.
const USER: &str = "user";
const EPOCH: &str = "epoch";
const ISSUED: &str = "issued";
const SEEN: &str = "seen";
/// `seen` is rewritten at most this often. Each rewrite is a change of the
/// session, which re-sends the cookie with a fresh `Max-Age`; requests in
/// between send none.
const SEEN_RESOLUTION_SECS: i64 = 60;

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// What handlers share for accounts: the pool, settings, the session key,
/// the sign-in throttle.
pub struct AuthState {
    pub db: Db,
    /// Accounts as signed-in requests need them; every change to them goes
    /// through [`Accounts::change`].
    pub accounts: Accounts,
    pub config: AuthConfig,
    key: Key,
    pub throttle: Throttle,
    dummy_hash: String,
}

impl AuthState {
    /// Loads (or creates) the session key; `db_path` places the default key
    /// file.
    pub fn new(db: Db, config: AuthConfig, db_path: &Path) -> anyhow::Result<AuthState> {
        let key = load_key(&config, db_path)?;
        Ok(AuthState {
            db,
            accounts: Accounts::default(),
            throttle: Throttle::new(config.max_failures, config.failure_window),
            key,
            config,
            dummy_hash: password::dummy_hash()?,
        })
    }

    /// The cookie session: content signed and encrypted, HttpOnly,
    /// SameSite=Lax, `Secure` when configured. The cookie goes out only
    /// when the session changes: at sign-in and sign-out, for a new CSRF
    /// token, and when `seen` moves on (at most once a minute). Its
    /// `Max-Age` is the idle time plus that minute, so a browser keeps it at
    /// least as long as the server would accept it; the server itself ends
    /// the session after the idle time (`resolve`). Encrypting it again for
    /// every response cost a signed-in request about 30 µs of the HTTP
    /// worker's time (BENCHMARKS.md).
    pub fn session_middleware(&self) -> SessionMiddleware<CookieSessionStore> {
        let secure = self.config.secure_cookies;
        SessionMiddleware::builder(CookieSessionStore::default(), self.key.clone())
            // A __Host- cookie is bound to this host and path / and must be Secure.
            .cookie_name(if secure { "__Host-jingzhun".into() } else { "jingzhun".into() })
            .cookie_secure(secure)
            .cookie_http_only(true)
            .cookie_same_site(SameSite::Lax)
            .cookie_content_security(CookieContentSecurity::Private)
            .session_lifecycle(
                PersistentSession::default()
                    .session_ttl(actix_web::cookie::time::Duration::seconds(
                        self.config.idle_timeout.as_secs() as i64 + SEEN_RESOLUTION_SECS,
                    ))
                    .session_ttl_extension_policy(TtlExtensionPolicy::OnStateChanges),
            )
            .build()
    }

    /// A hash to verify against when the user name is unknown.
    pub fn dummy_hash(&self) -> &str {
        &self.dummy_hash
    }

    /// The client's address (see [`client_ip`]).
    pub fn ip(&self, req: &HttpRequest) -> String {
        client_ip(req, self.config.trust_proxy)
    }
}

/// The client's address: the peer, or — with `trust_proxy` — what the
/// proxy says in `Forwarded` / `X-Forwarded-For`.
pub fn client_ip(req: &HttpRequest, trust_proxy: bool) -> String {
    let peer = || req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_else(|| "unknown".into());
    if !trust_proxy {
        return peer();
    }
    match req.connection_info().realip_remote_addr() {
        Some(a) => a.parse::<std::net::SocketAddr>().map(|s| s.ip().to_string()).unwrap_or_else(|_| a.trim_matches(['[', ']']).to_string()),
        None => peer(),
    }
}

fn decode_key(text: &str) -> Option<Vec<u8>> {
    let t = text.trim();
    if t.len() % 2 == 0 && !t.is_empty() && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return (0..t.len()).step_by(2).map(|i| u8::from_str_radix(&t[i..i + 2], 16).ok()).collect();
    }
    let engines = [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    engines.iter().find_map(|e| e.decode(t).ok())
}

fn key_from_text(text: &str, source: &str) -> anyhow::Result<Key> {
    let bytes = decode_key(text).with_context(|| format!("the session key in {source} is neither hex nor base64"))?;
    if bytes.len() < 64 {
        anyhow::bail!("the session key in {source} has {} bytes; it needs at least 64", bytes.len());
    }
    Ok(Key::from(&bytes))
}

/// The session key: `JINGZHUN_SESSION_KEY`, else the key file (given, or
/// `<db>.session-key`), which is created with 64 random bytes and mode 0600
/// when it does not exist.
fn load_key(config: &AuthConfig, db_path: &Path) -> anyhow::Result<Key> {
    if let Some(text) = config.session_key.as_deref().filter(|t| !t.trim().is_empty()) {
        return key_from_text(text, "JINGZHUN_SESSION_KEY");
    }
    let path = config.session_key_file.clone().unwrap_or_else(|| super::default_key_file(db_path));
    if path.exists() {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)?.permissions().mode();
            if mode & 0o077 != 0 {
                tracing::warn!(file = %path.display(), "the session key file was readable by others; making it 0600");
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
            }
        }
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read the session key file {}", path.display()))?;
        return key_from_text(&text, &path.display().to_string());
    }
    let mut bytes = [0u8; 64];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).with_context(|| format!("cannot create the session key file {}", path.display()))?;
    std::io::Write::write_all(&mut file, format!("{hex}\n").as_bytes())?;
    tracing::info!(file = %path.display(), "created a new session key");
    Ok(Key::from(&bytes))
}

/// Starts a session for `account` (after its password was checked).
pub(crate) fn begin(session: &Session, account: &users::Account) -> anyhow::Result<()> {
    session.renew();
    let now = unix_now();
    session.insert(USER, &account.name)?;
    session.insert(EPOCH, account.session_epoch)?;
    session.insert(ISSUED, now)?;
    session.insert(SEEN, now)?;
    Ok(())
}

/// Carries a session over a change of its own epoch (its own password
/// change).
pub(crate) fn set_epoch(session: &Session, epoch: i64) -> anyhow::Result<()> {
    session.insert(EPOCH, epoch)?;
    Ok(())
}

/// Ends the session's sign-in (the CSRF token stays for the next form).
pub(crate) fn end(session: &Session) {
    for k in [USER, EPOCH, ISSUED, SEEN] {
        session.remove(k);
    }
}

/// The signed-in user of a request, or nobody. Extract it in any handler;
/// it never fails for anonymous visitors. A session whose user was removed,
/// changed (role, scope, password) or signed out, or that is past its idle
/// or maximum age, counts as nobody.
#[derive(Debug, Clone, Default)]
pub struct CurrentUser(pub Option<User>);

impl CurrentUser {
    pub fn user(&self) -> Option<&User> {
        self.0.as_ref()
    }

    pub fn name(&self) -> Option<&str> {
        self.0.as_ref().map(|u| u.name.as_str())
    }

    /// Whether full ID numbers and household-level downloads are allowed
    /// (statisticians and admins).
    pub fn sees_household_detail(&self) -> bool {
        self.0.as_ref().is_some_and(User::sees_household_detail)
    }

    /// The user, or an error: anonymous → 401 (an HTML GET is redirected
    /// to `/login?next=…`); one-time password not yet changed → redirect to
    /// `/account/password` (403 for anything but an HTML GET).
    pub fn require_signed_in(&self, req: &HttpRequest) -> Result<&User, AuthError> {
        match &self.0 {
            None => Err(AuthError::SignInRequired { login: is_html_get(req).then(|| login_url(req)) }),
            Some(u) if u.must_change_password => Err(AuthError::PasswordChangeRequired { redirect: is_html_get(req) }),
            Some(u) => Ok(u),
        }
    }

    /// As [`Self::require_signed_in`], and the user's role must be one of
    /// `roles` (else 403).
    pub fn require_role(&self, req: &HttpRequest, roles: &[Role]) -> Result<&User, AuthError> {
        let u = self.require_signed_in(req)?;
        if u.has_role(roles) {
            Ok(u)
        } else {
            Err(AuthError::Forbidden)
        }
    }
}

/// A GET (or HEAD) from a browser, which a redirect serves better than 401.
pub fn is_html_get(req: &HttpRequest) -> bool {
    (req.method() == Method::GET || req.method() == Method::HEAD)
        && req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"))
}

/// `/login?next=<this request's path and query>`.
pub fn login_url(req: &HttpRequest) -> String {
    let here = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
    format!("/login?{}", serde_urlencoded::to_string([("next", here)]).unwrap_or_default())
}

/// Where to go after signing in: a path on this site, never another site
/// (`//host`, `/\host`) nor the sign-in pages themselves.
pub fn safe_next(next: Option<&str>) -> String {
    match next.map(str::trim) {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.chars().any(|c| c.is_control() || c == '\\')
                && !n.starts_with("/login")
                && !n.starts_with("/logout") =>
        {
            n.to_string()
        }
        _ => "/".into(),
    }
}

type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;

impl FromRequest for CurrentUser {
    type Error = AuthError;
    type Future = LocalFuture<Result<CurrentUser, AuthError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        if let Some(known) = req.extensions().get::<CurrentUser>() {
            let known = known.clone();
            return Box::pin(async move { Ok(known) });
        }
        let req = req.clone();
        Box::pin(async move {
            let user = resolve(&req).await.map_err(AuthError::Internal)?;
            req.extensions_mut().insert(user.clone());
            Ok(user)
        })
    }
}

async fn resolve(req: &HttpRequest) -> anyhow::Result<CurrentUser> {
    // Without the auth state (a unit test's bare app) everybody is anonymous.
    let Some(state) = req.app_data::<web::Data<AuthState>>() else { return Ok(CurrentUser(None)) };
    let session = req.get_session();
    let Ok(Some(name)) = session.get::<String>(USER) else { return Ok(CurrentUser(None)) };
    let get = |k: &str| session.get::<i64>(k).ok().flatten();
    let (Some(epoch), Some(issued), Some(seen)) = (get(EPOCH), get(ISSUED), get(SEEN)) else {
        end(&session);
        return Ok(CurrentUser(None));
    };
    let now = unix_now();
    let cfg = &state.config;
    if now - issued > cfg.max_age.as_secs() as i64 || now - seen > cfg.idle_timeout.as_secs() as i64 {
        end(&session);
        return Ok(CurrentUser(None));
    }
    match state.accounts.get(&state.db, &name).await? {
        Some(a) if a.session_epoch == epoch => {
            if now - seen >= SEEN_RESOLUTION_SECS {
                session.insert(SEEN, now)?;
            }
            Ok(CurrentUser(Some(a.user())))
        }
        _ => {
            end(&session);
            Ok(CurrentUser(None))
        }
    }
}

/// Refusals of the auth layer.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Not signed in: 401, or a redirect to the sign-in page (`login`).
    #[error("sign-in required")]
    SignInRequired { login: Option<String> },
    /// Signed in with a one-time password: change it first.
    #[error("the one-time password must be changed first")]
    PasswordChangeRequired { redirect: bool },
    /// Signed in, but the role or scope does not allow it: 403.
    #[error("forbidden")]
    Forbidden,
    /// A state-changing request without a valid CSRF token, or from
    /// another site: 403.
    #[error("CSRF check failed")]
    Csrf,
    /// Too many failed sign-ins: 429 with Retry-After.
    #[error("too many failed sign-ins")]
    TooManyAttempts(Duration),
    #[error("internal error")]
    Internal(anyhow::Error),
}

/// Escapes text for HTML.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A short page without inline styles (the CSP forbids them), Chinese first.
pub fn message_page(zh: &str, en: &str) -> String {
    format!(
        "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>{}</title><body><main><h1>{}</h1><p lang=\"en\">{}</p><p><a href=\"/login\">登录 Sign in</a> · <a href=\"/\">返回首页 Home</a></p></main></body></html>",
        escape_html(zh),
        escape_html(zh),
        escape_html(en)
    )
}

impl ResponseError for AuthError {
    fn status_code(&self) -> StatusCode {
        match self {
            AuthError::SignInRequired { login: Some(_) } | AuthError::PasswordChangeRequired { redirect: true } => StatusCode::SEE_OTHER,
            AuthError::SignInRequired { login: None } => StatusCode::UNAUTHORIZED,
            AuthError::PasswordChangeRequired { redirect: false } | AuthError::Forbidden | AuthError::Csrf => StatusCode::FORBIDDEN,
            AuthError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            AuthError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut resp = HttpResponse::build(self.status_code());
        resp.insert_header((header::CACHE_CONTROL, "no-store"));
        let (zh, en) = match self {
            AuthError::SignInRequired { login: Some(to) } => return resp.insert_header((header::LOCATION, to.as_str())).finish(),
            AuthError::PasswordChangeRequired { redirect: true } => {
                return resp.insert_header((header::LOCATION, "/account/password")).finish()
            }
            AuthError::SignInRequired { login: None } => ("请先登录", "Sign in to see this"),
            AuthError::PasswordChangeRequired { redirect: false } => {
                ("请先修改一次性密码", "Change your one-time password first, at /account/password")
            }
            AuthError::Forbidden => ("无权访问", "Your role does not allow this"),
            AuthError::Csrf => (
                "请求被拒绝：表单已过期或来自其他网站，请刷新页面后重试",
                "Refused: the form has expired or came from another site; reload the page and try again",
            ),
            AuthError::TooManyAttempts(wait) => {
                resp.insert_header((header::RETRY_AFTER, wait.as_secs().max(1).to_string()));
                ("登录失败次数过多，请稍后再试", "Too many failed sign-ins; try again later")
            }
            AuthError::Internal(e) => {
                tracing::error!(error = ?e, "request failed");
                ("服务器内部错误，详情已记入日志", "Internal error; the details are in the server log")
            }
        };
        resp.content_type("text/html; charset=utf-8").body(message_page(zh, en))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/q/risk_warnings?zone=2")), "/q/risk_warnings?zone=2");
        for bad in ["//evil.example", "/\\evil.example", "https://evil.example", "javascript:alert(1)", "/login?next=/x", ""] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn keys_decode_from_hex_or_base64_and_need_64_bytes() {
        let hex: String = (0..64u8).map(|b| format!("{b:02x}")).collect();
        assert!(key_from_text(&hex, "t").is_ok());
        let b64 = base64::engine::general_purpose::STANDARD.encode([7u8; 64]);
        assert!(key_from_text(&b64, "t").is_ok());
        assert!(key_from_text("abcd", "t").err().unwrap().to_string().contains("at least 64"));
        assert!(key_from_text("not a key!", "t").is_err());
    }

    #[test]
    fn a_missing_key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("j.duckdb");
        let cfg = AuthConfig::default();
        let a = load_key(&cfg, &db).unwrap();
        let file = dir.path().join("j.duckdb.session-key");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let b = load_key(&cfg, &db).unwrap();
        assert_eq!(a.master(), b.master(), "the same key on the next start");
        let from_env = load_key(&AuthConfig { session_key: Some(std::fs::read_to_string(&file).unwrap()), ..cfg }, &db).unwrap();
        assert_eq!(from_env.master(), a.master());
    }
}
