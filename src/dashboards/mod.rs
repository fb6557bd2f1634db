//! Dashboards as data: `dashboards/<name>.toml` lists panels, each a canned
//! query drawn as one chart kind, and the filters that apply to them. This
//! module loads and validates the definitions against the query catalog;
//! [`view`] turns query results into charts and tables.
//!
//! Invariant: a dashboard that names a missing query, column or parameter
//! never loads; the message names the file and the panel.

pub mod suppress;
pub mod view;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, bail, Context};
use indexmap::IndexMap;
use serde::Deserialize;

use crate::catalog::params::{ParamMeta, ParamType};
use crate::catalog::Catalog;
use crate::charts::Kind;

static EMBEDDED: include_dir::Dir<'static> = include_dir::include_dir!("$CARGO_MANIFEST_DIR/dashboards");

/// The geographic units that have their own page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitKind {
    Zone,
    Township,
    Village,
}

impl UnitKind {
    pub fn name(self) -> &'static str {
        match self {
            UnitKind::Zone => "zone",
            UnitKind::Township => "township",
            UnitKind::Village => "village",
        }
    }
    pub fn parse(s: &str) -> Option<UnitKind> {
        match s {
            "zone" => Some(UnitKind::Zone),
            "township" => Some(UnitKind::Township),
            "village" => Some(UnitKind::Village),
            _ => None,
        }
    }
    /// The parameter type that names a unit of this kind.
    pub fn param_type(self) -> ParamType {
        match self {
            UnitKind::Zone => ParamType::Zone,
            UnitKind::Township => ParamType::Township,
            UnitKind::Village => ParamType::Village,
        }
    }
}

/// One dashboard file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dashboard {
    #[serde(skip)]
    pub name: String,
    pub title: String,
    pub title_en: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub description_en: String,
    /// Where it sits in the navigation (lower first); unit pages are not
    /// listed.
    #[serde(default)]
    pub order: i32,
    /// The catalog parameters offered as filters, in form order. A filter
    /// applies to every panel whose query declares a parameter of that name.
    #[serde(default)]
    pub filters: Vec<String>,
    /// Filter values used when the URL gives none (instead of the query's).
    #[serde(default)]
    pub defaults: BTreeMap<String, toml::Value>,
    /// Set on the templates of unit pages: `/zone/<id>` fills the `zone`
    /// filter with the id from the path.
    #[serde(default)]
    pub unit: Option<UnitKind>,
    /// A public page (`/public`, `/public/<x>` for `public_<x>.toml`): open
    /// to anyone, aggregates only — every panel's query must be marked
    /// `public = true` — with small counts suppressed; no filters, no unit.
    #[serde(default)]
    pub public: bool,
    #[serde(rename = "panels")]
    pub panels: Vec<Panel>,
}

/// One chart on a dashboard.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Panel {
    /// Unique within the dashboard; names the panel in its download URLs.
    pub id: String,
    pub title: String,
    pub title_en: String,
    pub query: String,
    pub kind: Kind,
    /// Width in a grid of 12 columns (a phone shows one column).
    #[serde(default = "default_width")]
    pub width: u8,
    #[serde(default = "default_height")]
    pub height: u32,
    /// Fixed values of the query's parameters for this panel.
    #[serde(default)]
    pub params: BTreeMap<String, toml::Value>,
    /// The category column: years, villages, causes (rows of a heat table).
    #[serde(default)]
    pub x: Option<String>,
    /// A column with the English text of the categories (`x`), used with
    /// `?lang=en`.
    #[serde(default)]
    pub x_en: Option<String>,
    /// The value columns. Several columns draw one series each (named by
    /// their labels); with `series` set, exactly one.
    #[serde(default)]
    pub y: Vec<String>,
    /// A column whose distinct values become the series (long format); the
    /// columns of a heat table.
    #[serde(default)]
    pub series: Option<String>,
    /// A column with the English names of the series.
    #[serde(default)]
    pub series_en: Option<String>,
    /// The value axis unit: `%`, `元`, `户`, …; by default the first value
    /// column's.
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub references: Vec<ReferenceSpec>,
    #[serde(default)]
    pub drill: Option<Drill>,
    /// For `kind = "tiles"`: figures read from the first row.
    #[serde(default)]
    pub tiles: Vec<TileSpec>,
    /// Columns of the table behind the chart (by default every column).
    #[serde(default)]
    pub table: Vec<String>,
}

