package app

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight"
)

// NewTeam is what CreateTeam makes. Members are account emails or IDs.
type NewTeam struct {
	Slug     string
	Name     string
	Members  []string
	Services []string
}

// TeamChange is what UpdateTeam changes; zero fields stay. Members are
// account emails or IDs; services are names (matched case-insensitively).
type TeamChange struct {
	Name *string
	// NameWas: rename only if the name is still this (hindsight.TeamUpdate)
	NameWas        *string
	AddMembers     []string
	RemoveMembers  []string
	AddServices    []string
	RemoveServices []string
}

func (s *Service) teams() (hindsight.TeamStore, error) {
	ts, ok := s.store.(hindsight.TeamStore)
	if !ok {
		return nil, hindsight.Errorf(hindsight.EUnsupport, "this store keeps no teams")
	}
	return ts, nil
}

func fieldErr(field, msg string) error {
	return &hindsight.Error{Code: hindsight.EInvalid, Message: field + ": " + msg, Fields: []hindsight.FieldError{{Field: field, Message: msg}}}
}

// teamName checks a team's display name.
func teamName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", fieldErr("name", "a team needs a name, e.g. Payments")
	case len(name) > hindsight.MaxTeamName || strings.ContainsAny(name, "\n\r\x00"):
		return "", fieldErr("name", "one line of at most 100 characters")
	}
	return name, nil
}

// teamServices checks service names (field names the list).
func teamServices(field string, svcs []string) ([]string, error) {
	out := make([]string, 0, len(svcs))
	for i, sv := range svcs {
		sv = strings.TrimSpace(sv)
		if sv == "" {
			continue
		}
		if len(sv) > 200 || strings.ContainsAny(sv, "\n\r\x00|") {
			return nil, fieldErr(field+"["+strconv.Itoa(i)+"]", "a service name is one line of at most 200 characters without |")
		}
		out = append(out, sv)
	}
	if len(out) > hindsight.MaxTeamServices {
		return nil, fieldErr(field, "at most 200 services")
	}
	return out, nil
}

// teamMembers resolves member emails or IDs to account IDs: every one must
// name an active account (field names the list in errors).
func (s *Service) teamMembers(ctx context.Context, field string, members []string) ([]string, error) {
	ids, err := s.resolveMembers(ctx, members)
	var e *hindsight.Error
	if errors.As(err, &e) && len(e.Fields) == 1 {
		// resolveMembers names the restriction's list; name this one
		f := strings.Replace(e.Fields[0].Field, "members[", field+"[", 1)
		return nil, fieldErr(f, e.Fields[0].Message)
	}
	if err != nil {
		return nil, err
	}
	if len(ids) > hindsight.MaxTeamMembers {
		return nil, fieldErr(field, "at most 1000 members")
	}
	return ids, nil
}

func (s *Service) teamAudit(a Actor, action, slug, detail string) []hindsight.AuditEntry {
	actor := a.ID
	if actor == "" {
		actor = a.author()
	}
	return []hindsight.AuditEntry{{At: s.Now(), Actor: actor, Action: action, Target: "team:" + slug, Address: a.Address, Detail: detail}}
}

// CreateTeam makes a team, with a "team.create" audit record.
func (s *Service) CreateTeam(ctx context.Context, a Actor, n NewTeam) (*hindsight.Team, error) {
	ts, err := s.teams()
	if err != nil {
		return nil, err
	}
	slug, err := hindsight.TeamSlug("slug", n.Slug)
	if err != nil {
		return nil, err
	}
	name, err := teamName(n.Name)
	if err != nil {
		return nil, err
	}
	svcs, err := teamServices("services", n.Services)
	if err != nil {
		return nil, err
	}
	ids, err := s.teamMembers(ctx, "members", n.Members)
	if err != nil {
		return nil, err
	}
	t := &hindsight.Team{Slug: slug, Name: name, Services: svcs}
	for _, id := range ids {
		t.Members = append(t.Members, hindsight.TeamMember{UserID: id})
	}
	detail := name
	if len(svcs) > 0 {
		detail += "; services " + strings.Join(svcs, ", ")
	}
	return ts.CreateTeam(ctx, t, s.teamAudit(a, "team.create", slug, detail))
}

// UpdateTeam changes a team, with a "team.update" audit record naming the
// change.
func (s *Service) UpdateTeam(ctx context.Context, a Actor, slug string, c TeamChange) (*hindsight.Team, error) {
	ts, err := s.teams()
	if err != nil {
		return nil, err
	}
	slug = strings.ToLower(strings.TrimSpace(slug))
	var u hindsight.TeamUpdate
	var detail []string
	if c.Name != nil {
		name, err := teamName(*c.Name)
		if err != nil {
			return nil, err
		}
		u.Name, u.NameWas = &name, c.NameWas
		detail = append(detail, "name "+name)
	}
	if u.AddMembers, err = s.teamMembers(ctx, "add_members", c.AddMembers); err != nil {
		return nil, err
	}
	// a member who left (or whose account is disabled) can still be taken
	// off: IDs are kept as given when they name no active account
	for _, m := range c.RemoveMembers {
		if m = strings.TrimSpace(m); m == "" {
			continue
		}
		if id, err := s.resolveMembers(ctx, []string{m}); err == nil && len(id) == 1 {
			m = id[0]
		} else if as, ok := s.store.(hindsight.AccountStore); ok && strings.Contains(m, "@") {
			if u, err := as.FindUserByEmail(ctx, m); err == nil {
				m = u.ID
			}
		}
		u.RemoveMembers = append(u.RemoveMembers, m)
	}
	if u.AddServices, err = teamServices("add_services", c.AddServices); err != nil {
		return nil, err
	}
	if u.RemoveServices, err = teamServices("remove_services", c.RemoveServices); err != nil {
		return nil, err
	}
	for _, x := range []struct {
		what string
		l    []string
	}{{"added members ", u.AddMembers}, {"removed members ", u.RemoveMembers}, {"added services ", u.AddServices}, {"removed services ", u.RemoveServices}} {
		if len(x.l) > 0 {
			detail = append(detail, x.what+strings.Join(x.l, ", "))
		}
	}
	return ts.UpdateTeam(ctx, slug, u, s.teamAudit(a, "team.update", slug, strings.Join(detail, "; ")))
}

