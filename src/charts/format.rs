//! Numbers as Chinese readers expect them, and XML escaping for every text
//! the charts write by hand.

/// How values on the y axis read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unit {
    /// Percent, one decimal: 8.4%.
    Percent,
    /// Yuan with 万 and 亿 for large values: 1.3万.
    Yuan,
    /// A count with thousands separators.
    Count,
    /// A plain number (days, ratios): up to one decimal.
    Number,
}

impl Unit {
    /// The unit a query column declares (`%`, `元`, `户`, …).
    pub fn from_column(unit: &str) -> Unit {
        match unit {
            "%" => Unit::Percent,
            "元" | "万元" => Unit::Yuan,
            "户" | "人" | "个" | "次" | "笔" => Unit::Count,
            _ => Unit::Number,
        }
    }
}

/// Formats a number as Chinese readers expect: thousands separators,
/// 万 from ten thousand, 亿 from a hundred million.
pub fn format_number(v: f64, unit: Unit) -> String {
    if !v.is_finite() {
        return "—".to_string();
    }
    match unit {
        Unit::Percent => format!("{}%", trim_zeros(format!("{v:.1}"))),
        Unit::Number if v.abs() < 1.0e4 => trim_zeros(format!("{v:.1}")),
        Unit::Yuan | Unit::Count | Unit::Number => {
            let a = v.abs();
            if a >= 1.0e8 {
                format!("{}亿", trim_zeros(format!("{:.2}", v / 1.0e8)))
            } else if a >= 1.0e4 {
                // Three or four significant figures: 1.3万, 12.35万, 648.2万, 1407万.
                let places = if a >= 1.0e6 { 0 } else if a >= 1.0e5 { 1 } else { 2 };
                format!("{}万", trim_zeros(format!("{:.places$}", v / 1.0e4)))
            } else {
                thousands(v.round() as i64)
            }
        }
    }
}

/// The exact value for hover titles and tables: up to two decimals, full
/// digits with thousands separators (no 万 rounding): 3.21%, 12,345.5.
pub fn format_exact(v: f64, unit: Unit) -> String {
    if !v.is_finite() {
        return "—".to_string();
    }
    let rounded = (v * 100.0).round() / 100.0;
    let whole = rounded.trunc();
    let frac = trim_zeros(format!("{:.2}", rounded.abs().fract()));
    let mut out = thousands(whole as i64);
    if rounded < 0.0 && whole == 0.0 {
        out.insert(0, '-');
    }
    if frac != "0" {
        out.push_str(&frac[1..]);
    }
    if unit == Unit::Percent {
        out.push('%');
    }
    out
}

/// An axis tick: like [`format_number`], but with as many decimals as the
/// tick step needs so that neighbouring ticks never read the same.
pub(crate) fn format_tick(v: f64, unit: Unit, step: f64) -> String {
    let v = if v.abs() < step * 1e-6 { 0.0 } else { v };
    // As many decimals as the step has: 0.25 needs two, 2.5 one.
    let decimals = (0..4).find(|d| {
        let scaled = step * 10f64.powi(*d);
        (scaled - scaled.round()).abs() < 1e-6
    });
    let decimals = decimals.unwrap_or(4) as usize;
    match unit {
        Unit::Percent if decimals > 1 => format!("{}%", trim_zeros(format!("{v:.decimals$}"))),
        Unit::Number if decimals > 1 && v.abs() < 1.0e4 => trim_zeros(format!("{v:.decimals$}")),
        Unit::Yuan | Unit::Count if decimals > 0 && v.abs() < 1.0e4 => trim_zeros(format!("{v:.decimals$}")),
        _ => format_number(v, unit),
    }
}

pub(crate) fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        let t = s.trim_end_matches('0').trim_end_matches('.');
        if t == "-0" {
            "0".to_string()
        } else {
            t.to_string()
        }
    } else {
        s
    }
}

/// 12345678 → "12,345,678".
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Rounds up to 1, 2, 2.5 or 5 times a power of ten, so axes end on a
/// round number.
pub fn nice_ceiling(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if m * p >= v {
            return m * p;
        }
    }
    10.0 * p
}

/// Escapes text for XML content and attributes.
pub fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0 at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            _ => out.push(c),
        }
    }
    out
}

/// A year label reads "2017年" in Chinese prose; other labels stay as they
/// are.
pub(crate) fn zh_when(label: &str) -> String {
    if !label.is_empty() && label.len() <= 4 && label.chars().all(|c| c.is_ascii_digit()) {
        format!("{label}年")
    } else {
        label.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_values_keep_two_decimals_and_separators() {
        let cases = [
            (3.214, Unit::Percent, "3.21%"),
            (0.0, Unit::Percent, "0%"),
            (12345.678, Unit::Yuan, "12,345.68"),
            (-1234.5, Unit::Number, "-1,234.5"),
            (-0.25, Unit::Percent, "-0.25%"),
            (8638.0, Unit::Count, "8,638"),
            (f64::NAN, Unit::Count, "—"),
        ];
        for (v, unit, want) in cases {
            assert_eq!(format_exact(v, unit), want, "{v} {unit:?}");
        }
    }

    #[test]
    fn ticks_keep_enough_decimals() {
        assert_eq!(format_tick(0.25, Unit::Percent, 0.05), "0.25%");
        assert_eq!(format_tick(2.0, Unit::Percent, 1.0), "2%");
        assert_eq!(format_tick(15000.0, Unit::Yuan, 5000.0), "1.5万");
        assert_eq!(format_tick(1e-17, Unit::Percent, 0.5), "0%");
        assert_eq!(format_tick(0.75, Unit::Percent, 0.25), "0.75%");
        assert_eq!(format_tick(7.5, Unit::Percent, 2.5), "7.5%");
        assert_eq!(format_tick(7500.0, Unit::Yuan, 2500.0), "7,500");
    }

    #[test]
    fn xml_escaping_covers_markup_and_quotes() {
        assert_eq!(escape_xml("<script>alert('1')</script> & \"x\""), "&lt;script&gt;alert(&#39;1&#39;)&lt;/script&gt; &amp; &quot;x&quot;");
        assert_eq!(escape_xml("a\u{1}b"), "ab");
    }
}
