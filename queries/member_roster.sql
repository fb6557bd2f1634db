/*
title = "家庭成员花名册"
title_en = "Household member roster"
description = "全部建档立卡家庭成员，逐人列出成员编号、户编号、姓名、身份证号、与户主关系、性别、出生年份、民族、文化程度、在校情况、健康状况、劳动技能、务工月数和减员情况，以及所在嘎查村。含个人信息，仅限登录用户；领导账号看到的身份证号已遮蔽。可按战区、苏木镇场、嘎查村筛选。用于整表下载（CSV、XLSX），按导入顺序排列（不排序，以便流式下载）。"
description_en = "Every registered household member, one per row: member code, household code, name, ID number, relation to the head, sex, birth year, ethnicity, education, schooling, health, labour skill, months away for work, removal year and reason, and village. Personal data: signed-in users only; leaders see ID numbers masked. Filter by war zone, township or village. Meant for whole-table downloads (CSV, XLSX), in import order (unsorted, so that downloads stream)."
public = false

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
member_code = { zh = "成员编号", en = "Member code" }
household_code = { zh = "户编号", en = "Household code" }
name = { zh = "姓名", en = "Name" }
id_number = { zh = "身份证号", en = "ID number" }
relation = { zh = "与户主关系", en = "Relation to head" }
sex = { zh = "性别", en = "Sex" }
birth_year = { zh = "出生年份", en = "Birth year" }
ethnicity = { zh = "民族", en = "Ethnicity" }
education = { zh = "文化程度", en = "Education" }
schooling = { zh = "在校情况", en = "Schooling" }
health = { zh = "健康状况", en = "Health" }
labour_skill = { zh = "劳动技能", en = "Labour skill" }
migrant_months = { zh = "务工月数", en = "Months away for work", unit = "月" }
removed_year = { zh = "减员年份", en = "Removed in" }
removed_reason = { zh = "减员原因", en = "Removal reason" }
village_code = { zh = "嘎查村代码", en = "Village code" }
village = { zh = "嘎查村", en = "Village" }
*/
SELECT m.member_code, m.household_code, m.name, m.id_number, m.relation, m.sex, m.birth_year,
       m.ethnicity, m.education, m.schooling, m.health, m.labour_skill, m.migrant_months,
       m.removed_year, m.removed_reason, h.village_code, g.village
FROM member m
JOIN household h ON h.household_code = m.household_code
JOIN geo g ON g.village_code = h.village_code
WHERE ($zone IS NULL OR g.zone_id = $zone)
  AND ($township IS NULL OR g.township_code = $township)
  AND ($village IS NULL OR h.village_code = $village)
