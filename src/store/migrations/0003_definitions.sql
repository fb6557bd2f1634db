-- Jingzhun schema, version 3: the domain's definitions, written once as
-- views (domain.md, "Definitions"). Canned queries aggregate these views
-- instead of re-deriving a definition, so that the figure of a village, a
-- township, a war zone and the banner always add up.
-- Views hold no data: this migration changes nothing stored.

-- Village → township → war zone, with names.
CREATE VIEW geo AS
SELECT v.village_code,
       v.name AS village,
       v.is_poor AS poor_village,
       v.exit_year AS village_exit_year,
       t.township_code,
       t.name AS township,
       coalesce(t.name_en, t.name) AS township_en,
       t.kind AS township_kind,
       z.zone_id,
       z.name AS zone,
       coalesce(z.name_en, z.name) AS zone_en
FROM village v
JOIN township t ON t.township_code = v.township_code
JOIN war_zone z ON z.zone_id = t.zone_id;

-- The statistical years: those with a rural population on record.
CREATE VIEW stat_year AS
SELECT DISTINCT year FROM village_year;

-- A household is poor in year y when identified in or before y and not
-- exited in or before y (a household that exits in y no longer counts in y).
CREATE VIEW poor_household_year AS
SELECT y.year,
       h.household_code,
       h.village_code,
       g.township_code,
       g.zone_id,
       h.attribute,
       h.able_to_work,
       h.main_cause,
       h.secondary_cause_1,
       h.secondary_cause_2,
       h.identified_year,
       h.exit_year,
       h.cadre_code
FROM stat_year y
JOIN household h ON h.identified_year <= y.year AND (h.exit_year IS NULL OR h.exit_year > y.year)
JOIN geo g ON g.village_code = h.village_code;

-- The poor population of year y: members of households poor in y who were
-- still registered in the household in y (removed after y, or never).
CREATE VIEW poor_person_year AS
SELECT p.year,
       m.member_code,
       p.household_code,
       p.village_code,
       p.township_code,
       p.zone_id
FROM poor_household_year p
JOIN member m ON m.household_code = p.household_code AND (m.removed_year IS NULL OR m.removed_year > p.year);

-- Poverty incidence by village and year: poor population / rural registered
-- population. Townships, war zones and the banner are sums of these rows
-- (sum the counts, then divide; never average the percentages).
CREATE VIEW incidence_village_year AS
WITH hh AS (
    SELECT year, village_code, count(*) AS poor_households
    FROM poor_household_year GROUP BY year, village_code
),
pp AS (
    SELECT year, village_code, count(*) AS poor_people
    FROM poor_person_year GROUP BY year, village_code
)
SELECT vy.year,
       vy.village_code,
       g.township_code,
       g.zone_id,
       coalesce(hh.poor_households, 0) AS poor_households,
       coalesce(pp.poor_people, 0) AS poor_people,
       vy.rural_households,
       vy.rural_population,
       100.0 * coalesce(pp.poor_people, 0) / nullif(vy.rural_population, 0) AS incidence
FROM village_year vy
JOIN geo g ON g.village_code = vy.village_code
LEFT JOIN hh ON hh.year = vy.year AND hh.village_code = vy.village_code
LEFT JOIN pp ON pp.year = vy.year AND pp.village_code = vy.village_code;

-- Per-capita net income (人均纯收入) of a household in a year:
-- (wage + operating + property + transfer income − operating costs) ÷ the
-- household's persons that year, with that year's poverty and monitoring
-- lines. A group's per-capita income is sum(net_income) / sum(persons).
CREATE VIEW income_household_year AS
SELECT i.household_code,
       i.year,
       h.village_code,
       g.township_code,
       g.zone_id,
       h.able_to_work,
       i.persons,
       i.wage_income,
       i.operating_income,
       i.property_income,
       i.transfer_income,
       i.operating_cost,
       i.wage_income + i.operating_income + i.property_income + i.transfer_income AS gross_income,
       i.wage_income + i.operating_income + i.property_income + i.transfer_income - i.operating_cost AS net_income,
       (i.wage_income + i.operating_income + i.property_income + i.transfer_income - i.operating_cost)::DOUBLE
           / nullif(i.persons, 0) AS net_income_per_capita,
       pl.poverty_line::DOUBLE AS poverty_line,
       pl.monitoring_line::DOUBLE AS monitoring_line
