package auth_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight/auth"
	"github.com/hindsight-pm/hindsight/internal/oidctest"
)

// TestOIDCFlowCookie: the flow's cookie is __Host- prefixed (Secure, path
// /) with an https base URL, and scoped to /auth/oidc/ with an http one;
// the authorization URL asks for PKCE (S256), a nonce and the state.
func TestOIDCFlowCookie(t *testing.T) {
	op := oidctest.Start(t)
	for _, c := range []struct {
		base, name, path string
		secure           bool
	}{
		{"https://hindsight.example.com", "__Host-hindsight_oidc", "/", true},
		{"http://127.0.0.1:8080", "hindsight_oidc", "/auth/oidc/", false},
	} {
		t.Run(c.base, func(t *testing.T) {
			w := newWorld(t, worldOpts{baseURL: c.base, auth: auth.Options{SSO: &auth.SSOConfig{Issuer: op.Issuer, ClientID: "hindsight", ClientSecret: "s"}}})
			rec := httptest.NewRecorder()
			to, err := w.auth.StartOIDC(rec, httptest.NewRequest("GET", "/auth/oidc/login", nil), "/incidents")
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{op.Issuer, "code_challenge_method=S256", "code_challenge=", "nonce=", "state=",
				"redirect_uri=" + strings.ReplaceAll(strings.ReplaceAll(c.base, ":", "%3A"), "/", "%2F") + "%2Fauth%2Foidc%2Fcallback", "groups", "offline_access"} {
				if !strings.Contains(to, want) {
					t.Errorf("authorization URL %s lacks %q", to, want)
				}
			}
			cs := (&http.Response{Header: rec.Header()}).Cookies()
			if len(cs) != 1 || cs[0].Name != c.name || cs[0].Path != c.path || cs[0].Secure != c.secure || !cs[0].HttpOnly || cs[0].SameSite != http.SameSiteLaxMode {
				t.Errorf("flow cookie %+v, want %s path %s secure %v", cs[0], c.name, c.path, c.secure)
			}
		})
	}
}
