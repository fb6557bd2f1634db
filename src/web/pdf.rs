//! PNG charts and PDF dashboards, drawn on the server (no browser): a
//! chart's SVG is rasterised at 2× for print, and a dashboard becomes an A4
//! document with its filters, data date and source on every page. Both are
//! CPU-heavy, so they run on blocking threads and only a few at once.

use std::sync::Arc;

use actix_web::web;

use super::dash::{words, DashView};
use super::{State, WebError};
use crate::dashboards::view::PanelView;
use crate::lang::Lang;
use crate::render::{PdfDoc, PdfSection, PdfTable};

/// PNG scale: twice the chart's size, sharp in print.
pub const PNG_SCALE: f32 = 2.0;

/// Without a font that has Chinese glyphs, PNG and PDF would print boxes
/// instead of text: refuse clearly, naming what was searched.
fn need_font(state: &State) -> Result<(), WebError> {
    match state.fonts.problem() {
        Some(p) if state.fonts.cjk_font().is_none() => Err(WebError::Unavailable(p)),
        _ => Ok(()),
    }
}

async fn heavy<T: Send + 'static>(state: &State, f: impl FnOnce() -> anyhow::Result<T> + Send + 'static) -> Result<T, WebError> {
    let _permit = state.renders.clone().try_acquire_owned().map_err(|_| WebError::Busy(super::Heavy::Renders, state.limits.max_renders))?;
    let out = web::block(f).await.map_err(|e| anyhow::anyhow!("rendering was cancelled: {e}"))??;
    Ok(out)
}

/// One panel's chart as PNG at [`PNG_SCALE`].
pub async fn panel_png(state: &State, p: &PanelView) -> Result<Vec<u8>, WebError> {
    need_font(state)?;
    let svg = super::dash::standalone_svg(&p.svg, &p.title);
    let fonts = state.fonts.clone();
    heavy(state, move || crate::render::svg_to_png(&svg, PNG_SCALE, &fonts)).await
}

/// The whole dashboard as an A4 PDF.
pub async fn dashboard_pdf(state: &State, v: Arc<DashView>) -> Result<Vec<u8>, WebError> {
    need_font(state)?;
    let doc = pdf_doc(&v);
    let fonts = state.fonts.clone();
    heavy(state, move || crate::render::pdf(&doc, &fonts)).await
}

/// What the PDF holds: the view's charts, summaries and tables, with the
/// filter values under the title and the data date and source in every
/// page's footer.
pub fn pdf_doc(v: &DashView) -> PdfDoc {
    let t = words(v.lang);
    let mut subtitle = v.filter_summary.clone();
    if subtitle.is_empty() {
        subtitle.push(v.lang.pick("范围：全旗，全部年度", "Scope: whole banner, all years").to_string());
    }
    let date = if v.data_date.is_empty() { "—" } else { v.data_date.as_str() };
    let footer = match v.lang {
        Lang::Zh => format!("数据截至 {date}（数据版本 {}） · 来源：{}（{}）", v.data_version, t["brand"], t["footer"]),
        Lang::En => format!("Data as of {date} (data version {}) · Source: {} ({})", v.data_version, t["brand"], t["footer"]),
    };
    PdfDoc {
        title: v.title.clone(),
        subtitle,
        footer,
        sections: v
            .panels
            .iter()
            .map(|p| PdfSection {
                heading: p.title.clone(),
                summary: p.summary.clone(),
                svg: Some(p.svg.clone()),
                table: Some(PdfTable { headers: p.head.clone(), rows: p.rows.clone(), numeric: p.numeric.clone() }),
            })
            .collect(),
    }
}
