//! Dashboards on the web: `/d/<name>` (the page), `/d/<name>/<panel>.svg`
//! (and `.png`, `.csv`, `.xlsx`), `/d/<name>.pdf`, and the unit pages
//! `/zone/<id>`, `/township/<id>`, `/village/<id>`, which are dashboards
//! whose `unit` filter comes from the path. Filters live in the URL, so
//! every view is a link; a view is computed once per data version, filter
//! values and language, and every rendering (page, chart, table, PDF) is
//! drawn from that one view.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use minijinja::{context, Value};
use serde::Serialize;

use super::geo::Geo;
use super::{State, WebError};
use crate::catalog::params::{read_all, Bound, ParamMeta, ParamType};
use crate::catalog::{run_query, ResultSet};
use crate::dashboards::view::{build_panel, PanelView};
use crate::dashboards::{toml_text, Dashboard, UnitKind};
use crate::auth::CurrentUser;
use crate::lang::Lang;

/// Query-string keys that belong to the page, not to the filters.
const PAGE_KEYS: &[&str] = &["lang"];

/// Everything a dashboard shows for one set of filter values.
pub struct DashView {
    pub name: String,
    pub title: String,
    pub description: String,
    pub lang: Lang,
    /// The page's own path: `/d/overview`, `/zone/2`.
    pub path: String,
    /// The filter values given in the URL, as `name=value` text.
    pub given: Vec<(String, String)>,
    pub filters: Vec<FilterField>,
    pub crumbs: Vec<Crumb>,
    pub panels: Vec<PanelView>,
    /// For the PDF's subtitle: "年度: 2017".
    pub filter_summary: Vec<String>,
    pub data_version: u64,
    /// When the data was last imported.
    pub data_date: String,
    /// The viewer's scope, part of the ETag.
    pub scope: String,
}

#[derive(Serialize, Clone)]
pub struct FilterField {
    pub name: String,
    pub label: String,
    /// `select`, `number`, `date` or `text`.
    pub kind: &'static str,
    pub value: String,
    pub optional: bool,
    pub options: Vec<(String, String)>,
}

#[derive(Serialize, Clone)]
pub struct Crumb {
    pub label: String,
    pub href: String,
}

/// Who is looking, as far as a view cares: the part of the banner they may
/// see. Anonymous visitors see public queries only (checked by [`gate`]);
/// the command line sees everything.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub scope: crate::auth::Scope,
}

impl Viewer {
    pub fn everything() -> Viewer {
        Viewer { scope: crate::auth::Scope::All }
    }
    pub fn of(user: &crate::auth::CurrentUser) -> Viewer {
        Viewer { scope: user.0.as_ref().map(|u| u.scope.clone()).unwrap_or(crate::auth::Scope::All) }
    }
}

/// Signing in is needed for a dashboard with any panel on a non-public
/// query (household-level data); public aggregates are open to everyone.
pub fn gate(state: &State, target: &Target, user: &crate::auth::CurrentUser, req: &HttpRequest) -> Result<Viewer, WebError> {
    let d = dashboard_for(state, target)?;
    let private = d.panels.iter().any(|p| state.catalog.get(&p.query).is_some_and(|q| !q.meta.public));
    if private || user.0.is_some() {
        user.require_signed_in(req).map_err(WebError::Auth)?;
    }
    Ok(Viewer::of(user))
}

/// Whether a unit lies inside a scope.
fn in_scope(geo: &Geo, scope: &crate::auth::Scope, kind: UnitKind, id: &str) -> bool {
    use crate::auth::Scope;
    if *scope == Scope::All {
        return true;
    }
    let line = geo.lineage(kind, id);
    let zone = line.iter().find(|u| u.kind == UnitKind::Zone).and_then(|u| u.id.parse::<i64>().ok());
    let township = line.iter().find(|u| u.kind == UnitKind::Township).map(|u| u.id.as_str());
    match (kind, scope) {
        (UnitKind::Zone, s) => zone.is_some_and(|z| s.allows_zone(z)),
        (_, s) => match (township, zone) {
            (Some(t), Some(z)) => s.allows_township(t, z),
            _ => false,
        },
    }
}

/// The row filter of a scoped user on a canned query (`/q/<name>`): a
/// non-public query runs only with its zone (or township) parameter set to
/// the user's own; any unit outside the scope, or a query that cannot be
/// restricted, answers 403. Public queries are open to everyone as they are.
pub async fn scope_args(state: &State, q: &crate::catalog::Query, mut given: Vec<(String, String)>, scope: &crate::auth::Scope) -> Result<Vec<(String, String)>, WebError> {
    use crate::auth::Scope;
    if *scope == Scope::All || q.meta.public {
        return Ok(given);
    }
    let forbidden = || WebError::Auth(crate::auth::AuthError::Forbidden);
    let geo = state.geo.get(&state.db, state.data_version()).await?;
    for (k, v) in &given {
        let Some(kind) = q.meta.params.get(k).and_then(|m| unit_of(m.ty)) else { continue };
        let v = v.trim();
        if !v.is_empty() && geo.get(kind, v).is_some() && !in_scope(&geo, scope, kind, v) {
            return Err(forbidden());
        }
    }
    let (want, value) = match scope {
        Scope::Zone(z) => (ParamType::Zone, z.to_string()),
        Scope::Township(t) => (ParamType::Township, t.clone()),
        Scope::All => return Ok(given),
    };
    let (pname, _) = q.meta.params.iter().find(|(_, m)| m.ty == want).ok_or_else(forbidden)?;
    // A value the user gave was checked against the scope above (and is
    // validated as usual); without one, the user's own applies.
    if !given.iter().any(|(k, v)| k == pname && !v.trim().is_empty()) {
        given.retain(|(k, _)| k != pname);
        given.push((pname.clone(), value));
    }
    Ok(given)
}

