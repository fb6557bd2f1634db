//! Name pools for the sample data: personal names (Han names and Mongolian
//! names written in Chinese characters), village names (Mongolian-style 嘎查
//! in sumu, 村 in towns, 分场 on state farms), and the work units that cadres
//! and resident work teams come from.
//!
//! A person's name is kept as three small indices (`Name`) rather than a
//! `String`, so two million members cost a few bytes each.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Surnames. The first part is the common Han surnames, roughly in order of
/// frequency (draws favour the front); the Mongolian, Manchu and Hui subsets
/// below are picked from this same list by name.
pub(crate) const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "孙", "马", "于", "白", "包", "徐", "朱", "高",
    "郭", "胡", "林", "何", "郑", "梁", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董",
    "潘", "袁", "蔡", "蒋", "余", "杜", "叶", "程", "魏", "苏", "吕", "丁", "任", "卢", "姚", "沈", "钟", "姜",
    "崔", "谭", "陆", "范", "汪", "廖", "石", "金", "贾", "夏", "付", "方", "邹", "孟", "秦", "侯", "尹", "薛",
    "闫", "段", "雷", "史", "陶", "贺", "毛", "郝", "顾", "武", "常", "康", "乔", "宝", "鲍", "关", "那", "佟",
];
/// The leading part of `SURNAMES` that Han families draw from (the rest are
/// only used by Mongolian and Manchu families).
const HAN_SURNAMES: usize = SURNAMES.len() - 5;

/// Surnames Mongolian families in eastern Inner Mongolia commonly use.
const MONGOL_SURNAMES: &[&str] = &["包", "包", "包", "白", "白", "韩", "吴", "宝", "鲍", "金", "陈", "李", "王"];
const MANCHU_SURNAMES: &[&str] = &["关", "那", "佟", "赵", "金", "王"];
const HUI_SURNAMES: &[&str] = &["马", "马", "白", "丁", "杨", "李"];

const HAN_MALE_OLD: &[&str] = &[
    "建国", "国庆", "福林", "德山", "振海", "玉林", "宝山", "长顺", "文学", "树林", "凤山", "永发", "庆祥", "金贵",
    "有才", "春山", "万福", "德胜", "殿臣", "玉祥", "景文", "明礼", "广才", "振江",
];
const HAN_MALE_MID: &[&str] = &[
    "志强", "海军", "立新", "建军", "卫东", "红军", "春雷", "占军", "海涛", "东升", "永刚", "国华", "晓东", "春生",
    "金龙", "伟", "军", "刚", "勇", "强", "磊", "鹏", "亮", "斌", "涛", "宏伟", "学军", "铁柱", "守军", "继红",
];
const HAN_MALE_YOUNG: &[&str] = &[
    "浩然", "子轩", "宇航", "俊杰", "博文", "梓豪", "天宇", "一鸣", "浩宇", "思远", "佳豪", "宇轩", "鑫", "硕",
    "帅", "明轩", "晨阳", "皓轩", "家乐", "锦程",
];
const HAN_FEMALE_OLD: &[&str] = &[
    "秀兰", "桂英", "玉芝", "淑珍", "凤兰", "玉兰", "秀英", "桂兰", "淑芬", "玉珍", "秀珍", "凤芝", "桂芝", "翠兰",
    "素梅", "金凤", "玉荣", "凤英",
];
const HAN_FEMALE_MID: &[&str] = &[
    "丽娟", "春梅", "红霞", "艳", "静", "芳", "敏", "丽", "海燕", "晓梅", "秀梅", "丽华", "玉梅", "艳华", "淑华",
    "凤琴", "红梅", "雪梅", "亚茹", "春燕", "桂香", "艳红",
];
const HAN_FEMALE_YOUNG: &[&str] = &[
    "欣怡", "梓涵", "雨涵", "思琪", "佳琪", "诗涵", "雨欣", "紫萱", "梦瑶", "一诺", "可馨", "雪", "悦", "婷",
    "子怡", "若曦", "佳怡", "嘉欣",
];
const MONGOL_MALE: &[&str] = &[
    "巴特尔", "额尔敦", "那日苏", "宝音", "阿拉坦", "朝鲁", "苏和", "孟和", "哈斯", "巴雅尔", "布和", "达来",
    "乌力吉", "吉日嘎拉", "特木尔", "斯琴巴图", "额尔德木图", "宝力道", "哈斯巴根", "图门", "那顺", "朝格图",
    "敖特根", "格日勒图", "白音仓", "巴图", "满都拉", "阿木古楞", "毕力格", "乌日根", "宝音德力格尔", "胡日查",
    "照日格图", "扎那", "吉木斯", "呼和", "青格乐图", "旭日干", "额尔和木", "达瓦", "白音", "宝力高", "巴根那",
    "额日和木", "布仁", "朝克图", "达布希拉图", "道尔吉", "都古尔", "嘎拉森", "哈达", "呼日乐", "吉格木德",
    "金山", "拉喜", "满达", "孟根", "那木吉拉", "诺日布", "其木德", "赛音", "色登", "苏依拉", "特格喜",
    "图布信", "乌恩", "乌日图", "希日布", "新巴雅尔", "伊德尔", "扎木苏", "卓力格图",
];
const MONGOL_FEMALE: &[&str] = &[
    "其其格", "乌云", "斯琴", "苏日娜", "图雅", "萨仁", "高娃", "娜仁", "其木格", "乌兰", "托娅", "塔娜",
    "萨日娜", "格日乐", "乌日娜", "斯琴高娃", "阿拉坦其其格", "敖登", "萨如拉", "阿如汗", "吉雅", "诺敏",
    "哈斯其其格", "乌仁图雅", "珠兰", "娜布其", "通拉嘎", "宝日玛", "额尔登其其格", "乌云格日乐", "阿拉坦花",
    "宝力尔", "朝鲁门", "达古拉", "额尔敦其其格", "高娃其其格", "哈斯图雅", "吉日木图", "莲花",
    "玛希", "明珠", "那仁花", "娜日苏", "诺敏其其格", "其其格玛", "青格乐", "萨仁高娃", "赛罕", "斯琴图雅",
    "苏德", "塔林", "图门其其格", "乌兰其其格", "乌力吉玛", "乌日汗", "希吉日", "雅茹", "银花", "珠拉",
];

