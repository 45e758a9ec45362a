package auth_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
)

func TestLoginAndCookie(t *testing.T) {
	for _, tc := range []struct {
		name, base, cookie string
		secure             bool
	}{
		{"http", "", "hindsight_session", false},
		{"https", "https://hindsight.example.com", "__Host-hindsight_session", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, worldOpts{baseURL: tc.base})
			_, pw := w.addUser(t, "ann@example.com", hindsight.RoleEditor)
			c, rec := w.login(t, "Ann@Example.com", pw, nil)
			if c == nil || rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/" {
				t.Fatalf("login: %d %v, cookie %v", rec.Code, rec.Header(), c)
			}
			if c.Name != tc.cookie || !c.HttpOnly || c.Secure != tc.secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || len(c.Value) < 40 {
				t.Errorf("cookie %+v", c)
			}
			if rec := w.do(t, "GET", "/fake/incidents", "", c); rec.Code != http.StatusOK {
				t.Errorf("with the session: %d", rec.Code)
			}
			// the stored session is a hash, not the cookie value
			if _, _, err := w.store.FindSession(t.Context(), c.Value); hindsight.ErrorCode(err) != hindsight.ENotFound {
				t.Errorf("the session ID is stored in the clear: %v", err)
			}
		})
	}
}

func TestLoginRedirectsOnlyLocally(t *testing.T) {
	w := newWorld(t, worldOpts{})
	_, pw := w.addUser(t, "ann@example.com", hindsight.RoleViewer)
	for _, tc := range []struct{ next, want string }{
		{"/incidents/INC-1", "/incidents/INC-1"},
		{"https://evil.example", "/"},
		{"//evil.example/x", "/"},
		{"/\\evil.example", "/"},
		{"", "/"},
	} {
		form := url.Values{"email": {"ann@example.com"}, "password": {pw}, "next": {tc.next}}.Encode()
		rec := w.do(t, "POST", "/login", form, nil)
		if got := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || got != tc.want {
			t.Errorf("next=%q: %d to %q, want %q", tc.next, rec.Code, got, tc.want)
		}
	}
}

func TestAnonymous(t *testing.T) {
	w := newWorld(t, worldOpts{})
	cases := []struct {
		method, path string
		want         int
		loc          string
	}{
		{"GET", "/fake/incidents", http.StatusSeeOther, "/login?next=%2Ffake%2Fincidents"},
		{"GET", "/api/v1/fake/x", http.StatusUnauthorized, ""},
		{"POST", "/fake/incidents/x/review", http.StatusSeeOther, "/login"},
		{"GET", "/fake/public", http.StatusOK, ""},
		{"GET", "/login", http.StatusOK, ""},
	}
	for _, tc := range cases {
		rec := w.do(t, tc.method, tc.path, "", nil)
		if rec.Code != tc.want || rec.Header().Get("Location") != tc.loc {
			t.Errorf("%s %s: %d to %q, want %d to %q", tc.method, tc.path, rec.Code, rec.Header().Get("Location"), tc.want, tc.loc)
		}
		if tc.want == http.StatusUnauthorized && !strings.Contains(rec.Body.String(), `"code":"unauthorized"`) {
			t.Errorf("%s: body %s", tc.path, rec.Body)
		}
	}
}

func TestSessionFixation(t *testing.T) {
	w := newWorld(t, worldOpts{})
	_, pw := w.addUser(t, "ann@example.com", hindsight.RoleEditor)
	// an attacker plants a cookie value; signing in never adopts it
	planted := &http.Cookie{Name: "hindsight_session", Value: "attacker-chosen-session-id-0123456789"}
	c, _ := w.login(t, "ann@example.com", pw, planted)
	if c == nil || c.Value == planted.Value {
		t.Fatalf("login kept the planted session ID: %v", c)
	}
	if rec := w.do(t, "GET", "/fake/incidents", "", planted); rec.Code != http.StatusSeeOther {
		t.Errorf("the planted ID is signed in: %d", rec.Code)
	}
	// signing in again from a signed-in browser rotates the ID and ends the old one
	c2, _ := w.login(t, "ann@example.com", pw, c)
	if c2 == nil || c2.Value == c.Value {
		t.Fatal("the session ID did not change at sign-in")
	}
	if rec := w.do(t, "GET", "/fake/incidents", "", c); rec.Code != http.StatusSeeOther {
		t.Errorf("the pre-login session still works: %d", rec.Code)
	}
	if rec := w.do(t, "GET", "/fake/incidents", "", c2); rec.Code != http.StatusOK {
		t.Errorf("the new session: %d", rec.Code)
	}
}