fn default_width() -> u8 {
    6
}
fn default_height() -> u32 {
    360
}

/// A reference line: a constant or a column of the panel's query.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceSpec {
    #[serde(default)]
    pub column: Option<String>,
    #[serde(default)]
    pub value: Option<f64>,
    /// Names for a constant line (a column line is named by its label).
    #[serde(default)]
    pub zh: String,
    #[serde(default)]
    pub en: String,
}

/// Where a click on a mark leads.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drill {
    /// The column holding the unit's id (zone_id, township_code, village_code).
    pub column: String,
    /// To that unit's page …
    #[serde(default)]
    pub to: Option<UnitKind>,
    /// … or to this dashboard with this filter set to the value.
    #[serde(default)]
    pub filter: Option<String>,
    /// `series`: the link belongs to each series (lines per zone) rather
    /// than to each category.
    #[serde(default)]
    pub on_series: bool,
}

/// One headline figure read from the first row of a tiles panel.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TileSpec {
    pub column: String,
    /// A column with the value a period earlier.
    #[serde(default)]
    pub previous: Option<String>,
    /// How that period is named, e.g. "2014年" / "2014".
    #[serde(default)]
    pub previous_label: String,
    #[serde(default)]
    pub previous_label_en: String,
    #[serde(default = "yes")]
    pub higher_is_better: bool,
    /// A drill target for the tile.
    #[serde(default)]
    pub link: Option<String>,
}

fn yes() -> bool {
    true
}

/// Every dashboard, by name, checked against the catalog.
#[derive(Debug, Clone, Default)]
pub struct Dashboards {
    pub all: BTreeMap<String, Dashboard>,
    /// The filter metadata of each dashboard: the first panel query that
    /// declares the parameter, with the dashboard's default applied.
    pub filters: BTreeMap<String, IndexMap<String, ParamMeta>>,
}

/// Names that are URL path segments: letters, digits, `_` and `-`.
fn is_slug(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl Dashboards {
    /// Loads `dir`, or the embedded copy when `None`, and checks every file
    /// against the catalog. Every problem is reported, not just the first.
    pub fn load(dir: Option<&Path>, catalog: &Catalog) -> anyhow::Result<Dashboards> {
        let mut files: Vec<(String, String)> = Vec::new();
        match dir {
            Some(dir) => {
                let mut paths: Vec<_> = std::fs::read_dir(dir)
                    .with_context(|| format!("cannot read the dashboards folder {}", dir.display()))?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                    .collect();
                paths.sort();
                for p in paths {
                    let name = p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                    let text = std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))?;
                    files.push((name, text));
                }
            }
            None => {
                for f in EMBEDDED.files() {
                    if f.path().extension().is_none_or(|e| e != "toml") {
                        continue;
                    }
                    let name = f.path().file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                    let text = f.contents_utf8().ok_or_else(|| anyhow!("dashboards/{name}.toml is not UTF-8"))?;
                    files.push((name, text.to_string()));
                }
            }
        }
        let mut out = Dashboards::default();
        let mut problems = Vec::new();
        for (name, text) in files {
            let file = format!("dashboards/{name}.toml");
            match parse(&name, &file, &text) {
                Ok(d) => match validate(&d, &file, catalog) {
                    Ok(filters) => {
                        out.filters.insert(name.clone(), filters);
                        out.all.insert(name, d);
                    }
                    Err(mut p) => problems.append(&mut p),
                },
                Err(e) => problems.push(format!("{e:#}")),
            }
        }
        if !problems.is_empty() {
            bail!("{}", problems.join("\n"));
        }
        Ok(out)
    }

    pub fn get(&self, name: &str) -> Option<&Dashboard> {
        self.all.get(name)
    }

    /// The template of a unit's page (`unit = "village"`).
    pub fn for_unit(&self, unit: UnitKind) -> Option<&Dashboard> {
        self.all.values().find(|d| d.unit == Some(unit))
    }

    /// The dashboards listed in the navigation, in order (public pages
    /// have their own).
    pub fn listed(&self) -> Vec<&Dashboard> {
        let mut v: Vec<&Dashboard> = self.all.values().filter(|d| d.unit.is_none() && !d.public).collect();
        v.sort_by_key(|d| (d.order, d.name.clone()));
        v
    }
}

