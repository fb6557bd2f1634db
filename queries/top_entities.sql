/*
title = "资产收益分红最多的经营主体"
title_en = "Industry entities paying the most dividends"
description = "按分红金额从高到低列出前 N 个经营主体：类型、产业、受益户数、入股本金（折股量化本金）、分红金额和收益率。不选年度时为全部年度合计。可按受益户所在战区筛选。"
description_en = "The top N industry entities by dividends paid: kind, sector, households paid, attributed principal, dividends and yield. Without a year, all years together. Filter by the beneficiary household's war zone."
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
zh = "战区（受益户所在）"
en = "War zone (of the household)"
optional = true

[params.top]
type = "integer"
zh = "显示前 N 名"
en = "Top N"
default = 10
min = 1
max = 200

[columns]
rank = { zh = "排名", en = "Rank" }
entity_code = { zh = "主体编号", en = "Entity code" }
entity = { zh = "经营主体", en = "Entity" }
kind = { zh = "主体类型", en = "Kind" }
sector = { zh = "产业", en = "Sector" }
households = { zh = "受益户数", en = "Households paid", unit = "户" }
principal = { zh = "折股量化本金", en = "Attributed principal", unit = "元" }
dividends = { zh = "分红金额", en = "Dividends paid", unit = "元" }
yield = { zh = "收益率", en = "Yield", unit = "%" }
*/
WITH by_entity AS (
    SELECT entity_code,
           count(DISTINCT household_code) AS households,
           sum(share_principal) AS principal,
           sum(amount) AS dividends
    FROM dividend_paid
    WHERE ($year IS NULL OR year = $year)
      AND ($zone IS NULL OR zone_id = $zone)
    GROUP BY entity_code
),
ranked AS (
    SELECT row_number() OVER (ORDER BY dividends DESC, entity_code) AS rank, *
    FROM by_entity
)
SELECT r.rank, r.entity_code, e.name AS entity, e.kind, e.sector, r.households,
       r.principal::DOUBLE AS principal,
       r.dividends::DOUBLE AS dividends,
       round(100 * r.dividends::DOUBLE / nullif(r.principal, 0), 2) AS yield
FROM ranked r
JOIN industry_entity e ON e.entity_code = r.entity_code
WHERE r.rank <= $top
ORDER BY r.rank