/// The target of a download or render addressed by dashboard name: a unit
/// dashboard takes its unit from the filters (`?village=…`), removed from
/// them here. `Err` names the unit kind that was not given.
fn target_of(d: &Dashboard, given: &mut Vec<(String, String)>) -> Result<Target, UnitKind> {
    match d.unit {
        Some(kind) => {
            let i = given.iter().position(|(k, _)| k == kind.name()).ok_or(kind)?;
            Ok(Target::Unit(kind, given.remove(i).1))
        }
        None => Ok(Target::Named(d.name.clone())),
    }
}

/// Which dashboard a request asks for.
#[derive(Debug, Clone)]
pub enum Target {
    Named(String),
    Unit(UnitKind, String),
}

/// The language of a request: `?lang=` first, then the remembered cookie.
pub fn request_lang(req: &HttpRequest, given: &[(String, String)]) -> Lang {
    given
        .iter()
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(v))
        .or_else(|| req.cookie("lang").and_then(|c| Lang::parse(c.value())))
        .unwrap_or_default()
}

/// A response that remembers an explicit `?lang=` choice in a cookie.
pub fn remember_lang(mut resp: HttpResponse, given: &[(String, String)]) -> HttpResponse {
    if let Some(lang) = given.iter().find(|(k, _)| k == "lang").and_then(|(_, v)| Lang::parse(v)) {
        let cookie = actix_web::cookie::Cookie::build("lang", lang.code())
            .path("/")
            .max_age(actix_web::cookie::time::Duration::days(365))
            .same_site(actix_web::cookie::SameSite::Lax)
            .http_only(true)
            .finish();
        let _ = resp.add_cookie(&cookie);
    }
    resp
}

pub fn parse_query_string(req: &HttpRequest) -> Result<Vec<(String, String)>, WebError> {
    serde_urlencoded::from_str(req.query_string())
        .map_err(|e| WebError::BadRequest(vec![format!("the query string is malformed: {e}; expected name=value pairs")]))
}

fn dashboard_for<'a>(state: &'a State, target: &Target) -> Result<&'a Dashboard, WebError> {
    match target {
        Target::Named(n) => state.dashboards.get(n).ok_or(WebError::NotFound),
        Target::Unit(kind, _) => state.dashboards.for_unit(*kind).ok_or(WebError::NotFound),
    }
}

/// Reads the filters, runs the panels' queries (through the result cache)
/// and builds the view; cached per data version, filters and language.
pub async fn view(state: &State, target: Target, given: &[(String, String)], lang: Lang, viewer: &Viewer) -> Result<Arc<DashView>, WebError> {
    view_with(state, target, given, lang, viewer, state.caching).await
}

