/*
title = "其他致贫原因"
title_en = "Secondary causes of poverty"
description = "列出该原因为其他致贫原因（最多两项）之一的建档立卡户数及占范围内全部户数（含没有其他原因的户）的比例，从多到少。可按战区筛选；选择年度时只统计该年的贫困户。"
description_en = "Registered households listing each cause among their (up to two) secondary causes, with the share of all households in scope (those without a secondary cause included), most first. Filter by war zone; with a year, only households poor in that year."
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
cause = { zh = "其他致贫原因", en = "Secondary cause" }
households = { zh = "户数", en = "Households", unit = "户" }
share = { zh = "占比", en = "Share of households", unit = "%" }
*/
WITH scope AS (
    SELECT h.household_code, h.secondary_cause_1, h.secondary_cause_2
    FROM household h
    JOIN geo g ON g.village_code = h.village_code
    WHERE ($zone IS NULL OR g.zone_id = $zone)
      AND ($year IS NULL OR h.household_code IN (SELECT household_code FROM poor_household_year WHERE year = $year))
),
listed AS (
    SELECT household_code, secondary_cause_1 AS cause FROM scope WHERE secondary_cause_1 IS NOT NULL
    UNION
    SELECT household_code, secondary_cause_2 FROM scope WHERE secondary_cause_2 IS NOT NULL
),
total AS (SELECT count(*) AS n FROM scope)
SELECT l.cause, count(*) AS households,
       round(100 * count(*)::DOUBLE / nullif(any_value(total.n), 0), 2) AS share
FROM listed l CROSS JOIN total
GROUP BY l.cause
ORDER BY households DESC, l.cause
