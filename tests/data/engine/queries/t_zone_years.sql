/*
title = "各战区贫困户数（测试）"
title_en = "Poor households by war zone (test)"
public = true

[columns]
year = { zh = "年度", en = "Year" }
zone_id = { zh = "战区编号", en = "Zone" }
zone = { zh = "战区", en = "War zone" }
zone_en = { zh = "战区（英文）", en = "War zone (English)" }
poor_households = { zh = "贫困户数", en = "Poor households", unit = "户" }
*/
SELECT y.year, z.zone_id, z.name AS zone, 'Zone ' || z.zone_id AS zone_en, count(h.household_code) AS poor_households
FROM range(2014, 2021) y(year)
CROSS JOIN war_zone z
LEFT JOIN township t ON t.zone_id = z.zone_id
LEFT JOIN village v ON v.township_code = t.township_code
LEFT JOIN household h ON h.village_code = v.village_code
 AND h.identified_year <= y.year AND (h.exit_year IS NULL OR h.exit_year > y.year)
GROUP BY ALL
ORDER BY y.year, z.zone_id
