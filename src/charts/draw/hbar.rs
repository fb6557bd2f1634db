//! Horizontal bars for rankings ("top 20 villages"): categories in the
//! order given, the first at the top, their names at the left where long
//! village names have room, and each bar's value at its end.

use plotters::coord::types::RangedCoordf64;
use plotters::coord::cartesian::Cartesian2d;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::{legend_entries, mark_link, mark_title, reference_style, series_fills};
use crate::charts::axes::{extent, ValueAxis};
use crate::charts::format::format_number;
use crate::charts::legend::{self, reference_dash};
use crate::charts::spec::Chart;
use crate::charts::svg::{Anchor, Layer, Look, Shape};
use crate::charts::theme::{fit_text, text_width, Metrics, AXIS, GREY, GRID};
use crate::charts::Area;

type Plot<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

pub(crate) fn draw(root: &Area, layer: &mut Layer, chart: &Chart) -> anyhow::Result<()> {
    let m = Metrics::for_width(chart.width);
    let (w, h) = (f64::from(chart.width), f64::from(chart.height));
    let n = chart.categories.len();
    let k = chart.series.len().max(1);

    let mut all: Vec<f64> = chart.series.iter().flat_map(|s| (0..n).filter_map(|i| s.value(i))).collect();
    all.extend(chart.references.iter().flat_map(|r| (0..r.values.len()).filter_map(|i| r.value(i))));
    let (lo, hi) = extent(all);

    let entries = legend_entries(chart);
    let legend_h = legend::height(&entries, w, &m);
    let cat_title_h = if chart.x_label.is_empty() { 0.0 } else { m.line() };
    let value_title_h = if chart.y_label.is_empty() { 0.0 } else { m.line() };
    let top = 6.0 + cat_title_h + 4.0;
    let bottom = (h - legend_h - value_title_h - m.font * 1.7 - 4.0).max(top + 20.0);

    // Rows: the label font shrinks a little on crowded charts, and labels
    // are thinned only when even that would not keep them apart.
    let slot = (bottom - top) / n.max(1) as f64;
    let font = m.font.min(slot * 0.8).max(10.0);
    let every = (font * 1.1 / slot).ceil().max(1.0) as usize;

    // Category names at the left, cut to at most 40 % of the width.
    let widest = chart.categories.iter().map(|c| text_width(&c.label, font)).fold(0.0, f64::max);
    let label_w = widest.min(w * 0.4);
    let left = 8.0 + label_w + 8.0;

    // Value labels at the bar ends need room at the right (and, for
    // negative bars, are written just right of the zero line).
    let value_texts: Vec<Vec<Option<String>>> = chart
        .series
        .iter()
        .map(|s| (0..n).map(|i| s.value(i).map(|v| format_number(v, chart.unit))).collect())
        .collect();
    let labelled = k == 1 && slot >= font * 0.9;
    let widest_value = value_texts.iter().flatten().flatten().map(|t| text_width(t, font)).fold(0.0, f64::max);
    let right = if labelled { widest_value + 12.0 } else { 16.0 }.max(16.0);

    let plot_w = w - left - right;
    let target = (plot_w / (m.font * 5.0)).floor().clamp(2.0, 6.0) as usize;
    let axis = ValueAxis::new(lo, hi, target);
    let plot_area = root.margin(top as i32, (h - bottom).max(0.0) as i32, left as i32, right.min(w * 0.4) as i32);
    let cc = ChartBuilder::on(&plot_area).build_cartesian_2d(axis.lo..axis.hi, -0.5..(n as f64 - 0.5))?;
    let row_y = |i: usize| (n - 1 - i) as f64;
    let (py_top, py_bottom) = (cc.backend_coord(&(0.0, n as f64 - 0.5)).1, cc.backend_coord(&(0.0, -0.5)).1);

    // Value axis: vertical grid lines and their labels below the plot.
    let labels = axis.labels(chart.unit);
    let widest_tick = labels.iter().map(|l| text_width(l, m.font)).fold(0.0, f64::max);
    let tick_px = f64::from(cc.backend_coord(&(axis.hi, 0.0)).0 - cc.backend_coord(&(axis.lo, 0.0)).0)
        / (axis.ticks.len().max(2) - 1) as f64;
    let tick_every = ((widest_tick + m.font) / tick_px.max(1.0)).ceil().max(1.0) as usize;
    for (ti, (t, label)) in axis.ticks.iter().zip(&labels).enumerate() {
        let x = cc.backend_coord(&(*t, 0.0)).0;
        let colour = if *t == 0.0 { AXIS } else { GRID };
        root.draw(&PathElement::new(vec![(x, py_top), (x, py_bottom)], colour.stroke_width(1)))?;
        if ti % tick_every == 0 {
            layer.text(f64::from(x), bottom + 4.0 + m.font * 0.7, label, Look::new(m.font).anchor(Anchor::Middle).colour(GREY));
        }
    }

    let colours = series_fills(chart);
    let group = if k == 1 { 0.7 } else { 0.84 };
    let thick = group / k as f64;
    for (i, c) in chart.categories.iter().enumerate() {
        let y = row_y(i);
        if i % every == 0 {
            let p = cc.backend_coord(&(axis.lo, y));
            let text = fit_text(&c.label, font, label_w);
            layer.text(left - 8.0, f64::from(p.1), &text, Look::new(font).anchor(Anchor::End));
        }
        for (j, s) in chart.series.iter().enumerate() {
            let Some(v) = s.value(i) else { continue };
            // The first series on top within its row.
            let y0 = y + group / 2.0 - thick * j as f64;
            let (a, mut b) = (cc.backend_coord(&(0.0, y0)), cc.backend_coord(&(v, y0 - thick)));
            if k > 1 && b.1 - a.1 > 3 {
                b.1 -= 1;
            }
            root.draw(&Rectangle::new([a, b], colours[j].filled()))?;
            layer.mark(Shape::rect(a, b), mark_title(chart, j, i, v), mark_link(chart, j, i));
            if labelled {
                if let Some(text) = &value_texts[j][i] {
                    let cy = f64::from(a.1 + b.1) / 2.0;
                    let x = if v >= 0.0 { f64::from(b.0) + 4.0 } else { f64::from(a.0) + 4.0 };
                    layer.text(x, cy, text, Look::new(font));
                }
            }
        }
    }
    references(root, &cc, chart)?;

    if cat_title_h > 0.0 {
        let text = fit_text(&chart.x_label, m.font, w - 16.0);
        layer.text(8.0, 6.0 + cat_title_h / 2.0, &text, Look::new(m.font).colour(GREY));
    }
    if value_title_h > 0.0 {
        let text = fit_text(&chart.y_label, m.font, w - 16.0);
        let cx = f64::from(cc.backend_coord(&(axis.lo, 0.0)).0 + cc.backend_coord(&(axis.hi, 0.0)).0) / 2.0;
        let y = bottom + m.font * 1.7 + value_title_h / 2.0;
        layer.text(cx, y, &text, Look::new(m.font).anchor(Anchor::Middle).colour(GREY));
    }
    legend::draw(root, layer, &entries, h - legend_h, w, &m)?;
    Ok(())
}

/// Reference lines run down the value axis: a constant one across all
/// rows, one that varies by category across its own row.
fn references(root: &Area, cc: &Plot, chart: &Chart) -> anyhow::Result<()> {
    let n = chart.categories.len();
    for (ri, r) in chart.references.iter().enumerate() {
        let (dash, gap) = reference_dash(ri);
        let points: Vec<(usize, f64)> = (0..n.max(r.values.len())).filter_map(|i| r.value(i).map(|v| (i, v))).collect();
        let Some(&(_, first)) = points.first() else { continue };
        let runs: Vec<[(i32, i32); 2]> = if points.iter().all(|(_, v)| *v == first) {
            vec![[cc.backend_coord(&(first, -0.5)), cc.backend_coord(&(first, n as f64 - 0.5))]]
        } else {
            points
                .iter()
                .filter(|(i, _)| *i < n)
                .map(|&(i, v)| {
                    let y = (n - 1 - i) as f64;
                    [cc.backend_coord(&(v, y - 0.45)), cc.backend_coord(&(v, y + 0.45))]
                })
                .collect()
        };
        for run in runs {
            root.draw(&DashedPathElement::new(run.into_iter(), dash, gap, reference_style()))?;
        }
    }
    Ok(())
}
