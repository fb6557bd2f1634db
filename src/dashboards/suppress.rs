//! Small-cell suppression for public pages. Pure: rows in, a mask out, so
//! every rule is unit-tested on rows made in the test.
//!
//! Rules, applied until nothing changes:
//! 1. a count of households (unit 户) or people (unit 人) from 1 to 4 is
//!    suppressed (zero is shown: it describes nobody);
//! 2. in a row holding a suppressed count, every other count and every rate
//!    (unit %) of that row is suppressed too: people counts are derived from
//!    the households, and a rate beside its denominator gives the count back;
//! 3. complementary suppression: in a group of cells that may add up to a
//!    total shown beside them — one count column over all rows, one count
//!    column within the rows sharing a category (the banner and its war
//!    zones in one year), the counts of one unit within a row — a lone
//!    suppressed cell takes the next-smallest cell of the group with it.

use crate::catalog::{Cell, Query, ResultSet};

/// What is shown instead of a suppressed value.
pub const SUPPRESSED: &str = "<5";

/// Counts below this are suppressed.
pub const THRESHOLD: f64 = 5.0;

/// How a column takes part in suppression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A count of households or people (户, 人).
    Count(CountUnit),
    /// A rate (%): suppressed with the counts of its row.
    Rate,
    /// Anything else: categories, money, codes.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountUnit {
    Households,
    People,
}

/// The role of a column from its unit.
pub fn role_of_unit(unit: Option<&str>) -> Role {
    match unit.map(str::trim) {
        Some("户") => Role::Count(CountUnit::Households),
        Some("人") => Role::Count(CountUnit::People),
        Some("%") => Role::Rate,
        _ => Role::Other,
    }
}

/// The roles of a result's columns, from its query's metadata.
pub fn roles(q: &Query, rs: &ResultSet) -> Vec<Role> {
    rs.columns.iter().map(|c| role_of_unit(q.meta.columns.get(c).and_then(|m| m.unit.as_deref()))).collect()
}

/// Which cells to suppress: `mask[row][col]`. `category` is the column
/// whose equal values mark rows that may sum to a total among them (the x
/// column of a long-format chart), if any.
pub fn mask(roles: &[Role], rows: &[Vec<Cell>], category: Option<usize>) -> Vec<Vec<bool>> {
    let value = |r: usize, c: usize| rows[r].get(c).and_then(Cell::as_f64);
    let mut m: Vec<Vec<bool>> = rows.iter().map(|r| vec![false; r.len()]).collect();
    let counts: Vec<usize> = roles.iter().enumerate().filter(|(_, r)| matches!(r, Role::Count(_))).map(|(i, _)| i).collect();
    // 1. small counts.
    for (r, row) in m.iter_mut().enumerate() {
        for &c in &counts {
            if value(r, c).is_some_and(|v| v > 0.0 && v < THRESHOLD) {
                row[c] = true;
            }
        }
    }
    // Groups for complementary suppression: lists of (row, col).
    let mut groups: Vec<Vec<(usize, usize)>> = Vec::new();
    for &c in &counts {
        groups.push((0..rows.len()).map(|r| (r, c)).collect());
        if let Some(k) = category {
            let mut by: indexmap::IndexMap<String, Vec<(usize, usize)>> = indexmap::IndexMap::new();
            for (r, row) in rows.iter().enumerate() {
                by.entry(row.get(k).map(Cell::text).unwrap_or_default()).or_default().push((r, c));
            }
            groups.extend(by.into_values().filter(|g| g.len() > 1));
        }
    }
    for unit in [CountUnit::Households, CountUnit::People] {
        let cols: Vec<usize> = counts.iter().copied().filter(|&c| roles[c] == Role::Count(unit)).collect();
        if cols.len() > 1 {
            for r in 0..rows.len() {
                groups.push(cols.iter().map(|&c| (r, c)).collect());
            }
        }
    }
    loop {
        let mut changed = false;
        // 2. a row with a suppressed count hides its other counts and rates.
        for (r, row) in m.iter_mut().enumerate() {
            if counts.iter().any(|&c| row[c]) {
                for (c, role) in roles.iter().enumerate() {
                    if *role != Role::Other && !row[c] && value(r, c).is_some() {
                        row[c] = true;
                        changed = true;
                    }
                }
            }
        }
        // 3. a lone suppressed cell in a group takes the next-smallest.
        for g in &groups {
            let hidden = g.iter().filter(|&&(r, c)| m[r][c]).count();
            if hidden != 1 {
                continue;
            }
            let next = g
                .iter()
                .filter(|&&(r, c)| !m[r][c])
                .filter_map(|&(r, c)| value(r, c).map(|v| (v, r, c)))
                .filter(|(v, _, _)| *v > 0.0)
                .min_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((_, r, c)) = next {
                m[r][c] = true;
                changed = true;
            }
        }
        if !changed {
            return m;
        }
    }
}

