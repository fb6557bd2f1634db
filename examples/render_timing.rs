//! Times `render::svg_to_png` (scale 2) on a 640×360 chart with Chinese
//! text, and `render::pdf` on a 6-section document with charts and a
//! 300-row table; prints the median of N runs.
//!
//! ```text
//! cargo run --release --example render_timing -- [RUNS] [OUT_DIR]
//! ```
//! With OUT_DIR, also writes `chart.png` and `demo.pdf` there to look at.

use std::time::{Duration, Instant};

use jingzhun::render::{pdf, svg_to_png, Fonts, PdfDoc, PdfSection, PdfTable};
use plotters::prelude::*;

/// A plotters line chart like the dashboard's: 640×360, sans-serif text,
/// Chinese caption, axis names and legend.
fn chart(title: &str, seed: f64) -> anyhow::Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 360)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let mut c = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(60)
            .build_cartesian_2d(2013.7f64..2020.3, 0.0f64..22.0)
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        c.configure_mesh()
            .x_labels(7)
            .x_label_formatter(&|x| format!("{x:.0}年"))
            .y_label_formatter(&|y| format!("{y:.0}%"))
            .x_desc("年份 Year")
            .y_desc("贫困发生率 Incidence (%)")
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 15))
            .light_line_style(TRANSPARENT)
            .draw()
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let series = [("第一战区 Zone 1", RGBColor(0, 114, 178), 1.0), ("第二战区 Zone 2", RGBColor(213, 94, 0), 1.35)];
        for (name, colour, k) in series {
            let points: Vec<(f64, f64)> =
                (2014..=2020).map(|y| (y as f64, ((14.5 - 2.0 * (y - 2014) as f64) * k / (1.0 + seed * 0.1)).max(0.0))).collect();
            c.draw_series(LineSeries::new(points.clone(), colour.stroke_width(3)))
                .map_err(|e| anyhow::anyhow!("{e:?}"))?
                .label(name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(3)));
            c.draw_series(points.iter().map(|p| Circle::new(*p, 4, colour.filled())))
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        }
        c.configure_series_labels()
            .label_font(("sans-serif", 14))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK.mix(0.3))
            .draw()
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        root.present().map_err(|e| anyhow::anyhow!("{e:?}"))?;
    }
    Ok(svg)
}

fn document() -> anyhow::Result<PdfDoc> {
    let titles = [
        "贫困发生率 Poverty incidence",
        "建档立卡贫困户 Registered poor households",
        "人均纯收入 Income per person",
        "两不愁三保障 Food, clothing, schooling, health, housing",
        "易地扶贫搬迁 Relocation",
        "各村明细 Villages in detail",
    ];
    let mut sections = Vec::new();
    for (i, title) in titles.iter().enumerate() {
        let table = if i == 5 {
            Some(PdfTable {
                headers: vec![
                    "县 County".into(),
                    "村 Village".into(),
                    "贫困户 Poor households".into(),
                    "贫困人口 Poor people".into(),
                    "贫困发生率 Incidence".into(),
                ],
                rows: (1..=300)
                    .map(|r| {
                        vec![
                            format!("第{}县 County {}", r % 7 + 1, r % 7 + 1),
                            format!("{}村{r:03}", ["东风", "红旗", "团结", "前进", "光明", "新华"][r % 6]),
                            format!("{}", (r * 37) % 420 + 3),
                            format!("{}", (r * 97) % 1300 + 8),
                            format!("{:.1}%", (r as f64 * 1.7) % 24.0),
                        ]
                    })
                    .collect(),
                numeric: vec![false, false, true, true, true],
            })
        } else {
            None
        };
        sections.push(PdfSection {
            heading: format!("{}. {title}", i + 1),
            summary: format!(
                "2017年第二战区贫困发生率降至{:.1}%，比上年下降1.4个百分点，降幅居各战区之首；\
                 In 2017 the incidence in war zone 2 fell to {:.1}%, 1.4 points below 2016, the largest fall of any zone.",
                3.1 + i as f64 * 0.2,
                3.1 + i as f64 * 0.2
            ),
            svg: Some(chart(&format!("图{} {}", i + 1, title.split(' ').next().unwrap_or(title)), i as f64)?),
            table,
        });
    }
    Ok(PdfDoc {
        title: "精准扶贫成效看板 Precision poverty alleviation dashboard".into(),
        subtitle: vec!["年度 Year: 2017".into(), "战区 War zone: 第二战区 Zone 2".into(), "指标 Measure: 全部 All".into()],
        footer: "数据截至 Data as of 2020-12-31 · 来源 Source: 扶贫开发建档立卡信息系统 (样例数据 sample data)".into(),
        sections,
    })
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(15).max(1);
    let out = args.next();

    let t = Instant::now();
    let fonts = Fonts::discover(None);
    println!("Fonts::discover: {:.1} ms, {:?}", t.elapsed().as_secs_f64() * 1e3, fonts);
    if let Some(problem) = fonts.problem() {
        println!("font problem: {problem}");
    }

    let svg = chart("图1 贫困发生率 Poverty incidence", 0.0)?;
    let mut png_times = Vec::new();
    let mut png = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        png = svg_to_png(&svg, 2.0, &fonts)?;
        png_times.push(t.elapsed());
    }
    println!(
        "svg_to_png 640×360 → 1280×720 (scale 2): median {:.1} ms of {runs} runs, {} KiB",
        median(png_times).as_secs_f64() * 1e3,
        png.len() / 1024
    );

    let doc = document()?;
    let mut pdf_times = Vec::new();
    let mut bytes = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        bytes = pdf(&doc, &fonts)?;
        pdf_times.push(t.elapsed());
    }
    println!(
        "pdf 6 sections with charts + 300-row table: median {:.1} ms of {runs} runs, {} KiB",
        median(pdf_times).as_secs_f64() * 1e3,
        bytes.len() / 1024
    );

    if let Some(dir) = out {
        std::fs::create_dir_all(&dir)?;
        std::fs::write(format!("{dir}/chart.png"), &png)?;
        std::fs::write(format!("{dir}/chart.svg"), &svg)?;
        std::fs::write(format!("{dir}/demo.pdf"), &bytes)?;
        println!("wrote {dir}/chart.png, chart.svg, demo.pdf");
    }
    Ok(())
}