/// [`view`], reading and keeping views and results in the caches only when
/// `cached` (the warm-up builds every view afresh and keeps none).
async fn view_with(state: &State, target: Target, given: &[(String, String)], lang: Lang, viewer: &Viewer, cached: bool) -> Result<Arc<DashView>, WebError> {
    use crate::auth::Scope;
    let d = dashboard_for(state, &target)?.clone();
    let version = state.data_version();
    let geo = state.geo.get(&state.db, version).await?;
    let metas = state.dashboards.filters.get(&d.name).cloned().unwrap_or_default();

    // The filter values: from the path for a unit page, else from the URL.
    let mut problems = Vec::new();
    let mut values: Vec<(String, String)> = Vec::new();
    for (k, v) in given {
        if PAGE_KEYS.contains(&k.as_str()) {
            continue;
        }
        if !metas.contains_key(k) {
            let known: Vec<&str> = metas.keys().map(String::as_str).collect();
            problems.push(format!(
                "parameter {k}: is unknown, expected {}",
                if known.is_empty() { "no parameters on this page".to_string() } else { format!("one of {}", known.join(", ")) }
            ));
        } else if d.unit.is_some_and(|u| u.name() == k) {
            problems.push(format!("parameter {k}: comes from the page's path, expected it not to be given again"));
        } else if !v.trim().is_empty() {
            values.push((k.clone(), v.clone()));
        }
    }
    let path = match &target {
        Target::Named(n) => format!("/d/{n}"),
        Target::Unit(kind, id) => {
            if geo.get(*kind, id).is_none() {
                return Err(WebError::NotFound);
            }
            if !in_scope(&geo, &viewer.scope, *kind, id) {
                return Err(WebError::Auth(crate::auth::AuthError::Forbidden));
            }
            values.push((kind.name().to_string(), id.clone()));
            format!("/{}/{}", kind.name(), id)
        }
    };
    // A scoped user's filters start at their own zone or township.
    let scope_value = |ty: ParamType| -> Option<String> {
        match (&viewer.scope, ty) {
            (Scope::Zone(z), ParamType::Zone) => Some(z.to_string()),
            (Scope::Township(t), ParamType::Township) => Some(t.clone()),
            _ => None,
        }
    };
    for (name, meta) in &metas {
        if !values.iter().any(|(k, _)| k == name) {
            if let Some(v) = scope_value(meta.ty) {
                values.push((name.clone(), v));
            }
        }
    }
    let mut bound: Vec<(String, Bound)> = Vec::new();
    for (name, meta) in &metas {
        let raw = values.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        match meta.read(name, raw) {
            Ok(b) => {
                if let Some(kind) = unit_of(meta.ty) {
                    if b != Bound::Null && geo.get(kind, &b.text()).is_none() {
                        problems.push(format!("parameter {name}: found \"{}\", expected the code of a {} that exists", b.text(), kind.name()));
                    } else if b != Bound::Null && !in_scope(&geo, &viewer.scope, kind, &b.text()) {
                        return Err(WebError::Auth(crate::auth::AuthError::Forbidden));
                    }
                }
                bound.push((name.clone(), b));
            }
            Err(e) => problems.push(e.to_string()),
        }
    }
    if !problems.is_empty() {
        return Err(WebError::BadRequest(problems));
    }

    let key = {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (&d.name, &path, lang.code(), version, viewer.scope.to_field()).hash(&mut h);
        for (k, b) in &bound {
            (k, b.text(), *b == Bound::Null).hash(&mut h);
        }
        format!("view-{:016x}", h.finish())
    };
    if let Some(v) = state.views.lock().ok().filter(|_| cached).and_then(|mut c| c.get(&key).cloned()) {
        return Ok(v);
    }

    // Each panel's query gets the fixed values of its panel and the
    // dashboard's filter values for the parameters it declares.
    let mut jobs = Vec::new();
    let mut shown = Vec::new();
    for p in &d.panels {
        let q = state.catalog.get(&p.query).cloned().ok_or_else(|| anyhow::anyhow!("query {} is missing", p.query))?;
        let mut args: Vec<(String, String)> = p.params.iter().map(|(k, v)| (k.clone(), toml_text(v))).collect();
        for (k, b) in &bound {
            if *b != Bound::Null && q.meta.params.contains_key(k) && !p.params.contains_key(k) {
                args.push((k.clone(), b.text()));
            }
        }
        // The row filter of a scoped user, applied here, not by hiding
        // links: a non-public query runs only restricted to their zone or
        // township, and a panel whose query cannot be restricted is left out.
        if !q.meta.public && viewer.scope != Scope::All {
            let want = match &viewer.scope {
                Scope::Zone(_) => ParamType::Zone,
                _ => ParamType::Township,
            };
            let Some((pname, _)) = q.meta.params.iter().find(|(_, m)| m.ty == want) else { continue };
            let value = scope_value(want).unwrap_or_default();
            args.retain(|(k, _)| k != pname);
            args.push((pname.clone(), value));
        }
        shown.push(p.clone());
        let qb = read_all(&q.meta.params, &args, &[]).map_err(|errs| WebError::BadRequest(errs.iter().map(|e| e.to_string()).collect()))?;
        jobs.push((q, qb));
    }
    let results = results(state, &jobs, version, cached).await?;

    let given_text: Vec<(String, String)> =
        values.iter().filter(|(k, _)| !d.unit.is_some_and(|u| u.name() == k)).cloned().collect();
    let filter_fields = fields(&metas, &bound, &geo, lang, d.unit);
    let crumbs = crumbs(&geo, &target, &bound, &metas, lang);
    let filter_summary = filter_fields
        .iter()
        .filter(|f| !f.value.is_empty())
        .map(|f| {
            let shown = f.options.iter().find(|o| o.0 == f.value).map(|o| o.1.clone()).unwrap_or_else(|| f.value.clone());
            format!("{}: {}", f.label, shown)
        })
        .chain(target_summary(&geo, &target, lang))
        .collect();
    let title = match &target {
        Target::Unit(kind, id) => {
            let name = geo.get(*kind, id).map(|u| u.label(lang).to_string()).unwrap_or_default();
            format!("{name} · {}", lang.pick(&d.title, &d.title_en))
        }
        Target::Named(_) => lang.pick(&d.title, &d.title_en).to_string(),
    };
    let catalog_panels: Vec<_> = shown;
    let dname = d.name.clone();
    let public = d.public;
    let page_path = path.clone();
    let page_given = given_text.clone();
    let geo2 = geo.clone();
    // Drawing is CPU work: off the async workers.
    let panels = web::block(move || -> anyhow::Result<Vec<PanelView>> {
        catalog_panels
            .iter()
            .zip(jobs.iter().zip(results.iter()))
            .map(|(p, ((q, _), rs))| {
                let link = |id: &str| -> Option<String> {
                    let dr = p.drill.as_ref()?;
                    if let Some(kind) = dr.to {
                        return geo2.get(kind, id).map(|u| format!("/{}/{}", kind.name(), urlencode(&u.id)));
                    }
                    let f = dr.filter.as_ref()?;
                    let mut qs: Vec<(String, String)> = page_given.iter().filter(|(k, _)| k != f).cloned().collect();
                    qs.push((f.clone(), id.to_string()));
                    Some(format!("{page_path}?{}", serde_urlencoded::to_string(&qs).ok()?))
                };
                // Public pages: small counts suppressed (dashboards/suppress.rs).
                let built = if public {
                    crate::dashboards::suppress::build_panel(p, q, rs, lang, &link)
                } else {
                    build_panel(p, q, rs, lang, &link)
                };
                built.map_err(|e| e.context(format!("dashboards/{dname}.toml: panel {}", p.id)))
            })
            .collect()
    })
    .await
    .map_err(|e| anyhow::anyhow!("drawing was cancelled: {e}"))??;

    let view = Arc::new(DashView {
        name: d.name.clone(),
        title,
        description: lang.pick(&d.description, &d.description_en).to_string(),
        lang,
        path,
        given: given_text,
        filters: filter_fields,
        crumbs,
        panels,
        filter_summary,
        data_version: version,
        data_date: geo.data_date.clone(),
        scope: viewer.scope.to_field(),
    });
    if let (true, Ok(mut c)) = (cached, state.views.lock()) {
        c.put(key, view.clone());
    }
    Ok(view)
}

