//! Every dashboard for every year and every war zone, and every drill-down
//! link they draw, over HTTP as a signed-in admin: only 200s, and no chart
//! says "no data" where its table has numbers to draw.

mod common;

use std::collections::BTreeSet;

use common::{add_user, sample_db, signed_in, spawn_app_with};
use jingzhun::auth::{Role, Scope};
use jingzhun::catalog::params::ParamType;

/// Checks each `<figure>` of a page: a "no data" chart only when its table
/// is empty; returns the drill-down links its charts carry.
fn check_page(url: &str, html: &str) -> Vec<String> {
    let mut links = Vec::new();
    let figures: Vec<&str> = html.split("<figure id=\"").skip(1).collect();
    assert!(!figures.is_empty(), "{url}: no panels");
    for f in figures {
        let id = f.split('"').next().unwrap_or("");
        let rows: usize = f
            .split("（")
            .find_map(|s| s.split(" 行）").next().filter(|n| n.len() < 8).and_then(|n| n.trim().parse().ok()))
            .unwrap_or_else(|| panic!("{url}: panel {id} has no table summary"));
        let no_data = f.contains("暂无数据");
        // A "no data" chart only where there is nothing to draw: no rows,
        // or rows whose every number is zero (a share of nothing).
        let nonzero = f
            .split("<td class=\"num\">")
            .skip(1)
            .filter_map(|c| c.split("</td>").next())
            .any(|c| c.replace(',', "").parse::<f64>().is_ok_and(|v| v != 0.0));
        if no_data {
            assert!(!nonzero, "{url}: panel {id} says no data but its table has numbers");
        } else {
            assert!(rows > 0, "{url}: panel {id} draws a chart from an empty table");
        }
        if let Some(svg) = f.find("<svg").map(|s| &f[s..f.find("</svg>").unwrap_or(f.len())]) {
            links.extend(svg.split("href=\"").skip(1).filter_map(|h| h.split('"').next()).map(|h| h.replace("&amp;", "&").replace("&#x2f;", "/")));
        }
    }
    links
}

#[test]
fn every_dashboard_for_every_year_and_zone_and_every_drill_link_answers() {
    let db = sample_db();
    add_user(&db.path, "walker", Role::Admin, Scope::All, "walk-every-page-1");
    let catalog = jingzhun::catalog::Catalog::load(None).unwrap();
    let boards = jingzhun::dashboards::Dashboards::load(None, &catalog).unwrap();
    let app = spawn_app_with(&db.path, &[]);
    let client = signed_in(&app, "walker", "walk-every-page-1");

    let mut pages = 0;
    let mut links = BTreeSet::new();
    for d in boards.listed() {
        let metas = &boards.filters[&d.name];
        let years: Vec<Option<i64>> = match metas.values().find(|m| m.ty == ParamType::Year) {
            Some(_) => (2014..=2020).map(Some).collect(),
            None => vec![None],
        };
        let zones: Vec<Option<i64>> = match metas.values().find(|m| m.ty == ParamType::Zone) {
            Some(_) => std::iter::once(None).chain((1..=4).map(Some)).collect(),
            None => vec![None],
        };
        let year_name = metas.iter().find(|(_, m)| m.ty == ParamType::Year).map(|(k, _)| k.clone());
        let zone_name = metas.iter().find(|(_, m)| m.ty == ParamType::Zone).map(|(k, _)| k.clone());
        for y in &years {
            for z in &zones {
                let mut qs = Vec::new();
                if let (Some(y), Some(n)) = (y, &year_name) {
                    qs.push(format!("{n}={y}"));
                }
                if let (Some(z), Some(n)) = (z, &zone_name) {
                    qs.push(format!("{n}={z}"));
                }
                let url = format!("/d/{}?{}", d.name, qs.join("&"));
                let r = client.get(app.url(&url)).send().unwrap();
                assert_eq!(r.status(), 200, "{url}");
                links.extend(check_page(&url, &r.text().unwrap()));
                pages += 1;
            }
        }
    }
    assert!(pages >= 200, "{pages} dashboard views walked");
    assert!(links.iter().any(|l| l.starts_with("/village/")) && links.iter().any(|l| l.starts_with("/zone/")));
    for l in &links {
        let r = client.get(app.url(l)).send().unwrap();
        assert_eq!(r.status(), 200, "drill-down link {l}");
        check_page(l, &r.text().unwrap());
    }
    eprintln!("{pages} dashboard views and {} drill-down links answered 200", links.len());
}
