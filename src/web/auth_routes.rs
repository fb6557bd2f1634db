//! Sign-in, sign-out, one's own account and password, and the admin pages
//! for users and the audit log. Every form carries the session's CSRF token
//! (checked by `auth::csrf::guard` before these handlers run).

use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use minijinja::context;
use serde::Deserialize;

use super::{State, WebError};
use crate::auth::{self, audit, csrf, password, users, AuthError, AuthState, CurrentUser, Role, Scope};

type Auth = web::Data<AuthState>;

/// The routes, and the request body limits, for `App::configure`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    let (form, json, payload) = auth::body_limits();
    cfg.app_data(form)
        .app_data(json)
        .app_data(payload)
        .route("/login", web::get().to(login_form))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/account", web::get().to(account))
        .route("/account/password", web::get().to(password_form))
        .route("/account/password", web::post().to(password_change))
        .route("/admin/users", web::get().to(admin_users))
        .route("/admin/users", web::post().to(admin_users_change))
        .route("/admin/audit", web::get().to(admin_audit));
}

/// Audit-log events shown per page.
const AUDIT_PAGE: usize = 50;

fn page(state: &State, status: StatusCode, template: &str, ctx: minijinja::Value) -> Result<HttpResponse, WebError> {
    let html = state.templates.get_template(template)?.render(ctx)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        // These pages hold the CSRF token next to text the request chose
        // (user name, next): not compressed, so no BREACH-style guessing.
        .insert_header(header::ContentEncoding::Identity)
        .body(html))
}

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, to)).insert_header((header::CACHE_CONTROL, "no-store")).finish()
}

/// A user name as the audit log keeps what someone typed: at most 64
/// characters.
fn typed_name(name: &str) -> String {
    name.trim().chars().take(64).collect()
}

// ---------------------------------------------------------------- sign-in

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn login_form(state: State, session: Session, user: CurrentUser, q: web::Query<NextQuery>) -> Result<HttpResponse, WebError> {
    let next = auth::safe_next(q.next.as_deref());
    if let Some(u) = user.user() {
        return Ok(see_other(if u.must_change_password { "/account/password" } else { &next }));
    }
    let csrf = csrf::token(&session);
    page(&state, StatusCode::OK, "login.html", context! { csrf, next, name => "", error => "" })
}

#[derive(Deserialize)]
pub struct LoginForm {
    name: String,
    password: String,
    next: Option<String>,
}

pub async fn login(state: State, auth: Auth, session: Session, req: HttpRequest, form: web::Form<LoginForm>) -> Result<HttpResponse, WebError> {
    let LoginForm { name, password: given, next } = form.into_inner();
    let name = name.trim().to_string();
    let ip = auth.ip(&req);
    if let Some(wait) = auth.throttle.wait(&ip, &name) {
        let detail = serde_json::json!({ "name": typed_name(&name), "reason": "throttled" });
        audit::record_async(&auth.db, None, Some(ip), audit::SIGN_IN_FAILED, detail).await;
        return Err(AuthError::TooManyAttempts(wait).into());
    }
    let lookup = name.clone();
    let account = auth.db.run(move |conn| users::get(conn, &lookup)).await?;
    // An unknown name is checked against a dummy hash: it takes as long as
    // a wrong password.
    let phc = account.as_ref().map(|a| a.password_hash.clone()).unwrap_or_else(|| auth.dummy_hash().to_string());
    let matched = web::block(move || password::verify(&given, &phc)).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let Some(account) = account.filter(|_| matched) else {
        auth.throttle.failed(&ip, &name);
        let detail = serde_json::json!({ "name": typed_name(&name) });
        audit::record_async(&auth.db, None, Some(ip), audit::SIGN_IN_FAILED, detail).await;
        let csrf = csrf::token(&session);
        let next = auth::safe_next(next.as_deref());
        let error = "用户名或密码错误 Wrong user name or password";
        return page(&state, StatusCode::UNAUTHORIZED, "login.html", context! { csrf, next, name, error });
    };
    auth.throttle.succeeded(&name);
    auth::session::begin(&session, &account)?;
    csrf::rotate(&session);
    let who = account.name.clone();
    let ip2 = ip.clone();
    if auth.db.read_only() {
        audit::to_log(Some(&who), Some(&ip2), audit::SIGN_IN, &serde_json::json!({}));
    } else {
        auth.accounts
            .change(&auth.db, move |conn| {
                users::mark_signed_in(conn, &who)?;
                audit::record(conn, Some(&who), Some(&ip2), audit::SIGN_IN, &serde_json::json!({}))
            })
            .await?;
    }
    tracing::info!(user = account.name, ip, "signed in");
    let to = if account.must_change_password { "/account/password".to_string() } else { auth::safe_next(next.as_deref()) };
    Ok(see_other(&to))
}

