package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight"
)

var _ hindsight.TeamStore = (*Store)(nil)

// The kinds of incident_teams rows.
const (
	teamByHand = "hand"   // a team added to the incident by hand
	teamMember = "member" // a team whose members see the restricted incident
)

func teamNotFound(slug string) error {
	return hindsight.Errorf(hindsight.ENotFound, "team %q not found", slug)
}

// CreateTeam implements hindsight.TeamStore.
func (s *Store) CreateTeam(ctx context.Context, t *hindsight.Team, audit []hindsight.AuditEntry) (*hindsight.Team, error) {
	if t == nil || !hindsight.ValidTeamSlug(t.Slug) || strings.TrimSpace(t.Name) == "" || !storable(t.Name) {
		return nil, hindsight.Errorf(hindsight.EInvalid, "create team: a valid slug and a name are required")
	}
	now := s.now()
	var out *hindsight.Team
	err := s.tx(ctx, func(tx *sql.Tx) error {
		name := strings.TrimSpace(t.Name)
		_, err := tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO teams (slug, name, name_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`),
			t.Slug, name, foldKey(name), s.d.Time(now), s.d.Time(now))
		if s.d.IsUniqueViolation(err) {
			return hindsight.Errorf(hindsight.EConflict, "a team with the slug %q exists", t.Slug)
		}
		if err != nil {
			return err
		}
		ids := make([]string, 0, len(t.Members))
		for _, m := range t.Members {
			ids = append(ids, m.UserID)
		}
		if err := s.addTeamRows(ctx, tx, t.Slug, ids, t.Services); err != nil {
			return err
		}
		if err := s.writeAudit(ctx, tx, now, audit); err != nil {
			return err
		}
		out, err = s.readTeam(ctx, tx, t.Slug)
		return err
	})
	return out, internal("create team", err)
}

// addTeamRows adds members (account IDs) and services to team slug in tx;
// ones it already has are kept.
func (s *Store) addTeamRows(ctx context.Context, tx *sql.Tx, slug string, members, services []string) error {
	for _, id := range members {
		if id = clean(strings.TrimSpace(id)); id == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO team_members (team_slug, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`), slug, id); err != nil {
			return err
		}
	}
	for _, sv := range services {
		if sv = clean(strings.TrimSpace(sv)); sv == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO team_services (team_slug, service, service_key) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`),
			slug, sv, strings.ToLower(sv)); err != nil {
			return err
		}
	}
	return nil
}

// queryer is what reads in or out of a transaction share.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// FindTeam implements hindsight.TeamStore.
func (s *Store) FindTeam(ctx context.Context, slug string) (*hindsight.Team, error) {
	slug = strings.ToLower(strings.TrimSpace(slug))
	if !hindsight.ValidTeamSlug(slug) {
		return nil, teamNotFound(slug)
	}
	t, err := s.readTeam(ctx, s.r, slug)
	return t, internal("find team", err)
}

func (s *Store) readTeam(ctx context.Context, q queryer, slug string) (*hindsight.Team, error) {
	ts, err := s.readTeams(ctx, q, `t.slug = ?`, slug)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, teamNotFound(slug)
	}
	return &ts[0], nil
}

// readTeams reads the teams matching where (on teams t), with their
// members and services, by slug.
func (s *Store) readTeams(ctx context.Context, q queryer, where string, args ...any) ([]hindsight.Team, error) {
	rows, err := q.QueryContext(ctx, s.d.Rebind(`SELECT t.slug, t.name, t.created_at, t.updated_at FROM teams t WHERE `+where+` ORDER BY t.slug`), args...)
	if err != nil {
		return nil, err
	}
	var out []hindsight.Team
	at := map[string]int{}
	for rows.Next() {
		var t hindsight.Team
		if err := rows.Scan(&t.Slug, &t.Name, timeScan{&t.CreatedAt}, timeScan{&t.UpdatedAt}); err != nil {
			rows.Close()
			return nil, err
		}
		t.Members, t.Services = []hindsight.TeamMember{}, []string{}
		at[t.Slug] = len(out)
		out = append(out, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	rows, err = q.QueryContext(ctx, s.d.Rebind(`SELECT m.team_slug, m.user_id, COALESCE(u.email, ''), COALESCE(u.name, '')
FROM team_members m JOIN teams t ON t.slug = m.team_slug LEFT JOIN users u ON u.id = m.user_id
WHERE `+where+` ORDER BY m.team_slug, COALESCE(u.email, m.user_id)`), args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var slug string
		var m hindsight.TeamMember
		if err := rows.Scan(&slug, &m.UserID, &m.Email, &m.Name); err != nil {
			rows.Close()
			return nil, err
		}
		t := &out[at[slug]]
		t.Members = append(t.Members, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, s.d.Rebind(`SELECT ts.team_slug, ts.service FROM team_services ts JOIN teams t ON t.slug = ts.team_slug
WHERE `+where+` ORDER BY ts.team_slug, ts.service_key`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var slug, sv string
		if err := rows.Scan(&slug, &sv); err != nil {
			return nil, err
		}
		t := &out[at[slug]]
		t.Services = append(t.Services, sv)
	}
	return out, rows.Err()
}

// FindTeams implements hindsight.TeamStore.
func (s *Store) FindTeams(ctx context.Context, userID string) ([]hindsight.Team, error) {
	var ts []hindsight.Team
	var err error
	if userID == "" {
		ts, err = s.readTeams(ctx, s.r, `1 = 1`)
	} else {
		ts, err = s.readTeams(ctx, s.r, `t.slug IN (SELECT tm.team_slug FROM team_members tm WHERE tm.user_id = ?)`, clean(userID))
	}
	if ts == nil {
		ts = []hindsight.Team{}
	}
	return ts, internal("find teams", err)
}

// UpdateTeam implements hindsight.TeamStore.
func (s *Store) UpdateTeam(ctx context.Context, slug string, u hindsight.TeamUpdate, audit []hindsight.AuditEntry) (*hindsight.Team, error) {
	if !hindsight.ValidTeamSlug(slug) {
		return nil, teamNotFound(slug)
	}
	if u.Name != nil && (strings.TrimSpace(*u.Name) == "" || !storable(*u.Name)) {
		return nil, hindsight.Errorf(hindsight.EInvalid, "name: a team needs a name")
	}
	now := s.now()
	var out *hindsight.Team
	err := s.tx(ctx, func(tx *sql.Tx) error {
		q := `UPDATE teams SET updated_at = ?`
		args := []any{s.d.Time(now)}
		if u.Name != nil {
			q += `, name = ?, name_key = ?`
			name := strings.TrimSpace(*u.Name)
			args = append(args, name, foldKey(name))
		}
		q, args = q+` WHERE slug = ?`, append(args, slug)
		if u.Name != nil && u.NameWas != nil {
			// compare and set: still the name the person saw (or already
			// the new one)
			q += ` AND name IN (?, ?)`
			args = append(args, strings.TrimSpace(*u.NameWas), strings.TrimSpace(*u.Name))
		}
		res, err := tx.ExecContext(ctx, s.d.Rebind(q), args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			var name string
			switch err := tx.QueryRowContext(ctx, s.d.Rebind(`SELECT name FROM teams WHERE slug = ?`), slug).Scan(&name); {
			case errors.Is(err, sql.ErrNoRows):
				return teamNotFound(slug)
			case err != nil:
				return err
			}
			return &hindsight.Error{Code: hindsight.EConflict,
				Message: fmt.Sprintf("name: the team was renamed “%s” since it was read as “%s”; rename it again if “%s” should win", name, strings.TrimSpace(*u.NameWas), strings.TrimSpace(*u.Name)),
				Fields:  []hindsight.FieldError{{Field: "name", Message: "renamed “" + name + "” by someone else meanwhile"}}}
		}
		for _, id := range u.RemoveMembers {
			if _, err := tx.ExecContext(ctx, s.d.Rebind(`DELETE FROM team_members WHERE team_slug = ? AND user_id = ?`), slug, clean(id)); err != nil {
				return err
			}
		}
		for _, sv := range u.RemoveServices {
			if _, err := tx.ExecContext(ctx, s.d.Rebind(`DELETE FROM team_services WHERE team_slug = ? AND service_key = ?`),
				slug, strings.ToLower(clean(strings.TrimSpace(sv)))); err != nil {
				return err
			}
		}
		if err := s.addTeamRows(ctx, tx, slug, u.AddMembers, u.AddServices); err != nil {
			return err
		}
		if err := s.writeAudit(ctx, tx, now, audit); err != nil {
			return err
		}
		out, err = s.readTeam(ctx, tx, slug)
		return err
	})
	return out, internal("update team", err)
}

// DeleteTeam implements hindsight.TeamStore.
func (s *Store) DeleteTeam(ctx context.Context, slug string, audit []hindsight.AuditEntry) error {
	if !hindsight.ValidTeamSlug(slug) {
		return teamNotFound(slug)
	}
	now := s.now()
	err := s.tx(ctx, func(tx *sql.Tx) error {
		// the rows that name the team go first: the foreign keys cascade
		// on SQLite and PostgreSQL alike, but explicit deletes keep the
		// order of locks the same on both
		for _, q := range []string{`DELETE FROM incident_teams WHERE team_slug = ?`, `DELETE FROM team_members WHERE team_slug = ?`,
			`DELETE FROM team_services WHERE team_slug = ?`} {
			if _, err := tx.ExecContext(ctx, s.d.Rebind(q), slug); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, s.d.Rebind(`DELETE FROM teams WHERE slug = ?`), slug)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return teamNotFound(slug)
		}
		return s.writeAudit(ctx, tx, now, audit)
	})
	return internal("delete team", err)
}

// SyncTeams implements hindsight.TeamStore.
func (s *Store) SyncTeams(ctx context.Context, userID string, managed, want []string, audit func(added, removed []string) []hindsight.AuditEntry) (added, removed []string, err error) {
	if userID == "" || !storable(userID) {
		return nil, nil, hindsight.Errorf(hindsight.EInvalid, "sync teams: the account is missing")
	}
	now := s.now()
	err = s.tx(ctx, func(tx *sql.Tx) error {
		added, removed = nil, nil
		have := map[string]bool{}
		rows, err := tx.QueryContext(ctx, s.d.Rebind(`SELECT team_slug FROM team_members WHERE user_id = ?`), userID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var slug string
			if err := rows.Scan(&slug); err != nil {
				rows.Close()
				return err
			}
			have[slug] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, slug := range sortedSet(managed) {
			in := slices.Contains(want, slug)
			switch {
			case in && !have[slug]:
				res, err := tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO team_members (team_slug, user_id) SELECT slug, ? FROM teams WHERE slug = ?`), userID, slug)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n > 0 {
					added = append(added, slug)
				}
			case !in && have[slug]:
				if _, err := tx.ExecContext(ctx, s.d.Rebind(`DELETE FROM team_members WHERE team_slug = ? AND user_id = ?`), slug, userID); err != nil {
					return err
				}
				removed = append(removed, slug)
			}
		}
		if audit == nil || len(added)+len(removed) == 0 {
			return nil
		}
		return s.writeAudit(ctx, tx, now, audit(added, removed))
	})
	if err != nil {
		return nil, nil, internal("sync teams", err)
	}
	return added, removed, nil
}

