/*
title = "总体情况"
title_en = "Headline figures"
description = "建档立卡户数、人数，脱贫户数、人数，贫困嘎查村及出列情况。"
description_en = "Registered households and people, exits, poor villages and their exit."
public = true

[columns]
households = { zh = "建档立卡户数", en = "Registered households", unit = "户" }
people = { zh = "建档立卡人数", en = "Registered people", unit = "人" }
exited_households = { zh = "脱贫户数", en = "Households lifted out", unit = "户" }
exited_people = { zh = "脱贫人数", en = "People lifted out", unit = "人" }
poor_villages = { zh = "贫困嘎查村", en = "Poor villages", unit = "个" }
villages_exited = { zh = "已出列嘎查村", en = "Poor villages exited", unit = "个" }
*/
SELECT
    (SELECT count(*) FROM household) AS households,
    (SELECT coalesce(sum(size), 0) FROM household) AS people,
    (SELECT count(*) FROM household_exit WHERE exit_kind = '脱贫') AS exited_households,
    (SELECT coalesce(sum(people_after_exit), 0) FROM household_exit WHERE exit_kind = '脱贫') AS exited_people,
    (SELECT count(*) FROM geo WHERE poor_village) AS poor_villages,
    (SELECT count(*) FROM geo WHERE poor_village AND village_exit_year IS NOT NULL) AS villages_exited
