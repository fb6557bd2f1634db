/*
title = "主要致贫原因（所选单位）"
title_en = "Main causes of poverty, the unit"
description = "所选战区、苏木镇场或嘎查村（不选为全旗）建档立卡户按主要致贫原因的户数、人数和户数占比，从多到少。"
description_en = "For the chosen war zone, township or village (none: the banner): registered households and people by main cause of poverty, with the share of households, most first."
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
cause = { zh = "主要致贫原因", en = "Main cause" }
households = { zh = "户数", en = "Households", unit = "户" }
people = { zh = "人数", en = "People", unit = "人" }
share = { zh = "户数占比", en = "Share of households", unit = "%" }
*/
WITH scope AS (
    SELECT h.main_cause, h.size, h.village_code, g.township_code, g.zone_id
    FROM household h JOIN geo g ON g.village_code = h.village_code
),
picked AS (
    SELECT * FROM scope
    WHERE ($zone IS NULL OR zone_id = $zone)
  AND ($township IS NULL OR township_code = $township)
  AND ($village IS NULL OR village_code = $village)
)
SELECT main_cause AS cause,
       count(*) AS households,
       sum(size) AS people,
       round(100 * count(*)::DOUBLE / sum(count(*)) OVER (), 2) AS share
FROM picked
GROUP BY main_cause
ORDER BY households DESC, cause
