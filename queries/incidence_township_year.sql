/*
title = "贫困发生率（苏木镇场 × 年度）"
title_en = "Poverty incidence by township and year"
description = "各苏木镇场每年的贫困人口、农村户籍人口和贫困发生率（贫困人口 ÷ 农村户籍人口，均为所辖嘎查村之和）。按战区、苏木镇场代码排列。可按战区筛选。"
description_en = "Each township's poor population, rural registered population and poverty incidence (poor ÷ rural population, each the sum over its villages) by year. Ordered by war zone and township code. Filter by war zone."
public = true

[params.zone]
type = "zone"
zh = "战区"
en = "War zone"
optional = true

[columns]
township_code = { zh = "苏木镇场代码", en = "Township code" }
township = { zh = "苏木镇场", en = "Township" }
township_en = { zh = "苏木镇场（英文）", en = "Township (English)" }
zone_id = { zh = "战区编号", en = "Zone" }
year = { zh = "年度", en = "Year" }
poor_population = { zh = "贫困人口", en = "Poor population", unit = "人" }
rural_population = { zh = "农村户籍人口", en = "Rural population", unit = "人" }
incidence = { zh = "贫困发生率", en = "Poverty incidence", unit = "%" }
*/
SELECT i.township_code,
       any_value(g.township) AS township,
       any_value(g.township_en) AS township_en,
       any_value(g.zone_id) AS zone_id,
       i.year,
       sum(i.poor_people) AS poor_population,
       sum(i.rural_population) AS rural_population,
       round(100.0 * sum(i.poor_people) / nullif(sum(i.rural_population), 0), 2) AS incidence
FROM incidence_village_year i
JOIN geo g ON g.village_code = i.village_code
WHERE ($zone IS NULL OR i.zone_id = $zone)
GROUP BY i.township_code, i.year
ORDER BY zone_id, i.township_code, i.year
