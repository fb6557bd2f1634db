//! Reading one cell as a value of its column's type: accepts what
//! statisticians' exports really contain (full-width digits, thousands
//! separators, 元 and ¥, Chinese dates, Excel serial dates, 是/否) and turns
//! it into the canonical text DuckDB casts without surprises, or says what
//! was expected.

use std::borrow::Cow;

use chrono::{Datelike, NaiveDate};

use crate::store::tables::{Column, Ty};

/// Turns full-width ASCII (０-９, Ａ-Ｚ, ．, ，, －, ／, ％ …) into ASCII and
/// the ideographic space into a space. Applied to every non-text value.
pub fn halfwidth(s: &str) -> std::borrow::Cow<'_, str> {
    if s.is_ascii() {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .map(|c| match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                '\u{3000}' => ' ',
                '。' => '.',
                _ => c,
            })
            .collect(),
    )
}

/// Normalises a header cell for matching: no BOM, no white space, ASCII
/// lower case, full-width characters folded, Chinese parentheses as ASCII.
pub fn header_key(s: &str) -> String {
    key_chars(&halfwidth(s)).collect()
}

/// Whether `header_key(s) == key`, without building the key of `s`: asked
/// of every row, to skip a header repeated inside a file.
pub fn is_header_key(s: &str, key: &str) -> bool {
    key_chars(&halfwidth(s)).eq(key.chars())
}

/// The characters of a header key, from text already made half-width.
fn key_chars(h: &str) -> impl Iterator<Item = char> + '_ {
    h.chars().filter(|c| !c.is_whitespace() && *c != '\u{FEFF}' && *c != '*').map(|c| c.to_ascii_lowercase())
}

fn found(raw: &str) -> String {
    // Control characters (a NUL byte, a tab) are shown as their symbols
    // (␀, ␉), so the message prints and reads cleanly.
    let shown: String = raw
        .chars()
        .take(40)
        .map(|c| match c as u32 {
            n @ 0..=0x1F => char::from_u32(0x2400 + n).unwrap_or('?'),
            0x7F => '\u{2421}',
            _ => c,
        })
        .collect();
    if raw.chars().count() > 40 {
        format!("found \"{shown}…\" ({} characters)", raw.chars().count())
    } else {
        format!("found \"{shown}\"")
    }
}

/// What a column expects, in words, for messages.
pub fn expected(ty: &Ty) -> String {
    match ty {
        Ty::Int { min, max } => format!("a whole number from {min} to {max}"),
        Ty::Year => "a year such as 2016".into(),
        Ty::Money { min, max } => format!("an amount in yuan from {min} to {max}"),
        Ty::Dec { min, max } => format!("a number from {min} to {max}"),
        Ty::Text { max_chars } => format!("text of at most {max_chars} characters without control characters"),
        Ty::Code { max_chars } => format!("a code of letters and digits, at most {max_chars} characters"),
        Ty::IdCard => "an 18-character ID-card number with a valid check digit".into(),
        Ty::Bool => "是 or 否 (yes/no, true/false, 1/0)".into(),
        Ty::Date => "a date such as 2016-03-05, 2016/3/5 or 2016年3月5日".into(),
        Ty::Enum(values) => format!("one of {}", values.join(", ")),
    }
}

