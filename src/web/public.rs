//! Public summary pages for citizens: `/public` (dashboard `public.toml`)
//! and `/public/<page>` (`public_<page>.toml`), with each panel's data at
//! `/public/<page>/<panel>.csv` and its chart at `.svg` (the main page's
//! page name is `summary`). Open to anyone: the dashboards are marked
//! `public = true`, which the loader accepts only when every panel's query
//! is public, and the engine suppresses small counts on them
//! (`dashboards/suppress.rs`). Responses are shared-cacheable for five
//! minutes; the ETag carries the data version and the build.

use std::hash::{Hash, Hasher};

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use minijinja::{context, Value};
use serde::Serialize;

use super::dash::{self, Target};
use super::{State, WebError};
use crate::lang::Lang;

/// What shared caches may keep, and for how long.
pub const CACHE_CONTROL: &str = "public, max-age=300";

/// `/public`.
pub async fn home(state: State, req: HttpRequest) -> Result<HttpResponse, WebError> {
    respond(state, req, "summary", None).await
}

/// `/public/<page>`.
pub async fn page(state: State, req: HttpRequest, path: web::Path<String>) -> Result<HttpResponse, WebError> {
    respond(state, req, &path.into_inner(), None).await
}

/// `/public/<page>/<panel>.csv|svg`.
pub async fn download(state: State, req: HttpRequest, path: web::Path<(String, String)>) -> Result<HttpResponse, WebError> {
    let (page, file) = path.into_inner();
    let (panel, ext) = file.rsplit_once('.').ok_or(WebError::NotFound)?;
    if !matches!(ext, "csv" | "svg") {
        return Err(WebError::NotFound);
    }
    respond(state, req, &page, Some((panel.to_string(), ext.to_string()))).await
}

/// The dashboard behind a public page name.
fn dashboard_name(page: &str) -> String {
    if page == "summary" {
        "public".to_string()
    } else {
        format!("public_{page}")
    }
}

/// The page name of a public dashboard.
fn page_name(dashboard: &str) -> &str {
    dashboard.strip_prefix("public_").unwrap_or("summary")
}

fn page_path(dashboard: &str) -> String {
    match dashboard.strip_prefix("public_") {
        Some(p) => format!("/public/{p}"),
        None => "/public".to_string(),
    }
}

/// Adds the public caching headers.
fn public(mut resp: HttpResponse, tag: &str) -> Result<HttpResponse, WebError> {
    let h = resp.headers_mut();
    h.insert(header::ETAG, HeaderValue::from_str(tag).map_err(anyhow::Error::from)?);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
    // The language may come from a cookie.
    h.insert(header::VARY, HeaderValue::from_static("Cookie"));
    Ok(resp)
}

async fn respond(state: State, req: HttpRequest, page: &str, file: Option<(String, String)>) -> Result<HttpResponse, WebError> {
    let name = dashboard_name(page);
    let d = state.dashboards.get(&name).filter(|d| d.public).ok_or(WebError::NotFound)?;
    if let Some((panel, _)) = &file {
        if !d.panels.iter().any(|p| &p.id == panel) {
            return Err(WebError::NotFound);
        }
    }
    let given = dash::parse_query_string(&req)?;
    if let Some((k, _)) = given.iter().find(|(k, _)| k != "lang") {
        return Err(WebError::BadRequest(vec![format!("parameter {k}: is unknown, expected only lang (public pages have no filters)")]));
    }
    let lang = dash::request_lang(&req, &given);
    let version = state.data_version();
    let tag = {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (&name, &file, lang.code(), &state.build).hash(&mut h);
        format!("\"pub-{:016x}-{}-{version}\"", h.finish(), state.build)
    };
    if super::not_modified(&req, &tag) {
        return public(HttpResponse::NotModified().finish(), &tag);
    }
    let Some((panel, ext)) = file else {
        // Pages come from the response cache.
        if let Some(hit) = super::cached(&state, &tag) {
            return Ok(dash::remember_lang(public(hit, &tag)?, &given));
        }
        let v = dash::view(&state, Target::Named(name.clone()), &given, lang, &dash::Viewer::everything()).await?;
        let html = page_html(&state, &v)?;
        let resp = super::remember(&state, &tag, "text/html; charset=utf-8", web::Bytes::from(html));
        return Ok(dash::remember_lang(public(resp, &tag)?, &given));
    };
    let v = dash::view(&state, Target::Named(name.clone()), &given, lang, &dash::Viewer::everything()).await?;
    let p = v.panels.iter().find(|p| p.id == panel).ok_or(WebError::NotFound)?;
    let resp = if ext == "svg" {
        HttpResponse::Ok().content_type("image/svg+xml; charset=utf-8").body(dash::standalone_svg(&p.svg, &p.title))
    } else {
        let q = d.panels.iter().find(|x| x.id == panel).and_then(|x| state.catalog.get(&x.query));
        let meta = q.map(|q| q.meta.columns.clone()).unwrap_or_default();
        let columns = crate::export::ExportColumn::for_result(&p.data.columns, &meta);
        let data = p.data.clone();
        let bytes = web::block(move || -> anyhow::Result<Vec<u8>> {
            let mut out = crate::export::Export::new(&crate::export::ExportKind::Csv { bom: true }, &columns, Vec::new())?;
            for r in &data.rows {
                out.write_row(r)?;
            }
            out.finish()
        })
        .await
        .map_err(|e| anyhow::anyhow!("export was cancelled: {e}"))??;
        let file = crate::export::file_name(&p.title, &[], "csv");
        HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::CONTENT_DISPOSITION, crate::export::content_disposition(&file)))
            .body(bytes)
    };
    Ok(dash::remember_lang(public(resp, &tag)?, &given))
}

