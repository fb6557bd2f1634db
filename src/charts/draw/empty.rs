//! The chart for no data: the same size as the chart it replaces, a faint
//! frame where the plot would be and "暂无数据" / "No data" in its middle,
//! so a panel says plainly that the query returned nothing.

use plotters::prelude::*;

use crate::charts::spec::Chart;
use crate::charts::svg::{Anchor, Layer, Look};
use crate::charts::theme::{Metrics, GREY, GRID};
use crate::charts::Area;
use crate::lang::Lang;

pub(crate) fn words(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "暂无数据",
        Lang::En => "No data",
    }
}

pub(crate) fn draw(root: &Area, layer: &mut Layer, chart: &Chart) -> anyhow::Result<()> {
    let m = Metrics::for_width(chart.width);
    let (w, h) = (chart.width as i32, chart.height as i32);
    root.draw(&Rectangle::new([(8, 8), (w - 8, h - 8)], GRID.stroke_width(1)))?;
    layer.text(f64::from(w) / 2.0, f64::from(h) / 2.0, words(chart.lang), Look::new(m.font * 1.2).anchor(Anchor::Middle).colour(GREY));
    Ok(())
}