func sortedSet(xs []string) []string {
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}

// setIncidentTeams replaces the incident's teams of kind in tx. Unknown
// slugs are EInvalid naming field.
func (s *Store) setIncidentTeams(ctx context.Context, tx dbtx, id, kind, field string, slugs []string, nw *newRows) error {
	if nw == nil {
		if _, err := tx.ExecContext(ctx, s.d.Rebind(`DELETE FROM incident_teams WHERE incident_id = ? AND kind = ?`), id, kind); err != nil {
			return err
		}
	}
	for i, slug := range sortedSet(slugs) {
		res, err := tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO incident_teams (incident_id, team_slug, kind) SELECT ?, slug, ? FROM teams WHERE slug = ?`), id, kind, clean(slug))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			msg := "no team has the slug " + `"` + clean(slug) + `"`
			f := field + "[" + strconv.Itoa(i) + "]"
			return &hindsight.Error{Code: hindsight.EInvalid, Message: f + ": " + msg, Fields: []hindsight.FieldError{{Field: f, Message: msg}}}
		}
	}
	return nil
}

// setDocTeams projects the document's "Teams:" line (hindsight.DocTeams)
// into the incident's teams added by hand, in tx: each word names a team by
// slug or by name (case-insensitively); words that name no team are left
// out (the document keeps them: a team created later is linked at the
// next save).
func (s *Store) setDocTeams(ctx context.Context, tx dbtx, id string, doc *hindsight.Postmortem, nw *newRows) error {
	if nw == nil {
		if _, err := tx.ExecContext(ctx, s.d.Rebind(`DELETE FROM incident_teams WHERE incident_id = ? AND kind = ?`), id, teamByHand); err != nil {
			return err
		}
	}
	for _, w := range hindsight.DocTeams(doc) {
		_, err := tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO incident_teams (incident_id, team_slug, kind)
SELECT ?, slug, ? FROM teams WHERE slug = ? OR name_key = ? ON CONFLICT DO NOTHING`), id, teamByHand, strings.ToLower(clean(w)), foldKey(w))
		if err != nil {
			return err
		}
	}
	return nil
}

