//! Download file names and the `Content-Disposition` header that carries
//! them (RFC 6266, with the RFC 5987 `filename*` parameter for the UTF-8
//! name and a plain ASCII `filename` for old clients).

/// The longest file name stem (before the extension), in characters.
const MAX_STEM_CHARS: usize = 120;

/// The longest whole file name in bytes of UTF-8 (ext4, APFS).
const MAX_NAME_BYTES: usize = 255;

/// Used when nothing of the title and parts survives cleaning.
const DEFAULT_STEM: &str = "export";

/// A meaningful, safe download file name: the title and the non-blank
/// parameter values joined by `_`, then `.ext`:
///
/// `("贫困发生率", ["2016", "战区2"], "xlsx")` → `贫困发生率_2016_战区2.xlsx`.
///
/// Safe on Windows, macOS and Linux: characters illegal in file names
/// (`\ / : * ? " < > |`), control characters and the invisible bidirectional
/// controls (which can disguise an extension, `报表\u{202E}xslx.exe`) become
/// `_`; leading and trailing dots and spaces are dropped (Windows forbids
/// trailing ones, a leading dot hides the file); Windows' reserved device
/// names (`CON`, `NUL`, `COM1`, …) get a leading `_`. The stem is cut to at
/// most 120 characters, and further if need be so that the whole name fits
/// in 255 bytes of UTF-8 — the name limit of ext4 and APFS, which matters to
/// offices on Kylin/UOS Linux (83 Chinese characters plus `.xlsx`). `ext` is
/// given with or without its dot and keeps only ASCII letters and digits.
pub fn file_name(title: &str, parts: &[String], ext: &str) -> String {
    let pieces: Vec<String> = std::iter::once(title)
        .chain(parts.iter().map(String::as_str))
        .map(clean_piece)
        .filter(|p| !p.is_empty())
        .collect();
    let ext: String = ext.chars().filter(char::is_ascii_alphanumeric).take(16).collect();
    let max_stem_bytes = MAX_NAME_BYTES - if ext.is_empty() { 0 } else { ext.len() + 1 };
    let mut stem = String::new();
    for c in pieces.join("_").chars().take(MAX_STEM_CHARS) {
        if stem.len() + c.len_utf8() > max_stem_bytes {
            break;
        }
        stem.push(c);
    }
    stem = stem.trim_matches(|c: char| c == '.' || c.is_whitespace()).to_string();
    if stem.is_empty() {
        stem = DEFAULT_STEM.to_string();
    }
    if is_reserved_on_windows(&stem) {
        stem.insert(0, '_');
    }
    if ext.is_empty() {
        stem
    } else {
        format!("{stem}.{ext}")
    }
}

/// One title or parameter value, trimmed, with unsafe characters replaced.
fn clean_piece(s: &str) -> String {
    s.trim().chars().map(|c| if is_unsafe_in_file_name(c) { '_' } else { c }).collect()
}

fn is_unsafe_in_file_name(c: char) -> bool {
    matches!(c, '\\' | '/' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
        || c.is_control()
        // Bidirectional marks, embeddings, overrides and isolates.
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Windows refuses these names with any extension (`NUL.xlsx` included).
fn is_reserved_on_windows(stem: &str) -> bool {
    let base = stem.split('.').next().unwrap_or(stem).trim_end().to_ascii_uppercase();
    matches!(base.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((base.starts_with("COM") || base.starts_with("LPT"))
            && base.len() == 4
            && base.as_bytes()[3].is_ascii_digit()
            && base.as_bytes()[3] != b'0')
}

/// The `Content-Disposition` header value for downloading `file_name`:
///
/// `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>`
///
/// `filename*` (RFC 6266 §4.3, RFC 5987 §3.2) carries the real name: its
/// UTF-8 bytes with everything but RFC 5987 `attr-char` (ASCII letters,
/// digits and ``! # $ & + - . ^ _ ` | ~``) percent-encoded as `%XX` with
/// upper-case hex. Every current browser uses it. `filename` is the fallback
/// for clients that do not: non-ASCII characters and ASCII control
/// characters replaced by `_`, quotes and backslashes removed (so the quoted
/// string needs no escapes and no header can be split).
pub fn content_disposition(file_name: &str) -> String {
    let mut fallback: String = file_name
        .chars()
        .filter(|&c| c != '"' && c != '\\')
        .map(|c| if c.is_ascii() && !c.is_ascii_control() { c } else { '_' })
        .collect();
    if fallback.is_empty() {
        fallback = DEFAULT_STEM.to_string();
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{}", percent_encode_attr(file_name))
}

/// RFC 5987 `value-chars`: `attr-char` as is, every other byte as `%XX`.
fn percent_encode_attr(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if is_attr_char(b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 0xF) as usize] as char);
        }
    }
    out
}