/// Builds every dashboard's page once, in its default view, and one page
/// of each unit kind (the first zone, township and village), keeping
/// nothing: no view, result or response goes into a cache. What it warms
/// is what the first real request would otherwise pay for: DuckDB's
/// buffer pool and each connection's parsed statements, the geography
/// and option lists of this data version, the database threads' memory.
/// The server runs it after start and after each import in the
/// background (BENCHMARKS.md: the first view after a start was 2× the
/// steady one). Stops early when a newer import lands (its own warm-up
/// follows). Returns the pages built.
pub async fn warm(state: &State) -> usize {
    let started = std::time::Instant::now();
    let version = state.data_version();
    let mut targets: Vec<Target> = state.dashboards.all.values().filter(|d| d.unit.is_none()).map(|d| Target::Named(d.name.clone())).collect();
    if let Ok(geo) = state.geo.get(&state.db, version).await {
        for units in [&geo.zones, &geo.townships, &geo.villages] {
            if let Some(u) = units.first().filter(|u| state.dashboards.for_unit(u.kind).is_some()) {
                targets.push(Target::Unit(u.kind, u.id.clone()));
            }
        }
    }
    let mut built = 0;
    for target in targets {
        if state.data_version() != version {
            break;
        }
        match view_with(state, target.clone(), &[], Lang::Zh, &Viewer::everything(), false).await.and_then(|v| page_html(state, &v)) {
            Ok(_) => built += 1,
            // A query past its time limit, say: the page is simply not
            // warmed; a real request gets the usual answer.
            Err(e) => tracing::debug!(target = ?target, error = ?e, "warm-up: page not built"),
        }
    }
    tracing::info!(pages = built, version, ms = started.elapsed().as_millis() as u64, "warm-up done");
    built
}

fn unit_of(ty: ParamType) -> Option<UnitKind> {
    match ty {
        ParamType::Zone => Some(UnitKind::Zone),
        ParamType::Township => Some(UnitKind::Township),
        ParamType::Village => Some(UnitKind::Village),
        _ => None,
    }
}

/// Runs the panels' queries, each result kept per data version so that
/// dashboards sharing a query (and repeated views) run it once.
async fn results(state: &State, jobs: &[(Arc<crate::catalog::Query>, Vec<(String, Bound)>)], version: u64, cached: bool) -> Result<Vec<Arc<ResultSet>>, WebError> {
    let keys: Vec<String> = jobs
        .iter()
        .map(|(q, b)| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (&q.name, version).hash(&mut h);
            for (k, v) in b {
                (k, v.text(), *v == Bound::Null).hash(&mut h);
            }
            format!("rs-{}-{:016x}", q.name, h.finish())
        })
        .collect();
    let mut out: Vec<Option<Arc<ResultSet>>> = match state.results.lock() {
        Ok(mut c) if cached => keys.iter().map(|k| c.get(k).cloned()).collect(),
        _ => vec![None; keys.len()],
    };
    let missing: Vec<(usize, Arc<crate::catalog::Query>, Vec<(String, Bound)>)> =
        out.iter().enumerate().filter(|(_, r)| r.is_none()).map(|(i, _)| (i, jobs[i].0.clone(), jobs[i].1.clone())).collect();
    if !missing.is_empty() {
        let cap = state.limits.row_cap;
        // Two connections share the panels' queries (dealt alternately), so
        // a dashboard of small queries keeps both cores busy; each
        // connection runs its share in turn.
        let mut shares: Vec<Vec<(usize, Arc<crate::catalog::Query>, Vec<(String, Bound)>)>> = vec![Vec::new(), Vec::new()];
        for (n, job) in missing.into_iter().enumerate() {
            shares[n % 2].push(job);
        }
        let runs = shares.into_iter().filter(|s| !s.is_empty()).map(|share| {
            state.db.run_limited(state.limits.query_timeout, move |conn| {
                share
                    .iter()
                    .map(|(i, q, b)| run_query(conn, q, b, Some(cap)).map(|o| (*i, Arc::new(o.rs))))
                    .collect::<anyhow::Result<Vec<_>>>()
            })
        });
        let mut ran = Vec::new();
        for share in futures_util::future::join_all(runs).await {
            ran.extend(share?);
        }
        if let (true, Ok(mut c)) = (cached, state.results.lock()) {
            for (i, rs) in &ran {
                c.put(keys[*i].clone(), rs.clone());
            }
        }
        for (i, rs) in ran {
            out[i] = Some(rs);
        }
    }
    Ok(out.into_iter().map(|r| r.unwrap_or_default()).collect())
}

