//! Tests of PNG and PDF rendering. The PDF checks read the output back with
//! poppler's pdfinfo/pdftotext/pdffonts (Debian: poppler-utils; CI installs
//! it) and fail, not skip, when they are missing. They also need a CJK font
//! (Debian: fonts-noto-cjk; CI installs it).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use resvg::tiny_skia::Pixmap;

use super::pdf::{BODY_H, GAP, HEADING_LINE, ROW_H, SUBTITLE_LINE, TABLE_LINE, TITLE_LINE};
use super::*;

fn fonts() -> Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let fonts = Fonts::discover(None);
            assert!(
                fonts.cjk_font().is_some(),
                "these tests need a CJK font (apt-get install fonts-noto-cjk): {:?}",
                fonts.problem()
            );
            fonts
        })
        .clone()
}

/// Fonts from an empty directory: no CJK font, no system fonts.
fn no_fonts() -> (tempfile::TempDir, Fonts) {
    let dir = tempfile::tempdir().unwrap();
    let fonts = Fonts::search(&FontSearch { dirs: vec![dir.path().to_path_buf()], ..FontSearch::default() });
    (dir, fonts)
}

fn text_svg(text: &str) -> String {
    format!(
        r##"<svg width="320" height="100" viewBox="0 0 320 100" xmlns="http://www.w3.org/2000/svg">
<rect x="0" y="0" width="320" height="100" fill="#ffffff"/>
<text x="10" y="60" font-family="sans-serif" font-size="24" fill="#000000">{text}</text>
</svg>"##
    )
}

fn decode(png: &[u8]) -> Pixmap {
    Pixmap::decode_png(png).expect("output is a PNG")
}

/// Dark pixels (luma below half) in a box given in image pixels.
fn dark_pixels(p: &Pixmap, x0: u32, y0: u32, x1: u32, y1: u32) -> usize {
    let mut n = 0;
    for y in y0..y1.min(p.height()) {
        for x in x0..x1.min(p.width()) {
            let c = p.pixel(x, y).unwrap();
            let luma = 0.299 * f32::from(c.red()) + 0.587 * f32::from(c.green()) + 0.114 * f32::from(c.blue());
            if luma < 128.0 {
                n += 1;
            }
        }
    }
    n
}

// The text "贫困发生率" at 24 px from (10, 60) spans about x 10..130,
// y 36..66; at scale 2 that box is doubled.
const TEXT_BOX: (u32, u32, u32, u32) = (20, 60, 280, 140);

#[test]
fn fonts_are_shareable_across_threads() {
    fn shareable<T: Send + Sync + Clone + 'static>() {}
    shareable::<Fonts>();
    let fonts = fonts();
    let png = std::thread::spawn(move || svg_to_png(&text_svg("贫"), 1.0, &fonts)).join().unwrap();
    assert!(png.is_ok());
}

#[test]
fn png_is_svg_size_times_scale_on_white() {
    let png = svg_to_png(&text_svg(""), 2.0, &fonts()).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    let p = decode(&png);
    assert_eq!((p.width(), p.height()), (640, 200));
    // No fill at all in the SVG still gives a white, opaque background.
    let bare = r#"<svg width="50" height="30" xmlns="http://www.w3.org/2000/svg"/>"#;
    let p = decode(&svg_to_png(bare, 3.0, &fonts()).unwrap());
    assert_eq!((p.width(), p.height()), (150, 90));
    let c = p.pixel(75, 45).unwrap();
    assert_eq!((c.red(), c.green(), c.blue(), c.alpha()), (255, 255, 255, 255));
}

#[test]
fn png_draws_chinese_glyphs() {
    let fonts = fonts();
    let (x0, y0, x1, y1) = TEXT_BOX;
    let a = decode(&svg_to_png(&text_svg("贫困发生率"), 2.0, &fonts).unwrap());
    let b = decode(&svg_to_png(&text_svg("脱贫攻坚战"), 2.0, &fonts).unwrap());
    let none = decode(&svg_to_png(&text_svg(""), 2.0, &fonts).unwrap());
    let dark_a = dark_pixels(&a, x0, y0, x1, y1);
    let dark_b = dark_pixels(&b, x0, y0, x1, y1);
    assert!(dark_a > 1500, "only {dark_a} dark pixels where 贫困发生率 should be");
    assert!(dark_b > 1500, "only {dark_b} dark pixels where 脱贫攻坚战 should be");
    assert_eq!(dark_pixels(&none, x0, y0, x1, y1), 0);
    // Nothing drawn outside the text's box.
    assert_eq!(dark_pixels(&a, 0, 0, 640, y0) + dark_pixels(&a, 0, y1, 640, 200) + dark_pixels(&a, x1, 0, 640, 200), 0);
    // Tofu boxes would look the same for any five characters; glyphs do not.
    let differing = (0..a.pixels().len()).filter(|&i| a.pixels()[i] != b.pixels()[i]).count();
    assert!(differing > 1000, "贫困发生率 and 脱贫攻坚战 rendered alike ({differing} pixels differ): tofu?");
}