#[derive(Serialize)]
struct PanelCtx<'a> {
    id: &'a str,
    tiles: Vec<dash::TileCtx>,
    title: &'a str,
    width: u8,
    svg: Value,
    summary: &'a str,
    head: &'a [String],
    numeric: &'a [bool],
    rows: &'a [Vec<String>],
}

/// The words of public pages (the rest come from the dashboards' TOML).
fn words(lang: Lang) -> std::collections::BTreeMap<&'static str, &'static str> {
    let pairs: &[(&str, &str, &str)] = &[
        ("pages", "公开数据页面", "Public pages"),
        (
            "about",
            "这些页面向公众公开全旗精准扶贫的汇总数字，不含任何个人信息。少于 5 户的数字（及由此推算出的人数）显示为“<5”，可借合计反推出它的数字也一并隐去。",
            "These pages show the banner's poverty-alleviation results to everyone, as totals only: no person or household can be identified. Counts of fewer than 5 households (and the people in them) are shown as \"<5\", and so is any figure from which such a count could be worked out from a total beside it.",
        ),
        ("csv", "数据 CSV", "Data (CSV)"),
        ("svg", "图 SVG", "Chart (SVG)"),
    ];
    pairs.iter().map(|(k, zh, en)| (*k, if lang == Lang::En { *en } else { *zh })).collect()
}

fn page_html(state: &State, v: &dash::DashView) -> Result<String, WebError> {
    let panels: Vec<PanelCtx> = v
        .panels
        .iter()
        .map(|p| PanelCtx {
            id: &p.id,
            tiles: if p.chart.kind == crate::charts::Kind::Tiles { dash::tile_ctx(p, v.lang) } else { Vec::new() },
            title: &p.title,
            width: p.width,
            svg: Value::from_safe_string(p.svg.clone()),
            summary: &p.summary,
            head: &p.head,
            numeric: &p.numeric,
            rows: &p.rows,
        })
        .collect();
    let mut pages: Vec<&crate::dashboards::Dashboard> = state.dashboards.all.values().filter(|d| d.public).collect();
    pages.sort_by_key(|d| (d.order, d.name.clone()));
    let nav: Vec<(String, String)> = pages.iter().map(|d| (page_path(&d.name), v.lang.pick(&d.title, &d.title_en).to_string())).collect();
    let here = page_path(&v.name);
    let toggle = format!("{here}?lang={}", if v.lang == Lang::En { "zh" } else { "en" });
    let suffix = if v.lang == Lang::En { "?lang=en" } else { "" };
    let tmpl = state.templates.get_template("public.html")?;
    Ok(tmpl.render(context! {
        t => dash::words(v.lang),
        p => words(v.lang),
        lang => v.lang.code(),
        title => v.title,
        description => v.description,
        panels => panels,
        nav => nav,
        current => here,
        toggle => toggle,
        downloads => format!("/public/{}", page_name(&v.name)),
        suffix => suffix,
        data_version => v.data_version,
    })?)
}
