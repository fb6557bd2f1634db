//! Small handlers: static assets (the probes are in `ops.rs`).

use std::sync::OnceLock;

use actix_web::{http::header, HttpRequest, HttpResponse};

use super::WebError;

/// `/static/<file>`: the stylesheet and the icon, embedded in the binary.
/// Their ETags are the content's hash, so browsers revalidate cheaply.
pub async fn asset(req: HttpRequest, path: actix_web::web::Path<String>) -> Result<HttpResponse, WebError> {
    serve_asset(&req, path.as_str())
}

/// `/favicon.ico`, which browsers ask for on any page (error pages too):
/// the icon, so that no page logs a failed request.
pub async fn favicon(req: HttpRequest) -> Result<HttpResponse, WebError> {
    serve_asset(&req, "favicon.svg")
}

fn serve_asset(req: &HttpRequest, name: &str) -> Result<HttpResponse, WebError> {
    let (body, mime, tag): (&'static str, &str, &OnceLock<String>) = match name {
        "jingzhun.css" => (CSS, "text/css; charset=utf-8", &CSS_TAG),
        "favicon.svg" => (ICON, "image/svg+xml", &ICON_TAG),
        _ => return Err(WebError::NotFound),
    };
    let tag = tag.get_or_init(|| {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        body.hash(&mut h);
        format!("\"asset-{:016x}\"", h.finish())
    });
    if super::not_modified(req, tag) {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, tag.clone())).finish());
    }
    Ok(HttpResponse::Ok()
        .content_type(mime)
        .insert_header((header::ETAG, tag.clone()))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(body))
}

const CSS: &str = include_str!("static/jingzhun.css");
static CSS_TAG: OnceLock<String> = OnceLock::new();
const ICON: &str = include_str!("static/favicon.svg");
static ICON_TAG: OnceLock<String> = OnceLock::new();