/// RFC 5987 §3.2.1: `attr-char = ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+"
/// / "-" / "." / "^" / "_" / "`" / "|" / "~"`.
fn is_attr_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn file_name_joins_title_and_parameters() {
        assert_eq!(file_name("贫困发生率", &parts(&["2016", "战区2"]), "xlsx"), "贫困发生率_2016_战区2.xlsx");
        assert_eq!(file_name("贫困发生率", &[], "csv"), "贫困发生率.csv");
        assert_eq!(file_name("贫困发生率", &[], ".csv"), "贫困发生率.csv");
        // Blank parameters leave no empty segment.
        assert_eq!(file_name("户数", &parts(&["", " ", "2020"]), "csv"), "户数_2020.csv");
        assert_eq!(file_name("户数", &parts(&["2020"]), ""), "户数_2020");
    }

    #[test]
    fn file_name_replaces_illegal_characters() {
        assert_eq!(
            file_name("收入/支出: \"对比\" <2016>|*?\\", &parts(&["a\tb", "c\nd"]), "xlsx"),
            "收入_支出_ _对比_ _2016______a_b_c_d.xlsx"
        );
        // Invisible bidi override cannot disguise the extension.
        assert_eq!(file_name("报表\u{202E}xslx.exe", &[], "csv"), "报表_xslx.exe.csv");
        // Extension keeps ASCII letters and digits only.
        assert_eq!(file_name("a", &[], "x/l s\"x"), "a.xlsx");
    }

    #[test]
    fn file_name_trims_dots_spaces_and_reserved_names() {
        assert_eq!(file_name("..隐藏. ", &[], "csv"), "隐藏.csv");
        assert_eq!(file_name("  ", &[], "csv"), "export.csv");
        assert_eq!(file_name("///", &[], "csv"), "___.csv");
        assert_eq!(file_name("CON", &[], "csv"), "_CON.csv");
        assert_eq!(file_name("nul", &[], "xlsx"), "_nul.xlsx");
        assert_eq!(file_name("COM1", &[], "xlsx"), "_COM1.xlsx");
        assert_eq!(file_name("COM0", &[], "xlsx"), "COM0.xlsx");
        assert_eq!(file_name("CONTROL", &[], "xlsx"), "CONTROL.xlsx");
    }

    #[test]
    fn file_name_is_cut_to_120_characters_before_the_extension() {
        let name = file_name(&"精".repeat(60), &parts(&["2016", "战区2"]), "xlsx");
        assert_eq!(name, format!("{}_2016_战区2.xlsx", "精".repeat(60)));
        // Chinese characters are three bytes each: the name stays within
        // 255 bytes, which cuts the stem to 83 of them.
        let name = file_name(&"精".repeat(200), &parts(&["2016"]), "xlsx");
        assert_eq!(name, format!("{}.xlsx", "精".repeat(83)));
        assert!(name.len() <= 255);
        let name = file_name(&"a".repeat(119), &parts(&["2016"]), "xlsx");
        assert_eq!(name, format!("{}_.xlsx", "a".repeat(119)));
        let name = file_name(&"a".repeat(118), &parts(&["2016"]), "xlsx");
        assert_eq!(name, format!("{}_2.xlsx", "a".repeat(118)));
        // A cut that ends in a dot or space does not leave it at the end.
        let name = file_name(&format!("{}. x", "a".repeat(118)), &[], "csv");
        assert_eq!(name, format!("{}.csv", "a".repeat(118)));
    }

    #[test]
    fn content_disposition_for_a_chinese_name() {
        assert_eq!(
            content_disposition("贫困发生率_2016_战区2.xlsx"),
            "attachment; filename=\"______2016___2.xlsx\"; \
             filename*=UTF-8''%E8%B4%AB%E5%9B%B0%E5%8F%91%E7%94%9F%E7%8E%87_2016_%E6%88%98%E5%8C%BA2.xlsx"
        );
        assert_eq!(content_disposition("report.csv"), "attachment; filename=\"report.csv\"; filename*=UTF-8''report.csv");
    }

    #[test]
    fn percent_encoding_is_exactly_rfc_5987_attr_char() {
        // Every attr-char stays as it is…
        let attr = "ABCXYZabcxyz0189!#$&+-.^_`|~";
        assert_eq!(percent_encode_attr(attr), attr);
        // …and every other printable ASCII byte is encoded.
        for b in 0x20u8..0x7F {
            let c = b as char;
            let encoded = percent_encode_attr(&c.to_string());
            if c.is_ascii_alphanumeric() || attr.contains(c) {
                assert_eq!(encoded, c.to_string());
            } else {
                assert_eq!(encoded, format!("%{b:02X}"), "{c:?}");
            }
        }
        assert_eq!(percent_encode_attr("a b'(1)*%;=,\"\\"), "a%20b%27%281%29%2A%25%3B%3D%2C%22%5C");
        assert_eq!(percent_encode_attr("（元）"), "%EF%BC%88%E5%85%83%EF%BC%89");
        // Emoji: four UTF-8 bytes.
        assert_eq!(percent_encode_attr("😀"), "%F0%9F%98%80");
    }

    #[test]
    fn percent_encoding_round_trips() {
        fn decode(s: &str) -> String {
            let b = s.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < b.len() {
                if b[i] == b'%' {
                    out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                    i += 3;
                } else {
                    out.push(b[i]);
                    i += 1;
                }
            }
            String::from_utf8(out).unwrap()
        }
        for name in ["贫困发生率_2016_战区2.xlsx", "收入 (元) 100%.csv", "a'b\"c\\d.csv", "嘎查村·统计.xlsx"] {
            let header = content_disposition(name);
            let encoded = header.split("filename*=UTF-8''").nth(1).unwrap();
            assert!(encoded.bytes().all(|b| is_attr_char(b) || b == b'%' || b.is_ascii_hexdigit()));
            assert_eq!(decode(encoded), name);
        }
    }

    #[test]
    fn content_disposition_fallback_is_plain_ascii() {
        let header = content_disposition("收入\"汇总\"\\a\r\nb.csv");
        let fallback = header.split("filename=\"").nth(1).unwrap().split('"').next().unwrap();
        assert_eq!(fallback, "____a__b.csv");
        assert!(header.is_ascii());
        assert!(!header.contains('\r') && !header.contains('\n'));
        assert_eq!(content_disposition(""), "attachment; filename=\"export\"; filename*=UTF-8''");
    }
}
