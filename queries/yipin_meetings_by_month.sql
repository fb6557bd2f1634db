/*
title = "议贫会召开情况（按月）"
title_en = "Village deliberation meetings by month"
description = "每月召开的议贫会次数、召开嘎查村数，“访、提、议、行”各环节合计（走访户数、提出议题数、评议户数、落实事项数），落实率 = 落实事项数 ÷ 提出议题数，以及平均群众满意度。可按战区、年度筛选。"
description_en = "Each month: deliberation meetings (议贫会) held, villages holding one, the totals of the visit, raise, deliberate and act steps (households visited, issues raised, households discussed, actions done), the share acted on = actions done ÷ issues raised, and mean satisfaction. Filter by war zone or year."
public = true

[params.zone]
type = "zone"
zh = "战区"
en = "War zone"
optional = true

[params.year]
type = "year"
zh = "年度"
en = "Year"
optional = true
min = 2014
max = 2030

[columns]
month = { zh = "月份", en = "Month" }
meetings = { zh = "召开次数", en = "Meetings", unit = "次" }
villages = { zh = "召开嘎查村数", en = "Villages", unit = "个" }
visits = { zh = "走访户数", en = "Households visited", unit = "户" }
issues_raised = { zh = "提出议题数", en = "Issues raised", unit = "个" }
households_discussed = { zh = "评议户数", en = "Households discussed", unit = "户" }
actions_done = { zh = "落实事项数", en = "Actions done", unit = "个" }
acted_share = { zh = "落实率", en = "Share acted on", unit = "%" }
satisfaction = { zh = "平均群众满意度", en = "Mean satisfaction", unit = "%" }
*/
SELECT strftime(m.meeting_date, '%Y-%m') AS month,
       count(*) AS meetings,
       count(DISTINCT m.village_code) AS villages,
       sum(m.visits) AS visits,
       sum(m.issues_raised) AS issues_raised,
       sum(m.households_discussed) AS households_discussed,
       sum(m.actions_done) AS actions_done,
       round(100 * sum(m.actions_done)::DOUBLE / nullif(sum(m.issues_raised), 0), 2) AS acted_share,
       round(avg(m.satisfaction)::DOUBLE, 2) AS satisfaction
FROM yipin_meeting m
JOIN geo g ON g.village_code = m.village_code
WHERE ($zone IS NULL OR g.zone_id = $zone)
  AND ($year IS NULL OR year(m.meeting_date) = $year)
GROUP BY month
ORDER BY month
