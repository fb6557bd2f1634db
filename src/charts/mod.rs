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

#[cfg(test)]
mod line_tests {
    use super::*;

    fn spec(names: &[&str]) -> Chart {
        let mut chart = Chart::new(Kind::Line, "贫困发生率 <测试> & \"引号\"");
        chart.x_label = "年度".into();
        chart.y_label = "贫困发生率 (%)".into();
        chart.unit = Unit::Percent;
        chart.categories = (2014..=2020).map(|y| Category::new(y.to_string())).collect();
        chart.series = names
            .iter()
            .enumerate()
            .map(|(i, n)| spec::Series::new(n.to_string(), (2014..=2020).map(|y| Some(8.4 - (y - 2014) as f64 - i as f64 * 0.1)).collect()))
            .collect();
        chart
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
        let svg = render(&spec(&["全旗", "第一战区 <A&B>"])).unwrap();
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
        s.references.push(Reference { name: "贫困线".into(), values: vec![Some(2800.0), None, None, None, None, None, Some(4000.0)] });
        s.unit = Unit::Yuan;
        let svg = render(&s).unwrap();
        assert!(svg.contains("贫困线"));
        assert!(svg.contains("万") || svg.contains(","), "yuan labels");
    }
}
