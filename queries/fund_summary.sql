/*
title = "扶贫生产流动资金总体情况"
title_en = "Production revolving fund at a glance"
description = "截至统计日（含）已发放的借款：发放金额合计、借款户数、借款笔数、已还金额、还款率（已还 ÷ 发放）、逾期笔数和逾期金额（定义同按年度表）。可按战区、苏木镇场筛选。"
description_en = "Loans issued up to the as-of date: amount issued, borrowing households, loans, amount repaid, repayment rate (repaid ÷ issued), overdue loans and amount overdue (defined as in the by-year table). Filter by war zone or township."
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
amount_issued = { zh = "发放金额", en = "Amount issued", unit = "元" }
households = { zh = "借款户数", en = "Households served", unit = "户" }
loans = { zh = "借款笔数", en = "Loans", unit = "笔" }
amount_repaid = { zh = "已还金额", en = "Amount repaid", unit = "元" }
repayment_rate = { zh = "还款率", en = "Repayment rate", unit = "%" }
overdue_loans = { zh = "逾期笔数", en = "Overdue loans", unit = "笔" }
amount_overdue = { zh = "逾期金额", en = "Amount overdue", unit = "元" }
*/
WITH loans AS (
    SELECT l.household_code, l.amount, l.repaid_amount,
           l.due_date < CAST($as_of AS DATE) AND (l.settled_date IS NULL OR l.settled_date > CAST($as_of AS DATE)) AS overdue,
           CASE WHEN l.settled_date IS NULL THEN l.amount - l.repaid_amount ELSE l.amount END AS unpaid_then
    FROM loan_geo l
    WHERE l.issued_date <= CAST($as_of AS DATE)
      AND ($zone IS NULL OR l.zone_id = $zone)
      AND ($township IS NULL OR l.township_code = $township)
)
SELECT coalesce(sum(amount), 0)::DOUBLE AS amount_issued,
       count(DISTINCT household_code) AS households,
       count(*) AS loans,
       coalesce(sum(repaid_amount), 0)::DOUBLE AS amount_repaid,
       round(100 * sum(repaid_amount)::DOUBLE / nullif(sum(amount), 0), 2) AS repayment_rate,
       count(*) FILTER (WHERE overdue) AS overdue_loans,
       coalesce(sum(unpaid_then) FILTER (WHERE overdue), 0)::DOUBLE AS amount_overdue
FROM loans
ORDER BY 1
