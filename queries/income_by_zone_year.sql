/*
title = "人均纯收入均值与中位数（全旗、各战区）"
title_en = "Mean and median per-capita net income, banner and war zones"
description = "每年建档立卡户的人均纯收入：均值 = 纯收入合计 ÷ 计算人口合计；中位数为各户人均纯收入的中位数。全旗（编号 0）和各战区分行列出，附当年贫困线。可按年度、战区筛选（全旗一行保留，便于比较）。"
description_en = "Registered households' per-capita net income each year: the mean is total net income ÷ total persons, the median the median of the households' per-capita incomes. The banner (zone 0) and each war zone, with the year's poverty line. Filter by year or war zone (the banner row stays for comparison)."
public = true

[params.year]
type = "year"
zh = "年度"
en = "Year"
optional = true
min = 2014
max = 2020

[params.zone]
type = "zone"
zh = "战区"
en = "War zone"
optional = true

[columns]
year = { zh = "年度", en = "Year" }
zone_id = { zh = "战区编号", en = "Zone" }
scope = { zh = "范围", en = "Scope" }
scope_en = { zh = "范围（英文）", en = "Scope (English)" }
households = { zh = "户数", en = "Households", unit = "户" }
persons = { zh = "计算人口", en = "Persons", unit = "人" }
mean_income = { zh = "人均纯收入（均值）", en = "Per-capita net income (mean)", unit = "元" }
median_income = { zh = "人均纯收入（中位数）", en = "Per-capita net income (median)", unit = "元" }
poverty_line = { zh = "贫困线", en = "Poverty line", unit = "元" }
*/
WITH by_scope AS (
    SELECT year, coalesce(zone_id, 0) AS zone_id,
           count(*) AS households,
           sum(persons) AS persons,
           sum(net_income)::DOUBLE / sum(persons) AS mean_income,
           median(net_income_per_capita) AS median_income,
           any_value(poverty_line) AS poverty_line
    FROM income_household_year
    GROUP BY GROUPING SETS ((year, zone_id), (year))
)
SELECT b.year, b.zone_id,
       coalesce(z.name, '全旗') AS scope,
       coalesce(z.name_en, z.name, 'Whole banner') AS scope_en,
       b.households, b.persons,
       round(b.mean_income, 0) AS mean_income,
       round(b.median_income, 0) AS median_income,
       b.poverty_line
FROM by_scope b
LEFT JOIN war_zone z ON z.zone_id = b.zone_id
WHERE ($zone IS NULL OR b.zone_id IN (0, $zone))
  AND ($year IS NULL OR b.year = $year)
ORDER BY b.zone_id, b.year
