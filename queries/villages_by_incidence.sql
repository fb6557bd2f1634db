/*
title = "嘎查村贫困发生率排名"
title_en = "Villages ranked by poverty incidence"
description = "所选年度各嘎查村贫困人口占当年农村户籍人口的比例，从高到低取前 N 名（相同时按嘎查村代码）。贫困户：识别年份不晚于该年、且未在该年或之前退出的户；贫困人口为这些户中该年仍在户的成员。可按战区、苏木镇场筛选。"
description_en = "Poor population as a share of the village's rural registered population in the chosen year, highest first, top N (ties by village code). A household is poor in a year when identified in or before it and not exited in or before it; its members count until the year they left. Filter by war zone or township."
public = true

[params.year]
type = "year"
zh = "年度"
en = "Year"
default = 2014
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
default = 20
min = 1
max = 500

[columns]
rank = { zh = "排名", en = "Rank" }
village_code = { zh = "嘎查村代码", en = "Village code" }
village = { zh = "嘎查村", en = "Village" }
township = { zh = "苏木镇场", en = "Township" }
zone_id = { zh = "战区编号", en = "Zone" }
zone = { zh = "战区", en = "War zone" }
poor_village = { zh = "是否贫困村", en = "Registered poor village" }
village_exit_year = { zh = "贫困村出列年份", en = "Village exit year" }
poor_households = { zh = "贫困户数", en = "Poor households", unit = "户" }
poor_population = { zh = "贫困人口", en = "Poor population", unit = "人" }
rural_population = { zh = "农村户籍人口", en = "Rural population", unit = "人" }
incidence = { zh = "贫困发生率", en = "Poverty incidence", unit = "%" }
*/
WITH villages AS (
    SELECT g.village_code, g.village, g.township, g.zone_id, g.zone,
           CASE WHEN g.poor_village THEN '是' ELSE '否' END AS poor_village,
           g.village_exit_year,
           i.poor_households, i.poor_people AS poor_population, i.rural_population, i.incidence
    FROM incidence_village_year i
    JOIN geo g ON g.village_code = i.village_code
    WHERE i.year = $year
      AND ($zone IS NULL OR g.zone_id = $zone)
      AND ($township IS NULL OR g.township_code = $township)
),
ranked AS (
    SELECT row_number() OVER (ORDER BY incidence DESC NULLS LAST, village_code) AS rank, *
    FROM villages
)
SELECT rank, village_code, village, township, zone_id, zone, poor_village, village_exit_year,
       poor_households, poor_population, rural_population, round(incidence, 2) AS incidence
FROM ranked
WHERE rank <= $top
ORDER BY rank
