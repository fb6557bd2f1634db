//! Registered poor households (建档立卡户) and their members: how many live in
//! each village, household sizes (8,638 households / 21,654 people per scale
//! unit, exactly), attributes, ability to work, causes of poverty, the year
//! each household was identified and left the rolls (8,600 脱贫 by the
//! article's yearly counts plus 38 自然减少), the members themselves (names,
//! ID numbers, relations, ages, education, health, skills) and which members
//! left the household and when — arranged so exactly 21,388 people per scale
//! unit were still present when their household was lifted out.

use std::path::Path;

use anyhow::Result;
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal, StandardNormal};

use super::geo::Geo;
use super::names::{Eth, Name, Namer};
use super::out::{days_in_year, Date, Out};
use super::{stream, weighted, FIRST_YEAR, LAST_YEAR};
use crate::store::tables::{ATTRIBUTES, CAUSES, EDUCATION, EXIT_KINDS, HEALTH, RELATIONS, REMOVAL_REASONS, SCHOOLING, SKILLS, SEXES};

// Headline figures per scale unit.
pub(crate) const HOUSEHOLDS: u32 = 8_638;
pub(crate) const PEOPLE: u32 = 21_654;
/// 脱贫 households by exit year 2014..=2020.
pub(crate) const EXITS: [u32; 7] = [1_250, 1_690, 1_850, 1_730, 1_570, 455, 55];
/// 自然减少 households: this many of size 1 and of size 2.
const NATURAL_SIZE1: u32 = 21;
const NATURAL_SIZE2: u32 = 17;
pub(crate) const PEOPLE_EXITED: u32 = 21_388;

// Indices into the enum lists of tables.rs (checked by a unit test).
pub(crate) const ATTR_GENERAL: u8 = 0;
pub(crate) const ATTR_DIBAO: u8 = 1;
pub(crate) const ATTR_TEKUN: u8 = 2;
pub(crate) const CAUSE_ILL: u8 = 0;
pub(crate) const CAUSE_DISABLED: u8 = 1;
pub(crate) const CAUSE_SCHOOL: u8 = 2;
const CAUSE_FUNDS: u8 = 8;
pub(crate) const NO_CAUSE: u8 = u8::MAX;
const REL_HEAD: u8 = 0;
const REL_SPOUSE: u8 = 1;
const REL_SON: u8 = 2;
const REL_DAUGHTER: u8 = 3;
const REL_DIL: u8 = 4;
const REL_GRANDSON: u8 = 6;
const REL_GRANDDAUGHTER: u8 = 7;
const REL_FATHER: u8 = 8;
const REL_MOTHER: u8 = 9;
const REL_SIBLING: u8 = 10;
const EDU_PRESCHOOL: u8 = 0;
const EDU_ILLITERATE: u8 = 1;
const EDU_PRIMARY: u8 = 2;
const EDU_JUNIOR: u8 = 3;
const EDU_SENIOR: u8 = 4;
const EDU_VOCATIONAL: u8 = 5;
const EDU_COLLEGE: u8 = 6;
pub(crate) const SCHOOL_NONE: u8 = 0;
const SCHOOL_PRESCHOOL: u8 = 1;
pub(crate) const HEALTH_OK: u8 = 0;
pub(crate) const HEALTH_CHRONIC: u8 = 1;
pub(crate) const HEALTH_SERIOUS: u8 = 2;
pub(crate) const HEALTH_DISABLED: u8 = 3;
const SKILL_ORDINARY: u8 = 0;
const SKILL_SKILLED: u8 = 1;
const SKILL_WEAK: u8 = 2;
const SKILL_LOST: u8 = 3;
const SKILL_NONE: u8 = 4;
const REASON_DEATH: u8 = 0;
const REASON_MARRIAGE: u8 = 1;
const REASON_OTHER: u8 = 2;

/// Main-cause shares (%) in `CAUSES` order, overall and for households unable
/// to work; the shares for able households follow so the mix adds up.
const CAUSE_ALL: [f64; 12] = [40.0, 12.0, 6.0, 4.0, 2.0, 2.0, 8.0, 10.0, 12.0, 1.0, 3.0, 0.0];
const CAUSE_UNABLE: [f64; 12] = [50.0, 20.0, 2.0, 3.0, 1.0, 1.0, 0.0, 18.0, 3.0, 0.0, 2.0, 0.0];
const ABLE_SHARE: f64 = 0.55;

pub(crate) struct Household {
    pub village: u32,
    pub size: u8,
    pub labour: u8,
    pub attribute: u8,
    pub able: bool,
    pub main_cause: u8,
    pub secondary: [u8; 2],
    pub identified: i32,
    pub exit_year: i32,
    /// Left the rolls as 自然减少 (all members gone) rather than 脱贫.
    pub natural: bool,
    /// Latent earning power (≈ standard normal); higher exits earlier.
    pub z: f32,
    pub eth: Eth,
    /// Index of the first member in `People::members`; members are contiguous.
    pub first: u32,
    /// 两不愁三保障 flags: food, education, medical, housing, water (bits 0..5).
    pub secure: u8,
    /// Index of the paired 帮扶责任人 (set by the cadre module).
    pub cadre: u32,
}

