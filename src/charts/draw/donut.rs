//! Donut for shares of a whole: the categories are the slices of the first
//! series. Percentages are written on slices wide enough to hold them and
//! beside the narrow ones (when there is room); the legend lists every
//! slice with its percentage, at the right when the chart is wide and below
//! it otherwise.

use plotters::prelude::*;

use crate::charts::format::{format_exact, format_number, Unit};
use crate::charts::legend::{self, Entry, Swatch};
use crate::charts::spec::Chart;
use crate::charts::svg::{Anchor, Layer, Look, Shape};
use crate::charts::theme::{fills, fit_text, ink_on, text_width, Metrics, GREY};
use crate::charts::Area;
use crate::lang::Lang;

/// The slices of a donut: (category index, value, share 0..=1). Only
/// positive values make slices.
pub(crate) fn slices(chart: &Chart) -> Vec<(usize, f64, f64)> {
    let Some(s) = chart.series.first() else { return Vec::new() };
    let parts: Vec<(usize, f64)> =
        (0..chart.categories.len()).filter_map(|i| s.value(i).filter(|v| *v > 0.0).map(|v| (i, v))).collect();
    let total: f64 = parts.iter().map(|p| p.1).sum();
    parts.into_iter().map(|(i, v)| (i, v, v / total)).collect()
}

/// A share as a percentage with one decimal: 41.2%.
pub(crate) fn share_text(share: f64) -> String {
    format_number(share * 100.0, Unit::Percent)
}

/// Point on a circle, the angle clockwise from twelve o'clock.
fn polar((cx, cy): (f64, f64), r: f64, angle: f64) -> (f64, f64) {
    (cx + r * angle.sin(), cy - r * angle.cos())
}

