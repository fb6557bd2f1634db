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
-- Each group of figures is one single-row CTE, and the rows are put side
-- by side with POSITIONAL JOIN. Written as twenty scalar subqueries (or as
-- a cross join of these CTEs), DuckDB's join-order optimizer spent more
-- time on the one large join tree than the query took to run (scale 1:
-- 61 ms, 40 of them ordering joins; now 16 ms; BENCHMARKS.md). A
-- positional join is never reordered, so each CTE is planned alone.
WITH years AS MATERIALIZED (
    SELECT min(year) AS first_year, max(year) AS latest_year FROM stat_year
),
registered AS (
    SELECT count(*) AS households, coalesce(sum(h.size), 0) AS people
    FROM household h JOIN geo g ON g.village_code = h.village_code
    WHERE ($zone IS NULL OR g.zone_id = $zone)
),
exited AS (
    SELECT count(*) AS households, coalesce(sum(people_after_exit), 0) AS people
    FROM household_exit
    WHERE exit_kind = '脱贫' AND ($zone IS NULL OR zone_id = $zone)
),
incidence AS (
    SELECT round(100.0 * sum(poor_people) FILTER (WHERE i.year = y.first_year) / sum(rural_population) FILTER (WHERE i.year = y.first_year), 2) AS start,
           round(100.0 * sum(poor_people) FILTER (WHERE i.year = y.latest_year) / sum(rural_population) FILTER (WHERE i.year = y.latest_year), 2) AS now
    FROM incidence_village_year i, years y
    WHERE ($zone IS NULL OR zone_id = $zone)
),
income AS (
    SELECT round(sum(net_income) FILTER (WHERE i.year = y.first_year)::DOUBLE / sum(persons) FILTER (WHERE i.year = y.first_year), 0) AS start,
           round(sum(net_income) FILTER (WHERE i.year = y.latest_year)::DOUBLE / sum(persons) FILTER (WHERE i.year = y.latest_year), 0) AS now
    FROM income_household_year i, years y
    WHERE ($zone IS NULL OR zone_id = $zone)
),
dividend_years AS (
    SELECT year, 100 * sum(amount)::DOUBLE / nullif(sum(share_principal), 0) AS yield,
           row_number() OVER (ORDER BY year DESC) AS recent
    FROM dividend_paid
    WHERE ($zone IS NULL OR zone_id = $zone)
    GROUP BY year
),
dividends AS (
    SELECT max(year) AS year,
           round(max(yield) FILTER (WHERE recent = 1), 2) AS yield,
           round(max(yield) FILTER (WHERE recent = 2), 2) AS previous
    FROM dividend_years
),
villages AS (
    SELECT count(*) FILTER (WHERE poor_village) AS poor,
           count(*) FILTER (WHERE poor_village AND village_exit_year IS NOT NULL) AS exited
    FROM geo WHERE ($zone IS NULL OR zone_id = $zone)
),
data_end AS (
    SELECT max(greatest(detected_date, coalesce(resolved_date, detected_date))) AS d FROM risk_event
),
warnings AS (
    SELECT count(*) FILTER (WHERE w.detected_date <= e.d AND (w.resolved_date IS NULL OR w.resolved_date > e.d)) AS now,
           count(*) FILTER (WHERE w.detected_date <= e.d - INTERVAL 1 YEAR
                              AND (w.resolved_date IS NULL OR w.resolved_date > e.d - INTERVAL 1 YEAR)) AS year_before
    FROM risk_warning w, data_end e
    WHERE ($zone IS NULL OR w.zone_id = $zone)
)
SELECT
    r.households,
    r.people,
    x.households AS exited_households,
    x.people AS exited_people,
    y.first_year,
    y.latest_year,
    i.start AS incidence_start,
    i.now AS incidence_now,
    m.start AS income_start,
    m.now AS income_now,
    v.poor AS poor_villages,
    v.exited AS villages_exited,
    d.year AS dividend_year,
    d.yield AS dividend_yield,
    d.previous AS dividend_yield_previous,
    e.d AS as_of,
    w.now AS open_warnings,
    w.year_before AS open_warnings_year_before
FROM years y POSITIONAL JOIN registered r POSITIONAL JOIN exited x POSITIONAL JOIN incidence i POSITIONAL JOIN income m
    POSITIONAL JOIN dividends d POSITIONAL JOIN villages v POSITIONAL JOIN data_end e POSITIONAL JOIN warnings w
