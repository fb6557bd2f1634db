/*
title = "脱贫户数、人数（按年度）"
title_en = "Households and people lifted out of poverty by year"
description = "每年脱贫退出的户数和人数（成员在脱贫当年之后仍在户的计为脱贫人口），累计脱贫户数；自然减少（死亡、迁出等原因退出建档立卡）单独统计，人数为退出当年仍登记在户的成员；年末剩余贫困户为识别年份不晚于该年、且未在该年或之前退出的户。可按战区筛选。"
description_en = "Households and people lifted out of poverty each year (members still in the household after the exit year count as people lifted out), with the running total of households; natural decrease (leaving the rolls through death, moving away and the like) separately, its people being the members registered in the year the household left; households still poor at the end of the year (identified in or before it, not exited in or before it). Filter by war zone."
public = true

[params.zone]
type = "zone"
zh = "战区"
en = "War zone"
optional = true

[columns]
year = { zh = "年度", en = "Year" }
exited_households = { zh = "脱贫户数", en = "Households lifted out", unit = "户" }
exited_people = { zh = "脱贫人数", en = "People lifted out", unit = "人" }
cumulative_exited_households = { zh = "累计脱贫户数", en = "Households lifted out to date", unit = "户" }
natural_decrease_households = { zh = "自然减少户数", en = "Natural decrease (households)", unit = "户" }
natural_decrease_people = { zh = "自然减少人数", en = "Natural decrease (people)", unit = "人" }
remaining_households = { zh = "年末剩余贫困户数", en = "Households still poor at year end", unit = "户" }
*/
WITH exits AS (
    SELECT exit_year AS year,
           count(*) FILTER (WHERE exit_kind = '脱贫') AS exited_households,
           sum(people_after_exit) FILTER (WHERE exit_kind = '脱贫') AS exited_people,
           count(*) FILTER (WHERE exit_kind = '自然减少') AS natural_decrease_households,
           sum(people_at_exit) FILTER (WHERE exit_kind = '自然减少') AS natural_decrease_people
    FROM household_exit
    WHERE ($zone IS NULL OR zone_id = $zone)
    GROUP BY exit_year
),
remaining AS (
    SELECT year, count(*) AS households
    FROM poor_household_year
    WHERE ($zone IS NULL OR zone_id = $zone)
    GROUP BY year
)
SELECT y.year,
       coalesce(e.exited_households, 0) AS exited_households,
       coalesce(e.exited_people, 0) AS exited_people,
       sum(coalesce(e.exited_households, 0)) OVER (ORDER BY y.year) AS cumulative_exited_households,
       coalesce(e.natural_decrease_households, 0) AS natural_decrease_households,
       coalesce(e.natural_decrease_people, 0) AS natural_decrease_people,
       coalesce(r.households, 0) AS remaining_households
FROM stat_year y
LEFT JOIN exits e ON e.year = y.year
LEFT JOIN remaining r ON r.year = y.year
ORDER BY y.year