#[test]
fn any_font_family_falls_back_to_the_cjk_font() {
    let fonts = fonts();
    let (x0, y0, x1, y1) = TEXT_BOX;
    for family in ["serif", "Arial", "SimHei, Microsoft YaHei", "monospace"] {
        let svg = text_svg("贫困发生率").replace("sans-serif", family);
        let p = decode(&svg_to_png(&svg, 2.0, &fonts).unwrap());
        assert!(dark_pixels(&p, x0, y0, x1, y1) > 1500, "font-family {family} drew no Chinese");
    }
}

#[test]
fn without_a_cjk_font_problem_names_the_search_and_text_is_blank() {
    let (dir, none) = no_fonts();
    assert!(none.cjk_font().is_none());
    let problem = none.problem().expect("a problem is reported");
    assert!(problem.contains("no font with Chinese glyphs"), "{problem}");
    assert!(problem.contains(&dir.path().display().to_string()), "{problem}");
    assert!(problem.contains(ENV_VAR), "{problem}");
    assert!(problem.contains("fonts-noto-cjk"), "{problem}");
    // PNG still renders, but the Chinese text is not there: the dark
    // pixels of `png_draws_chinese_glyphs` come from the CJK font.
    let p = decode(&svg_to_png(&text_svg("贫困发生率"), 2.0, &none).unwrap());
    let (x0, y0, x1, y1) = TEXT_BOX;
    assert_eq!(dark_pixels(&p, x0, y0, x1, y1), 0);
    // A PDF without Chinese glyphs is refused with the same explanation.
    let err = pdf(&sample_doc(1, 3), &none).unwrap_err().to_string();
    assert!(err.contains("no font with Chinese glyphs"), "{err}");
}

#[test]
fn configured_font_that_does_not_exist_falls_back_and_is_named() {
    let missing = Path::new("/nonexistent/jingzhun-font.ttf");
    let fonts = Fonts::search(&FontSearch { configured: Some(missing.into()), well_known: true, ..Default::default() });
    assert!(fonts.cjk_font().is_some(), "fell back to a well-known font");
    let problem = fonts.problem().expect("the unusable configured font is reported");
    assert!(problem.contains("/nonexistent/jingzhun-font.ttf"), "{problem}");
    assert!(problem.contains("does not exist"), "{problem}");
    assert!(problem.contains(&fonts.cjk_font().unwrap().display().to_string()), "{problem}");

    // A file that is not a font is refused for that reason.
    let not_font = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let fonts = Fonts::search(&FontSearch { configured: Some(not_font), well_known: true, ..Default::default() });
    assert!(fonts.problem().unwrap().contains("is not a .ttf, .otf or .ttc font file"));

    // The same search with nowhere to fall back to finds nothing.
    let fonts = Fonts::search(&FontSearch { configured: Some(missing.into()), ..Default::default() });
    assert!(fonts.cjk_font().is_none());
    assert!(fonts.problem().unwrap().contains("/nonexistent/jingzhun-font.ttf (does not exist)"));
}

#[test]
fn configured_and_env_fonts_are_used() {
    let real: PathBuf = fonts().cjk_font().unwrap().to_path_buf();
    let configured = Fonts::search(&FontSearch { configured: Some(real.clone()), ..Default::default() });
    assert_eq!(configured.cjk_font(), Some(real.as_path()));
    assert_eq!(configured.problem(), None);
    // The environment variable comes after a broken configured path.
    let env = Fonts::search(&FontSearch {
        configured: Some("/nonexistent/a.otf".into()),
        env: Some(real.clone().into_os_string()),
        ..Default::default()
    });
    assert_eq!(env.cjk_font(), Some(real.as_path()));
    assert!(env.problem().unwrap().contains("/nonexistent/a.otf"));
}

#[test]
fn noto_collection_uses_the_simplified_chinese_face() {
    let fonts = fonts();
    let path = fonts.cjk_font().unwrap();
    let name = path.file_name().unwrap().to_string_lossy();
    if name.starts_with("NotoSansCJK") && name.ends_with(".ttc") {
        assert_eq!(fonts.cjk_family(), Some("Noto Sans CJK SC"));
        assert_eq!(fonts.regular().unwrap().index, 2, "face order JP, KR, SC, TC, HK");
    } else {
        eprintln!("font in use is {name}, not Noto Sans CJK: face choice not checked");
    }
}

