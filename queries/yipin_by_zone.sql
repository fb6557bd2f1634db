/*
title = "议贫会召开次数（按战区、月份）"
title_en = "Village deliberation meetings by war zone and month"
description = "各战区每月召开的议贫会次数、提出议题数、落实事项数和落实率（落实 ÷ 提出）。可按年度、战区筛选。"
description_en = "Deliberation meetings (议贫会) held in each war zone each month, issues raised, actions done and the share acted on (done ÷ raised). Filter by year or war zone."
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
zone_id = { zh = "战区编号", en = "Zone" }
zone = { zh = "战区", en = "War zone" }
zone_en = { zh = "战区（英文）", en = "War zone (English)" }
meetings = { zh = "召开次数", en = "Meetings", unit = "次" }
issues_raised = { zh = "提出议题数", en = "Issues raised", unit = "个" }
actions_done = { zh = "落实事项数", en = "Actions done", unit = "个" }
acted_share = { zh = "落实率", en = "Share acted on", unit = "%" }
*/
WITH scope AS (
    SELECT strftime(m.meeting_date, '%Y-%m') AS month, g.zone_id, m.issues_raised, m.actions_done
    FROM yipin_meeting m
    JOIN geo g ON g.village_code = m.village_code
    WHERE ($year IS NULL OR year(m.meeting_date) = $year)
      AND ($zone IS NULL OR g.zone_id = $zone)
),
grid AS (
    SELECT DISTINCT s.month, z.zone_id, z.name AS zone, coalesce(z.name_en, z.name) AS zone_en
    FROM scope s CROSS JOIN war_zone z
    WHERE ($zone IS NULL OR z.zone_id = $zone)
)
SELECT g.month, g.zone_id, g.zone, g.zone_en,
       count(s.zone_id) AS meetings,
       coalesce(sum(s.issues_raised), 0) AS issues_raised,
       coalesce(sum(s.actions_done), 0) AS actions_done,
       round(100 * sum(s.actions_done)::DOUBLE / nullif(sum(s.issues_raised), 0), 2) AS acted_share
FROM grid g
LEFT JOIN scope s ON s.month = g.month AND s.zone_id = g.zone_id
GROUP BY g.month, g.zone_id, g.zone, g.zone_en
ORDER BY g.zone_id, g.month
