/*
title = "风险预警新增与消除（按月）"
title_en = "Risk warnings detected and resolved by month"
description = "每月新发现的风险预警数、当月消除的预警数，以及月末仍未消除的预警数。可按年度、战区筛选。"
description_en = "Each month: risk warnings detected, warnings resolved, and warnings still open at the end of the month. Filter by year or war zone."
public = true

[params.year]
type = "year"
zh = "年度"
en = "Year"
optional = true
min = 2014
max = 2030

[params.zone]
type = "zone"
zh = "战区"
en = "War zone"
optional = true

[columns]
month = { zh = "月份", en = "Month" }
new_warnings = { zh = "新增预警", en = "Detected", unit = "个" }
resolved_warnings = { zh = "消除预警", en = "Resolved", unit = "个" }
open_at_month_end = { zh = "月末未消除", en = "Open at month end", unit = "个" }
*/
WITH scope AS (
    SELECT detected_date, resolved_date FROM risk_warning WHERE ($zone IS NULL OR zone_id = $zone)
),
months AS (
    SELECT unnest(generate_series(date_trunc('month', min(detected_date)),
                                  date_trunc('month', max(greatest(detected_date, coalesce(resolved_date, detected_date)))),
                                  INTERVAL 1 MONTH))::DATE AS m
    FROM risk_event
)
SELECT strftime(mo.m, '%Y-%m') AS month,
       (SELECT count(*) FROM scope s WHERE date_trunc('month', s.detected_date) = mo.m) AS new_warnings,
       (SELECT count(*) FROM scope s WHERE date_trunc('month', s.resolved_date) = mo.m) AS resolved_warnings,
       (SELECT count(*) FROM scope s
         WHERE s.detected_date < mo.m + INTERVAL 1 MONTH
           AND (s.resolved_date IS NULL OR s.resolved_date >= mo.m + INTERVAL 1 MONTH)) AS open_at_month_end
FROM months mo
WHERE ($year IS NULL OR year(mo.m) = $year)
ORDER BY month
