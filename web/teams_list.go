package web

import (
	"net/http"

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
