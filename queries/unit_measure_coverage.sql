/*
title = "帮扶措施覆盖率（所选单位、年度）"
title_en = "Aid measure coverage, the unit in a year"
description = "所选年度、所选战区、苏木镇场或嘎查村（不选为全旗）的当年贫困户中，当年享受过各类别至少一项帮扶措施的户数和比例。类别按措施目录顺序排列。"
description_en = "Of the households poor in the chosen year in the chosen war zone, township or village (none: the banner), how many received at least one measure of each category that year, and their share. Categories follow the measure catalogue's order."
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

[params.village]
type = "village"
zh = "嘎查村"
en = "Village"
optional = true

[columns]
category = { zh = "措施类别", en = "Measure category" }
eligible_households = { zh = "当年贫困户数", en = "Households poor that year", unit = "户" }
covered_households = { zh = "享受措施户数", en = "Households reached", unit = "户" }
coverage = { zh = "覆盖率", en = "Coverage", unit = "%" }
*/
WITH categories AS (
    SELECT category, min(measure_code) AS first_measure FROM aid_measure GROUP BY category
),
picked AS (
    SELECT category, sum(eligible_households) AS eligible, sum(covered_households) AS covered
    FROM coverage_village_year
    WHERE year = $year
      AND ($zone IS NULL OR zone_id = $zone)
  AND ($township IS NULL OR township_code = $township)
  AND ($village IS NULL OR village_code = $village)
    GROUP BY category
)
SELECT c.category,
       coalesce(p.eligible, 0) AS eligible_households,
       coalesce(p.covered, 0) AS covered_households,
       round(100 * p.covered::DOUBLE / nullif(p.eligible, 0), 2) AS coverage
FROM categories c
LEFT JOIN picked p ON p.category = c.category
ORDER BY c.first_measure
