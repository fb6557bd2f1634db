/*
title = "“3+3+3”与“6保6助2托”覆盖率（按年度）"
title_en = "Coverage by the 3+3+3 and 6-6-2 models by year"
description = "每年当年贫困户中：有劳动能力户享受“3+3+3”产业模式（9 项）中至少一项的比例；无劳动能力户享受“6保6助2托”（14 项）中至少一项的比例。可按战区、苏木镇场筛选。"
description_en = "Each year, of the households poor that year: the share of those able to work that received at least one of the nine 3+3+3 industry models, and the share of those unable to work that received at least one of the fourteen 6保6助2托 relief policies. Filter by war zone or township."
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

[columns]
year = { zh = "年度", en = "Year" }
grp = { zh = "对象", en = "Group" }
grp_en = { zh = "对象（英文）", en = "Group (English)" }
model = { zh = "帮扶模式", en = "Model" }
eligible_households = { zh = "当年贫困户数", en = "Households poor that year", unit = "户" }
covered_households = { zh = "享受该模式户数", en = "Households reached", unit = "户" }
coverage = { zh = "覆盖率", en = "Coverage", unit = "%" }
*/
WITH poor AS MATERIALIZED (
    SELECT year, household_code, able_to_work
    FROM poor_household_year
    WHERE ($zone IS NULL OR zone_id = $zone)
      AND ($township IS NULL OR township_code = $township)
),
groups AS (
    SELECT * FROM (VALUES
        (1, true, '有劳动能力户·3+3+3', 'Able to work · 3+3+3', '3+3+3'),
        (2, false, '无劳动能力户·6保6助2托', 'Unable to work · 6-6-2', '6保6助2托')
    ) AS g(pos, able, grp, grp_en, model)
),
reached AS (
    SELECT DISTINCT p.year, p.household_code, a.model
    FROM poor p
    JOIN household_measure hm ON hm.household_code = p.household_code AND hm.year = p.year
    JOIN aid_measure a ON a.measure_code = hm.measure_code
    WHERE a.model IS NOT NULL
)
SELECT p.year, g.grp, g.grp_en, g.model,
       count(*) AS eligible_households,
       count(r.household_code) AS covered_households,
       round(100 * count(r.household_code)::DOUBLE / count(*), 2) AS coverage
FROM poor p
JOIN groups g ON g.able = p.able_to_work
LEFT JOIN reached r ON r.year = p.year AND r.household_code = p.household_code AND r.model = g.model
GROUP BY p.year, g.pos, g.grp, g.grp_en, g.model
ORDER BY g.pos, p.year
