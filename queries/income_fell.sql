/*
title = "人均纯收入同比下降的户"
title_en = "Households whose per-capita net income fell"
description = "每年与上一年都有收入记录的建档立卡户中，人均纯收入低于上一年的户数和比例。可按战区、苏木镇场筛选。"
description_en = "Of the registered households with income on record in both a year and the year before, how many had a lower per-capita net income than the year before, and their share. Filter by war zone or township."
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
year = { zh = "年度", en = "Year" }
households_compared = { zh = "可比户数", en = "Households compared", unit = "户" }
households_fell = { zh = "收入下降户数", en = "Households whose income fell", unit = "户" }
share_fell = { zh = "收入下降户占比", en = "Share whose income fell", unit = "%" }
*/
WITH scope AS (
    SELECT household_code, year, net_income_per_capita
    FROM income_household_year
    WHERE ($zone IS NULL OR zone_id = $zone)
      AND ($township IS NULL OR township_code = $township)
)
SELECT cur.year,
       count(*) AS households_compared,
       count(*) FILTER (WHERE cur.net_income_per_capita < prev.net_income_per_capita) AS households_fell,
       round(100 * count(*) FILTER (WHERE cur.net_income_per_capita < prev.net_income_per_capita)::DOUBLE / count(*), 2) AS share_fell
FROM scope cur
JOIN scope prev ON prev.household_code = cur.household_code AND prev.year = cur.year - 1
GROUP BY cur.year
ORDER BY cur.year