fn fields(metas: &indexmap::IndexMap<String, ParamMeta>, bound: &[(String, Bound)], geo: &Geo, lang: Lang, unit: Option<UnitKind>) -> Vec<FilterField> {
    let value_of = |n: &str| bound.iter().find(|(k, _)| k == n).map(|(_, b)| if *b == Bound::Null { String::new() } else { b.text() }).unwrap_or_default();
    let zone = bound.iter().find(|(k, b)| *b != Bound::Null && metas.get(k).is_some_and(|m| m.ty == ParamType::Zone)).map(|(_, b)| b.text());
    let township =
        bound.iter().find(|(k, b)| *b != Bound::Null && metas.get(k).is_some_and(|m| m.ty == ParamType::Township)).map(|(_, b)| b.text());
    metas
        .iter()
        .filter(|(name, _)| !unit.is_some_and(|u| u.name() == name.as_str()))
        .map(|(name, m)| {
            let units = |kind: UnitKind| -> Vec<(String, String)> {
                let (z, t) = match kind {
                    UnitKind::Zone => (None, None),
                    UnitKind::Township => (zone.as_deref(), None),
                    UnitKind::Village => (zone.as_deref(), township.as_deref()),
                };
                geo.list(kind, z, t).into_iter().take(2000).map(|u| (u.id.clone(), u.label(lang).to_string())).collect()
            };
            let (kind, options): (&'static str, Vec<(String, String)>) = match m.ty {
                ParamType::Zone => ("select", units(UnitKind::Zone)),
                ParamType::Township => ("select", units(UnitKind::Township)),
                ParamType::Village => ("select", units(UnitKind::Village)),
                ParamType::Year => match (m.min, m.max) {
                    (Some(a), Some(b)) if b >= a && b - a <= 100.0 => {
                        ("select", (a as i64..=b as i64).rev().map(|y| (y.to_string(), y.to_string())).collect())
                    }
                    _ => ("number", vec![]),
                },
                ParamType::Enum => ("select", m.options.iter().map(|o| (o.clone(), o.clone())).collect()),
                ParamType::Integer | ParamType::Decimal => ("number", vec![]),
                ParamType::Date => ("date", vec![]),
                ParamType::Text => ("text", vec![]),
            };
            FilterField {
                name: name.clone(),
                label: lang.pick(&m.zh, &m.en).to_string(),
                kind,
                value: value_of(name),
                optional: m.optional,
                options,
            }
        })
        .collect()
}

/// Banner → zone → township → village, from the page's unit or filters.
fn crumbs(geo: &Geo, target: &Target, bound: &[(String, Bound)], metas: &indexmap::IndexMap<String, ParamMeta>, lang: Lang) -> Vec<Crumb> {
    let mut out = vec![Crumb { label: lang.pick("全旗", "Whole banner").to_string(), href: "/".into() }];
    let deepest = match target {
        Target::Unit(kind, id) => Some((*kind, id.clone())),
        Target::Named(_) => [UnitKind::Village, UnitKind::Township, UnitKind::Zone].into_iter().find_map(|kind| {
            bound
                .iter()
                .find(|(k, b)| *b != Bound::Null && metas.get(k).is_some_and(|m| m.ty == kind.param_type()))
                .map(|(_, b)| (kind, b.text()))
        }),
    };
    if let Some((kind, id)) = deepest {
        for u in geo.lineage(kind, &id) {
            out.push(Crumb { label: u.label(lang).to_string(), href: format!("/{}/{}", u.kind.name(), urlencode(&u.id)) });
        }
    }
    out
}

fn target_summary(geo: &Geo, target: &Target, lang: Lang) -> Option<String> {
    let Target::Unit(kind, id) = target else { return None };
    let names: Vec<String> = geo.lineage(*kind, id).iter().map(|u| u.label(lang).to_string()).collect();
    Some(format!("{}: {}", lang.pick("范围", "Scope"), names.join(" / ")))
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|t| t.trim_start_matches('=').to_string()).unwrap_or_default()
}

/// The chrome's own words (everything else comes from query and dashboard
/// metadata).
pub fn words(lang: Lang) -> std::collections::BTreeMap<&'static str, &'static str> {
    let pairs: &[(&str, &str, &str)] = &[
        ("brand", "精准", "Jingzhun"),
        ("tagline", "精准扶贫数据平台", "Precision poverty-alleviation data"),
        ("apply", "应用筛选", "Apply filters"),
        ("all", "全部", "All"),
        ("table", "数据表", "Data table"),
        ("download", "下载", "Download"),
        ("pdf", "整页 PDF", "Whole page as PDF"),
        ("other_lang", "English", "中文"),
        ("other_lang_code", "en", "zh"),
        ("dashboards", "看板", "Dashboards"),
        ("queries", "查询", "Queries"),
        ("footer", "数据来自本旗建档立卡系统导入", "Data imported from the banner's registration system"),
        ("data_version", "数据版本", "Data version"),
        ("filters", "筛选", "Filters"),
        ("breadcrumbs", "位置", "You are here"),
        ("home", "首页", "Home"),
        ("rows", "行", "rows"),
        ("account", "账户", "Account"),
        ("public", "公开数据", "Public data"),
    ];
    pairs.iter().map(|(k, zh, en)| (*k, if lang == Lang::En { *en } else { *zh })).collect()
}

