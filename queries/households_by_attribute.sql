/*
title = "建档立卡户属性与劳动能力"
title_en = "Registered households by attribute and ability to work"
description = "按贫困户属性（一般贫困户、低保贫困户、特困供养贫困户）统计户数、人数、占比，以及其中有劳动能力和无劳动能力的户数。可按战区、苏木镇场筛选；选择年度时只统计该年的贫困户。"
description_en = "Households and people by attribute (一般 ordinary, 低保 minimum-living-allowance, 特困 destitute-support households) with their share, and how many of them are able or unable to work. Filter by war zone or township; with a year, only households poor in that year."
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

[params.year]
type = "year"
zh = "年度（贫困户）"
en = "Year (households poor in it)"
optional = true
min = 2014
max = 2020

[columns]
attribute = { zh = "贫困户属性", en = "Attribute" }
attribute_en = { zh = "贫困户属性（英文）", en = "Attribute (English)" }
households = { zh = "户数", en = "Households", unit = "户" }
people = { zh = "人数", en = "People", unit = "人" }
share = { zh = "户数占比", en = "Share of households", unit = "%" }
able_households = { zh = "有劳动能力户数", en = "Able to work", unit = "户" }
unable_households = { zh = "无劳动能力户数", en = "Unable to work", unit = "户" }
*/
WITH scope AS (
    SELECT h.attribute, h.size, h.able_to_work
    FROM household h
    JOIN geo g ON g.village_code = h.village_code
    WHERE ($zone IS NULL OR g.zone_id = $zone)
      AND ($township IS NULL OR g.township_code = $township)
      AND ($year IS NULL OR h.household_code IN (SELECT household_code FROM poor_household_year WHERE year = $year))
),
attrs AS (
    SELECT * FROM (VALUES (1, '一般贫困户', 'Ordinary'), (2, '低保贫困户', 'Minimum allowance'), (3, '特困供养贫困户', 'Destitute support')) AS a(pos, attribute, attribute_en)
    UNION ALL
    SELECT 4, attribute, attribute FROM household
    WHERE attribute NOT IN ('一般贫困户', '低保贫困户', '特困供养贫困户')
    GROUP BY attribute
),
total AS (SELECT count(*) AS n FROM scope)
SELECT a.attribute, a.attribute_en,
       count(s.attribute) AS households,
       coalesce(sum(s.size), 0) AS people,
       round(100 * count(s.attribute)::DOUBLE / nullif(any_value(total.n), 0), 2) AS share,
       count(s.attribute) FILTER (WHERE s.able_to_work) AS able_households,
       count(s.attribute) FILTER (WHERE NOT s.able_to_work) AS unable_households
FROM attrs a
CROSS JOIN total
LEFT JOIN scope s ON s.attribute = a.attribute
GROUP BY a.pos, a.attribute, a.attribute_en
ORDER BY a.pos, a.attribute
