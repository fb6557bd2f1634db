//! Compressed responses: pages, SVG and JSON go out brotli- or
//! gzip-compressed to clients that accept it, decode to exactly the plain
//! body, and repeated requests get the kept compressed body (the same
//! bytes); downloads still stream.

mod common;

use std::io::Read;

use common::*;

fn get(app: &TestApp, path: &str, accept: &str) -> (u16, Option<String>, Vec<u8>) {
    // No automatic decompression: the raw bytes as sent.
    let client = reqwest::blocking::Client::builder().build().unwrap();
    let r = client.get(app.url(path)).header("Accept-Encoding", accept).send().unwrap();
    let status = r.status().as_u16();
    let enc = r.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_string());
    (status, enc, r.bytes().unwrap().to_vec())
}

fn unbrotli(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::BrotliDecompress(&mut &b[..], &mut out).unwrap();
    out
}

fn ungzip(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b).read_to_end(&mut out).unwrap();
    out
}

#[test]
fn pages_svg_and_json_are_compressed_and_decode_exactly() {
    let db = sample_db();
    let app = spawn_app(&db.path);
    for path in ["/public", "/d/incidence?year=2017", "/d/incidence/villages.svg", "/q/villages_by_incidence.json?year=2016"] {
        let (status, enc, plain) = get(&app, path, "identity");
        assert_eq!((status, enc), (200, None), "{path} plain");
        let (status, enc, br) = get(&app, path, "gzip, deflate, br");
        assert_eq!((status, enc.as_deref()), (200, Some("br")), "{path} brotli");
        assert_eq!(unbrotli(&br), plain, "{path}: brotli body decodes to the plain body");
        assert!(br.len() * 2 < plain.len(), "{path}: {} compressed of {}", br.len(), plain.len());
        // Again: the kept compressed body, byte for byte.
        let (_, _, again) = get(&app, path, "gzip, deflate, br");
        assert_eq!(again, br, "{path}: the second brotli answer is the kept one");
        let (status, enc, gz) = get(&app, path, "gzip");
        assert_eq!((status, enc.as_deref()), (200, Some("gzip")), "{path} gzip");
        assert_eq!(ungzip(&gz), plain, "{path}: gzip body decodes to the plain body");
        let (_, enc, _) = get(&app, path, "br;q=0, gzip;q=0");
        assert_eq!(enc, None, "{path}: refused codings are not used");
    }
    // A streamed download is compressed on the fly and still decodes.
    let (_, _, plain) = get(&app, "/q/villages_by_incidence.csv?year=2016", "identity");
    let (status, enc, gz) = get(&app, "/q/villages_by_incidence.csv?year=2016", "gzip");
    assert_eq!(status, 200);
    let body = if enc.as_deref() == Some("gzip") { ungzip(&gz) } else { gz };
    assert_eq!(body, plain);
}
