//! Median time to render a realistic chart of each kind, over 200 renders.
//!
//!     cargo run --release --example chart_timing [-- OUT_DIR [WIDTH]]
//!
//! With OUT_DIR, also writes one SVG per kind there (`line.svg`, …), drawn
//! WIDTH pixels wide (default 640), to look at.

use std::time::{Duration, Instant};

use jingzhun::charts::{self, spec::Series, Category, Chart, Kind, Reference, Tile, Unit};
use jingzhun::lang::Lang;

const RUNS: usize = 200;

fn years() -> Vec<Category> {
    (2014..=2020).map(|y| Category::new(y.to_string())).collect()
}

fn linked(label: &str, link: String) -> Category {
    Category { label: label.into(), link: Some(link) }
}

const ZONES: [&str; 4] = ["第一战区", "第二战区", "第三战区", "第四战区"];

fn line() -> Chart {
    let mut c = Chart::new(Kind::Line, "贫困发生率（按年度、战区）");
    c.x_label = "年度 Year".into();
    c.y_label = "贫困发生率 Incidence (%)".into();
    c.unit = Unit::Percent;
    c.categories = years();
    let start = [8.4, 9.1, 7.6, 10.2, 6.8];
    let names = ["全旗", ZONES[0], ZONES[1], ZONES[2], ZONES[3]];
    c.series = names
        .iter()
        .zip(start)
        .enumerate()
        .map(|(k, (n, s))| {
            let values = (0..7).map(|i| Some((s * (1.0 - i as f64 / 6.0).powf(1.3 + k as f64 * 0.1) * 100.0).round() / 100.0)).collect();
            Series { name: n.to_string(), values, link: Some(format!("/zones/{k}")) }
        })
        .collect();
    c
}

fn bar() -> Chart {
    let mut c = Chart::new(Kind::Bar, "每年脱贫户数");
    c.x_label = "年度 Year".into();
    c.y_label = "脱贫户数 Households".into();
    c.unit = Unit::Count;
    c.categories = years();
    c.series = vec![Series::new("脱贫户数", [412.0, 1280.0, 1906.0, 2311.0, 1795.0, 702.0, 194.0].map(Some).to_vec())];
    c
}

fn hbar() -> Chart {
    let names = [
        "巴彦塔拉嘎查", "乌力吉木仁苏木新艾里村", "道老杜村", "格日朝鲁嘎查", "前德门嘎查", "乌兰哈达村", "查布嘎图苏木前进村",
        "香山农场三分场", "嘎达苏种畜场", "鲁北镇东沙布台村", "黄花山镇白音花村", "嘎亥图镇胜利村", "巨日合镇嘎查", "阿日昆都楞镇",
        "乌额格其牧场二队", "巴雅尔图胡硕镇北村", "乌日根塔拉农场", "香山镇新民村", "前进嘎查", "新艾里嘎查",
    ];
    let mut c = Chart::new(Kind::HBar, "贫困发生率最高的20个嘎查村（2014年）");
    c.x_label = "嘎查村 Village".into();
    c.y_label = "贫困发生率 Incidence (%)".into();
    c.unit = Unit::Percent;
    c.categories = names.iter().enumerate().map(|(i, n)| linked(n, format!("/villages/{i}?year=2014&lang=zh"))).collect();
    c.series = vec![Series::new("贫困发生率", (0..20).map(|i| Some(31.7 - i as f64 * 1.13)).collect())];
    c.references = vec![Reference::constant("全旗 8.4%", 8.4, 20)];
    c.height = 560;
    c
}

fn grouped() -> Chart {
    let mut c = Chart::new(Kind::GroupedBar, "各战区建档立卡户数");
    c.x_label = "战区 War zone".into();
    c.y_label = "户数 Households".into();
    c.unit = Unit::Count;
    c.categories = ZONES.iter().map(|z| Category::new(*z)).collect();
    c.series = ["2014", "2017", "2020"]
        .iter()
        .enumerate()
        .map(|(k, y)| Series::new(format!("{y}年"), (0..4).map(|i| Some(2600.0 - 300.0 * i as f64 - 700.0 * k as f64)).collect()))
        .collect();
    c
}

