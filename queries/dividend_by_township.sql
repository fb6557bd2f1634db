/*
title = "资产收益分红（按苏木镇场）"
title_en = "Asset-income dividends by township"
description = "按受益户所在苏木镇场统计受益户数、分红金额、户均分红（每户每年：分红 ÷ 各年受益户数之和）和收益率（分红 ÷ 折股量化本金）。不选年度时为全部年度合计（受益户数为去重户数）。可按战区筛选。"
description_en = "By the beneficiary household's township: households paid, dividends, average per household and year (dividends ÷ the sum of each year's households paid) and yield (dividends ÷ attributed principal). Without a year, all years together (households paid counted once). Filter by war zone."
public = true

[params.year]
type = "year"
zh = "年度"
en = "Year"
optional = true
min = 2014
max = 2030

[params.zone]
type = "zone"
zh = "战区"
en = "War zone"
optional = true

[columns]
township_code = { zh = "苏木镇场代码", en = "Township code" }
township = { zh = "苏木镇场", en = "Township" }
township_en = { zh = "苏木镇场（英文）", en = "Township (English)" }
zone_id = { zh = "战区编号", en = "Zone" }
households = { zh = "受益户数", en = "Households paid", unit = "户" }
dividends = { zh = "分红金额", en = "Dividends paid", unit = "元" }
per_household = { zh = "户均分红", en = "Average per household", unit = "元" }
yield = { zh = "收益率", en = "Yield", unit = "%" }
*/
WITH paid AS (
    SELECT township_code, household_code, year, amount, share_principal
    FROM dividend_paid
    WHERE ($year IS NULL OR year = $year)
      AND ($zone IS NULL OR zone_id = $zone)
),
per_year AS (
    SELECT township_code, year, count(DISTINCT household_code) AS households, sum(amount) AS amount
    FROM paid GROUP BY township_code, year
),
townships AS (
    SELECT DISTINCT township_code, township, township_en, zone_id FROM geo
    WHERE ($zone IS NULL OR zone_id = $zone)
)
SELECT t.township_code, t.township, t.township_en, t.zone_id,
       coalesce((SELECT count(DISTINCT household_code) FROM paid p WHERE p.township_code = t.township_code), 0) AS households,
       coalesce((SELECT sum(amount) FROM paid p WHERE p.township_code = t.township_code), 0)::DOUBLE AS dividends,
       (SELECT round(sum(amount)::DOUBLE / sum(households), 0) FROM per_year y WHERE y.township_code = t.township_code) AS per_household,
       (SELECT round(100 * sum(amount)::DOUBLE / nullif(sum(share_principal), 0), 2) FROM paid p WHERE p.township_code = t.township_code) AS yield
FROM townships t
ORDER BY dividends DESC, t.township_code
