/*
title = "建档立卡户人均收入构成（按年度）"
title_en = "Per-capita income composition of registered households by year"
description = "每年建档立卡户的人均工资性、生产经营性、财产性、转移性收入和人均生产经营性支出（各项合计 ÷ 计算人口，取整到元），人均纯收入 = 四项收入 − 生产经营性支出；转移性收入占四项收入合计的比例；人均纯收入低于当年贫困线的户数；当年贫困线和监测线。可按战区筛选。"
description_en = "Each year, registered households' per-capita wage, operating, property and transfer income and per-capita operating costs (each total ÷ persons, to the yuan); per-capita net income = the four incomes − operating costs; transfer income as a share of the four incomes; households whose per-capita net income is below that year's poverty line; the year's poverty and monitoring lines. Filter by war zone."
public = true

[params.zone]
type = "zone"
zh = "战区"
en = "War zone"
optional = true

[columns]
year = { zh = "年度", en = "Year" }
households = { zh = "户数", en = "Households", unit = "户" }
persons = { zh = "计算人口", en = "Persons", unit = "人" }
wage_per_capita = { zh = "人均工资性收入", en = "Wage income per capita", unit = "元" }
operating_per_capita = { zh = "人均生产经营性收入", en = "Operating income per capita", unit = "元" }
property_per_capita = { zh = "人均财产性收入", en = "Property income per capita", unit = "元" }
transfer_per_capita = { zh = "人均转移性收入", en = "Transfer income per capita", unit = "元" }
cost_per_capita = { zh = "人均生产经营性支出", en = "Operating costs per capita", unit = "元" }
net_income_per_capita = { zh = "人均纯收入", en = "Net income per capita", unit = "元" }
transfer_share = { zh = "转移性收入占比", en = "Transfer share of income", unit = "%" }
below_line_households = { zh = "人均纯收入低于贫困线户数", en = "Households below the poverty line", unit = "户" }
poverty_line = { zh = "贫困线", en = "Poverty line", unit = "元" }
monitoring_line = { zh = "监测线", en = "Monitoring line", unit = "元" }
*/
SELECT year,
       count(*) AS households,
       sum(persons) AS persons,
       round(sum(wage_income)::DOUBLE / sum(persons), 0) AS wage_per_capita,
       round(sum(operating_income)::DOUBLE / sum(persons), 0) AS operating_per_capita,
       round(sum(property_income)::DOUBLE / sum(persons), 0) AS property_per_capita,
       round(sum(transfer_income)::DOUBLE / sum(persons), 0) AS transfer_per_capita,
       round(sum(operating_cost)::DOUBLE / sum(persons), 0) AS cost_per_capita,
       round(sum(net_income)::DOUBLE / sum(persons), 0) AS net_income_per_capita,
       round(100 * sum(transfer_income)::DOUBLE / nullif(sum(gross_income), 0), 2) AS transfer_share,
       count(*) FILTER (WHERE net_income < poverty_line * persons) AS below_line_households,
       any_value(poverty_line) AS poverty_line,
       any_value(monitoring_line) AS monitoring_line
FROM income_household_year
WHERE ($zone IS NULL OR zone_id = $zone)
GROUP BY year
ORDER BY year
