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
SELECT i.year,
       count(*) AS households,
       sum(i.persons) AS persons,
       round(sum(i.wage_income + i.operating_income + i.property_income + i.transfer_income - i.operating_cost)::DOUBLE
             / sum(i.persons), 0) AS income_per_capita,
       any_value(pl.poverty_line)::DOUBLE AS poverty_line,
       any_value(pl.monitoring_line)::DOUBLE AS monitoring_line
FROM income_year i
LEFT JOIN poverty_line pl ON pl.year = i.year
GROUP BY i.year
ORDER BY i.year
