//! Heat table: categories are rows (war zones), series are columns
//! (measure categories). Each cell is coloured on a one-hue scale whose
//! lightness follows the value (so it survives greyscale) and carries its
//! value in a contrasting colour. A scale bar below names both ends.

use plotters::prelude::*;

use super::{mark_link, mark_title};
use crate::charts::axes::extent;
use crate::charts::format::format_number;
use crate::charts::spec::Chart;
use crate::charts::svg::{Anchor, Layer, Look, Shape};
use crate::charts::theme::{fit_text, heat_colour, ink_on, text_width, Metrics, GREY, PAPER};
use crate::charts::Area;
use crate::lang::Lang;

/// Where a value falls on the colour scale: 0.12 for the smallest (light
/// but still visible on white) to 1 for the largest.
pub(crate) fn scale(v: f64, lo: f64, hi: f64) -> f64 {
    if hi - lo <= f64::EPSILON {
        0.55
    } else {
        0.12 + 0.88 * (v - lo) / (hi - lo)
    }
}

/// How the column headers fit: one line, two lines, or rotated.
enum Headers {
    Flat(Vec<Vec<String>>),
    Rotated(Vec<String>),
}

fn split_two(label: &str) -> (String, String) {
    // Break at a space when there is one near the middle, else mid-way.
    let chars: Vec<char> = label.chars().collect();
    let mid = chars.len().div_ceil(2);
    if let Some(sp) = label.char_indices().filter(|(_, c)| *c == ' ').map(|(i, _)| label[..i].chars().count()).min_by_key(|i| i.abs_diff(mid)) {
        let (a, b) = chars.split_at(sp);
        return (a.iter().collect(), b[1..].iter().collect());
    }
    let (a, b) = chars.split_at(mid);
    (a.iter().collect(), b.iter().collect())
}

fn plan_headers(names: &[&str], col_w: f64, px: f64, max_h: f64) -> (Headers, f64) {
    let room = col_w - 6.0;
    if names.iter().all(|n| text_width(n, px) <= room) {
        return (Headers::Flat(names.iter().map(|n| vec![n.to_string()]).collect()), px * 1.6);
    }
    let two: Vec<(String, String)> = names.iter().map(|n| split_two(n)).collect();
    if two.iter().all(|(a, b)| text_width(a, px).max(text_width(b, px)) <= room) {
        return (Headers::Flat(two.into_iter().map(|(a, b)| vec![a, b]).collect()), px * 2.8);
    }
    let max_text = ((max_h - px) / std::f64::consts::FRAC_1_SQRT_2).max(px * 3.0);
    let texts: Vec<String> = names.iter().map(|n| fit_text(n, px, max_text)).collect();
    let longest = texts.iter().map(|t| text_width(t, px)).fold(0.0, f64::max);
    (Headers::Rotated(texts), longest * std::f64::consts::FRAC_1_SQRT_2 + px * 1.2)
}

/// The table as drawn: categories as rows and series as columns, or the
/// other way round when the columns are too narrow for their values (nine
/// measure categories on a phone) and turning the table makes them fit.
struct Grid<'c> {
    chart: &'c Chart,
    transposed: bool,
}

impl Grid<'_> {
    fn row_labels(&self) -> Vec<&str> {
        if self.transposed {
            self.chart.series.iter().map(|s| s.name.as_str()).collect()
        } else {
            self.chart.categories.iter().map(|c| c.label.as_str()).collect()
        }
    }
    fn col_labels(&self) -> Vec<&str> {
        if self.transposed {
            self.chart.categories.iter().map(|c| c.label.as_str()).collect()
        } else {
            self.chart.series.iter().map(|s| s.name.as_str()).collect()
        }
    }
    /// (series, category) of a cell.
    fn cell(&self, r: usize, c: usize) -> (usize, usize) {
        if self.transposed {
            (r, c)
        } else {
            (c, r)
        }
    }
    /// The names of the row dimension (top-left corner) and of the column
    /// dimension (above the headers).
    fn names(&self) -> (&str, &str) {
        let (x, y) = (self.chart.x_label.as_str(), self.chart.y_label.as_str());
        if self.transposed {
            (y, x)
        } else {
            (x, y)
        }
    }
}

struct Layout {
    left: f64,
    row_label_w: f64,
    col_w: f64,
    headers: Headers,
    header_h: f64,
    top: f64,
    row_h: f64,
    cell_font: f64,
    /// Whether every value fits its cell.
    fits: bool,
}

fn layout(grid: &Grid, m: &Metrics, w: f64, h: f64) -> Layout {
    let chart = grid.chart;
    let (rows, cols) = (grid.row_labels(), grid.col_labels());
    let (corner, over) = grid.names();
    let scale_h = m.font * 2.6;
    let title_h = if over.is_empty() { 0.0 } else { m.line() };
    let widest_row = rows.iter().map(|l| text_width(l, m.font)).fold(0.0, f64::max);
    let row_label_w = widest_row.max(text_width(corner, m.font)).min(w * 0.32);
    let left = 8.0 + row_label_w + 8.0;
    let col_w_for = |right: f64| ((w - left - right) / cols.len().max(1) as f64).max(4.0);
    let mut col_w = col_w_for(8.0);
    let (mut headers, mut header_h) = plan_headers(&cols, col_w, m.font, h * 0.3);
    if let Headers::Rotated(texts) = &headers {
        // The last rotated header leans out to the right of its column.
        let longest = texts.iter().map(|t| text_width(t, m.font)).fold(0.0, f64::max);
        col_w = col_w_for((longest * std::f64::consts::FRAC_1_SQRT_2 + m.font - col_w / 2.0).clamp(8.0, w * 0.3));
        (headers, header_h) = plan_headers(&cols, col_w, m.font, h * 0.3);
    }
    let top = 6.0 + title_h + header_h;
    let avail = h - top - scale_h - 6.0;
    let row_h = (avail / rows.len().max(1) as f64).clamp(4.0, m.font * 3.2);
    let cell_font = m.font.min(row_h * 0.55);
    let fits = cell_font >= 10.0
        && chart.series.iter().all(|s| {
            (0..chart.categories.len()).filter_map(|i| s.value(i)).all(|v| text_width(&format_number(v, chart.unit), cell_font) <= col_w - 4.0)
        });
    Layout { left, row_label_w, col_w, headers, header_h, top, row_h, cell_font, fits }
}

