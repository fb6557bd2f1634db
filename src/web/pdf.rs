//! PNG charts and PDF dashboards (arrives with the render module).

use actix_web::{HttpRequest, HttpResponse};

use super::dash::Target;
use super::{State, WebError};
use crate::dashboards::view::PanelView;

pub async fn dashboard_pdf(_state: State, _req: HttpRequest, _target: Target) -> Result<HttpResponse, WebError> {
    Err(WebError::NotFound)
}

pub async fn panel_png(_state: &State, _p: &PanelView) -> Result<HttpResponse, WebError> {
    Err(WebError::NotFound)
}
