/*
title = "未消除的返贫致贫风险（按风险类型、等级）"
title_en = "Open risk warnings by cause and severity"
description = "截至统计日仍未消除的风险预警（发现日期不晚于统计日，且无消除日期或消除日期晚于统计日），按风险类型和风险等级统计预警数、涉及人口、涉及建档立卡户数（边缘易致贫户无户编号，不计入）、已超过 90 天的预警数和最长未消除天数。可按战区、监测对象类别筛选。"
description_en = "Risk warnings still open on the as-of date (detected on or before it, and not resolved or resolved after it), by cause and severity: warnings, people concerned, registered households concerned (edge households have no household code and are not counted), warnings open for more than 90 days and the longest time open. Filter by war zone or monitored group."
public = false

[params.as_of]
type = "date"
zh = "统计日"
en = "As of"
default = "2020-12-31"

[params.zone]
type = "zone"
zh = "战区"
en = "War zone"
optional = true

[params.monitored_group]
type = "enum"
zh = "监测对象类别"
en = "Monitored group"
optional = true
options = ["未脱贫户", "脱贫监测户", "边缘易致贫户", "突发严重困难户"]

[columns]
cause = { zh = "风险类型", en = "Cause" }
severity = { zh = "风险等级", en = "Severity" }
open_warnings = { zh = "未消除预警数", en = "Open warnings", unit = "个" }
persons = { zh = "涉及人口", en = "People concerned", unit = "人" }
households = { zh = "涉及建档立卡户数", en = "Registered households concerned", unit = "户" }
open_over_90_days = { zh = "超过 90 天未消除", en = "Open more than 90 days", unit = "个" }
longest_open_days = { zh = "最长未消除天数", en = "Longest open", unit = "天" }
*/
WITH as_of AS (
    SELECT CAST($as_of AS DATE) AS d
),
open_events AS (
    SELECT r.cause, r.severity, r.persons, r.household_code, a.d - r.detected_date AS days_open
    FROM risk_warning r
    CROSS JOIN as_of a
    WHERE r.detected_date <= a.d
      AND (r.resolved_date IS NULL OR r.resolved_date > a.d)
      AND ($zone IS NULL OR r.zone_id = $zone)
      AND ($monitored_group IS NULL OR r.monitored_group = $monitored_group)
),
grid AS (
    SELECT c.cause, s.severity
    FROM (SELECT DISTINCT cause FROM risk_event) c
    CROSS JOIN (SELECT DISTINCT severity FROM risk_event) s
),
counts AS (
    SELECT cause, severity,
           count(*) AS open_warnings,
           sum(persons) AS persons,
           count(DISTINCT household_code) AS households,
           count(*) FILTER (WHERE days_open > 90) AS open_over_90_days,
           max(days_open) AS longest_open_days
    FROM open_events
    GROUP BY cause, severity
)
SELECT g.cause, g.severity,
       coalesce(c.open_warnings, 0) AS open_warnings,
       coalesce(c.persons, 0) AS persons,
       coalesce(c.households, 0) AS households,
       coalesce(c.open_over_90_days, 0) AS open_over_90_days,
       c.longest_open_days
FROM grid g
LEFT JOIN counts c ON c.cause = g.cause AND c.severity = g.severity
ORDER BY list_position(['因病', '因学', '因灾', '因疫情', '因收入大幅缩减', '因刚性支出骤增', '因产业不可持续', '其他'], g.cause) NULLS LAST,
         g.cause,
         list_position(['高', '中', '低'], g.severity) NULLS LAST,
         g.severity
