//! Tests of `render` and `summary` on every chart kind, read off the SVG
//! text: structure, marks, escaping, links, empty data, exact values.

use crate::lang::Lang;
use super::spec::Series;
use super::*;

const ZONES: [&str; 3] = ["第一战区", "第二战区", "第三战区"];

fn cats(labels: &[&str]) -> Vec<Category> {
    labels.iter().map(|l| Category::new(*l)).collect()
}

fn chart(kind: Kind) -> Chart {
    let mut c = Chart::new(kind, "测试图");
    c.x_label = "年度 Year".into();
    c.y_label = "贫困发生率 (%)".into();
    c.unit = Unit::Percent;
    c
}

fn tile(label: &str, value: f64, unit: Unit, previous: f64, higher_is_better: bool) -> Tile {
    Tile {
        label: label.into(),
        value: Some(value),
        unit,
        previous: Some(previous),
        previous_label: "2019".into(),
        higher_is_better,
        link: None,
    }
}

/// A small chart of each kind with `n` data points; the count is returned
/// beside it.
fn sample(kind: Kind) -> (Chart, usize) {
    let mut c = chart(kind);
    match kind {
        Kind::Tiles => {
            c.tiles = vec![
                tile("贫困发生率", 0.0, Unit::Percent, 0.5, false),
                tile("人均纯收入", 13000.0, Unit::Yuan, 11800.0, true),
                tile("出列贫困村", 58.0, Unit::Count, 52.0, true),
            ];
            (c, 3)
        }
        Kind::Donut => {
            c.categories = cats(&["产业扶贫", "就业扶贫", "教育扶贫", "健康扶贫"]);
            c.series = vec![Series::new("受益户数", vec![Some(41.2), Some(30.0), None, Some(28.8)])];
            (c, 3)
        }
        Kind::Heat => {
            c.categories = cats(&ZONES);
            c.series = ["产业", "就业", "教育", "健康"]
                .iter()
                .enumerate()
                .map(|(j, n)| Series::new(*n, (0..3).map(|i| Some(1.5 + (i * 4 + j) as f64)).collect()))
                .collect();
            (c, 12)
        }
        _ => {
            c.categories = cats(&["2017", "2018", "2019", "2020"]);
            let k = if matches!(kind, Kind::Bar | Kind::HBar) { 1 } else { 3 };
            c.series = (0..k)
                .map(|j| Series::new(ZONES[j], (0..4).map(|i| if (i + j) == 4 { None } else { Some(3.21 + (i + j) as f64) }).collect()))
                .collect();
            // One value missing in each of the series 1 and 2.
            let points = if k == 1 { 4 } else { 12 - 2 };
            (c, points)
        }
    }
}

fn marks(svg: &str) -> Vec<&str> {
    svg.split("class=\"mark\"").skip(1).map(|rest| &rest[..rest.find("</title>").unwrap_or(rest.len())]).collect()
}

fn attr(element: &str, name: &str) -> f64 {
    let key = format!(" {name}=\"");
    let start = element.find(&key).map(|i| i + key.len()).unwrap_or_else(|| panic!("no {name} in {element}"));
    element[start..].split('"').next().unwrap().parse().unwrap()
}

fn title(element: &str) -> &str {
    element.split("<title>").nth(1).unwrap_or("")
}

#[test]
fn every_kind_is_an_accessible_svg_with_viewbox_title_and_desc() {
    for kind in Kind::ALL {
        for (w, h) in [(640, 360), (360, 300)] {
            let (mut c, _) = sample(kind);
            (c.width, c.height) = (w, h);
            c.desc = "说明 & 摘要".into();
            let svg = render(&c).unwrap();
            assert!(svg.starts_with("<svg"), "{kind:?}");
            assert!(svg.contains(&format!("viewBox=\"0 0 {w} {h}\"")), "{kind:?}");
            assert!(svg.contains("role=\"img\" aria-label=\"测试图\""), "{kind:?}");
            let first_child = &svg[svg.find('>').unwrap() + 1..];
            assert!(first_child.starts_with("<title>测试图</title><desc>说明 &amp; 摘要</desc>"), "{kind:?}: {}", &first_child[..80]);
            assert!(svg.trim_end().ends_with("</svg>"), "{kind:?}");
        }
    }
}

