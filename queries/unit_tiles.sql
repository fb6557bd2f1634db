/*
title = "单位总体情况"
title_en = "A unit at a glance"
description = "所选战区、苏木镇场或嘎查村（不选为全旗）的建档立卡户数和人数、脱贫户数和人数、起始年度和最近年度的贫困发生率、人均纯收入，以及数据截止日仍未消除的风险预警数。"
description_en = "For the chosen war zone, township or village (none: the banner): registered households and people, households and people lifted out, poverty incidence and per-capita net income in the first and latest year, and risk warnings still open at the end of the data."
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
households = { zh = "建档立卡户数", en = "Registered households", unit = "户" }
people = { zh = "建档立卡人数", en = "Registered people", unit = "人" }
exited_households = { zh = "脱贫户数", en = "Households lifted out", unit = "户" }
exited_people = { zh = "脱贫人数", en = "People lifted out", unit = "人" }
incidence_start = { zh = "起始年度贫困发生率", en = "Poverty incidence, first year", unit = "%" }
incidence_now = { zh = "贫困发生率", en = "Poverty incidence", unit = "%" }
income_start = { zh = "起始年度人均纯收入", en = "Per-capita net income, first year", unit = "元" }
income_now = { zh = "人均纯收入", en = "Per-capita net income", unit = "元" }
open_warnings = { zh = "未消除风险预警", en = "Open risk warnings", unit = "个" }
*/
WITH years AS MATERIALIZED (SELECT min(year) AS first_year, max(year) AS latest_year FROM stat_year),
households AS MATERIALIZED (
    SELECT h.household_code, h.size, h.village_code, g.township_code, g.zone_id
    FROM household h JOIN geo g ON g.village_code = h.village_code
),
inc AS MATERIALIZED (
    SELECT year, 100.0 * sum(poor_people) / nullif(sum(rural_population), 0) AS incidence
    FROM incidence_village_year
    WHERE ($zone IS NULL OR zone_id = $zone)
  AND ($township IS NULL OR township_code = $township)
  AND ($village IS NULL OR village_code = $village)
    GROUP BY year
),
income AS MATERIALIZED (
    SELECT year, sum(net_income)::DOUBLE / nullif(sum(persons), 0) AS income
    FROM income_household_year
    WHERE ($zone IS NULL OR zone_id = $zone)
  AND ($township IS NULL OR township_code = $township)
  AND ($village IS NULL OR village_code = $village)
    GROUP BY year
),
data_end AS MATERIALIZED (
    SELECT max(greatest(detected_date, coalesce(resolved_date, detected_date))) AS d FROM risk_event
)
SELECT
    (SELECT count(*) FROM households WHERE ($zone IS NULL OR zone_id = $zone)
  AND ($township IS NULL OR township_code = $township)
  AND ($village IS NULL OR village_code = $village)) AS households,
    (SELECT coalesce(sum(size), 0) FROM households WHERE ($zone IS NULL OR zone_id = $zone)
  AND ($township IS NULL OR township_code = $township)
  AND ($village IS NULL OR village_code = $village)) AS people,
    (SELECT count(*) FROM household_exit WHERE exit_kind = '脱贫' AND ($zone IS NULL OR zone_id = $zone)
  AND ($township IS NULL OR township_code = $township)
  AND ($village IS NULL OR village_code = $village)) AS exited_households,
    (SELECT coalesce(sum(people_after_exit), 0) FROM household_exit WHERE exit_kind = '脱贫' AND ($zone IS NULL OR zone_id = $zone)
  AND ($township IS NULL OR township_code = $township)
  AND ($village IS NULL OR village_code = $village)) AS exited_people,
    round((SELECT incidence FROM inc WHERE year = y.first_year), 2) AS incidence_start,
    round((SELECT incidence FROM inc WHERE year = y.latest_year), 2) AS incidence_now,
    round((SELECT income FROM income WHERE year = y.first_year), 0) AS income_start,
    round((SELECT income FROM income WHERE year = y.latest_year), 0) AS income_now,
    (SELECT count(*) FROM risk_warning, data_end
      WHERE detected_date <= data_end.d AND (resolved_date IS NULL OR resolved_date > data_end.d)
        AND ($zone IS NULL OR zone_id = $zone)
  AND ($township IS NULL OR township_code = $township)
  AND ($village IS NULL OR village_code = $village)) AS open_warnings
FROM years y
ORDER BY 1
