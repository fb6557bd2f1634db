//! From query rows to what a panel shows: the chart spec, its SVG, the
//! one-sentence summary and the table of exactly the rows drawn. Pure: no
//! IO, so every mapping is unit-tested on rows made in the test.

use super::{Panel, TileSpec};
use crate::catalog::{Cell, Query, ResultSet};
use crate::charts::spec::{Category, Chart, Reference, Series, Tile};
use crate::charts::{self, Kind, Unit};
use crate::lang::Lang;

/// One rendered panel.
#[derive(Debug, Clone)]
pub struct PanelView {
    pub id: String,
    pub title: String,
    pub width: u8,
    pub chart: Chart,
    pub svg: String,
    pub summary: String,
    /// The table behind the chart: column names, labels and exact values.
    pub columns: Vec<String>,
    pub head: Vec<String>,
    pub numeric: Vec<bool>,
    pub rows: Vec<Vec<String>>,
    /// The rows as the query returned them, for CSV and XLSX.
    pub data: ResultSet,
}

/// A column's label in a language, with its unit: "贫困发生率（%）".
pub fn column_label(q: &Query, col: &str, lang: Lang, with_unit: bool) -> String {
    match q.meta.columns.get(col) {
        Some(m) => {
            let label = lang.pick(&m.zh, &m.en).to_string();
            match (&m.unit, with_unit) {
                (Some(u), true) if !u.is_empty() => match lang {
                    Lang::Zh => format!("{label}（{u}）"),
                    Lang::En => format!("{label} ({})", unit_en(u)),
                },
                _ => label,
            }
        }
        None => col.to_string(),
    }
}

/// Units in English.
pub fn unit_en(u: &str) -> &str {
    match u {
        "元" => "yuan",
        "万元" => "10k yuan",
        "户" => "households",
        "人" => "people",
        "个" => "count",
        "次" => "times",
        "笔" => "loans",
        "天" => "days",
        other => other,
    }
}

fn column_unit(q: &Query, col: &str) -> Option<String> {
    q.meta.columns.get(col).and_then(|m| m.unit.clone())
}

