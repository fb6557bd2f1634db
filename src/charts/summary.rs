//! One sentence that says what a chart shows, generated from its data, in
//! the chart's language: the SVG `<desc>` when the dashboard gives none, and
//! the text beside the chart for readers who cannot see it.

use super::draw::cartesian::stack;
use super::draw::donut::{share_text, slices};
use super::draw::empty::words;
use super::draw::tiles::{change, value_text, versus};
use super::format::{format_number, zh_when};
use super::spec::{Chart, Kind};
use crate::lang::Lang;

/// A one-sentence summary of the chart's data in `chart.lang`.
pub fn summary(chart: &Chart) -> String {
    if chart.is_empty() || (chart.kind == Kind::Donut && slices(chart).is_empty()) {
        return match chart.lang {
            Lang::Zh => format!("{}。", words(Lang::Zh)),
            Lang::En => format!("{}.", words(Lang::En)),
        };
    }
    let text = match chart.kind {
        Kind::Line => trend(chart),
        Kind::Bar | Kind::HBar if chart.series.len() == 1 => ranking(chart),
        Kind::Bar | Kind::HBar | Kind::GroupedBar => grouped(chart),
        Kind::StackedBar | Kind::StackedArea => composition(chart),
        Kind::Donut => shares(chart),
        Kind::Heat => extremes(chart),
        Kind::Tiles => headlines(chart),
    };
    match chart.lang {
        Lang::Zh => format!("{text}。"),
        Lang::En => format!("{text}."),
    }
}

fn fmt(chart: &Chart, v: f64) -> String {
    format_number(v, chart.unit)
}

/// A category as prose: "2017年" in Chinese, "2017" in English.
fn when(chart: &Chart, i: usize) -> String {
    let label = &chart.categories[i].label;
    match chart.lang {
        Lang::Zh => zh_when(label),
        Lang::En => label.clone(),
    }
}

/// The first series from its first to its last value; with several
/// series, which one is highest at the end.
fn trend(chart: &Chart) -> String {
    let n = chart.categories.len();
    let Some((s, points)) = chart
        .series
        .iter()
        .map(|s| (s, (0..n).filter_map(|i| s.value(i).map(|v| (i, v))).collect::<Vec<_>>()))
        .find(|(_, p)| !p.is_empty())
    else {
        return String::new();
    };
    let ((i0, v0), (i1, v1)) = (points[0], points[points.len() - 1]);
    let (a, b) = (fmt(chart, v0), fmt(chart, v1));
    let (c0, c1) = (when(chart, i0), when(chart, i1));
    let name = &s.name;
    let mut out = match (chart.lang, i0 == i1, a == b, v1 > v0) {
        (Lang::Zh, true, _, _) => format!("{name}{c0}为{a}"),
        (Lang::En, true, _, _) => format!("{name} was {a} in {c0}"),
        (Lang::Zh, false, true, _) => format!("{name}由{c0}至{c1}持平，均为{a}"),
        (Lang::En, false, true, _) => format!("{name} held at {a} from {c0} to {c1}"),
        (Lang::Zh, false, false, up) => format!("{name}由{c0}的{a}{}{c1}的{b}", if up { "升至" } else { "降至" }),
        (Lang::En, false, false, up) => format!("{name} {} from {a} in {c0} to {b} in {c1}", if up { "rose" } else { "fell" }),
    };
    if chart.series.len() > 1 {
        let at_end: Vec<(&str, f64)> = chart.series.iter().filter_map(|s| Some((s.name.as_str(), s.value(i1)?))).collect();
        let top = at_end.iter().copied().fold(None, |m: Option<(&str, f64)>, p| if m.is_none_or(|m| p.1 > m.1) { Some(p) } else { m });
        let low = at_end.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
        if let Some((who, v)) = top.filter(|t| fmt(chart, t.1) != fmt(chart, low)) {
            let v = fmt(chart, v);
            out.push_str(&match chart.lang {
                Lang::Zh => format!("；{c1}最高的是{who}（{v}）"),
                Lang::En => format!("; in {c1} the highest was {who} ({v})"),
            });
        }
    }
    out
}

/// Values of the first series from highest to lowest.
fn ranked(chart: &Chart, series: usize) -> Vec<(usize, f64)> {
    let s = &chart.series[series];
    let mut r: Vec<(usize, f64)> = (0..chart.categories.len()).filter_map(|i| s.value(i).map(|v| (i, v))).collect();
    r.sort_by(|a, b| b.1.total_cmp(&a.1));
    r
}

fn ranking(chart: &Chart) -> String {
    let r = ranked(chart, 0);
    let name = |i: usize| when(chart, i);
    let mut out = match chart.lang {
        Lang::Zh => format!("最高的是{}（{}）", name(r[0].0), fmt(chart, r[0].1)),
        Lang::En => format!("Highest: {} ({})", name(r[0].0), fmt(chart, r[0].1)),
    };
    if let Some(&(i, v)) = r.get(1) {
        out.push_str(&match chart.lang {
            Lang::Zh => format!("，其次是{}（{}）", name(i), fmt(chart, v)),
            Lang::En => format!(", then {} ({})", name(i), fmt(chart, v)),
        });
    }
    if r.len() >= 3 {
        let (i, v) = r[r.len() - 1];
        out.push_str(&match chart.lang {
            Lang::Zh => format!("；最低的是{}（{}）", name(i), fmt(chart, v)),
            Lang::En => format!("; lowest: {} ({})", name(i), fmt(chart, v)),
        });
    }
    out
}