impl Household {
    /// Poor in `y` as the product defines it.
    pub fn poor_in(&self, y: i32) -> bool {
        self.identified <= y && self.exit_year > y
    }
    /// Last year with at least one member present (income rows end there).
    pub fn last_year(&self) -> i32 {
        if self.natural {
            self.exit_year - 1
        } else {
            LAST_YEAR
        }
    }
}

#[derive(Clone, Copy, Default)]
pub(crate) struct Member {
    pub name: Name,
    pub birth: u16,
    /// Day of the birth year, 0-based.
    pub bday: u16,
    /// The three-digit sequence of the ID number (parity = sex).
    pub idseq: u16,
    pub rel: u8,
    pub male: bool,
    pub eth: u8,
    pub edu: u8,
    pub school: u8,
    pub health: u8,
    pub skill: u8,
    pub migrant: u8,
    /// Removal year, 0 when still in the household.
    pub removed: u16,
    pub reason: u8,
}

impl Member {
    pub fn present_in(&self, y: i32) -> bool {
        self.removed == 0 || self.removed as i32 > y
    }
    pub fn is_labour(&self) -> bool {
        self.skill == SKILL_ORDINARY || self.skill == SKILL_SKILLED
    }
    pub fn in_school(&self) -> bool {
        self.school != SCHOOL_NONE && self.school != SCHOOL_PRESCHOOL
    }
}

pub(crate) struct People {
    pub hh: Vec<Household>,
    pub members: Vec<Member>,
    /// Household codes, `code_len` bytes each, in household order.
    codes: Vec<u8>,
    code_len: usize,
}

impl People {
    pub fn code(&self, h: usize) -> &[u8] {
        &self.codes[h * self.code_len..(h + 1) * self.code_len]
    }
    pub fn members_of(&self, h: usize) -> &[Member] {
        let hh = &self.hh[h];
        &self.members[hh.first as usize..hh.first as usize + hh.size as usize]
    }
    /// Members present in year `y`.
    pub fn persons(&self, h: usize, y: i32) -> u32 {
        self.members_of(h).iter().filter(|m| m.present_in(y)).count() as u32
    }
    pub fn head_name(&self, h: usize) -> Name {
        self.members_of(h)[0].name
    }
}

fn shuffle<T>(rng: &mut ChaCha8Rng, v: &mut [T]) {
    v.shuffle(rng);
}


fn normal(rng: &mut ChaCha8Rng) -> f64 {
    StandardNormal.sample(rng)
}

/// Builds all households and members.
pub(crate) fn build(seed: u64, scale: u32, geo: &Geo) -> Result<People> {
    let n = (HOUSEHOLDS * scale) as usize;
    let village_of = allocate_to_villages(seed, scale, geo);
    let (sizes, natural) = sizes(seed, scale, n);
    let mut hh = households(seed, &village_of, &sizes, &natural);
    assign_exits(seed, scale, geo, &mut hh);
    let mut members = Vec::with_capacity((PEOPLE * scale) as usize);
    generate_members(seed, &mut hh, &mut members);
    remove_members(seed, scale, &hh, &mut members)?;
    set_secure_flags(seed, &mut hh);

    // Household codes: village code + 4-digit sequence within the village.
    let vlen = geo.villages.first().map(|v| v.code.len()).unwrap_or(12);
    let code_len = vlen + 4;
    let mut codes = Vec::with_capacity(n * code_len);
    let mut seq = 0u32;
    let mut last_village = u32::MAX;
    for h in &hh {
        if h.village != last_village {
            seq = 0;
            last_village = h.village;
        }
        seq += 1;
        codes.extend_from_slice(geo.villages[h.village as usize].code.as_bytes());
        codes.extend_from_slice(format!("{seq:04}").as_bytes());
    }
    Ok(People { hh, members, codes, code_len })
}

/// Number of households in each village, returned as the village index of
/// each household (households are grouped by village). Poor villages hold a
/// clearly larger share; every village has at least three.
fn allocate_to_villages(seed: u64, scale: u32, geo: &Geo) -> Vec<u32> {
    let mut rng = stream(seed, "household.alloc");
    let n = (HOUSEHOLDS * scale) as i64;
    let poor_ln = LogNormal::new(0.0, 0.3).expect("valid lognormal");
    let other_ln = LogNormal::new(0.0, 0.5).expect("valid lognormal");
    let w: Vec<f64> = geo
        .villages
        .iter()
        .map(|v| if v.is_poor { 3.0 * poor_ln.sample(&mut rng) } else { 0.55 * other_ln.sample(&mut rng) })
        .collect();
    let base = 3i64;
    let rest = n - base * w.len() as i64;
    let total: f64 = w.iter().sum();
    let exact: Vec<f64> = w.iter().map(|x| x / total * rest as f64).collect();
    let mut counts: Vec<i64> = exact.iter().map(|x| x.floor() as i64).collect();
    let mut left = rest - counts.iter().sum::<i64>();
    // Largest remainders get the leftover households.
    let mut order: Vec<usize> = (0..w.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b)));
    for &i in order.iter().cycle() {
        if left == 0 {
            break;
        }
        counts[i] += 1;
        left -= 1;
    }
    let mut village_of = Vec::with_capacity(n as usize);
    for (v, c) in counts.iter().enumerate() {
        village_of.extend(std::iter::repeat_n(v as u32, (c + base) as usize));
    }
    village_of
}

