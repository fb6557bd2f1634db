/*
title = "单位贫困户数（测试）"
title_en = "Poor households of a unit (test)"
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
poor_households = { zh = "贫困户数", en = "Poor households", unit = "户" }
*/
SELECT y.year, count(h.household_code) AS poor_households
FROM range(2014, 2021) y(year)
LEFT JOIN (
    SELECT h.* FROM household h
    JOIN village v ON v.village_code = h.village_code
    JOIN township t ON t.township_code = v.township_code
    WHERE ($zone IS NULL OR t.zone_id = $zone)
      AND ($township IS NULL OR t.township_code = $township)
      AND ($village IS NULL OR v.village_code = $village)
) h ON h.identified_year <= y.year AND (h.exit_year IS NULL OR h.exit_year > y.year)
GROUP BY y.year
ORDER BY y.year
