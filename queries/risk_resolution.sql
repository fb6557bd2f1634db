/*
title = "返贫致贫风险消除用时（按风险类型）"
title_en = "Time to resolve risk warnings by cause"
description = "按风险类型统计预警数、已消除数、尚未消除数，以及已消除预警从发现到消除的天数：中位数、平均数、最长。最后一行“全部”为所有类型合计。可按发现年度、战区筛选。"
description_en = "By cause: warnings, resolved, not yet resolved, and for resolved warnings the days from detection to resolution: median, mean and longest. The last row (全部) covers all causes. Filter by year of detection or war zone."
public = false

[params.year]
type = "year"
zh = "发现年度"
en = "Year detected"
optional = true
min = 2014
max = 2030

[params.zone]
type = "zone"
zh = "战区"
en = "War zone"
optional = true

[columns]
cause = { zh = "风险类型", en = "Cause" }
warnings = { zh = "预警数", en = "Warnings", unit = "个" }
resolved = { zh = "已消除", en = "Resolved", unit = "个" }
unresolved = { zh = "尚未消除", en = "Not yet resolved", unit = "个" }
median_days = { zh = "消除用时中位数", en = "Median time to resolve", unit = "天" }
average_days = { zh = "平均消除用时", en = "Mean time to resolve", unit = "天" }
longest_days = { zh = "最长消除用时", en = "Longest time to resolve", unit = "天" }
*/
WITH events AS (
    SELECT cause, resolved_date IS NOT NULL AS is_resolved, days_to_resolve AS days
    FROM risk_warning
    WHERE ($year IS NULL OR year(detected_date) = $year)
      AND ($zone IS NULL OR zone_id = $zone)
),
summary AS (
    SELECT cause, GROUPING(cause) AS all_causes,
           count(*) AS warnings,
           count(*) FILTER (WHERE is_resolved) AS resolved,
           count(*) FILTER (WHERE NOT is_resolved) AS unresolved,
           median(days) AS median_days,
           avg(days) AS average_days,
           max(days) AS longest_days
    FROM events
    GROUP BY GROUPING SETS ((cause), ())
)
SELECT coalesce(cause, '全部') AS cause, warnings, resolved, unresolved,
       round(median_days, 1) AS median_days,
       round(average_days, 1) AS average_days,
       longest_days
FROM summary
ORDER BY all_causes,
         list_position(['因病', '因学', '因灾', '因疫情', '因收入大幅缩减', '因刚性支出骤增', '因产业不可持续', '其他'], cause) NULLS LAST,
         cause