/// Reads `raw` as a value of `col`. `Ok(None)` is an empty cell (NULL);
/// `Err` carries "found …, expected …".
pub fn normalize<'a>(col: &Column, raw: &'a str) -> Result<Option<Cow<'a, str>>, String> {
    let raw = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
    if raw.is_empty() {
        return if col.required {
            Err(format!("required value is missing, expected {}", expected(&col.ty)))
        } else {
            Ok(None)
        };
    }
    let fail = || format!("{}, expected {}", found(raw), expected(&col.ty));
    // Fast path for values already in canonical form (what machine exports
    // and the sample data contain): plain digits, at most two decimals.
    if let Some(v) = canonical_number(raw) {
        match col.ty {
            Ty::Int { min, max } if !raw.contains('.') => {
                let n = v as i64;
                return if n < min || n > max { Err(fail()) } else { Ok(Some(Cow::Borrowed(raw))) };
            }
            Ty::Year if !raw.contains('.') => {
                return if (1900.0..=2100.0).contains(&v) { Ok(Some(Cow::Borrowed(raw))) } else { Err(fail()) };
            }
            Ty::Money { min, max } => {
                return if v < min || v > max { Err(fail()) } else { Ok(Some(Cow::Borrowed(raw))) };
            }
            _ => {}
        }
    }
    match col.ty {
        Ty::Int { min, max } => {
            let n = parse_int(raw).ok_or_else(fail)?;
            if n < min || n > max {
                return Err(fail());
            }
            Ok(Some(Cow::Owned(n.to_string())))
        }
        Ty::Year => {
            let h = halfwidth(raw);
            let n = parse_int(h.trim_end_matches('年')).ok_or_else(fail)?;
            if !(1900..=2100).contains(&n) {
                return Err(fail());
            }
            Ok(Some(Cow::Owned(n.to_string())))
        }
        Ty::Money { min, max } => {
            // Checked after rounding to cents, as DuckDB will store it.
            let v = (parse_number(raw, false).ok_or_else(fail)? * 100.0).round() / 100.0;
            if v < min || v > max {
                return Err(fail());
            }
            Ok(Some(Cow::Owned(format_decimal(v, 2))))
        }
        Ty::Dec { min, max } => {
            let v = parse_number(raw, max <= 1.0).ok_or_else(fail)?;
            if v < min || v > max {
                return Err(fail());
            }
            Ok(Some(Cow::Owned(format_decimal(v, 4))))
        }
        Ty::Text { max_chars } => {
            if raw.chars().count() > max_chars || raw.chars().any(|c| c.is_control()) {
                return Err(fail());
            }
            Ok(Some(Cow::Borrowed(raw)))
        }
        Ty::Code { max_chars } => {
            let h = match halfwidth(raw) {
                Cow::Borrowed(b) => Cow::Borrowed(b.trim()),
                Cow::Owned(o) => Cow::Owned(o.trim().to_string()),
            };
            if h.len() > max_chars || !h.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                if h.contains(['E', 'e']) && h.contains('.') && parse_number(&h, false).is_some() {
                    return Err(format!(
                        "{}, expected a code; it looks like a spreadsheet turned the code into a number: format the column as text",
                        found(raw)
                    ));
                }
                return Err(fail());
            }
            Ok(Some(h))
        }
        Ty::IdCard => check_id_card(raw).map(|v| Some(Cow::Owned(v))).map_err(|why| format!("{}, expected {}", found(raw), why)),
        Ty::Bool => match halfwidth(raw).to_ascii_lowercase().as_str() {
            "是" | "有" | "true" | "t" | "1" | "y" | "yes" | "√" => Ok(Some(Cow::Borrowed("true"))),
            "否" | "无" | "false" | "f" | "0" | "n" | "no" | "×" => Ok(Some(Cow::Borrowed("false"))),
            _ => Err(fail()),
        },
        Ty::Date => {
            let d = parse_date(raw).ok_or_else(fail)?;
            // An ISO date is already canonical: no new text for it.
            Ok(Some(if iso_shaped(raw) { Cow::Borrowed(raw) } else { Cow::Owned(d.format("%Y-%m-%d").to_string()) }))
        }
        Ty::Enum(values) => {
            if values.contains(&raw) {
                Ok(Some(Cow::Borrowed(raw)))
            } else {
                Err(fail())
            }
        }
    }
}

