//! The legend: a band of its own below the plot, entries flowing left to
//! right and wrapping, so it never covers data. Each entry repeats exactly
//! what identifies its series in the plot: colour and marker (and dash) for
//! lines, the fill for bars and areas, the dash for reference lines.

use plotters::prelude::*;

use super::svg::{Layer, Look, Shape};
use super::theme::{text_width, Metrics, GREY, PALETTE};
use super::Area;

/// What identifies a series in the plot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Swatch {
    /// A line series: its colour, marker shape and dash.
    Line { colour: RGBColor, marker: usize, dashed: bool },
    /// A bar, area or slice fill.
    Fill(RGBColor),
    /// A reference line (dashed grey), the n-th.
    Reference(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub label: String,
    pub swatch: Swatch,
    pub link: Option<String>,
}

const SWATCH: f64 = 26.0;
const GAP: f64 = 6.0;
const SPACING: f64 = 18.0;
const LEFT: f64 = 12.0;

/// Width of one entry: swatch, gap, text.
fn entry_width(label: &str, m: &Metrics) -> f64 {
    SWATCH + GAP + text_width(label, m.font)
}

/// Flows entries left to right, wrapping to a new row when an entry would
/// pass the right edge; returns each entry's left x and row, and the number
/// of rows.
pub(crate) fn layout(labels: &[&str], width: f64, m: &Metrics) -> (Vec<(f64, usize)>, usize) {
    let right = width - 8.0;
    let (mut x, mut row) = (LEFT, 0);
    let mut places = Vec::with_capacity(labels.len());
    for label in labels {
        let w = entry_width(label, m);
        if x > LEFT && x + w > right {
            x = LEFT;
            row += 1;
        }
        places.push((x, row));
        x += w + SPACING;
    }
    let rows = if labels.is_empty() { 0 } else { row + 1 };
    // When equal columns take no more rows than flowing, use them: entries
    // then line up under each other.
    let col_w = labels.iter().map(|l| entry_width(l, m)).fold(0.0, f64::max) + SPACING;
    let cols = ((right - LEFT + SPACING) / col_w).floor() as usize;
    if rows > 1 && cols >= 2 && labels.len().div_ceil(cols) <= rows {
        let grid = (0..labels.len()).map(|i| (LEFT + col_w * (i % cols) as f64, i / cols)).collect();
        return (grid, labels.len().div_ceil(cols));
    }
    (places, rows)
}

/// Longest label that still fits one row of the legend.
fn max_label(width: f64, m: &Metrics) -> f64 {
    (width - LEFT - 8.0 - SWATCH - GAP).max(m.font * 3.0)
}

fn labels(entries: &[Entry], width: f64, m: &Metrics) -> Vec<String> {
    entries.iter().map(|e| super::theme::fit_text(&e.label, m.font, max_label(width, m))).collect()
}

/// Height of the legend band for these entries (0 when there are none).
pub(crate) fn height(entries: &[Entry], width: f64, m: &Metrics) -> f64 {
    if entries.is_empty() {
        return 0.0;
    }
    let labels = labels(entries, width, m);
    let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    let (_, rows) = layout(&refs, width, m);
    8.0 + rows as f64 * m.line()
}

/// Draws the legend band with its top at `top`.
pub(crate) fn draw(root: &Area, layer: &mut Layer, entries: &[Entry], top: f64, width: f64, m: &Metrics) -> anyhow::Result<()> {
    let labels = labels(entries, width, m);
    let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    let (places, _) = layout(&refs, width, m);
    for ((entry, label), (x, row)) in entries.iter().zip(&labels).zip(places) {
        let cy = top + 8.0 + (row as f64 + 0.5) * m.line();
        let (xi, yi) = (x.round() as i32, cy.round() as i32);
        swatch(root, entry.swatch, (xi, yi))?;
        layer.text(x + SWATCH + GAP, cy, label, Look::new(m.font));
        if entry.link.is_some() {
            let w = entry_width(label, m);
            let h = m.line();
            layer.key(Shape::Rect { x, y: cy - h / 2.0, w, h }, entry.label.clone(), entry.link.as_deref());
        }
    }
    Ok(())
}

fn swatch(root: &Area, swatch: Swatch, (x, y): (i32, i32)) -> anyhow::Result<()> {
    let w = SWATCH as i32;
    match swatch {
        Swatch::Line { colour, marker: shape, dashed } => {
            if dashed {
                for i in 0..3 {
                    root.draw(&PathElement::new(vec![(x + i * 9, y), (x + i * 9 + 6, y)], colour.stroke_width(2)))?;
                }
            } else {
                root.draw(&PathElement::new(vec![(x, y), (x + w, y)], colour.stroke_width(2)))?;
            }
            marker(root, shape, (x + w / 2, y), colour)?;
        }
        Swatch::Fill(colour) => {
            root.draw(&Rectangle::new([(x + 4, y - 7), (x + w - 4, y + 7)], colour.filled()))?;
        }
        Swatch::Reference(i) => {
            let (dash, gap) = reference_dash(i);
            let mut at = x;
            while at < x + w {
                root.draw(&PathElement::new(vec![(at, y), ((at + dash).min(x + w), y)], GREY.stroke_width(2)))?;
                at += dash + gap;
            }
        }
    }
    Ok(())
}

/// Dash and gap lengths of the n-th reference line.
pub(crate) fn reference_dash(i: usize) -> (i32, i32) {
    [(8, 5), (3, 4), (12, 4)][i % 3]
}

/// Marker shapes, so lines differ by more than colour: circle, triangle,
/// square, diamond, cross.
pub(crate) const MARKERS: usize = 5;

/// The colour and marker of the i-th line series, and whether it is dashed
/// (from the sixth series on, so every combination stays distinct).
pub(crate) fn line_style(i: usize) -> (RGBColor, usize, bool) {
    (PALETTE[i % PALETTE.len()], i % MARKERS, i >= MARKERS)
}

pub(crate) fn marker(root: &Area, shape: usize, (x, y): (i32, i32), c: RGBColor) -> anyhow::Result<()> {
    match shape % MARKERS {
        0 => root.draw(&Circle::new((x, y), 4, c.filled()))?,
        1 => root.draw(&TriangleMarker::new((x, y), 5, c.filled()))?,
        2 => root.draw(&Rectangle::new([(x - 4, y - 4), (x + 4, y + 4)], c.filled()))?,
        3 => root.draw(&Polygon::new(vec![(x, y - 5), (x + 5, y), (x, y + 5), (x - 5, y)], c.filled()))?,
        _ => root.draw(&Cross::new((x, y), 4, c.stroke_width(2)))?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legend_entries_never_overlap_and_wrap_inside_the_width() {
        let names = ["人均纯收入 Per-capita net income", "贫困线 Poverty line", "全旗 Whole banner", "第一战区 War Zone 1"];
        for width in [360.0, 520.0, 640.0] {
            let m = Metrics::for_width(width as u32);
            let (places, rows) = layout(&names, width, &m);
            assert!(rows >= 2, "long names wrap at {width}");
            for (i, ((x, row), name)) in places.iter().zip(&names).enumerate() {
                let right = x + entry_width(name, &m);
                assert!(right <= width, "entry {i} ends at {right} of {width}");
                if let Some((nx, nrow)) = places.get(i + 1) {
                    assert!(nrow > row || *nx >= right, "entry {} overlaps entry {i}", i + 1);
                }
            }
        }
    }
}
