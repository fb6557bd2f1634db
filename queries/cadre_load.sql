/*
title = "帮扶责任人结对户数分布"
title_en = "Households paired per aid-responsible cadre"
description = "帮扶责任人按结对建档立卡户数（0、1、2、3、4、5 户及以上）分组的人数、占比和结对户数合计。选择年度时只计该年的贫困户（识别年份不晚于该年、且未在该年或之前退出）。"
description_en = "Aid-responsible cadres (帮扶责任人) grouped by the number of registered households paired with them (0, 1, 2, 3, 4, 5 or more): cadres, their share and the households paired. With a year, only households poor in that year count (identified in or before it, not exited in or before it)."
public = true

[params.year]
type = "year"
zh = "年度（贫困户）"
en = "Year (households poor in it)"
optional = true
min = 2014
max = 2020

[columns]
paired = { zh = "结对户数", en = "Households paired" }
paired_label = { zh = "结对户数分组", en = "Group" }
cadres = { zh = "帮扶责任人数", en = "Cadres", unit = "人" }
share = { zh = "占比", en = "Share", unit = "%" }
households = { zh = "结对户数合计", en = "Households paired (total)", unit = "户" }
*/
WITH paired AS (
    SELECT household_code, cadre_code FROM household WHERE $year IS NULL
    UNION ALL
    SELECT household_code, cadre_code FROM poor_household_year WHERE year = $year
),
load AS (
    SELECT c.cadre_code, count(h.household_code) AS n
    FROM cadre c
    LEFT JOIN paired h ON h.cadre_code = c.cadre_code
    WHERE c.role = '帮扶责任人'
    GROUP BY c.cadre_code
),
groups AS (
    SELECT unnest(range(0, 6)) AS paired
),
total AS (SELECT count(*) AS cadres FROM load)
SELECT g.paired,
       CASE WHEN g.paired = 5 THEN '5+' ELSE g.paired::VARCHAR END AS paired_label,
       count(l.cadre_code) AS cadres,
       round(100 * count(l.cadre_code)::DOUBLE / nullif(any_value(total.cadres), 0), 2) AS share,
       coalesce(sum(l.n), 0) AS households
FROM groups g
CROSS JOIN total
LEFT JOIN load l ON least(l.n, 5) = g.paired
GROUP BY g.paired
ORDER BY g.paired