/// Given-name pools, addressed by `Name::pool`.
pub(crate) const GIVEN: &[&[&str]] = &[
    HAN_MALE_OLD,
    HAN_MALE_MID,
    HAN_MALE_YOUNG,
    HAN_FEMALE_OLD,
    HAN_FEMALE_MID,
    HAN_FEMALE_YOUNG,
    MONGOL_MALE,
    MONGOL_FEMALE,
];

/// Ethnic group of a person, as written in the member table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Eth {
    Mongol = 0,
    Han = 1,
    Manchu = 2,
    Hui = 3,
}

impl Eth {
    pub fn label(self) -> &'static str {
        match self {
            Eth::Mongol => "蒙古族",
            Eth::Han => "汉族",
            Eth::Manchu => "满族",
            Eth::Hui => "回族",
        }
    }
    pub fn from_u8(v: u8) -> Eth {
        match v {
            0 => Eth::Mongol,
            1 => Eth::Han,
            2 => Eth::Manchu,
            _ => Eth::Hui,
        }
    }
    /// Draws an ethnicity: ≈50 % Mongolian, 48 % Han, 2 % Manchu or Hui.
    pub fn draw(rng: &mut ChaCha8Rng) -> Eth {
        let u: f64 = rng.gen();
        if u < 0.50 {
            Eth::Mongol
        } else if u < 0.98 {
            Eth::Han
        } else if u < 0.99 {
            Eth::Manchu
        } else {
            Eth::Hui
        }
    }
}

/// A personal name as indices: `sur` is 1 + index into `SURNAMES` (0 = no
/// surname, as many Mongolian names are written), `pool`/`idx` address `GIVEN`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Name {
    pub sur: u8,
    pub pool: u8,
    pub idx: u16,
}

impl Name {
    pub fn surname(self) -> &'static str {
        if self.sur == 0 {
            ""
        } else {
            SURNAMES[self.sur as usize - 1]
        }
    }
    pub fn given(self) -> &'static str {
        GIVEN[self.pool as usize][self.idx as usize]
    }
}

/// Precomputed surname indices for the ethnic subsets.
pub(crate) struct Namer {
    mongol: Vec<u8>,
    manchu: Vec<u8>,
    hui: Vec<u8>,
}

fn sur_index(s: &str) -> u8 {
    // The subsets are spelled from SURNAMES itself, so the lookup cannot fail;
    // fall back to 王 (index 0) rather than panicking.
    SURNAMES.iter().position(|x| *x == s).map(|i| i as u8 + 1).unwrap_or(1)
}

impl Namer {
    pub fn new() -> Namer {
        Namer {
            mongol: MONGOL_SURNAMES.iter().map(|s| sur_index(s)).collect(),
            manchu: MANCHU_SURNAMES.iter().map(|s| sur_index(s)).collect(),
            hui: HUI_SURNAMES.iter().map(|s| sur_index(s)).collect(),
        }
    }

