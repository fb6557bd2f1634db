/*
title = "“两不愁三保障”达标情况（按嘎查村）"
title_en = "Two assurances and three guarantees by village"
description = "各嘎查村建档立卡户中，不愁吃穿、义务教育有保障、基本医疗有保障、住房安全有保障、饮水安全有保障各项达标的户数和比例，以及五项全部达标的户数和比例。按五项全部达标比例从低到高排列（相同时按嘎查村代码），可只取最低的 N 个。可按战区、苏木镇场筛选。"
description_en = "For each village's registered households: how many, and what share, meet each of food and clothing, compulsory education, basic medical care, safe housing and safe drinking water, and all five. Lowest all-five share first (ties by village code), optionally only the lowest N. Filter by war zone or township."
public = false

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

[params.top]
type = "integer"
zh = "只显示最低的 N 个"
en = "Only the lowest N"
optional = true
min = 1
max = 500

[columns]
village_code = { zh = "嘎查村代码", en = "Village code" }
village = { zh = "嘎查村", en = "Village" }
township = { zh = "苏木镇场", en = "Township" }
zone_id = { zh = "战区编号", en = "Zone" }
households = { zh = "建档立卡户数", en = "Registered households", unit = "户" }
food_clothing = { zh = "不愁吃穿户数", en = "Food and clothing", unit = "户" }
food_clothing_share = { zh = "不愁吃穿比例", en = "Food and clothing (share)", unit = "%" }
education = { zh = "义务教育有保障户数", en = "Compulsory education", unit = "户" }
education_share = { zh = "义务教育有保障比例", en = "Compulsory education (share)", unit = "%" }
medical = { zh = "基本医疗有保障户数", en = "Basic medical care", unit = "户" }
medical_share = { zh = "基本医疗有保障比例", en = "Basic medical care (share)", unit = "%" }
housing = { zh = "住房安全有保障户数", en = "Safe housing", unit = "户" }
housing_share = { zh = "住房安全有保障比例", en = "Safe housing (share)", unit = "%" }
water = { zh = "饮水安全有保障户数", en = "Safe drinking water", unit = "户" }
water_share = { zh = "饮水安全有保障比例", en = "Safe drinking water (share)", unit = "%" }
all_five = { zh = "五项全部达标户数", en = "All five met", unit = "户" }
all_five_share = { zh = "五项全部达标比例", en = "All five met (share)", unit = "%" }
*/
WITH counts AS (
    SELECT g.village_code, g.village, g.township, g.zone_id,
           count(*) AS households,
           count(*) FILTER (WHERE h.food_clothing_secure) AS food_clothing,
           count(*) FILTER (WHERE h.education_secure) AS education,
           count(*) FILTER (WHERE h.medical_secure) AS medical,
           count(*) FILTER (WHERE h.housing_secure) AS housing,
           count(*) FILTER (WHERE h.water_secure) AS water,
           count(*) FILTER (WHERE h.food_clothing_secure AND h.education_secure AND h.medical_secure
                                  AND h.housing_secure AND h.water_secure) AS all_five
    FROM household h
    JOIN geo g ON g.village_code = h.village_code
    WHERE ($zone IS NULL OR g.zone_id = $zone)
      AND ($township IS NULL OR g.township_code = $township)
    GROUP BY g.village_code, g.village, g.township, g.zone_id
)
SELECT village_code, village, township, zone_id, households,
       food_clothing, round(100 * food_clothing::DOUBLE / households, 2) AS food_clothing_share,
       education, round(100 * education::DOUBLE / households, 2) AS education_share,
       medical, round(100 * medical::DOUBLE / households, 2) AS medical_share,
       housing, round(100 * housing::DOUBLE / households, 2) AS housing_share,
       water, round(100 * water::DOUBLE / households, 2) AS water_share,
       all_five, round(100 * all_five::DOUBLE / households, 2) AS all_five_share
FROM counts
ORDER BY all_five::DOUBLE / households, village_code
LIMIT coalesce(CAST($top AS BIGINT), 1000000)
