/*
title = "主要致贫原因（按战区）"
title_en = "Main causes of poverty by war zone"
description = "各战区建档立卡户按主要致贫原因的户数和占该战区户数的比例。全旗户数最多的六个原因单列，其余合为“其他原因”，以便图表可读。可按年度筛选（只统计该年的贫困户）。"
description_en = "Registered households of each war zone by main cause of poverty, with the share of the zone's households. The six causes with the most households banner-wide are shown on their own, the rest together as 其他原因 (other causes), so the chart stays readable. Filter by year (households poor in it)."
public = true

[params.year]
type = "year"
zh = "年度（贫困户）"
en = "Year (households poor in it)"
optional = true
min = 2014
max = 2020

[columns]
zone_id = { zh = "战区编号", en = "Zone" }
zone = { zh = "战区", en = "War zone" }
zone_en = { zh = "战区（英文）", en = "War zone (English)" }
cause = { zh = "主要致贫原因", en = "Main cause" }
households = { zh = "户数", en = "Households", unit = "户" }
share = { zh = "占战区户数比例", en = "Share of the zone's households", unit = "%" }
*/
WITH scope AS (
    SELECT h.household_code, h.main_cause, g.zone_id, g.zone, g.zone_en
    FROM household h
    JOIN geo g ON g.village_code = h.village_code
    WHERE ($year IS NULL OR h.household_code IN (SELECT household_code FROM poor_household_year WHERE year = $year))
),
top_causes AS (
    SELECT main_cause, row_number() OVER (ORDER BY count(*) DESC, main_cause) AS pos
    FROM household
    GROUP BY main_cause
    QUALIFY pos <= 6
),
causes AS (
    SELECT main_cause AS cause, pos FROM top_causes
    UNION ALL
    SELECT '其他原因', 7
),
zones AS (SELECT DISTINCT zone_id, zone, zone_en FROM geo),
counts AS (
    SELECT s.zone_id, coalesce(t.main_cause, '其他原因') AS cause, count(*) AS households
    FROM scope s
    LEFT JOIN top_causes t ON t.main_cause = s.main_cause
    GROUP BY ALL
),
totals AS (SELECT zone_id, count(*) AS n FROM scope GROUP BY zone_id)
SELECT z.zone_id, z.zone, z.zone_en, c.cause,
       coalesce(k.households, 0) AS households,
       round(100 * coalesce(k.households, 0)::DOUBLE / nullif(t.n, 0), 2) AS share
FROM zones z
CROSS JOIN causes c
LEFT JOIN counts k ON k.zone_id = z.zone_id AND k.cause = c.cause
LEFT JOIN totals t ON t.zone_id = z.zone_id
ORDER BY z.zone_id, c.pos