/// A value as the table behind a chart shows it: exact, at most two
/// decimals, with thousands separators when `grouped` (measures, not years
/// or codes).
pub fn exact(cell: &Cell, grouped: bool) -> String {
    match cell {
        Cell::Int(i) if grouped => charts::thousands(*i),
        Cell::Float(f) if f.is_finite() && !grouped => {
            let s = format!("{:.2}", f);
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
        Cell::Float(f) if f.is_finite() => {
            let s = format!("{:.2}", f);
            let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
            let whole = int.parse::<i64>().map(charts::thousands).unwrap_or_else(|_| int.to_string());
            let whole = if int.starts_with("-0") { format!("-{whole}") } else { whole };
            let frac = frac.trim_end_matches('0');
            if frac.is_empty() {
                whole
            } else {
                format!("{whole}.{frac}")
            }
        }
        other => other.text(),
    }
}

/// The width a panel's chart is drawn at, by its share of the 12-column
/// grid. Charts scale to their box, so this sets how large text reads: a
/// half-width chart drawn at 480 pixels keeps 12-pixel labels on a phone.
pub fn chart_width(columns: u8) -> u32 {
    match columns {
        0..=4 => 400,
        5..=8 => 480,
        _ => 960,
    }
}

/// Builds one panel's view from its query's rows. `link` turns a drill
/// column's value into a URL (`None`: no link).
pub fn build_panel(panel: &Panel, q: &Query, rs: &ResultSet, lang: Lang, link: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<PanelView> {
    let title = lang.pick(&panel.title, &panel.title_en).to_string();
    let mut chart = Chart::new(panel.kind, title.clone());
    chart.width = chart_width(panel.width);
    chart.height = panel.height;
    chart.lang = lang;
    let first_y = panel.y.first().map(String::as_str).unwrap_or("");
    let unit_text = panel.unit.clone().or_else(|| column_unit(q, first_y)).unwrap_or_default();
    chart.unit = Unit::from_column(&unit_text);
    if panel.kind == Kind::Tiles {
        chart.tiles = tiles(panel, q, rs, lang, link)?;
    } else {
        fill_series(&mut chart, panel, q, rs, lang, link)?;
        chart.x_label = panel.x.as_deref().map(|x| column_label(q, x, lang, false)).unwrap_or_default();
        chart.y_label = if panel.series.is_some() || panel.y.len() == 1 {
            column_label(q, first_y, lang, true)
        } else {
            match lang {
                Lang::Zh => unit_text.clone(),
                Lang::En => unit_en(&unit_text).to_string(),
            }
        };
    }
    let summary = charts::summary(&chart);
    chart.desc = summary.clone();
    let svg = charts::render(&chart)?;
    let columns: Vec<String> = if panel.table.is_empty() {
        // Where a column has an English twin (x_en, series_en), the table
        // shows the one in the page's language.
        let pairs = [(&panel.x, &panel.x_en), (&panel.series, &panel.series_en)];
        let hidden: Vec<&String> = pairs
            .iter()
            .filter_map(|(zh, en)| match (zh, en) {
                (Some(zh), Some(en)) if zh != en => Some(if lang == Lang::En { zh } else { en }),
                _ => None,
            })
            .collect();
        rs.columns.iter().filter(|c| !hidden.contains(c)).cloned().collect()
    } else {
        panel.table.clone()
    };
    let idx: Vec<usize> = columns.iter().map(|c| rs.col(c)).collect::<anyhow::Result<_>>()?;
    let head = columns.iter().map(|c| column_label(q, c, lang, true)).collect();
    let numeric = idx
        .iter()
        .map(|&i| rs.rows.iter().any(|r| matches!(r[i], Cell::Int(_) | Cell::Float(_))))
        .collect();
    let grouped: Vec<bool> = columns.iter().map(|c| column_unit(q, c).is_some()).collect();
    let rows = rs.rows.iter().map(|r| idx.iter().zip(&grouped).map(|(&i, &g)| exact(&r[i], g)).collect()).collect();
    let data = ResultSet { columns: columns.clone(), rows: rs.rows.iter().map(|r| idx.iter().map(|&i| r[i].clone()).collect()).collect() };
    Ok(PanelView { id: panel.id.clone(), title, width: panel.width, chart, svg, summary, columns, head, numeric, rows, data })
}

fn tiles(panel: &Panel, q: &Query, rs: &ResultSet, lang: Lang, link: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Vec<Tile>> {
    let Some(row) = rs.rows.first() else { return Ok(Vec::new()) };
    let value = |c: &str| -> anyhow::Result<Option<f64>> { Ok(row[rs.col(c)?].as_f64()) };
    panel
        .tiles
        .iter()
        .map(|t: &TileSpec| {
            Ok(Tile {
                label: column_label(q, &t.column, lang, false),
                value: value(&t.column)?,
                unit: Unit::from_column(&column_unit(q, &t.column).unwrap_or_default()),
                previous: match &t.previous {
                    Some(p) => value(p)?,
                    None => None,
                },
                previous_label: lang.pick(&t.previous_label, &t.previous_label_en).to_string(),
                higher_is_better: t.higher_is_better,
                link: t.link.as_deref().and_then(|l| link(l)).or_else(|| t.link.clone().filter(|l| l.starts_with('/'))),
            })
        })
        .collect()
}

/// Categories, series and references from rows: wide (one series per `y`
/// column) or long (one series per distinct value of `series`).
fn fill_series(chart: &mut Chart, panel: &Panel, q: &Query, rs: &ResultSet, lang: Lang, link: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<()> {
    let x = rs.col(panel.x.as_deref().unwrap_or_default())?;
    // Text shown for a category or series: the English column with ?lang=en.
    let x_text = match (&panel.x_en, lang) {
        (Some(c), Lang::En) => rs.col(c)?,
        _ => x,
    };
    let drill = match &panel.drill {
        Some(d) => Some((rs.col(&d.column)?, d.on_series)),
        None => None,
    };
    // Categories in the order the query returns them.
    let mut cat_index: indexmap::IndexMap<String, usize> = indexmap::IndexMap::new();
    for r in &rs.rows {
        let label = r[x].text();
        if !cat_index.contains_key(&label) {
            let i = cat_index.len();
            cat_index.insert(label.clone(), i);
            let href = match drill {
                Some((d, false)) => link(&r[d].text()),
                _ => None,
            };
            chart.categories.push(Category { label: r[x_text].text(), link: href });
        }
    }
    let n = chart.categories.len();
    match &panel.series {
        Some(scol) => {
            let s = rs.col(scol)?;
            let s_text = match (&panel.series_en, lang) {
                (Some(c), Lang::En) => rs.col(c)?,
                _ => s,
            };
            let y = rs.col(&panel.y[0])?;
            let mut series_index: indexmap::IndexMap<String, usize> = indexmap::IndexMap::new();
            for r in &rs.rows {
                let name = r[s].text();
                let si = match series_index.get(&name) {
                    Some(&i) => i,
                    None => {
                        let i = series_index.len();
                        series_index.insert(name.clone(), i);
                        let href = match drill {
                            Some((d, true)) => link(&r[d].text()),
                            _ => None,
                        };
                        chart.series.push(Series { name: r[s_text].text(), values: vec![None; n], link: href });
                        i
                    }
                };
                let ci = cat_index[&r[x].text()];
                chart.series[si].values[ci] = r[y].as_f64();
            }
        }
        None => {
            for ycol in &panel.y {
                let y = rs.col(ycol)?;
                let mut values = vec![None; n];
                for r in &rs.rows {
                    let ci = cat_index[&r[x].text()];
                    if values[ci].is_none() {
                        values[ci] = r[y].as_f64();
                    }
                }
                chart.series.push(Series { name: column_label(q, ycol, lang, false), values, link: None });
            }
        }
    }
    for r in &panel.references {
        match (&r.column, r.value) {
            (Some(c), _) => {
                let ci = rs.col(c)?;
                let mut values = vec![None; n];
                for row in &rs.rows {
                    let i = cat_index[&row[x].text()];
                    if values[i].is_none() {
                        values[i] = row[ci].as_f64();
                    }
                }
                chart.references.push(Reference { name: column_label(q, c, lang, false), values });
            }
            (None, Some(v)) => chart.references.push(Reference::constant(lang.pick(&r.zh, &r.en), v, n)),
            (None, None) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::parse_query;

    fn query() -> Query {
        parse_query(
            "t",
            "queries/t.sql",
            r#"/*
title = "t"
title_en = "t"
[columns]
year = { zh = "年度", en = "Year" }
zone_id = { zh = "战区编号", en = "Zone" }
zone = { zh = "战区", en = "War zone" }
incidence = { zh = "贫困发生率", en = "Poverty incidence", unit = "%" }
line = { zh = "贫困线", en = "Poverty line", unit = "元" }
*/
SELECT 1"#,
        )
        .unwrap()
    }

    fn rows() -> ResultSet {
        let mut rows = Vec::new();
        for (zid, zone) in [(1, "第一战区"), (2, "第二战区 <b>")] {
            for y in 2014..=2016 {
                rows.push(vec![
                    Cell::Int(y),
                    Cell::Int(zid),
                    Cell::Text(zone.into()),
                    Cell::Float(10.0 - (y - 2014) as f64 * 3.0 - zid as f64),
                    Cell::Float(2800.0 + (y - 2014) as f64 * 100.0),
                ]);
            }
        }
        ResultSet { columns: ["year", "zone_id", "zone", "incidence", "line"].map(String::from).to_vec(), rows }
    }

    fn panel(toml_text: &str) -> Panel {
        toml::from_str(toml_text).unwrap()
    }

    #[test]
    fn long_rows_become_one_series_per_value_with_links() {
        let p = panel(
            r#"id = "a"
title = "发生率"
title_en = "Incidence"
query = "t"
kind = "line"
x = "year"
y = ["incidence"]
series = "zone"
drill = { column = "zone_id", to = "zone", on_series = true }
references = [{ column = "line" }, { value = 5, zh = "目标", en = "Target" }]"#,
        );
        let v = build_panel(&p, &query(), &rows(), Lang::Zh, &|id| Some(format!("/zone/{id}"))).unwrap();
        let labels: Vec<&str> = v.chart.categories.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["2014", "2015", "2016"]);
        assert_eq!(v.chart.series.len(), 2);
        assert_eq!(v.chart.series[1].name, "第二战区 <b>");
        assert_eq!(v.chart.series[1].link.as_deref(), Some("/zone/2"));
        assert_eq!(v.chart.series[0].values, vec![Some(9.0), Some(6.0), Some(3.0)]);
        assert_eq!(v.chart.references[0].name, "贫困线");
        assert_eq!(v.chart.references[0].values, vec![Some(2800.0), Some(2900.0), Some(3000.0)]);
        assert_eq!(v.chart.references[1].values, vec![Some(5.0); 3]);
        assert_eq!(v.chart.unit, Unit::Percent);
        assert_eq!(v.chart.y_label, "贫困发生率（%）");
        assert_eq!(v.rows.len(), 6, "the table holds every row drawn");
        assert!(v.svg.starts_with("<svg"));
        assert!(!v.svg.contains("<b>"), "names are escaped in the SVG");
    }

    #[test]
    fn wide_rows_become_one_series_per_column_in_english() {
        let p = panel(
            "id = \"b\"\ntitle = \"收入\"\ntitle_en = \"Income\"\nquery = \"t\"\nkind = \"line\"\nx = \"year\"\ny = [\"incidence\", \"line\"]\ntable = [\"year\", \"line\"]",
        );
        let v = build_panel(&p, &query(), &rows(), Lang::En, &|_| None).unwrap();
        assert_eq!(v.title, "Income");
        let names: Vec<&str> = v.chart.series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Poverty incidence", "Poverty line"]);
        assert_eq!(v.head, ["Year", "Poverty line (yuan)"]);
        assert_eq!(v.rows[0], ["2014", "2,800"], "years plain, measures grouped");
        assert_eq!(v.data.columns, ["year", "line"]);
    }

    #[test]
    fn exact_values_keep_their_decimals() {
        assert_eq!(exact(&Cell::Float(12345.678), true), "12,345.68");
        assert_eq!(exact(&Cell::Float(8.4), true), "8.4");
        assert_eq!(exact(&Cell::Float(-0.5), true), "-0.5");
        assert_eq!(exact(&Cell::Float(3.0), true), "3");
        assert_eq!(exact(&Cell::Int(21654), true), "21,654");
        assert_eq!(exact(&Cell::Int(2014), false), "2014");
        assert_eq!(exact(&Cell::Float(12345.678), false), "12345.68");
        assert_eq!(exact(&Cell::Null, true), "");
    }
}
