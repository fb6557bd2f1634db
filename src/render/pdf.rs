//! A dashboard as a print-ready PDF: A4 portrait, laid out in two passes
//! (pages of drawing operations first, then krilla draws them knowing the
//! page count for "第 n / N 页").

use anyhow::{anyhow, Context};
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::Font;
use krilla::Document;
use krilla_svg::{SurfaceExt, SvgSettings};
use resvg::usvg;

use super::text::Metrics;
use super::Fonts;

/// A document to print: a title, the filters in force, a footer for every
/// page (data date and source) and the sections in order.
#[derive(Debug, Clone, Default)]
pub struct PdfDoc {
    pub title: String,
    /// One line per filter value, e.g. "年度 Year: 2017".
    pub subtitle: Vec<String>,
    /// Data date and source; printed on every page with the page number.
    pub footer: String,
    pub sections: Vec<PdfSection>,
}

/// One dashboard panel: heading, summary paragraph, chart, table; each
/// part may be empty.
#[derive(Debug, Clone, Default)]
pub struct PdfSection {
    pub heading: String,
    pub summary: String,
    /// Chart SVG text, drawn as vector graphics at the text width.
    pub svg: Option<String>,
    pub table: Option<PdfTable>,
}

/// A table; rows shorter than the header are padded with empty cells.
#[derive(Debug, Clone, Default)]
pub struct PdfTable {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Right-align these columns (by index; missing entries are false).
    pub numeric: Vec<bool>,
}

// Geometry, in PDF points (1/72 inch). A4 is 210 × 297 mm.
const PAGE_W: f32 = 595.276;
const PAGE_H: f32 = 841.89;
const MARGIN_X: f32 = 56.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;
const HEADER_BASELINE: f32 = 36.0;
const HEADER_RULE: f32 = 44.0;
pub(super) const BODY_TOP: f32 = 62.0;
pub(super) const BODY_BOTTOM: f32 = PAGE_H - 60.0;
pub(super) const BODY_H: f32 = BODY_BOTTOM - BODY_TOP;
const FOOTER_RULE: f32 = PAGE_H - 46.0;
const FOOTER_BASELINE: f32 = PAGE_H - 33.0;

const TITLE_SIZE: f32 = 18.0;
pub(super) const TITLE_LINE: f32 = 25.0;
const SUBTITLE_SIZE: f32 = 10.0;
pub(super) const SUBTITLE_LINE: f32 = 15.0;
pub(super) const HEADING_SIZE: f32 = 13.0;
pub(super) const HEADING_LINE: f32 = 19.0;
const BODY_SIZE: f32 = 10.0;
const BODY_LINE: f32 = 15.5;
const CHROME_SIZE: f32 = 8.0;
const TABLE_SIZE: f32 = 8.5;
pub(super) const TABLE_LINE: f32 = 11.5;
const CELL_PAD_X: f32 = 4.0;
const CELL_PAD_Y: f32 = 3.0;
/// Height of a table row of one line.
pub(super) const ROW_H: f32 = TABLE_LINE + 2.0 * CELL_PAD_Y;
/// A cell longer than this many lines is cut with "…" (a row must fit a page).
const MAX_CELL_LINES: usize = 8;
const SECTION_GAP: f32 = 18.0;
pub(super) const GAP: f32 = 6.0;

type Rgb = (u8, u8, u8);
const INK: Rgb = (25, 25, 25);
const BODY_INK: Rgb = (55, 55, 55);
const GREY: Rgb = (110, 110, 110);
const RULE: Rgb = (190, 190, 190);
const ACCENT: Rgb = (0, 114, 178);
const TABLE_HEAD_BG: Rgb = (229, 237, 244);
const ZEBRA: Rgb = (246, 246, 246);

/// One drawing operation on a page; `y` grows downwards from the top edge
/// and text `y` is the baseline.
#[derive(Debug, Clone)]
pub(super) enum Op {
    Text { x: f32, y: f32, size: f32, bold: bool, color: Rgb, text: String },
    Line { x1: f32, y1: f32, x2: f32, y2: f32, width: f32, color: Rgb },
    Rect { x: f32, y: f32, w: f32, h: f32, color: Rgb },
    Chart { index: usize, x: f32, y: f32, w: f32, h: f32 },
}

/// Baseline of text of `size` centred in a line box of `line` starting at
/// `top` (CJK glyphs sit about 0.88 em above and 0.12 em below it).
fn baseline(top: f32, line: f32, size: f32) -> f32 {
    top + line / 2.0 + 0.36 * size
}