#[test]
fn the_desc_defaults_to_the_generated_summary() {
    let (c, _) = sample(Kind::Donut);
    let svg = render(&c).unwrap();
    assert!(svg.contains(&format!("<desc>{}</desc>", escape_xml(&summary(&c)))));
}

#[test]
fn one_overlay_mark_per_data_point() {
    for kind in Kind::ALL {
        let (c, points) = sample(kind);
        let svg = render(&c).unwrap();
        assert_eq!(marks(&svg).len(), points, "{kind:?}");
    }
}

#[test]
fn labels_and_names_are_drawn() {
    for kind in Kind::ALL {
        let (c, _) = sample(kind);
        let svg = render(&c).unwrap();
        // Every category, except a donut's categories without a slice.
        let mut expected: Vec<String> = c
            .categories
            .iter()
            .enumerate()
            .filter(|(i, _)| kind != Kind::Donut || c.series[0].value(*i).is_some())
            .map(|(_, c)| c.label.clone())
            .collect();
        if c.series.len() > 1 {
            expected.extend(c.series.iter().map(|s| s.name.clone()));
        }
        expected.extend(c.tiles.iter().map(|t| t.label.clone()));
        for e in expected {
            assert!(svg.contains(&format!(">{e}")), "{kind:?} lacks {e}");
        }
        if matches!(kind, Kind::Line | Kind::Bar | Kind::GroupedBar | Kind::StackedBar | Kind::StackedArea) {
            assert!(svg.contains(">年度 Year</text>") && svg.contains(">贫困发生率 (%)</text>"), "{kind:?} axis names");
            assert!(svg.contains(">0%</text>"), "{kind:?} value axis in percent");
        }
    }
}

#[test]
fn markup_in_labels_is_escaped_everywhere() {
    let evil = "<script>alert(1)</script>";
    for kind in Kind::ALL {
        let (mut c, _) = sample(kind);
        c.title = evil.into();
        c.x_label = evil.into();
        c.categories[..].iter_mut().take(1).for_each(|cat| cat.label = evil.into());
        c.series.iter_mut().take(1).for_each(|s| s.name = evil.into());
        c.tiles.iter_mut().take(1).for_each(|t| t.label = evil.into());
        c.references.push(Reference::constant(evil, 1.0, c.categories.len()));
        let svg = render(&c).unwrap();
        assert!(!svg.contains("<script"), "{kind:?} leaks raw markup");
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{kind:?} drops the label");
        assert!(svg.contains("<title>&lt;script&gt;"), "{kind:?} title");
    }
}

#[test]
fn links_become_escaped_hrefs_around_their_marks() {
    let link = "/dash?year=2017&zone=2";
    for kind in Kind::ALL {
        let (mut c, points) = sample(kind);
        c.categories.iter_mut().for_each(|cat| cat.link = Some(link.into()));
        c.tiles.iter_mut().for_each(|t| t.link = Some(link.into()));
        let svg = render(&c).unwrap();
        let href = "<a href=\"/dash?year=2017&amp;zone=2\"><";
        let linked_marks = svg.split(href).skip(1).filter(|rest| rest[5..].starts_with("class=\"mark\"")).count();
        assert_eq!(linked_marks, points, "{kind:?}");
        // Only the donut's legend names categories, and links them too.
        let keys = if kind == Kind::Donut { points } else { 0 };
        assert_eq!(svg.matches(href).count(), points + keys, "{kind:?}");
        assert!(!svg.contains("&zone"), "{kind:?} raw ampersand");
    }
    // A series link serves where its categories have none, and its legend
    // entry links too.
    let (mut c, _) = sample(Kind::Line);
    c.series[1].link = Some("/zones/2?a=1&b=2".into());
    let svg = render(&c).unwrap();
    assert_eq!(svg.matches("<a href=\"/zones/2?a=1&amp;b=2\">").count(), 3 + 1, "three points and the legend entry");
}

