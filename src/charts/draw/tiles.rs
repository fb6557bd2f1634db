//! Headline tiles: each shows its label, the value large, and the change
//! against the previous period with an arrow (▲ ▼) as well as a colour, so
//! good and bad news read the same in greyscale.

use plotters::prelude::*;

use crate::charts::format::{format_exact, format_number, trim_zeros, zh_when, Unit};
use crate::charts::spec::{Chart, Tile};
use crate::charts::svg::{Layer, Look, Shape};
use crate::charts::theme::{fit_text, text_width, Metrics, BAD, GOOD, GREY, PAPER};
use crate::charts::Area;
use crate::lang::Lang;

/// The change of a tile against its previous value: arrow, magnitude
/// (percentage points for percentages), and whether it is good news.
pub struct Change {
    pub arrow: &'static str,
    pub text: String,
    /// Some(true) good, Some(false) bad, None unchanged.
    pub good: Option<bool>,
    pub delta: f64,
}

pub fn change(tile: &Tile, lang: Lang) -> Option<Change> {
    let (v, p) = (tile.value.filter(|v| v.is_finite())?, tile.previous.filter(|v| v.is_finite())?);
    let delta = v - p;
    let mag = delta.abs();
    let amount = match tile.unit {
        Unit::Percent => {
            let pp = trim_zeros(format!("{mag:.1}"));
            match lang {
                Lang::Zh => format!("{pp} 个百分点"),
                Lang::En => format!("{pp} pp"),
            }
        }
        unit => format_number(mag, unit),
    };
    let rounded_zero = amount.starts_with('0') && !amount.starts_with("0.");
    if delta == 0.0 || rounded_zero {
        let text = match lang {
            Lang::Zh => "持平".to_string(),
            Lang::En => "no change".to_string(),
        };
        return Some(Change { arrow: "=", text, good: None, delta });
    }
    Some(Change {
        arrow: if delta > 0.0 { "▲" } else { "▼" },
        text: amount,
        good: Some((delta > 0.0) == tile.higher_is_better),
        delta,
    })
}

/// "较2019年" / "vs 2019".
pub fn versus(tile: &Tile, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("较{}", zh_when(&tile.previous_label)),
        Lang::En => format!("vs {}", tile.previous_label),
    }
}

pub(crate) fn value_text(tile: &Tile) -> String {
    tile.value.filter(|v| v.is_finite()).map_or_else(|| "—".to_string(), |v| format_number(v, tile.unit))
}

pub(crate) fn draw(root: &Area, layer: &mut Layer, chart: &Chart) -> anyhow::Result<()> {
    let m = Metrics::for_width(chart.width);
    let (w, h) = (f64::from(chart.width), f64::from(chart.height));
    let n = chart.tiles.len();
    let (pad, gap) = (6.0, 8.0);
    let min_w = (m.font * 8.5).max(120.0);
    let mut cols = (((w - 2.0 * pad + gap) / (min_w + gap)).floor() as usize).clamp(1, n.max(1));
    let rows = n.div_ceil(cols);
    cols = n.div_ceil(rows.max(1)).max(1);
    let tile_w = (w - 2.0 * pad - gap * (cols - 1) as f64) / cols as f64;
    let tile_h = (h - 2.0 * pad - gap * (rows - 1) as f64) / rows as f64;

    // Type scales with the tile: label, big value, change, "vs" line.
    let font = m.font.min(tile_h / 5.2).max(9.0);
    let big = (tile_h * 0.3).min(font * 2.4).max(font * 1.2);
    let two_lines = tile_h >= font * 1.3 * 3.0 + big * 1.2 + 8.0;

    for (k, tile) in chart.tiles.iter().enumerate() {
        let (r, c) = (k / cols, k % cols);
        let x0 = pad + (tile_w + gap) * c as f64;
        let y0 = pad + (tile_h + gap) * r as f64;
        let a = (x0.round() as i32, y0.round() as i32);
        let b = ((x0 + tile_w).round() as i32, (y0 + tile_h).round() as i32);
        root.draw(&Rectangle::new([a, b], PAPER.filled()))?;
        let inner = tile_w - 20.0;
        let x = x0 + 10.0;

        // Stack the lines, centred vertically in the tile.
        let change = change(tile, chart.lang);
        let line = font * 1.35;
        let block = line + big * 1.25 + if change.is_some() { if two_lines { 2.0 * line } else { line } } else { 0.0 };
        let mut y = y0 + (tile_h - block) / 2.0 + line / 2.0;
        layer.text(x, y, &fit_text(&tile.label, font, inner), Look::new(font).colour(GREY));
        y += line / 2.0 + big * 0.625;
        let value = value_text(tile);
        let value_px = big.min(inner / (text_width(&value, 1.0).max(1.0)));
        layer.text(x, y, &value, Look::new(value_px).bold());
        y += big * 0.625 + line / 2.0;

        let mut title = format!("{}: {}", tile.label, tile.value.map_or("—".to_string(), |v| format_exact(v, tile.unit)));
        if let Some(ch) = &change {
            let colour = match ch.good {
                Some(true) => GOOD,
                Some(false) => BAD,
                None => GREY,
            };
            let vs = versus(tile, chart.lang);
            let delta = format!("{} {}", ch.arrow, ch.text);
            if two_lines {
                layer.text(x, y, &fit_text(&delta, font, inner), Look::new(font).colour(colour).bold());
                layer.text(x, y + line, &fit_text(&vs, font, inner), Look::new(m.small.min(font)).colour(GREY));
            } else {
                let both = format!("{delta} {vs}");
                layer.text(x, y, &fit_text(&both, font, inner), Look::new(font).colour(colour).bold());
            }
            title = match chart.lang {
                Lang::Zh => format!("{title}（{delta}，{vs}）"),
                Lang::En => format!("{title} ({delta}, {vs})"),
            };
        }
        layer.mark(Shape::rect(a, b), title, tile.link.as_deref());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tile(value: f64, previous: f64, unit: Unit, higher_is_better: bool) -> Tile {
        Tile {
            label: "x".into(),
            value: Some(value),
            unit,
            previous: Some(previous),
            previous_label: "2019".into(),
            higher_is_better,
            link: None,
        }
    }

    #[test]
    fn changes_read_with_arrow_amount_and_verdict() {
        let cases = [
            (tile(9.6, 8.4, Unit::Percent, false), Lang::Zh, "▲", "1.2 个百分点", Some(false)),
            (tile(0.0, 0.5, Unit::Percent, false), Lang::En, "▼", "0.5 pp", Some(true)),
            (tile(13000.0, 11800.0, Unit::Yuan, true), Lang::Zh, "▲", "1,200", Some(true)),
            (tile(5.0, 5.0, Unit::Count, true), Lang::Zh, "=", "持平", None),
        ];
        for (t, lang, arrow, text, good) in cases {
            let c = change(&t, lang).unwrap();
            assert_eq!((c.arrow, c.text.as_str(), c.good), (arrow, text, good));
        }
        assert_eq!(versus(&tile(1.0, 1.0, Unit::Count, true), Lang::Zh), "较2019年");
        let mut t = tile(1.0, 1.0, Unit::Count, true);
        t.previous = None;
        assert!(change(&t, Lang::Zh).is_none());
    }
}