pub async fn logout(auth: Auth, session: Session, user: CurrentUser, req: HttpRequest) -> Result<HttpResponse, WebError> {
    if let Some(name) = user.name().map(str::to_string) {
        let ip = auth.ip(&req);
        // Ends every session of this user, including copies of this cookie
        // (a read-only replica can only drop this cookie: sign-out is
        // routed to the primary in a scaled-out setup, see ARCHITECTURE.md).
        if auth.db.read_only() {
            audit::to_log(Some(&name), Some(&ip), audit::SIGN_OUT, &serde_json::json!({}));
        } else {
            auth.accounts
                .change(&auth.db, move |conn| {
                    users::end_sessions(conn, &name)?;
                    audit::record(conn, Some(&name), Some(&ip), audit::SIGN_OUT, &serde_json::json!({}))
                })
                .await?;
        }
    }
    session.purge();
    Ok(see_other("/"))
}

// ---------------------------------------------------------------- one's own account

pub async fn account(state: State, session: Session, user: CurrentUser, req: HttpRequest) -> Result<HttpResponse, WebError> {
    let u = user.require_signed_in(&req)?;
    let csrf = csrf::token(&session);
    page(
        &state,
        StatusCode::OK,
        "account.html",
        context! { csrf, me => u, role_zh => u.role.zh(), scope => u.scope.label(), is_admin => u.role == Role::Admin, can_import => u.has_role(&[Role::Statistician, Role::Admin]) },
    )
}

