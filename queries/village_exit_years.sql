/*
title = "贫困嘎查村出列年份"
title_en = "Exit years of poor villages"
description = "建档立卡贫困嘎查村按出列年份统计的个数和累计出列个数；尚未出列的计入“未出列”。可按战区、苏木镇场筛选。"
description_en = "Registered poor villages by the year they exited, with the running total; those not yet exited appear as 未出列 (not exited). Filter by war zone or township."
public = true

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
exit_year = { zh = "出列年份", en = "Exit year" }
exit_year_en = { zh = "出列年份（英文）", en = "Exit year (English)" }
villages = { zh = "出列嘎查村数", en = "Villages exited", unit = "个" }
cumulative_villages = { zh = "累计出列数", en = "Villages exited to date", unit = "个" }
*/
WITH poor AS (
    SELECT village_exit_year
    FROM geo
    WHERE poor_village
      AND ($zone IS NULL OR zone_id = $zone)
      AND ($township IS NULL OR township_code = $township)
),
years AS (
    SELECT year FROM stat_year
    UNION
    SELECT village_exit_year FROM poor WHERE village_exit_year IS NOT NULL
),
counts AS (
    SELECT y.year, count(p.village_exit_year) AS villages
    FROM years y
    LEFT JOIN poor p ON p.village_exit_year = y.year
    GROUP BY y.year
)
SELECT year::VARCHAR AS exit_year, year::VARCHAR AS exit_year_en, villages,
       sum(villages) OVER (ORDER BY year) AS cumulative_villages
FROM counts
UNION ALL
SELECT '未出列', 'Not exited', count(*), NULL
FROM poor
WHERE village_exit_year IS NULL
HAVING count(*) > 0
ORDER BY exit_year