    /// A family surname for a household head of the given ethnicity
    /// (0 = none; 35 % of Mongolian heads go by their given name only).
    pub fn surname(&self, rng: &mut ChaCha8Rng, eth: Eth) -> u8 {
        match eth {
            Eth::Han => {
                // Squaring a uniform favours the frequent surnames at the front.
                let u: f64 = rng.gen();
                let n = HAN_SURNAMES;
                (((u * u) * n as f64) as usize).min(n - 1) as u8 + 1
            }
            Eth::Mongol => {
                if rng.gen_bool(0.35) {
                    0
                } else {
                    self.mongol[rng.gen_range(0..self.mongol.len())]
                }
            }
            Eth::Manchu => self.manchu[rng.gen_range(0..self.manchu.len())],
            Eth::Hui => self.hui[rng.gen_range(0..self.hui.len())],
        }
    }

    /// A name for a person of this ethnicity, sex and birth year, with the
    /// given surname index (see `surname`).
    pub fn person(&self, rng: &mut ChaCha8Rng, eth: Eth, male: bool, birth_year: i32, sur: u8) -> Name {
        // Mongolian families often give Mongolian names; some younger ones Han names.
        let mongol_name = eth == Eth::Mongol && rng.gen_bool(if birth_year >= 1990 { 0.6 } else { 0.85 });
        let pool = if mongol_name {
            if male {
                6
            } else {
                7
            }
        } else {
            let gen = if birth_year < 1960 {
                0
            } else if birth_year < 1988 {
                1
            } else {
                2
            };
            if male {
                gen
            } else {
                3 + gen
            }
        };
        let idx = rng.gen_range(0..GIVEN[pool as usize].len()) as u16;
        Name { sur, pool, idx }
    }

    /// A fresh adult name (for cadres and commanders).
    pub fn adult(&self, rng: &mut ChaCha8Rng) -> Name {
        let eth = Eth::draw(rng);
        let sur = match self.surname(rng, eth) {
            0 => self.mongol[0],
            s => s,
        };
        let male = rng.gen_bool(0.7);
        let birth = rng.gen_range(1962..1992);
        self.person(rng, eth, male, birth, sur)
    }
}

// ---------------------------------------------------------------- villages

const MONGOL_STEMS: &[&str] = &[
    "巴彦", "查干", "乌兰", "哈日", "宝力", "额尔敦", "阿拉坦", "胡日查", "希拉", "那仁", "呼和", "温都尔",
    "沙日", "伊和", "巴嘎", "阿日", "赛罕", "乌力吉", "满都拉", "浩日彦", "吉日嘎郎", "敖力", "德力格尔", "扎格",
];
const MONGOL_SUFFIXES: &[&str] = &[
    "乌拉", "诺尔", "塔拉", "高勒", "花", "浩特", "套布", "宝力高", "锡力", "布拉格", "胡硕", "温都", "艾勒",
    "吐", "敖包", "芒哈",
];
const HAN_STEMS: &[&str] = &[
    "义和", "小黑", "太平", "永兴", "富民", "东升", "红星", "胜利", "民主", "长胜", "双井", "三合", "兴隆",
    "新立", "德胜", "前进", "和平", "团结", "福兴", "庆丰", "永安", "保安", "联合", "建设", "新民", "宏伟",
    "大榆树", "柳条", "五家", "八家",
];
const HAN_SUFFIXES: &[&str] = &["碑", "山", "屯", "堡", "营子", "沟", "窝堡", "井", "庄", "岗", "店", "甸子", "河", "台"];
const DIRECTIONS: &[&str] = &["", "东", "西", "南", "北", "前", "后", "新"];
const FARM_NAMED: &[&str] = &["红旗", "东风", "向阳", "曙光", "新华", "光明", "前进", "胜利", "火炬", "团结"];

/// Chinese numeral for 1..=99_999 (一, 十二, 一百零五, …), for numbered 分场.
pub(crate) fn zh_number(n: u32) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    const U: [&str; 5] = ["", "十", "百", "千", "万"];
    if n == 0 {
        return "零".into();
    }
    let digits: Vec<u32> = n.to_string().bytes().map(|b| (b - b'0') as u32).collect();
    let len = digits.len();
    let mut s = String::new();
    let mut zero = false;
    for (i, &d) in digits.iter().enumerate() {
        let unit = len - 1 - i;
        if d == 0 {
            zero = true;
            continue;
        }
        if zero && !s.is_empty() {
            s.push('零');
        }
        zero = false;
        // 十二 rather than 一十二 when 十 leads.
        if !(d == 1 && unit == 1 && i == 0) {
            s.push_str(D[d as usize]);
        }
        s.push_str(U[unit]);
    }
    s
}

