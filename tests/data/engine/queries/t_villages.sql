/*
title = "嘎查村贫困户数排名（测试）"
title_en = "Villages by poor households (test)"
public = true

[params.year]
type = "year"
zh = "年度"
en = "Year"
default = 2014
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

[params.top]
type = "integer"
zh = "前 N 名"
en = "Top N"
default = 10
min = 1
max = 100

[columns]
village_code = { zh = "嘎查村代码", en = "Village code" }
village = { zh = "嘎查村", en = "Village" }
poor_households = { zh = "贫困户数", en = "Poor households", unit = "户" }
*/
SELECT v.village_code, v.name AS village, count(h.household_code) AS poor_households
FROM village v
JOIN township t ON t.township_code = v.township_code
JOIN household h ON h.village_code = v.village_code
 AND h.identified_year <= $year AND (h.exit_year IS NULL OR h.exit_year > $year)
WHERE ($zone IS NULL OR t.zone_id = $zone) AND ($township IS NULL OR t.township_code = $township)
GROUP BY ALL
ORDER BY poor_households DESC, v.village_code
LIMIT $top
