//! Charts: pure functions from a [`Chart`] spec to SVG text, drawn with
//! plotters. Readable by design: units on the axes, numbers formatted for
//! Chinese readers, a colour-blind-safe palette whose series also differ by
//! marker and dash (lines) or lightness (fills), so they survive greyscale
//! printing, and the legend in its own band so it never covers data.
//!
//! Every mark (point, bar, slice, cell, tile) carries a hover `<title>`
//! with its exact value and, when its category or series has one, a link:
//! an overlay of transparent shapes over what plotters drew, so neither
//! needs JavaScript. The root `<svg>` has a `viewBox`, `role="img"`, an
//! `aria-label`, and `<title>` and `<desc>` as its first children.
//!
//! Code map: `spec` (what a chart is), `draw/` (one module per family of
//! kinds), `axes` (value ticks, category labels), `legend`, `svg` (the
//! overlay and the text), `theme` (colours, type sizes), `format`
//! (numbers), `summary` (the one-sentence description).
//!
//! Invariant: nothing here does IO, and every text reaches the SVG through
//! [`escape_xml`] (or plotters' own escaping).

mod axes;
mod draw;
mod format;
mod legend;
pub mod spec;
mod summary;
mod svg;
mod theme;

#[cfg(test)]
mod tests;

pub use format::{escape_xml, format_exact, format_number, nice_ceiling, thousands, Unit};
pub use spec::{Category, Chart, Kind, Reference, Tile};
pub use summary::summary;
pub use theme::PALETTE;

/// A tile's change against its previous value, for pages that show tiles
/// as HTML: the arrow (▲ ▼ =), the amount ("8.4 个百分点"), "较2014年", and
/// whether it is good news (`None`: unchanged).
pub fn tile_change(tile: &Tile, lang: crate::lang::Lang) -> Option<(&'static str, String, String, Option<bool>)> {
    let c = draw::tiles::change(tile, lang)?;
    Some((c.arrow, c.text, draw::tiles::versus(tile, lang), c.good))
}

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::lang::Lang;

/// The drawing area every chart draws on: the whole SVG, in pixels.
pub(crate) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Smallest size a chart is drawn at; smaller requests are enlarged.
const MIN_SIZE: (u32, u32) = (160, 120);
/// Largest size, so a bad request cannot ask for a gigantic SVG.
const MAX_SIZE: (u32, u32) = (4000, 4000);

/// Draws any chart as SVG text. Empty data gives a "no data" chart of the
/// same size; missing (`None`) and non-finite values are skipped.
pub fn render(chart: &Chart) -> anyhow::Result<String> {
    let width = chart.width.clamp(MIN_SIZE.0, MAX_SIZE.0);
    let height = chart.height.clamp(MIN_SIZE.1, MAX_SIZE.1);
    let sized;
    let chart = if (width, height) == (chart.width, chart.height) {
        chart
    } else {
        sized = Chart { width, height, ..chart.clone() };
        &sized
    };
    let desc = if chart.desc.is_empty() { summary(chart) } else { chart.desc.clone() };
    let empty = chart.is_empty() || (chart.kind == Kind::Donut && draw::donut::slices(chart).is_empty());
    let mut layer = svg::Layer::default();
    let mut out = String::with_capacity(32 * 1024);
    {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        root.fill(&WHITE)?;
        if empty {
            draw::empty::draw(&root, &mut layer, chart)?;
        } else {
            match chart.kind {
                Kind::Line | Kind::Bar | Kind::GroupedBar | Kind::StackedBar | Kind::StackedArea => {
                    draw::cartesian::draw(&root, &mut layer, chart)?
                }
                Kind::HBar => draw::hbar::draw(&root, &mut layer, chart)?,
                Kind::Donut => draw::donut::draw(&root, &mut layer, chart)?,
                Kind::Heat => draw::heat::draw(&root, &mut layer, chart)?,
                Kind::Tiles => draw::tiles::draw(&root, &mut layer, chart)?,
            }
        }
        root.present()?;
    }
    Ok(svg::finish(out, chart, &desc, &layer))
}

/// One line of a line chart (the older, numeric-x interface).
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    /// A reference line (poverty line, target): dashed, grey, no markers.
    pub reference: bool,
}

/// A line chart over years (or any numeric x).
#[derive(Debug, Clone)]
pub struct LineChart {
    /// Text of the SVG `<title>` for screen readers.
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub unit: Unit,
    pub series: Vec<Series>,
    pub width: u32,
    pub height: u32,
}