fn income_parts(kind: Kind, title: &str) -> Chart {
    let mut c = Chart::new(kind, title);
    c.x_label = "年度 Year".into();
    c.y_label = "元/人·年 Yuan per person-year".into();
    c.unit = Unit::Yuan;
    c.categories = years();
    let parts = [("工资性收入", 900.0, 420.0), ("经营性收入", 1100.0, 380.0), ("财产性收入", 80.0, 90.0), ("转移性收入", 520.0, 610.0)];
    c.series = parts.iter().map(|(n, base, step)| Series::new(*n, (0..7).map(|i| Some(base + step * i as f64)).collect())).collect();
    c.references = vec![Reference {
        name: "贫困线 Poverty line".into(),
        values: [2800.0, 2855.0, 2952.0, 2952.0, 2995.0, 3218.0, 4000.0].map(Some).to_vec(),
    }];
    c
}

fn donut() -> Chart {
    let parts = [("产业扶贫", 3120.0), ("就业扶贫", 1890.0), ("易地扶贫搬迁", 640.0), ("教育扶贫", 1420.0), ("健康扶贫", 2210.0), ("生态扶贫", 380.0), ("社会保障兜底", 910.0), ("金融扶贫", 260.0)];
    let mut c = Chart::new(Kind::Donut, "受益户数按帮扶措施类别");
    c.unit = Unit::Count;
    c.categories = parts.iter().map(|p| Category::new(p.0)).collect();
    c.series = vec![Series::new("受益户数", parts.iter().map(|p| Some(p.1)).collect())];
    c
}

fn heat() -> Chart {
    let measures = ["产业扶贫", "就业扶贫", "易地扶贫搬迁", "教育扶贫", "健康扶贫", "生态扶贫", "社会保障兜底", "金融扶贫", "资产收益"];
    let mut c = Chart::new(Kind::Heat, "各战区帮扶措施覆盖率");
    c.x_label = "战区".into();
    c.y_label = "措施类别 Measure category".into();
    c.unit = Unit::Percent;
    c.categories = ZONES.iter().enumerate().map(|(i, z)| linked(z, format!("/zones/{i}"))).collect();
    c.series = measures
        .iter()
        .enumerate()
        .map(|(j, m)| Series::new(*m, (0..4).map(|i| Some(((j * 7 + i * 13) % 60) as f64 + 12.5)).collect()))
        .collect();
    c
}

fn tiles() -> Chart {
    let mut c = Chart::new(Kind::Tiles, "脱贫攻坚主要指标");
    let t = |label: &str, value: f64, unit: Unit, previous: f64, better: bool| Tile {
        label: label.into(),
        value: Some(value),
        unit,
        previous: Some(previous),
        previous_label: "2019".into(),
        higher_is_better: better,
        link: Some("/overview?year=2020&unit=banner".into()),
    };
    c.tiles = vec![
        t("贫困发生率", 0.0, Unit::Percent, 0.5, false),
        t("人均纯收入（元）", 13020.0, Unit::Yuan, 11800.0, true),
        t("建档立卡户", 8638.0, Unit::Count, 8638.0, true),
        t("脱贫人口", 21388.0, Unit::Count, 20950.0, true),
        t("出列贫困村", 58.0, Unit::Count, 52.0, true),
        t("资产收益率", 10.4, Unit::Percent, 9.8, true),
        t("流动资金（元）", 56_550_000.0, Unit::Yuan, 48_200_000.0, true),
        t("返贫户数", 3.0, Unit::Count, 7.0, false),
    ];
    c
}

fn charts() -> Vec<Chart> {
    vec![
        line(),
        bar(),
        hbar(),
        grouped(),
        income_parts(Kind::StackedBar, "人均纯收入构成"),
        income_parts(Kind::StackedArea, "人均纯收入构成与贫困线"),
        donut(),
        heat(),
        tiles(),
    ]
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = args.next();
    let width: Option<u32> = args.next().map(|w| w.parse()).transpose()?;
    println!("{:<14} {:>10} {:>10}", "kind", "median", "SVG bytes");
    for mut chart in charts() {
        if let Some(w) = width {
            chart.height = (f64::from(chart.height) * f64::from(w) / f64::from(chart.width)).max(f64::from(chart.height) * 0.8) as u32;
            chart.width = w;
        }
        let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
        let mut svg = String::new();
        for _ in 0..RUNS {
            let t = Instant::now();
            svg = charts::render(&chart)?;
            times.push(t.elapsed());
        }
        times.sort();
        let median = times[RUNS / 2];
        println!("{:<14} {:>8.3}ms {:>10}", chart.kind.name(), median.as_secs_f64() * 1e3, svg.len());
        if let Some(dir) = &out {
            std::fs::create_dir_all(dir)?;
            std::fs::write(format!("{dir}/{}.svg", chart.kind.name()), &svg)?;
            let mut en = chart.clone();
            en.lang = Lang::En;
            let _ = charts::summary(&en);
            println!("    {}", charts::summary(&chart));
        }
    }
    Ok(())
}
