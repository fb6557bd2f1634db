//! Axes: the value axis (always including 0, ending on round ticks) and
//! the category axis, whose labels are thinned (years) or rotated (names)
//! when they would collide.

use super::format::{format_tick, Unit};
use super::theme::{fit_text, text_width};

/// A value axis: its range and the ticks to label.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ValueAxis {
    pub lo: f64,
    pub hi: f64,
    pub step: f64,
    pub ticks: Vec<f64>,
}

/// Steps an axis may take: 1, 2, 2.5 or 5 times a power of ten, around
/// `raw`.
fn candidate_steps(raw: f64) -> Vec<f64> {
    if !(raw > 0.0) || !raw.is_finite() {
        return vec![1.0];
    }
    let k = raw.log10().floor() as i32;
    (k - 1..=k + 1).flat_map(|e| [1.0, 2.0, 2.5, 5.0].map(|m| m * 10f64.powi(e))).collect()
}

impl ValueAxis {
    /// An axis covering `min..=max` and 0, with about `target` intervals.
    pub fn new(min: f64, max: f64, target: usize) -> ValueAxis {
        let (mut min, mut max) = (min.min(0.0), max.max(0.0));
        if !min.is_finite() || !max.is_finite() {
            (min, max) = (0.0, 1.0);
        }
        if max - min <= f64::EPSILON {
            max = min + 1.0;
        }
        // The step giving closest to `target` intervals; of equals, the one
        // wasting least room beyond the data.
        let target = target.max(1) as f64;
        // Values a rounding error past a tick snap back to it.
        let bounds = |step: f64| ((min / step + 1e-9).floor() * step, (max / step - 1e-9).ceil() * step);
        let score = |step: f64| {
            let (lo, hi) = bounds(step);
            (((hi - lo) / step).round() - target).abs() + (hi - lo - (max - min)) / (max - min)
        };
        let step = candidate_steps((max - min) / target).into_iter().min_by(|a, b| score(*a).total_cmp(&score(*b))).unwrap_or(1.0);
        let (lo, hi) = bounds(step);
        let n = ((hi - lo) / step).round() as usize;
        let ticks = (0..=n).map(|i| lo + step * i as f64).map(|t| if t.abs() < step * 1e-9 { 0.0 } else { t }).collect();
        ValueAxis { lo, hi, step, ticks }
    }

    pub fn labels(&self, unit: Unit) -> Vec<String> {
        self.ticks.iter().map(|t| format_tick(*t, unit, self.step)).collect()
    }

    pub fn label_width(&self, unit: Unit, px: f64) -> f64 {
        self.labels(unit).iter().map(|l| text_width(l, px)).fold(0.0, f64::max)
    }
}

/// Smallest and largest of the given values, ignoring NaN and infinities;
/// (0, 0) when there are none.
pub(crate) fn extent(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc: Option<(f64, f64)>, v| Some(acc.map_or((v, v), |(a, b)| (a.min(v), b.max(v)))))
        .unwrap_or((0.0, 0.0))
}

/// How the labels of a horizontal category axis are drawn.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CategoryLabels {
    /// Label text per category (cut to fit), empty where thinned out.
    pub texts: Vec<String>,
    /// Degrees: 0 or -45.
    pub rotate: f64,
    /// Height the labels need below the axis.
    pub band: f64,
}

/// Plans the labels of a horizontal category axis with `slot` pixels
/// between neighbouring categories. Years (all digits) are thinned to every
/// k-th; names are rotated by 45° (and thinned only when even rotated
/// labels would touch), and cut with "…" beyond `max_band` pixels deep.
pub(crate) fn plan_categories(labels: &[&str], slot: f64, px: f64, max_band: f64) -> CategoryLabels {
    let widest = labels.iter().map(|l| text_width(l, px)).fold(0.0, f64::max);
    let flat_band = px * 1.7;
    if widest <= slot * 0.92 {
        return CategoryLabels { texts: labels.iter().map(|l| l.to_string()).collect(), rotate: 0.0, band: flat_band };
    }
    let numeric = labels.iter().all(|l| l.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-'));
    let thin = |every: usize| -> Vec<String> {
        labels.iter().enumerate().map(|(i, l)| if i % every == 0 { l.to_string() } else { String::new() }).collect()
    };
    if numeric || widest <= px * 2.5 {
        let every = ((widest + px * 0.8) / slot.max(1.0)).ceil().max(1.0) as usize;
        return CategoryLabels { texts: thin(every), rotate: 0.0, band: flat_band };
    }
    // Rotated labels stand side by side a line height apart along the
    // axis, measured at 45°.
    let every = ((px * 1.25 * std::f64::consts::SQRT_2) / slot.max(1.0)).ceil().max(1.0) as usize;
    let max_text = ((max_band - px) / std::f64::consts::FRAC_1_SQRT_2).max(px * 3.0);
    let texts: Vec<String> = thin(every).iter().map(|t| fit_text(t, px, max_text)).collect();
    let longest = texts.iter().map(|t| text_width(t, px)).fold(0.0, f64::max);
    let band = longest * std::f64::consts::FRAC_1_SQRT_2 + px * 1.2;
    CategoryLabels { texts, rotate: -45.0, band }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_axes_include_zero_and_end_on_ticks() {
        let cases: [(f64, f64, f64, f64); 5] =
            [(0.0, 8.4, 0.0, 10.0), (2600.0, 13000.0, 0.0, 15000.0), (-3.0, 12.0, -5.0, 15.0), (0.0, 0.0, 0.0, 1.0), (-40.0, -2.0, -40.0, 0.0)];
        for (min, max, lo, hi) in cases {
            let a = ValueAxis::new(min, max, 4);
            assert_eq!((a.lo, a.hi), (lo, hi), "{min}..{max}: {a:?}");
            assert!(a.ticks.contains(&0.0));
            assert_eq!(*a.ticks.last().unwrap(), a.hi);
        }
        // Neighbouring ticks never read the same, whatever the step.
        for max in [0.3, 0.75, 8.4, 10.2, 37.0, 1234.0, 13000.0, 2.5e8] {
            let labels = ValueAxis::new(0.0, max, 4).labels(Unit::Percent);
            assert!(labels.windows(2).all(|p| p[0] != p[1]), "{labels:?}");
            let yuan = ValueAxis::new(0.0, max, 4).labels(Unit::Yuan);
            assert!(yuan.windows(2).all(|p| p[0] != p[1]), "{yuan:?}");
        }
        let a = ValueAxis::new(f64::NAN, f64::INFINITY, 4);
        assert_eq!((a.lo, a.hi), (0.0, 1.0));
    }

    #[test]
    fn category_labels_fit_thin_or_rotate() {
        let years = ["2014", "2015", "2016", "2017", "2018", "2019", "2020"];
        let flat = plan_categories(&years, 80.0, 14.0, 100.0);
        assert_eq!((flat.rotate, flat.texts.iter().filter(|t| !t.is_empty()).count()), (0.0, 7));
        let thinned = plan_categories(&years, 20.0, 14.0, 100.0);
        assert_eq!(thinned.rotate, 0.0);
        assert!(thinned.texts.iter().filter(|t| !t.is_empty()).count() < 7);
        let villages = ["巴彦塔拉嘎查", "乌力吉木仁苏木某某村", "前德门嘎查"];
        let rotated = plan_categories(&villages, 40.0, 14.0, 90.0);
        assert_eq!(rotated.rotate, -45.0);
        assert!(rotated.band <= 90.0 + 14.0, "{rotated:?}");
        assert!(rotated.texts.iter().all(|t| !t.is_empty()));
    }
}