#[test]
fn empty_data_draws_a_no_data_chart_of_the_same_size() {
    let mut cases: Vec<Chart> = Kind::ALL.iter().map(|k| chart(*k)).collect();
    let mut none = chart(Kind::Line);
    none.categories = cats(&["2019", "2020"]);
    none.series = vec![Series::new("a", vec![None, Some(f64::NAN)])];
    cases.push(none);
    let mut zero_donut = chart(Kind::Donut);
    zero_donut.categories = cats(&["a", "b"]);
    zero_donut.series = vec![Series::new("a", vec![Some(0.0), Some(-1.0)])];
    cases.push(zero_donut);
    for mut c in cases {
        for (lang, words) in [(Lang::Zh, "暂无数据"), (Lang::En, "No data")] {
            c.lang = lang;
            (c.width, c.height) = (500, 300);
            let svg = render(&c).unwrap();
            assert!(svg.contains(&format!(">{words}</text>")), "{:?} {lang:?}", c.kind);
            assert!(svg.contains("width=\"500\" height=\"300\" viewBox=\"0 0 500 300\""), "{:?}", c.kind);
            assert!(marks(&svg).is_empty());
        }
    }
}

#[test]
fn hover_titles_carry_exact_values() {
    let mut line = chart(Kind::Line);
    line.categories = cats(&["2016", "2017"]);
    line.series = vec![Series::new("全旗", vec![Some(8.4), Some(4.0)]), Series::new("第一战区", vec![Some(5.0), Some(3.214)])];
    let mut hbar = chart(Kind::HBar);
    hbar.unit = Unit::Yuan;
    hbar.categories = cats(&["巴彦塔拉嘎查", "前德门嘎查"]);
    hbar.series = vec![Series::new("收入", vec![Some(12345.678), Some(-250.0)])];
    let (donut, _) = sample(Kind::Donut);
    let (heat, _) = sample(Kind::Heat);
    let (tiles, _) = sample(Kind::Tiles);
    let cases = [
        (line, "第一战区 · 2017: 3.21%"),
        (hbar.clone(), "巴彦塔拉嘎查: 12,345.68"),
        (hbar, "前德门嘎查: -250"),
        (donut, "产业扶贫: 41.2%（41.2%）"),
        (heat, "健康 · 第三战区: 12.5%"),
        (tiles, "人均纯收入: 13,000（▲ 1,200，较2019年）"),
    ];
    for (c, want) in cases {
        let svg = render(&c).unwrap();
        assert!(marks(&svg).iter().any(|m| title(m) == want), "{:?}: {:?}", c.kind, marks(&svg).iter().map(|m| title(m)).collect::<Vec<_>>());
    }
}

#[test]
fn stacked_segments_add_up_to_the_total() {
    let mut c = chart(Kind::StackedBar);
    c.unit = Unit::Yuan;
    c.categories = cats(&["2019", "2020"]);
    c.series = vec![
        Series::new("工资", vec![Some(1000.0), Some(3000.0)]),
        Series::new("经营", vec![Some(500.0), None]),
        Series::new("转移", vec![Some(500.0), Some(1000.0)]),
    ];
    let svg = render(&c).unwrap();
    let all = marks(&svg);
    assert_eq!(all.len(), 5);
    for (year, total, n) in [("2019", "2,000", 3), ("2020", "4,000", 2)] {
        let mut segs: Vec<(f64, f64)> =
            all.iter().filter(|m| title(m).contains(year)).map(|m| (attr(m, "y"), attr(m, "y") + attr(m, "height"))).collect();
        assert_eq!(segs.len(), n);
        assert!(all.iter().filter(|m| title(m).contains(year)).all(|m| title(m).ends_with(&format!("（合计 {total}）"))));
        // Segments touch: each one's top is the next one's bottom.
        segs.sort_by(|a, b| b.0.total_cmp(&a.0));
        for pair in segs.windows(2) {
            assert!((pair[0].0 - pair[1].1).abs() <= 1.0, "{year}: {segs:?}");
        }
        assert!(svg.contains(&format!(">{total}</text>")), "total above the stack");
    }
    // The stacks' heights are in proportion to their totals (2,000 : 4,000).
    let height = |year: &str| -> f64 { all.iter().filter(|m| title(m).contains(year)).map(|m| attr(m, "height")).sum() };
    assert!((height("2020") - 2.0 * height("2019")).abs() <= 3.0, "{} vs {}", height("2020"), height("2019"));

    // Stacked areas stack the same way.
    c.kind = Kind::StackedArea;
    let svg = render(&c).unwrap();
    let top_2020 = marks(&svg).iter().filter(|m| title(m).contains("2020")).map(|m| attr(m, "y")).fold(f64::MAX, f64::min);
    let top_2019 = marks(&svg).iter().filter(|m| title(m).contains("2019")).map(|m| attr(m, "y")).fold(f64::MAX, f64::min);
    let base = marks(&svg).iter().map(|m| attr(m, "y") + attr(m, "height")).fold(0.0, f64::max);
    assert!(((base - top_2020) - 2.0 * (base - top_2019)).abs() <= 3.0);
}

