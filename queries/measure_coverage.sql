/*
title = "帮扶措施覆盖率（战区 × 措施类别）"
title_en = "Aid measure coverage by war zone and category"
description = "所选年度的贫困户（识别年份不晚于该年、且未在该年或之前退出）中，当年享受过该类别至少一项帮扶措施的户数所占比例。第 0 行为全旗。类别按措施目录顺序排列。"
description_en = "Of the households poor in the chosen year (identified in or before it, not exited in or before it), the share that received at least one measure of the category that year. Zone 0 is the whole banner. Categories follow the measure catalogue's order."
public = true

[params.year]
type = "year"
zh = "年度"
en = "Year"
default = 2014
min = 2014
max = 2020

[columns]
zone_id = { zh = "战区编号", en = "Zone" }
zone = { zh = "范围", en = "Scope" }
category = { zh = "措施类别", en = "Measure category" }
eligible_households = { zh = "当年贫困户数", en = "Households poor that year", unit = "户" }
covered_households = { zh = "享受措施户数", en = "Households reached", unit = "户" }
coverage = { zh = "覆盖率", en = "Coverage", unit = "%" }
*/
WITH categories AS (
    SELECT category, min(measure_code) AS first_measure FROM aid_measure GROUP BY category
),
scopes AS (
    SELECT 0 AS zone_id, '全旗' AS zone
    UNION ALL
    SELECT zone_id, name FROM war_zone
),
eligible AS (
    SELECT coalesce(zone_id, 0) AS zone_id, count(*) AS households
    FROM poor_household_year
    WHERE year = $year
    GROUP BY ROLLUP (zone_id)
),
covered AS (
    SELECT coalesce(zone_id, 0) AS zone_id, category, sum(covered_households) AS households
    FROM coverage_village_year
    WHERE year = $year
    GROUP BY GROUPING SETS ((zone_id, category), (category))
)
SELECT s.zone_id, s.zone, c.category,
       coalesce(e.households, 0) AS eligible_households,
       coalesce(k.households, 0) AS covered_households,
       round(100 * coalesce(k.households, 0)::DOUBLE / nullif(e.households, 0), 2) AS coverage
FROM scopes s
CROSS JOIN categories c
LEFT JOIN eligible e ON e.zone_id = s.zone_id
LEFT JOIN covered k ON k.zone_id = s.zone_id AND k.category = c.category
ORDER BY s.zone_id, c.first_measure
