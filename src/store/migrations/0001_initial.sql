-- Jingzhun schema, version 1.
-- Natural keys are primary keys. References between tables are checked by the
-- importer (DuckDB foreign keys would forbid updating a referenced row by key).

CREATE TABLE war_zone (
    zone_id INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    name_en VARCHAR,
    commander VARCHAR,
    PRIMARY KEY (zone_id)
);

CREATE TABLE township (
    township_code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    name_en VARCHAR,
    kind VARCHAR NOT NULL,
    zone_id INTEGER NOT NULL,
    PRIMARY KEY (township_code)
);

CREATE TABLE village (
    village_code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    township_code VARCHAR NOT NULL,
    is_poor BOOLEAN NOT NULL,
    exit_year INTEGER,
    PRIMARY KEY (village_code)
);

CREATE TABLE village_year (
    village_code VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    rural_households INTEGER NOT NULL,
    rural_population INTEGER NOT NULL,
    PRIMARY KEY (village_code, year)
);

CREATE TABLE poverty_line (
    year INTEGER NOT NULL,
    poverty_line DECIMAL(14,2) NOT NULL,
    monitoring_line DECIMAL(14,2),
    PRIMARY KEY (year)
);

CREATE TABLE aid_measure (
    measure_code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    name_en VARCHAR,
    category VARCHAR NOT NULL,
    model VARCHAR,
    target VARCHAR NOT NULL,
    PRIMARY KEY (measure_code)
);

CREATE TABLE industry_entity (
    entity_code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    sector VARCHAR NOT NULL,
    township_code VARCHAR NOT NULL,
    village_code VARCHAR,
    founded_year INTEGER,
    PRIMARY KEY (entity_code)
);

CREATE TABLE work_team (
    team_code VARCHAR NOT NULL,
    village_code VARCHAR NOT NULL,
    dispatch_unit VARCHAR NOT NULL,
    start_year INTEGER NOT NULL,
    PRIMARY KEY (team_code)
);

CREATE TABLE cadre (
    cadre_code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    work_unit VARCHAR NOT NULL,
    team_code VARCHAR,
    PRIMARY KEY (cadre_code)
);

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
    cadre_code VARCHAR,
    PRIMARY KEY (household_code)
);

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
    removed_reason VARCHAR,
    PRIMARY KEY (member_code)
);

CREATE TABLE income_year (
    household_code VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    wage_income DECIMAL(14,2) NOT NULL,
    operating_income DECIMAL(14,2) NOT NULL,
    property_income DECIMAL(14,2) NOT NULL,
    transfer_income DECIMAL(14,2) NOT NULL,
    operating_cost DECIMAL(14,2) NOT NULL,
    persons INTEGER NOT NULL,
    PRIMARY KEY (household_code, year)
);

CREATE TABLE household_measure (
    household_code VARCHAR NOT NULL,
    measure_code VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    amount DECIMAL(14,2) NOT NULL,
    PRIMARY KEY (household_code, measure_code, year)
);

CREATE TABLE fund_investment (
    investment_code VARCHAR NOT NULL,
    entity_code VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    principal DECIMAL(14,2) NOT NULL,
    floor_rate DECIMAL(9,4) NOT NULL,
    fund_source VARCHAR,
    PRIMARY KEY (investment_code)
);

CREATE TABLE dividend (
    investment_code VARCHAR NOT NULL,
    household_code VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    share_principal DECIMAL(14,2) NOT NULL,
    amount DECIMAL(14,2) NOT NULL,
    paid_date DATE,
    PRIMARY KEY (investment_code, household_code, year)
);

CREATE TABLE revolving_loan (
    loan_code VARCHAR NOT NULL,
    household_code VARCHAR NOT NULL,
    amount DECIMAL(14,2) NOT NULL,
    issued_date DATE NOT NULL,
    due_date DATE NOT NULL,
    repaid_amount DECIMAL(14,2) NOT NULL,
    settled_date DATE,
    purpose VARCHAR NOT NULL,
    PRIMARY KEY (loan_code)
);

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
    measures_taken VARCHAR,
    PRIMARY KEY (event_code)
);

CREATE TABLE yipin_meeting (
    meeting_code VARCHAR NOT NULL,
    village_code VARCHAR NOT NULL,
    meeting_date DATE NOT NULL,
    visits INTEGER NOT NULL,
    issues_raised INTEGER NOT NULL,
    households_discussed INTEGER NOT NULL,
    actions_done INTEGER NOT NULL,
    satisfaction DECIMAL(9,4),
    PRIMARY KEY (meeting_code)
);

CREATE SEQUENCE import_batch_seq START 1;
CREATE TABLE import_batch (
    batch_id BIGINT PRIMARY KEY DEFAULT nextval('import_batch_seq'),
    run_id VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    encoding VARCHAR NOT NULL,
    rows_accepted BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    rows_inserted BIGINT NOT NULL,
    rows_updated BIGINT NOT NULL,
    mode VARCHAR NOT NULL,
    imported_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
