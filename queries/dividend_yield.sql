/*
title = "资产收益分红收益率（按年度、经营主体类型）"
title_en = "Asset-income dividend yield by year and entity kind"
description = "每年按经营主体类型统计：分红金额、折股量化本金、收益率 = 分红金额 ÷ 折股量化本金、受益户数、户均分红，以及当年收益率低于目标的入股项目数；每年另有一行“全部”。目标收益率默认 10%。可按受益户所在战区、主体类型筛选。"
description_en = "Each year by kind of industry entity: dividends paid, principal attributed to households, yield = dividends ÷ attributed principal, households paid, average per household, and how many investments yielded less than the target that year; each year also has an \"all kinds\" row (全部). The target yield defaults to 10 %. Filter by the beneficiary household's war zone or by entity kind."
public = true

[params.zone]
type = "zone"
zh = "战区（受益户所在）"
en = "War zone (of the household)"
optional = true

[params.kind]
type = "enum"
zh = "主体类型"
en = "Entity kind"
optional = true
options = ["合作社", "龙头企业", "村集体经济", "扶贫车间"]

[params.target]
type = "decimal"
zh = "目标收益率（%）"
en = "Target yield (%)"
default = 10
min = 0
max = 100

[columns]
year = { zh = "年度", en = "Year" }
kind = { zh = "主体类型", en = "Entity kind" }
investments = { zh = "入股项目数", en = "Investments", unit = "个" }
households = { zh = "受益户数", en = "Households paid", unit = "户" }
principal = { zh = "折股量化本金", en = "Attributed principal", unit = "元" }
dividends = { zh = "分红金额", en = "Dividends paid", unit = "元" }
yield = { zh = "收益率", en = "Yield", unit = "%" }
per_household = { zh = "户均分红", en = "Average per household", unit = "元" }
target_yield = { zh = "目标收益率", en = "Target yield", unit = "%" }
below_target_investments = { zh = "低于目标的项目数", en = "Investments below target", unit = "个" }
*/
WITH paid AS (
    SELECT year, entity_kind AS kind, investment_code, household_code, share_principal, amount
    FROM dividend_paid
    WHERE ($zone IS NULL OR zone_id = $zone)
      AND ($kind IS NULL OR entity_kind = $kind)
),
per_investment AS (
    SELECT year, kind, investment_code,
           100 * sum(amount)::DOUBLE / nullif(sum(share_principal), 0) AS yield
    FROM paid
    GROUP BY year, kind, investment_code
),
below AS (
    SELECT year, kind, count(*) FILTER (WHERE yield < CAST($target AS DOUBLE)) AS investments
    FROM per_investment
    GROUP BY GROUPING SETS ((year, kind), (year))
),
totals AS (
    SELECT year, kind, GROUPING(kind) AS all_kinds,
           count(DISTINCT investment_code) AS investments,
           count(DISTINCT household_code) AS households,
           sum(share_principal) AS principal,
           sum(amount) AS dividends
    FROM paid
    GROUP BY GROUPING SETS ((year, kind), (year))
)
SELECT t.year,
       coalesce(t.kind, '全部') AS kind,
       t.investments,
       t.households,
       t.principal::DOUBLE AS principal,
       t.dividends::DOUBLE AS dividends,
       round(100 * t.dividends::DOUBLE / nullif(t.principal, 0), 2) AS yield,
       round(t.dividends::DOUBLE / nullif(t.households, 0), 2) AS per_household,
       CAST($target AS DOUBLE) AS target_yield,
       b.investments AS below_target_investments
FROM totals t
JOIN below b ON b.year = t.year AND b.kind IS NOT DISTINCT FROM t.kind
ORDER BY t.year, t.all_kinds DESC, t.kind