/// `Some(value)` when `raw` is plain ASCII digits with at most two
/// decimals and no superfluous leading zero: text DuckDB casts exactly.
fn canonical_number(raw: &str) -> Option<f64> {
    let b = raw.as_bytes();
    if b.is_empty() || b.len() > 15 {
        return None;
    }
    let (int, frac) = match raw.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (raw, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    if !digits(int) || (int.len() > 1 && int.starts_with('0')) {
        return None;
    }
    if let Some(f) = frac {
        if !digits(f) || f.len() > 2 {
            return None;
        }
    }
    raw.parse().ok()
}

/// A whole number: full-width digits, thousands separators and a `.0`
/// that spreadsheets add are accepted.
pub fn parse_int(raw: &str) -> Option<i64> {
    let v = parse_number(raw, false)?;
    if v.fract() != 0.0 || v.abs() > 9.0e15 {
        return None;
    }
    Some(v as i64)
}

/// A decimal number: full-width digits, `¥`/`￥` and `元`, thousands
/// separators in groups of three. With `percent_as_fraction`, `10%` is 0.1;
/// otherwise a trailing `%` is dropped (a column already in percent).
pub fn parse_number(raw: &str, percent_as_fraction: bool) -> Option<f64> {
    let h = halfwidth(raw);
    let mut s = h.trim().trim_start_matches(['¥', '￥']).trim_end_matches('元').trim();
    let mut scale = 1.0;
    if let Some(rest) = s.strip_suffix('%') {
        s = rest.trim();
        if percent_as_fraction {
            scale = 0.01;
        }
    }
    if s.is_empty() {
        return None;
    }
    let cleaned: String;
    if s.contains(',') {
        // Thousands separators only in proper groups: 12,345.6 yes, 1,2 no.
        let (int_part, frac) = match s.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (s, None),
        };
        let int_digits = int_part.trim_start_matches('-');
        let groups: Vec<&str> = int_digits.split(',').collect();
        let ok = !groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3)
            && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit()));
        if !ok {
            return None;
        }
        cleaned = match frac {
            Some(f) => format!("{}.{}", int_part.replace(',', ""), f),
            None => int_part.replace(',', ""),
        };
        s = &cleaned;
    }
    if !s.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E') {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    if !v.is_finite() {
        return None;
    }
    Some(v * scale)
}

/// Canonical decimal text with at most `places` decimals, no exponent.
pub fn format_decimal(v: f64, places: usize) -> String {
    let s = format!("{v:.places$}");
    if s.contains('.') {
        let t = s.trim_end_matches('0').trim_end_matches('.');
        if t == "-0" {
            "0".into()
        } else {
            t.to_string()
        }
    } else {
        s
    }
}

/// The integer `text * 10^scale` of a checked decimal in canonical form
/// (`-`, digits, at most `scale` decimals): the value of a DuckDB
/// `DECIMAL(_, scale)`.
pub fn scaled(text: &str, scale: u32) -> Option<i128> {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() || frac.len() > scale as usize || !whole.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut v: i128 = whole.parse().ok()?;
    for i in 0..scale as usize {
        v = v.checked_mul(10)?.checked_add(frac.as_bytes().get(i).map_or(0, |b| (b - b'0') as i128))?;
    }
    Some(if neg { -v } else { v })
}

/// Days since 1970-01-01 of a checked ISO date (`YYYY-MM-DD`): the value
/// of a DuckDB `DATE`.
pub fn epoch_days(text: &str) -> Option<i32> {
    let d = iso_date(text)?;
    Some(d.signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1)?).num_days() as i32)
}

/// `YYYY-MM-DD` read by hand: chrono's format parser costs more than the
/// rest of a row's checks (asked of millions of cells).
fn iso_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    iso_shaped(s).then(|| ymd(&b[0..4], &b[5..7], &b[8..10])).flatten()
}

/// Ten bytes with dashes at 4 and 7: the shape of `YYYY-MM-DD`.
fn iso_shaped(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && b[4] == b'-' && b[7] == b'-'
}

/// The date of year, month and day given as ASCII digits.
fn ymd(y: &[u8], m: &[u8], d: &[u8]) -> Option<NaiveDate> {
    let num = |digits: &[u8]| -> Option<u32> { digits.iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + (c - b'0') as u32)) };
    NaiveDate::from_ymd_opt(num(y)? as i32, num(m)?, num(d)?)
}

