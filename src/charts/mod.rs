//! Charts: pure functions from data and a spec to SVG text, drawn with
//! plotters. Readable by design: units on the axes, numbers formatted for
//! Chinese readers, a colour-blind-safe palette whose series also differ by
//! marker and dash (so they survive greyscale printing), and the legend in
//! its own band below the plot so it never covers data.
//!
//! Invariant: nothing here does IO; every text goes through the SVG
//! backend, which escapes it.

pub mod spec;

pub use spec::{Chart, Kind};

use plotters::coord::Shift;
use plotters::prelude::*;

/// Okabe–Ito colours: distinguishable with the common colour-vision
/// deficiencies, in an order that also differs in lightness.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(0, 0, 0),       // black
];

const FONT: &str = "sans-serif";
/// Font size asked of plotters (it draws text at about 0.8 of this). Large
/// enough to stay legible when a 520-pixel chart shrinks to a phone.
const FONT_SIZE: f64 = 21.0;
const LEGEND_ROW: u32 = 26;
const GREY: RGBColor = RGBColor(110, 110, 110);

/// How values on the y axis read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unit {
    /// Percent, one decimal: 8.4%.
    Percent,
    /// Yuan with 万 and 亿 for large values: 1.3万.
    Yuan,
    /// A count with thousands separators.
    Count,
    /// A plain number (days, ratios): up to one decimal.
    Number,
}

impl Unit {
    /// The unit a query column declares (`%`, `元`, `户`, …).
    pub fn from_column(unit: &str) -> Unit {
        match unit {
            "%" => Unit::Percent,
            "元" | "万元" => Unit::Yuan,
            "户" | "人" | "个" | "次" | "笔" => Unit::Count,
            _ => Unit::Number,
        }
    }
}

/// Formats a number as Chinese readers expect: thousands separators,
/// 万 from ten thousand, 亿 from a hundred million.
pub fn format_number(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Percent => format!("{}%", trim_zeros(format!("{v:.1}"))),
        Unit::Number if v.abs() < 1.0e4 => trim_zeros(format!("{v:.1}")),
        Unit::Yuan | Unit::Count | Unit::Number => {
            let a = v.abs();
            if a >= 1.0e8 {
                format!("{}亿", trim_zeros(format!("{:.2}", v / 1.0e8)))
            } else if a >= 1.0e4 {
                format!("{}万", trim_zeros(format!("{:.2}", v / 1.0e4)))
            } else {
                thousands(v.round() as i64)
            }
        }
    }
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// 12345678 → "12,345,678".
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// One line of a line chart.
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

/// Draws any chart as SVG text. Until every kind has its own drawing, the
/// other kinds are refused by name.
pub fn render(chart: &Chart) -> anyhow::Result<String> {
    match chart.kind {
        Kind::Line => line_chart(&LineChart {
            title: chart.title.clone(),
            x_label: chart.x_label.clone(),
            y_label: chart.y_label.clone(),
            unit: chart.unit,
            series: chart
                .series
                .iter()
                .map(|s| Series {
                    name: s.name.clone(),
                    points: s
                        .values
                        .iter()
                        .enumerate()
                        .filter_map(|(i, v)| v.map(|v| (chart.categories[i].label.parse::<f64>().unwrap_or(i as f64), v)))
                        .collect(),
                    reference: false,
                })
                .collect(),
            width: chart.width,
            height: chart.height,
        }),
        other => anyhow::bail!("chart kind {other:?} is not drawn yet"),
    }
}

/// A one-sentence summary of what a chart shows.
pub fn summary(chart: &Chart) -> String {
    let Some(s) = chart.series.first() else { return String::new() };
    let points: Vec<(usize, f64)> = s.values.iter().enumerate().filter_map(|(i, v)| v.map(|v| (i, v))).collect();
    match (points.first(), points.last()) {
        (Some(&(a, va)), Some(&(b, vb))) if a != b => format!(
            "{}：{}{} → {}{}",
            s.name,
            chart.categories[a].label,
            format_number(va, chart.unit),
            chart.categories[b].label,
            format_number(vb, chart.unit)
        ),
        _ => s.name.clone(),
    }
}

