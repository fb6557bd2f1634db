//! CSRF protection for every state-changing request.
//!
//! Each session carries a random token; every form that changes anything
//! puts it in a hidden field named `csrf` ([`token`] gives it to templates).
//! [`guard`] runs before any handler and refuses (403) a POST, PUT, PATCH or
//! DELETE whose token is missing or wrong, or whose `Origin` or
//! `Sec-Fetch-Site` says it came from another site. The token is read from
//! a form body (`application/x-www-form-urlencoded`), else from the
//! `X-CSRF-Token` header, else — for `multipart/form-data` uploads, which
//! the guard does not buffer — from a `csrf` query parameter.

use actix_session::{Session, SessionExt};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest};
use rand::RngCore;
use subtle::ConstantTimeEq;

use super::{AuthError, AuthState};

/// The form field and the header that carry the token.
pub const FIELD: &str = "csrf";
pub const HEADER: &str = "x-csrf-token";
const SESSION_KEY: &str = "csrf";

fn fresh() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The session's token, created on first use (for a form about to be
/// rendered).
pub fn token(session: &Session) -> String {
    if let Ok(Some(t)) = session.get::<String>(SESSION_KEY) {
        return t;
    }
    rotate(session)
}

/// A new token (after sign-in, so a token seen before it is worthless).
pub fn rotate(session: &Session) -> String {
    let t = fresh();
    let _ = session.insert(SESSION_KEY, &t);
    t
}

/// Whether `given` is the session's token (compared in constant time).
pub fn matches(session: &Session, given: &str) -> bool {
    match session.get::<String>(SESSION_KEY) {
        Ok(Some(t)) => !given.is_empty() && bool::from(t.as_bytes().ct_eq(given.as_bytes())),
        _ => false,
    }
}

/// Whether the request says it came from another site: `Sec-Fetch-Site`
/// other than `same-origin` / `none`, or an `Origin` whose host is not the
/// one the request was sent to.
pub fn cross_site(req: &HttpRequest, trust_proxy: bool) -> bool {
    let h = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(site) = h("sec-fetch-site") {
        if !site.eq_ignore_ascii_case("same-origin") && !site.eq_ignore_ascii_case("none") {
            return true;
        }
    }
    if let Some(origin) = h("origin") {
        let Some(origin_host) = origin.split_once("://").map(|(_, rest)| rest.trim_end_matches('/')) else {
            return true; // "null" and anything malformed
        };
        let forwarded = if trust_proxy { h("x-forwarded-host").and_then(|v| v.split(',').next()).map(str::trim) } else { None };
        let host = forwarded.or_else(|| h("host")).map(str::to_string).or_else(|| req.uri().authority().map(|a| a.to_string()));
        return match host {
            Some(host) => !origin_host.eq_ignore_ascii_case(&host),
            None => true,
        };
    }
    false
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE)
}

/// The middleware (`App::wrap(from_fn(csrf::guard))`, inside the session
/// middleware).
pub async fn guard(mut req: ServiceRequest, next: Next<impl MessageBody + 'static>) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if is_safe(req.method()) {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    }
    let trust_proxy = req.app_data::<web::Data<AuthState>>().is_some_and(|s| s.config.trust_proxy);
    let refuse = |req: ServiceRequest, why: &'static str| {
        tracing::warn!(path = req.path(), why, "refused a state-changing request");
        let resp = actix_web::ResponseError::error_response(&AuthError::Csrf);
        Ok(req.into_response(resp).map_into_boxed_body())
    };
    if cross_site(req.request(), trust_proxy) {
        return refuse(req, "cross-site");
    }
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let mut given: Option<String> = req.headers().get(HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
    if content_type.starts_with("application/x-www-form-urlencoded") {
        // Read the form (bounded by the app's PayloadConfig), take the
        // token, and put the body back for the handler.
        let body = match req.extract::<web::Bytes>().await {
            Ok(b) => b,
            Err(e) => return Ok(req.error_response(e).map_into_boxed_body()),
        };
        if let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) {
            if let Some((_, v)) = pairs.into_iter().find(|(k, _)| k == FIELD) {
                given = Some(v);
            }
        }
        req.set_payload(actix_web::dev::Payload::from(body));
    } else if content_type.starts_with("multipart/form-data") && given.is_none() {
        given = serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
            .ok()
            .and_then(|q| q.into_iter().find(|(k, _)| k == FIELD).map(|(_, v)| v));
    }
    let ok = given.is_some_and(|g| matches(&req.get_session(), &g));
    if !ok {
        return refuse(req, "missing or wrong CSRF token");
    }
    next.call(req).await.map(ServiceResponse::map_into_boxed_body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn cross_site_by_origin_and_fetch_metadata() {
        let same = TestRequest::post().insert_header(("host", "a.example:8080")).insert_header(("origin", "http://a.example:8080")).to_http_request();
        assert!(!cross_site(&same, false));
        let other = TestRequest::post().insert_header(("host", "a.example:8080")).insert_header(("origin", "http://evil.example")).to_http_request();
        assert!(cross_site(&other, false));
        let null = TestRequest::post().insert_header(("host", "a.example")).insert_header(("origin", "null")).to_http_request();
        assert!(cross_site(&null, false));
        let fetch = TestRequest::post().insert_header(("sec-fetch-site", "cross-site")).to_http_request();
        assert!(cross_site(&fetch, false));
        let direct = TestRequest::post().insert_header(("sec-fetch-site", "same-origin")).to_http_request();
        assert!(!cross_site(&direct, false));
        assert!(!cross_site(&TestRequest::post().to_http_request(), false), "no headers: the token decides");
        let proxied = TestRequest::post()
            .insert_header(("host", "127.0.0.1:8080"))
            .insert_header(("x-forwarded-host", "fupin.example.gov.cn"))
            .insert_header(("origin", "https://fupin.example.gov.cn"))
            .to_http_request();
        assert!(!cross_site(&proxied, true));
        assert!(cross_site(&proxied, false));
    }

    #[test]
    fn tokens_are_long_and_random() {
        let a = fresh();
        assert_eq!(a.len(), 64);
        assert_ne!(a, fresh());
    }
}