pub(crate) fn draw(root: &Area, layer: &mut Layer, chart: &Chart) -> anyhow::Result<()> {
    let m = Metrics::for_width(chart.width);
    let (w, h) = (f64::from(chart.width), f64::from(chart.height));
    let (lo, hi) = extent(chart.series.iter().flat_map(|s| (0..chart.categories.len()).filter_map(|i| s.value(i))));

    let mut grid = Grid { chart, transposed: false };
    let mut l = layout(&grid, &m, w, h);
    if !l.fits {
        let turned = Grid { chart, transposed: true };
        let lt = layout(&turned, &m, w, h);
        if lt.fits {
            (grid, l) = (turned, lt);
        }
    }
    let (rows, cols) = (grid.row_labels(), grid.col_labels());
    let (corner, over) = grid.names();
    let Layout { left, row_label_w, col_w, top, row_h, cell_font, .. } = l;
    let table_bottom = top + row_h * rows.len() as f64;

    if !over.is_empty() {
        let text = fit_text(over, m.font, w - left - 8.0);
        let cx = left + col_w * cols.len() as f64 / 2.0;
        layer.text(cx, top - l.header_h - m.line() / 2.0, &text, Look::new(m.font).anchor(Anchor::Middle).colour(GREY));
    }
    if !corner.is_empty() {
        let text = fit_text(corner, m.font, row_label_w);
        layer.text(8.0, top - m.font * 0.8, &text, Look::new(m.font).colour(GREY));
    }
    match &l.headers {
        Headers::Flat(lines) => {
            for (j, lines) in lines.iter().enumerate() {
                let cx = left + col_w * (j as f64 + 0.5);
                for (k, line) in lines.iter().enumerate() {
                    let y = top - m.font * (0.8 + 1.2 * (lines.len() - 1 - k) as f64);
                    layer.text(cx, y, line, Look::new(m.font).anchor(Anchor::Middle));
                }
            }
        }
        Headers::Rotated(texts) => {
            for (j, text) in texts.iter().enumerate() {
                let cx = left + col_w * (j as f64 + 0.5);
                layer.text(cx - m.font * 0.3, top - m.font * 0.5, text, Look::new(m.font).anchor(Anchor::Start).rotate(-45.0));
            }
        }
    }

    let row_font = m.font.min(row_h * 0.8).max(9.0);
    for (r, label) in rows.iter().enumerate() {
        let y0 = top + row_h * r as f64;
        layer.text(left - 8.0, y0 + row_h / 2.0, &fit_text(label, row_font, row_label_w), Look::new(row_font).anchor(Anchor::End));
        for c in 0..cols.len() {
            let (j, i) = grid.cell(r, c);
            let x0 = left + col_w * c as f64;
            let a = ((x0 + 1.0).round() as i32, (y0 + 1.0).round() as i32);
            let b = ((x0 + col_w - 1.0).round() as i32, (y0 + row_h - 1.0).round() as i32);
            let Some(v) = chart.series[j].value(i) else {
                // A missing value is a pale cell with a dash, not a colour.
                root.draw(&Rectangle::new([a, b], PAPER.filled()))?;
                layer.text(x0 + col_w / 2.0, y0 + row_h / 2.0, "—", Look::new(cell_font).anchor(Anchor::Middle).colour(GREY));
                continue;
            };
            let fill = heat_colour(scale(v, lo, hi));
            root.draw(&Rectangle::new([a, b], fill.filled()))?;
            let value = format_number(v, chart.unit);
            if cell_font >= 8.0 && text_width(&value, cell_font) <= col_w - 4.0 {
                layer.text(x0 + col_w / 2.0, y0 + row_h / 2.0, &value, Look::new(cell_font).anchor(Anchor::Middle).colour(ink_on(fill)));
            }
            layer.mark(Shape::rect(a, b), mark_title(chart, j, i, v), mark_link(chart, j, i));
        }
    }

    // The scale: light to dark, with both ends named.
    let (low, high) = match chart.lang {
        Lang::Zh => ("低", "高"),
        Lang::En => ("low", "high"),
    };
    let y = table_bottom + 8.0 + m.font;
    let bar_w = (w * 0.3).clamp(80.0, 200.0);
    let lo_text = format!("{low} {}", format_number(lo, chart.unit));
    let hi_text = format!("{} {high}", format_number(hi, chart.unit));
    let x0 = left + text_width(&lo_text, m.small) + 8.0;
    layer.text(left, y, &lo_text, Look::new(m.small).colour(GREY));
    let steps = 12;
    for s in 0..steps {
        let t = 0.12 + 0.88 * s as f64 / (steps - 1) as f64;
        let xa = x0 + bar_w * s as f64 / steps as f64;
        let xb = x0 + bar_w * (s + 1) as f64 / steps as f64;
        let rect = [(xa.round() as i32, (y - 6.0) as i32), (xb.round() as i32, (y + 6.0) as i32)];
        root.draw(&Rectangle::new(rect, heat_colour(t).filled()))?;
    }
    layer.text(x0 + bar_w + 8.0, y, &hi_text, Look::new(m.small).colour(GREY));
    Ok(())
}