pub(crate) fn draw(root: &Area, layer: &mut Layer, chart: &Chart) -> anyhow::Result<()> {
    let m = Metrics::for_width(chart.width);
    let (w, h) = (f64::from(chart.width), f64::from(chart.height));
    let parts = slices(chart);
    let colours = fills(parts.len());
    let total: f64 = parts.iter().map(|p| p.1).sum();

    let entries: Vec<Entry> = parts
        .iter()
        .zip(&colours)
        .map(|(&(i, _, share), &c)| {
            let cat = &chart.categories[i];
            Entry { label: format!("{} {}", cat.label, share_text(share)), swatch: Swatch::Fill(c), link: cat.link.clone() }
        })
        .collect();

    // Outside labels need a ring of room around the donut.
    let ring = text_width("00.0%", m.font) + 10.0;
    let longest = entries.iter().map(|e| text_width(&e.label, m.font)).fold(0.0, f64::max) + 40.0;
    let side = w - h >= 120.0 && longest <= w * 0.5 && parts.len() as f64 * m.line() <= h - 16.0;
    let (cx, cy, r) = if side {
        let box_w = (w - longest - 16.0).min(h).max(80.0);
        let r = ((box_w.min(h) - 12.0) / 2.0 - ring).max(30.0);
        (8.0 + box_w / 2.0, h / 2.0, r)
    } else {
        let legend_h = legend::height(&entries, w, &m);
        let avail = h - legend_h;
        let r = ((avail.min(w) - 12.0) / 2.0 - ring).max(30.0);
        (w / 2.0, 6.0 + (avail - 6.0) / 2.0, r)
    };
    let inner = r * 0.58;

    let mut start = 0.0f64;
    let mut outside: Vec<(bool, f64)> = Vec::new(); // side (right?), y of placed outside labels
    for (&(i, v, share), &colour) in parts.iter().zip(&colours) {
        let sweep = share * std::f64::consts::TAU;
        let end = start + sweep;
        let steps = ((sweep / 0.03).ceil() as usize).max(2);
        let mut points: Vec<(f64, f64)> = (0..=steps).map(|s| polar((cx, cy), r, start + sweep * s as f64 / steps as f64)).collect();
        points.extend((0..=steps).rev().map(|s| polar((cx, cy), inner, start + sweep * s as f64 / steps as f64)));
        let pixels: Vec<(i32, i32)> = points.iter().map(|&(x, y)| (x.round() as i32, y.round() as i32)).collect();
        root.draw(&Polygon::new(pixels.clone(), colour.filled()))?;
        if parts.len() > 1 {
            // White edges keep neighbouring slices apart in greyscale.
            let a = polar((cx, cy), inner, start);
            let b = polar((cx, cy), r, start);
            root.draw(&PathElement::new(
                vec![(a.0.round() as i32, a.1.round() as i32), (b.0.round() as i32, b.1.round() as i32)],
                WHITE.stroke_width(2),
            ))?;
        }
        let cat = &chart.categories[i];
        let share_s = share_text(share);
        let title = format!("{}: {}（{}）", cat.label, format_exact(v, chart.unit), share_s);
        layer.mark(Shape::Polygon(points), title, cat.link.as_deref().or(chart.series[0].link.as_deref()));

        // The percentage: on the slice when it fits along the ring's middle,
        // else beside it unless another label is already there.
        let mid = start + sweep / 2.0;
        let text_w = text_width(&share_s, m.font);
        let mid_r = (r + inner) / 2.0;
        // The label's box, horizontal, measured across and along the ring.
        let (across, along) = (mid.sin().abs(), mid.cos().abs());
        let radial = text_w * across + m.font * along;
        let tangential = text_w * along + m.font * across;
        if radial <= r - inner - 4.0 && tangential <= sweep * mid_r - 4.0 {
            let (x, y) = polar((cx, cy), mid_r, mid);
            layer.text(x, y, &share_s, Look::new(m.font).anchor(Anchor::Middle).colour(ink_on(colour)));
        } else {
            let (x, y) = polar((cx, cy), r + 6.0, mid);
            let right = mid.sin() >= 0.0;
            let free = outside.iter().all(|&(s, oy)| s != right || (oy - y).abs() >= m.font * 1.15);
            let inside = y > m.font * 0.6 && y < h - m.font * 0.6;
            if free && inside {
                outside.push((right, y));
                let anchor = if right { Anchor::Start } else { Anchor::End };
                layer.text(x + if right { 2.0 } else { -2.0 }, y, &share_s, Look::new(m.font).anchor(anchor));
            }
        }
        start = end;
    }

    // The total in the hole, when the values are amounts rather than
    // percentages (which do not add up to anything meaningful).
    if chart.unit != Unit::Percent {
        let word = match chart.lang {
            Lang::Zh => "合计",
            Lang::En => "Total",
        };
        let value = format_number(total, chart.unit);
        if text_width(&value, m.font * 1.2) <= inner * 1.8 {
            layer.text(cx, cy - m.font * 0.7, word, Look::new(m.font).anchor(Anchor::Middle).colour(GREY));
            layer.text(cx, cy + m.font * 0.7, &value, Look::new(m.font * 1.2).anchor(Anchor::Middle).bold());
        }
    }

    if side {
        let x = cx + r + ring + 8.0;
        let row = m.line();
        let top = (h - row * entries.len() as f64) / 2.0;
        for (e, (k, &colour)) in entries.iter().zip(colours.iter().enumerate()) {
            let y = top + row * (k as f64 + 0.5);
            let (xi, yi) = (x.round() as i32, y.round() as i32);
            root.draw(&Rectangle::new([(xi, yi - 7), (xi + 14, yi + 7)], colour.filled()))?;
            let text = fit_text(&e.label, m.font, w - x - 30.0);
            layer.text(x + 22.0, y, &text, Look::new(m.font));
            if e.link.is_some() {
                let shape = Shape::Rect { x, y: y - row / 2.0, w: 22.0 + text_width(&text, m.font), h: row };
                layer.key(shape, e.label.clone(), e.link.as_deref());
            }
        }
    } else {
        let legend_h = legend::height(&entries, w, &m);
        legend::draw(root, layer, &entries, h - legend_h, w, &m)?;
    }
    Ok(())
}