/// Dates as statisticians type them: ISO, slashes, dots, `2016年3月5日`,
/// `20160305`, a date-time whose time is ignored, or an Excel serial number.
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    if let Some(d) = iso_date(raw) {
        return (1900..=2100).contains(&d.year()).then_some(d);
    }
    let h = halfwidth(raw);
    let s = h.trim();
    let s = s.split([' ', 'T']).next().unwrap_or(s);
    let d = if let Some(rest) = s.strip_suffix('日').or_else(|| s.strip_suffix('号')) {
        let (y, rest) = rest.split_once('年')?;
        let (m, d) = rest.split_once('月')?;
        NaiveDate::from_ymd_opt(y.trim().parse().ok()?, m.trim().parse().ok()?, d.trim().parse().ok()?)
    } else if s.len() == 8 && s.chars().all(|c| c.is_ascii_digit()) {
        NaiveDate::parse_from_str(s, "%Y%m%d").ok()
    } else if s.chars().all(|c| c.is_ascii_digit() || c == '.') && s.matches('.').count() <= 1 {
        // An Excel serial date (days since 1899-12-30), as numbers-as-text
        // from spreadsheets: 42434 is 2016-03-05. Only five-digit day
        // numbers (1927–2173), so that a year (2016) or a year and month
        // (2016.3) is never read as a day in 1905.
        let whole = s.split('.').next().unwrap_or("");
        if whole.len() != 5 {
            return None;
        }
        let n: f64 = s.parse().ok()?;
        NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_days(chrono::Days::new(n.floor() as u64))
    } else {
        let parts: Vec<&str> = s.split(['-', '/', '.']).collect();
        if parts.len() != 3 || parts[0].len() != 4 {
            return None;
        }
        NaiveDate::from_ymd_opt(parts[0].parse().ok()?, parts[1].parse().ok()?, parts[2].parse().ok()?)
    }?;
    (1900..=2100).contains(&d.year()).then_some(d)
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// The check character of the first 17 digits of an ID-card number
/// (ISO 7064 MOD 11-2).
pub fn id_check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17.bytes().zip(ID_WEIGHTS).map(|(b, w)| (b - b'0') as u32 * w).sum();
    Some(ID_CHECK[(sum % 11) as usize] as char)
}

