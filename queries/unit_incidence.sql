/*
title = "贫困发生率（按年度，所选单位与全旗）"
title_en = "Poverty incidence by year, the unit and the banner"
description = "所选战区、苏木镇场或嘎查村（不选为全旗）每年的贫困户数、贫困人口、农村户籍人口和贫困发生率，附全旗贫困发生率以便比较。"
description_en = "For the chosen war zone, township or village (none: the banner): poor households, poor population, rural registered population and poverty incidence each year, with the banner's incidence for comparison."
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

[params.village]
type = "village"
zh = "嘎查村"
en = "Village"
optional = true

[columns]
year = { zh = "年度", en = "Year" }
poor_households = { zh = "贫困户数", en = "Poor households", unit = "户" }
poor_population = { zh = "贫困人口", en = "Poor population", unit = "人" }
rural_population = { zh = "农村户籍人口", en = "Rural population", unit = "人" }
incidence = { zh = "贫困发生率", en = "Poverty incidence", unit = "%" }
banner_incidence = { zh = "全旗贫困发生率", en = "Banner's poverty incidence", unit = "%" }
*/
WITH rows AS (
    SELECT year, poor_households, poor_people, rural_population,
           ($zone IS NULL OR zone_id = $zone)
      AND ($township IS NULL OR township_code = $township)
      AND ($village IS NULL OR village_code = $village) AS picked
    FROM incidence_village_year
)
SELECT year,
       sum(poor_households) FILTER (WHERE picked) AS poor_households,
       sum(poor_people) FILTER (WHERE picked) AS poor_population,
       sum(rural_population) FILTER (WHERE picked) AS rural_population,
       round(100.0 * sum(poor_people) FILTER (WHERE picked) / nullif(sum(rural_population) FILTER (WHERE picked), 0), 2) AS incidence,
       round(100.0 * sum(poor_people) / sum(rural_population), 2) AS banner_incidence
FROM rows
GROUP BY year
ORDER BY year
