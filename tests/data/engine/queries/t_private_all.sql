/*
title = "各战区户数（测试，非公开，不可按战区限定）"
title_en = "Households by zone (test, not public, cannot be scoped)"
public = false

[columns]
zone = { zh = "战区", en = "War zone" }
households = { zh = "户数", en = "Households", unit = "户" }
*/
SELECT z.name AS zone, count(*) AS households
FROM household h
JOIN village v ON v.village_code = h.village_code
JOIN township t ON t.township_code = v.township_code
JOIN war_zone z ON z.zone_id = t.zone_id
GROUP BY ALL
ORDER BY z.name
