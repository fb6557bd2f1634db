/*
title = "风险预警（按年度，所选单位）"
title_en = "Risk warnings by year, the unit"
description = "所选战区、苏木镇场或嘎查村（不选为全旗）每年新发现的风险预警数、当年消除数和年末仍未消除数。"
description_en = "For the chosen war zone, township or village (none: the banner): risk warnings detected each year, resolved that year, and still open at the end of the year."
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
new_warnings = { zh = "新增预警", en = "Detected", unit = "个" }
resolved_warnings = { zh = "消除预警", en = "Resolved", unit = "个" }
open_at_year_end = { zh = "年末未消除", en = "Open at year end", unit = "个" }
*/
WITH scope AS (
    SELECT detected_date, resolved_date FROM risk_warning
    WHERE ($zone IS NULL OR zone_id = $zone)
  AND ($township IS NULL OR township_code = $township)
  AND ($village IS NULL OR village_code = $village)
),
years AS (
    SELECT unnest(generate_series(min(year(detected_date)), max(year(coalesce(resolved_date, detected_date))))) AS year
    FROM risk_event
)
SELECT y.year,
       (SELECT count(*) FROM scope s WHERE year(s.detected_date) = y.year) AS new_warnings,
       (SELECT count(*) FROM scope s WHERE year(s.resolved_date) = y.year) AS resolved_warnings,
       (SELECT count(*) FROM scope s
         WHERE year(s.detected_date) <= y.year AND (s.resolved_date IS NULL OR year(s.resolved_date) > y.year)) AS open_at_year_end
FROM years y
ORDER BY y.year