#[test]
fn bad_svg_is_an_error_not_a_panic() {
    let fonts = fonts();
    let bad = [
        "",
        "not svg at all",
        "<svg width=\"10\" height=\"10\"",
        "<svg width=\"-5\" height=\"10\" xmlns=\"http://www.w3.org/2000/svg\"/>",
        "<svg width=\"0\" height=\"0\" xmlns=\"http://www.w3.org/2000/svg\"/>",
        "<html><body>贫困</body></html>",
    ];
    for svg in bad {
        assert!(svg_to_png(svg, 2.0, &fonts).is_err(), "accepted {svg:?}");
    }
    assert!(svg_to_png(&text_svg("x"), 0.0, &fonts).is_err());
    assert!(svg_to_png(&text_svg("x"), f32::NAN, &fonts).is_err());
    let huge = r#"<svg width="100000" height="100000" xmlns="http://www.w3.org/2000/svg"/>"#;
    assert!(svg_to_png(huge, 1.0, &fonts).is_err());
    let mut doc = sample_doc(2, 3);
    doc.sections[1].svg = Some("<svg".into());
    let err = format!("{:#}", pdf(&doc, &fonts).unwrap_err());
    assert!(err.contains("section 2"), "{err}");
}

#[test]
fn svg_images_do_not_read_local_files() {
    // An <image> pointing at a file on disk draws nothing.
    let png_path = std::env::temp_dir().join(format!("jingzhun-render-{}.png", std::process::id()));
    let black = {
        let mut p = Pixmap::new(10, 10).unwrap();
        p.fill(resvg::tiny_skia::Color::BLACK);
        p.encode_png().unwrap()
    };
    std::fs::write(&png_path, black).unwrap();
    let svg = format!(
        r#"<svg width="10" height="10" xmlns="http://www.w3.org/2000/svg"><image href="{}" width="10" height="10"/></svg>"#,
        png_path.display()
    );
    let p = decode(&svg_to_png(&svg, 1.0, &fonts()).unwrap());
    std::fs::remove_file(&png_path).ok();
    assert_eq!(dark_pixels(&p, 0, 0, 10, 10), 0);
}

// ---- PDF ----

const FOOTER: &str = "数据截至 2020-12-31 · 来源 Source: 扶贫开发建档立卡";

fn chart_svg(title: &str) -> String {
    // The shape plotters gives: a size, a viewBox, sans-serif text.
    let mut s = String::from(
        r##"<svg width="640" height="360" viewBox="0 0 640 360" xmlns="http://www.w3.org/2000/svg">
<rect x="0" y="0" width="640" height="360" fill="#FFFFFF"/>"##,
    );
    s.push_str(&format!(
        r##"<text x="320" y="30" dy="0.76em" text-anchor="middle" font-family="sans-serif" font-size="20" fill="#000000">{title}</text>"##
    ));
    s.push_str(r##"<polyline fill="none" stroke="#0072B2" stroke-width="3" points="60,300 180,240 300,200 420,150 540,90"/>"##);
    for (i, year) in (2014..=2018).enumerate() {
        s.push_str(&format!(
            r##"<text x="{}" y="330" text-anchor="middle" font-family="sans-serif" font-size="14">{year}年</text>"##,
            60 + i * 120
        ));
    }
    s.push_str("</svg>");
    s
}

fn table(rows: usize) -> PdfTable {
    PdfTable {
        headers: vec!["村 Village".into(), "贫困户 Poor households".into(), "贫困发生率 Incidence".into()],
        rows: (1..=rows).map(|i| vec![format!("村{i:03}"), format!("{}", i * 7 % 300), format!("{:.1}%", i as f64 * 0.37 % 30.0)]).collect(),
        numeric: vec![false, true, true],
    }
}

fn sample_doc(sections: usize, rows: usize) -> PdfDoc {
    PdfDoc {
        title: "贫困发生率看板 Poverty incidence dashboard".into(),
        subtitle: vec!["年度 Year: 2017".into(), "战区 War zone: 第二战区".into()],
        footer: FOOTER.into(),
        sections: (1..=sections)
            .map(|i| PdfSection {
                heading: format!("{i}. 贫困发生率 Poverty incidence"),
                summary: "2017年贫困发生率降至3.1%，比上年下降1.4个百分点；The incidence fell to 3.1% in 2017, \
                          1.4 points below the year before, with the largest fall in the mountain counties."
                    .into(),
                svg: Some(chart_svg(&format!("图{i} 贫困发生率（%）"))),
                table: (rows > 0).then(|| table(rows)),
            })
            .collect(),
    }
}

fn poppler(tool: &str, args: &[&str]) -> String {
    let out = match Command::new(tool).args(args).output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("{tool} is missing: install poppler-utils (apt-get install -y poppler-utils); .ci/run does")
        }
        Err(e) => panic!("running {tool}: {e}"),
    };
    assert!(out.status.success(), "{tool} {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("poppler prints UTF-8")
}