/// `n` distinct village names for a township of `kind` ("镇", "苏木",
/// "农牧场"); `forced` names come first (so well-known villages exist).
pub(crate) fn village_names(rng: &mut ChaCha8Rng, kind: &str, n: usize, forced: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = forced.iter().map(|s| s.to_string()).collect();
    let mut seen: std::collections::HashSet<String> = out.iter().cloned().collect();
    if kind == "农牧场" {
        // State-farm branches: a few numbered ones, then named, then numbered.
        let mut k = 1u32;
        let mut named = FARM_NAMED.iter();
        while out.len() < n {
            let name = if out.len() >= 6 && out.len() < 6 + FARM_NAMED.len() {
                match named.next() {
                    Some(s) => format!("{s}分场"),
                    None => format!("第{}分场", zh_number(k)),
                }
            } else {
                let s = format!("第{}分场", zh_number(k));
                k += 1;
                s
            };
            if seen.insert(name.clone()) {
                out.push(name);
            }
        }
        out.truncate(n.max(forced.len()));
        return out;
    }
    let (stems, suffixes, end) =
        if kind == "苏木" { (MONGOL_STEMS, MONGOL_SUFFIXES, "嘎查") } else { (HAN_STEMS, HAN_SUFFIXES, "村") };
    // Candidates by tiers: plain names first, then with a direction prefix, so
    // small townships get the plain, common-looking names.
    for dir in DIRECTIONS {
        let mut tier: Vec<String> = Vec::new();
        for st in stems {
            for su in suffixes {
                if st == su {
                    continue;
                }
                tier.push(format!("{dir}{st}{su}{end}"));
            }
        }
        // Fisher–Yates with our own stream keeps this deterministic.
        for i in (1..tier.len()).rev() {
            let j = rng.gen_range(0..=i);
            tier.swap(i, j);
        }
        for name in tier {
            if out.len() >= n {
                break;
            }
            if seen.insert(name.clone()) {
                out.push(name);
            }
        }
        if out.len() >= n {
            break;
        }
    }
    // Beyond every combination (only at very large scales): numbered names.
    let mut k = 2u32;
    while out.len() < n {
        let st = stems[rng.gen_range(0..stems.len())];
        let su = suffixes[rng.gen_range(0..suffixes.len())];
        let name = format!("{st}{su}{}{end}", zh_number(k));
        k += 1;
        if seen.insert(name.clone()) {
            out.push(name);
        }
    }
    out
}

// ---------------------------------------------------------------- units

/// Banner-level and higher units that send cadres and resident work teams.
pub(crate) const DISPATCH_UNITS: &[&str] = &[
    "旗委组织部", "旗委宣传部", "旗纪委监委", "旗委统战部", "旗政府办", "旗发展和改革委员会", "旗财政局",
    "旗教育局", "旗卫生健康委员会", "旗农牧局", "旗人力资源和社会保障局", "旗民政局", "旗交通运输局",
    "旗水利局", "旗林业和草原局", "旗住房和城乡建设局", "旗自然资源局", "旗审计局", "旗统计局", "旗司法局",
    "旗市场监督管理局", "旗文化旅游体育局", "旗商务局", "旗应急管理局", "旗医疗保障局", "旗扶贫开发办公室",
    "旗人民法院", "旗人民检察院", "旗公安局", "旗税务局", "旗人民医院", "旗蒙医医院", "旗总工会", "团旗委",
    "旗妇联", "通辽市直单位", "通辽市财政局", "通辽市农牧局", "内蒙古自治区直属单位", "中国农业银行扎鲁特旗支行",
    "扎鲁特旗农村信用合作联社", "国网扎鲁特旗供电公司",
];

/// The government office of a township, used as a cadre's work unit.
pub(crate) fn township_office(name: &str, kind: &str) -> String {
    match kind {
        "农牧场" => format!("{name}场部"),
        _ => format!("{name}人民政府"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn numerals() {
        assert_eq!(zh_number(1), "一");
        assert_eq!(zh_number(10), "十");
        assert_eq!(zh_number(12), "十二");
        assert_eq!(zh_number(20), "二十");
        assert_eq!(zh_number(105), "一百零五");
        assert_eq!(zh_number(1010), "一千零一十");
    }

    #[test]
    fn village_names_unique() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for kind in ["镇", "苏木", "农牧场"] {
            let v = village_names(&mut rng, kind, 5000, &["义和碑村"]);
            let set: std::collections::HashSet<_> = v.iter().collect();
            assert_eq!(set.len(), 5000, "{kind}");
            assert_eq!(v[0], "义和碑村");
        }
    }
}
