//! Charts with categories along a horizontal axis and values up the
//! vertical one: lines, bars (single, grouped, stacked) and stacked areas.
//!
//! Layout, top to bottom: the value axis name (horizontal, readable on a
//! phone), the plot, the category labels (flat, thinned or rotated), the
//! category axis name, the legend band.

use plotters::coord::types::RangedCoordf64;
use plotters::coord::cartesian::Cartesian2d;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::{legend_entries, mark_link, mark_title, reference_style, series_fills};
use crate::charts::axes::{extent, plan_categories, CategoryLabels, ValueAxis};
use crate::charts::format::format_number;
use crate::charts::legend::{self, line_style, reference_dash};
use crate::charts::spec::{Chart, Kind};
use crate::charts::svg::{Anchor, Layer, Look, Shape};
use crate::charts::theme::{fit_text, text_width, Metrics, AXIS, GREY, GRID, INK};
use crate::charts::Area;

type Plot<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Per series and category, the (bottom, top) of a stacked segment:
/// positive values stack up from 0, negative ones down from 0. `None`
/// where the value is missing.
pub(crate) fn stack(chart: &Chart) -> (Vec<Vec<Option<(f64, f64)>>>, Vec<(f64, f64)>) {
    let n = chart.categories.len();
    let mut sums = vec![(0.0, 0.0); n];
    let segments = chart
        .series
        .iter()
        .map(|s| {
            (0..n)
                .map(|i| {
                    let v = s.value(i)?;
                    let (neg, pos) = &mut sums[i];
                    Some(if v >= 0.0 {
                        *pos += v;
                        (*pos - v, *pos)
                    } else {
                        *neg += v;
                        (*neg, *neg - v)
                    })
                })
                .collect()
        })
        .collect();
    (segments, sums)
}

