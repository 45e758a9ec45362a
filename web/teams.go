package web

import (
	"net/http"
	"strings"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// teamsData is the teams admin page's data.
type teamsData struct {
	Teams []hindsight.Team
	// Users are the active accounts' emails, offered when adding members.
	Users []string
	// Form is what a refused create posted, shown again.
	Form teamForm
}

type teamForm struct {
	Slug, Name, Members, Services string
}

// splitList reads a comma or newline separated list of a form field.
func splitList(s string) []string {
	var out []string
	for _, x := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// teams lists the teams with their members and services, each with its
// change forms, and the create form.
func (u *UI) teams(w http.ResponseWriter, r *http.Request) {
	u.showTeams(w, r, http.StatusOK, page{}, teamForm{})
}

func (u *UI) showTeams(w http.ResponseWriter, r *http.Request, status int, p page, form teamForm) {
	ts, err := u.svc.Teams(r.Context(), "")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d := teamsData{Teams: ts, Form: form}
	if as, ok := u.svc.Store().(hindsight.AccountStore); ok {
		us, err := as.FindUsers(r.Context())
		if err != nil {
			u.fail(w, r, err)
			return
		}
		for _, x := range us {
			if !x.Disabled {
				d.Users = append(d.Users, x.Email)
			}
		}
	}
	p.Title, p.Nav, p.Data = "Teams", "teams", d
	u.render(w, r, status, "teams", p)
}

// teamCreate creates a team from the create form.
func (u *UI) teamCreate(w http.ResponseWriter, r *http.Request) {
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	f := teamForm{Slug: r.PostFormValue("slug"), Name: r.PostFormValue("name"), Members: r.PostFormValue("members"), Services: r.PostFormValue("services")}
	t, err := u.svc.CreateTeam(r.Context(), u.actor(r), app.NewTeam{Slug: f.Slug, Name: f.Name, Members: splitList(f.Members), Services: splitList(f.Services)})
	if err != nil {
		if c := hindsight.ErrorCode(err); c == hindsight.EInvalid || c == hindsight.EConflict {
			msg := hindsight.ErrorMessage(err)
			if m, ok := listError(err, "members", "Members", splitList(f.Members)); ok {
				msg = m
			} else if m, ok := listError(err, "services", "Services owned", splitList(f.Services)); ok {
				msg = m
			}
			u.showTeams(w, r, httpx.Status(c), page{Error: "Team not created: " + msg}, f)
			return
		}
		u.fail(w, r, err)
		return
	}
	u.redirectFlash(w, r, "/admin/teams", flashOK, "Team "+t.Name+" ("+t.Slug+") is created.")
}

// teamChange renames a team, or adds or removes members or services: the
// action field says which, value holds the name, emails or services.
func (u *UI) teamChange(w http.ResponseWriter, r *http.Request) {
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	slug := r.PathValue("slug")
	v := r.PostFormValue("value")
	var c app.TeamChange
	// done says what changed; field and label name the form's list in an
	// error about one of its values (listError)
	var done, field, label string
	switch r.PostFormValue("action") {
	case "rename":
		c.Name = &v
		if was, ok := r.PostForm["was"]; ok && len(was) == 1 {
			c.NameWas = &was[0]
		}
		done = "renamed " + strings.TrimSpace(v)
	case "add-member":
		c.AddMembers = splitList(v)
		done = "added " + strings.Join(c.AddMembers, ", ")
		field, label = "add_members", "Add members"
	case "remove-member":
		c.RemoveMembers = splitList(v)
		done = "removed " + strings.Join(c.RemoveMembers, ", ")
	case "add-service":
		c.AddServices = splitList(v)
		done = "now owns " + strings.Join(c.AddServices, ", ")
		field, label = "add_services", "Add services"
	case "remove-service":
		c.RemoveServices = splitList(v)
		done = "no longer owns " + strings.Join(c.RemoveServices, ", ")
		field, label = "remove_services", "Remove a service"
	default:
		u.redirectFlash(w, r, "/admin/teams", flashError, "Unknown change: want rename, add-member, remove-member, add-service or remove-service.")
		return
	}
	if _, err := u.svc.UpdateTeam(r.Context(), u.actor(r), slug, c); err != nil {
		if code := hindsight.ErrorCode(err); code == hindsight.EInvalid || code == hindsight.ENotFound || code == hindsight.EConflict {
			// Post/Redirect/Get: a reload shows the page, not the form again
			msg := hindsight.ErrorMessage(err)
			if m, ok := listError(err, field, label, splitList(v)); ok && field != "" {
				msg = m
			}
			u.redirectFlash(w, r, "/admin/teams", flashError, "Team "+slug+" not changed: "+msg)
			return
		}
		u.fail(w, r, err)
		return
	}
	u.redirectFlash(w, r, "/admin/teams", flashOK, "Team "+slug+": "+done+".")
}

// teamDelete deletes a team.
func (u *UI) teamDelete(w http.ResponseWriter, r *http.Request) {
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	slug := r.PathValue("slug")
	if err := u.svc.DeleteTeam(r.Context(), u.actor(r), slug); err != nil {
		if hindsight.ErrorCode(err) == hindsight.ENotFound {
			u.redirectFlash(w, r, "/admin/teams", flashError, "Team "+slug+" not deleted: "+hindsight.ErrorMessage(err))
			return
		}
		u.fail(w, r, err)
		return
	}
	u.redirectFlash(w, r, "/admin/teams", flashOK, "Team "+slug+" is deleted: incidents restricted to it stay visible to their named members and admins.")
}
