//! What the charts add to the SVG that plotters writes: the accessible
//! `<title>` and `<desc>`, the text (plotters cannot rotate text by 45° or
//! measure it, so labels are written here), and the overlay of transparent
//! marks that carries hover titles and links without any JavaScript.
//!
//! Invariant: every text and attribute value written here goes through
//! [`escape_xml`].

use std::fmt::Write;

use plotters::style::RGBColor;

use super::format::escape_xml;
use super::spec::Chart;
use super::theme::{hex, INK};

/// How a text is anchored horizontally at its x.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Anchor {
    Start,
    Middle,
    End,
}

/// The look of one text; its y is always the middle of the line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Look {
    pub size: f64,
    pub anchor: Anchor,
    pub colour: RGBColor,
    pub bold: bool,
    /// Degrees, clockwise; rotated about the anchor point.
    pub rotate: f64,
}

impl Look {
    pub fn new(size: f64) -> Look {
        Look { size, anchor: Anchor::Start, colour: INK, bold: false, rotate: 0.0 }
    }
    pub fn anchor(self, anchor: Anchor) -> Look {
        Look { anchor, ..self }
    }
    pub fn colour(self, colour: RGBColor) -> Look {
        Look { colour, ..self }
    }
    pub fn bold(self) -> Look {
        Look { bold: true, ..self }
    }
    pub fn rotate(self, rotate: f64) -> Look {
        Look { rotate, ..self }
    }
}

/// A hit area of the overlay, in pixels.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Shape {
    Rect { x: f64, y: f64, w: f64, h: f64 },
    /// Closed polygon (donut slices).
    Polygon(Vec<(f64, f64)>),
}

impl Shape {
    /// A rectangle from any two opposite corners.
    pub fn rect(a: (i32, i32), b: (i32, i32)) -> Shape {
        let (x0, x1) = (a.0.min(b.0), a.0.max(b.0));
        let (y0, y1) = (a.1.min(b.1), a.1.max(b.1));
        Shape::Rect { x: f64::from(x0), y: f64::from(y0), w: f64::from(x1 - x0), h: f64::from(y1 - y0) }
    }
}

/// One data mark of the overlay: its exact value as a hover title and,
/// when its category or series has one, a link.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mark {
    pub shape: Shape,
    pub title: String,
    pub link: Option<String>,
}

/// Everything written by hand on top of what plotters draws.
#[derive(Debug, Default)]
pub(crate) struct Layer {
    text: String,
    pub marks: Vec<Mark>,
    /// Hit areas that are not data (legend entries with a link).
    pub keys: Vec<Mark>,
}

fn num(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

impl Layer {
    /// Writes one line of text, its middle at y.
    pub fn text(&mut self, x: f64, y: f64, s: &str, look: Look) {
        if s.is_empty() {
            return;
        }
        let _ = write!(self.text, "<text x=\"{}\" y=\"{}\" dy=\"0.35em\" font-size=\"{}\"", num(x), num(y), num(look.size));
        match look.anchor {
            Anchor::Start => {}
            Anchor::Middle => self.text.push_str(" text-anchor=\"middle\""),
            Anchor::End => self.text.push_str(" text-anchor=\"end\""),
        }
        if look.colour != INK {
            let _ = write!(self.text, " fill=\"{}\"", hex(look.colour));
        }
        if look.bold {
            self.text.push_str(" font-weight=\"bold\"");
        }
        if look.rotate != 0.0 {
            let _ = write!(self.text, " transform=\"rotate({} {} {})\"", num(look.rotate), num(x), num(y));
        }
        let _ = write!(self.text, ">{}</text>\n", escape_xml(s));
    }

    pub fn mark(&mut self, shape: Shape, title: String, link: Option<&str>) {
        self.marks.push(Mark { shape, title, link: link.map(str::to_string) });
    }

    pub fn key(&mut self, shape: Shape, title: String, link: Option<&str>) {
        self.keys.push(Mark { shape, title, link: link.map(str::to_string) });
    }
}

fn write_mark(out: &mut String, m: &Mark, class: &str) {
    if let Some(link) = &m.link {
        let _ = write!(out, "<a href=\"{}\">", escape_xml(link));
    }
    let title = escape_xml(&m.title);
    match &m.shape {
        Shape::Rect { x, y, w, h } => {
            let _ = write!(
                out,
                "<rect class=\"{class}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{title}</title></rect>",
                num(*x),
                num(*y),
                num(w.max(1.0)),
                num(h.max(1.0))
            );
        }
        Shape::Polygon(points) => {
            let mut d = String::new();
            for (i, (x, y)) in points.iter().enumerate() {
                let _ = write!(d, "{}{} {}", if i == 0 { "M" } else { "L" }, num(*x), num(*y));
            }
            let _ = write!(out, "<path class=\"{class}\" d=\"{d}Z\"><title>{title}</title></path>");
        }
    }
    if m.link.is_some() {
        out.push_str("</a>");
    }
    out.push('\n');
}

/// Puts the accessible name and description first inside the root
/// element, and the hand-written text and the overlay last (on top).
pub(crate) fn finish(svg: String, chart: &Chart, desc: &str, layer: &Layer) -> String {
    let title = escape_xml(&chart.title);
    let desc = escape_xml(desc);
    let label = if title.is_empty() { &desc } else { &title };
    let Some(end) = svg.find('>').filter(|_| svg.starts_with("<svg")) else {
        return svg;
    };
    let close = svg.rfind("</svg>").unwrap_or(svg.len());
    let mut out = String::with_capacity(svg.len() + layer.text.len() + layer.marks.len() * 120 + 512);
    out.push_str(&svg[..end]);
    let _ = write!(
        out,
        " role=\"img\" aria-label=\"{label}\" class=\"chart chart-{}\"><title>{title}</title><desc>{desc}</desc>",
        chart.kind.name()
    );
    out.push_str(&svg[end + 1..close]);
    let _ = write!(out, "<g class=\"labels\" font-family=\"sans-serif\" fill=\"{}\">\n{}</g>\n", hex(INK), layer.text);
    if !layer.marks.is_empty() || !layer.keys.is_empty() {
        out.push_str("<g class=\"marks\" fill=\"#FFFFFF\" fill-opacity=\"0\">\n");
        for m in &layer.marks {
            write_mark(&mut out, m, "mark");
        }
        for m in &layer.keys {
            write_mark(&mut out, m, "key");
        }
        out.push_str("</g>\n");
    }
    out.push_str(&svg[close..]);
    out
}
