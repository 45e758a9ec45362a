package auth_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
)

// TestResetRevokesTokens: an admin's (or the CLI's) password reset revokes
// the account's API tokens; changing one's own password keeps them.
func TestResetRevokesTokens(t *testing.T) {
	w := newWorld(t, worldOpts{})
	u, pw := w.addUser(t, "ann@example.com", hindsight.RoleEditor)
	admin, _ := w.addUser(t, "root@example.com", hindsight.RoleAdmin)
	tok := w.token(t, u, hindsight.ScopeReadWrite, 0)

	own := "my own new passphrase 42"
	w.secret = append(w.secret, own)
	self := app.Actor{ID: u.ID, Name: u.Email, Viewer: u.Viewer()}
	if _, err := w.auth.ChangeUser(t.Context(), self, u.ID, auth.Change{Password: &own}); err != nil {
		t.Fatal(err)
	}
	if rec := w.do(t, "GET", "/api/v1/me", "", tok); rec.Code != http.StatusOK {
		t.Errorf("after changing one's own password the token is refused: %d", rec.Code)
	}
	_ = pw

	reset := "reset by the admin 2026"
	w.secret = append(w.secret, reset)
	by := app.Actor{ID: admin.ID, Name: admin.Email, Viewer: admin.Viewer()}
	if _, err := w.auth.ChangeUser(t.Context(), by, u.ID, auth.Change{Password: &reset}); err != nil {
		t.Fatal(err)
	}
	if rec := w.do(t, "GET", "/api/v1/me", "", tok); rec.Code != http.StatusUnauthorized {
		t.Errorf("after an admin's reset the token still works: %d", rec.Code)
	}
	es, _ := w.store.FindAudit(t.Context(), hindsight.AuditFilter{Action: "user.reset_password"})
	if len(es) == 0 || !strings.Contains(es[0].Detail, "API tokens revoked") {
		t.Errorf("the reset's audit record does not say the tokens were revoked: %+v", es)
	}
}

// TestTokensCannotCreateTokens: a caller signed in by an API token cannot
// mint tokens (a read token could make 366-day tokens that outlived it).
func TestTokensCannotCreateTokens(t *testing.T) {
	w := newWorld(t, worldOpts{})
	u, _ := w.addUser(t, "ann@example.com", hindsight.RoleAdmin)
	for _, scope := range []hindsight.TokenScope{hindsight.ScopeRead, hindsight.ScopeReadWrite} {
		tok := w.token(t, u, scope, 0)
		rec := w.do(t, "POST", "/api/v1/tokens", `{"name":"child","scope":"read","expires_in_days":366}`, tok)
		if rec.Code != http.StatusForbidden {
			t.Errorf("%s token creates a token: %d %s", scope, rec.Code, rec.Body)
		}
		rec = w.do(t, "POST", "/account/tokens", url.Values{"name": {"child"}, "scope": {"read"}, "expires_in_days": {"366"}}.Encode(), tok)
		if rec.Code != http.StatusForbidden {
			t.Errorf("%s token creates a token on the account page: %d", scope, rec.Code)
		}
	}
	ts, _ := w.auth.Tokens(t.Context(), u.ID)
	if len(ts) != 2 {
		t.Errorf("%d tokens, want the 2 made by the test", len(ts))
	}
}

// TestCommonPasswordsRefused: every path that sets a password refuses the
// commonest passwords and the account's email.
func TestCommonPasswordsRefused(t *testing.T) {
	w := newWorld(t, worldOpts{})
	u, _ := w.addUser(t, "ann.lee@example.com", hindsight.RoleAdmin)
	for _, pw := range []string{"Password2026!", "P@ssw0rd1234", "qwertyuiop12", "123456789012", "iloveyou1234", "letmeinletmein",
		"aaaaaaaaaaaa", "ann.lee@example.com", "ANN.LEE@EXAMPLE.COM", "ann.lee2026!!"} {
		_, err := w.auth.AddUser(t.Context(), app.System, auth.NewUser{Email: "ann.lee@example.com", Role: hindsight.RoleViewer, Password: pw})
		if err == nil || !strings.Contains(hindsight.ErrorMessage(err), "password") {
			t.Errorf("add with %q: %v", pw, err)
		}
		if _, err := w.auth.ChangeUser(t.Context(), app.System, u.ID, auth.Change{Password: &pw}); hindsight.ErrorCode(err) != hindsight.EInvalid {
			t.Errorf("reset to %q: %v", pw, err)
		}
	}
	for _, pw := range []string{"correct horse battery staple", "tulip-granite-orbit-7", "viewer password 123 ann@example.com"} {
		if err := auth.CheckPasswordFor(pw, "ann.lee@example.com"); err != nil {
			t.Errorf("a good password %q refused: %v", pw, err)
		}
	}
	// the first admin's setup
	w2 := newWorld(t, worldOpts{})
	if _, err := w2.auth.Bootstrap(t.Context(), "first@example.com", "Password12345"); hindsight.ErrorCode(err) != hindsight.EInvalid {
		t.Errorf("bootstrap with a common password: %v", err)
	}
}