// DeleteTeam removes a team, with a "team.delete" audit record. Incidents
// restricted to it stay visible to their named members and admins.
func (s *Service) DeleteTeam(ctx context.Context, a Actor, slug string) error {
	ts, err := s.teams()
	if err != nil {
		return err
	}
	slug = strings.ToLower(strings.TrimSpace(slug))
	return ts.DeleteTeam(ctx, slug, s.teamAudit(a, "team.delete", slug, ""))
}

// Teams lists every team, or with userID that account's teams.
func (s *Service) Teams(ctx context.Context, userID string) ([]hindsight.Team, error) {
	ts, err := s.teams()
	if err != nil {
		return nil, err
	}
	return ts.FindTeams(ctx, userID)
}

// Team returns one team.
func (s *Service) Team(ctx context.Context, slug string) (*hindsight.Team, error) {
	ts, err := s.teams()
	if err != nil {
		return nil, err
	}
	return ts.FindTeam(ctx, slug)
}

// IncidentTeams returns the teams of an incident the actor may see.
func (s *Service) IncidentTeams(ctx context.Context, a Actor, id string) ([]hindsight.IncidentTeam, error) {
	ts, err := s.teams()
	if err != nil {
		return nil, err
	}
	return ts.FindIncidentTeams(ctx, a.Viewer, id)
}

// teamSlugs reads team slugs (or names, matched case-insensitively) as a
// person types them, EInvalid naming field[i] for one that names no team.
func (s *Service) teamSlugs(ctx context.Context, field string, in []string) ([]string, error) {
	if len(in) == 0 {
		return []string{}, nil
	}
	ts, err := s.teams()
	if err != nil {
		return nil, err
	}
	all, err := ts.FindTeams(ctx, "")
	if err != nil {
		return nil, err
	}
	out := []string{}
	for i, x := range in {
		x = strings.TrimSpace(x)
		if x == "" {
			continue
		}
		k := slices.IndexFunc(all, func(t hindsight.Team) bool { return t.Slug == strings.ToLower(x) || strings.EqualFold(t.Name, x) })
		if k < 0 {
			return nil, fieldErr(field+"["+strconv.Itoa(i)+"]", "names no team: use a team's slug, e.g. payments")
		}
		out = append(out, all[k].Slug)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// SetIncidentTeams replaces the teams added by hand to incident id (beside
// those owning its affected services): it writes them, as slugs, into the
// document's "Teams:" line of the Incident Summary (hindsight.SetDocTeams;
// removed when there are none), saved as a new revision with an
// "incident.teams" audit record. Teams are slugs or names; one that names
// no team is refused.
func (s *Service) SetIncidentTeams(ctx context.Context, a Actor, id string, teams []string) (*hindsight.Incident, error) {
	cur, err := s.store.FindIncidentByID(ctx, a.Viewer, id)
	if err != nil {
		return nil, err
	}
	slugs, err := s.teamSlugs(ctx, "teams", teams)
	if err != nil {
		return nil, err
	}
	if slices.Equal(slugs, hindsight.DocTeams(cur.Doc)) {
		return cur, nil
	}
	detail := "teams: " + strings.Join(slugs, ", ")
	if len(slugs) == 0 {
		detail = "teams: none added by hand"
	}
	doc := *cur.Doc
	hindsight.SetDocTeams(&doc, slugs)
	return s.store.UpdateIncident(ctx, hindsight.IncidentUpdate{
		ID: id, BaseRevision: cur.Revision, Doc: &doc, Author: a.author(), Message: detail,
		Audit: []hindsight.AuditRecord{s.audit(a, "incident.teams", id, detail)},
	})
}

// TeamSync follows an identity provider's groups: at each external
// sign-in, the account joins the teams its groups map to and leaves the
// mapped teams its groups no longer map to (teams no group maps to are
// left alone). It implements auth.GroupSync.
type TeamSync struct {
	Service *Service
	// Groups maps a provider group to team slugs (sso.team_groups).
	Groups map[string][]string
}

// SyncGroups implements auth.GroupSync.
func (t *TeamSync) SyncGroups(ctx context.Context, accountID string, groups []string) error {
	if t == nil || len(t.Groups) == 0 {
		return nil
	}
	ts, err := t.Service.teams()
	if err != nil {
		return err
	}
	var managed, want []string
	for _, slugs := range t.Groups {
		managed = append(managed, slugs...)
	}
	for _, g := range groups {
		want = append(want, t.Groups[g]...)
	}
	_, _, err = ts.SyncTeams(ctx, accountID, managed, want, func(added, removed []string) []hindsight.AuditEntry {
		var d []string
		if len(added) > 0 {
			d = append(d, "joined "+strings.Join(added, ", "))
		}
		if len(removed) > 0 {
			d = append(d, "left "+strings.Join(removed, ", "))
		}
		return []hindsight.AuditEntry{{At: t.Service.Now(), Actor: accountID, Action: "team.sync", Target: accountID,
			Detail: strings.Join(d, "; ") + " (identity provider groups)"}}
	})
	return err
}
