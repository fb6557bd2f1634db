-- Jingzhun schema, version 5: summary tables.
--
-- The definitions of migration 3 stay views, renamed `<name>_def`; under
-- their old names are now tables holding their rows, rebuilt by every
-- import inside its transaction (`store::refresh_summaries`), so readers see
-- the old summaries with the old data or the new with the new. Queries keep
-- their names and SQL; at scale 100 the overview's queries read 0.1-6 M
-- summary rows instead of joining households, members and income records
-- on every request (BENCHMARKS.md). A later definition that reads an
-- earlier one (incidence from poor households) reads its table.
--
-- Order matters: each table is built after those its definition reads.

ALTER VIEW poor_household_year RENAME TO poor_household_year_def;
CREATE TABLE poor_household_year AS SELECT * FROM poor_household_year_def;

ALTER VIEW incidence_village_year RENAME TO incidence_village_year_def;
CREATE TABLE incidence_village_year AS SELECT * FROM incidence_village_year_def;

ALTER VIEW income_household_year RENAME TO income_household_year_def;
CREATE TABLE income_household_year AS SELECT * FROM income_household_year_def;

ALTER VIEW household_exit RENAME TO household_exit_def;
CREATE TABLE household_exit AS SELECT * FROM household_exit_def;

ALTER VIEW coverage_village_year RENAME TO coverage_village_year_def;
CREATE TABLE coverage_village_year AS SELECT * FROM coverage_village_year_def;

ALTER VIEW dividend_paid RENAME TO dividend_paid_def;
CREATE TABLE dividend_paid AS SELECT * FROM dividend_paid_def;

ALTER VIEW loan_geo RENAME TO loan_geo_def;
CREATE TABLE loan_geo AS SELECT * FROM loan_geo_def;

ALTER VIEW risk_warning RENAME TO risk_warning_def;
CREATE TABLE risk_warning AS SELECT * FROM risk_warning_def;
