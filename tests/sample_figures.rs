//! The scale-1 sample, imported into a real database, reproduces the
//! article's figures (domain.md), each checked with SQL.

mod common;

use common::{sample_db, scalar_f64, scalar_i64};

#[test]
fn sample_reproduces_the_articles_figures() {
    let db = sample_db();
    let conn = jingzhun::store::open_ro(&db.path).unwrap();
    let i = |sql: &str| scalar_i64(&conn, sql);
    let f = |sql: &str| scalar_f64(&conn, sql);

    // Registered and exited households and people.
    assert_eq!(i("SELECT count(*) FROM household"), 8_638);
    assert_eq!(i("SELECT sum(size) FROM household"), 21_654);
    assert_eq!(i("SELECT count(*) FROM member"), 21_654);
    assert_eq!(i("SELECT count(*) FROM household WHERE exit_kind = '脱贫' AND exit_year <= 2020"), 8_600);
    assert_eq!(
        i("SELECT count(*) FROM member m JOIN household h USING (household_code)
           WHERE h.exit_kind = '脱贫' AND h.exit_year <= 2020
             AND (m.removed_year IS NULL OR m.removed_year > h.exit_year)"),
        21_388
    );

    // Geography.
    assert_eq!(i("SELECT count(*) FROM war_zone"), 4);
    assert_eq!(i("SELECT count(*) FROM township"), 19);
    for name in ["鲁北镇", "黄花山镇", "嘎亥图镇", "巨日合镇", "巴雅尔图胡硕镇", "香山镇", "阿日昆都楞镇", "乌额格其牧场", "香山农场", "乌日根塔拉农场", "嘎达苏种畜场"] {
        assert_eq!(i(&format!("SELECT count(*) FROM township WHERE name = '{name}'")), 1, "{name}");
    }
    for stem in ["巴彦塔拉", "乌力吉木仁", "道老杜", "格日朝鲁", "前德门", "乌兰哈达", "查布嘎图", "乌额格其"] {
        assert_eq!(i(&format!("SELECT count(*) FROM township WHERE name = '{stem}苏木'")), 1, "{stem}苏木");
    }
    assert_eq!(i("SELECT count(*) FROM village"), 206);
    assert_eq!(i("SELECT count(*) FROM village WHERE is_poor"), 58);
    assert_eq!(i("SELECT count(*) FROM village WHERE is_poor AND exit_year <= 2020"), 58);
    // Every war zone covers 4–5 townships.
    assert_eq!(i("SELECT count(*) FROM (SELECT zone_id, count(*) n FROM township GROUP BY 1) WHERE n NOT BETWEEN 4 AND 5"), 0);

    // Poverty incidence, computed here independently of the canned query.
    let incidence = |year: i32| {
        f(&format!(
            "SELECT 100.0 * (SELECT count(*) FROM member m JOIN household h USING (household_code)
                 WHERE h.identified_year <= {year} AND (h.exit_year IS NULL OR h.exit_year > {year})
                   AND (m.removed_year IS NULL OR m.removed_year > {year}))
             / (SELECT sum(rural_population) FROM village_year WHERE year = {year})"
        ))
    };
    let first_year = i("SELECT min(year) FROM village_year") as i32;
    assert_eq!(first_year, 2014);
    let start = incidence(2014);
    assert!((start - 8.4).abs() <= 0.1, "incidence 2014 = {start}");
    assert_eq!(incidence(2020), 0.0);

    // Per-capita net income of registered households.
    let income = |year: i32| {
        f(&format!(
            "SELECT sum(wage_income + operating_income + property_income + transfer_income - operating_cost)::DOUBLE / sum(persons)
             FROM income_year WHERE year = {year}"
        ))
    };
    let (i2014, i2020) = (income(2014), income(2020));
    assert!((i2014 / 2_600.0 - 1.0).abs() <= 0.03, "income 2014 = {i2014}");
    assert!((i2020 / 13_000.0 - 1.0).abs() <= 0.03, "income 2020 = {i2020}");

    // Dividends: every paying year reaches ≥ 2,000 households, ≥ 3,000 yuan
    // on average, ≥ 10 % of the principal.
    let years = i("SELECT count(DISTINCT year) FROM dividend");
    assert!(years >= 1);
    let bad_years = i("SELECT count(*) FROM (
            SELECT year, count(DISTINCT household_code) AS hh, sum(amount) / count(DISTINCT household_code) AS per_hh,
                   sum(amount) / sum(share_principal) AS yield
            FROM dividend GROUP BY year)
        WHERE hh < 2000 OR per_hh < 3000 OR yield < 0.10");
    assert_eq!(bad_years, 0, "a dividend year misses the article's figures");

    // Revolving loans.
    assert!(i("SELECT count(DISTINCT household_code) FROM revolving_loan") >= 3_100);
    let total = f("SELECT sum(amount)::DOUBLE FROM revolving_loan");
    assert!((total / 56_550_000.0 - 1.0).abs() <= 0.005, "loans total {total}");
    assert_eq!(i("SELECT count(*) FROM revolving_loan WHERE amount > 25000"), 0);

    // Cadres and teams.
    assert_eq!(i("SELECT count(*) FROM cadre WHERE role = '帮扶责任人'"), 2_074);
    assert_eq!(i("SELECT count(*) FROM work_team"), 185);
    assert_eq!(i("SELECT count(*) FROM (SELECT cadre_code FROM household GROUP BY 1 HAVING count(*) > 5)"), 0);

    // The aid catalogue: 8 categories, 33 measures, 9 + 14 in the two models.
    assert_eq!(i("SELECT count(*) FROM aid_measure"), 33);
    assert_eq!(i("SELECT count(DISTINCT category) FROM aid_measure"), 8);
    assert_eq!(i("SELECT count(*) FROM aid_measure WHERE model = '3+3+3'"), 9);
    assert_eq!(i("SELECT count(*) FROM aid_measure WHERE model = '6保6助2托'"), 14);

    // Every import is recorded.
    assert_eq!(i("SELECT count(*) FROM import_batch"), jingzhun::store::tables::TABLES.len() as i64);
}

