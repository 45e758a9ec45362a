-- Single sign-on: accounts linked to identity providers' subjects, the
-- break-glass and link-on-sign-in flags, and the refresh state of sessions
-- signed in through an OpenID provider.

-- +goose Up
ALTER TABLE users ADD COLUMN break_glass INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN link_on_sign_in INTEGER NOT NULL DEFAULT 0;

CREATE TABLE identities (
    issuer     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE UNIQUE INDEX identities_user ON identities (user_id, issuer);

-- issuer is '' for a password sign-in.
ALTER TABLE sessions ADD COLUMN ext_issuer TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN ext_refresh_token TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN ext_refresh_at TEXT;
ALTER TABLE sessions ADD COLUMN ext_id_token TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE sessions DROP COLUMN ext_id_token;
ALTER TABLE sessions DROP COLUMN ext_refresh_at;
ALTER TABLE sessions DROP COLUMN ext_refresh_token;
ALTER TABLE sessions DROP COLUMN ext_issuer;
DROP INDEX identities_user;
DROP TABLE identities;
ALTER TABLE users DROP COLUMN link_on_sign_in;
ALTER TABLE users DROP COLUMN break_glass;
