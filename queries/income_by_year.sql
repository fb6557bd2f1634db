/*
title = "建档立卡户人均纯收入（按年度）"
title_en = "Per-capita net income of registered households by year"
description = "人均纯收入 = (工资性 + 生产经营性 + 财产性 + 转移性收入 − 生产经营性支出) ÷ 计算人口，全部建档立卡户合计。"
description_en = "Per-capita net income = (wage + operating + property + transfer income − operating costs) ÷ persons, over all registered households."
public = true

[columns]
year = { zh = "年度", en = "Year" }
households = { zh = "户数", en = "Households", unit = "户" }
persons = { zh = "人数", en = "Persons", unit = "人" }
income_per_capita = { zh = "人均纯收入", en = "Per-capita net income", unit = "元" }
poverty_line = { zh = "贫困线", en = "Poverty line", unit = "元" }
monitoring_line = { zh = "监测线", en = "Monitoring line", unit = "元" }
*/
SELECT year,
       count(*) AS households,
       sum(persons) AS persons,
       round(sum(net_income)::DOUBLE / sum(persons), 0) AS income_per_capita,
       any_value(poverty_line) AS poverty_line,
       any_value(monitoring_line) AS monitoring_line
FROM income_household_year
GROUP BY year
ORDER BY year