/// The query string of the page's filters (and language), for links.
fn suffix(v: &DashView, with_lang: bool) -> String {
    let mut qs = v.given.clone();
    if with_lang && v.lang == Lang::En {
        qs.push(("lang".into(), "en".into()));
    }
    if qs.is_empty() {
        String::new()
    } else {
        format!("?{}", serde_urlencoded::to_string(&qs).unwrap_or_default())
    }
}

fn etag(state: &State, v: &DashView, what: &str) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (&v.path, &v.given, v.lang.code(), what, &state.build, &v.scope).hash(&mut h);
    format!("\"{:016x}-{}\"", h.finish(), v.data_version)
}

/// A headline tile as the page shows it (HTML, so it reflows on a phone;
/// the SVG of the same tiles serves the downloads).
#[derive(Serialize)]
pub(super) struct TileCtx {
    label: String,
    value: String,
    arrow: &'static str,
    change: String,
    versus: String,
    /// `good`, `bad` or `same`.
    verdict: &'static str,
    link: Option<String>,
}

pub(super) fn tile_ctx(p: &PanelView, lang: Lang) -> Vec<TileCtx> {
    p.chart
        .tiles
        .iter()
        .map(|t| {
            let change = crate::charts::tile_change(t, lang);
            TileCtx {
                label: t.label.clone(),
                value: t.value.map(|v| crate::charts::format_number(v, t.unit)).unwrap_or_else(|| "—".into()),
                arrow: change.as_ref().map(|c| c.0).unwrap_or(""),
                change: change.as_ref().map(|c| c.1.clone()).unwrap_or_default(),
                versus: change.as_ref().map(|c| c.2.clone()).unwrap_or_default(),
                verdict: match change.as_ref().and_then(|c| c.3) {
                    Some(true) => "good",
                    Some(false) => "bad",
                    None => "same",
                },
                link: t.link.clone(),
            }
        })
        .collect()
}

#[derive(Serialize)]
struct PanelCtx<'a> {
    id: &'a str,
    tiles: Vec<TileCtx>,
    title: &'a str,
    width: u8,
    svg: Value,
    summary: &'a str,
    head: &'a [String],
    numeric: &'a [bool],
    rows: &'a [Vec<String>],
}

/// Renders the page of a view.
pub fn page_html(state: &State, v: &DashView) -> Result<String, WebError> {
    let panels: Vec<PanelCtx> = v
        .panels
        .iter()
        .map(|p| PanelCtx {
            id: &p.id,
            tiles: if p.chart.kind == crate::charts::Kind::Tiles { tile_ctx(p, v.lang) } else { Vec::new() },
            title: &p.title,
            width: p.width,
            svg: Value::from_safe_string(p.svg.clone()),
            summary: &p.summary,
            head: &p.head,
            numeric: &p.numeric,
            rows: &p.rows,
        })
        .collect();
    let nav: Vec<(String, String)> = state
        .dashboards
        .listed()
        .iter()
        .map(|d| (format!("/d/{}", d.name), v.lang.pick(&d.title, &d.title_en).to_string()))
        .collect();
    let mut toggle = v.given.clone();
    toggle.push(("lang".into(), if v.lang == Lang::En { "zh".into() } else { "en".into() }));
    let tmpl = state.templates.get_template("dashboard.html")?;
    Ok(tmpl.render(context! {
        t => words(v.lang),
        lang => v.lang.code(),
        title => v.title,
        description => v.description,
        path => v.path,
        downloads => format!("/d/{}", v.name),
        suffix => suffix(v, false),
        unit_suffix => unit_suffix(v),
        filters => v.filters,
        crumbs => v.crumbs,
        panels => panels,
        nav => nav,
        current => format!("/d/{}", v.name),
        toggle => format!("{}?{}", v.path, serde_urlencoded::to_string(&toggle).unwrap_or_default()),
        data_version => v.data_version,
    })?)
}

/// Download links of a unit page carry its unit as a filter.
fn unit_suffix(v: &DashView) -> String {
    let mut qs = v.given.clone();
    if let Some(rest) = v.path.strip_prefix('/') {
        if let Some((kind, id)) = rest.split_once('/') {
            if UnitKind::parse(kind).is_some() {
                qs.push((kind.to_string(), id.to_string()));
            }
        }
    }
    if qs.is_empty() {
        String::new()
    } else {
        format!("?{}", serde_urlencoded::to_string(&qs).unwrap_or_default())
    }
}

async fn respond_page(state: State, req: HttpRequest, target: Target, user: CurrentUser) -> Result<HttpResponse, WebError> {
    let viewer = gate(&state, &target, &user, &req)?;
    let given = parse_query_string(&req)?;
    let lang = request_lang(&req, &given);
    let v = view(&state, target, &given, lang, &viewer).await?;
    let tag = etag(&state, &v, "html");
    if super::not_modified(&req, &tag) {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, tag)).finish());
    }
    let html = page_html(&state, &v)?;
    let resp = HttpResponse::Ok().content_type("text/html; charset=utf-8").body(html);
    Ok(remember_lang(private_if(super::tagged(resp, &tag)?, &user), &given))
}

