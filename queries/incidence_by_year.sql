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
WITH pop AS (
    SELECT vy.year, t.zone_id, sum(vy.rural_population) AS population
    FROM village_year vy
    JOIN village v ON v.village_code = vy.village_code
    JOIN township t ON t.township_code = v.township_code
    GROUP BY vy.year, t.zone_id
),
poor AS (
    SELECT y.year, t.zone_id, count(*) AS people
    FROM (SELECT DISTINCT year FROM pop) y
    JOIN household h
      ON h.identified_year <= y.year AND (h.exit_year IS NULL OR h.exit_year > y.year)
    JOIN member m
      ON m.household_code = h.household_code AND (m.removed_year IS NULL OR m.removed_year > y.year)
    JOIN village v ON v.village_code = h.village_code
    JOIN township t ON t.township_code = v.township_code
    GROUP BY y.year, t.zone_id
),
by_zone AS (
    SELECT pop.year, pop.zone_id, pop.population, coalesce(poor.people, 0) AS people
    FROM pop
    LEFT JOIN poor ON poor.year = pop.year AND poor.zone_id = pop.zone_id
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
