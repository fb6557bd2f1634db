//! Page handlers: each runs its canned queries through the store gateway,
//! shapes the rows into a view and renders a template.

use actix_web::{http::header, HttpRequest, HttpResponse};
use minijinja::{context, Value};
use serde::Serialize;

use super::{State, WebError};
use crate::catalog::{run_query, Query, ResultSet};
use crate::charts::{self, LineChart, Series, Unit};

pub async fn healthz(state: State) -> Result<HttpResponse, WebError> {
    // Healthy means the database answers, not just that the process runs.
    state.db.run(|conn| Ok(conn.query_row("SELECT 1", [], |r| r.get::<_, i32>(0))?)).await?;
    Ok(HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok\n"))
}

/// A headline figure.
#[derive(Serialize)]
struct Tile {
    label: &'static str,
    label_en: &'static str,
    value: String,
    note: String,
}

/// A chart with the table of exactly what it draws.
#[derive(Serialize)]
struct Figure {
    id: &'static str,
    title: String,
    title_en: String,
    summary: String,
    summary_en: String,
    svg: Value,
    table_head: Vec<String>,
    table_rows: Vec<Vec<String>>,
}

fn f64_at(rs: &ResultSet, row: usize, col: &str) -> anyhow::Result<f64> {
    let c = rs.col(col)?;
    rs.rows.get(row).and_then(|r| r[c].as_f64()).ok_or_else(|| anyhow::anyhow!("no value for {col} in row {row}"))
}

pub async fn overview(state: State, req: HttpRequest) -> Result<HttpResponse, WebError> {
    // The page depends only on the data: one ETag and one cache entry per
    // data version.
    let tag = format!("\"overview-{}\"", state.data_version());
    if super::not_modified(&req, &tag) {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, tag)).finish());
    }
    if let Some(hit) = super::cached(&state, &tag) {
        return Ok(hit);
    }
    let queries: Vec<Query> = ["headline", "incidence_by_year", "income_by_year"]
        .iter()
        .map(|n| state.catalog.get(n).cloned().ok_or_else(|| anyhow::anyhow!("query {n} is missing")))
        .collect::<anyhow::Result<_>>()?;
    let (headline, incidence, income) = state
        .db
        .run_limited(state.limits.query_timeout, move |conn| {
            let run = |q: &Query| run_query(conn, q, &[], None).map(|o| o.rs);
            Ok((run(&queries[0])?, run(&queries[1])?, run(&queries[2])?))
        })
        .await?;
    let html = render_overview(&state, &headline, &incidence, &income)?;
    super::tagged(super::remember(&state, &tag, "text/html; charset=utf-8", html.into()), &tag)
}

