package stack_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
	"github.com/hindsight-pm/hindsight/internal/oidctest"
	"github.com/hindsight-pm/hindsight/internal/stack"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// groupRecorder is a GroupSync that remembers what it was told.
type groupRecorder struct {
	mu    sync.Mutex
	calls map[string][][]string
}

func (g *groupRecorder) SyncGroups(_ context.Context, id string, groups []string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.calls == nil {
		g.calls = map[string][][]string{}
	}
	g.calls[id] = append(g.calls[id], slices.Clone(groups))
	return nil
}

func (g *groupRecorder) last(id string) ([]string, int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c := g.calls[id]
	if len(c) == 0 {
		return nil, 0
	}
	return c[len(c)-1], len(c)
}

// ssoWorld is Hindsight (the whole stack on a real SQLite file, served
// on a loopback port) signed in through a real OpenID provider.
type ssoWorld struct {
	t      testing.TB
	op     *oidctest.Provider
	s      *stack.Stack
	base   string
	logs   *syncBuffer
	offset atomic.Int64 // added to the clock, to make refreshes due
	groups *groupRecorder
}

const ssoYAML = "sso:\n  admin_groups: [hs-admins]\n  editor_groups: [eng]\n  default_role: viewer\n"

func newSSOWorld(t testing.TB, env map[string]string) *ssoWorld {
	t.Helper()
	return newSSOWorldWith(t, env, ssoYAML, true)
}

// newSSOWorldWith builds the world with a .hindsight.yaml; record puts the
// group recorder in as GroupSync (else the stack wires its own, teams').
func newSSOWorldWith(t testing.TB, env map[string]string, yaml string, record bool) *ssoWorld {
	t.Helper()
	w := &ssoWorld{t: t, op: oidctest.Start(t), logs: &syncBuffer{}, groups: &groupRecorder{}}
	// the tests move Hindsight's clock up to 20 minutes ahead to make
	// refreshes due: the provider's tokens must outlive that
	w.op.SetIDTokenLifetime(time.Hour)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w.base = "http://" + ln.Addr().String()
	w.op.AddClient(oidctest.Client{ID: "hindsight", Secret: "s3cret", RedirectURIs: []string{w.base + auth.CallbackPath},
		PostLogoutRedirectURIs: []string{w.base + "/login"}})
	vars := map[string]string{"HINDSIGHT_OIDC_ISSUER": w.op.Issuer, "HINDSIGHT_OIDC_CLIENT_ID": "hindsight",
		"HINDSIGHT_OIDC_CLIENT_SECRET": "s3cret", "HINDSIGHT_OIDC_NAME": "Test IdP"}
	for k, v := range env {
		if v == "" {
			delete(vars, k)
		} else {
			vars[k] = v
		}
	}
	cfg, err := lint.ParseConfig(".hindsight.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hindsight.db"), sqlite.Options{Render: app.Render})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := func() time.Time { return time.Now().Add(time.Duration(w.offset.Load())) }
	sc := stack.Config{BaseURL: w.base, Lint: cfg, Now: now,
		Logger: slog.New(slog.NewTextHandler(w.logs, nil)), Getenv: func(k string) string { return vars[k] },
		Auth: auth.Options{Params: auth.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}}}
	if record {
		sc.Auth.GroupSync = w.groups
	}
	w.s, err = stack.Build(t.Context(), st, sc)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: w.s.Handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return w
}

// browser is a client with its own cookies that follows redirects.
func (w *ssoWorld) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second}
}

type page struct {
	status int
	url    *url.URL
	body   string
}

func (w *ssoWorld) get(c *http.Client, u string) page {
	w.t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		w.t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return page{resp.StatusCode, resp.Request.URL, string(b)}
}

