//! One drawing function per family of chart kinds. Each draws shapes with
//! plotters on the root area and records its text and its overlay marks in
//! the [`Layer`](super::svg::Layer).

pub(crate) mod cartesian;
pub(crate) mod donut;
pub(crate) mod empty;
pub(crate) mod hbar;
pub(crate) mod heat;
pub(crate) mod tiles;

use plotters::prelude::*;

use super::format::format_exact;
use super::legend::{self, Entry, Swatch};
use super::spec::{Chart, Kind};
use super::theme::{fills, GREY};

/// The hover title of one data mark: "第一战区 · 2017: 3.21%".
pub(crate) fn mark_title(chart: &Chart, series: usize, category: usize, v: f64) -> String {
    let cat = chart.categories.get(category).map_or("", |c| c.label.as_str());
    let name = chart.series.get(series).map_or("", |s| s.name.as_str());
    let value = format_exact(v, chart.unit);
    if name.is_empty() || (chart.series.len() == 1 && matches!(chart.kind, Kind::Bar | Kind::HBar | Kind::Donut)) {
        format!("{cat}: {value}")
    } else {
        format!("{name} · {cat}: {value}")
    }
}

/// Where a click on a mark leads: its category's link, else its series'.
pub(crate) fn mark_link(chart: &Chart, series: usize, category: usize) -> Option<&str> {
    chart
        .categories
        .get(category)
        .and_then(|c| c.link.as_deref())
        .or_else(|| chart.series.get(series).and_then(|s| s.link.as_deref()))
}

/// Fill colours of the series of a bar or area chart.
pub(crate) fn series_fills(chart: &Chart) -> Vec<RGBColor> {
    fills(chart.series.len())
}

/// Legend entries of a chart with an x and a y axis: every series (a lone
/// bar series only when reference lines need naming beside it), then the
/// reference lines.
pub(crate) fn legend_entries(chart: &Chart) -> Vec<Entry> {
    let mut entries = Vec::new();
    let show_series = chart.kind == Kind::Line || chart.series.len() > 1 || !chart.references.is_empty();
    if show_series {
        let colours = series_fills(chart);
        for (i, s) in chart.series.iter().enumerate() {
            let swatch = if chart.kind == Kind::Line {
                let (colour, marker, dashed) = legend::line_style(i);
                Swatch::Line { colour, marker, dashed }
            } else {
                Swatch::Fill(colours[i])
            };
            entries.push(Entry { label: s.name.clone(), swatch, link: s.link.clone() });
        }
    }
    for (i, r) in chart.references.iter().enumerate() {
        entries.push(Entry { label: r.name.clone(), swatch: Swatch::Reference(i), link: None });
    }
    entries
}

/// The style of the i-th reference line.
pub(crate) fn reference_style() -> ShapeStyle {
    GREY.stroke_width(2)
}