/// Household sizes in household order, summing to exactly PEOPLE × scale, and
/// the 自然减少 flags (21 one-person and 17 two-person households per unit).
fn sizes(seed: u64, scale: u32, n: usize) -> (Vec<u8>, Vec<bool>) {
    let mut rng = stream(seed, "household.size");
    const SHARES: [f64; 6] = [0.23, 0.36, 0.19, 0.15, 0.055, 0.015];
    let mut counts: Vec<i64> = SHARES.iter().map(|s| (s * n as f64).round() as i64).collect();
    counts[1] += n as i64 - counts.iter().sum::<i64>();
    let people = |c: &[i64]| -> i64 { c.iter().enumerate().map(|(k, c)| (k as i64 + 1) * c).sum() };
    let target = (PEOPLE * scale) as i64;
    let mut diff = target - people(&counts);
    // Move households one size step at a time (1→2, 2→3, 3→4, or back) so
    // the shape stays close to the recipe.
    let mut k = 0usize;
    while diff != 0 {
        if diff > 0 {
            if counts[k] > 0 {
                counts[k] -= 1;
                counts[k + 1] += 1;
                diff -= 1;
            }
            k = (k + 1) % 3;
        } else {
            if counts[k + 1] > 0 {
                counts[k + 1] -= 1;
                counts[k] += 1;
                diff += 1;
            }
            k = (k + 1) % 3;
        }
    }
    let mut sizes: Vec<u8> = Vec::with_capacity(n);
    for (k, &c) in counts.iter().enumerate() {
        sizes.extend(std::iter::repeat_n(k as u8 + 1, c as usize));
    }
    shuffle(&mut rng, &mut sizes);
    // Pick the 自然减少 households among the one- and two-person ones.
    let mut natural = vec![false; n];
    for (size, want) in [(1u8, NATURAL_SIZE1 * scale), (2u8, NATURAL_SIZE2 * scale)] {
        let mut idx: Vec<usize> = (0..n).filter(|&i| sizes[i] == size).collect();
        shuffle(&mut rng, &mut idx);
        for &i in idx.iter().take(want as usize) {
            natural[i] = true;
        }
    }
    (sizes, natural)
}

/// Attributes, ability, causes and identification year of every household.
fn households(seed: u64, village_of: &[u32], sizes: &[u8], natural: &[bool]) -> Vec<Household> {
    let mut rng = stream(seed, "household");
    let mut able_causes = [0.0f64; 12];
    for (k, w) in able_causes.iter_mut().enumerate() {
        *w = ((CAUSE_ALL[k] - (1.0 - ABLE_SHARE) * CAUSE_UNABLE[k]) / ABLE_SHARE).max(0.0);
    }
    let mut out = Vec::with_capacity(sizes.len());
    for i in 0..sizes.len() {
        let size = sizes[i];
        let nat = natural[i];
        let u: f64 = rng.gen();
        let identified = if u < 0.90 {
            2014
        } else if u < 0.96 {
            2015
        } else {
            2016
        };
        // 特困 households are mostly single people; 自然减少 ones are old and poor.
        let tekun_p = match (nat, size) {
            (true, _) => 0.4,
            (false, 1) => 0.185,
            (false, 2) => 0.02,
            _ => 0.0,
        };
        let attribute = if rng.gen_bool(tekun_p) {
            ATTR_TEKUN
        } else if rng.gen_bool(if nat { 0.6 } else { 0.263 }) {
            ATTR_DIBAO
        } else {
            ATTR_GENERAL
        };
        let able_p: f64 = match size {
            1 => 0.28,
            2 => 0.6,
            3 => 0.8,
            4 => 0.87,
            5 => 0.9,
            _ => 0.92,
        };
        let able_p = if attribute == ATTR_DIBAO { able_p * 0.65 } else { able_p };
        let able = !nat && attribute != ATTR_TEKUN && rng.gen_bool(able_p);
        // 因学 needs a child at school, so it goes to the larger households
        // (the factors keep its overall share near the recipe).
        let mut table: [f64; 12] = if able { able_causes } else { CAUSE_UNABLE };
        table[CAUSE_SCHOOL as usize] *= match size {
            1 => 0.0,
            2 => 0.3,
            _ => 2.2,
        };
        let main_cause = weighted(&mut rng, &table) as u8;
        let mut secondary = [NO_CAUSE; 2];
        let k = weighted(&mut rng, &[0.3, 0.4, 0.3]);
        for s in 0..k {
            let mut w = CAUSE_ALL;
            w[main_cause as usize] = 0.0;
            w[CAUSE_SCHOOL as usize] = 0.0; // 因学 only as a main cause, where it is checked
            if s == 1 {
                w[secondary[0] as usize] = 0.0;
            }
            secondary[s] = weighted(&mut rng, &w) as u8;
        }
        let village = village_of[i];
        let eth = Eth::draw(&mut rng);
        let mut z = normal(&mut rng) + if able { 0.25 } else { -0.25 };
        if attribute == ATTR_TEKUN {
            z -= 0.3;
        }
        out.push(Household {
            village,
            size,
            labour: 0,
            attribute,
            able,
            main_cause,
            secondary,
            identified,
            exit_year: 0,
            natural: nat,
            z: z as f32,
            eth,
            first: 0,
            secure: 0b11111,
            cadre: 0,
        });
    }
    out
}

