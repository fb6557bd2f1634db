//! Compressed bodies kept beside the response cache.
//!
//! Pages, SVG, JSON and CSV are compressed for clients that accept it
//! (brotli, else gzip). A response with an ETag names its content exactly
//! (query or dashboard, parameters, scope, data version, build), so its
//! compressed body is kept under (encoding, ETag) and a repeated request —
//! the cached public page under load — costs a lookup instead of a brotli
//! run: compressing the public page on every request held the server to
//! about 700 requests/s against 47,000 uncompressed (BENCHMARKS.md).
//! Responses without an ETag, streamed downloads and small bodies are left
//! to actix's `Compress` middleware, which sits just outside this one and
//! passes by any response that already has a `Content-Encoding`.

use std::io::Write;
use std::sync::Mutex;

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::Bytes;

use super::State;

/// Compressed bodies kept, by encoding and ETag.
pub const ENTRIES: usize = 512;
/// Bodies outside these sizes are not kept: tiny ones gain nothing, large
/// ones would crowd the cache (the response cache stops at 256 KiB too).
const MIN_BODY: u64 = 1024;
const MAX_BODY: u64 = 1024 * 1024;

/// The store behind the middleware: an LRU of compressed bodies.
pub struct Store(Mutex<lru::LruCache<String, Bytes>>);

impl Default for Store {
    fn default() -> Self {
        Store(Mutex::new(lru::LruCache::new(std::num::NonZeroUsize::new(ENTRIES).unwrap_or(std::num::NonZeroUsize::MIN))))
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Encoding {
    Br,
    Gzip,
}

impl Encoding {
    fn name(self) -> &'static str {
        match self {
            Encoding::Br => "br",
            Encoding::Gzip => "gzip",
        }
    }
}

/// The encoding to use for an `Accept-Encoding` header: brotli when it is
/// accepted, else gzip, else none (`q=0` refuses a coding).
pub fn preferred(accept: &str) -> Option<Encoding> {
    let accepted = |name: &str| {
        accept.split(',').any(|part| {
            let mut bits = part.split(';');
            let coding = bits.next().unwrap_or("").trim();
            let q = bits.find_map(|p| p.trim().strip_prefix("q=").and_then(|v| v.trim().parse::<f32>().ok())).unwrap_or(1.0);
            coding.eq_ignore_ascii_case(name) && q > 0.0
        })
    };
    if accepted("br") {
        Some(Encoding::Br)
    } else if accepted("gzip") {
        Some(Encoding::Gzip)
    } else {
        None
    }
}

/// Compresses a body (brotli quality 5, gzip level 6: a good ratio for
/// text at a cost paid once per ETag).
pub fn compress(body: &[u8], enc: Encoding) -> std::io::Result<Vec<u8>> {
    match enc {
        Encoding::Br => {
            let mut out = Vec::with_capacity(body.len() / 4);
            {
                let mut w = brotli::CompressorWriter::new(&mut out, 64 * 1024, 5, 22);
                w.write_all(body)?;
                w.flush()?;
            }
            Ok(out)
        }
        Encoding::Gzip => {
            let mut w = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 4), flate2::Compression::new(6));
            w.write_all(body)?;
            w.finish()
        }
    }
}

fn compressible(content_type: &str) -> bool {
    content_type.starts_with("text/") || content_type.starts_with("image/svg+xml") || content_type.starts_with("application/json")
}

/// The middleware: see the module's documentation.
pub async fn precompressed(req: ServiceRequest, next: Next<impl MessageBody + 'static>) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let enc = req.headers().get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).and_then(preferred);
    let state = req.app_data::<State>().cloned();
    let res = next.call(req).await?;
    let (Some(enc), Some(state)) = (enc, state) else { return Ok(res.map_into_boxed_body()) };
    let headers = res.headers();
    let fits = matches!(res.response().body().size(), BodySize::Sized(n) if (MIN_BODY..=MAX_BODY).contains(&n));
    let kind_ok = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(compressible);
    let tag = headers.get(header::ETAG).and_then(|v| v.to_str().ok()).map(str::to_string);
    let (Some(tag), true, true, true, false) = (tag, fits, kind_ok, res.status().is_success(), headers.contains_key(header::CONTENT_ENCODING)) else {
        return Ok(res.map_into_boxed_body());
    };
    let key = format!("{}:{tag}", enc.name());
    let (req, resp) = res.into_parts();
    let (head, body) = resp.into_parts();
    let hit = state.compressed.0.lock().ok().and_then(|mut c| c.get(&key).cloned());
    let packed = match hit {
        Some(b) => b,
        None => {
            let plain = actix_web::body::to_bytes(body).await.map_err(|e| actix_web::error::ErrorInternalServerError(e.into().to_string()))?;
            let packed = Bytes::from(compress(&plain, enc)?);
            if let Ok(mut c) = state.compressed.0.lock() {
                c.put(key, packed.clone());
            }
            packed
        }
    };
    let mut resp = head.set_body(packed);
    resp.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static(enc.name()));
    resp.headers_mut().append(header::VARY, HeaderValue::from_static("accept-encoding"));
    Ok(ServiceResponse::new(req, resp.map_into_boxed_body()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brotli_first_then_gzip_and_q0_refuses() {
        assert_eq!(preferred("gzip, deflate, br, zstd"), Some(Encoding::Br));
        assert_eq!(preferred("gzip"), Some(Encoding::Gzip));
        assert_eq!(preferred("br;q=0, gzip;q=0.8"), Some(Encoding::Gzip));
        assert_eq!(preferred("identity"), None);
        assert_eq!(preferred(""), None);
    }

    #[test]
    fn compressed_bodies_decompress_to_the_original() {
        let body = "<p>贫困发生率 Poverty incidence</p>".repeat(200);
        let gz = compress(body.as_bytes(), Encoding::Gzip).unwrap();
        let mut back = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut back).unwrap();
        assert_eq!(back, body);
        let br = compress(body.as_bytes(), Encoding::Br).unwrap();
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut back).unwrap();
        assert_eq!(back, body.as_bytes());
        assert!(br.len() < body.len() / 10 && gz.len() < body.len() / 5, "br {} gz {} of {}", br.len(), gz.len(), body.len());
    }
}
