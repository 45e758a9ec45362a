package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/auth"
)

// accessData is the incident visibility page's data.
type accessData struct {
	In      *hindsight.Incident
	Members string
	// Teams are every team: those checked in MemberTeams see the
	// incident while it is restricted; those in ByHand are its teams added
	// by hand, beside Owning (the teams owning an affected service).
	Teams       []hindsight.Team
	MemberTeams map[string]bool
	ByHand      map[string]bool
	Owning      []hindsight.IncidentTeam
}

// withTeams fills in the team parts of d for incident in.
func (u *UI) withTeams(r *http.Request, d *accessData) error {
	var err error
	if d.Teams, _, err = u.teamsOf(r, u.actor(r)); err != nil || d.Teams == nil {
		return err
	}
	d.MemberTeams, d.ByHand = map[string]bool{}, map[string]bool{}
	for _, t := range d.In.MemberTeams {
		d.MemberTeams[t] = true
	}
	for _, t := range d.In.Teams {
		d.ByHand[t] = true
	}
	its, err := u.svc.IncidentTeams(r.Context(), u.actor(r), d.In.ID)
	if err != nil {
		return err
	}
	for _, t := range its {
		if len(t.Services) > 0 {
			d.Owning = append(d.Owning, t)
		}
	}
	return nil
}

// incidentAccess shows who may see an incident: restricted or not, and
// its members (by email where the account exists).
func (u *UI) incidentAccess(w http.ResponseWriter, r *http.Request) {
	in, err := u.svc.Get(r.Context(), u.actor(r), r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	var lines []string
	for _, id := range in.Members {
		if a, err := u.au.FindUser(r.Context(), id); err == nil {
			lines = append(lines, a.Email)
		} else {
			lines = append(lines, id)
		}
	}
	d := accessData{In: in, Members: strings.Join(lines, "\n")}
	if err := u.withTeams(r, &d); err != nil {
		u.fail(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "access", page{Title: "Visibility of " + in.ID, Data: d})
}

// incidentAccessSet restricts an incident to its members, or lifts the
// restriction (app.Service.SetRestriction).
func (u *UI) incidentAccessSet(w http.ResponseWriter, r *http.Request) {
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	a, id := u.actor(r), r.PathValue("id")
	members := strings.FieldsFunc(r.PostFormValue("members"), func(c rune) bool { return c == '\n' || c == '\r' || c == ',' })
	var teams []string // nil (kept) unless the form has the team boxes
	if r.PostForm.Has("teams-shown") {
		teams = append([]string{}, r.PostForm["member_teams"]...)
	}
	in, err := u.svc.Restrict(r.Context(), a, id, r.PostFormValue("restricted") != "", members, teams)
	if err != nil {
		if hindsight.ErrorCode(err) != hindsight.EInvalid {
			u.fail(w, r, err)
			return
		}
		cur, gerr := u.svc.Get(r.Context(), a, id)
		if gerr != nil {
			u.fail(w, r, gerr)
			return
		}
		d := accessData{In: cur, Members: r.PostFormValue("members")}
		if err := u.withTeams(r, &d); err != nil {
			u.fail(w, r, err)
			return
		}
		u.render(w, r, http.StatusUnprocessableEntity, "access", page{Title: "Visibility of " + id, Error: memberError(err, members), Data: d})
		return
	}
	msg := "Visible to everyone who may read incidents."
	if in.Restricted {
		msg = "Restricted to its members and admins."
		if len(in.MemberTeams) > 0 {
			msg = "Restricted to its members, the members of " + strings.Join(in.MemberTeams, ", ") + ", and admins."
		}
		if pr := auth.PrincipalFrom(r.Context()); pr.User != nil && !a.Viewer.SeesAll() && slices.Contains(in.Members, pr.User.ID) &&
			!slices.ContainsFunc(members, func(m string) bool {
				m = strings.TrimSpace(m)
				return m == pr.User.ID || strings.EqualFold(m, pr.User.Email)
			}) {
			// left out of the list by the person restricting it: kept
			// (app.Service.Restrict), which the message says
			msg += " You stay a member although the list left you out: whoever restricts an incident keeps sight of it (an admin can take you off)."
		}
	}
	u.redirectFlash(w, r, "/incidents/"+url.PathEscape(id), flashOK, msg)
}

// memberError names a refused member the way the page shows it (Members:
// “nobody@example.com” ...) instead of the API's field path members[1],
// which counts from zero and does not match the form's lines.
func memberError(err error, members []string) string {
	if msg, ok := listError(err, "members", "Members", members); ok {
		return msg
	}
	return hindsight.ErrorMessage(err)
}

// listError names the refused value of a list a form posted (field[i] of
// the error is values[i]) with the form's label: "Members: “nobody@...”
// names no active account...". It reports false when the error names no
// value of that list.
func listError(err error, field, label string, values []string) (string, bool) {
	var he *hindsight.Error
	if errors.As(err, &he) {
		for _, f := range he.Fields {
			n, ok := strings.CutPrefix(f.Field, field+"[")
			if !ok {
				continue
			}
			if i, cerr := strconv.Atoi(strings.TrimSuffix(n, "]")); cerr == nil && i >= 0 && i < len(values) {
				return label + ": “" + strings.TrimSpace(values[i]) + "” " + f.Message + ".", true
			}
		}
	}
	return "", false
}

// incidentTeamsSet replaces the teams added to an incident by hand (the
// access page's team boxes), as a new revision.
func (u *UI) incidentTeamsSet(w http.ResponseWriter, r *http.Request) {
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	in, err := u.svc.SetIncidentTeams(r.Context(), u.actor(r), id, append([]string{}, r.PostForm["teams"]...))
	if err != nil {
		if hindsight.ErrorCode(err) == hindsight.EInvalid {
			u.redirectFlash(w, r, "/incidents/"+url.PathEscape(id)+"/access", flashError, "Teams not changed: "+hindsight.ErrorMessage(err))
			return
		}
		u.fail(w, r, err)
		return
	}
	msg := "No team added by hand."
	if len(in.Teams) > 0 {
		msg = "Teams added by hand: " + strings.Join(in.Teams, ", ") + "."
	}
	u.redirectFlash(w, r, "/incidents/"+url.PathEscape(id), flashOK, msg)
}