/// Exit years: 自然减少 households leave between the year after they were
/// identified and 2020; the others exit by the article's yearly counts, the
/// ones with higher earning power (and in villages that exited early) first.
fn assign_exits(seed: u64, scale: u32, geo: &Geo, hh: &mut [Household]) {
    let mut rng = stream(seed, "household.exit");
    let mut order: Vec<(f64, usize)> = Vec::with_capacity(hh.len());
    for (i, h) in hh.iter_mut().enumerate() {
        if h.natural {
            h.exit_year = rng.gen_range(h.identified + 1..=LAST_YEAR);
        } else {
            let v = &geo.villages[h.village as usize];
            let village_term = v.exit_year.map(|y| 0.3 * (2018 - y) as f64).unwrap_or(0.0);
            let key = h.z as f64 + 0.6 * normal(&mut rng) + village_term;
            order.push((key, i));
        }
    }
    order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut taken = vec![false; order.len()];
    for (k, &quota) in EXITS.iter().enumerate() {
        let y = FIRST_YEAR + k as i32;
        let mut left = quota * scale;
        for (pos, &(_, i)) in order.iter().enumerate() {
            if left == 0 {
                break;
            }
            if !taken[pos] && hh[i].identified <= y {
                taken[pos] = true;
                hh[i].exit_year = y;
                left -= 1;
            }
        }
    }
}

/// Allocates the three-digit sequences of ID numbers so that no two people
/// share one: per birth date and sex, a counter mapped through a fixed
/// permutation of 0..500 (so sequences look scattered), parity giving sex.
struct IdAlloc {
    used: Vec<u16>,
}

const ID_YEAR0: i32 = 1900;

impl IdAlloc {
    fn new() -> IdAlloc {
        IdAlloc { used: vec![0; ((LAST_YEAR + 1 - ID_YEAR0) * 366 * 2) as usize] }
    }
    /// Returns (day of year, sequence); moves to a later day of the same year
    /// if a date is full (500 people of one sex).
    fn take(&mut self, year: i32, doy: u32, male: bool) -> (u16, u16) {
        let days = days_in_year(year);
        let mut d = doy % days;
        loop {
            let slot = (((year - ID_YEAR0) as usize * 366) + d as usize) * 2 + male as usize;
            let c = self.used[slot];
            if c < 500 {
                self.used[slot] = c + 1;
                let k = (c as u32 * 7 + 123 + d * 31) % 500;
                return (d as u16, (k * 2 + male as u32) as u16);
            }
            d = (d + 1) % days;
        }
    }
}

/// Ages as of 2014 for a household's members: (relation, male, age).
fn compose(rng: &mut ChaCha8Rng, h: &Household, head_male: bool) -> Vec<(u8, bool, i32)> {
    let size = h.size as usize;
    let head_age: i32 = if h.natural {
        rng.gen_range(70..=90)
    } else if !h.able {
        if size == 1 {
            if rng.gen_bool(0.75) {
                rng.gen_range(62..=86)
            } else {
                rng.gen_range(38..=61)
            }
        } else if rng.gen_bool(0.65) {
            rng.gen_range(58..=82)
        } else {
            rng.gen_range(36..=57)
        }
    } else {
        match size {
            1 | 2 => rng.gen_range(30..=60),
            3 | 4 => rng.gen_range(30..=55),
            _ => rng.gen_range(35..=58),
        }
    };
    let mut v = Vec::with_capacity(size);
    v.push((REL_HEAD, head_male, head_age));
    let mut left = size - 1;
    let mut has_spouse = false;
    if left > 0 && rng.gen_bool(0.88) {
        let age = (head_age + if head_male { -rng.gen_range(0..=5) } else { rng.gen_range(0..=5) }).clamp(18, 95);
        v.push((REL_SPOUSE, !head_male, age));
        left -= 1;
        has_spouse = true;
    }
    if left > 0 && !has_spouse && rng.gen_bool(0.2) {
        let age = (head_age + rng.gen_range(-8..=8)).max(16);
        v.push((REL_SIBLING, rng.gen_bool(0.5), age));
        left -= 1;
    }
    if left > 0 && h.able && head_age < 50 && size >= 4 && rng.gen_bool(0.3) {
        let male = rng.gen_bool(0.4);
        let age = (head_age + rng.gen_range(24..=32)).min(92);
        v.push((if male { REL_FATHER } else { REL_MOTHER }, male, age));
        left -= 1;
    }
    if left >= 2 && head_age >= 52 && rng.gen_bool(0.5) {
        let son_age = (head_age - rng.gen_range(22..=30)).max(20);
        v.push((REL_SON, true, son_age));
        v.push((REL_DIL, false, (son_age + rng.gen_range(-4..=2)).max(19)));
        left -= 2;
        for _ in 0..left {
            let male = rng.gen_bool(0.52);
            let age = (son_age - rng.gen_range(20..=30)).max(0);
            v.push((if male { REL_GRANDSON } else { REL_GRANDDAUGHTER }, male, age));
        }
        return v;
    }
    for _ in 0..left {
        let male = rng.gen_bool(0.52);
        if !h.able && head_age >= 58 && rng.gen_bool(0.7) {
            // Left-behind grandchildren living with old grandparents.
            let age = rng.gen_range(2..=14);
            v.push((if male { REL_GRANDSON } else { REL_GRANDDAUGHTER }, male, age));
        } else {
            let hi = (head_age - 20).max(0);
            let lo = (head_age - 40).max(0).min(hi);
            let age = rng.gen_range(lo..=hi);
            v.push((if male { REL_SON } else { REL_DAUGHTER }, male, age));
        }
    }
    v
}

