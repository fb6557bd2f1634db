/*
title = "致贫原因"
title_en = "Causes of poverty"
description = "按主要致贫原因统计户数、人数及占比；按其他致贫原因（最多两项）统计列出该原因的户数及占比。占比的分母为范围内的建档立卡户数。可按战区筛选；选择年度时只统计该年的贫困户（识别年份不晚于该年、且未在该年或之前退出）。"
description_en = "Households and people by main cause of poverty with their share; households listing each cause among their (up to two) secondary causes with their share. Shares are of the registered households in scope. Filter by war zone; with a year, only households poor in that year (identified in or before it, not exited in or before it)."
public = true

[params.zone]
type = "zone"
zh = "战区"
en = "War zone"
optional = true

[params.year]
type = "year"
zh = "年度（贫困户）"
en = "Year (households poor in it)"
optional = true
min = 2014
max = 2020

[columns]
cause = { zh = "致贫原因", en = "Cause" }
main_households = { zh = "主要原因户数", en = "Households (main cause)", unit = "户" }
main_people = { zh = "主要原因人数", en = "People (main cause)", unit = "人" }
main_share = { zh = "主要原因户数占比", en = "Share of households (main cause)", unit = "%" }
secondary_households = { zh = "其他原因户数", en = "Households (secondary cause)", unit = "户" }
secondary_share = { zh = "其他原因户数占比", en = "Share of households (secondary cause)", unit = "%" }
*/
WITH scope AS (
    SELECT h.household_code, h.size, h.main_cause, h.secondary_cause_1, h.secondary_cause_2
    FROM household h
    JOIN geo g ON g.village_code = h.village_code
    WHERE ($zone IS NULL OR g.zone_id = $zone)
      AND ($year IS NULL OR h.household_code IN (SELECT household_code FROM poor_household_year WHERE year = $year))
),
causes AS (
    SELECT main_cause AS cause FROM household
    UNION
    SELECT secondary_cause_1 FROM household WHERE secondary_cause_1 IS NOT NULL
    UNION
    SELECT secondary_cause_2 FROM household WHERE secondary_cause_2 IS NOT NULL
),
main AS (
    SELECT main_cause AS cause, count(*) AS households, sum(size) AS people
    FROM scope
    GROUP BY main_cause
),
secondary AS (
    SELECT c.cause, count(s.household_code) AS households
    FROM causes c
    JOIN scope s ON s.secondary_cause_1 = c.cause OR s.secondary_cause_2 = c.cause
    GROUP BY c.cause
),
total AS (SELECT count(*) AS households FROM scope)
SELECT c.cause,
       coalesce(m.households, 0) AS main_households,
       coalesce(m.people, 0) AS main_people,
       round(100 * coalesce(m.households, 0)::DOUBLE / nullif(total.households, 0), 2) AS main_share,
       coalesce(s.households, 0) AS secondary_households,
       round(100 * coalesce(s.households, 0)::DOUBLE / nullif(total.households, 0), 2) AS secondary_share
FROM causes c
CROSS JOIN total
LEFT JOIN main m ON m.cause = c.cause
LEFT JOIN secondary s ON s.cause = c.cause
ORDER BY main_households DESC, secondary_households DESC, c.cause
