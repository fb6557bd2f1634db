//! The table catalogue: every table Jingzhun stores, its columns, their
//! Chinese and English labels, the header aliases the national system uses,
//! types, ranges and references. Import validation, the sample generator and
//! the schema test all read this one description.
//!
//! Invariant: the order of `columns` is the column order of the DuckDB table
//! (checked by `tests::spec_matches_schema`) and of the sample CSV files.

/// Type and range of one column, as the importer validates it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ty {
    /// Whole number within an inclusive range.
    Int { min: i64, max: i64 },
    /// A year (stored as INTEGER).
    Year,
    /// Amount of money in yuan, two decimals, within an inclusive range.
    Money { min: f64, max: f64 },
    /// A decimal number (rates, percentages) within an inclusive range.
    Dec { min: f64, max: f64 },
    /// Free text of at most `max_chars` characters.
    Text { max_chars: usize },
    /// A code made of ASCII letters, digits and `-`, at most `max_chars`.
    Code { max_chars: usize },
    /// 18-character mainland ID-card number with a valid checksum.
    IdCard,
    /// Yes/no (是/否, true/false, 1/0, Y/N).
    Bool,
    /// Calendar date (2016-03-05, 2016/3/5, 2016年3月5日, 20160305, Excel serial).
    Date,
    /// One of a fixed list of values.
    Enum(&'static [&'static str]),
}

impl Ty {
    /// The DuckDB column type.
    pub fn sql_type(&self) -> &'static str {
        match self {
            Ty::Int { .. } | Ty::Year => "INTEGER",
            Ty::Money { .. } => "DECIMAL(14,2)",
            Ty::Dec { .. } => "DECIMAL(9,4)",
            Ty::Text { .. } | Ty::Code { .. } | Ty::IdCard | Ty::Enum(_) => "VARCHAR",
            Ty::Bool => "BOOLEAN",
            Ty::Date => "DATE",
        }
    }
}

/// One column of a table.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// English column name, as in the database and in English CSV headers.
    pub name: &'static str,
    /// Chinese label, as the national system's exports head the column.
    pub zh: &'static str,
    /// Other header spellings accepted on import (Chinese variants).
    pub aliases: &'static [&'static str],
    pub ty: Ty,
    pub required: bool,
    /// `(table, column)` this column's value must exist in, when present.
    pub refs: Option<(&'static str, &'static str)>,
}

/// One table.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    pub name: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// Other file-name stems accepted for this table on import.
    pub aliases: &'static [&'static str],
    pub columns: &'static [Column],
    /// Natural key: re-importing a row with the same key updates it.
    pub key: &'static [&'static str],
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}

const fn col(name: &'static str, zh: &'static str, ty: Ty, required: bool) -> Column {
    Column { name, zh, aliases: &[], ty, required, refs: None }
}
const fn colr(
    name: &'static str,
    zh: &'static str,
    ty: Ty,
    required: bool,
    refs: (&'static str, &'static str),
) -> Column {
    Column { name, zh, aliases: &[], ty, required, refs: Some(refs) }
}
const fn cola(
    name: &'static str,
    zh: &'static str,
    aliases: &'static [&'static str],
    ty: Ty,
    required: bool,
) -> Column {
    Column { name, zh, aliases, ty, required, refs: None }
}
const fn colra(
    name: &'static str,
    zh: &'static str,
    aliases: &'static [&'static str],
    ty: Ty,
    required: bool,
    refs: (&'static str, &'static str),
) -> Column {
    Column { name, zh, aliases, ty, required, refs: Some(refs) }
}

/// The largest amount DECIMAL(14,2) holds.
pub const MONEY: Ty = Ty::Money { min: 0.0, max: 999_999_999_999.99 };
const SMALL_COUNT: Ty = Ty::Int { min: 0, max: 1_000_000 };
const NAME: Ty = Ty::Text { max_chars: 100 };
const LONG_TEXT: Ty = Ty::Text { max_chars: 500 };
const YEAR: Ty = Ty::Year;

