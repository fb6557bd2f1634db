//! Colours, type sizes and text measuring shared by every chart kind.
//!
//! Colour never carries meaning alone: lines also differ by marker and
//! dash, fills of stacked or grouped series also differ in lightness (so a
//! greyscale print still tells them apart), and heat cells use one hue
//! whose lightness follows the value.

use plotters::style::RGBColor;

/// Okabe–Ito colours: distinguishable with the common colour-vision
/// deficiencies, in an order that also differs in lightness.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(0, 0, 0),       // black
];

/// Axis text, reference lines.
pub(crate) const GREY: RGBColor = RGBColor(100, 100, 100);
/// Grid lines.
pub(crate) const GRID: RGBColor = RGBColor(228, 228, 228);
/// The zero line and axis lines.
pub(crate) const AXIS: RGBColor = RGBColor(150, 150, 150);
/// Body text.
pub(crate) const INK: RGBColor = RGBColor(34, 34, 34);
/// Tile background.
pub(crate) const PAPER: RGBColor = RGBColor(246, 246, 246);
/// Change in the good direction (dark blue: readable as text on white).
pub(crate) const GOOD: RGBColor = RGBColor(0, 94, 150);
/// Change in the bad direction (dark vermillion).
pub(crate) const BAD: RGBColor = RGBColor(180, 64, 0);

/// Type sizes in pixels, chosen from the chart width: large enough to read
/// on a 360-pixel phone, not shouting on a projector.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Metrics {
    /// Labels, legend, axis names.
    pub font: f64,
    /// Secondary text (the "vs 2019" of a tile, heat legend ends).
    pub small: f64,
}

impl Metrics {
    pub fn for_width(width: u32) -> Metrics {
        // A 480-pixel chart shown on a 330-pixel phone still has 12-pixel
        // labels; a full-width chart (960 pixels) keeps 22.
        let font = (f64::from(width) / 26.0).clamp(13.0, 22.0).round();
        Metrics { font, small: (font * 0.85).round().max(11.0) }
    }

    /// Height of one line of text at `font`.
    pub fn line(&self) -> f64 {
        (self.font * 1.5).round()
    }
}

/// Rough width of text in pixels at `px`: Chinese characters are square,
/// Latin letters and digits about half as wide. SVG gives no way to measure
/// text, so every layout decision (wrapping, thinning, rotating) uses this
/// and leaves a margin.
pub(crate) fn text_width(text: &str, px: f64) -> f64 {
    text.chars()
        .map(|c| match c {
            'i' | 'l' | 'j' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | ' ' => 0.32,
            'm' | 'w' | 'M' | 'W' | '%' => 0.85,
            c if c.is_ascii_uppercase() => 0.66,
            c if c.is_ascii() => 0.56,
            '·' | '–' | '—' => 0.6,
            _ => 1.0,
        })
        .sum::<f64>()
        * px
}

/// Cuts text to at most `max_px` wide at `px`, ending with "…" when cut.
pub(crate) fn fit_text(text: &str, px: f64, max_px: f64) -> String {
    if text_width(text, px) <= max_px {
        return text.to_string();
    }
    let budget = max_px - text_width("…", px);
    let mut out = String::new();
    let mut used = 0.0;
    for c in text.chars() {
        let w = text_width(c.encode_utf8(&mut [0; 4]), px);
        if used + w > budget {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// Perceived lightness, 0 (black) to 255 (white).
pub(crate) fn grey_level(c: RGBColor) -> f64 {
    0.299 * f64::from(c.0) + 0.587 * f64::from(c.1) + 0.114 * f64::from(c.2)
}

/// Moves a colour to a given grey level, keeping its hue: towards white
/// when lighter, towards black when darker.
fn to_grey_level(c: RGBColor, target: f64) -> RGBColor {
    let g = grey_level(c);
    let ch = |v: u8| -> u8 {
        let v = f64::from(v);
        let out = if target > g { v + (255.0 - v) * (target - g) / (255.0 - g) } else { v * target / g.max(1.0) };
        out.round().clamp(0.0, 255.0) as u8
    };
    RGBColor(ch(c.0), ch(c.1), ch(c.2))
}

/// Hues for fills, in an order where neighbours differ.
const FILL_HUES: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(240, 228, 66),  // yellow
    RGBColor(120, 120, 120), // grey
];

/// Fill colours for `n` stacked or grouped series (or donut slices): each
/// a different hue, and from dark to light in even steps so neighbours also
/// differ in greyscale.
pub(crate) fn fills(n: usize) -> Vec<RGBColor> {
    if n <= 1 {
        return vec![PALETTE[0]];
    }
    let step = (135.0 / (n - 1) as f64).min(60.0);
    (0..n)
        .map(|i| {
            let hue = FILL_HUES[i % FILL_HUES.len()];
            to_grey_level(hue, 70.0 + step * i as f64)
        })
        .collect()
}

/// Text colour readable on a fill.
pub(crate) fn ink_on(fill: RGBColor) -> RGBColor {
    if grey_level(fill) > 140.0 {
        INK
    } else {
        RGBColor(255, 255, 255)
    }
}

/// One hue, light to dark (ColorBrewer "Blues"): t in 0..=1.
pub(crate) fn heat_colour(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] =
        [(239.0, 246.0, 255.0), (190.0, 215.0, 236.0), (107.0, 174.0, 214.0), (33.0, 113.0, 181.0), (8.0, 48.0, 107.0)];
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let pos = t * (STOPS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(STOPS.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |x: f64, y: f64| (x + (y - x) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// `#RRGGBB` for attributes written by hand.
pub(crate) fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_step_evenly_from_dark_to_light() {
        for n in 2..=8 {
            let greys: Vec<f64> = fills(n).iter().map(|c| grey_level(*c)).collect();
            for pair in greys.windows(2) {
                assert!(pair[1] - pair[0] > 14.0, "n={n}: {greys:?}");
            }
        }
    }

    #[test]
    fn heat_scale_darkens_monotonically() {
        let greys: Vec<f64> = (0..=10).map(|i| grey_level(heat_colour(i as f64 / 10.0))).collect();
        assert!(greys.windows(2).all(|p| p[1] < p[0]), "{greys:?}");
        assert_eq!(ink_on(heat_colour(1.0)), RGBColor(255, 255, 255));
        assert_eq!(ink_on(heat_colour(0.0)), INK);
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis() {
        let cut = fit_text("巴雅尔图胡硕镇某某嘎查村", 10.0, 60.0);
        assert!(cut.ends_with('…'));
        assert!(text_width(&cut, 10.0) <= 60.0);
        assert_eq!(fit_text("全旗", 10.0, 60.0), "全旗");
    }
}