fn parse(name: &str, file: &str, text: &str) -> anyhow::Result<Dashboard> {
    if !is_slug(name) {
        bail!("{file}: the file name must be lower-case letters, digits, _ or - (it is the URL /d/{name})");
    }
    let mut d: Dashboard = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| text[..s.start].matches('\n').count() + 1).unwrap_or(1);
        anyhow!("{file}:{line}: {}", e.message())
    })?;
    d.name = name.to_string();
    Ok(d)
}

/// Checks a dashboard against the catalog; returns its filters' metadata.
fn validate(d: &Dashboard, file: &str, catalog: &Catalog) -> Result<IndexMap<String, ParamMeta>, Vec<String>> {
    let mut problems = Vec::new();
    if d.panels.is_empty() {
        problems.push(format!("{file}: the dashboard has no [[panels]]"));
    }
    let mut ids = std::collections::HashSet::new();
    for (i, p) in d.panels.iter().enumerate() {
        let at = format!("{file}: panel {} ({})", i + 1, if p.id.is_empty() { "no id" } else { &p.id });
        if !is_slug(&p.id) {
            problems.push(format!("{at}: id must be lower-case letters, digits, _ or - (it names the panel in URLs)"));
        }
        if !ids.insert(p.id.clone()) {
            problems.push(format!("{at}: the id is used by an earlier panel"));
        }
        if !(1..=12).contains(&p.width) {
            problems.push(format!("{at}: width {} is outside 1–12 (columns of the grid)", p.width));
        }
        if !(120..=2000).contains(&p.height) {
            problems.push(format!("{at}: height {} is outside 120–2000 pixels", p.height));
        }
        let Some(q) = catalog.get(&p.query) else {
            problems.push(format!("{at}: query {} does not exist in queries/", p.query));
            continue;
        };
        if d.public && !q.meta.public {
            problems.push(format!(
                "{at}: query {} is not public (its metadata lacks public = true); a public page may show only public queries",
                p.query
            ));
        }
        if p.kind == Kind::Tiles {
            if p.tiles.is_empty() {
                problems.push(format!("{at}: a tiles panel needs [[panels.tiles]] entries"));
            }
            for t in &p.tiles {
                need(&mut problems, &at, q, &t.column, "tile");
                if let Some(prev) = &t.previous {
                    need(&mut problems, &at, q, prev, "tile previous");
                }
            }
        } else {
            match &p.x {
                Some(x) => need(&mut problems, &at, q, x, "x"),
                None => problems.push(format!("{at}: x (the category column) is missing")),
            }
            if p.y.is_empty() {
                problems.push(format!("{at}: y (the value columns) is missing"));
            }
            for y in &p.y {
                need(&mut problems, &at, q, y, "y");
            }
            if let Some(c) = &p.x_en {
                need(&mut problems, &at, q, c, "x_en");
            }
            if let Some(c) = &p.series_en {
                need(&mut problems, &at, q, c, "series_en");
            }
            if let Some(s) = &p.series {
                need(&mut problems, &at, q, s, "series");
                if p.y.len() != 1 {
                    problems.push(format!("{at}: with series = \"{s}\", y must name exactly one column"));
                }
            }
            if p.kind == Kind::Heat && p.series.is_none() && p.y.len() < 2 {
                problems.push(format!("{at}: a heat table needs series (its columns) or several y columns"));
            }
        }
        for r in &p.references {
            match (&r.column, r.value) {
                (Some(c), None) => need(&mut problems, &at, q, c, "reference"),
                (None, Some(_)) if !r.zh.is_empty() => {}
                _ => problems.push(format!("{at}: a reference needs either column, or value with zh/en names")),
            }
        }
        if let Some(dr) = &p.drill {
            need(&mut problems, &at, q, &dr.column, "drill");
            match (&dr.to, &dr.filter) {
                (Some(_), None) => {}
                (None, Some(f)) if d.filters.contains(f) => {}
                (None, Some(f)) => problems.push(format!("{at}: drill filter {f} is not one of the dashboard's filters")),
                _ => problems.push(format!("{at}: drill needs either to = \"zone|township|village\" or filter = \"…\"")),
            }
        }
        for c in &p.table {
            need(&mut problems, &at, q, c, "table");
        }
        // Unknown fixed parameters.
        for k in p.params.keys() {
            if !q.meta.params.contains_key(k) {
                let known: Vec<&str> = q.meta.params.keys().map(String::as_str).collect();
                problems.push(format!("{at}: params.{k} is not a parameter of query {} (it has {})", p.query, known.join(", ")));
            } else if let Err(e) = q.meta.params[k].read(k, Some(&toml_text(&p.params[k]))) {
                problems.push(format!("{at}: params.{k}: {e}"));
            }
        }
    }
    // Filters: each must be a parameter of some panel's query, of one type.
    let mut filters = IndexMap::new();
    for f in &d.filters {
        let mut found: Option<ParamMeta> = None;
        for p in &d.panels {
            let Some(meta) = catalog.get(&p.query).and_then(|q| q.meta.params.get(f)) else { continue };
            match &found {
                None => found = Some(meta.clone()),
                Some(m) if m.ty != meta.ty => problems.push(format!(
                    "{file}: filter {f} is a {:?} in one panel's query and a {:?} in panel {}'s",
                    m.ty, meta.ty, p.id
                )),
                Some(_) => {}
            }
        }
        match found {
            None => problems.push(format!("{file}: filter {f} is not a parameter of any panel's query")),
            Some(mut meta) => {
                if let Some(v) = d.defaults.get(f) {
                    meta.default = Some(v.clone());
                    if let Err(e) = meta.read(f, None) {
                        problems.push(format!("{file}: defaults.{f}: {e}"));
                    }
                }
                filters.insert(f.clone(), meta);
            }
        }
    }
    for k in d.defaults.keys() {
        if !d.filters.contains(k) {
            problems.push(format!("{file}: defaults.{k} is not one of the filters"));
        }
    }
    if d.public {
        if d.unit.is_some() || !d.filters.is_empty() {
            problems.push(format!("{file}: a public page has neither unit nor filters (it shows fixed, banner-level aggregates)"));
        }
        if d.name != "public" && !d.name.starts_with("public_") {
            problems.push(format!("{file}: a public page is named public.toml or public_<page>.toml (served at /public, /public/<page>)"));
        }
    }
    if let Some(u) = d.unit {
        match filters.get(u.name()) {
            Some(m) if m.ty == u.param_type() => {}
            _ => problems.push(format!("{file}: unit = \"{}\" needs a filter {} of type {}", u.name(), u.name(), u.name())),
        }
    }
    if problems.is_empty() {
        Ok(filters)
    } else {
        Err(problems)
    }
}

/// Records a problem when a panel names a column its query does not return.
fn need(problems: &mut Vec<String>, at: &str, q: &crate::catalog::Query, c: &str, role: &str) {
    if !q.meta.columns.contains_key(c) {
        let known: Vec<&str> = q.meta.columns.keys().map(String::as_str).collect();
        problems.push(format!("{at}: {role} column {c} is not a column of query {} (it has {})", q.name, known.join(", ")));
    }
}

/// A TOML value as the text a URL would carry.
pub fn toml_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