pub async fn password_form(state: State, session: Session, user: CurrentUser, req: HttpRequest) -> Result<HttpResponse, WebError> {
    // The one place a user with a one-time password may go.
    let Some(u) = user.user() else {
        return Err(AuthError::SignInRequired { login: auth::is_html_get(&req).then(|| auth::login_url(&req)) }.into());
    };
    let csrf = csrf::token(&session);
    page(&state, StatusCode::OK, "password.html", context! { csrf, forced => u.must_change_password, error => "" })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

pub async fn password_change(
    state: State,
    auth: Auth,
    session: Session,
    user: CurrentUser,
    req: HttpRequest,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, WebError> {
    let Some(u) = user.user() else { return Err(AuthError::SignInRequired { login: None }.into()) };
    let name = u.name.clone();
    let ip = auth.ip(&req);
    let PasswordForm { current, new, confirm } = form.into_inner();
    let forced = u.must_change_password;
    let refuse = |error: String| {
        let csrf = csrf::token(&session);
        page(&state, StatusCode::BAD_REQUEST, "password.html", context! { csrf, forced, error })
    };
    if let Some(wait) = auth.throttle.wait(&ip, &name) {
        return Err(AuthError::TooManyAttempts(wait).into());
    }
    let lookup = name.clone();
    let Some(account) = auth.db.run(move |conn| users::get(conn, &lookup)).await? else {
        return Err(AuthError::SignInRequired { login: None }.into());
    };
    let phc = account.password_hash.clone();
    let cur = current.clone();
    if !web::block(move || password::verify(&cur, &phc)).await.map_err(|e| anyhow::anyhow!("{e}"))? {
        auth.throttle.failed(&ip, &name);
        return refuse("当前密码不正确 The current password is wrong".into());
    }
    if new != confirm {
        return refuse("两次输入的新密码不一致 The two new passwords differ".into());
    }
    if new == current {
        return refuse("新密码须与当前密码不同 The new password must differ from the current one".into());
    }
    if let Some(problem) = password::problem(&new, &name) {
        return refuse(problem);
    }
    let phc = web::block(move || password::hash(&new)).await.map_err(|e| anyhow::anyhow!("{e}"))??;
    let who = name.clone();
    let epoch = auth
        .accounts
        .change(&auth.db, move |conn| {
            let epoch = users::set_password(conn, &who, &phc, false)?;
            audit::record(conn, Some(&who), Some(&ip), audit::PASSWORD_CHANGED, &serde_json::json!({ "name": who }))?;
            Ok(epoch)
        })
        .await?;
    // Other sessions of this user end; this one carries on.
    auth::session::set_epoch(&session, epoch)?;
    csrf::rotate(&session);
    Ok(see_other("/account"))
}

// ---------------------------------------------------------------- admin: users

async fn users_page(
    state: &State,
    auth: &Auth,
    session: &Session,
    me: &str,
    status: StatusCode,
    notice: String,
    error: String,
    shown_password: Option<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let (accounts, choices) = auth.db.run(|conn| Ok((users::list(conn)?, users::scope_choices(conn)?))).await?;
    let rows: Vec<minijinja::Value> = accounts
        .iter()
        .map(|a| {
            context! {
                name => a.name,
                role => a.role.as_str(),
                role_zh => a.role.zh(),
                scope => a.scope.to_field(),
                scope_label => a.scope.label(),
                must_change => a.must_change_password,
                created_at => a.created_at,
                last_sign_in_at => a.last_sign_in_at,
                is_me => a.name == me,
            }
        })
        .collect();
    let roles: Vec<(&str, String)> = Role::ALL.iter().map(|r| (r.as_str(), format!("{} {}", r.zh(), r.as_str()))).collect();
    let csrf = csrf::token(session);
    page(
        state,
        status,
        "admin_users.html",
        context! { csrf, rows, roles, choices, notice, error, shown_password },
    )
}

pub async fn admin_users(state: State, auth: Auth, session: Session, user: CurrentUser, req: HttpRequest) -> Result<HttpResponse, WebError> {
    let me = user.require_role(&req, &[Role::Admin])?;
    users_page(&state, &auth, &session, &me.name, StatusCode::OK, String::new(), String::new(), None).await
}

#[derive(Deserialize)]
pub struct UserForm {
    /// add, update, reset or remove.
    action: String,
    name: String,
    role: Option<String>,
    scope: Option<String>,
    password: Option<String>,
}

pub async fn admin_users_change(
    state: State,
    auth: Auth,
    session: Session,
    user: CurrentUser,
    req: HttpRequest,
    form: web::Form<UserForm>,
) -> Result<HttpResponse, WebError> {
    let me = user.require_role(&req, &[Role::Admin])?.name.clone();
    let ip = auth.ip(&req);
    let f = form.into_inner();
    let name = f.name.trim().to_string();
    let role = f.role.as_deref().map(|r| Role::parse(r).ok_or(r.to_string()));
    let scope = f.scope.as_deref().map(|s| Scope::parse_field(s).ok_or(s.to_string()));
    let bad = |msg: String| (StatusCode::BAD_REQUEST, msg);
    let outcome: Result<(String, Option<(String, String)>), (StatusCode, String)> = match f.action.as_str() {
        "add" | "update" => {
            let role = match role {
                Some(Ok(r)) => Ok(r),
                Some(Err(r)) => Err(bad(format!("未知角色 Unknown role: {r}"))),
                None => Err(bad("请选择角色 Choose a role".into())),
            };
            let scope = match scope {
                None => Ok(Scope::All),
                Some(Ok(s)) => Ok(s),
                Some(Err(s)) => Err(bad(format!("未知范围 Unknown scope: {s}"))),
            };
            match (role, scope) {
                (Err(e), _) | (_, Err(e)) => Err(e),
                (Ok(role), Ok(scope)) if f.action == "add" => {
                    let chosen = f.password.filter(|p| !p.is_empty());
                    match chosen.as_deref().and_then(|p| password::problem(p, &name)) {
                        Some(p) => Err(bad(p)),
                        None => {
                            let pw = chosen.unwrap_or_else(password::generate);
                            let pw2 = pw.clone();
                            let phc = web::block(move || password::hash(&pw2)).await.map_err(|e| anyhow::anyhow!("{e}"))??;
                            let (n, who, ip) = (name.clone(), me.clone(), ip.clone());
                            let detail = serde_json::json!({ "name": name, "role": role.as_str(), "scope": scope.to_field() });
                            run_change(&auth, move |conn| {
                                // Whoever set the password knows it: the user changes it at first sign-in.
                                users::add(conn, &n, role, &scope, &phc, true)?;
                                audit::record(conn, Some(&who), Some(&ip), audit::USER_ADDED, &detail)
                            })
                            .await?
                            .map(|()| (format!("已添加用户 {name} Added user {name}"), Some((name.clone(), pw))))
                        }
                    }
                }
                (Ok(role), Ok(scope)) => {
                    let (n, who, ip) = (name.clone(), me.clone(), ip.clone());
                    let detail = serde_json::json!({ "name": name, "role": role.as_str(), "scope": scope.to_field() });
                    run_change(&auth, move |conn| {
                        users::update(conn, &n, role, &scope)?;
                        audit::record(conn, Some(&who), Some(&ip), audit::USER_CHANGED, &detail)
                    })
                    .await?
                    .map(|()| (format!("已修改用户 {name} Changed user {name}"), None))
                }
            }
        }
        "reset" => {
            let pw = password::generate();
            let pw2 = pw.clone();
            let phc = web::block(move || password::hash(&pw2)).await.map_err(|e| anyhow::anyhow!("{e}"))??;
            let (n, who, ip) = (name.clone(), me.clone(), ip.clone());
            run_change(&auth, move |conn| {
                users::set_password(conn, &n, &phc, true)?;
                audit::record(conn, Some(&who), Some(&ip), audit::PASSWORD_RESET, &serde_json::json!({ "name": n }))
            })
            .await?
            .map(|()| (format!("已重置 {name} 的密码 Reset the password of {name}"), Some((name.clone(), pw))))
        }
        "remove" => {
            let (n, who, ip) = (name.clone(), me.clone(), ip.clone());
            run_change(&auth, move |conn| {
                users::remove(conn, &n)?;
                audit::record(conn, Some(&who), Some(&ip), audit::USER_REMOVED, &serde_json::json!({ "name": n }))
            })
            .await?
            .map(|()| (format!("已删除用户 {name} Removed user {name}"), None))
        }
        other => Err(bad(format!("未知操作 Unknown action: {other}"))),
    };
    match outcome {
        Ok((notice, shown)) => users_page(&state, &auth, &session, &me, StatusCode::OK, notice, String::new(), shown).await,
        Err((status, error)) => users_page(&state, &auth, &session, &me, status, String::new(), error, None).await,
    }
}

/// Runs an account change; a [`users::Refused`] comes back as a 400
/// message, anything else as an internal error.
async fn run_change<F>(auth: &Auth, f: F) -> Result<Result<(), (StatusCode, String)>, WebError>
where
    F: FnOnce(&duckdb::Connection) -> anyhow::Result<()> + Send + 'static,
{
    match auth.accounts.change(&auth.db, f).await {
        Ok(()) => Ok(Ok(())),
        Err(e) => match e.downcast_ref::<users::Refused>() {
            Some(r) => Ok(Err((StatusCode::BAD_REQUEST, r.0.clone()))),
            None => Err(e.into()),
        },
    }
}

// ---------------------------------------------------------------- admin: audit log

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<usize>,
}

pub async fn admin_audit(state: State, auth: Auth, user: CurrentUser, req: HttpRequest, q: web::Query<PageQuery>) -> Result<HttpResponse, WebError> {
    user.require_role(&req, &[Role::Admin])?;
    let page_no = q.page.unwrap_or(1).max(1);
    let (entries, total) = auth.db.run(move |conn| audit::page(conn, page_no, AUDIT_PAGE)).await?;
    let pages = ((total.max(0) as usize).div_ceil(AUDIT_PAGE)).max(1);
    page(
        &state,
        StatusCode::OK,
        "admin_audit.html",
        context! {
            entries,
            total,
            page => page_no,
            pages,
            prev => (page_no > 1).then(|| page_no - 1),
            next => (page_no < pages).then(|| page_no + 1),
        },
    )
}