#[test]
fn heat_cells_are_rows_times_columns_darker_for_larger_values() {
    let (c, _) = sample(Kind::Heat);
    let svg = render(&c).unwrap();
    assert_eq!(marks(&svg).len(), c.categories.len() * c.series.len());
    // Every value is printed in its cell; the largest on the darkest fill in
    // white, the smallest on the lightest in dark ink.
    for v in ["1.5%", "12.5%"] {
        assert!(svg.contains(&format!(">{v}</text>")), "{v}");
    }
    assert!(svg.contains("fill=\"#FFFFFF\">12.5%</text>"));
    assert!(!svg.contains("fill=\"#FFFFFF\">1.5%</text>"));
    let lightest = theme::hex(theme::heat_colour(0.12));
    let darkest = theme::hex(theme::heat_colour(1.0));
    assert!(svg.contains(&format!("fill=\"{lightest}\"")) && svg.contains(&format!("fill=\"{darkest}\"")));
    assert!(svg.contains(">低 1.5%</text>") && svg.contains(">12.5% 高</text>"), "the scale names its ends");
}

#[test]
fn tiles_show_value_arrow_and_change_coloured_by_verdict() {
    let (mut c, _) = sample(Kind::Tiles);
    let svg = render(&c).unwrap();
    assert!(svg.contains(">0%</text>") && svg.contains(">1.3万</text>") && svg.contains(">58</text>"));
    // Incidence fell: good news, in the good colour.
    assert!(svg.contains(&format!("fill=\"{}\" font-weight=\"bold\">▼ 0.5 个百分点</text>", theme::hex(theme::GOOD))), "{svg}");
    assert!(svg.contains(">▲ 1,200</text>"));
    assert!(svg.contains(">较2019年</text>"));
    c.tiles[0].value = Some(1.7);
    c.lang = Lang::En;
    let svg = render(&c).unwrap();
    assert!(svg.contains(&format!("fill=\"{}\" font-weight=\"bold\">▲ 1.2 pp</text>", theme::hex(theme::BAD))));
    assert!(svg.contains(">vs 2019</text>"));
}