#[test]
fn canned_incidence_query_agrees_with_the_definition() {
    let db = sample_db();
    let conn = jingzhun::store::open_ro(&db.path).unwrap();
    let catalog = jingzhun::catalog::Catalog::load(None).unwrap();
    let rs = jingzhun::catalog::run_sql(&conn, &catalog.get("incidence_by_year").unwrap().sql).unwrap();
    let (y, z, inc) = (rs.col("year").unwrap(), rs.col("zone_id").unwrap(), rs.col("incidence").unwrap());
    // Banner rows plus four zones for each of the seven years.
    assert_eq!(rs.rows.len(), 5 * 7);
    for r in &rs.rows {
        let (year, zone) = (r[y].as_i64().unwrap(), r[z].as_i64().unwrap());
        let zone_filter = if zone == 0 { String::new() } else { format!("AND t.zone_id = {zone}") };
        let want = scalar_f64(
            &conn,
            &format!(
                "SELECT round(100.0 * (SELECT count(*) FROM member m JOIN household h USING (household_code)
                       JOIN village v USING (village_code) JOIN township t USING (township_code)
                     WHERE h.identified_year <= {year} AND (h.exit_year IS NULL OR h.exit_year > {year})
                       AND (m.removed_year IS NULL OR m.removed_year > {year}) {zone_filter})
                   / (SELECT sum(vy.rural_population) FROM village_year vy JOIN village v USING (village_code)
                       JOIN township t USING (township_code) WHERE vy.year = {year} {zone_filter}), 2)"
            ),
        );
        assert_eq!(r[inc].as_f64().unwrap(), want, "year {year} zone {zone}");
    }
}
