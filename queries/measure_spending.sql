/*
title = "帮扶措施资金（按措施类别）"
title_en = "Aid measure spending by category"
description = "各措施类别的帮扶资金合计、享受户数（去重）、措施人次（户 × 措施 × 年度）和户均资金。不选年度时为全部年度合计。可按战区、苏木镇场筛选。"
description_en = "For each measure category: the amount spent, households reached (each once), measures delivered (household × measure × year) and the amount per household reached. Without a year, all years together. Filter by war zone or township."
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

[params.township]
type = "township"
zh = "苏木镇场"
en = "Township"
optional = true

[columns]
category = { zh = "措施类别", en = "Category" }
households = { zh = "享受户数", en = "Households reached", unit = "户" }
deliveries = { zh = "措施人次", en = "Measures delivered", unit = "次" }
amount = { zh = "资金合计", en = "Amount", unit = "元" }
per_household = { zh = "户均资金", en = "Per household reached", unit = "元" }
*/
WITH scope AS (
    SELECT a.category, hm.household_code, hm.amount
    FROM household_measure hm
    JOIN aid_measure a ON a.measure_code = hm.measure_code
    JOIN household h ON h.household_code = hm.household_code
    JOIN geo g ON g.village_code = h.village_code
    WHERE ($year IS NULL OR hm.year = $year)
      AND ($zone IS NULL OR g.zone_id = $zone)
      AND ($township IS NULL OR g.township_code = $township)
),
categories AS (
    SELECT category, min(measure_code) AS first_measure FROM aid_measure GROUP BY category
)
SELECT c.category,
       count(DISTINCT s.household_code) AS households,
       count(s.household_code) AS deliveries,
       coalesce(sum(s.amount), 0)::DOUBLE AS amount,
       round(sum(s.amount)::DOUBLE / nullif(count(DISTINCT s.household_code), 0), 0) AS per_household
FROM categories c
LEFT JOIN scope s ON s.category = c.category
GROUP BY c.category, c.first_measure
ORDER BY amount DESC, c.first_measure