#[test]
fn summaries_read_the_data() {
    let mut line = chart(Kind::Line);
    line.categories = cats(&["2014", "2015", "2016"]);
    line.series = vec![
        Series::new("全旗", vec![Some(8.4), Some(5.0), Some(0.0)]),
        Series::new("第一战区", vec![Some(9.0), Some(4.0), Some(0.5)]),
    ];
    let mut line_en = line.clone();
    line_en.lang = Lang::En;
    let mut income = chart(Kind::Line);
    income.unit = Unit::Yuan;
    income.categories = cats(&["2014", "2015", "2016"]);
    income.series = vec![Series::new("收入", vec![Some(2600.0), None, Some(13000.0)])];
    let mut flat = chart(Kind::Line);
    flat.categories = cats(&["2019", "2020"]);
    flat.series = vec![Series::new("X", vec![Some(5.0), Some(5.0)])];
    let mut hbar = chart(Kind::HBar);
    hbar.categories = cats(&["A村", "B村", "C村"]);
    hbar.series = vec![Series::new("发生率", vec![Some(10.1), Some(12.3), Some(1.2)])];
    let mut hbar_en = hbar.clone();
    hbar_en.lang = Lang::En;
    let mut donut = chart(Kind::Donut);
    donut.categories = cats(&["X", "Y", "Z"]);
    donut.series = vec![Series::new("s", vec![Some(30.0), Some(41.2), Some(28.8)])];
    let mut heat = chart(Kind::Heat);
    heat.categories = cats(&["第一战区", "第二战区"]);
    heat.series = vec![Series::new("产业", vec![Some(1.5), Some(4.0)]), Series::new("就业", vec![Some(3.0), Some(9.5)])];
    let mut stacked = chart(Kind::StackedBar);
    stacked.unit = Unit::Yuan;
    stacked.categories = cats(&["2019", "2020"]);
    stacked.series = vec![Series::new("工资", vec![Some(1000.0), Some(3000.0)]), Series::new("转移", vec![Some(2000.0), Some(1000.0)])];
    let mut stacked_en = stacked.clone();
    stacked_en.lang = Lang::En;
    let (tiles, _) = sample(Kind::Tiles);
    let mut tiles_en = tiles.clone();
    tiles_en.lang = Lang::En;
    let mut empty_en = chart(Kind::Bar);
    empty_en.lang = Lang::En;

    let cases = [
        (line, "全旗由2014年的8.4%降至2016年的0%；2016年最高的是第一战区（0.5%）。"),
        (line_en, "全旗 fell from 8.4% in 2014 to 0% in 2016; in 2016 the highest was 第一战区 (0.5%)."),
        (income, "收入由2014年的2,600升至2016年的1.3万。"),
        (flat, "X由2019年至2020年持平，均为5%。"),
        (hbar, "最高的是B村（12.3%），其次是A村（10.1%）；最低的是C村（1.2%）。"),
        (hbar_en, "Highest: B村 (12.3%), then A村 (10.1%); lowest: C村 (1.2%)."),
        (donut, "Y占比最大（41.2%），其次是X（30%）。"),
        (heat, "最高的是第二战区·就业（9.5%），最低的是第一战区·产业（1.5%）。"),
        (stacked, "2020年最大的组成部分是工资（3,000，占合计4,000的75%）。"),
        (stacked_en, "In 2020 the largest component was 工资 (3,000, 75% of the total 4,000)."),
        (tiles, "贫困发生率为0%，较2019年下降0.5个百分点；人均纯收入为1.3万，较2019年上升1,200。"),
        (tiles_en, "贫困发生率: 0%, down 0.5 pp vs 2019; 人均纯收入: 1.3万, up 1,200 vs 2019."),
        (chart(Kind::Heat), "暂无数据。"),
        (empty_en, "No data."),
    ];
    for (c, want) in cases {
        assert_eq!(summary(&c), want, "{:?}", c.kind);
    }
}

#[test]
fn negative_missing_and_ragged_values_never_panic() {
    for kind in Kind::ALL {
        let mut c = chart(kind);
        c.categories = cats(&["2018", "2019", "2020"]);
        c.series = vec![
            Series::new("a", vec![Some(-5.0), None, Some(f64::NAN)]),
            Series::new("b", vec![Some(f64::INFINITY), Some(-0.0), Some(3.0), Some(99.0)]),
            Series::new("c", vec![Some(1.0)]),
        ];
        c.references = vec![Reference::constant("零", 0.0, 0), Reference { name: "r".into(), values: vec![None, Some(-2.0)] }];
        c.tiles = vec![Tile { value: None, previous: Some(1.0), ..tile("t", 0.0, Unit::Percent, 0.0, true) }, tile("u", -3.0, Unit::Yuan, 2.0, true)];
        for (w, h) in [(640, 360), (360, 240), (10, 10), (2000, 1200)] {
            (c.width, c.height) = (w, h);
            let svg = render(&c).unwrap_or_else(|e| panic!("{kind:?} {w}x{h}: {e}"));
            assert!(!svg.contains("NaN") && !svg.contains("inf"), "{kind:?} {w}x{h}");
            let _ = summary(&c);
        }
    }
}

#[test]
fn reference_lines_are_dashed_grey_and_named_in_the_legend() {
    for kind in [Kind::Line, Kind::Bar, Kind::HBar, Kind::StackedBar, Kind::StackedArea, Kind::GroupedBar] {
        let (mut c, _) = sample(kind);
        c.references = vec![Reference::constant("目标 10%", 10.0, 4), Reference { name: "贫困线".into(), values: vec![Some(1.0), Some(2.0), None, Some(3.0)] }];
        let svg = render(&c).unwrap();
        assert!(svg.contains(">目标 10%</text>") && svg.contains(">贫困线</text>"), "{kind:?}");
        let grey_dashes = svg.matches(&format!("stroke=\"{}\" stroke-width=\"2\"", theme::hex(theme::GREY))).count();
        assert!(grey_dashes > 10, "{kind:?}: {grey_dashes} dashes");
        // The value axis reaches the target.
        assert!(svg.contains(">10%</text>"), "{kind:?}");
    }
}