/// Education and schooling of someone `age` years old in the reference year.
fn edu_school(rng: &mut ChaCha8Rng, age: i32, birth: i32) -> (u8, u8) {
    match age {
        i32::MIN..=2 => (EDU_PRESCHOOL, SCHOOL_NONE),
        3..=5 => (EDU_PRESCHOOL, if rng.gen_bool(0.8) { SCHOOL_PRESCHOOL } else { SCHOOL_NONE }),
        6..=11 => (EDU_PRIMARY, 2),
        12..=14 => (EDU_JUNIOR, 3),
        15..=17 => {
            if rng.gen_bool(0.75) {
                if rng.gen_bool(0.6) {
                    (EDU_SENIOR, 4)
                } else {
                    (EDU_VOCATIONAL, 5)
                }
            } else {
                (EDU_JUNIOR, SCHOOL_NONE)
            }
        }
        18..=21 if rng.gen_bool(0.35) => (EDU_COLLEGE, if rng.gen_bool(0.5) { 6 } else { 7 }),
        _ => (adult_edu(rng, birth), SCHOOL_NONE),
    }
}

fn adult_edu(rng: &mut ChaCha8Rng, birth: i32) -> u8 {
    // Weights over 文盲, 小学, 初中, 高中, 中专, 大专及以上 by birth cohort.
    let w: [f64; 6] = if birth >= 1985 {
        [1.0, 12.0, 45.0, 20.0, 12.0, 10.0]
    } else if birth >= 1965 {
        [5.0, 35.0, 45.0, 12.0, 3.0, 0.0]
    } else if birth >= 1950 {
        [20.0, 50.0, 25.0, 5.0, 0.0, 0.0]
    } else {
        [55.0, 38.0, 7.0, 0.0, 0.0, 0.0]
    };
    EDU_ILLITERATE + weighted(rng, &w) as u8
}

fn generate_members(seed: u64, hh: &mut [Household], members: &mut Vec<Member>) {
    let mut rng = stream(seed, "member");
    let namer = Namer::new();
    let mut ids = IdAlloc::new();
    const REF: i32 = LAST_YEAR; // ages for education, health and skill: as of 2020
    for h in hh.iter_mut() {
        h.first = members.len() as u32;
        let head_male = rng.gen_bool(if h.size == 1 { 0.55 } else { 0.85 });
        let people = compose(&mut rng, h, head_male);
        let family_sur = namer.surname(&mut rng, h.eth);
        let start = members.len();
        for (k, &(rel, male, age14)) in people.iter().enumerate() {
            // Spouses and daughters-in-law come from other families; one in ten
            // marriages crosses ethnic lines.
            let married_in = rel == REL_SPOUSE || rel == REL_DIL;
            let eth = if married_in && rng.gen_bool(0.1) { Eth::draw(&mut rng) } else { h.eth };
            // Children (and a male head) carry the family surname; wives, a
            // female head and anyone of another ethnicity their own.
            let sur = if married_in || (k == 0 && !male && h.size > 1) || eth != h.eth {
                namer.surname(&mut rng, eth)
            } else {
                family_sur
            };
            let birth = FIRST_YEAR - age14;
            let name = namer.person(&mut rng, eth, male, birth, sur);
            let age = REF - birth;
            let (edu, school) = edu_school(&mut rng, age, birth);
            let mut m = Member {
                name,
                birth: birth as u16,
                bday: rng.gen_range(0..days_in_year(birth)) as u16,
                idseq: 0,
                rel,
                male,
                eth: eth as u8,
                edu,
                school,
                health: HEALTH_OK,
                skill: SKILL_NONE,
                migrant: 0,
                removed: 0,
                reason: 0,
            };
            set_health_skill(&mut rng, &mut m, h.able, k == 0, age);
            members.push(m);
        }
        fit_cause(&mut rng, h, &mut members[start..]);
        for m in &mut members[start..] {
            let (d, s) = ids.take(m.birth as i32, m.bday as u32, m.male);
            m.bday = d;
            m.idseq = s;
        }
        h.labour = members[start..].iter().filter(|m| m.is_labour()).count() as u8;
        debug_assert_eq!(h.able, h.labour > 0);
    }
}

