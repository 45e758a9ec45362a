package api

import (
	"net/http"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// teamRoutes are the routes of teams (admins manage them, every reader
// lists them) and of an incident's teams.
func (a *API) teamRoutes() []httpx.Route {
	return []httpx.Route{
		{Pattern: "GET " + Prefix + "/teams", Access: httpx.Read, Name: "api.teams.list", Handler: http.HandlerFunc(a.listTeams)},
		{Pattern: "POST " + Prefix + "/teams", Access: httpx.Admin, Name: "api.teams.create", Handler: http.HandlerFunc(a.createTeam)},
		{Pattern: "GET " + Prefix + "/teams/{slug}", Access: httpx.Read, Name: "api.teams.get", Handler: http.HandlerFunc(a.getTeam)},
		{Pattern: "PATCH " + Prefix + "/teams/{slug}", Access: httpx.Admin, Name: "api.teams.update", Handler: http.HandlerFunc(a.updateTeam)},
		{Pattern: "DELETE " + Prefix + "/teams/{slug}", Access: httpx.Admin, Name: "api.teams.delete", Handler: http.HandlerFunc(a.deleteTeam)},
		{Pattern: "GET " + Prefix + "/incidents/{id}/teams", Access: httpx.Read, Name: "api.incidents.teams", Handler: http.HandlerFunc(a.incidentTeams)},
		{Pattern: "PUT " + Prefix + "/incidents/{id}/teams", Access: httpx.Write, Name: "api.incidents.teams.set", Handler: http.HandlerFunc(a.setIncidentTeams)},
	}
}

// Teams is the response of the team list.
type Teams struct {
	Teams []hindsight.Team `json:"teams"`
}

// listTeams lists every team, or with member=me the caller's teams.
func (a *API) listTeams(w http.ResponseWriter, r *http.Request) {
	userID := ""
	switch m := r.URL.Query().Get("member"); m {
	case "":
	case "me":
		if userID = a.actor(r).ID; userID == "" || userID == app.System.ID {
			httpx.WriteJSON(w, http.StatusOK, Teams{Teams: []hindsight.Team{}})
			return
		}
	default:
		a.writeError(w, r, &hindsight.Error{Code: hindsight.EMalformed, Message: "member: want me",
			Fields: []hindsight.FieldError{{Field: "member", Message: "want me"}}})
		return
	}
	ts, err := a.svc.Teams(r.Context(), userID)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, Teams{Teams: ts})
}

func (a *API) getTeam(w http.ResponseWriter, r *http.Request) {
	t, err := a.svc.Team(r.Context(), r.PathValue("slug"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, t)
}

// TeamCreate is the body of POST /teams.
type TeamCreate struct {
	Slug     string   `json:"slug"`
	Name     string   `json:"name"`
	Members  []string `json:"members"`
	Services []string `json:"services"`
}

func (a *API) createTeam(w http.ResponseWriter, r *http.Request) {
	var in TeamCreate
	if err := a.decoder().Request(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	t, err := a.svc.CreateTeam(r.Context(), a.actor(r), app.NewTeam{Slug: in.Slug, Name: in.Name, Members: in.Members, Services: in.Services})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", a.opts.BaseURL+Prefix+"/teams/"+t.Slug)
	httpx.WriteJSON(w, http.StatusCreated, t)
}

// TeamPatch is the body of PATCH /teams/{slug}: members are account emails
// or IDs.
type TeamPatch struct {
	Name *string `json:"name"`
	// NameWas, with name: rename only if the team is still called this
	// (409 conflict naming the current name otherwise)
	NameWas        *string  `json:"name_was"`
	AddMembers     []string `json:"add_members"`
	RemoveMembers  []string `json:"remove_members"`
	AddServices    []string `json:"add_services"`
	RemoveServices []string `json:"remove_services"`
}

func (a *API) updateTeam(w http.ResponseWriter, r *http.Request) {
	var in TeamPatch
	if err := a.decoder().Request(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	t, err := a.svc.UpdateTeam(r.Context(), a.actor(r), r.PathValue("slug"), app.TeamChange{Name: in.Name, NameWas: in.NameWas,
		AddMembers: in.AddMembers, RemoveMembers: in.RemoveMembers, AddServices: in.AddServices, RemoveServices: in.RemoveServices})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, t)
}

func (a *API) deleteTeam(w http.ResponseWriter, r *http.Request) {
	if err := a.svc.DeleteTeam(r.Context(), a.actor(r), r.PathValue("slug")); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// IncidentTeams is the response of an incident's teams: those owning one of
// its affected services and those added by hand.
type IncidentTeams struct {
	ID       string                   `json:"id"`
	Revision int                      `json:"revision,omitempty"`
	Teams    []hindsight.IncidentTeam `json:"teams"`
}

func (a *API) incidentTeams(w http.ResponseWriter, r *http.Request) {
	a.writeIncidentTeams(w, r, r.PathValue("id"), 0)
}

func (a *API) writeIncidentTeams(w http.ResponseWriter, r *http.Request, id string, rev int) {
	ts, err := a.svc.IncidentTeams(r.Context(), a.actor(r), id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, IncidentTeams{ID: id, Revision: rev, Teams: ts})
}

// setIncidentTeams replaces the teams added to an incident by hand (slugs
// or names), as a new revision.
func (a *API) setIncidentTeams(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Teams []string `json:"teams"`
	}
	if err := a.decoder().Request(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	if in.Teams == nil {
		in.Teams = []string{}
	}
	inc, err := a.svc.SetIncidentTeams(r.Context(), a.actor(r), r.PathValue("id"), in.Teams)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeIncidentTeams(w, r, inc.ID, inc.Revision)
}
