package hindsight

import (
	"context"
	"regexp"
	"strings"
	"time"
)

// Team is a group of accounts that owns services (checkout, payments). An
// incident's teams are those owning one of its affected services plus the
// ones added to it by hand; a restricted incident may be visible to the
// members of named teams as well as to named accounts.
type Team struct {
	// Slug names the team in URLs, filters, the CLI and action item
	// owners: lower case letters, digits and hyphens; it never changes.
	Slug string `json:"slug"`
	// Name is how pages show the team ("Payments").
	Name string `json:"name"`
	// Members are the team's accounts, by email.
	Members []TeamMember `json:"members"`
	// Services are the services the team owns, as an admin wrote them;
	// they match an incident's affected services case-insensitively.
	Services  []string  `json:"services"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// TeamMember is an account in a team.
type TeamMember struct {
	UserID string `json:"id"`
	Email  string `json:"email"`
	Name   string `json:"name,omitempty"`
}

// HasMember reports whether the account userID is in t.
func (t *Team) HasMember(userID string) bool {
	for _, m := range t.Members {
		if m.UserID == userID {
			return true
		}
	}
	return false
}

// Limits of a team's fields.
const (
	MaxTeamSlug     = 40
	MaxTeamName     = 100
	MaxTeamMembers  = 1000
	MaxTeamServices = 200
)

var teamSlugRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`)

// ValidTeamSlug reports whether s can be a team's slug.
func ValidTeamSlug(s string) bool { return len(s) <= MaxTeamSlug && teamSlugRE.MatchString(s) }

// TeamSlug reads a slug as a person types it: trimmed and lower-cased,
// EInvalid naming field when it is not one.
func TeamSlug(field, s string) (string, error) {
	slug := strings.ToLower(strings.TrimSpace(s))
	if !ValidTeamSlug(slug) {
		msg := "want lower case letters, digits and hyphens (payments, core-infra), at most 40"
		if slug == "" {
			msg = "a team slug is required"
		}
		return "", &Error{Code: EInvalid, Message: field + ": " + msg, Fields: []FieldError{{Field: field, Message: msg}}}
	}
	return slug, nil
}

// TeamUpdate changes a team; zero fields stay as they are. Members are
// account IDs.
type TeamUpdate struct {
	Name *string
	// NameWas, with Name, is the name the renaming person saw: the rename
	// is refused (EConflict, naming the current name) when the team has
	// been renamed to anything else since, so two admins renaming at once
	// cannot silently overwrite each other.
	NameWas        *string
	AddMembers     []string
	RemoveMembers  []string
	AddServices    []string
	RemoveServices []string
}

// IncidentTeam is a team of an incident and why it is one.
type IncidentTeam struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
	// ByHand is set when the team was added to the incident by hand.
	ByHand bool `json:"by_hand"`
	// Services are the incident's affected services the team owns.
	Services []string `json:"services,omitempty"`
}

// TeamStore keeps teams. The SQL stores implement it beside
// hindsight.Store; app/ is its only writer. Writes take audit entries
// written in the same transaction.
type TeamStore interface {
	// CreateTeam stores t (slug, name, services; members by UserID):
	// EConflict when the slug is taken.
	CreateTeam(ctx context.Context, t *Team, audit []AuditEntry) (*Team, error)
	// FindTeam returns a team with its members and services.
	FindTeam(ctx context.Context, slug string) (*Team, error)
	// FindTeams lists every team by slug; with userID, only that
	// account's teams.
	FindTeams(ctx context.Context, userID string) ([]Team, error)
	// UpdateTeam changes team slug (ENotFound when there is none).
	UpdateTeam(ctx context.Context, slug string, u TeamUpdate, audit []AuditEntry) (*Team, error)
	// DeleteTeam removes a team, its memberships, and its place in
	// incidents' teams and restrictions.
	DeleteTeam(ctx context.Context, slug string, audit []AuditEntry) error
	// SyncTeams makes the account userID a member of exactly the teams in
	// want among the teams in managed (other teams are left alone), in
	// one transaction; teams of want or managed that do not exist are
	// skipped. It returns the slugs added and removed.
	SyncTeams(ctx context.Context, userID string, managed, want []string, audit func(added, removed []string) []AuditEntry) (added, removed []string, err error)
	// FindIncidentTeams returns the teams of an incident v may see: those
	// owning one of its affected services and those added by hand, by
	// slug.
	FindIncidentTeams(ctx context.Context, v Viewer, id string) ([]IncidentTeam, error)
}

// TeamsLabel is the label of the Incident Summary line that adds teams to
// an incident by hand ("- **Teams:** payments, sre"). The Markdown layer
// keeps such a line as an extra field of the section, losslessly.
const TeamsLabel = "Teams"

// DocTeams returns the teams the document's "Teams:" line names (slugs or
// names, as written, comma separated), or nil.
func DocTeams(p *Postmortem) []string {
	if p == nil {
		return nil
	}
	var out []string
	for _, f := range p.Extras[SecSummary].Fields {
		if !strings.EqualFold(strings.TrimSpace(f.Label), TeamsLabel) {
			continue
		}
		for _, x := range strings.Split(f.Value, ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
	}
	return out
}

// SetDocTeams writes teams as the document's "Teams:" line (the first one,
// replacing others; removed when teams is empty). Other extra fields of
// the Incident Summary stay as they are; p.Extras is copied, not changed
// in place.
func SetDocTeams(p *Postmortem, teams []string) {
	x := p.Extras[SecSummary]
	var fields []Field
	done := false
	for _, f := range x.Fields {
		if !strings.EqualFold(strings.TrimSpace(f.Label), TeamsLabel) {
			fields = append(fields, f)
			continue
		}
		if !done && len(teams) > 0 {
			f.Value = strings.Join(teams, ", ")
			fields = append(fields, f)
		}
		done = true
	}
	if !done && len(teams) > 0 {
		fields = append(fields, Field{Label: TeamsLabel, Value: strings.Join(teams, ", ")})
	}
	x.Fields = fields
	extras := make(map[string]Extra, len(p.Extras)+1)
	for k, v := range p.Extras {
		extras[k] = v
	}
	if x.IsZero() {
		delete(extras, SecSummary)
	} else {
		extras[SecSummary] = x
	}
	p.Extras = extras
}
