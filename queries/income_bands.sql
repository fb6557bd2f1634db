/*
title = "建档立卡户人均纯收入分布（相对贫困线、监测线）"
title_en = "Households by per-capita net income against the poverty and monitoring lines"
description = "所选年度建档立卡户按人均纯收入所在区间的户数和占比：低于贫困线；贫困线至监测线；监测线的 1 至 1.5 倍；1.5 至 2 倍；2 倍及以上。贫困线、监测线取当年值。可按战区、苏木镇场筛选。"
description_en = "Registered households in the chosen year by the band their per-capita net income falls in: below the poverty line; poverty line to monitoring line; monitoring line to 1.5 times it; 1.5 to 2 times it; 2 times the monitoring line or more. The lines are that year's. Filter by war zone or township."
public = true

[params.year]
type = "year"
zh = "年度"
en = "Year"
default = 2020
min = 2014
max = 2020

[params.zone]
type = "zone"
zh = "战区"
en = "War zone"
optional = true

[params.township]
type = "township"
zh = "苏木镇场"
en = "Township"
optional = true

[columns]
band = { zh = "收入区间", en = "Band" }
band_en = { zh = "收入区间（英文）", en = "Band (English)" }
lower = { zh = "区间下限", en = "From", unit = "元" }
upper = { zh = "区间上限", en = "Below", unit = "元" }
households = { zh = "户数", en = "Households", unit = "户" }
share = { zh = "占比", en = "Share", unit = "%" }
*/
WITH scope AS (
    SELECT net_income_per_capita AS v, poverty_line AS pl, monitoring_line AS ml
    FROM income_household_year
    WHERE year = $year
      AND ($zone IS NULL OR zone_id = $zone)
      AND ($township IS NULL OR township_code = $township)
),
lines AS (
    SELECT poverty_line::DOUBLE AS pl, monitoring_line::DOUBLE AS ml FROM poverty_line WHERE year = $year
),
bands AS (
    SELECT 1 AS pos, '低于贫困线' AS band, 'Below poverty line' AS band_en, NULL::DOUBLE AS lower, pl AS upper FROM lines
    UNION ALL SELECT 2, '贫困线至监测线', 'Poverty to monitoring line', pl, ml FROM lines
    UNION ALL SELECT 3, '监测线1–1.5倍', 'Monitoring line to 1.5×', ml, 1.5 * ml FROM lines
    UNION ALL SELECT 4, '监测线1.5–2倍', '1.5× to 2× monitoring line', 1.5 * ml, 2 * ml FROM lines
    UNION ALL SELECT 5, '监测线2倍以上', '2× monitoring line or more', 2 * ml, NULL FROM lines
),
total AS (SELECT count(*) AS n FROM scope)
SELECT b.band, b.band_en, b.lower, b.upper,
       count(s.v) AS households,
       round(100 * count(s.v)::DOUBLE / nullif(any_value(total.n), 0), 2) AS share
FROM bands b
CROSS JOIN total
LEFT JOIN scope s ON (b.lower IS NULL OR s.v >= b.lower) AND (b.upper IS NULL OR s.v < b.upper)
GROUP BY b.pos, b.band, b.band_en, b.lower, b.upper
ORDER BY b.pos
