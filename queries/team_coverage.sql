/*
title = "驻村工作队覆盖贫困嘎查村情况（按战区）"
title_en = "Resident work teams in poor villages by war zone"
description = "各战区嘎查村数、贫困嘎查村数（建档立卡贫困村）、有驻村工作队和没有驻村工作队的贫困嘎查村数、覆盖率，以及驻村工作队总数和派驻到非贫困村的工作队所在村数。第 0 行为全旗。选择年度时只计派驻年份不晚于该年的工作队。"
description_en = "For each war zone: villages, registered poor villages, poor villages with and without a resident work team, coverage, all teams, and non-poor villages with a team. Zone 0 is the whole banner. With a year, only teams sent in or before it count."
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
zone = { zh = "范围", en = "Scope" }
villages = { zh = "嘎查村数", en = "Villages", unit = "个" }
poor_villages = { zh = "贫困嘎查村数", en = "Poor villages", unit = "个" }
poor_with_team = { zh = "有驻村工作队的贫困村", en = "Poor villages with a team", unit = "个" }
poor_without_team = { zh = "无驻村工作队的贫困村", en = "Poor villages without a team", unit = "个" }
coverage = { zh = "贫困村驻村覆盖率", en = "Coverage of poor villages", unit = "%" }
teams = { zh = "驻村工作队数", en = "Work teams", unit = "个" }
other_villages_with_team = { zh = "有工作队的非贫困村", en = "Non-poor villages with a team", unit = "个" }
*/
WITH teams AS (
    SELECT village_code, count(*) AS teams
    FROM work_team
    WHERE $year IS NULL OR start_year <= $year
    GROUP BY village_code
),
villages AS (
    SELECT g.village_code, g.poor_village AS is_poor, g.zone_id, coalesce(tm.teams, 0) AS teams
    FROM geo g
    LEFT JOIN teams tm ON tm.village_code = g.village_code
),
by_zone AS (
    SELECT coalesce(zone_id, 0) AS zone_id,
           count(*) AS villages,
           count(*) FILTER (WHERE is_poor) AS poor_villages,
           count(*) FILTER (WHERE is_poor AND teams > 0) AS poor_with_team,
           count(*) FILTER (WHERE is_poor AND teams = 0) AS poor_without_team,
           sum(teams) AS teams,
           count(*) FILTER (WHERE NOT is_poor AND teams > 0) AS other_villages_with_team
    FROM villages
    GROUP BY ROLLUP (zone_id)
)
SELECT b.zone_id, coalesce(z.name, '全旗') AS zone,
       b.villages, b.poor_villages, b.poor_with_team, b.poor_without_team,
       round(100 * b.poor_with_team::DOUBLE / nullif(b.poor_villages, 0), 2) AS coverage,
       b.teams, b.other_villages_with_team
FROM by_zone b
LEFT JOIN war_zone z ON z.zone_id = b.zone_id
ORDER BY b.zone_id