pub(crate) fn draw(root: &Area, layer: &mut Layer, chart: &Chart) -> anyhow::Result<()> {
    let m = Metrics::for_width(chart.width);
    let (w, h) = (f64::from(chart.width), f64::from(chart.height));
    let n = chart.categories.len();
    let kind = chart.kind;
    let stacked = matches!(kind, Kind::StackedBar | Kind::StackedArea);
    let (segments, sums) = if stacked { stack(chart) } else { (Vec::new(), Vec::new()) };

    // The value range: every value (or stack total) and reference.
    let mut all: Vec<f64> = if stacked {
        sums.iter().flat_map(|&(neg, pos)| [neg, pos]).collect()
    } else {
        chart.series.iter().flat_map(|s| (0..n).filter_map(|i| s.value(i))).collect()
    };
    all.extend(chart.references.iter().flat_map(|r| (0..r.values.len()).filter_map(|i| r.value(i))));
    let (mut lo, mut hi) = extent(all);
    let labelled_bars = (kind == Kind::Bar && chart.series.len() == 1) || kind == Kind::StackedBar;
    if labelled_bars {
        // Room above (below) the longest bar for its value label.
        hi *= 1.1;
        lo *= 1.1;
    }

    let entries = legend_entries(chart);
    let legend_h = legend::height(&entries, w, &m);
    let y_title_h = if chart.y_label.is_empty() { 0.0 } else { m.line() };
    let x_title_h = if chart.x_label.is_empty() { 0.0 } else { m.line() };
    let top = 6.0 + y_title_h + m.font * 0.7;
    let guess_h = h - top - legend_h - x_title_h - m.font * 1.7 - 6.0;
    let target = (guess_h / (m.font * 3.0)).floor().clamp(2.0, 6.0) as usize;
    let axis = ValueAxis::new(lo, hi, target);
    let tick_labels = axis.labels(chart.unit);

    let pad = match kind {
        Kind::Line if n > 1 => 0.35,
        Kind::StackedArea if n > 1 => 0.0,
        _ => 0.5,
    };
    let span = (n as f64 - 1.0 + 2.0 * pad).max(1.0);
    let names: Vec<&str> = chart.categories.iter().map(|c| c.label.as_str()).collect();
    let max_band = (h * 0.3).max(m.font * 2.5);
    let mut left = 10.0 + axis.label_width(chart.unit, m.font) + 8.0;
    let mut right = 14.0;
    let max_margin = w * 0.35;
    for _ in 0..3 {
        let slot = (w - left - right).max(20.0) / span;
        let plan = plan_categories(&names, slot, m.font, max_band);
        let widths: Vec<f64> = plan.texts.iter().map(|t| text_width(t, m.font)).collect();
        let first = widths.first().copied().unwrap_or(0.0);
        let last = widths.last().copied().unwrap_or(0.0);
        if plan.rotate == 0.0 {
            left = left.max(first / 2.0 - pad * slot + 6.0);
            right = right.max(last / 2.0 - pad * slot + 6.0);
        } else {
            let longest = widths.iter().copied().fold(0.0, f64::max);
            left = left.max(longest * std::f64::consts::FRAC_1_SQRT_2 - pad * slot + 6.0);
        }
        left = left.min(max_margin);
        right = right.min(max_margin);
    }
    let slot = (w - left - right).max(20.0) / span;
    let plan = plan_categories(&names, slot, m.font, max_band);
    let bottom = (h - legend_h - x_title_h - plan.band - 4.0).max(top + 20.0);

    let plot_area = root.margin(top as i32, (h - bottom).max(0.0) as i32, left as i32, right as i32);
    let x_range = -pad..(n as f64 - 1.0 + pad);
    let cc = ChartBuilder::on(&plot_area).build_cartesian_2d(x_range.clone(), axis.lo..axis.hi)?;
    let (px_left, px_right) = (cc.backend_coord(&(x_range.start, 0.0)).0, cc.backend_coord(&(x_range.end, 0.0)).0);

    // Grid and value labels; the zero line darker.
    for (t, label) in axis.ticks.iter().zip(&tick_labels) {
        let y = cc.backend_coord(&(x_range.start, *t)).1;
        let colour = if *t == 0.0 { AXIS } else { GRID };
        root.draw(&PathElement::new(vec![(px_left, y), (px_right, y)], colour.stroke_width(1)))?;
        layer.text(f64::from(px_left) - 6.0, f64::from(y), label, Look::new(m.font).anchor(Anchor::End).colour(GREY));
    }
    category_labels(&cc, layer, &plan, axis.lo, bottom, &m);
    if y_title_h > 0.0 {
        let text = fit_text(&chart.y_label, m.font, w - 16.0);
        layer.text(8.0, 6.0 + y_title_h / 2.0, &text, Look::new(m.font).colour(GREY));
    }
    if x_title_h > 0.0 {
        let text = fit_text(&chart.x_label, m.font, w - 16.0);
        let cx = f64::from(px_left + px_right) / 2.0;
        layer.text(cx, bottom + plan.band + x_title_h / 2.0, &text, Look::new(m.font).anchor(Anchor::Middle).colour(GREY));
    }

    match kind {
        Kind::Line => {
            references(root, &cc, chart, pad, true)?;
            lines(root, &cc, layer, chart, slot)?;
        }
        Kind::StackedArea => {
            areas(&cc, layer, chart, &segments, pad)?;
            references(root, &cc, chart, pad, true)?;
        }
        Kind::StackedBar => {
            stacked_bars(root, &cc, layer, chart, &segments, &sums, slot, &m)?;
            references(root, &cc, chart, pad, false)?;
        }
        _ => {
            bars(root, &cc, layer, chart, slot, &m)?;
            references(root, &cc, chart, pad, false)?;
        }
    }
    legend::draw(root, layer, &entries, h - legend_h, w, &m)?;
    Ok(())
}

fn category_labels(cc: &Plot, layer: &mut Layer, plan: &CategoryLabels, lo: f64, bottom: f64, m: &Metrics) {
    for (i, text) in plan.texts.iter().enumerate() {
        let x = f64::from(cc.backend_coord(&(i as f64, lo)).0);
        if plan.rotate == 0.0 {
            layer.text(x, bottom + 4.0 + m.font * 0.7, text, Look::new(m.font).anchor(Anchor::Middle).colour(GREY));
        } else {
            let look = Look::new(m.font).anchor(Anchor::End).colour(GREY).rotate(plan.rotate);
            layer.text(x + m.font * 0.3, bottom + m.font * 0.8, text, look);
        }
    }
}

/// Moves a value label centred at `y` above any reference line that would
/// run through it at category `i`.
fn clear_of_references(cc: &Plot, chart: &Chart, i: usize, y: f64, m: &Metrics) -> f64 {
    let mut y = y;
    let mut lines: Vec<f64> = chart
        .references
        .iter()
        .filter_map(|r| if r.values.len() == 1 { r.value(0) } else { r.value(i) })
        .map(|v| f64::from(cc.backend_coord(&(i as f64, v)).1))
        .collect();
    // From the bottom up, so a label pushed above one line is checked
    // against the next.
    lines.sort_by(|a, b| b.total_cmp(a));
    for line in lines {
        if (line - y).abs() < m.font * 0.65 {
            y = line - m.font * 0.75;
        }
    }
    y
}