/// Health and labour skill from age and the household's ability to work:
/// in an able household the head (and most working-age adults) can work; in
/// an unable one nobody can.
fn set_health_skill(rng: &mut ChaCha8Rng, m: &mut Member, able: bool, head: bool, age: i32) {
    let student = m.school != SCHOOL_NONE;
    if age < 16 || student {
        m.skill = SKILL_NONE;
        m.health = [HEALTH_OK, HEALTH_CHRONIC, HEALTH_SERIOUS, HEALTH_DISABLED][weighted(rng, &[94.0, 2.0, 1.0, 3.0])];
        return;
    }
    let elderly = age >= 65;
    let works = able && (head || (!elderly && rng.gen_bool(0.8)));
    if works {
        m.skill = if rng.gen_bool(0.2) { SKILL_SKILLED } else { SKILL_ORDINARY };
        m.health = if rng.gen_bool(0.85) { HEALTH_OK } else { HEALTH_CHRONIC };
        if (18..=55).contains(&age) && rng.gen_bool(0.45) {
            m.migrant = rng.gen_range(2..=12);
        }
    } else if elderly {
        m.skill = [SKILL_WEAK, SKILL_LOST, SKILL_NONE][weighted(rng, &[40.0, 35.0, 25.0])];
        m.health = [HEALTH_OK, HEALTH_CHRONIC, HEALTH_SERIOUS, HEALTH_DISABLED][weighted(rng, &[20.0, 50.0, 12.0, 18.0])];
    } else if able {
        m.skill = SKILL_WEAK;
        m.health = if rng.gen_bool(0.7) { HEALTH_CHRONIC } else { HEALTH_DISABLED };
    } else {
        m.skill = if rng.gen_bool(0.5) { SKILL_WEAK } else { SKILL_LOST };
        m.health = [HEALTH_CHRONIC, HEALTH_SERIOUS, HEALTH_DISABLED][weighted(rng, &[40.0, 25.0, 35.0])];
    }
}

/// Makes the members agree with the main cause: 因病 needs someone ill, 因残
/// someone disabled, 因学 a pupil or student (else the cause is redrawn).
fn fit_cause(rng: &mut ChaCha8Rng, h: &mut Household, ms: &mut [Member]) {
    // Prefer members who do not work, so changing their health keeps the
    // household's labour force as it is.
    fn pick(ms: &[Member], rng: &mut ChaCha8Rng) -> usize {
        let non_labour: Vec<usize> =
            (0..ms.len()).filter(|&i| !ms[i].is_labour() && (LAST_YEAR - ms[i].birth as i32) >= 16).collect();
        if !non_labour.is_empty() {
            non_labour[rng.gen_range(0..non_labour.len())]
        } else {
            rng.gen_range(0..ms.len())
        }
    }
    match h.main_cause {
        CAUSE_ILL if !ms.iter().any(|m| m.health == HEALTH_CHRONIC || m.health == HEALTH_SERIOUS) => {
            let i = pick(ms, rng);
            ms[i].health = if ms[i].is_labour() || rng.gen_bool(0.5) { HEALTH_CHRONIC } else { HEALTH_SERIOUS };
        }
        CAUSE_DISABLED if !ms.iter().any(|m| m.health == HEALTH_DISABLED) => {
            let i = pick(ms, rng);
            ms[i].health = HEALTH_DISABLED;
        }
        CAUSE_SCHOOL if !ms.iter().any(|m| m.in_school()) => {
            // A child young enough for school given the head's age.
            let head_age = LAST_YEAR - ms[0].birth as i32;
            let kids: Vec<(usize, i32)> = (1..ms.len())
                .filter_map(|i| {
                    let max_age = match ms[i].rel {
                        REL_SON | REL_DAUGHTER => head_age - 20,
                        REL_GRANDSON | REL_GRANDDAUGHTER => head_age - 40,
                        _ => return None,
                    };
                    (max_age >= 8).then_some((i, max_age.min(19)))
                })
                .collect();
            if kids.is_empty() {
                h.main_cause = if h.able { CAUSE_FUNDS } else { CAUSE_ILL };
                if h.main_cause == CAUSE_ILL {
                    fit_cause(rng, h, ms);
                }
                if h.secondary.contains(&h.main_cause) {
                    h.secondary = [NO_CAUSE; 2];
                }
            } else {
                // Make one of the children a pupil or student in 2020.
                // The head of an able household always works, so turning
                // a working child into a student keeps the household able.
                let (i, max_age) = kids[rng.gen_range(0..kids.len())];
                let age = rng.gen_range(8..=max_age);
                let birth = LAST_YEAR - age;
                ms[i].birth = birth as u16;
                ms[i].bday = rng.gen_range(0..days_in_year(birth)) as u16;
                let (edu, school) = loop {
                    let es = edu_school(rng, age, birth);
                    if es.1 != SCHOOL_NONE {
                        break es;
                    }
                    if age >= 18 {
                        break (EDU_COLLEGE, 6);
                    }
                };
                ms[i].edu = edu;
                ms[i].school = school;
                ms[i].skill = SKILL_NONE;
                ms[i].migrant = 0;
                ms[i].health = HEALTH_OK;
            }
        }
        _ => {}
    }
}

