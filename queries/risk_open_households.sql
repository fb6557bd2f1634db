/*
title = "未消除风险预警户清单"
title_en = "Households with open risk warnings"
description = "截至统计日仍未消除的风险预警，逐条列出户编号、户主、所在嘎查村、监测对象类别、风险类型、等级、发现日期、已持续天数和涉及人口（边缘易致贫户无户编号）。含个人信息，仅限登录用户。可按战区、苏木镇场、嘎查村筛选。"
description_en = "Risk warnings still open on the as-of date, one per row: household code, head of household, village, monitored group, cause, severity, date detected, days open and people concerned (edge households have no household code). Personal data: signed-in users only. Filter by war zone, township or village."
public = false

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

[params.village]
type = "village"
zh = "嘎查村"
en = "Village"
optional = true

[columns]
event_code = { zh = "预警编号", en = "Warning" }
household_code = { zh = "户编号", en = "Household code" }
head_name = { zh = "户主", en = "Head of household" }
village_code = { zh = "嘎查村代码", en = "Village code" }
village = { zh = "嘎查村", en = "Village" }
township = { zh = "苏木镇场", en = "Township" }
monitored_group = { zh = "监测对象类别", en = "Monitored group" }
cause = { zh = "风险类型", en = "Cause" }
severity = { zh = "风险等级", en = "Severity" }
detected_date = { zh = "发现日期", en = "Detected" }
days_open = { zh = "已持续天数", en = "Days open", unit = "天" }
persons = { zh = "涉及人口", en = "People concerned", unit = "人" }
*/
SELECT r.event_code, r.household_code, h.head_name, r.village_code, g.village, g.township,
       r.monitored_group, r.cause, r.severity, r.detected_date,
       CAST($as_of AS DATE) - r.detected_date AS days_open,
       r.persons
FROM risk_warning r
JOIN geo g ON g.village_code = r.village_code
LEFT JOIN household h ON h.household_code = r.household_code
WHERE r.detected_date <= CAST($as_of AS DATE)
  AND (r.resolved_date IS NULL OR r.resolved_date > CAST($as_of AS DATE))
  AND ($zone IS NULL OR r.zone_id = $zone)
  AND ($township IS NULL OR r.township_code = $township)
  AND ($village IS NULL OR r.village_code = $village)
ORDER BY list_position(['高', '中', '低'], r.severity) NULLS LAST, days_open DESC, r.event_code