fn write_pdf(doc: &PdfDoc) -> (tempfile::TempDir, String) {
    let bytes = pdf(doc, &fonts()).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, bytes).unwrap();
    let path = path.to_str().unwrap().to_string();
    (dir, path)
}

fn info(path: &str, key: &str) -> String {
    let out = poppler("pdfinfo", &[path]);
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}:")).map(|v| v.trim().to_string()))
        .unwrap_or_else(|| panic!("pdfinfo has no {key}: {out}"))
}

fn page_text(path: &str, page: usize) -> String {
    let p = page.to_string();
    poppler("pdftotext", &["-layout", "-f", &p, "-l", &p, path, "-"])
}

#[test]
fn pdf_table_of_200_rows_paginates_with_header_and_footer_on_every_page() {
    let doc = PdfDoc {
        sections: vec![PdfSection {
            heading: "各村贫困户 Poor households by village".into(),
            table: Some(table(200)),
            ..Default::default()
        }],
        ..sample_doc(0, 0)
    };
    let (_dir, path) = write_pdf(&doc);

    // Expected pages, from the geometry: page 1 holds the title block
    // (title, two filter lines, rule) and the heading; later pages open with
    // the "continued" label and the header row.
    let title_block = TITLE_LINE + 2.0 + 2.0 * SUBTITLE_LINE + 2.0 * GAP;
    let heading = HEADING_LINE + GAP / 2.0;
    let first = ((BODY_H - title_block - heading - ROW_H) / ROW_H).floor() as usize;
    let later = ((BODY_H - (TABLE_LINE + 4.0) - ROW_H) / ROW_H).floor() as usize;
    let expected = 1 + (200 - first).div_ceil(later);
    assert!(expected >= 4, "{first} rows on page 1, {later} later");

    let pages: usize = info(&path, "Pages").parse().unwrap();
    assert_eq!(pages, expected);
    let size = info(&path, "Page size");
    let dims: Vec<f32> = size.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    assert!((dims[0] - 595.0).abs() <= 1.0 && (dims[1] - 842.0).abs() <= 1.0, "not A4: {size}");
    assert_eq!(info(&path, "Title"), doc.title);

    let mut seen = Vec::new();
    for n in 1..=pages {
        let text = page_text(&path, n);
        assert!(text.contains("贫困户 Poor households"), "page {n} lacks the header row:\n{text}");
        assert!(text.contains(FOOTER), "page {n} lacks the footer:\n{text}");
        assert!(text.contains(&format!("第 {n} / {pages} 页 Page {n} of {pages}")), "page {n} number:\n{text}");
        assert!(text.contains("贫困发生率看板"), "page {n} lacks the running header:\n{text}");
        if n > 1 {
            assert!(text.contains("（续 continued）"), "page {n}:\n{text}");
        }
        seen.extend(text.split_whitespace().filter(|w| w.starts_with('村') && w.len() > 3).map(str::to_string));
    }
    // Every row once, in order: nothing lost or repeated at page breaks.
    let expected_rows: Vec<String> = (1..=200).map(|i| format!("村{i:03}")).collect();
    assert_eq!(seen, expected_rows);
    // Filters only on the first page.
    assert!(page_text(&path, 1).contains("战区 War zone: 第二战区"));
    assert!(!page_text(&path, 2).contains("战区 War zone"));
}