/// Renders the document as PDF bytes (A4 portrait). Fails when no CJK font
/// was found (with [`Fonts::problem`]'s text), when a chart's SVG does not
/// parse (naming the section), or when the PDF cannot be written.
pub fn pdf(doc: &PdfDoc, fonts: &Fonts) -> anyhow::Result<Vec<u8>> {
    let (Some(regular), Some(bold)) = (fonts.regular(), fonts.bold()) else {
        return Err(anyhow!(
            "cannot print a PDF without a Chinese font: {}",
            fonts.problem().unwrap_or_else(|| "no font found".into())
        ));
    };
    let charts: Vec<Option<usvg::Tree>> = doc
        .sections
        .iter()
        .enumerate()
        .map(|(i, s)| {
            s.svg
                .as_deref()
                .map(|svg| super::parse_svg(svg, fonts))
                .transpose()
                .with_context(|| format!("chart of section {} ({})", i + 1, s.heading))
        })
        .collect::<anyhow::Result<_>>()?;

    let reg = Metrics::new(regular).context("reading the regular font")?;
    let bld = Metrics::new(bold).context("reading the bold font")?;
    let sizes: Vec<Option<(f32, f32)>> =
        charts.iter().map(|t| t.as_ref().map(|t| (t.size().width(), t.size().height()))).collect();
    let pages = layout(doc, &sizes, &reg, &bld);

    let font_reg = Font::new(regular.data.clone().into(), regular.index).context("loading the font for the PDF")?;
    let font_bold = Font::new(bold.data.clone().into(), bold.index).context("loading the bold font for the PDF")?;
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(doc.title.clone())
            .language("zh-CN".to_string())
            .creator("Jingzhun".to_string()),
    );
    let total = pages.len();
    for (n, ops) in pages.iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).context("A4 page size")?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        let chrome = chrome(doc, n + 1, total, &reg);
        for op in chrome.iter().chain(ops) {
            draw(&mut surface, op, &reg, &bld, &font_reg, &font_bold, &charts)?;
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| anyhow!("writing the PDF: {e}"))
}

/// The first pass: the body of every page (no header or footer yet).
/// `charts[i]` is the intrinsic size of section i's chart.
fn layout(doc: &PdfDoc, charts: &[Option<(f32, f32)>], reg: &Metrics, bld: &Metrics) -> Vec<Vec<Op>> {
    let mut layout = Layout { reg, bold: bld, pages: Vec::new(), y: BODY_TOP };
    layout.new_page();
    layout.title_block(doc);
    for (i, section) in doc.sections.iter().enumerate() {
        let chart = charts.get(i).copied().flatten().map(|(w, h)| (i, w, h));
        layout.section(section, chart, i == 0);
    }
    layout.pages
}

/// Running header and footer of page `n` of `total`.
fn chrome(doc: &PdfDoc, n: usize, total: usize, reg: &Metrics) -> Vec<Op> {
    let mut ops = Vec::new();
    ops.push(Op::Text {
        x: MARGIN_X,
        y: HEADER_BASELINE,
        size: CHROME_SIZE,
        bold: false,
        color: GREY,
        text: reg.fit(&doc.title, CHROME_SIZE, CONTENT_W),
    });
    let rule = |y| Op::Line { x1: MARGIN_X, y1: y, x2: PAGE_W - MARGIN_X, y2: y, width: 0.5, color: RULE };
    ops.push(rule(HEADER_RULE));
    ops.push(rule(FOOTER_RULE));
    let number = format!("第 {n} / {total} 页 Page {n} of {total}");
    let number_w = reg.width(&number, CHROME_SIZE);
    ops.push(Op::Text {
        x: PAGE_W - MARGIN_X - number_w,
        y: FOOTER_BASELINE,
        size: CHROME_SIZE,
        bold: false,
        color: GREY,
        text: number,
    });
    let room = CONTENT_W - number_w - 16.0;
    let mut lines = reg.wrap(&doc.footer, CHROME_SIZE, room);
    if lines.len() > 2 {
        let rest = lines[1..].join(" ");
        lines.truncate(1);
        lines.push(reg.fit(&rest, CHROME_SIZE, room));
    }
    for (i, line) in lines.into_iter().enumerate() {
        ops.push(Op::Text {
            x: MARGIN_X,
            y: FOOTER_BASELINE + i as f32 * (CHROME_SIZE + 3.0),
            size: CHROME_SIZE,
            bold: false,
            color: GREY,
            text: line,
        });
    }
    ops
}