fn render_overview(state: &State, headline: &ResultSet, incidence: &ResultSet, income: &ResultSet) -> anyhow::Result<String> {
    let h = |c: &str| f64_at(headline, 0, c);
    let mut tiles = vec![
        Tile {
            label: "建档立卡户数",
            label_en: "Registered households",
            value: charts::thousands(h("households")? as i64),
            note: format!("{} 人 people", charts::thousands(h("people")? as i64)),
        },
        Tile {
            label: "已脱贫户数",
            label_en: "Households lifted out",
            value: charts::thousands(h("exited_households")? as i64),
            note: format!("{} 人 people", charts::thousands(h("exited_people")? as i64)),
        },
    ];

    // Incidence: one series per scope, the banner first.
    let (year_c, zone_c, scope_c, scope_en_c, inc_c) = (
        incidence.col("year")?,
        incidence.col("zone_id")?,
        incidence.col("scope")?,
        incidence.col("scope_en")?,
        incidence.col("incidence")?,
    );
    let mut series: Vec<(i64, String, Vec<(f64, f64)>)> = Vec::new();
    for r in &incidence.rows {
        let zone = r[zone_c].as_i64().unwrap_or(0);
        let name = format!("{} {}", r[scope_c].text(), r[scope_en_c].text());
        let point = (r[year_c].as_f64().unwrap_or(0.0), r[inc_c].as_f64().unwrap_or(0.0));
        match series.iter_mut().find(|s| s.0 == zone) {
            Some(s) => s.2.push(point),
            None => series.push((zone, name, vec![point])),
        }
    }
    series.sort_by_key(|s| s.0);
    let banner = series.first().map(|s| s.2.clone()).unwrap_or_default();
    let (first, last) = (banner.first().copied(), banner.last().copied());
    let mut figures = Vec::new();
    if let (Some(first), Some(last)) = (first, last) {
        tiles.push(Tile {
            label: "贫困发生率",
            label_en: "Poverty incidence",
            value: charts::format_number(last.1, Unit::Percent),
            note: format!("{:.0}年 {} → {:.0}年", first.0, charts::format_number(first.1, Unit::Percent), last.0),
        });
        let years: Vec<f64> = banner.iter().map(|p| p.0).collect();
        let mut head = vec!["年度 Year".to_string()];
        head.extend(series.iter().map(|s| s.1.clone()));
        let rows = years
            .iter()
            .map(|y| {
                let mut row = vec![format!("{y:.0}")];
                row.extend(series.iter().map(|s| {
                    s.2.iter().find(|p| p.0 == *y).map(|p| format!("{:.2}%", p.1)).unwrap_or_default()
                }));
                row
            })
            .collect();
        let chart = LineChart {
            title: "贫困发生率（按年度、战区） Poverty incidence by year and war zone".into(),
            x_label: "年度 Year".into(),
            y_label: "贫困发生率 Incidence (%)".into(),
            unit: Unit::Percent,
            series: series.iter().map(|s| Series { name: s.1.clone(), points: s.2.clone(), reference: false }).collect(),
            width: 520,
            height: 400,
        };
        figures.push(Figure {
            id: "incidence",
            title: "贫困发生率（按年度、战区）".into(),
            title_en: "Poverty incidence by year and war zone".into(),
            summary: format!(
                "全旗贫困发生率由{:.0}年的{}降至{:.0}年的{}。",
                first.0,
                charts::format_number(first.1, Unit::Percent),
                last.0,
                charts::format_number(last.1, Unit::Percent)
            ),
            summary_en: format!(
                "The banner's poverty incidence fell from {} in {:.0} to {} in {:.0}.",
                charts::format_number(first.1, Unit::Percent),
                first.0,
                charts::format_number(last.1, Unit::Percent),
                last.0
            ),
            svg: Value::from_safe_string(charts::line_chart(&chart)?),
            table_head: head,
            table_rows: rows,
        });
    }

    // Income against the poverty line.
    let (y_c, inc_c, line_c) = (income.col("year")?, income.col("income_per_capita")?, income.col("poverty_line")?);
    let pts: Vec<(f64, f64)> = income.rows.iter().filter_map(|r| Some((r[y_c].as_f64()?, r[inc_c].as_f64()?))).collect();
    let line: Vec<(f64, f64)> = income.rows.iter().filter_map(|r| Some((r[y_c].as_f64()?, r[line_c].as_f64()?))).collect();
    if let (Some(first), Some(last)) = (pts.first().copied(), pts.last().copied()) {
        tiles.push(Tile {
            label: "人均纯收入",
            label_en: "Per-capita net income",
            value: format!("{} 元", charts::thousands(last.1 as i64)),
            note: format!("{:.0}年 {} 元 → {:.0}年", first.0, charts::thousands(first.1 as i64), last.0),
        });
        let rows = income
            .rows
            .iter()
            .map(|r| {
                vec![
                    r[y_c].text(),
                    r[inc_c].as_f64().map(|v| charts::thousands(v as i64)).unwrap_or_default(),
                    r[line_c].as_f64().map(|v| charts::thousands(v as i64)).unwrap_or_default(),
                ]
            })
            .collect();
        let chart = LineChart {
            title: "人均纯收入与贫困线 Per-capita net income and the poverty line".into(),
            x_label: "年度 Year".into(),
            y_label: "元/人·年 Yuan per person-year".into(),
            unit: Unit::Yuan,
            series: vec![
                Series { name: "人均纯收入 Per-capita net income".into(), points: pts.clone(), reference: false },
                Series { name: "贫困线 Poverty line".into(), points: line, reference: true },
            ],
            width: 520,
            height: 400,
        };
        figures.push(Figure {
            id: "income",
            title: "建档立卡户人均纯收入与贫困线".into(),
            title_en: "Per-capita net income of registered households and the poverty line".into(),
            summary: format!(
                "建档立卡户人均纯收入由{:.0}年的{}元增至{:.0}年的{}元。",
                first.0,
                charts::thousands(first.1 as i64),
                last.0,
                charts::thousands(last.1 as i64)
            ),
            summary_en: format!(
                "Per-capita net income of registered households rose from {} yuan in {:.0} to {} yuan in {:.0}.",
                charts::thousands(first.1 as i64),
                first.0,
                charts::thousands(last.1 as i64),
                last.0
            ),
            svg: Value::from_safe_string(charts::line_chart(&chart)?),
            table_head: vec!["年度 Year".into(), "人均纯收入（元） Income (yuan)".into(), "贫困线（元） Poverty line (yuan)".into()],
            table_rows: rows,
        });
    }
    tiles.push(Tile {
        label: "贫困嘎查村出列",
        label_en: "Poor villages exited",
        value: format!("{} / {}", h("villages_exited")? as i64, h("poor_villages")? as i64),
        note: String::new(),
    });

    let tmpl = state.templates.get_template("overview.html")?;
    Ok(tmpl.render(context! { tiles, figures })?)
}