/// The last category with any value.
fn last_category(chart: &Chart) -> usize {
    (0..chart.categories.len()).rev().find(|&i| chart.series.iter().any(|s| s.value(i).is_some())).unwrap_or(0)
}

fn grouped(chart: &Chart) -> String {
    let i = last_category(chart);
    let mut vals: Vec<(&str, f64)> = chart.series.iter().filter_map(|s| Some((s.name.as_str(), s.value(i)?))).collect();
    vals.sort_by(|a, b| b.1.total_cmp(&a.1));
    let c = when(chart, i);
    let (top, low) = (vals[0], vals[vals.len() - 1]);
    match chart.lang {
        Lang::Zh => format!("{c}最高的是{}（{}），最低的是{}（{}）", top.0, fmt(chart, top.1), low.0, fmt(chart, low.1)),
        Lang::En => format!("In {c}, the highest was {} ({}) and the lowest {} ({})", top.0, fmt(chart, top.1), low.0, fmt(chart, low.1)),
    }
}

fn composition(chart: &Chart) -> String {
    let i = last_category(chart);
    let (_, sums) = stack(chart);
    let (neg, pos) = sums[i];
    let total = neg + pos;
    let (who, v) = chart
        .series
        .iter()
        .filter_map(|s| Some((s.name.as_str(), s.value(i)?)))
        .fold(("", f64::NEG_INFINITY), |m, p| if p.1 > m.1 { p } else { m });
    let c = when(chart, i);
    let share = if pos > 0.0 && v > 0.0 { Some(share_text(v / pos)) } else { None };
    match (chart.lang, share) {
        (Lang::Zh, Some(p)) => format!("{c}最大的组成部分是{who}（{}，占合计{}的{p}）", fmt(chart, v), fmt(chart, total)),
        (Lang::Zh, None) => format!("{c}最大的组成部分是{who}（{}），合计{}", fmt(chart, v), fmt(chart, total)),
        (Lang::En, Some(p)) => format!("In {c} the largest component was {who} ({}, {p} of the total {})", fmt(chart, v), fmt(chart, total)),
        (Lang::En, None) => format!("In {c} the largest component was {who} ({}; total {})", fmt(chart, v), fmt(chart, total)),
    }
}

fn shares(chart: &Chart) -> String {
    let mut s = slices(chart);
    s.sort_by(|a, b| b.2.total_cmp(&a.2));
    let name = |i: usize| chart.categories[i].label.as_str();
    let mut out = match chart.lang {
        Lang::Zh => format!("{}占比最大（{}）", name(s[0].0), share_text(s[0].2)),
        Lang::En => format!("{} has the largest share ({})", name(s[0].0), share_text(s[0].2)),
    };
    if let Some(&(i, _, p)) = s.get(1) {
        out.push_str(&match chart.lang {
            Lang::Zh => format!("，其次是{}（{}）", name(i), share_text(p)),
            Lang::En => format!(", followed by {} ({})", name(i), share_text(p)),
        });
    }
    out
}

fn extremes(chart: &Chart) -> String {
    let cells: Vec<(usize, usize, f64)> = chart
        .series
        .iter()
        .enumerate()
        .flat_map(|(j, s)| (0..chart.categories.len()).filter_map(move |i| s.value(i).map(|v| (i, j, v))))
        .collect();
    let top = cells.iter().copied().fold(cells[0], |m, c| if c.2 > m.2 { c } else { m });
    let low = cells.iter().copied().fold(cells[0], |m, c| if c.2 < m.2 { c } else { m });
    let cell = |c: (usize, usize, f64), sep: &str| format!("{}{sep}{}", chart.categories[c.0].label, chart.series[c.1].name);
    match chart.lang {
        Lang::Zh => format!("最高的是{}（{}），最低的是{}（{}）", cell(top, "·"), fmt(chart, top.2), cell(low, "·"), fmt(chart, low.2)),
        Lang::En => format!("Highest: {} ({}); lowest: {} ({})", cell(top, " · "), fmt(chart, top.2), cell(low, " · "), fmt(chart, low.2)),
    }
}

fn headlines(chart: &Chart) -> String {
    let parts: Vec<String> = chart
        .tiles
        .iter()
        .take(2)
        .map(|t| {
            let value = value_text(t);
            let vs = versus(t, chart.lang);
            match (chart.lang, change(t, chart.lang)) {
                (Lang::Zh, None) => format!("{}为{value}", t.label),
                (Lang::En, None) => format!("{}: {value}", t.label),
                (Lang::Zh, Some(c)) if c.good.is_none() => format!("{}为{value}，{vs}持平", t.label),
                (Lang::En, Some(c)) if c.good.is_none() => format!("{}: {value}, unchanged {vs}", t.label),
                (Lang::Zh, Some(c)) => {
                    format!("{}为{value}，{vs}{}{}", t.label, if c.delta > 0.0 { "上升" } else { "下降" }, c.text.replace(' ', ""))
                }
                (Lang::En, Some(c)) => format!("{}: {value}, {} {} {vs}", t.label, if c.delta > 0.0 { "up" } else { "down" }, c.text),
            }
        })
        .collect();
    parts.join(match chart.lang {
        Lang::Zh => "；",
        Lang::En => "; ",
    })
}
