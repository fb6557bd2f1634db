/*
title = "贫困发生率（按年度、战区）"
title_en = "Poverty incidence by year and war zone"
description = "贫困人口占农村户籍人口的比例。当年退出的户不再计入当年贫困人口。"
description_en = "Poor population as a share of the rural registered population. A household that exits in a year no longer counts as poor in that year."
public = true

[columns]
year = { zh = "年度", en = "Year" }
zone_id = { zh = "战区编号", en = "Zone" }
scope = { zh = "范围", en = "Scope" }
scope_en = { zh = "范围（英文）", en = "Scope (English)" }
poor_population = { zh = "贫困人口", en = "Poor population", unit = "人" }
rural_population = { zh = "农村户籍人口", en = "Rural population", unit = "人" }
incidence = { zh = "贫困发生率", en = "Poverty incidence", unit = "%" }
*/
WITH by_zone AS (
    SELECT year, zone_id, sum(poor_people) AS people, sum(rural_population) AS population
    FROM incidence_village_year
    GROUP BY year, zone_id
)
SELECT year, 0 AS zone_id, '全旗' AS scope, 'Whole banner' AS scope_en,
       sum(people) AS poor_population, sum(population) AS rural_population,
       round(100.0 * sum(people) / sum(population), 2) AS incidence
FROM by_zone
GROUP BY year
UNION ALL
SELECT b.year, b.zone_id, z.name, coalesce(z.name_en, z.name),
       b.people, b.population,
       round(100.0 * b.people / b.population, 2)
FROM by_zone b
JOIN war_zone z ON z.zone_id = b.zone_id
ORDER BY zone_id, year
