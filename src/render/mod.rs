//! Render: chart SVG to PNG, and a whole dashboard to a print-ready PDF, on
//! the server with no browser.
//!
//! ```text
//! Fonts::discover(configured: Option<&Path>) -> Fonts      // once, at start
//! fonts.cjk_font() -> Option<&Path>      fonts.problem() -> Option<String>
//! svg_to_png(svg: &str, scale: f32, fonts: &Fonts) -> anyhow::Result<Vec<u8>>
//! pdf(doc: &PdfDoc, fonts: &Fonts) -> anyhow::Result<Vec<u8>>
//! ```
//!
//! **Fonts.** Charts name `font-family="sans-serif"` and are mostly
//! Chinese, so everything hinges on one font with Chinese glyphs.
//! [`Fonts::discover`] tries, in order: the configured file (`.ttf`, `.otf`,
//! `.ttc`/`.otc`), the file named by `JINGZHUN_CJK_FONT`, well-known files
//! (Debian's fonts-noto-cjk `NotoSansCJK-*.ttc`, other distributions' Noto
//! Sans CJK, Source Han Sans, WenQuanYi, Droid Sans Fallback), then every
//! face in the system font directories that has 贫 (U+8D2B). In a collection
//! it picks the Simplified Chinese face (Noto Sans CJK's order is JP, KR,
//! SC, TC, HK: "Noto Sans CJK SC" is chosen by name). A `…-Regular` file's
//! `…-Bold` sibling is loaded too, for bold SVG text and PDF headings. The
//! font bytes are read once and shared by resvg and the PDF writer (about
//! 20 MB each for Noto's Regular and Bold collections). Every generic family
//! and every unknown family name resolve to that face. `discover` never
//! fails: [`Fonts::problem`] says what was searched when nothing was found
//! (log it at start, put it in error responses), or which configured font
//! was unusable and what is used instead. [`Fonts::search`] with a
//! [`FontSearch`] narrows the search (tests, tools).
//!
//! Both renderers are CPU-bound and synchronous (a 640×360 chart at scale 2
//! takes tens of milliseconds): call them from a blocking thread in async
//! handlers (`actix_web::web::block`).
//!
//! **PNG.** [`svg_to_png`] draws with resvg on white; the image is the SVG's
//! `width`×`height` times `scale`, rounded. Bad SVG is an error, never a
//! panic. External files referenced by `<image href>` are never read (data
//! URLs are), so SVG text cannot make the server read its disk.
//!
//! **PDF.** [`pdf`] lays out a [`PdfDoc`] on A4 portrait with krilla: the
//! title and the filter lines (subtitle) on page 1; a running header (the
//! title) and a footer (`footer` + "第 n / N 页 Page n of N") on every page;
//! per [`PdfSection`] a heading, a summary paragraph (wrapped at spaces, and
//! between any two Chinese characters, keeping punctuation such as ，。 off
//! line starts), the chart (vector via krilla-svg, scaled to the text width,
//! never split across pages; its text stays selectable) and a [`PdfTable`]
//! (columns sized to their content, cells wrapped, numeric columns right
//! aligned, the header row repeated on every page the table runs onto). The
//! CJK font is embedded as a subset, so the file prints the same anywhere.
//! A PDF without a CJK font would print Chinese as nothing: [`pdf`] refuses
//! with the [`Fonts::problem`] text instead.

mod fonts;
mod pdf;
mod text;

pub use fonts::{FontSearch, Fonts, ENV_VAR, PROBE_CHAR};
pub use pdf::{pdf, PdfDoc, PdfSection, PdfTable};

use anyhow::{anyhow, bail, Context};
use resvg::tiny_skia;
use resvg::usvg;

/// Largest PNG drawn, in pixels (about 16 k × 16 k at 4 bytes each would be
/// a gigabyte; this is 64 MB of pixmap).
const MAX_PIXELS: u64 = 16_000_000;

/// Options for usvg: our font database, and no reading of files that the
/// SVG names (only `data:` images are decoded).
pub(crate) fn usvg_options(fonts: &Fonts) -> usvg::Options<'static> {
    let mut opt = usvg::Options {
        fontdb: fonts.db(),
        languages: vec!["zh-CN".to_string(), "en".to_string()],
        ..usvg::Options::default()
    };
    if let Some(family) = fonts.cjk_family() {
        opt.font_family = family.to_string();
    }
    opt.image_href_resolver = usvg::ImageHrefResolver {
        resolve_data: usvg::ImageHrefResolver::default_data_resolver(),
        resolve_string: Box::new(|_, _| None),
    };
    opt
}

/// Parses SVG text into a usvg tree (text is laid out here, with our fonts).
pub(crate) fn parse_svg(svg: &str, fonts: &Fonts) -> anyhow::Result<usvg::Tree> {
    let opt = usvg_options(fonts);
    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| usvg::Tree::from_str(svg, &opt)))
        .map_err(|_| anyhow!("the SVG parser panicked on this input"))?;
    parsed.map_err(|e| anyhow!("invalid SVG: {e}"))
}

/// Draws chart SVG as PNG bytes: white background, size = the SVG's size ×
/// `scale` (so 640×360 at scale 2 is 1280×720). `scale` must be in
/// (0, 16]. Text in any family uses the CJK font from `fonts`.
pub fn svg_to_png(svg: &str, scale: f32, fonts: &Fonts) -> anyhow::Result<Vec<u8>> {
    if !(scale.is_finite() && scale > 0.0 && scale <= 16.0) {
        bail!("PNG scale must be above 0 and at most 16, not {scale}");
    }
    let tree = parse_svg(svg, fonts)?;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(scale)
        .ok_or_else(|| anyhow!("SVG size {:?} × {scale} is not drawable", tree.size()))?;
    let pixels = u64::from(size.width()) * u64::from(size.height());
    if pixels > MAX_PIXELS {
        bail!("PNG of {}×{} pixels is too large (at most {MAX_PIXELS} pixels)", size.width(), size.height());
    }
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| anyhow!("cannot allocate a {}×{} image", size.width(), size.height()))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    let transform = tiny_skia::Transform::from_scale(
        size.width() as f32 / tree.size().width(),
        size.height() as f32 / tree.size().height(),
    );
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| resvg::render(&tree, transform, &mut pixmap.as_mut())))
        .map_err(|_| anyhow!("the SVG renderer panicked on this input"))?;
    pixmap.encode_png().context("encoding the PNG")
}

#[cfg(test)]
mod tests;