#[test]
fn pdf_numbers_are_right_aligned() {
    let counts = ["7", "1,234", "56", "12,345,678", "0", "345"];
    let t = PdfTable {
        headers: vec!["村 Village".into(), "户数 Households".into()],
        rows: counts.iter().enumerate().map(|(i, c)| vec![format!("村{i}"), c.to_string()]).collect(),
        numeric: vec![false, true],
    };
    let (_dir, path) = write_pdf(&PdfDoc {
        sections: vec![PdfSection { heading: "对齐".into(), table: Some(t), ..Default::default() }],
        ..sample_doc(0, 0)
    });
    let bbox = poppler("pdftotext", &["-bbox", "-f", "1", "-l", "1", &path, "-"]);
    // The counts end at one x and start at different ones.
    let words: Vec<(f32, f32, String)> = bbox
        .lines()
        .filter(|l| l.contains("<word"))
        .filter_map(|l| {
            let attr = |k: &str| l.split(&format!("{k}=\"")).nth(1)?.split('"').next()?.parse::<f32>().ok();
            let text = l.split('>').nth(1)?.split('<').next()?.to_string();
            Some((attr("xMin")?, attr("xMax")?, text))
        })
        .filter(|(_, _, t)| counts.contains(&t.as_str()))
        .collect();
    assert_eq!(words.len(), counts.len(), "{bbox}");
    let right: Vec<f32> = words.iter().map(|w| w.1).collect();
    let left: Vec<f32> = words.iter().map(|w| w.0).collect();
    let spread = |v: &[f32]| v.iter().cloned().fold(f32::MIN, f32::max) - v.iter().cloned().fold(f32::MAX, f32::min);
    assert!(spread(&right) < 0.5, "right edges differ: {right:?}");
    assert!(spread(&left) > 2.0, "left edges all equal: {left:?}");
}

#[test]
fn pdf_sections_keep_charts_whole_and_text_selectable_with_embedded_fonts() {
    let doc = sample_doc(6, 30);
    let (_dir, path) = write_pdf(&doc);
    let pages: usize = info(&path, "Pages").parse().unwrap();
    let all = poppler("pdftotext", &[&path, "-"]);
    for i in 1..=6 {
        assert!(all.contains(&format!("{i}. 贫困发生率 Poverty incidence")), "heading {i} missing");
        // Chart text stays text (vector chart, selectable).
        assert!(all.contains(&format!("图{i} 贫困发生率（%）")), "chart {i} title is not text");
    }
    assert!(all.contains("2017年贫困发生率降至3.1%"));
    assert_eq!(all.matches(FOOTER).count(), pages);
    // Every font is embedded (as a subset).
    let fonts_list = poppler("pdffonts", &[&path]);
    let rows: Vec<&str> = fonts_list.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{fonts_list}");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        assert_eq!(cols[n - 5], "yes", "font not embedded: {row}");
        assert_eq!(cols[n - 4], "yes", "font not subset: {row}");
    }
}

#[test]
fn pdf_of_odd_input_still_renders() {
    // Empty document, header-less table, ragged rows, a cell far wider than
    // a page, a tall narrow chart, control characters.
    let long_cell = "很长的备注".repeat(200);
    let tall = r#"<svg width="100" height="900" xmlns="http://www.w3.org/2000/svg"><rect width="100" height="900" fill="red"/></svg>"#;
    let doc = PdfDoc {
        title: "标题\twith\u{7}controls".into(),
        sections: vec![
            PdfSection::default(),
            PdfSection {
                heading: "无表头 No header".into(),
                svg: Some(tall.into()),
                table: Some(PdfTable {
                    headers: vec![],
                    rows: vec![vec!["a".into()], vec!["b".into(), "c".into(), long_cell]],
                    numeric: vec![true],
                }),
                ..Default::default()
            },
            PdfSection { heading: "空表 Empty table".into(), table: Some(PdfTable::default()), ..Default::default() },
            PdfSection {
                heading: "无数据 No rows".into(),
                table: Some(PdfTable { headers: vec!["甲".into()], ..Default::default() }),
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    let (_dir, path) = write_pdf(&doc);
    let text = poppler("pdftotext", &[&path, "-"]);
    assert!(text.contains("无表头 No header") && text.contains("（无数据 No data）"), "{text}");
    assert!(pdf(&PdfDoc::default(), &fonts()).unwrap().starts_with(b"%PDF-"));
}

#[test]
fn layout_never_splits_a_chart_or_leaves_a_heading_alone() {
    let fonts = fonts();
    let reg = text::Metrics::new(fonts.regular().unwrap()).unwrap();
    let bold = text::Metrics::new(fonts.bold().unwrap()).unwrap();
    for (sections, rows) in [(6, 0), (6, 7), (9, 25), (3, 60)] {
        let doc = sample_doc(sections, rows);
        let sizes = vec![Some((640.0, 360.0)); sections];
        let pages = pdf::layout_for_tests(&doc, &sizes, &reg, &bold);
        let mut charts = 0;
        for page in &pages {
            for (top, bottom) in pdf::chart_boxes(page) {
                charts += 1;
                assert!(top >= pdf::BODY_TOP - 0.01 && bottom <= pdf::BODY_BOTTOM + 0.01, "chart {top}..{bottom}");
            }
            assert!(!pdf::ends_with_heading(page), "{sections}×{rows}: a page ends with a heading");
        }
        assert_eq!(charts, sections);
    }
}