impl LineChart {
    /// The same chart as a [`Chart`]: the x values of all series become the
    /// categories, reference series become reference lines.
    pub fn to_chart(&self) -> Chart {
        let mut xs: Vec<f64> = self.series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).filter(|x| x.is_finite()).collect();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        let label = |x: f64| if x.fract() == 0.0 { format!("{x:.0}") } else { format!("{x}") };
        let aligned = |s: &Series| -> Vec<Option<f64>> {
            xs.iter().map(|x| s.points.iter().find(|p| p.0 == *x).map(|p| p.1)).collect()
        };
        let mut chart = Chart::new(Kind::Line, self.title.clone());
        chart.x_label = self.x_label.clone();
        chart.y_label = self.y_label.clone();
        chart.unit = self.unit;
        chart.width = self.width;
        chart.height = self.height;
        chart.lang = Lang::Zh;
        chart.categories = xs.iter().map(|x| Category::new(label(*x))).collect();
        for s in &self.series {
            if s.reference {
                chart.references.push(Reference { name: s.name.clone(), values: aligned(s) });
            } else {
                chart.series.push(spec::Series::new(s.name.clone(), aligned(s)));
            }
        }
        chart
    }
}

/// Draws a line chart as SVG text (through [`render`]).
pub fn line_chart(spec: &LineChart) -> anyhow::Result<String> {
    render(&spec.to_chart())
}

#[cfg(test)]
mod legacy_tests {
    use super::*;

    fn spec(names: &[&str]) -> LineChart {
        LineChart {
            title: "贫困发生率 <测试> & \"引号\"".into(),
            x_label: "年度".into(),
            y_label: "贫困发生率 (%)".into(),
            unit: Unit::Percent,
            series: names
                .iter()
                .enumerate()
                .map(|(i, n)| Series {
                    name: n.to_string(),
                    points: (2014..=2020).map(|y| (y as f64, 8.4 - (y - 2014) as f64 - i as f64 * 0.1)).collect(),
                    reference: false,
                })
                .collect(),
            width: 640,
            height: 360,
        }
    }

    #[test]
    fn numbers_read_the_chinese_way() {
        assert_eq!(format_number(8.4, Unit::Percent), "8.4%");
        assert_eq!(format_number(0.0, Unit::Percent), "0%");
        assert_eq!(format_number(2600.0, Unit::Yuan), "2,600");
        assert_eq!(format_number(13000.0, Unit::Yuan), "1.3万");
        assert_eq!(format_number(56_550_000.0, Unit::Yuan), "5655万");
        assert_eq!(format_number(2.5e8, Unit::Yuan), "2.5亿");
        assert_eq!(thousands(-1234567), "-1,234,567");
        assert_eq!(nice_ceiling(9.07), 10.0);
        assert_eq!(nice_ceiling(14040.0), 20000.0);
    }

    #[test]
    fn line_chart_draws_every_series_and_escapes_text() {
        let svg = line_chart(&spec(&["全旗", "第一战区 <A&B>"])).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("<title>贫困发生率 &lt;测试&gt; &amp; &quot;引号&quot;</title>"), "{}", &svg[..300]);
        assert!(svg.contains("全旗"));
        assert!(svg.contains("第一战区 &lt;A&amp;B&gt;"));
        assert!(!svg.contains("<A&B>"));
        assert!(svg.contains("8.4%") || svg.contains("8%"), "y axis labels in percent");
        // Each series is one line in its colour, with its own marker shape at
        // each of its seven points plus one in the legend.
        assert_eq!(svg.matches("stroke=\"#0072B2\" stroke-width=\"3\"").count(), 1, "banner line");
        assert_eq!(svg.matches("<circle").count(), 7 + 1, "banner markers are circles");
        assert_eq!(svg.matches("<polygon opacity=\"1\" fill=\"#D55E00\"").count(), 7 + 1, "zone markers are triangles");
    }

    #[test]
    fn reference_lines_are_dashed_and_unmarked() {
        let mut s = spec(&["收入"]);
        s.series.push(Series { name: "贫困线".into(), points: vec![(2014.0, 2800.0), (2020.0, 4000.0)], reference: true });
        s.unit = Unit::Yuan;
        let svg = line_chart(&s).unwrap();
        assert!(svg.contains("贫困线"));
        assert!(svg.contains("万") || svg.contains(","), "yuan labels");
    }
}