/// The rows with suppressed cells replaced: by [`Cell::Null`] for drawing
/// (no bar, no hover title), by the text "<5" for tables and downloads.
pub fn replace(rows: &[Vec<Cell>], mask: &[Vec<bool>], with: &Cell) -> Vec<Vec<Cell>> {
    rows.iter()
        .zip(mask)
        .map(|(row, m)| row.iter().zip(m).map(|(cell, &hide)| if hide { with.clone() } else { cell.clone() }).collect())
        .collect()
}

/// A public panel: its rows suppressed before drawing (suppressed values
/// are not drawn, so no bar height or hover title gives them away), then
/// "<5" in the table and in the rows kept for CSV and XLSX.
pub fn build_panel(
    panel: &super::Panel,
    q: &Query,
    rs: &ResultSet,
    lang: crate::lang::Lang,
    link: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<super::view::PanelView> {
    let category = match (&panel.series, &panel.x) {
        (Some(_), Some(x)) => Some(rs.col(x)?),
        _ => None,
    };
    let m = mask(&roles(q, rs), &rs.rows, category);
    let drawn = ResultSet { columns: rs.columns.clone(), rows: replace(&rs.rows, &m, &Cell::Null) };
    let mut v = super::view::build_panel(panel, q, &drawn, lang, link)?;
    let idx: Vec<usize> = v.columns.iter().map(|c| rs.col(c)).collect::<anyhow::Result<_>>()?;
    for (r, hide) in m.iter().enumerate() {
        for (j, &i) in idx.iter().enumerate() {
            if hide[i] {
                if let Some(cell) = v.rows.get_mut(r).and_then(|row| row.get_mut(j)) {
                    *cell = SUPPRESSED.to_string();
                }
                if let Some(cell) = v.data.rows.get_mut(r).and_then(|row| row.get_mut(j)) {
                    *cell = Cell::Text(SUPPRESSED.to_string());
                }
            }
        }
    }
    Ok(v)
}

/// Whether any cell is suppressed.
pub fn any(mask: &[Vec<bool>]) -> bool {
    mask.iter().flatten().any(|&b| b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Cell::{Int, Text};

    const H: Role = Role::Count(CountUnit::Households);
    const P: Role = Role::Count(CountUnit::People);

    fn hidden(m: &[Vec<bool>]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (r, row) in m.iter().enumerate() {
            for (c, &b) in row.iter().enumerate() {
                if b {
                    out.push((r, c));
                }
            }
        }
        out
    }

    #[test]
    fn large_counts_are_untouched() {
        let roles = [Role::Other, H, P, Role::Rate];
        let rows = vec![vec![Text("甲".into()), Int(120), Int(400), Cell::Float(3.5)], vec![Text("乙".into()), Int(5), Int(17), Cell::Float(0.4)]];
        assert!(!any(&mask(&roles, &rows, None)));
    }

    #[test]
    fn zero_is_shown() {
        let roles = [Role::Other, H];
        let rows = vec![vec![Int(2014), Int(0)], vec![Int(2015), Int(30)]];
        assert!(!any(&mask(&roles, &rows, None)));
    }

    #[test]
    fn a_small_count_hides_its_people_and_rate_and_a_complement() {
        // village, poor households, poor people, rural population, incidence
        let roles = [Role::Other, H, P, P, Role::Rate];
        let rows = vec![
            vec![Text("甲".into()), Int(3), Int(9), Int(400), Cell::Float(2.25)],
            vec![Text("乙".into()), Int(40), Int(100), Int(900), Cell::Float(11.1)],
            vec![Text("丙".into()), Int(12), Int(30), Int(500), Cell::Float(6.0)],
            vec![Text("丁".into()), Int(25), Int(60), Int(800), Cell::Float(7.5)],
        ];
        let m = mask(&roles, &rows, None);
        // Row 甲: every count and the rate.
        assert_eq!(&m[0], &[false, true, true, true, true]);
        // Households column: 甲 alone was hidden, so the next-smallest (丙, 12) goes too,
        // and with it its row's people and rate.
        assert!(m[2][1] && m[2][2] && m[2][4], "{m:?}");
        // The larger rows stay.
        assert!(!m[1][1] && !m[3][1], "{m:?}");
        let shown = replace(&rows, &m, &Text(SUPPRESSED.into()));
        assert_eq!(shown[0][1], Text("<5".into()));
        assert_eq!(shown[1][1], Int(40));
    }

    #[test]
    fn a_total_beside_its_parts_cannot_give_a_part_back() {
        // year, scope, households: the banner row is the sum of the zones.
        let roles = [Role::Other, Role::Other, H];
        let rows = vec![
            vec![Int(2019), Text("全旗".into()), Int(53)],
            vec![Int(2019), Text("一".into()), Int(2)],
            vec![Int(2019), Text("二".into()), Int(21)],
            vec![Int(2019), Text("三".into()), Int(30)],
            vec![Int(2018), Text("全旗".into()), Int(300)],
            vec![Int(2018), Text("一".into()), Int(100)],
            vec![Int(2018), Text("二".into()), Int(90)],
            vec![Int(2018), Text("三".into()), Int(110)],
        ];
        let m = mask(&roles, &rows, Some(0));
        let h = hidden(&m);
        assert!(h.contains(&(1, 2)), "the small cell: {h:?}");
        assert!(h.contains(&(2, 2)), "the next-smallest in 2019: {h:?}");
        assert!(!h.iter().any(|&(r, _)| r >= 4), "2018 untouched: {h:?}");
        // 53 − 2 − 21 − 30 can no longer be solved for one unknown.
        let hidden_2019 = h.iter().filter(|&&(r, _)| r < 4).count();
        assert!(hidden_2019 >= 2);
    }

    #[test]
    fn counts_of_one_unit_in_a_row_protect_each_other() {
        // exited households, remaining households (a total would give one from the other)
        let roles = [Role::Other, H, H];
        let rows = vec![vec![Int(2020), Int(4), Int(800)], vec![Int(2019), Int(500), Int(900)]];
        let m = mask(&roles, &rows, None);
        assert!(m[0][1] && m[0][2], "{m:?}");
        // Column groups: each column now has one hidden cell, so the other
        // year's cell goes too: nothing can be recovered from a column total.
        assert!(m[1][1] && m[1][2], "{m:?}");
    }

    #[test]
    fn roles_come_from_units() {
        assert_eq!(role_of_unit(Some("户")), H);
        assert_eq!(role_of_unit(Some("人")), P);
        assert_eq!(role_of_unit(Some("%")), Role::Rate);
        assert_eq!(role_of_unit(Some("元")), Role::Other);
        assert_eq!(role_of_unit(None), Role::Other);
    }
}
