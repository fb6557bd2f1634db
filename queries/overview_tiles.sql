/*
title = "总览指标"
title_en = "Headline tiles"
description = "建档立卡户数和人数、脱贫户数和人数、首末年度贫困发生率、首末年度建档立卡户人均纯收入、贫困嘎查村及已出列数、最近一年资产收益率（与上一年比较）、数据截止日仍未消除的风险预警数（与一年前比较）。可按战区筛选。定义见 geo、poor_person_year、income_household_year 等共享视图。"
description_en = "Registered households and people, households and people lifted out, poverty incidence in the first and latest year, per-capita net income of registered households in the first and latest year, poor villages and those exited, the latest year's dividend yield (against the year before), and risk warnings still open at the end of the data (against a year earlier). Filter by war zone."
public = true

[params.zone]
type = "zone"
zh = "战区"
en = "War zone"
optional = true

[columns]
households = { zh = "建档立卡户数", en = "Registered households", unit = "户" }
people = { zh = "建档立卡人数", en = "Registered people", unit = "人" }
exited_households = { zh = "脱贫户数", en = "Households lifted out", unit = "户" }
exited_people = { zh = "脱贫人数", en = "People lifted out", unit = "人" }
first_year = { zh = "起始年度", en = "First year" }
latest_year = { zh = "最近年度", en = "Latest year" }
incidence_start = { zh = "起始年度贫困发生率", en = "Poverty incidence, first year", unit = "%" }
incidence_now = { zh = "贫困发生率", en = "Poverty incidence", unit = "%" }
income_start = { zh = "起始年度人均纯收入", en = "Per-capita net income, first year", unit = "元" }
income_now = { zh = "人均纯收入", en = "Per-capita net income", unit = "元" }
poor_villages = { zh = "贫困嘎查村", en = "Poor villages", unit = "个" }
villages_exited = { zh = "已出列贫困嘎查村", en = "Poor villages exited", unit = "个" }
dividend_year = { zh = "分红年度", en = "Dividend year" }
dividend_yield = { zh = "资产收益率", en = "Dividend yield", unit = "%" }
dividend_yield_previous = { zh = "上一年资产收益率", en = "Dividend yield, year before", unit = "%" }
as_of = { zh = "预警统计日", en = "Warnings as of" }
open_warnings = { zh = "未消除风险预警", en = "Open risk warnings", unit = "个" }
open_warnings_year_before = { zh = "一年前未消除风险预警", en = "Open risk warnings a year earlier", unit = "个" }
*/
WITH years AS MATERIALIZED (
    SELECT min(year) AS first_year, max(year) AS latest_year FROM stat_year
),
incidence AS MATERIALIZED (
    SELECT year, 100.0 * sum(poor_people) / sum(rural_population) AS incidence
    FROM incidence_village_year
    WHERE ($zone IS NULL OR zone_id = $zone)
    GROUP BY year
),
income AS MATERIALIZED (
    SELECT year, sum(net_income)::DOUBLE / sum(persons) AS income
    FROM income_household_year
    WHERE ($zone IS NULL OR zone_id = $zone)
    GROUP BY year
),
dividends AS MATERIALIZED (
    SELECT year, 100 * sum(amount)::DOUBLE / nullif(sum(share_principal), 0) AS yield
    FROM dividend_paid
    WHERE ($zone IS NULL OR zone_id = $zone)
    GROUP BY year
),
warnings AS MATERIALIZED (
    SELECT detected_date, resolved_date FROM risk_warning WHERE ($zone IS NULL OR zone_id = $zone)
),
exited AS MATERIALIZED (
    SELECT count(*) AS households, coalesce(sum(people_after_exit), 0) AS people
    FROM household_exit
    WHERE exit_kind = '脱贫' AND ($zone IS NULL OR zone_id = $zone)
),
data_end AS MATERIALIZED (
    SELECT max(greatest(detected_date, coalesce(resolved_date, detected_date))) AS d FROM risk_event
)
SELECT
    (SELECT count(*) FROM household h JOIN geo g ON g.village_code = h.village_code
      WHERE ($zone IS NULL OR g.zone_id = $zone)) AS households,
    (SELECT coalesce(sum(h.size), 0) FROM household h JOIN geo g ON g.village_code = h.village_code
      WHERE ($zone IS NULL OR g.zone_id = $zone)) AS people,
    (SELECT households FROM exited) AS exited_households,
    (SELECT people FROM exited) AS exited_people,
    y.first_year,
    y.latest_year,
    round((SELECT incidence FROM incidence WHERE year = y.first_year), 2) AS incidence_start,
    round((SELECT incidence FROM incidence WHERE year = y.latest_year), 2) AS incidence_now,
    round((SELECT income FROM income WHERE year = y.first_year), 0) AS income_start,
    round((SELECT income FROM income WHERE year = y.latest_year), 0) AS income_now,
    (SELECT count(*) FROM geo WHERE poor_village AND ($zone IS NULL OR zone_id = $zone)) AS poor_villages,
    (SELECT count(*) FROM geo WHERE poor_village AND village_exit_year IS NOT NULL AND ($zone IS NULL OR zone_id = $zone)) AS villages_exited,
    (SELECT max(year) FROM dividends) AS dividend_year,
    round((SELECT yield FROM dividends ORDER BY year DESC LIMIT 1), 2) AS dividend_yield,
    round((SELECT yield FROM dividends ORDER BY year DESC LIMIT 1 OFFSET 1), 2) AS dividend_yield_previous,
    (SELECT d FROM data_end) AS as_of,
    (SELECT count(*) FROM warnings, data_end
      WHERE detected_date <= data_end.d AND (resolved_date IS NULL OR resolved_date > data_end.d)) AS open_warnings,
    (SELECT count(*) FROM warnings, data_end
      WHERE detected_date <= data_end.d - INTERVAL 1 YEAR
        AND (resolved_date IS NULL OR resolved_date > data_end.d - INTERVAL 1 YEAR)) AS open_warnings_year_before
FROM years y
ORDER BY 1
