package web

import (
	"net/http"
	"strings"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
)

// teamsOf returns every team and the teams of the actor (none for the
// system actor or a store without teams), for the team filters and the
// "My teams" links.
func (u *UI) teamsOf(r *http.Request, a app.Actor) (all, mine []hindsight.Team, err error) {
	all, err = u.svc.Teams(r.Context(), "")
	if hindsight.ErrorCode(err) == hindsight.EUnsupport {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if a.ID == "" || a.ID == app.System.ID {
		return all, nil, nil
	}
	for i := range all {
		if all[i].HasMember(a.ID) {
			mine = append(mine, all[i])
		}
	}
	return all, mine, nil
}

// ownerTeams finds the team an action item's owner names: its slug or its
// name, ASCII case folded as the store compares owners.
type ownerTeams map[string]*hindsight.Team

func newOwnerTeams(ts []hindsight.Team) ownerTeams {
	m := ownerTeams{}
	for i := range ts {
		m[asciiFold(ts[i].Name)] = &ts[i]
	}
	for i := range ts {
		m[ts[i].Slug] = &ts[i] // a slug wins over another team's name
	}
	return m
}

func asciiFold(s string) string {
	b := []byte(strings.TrimSpace(s))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// withOwnerTeam sets the row's owner team (a template function).
func withOwnerTeam(row itemRow, m ownerTeams) itemRow {
	if m != nil {
		row.OwnerTeam = m[asciiFold(row.It.Owner)]
	}
	return row
}

// incidentTeams returns the teams of incident id the actor may see, and a
// stamp of them for the page cache's key ("" when the store keeps no
// teams).
func (u *UI) incidentTeams(r *http.Request, a app.Actor, id string) ([]hindsight.IncidentTeam, string, error) {
	ts, err := u.svc.IncidentTeams(r.Context(), a, id)
	if hindsight.ErrorCode(err) == hindsight.EUnsupport {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	var b strings.Builder
	for _, t := range ts {
		b.WriteString(t.Slug + "=" + t.Name + ":" + strings.Join(t.Services, ",") + ";")
		if t.ByHand {
			b.WriteString("+;")
		}
	}
	return ts, b.String(), nil
}
