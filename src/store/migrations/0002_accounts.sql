-- Jingzhun schema, version 2: accounts and the audit log (see src/auth/).
-- Passwords are argon2id PHC strings; never a plain password.

CREATE TABLE app_user (
    name VARCHAR NOT NULL,
    role VARCHAR NOT NULL CHECK (role IN ('admin', 'statistician', 'leader')),
    -- At most one scope: a war zone or a township; neither means everything.
    zone_id INTEGER,
    township_code VARCHAR,
    password_hash VARCHAR NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT false,
    -- Raised whenever the user's sessions must end (sign-out, password,
    -- role or scope change); a session carries the epoch it began in.
    session_epoch INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    password_changed_at TIMESTAMP,
    last_sign_in_at TIMESTAMP,
    PRIMARY KEY (name),
    CHECK (zone_id IS NULL OR township_code IS NULL)
);

CREATE SEQUENCE audit_log_id START 1;

CREATE TABLE audit_log (
    id BIGINT NOT NULL DEFAULT nextval('audit_log_id'),
    happened_at TIMESTAMP NOT NULL,
    user_name VARCHAR,
    ip VARCHAR,
    action VARCHAR NOT NULL,
    -- A JSON object.
    detail VARCHAR NOT NULL DEFAULT '{}'
);