/// Who left the household and when:
/// - every member of a 自然减少 household, in its exit year (死亡 or 其他);
/// - exactly (266 − people in 自然减少 households) × scale members of 脱贫
///   households in or before the exit year (deaths of old people, daughters
///   marrying out), so the people lifted out come to 21,388 × scale;
/// - a few more after the exit year (which do not change that figure).
///
/// Heads are never removed, so every 脱贫 household keeps a member to 2020.
fn remove_members(seed: u64, scale: u32, hh: &[Household], members: &mut [Member]) -> Result<()> {
    let mut rng = stream(seed, "member.removal");
    let mut natural_people = 0u32;
    for h in hh.iter().filter(|h| h.natural) {
        for m in &mut members[h.first as usize..h.first as usize + h.size as usize] {
            m.removed = h.exit_year as u16;
            m.reason = if rng.gen_bool(0.85) { REASON_DEATH } else { REASON_OTHER };
            m.school = SCHOOL_NONE;
            natural_people += 1;
        }
    }
    let total_people: u32 = hh.iter().map(|h| h.size as u32).sum();
    let exited_members = total_people - natural_people;
    let mut need = exited_members as i64 - (PEOPLE_EXITED * scale) as i64;
    debug_assert!(need >= 0);

    let mut order: Vec<usize> = (0..hh.len()).filter(|&i| !hh[i].natural && hh[i].size >= 2).collect();
    order.shuffle(&mut rng);
    let mut cands: Vec<(usize, i32, u8)> = Vec::with_capacity(8);
    // Before-or-at-exit removals, one per household, until the figure is met.
    for &hi in &order {
        if need == 0 {
            break;
        }
        let h = &hh[hi];
        let ms = &members[h.first as usize..h.first as usize + h.size as usize];
        removal_candidates(&mut rng, ms, h.identified, h.exit_year, h.labour, &mut cands);
        if let Some(&(k, year, reason)) = cands.get(rng.gen_range(0..cands.len().max(1))) {
            let m = &mut members[h.first as usize + k];
            m.removed = year as u16;
            m.reason = reason;
            m.school = SCHOOL_NONE;
            need -= 1;
        }
    }
    anyhow::ensure!(need == 0, "sample: {need} too few members eligible for removal");
    // After-exit removals: realism only.
    for &hi in &order {
        let h = &hh[hi];
        if h.exit_year >= LAST_YEAR || !rng.gen_bool(0.06) {
            continue;
        }
        let ms = &members[h.first as usize..h.first as usize + h.size as usize];
        if ms.iter().any(|m| m.removed != 0) {
            continue;
        }
        let labour_left = h.labour;
        removal_candidates(&mut rng, ms, h.exit_year + 1, LAST_YEAR, labour_left, &mut cands);
        if let Some(&(k, year, reason)) = cands.get(rng.gen_range(0..cands.len().max(1))) {
            let m = &mut members[h.first as usize + k];
            m.removed = year as u16;
            m.reason = reason;
            m.school = SCHOOL_NONE;
        }
    }
    Ok(())
}

/// Members who could plausibly leave between `from` and `to`: old people
/// (death) and daughters or granddaughters aged 19–30 (marriage), never the
/// head and never the household's only worker.
fn removal_candidates(
    rng: &mut ChaCha8Rng,
    ms: &[Member],
    from: i32,
    to: i32,
    labour: u8,
    out: &mut Vec<(usize, i32, u8)>,
) {
    out.clear();
    if from > to {
        return;
    }
    for (k, m) in ms.iter().enumerate().skip(1) {
        if m.removed != 0 || (m.is_labour() && labour <= 1) {
            continue;
        }
        let birth = m.birth as i32;
        if FIRST_YEAR - birth >= 62 {
            out.push((k, rng.gen_range(from..=to), REASON_DEATH));
        } else if !m.male && (m.rel == REL_DAUGHTER || m.rel == REL_GRANDDAUGHTER) {
            let lo = from.max(birth + 19);
            let hi = to.min(birth + 30);
            if lo <= hi {
                out.push((k, rng.gen_range(lo..=hi), REASON_MARRIAGE));
            }
        }
    }
}

/// 两不愁三保障 flags as the latest record shows them: households lifted out
/// met all five (a few checked in 2019–2020 are flagged for a housing or water
/// fix); 自然减少 households left before verification, so some are not met.
fn set_secure_flags(seed: u64, hh: &mut [Household]) {
    let mut rng = stream(seed, "household.secure");
    for h in hh.iter_mut() {
        let mut f = 0b11111u8;
        if h.natural {
            for bit in 0..5 {
                if rng.gen_bool(0.15) {
                    f &= !(1 << bit);
                }
            }
        } else if h.exit_year >= 2019 && rng.gen_bool(0.04) {
            f &= !(1 << if rng.gen_bool(0.6) { 3 } else { 4 });
        }
        h.secure = f;
    }
}

/// ISO 7064 MOD 11-2 check character of the first 17 digits.
pub(crate) fn id_check(d17: &[u8]) -> u8 {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const C: &[u8; 11] = b"10X98765432";
    let s: u32 = d17.iter().zip(W).map(|(d, w)| (d - b'0') as u32 * w).sum();
    C[(s % 11) as usize]
}

/// The 18-character ID number of a member.
fn id_number(m: &Member, buf: &mut [u8; 18]) {
    buf[..6].copy_from_slice(b"150526");
    let (y, mo, d) = Date::from_doy(m.birth as i32, m.bday as u32).to_ymd();
    let digits = [
        y / 1000 % 10,
        y / 100 % 10,
        y / 10 % 10,
        y % 10,
        (mo / 10) as i32,
        (mo % 10) as i32,
        (d / 10) as i32,
        (d % 10) as i32,
    ];
    for (i, v) in digits.iter().enumerate() {
        buf[6 + i] = b'0' + *v as u8;
    }
    let s = m.idseq;
    buf[14] = b'0' + (s / 100 % 10) as u8;
    buf[15] = b'0' + (s / 10 % 10) as u8;
    buf[16] = b'0' + (s % 10) as u8;
    buf[17] = id_check(&buf[..17]);
}