// readIncidentTeams fills in inc's team lists.
func (s *Store) readIncidentTeams(ctx context.Context, q queryer, inc *hindsight.Incident) error {
	rows, err := q.QueryContext(ctx, s.d.Rebind(`SELECT kind, team_slug FROM incident_teams WHERE incident_id = ? ORDER BY kind, team_slug`), inc.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	inc.Teams, inc.MemberTeams = nil, nil
	for rows.Next() {
		var kind, slug string
		if err := rows.Scan(&kind, &slug); err != nil {
			return err
		}
		if kind == teamMember {
			inc.MemberTeams = append(inc.MemberTeams, slug)
		} else {
			inc.Teams = append(inc.Teams, slug)
		}
	}
	return rows.Err()
}

// FindIncidentTeams implements hindsight.TeamStore.
func (s *Store) FindIncidentTeams(ctx context.Context, v hindsight.Viewer, id string) ([]hindsight.IncidentTeam, error) {
	if err := s.visibleIncident(ctx, v, id, nil); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, s.d.Rebind(`SELECT t.slug, t.name, 1, '' FROM incident_teams it JOIN teams t ON t.slug = it.team_slug
WHERE it.incident_id = ? AND it.kind = '`+teamByHand+`'
UNION ALL
SELECT t.slug, t.name, 0, sv.name FROM incident_services sv JOIN team_services ts ON ts.service_key = lower(sv.name) JOIN teams t ON t.slug = ts.team_slug
WHERE sv.incident_id = ?
ORDER BY 1, 4`), id, id)
	if err != nil {
		return nil, internal("find incident teams", err)
	}
	defer rows.Close()
	out := []hindsight.IncidentTeam{}
	for rows.Next() {
		var t hindsight.IncidentTeam
		var hand int
		var sv string
		if err := rows.Scan(&t.Slug, &t.Name, &hand, &sv); err != nil {
			return nil, internal("find incident teams", err)
		}
		if n := len(out); n > 0 && out[n-1].Slug == t.Slug {
			t = out[n-1]
			out = out[:n-1]
		}
		t.ByHand = t.ByHand || hand == 1
		if sv != "" && !slices.Contains(t.Services, sv) {
			t.Services = append(t.Services, sv)
		}
		out = append(out, t)
	}
	return out, internal("find incident teams", rows.Err())
}

