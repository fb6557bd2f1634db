-- Jingzhun schema, version 4: data tables without primary-key indexes.
--
-- The importer already guarantees one row per natural key (it refuses a key
-- seen twice in one run and merges by key into what is there), and DuckDB's
-- ART index on composite text keys made loading 4-7x slower (7.2 million
-- household_measure rows: 35-58 s with the key index, 8 s without; see
-- BENCHMARKS.md). The tables are rebuilt with the same columns and NOT NULL
-- rules and no PRIMARY KEY; the views of migration 3 bind by name and keep
-- working.

ALTER TABLE war_zone RENAME TO war_zone_v3;
CREATE TABLE war_zone (
    zone_id INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    name_en VARCHAR,
    commander VARCHAR
);
INSERT INTO war_zone SELECT * FROM war_zone_v3;
DROP TABLE war_zone_v3;

ALTER TABLE township RENAME TO township_v3;
CREATE TABLE township (
    township_code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    name_en VARCHAR,
    kind VARCHAR NOT NULL,
    zone_id INTEGER NOT NULL
);
INSERT INTO township SELECT * FROM township_v3;
DROP TABLE township_v3;

ALTER TABLE village RENAME TO village_v3;
CREATE TABLE village (
    village_code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    township_code VARCHAR NOT NULL,
    is_poor BOOLEAN NOT NULL,
    exit_year INTEGER
);
INSERT INTO village SELECT * FROM village_v3;
DROP TABLE village_v3;

ALTER TABLE village_year RENAME TO village_year_v3;
CREATE TABLE village_year (
    village_code VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    rural_households INTEGER NOT NULL,
    rural_population INTEGER NOT NULL
);
INSERT INTO village_year SELECT * FROM village_year_v3;
DROP TABLE village_year_v3;

ALTER TABLE poverty_line RENAME TO poverty_line_v3;
CREATE TABLE poverty_line (
    year INTEGER NOT NULL,
    poverty_line DECIMAL(14,2) NOT NULL,
    monitoring_line DECIMAL(14,2)
);
INSERT INTO poverty_line SELECT * FROM poverty_line_v3;
DROP TABLE poverty_line_v3;

ALTER TABLE aid_measure RENAME TO aid_measure_v3;
CREATE TABLE aid_measure (
    measure_code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    name_en VARCHAR,
    category VARCHAR NOT NULL,
    model VARCHAR,
    target VARCHAR NOT NULL
);
INSERT INTO aid_measure SELECT * FROM aid_measure_v3;
DROP TABLE aid_measure_v3;

ALTER TABLE industry_entity RENAME TO industry_entity_v3;
CREATE TABLE industry_entity (
    entity_code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    sector VARCHAR NOT NULL,
    township_code VARCHAR NOT NULL,
    village_code VARCHAR,
    founded_year INTEGER
);
INSERT INTO industry_entity SELECT * FROM industry_entity_v3;
DROP TABLE industry_entity_v3;

ALTER TABLE work_team RENAME TO work_team_v3;
CREATE TABLE work_team (
    team_code VARCHAR NOT NULL,
    village_code VARCHAR NOT NULL,
    dispatch_unit VARCHAR NOT NULL,
    start_year INTEGER NOT NULL
);
INSERT INTO work_team SELECT * FROM work_team_v3;
DROP TABLE work_team_v3;

ALTER TABLE cadre RENAME TO cadre_v3;
CREATE TABLE cadre (
    cadre_code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    work_unit VARCHAR NOT NULL,
    team_code VARCHAR
);
INSERT INTO cadre SELECT * FROM cadre_v3;
DROP TABLE cadre_v3;

ALTER TABLE household RENAME TO household_v3;
CREATE TABLE household (
    household_code VARCHAR NOT NULL,
    village_code VARCHAR NOT NULL,
    head_name VARCHAR NOT NULL,
    size INTEGER NOT NULL,
    labour_count INTEGER NOT NULL,
    attribute VARCHAR NOT NULL,
    able_to_work BOOLEAN NOT NULL,
    main_cause VARCHAR NOT NULL,
    secondary_cause_1 VARCHAR,
    secondary_cause_2 VARCHAR,
    identified_year INTEGER NOT NULL,
    exit_year INTEGER,
    exit_kind VARCHAR,
    food_clothing_secure BOOLEAN NOT NULL,
    education_secure BOOLEAN NOT NULL,
    medical_secure BOOLEAN NOT NULL,
    housing_secure BOOLEAN NOT NULL,
    water_secure BOOLEAN NOT NULL,
    cadre_code VARCHAR
);
INSERT INTO household SELECT * FROM household_v3;
DROP TABLE household_v3;