/// Reference lines: dashed grey. A constant one spans the whole plot; one
/// that varies by category joins its points (lines, areas) or marks each
/// category's slot (bars).
fn references(root: &Area, cc: &Plot, chart: &Chart, pad: f64, joined: bool) -> anyhow::Result<()> {
    let n = chart.categories.len();
    let last = n as f64 - 1.0 + pad;
    for (ri, r) in chart.references.iter().enumerate() {
        let (dash, gap) = reference_dash(ri);
        let points: Vec<(usize, f64)> = (0..n.max(r.values.len())).filter_map(|i| r.value(i).map(|v| (i, v))).collect();
        let Some(&(_, first)) = points.first() else { continue };
        let constant = points.iter().all(|(_, v)| *v == first);
        let mut runs: Vec<Vec<(i32, i32)>> = Vec::new();
        if constant {
            runs.push(vec![cc.backend_coord(&(-pad, first)), cc.backend_coord(&(last, first))]);
        } else if joined {
            let mut run = Vec::new();
            for i in 0..n {
                match r.value(i) {
                    Some(v) => run.push(cc.backend_coord(&(i as f64, v))),
                    None if !run.is_empty() => runs.push(std::mem::take(&mut run)),
                    None => {}
                }
            }
            runs.push(run);
        } else {
            for &(i, v) in points.iter().filter(|(i, _)| *i < n) {
                let x = i as f64;
                runs.push(vec![cc.backend_coord(&(x - 0.45, v)), cc.backend_coord(&(x + 0.45, v))]);
            }
        }
        for run in runs.into_iter().filter(|r| r.len() > 1) {
            root.draw(&DashedPathElement::new(run.into_iter(), dash, gap, reference_style()))?;
        }
    }
    Ok(())
}

fn lines(root: &Area, cc: &Plot, layer: &mut Layer, chart: &Chart, slot: f64) -> anyhow::Result<()> {
    let n = chart.categories.len();
    let hit = (slot * 0.8).clamp(12.0, 26.0);
    for (j, s) in chart.series.iter().enumerate() {
        let (colour, marker, dashed) = line_style(j);
        let style = colour.stroke_width(if j == 0 { 3 } else { 2 });
        // A missing value breaks the line rather than bridging the gap.
        let mut runs: Vec<Vec<(i32, i32)>> = vec![Vec::new()];
        for i in 0..n {
            match s.value(i) {
                Some(v) => runs.last_mut().unwrap().push(cc.backend_coord(&(i as f64, v))),
                None => runs.push(Vec::new()),
            }
        }
        for run in runs.iter().filter(|r| r.len() > 1) {
            if dashed {
                root.draw(&DashedPathElement::new(run.iter().copied(), 10, 5, style))?;
            } else {
                root.draw(&PathElement::new(run.clone(), style))?;
            }
        }
        for i in 0..n {
            let Some(v) = s.value(i) else { continue };
            let p = cc.backend_coord(&(i as f64, v));
            legend::marker(root, marker, p, colour)?;
            let shape = Shape::Rect { x: f64::from(p.0) - hit / 2.0, y: f64::from(p.1) - hit / 2.0, w: hit, h: hit };
            layer.mark(shape, mark_title(chart, j, i, v), mark_link(chart, j, i));
        }
    }
    Ok(())
}

