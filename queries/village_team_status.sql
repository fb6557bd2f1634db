/*
title = "嘎查村驻村工作队情况（按战区）"
title_en = "Villages with and without a resident work team, by war zone"
description = "各战区嘎查村按是否贫困村、是否有驻村工作队分为四类的个数。选择年度时只计派驻年份不晚于该年的工作队。"
description_en = "Each war zone's villages in four groups: poor or not, with or without a resident work team. With a year, only teams sent in or before it count."
public = true

[params.year]
type = "year"
zh = "年度"
en = "Year"
optional = true
min = 2014
max = 2030

[columns]
zone_id = { zh = "战区编号", en = "Zone" }
zone = { zh = "战区", en = "War zone" }
zone_en = { zh = "战区（英文）", en = "War zone (English)" }
status = { zh = "类别", en = "Group" }
status_en = { zh = "类别（英文）", en = "Group (English)" }
villages = { zh = "嘎查村数", en = "Villages", unit = "个" }
*/
WITH teams AS (
    SELECT DISTINCT village_code FROM work_team WHERE $year IS NULL OR start_year <= $year
),
statuses AS (
    SELECT * FROM (VALUES
        (1, true, true, '贫困村·有工作队', 'Poor, with a team'),
        (2, true, false, '贫困村·无工作队', 'Poor, no team'),
        (3, false, true, '非贫困村·有工作队', 'Not poor, with a team'),
        (4, false, false, '非贫困村·无工作队', 'Not poor, no team')
    ) AS s(pos, poor, with_team, status, status_en)
),
villages AS (
    SELECT g.zone_id, g.poor_village, tm.village_code IS NOT NULL AS with_team
    FROM geo g
    LEFT JOIN teams tm ON tm.village_code = g.village_code
)
SELECT z.zone_id, z.name AS zone, coalesce(z.name_en, z.name) AS zone_en, s.status, s.status_en,
       count(v.zone_id) AS villages
FROM war_zone z
CROSS JOIN statuses s
LEFT JOIN villages v ON v.zone_id = z.zone_id AND v.poor_village = s.poor AND v.with_team = s.with_team
GROUP BY z.zone_id, z.name, z.name_en, s.pos, s.status, s.status_en
ORDER BY z.zone_id, s.pos
