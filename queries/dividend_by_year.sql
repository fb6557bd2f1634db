/*
title = "资产收益分红受益户与户均分红（按年度）"
title_en = "Households paid asset-income dividends and the average paid, by year"
description = "每年获得资产收益分红的户数、分红金额合计、户均分红（分红合计 ÷ 受益户数）、折股量化本金和收益率（分红 ÷ 本金）。户均目标 3,000 元。可按战区、苏木镇场筛选。"
description_en = "Each year: households paid asset-income dividends, dividends paid, the average per household (dividends ÷ households), the principal attributed to them and the yield (dividends ÷ principal). The target is 3,000 yuan per household. Filter by war zone or township."
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
households = { zh = "受益户数", en = "Households paid", unit = "户" }
dividends = { zh = "分红金额", en = "Dividends paid", unit = "元" }
per_household = { zh = "户均分红", en = "Average per household", unit = "元" }
principal = { zh = "折股量化本金", en = "Attributed principal", unit = "元" }
yield = { zh = "收益率", en = "Yield", unit = "%" }
*/
SELECT year,
       count(DISTINCT household_code) AS households,
       sum(amount)::DOUBLE AS dividends,
       round(sum(amount)::DOUBLE / count(DISTINCT household_code), 0) AS per_household,
       sum(share_principal)::DOUBLE AS principal,
       round(100 * sum(amount)::DOUBLE / nullif(sum(share_principal), 0), 2) AS yield
FROM dividend_paid
WHERE ($zone IS NULL OR zone_id = $zone)
  AND ($township IS NULL OR township_code = $township)
GROUP BY year
ORDER BY year
