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
	// SSO shows the single sign-on changes (break-glass, allow link).
	SSO bool
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
	p.Title, p.Nav, p.Data = "Users", "users", usersData{Users: us, Roles: hindsight.Roles, MinPassword: auth.MinPasswordLength, Form: form, SSO: u.au.SSO().OIDC()}
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
	u.redirectFlash(w, r, "/admin/users", flashOK, n.Email+" is added as "+string(n.Role)+": they can sign in now.")
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
	case "break-glass-on":
		c.BreakGlass = &yes
	case "break-glass-off":
		c.BreakGlass = &no
	case "allow-link":
		c.LinkOnSignIn = &yes
	default:
		u.redirectFlash(w, r, "/admin/users", flashError, "Unknown change: want role, disable, enable, reset, break-glass-on, break-glass-off or allow-link.")
		return
	}
	changed, err := u.au.ChangeUser(r.Context(), auth.PrincipalFrom(r.Context()).Actor(), r.PathValue("id"), c)
	if err != nil {
		if code := hindsight.ErrorCode(err); code == hindsight.EInvalid || code == hindsight.EConflict {
			// say which account and which change, not only the rule
			// Post/Redirect/Get: a reload of the page shows it, not the form again
			u.redirectFlash(w, r, "/admin/users", flashError, u.userChangeRefused(r, c)+": "+hindsight.ErrorMessage(err))
			return
		}
		u.fail(w, r, err)
		return
	}
	var msg string
	switch {
	case c.BreakGlass != nil && changed.BreakGlass:
		msg = changed.Email + " is break-glass: it may sign in with its password when sign-in is through the identity provider only."
	case c.BreakGlass != nil:
		msg = changed.Email + " is no longer break-glass."
	case c.LinkOnSignIn != nil:
		msg = "The next identity provider sign-in with " + changed.Email + " links to this account."
	case c.Password != nil:
		msg = "The password of " + changed.Email + " is reset: its sessions ended and its API tokens are revoked."
	case c.Role != nil:
		msg = changed.Email + " is now " + string(changed.Role) + "."
	case changed.Disabled:
		msg = changed.Email + " is disabled: it cannot sign in and its sessions ended."
	default:
		msg = changed.Email + " is enabled: it can sign in again."
	}
	if pr := auth.PrincipalFrom(r.Context()); c.Role != nil && pr.User != nil && pr.User.ID == changed.ID && changed.Role != hindsight.RoleAdmin {
		// an admin who gave up the role can no longer see this page: the
		// message goes to their account page instead of over a 403
		u.redirectFlash(w, r, "/account", flashOK, "You are now "+string(changed.Role)+": the admin pages are no longer yours.")
		return
	}
	u.redirectFlash(w, r, "/admin/users", flashOK, msg)
}

// userChangeRefused names the refused change and its account ("Password of
// dana@example.com not reset") for the error message of the users page.
func (u *UI) userChangeRefused(r *http.Request, c auth.Change) string {
	who := r.PathValue("id")
	if us, err := u.au.Users(r.Context()); err == nil {
		for _, x := range us {
			if x.ID == who {
				who = x.Email
			}
		}
	}
	switch {
	case c.Password != nil:
		return "Password of " + who + " not reset"
	case c.Role != nil:
		return "Role of " + who + " not changed"
	case c.Disabled != nil && *c.Disabled:
		return "Account " + who + " not disabled" // not "Ann@...": the alert capitalizes its first word
	default:
		return "Account " + who + " not enabled"
	}
}
