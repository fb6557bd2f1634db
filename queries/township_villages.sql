/*
title = "所辖嘎查村贫困发生率排名"
title_en = "Villages of a township ranked by poverty incidence"
description = "所选年度、所选苏木镇场（或战区）各嘎查村的贫困户数、贫困人口、农村户籍人口和贫困发生率，从高到低（相同时按代码），取前 N 名。"
description_en = "Each village's poor households, poor population, rural registered population and poverty incidence in the chosen year, in the chosen township (or war zone), highest first (ties by code), top N."
public = true

[params.year]
type = "year"
zh = "年度"
en = "Year"
default = 2016
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

[params.top]
type = "integer"
zh = "显示前 N 名"
en = "Top N"
default = 30
min = 1
max = 500

[columns]
village_code = { zh = "嘎查村代码", en = "Village code" }
village = { zh = "嘎查村", en = "Village" }
poor_village = { zh = "是否贫困村", en = "Registered poor village" }
poor_households = { zh = "贫困户数", en = "Poor households", unit = "户" }
poor_population = { zh = "贫困人口", en = "Poor population", unit = "人" }
rural_population = { zh = "农村户籍人口", en = "Rural population", unit = "人" }
incidence = { zh = "贫困发生率", en = "Poverty incidence", unit = "%" }
*/
WITH ranked AS (
    SELECT row_number() OVER (ORDER BY i.incidence DESC NULLS LAST, i.village_code) AS pos,
           i.village_code, g.village,
           CASE WHEN g.poor_village THEN '是' ELSE '否' END AS poor_village,
           i.poor_households, i.poor_people AS poor_population, i.rural_population,
           round(i.incidence, 2) AS incidence
    FROM incidence_village_year i
    JOIN geo g ON g.village_code = i.village_code
    WHERE i.year = $year
      AND ($zone IS NULL OR i.zone_id = $zone)
      AND ($township IS NULL OR i.township_code = $township)
)
SELECT village_code, village, poor_village, poor_households, poor_population, rural_population, incidence
FROM ranked
WHERE pos <= $top
ORDER BY pos