func TestLogout(t *testing.T) {
	w := newWorld(t, worldOpts{})
	_, pw := w.addUser(t, "ann@example.com", hindsight.RoleEditor)
	c, _ := w.login(t, "ann@example.com", pw, nil)
	rec := w.do(t, "POST", "/logout", "", c)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login" {
		t.Fatalf("logout: %d %v", rec.Code, rec.Header())
	}
	cleared := false
	for _, k := range rec.Result().Cookies() {
		cleared = cleared || (k.Name == c.Name && k.MaxAge < 0)
	}
	if !cleared {
		t.Error("logout did not clear the cookie")
	}
	// a copy of the cookie kept elsewhere is dead too: the session is gone server-side
	if rec := w.do(t, "GET", "/fake/incidents", "", c); rec.Code != http.StatusSeeOther {
		t.Errorf("after logout: %d", rec.Code)
	}
	es, _ := w.store.FindAudit(t.Context(), hindsight.AuditFilter{Action: "logout"})
	if len(es) != 1 {
		t.Errorf("logout audit: %+v", es)
	}
}

func TestDisabledAccount(t *testing.T) {
	w := newWorld(t, worldOpts{})
	u, pw := w.addUser(t, "ann@example.com", hindsight.RoleEditor)
	admin, _ := w.addUser(t, "root@example.com", hindsight.RoleAdmin)
	c, _ := w.login(t, "ann@example.com", pw, nil)
	tok := w.token(t, u, hindsight.ScopeReadWrite, 0)
	yes := true
	if _, err := w.auth.ChangeUser(t.Context(), app.Actor{ID: admin.ID}, u.ID, auth.Change{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	if rec := w.do(t, "GET", "/fake/incidents", "", c); rec.Code != http.StatusSeeOther {
		t.Errorf("session of a disabled account: %d", rec.Code)
	}
	if rec := w.do(t, "GET", "/api/v1/fake/x", "", tok); rec.Code != http.StatusUnauthorized {
		t.Errorf("token of a disabled account: %d", rec.Code)
	}
	if c2, rec := w.login(t, "ann@example.com", pw, nil); c2 != nil || rec.Code != http.StatusUnauthorized {
		t.Errorf("sign-in of a disabled account: %d", rec.Code)
	}
	// the last active admin cannot be disabled
	if _, err := w.auth.ChangeUser(t.Context(), app.Actor{ID: admin.ID}, admin.ID, auth.Change{Disabled: &yes}); hindsight.ErrorCode(err) != hindsight.EConflict {
		t.Errorf("disabling the last admin: %v", err)
	}
}

func TestSessionExpiry(t *testing.T) {
	w := newWorld(t, worldOpts{auth: auth.Options{IdleTimeout: time.Hour, AbsoluteTimeout: 3 * time.Hour}})
	_, pw := w.addUser(t, "ann@example.com", hindsight.RoleViewer)
	cases := []struct {
		name  string
		steps []time.Duration // waits between requests, each must succeed
		last  time.Duration   // the wait before the request that must fail
	}{
		{"idle", nil, time.Hour + time.Second},
		{"absolute", []time.Duration{50 * time.Minute, 50 * time.Minute, 50 * time.Minute}, 31 * time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := w.login(t, "ann@example.com", pw, nil)
			for i, d := range tc.steps {
				w.clock.Add(d)
				if rec := w.do(t, "GET", "/fake/incidents", "", c); rec.Code != http.StatusOK {
					t.Fatalf("step %d: %d", i, rec.Code)
				}
			}
			w.clock.Add(tc.last)
			if rec := w.do(t, "GET", "/fake/incidents", "", c); rec.Code != http.StatusSeeOther {
				t.Errorf("expired session: %d", rec.Code)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	w := newWorld(t, worldOpts{})
	u, _ := w.addUser(t, "ann@example.com", hindsight.RoleEditor)
	viewer, _ := w.addUser(t, "vic@example.com", hindsight.RoleViewer)
	inc, err := w.svc.Open(t.Context(), app.System, app.NewIncident{Title: "Tokens"})
	if err != nil {
		t.Fatal(err)
	}
	read := w.token(t, u, hindsight.ScopeRead, 0)
	rw := w.token(t, u, hindsight.ScopeReadWrite, 0)
	vrw := w.token(t, viewer, hindsight.ScopeReadWrite, 0)
	short := w.token(t, u, hindsight.ScopeRead, time.Hour)
	revoked, revokedID := w.tokenID(t, u, hindsight.ScopeRead, 0)
	if err := w.auth.RevokeToken(t.Context(), app.System, revokedID, ""); err != nil {
		t.Fatal(err)
	}
	w.clock.Add(2 * time.Hour) // the short token expires
	get, post := "/api/v1/fake/"+inc.ID, "/api/v1/fake/"+inc.ID+"/review"
	cases := []struct {
		name, method, path, token string
		want                      int
	}{
		{"read token reads", "GET", get, read, http.StatusOK},
		{"read token cannot write", "POST", post, read, http.StatusForbidden},
		{"read-write token writes", "POST", post, rw, http.StatusOK},
		{"a viewer's read-write token cannot write", "POST", post, vrw, http.StatusForbidden},
		{"expired token", "GET", get, short, http.StatusUnauthorized},
		{"revoked token", "GET", get, revoked, http.StatusUnauthorized},
		{"unknown token", "GET", get, auth.TokenPrefix + "nope", http.StatusUnauthorized},
		{"not a token", "GET", get, "hello", http.StatusUnauthorized},
		{"bad token on a public route", "GET", "/fake/public", "hello", http.StatusUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := w.do(t, tc.method, tc.path, "", tc.token)
			if rec.Code != tc.want {
				t.Errorf("%d, want %d: %s", rec.Code, tc.want, rec.Body)
			}
		})
	}
	// last use is recorded; token use is audited once per hour
	ts, _ := w.auth.Tokens(t.Context(), u.ID)
	used := 0
	for _, tk := range ts {
		if !tk.LastUsedAt.IsZero() {
			used++
		}
	}
	if used != 2 {
		t.Errorf("%d tokens with a last use, want 2 (read, read-write)", used)
	}
	for range 3 {
		w.do(t, "GET", get, "", read)
	}
	es, _ := w.store.FindAudit(t.Context(), hindsight.AuditFilter{Action: "token.use"})
	if len(es) != 3 { // read, rw, viewer's rw (refused by role, but the token was used)
		t.Errorf("token.use audit entries: %d, want 3: %+v", len(es), es)
	}
	// the revision records the account behind the token
	got, _ := w.svc.Get(t.Context(), app.System, inc.ID)
	if got.UpdatedBy != "ann@example.com" {
		t.Errorf("revision author %q, want the token's account", got.UpdatedBy)
	}
}

func TestTokenAPI(t *testing.T) {
	w := newWorld(t, worldOpts{})
	u, pw := w.addUser(t, "ann@example.com", hindsight.RoleViewer)
	c, _ := w.login(t, "ann@example.com", pw, nil)
	rec := w.do(t, "POST", "/api/v1/tokens", `{"name":"ci","scope":"read","expires_in_days":7}`, c)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	var out struct {
		ID     string `json:"id"`
		Token  string `json:"token"`
		Scope  string `json:"scope"`
		Active bool   `json:"active"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || !strings.HasPrefix(out.Token, auth.TokenPrefix) || !out.Active {
		t.Fatalf("create: %s", rec.Body)
	}
	w.secret = append(w.secret, out.Token)
	// a viewer cannot mint a read-write token
	if rec := w.do(t, "POST", "/api/v1/tokens", `{"name":"x","scope":"read-write"}`, c); rec.Code != http.StatusForbidden {
		t.Errorf("viewer read-write token: %d", rec.Code)
	}
	// listing never shows the secret again
	rec = w.do(t, "GET", "/api/v1/tokens", "", out.Token)
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), out.Token) || !strings.Contains(rec.Body.String(), out.ID) {
		t.Errorf("list: %d %s", rec.Code, rec.Body)
	}
	if rec := w.do(t, "DELETE", "/api/v1/tokens/"+out.ID, "", c); rec.Code != http.StatusNoContent {
		t.Errorf("revoke: %d %s", rec.Code, rec.Body)
	}
	if rec := w.do(t, "GET", "/api/v1/me", "", out.Token); rec.Code != http.StatusUnauthorized {
		t.Errorf("revoked token: %d", rec.Code)
	}
	_ = u
}

func TestCrossOriginPost(t *testing.T) {
	w := newWorld(t, worldOpts{baseURL: "https://hindsight.example.com"})
	u, pw := w.addUser(t, "ann@example.com", hindsight.RoleEditor)
	c, _ := w.login(t, "ann@example.com", pw, nil)
	inc, err := w.svc.Open(t.Context(), app.System, app.NewIncident{Title: "CSRF"})
	if err != nil {
		t.Fatal(err)
	}
	path := "/fake/incidents/" + inc.ID + "/review"
	tok := w.token(t, u, hindsight.ScopeReadWrite, 0)
	cases := []struct {
		name  string
		creds any
		hdr   []string
		want  int
	}{
		{"cross-site fetch", c, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"foreign origin", c, []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"cross-site sign-in (login CSRF)", nil, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"same origin", c, []string{"Sec-Fetch-Site", "same-origin"}, http.StatusSeeOther},
		{"trusted base URL origin", c, []string{"Origin", "https://hindsight.example.com"}, http.StatusSeeOther},
		{"no browser headers (a script with a token)", tok, nil, http.StatusSeeOther},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := path
			if tc.creds == nil {
				p = "/login"
			}
			rec := w.do(t, "POST", p, "x=1", tc.creds, tc.hdr...)
			if rec.Code != tc.want {
				t.Errorf("%d, want %d: %s", rec.Code, tc.want, rec.Body)
			}
		})
	}
	got, _ := w.svc.Get(t.Context(), app.System, inc.ID)
	if got.Revision != 2 {
		t.Errorf("revision %d: a refused request changed the incident or an allowed one did not", got.Revision)
	}
}

func TestLoginThrottling(t *testing.T) {
	w := newWorld(t, worldOpts{auth: auth.Options{MaxAccountFailures: 3, MaxAddressFailures: 5, FailureWindow: 15 * time.Minute}})
	_, pw := w.addUser(t, "ann@example.com", hindsight.RoleViewer)
	_, bpw := w.addUser(t, "bob@example.com", hindsight.RoleViewer)
	wrong := "wrong password 0000"
	w.secret = append(w.secret, wrong)
	for i := 1; i <= 3; i++ {
		if _, rec := w.login(t, "ann@example.com", wrong, nil); rec.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, rec.Code)
		}
	}
	// the account is locked, even with the right password
	if c, rec := w.login(t, "ann@example.com", pw, nil); c != nil || rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Errorf("locked account: %d", rec.Code)
	}
	// other accounts still sign in from the address (3 failures so far,
	// limit 5; a refused attempt on a locked account is not a failure)
	if c, _ := w.login(t, "bob@example.com", bpw, nil); c == nil {
		t.Error("another account is locked out")
	}
	for i := 4; i <= 5; i++ {
		if _, rec := w.login(t, "nobody@example.com", wrong, nil); rec.Code != http.StatusUnauthorized {
			t.Errorf("failure %d from the address: %d", i, rec.Code)
		}
	}
	// now the address is locked for every account
	if c, rec := w.login(t, "bob@example.com", bpw, nil); c != nil || rec.Code != http.StatusTooManyRequests {
		t.Errorf("locked address: %d", rec.Code)
	}
	w.clock.Add(16 * time.Minute)
	if c, _ := w.login(t, "ann@example.com", pw, nil); c == nil {
		t.Error("still locked after the window")
	}
	es, _ := w.store.FindAudit(t.Context(), hindsight.AuditFilter{Action: "login."})
	var failed, throttled int
	for _, e := range es {
		switch e.Action {
		case "login.failed":
			failed++
			if e.Address == "" || e.Detail == "" {
				t.Errorf("failed login without address or reason: %+v", e)
			}
		case "login.throttled":
			throttled++
		}
	}
	if failed != 5 || throttled != 2 {
		t.Errorf("audit: %d failed, %d throttled; want 5 and 2", failed, throttled)
	}
}

// TestSecretsNeverLogged: passwords (also one typed into the email field),
// session IDs and tokens (also wrong ones) appear neither in the captured
// logs nor in the audit log. Every test's world scans for its own secrets
// at cleanup; this one drives the risky paths on purpose.
func TestSecretsNeverLogged(t *testing.T) {
	w := newWorld(t, worldOpts{})
	u, pw := w.addUser(t, "ann@example.com", hindsight.RoleEditor)
	misplaced := "my secret passphrase"
	wrongTok := auth.TokenPrefix + "guessedtokenvalue0000000000000000000000000"
	w.secret = append(w.secret, misplaced, wrongTok)
	w.login(t, misplaced, misplaced, nil) // the password in the email field
	w.login(t, "ann@example.com", misplaced, nil)
	c, _ := w.login(t, "ann@example.com", pw, nil)
	w.secret = append(w.secret, c.Value)
	tok := w.token(t, u, hindsight.ScopeRead, 0)
	w.do(t, "GET", "/api/v1/fake/x", "", tok)
	w.do(t, "GET", "/api/v1/fake/x", "", wrongTok)
	w.do(t, "POST", "/fake/incidents/x/review", "", c, "Sec-Fetch-Site", "cross-site")
	w.do(t, "POST", "/logout", "", c)
	logs := w.logs.String()
	if !strings.Contains(logs, "sign-in failed") || !strings.Contains(logs, "(not an email)") {
		t.Errorf("the failed sign-ins are not logged as expected:\n%s", logs)
	}
	// the scan itself runs at cleanup (newWorld)
}
