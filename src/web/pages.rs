//! Small handlers: static assets (the probes are in `ops.rs`).

use actix_web::{http::header, HttpRequest, HttpResponse};

use super::WebError;

/// `/static/<file>`: the stylesheet, embedded in the binary. Its ETag is
/// the content's hash, so browsers revalidate cheaply.
pub async fn asset(req: HttpRequest, path: actix_web::web::Path<String>) -> Result<HttpResponse, WebError> {
    let (body, mime): (&'static str, &str) = match path.as_str() {
        "jingzhun.css" => (CSS, "text/css; charset=utf-8"),
        _ => return Err(WebError::NotFound),
    };
    let tag = CSS_TAG.get_or_init(|| {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        CSS.hash(&mut h);
        format!("\"css-{:016x}\"", h.finish())
    });
    if super::not_modified(&req, tag) {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, tag.clone())).finish());
    }
    Ok(HttpResponse::Ok()
        .content_type(mime)
        .insert_header((header::ETAG, tag.clone()))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(body))
}

const CSS: &str = include_str!("static/jingzhun.css");
static CSS_TAG: std::sync::OnceLock<String> = std::sync::OnceLock::new();