pub const TOWNSHIP_KINDS: &[&str] = &["镇", "苏木", "农牧场"];
pub const MEASURE_CATEGORIES: &[&str] = &[
    "产业扶贫",
    "就业扶贫",
    "教育扶贫",
    "健康扶贫",
    "住房安全保障",
    "生态扶贫",
    "社会保障兜底",
    "金融扶贫",
];
pub const MEASURE_MODELS: &[&str] = &["3+3+3", "6保6助2托"];
pub const MEASURE_TARGETS: &[&str] = &["有劳动能力", "无劳动能力", "全部"];
pub const ENTITY_KINDS: &[&str] = &["合作社", "龙头企业", "村集体经济", "扶贫车间"];
pub const CADRE_ROLES: &[&str] = &["帮扶责任人", "第一书记", "驻村工作队员"];
pub const ATTRIBUTES: &[&str] = &["一般贫困户", "低保贫困户", "特困供养贫困户"];
pub const CAUSES: &[&str] = &[
    "因病",
    "因残",
    "因学",
    "因灾",
    "缺土地",
    "缺水",
    "缺技术",
    "缺劳力",
    "缺资金",
    "交通条件落后",
    "自身发展动力不足",
    "其他",
];
pub const EXIT_KINDS: &[&str] = &["脱贫", "自然减少"];
pub const RELATIONS: &[&str] = &[
    "户主", "配偶", "之子", "之女", "之儿媳", "之女婿", "之孙子", "之孙女", "之父", "之母", "兄弟姐妹", "其他",
];
pub const SEXES: &[&str] = &["男", "女"];
pub const EDUCATION: &[&str] = &["学龄前儿童", "文盲或半文盲", "小学", "初中", "高中", "中专", "大专及以上"];
pub const SCHOOLING: &[&str] = &[
    "非在校生", "学前教育", "小学", "初中", "高中", "中职", "高职高专", "本科及以上",
];
pub const HEALTH: &[&str] = &["健康", "长期慢性病", "患有大病", "残疾"];
pub const SKILLS: &[&str] = &["普通劳动力", "技能劳动力", "弱劳动力或半劳动力", "丧失劳动力", "无劳动力"];
pub const REMOVAL_REASONS: &[&str] = &["死亡", "婚嫁迁出", "其他"];
pub const LOAN_PURPOSES: &[&str] = &["种植", "养殖", "庭院经济", "其他"];
pub const MONITORED_GROUPS: &[&str] = &["未脱贫户", "脱贫监测户", "边缘易致贫户", "突发严重困难户"];
pub const RISK_SOURCES: &[&str] = &["农户自主申报", "干部排查", "部门筛查预警"];
pub const RISK_CAUSES: &[&str] = &[
    "因病",
    "因学",
    "因灾",
    "因疫情",
    "因收入大幅缩减",
    "因刚性支出骤增",
    "因产业不可持续",
    "其他",
];
pub const SEVERITIES: &[&str] = &["高", "中", "低"];

