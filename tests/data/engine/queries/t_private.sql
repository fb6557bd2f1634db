/*
title = "贫困户名单按嘎查村（测试，非公开）"
title_en = "Poor households by village (test, not public)"
public = false

[params.zone]
type = "zone"
zh = "战区"
en = "War zone"
optional = true

[columns]
village_code = { zh = "嘎查村代码", en = "Village code" }
village = { zh = "嘎查村", en = "Village" }
households = { zh = "户数", en = "Households", unit = "户" }
*/
SELECT v.village_code, v.name AS village, count(*) AS households
FROM household h
JOIN village v ON v.village_code = h.village_code
JOIN township t ON t.township_code = v.township_code
WHERE ($zone IS NULL OR t.zone_id = $zone)
GROUP BY ALL
ORDER BY households DESC, v.village_code
LIMIT 300