/// Draws a line chart as SVG text.
pub fn line_chart(spec: &LineChart) -> anyhow::Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (spec.width, spec.height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let (places, legend_rows) = legend_layout(&spec.series, spec.width);
        let legend_h = 10 + LEGEND_ROW * legend_rows;
        let (plot, legend) = root.split_vertically(spec.height.saturating_sub(legend_h));
        draw_lines(&plot, spec)?;
        draw_legend(&legend, &spec.series, &places)?;
        root.present().map_err(draw_err)?;
    }
    Ok(with_title(svg, &spec.title))
}

fn draw_err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow::anyhow!("drawing failed: {e:?}")
}

fn draw_lines(area: &DrawingArea<SVGBackend<'_>, Shift>, spec: &LineChart) -> anyhow::Result<()> {
    let all: Vec<(f64, f64)> = spec.series.iter().flat_map(|s| s.points.iter().copied()).collect();
    let (x_min, x_max) = all.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let y_max = all.iter().fold(0.0f64, |m, p| m.max(p.1));
    let (x_min, x_max) = if all.is_empty() { (0.0, 1.0) } else if x_min == x_max { (x_min - 1.0, x_max + 1.0) } else { (x_min, x_max) };
    let y_top = nice_ceiling(y_max * 1.08);
    let unit = spec.unit;
    let mut chart = ChartBuilder::on(area)
        .margin_top(12)
        .margin_right(18)
        .margin_left(6)
        .x_label_area_size(56)
        .y_label_area_size(84)
        .build_cartesian_2d(x_min - 0.3..x_max + 0.3, 0.0..y_top)
        .map_err(draw_err)?;
    let x_count = ((x_max - x_min) as usize + 1).min(12);
    chart
        .configure_mesh()
        .x_labels(x_count)
        .y_labels(6)
        .x_label_formatter(&|x| if x.fract().abs() < 1e-9 { format!("{x:.0}") } else { String::new() })
        .y_label_formatter(&move |y| format_number(*y, unit))
        .x_desc(spec.x_label.as_str())
        .y_desc(spec.y_label.as_str())
        .label_style((FONT, FONT_SIZE).into_font().color(&GREY))
        .axis_desc_style((FONT, FONT_SIZE).into_font().color(&GREY))
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(225, 225, 225))
        .draw()
        .map_err(draw_err)?;
    let mut colour = 0;
    for (i, s) in spec.series.iter().enumerate() {
        if s.reference {
            let style = GREY.stroke_width(2);
            chart
                .draw_series(DashedLineSeries::new(s.points.iter().copied(), 8, 5, style))
                .map_err(draw_err)?;
            continue;
        }
        let c = PALETTE[colour % PALETTE.len()];
        colour += 1;
        let style = c.stroke_width(if i == 0 { 3 } else { 2 });
        chart.draw_series(LineSeries::new(s.points.iter().copied(), style)).map_err(draw_err)?;
        let pts = s.points.iter().copied();
        match (colour - 1) % 4 {
            0 => chart.draw_series(pts.map(|p| Circle::new(p, 4, c.filled()))),
            1 => chart.draw_series(pts.map(|p| TriangleMarker::new(p, 5, c.filled()))),
            2 => chart.draw_series(pts.map(|p| EmptyElement::at(p) + Rectangle::new([(-4, -4), (4, 4)], c.filled()))),
            _ => chart.draw_series(pts.map(|p| Cross::new(p, 4, c.stroke_width(2)))),
        }
        .map_err(draw_err)?;
    }
    Ok(())
}

/// Marks differ by shape as well as colour: circle, triangle, square, cross.
/// Rough width of text in pixels at [`FONT_SIZE`]: Chinese characters are
/// square, Latin ones about half as wide. Used only to lay the legend out.
fn text_width(text: &str) -> i32 {
    let em = FONT_SIZE * 0.8;
    text.chars().map(|c| if c.is_ascii() { em * 0.55 } else { em }).sum::<f64>().ceil() as i32
}