fn color(c: Rgb) -> krilla::paint::Paint {
    rgb::Color::new(c.0, c.1, c.2).into()
}

fn draw(
    surface: &mut Surface,
    op: &Op,
    reg: &Metrics,
    bld: &Metrics,
    font_reg: &Font,
    font_bold: &Font,
    charts: &[Option<usvg::Tree>],
) -> anyhow::Result<()> {
    match op {
        Op::Text { x, y, size, bold, color: c, text } => {
            if text.is_empty() {
                return Ok(());
            }
            let (metrics, font) = if *bold { (bld, font_bold) } else { (reg, font_reg) };
            surface.set_stroke(None);
            surface.set_fill(Some(Fill { paint: color(*c), ..Fill::default() }));
            surface.draw_glyphs(Point::from_xy(*x, *y), &metrics.glyphs(text), font.clone(), text, *size, false);
        }
        Op::Line { x1, y1, x2, y2, width, color: c } => {
            let mut pb = PathBuilder::new();
            pb.move_to(*x1, *y1);
            pb.line_to(*x2, *y2);
            if let Some(path) = pb.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke { paint: color(*c), width: *width, ..Stroke::default() }));
                surface.draw_path(&path);
            }
        }
        Op::Rect { x, y, w, h, color: c } => {
            let mut pb = PathBuilder::new();
            if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                pb.push_rect(rect);
            }
            if let Some(path) = pb.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(Fill { paint: color(*c), ..Fill::default() }));
                surface.draw_path(&path);
            }
        }
        Op::Chart { index, x, y, w, h } => {
            let tree = charts[*index].as_ref().context("chart missing")?;
            let size = Size::from_wh(*w, *h).context("chart size")?;
            surface.push_transform(&Transform::from_translate(*x, *y));
            let drawn = surface.draw_svg(tree, size, SvgSettings::default());
            surface.pop();
            drawn.with_context(|| format!("drawing chart {}", index + 1))?;
        }
    }
    Ok(())
}

/// The first pass: places every block, opening pages as they fill.
struct Layout<'m, 'f> {
    reg: &'m Metrics<'f>,
    bold: &'m Metrics<'f>,
    pages: Vec<Vec<Op>>,
    /// Top of the next block on the current page.
    y: f32,
}