/// `/` is the overview dashboard.
pub async fn home(state: State, req: HttpRequest, user: CurrentUser) -> Result<HttpResponse, WebError> {
    let name = match state.dashboards.get("overview") {
        Some(_) => "overview".to_string(),
        None => state.dashboards.listed().first().map(|d| d.name.clone()).ok_or(WebError::NotFound)?,
    };
    respond_page(state, req, Target::Named(name), user).await
}

/// `/d/<name>` and `/d/<name>.pdf`.
pub async fn dashboard(state: State, req: HttpRequest, path: web::Path<String>, user: CurrentUser) -> Result<HttpResponse, WebError> {
    let name = path.into_inner();
    // Public pages live under /public, with their suppression and caching.
    if state.dashboards.get(name.trim_end_matches(".pdf")).is_some_and(|d| d.public) {
        return Err(WebError::NotFound);
    }
    if let Some(base) = name.strip_suffix(".pdf") {
        return pdf_response(state, req, base, user).await;
    }
    respond_page(state, req, Target::Named(name), user).await
}

/// `/zone/<id>`, `/township/<id>`, `/village/<id>`.
pub async fn unit(state: State, req: HttpRequest, path: web::Path<(String, String)>, user: CurrentUser) -> Result<HttpResponse, WebError> {
    let (kind, id) = path.into_inner();
    let kind = UnitKind::parse(&kind).ok_or(WebError::NotFound)?;
    respond_page(state, req, Target::Unit(kind, id), user).await
}

/// `/d/<name>/<panel>.svg|png|csv|xlsx`.
pub async fn panel(state: State, req: HttpRequest, path: web::Path<(String, String)>, user: CurrentUser) -> Result<HttpResponse, WebError> {
    let (name, file) = path.into_inner();
    let (panel_id, ext) = file.rsplit_once('.').ok_or(WebError::NotFound)?;
    if !matches!(ext, "svg" | "png" | "csv" | "xlsx") {
        return Err(WebError::NotFound);
    }
    let d = state.dashboards.get(&name).filter(|d| !d.public).ok_or(WebError::NotFound)?;
    if !d.panels.iter().any(|p| p.id == panel_id) {
        return Err(WebError::NotFound);
    }
    let mut given = parse_query_string(&req)?;
    let lang = request_lang(&req, &given);
    // A unit page's panel: its unit comes as a filter here.
    let target = target_of(d, &mut given).map_err(|kind| {
        WebError::BadRequest(vec![format!("parameter {}: is required, expected the unit's code", kind.name())])
    })?;
    let viewer = gate(&state, &target, &user, &req)?;
    let v = view(&state, target, &given, lang, &viewer).await?;
    // The dashboard has the panel (checked above): missing from the view, it
    // was left out for the viewer's scope.
    let p = v.panels.iter().find(|p| p.id == panel_id).ok_or(WebError::Auth(crate::auth::AuthError::Forbidden))?;
    let tag = etag(&state, &v, &file);
    if super::not_modified(&req, &tag) {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, tag)).finish());
    }
    let base = crate::export::file_name(&p.title, &v.filter_summary, ext);
    let resp = match ext {
        "svg" => HttpResponse::Ok().content_type("image/svg+xml; charset=utf-8").body(standalone_svg(&p.svg, &p.title)),
        "png" => {
            let bytes = super::pdf::panel_png(&state, p).await?;
            HttpResponse::Ok().content_type("image/png").body(bytes)
        }
        "csv" | "xlsx" => {
            let q = state.catalog.get(&d.panels.iter().find(|x| x.id == panel_id).map(|x| x.query.clone()).unwrap_or_default());
            let meta = q.map(|q| q.meta.columns.clone()).unwrap_or_default();
            let columns = crate::export::ExportColumn::for_result(&p.data.columns, &meta);
            let kind = if ext == "csv" {
                crate::export::ExportKind::Csv { bom: true }
            } else {
                crate::export::ExportKind::Xlsx { title: p.title.clone() }
            };
            let data = p.data.clone();
            let bytes = web::block(move || -> anyhow::Result<Vec<u8>> {
                let mut out = crate::export::Export::new(&kind, &columns, Vec::new())?;
                for r in &data.rows {
                    out.write_row(r)?;
                }
                out.finish()
            })
            .await
            .map_err(|e| anyhow::anyhow!("export was cancelled: {e}"))??;
            let mime = if ext == "csv" { "text/csv; charset=utf-8" } else { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" };
            HttpResponse::Ok()
                .content_type(mime)
                .insert_header((header::CONTENT_DISPOSITION, crate::export::content_disposition(&base)))
                .body(bytes)
        }
        _ => return Err(WebError::NotFound),
    };
    let mut resp = private_if(super::tagged(resp, &tag)?, &user);
    if ext == "svg" || ext == "png" {
        resp.headers_mut().insert(
            header::CONTENT_DISPOSITION,
            header::HeaderValue::from_str(&crate::export::content_disposition(&base).replace("attachment", "inline"))
                .map_err(anyhow::Error::from)?,
        );
    }
    Ok(resp)
}

/// Height of the title band above an exported chart.
const CAPTION_BAND: u32 = 44;

