package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight"
)

// accessData is the incident visibility page's data.
type accessData struct {
	In      *hindsight.Incident
	Members string
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
	u.render(w, r, http.StatusOK, "access", page{Title: "Visibility of " + in.ID, Data: accessData{In: in, Members: strings.Join(lines, "\n")}})
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
	in, err := u.svc.SetRestriction(r.Context(), a, id, r.PostFormValue("restricted") != "", members)
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
		u.render(w, r, http.StatusUnprocessableEntity, "access", page{Title: "Visibility of " + id, Error: memberError(err, members),
			Data: accessData{In: cur, Members: r.PostFormValue("members")}})
		return
	}
	msg := "Visible to everyone who may read incidents."
	if in.Restricted {
		msg = "Restricted to its members and admins."
	}
	u.redirectFlash(w, r, "/incidents/"+url.PathEscape(id), flashOK, msg)
}

// memberError names a refused member the way the page shows it (Members:
// “nobody@example.com” ...) instead of the API's field path members[1],
// which counts from zero and does not match the form's lines.
func memberError(err error, members []string) string {
	var he *hindsight.Error
	if errors.As(err, &he) {
		for _, f := range he.Fields {
			n, ok := strings.CutPrefix(f.Field, "members[")
			if !ok {
				continue
			}
			if i, cerr := strconv.Atoi(strings.TrimSuffix(n, "]")); cerr == nil && i >= 0 && i < len(members) {
				return "Members: “" + strings.TrimSpace(members[i]) + "” " + f.Message + "."
			}
		}
	}
	return hindsight.ErrorMessage(err)
}