/// Every table, in dependency order: a table only refers to tables before it.
pub const TABLES: &[Table] = &[
    Table {
        name: "war_zone",
        zh: "战区",
        en: "War zone",
        aliases: &["战区"],
        key: &["zone_id"],
        columns: &[
            cola("zone_id", "战区编号", &["战区代码"], Ty::Int { min: 1, max: 99 }, true),
            cola("name", "战区名称", &["战区"], NAME, true),
            col("name_en", "英文名称", NAME, false),
            col("commander", "指挥长", NAME, false),
        ],
    },
    Table {
        name: "township",
        zh: "苏木镇场",
        en: "Township",
        aliases: &["苏木镇场", "乡镇"],
        key: &["township_code"],
        columns: &[
            cola("township_code", "苏木镇场代码", &["乡镇代码"], Ty::Code { max_chars: 12 }, true),
            cola("name", "苏木镇场名称", &["乡镇名称"], NAME, true),
            col("name_en", "英文名称", NAME, false),
            col("kind", "类型", Ty::Enum(TOWNSHIP_KINDS), true),
            colra("zone_id", "所属战区", &["战区编号"], Ty::Int { min: 1, max: 99 }, true, ("war_zone", "zone_id")),
        ],
    },
    Table {
        name: "village",
        zh: "嘎查村",
        en: "Village",
        aliases: &["嘎查村", "行政村", "村"],
        key: &["village_code"],
        columns: &[
            cola("village_code", "嘎查村代码", &["行政村代码", "村代码"], Ty::Code { max_chars: 15 }, true),
            cola("name", "嘎查村名称", &["行政村名称", "村名称"], NAME, true),
            colra(
                "township_code",
                "苏木镇场代码",
                &["乡镇代码"],
                Ty::Code { max_chars: 12 },
                true,
                ("township", "township_code"),
            ),
            cola("is_poor", "是否贫困村", &["贫困村"], Ty::Bool, true),
            cola("exit_year", "出列年份", &["贫困村出列年份"], Ty::Int { min: 2013, max: 2030 }, false),
        ],
    },
    Table {
        name: "village_year",
        zh: "嘎查村年度人口",
        en: "Village population by year",
        aliases: &["嘎查村年度人口"],
        key: &["village_code", "year"],
        columns: &[
            colra("village_code", "嘎查村代码", &["行政村代码"], Ty::Code { max_chars: 15 }, true, ("village", "village_code")),
            col("year", "年度", YEAR, true),
            cola("rural_households", "农村户籍户数", &["户籍户数", "总户数"], SMALL_COUNT, true),
            cola("rural_population", "农村户籍人口", &["户籍人口", "总人口"], SMALL_COUNT, true),
        ],
    },
    Table {
        name: "poverty_line",
        zh: "贫困线",
        en: "Poverty line",
        aliases: &["贫困线", "扶贫标准"],
        key: &["year"],
        columns: &[
            col("year", "年度", YEAR, true),
            cola("poverty_line", "贫困线", &["扶贫标准"], Ty::Money { min: 0.0, max: 100_000.0 }, true),
            cola("monitoring_line", "监测线", &["防返贫监测线"], Ty::Money { min: 0.0, max: 100_000.0 }, false),
        ],
    },
    Table {
        name: "aid_measure",
        zh: "帮扶措施目录",
        en: "Aid measure catalogue",
        aliases: &["帮扶措施目录", "扶贫措施"],
        key: &["measure_code"],
        columns: &[
            col("measure_code", "措施代码", Ty::Code { max_chars: 12 }, true),
            col("name", "措施名称", NAME, true),
            col("name_en", "英文名称", NAME, false),
            cola("category", "措施类别", &["类别"], Ty::Enum(MEASURE_CATEGORIES), true),
            cola("model", "帮扶模式", &["模式"], Ty::Enum(MEASURE_MODELS), false),
            cola("target", "适用对象", &["对象"], Ty::Enum(MEASURE_TARGETS), true),
        ],
    },
    Table {
        name: "industry_entity",
        zh: "产业经营主体",
        en: "Industry entity",
        aliases: &["产业经营主体", "经营主体"],
        key: &["entity_code"],
        columns: &[
            col("entity_code", "主体代码", Ty::Code { max_chars: 20 }, true),
            cola("name", "主体名称", &["经营主体名称"], NAME, true),
            cola("kind", "主体类型", &["类型"], Ty::Enum(ENTITY_KINDS), true),
            cola("sector", "产业类别", &["产业"], NAME, true),
            colr("township_code", "苏木镇场代码", Ty::Code { max_chars: 12 }, true, ("township", "township_code")),
            colr("village_code", "嘎查村代码", Ty::Code { max_chars: 15 }, false, ("village", "village_code")),
            col("founded_year", "成立年份", Ty::Int { min: 1949, max: 2030 }, false),
        ],
    },
    Table {
        name: "work_team",
        zh: "驻村工作队",
        en: "Resident work team",
        aliases: &["驻村工作队"],
        key: &["team_code"],
        columns: &[
            col("team_code", "工作队代码", Ty::Code { max_chars: 20 }, true),
            colra("village_code", "驻村嘎查村代码", &["嘎查村代码"], Ty::Code { max_chars: 15 }, true, ("village", "village_code")),
            col("dispatch_unit", "派出单位", NAME, true),
            col("start_year", "派驻年份", Ty::Int { min: 2000, max: 2030 }, true),
        ],
    },
    Table {
        name: "cadre",
        zh: "帮扶干部",
        en: "Cadre",
        aliases: &["帮扶干部", "帮扶责任人"],
        key: &["cadre_code"],
        columns: &[
            cola("cadre_code", "干部代码", &["帮扶责任人代码"], Ty::Code { max_chars: 20 }, true),
            cola("name", "姓名", &["干部姓名"], NAME, true),
            cola("role", "角色", &["帮扶身份"], Ty::Enum(CADRE_ROLES), true),
            cola("work_unit", "工作单位", &["单位"], NAME, true),
            colr("team_code", "工作队代码", Ty::Code { max_chars: 20 }, false, ("work_team", "team_code")),
        ],
    },
    Table {
        name: "household",
        zh: "贫困户",
        en: "Registered household",
        aliases: &["贫困户", "建档立卡户", "农户"],
        key: &["household_code"],
        columns: &[
            cola("household_code", "户编号", &["户码", "农户编号"], Ty::Code { max_chars: 24 }, true),
            colra(
                "village_code",
                "嘎查村代码",
                &["行政村代码", "村代码"],
                Ty::Code { max_chars: 15 },
                true,
                ("village", "village_code"),
            ),
            cola("head_name", "户主姓名", &["户主"], NAME, true),
            cola("size", "家庭人口", &["家庭人口数", "人口数"], Ty::Int { min: 1, max: 20 }, true),
            cola("labour_count", "劳动力人数", &["劳动力数"], Ty::Int { min: 0, max: 20 }, true),
            cola("attribute", "贫困户属性", &["户属性"], Ty::Enum(ATTRIBUTES), true),
            cola("able_to_work", "有劳动能力", &["是否有劳动能力"], Ty::Bool, true),
            cola("main_cause", "主要致贫原因", &["致贫原因"], Ty::Enum(CAUSES), true),
            cola("secondary_cause_1", "其他致贫原因1", &["次要致贫原因1"], Ty::Enum(CAUSES), false),
            cola("secondary_cause_2", "其他致贫原因2", &["次要致贫原因2"], Ty::Enum(CAUSES), false),
            cola("identified_year", "识别年份", &["识别标准年份", "纳入年份"], Ty::Int { min: 2013, max: 2030 }, true),
            cola("exit_year", "退出年份", &["脱贫年份"], Ty::Int { min: 2013, max: 2030 }, false),
            cola("exit_kind", "退出方式", &["退出类型"], Ty::Enum(EXIT_KINDS), false),
            cola("food_clothing_secure", "不愁吃穿", &["不愁吃不愁穿"], Ty::Bool, true),
            cola("education_secure", "义务教育有保障", &["义务教育保障"], Ty::Bool, true),
            cola("medical_secure", "基本医疗有保障", &["基本医疗保障"], Ty::Bool, true),
            cola("housing_secure", "住房安全有保障", &["住房安全保障"], Ty::Bool, true),
            cola("water_secure", "饮水安全有保障", &["饮水安全"], Ty::Bool, true),
            colra("cadre_code", "帮扶责任人代码", &["干部代码"], Ty::Code { max_chars: 20 }, false, ("cadre", "cadre_code")),
        ],
    },
    Table {
        name: "member",
        zh: "家庭成员",
        en: "Household member",
        aliases: &["家庭成员", "成员"],
        key: &["member_code"],
        columns: &[
            cola("member_code", "成员编号", &["人编号"], Ty::Code { max_chars: 28 }, true),
            colr("household_code", "户编号", Ty::Code { max_chars: 24 }, true, ("household", "household_code")),
            col("name", "姓名", NAME, true),
            cola("id_number", "身份证号", &["证件号码", "身份证号码"], Ty::IdCard, false),
            col("relation", "与户主关系", Ty::Enum(RELATIONS), true),
            col("sex", "性别", Ty::Enum(SEXES), true),
            col("birth_year", "出生年份", Ty::Int { min: 1900, max: 2030 }, true),
            col("ethnicity", "民族", NAME, true),
            col("education", "文化程度", Ty::Enum(EDUCATION), true),
            cola("schooling", "在校生状况", &["在校生情况"], Ty::Enum(SCHOOLING), true),
            col("health", "健康状况", Ty::Enum(HEALTH), true),
            col("labour_skill", "劳动技能", Ty::Enum(SKILLS), true),
            cola("migrant_months", "务工时间（月）", &["务工时间", "务工月数"], Ty::Int { min: 0, max: 12 }, true),
            col("removed_year", "减少年份", Ty::Int { min: 2013, max: 2030 }, false),
            col("removed_reason", "减少原因", Ty::Enum(REMOVAL_REASONS), false),
        ],
    },
    Table {
        name: "income_year",
        zh: "年度收入",
        en: "Household income by year",
        aliases: &["年度收入", "收入"],
        key: &["household_code", "year"],
        columns: &[
            colr("household_code", "户编号", Ty::Code { max_chars: 24 }, true, ("household", "household_code")),
            col("year", "年度", YEAR, true),
            cola("wage_income", "工资性收入", &["工资性收入（元）"], MONEY, true),
            cola("operating_income", "生产经营性收入", &["生产经营性收入（元）", "经营性收入"], MONEY, true),
            cola("property_income", "财产性收入", &["财产性收入（元）"], MONEY, true),
            cola("transfer_income", "转移性收入", &["转移性收入（元）"], MONEY, true),
            cola("operating_cost", "生产经营性支出", &["生产经营性支出（元）", "经营性支出"], MONEY, true),
            cola("persons", "计算人口", &["家庭人口", "人口数"], Ty::Int { min: 1, max: 20 }, true),
        ],
    },
    Table {
        name: "household_measure",
        zh: "帮扶措施落实",
        en: "Measures received",
        aliases: &["帮扶措施落实", "享受政策"],
        key: &["household_code", "measure_code", "year"],
        columns: &[
            colr("household_code", "户编号", Ty::Code { max_chars: 24 }, true, ("household", "household_code")),
            colr("measure_code", "措施代码", Ty::Code { max_chars: 12 }, true, ("aid_measure", "measure_code")),
            col("year", "年度", YEAR, true),
            cola("amount", "帮扶金额", &["金额", "金额（元）"], MONEY, true),
        ],
    },
    Table {
        name: "fund_investment",
        zh: "扶贫资金入股",
        en: "Fund investment",
        aliases: &["扶贫资金入股", "资金入股"],
        key: &["investment_code"],
        columns: &[
            col("investment_code", "入股项目代码", Ty::Code { max_chars: 20 }, true),
            colr("entity_code", "主体代码", Ty::Code { max_chars: 20 }, true, ("industry_entity", "entity_code")),
            cola("year", "入股年份", &["年度"], YEAR, true),
            cola("principal", "入股本金", &["本金"], MONEY, true),
            cola("floor_rate", "保底收益率", &["收益率"], Ty::Dec { min: 0.0, max: 1.0 }, true),
            col("fund_source", "资金来源", NAME, false),
        ],
    },
    Table {
        name: "dividend",
        zh: "资产收益分红",
        en: "Dividend",
        aliases: &["资产收益分红", "分红"],
        key: &["investment_code", "household_code", "year"],
        columns: &[
            colr("investment_code", "入股项目代码", Ty::Code { max_chars: 20 }, true, ("fund_investment", "investment_code")),
            colr("household_code", "户编号", Ty::Code { max_chars: 24 }, true, ("household", "household_code")),
            col("year", "年度", YEAR, true),
            cola("share_principal", "折股量化本金", &["量化本金"], MONEY, true),
            cola("amount", "分红金额", &["分红"], MONEY, true),
            col("paid_date", "发放日期", Ty::Date, false),
        ],
    },
    Table {
        name: "revolving_loan",
        zh: "扶贫生产流动资金",
        en: "Revolving production loan",
        aliases: &["扶贫生产流动资金", "流动资金", "周转金"],
        key: &["loan_code"],
        columns: &[
            col("loan_code", "借款编号", Ty::Code { max_chars: 20 }, true),
            colr("household_code", "户编号", Ty::Code { max_chars: 24 }, true, ("household", "household_code")),
            cola("amount", "借款金额", &["金额"], Ty::Money { min: 0.01, max: 25_000.0 }, true),
            cola("issued_date", "发放日期", &["借款日期"], Ty::Date, true),
            cola("due_date", "应还日期", &["到期日期"], Ty::Date, true),
            cola("repaid_amount", "已还金额", &["还款金额"], MONEY, true),
            cola("settled_date", "结清日期", &["还清日期"], Ty::Date, false),
            cola("purpose", "用途", &["借款用途"], Ty::Enum(LOAN_PURPOSES), true),
        ],
    },
    Table {
        name: "risk_event",
        zh: "返贫致贫风险",
        en: "Risk warning",
        aliases: &["返贫致贫风险", "风险预警", "监测预警"],
        key: &["event_code"],
        columns: &[
            cola("event_code", "预警编号", &["风险编号"], Ty::Code { max_chars: 24 }, true),
            colr("household_code", "户编号", Ty::Code { max_chars: 24 }, false, ("household", "household_code")),
            colr("village_code", "嘎查村代码", Ty::Code { max_chars: 15 }, true, ("village", "village_code")),
            cola("monitored_group", "监测对象类别", &["监测类别"], Ty::Enum(MONITORED_GROUPS), true),
            cola("persons", "家庭人口", &["人口数"], Ty::Int { min: 1, max: 20 }, true),
            cola("detected_date", "发现日期", &["预警日期"], Ty::Date, true),
            cola("source", "发现途径", &["信息来源"], Ty::Enum(RISK_SOURCES), true),
            cola("cause", "风险类型", &["返贫致贫风险", "风险原因"], Ty::Enum(RISK_CAUSES), true),
            cola("severity", "风险等级", &["等级"], Ty::Enum(SEVERITIES), true),
            cola("income_per_capita", "人均纯收入", &["人均收入"], MONEY, false),
            cola("resolved_date", "消除日期", &["风险消除日期"], Ty::Date, false),
            cola("measures_taken", "帮扶措施", &["采取措施"], LONG_TEXT, false),
        ],
    },
    Table {
        name: "yipin_meeting",
        zh: "议贫会",
        en: "Deliberation meeting",
        aliases: &["议贫会"],
        key: &["meeting_code"],
        columns: &[
            col("meeting_code", "会议编号", Ty::Code { max_chars: 24 }, true),
            colr("village_code", "嘎查村代码", Ty::Code { max_chars: 15 }, true, ("village", "village_code")),
            cola("meeting_date", "会议日期", &["日期"], Ty::Date, true),
            cola("visits", "走访户数", &["访"], SMALL_COUNT, true),
            cola("issues_raised", "提出议题数", &["提"], SMALL_COUNT, true),
            cola("households_discussed", "评议户数", &["议"], SMALL_COUNT, true),
            cola("actions_done", "落实事项数", &["行"], SMALL_COUNT, true),
            cola("satisfaction", "群众满意度", &["评", "满意度"], Ty::Dec { min: 0.0, max: 100.0 }, false),
        ],
    },
];

/// Looks a table up by its name.
pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}