#[test]
fn legend_sits_below_every_mark() {
    for kind in [Kind::Line, Kind::GroupedBar, Kind::StackedBar, Kind::StackedArea] {
        for width in [360, 640] {
            let (mut c, _) = sample(kind);
            c.width = width;
            let svg = render(&c).unwrap();
            let lowest_mark = marks(&svg).iter().map(|m| attr(m, "y") + attr(m, "height")).fold(0.0, f64::max);
            let legend_y = ZONES.iter().map(|z| attr(&svg[..svg.find(&format!(">{z}</text>")).unwrap()].rsplit("<text").next().unwrap().to_string(), "y")).fold(f64::MAX, f64::min);
            assert!(legend_y > lowest_mark, "{kind:?} at {width}: legend at {legend_y}, marks down to {lowest_mark}");
        }
    }
}

#[test]
fn long_category_labels_rotate_and_stay_on_the_canvas() {
    let names = ["巴彦塔拉嘎查", "乌力吉木仁苏木新艾里村", "道老杜村", "格日朝鲁嘎查", "前德门嘎查", "乌兰哈达村", "查布嘎图苏木前进村", "香山农场三分场"];
    let mut c = chart(Kind::Bar);
    c.width = 360;
    c.categories = cats(&names);
    c.series = vec![Series::new("x", (0..8).map(|i| Some(i as f64)).collect())];
    let svg = render(&c).unwrap();
    assert_eq!(svg.matches("transform=\"rotate(-45").count(), 8, "every village named, rotated");
    for text in svg.split("<text").skip(1) {
        let x = attr(text, "x");
        assert!((0.0..=360.0).contains(&x), "text at x={x}");
    }
    // Years are thinned instead of rotated.
    let mut years = chart(Kind::Line);
    years.width = 360;
    years.categories = (2000..2021).map(|y| Category::new(y.to_string())).collect();
    years.series = vec![Series::new("x", (0..21).map(|i| Some(i as f64)).collect())];
    let svg = render(&years).unwrap();
    assert!(!svg.contains("rotate("));
    let shown = (2000..2021).filter(|y| svg.contains(&format!(">{y}</text>"))).count();
    assert!((3..21).contains(&shown), "{shown} of 21 years labelled");
    // Horizontal bars put the first category at the top.
    let mut h = chart(Kind::HBar);
    h.categories = cats(&names);
    h.series = vec![Series::new("x", (0..8).map(|i| Some(10.0 - i as f64)).collect())];
    let svg = render(&h).unwrap();
    let ys: Vec<f64> = marks(&svg).iter().map(|m| attr(m, "y")).collect();
    assert!(ys.windows(2).all(|p| p[0] < p[1]), "{ys:?}");
    assert!(svg.contains(">乌力吉木仁苏木新艾里村</text>"), "long names at the left in full");
}

#[test]
fn value_labels_step_above_a_reference_line_through_them() {
    let mut c = chart(Kind::Bar);
    c.categories = cats(&["2019", "2020"]);
    c.series = vec![Series::new("x", vec![Some(9.3), Some(4.1)])];
    c.references = vec![Reference::constant("目标", 9.75, 2)];
    let svg = render(&c).unwrap();
    let label = svg.split("<text").find(|t| t.contains(">9.3%</text>")).unwrap();
    let dash = svg.split("<polyline").find(|p| p.contains(&format!("stroke=\"{}\" stroke-width=\"2\"", theme::hex(theme::GREY)))).unwrap();
    let points = dash.split("points=\"").nth(1).unwrap();
    let ref_y: f64 = points.split([',', ' ']).nth(1).unwrap().parse().unwrap();
    let gap = (attr(label, "y") - ref_y).abs();
    assert!(gap >= 16.0 * 0.65, "label {} vs line {ref_y}", attr(label, "y"));
}