impl Layout<'_, '_> {
    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = BODY_TOP;
    }

    fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    fn room(&self) -> f32 {
        BODY_BOTTOM - self.y
    }

    fn at_top(&self) -> bool {
        self.y <= BODY_TOP + 0.5
    }

    /// Opens a new page unless `h` points fit on this one (or this page is
    /// still empty: a block taller than a page starts at the top).
    fn ensure(&mut self, h: f32) {
        if h > self.room() + 0.01 && !self.at_top() {
            self.new_page();
        }
    }

    fn metrics(&self, bold: bool) -> &Metrics<'_> {
        if bold {
            self.bold
        } else {
            self.reg
        }
    }

    /// Lines of text, each moved to a new page when it does not fit.
    fn lines(&mut self, lines: &[String], size: f32, line: f32, bold: bool, color: Rgb) {
        for text in lines {
            self.ensure(line);
            let y = baseline(self.y, line, size);
            self.push(Op::Text { x: MARGIN_X, y, size, bold, color, text: text.clone() });
            self.y += line;
        }
    }

    fn title_block(&mut self, doc: &PdfDoc) {
        let title = self.bold.wrap(&doc.title, TITLE_SIZE, CONTENT_W);
        self.lines(&title, TITLE_SIZE, TITLE_LINE, true, INK);
        self.y += 2.0;
        for filter in &doc.subtitle {
            let lines = self.reg.wrap(filter, SUBTITLE_SIZE, CONTENT_W);
            self.lines(&lines, SUBTITLE_SIZE, SUBTITLE_LINE, false, GREY);
        }
        self.y += GAP;
        self.push(Op::Line { x1: MARGIN_X, y1: self.y, x2: PAGE_W - MARGIN_X, y2: self.y, width: 1.2, color: ACCENT });
        self.y += GAP;
    }

    /// `chart`: index of the parsed tree and its intrinsic width and height.
    fn section(&mut self, s: &PdfSection, chart: Option<(usize, f32, f32)>, first: bool) {
        if !first && !self.at_top() {
            self.y += SECTION_GAP;
        }
        let heading = self.bold.wrap(&s.heading, HEADING_SIZE, CONTENT_W);
        let summary = self.reg.wrap(&s.summary, BODY_SIZE, CONTENT_W);
        let heading_h = heading.len() as f32 * HEADING_LINE;
        let summary_h = summary.len() as f32 * BODY_LINE;
        // The chart at the text width, shrunk to fit a page if it is tall.
        let chart = chart.map(|(index, w, h)| {
            let (mut cw, mut ch) = (CONTENT_W, CONTENT_W * h / w);
            let max_h = BODY_H - HEADING_LINE - 2.0 * GAP;
            if ch > max_h {
                (cw, ch) = (max_h * w / h, max_h);
            }
            (index, cw, ch)
        });
        let chart_h = chart.map_or(0.0, |c| c.2 + GAP);
        // A table's header row and first row.
        let table_start = if s.table.is_some() { 2.0 * ROW_H } else { 0.0 };

        // Keep the heading with what follows: the whole block when it fits
        // on a page, else the heading with two summary lines.
        let block = heading_h + GAP / 2.0 + summary_h + chart_h;
        let keep = if block + table_start <= BODY_H {
            block + table_start
        } else if block <= BODY_H {
            block
        } else {
            heading_h + GAP / 2.0 + summary_h.min(2.0 * BODY_LINE)
        };
        self.ensure(keep);

        self.lines(&heading, HEADING_SIZE, HEADING_LINE, true, INK);
        self.y += GAP / 2.0;
        self.lines(&summary, BODY_SIZE, BODY_LINE, false, BODY_INK);
        if let Some((index, w, h)) = chart {
            if !summary.is_empty() {
                self.y += GAP;
            }
            self.ensure(h);
            let x = MARGIN_X + (CONTENT_W - w) / 2.0;
            self.push(Op::Chart { index, x, y: self.y, w, h });
            self.y += h + GAP;
        }
        if let Some(table) = &s.table {
            if chart.is_none() && !summary.is_empty() {
                self.y += GAP;
            }
            self.table(&s.heading, table);
        }
    }

    /// Column widths: each column's widest line, scaled up to the text width
    /// when they all fit, else the narrow columns keep their width and the
    /// wide ones share what is left.
    fn column_widths(&self, t: &PdfTable, ncols: usize) -> Vec<f32> {
        let widest = |text: &str, bold: bool| {
            text.split('\n').map(|l| self.metrics(bold).width(l, TABLE_SIZE)).fold(0.0, f32::max)
        };
        let mut natural = vec![0.0f32; ncols];
        for (i, h) in t.headers.iter().enumerate() {
            natural[i] = natural[i].max(widest(h, true));
        }
        for row in &t.rows {
            for (i, cell) in row.iter().enumerate().take(ncols) {
                natural[i] = natural[i].max(widest(cell, false));
            }
        }
        let natural: Vec<f32> = natural.iter().map(|w| w + 2.0 * CELL_PAD_X + 0.5).collect();
        let total: f32 = natural.iter().sum();
        if total <= CONTENT_W {
            return natural.iter().map(|w| w * CONTENT_W / total).collect();
        }
        let mut widths = vec![0.0f32; ncols];
        let mut open: Vec<usize> = (0..ncols).collect();
        let mut left = CONTENT_W;
        loop {
            let share = left / open.len() as f32;
            let (narrow, wide): (Vec<usize>, Vec<usize>) = open.iter().partition(|&&i| natural[i] <= share);
            if narrow.is_empty() {
                for &i in &wide {
                    widths[i] = share;
                }
                break;
            }
            for &i in &narrow {
                widths[i] = natural[i];
                left -= natural[i];
            }
            if wide.is_empty() {
                break;
            }
            open = wide;
        }
        widths
    }

    /// Wrapped lines of each cell of a row.
    fn cell_lines(&self, cells: &[String], widths: &[f32], bold: bool) -> Vec<Vec<String>> {
        let m = self.metrics(bold);
        widths
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let text = cells.get(i).map(String::as_str).unwrap_or("");
                let inner = (w - 2.0 * CELL_PAD_X).max(TABLE_SIZE);
                let mut lines = m.wrap(text, TABLE_SIZE, inner);
                if lines.len() > MAX_CELL_LINES {
                    let rest = lines[MAX_CELL_LINES - 1..].join("");
                    lines.truncate(MAX_CELL_LINES - 1);
                    lines.push(m.fit(&rest, TABLE_SIZE, inner));
                }
                lines
            })
            .collect()
    }

    fn table(&mut self, heading: &str, t: &PdfTable) {
        let ncols = t.rows.iter().map(Vec::len).chain([t.headers.len()]).max().unwrap_or(0);
        if ncols == 0 {
            return;
        }
        let widths = self.column_widths(t, ncols);
        let numeric = |i: usize| t.numeric.get(i).copied().unwrap_or(false);
        let header = self.cell_lines(&t.headers, &widths, true);
        let height = |cells: &[Vec<String>]| {
            cells.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32 * TABLE_LINE + 2.0 * CELL_PAD_Y
        };
        // A table without header texts gets no header row.
        let has_header = t.headers.iter().any(|h| !h.trim().is_empty());
        let header_h = if has_header { height(&header) } else { 0.0 };
        let empty = vec!["（无数据 No data）".to_string()];
        let rows: Vec<Vec<Vec<String>>> = if t.rows.is_empty() {
            vec![self.cell_lines(&empty, &widths, false)]
        } else {
            t.rows.iter().map(|r| self.cell_lines(r, &widths, false)).collect()
        };

        let first_h = rows.first().map_or(0.0, |r| height(r));
        self.ensure(header_h + first_h);
        if has_header {
            self.table_row(&header, &widths, header_h, true, Some(TABLE_HEAD_BG), &numeric);
        }
        for (n, row) in rows.iter().enumerate() {
            let h = height(row);
            if h > self.room() + 0.01 {
                self.new_page();
                let label = format!("{heading}（续 continued）");
                let label = self.reg.fit(&label, TABLE_SIZE, CONTENT_W);
                self.push(Op::Text {
                    x: MARGIN_X,
                    y: baseline(self.y, TABLE_LINE + 4.0, TABLE_SIZE),
                    size: TABLE_SIZE,
                    bold: false,
                    color: GREY,
                    text: label,
                });
                self.y += TABLE_LINE + 4.0;
                if has_header {
                    self.table_row(&header, &widths, header_h, true, Some(TABLE_HEAD_BG), &numeric);
                }
            }
            let bg = (n % 2 == 1).then_some(ZEBRA);
            self.table_row(row, &widths, h, false, bg, &numeric);
        }
        self.y += GAP;
    }

    fn table_row(
        &mut self,
        cells: &[Vec<String>],
        widths: &[f32],
        h: f32,
        bold: bool,
        bg: Option<Rgb>,
        numeric: &dyn Fn(usize) -> bool,
    ) {
        if let Some(bg) = bg {
            self.push(Op::Rect { x: MARGIN_X, y: self.y, w: CONTENT_W, h, color: bg });
        }
        let mut x = MARGIN_X;
        for (i, lines) in cells.iter().enumerate() {
            let w = widths[i];
            for (k, line) in lines.iter().enumerate() {
                let top = self.y + CELL_PAD_Y + k as f32 * TABLE_LINE;
                let tx = if numeric(i) {
                    x + w - CELL_PAD_X - self.metrics(bold).width(line, TABLE_SIZE)
                } else {
                    x + CELL_PAD_X
                };
                let ink = if bold { INK } else { BODY_INK };
                self.push(Op::Text {
                    x: tx,
                    y: baseline(top, TABLE_LINE, TABLE_SIZE),
                    size: TABLE_SIZE,
                    bold,
                    color: ink,
                    text: line.clone(),
                });
            }
            x += w;
        }
        self.y += h;
        let (width, color) = if bold { (0.8, GREY) } else { (0.3, RULE) };
        self.push(Op::Line { x1: MARGIN_X, y1: self.y, x2: PAGE_W - MARGIN_X, y2: self.y, width, color });
    }
}

#[cfg(test)]
pub(super) fn layout_for_tests(
    doc: &PdfDoc,
    charts: &[Option<(f32, f32)>],
    reg: &Metrics,
    bld: &Metrics,
) -> Vec<Vec<Op>> {
    layout(doc, charts, reg, bld)
}

/// Top and bottom of every chart on a page.
#[cfg(test)]
pub(super) fn chart_boxes(page: &[Op]) -> Vec<(f32, f32)> {
    page.iter()
        .filter_map(|op| match op {
            Op::Chart { y, h, .. } => Some((*y, *y + *h)),
            _ => None,
        })
        .collect()
}

/// Whether the last thing drawn on a page (rules aside) is a heading.
#[cfg(test)]
pub(super) fn ends_with_heading(page: &[Op]) -> bool {
    matches!(
        page.iter().rev().find(|op| !matches!(op, Op::Line { .. })),
        Some(Op::Text { bold: true, size, .. }) if *size == HEADING_SIZE
    )
}
