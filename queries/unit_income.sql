/*
title = "人均纯收入（按年度，所选单位）"
title_en = "Per-capita net income by year, the unit"
description = "所选战区、苏木镇场或嘎查村（不选为全旗）建档立卡户每年的人均纯收入均值（纯收入合计 ÷ 计算人口合计）和中位数，附当年贫困线和监测线。"
description_en = "For the chosen war zone, township or village (none: the banner): registered households' mean per-capita net income (total net income ÷ total persons) and the median household's, with the year's poverty and monitoring lines."
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
households = { zh = "户数", en = "Households", unit = "户" }
persons = { zh = "计算人口", en = "Persons", unit = "人" }
mean_income = { zh = "人均纯收入（均值）", en = "Per-capita net income (mean)", unit = "元" }
median_income = { zh = "人均纯收入（中位数）", en = "Per-capita net income (median)", unit = "元" }
poverty_line = { zh = "贫困线", en = "Poverty line", unit = "元" }
monitoring_line = { zh = "监测线", en = "Monitoring line", unit = "元" }
*/
SELECT year,
       count(*) AS households,
       sum(persons) AS persons,
       round(sum(net_income)::DOUBLE / nullif(sum(persons), 0), 0) AS mean_income,
       round(median(net_income_per_capita), 0) AS median_income,
       any_value(poverty_line) AS poverty_line,
       any_value(monitoring_line) AS monitoring_line
FROM income_household_year
WHERE ($zone IS NULL OR zone_id = $zone)
  AND ($township IS NULL OR township_code = $township)
  AND ($village IS NULL OR village_code = $village)
GROUP BY year
ORDER BY year