func (w *ssoWorld) post(c *http.Client, u string, form url.Values) page {
	w.t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		w.t.Fatalf("POST %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return page{resp.StatusCode, resp.Request.URL, string(b)}
}

// toProvider starts a sign-in and stops at the provider's sign-in form;
// it returns the authorization request's ID.
func (w *ssoWorld) toProvider(c *http.Client) string {
	w.t.Helper()
	p := w.get(c, w.base+"/auth/oidc/login?next=/account")
	if p.status != http.StatusOK || !strings.HasPrefix(p.url.String(), w.op.Issuer+"/login") {
		w.t.Fatalf("sign-in start ended at %s (%d): %.300s", p.url, p.status, p.body)
	}
	return p.url.Query().Get("authRequestID")
}

// signIn signs in as username at the provider and returns the page
// Hindsight answers with at the end.
func (w *ssoWorld) signIn(c *http.Client, username string) page {
	w.t.Helper()
	id := w.toProvider(c)
	return w.post(c, w.op.Issuer+"/login", url.Values{"id": {id}, "username": {username}, "action": {"sign-in"}})
}

// me is GET /api/v1/me's role (or "" when not signed in).
func (w *ssoWorld) me(c *http.Client) (email string, role hindsight.Role) {
	w.t.Helper()
	p := w.get(c, w.base+"/api/v1/me")
	if p.status == http.StatusUnauthorized {
		return "", ""
	}
	var email0, role0 string
	for _, f := range []struct {
		key string
		dst *string
	}{{`"email":"`, &email0}, {`"role":"`, &role0}} {
		if i := strings.Index(p.body, f.key); i >= 0 {
			rest := p.body[i+len(f.key):]
			*f.dst = rest[:strings.IndexByte(rest, '"')]
		}
	}
	return email0, hindsight.Role(role0)
}

func (w *ssoWorld) users() int {
	w.t.Helper()
	us, err := w.s.Auth.Users(w.t.Context())
	if err != nil {
		w.t.Fatal(err)
	}
	return len(us)
}

// TestOIDCSignInRefreshLogout: the first sign-in makes the account from the
// verified email and name with the role its groups map to, and tells
// GroupSync; a group change demotes at the next refresh (no admin
// involved); the provider's refusal at refresh ends the session; logout
// ends the session here and at the provider (RP-initiated).
func TestOIDCSignInRefreshLogout(t *testing.T) {
	w := newSSOWorld(t, nil)
	// a local admin, so alice is not the last one when demoted
	if _, err := w.s.Auth.AddUser(t.Context(), app.System, auth.NewUser{Email: "root@example.com", Role: hindsight.RoleAdmin, Password: "a long passphrase for root"}); err != nil {
		t.Fatal(err)
	}
	w.op.SetUser("alice", oidctest.User{Subject: "sub-alice", Email: "Alice@Example.com", EmailVerified: true, Name: "Alice A", Groups: []string{"eng", "other"}})
	b := w.browser()

	// the sign-in page offers the provider, and the password form
	if p := w.get(b, w.base+"/login"); !strings.Contains(p.body, "Sign in with Test IdP") || !strings.Contains(p.body, `name="password"`) || strings.Contains(p.body, "Break-glass") {
		t.Errorf("sign-in page: %.2000s", p.body)
	}
	p := w.signIn(b, "alice")
	if p.status != http.StatusOK || p.url.Path != "/account" {
		t.Fatalf("after sign-in: %s %d %.500s", p.url, p.status, p.body)
	}
	email, role := w.me(b)
	if email != "alice@example.com" || role != hindsight.RoleEditor {
		t.Fatalf("me = %q %q, want alice@example.com editor (group eng)", email, role)
	}
	u, err := w.s.Auth.FindUser(t.Context(), "alice@example.com")
	if err != nil || u.Name != "Alice A" || u.PasswordHash != auth.NoPassword {
		t.Fatalf("account %+v, %v", u, err)
	}
	if g, n := w.groups.last(u.ID); n != 1 || !slices.Equal(g, []string{"eng", "other"}) {
		t.Errorf("GroupSync after sign-in: %v (%d calls)", g, n)
	}

	// promoted and demoted through the provider's groups at refresh
	w.op.SetGroups("alice", "hs-admins")
	if _, role := w.me(b); role != hindsight.RoleEditor {
		t.Errorf("before the refresh is due: %q, want editor still", role)
	}
	w.offset.Add(int64(6 * time.Minute))
	if _, role := w.me(b); role != hindsight.RoleAdmin {
		t.Errorf("after a refresh with group hs-admins: %q, want admin", role)
	}
	if w.op.Refreshes() != 1 {
		t.Errorf("refreshes at the provider: %d, want 1", w.op.Refreshes())
	}
	w.op.SetGroups("alice")
	w.offset.Add(int64(6 * time.Minute))
	if _, role := w.me(b); role != hindsight.RoleViewer {
		t.Errorf("after a refresh with no groups: %q, want viewer (the default role)\n%s", role, w.logs)
	}
	if g, n := w.groups.last(u.ID); n != 3 || len(g) != 0 {
		t.Errorf("GroupSync after the refreshes: %v (%d calls), want no groups at the 3rd call", g, n)
	}
	if es, _ := w.s.Auth.Audit(t.Context(), hindsight.AuditFilter{Action: "user.update", Target: u.ID}); len(es) != 2 || !strings.Contains(es[0].Detail, "admin -> viewer (groups at refresh)") {
		t.Errorf("audit of the role changes: %+v", es)
	}

	// removed at the provider: the next refresh ends the session
	w.op.RemoveUser("alice")
	w.offset.Add(int64(6 * time.Minute))
	if email, _ := w.me(b); email != "" {
		t.Errorf("after the provider refused the refresh: still signed in as %q", email)
	}
	if !strings.Contains(w.logs.String(), "session ended at refresh") {
		t.Errorf("the ended session is not logged:\n%s", w.logs)
	}

	// the next sign-in finds the account by its subject, and logout
	// ends the session here and at the provider
	w.op.SetUser("alice", oidctest.User{Subject: "sub-alice", Email: "alice-new@example.com", EmailVerified: true, Groups: []string{"eng"}})
	w.signIn(b, "alice")
	if email, role := w.me(b); email != "alice@example.com" || role != hindsight.RoleEditor {
		t.Errorf("second sign-in (email changed at the provider): %q %q, want the same account, editor", email, role)
	}
	if n := w.users(); n != 2 {
		t.Errorf("%d accounts, want 2 (root and alice)", n)
	}
	p = w.post(b, w.base+"/logout", nil)
	i := strings.Index(p.body, `id="sso-sign-out" href="`)
	if p.status != http.StatusOK || i < 0 || strings.Contains(p.body, "top-user") {
		t.Fatalf("logout: %d, want a signed-out page offering the provider's logout:\n%.3000s", p.status, p.body)
	}
	end := p.body[i+len(`id="sso-sign-out" href="`):]
	end = strings.ReplaceAll(end[:strings.IndexByte(end, '"')], "&amp;", "&")
	if email, _ := w.me(b); email != "" {
		t.Errorf("after logout, before the provider's: signed in as %q", email)
	}
	p = w.get(b, end)
	if p.url.String() != w.base+"/login" || w.op.EndedSessions() != 1 {
		t.Errorf("the provider's logout ended at %s (%d), provider sessions ended %d", p.url, p.status, w.op.EndedSessions())
	}
	if email, _ := w.me(b); email != "" {
		t.Errorf("after logout: signed in as %q", email)
	}
}

// TestOIDCRefused: each way a sign-in goes wrong shows a page saying what
// happened, is logged with its reason, and creates no account.
func TestOIDCRefused(t *testing.T) {
	w := newSSOWorld(t, nil)
	w.op.SetUser("alice", oidctest.User{Subject: "sub-alice", Email: "alice@example.com", EmailVerified: true, Groups: []string{"eng"}})
	w.op.SetUser("unverified", oidctest.User{Subject: "sub-u", Email: "u@example.com", EmailVerified: false})
	if _, err := w.s.Auth.AddUser(t.Context(), app.System, auth.NewUser{Email: "local@example.com", Role: hindsight.RoleEditor, Password: "a long passphrase for local"}); err != nil {
		t.Fatal(err)
	}
	w.op.SetUser("local", oidctest.User{Subject: "sub-local", Email: "local@example.com", EmailVerified: true})

	type tc struct {
		name   string
		run    func(b *http.Client) page
		status int
		say    string // on the page
		reason string // in the log
	}
	callback := func(b *http.Client, q url.Values) page { return w.get(b, w.base+auth.CallbackPath+"?"+q.Encode()) }
	// codeFor signs in at the provider but stops before Hindsight's
	// callback: it returns the callback's query.
	codeFor := func(b *http.Client, user string) url.Values {
		id := w.toProvider(b)
		nb := *b
		nb.CheckRedirect = func(r *http.Request, _ []*http.Request) error {
			if strings.HasPrefix(r.URL.String(), w.base) {
				return http.ErrUseLastResponse
			}
			return nil
		}
		resp, err := nb.PostForm(w.op.Issuer+"/login", url.Values{"id": {id}, "username": {user}, "action": {"sign-in"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		return loc.Query()
	}
	for _, c := range []tc{
		{"access denied", func(b *http.Client) page {
			id := w.toProvider(b)
			return w.post(b, w.op.Issuer+"/login", url.Values{"id": {id}, "action": {"deny"}})
		}, 403, "The identity provider refused the sign-in (access denied)", "error=access_denied"},
		{"forged state", func(b *http.Client) page {
			q := codeFor(b, "alice")
			w.toProvider(b) // a new flow cookie; the old answer's state is not its state
			q.Set("state", "forged-"+q.Get("state"))
			return callback(b, q)
		}, 400, "does not belong to the sign-in this browser started", "wrong state"},
		{"no flow in this browser", func(b *http.Client) page {
			q := codeFor(b, "alice")
			return callback(w.browser(), q)
		}, 400, "was not started in this browser", "no sign-in in progress"},
		{"replayed code", func(b *http.Client) page {
			q := codeFor(b, "alice")
			if p := callback(b, q); p.status != 200 {
				t.Fatalf("first use of the code: %d %.300s", p.status, p.body)
			}
			w.post(b, w.base+"/logout", nil)
			b2 := w.browser()
			id := w.toProvider(b2) // a flow of its own, answered with the used code
			_ = id
			var st string
			u, _ := url.Parse(w.base + auth.CallbackPath)
			for _, ck := range b2.Jar.Cookies(u) {
				if ck.Name == "hindsight_oidc" {
					st = ck.Value
				}
			}
			_ = st
			// the state must match this browser's flow: take it from the
			// provider's redirect of a fresh sign-in that is never finished
			q2 := codeFor(b2, "alice")
			q2.Set("code", q.Get("code"))
			return callback(b2, q2)
		}, 401, "did not accept the sign-in", "code exchange refused"},
		{"wrong audience", func(b *http.Client) page {
			w.op.SetAudience("another-app")
			defer w.op.SetAudience("")
			return w.signIn(b, "alice")
		}, 401, "made for another application", "wrong audience"},
		{"expired ID token", func(b *http.Client) page {
			w.op.SetIDTokenLifetime(-time.Hour)
			defer w.op.SetIDTokenLifetime(time.Hour)
			return w.signIn(b, "alice")
		}, 401, "had expired when it reached Hindsight", "ID token expired"},
		{"unverified email", func(b *http.Client) page { return w.signIn(b, "unverified") },
			403, "has not verified the email address u@example.com", "has not verified"},
		{"local account not linked", func(b *http.Client) page { return w.signIn(b, "local") },
			403, "exists already and is not linked", "not linked"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := w.users()
			p := c.run(w.browser())
			if p.status != c.status || !strings.Contains(p.body, c.say) || !strings.Contains(p.body, "Sign-in failed") {
				t.Errorf("page %s: %d, want %d saying %q:\n%.3000s", p.url, p.status, c.status, c.say, p.body)
			}
			if !strings.Contains(w.logs.String(), c.reason) {
				t.Errorf("log lacks %q", c.reason)
			}
			if n := w.users(); n != before && c.name != "replayed code" {
				t.Errorf("%d accounts after a refused sign-in, want %d", n, before)
			}
		})
	}
	if _, err := w.s.Auth.FindUser(t.Context(), "u@example.com"); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Errorf("account of the unverified email: %v", err)
	}

	// an admin allows the local account's link: the next sign-in links it
	u, err := w.s.Auth.FindUser(t.Context(), "local@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.Auth.LinkOnSignIn(t.Context(), app.System, u.ID, true); err != nil {
		t.Fatal(err)
	}
	b := w.browser()
	w.signIn(b, "local")
	if email, role := w.me(b); email != "local@example.com" || role != hindsight.RoleViewer {
		t.Errorf("linked local account: %q %q, want local@example.com as viewer (no groups)\n%s", email, role, w.logs)
	}
}

// TestOIDCManyGroups: a groups claim of 1,000 groups signs in, and the one
// that maps to a role counts wherever it is in the list.
func TestOIDCManyGroups(t *testing.T) {
	w := newSSOWorld(t, nil)
	groups := make([]string, 1000)
	for i := range groups {
		groups[i] = fmt.Sprintf("group-%04d", i)
	}
	groups[999] = "hs-admins"
	w.op.SetUser("many", oidctest.User{Subject: "sub-many", Email: "many@example.com", EmailVerified: true, Groups: groups})
	b := w.browser()
	if p := w.signIn(b, "many"); p.status != http.StatusOK {
		t.Fatalf("sign-in with 1,000 groups: %d %.500s", p.status, p.body)
	}
	if _, role := w.me(b); role != hindsight.RoleAdmin {
		t.Errorf("role %q, want admin (the 1,000th group)", role)
	}
	u, _ := w.s.Auth.FindUser(t.Context(), "many@example.com")
	if g, _ := w.groups.last(u.ID); len(g) != 1000 {
		t.Errorf("GroupSync heard %d groups, want 1000", len(g))
	}
}

// TestOIDCOnlyBreakGlass: with HINDSIGHT_OIDC_ONLY the password form is
// folded away and refuses accounts that are not break-glass; a
// break-glass admin still signs in with the password.
func TestOIDCOnlyBreakGlass(t *testing.T) {
	w := newSSOWorld(t, map[string]string{"HINDSIGHT_OIDC_ONLY": "1"})
	const pw = "a long passphrase for the admin"
	u, err := w.s.Auth.AddUser(t.Context(), app.System, auth.NewUser{Email: "root@example.com", Role: hindsight.RoleAdmin, Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	b := w.browser()
	if p := w.get(b, w.base+"/login"); !strings.Contains(p.body, "Break-glass sign-in") || !strings.Contains(p.body, "Sign in with Test IdP") {
		t.Errorf("sign-in page with OIDC only: %.3000s", p.body)
	}
	p := w.post(b, w.base+"/login", url.Values{"email": {"root@example.com"}, "password": {pw}})
	if p.status != http.StatusUnauthorized || !strings.Contains(p.body, "password is off for this account") {
		t.Errorf("password sign-in of an account that is not break-glass: %d %.2000s", p.status, p.body)
	}
	if _, err := w.s.Auth.SetBreakGlass(t.Context(), app.System, u.ID, true); err != nil {
		t.Fatal(err)
	}
	p = w.post(b, w.base+"/login", url.Values{"email": {"root@example.com"}, "password": {pw}})
	if email, role := w.me(b); email != "root@example.com" || role != hindsight.RoleAdmin {
		t.Errorf("break-glass sign-in: %d, me %q %q", p.status, email, role)
	}
}

// TestProxyHeader: a trusted proxy's header signs the request in (the
// account made at once with the role its groups header maps to); from an
// untrusted address the header is ignored and its presence logged.
func TestProxyHeader(t *testing.T) {
	for _, c := range []struct {
		name    string
		trusted string
		want    hindsight.Role
	}{
		{"trusted", "10.0.0.0/8, 127.0.0.1", hindsight.RoleEditor},
		{"untrusted", "10.0.0.0/8", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newSSOWorld(t, map[string]string{"HINDSIGHT_OIDC_ISSUER": "", "HINDSIGHT_AUTH_PROXY_HEADER": "X-Forwarded-Email",
				"HINDSIGHT_AUTH_PROXY_GROUPS_HEADER": "X-Forwarded-Groups", "HINDSIGHT_AUTH_PROXY_TRUSTED": c.trusted})
			req, _ := http.NewRequest("GET", w.base+"/api/v1/me", nil)
			req.Header.Set("X-Forwarded-Email", "Pat@Example.com")
			req.Header.Set("X-Forwarded-Groups", "other, eng")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if c.want == "" {
				if resp.StatusCode != http.StatusUnauthorized || w.users() != 0 {
					t.Errorf("untrusted proxy header: %d %s, %d accounts", resp.StatusCode, body, w.users())
				}
				if !strings.Contains(w.logs.String(), "proxy sign-in header from an untrusted address ignored") {
					t.Errorf("the untrusted header is not logged:\n%s", w.logs)
				}
				return
			}
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"email":"pat@example.com"`) || !strings.Contains(string(body), `"role":"`+string(c.want)+`"`) {
				t.Errorf("trusted proxy header: %d %s", resp.StatusCode, body)
			}
			u, err := w.s.Auth.FindUser(t.Context(), "pat@example.com")
			if err != nil {
				t.Fatal(err)
			}
			if g, n := w.groups.last(u.ID); n != 1 || !slices.Equal(g, []string{"eng", "other"}) {
				t.Errorf("GroupSync: %v (%d calls)", g, n)
			}
		})
	}
}

// TestBreakGlassByAPI: an admin sets the break-glass and link flags of an
// account through PATCH /api/v1/users/{id}.
func TestBreakGlassByAPI(t *testing.T) {
	s := buildAt(t, "http://hindsight.example.com")
	admin, err := s.Auth.AddUser(t.Context(), app.System, auth.NewUser{Email: "root@example.com", Role: hindsight.RoleAdmin, Password: "a long passphrase for root"})
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := s.Auth.CreateToken(t.Context(), app.System, admin.ID, "t", hindsight.ScopeReadWrite, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("PATCH", "/api/v1/users/"+admin.ID, strings.NewReader(`{"break_glass":true,"link_on_sign_in":true}`))
	r.Header.Set("Authorization", "Bearer "+tok)
	r.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.Handler.ServeHTTP(rec, r)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"break_glass":true`) || !strings.Contains(rec.Body.String(), `"link_on_sign_in":true`) {
		t.Errorf("PATCH: %d %s", rec.Code, rec.Body)
	}
	if es, _ := s.Auth.Audit(t.Context(), hindsight.AuditFilter{Action: "user.update", Target: admin.ID}); len(es) != 1 || !strings.Contains(es[0].Detail, "break-glass on") {
		t.Errorf("audit: %+v", es)
	}
}

// TestOIDCNeedsBaseURL: a provider without the public base URL is a
// start-up error naming the setting (the redirect URI is made from it).
func TestOIDCNeedsBaseURL(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hindsight.db"), sqlite.Options{Render: app.Render})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	env := map[string]string{"HINDSIGHT_OIDC_ISSUER": "https://idp.example.com", "HINDSIGHT_OIDC_CLIENT_ID": "hindsight"}
	_, err = stack.Build(t.Context(), st, stack.Config{Getenv: func(k string) string { return env[k] }})
	if err == nil || !strings.Contains(err.Error(), "HINDSIGHT_OIDC_ISSUER needs the public base URL (--base-url or HINDSIGHT_BASE_URL)") {
		t.Errorf("error %v", err)
	}
}

// BenchmarkOIDCSignIn: one whole sign-in through the provider per
// operation (Hindsight's redirect, the provider's form, the code exchange,
// the ID token's checks, the session), then one refresh through the
// provider (a request whose session is due), over loopback HTTP.
func BenchmarkOIDCSignIn(b *testing.B) {
	w := newSSOWorld(b, nil)
	w.op.SetIDTokenLifetime(24 * 365 * time.Hour) // the clock moves 6 minutes a refresh
	w.op.SetUser("alice", oidctest.User{Subject: "sub-alice", Email: "alice@example.com", EmailVerified: true, Groups: []string{"eng"}})
	b.Run("sign-in", func(b *testing.B) {
		for b.Loop() {
			c := w.browser()
			if p := w.signIn(c, "alice"); p.status != http.StatusOK {
				b.Fatalf("sign-in: %d", p.status)
			}
		}
	})
	b.Run("refresh", func(b *testing.B) {
		c := w.browser()
		w.signIn(c, "alice")
		for b.Loop() {
			w.offset.Add(int64(6 * time.Minute))
			if email, _ := w.me(c); email == "" {
				b.Fatal("signed out at refresh")
			}
		}
	})
}

// TestOIDCTeamSync: the GroupSync hook as serve wires it (teams'
// sso.team_groups): a sign-in joins the teams of the person's groups, and
// a refresh without the group leaves it.
func TestOIDCTeamSync(t *testing.T) {
	w := newSSOWorldWith(t, nil, ssoYAML+"  team_groups: {grp-payments: payments}\n", false)
	if _, err := w.s.Service.CreateTeam(t.Context(), app.System, app.NewTeam{Slug: "payments", Name: "Payments"}); err != nil {
		t.Fatal(err)
	}
	w.op.SetUser("alice", oidctest.User{Subject: "sub-alice", Email: "alice@example.com", EmailVerified: true, Groups: []string{"eng", "grp-payments"}})
	b := w.browser()
	w.signIn(b, "alice")
	u, err := w.s.Auth.FindUser(t.Context(), "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	teams := func() []string {
		ts, err := w.s.Service.Teams(t.Context(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, tm := range ts {
			out = append(out, tm.Slug)
		}
		return out
	}
	if got := teams(); !slices.Equal(got, []string{"payments"}) {
		t.Errorf("teams after sign-in %v, want [payments]", got)
	}
	w.op.SetGroups("alice", "eng")
	w.offset.Add(int64(6 * time.Minute))
	w.me(b)
	if got := teams(); len(got) != 0 {
		t.Errorf("teams after a refresh without grp-payments %v, want none", got)
	}
}