fn check_id_card(raw: &str) -> Result<String, String> {
    let s = halfwidth(raw).trim().to_ascii_uppercase();
    let generic = "an 18-character ID-card number with a valid check digit".to_string();
    if s.len() != 18 || !s.is_ascii() {
        return Err(generic);
    }
    let Some(check) = id_check_char(&s[..17]) else { return Err(generic) };
    let b = s.as_bytes();
    if ymd(&b[6..10], &b[10..12], &b[12..14]).is_none() {
        return Err("an ID-card number whose digits 7–14 are a birth date".into());
    }
    if s.as_bytes()[17] as char != check {
        return Err(format!("an ID-card number with check digit {check}"));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tables::table;

    fn col(t: &str, c: &str) -> &'static Column {
        table(t).unwrap().column(c).unwrap()
    }

    #[test]
    fn numbers_as_statisticians_write_them() {
        let wage = col("income_year", "wage_income");
        for (raw, want) in [
            ("1234", "1234"),
            ("1,234.50", "1234.5"),
            ("１２３４", "1234"),
            ("¥2,000", "2000"),
            ("3000元", "3000"),
            ("12.345", "12.35"),
        ] {
            assert_eq!(normalize(wage, raw).unwrap().as_deref(), Some(want), "{raw}");
        }
        for raw in ["12a", "1,23", "-5", "abc", "NaN", "inf", "1000000000000", "999999999999.999"] {
            let err = normalize(wage, raw).unwrap_err();
            assert!(err.contains("expected an amount in yuan"), "{raw}: {err}");
        }
        let size = col("household", "size");
        assert_eq!(normalize(size, "3.0").unwrap().as_deref(), Some("3"));
        assert!(normalize(size, "21").unwrap_err().contains("from 1 to 20"));
        assert!(normalize(size, "").unwrap_err().contains("required value is missing"));
    }

    #[test]
    fn rates_accept_percent_signs() {
        let rate = col("fund_investment", "floor_rate");
        assert_eq!(normalize(rate, "10%").unwrap().as_deref(), Some("0.1"));
        assert_eq!(normalize(rate, "0.12").unwrap().as_deref(), Some("0.12"));
        assert!(normalize(rate, "12").is_err());
        let sat = col("yipin_meeting", "satisfaction");
        assert_eq!(normalize(sat, "95.5%").unwrap().as_deref(), Some("95.5"));
    }

    #[test]
    fn dates_in_every_common_form() {
        for raw in ["2016-03-05", "2016/3/5", "2016.3.5", "2016年3月5日", "２０１６年３月５日", "20160305", "42434", "2016-03-05 00:00:00"]
        {
            assert_eq!(parse_date(raw), NaiveDate::from_ymd_opt(2016, 3, 5), "{raw}");
        }
        for raw in ["2016-13-01", "2016年2月30日", "yesterday", "16-3-5", "0", "2016", "2016.3", "2016.03", "999"] {
            assert_eq!(parse_date(raw), None, "{raw}");
        }
    }

    #[test]
    fn id_card_checksum() {
        // 11010519491231002X is the standard's published example.
        let id = col("member", "id_number");
        assert_eq!(normalize(id, "11010519491231002x").unwrap().as_deref(), Some("11010519491231002X"));
        let err = normalize(id, "110105194912310021").unwrap_err();
        assert!(err.contains("check digit X"), "{err}");
        assert!(normalize(id, "1101051949123100").is_err());
        assert!(normalize(id, "110105194913310021").unwrap_err().contains("birth date"));
    }

    #[test]
    fn booleans_enums_codes_and_text() {
        let b = col("village", "is_poor");
        assert_eq!(normalize(b, "是").unwrap().as_deref(), Some("true"));
        assert_eq!(normalize(b, "否").unwrap().as_deref(), Some("false"));
        assert!(normalize(b, "maybe").is_err());
        let cause = col("household", "main_cause");
        assert_eq!(normalize(cause, "因病").unwrap().as_deref(), Some("因病"));
        assert!(normalize(cause, "生病").unwrap_err().contains("one of 因病"));
        let code = col("household", "household_code");
        assert!(normalize(code, "1.50526E+15").unwrap_err().contains("format the column as text"));
        assert_eq!(normalize(code, "１５０５２６").unwrap().as_deref(), Some("150526"));
        let name = col("household", "head_name");
        assert_eq!(normalize(name, "a\u{0}b").unwrap_err(), "found \"a\u{2400}b\", expected text of at most 100 characters without control characters");
        assert!(normalize(name, &"长".repeat(101)).unwrap_err().contains("101 characters"));
    }

    #[test]
    fn canonical_text_converts_to_stored_values() {
        assert_eq!(scaled("1234.5", 2), Some(123450));
        assert_eq!(scaled("0", 2), Some(0));
        assert_eq!(scaled("-12.34", 2), Some(-1234));
        assert_eq!(scaled("0.1234", 4), Some(1234));
        assert_eq!(scaled("7", 4), Some(70000));
        assert_eq!(scaled("1.234", 2), None, "more decimals than the scale");
        assert_eq!(scaled("1e3", 2), None);
        assert_eq!(scaled("", 2), None);
        assert_eq!(epoch_days("1970-01-02"), Some(1));
        assert_eq!(epoch_days("2016-03-05"), Some(16865));
        assert_eq!(epoch_days("1969-12-31"), Some(-1));
        assert_eq!(epoch_days("2016-02-30"), None);
        // What normalize gives, the batch can store.
        let money = col("income_year", "wage_income");
        for raw in ["3,914.5", "¥260", "８２８元", "12"] {
            let v = normalize(money, raw).unwrap().unwrap();
            assert!(scaled(&v, 2).is_some(), "{raw} → {v}");
        }
    }

    #[test]
    fn headers_fold_width_and_space() {
        assert_eq!(header_key(" 务工时间(月) "), header_key("务工时间（月）"));
        assert_eq!(header_key("\u{FEFF}Household_Code"), "household_code");
    }
}
