-- Teams: accounts as members, owned services, the teams of incidents (added
-- by hand, beside those owning an affected service) and the teams whose
-- members see a restricted incident. incident_viewers is every (incident,
-- account) pair of a restricted incident's readers, named or through a
-- team: the one relation the viewer filters read, so a membership change
-- takes effect with the next query. It is UNION ALL, so filters on it are
-- pushed into both arms (an account may appear twice: readers use EXISTS,
-- IN or DISTINCT).

-- +goose Up
CREATE TABLE teams (
    slug       TEXT PRIMARY KEY,                    -- lower case, [a-z0-9-], never changes
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE team_members (
    team_slug TEXT NOT NULL REFERENCES teams (slug) ON DELETE CASCADE,
    user_id   TEXT NOT NULL,
    PRIMARY KEY (team_slug, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

CREATE TABLE team_services (
    team_slug   TEXT NOT NULL REFERENCES teams (slug) ON DELETE CASCADE,
    service     TEXT NOT NULL,                      -- as the admin wrote it
    service_key TEXT NOT NULL,                      -- lower(service)
    PRIMARY KEY (team_slug, service_key)
);
CREATE INDEX team_services_key ON team_services (service_key);

-- kind 'hand': a team added to the incident by hand; 'member': a team whose
-- members see the incident while it is restricted.
CREATE TABLE incident_teams (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    team_slug   TEXT NOT NULL REFERENCES teams (slug) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    PRIMARY KEY (incident_id, kind, team_slug)
);
CREATE INDEX incident_teams_team ON incident_teams (team_slug, kind);

CREATE VIEW incident_viewers AS
SELECT incident_id, user_id FROM incident_members
UNION ALL
SELECT it.incident_id, tm.user_id FROM incident_teams it JOIN team_members tm ON tm.team_slug = it.team_slug WHERE it.kind = 'member';

-- +goose Down
DROP VIEW incident_viewers;
DROP TABLE incident_teams;
DROP TABLE team_services;
DROP TABLE team_members;
DROP TABLE teams;
