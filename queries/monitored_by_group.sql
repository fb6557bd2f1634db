/*
title = "防返贫监测对象（按类别、战区）"
title_en = "Monitored households by group and war zone"
description = "各战区纳入监测的对象数（有风险预警的户；边缘易致贫户不在建档立卡系统中、没有户编号，按预警逐条计）、涉及人口，按监测对象类别（未脱贫户、脱贫监测户、边缘易致贫户、突发严重困难户）。可按发现年度筛选。"
description_en = "Households under monitoring in each war zone (households with a risk warning; edge households are not in the registration system and have no household code, so each of their warnings counts once) and the people concerned, by monitored group (not yet exited, unstable exited, edge, sudden hardship). Filter by the year warnings were detected."
public = true

[params.year]
type = "year"
zh = "发现年度"
en = "Year detected"
optional = true
min = 2014
max = 2030

[columns]
zone_id = { zh = "战区编号", en = "Zone" }
zone = { zh = "战区", en = "War zone" }
zone_en = { zh = "战区（英文）", en = "War zone (English)" }
monitored_group = { zh = "监测对象类别", en = "Monitored group" }
group_en = { zh = "监测对象类别（英文）", en = "Monitored group (English)" }
households = { zh = "监测户数", en = "Households monitored", unit = "户" }
persons = { zh = "涉及人口", en = "People concerned", unit = "人" }
warnings = { zh = "预警数", en = "Warnings", unit = "个" }
*/
WITH groups AS (
    SELECT * FROM (VALUES
        (1, '未脱贫户', 'Not yet exited'),
        (2, '脱贫监测户', 'Unstable exited'),
        (3, '边缘易致贫户', 'Edge households'),
        (4, '突发严重困难户', 'Sudden hardship')
    ) AS g(pos, monitored_group, group_en)
    WHERE g.pos < 4 OR EXISTS (SELECT 1 FROM risk_event WHERE monitored_group = '突发严重困难户')
),
scope AS (
    SELECT zone_id, monitored_group, coalesce(household_code, event_code) AS unit_code, persons
    FROM risk_warning
    WHERE ($year IS NULL OR year(detected_date) = $year)
),
per_unit AS (
    SELECT zone_id, monitored_group, unit_code, max(persons) AS persons, count(*) AS warnings
    FROM scope GROUP BY ALL
),
zones AS (SELECT zone_id, name AS zone, coalesce(name_en, name) AS zone_en FROM war_zone)
SELECT z.zone_id, z.zone, z.zone_en, g.monitored_group, g.group_en,
       count(u.unit_code) AS households,
       coalesce(sum(u.persons), 0) AS persons,
       coalesce(sum(u.warnings), 0) AS warnings
FROM zones z
CROSS JOIN groups g
LEFT JOIN per_unit u ON u.zone_id = z.zone_id AND u.monitored_group = g.monitored_group
GROUP BY z.zone_id, z.zone, z.zone_en, g.pos, g.monitored_group, g.group_en
ORDER BY z.zone_id, g.pos
