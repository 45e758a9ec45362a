package web

import (
	"net/http"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/auth"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// usersData is the accounts admin page's data.
type usersData struct {
	Users       []hindsight.User
	Roles       []hindsight.Role
	MinPassword int
	// Form is what a refused add posted, shown again (no password).
	Form auth.NewUser
}

// users lists the accounts with their role and state, and the add form.
func (u *UI) users(w http.ResponseWriter, r *http.Request) {
	u.showUsers(w, r, http.StatusOK, page{}, auth.NewUser{Role: hindsight.RoleEditor})
}

func (u *UI) showUsers(w http.ResponseWriter, r *http.Request, status int, p page, form auth.NewUser) {
	us, err := u.au.Users(r.Context())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	form.Password = ""
	p.Title, p.Nav, p.Data = "Users", "users", usersData{Users: us, Roles: hindsight.Roles, MinPassword: auth.MinPasswordLength, Form: form}
	u.render(w, r, status, "users", p)
}

// userAdd adds an account.
func (u *UI) userAdd(w http.ResponseWriter, r *http.Request) {
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	n := auth.NewUser{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Role: hindsight.Role(r.PostFormValue("role")), Password: r.PostFormValue("password")}
	if _, err := u.au.AddUser(r.Context(), auth.PrincipalFrom(r.Context()).Actor(), n); err != nil {
		if c := hindsight.ErrorCode(err); c == hindsight.EInvalid || c == hindsight.EConflict {
			u.showUsers(w, r, httpx.Status(c), page{Error: hindsight.ErrorMessage(err)}, n)
			return
		}
		u.fail(w, r, err)
		return
	}
	u.redirectFlash(w, r, "/admin/users", flashOK, "The account "+n.Email+" is added.")
}

// userChange changes an account's role, disables or enables it, or resets
// its password (every session of the account ends).
func (u *UI) userChange(w http.ResponseWriter, r *http.Request) {
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	var c auth.Change
	yes, no := true, false
	switch r.PostFormValue("action") {
	case "role":
		role := hindsight.Role(r.PostFormValue("role"))
		c.Role = &role
	case "disable":
		c.Disabled = &yes
	case "enable":
		c.Disabled = &no
	case "reset":
		pw := r.PostFormValue("password")
		c.Password = &pw
	default:
		u.showUsers(w, r, http.StatusUnprocessableEntity, page{Error: "Unknown change: want role, disable, enable or reset."}, auth.NewUser{Role: hindsight.RoleEditor})
		return
	}
	changed, err := u.au.ChangeUser(r.Context(), auth.PrincipalFrom(r.Context()).Actor(), r.PathValue("id"), c)
	if err != nil {
		if code := hindsight.ErrorCode(err); code == hindsight.EInvalid || code == hindsight.EConflict {
			u.showUsers(w, r, httpx.Status(code), page{Error: hindsight.ErrorMessage(err)}, auth.NewUser{Role: hindsight.RoleEditor})
			return
		}
		u.fail(w, r, err)
		return
	}
	msg := "The account " + changed.Email + " is changed."
	if c.Password != nil {
		msg = "The password of " + changed.Email + " is reset: its sessions ended and its API tokens are revoked."
	}
	u.redirectFlash(w, r, "/admin/users", flashOK, msg)
}