fn opt_cause(c: u8) -> Option<&'static str> {
    if c == NO_CAUSE {
        None
    } else {
        Some(CAUSES[c as usize])
    }
}

/// Writes household.csv; `cadre_code(i)` is the code of cadre `i`.
pub(crate) fn write_households<'a>(
    dir: &Path,
    p: &People,
    cadre_code: impl Fn(u32) -> &'a str,
) -> Result<(&'static str, usize)> {
    let mut o = Out::table(dir, "household")?;
    for (i, h) in p.hh.iter().enumerate() {
        let code = p.code(i);
        o.bytes(code)?;
        o.bytes(&code[..code.len() - 4])?;
        let head = p.head_name(i);
        o.concat(&[head.surname().as_bytes(), head.given().as_bytes()])?;
        o.int(h.size as i64)?;
        o.int(h.labour as i64)?;
        o.text(ATTRIBUTES[h.attribute as usize])?;
        o.bool(h.able)?;
        o.text(CAUSES[h.main_cause as usize])?;
        o.opt_text(opt_cause(h.secondary[0]))?;
        o.opt_text(opt_cause(h.secondary[1]))?;
        o.int(h.identified as i64)?;
        o.int(h.exit_year as i64)?;
        o.text(EXIT_KINDS[h.natural as usize])?;
        for bit in 0..5 {
            o.bool(h.secure & (1 << bit) != 0)?;
        }
        o.text(cadre_code(h.cadre))?;
        o.end()?;
    }
    o.finish()
}

pub(crate) fn write_members(dir: &Path, p: &People) -> Result<(&'static str, usize)> {
    let mut o = Out::table(dir, "member")?;
    let mut id = [0u8; 18];
    for i in 0..p.hh.len() {
        let code = p.code(i);
        for (k, m) in p.members_of(i).iter().enumerate() {
            let seq = [b'0' + (k as u8 + 1) / 10, b'0' + (k as u8 + 1) % 10];
            o.concat(&[code, &seq])?;
            o.bytes(code)?;
            o.concat(&[m.name.surname().as_bytes(), m.name.given().as_bytes()])?;
            id_number(m, &mut id);
            o.bytes(&id)?;
            o.text(RELATIONS[m.rel as usize])?;
            o.text(SEXES[if m.male { 0 } else { 1 }])?;
            o.int(m.birth as i64)?;
            o.text(Eth::from_u8(m.eth).label())?;
            o.text(EDUCATION[m.edu as usize])?;
            o.text(SCHOOLING[m.school as usize])?;
            o.text(HEALTH[m.health as usize])?;
            o.text(SKILLS[m.skill as usize])?;
            o.int(m.migrant as i64)?;
            if m.removed == 0 {
                o.null()?;
                o.null()?;
            } else {
                o.int(m.removed as i64)?;
                o.text(REMOVAL_REASONS[m.reason as usize])?;
            }
            o.end()?;
        }
    }
    o.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_indices_match_tables() {
        assert_eq!(ATTRIBUTES[ATTR_GENERAL as usize], "一般贫困户");
        assert_eq!(ATTRIBUTES[ATTR_DIBAO as usize], "低保贫困户");
        assert_eq!(ATTRIBUTES[ATTR_TEKUN as usize], "特困供养贫困户");
        assert_eq!(CAUSES[CAUSE_ILL as usize], "因病");
        assert_eq!(CAUSES[CAUSE_DISABLED as usize], "因残");
        assert_eq!(CAUSES[CAUSE_SCHOOL as usize], "因学");
        assert_eq!(CAUSES[CAUSE_FUNDS as usize], "缺资金");
        assert_eq!(CAUSES[7], "缺劳力");
        assert_eq!(CAUSES[10], "自身发展动力不足");
        assert_eq!(RELATIONS[REL_DIL as usize], "之儿媳");
        assert_eq!(RELATIONS[REL_GRANDDAUGHTER as usize], "之孙女");
        assert_eq!(RELATIONS[REL_MOTHER as usize], "之母");
        assert_eq!(RELATIONS[REL_SIBLING as usize], "兄弟姐妹");
        assert_eq!(EDUCATION[EDU_COLLEGE as usize], "大专及以上");
        assert_eq!(SCHOOLING[7], "本科及以上");
        assert_eq!(HEALTH[HEALTH_DISABLED as usize], "残疾");
        assert_eq!(SKILLS[SKILL_NONE as usize], "无劳动力");
        assert_eq!(REMOVAL_REASONS[REASON_MARRIAGE as usize], "婚嫁迁出");
        assert_eq!(EXIT_KINDS[1], "自然减少");
        assert_eq!(SEXES[0], "男");
    }

    #[test]
    fn id_checksum_known_value() {
        // A published example: 11010519491231002X.
        assert_eq!(id_check(b"11010519491231002"), b'X');
    }
}
