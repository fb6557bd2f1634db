/*
title = "扶贫生产流动资金发放与回收（按发放年度）"
title_en = "Production revolving fund issued and repaid by year of issue"
description = "按发放年度统计借款笔数、借款户数、发放金额、已还金额、逾期金额和还款率（已还 ÷ 发放）。逾期：截至统计日已过应还日期、统计日尚未结清的借款，逾期金额为其未还部分（统计日之后才结清的借款按借款金额计）。可按战区、苏木镇场筛选。"
description_en = "By year of issue: loans, borrowing households, amount issued, amount repaid, amount overdue and repayment rate (repaid ÷ issued). Overdue: loans past their due date and not settled on the as-of date; the overdue amount is what was unpaid (a loan settled after the as-of date counts in full). Filter by war zone or township."
public = true

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

[params.township]
type = "township"
zh = "苏木镇场"
en = "Township"
optional = true

[columns]
year = { zh = "发放年度", en = "Year of issue" }
loans = { zh = "借款笔数", en = "Loans", unit = "笔" }
households = { zh = "借款户数", en = "Households", unit = "户" }
amount_issued = { zh = "发放金额", en = "Amount issued", unit = "元" }
amount_repaid = { zh = "已还金额", en = "Amount repaid", unit = "元" }
amount_overdue = { zh = "逾期金额", en = "Amount overdue", unit = "元" }
repayment_rate = { zh = "还款率", en = "Repayment rate", unit = "%" }
*/
WITH loans AS (
    SELECT l.issue_year, l.household_code, l.amount, l.repaid_amount,
           l.due_date < CAST($as_of AS DATE) AND (l.settled_date IS NULL OR l.settled_date > CAST($as_of AS DATE)) AS overdue,
           CASE WHEN l.settled_date IS NULL THEN l.amount - l.repaid_amount ELSE l.amount END AS unpaid_then
    FROM loan_geo l
    WHERE l.issued_date <= CAST($as_of AS DATE)
      AND ($zone IS NULL OR l.zone_id = $zone)
      AND ($township IS NULL OR l.township_code = $township)
)
SELECT issue_year AS year,
       count(*) AS loans,
       count(DISTINCT household_code) AS households,
       sum(amount)::DOUBLE AS amount_issued,
       sum(repaid_amount)::DOUBLE AS amount_repaid,
       coalesce(sum(unpaid_then) FILTER (WHERE overdue), 0)::DOUBLE AS amount_overdue,
       round(100 * sum(repaid_amount)::DOUBLE / nullif(sum(amount), 0), 2) AS repayment_rate
FROM loans
GROUP BY issue_year
ORDER BY issue_year
