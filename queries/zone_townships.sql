/*
title = "所辖苏木镇场贫困发生率排名"
title_en = "Townships ranked by poverty incidence"
description = "所选年度各苏木镇场（选战区时为该战区所辖）的贫困户数、贫困人口、农村户籍人口和贫困发生率，从高到低（相同时按代码）。"
description_en = "Each township's poor households, poor population, rural registered population and poverty incidence in the chosen year (with a war zone, its townships only), highest first (ties by code)."
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

[columns]
township_code = { zh = "苏木镇场代码", en = "Township code" }
township = { zh = "苏木镇场", en = "Township" }
township_en = { zh = "苏木镇场（英文）", en = "Township (English)" }
villages = { zh = "嘎查村数", en = "Villages", unit = "个" }
poor_households = { zh = "贫困户数", en = "Poor households", unit = "户" }
poor_population = { zh = "贫困人口", en = "Poor population", unit = "人" }
rural_population = { zh = "农村户籍人口", en = "Rural population", unit = "人" }
incidence = { zh = "贫困发生率", en = "Poverty incidence", unit = "%" }
*/
WITH t AS (
    SELECT i.township_code,
           count(*) AS villages,
           sum(i.poor_households) AS poor_households,
           sum(i.poor_people) AS poor_population,
           sum(i.rural_population) AS rural_population
    FROM incidence_village_year i
    WHERE i.year = $year
      AND ($zone IS NULL OR i.zone_id = $zone)
    GROUP BY i.township_code
)
SELECT t.township_code, n.name AS township, coalesce(n.name_en, n.name) AS township_en,
       t.villages, t.poor_households, t.poor_population, t.rural_population,
       round(100.0 * t.poor_population / nullif(t.rural_population, 0), 2) AS incidence
FROM t
JOIN township n ON n.township_code = t.township_code
ORDER BY incidence DESC NULLS LAST, t.township_code