FROM income_year i
JOIN household h ON h.household_code = i.household_code
JOIN geo g ON g.village_code = h.village_code
LEFT JOIN poverty_line pl ON pl.year = i.year;

-- Households that left the rolls: lifted out (脱贫) or natural decrease
-- (自然减少). People lifted out are the members still in the household after
-- the exit year; the people of a natural decrease are the members registered
-- in the year the household left.
CREATE VIEW household_exit AS
WITH people AS (
    SELECT m.household_code,
           count(*) FILTER (WHERE m.removed_year IS NULL OR m.removed_year > h.exit_year) AS people_after_exit,
           count(*) FILTER (WHERE m.removed_year IS NULL OR m.removed_year >= h.exit_year) AS people_at_exit
    FROM member m
    JOIN household h ON h.household_code = m.household_code
    WHERE h.exit_year IS NOT NULL
    GROUP BY m.household_code
)
SELECT h.household_code,
       h.village_code,
       g.township_code,
       g.zone_id,
       h.exit_year,
       h.exit_kind,
       coalesce(p.people_after_exit, 0) AS people_after_exit,
       coalesce(p.people_at_exit, 0) AS people_at_exit
FROM household h
JOIN geo g ON g.village_code = h.village_code
LEFT JOIN people p ON p.household_code = h.household_code
WHERE h.exit_year IS NOT NULL;

-- Measure coverage by village, year and category: households poor that
-- year (eligible) and those of them that received at least one measure of
-- the category that year (covered). Coverage = covered / eligible, summed
-- over villages for any larger unit.
CREATE VIEW coverage_village_year AS
WITH eligible AS (
    SELECT year, village_code, any_value(township_code) AS township_code, any_value(zone_id) AS zone_id,
           count(*) AS eligible_households
    FROM poor_household_year GROUP BY year, village_code
),
covered AS (
    SELECT p.year, p.village_code, a.category, count(DISTINCT p.household_code) AS covered_households
    FROM poor_household_year p
    JOIN household_measure hm ON hm.household_code = p.household_code AND hm.year = p.year
    JOIN aid_measure a ON a.measure_code = hm.measure_code
    GROUP BY p.year, p.village_code, a.category
),
categories AS (SELECT DISTINCT category FROM aid_measure)
SELECT e.year, e.village_code, e.township_code, e.zone_id, c.category,
       e.eligible_households,
       coalesce(k.covered_households, 0) AS covered_households
FROM eligible e
CROSS JOIN categories c
LEFT JOIN covered k ON k.year = e.year AND k.village_code = e.village_code AND k.category = c.category;

-- Asset-income dividends with the entity's kind and the household's place.
-- Yield (资产收益率) = sum(amount) / sum(share_principal).
CREATE VIEW dividend_paid AS
SELECT d.year,
       d.investment_code,
       f.entity_code,
       e.kind AS entity_kind,
       e.name AS entity,
       d.household_code,
       h.village_code,
       g.township_code,
       g.zone_id,
       d.share_principal,
       d.amount
FROM dividend d
JOIN fund_investment f ON f.investment_code = d.investment_code
JOIN industry_entity e ON e.entity_code = f.entity_code
JOIN household h ON h.household_code = d.household_code
JOIN geo g ON g.village_code = h.village_code;

-- Revolving-fund loans with the borrowing household's place.
CREATE VIEW loan_geo AS
SELECT r.loan_code,
       r.household_code,
       h.village_code,
       g.township_code,
       g.zone_id,
       r.amount,
       r.repaid_amount,
       r.issued_date,
       year(r.issued_date) AS issue_year,
       r.due_date,
       r.settled_date
FROM revolving_loan r
JOIN household h ON h.household_code = r.household_code
JOIN geo g ON g.village_code = h.village_code;

-- Risk warnings with their place and days from detection to resolution. A
-- warning is open on day d when detected on or before d and not resolved on
-- or before d.
CREATE VIEW risk_warning AS
SELECT r.event_code,
       r.household_code,
       r.village_code,
       g.township_code,
       g.zone_id,
       r.monitored_group,
       r.persons,
       r.detected_date,
       r.resolved_date,
       r.source,
       r.cause,
       r.severity,
       r.resolved_date - r.detected_date AS days_to_resolve
FROM risk_event r
JOIN geo g ON g.village_code = r.village_code;
