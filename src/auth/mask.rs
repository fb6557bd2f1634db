//! Masking of ID-card numbers (居民身份证号) for users who may not see them
//! whole: leaders and anonymous visitors.

/// Whether a result column holds ID-card numbers, by its name
/// (`member.id_number`, or any `…id_card…` / `…id_number…` column).
pub fn is_id_column(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("id_card") || n.contains("id_number") || n.contains("idcard") || n.contains("身份证")
}

/// Keeps the first six characters (the region code) and the last four of
/// an ID number and stars the rest: `152523********1234`. Values too short
/// to keep anything hidden are starred whole; empty stays empty.
pub fn mask_id(value: &str) -> String {
    let chars: Vec<char> = value.trim().chars().collect();
    let n = chars.len();
    if n == 0 {
        return String::new();
    }
    if n <= 10 {
        return "*".repeat(n);
    }
    let mut out: String = chars[..6].iter().collect();
    out.push_str(&"*".repeat(n - 10));
    out.extend(&chars[n - 4..]);
    out
}

/// Masks, in place, every ID column of a result (`columns` names the
/// cells of each row).
pub fn mask_rows(columns: &[String], rows: &mut [Vec<crate::catalog::Cell>]) {
    let idx: Vec<usize> = columns.iter().enumerate().filter(|(_, c)| is_id_column(c)).map(|(i, _)| i).collect();
    if idx.is_empty() {
        return;
    }
    for row in rows {
        for &i in &idx {
            if let Some(cell) = row.get_mut(i) {
                if *cell != crate::catalog::Cell::Null {
                    *cell = crate::catalog::Cell::Text(mask_id(&cell.text()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Cell;

    #[test]
    fn masks_keep_region_and_last_four() {
        assert_eq!(mask_id("152523198503041234"), "152523********1234");
        assert_eq!(mask_id("15252319850304123X"), "152523********123X");
        assert_eq!(mask_id("152523850304123"), "152523*****4123"); // 15-digit first-generation cards
        assert_eq!(mask_id("12345"), "*****");
        assert_eq!(mask_id(""), "");
    }

    #[test]
    fn id_columns_are_found_by_name() {
        assert!(is_id_column("id_number"));
        assert!(is_id_column("member_id_card"));
        assert!(is_id_column("身份证号"));
        assert!(!is_id_column("household_code"));
        assert!(!is_id_column("zone_id"));
    }

    #[test]
    fn rows_are_masked_in_id_columns_only() {
        let cols = vec!["name".to_string(), "id_number".to_string()];
        let mut rows = vec![
            vec![Cell::Text("王某".into()), Cell::Text("152523198503041234".into())],
            vec![Cell::Text("李某".into()), Cell::Null],
        ];
        mask_rows(&cols, &mut rows);
        assert_eq!(rows[0], vec![Cell::Text("王某".into()), Cell::Text("152523********1234".into())]);
        assert_eq!(rows[1][1], Cell::Null);
    }
}
