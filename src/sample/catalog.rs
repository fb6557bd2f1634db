//! Fixed reference tables of the sample: the yearly poverty and monitoring
//! lines, and the aid-measure catalogue (8 categories, 33 measures: the nine
//! "3+3+3" industry models, the fourteen "6保6助2托" relief policies and ten
//! general measures).

use std::path::Path;

use anyhow::Result;

use super::out::Out;
use super::{FIRST_YEAR, LAST_YEAR};

/// Poverty line (yuan per person per year, current prices) for 2014..=2020.
pub(crate) const POVERTY_LINES: [i64; 7] = [2800, 2855, 2952, 3335, 3535, 3747, 4000];

pub(crate) fn poverty_line(year: i32) -> f64 {
    POVERTY_LINES[(year.clamp(FIRST_YEAR, LAST_YEAR) - FIRST_YEAR) as usize] as f64
}

/// Monitoring line = round(1.5 × poverty line).
pub(crate) fn monitoring_line(year: i32) -> f64 {
    (1.5 * poverty_line(year)).round()
}

pub(crate) fn write_poverty_lines(dir: &Path) -> Result<(&'static str, usize)> {
    let mut o = Out::table(dir, "poverty_line")?;
    for y in FIRST_YEAR..=LAST_YEAR {
        o.int(y as i64)?;
        o.yuan(poverty_line(y) as i64)?;
        o.yuan(monitoring_line(y) as i64)?;
        o.end()?;
    }
    o.finish()
}

/// Who a measure is meant for, as an index into `MEASURE_TARGETS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Able,
    Unable,
    All,
}

pub(crate) struct Measure {
    pub code: &'static str,
    pub name: &'static str,
    pub name_en: &'static str,
    pub category: &'static str,
    pub model: Option<&'static str>,
    pub target: Target,
}

const fn m(
    code: &'static str,
    name: &'static str,
    name_en: &'static str,
    category: &'static str,
    model: Option<&'static str>,
    target: Target,
) -> Measure {
    Measure { code, name, name_en, category, model, target }
}

const M333: Option<&str> = Some("3+3+3");
const M6: Option<&str> = Some("6保6助2托");

/// The catalogue. Indices are used by the measure generator (`M01` = 0).
pub(crate) const MEASURES: &[Measure] = &[
    // 3+3+3: nine industry models for households able to work.
    m("M01", "肉牛养殖", "Beef cattle farming", "产业扶贫", M333, Target::Able),
    m("M02", "肉羊养殖", "Mutton sheep farming", "产业扶贫", M333, Target::Able),
    m("M03", "生猪养殖", "Pig farming", "产业扶贫", M333, Target::Able),
    m("M04", "玉米种植", "Maize growing", "产业扶贫", M333, Target::Able),
    m("M05", "杂粮杂豆种植", "Minor grains and beans", "产业扶贫", M333, Target::Able),
    m("M06", "设施农业", "Greenhouse farming", "产业扶贫", M333, Target::Able),
    m("M07", "庭院经济", "Courtyard economy", "产业扶贫", M333, Target::Able),
    m("M08", "光伏扶贫", "Photovoltaic poverty relief", "产业扶贫", M333, Target::Able),
    m("M09", "乡村旅游", "Rural tourism", "产业扶贫", M333, Target::Able),
    // 6保: six guarantees.
    m("M10", "低保兜底保障", "Minimum living allowance", "社会保障兜底", M6, Target::Unable),
    m("M11", "特困人员供养", "Support for persons in extreme hardship", "社会保障兜底", M6, Target::Unable),
    m("M12", "基本医疗保险参保", "Basic medical insurance enrolment", "健康扶贫", M6, Target::Unable),
    m("M13", "大病保险与医疗救助", "Critical illness insurance and medical assistance", "健康扶贫", M6, Target::Unable),
    m("M14", "城乡居民养老保险", "Residents' pension insurance", "社会保障兜底", M6, Target::Unable),
    m("M15", "残疾人两项补贴", "Two disability allowances", "社会保障兜底", M6, Target::Unable),
    // 6助: six kinds of help.
    m("M16", "教育资助", "Education grants", "教育扶贫", M6, Target::Unable),
    m("M17", "医疗费用救助", "Medical expense relief", "健康扶贫", M6, Target::Unable),
    m("M18", "危房改造补助", "Dilapidated housing renovation subsidy", "住房安全保障", M6, Target::Unable),
    m("M19", "临时救助", "Temporary assistance", "社会保障兜底", M6, Target::Unable),
    m("M20", "饮水安全补助", "Safe drinking water subsidy", "住房安全保障", M6, Target::Unable),
    m("M21", "取暖救助", "Heating assistance", "社会保障兜底", M6, Target::Unable),
    // 2托: two kinds of entrusted care.
    m("M22", "集中托养", "Centralised care", "社会保障兜底", M6, Target::Unable),
    m("M23", "产业托管分红", "Entrusted industry dividends", "金融扶贫", M6, Target::Unable),
    // General measures for everyone.
    m("M24", "转移就业培训", "Job-transfer training", "就业扶贫", None, Target::All),
    m("M25", "公益岗位就业", "Public-welfare jobs", "就业扶贫", None, Target::All),
    m("M26", "扶贫车间就业", "Poverty-relief workshop jobs", "就业扶贫", None, Target::All),
    m("M27", "雨露计划职业教育", "Rain and Dew vocational education", "教育扶贫", None, Target::All),
    m("M28", "家庭医生签约服务", "Contracted family doctor service", "健康扶贫", None, Target::All),
    m("M29", "易地扶贫搬迁", "Relocation for poverty alleviation", "住房安全保障", None, Target::All),
    m("M30", "生态护林员", "Ecological forest ranger", "生态扶贫", None, Target::All),
    m("M31", "草原生态补奖", "Grassland ecological compensation", "生态扶贫", None, Target::All),
    m("M32", "扶贫小额信贷", "Poverty-alleviation microcredit", "金融扶贫", None, Target::All),
    m("M33", "扶贫生产流动资金", "Production revolving fund", "金融扶贫", None, Target::All),
];

pub(crate) fn write_measures(dir: &Path) -> Result<(&'static str, usize)> {
    let mut o = Out::table(dir, "aid_measure")?;
    for me in MEASURES {
        o.text(me.code)?;
        o.text(me.name)?;
        o.text(me.name_en)?;
        o.text(me.category)?;
        o.opt_text(me.model)?;
        o.text(match me.target {
            Target::Able => "有劳动能力",
            Target::Unable => "无劳动能力",
            Target::All => "全部",
        })?;
        o.end()?;
    }
    o.finish()
}