ALTER TABLE member RENAME TO member_v3;
CREATE TABLE member (
    member_code VARCHAR NOT NULL,
    household_code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    id_number VARCHAR,
    relation VARCHAR NOT NULL,
    sex VARCHAR NOT NULL,
    birth_year INTEGER NOT NULL,
    ethnicity VARCHAR NOT NULL,
    education VARCHAR NOT NULL,
    schooling VARCHAR NOT NULL,
    health VARCHAR NOT NULL,
    labour_skill VARCHAR NOT NULL,
    migrant_months INTEGER NOT NULL,
    removed_year INTEGER,
    removed_reason VARCHAR
);
INSERT INTO member SELECT * FROM member_v3;
DROP TABLE member_v3;

ALTER TABLE income_year RENAME TO income_year_v3;
CREATE TABLE income_year (
    household_code VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    wage_income DECIMAL(14,2) NOT NULL,
    operating_income DECIMAL(14,2) NOT NULL,
    property_income DECIMAL(14,2) NOT NULL,
    transfer_income DECIMAL(14,2) NOT NULL,
    operating_cost DECIMAL(14,2) NOT NULL,
    persons INTEGER NOT NULL
);
INSERT INTO income_year SELECT * FROM income_year_v3;
DROP TABLE income_year_v3;

ALTER TABLE household_measure RENAME TO household_measure_v3;
CREATE TABLE household_measure (
    household_code VARCHAR NOT NULL,
    measure_code VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    amount DECIMAL(14,2) NOT NULL
);
INSERT INTO household_measure SELECT * FROM household_measure_v3;
DROP TABLE household_measure_v3;

ALTER TABLE fund_investment RENAME TO fund_investment_v3;
CREATE TABLE fund_investment (
    investment_code VARCHAR NOT NULL,
    entity_code VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    principal DECIMAL(14,2) NOT NULL,
    floor_rate DECIMAL(9,4) NOT NULL,
    fund_source VARCHAR
);
INSERT INTO fund_investment SELECT * FROM fund_investment_v3;
DROP TABLE fund_investment_v3;

ALTER TABLE dividend RENAME TO dividend_v3;
CREATE TABLE dividend (
    investment_code VARCHAR NOT NULL,
    household_code VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    share_principal DECIMAL(14,2) NOT NULL,
    amount DECIMAL(14,2) NOT NULL,
    paid_date DATE
);
INSERT INTO dividend SELECT * FROM dividend_v3;
DROP TABLE dividend_v3;

ALTER TABLE revolving_loan RENAME TO revolving_loan_v3;
CREATE TABLE revolving_loan (
    loan_code VARCHAR NOT NULL,
    household_code VARCHAR NOT NULL,
    amount DECIMAL(14,2) NOT NULL,
    issued_date DATE NOT NULL,
    due_date DATE NOT NULL,
    repaid_amount DECIMAL(14,2) NOT NULL,
    settled_date DATE,
    purpose VARCHAR NOT NULL
);
INSERT INTO revolving_loan SELECT * FROM revolving_loan_v3;
DROP TABLE revolving_loan_v3;

ALTER TABLE risk_event RENAME TO risk_event_v3;
CREATE TABLE risk_event (
    event_code VARCHAR NOT NULL,
    household_code VARCHAR,
    village_code VARCHAR NOT NULL,
    monitored_group VARCHAR NOT NULL,
    persons INTEGER NOT NULL,
    detected_date DATE NOT NULL,
    source VARCHAR NOT NULL,
    cause VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    income_per_capita DECIMAL(14,2),
    resolved_date DATE,
    measures_taken VARCHAR
);
INSERT INTO risk_event SELECT * FROM risk_event_v3;
DROP TABLE risk_event_v3;

ALTER TABLE yipin_meeting RENAME TO yipin_meeting_v3;
CREATE TABLE yipin_meeting (
    meeting_code VARCHAR NOT NULL,
    village_code VARCHAR NOT NULL,
    meeting_date DATE NOT NULL,
    visits INTEGER NOT NULL,
    issues_raised INTEGER NOT NULL,
    households_discussed INTEGER NOT NULL,
    actions_done INTEGER NOT NULL,
    satisfaction DECIMAL(9,4)
);
INSERT INTO yipin_meeting SELECT * FROM yipin_meeting_v3;
DROP TABLE yipin_meeting_v3;