// teamItemConds adds the team filters of action items (alias a): the
// items of team's incidents, and the items owned by ownerTeam (the
// owner's key is its slug or its name folded, name_key).
func teamItemConds(c *cond, team, ownerTeam string) {
	if team = strings.ToLower(clean(strings.TrimSpace(team))); team != "" {
		c.add(`a.incident_id IN (SELECT it.incident_id FROM incident_teams it WHERE it.kind = '`+teamByHand+`' AND it.team_slug = ?
UNION SELECT tsv.incident_id FROM team_services ts JOIN incident_services tsv ON lower(tsv.name) = ts.service_key WHERE ts.team_slug = ?)`, team, team)
	}
	if ownerTeam = strings.ToLower(clean(strings.TrimSpace(ownerTeam))); ownerTeam != "" {
		c.add(`a.owner_key IN (SELECT t.slug FROM teams t WHERE t.slug = ? UNION SELECT t.name_key FROM teams t WHERE t.slug = ?)`, ownerTeam, ownerTeam)
	}
}

// teamCond is the condition that the incident (alias i) is one of team
// slug's: added by hand, or owning one of its affected services.
func teamCond(c *cond, slug string) {
	slug = strings.ToLower(clean(strings.TrimSpace(slug)))
	c.add(`(EXISTS (SELECT 1 FROM incident_teams it WHERE it.incident_id = i.id AND it.kind = '`+teamByHand+`' AND it.team_slug = ?)
OR EXISTS (SELECT 1 FROM team_services ts JOIN incident_services tsv ON lower(tsv.name) = ts.service_key WHERE ts.team_slug = ? AND tsv.incident_id = i.id))`, slug, slug)
}
