/*
title = "扶贫生产流动资金发放与回收（按苏木镇场）"
title_en = "Production revolving fund issued and repaid by township"
description = "按借款户所在苏木镇场统计借款笔数、户数、发放金额、已还金额、未还余额和还款率（已还 ÷ 发放）。逾期：截至统计日已过应还日期、统计日尚未结清的借款；逾期金额为其未还部分（借款金额 − 已还金额；统计日之后才结清的借款，表中只有累计还款，按借款金额计）。发放、已还金额为台账累计数。可按发放年度、战区筛选。"
description_en = "By the borrowing household's township: loans, households, amount issued, amount repaid, balance outstanding and repayment rate (repaid ÷ issued). Overdue: loans whose due date had passed on the as-of date and that were not settled on it; the overdue amount is what was unpaid (amount − repaid; a loan settled after the as-of date counts in full, since the ledger keeps only the cumulative repayment). Issued and repaid amounts are the ledger's totals. Filter by year of issue or war zone."
public = false

[params.year]
type = "year"
zh = "发放年度"
en = "Year of issue"
optional = true
min = 2014
max = 2020

[params.as_of]
type = "date"
zh = "统计日"
en = "As of"
default = "2020-12-31"

[params.zone]
type = "zone"
zh = "战区"
en = "War zone"
optional = true

[columns]
township_code = { zh = "苏木镇场代码", en = "Township code" }
township = { zh = "苏木镇场", en = "Township" }
zone_id = { zh = "战区编号", en = "Zone" }
zone = { zh = "战区", en = "War zone" }
loans = { zh = "借款笔数", en = "Loans", unit = "笔" }
households = { zh = "借款户数", en = "Households", unit = "户" }
amount_issued = { zh = "发放金额", en = "Amount issued", unit = "元" }
amount_repaid = { zh = "已还金额", en = "Amount repaid", unit = "元" }
balance = { zh = "未还余额", en = "Balance outstanding", unit = "元" }
overdue_loans = { zh = "逾期笔数", en = "Overdue loans", unit = "笔" }
amount_overdue = { zh = "逾期金额", en = "Amount overdue", unit = "元" }
repayment_rate = { zh = "还款率", en = "Repayment rate", unit = "%" }
*/
WITH as_of AS (
    SELECT CAST($as_of AS DATE) AS d
),
loans AS (
    SELECT l.township_code, l.household_code, l.amount, l.repaid_amount,
           l.due_date < a.d AND (l.settled_date IS NULL OR l.settled_date > a.d) AS overdue,
           CASE WHEN l.settled_date IS NULL THEN l.amount - l.repaid_amount ELSE l.amount END AS unpaid_then
    FROM loan_geo l
    CROSS JOIN as_of a
    WHERE ($year IS NULL OR l.issue_year = $year)
),
by_township AS (
    SELECT township_code,
           count(*) AS loans,
           count(DISTINCT household_code) AS households,
           sum(amount) AS amount_issued,
           sum(repaid_amount) AS amount_repaid,
           count(*) FILTER (WHERE overdue) AS overdue_loans,
           coalesce(sum(unpaid_then) FILTER (WHERE overdue), 0) AS amount_overdue
    FROM loans
    GROUP BY township_code
)
SELECT t.township_code, t.name AS township, t.zone_id, z.name AS zone,
       coalesce(b.loans, 0) AS loans,
       coalesce(b.households, 0) AS households,
       coalesce(b.amount_issued, 0)::DOUBLE AS amount_issued,
       coalesce(b.amount_repaid, 0)::DOUBLE AS amount_repaid,
       coalesce(b.amount_issued - b.amount_repaid, 0)::DOUBLE AS balance,
       coalesce(b.overdue_loans, 0) AS overdue_loans,
       coalesce(b.amount_overdue, 0)::DOUBLE AS amount_overdue,
       round(100 * b.amount_repaid::DOUBLE / nullif(b.amount_issued, 0), 2) AS repayment_rate
FROM township t
JOIN war_zone z ON z.zone_id = t.zone_id
LEFT JOIN by_township b ON b.township_code = t.township_code
WHERE ($zone IS NULL OR t.zone_id = $zone)
ORDER BY t.zone_id, t.township_code