/// Single and grouped bars: series side by side within each category.
fn bars(root: &Area, cc: &Plot, layer: &mut Layer, chart: &Chart, slot: f64, m: &Metrics) -> anyhow::Result<()> {
    let n = chart.categories.len();
    let k = chart.series.len().max(1);
    let colours = series_fills(chart);
    let group = if k == 1 { 0.68 } else { 0.84 };
    let width = group / k as f64;
    let labelled = k == 1
        && chart.series[0].values.iter().flatten().all(|v| text_width(&format_number(*v, chart.unit), m.font) <= slot * 0.95);
    for (j, s) in chart.series.iter().enumerate() {
        for i in 0..n {
            let Some(v) = s.value(i) else { continue };
            let x0 = i as f64 - group / 2.0 + width * j as f64;
            let (a, mut b) = (cc.backend_coord(&(x0, 0.0)), cc.backend_coord(&(x0 + width, v)));
            if k > 1 && b.0 - a.0 > 3 {
                b.0 -= 1; // a hairline between neighbouring bars of a group
            }
            root.draw(&Rectangle::new([a, b], colours[j].filled()))?;
            layer.mark(Shape::rect(a, b), mark_title(chart, j, i, v), mark_link(chart, j, i));
            if labelled {
                let cx = f64::from(a.0 + b.0) / 2.0;
                let y = f64::from(b.1) + if v >= 0.0 { -m.font * 0.7 } else { m.font * 0.7 };
                let y = clear_of_references(cc, chart, i, y, m);
                layer.text(cx, y, &format_number(v, chart.unit), Look::new(m.font).anchor(Anchor::Middle).colour(INK));
            }
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn stacked_bars(
    root: &Area,
    cc: &Plot,
    layer: &mut Layer,
    chart: &Chart,
    segments: &[Vec<Option<(f64, f64)>>],
    sums: &[(f64, f64)],
    slot: f64,
    m: &Metrics,
) -> anyhow::Result<()> {
    let colours = series_fills(chart);
    let half = 0.34;
    for (j, s) in segments.iter().enumerate() {
        for (i, seg) in s.iter().enumerate() {
            let Some((lo, hi)) = *seg else { continue };
            let x = i as f64;
            let (a, b) = (cc.backend_coord(&(x - half, lo)), cc.backend_coord(&(x + half, hi)));
            root.draw(&Rectangle::new([a, b], colours[j].filled()))?;
            // A white hairline between segments keeps them apart in greyscale.
            if a.1 - b.1 > 2 {
                root.draw(&PathElement::new(vec![(a.0, b.1), (b.0, b.1)], WHITE.stroke_width(1)))?;
            }
            let v = chart.series[j].value(i).unwrap_or(hi - lo);
            let (neg, pos) = sums[i];
            let total = format_number(neg + pos, chart.unit);
            let title = match chart.lang {
                crate::lang::Lang::Zh => format!("{}（合计 {total}）", mark_title(chart, j, i, v)),
                crate::lang::Lang::En => format!("{} (total {total})", mark_title(chart, j, i, v)),
            };
            layer.mark(Shape::rect(a, b), title, mark_link(chart, j, i));
        }
    }
    // Totals above the stacks, when every one fits its slot.
    let texts: Vec<String> = sums.iter().map(|(neg, pos)| format_number(neg + pos, chart.unit)).collect();
    if texts.iter().all(|t| text_width(t, m.font) <= slot * 0.95) {
        for (i, ((_, pos), text)) in sums.iter().zip(&texts).enumerate() {
            if segments.iter().all(|s| s[i].is_none()) {
                continue;
            }
            let p = cc.backend_coord(&(i as f64, *pos));
            let y = clear_of_references(cc, chart, i, f64::from(p.1) - m.font * 0.7, m);
            layer.text(f64::from(p.0), y, text, Look::new(m.font).anchor(Anchor::Middle));
        }
    }
    Ok(())
}

fn areas(cc: &Plot, layer: &mut Layer, chart: &Chart, segments: &[Vec<Option<(f64, f64)>>], pad: f64) -> anyhow::Result<()> {
    let n = chart.categories.len();
    let colours = series_fills(chart);
    let last = n as f64 - 1.0 + pad;
    // Missing values add nothing to the stack: the band is 0 thick there.
    let mut base = vec![0.0f64; n];
    let mut bands = Vec::with_capacity(segments.len());
    for s in segments {
        let band: Vec<(f64, f64)> = (0..n)
            .map(|i| match s[i] {
                Some(b) => b,
                None => (base[i], base[i]),
            })
            .collect();
        for (i, b) in band.iter().enumerate() {
            if b.1 > 0.0 {
                base[i] = base[i].max(b.1);
            }
        }
        bands.push(band);
    }
    let xs = |i: usize| -> Vec<f64> {
        if n == 1 {
            vec![-0.3, 0.3]
        } else {
            vec![i as f64]
        }
    };
    for (j, band) in bands.iter().enumerate() {
        let mut points: Vec<(f64, f64)> = Vec::with_capacity(2 * n + 2);
        for (i, b) in band.iter().enumerate() {
            points.extend(xs(i).into_iter().map(|x| (x, b.1)));
        }
        let upper = points.clone();
        for (i, b) in band.iter().enumerate().rev() {
            points.extend(xs(i).into_iter().rev().map(|x| (x, b.0)));
        }
        cc.plotting_area().draw(&Polygon::new(points, colours[j].filled()))?;
        cc.plotting_area().draw(&PathElement::new(upper, WHITE.stroke_width(1)))?;
    }
    for (j, s) in segments.iter().enumerate() {
        for (i, seg) in s.iter().enumerate() {
            let Some((lo, hi)) = *seg else { continue };
            let x = i as f64;
            let a = cc.backend_coord(&((x - 0.5).max(-pad), lo));
            let b = cc.backend_coord(&((x + 0.5).min(last), hi));
            let v = chart.series[j].value(i).unwrap_or(hi - lo);
            layer.mark(Shape::rect(a, b), mark_title(chart, j, i, v), mark_link(chart, j, i));
        }
    }
    Ok(())
}
