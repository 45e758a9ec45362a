package web_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
)

// TestResetPasswordSaysTokensRevoked: the users page says that a reset
// revokes the account's API tokens, before (the hint) and after (the
// message), and it does.
func TestResetPasswordSaysTokensRevoked(t *testing.T) {
	e := newStackEnv(t)
	ed, err := e.s.Auth.FindUser(t.Context(), "ed@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.s.Auth.CreateToken(t.Context(), app.System, ed.ID, "ci", hindsight.ScopeRead, 0); err != nil {
		t.Fatal(err)
	}
	if _, body := e.do(t, "GET", "/admin/users", e.admin, nil); !strings.Contains(body, "revokes all its API tokens") {
		t.Errorf("the users page does not say a reset revokes the tokens:\n%s", body)
	}
	res, _ := e.do(t, "POST", "/admin/users/"+ed.ID, e.admin, url.Values{"action": {"reset"}, "password": {"a brand new passphrase 7"}})
	msg := ""
	for _, c := range res.Cookies() {
		if _, v, ok := strings.Cut(c.Value, "."); ok {
			if b, err := base64.RawURLEncoding.DecodeString(v); err == nil {
				msg += string(b)
			}
		}
	}
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(msg, "API tokens are revoked") {
		t.Errorf("reset: %d, message %q says nothing of the tokens", res.StatusCode, msg)
	}
	ts, err := e.s.Auth.Tokens(t.Context(), ed.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range ts {
		if tk.RevokedAt.IsZero() {
			t.Errorf("token %s survived the reset", tk.ID)
		}
	}
}