/// A chart as a file of its own (SVG download, PNG): the XML declaration,
/// the namespace, and the panel's title drawn above the chart, since a
/// chart pasted into a report has no page around it to name it.
pub fn standalone_svg(svg: &str, title: &str) -> String {
    let (w, h) = svg_size(svg).unwrap_or((640, 360));
    let inner = svg.replacen("<svg", &format!("<svg x=\"0\" y=\"{CAPTION_BAND}\""), 1);
    let t = crate::charts::escape_xml(title);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{}\" viewBox=\"0 0 {w} {}\"><title>{t}</title><rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/><text x=\"16\" y=\"30\" font-family=\"sans-serif\" font-size=\"22\" font-weight=\"bold\" fill=\"#1f2328\">{t}</text>{inner}</svg>",
        h + CAPTION_BAND,
        h + CAPTION_BAND
    )
}

/// The width and height attributes of an SVG's root element.
fn svg_size(svg: &str) -> Option<(u32, u32)> {
    let head = &svg[..svg.find('>')?];
    let attr = |name: &str| -> Option<u32> {
        let at = head.find(&format!(" {name}=\""))? + name.len() + 3;
        head[at..].split('"').next()?.trim_end_matches("px").parse::<f64>().ok().map(|v| v as u32)
    };
    Some((attr("width")?, attr("height")?))
}

/// What `jingzhun render` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderFormat {
    Svg,
    Png,
    Pdf,
}

/// Renders a dashboard (`name`) or one panel (`name/panel`) offline, by the
/// same code as the server: `params` are the URL's filters (a unit
/// dashboard's unit among them).
pub async fn render_offline(state: &State, what: &str, params: &[(String, String)], lang: Lang, format: RenderFormat) -> anyhow::Result<Vec<u8>> {
    let (name, panel) = match what.split_once('/') {
        Some((n, p)) => (n, Some(p)),
        None => (what, None),
    };
    let d = state.dashboards.get(name).ok_or_else(|| {
        let known: Vec<&str> = state.dashboards.all.keys().map(String::as_str).collect();
        anyhow::anyhow!("dashboard {name} does not exist, expected one of {}", known.join(", "))
    })?;
    let mut given = params.to_vec();
    let target = target_of(d, &mut given)
        .map_err(|kind| anyhow::anyhow!("dashboard {name} is a {} page: give -p {}=<code>", kind.name(), kind.name()))?;
    let v = view(state, target, &given, lang, &Viewer::everything()).await.map_err(web_error)?;
    match (panel, format) {
        (None, RenderFormat::Pdf) => super::pdf::dashboard_pdf(state, v).await.map_err(web_error),
        (None, _) => anyhow::bail!("a whole dashboard renders only as PDF; name a panel (dashboard/panel) for SVG or PNG"),
        (Some(_), RenderFormat::Pdf) => anyhow::bail!("a single panel renders as SVG or PNG; leave out the panel for a PDF of the dashboard"),
        (Some(p), f) => {
            let pv = v.panels.iter().find(|x| x.id == p).ok_or_else(|| {
                let known: Vec<&str> = v.panels.iter().map(|x| x.id.as_str()).collect();
                anyhow::anyhow!("dashboard {name} has no panel {p}, expected one of {}", known.join(", "))
            })?;
            if f == RenderFormat::Svg {
                Ok(standalone_svg(&pv.svg, &pv.title).into_bytes())
            } else {
                super::pdf::panel_png(state, pv).await.map_err(web_error)
            }
        }
    }
}

fn web_error(e: WebError) -> anyhow::Error {
    match e {
        WebError::BadRequest(m) => anyhow::anyhow!("{}", m.join("\n")),
        WebError::Internal(e) => e,
        WebError::NotFound => anyhow::anyhow!("not found (a unit code that does not exist?)"),
        other => anyhow::anyhow!("{other}"),
    }
}

/// `/d/<name>.pdf`: the whole dashboard as a print-ready A4 document.
async fn pdf_response(state: State, req: HttpRequest, name: &str, user: CurrentUser) -> Result<HttpResponse, WebError> {
    let d = state.dashboards.get(name).ok_or(WebError::NotFound)?;
    let mut given = parse_query_string(&req)?;
    let lang = request_lang(&req, &given);
    let target = target_of(d, &mut given).map_err(|kind| {
        WebError::BadRequest(vec![format!("parameter {}: is required, expected the unit's code", kind.name())])
    })?;
    let viewer = gate(&state, &target, &user, &req)?;
    let v = view(&state, target, &given, lang, &viewer).await?;
    let tag = etag(&state, &v, "pdf");
    if super::not_modified(&req, &tag) {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, tag)).finish());
    }
    let bytes = super::pdf::dashboard_pdf(&state, v.clone()).await?;
    let file = crate::export::file_name(&v.title, &v.filter_summary, "pdf");
    let resp = HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((header::CONTENT_DISPOSITION, crate::export::content_disposition(&file)))
        .body(bytes);
    Ok(private_if(super::tagged(resp, &tag)?, &user))
}

/// A signed-in user's responses may differ by scope: no shared caches.
fn private_if(mut resp: HttpResponse, user: &CurrentUser) -> HttpResponse {
    if user.0.is_some() {
        resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("private, no-cache"));
    }
    resp
}