/// Flows legend entries left to right, wrapping to a new row when an entry
/// would pass the right edge; returns each entry's top-left corner and the
/// number of rows.
fn legend_layout(series: &[Series], width: u32) -> (Vec<(i32, i32)>, u32) {
    let (left, right) = (16, width as i32 - 8);
    let (mut x, mut row) = (left, 0);
    let mut places = Vec::with_capacity(series.len());
    for s in series {
        let w = 30 + text_width(&s.name) + 22;
        if x > left && x + w > right {
            x = left;
            row += 1;
        }
        places.push((x, 8 + row * LEGEND_ROW as i32));
        x += w;
    }
    (places, if series.is_empty() { 0 } else { row as u32 + 1 })
}

fn draw_legend(area: &DrawingArea<SVGBackend<'_>, Shift>, series: &[Series], places: &[(i32, i32)]) -> anyhow::Result<()> {
    let mut colour = 0;
    for (s, &(x, y)) in series.iter().zip(places) {
        if s.reference {
            area.draw(&PathElement::new(vec![(x, y + 7), (x + 10, y + 7)], GREY.stroke_width(2))).map_err(draw_err)?;
            area.draw(&PathElement::new(vec![(x + 14, y + 7), (x + 24, y + 7)], GREY.stroke_width(2))).map_err(draw_err)?;
        } else {
            let c = PALETTE[colour % PALETTE.len()];
            area.draw(&PathElement::new(vec![(x, y + 7), (x + 24, y + 7)], c.stroke_width(2))).map_err(draw_err)?;
            let at = (x + 12, y + 7);
            match colour % 4 {
                0 => area.draw(&Circle::new(at, 4, c.filled())),
                1 => area.draw(&TriangleMarker::new(at, 5, c.filled())),
                2 => area.draw(&Rectangle::new([(x + 8, y + 3), (x + 16, y + 11)], c.filled())),
                _ => area.draw(&Cross::new(at, 4, c.stroke_width(2))),
            }
            .map_err(draw_err)?;
            colour += 1;
        }
        area.draw(&Text::new(s.name.clone(), (x + 30, y - 2), (FONT, FONT_SIZE).into_font().color(&BLACK))).map_err(draw_err)?;
    }
    Ok(())
}

/// Rounds up to 1, 2, 2.5 or 5 times a power of ten, so axes end on a
/// round number.
pub fn nice_ceiling(v: f64) -> f64 {
    if v <= 0.0 {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if m * p >= v {
            return m * p;
        }
    }
    10.0 * p
}

/// Puts an SVG `<title>` first inside the root element and marks the image
/// as one graphic for screen readers.
fn with_title(svg: String, title: &str) -> String {
    let escaped = escape_xml(title);
    match svg.find('>') {
        Some(end) if svg.starts_with("<svg") => {
            let (head, rest) = svg.split_at(end);
            format!("{head} role=\"img\" aria-label=\"{escaped}\"><title>{escaped}</title>{}", &rest[1..])
        }
        _ => svg,
    }
}

/// Escapes text for XML content and attributes.
pub fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
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
    fn legend_entries_never_overlap_and_wrap_inside_the_width() {
        let series: Vec<Series> = ["人均纯收入 Per-capita net income", "贫困线 Poverty line", "全旗 Whole banner", "第一战区 War Zone 1"]
            .iter()
            .map(|n| Series { name: n.to_string(), points: vec![], reference: false })
            .collect();
        let (places, rows) = legend_layout(&series, 520);
        assert!(rows >= 2, "long names wrap");
        for (i, ((x, y), s)) in places.iter().zip(&series).enumerate() {
            let right = x + 30 + text_width(&s.name);
            assert!(right <= 520, "entry {i} ends at {right}");
            if let Some((nx, ny)) = places.get(i + 1) {
                assert!(ny > y || *nx >= right, "entry {} overlaps entry {i}", i + 1);
            }
        }
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
