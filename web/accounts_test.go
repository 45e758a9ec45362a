package web_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
	"github.com/hindsight-pm/hindsight/internal/stack"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// stackEnv is everything serve serves (internal/stack) over a real
// SQLite file, with an admin and an editor signed in.
type stackEnv struct {
	s             *stack.Stack
	srv           *httptest.Server
	admin, editor *http.Cookie
	incident      string
}

func newStackEnv(t *testing.T) *stackEnv {
	t.Helper()
	ctx := context.Background()
	clock := func() time.Time { return followNow }
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hs.db"), sqlite.Options{Render: app.Render, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := stack.Build(ctx, st, stack.Config{Now: clock, Getenv: func(string) string { return "" },
		Auth: auth.Options{Params: auth.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}}})
	if err != nil {
		t.Fatal(err)
	}
	e := &stackEnv{s: s, srv: httptest.NewServer(s.Handler)}
	t.Cleanup(e.srv.Close)
	for _, a := range []struct {
		email string
		role  hindsight.Role
		c     **http.Cookie
	}{{"ann@example.com", hindsight.RoleAdmin, &e.admin}, {"ed@example.com", hindsight.RoleEditor, &e.editor}} {
		u, err := s.Auth.AddUser(ctx, app.System, auth.NewUser{Email: a.email, Role: a.role, Password: "a long password 123"})
		if err != nil {
			t.Fatal(err)
		}
		if *a.c, err = s.Auth.SessionCookie(ctx, u, "127.0.0.1", "test"); err != nil {
			t.Fatal(err)
		}
	}
	in, err := s.Service.Open(ctx, app.System, app.NewIncident{Title: "Accounts <incident>"})
	if err != nil {
		t.Fatal(err)
	}
	e.incident = in.ID
	return e
}

func (e *stackEnv) do(t *testing.T, method, path string, c *http.Cookie, form url.Values) (*http.Response, string) {
	t.Helper()
	return send(t, method, e.srv.URL+path, form, c)
}

// TestAccountPagesInShell: the sign-in, account, users, audit and
// visibility pages are web's, in the one layout with the one nav.
func TestAccountPagesInShell(t *testing.T) {
	e := newStackEnv(t)
	// a restriction to ed: the audit log's detail names ed by email
	if _, err := e.s.Service.SetRestriction(t.Context(), app.System, e.incident, true, []string{"ed@example.com"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		c          *http.Cookie
		status     int
		want       []string
	}{
		{"SignIn", "/login?next=%2Fincidents", nil, 200, []string{`name="next" value="/incidents"`, `autocomplete="current-password"`}},
		{"SignInOpenRedirect", "/login?next=%2F%09%2Fevil.example", nil, 200, []string{`name="next" value="/"`}},
		{"SetupUsed", "/setup?token=nope", nil, 404, []string{"This setup link is not valid", `href="/login"`}},
		{"Account", "/account", e.editor, 200, []string{"ed@example.com", "API tokens", `aria-current="page">ed@example.com</a>`}},
		{"Users", "/admin/users", e.admin, 200, []string{"ann@example.com", "ed@example.com", "Add a user", `aria-current="page">Users</a>`}},
		{"Audit", "/admin/audit", e.admin, 200, []string{"Audit log", `aria-current="page">Audit log</a>`, "<td>restricted to ed@example.com</td>"}},
		{"AuditBadFilter", "/admin/audit?since=yesterday", e.admin, 422, []string{"since: want a date", `id="au-since"`}},
		{"Access", "/incidents/" + e.incident + "/access", e.editor, 200, []string{"Restricted incidents are visible only", "Accounts &lt;incident&gt;"}},
		{"Forbidden", "/admin/users", e.editor, 403, []string{"this needs the admin access", `href="/incidents"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, body := e.do(t, "GET", tc.path, tc.c, nil)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d:\n%s", res.StatusCode, tc.status, body)
			}
			checkShell(t, tc.path, body)
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q:\n%s", w, body)
				}
			}
			signedIn := tc.c != nil
			for _, link := range []string{">Incidents</a>", ">Action items</a>", ">Insights</a>", `role="search"`, ">New incident</a>", ">Sign out</button>"} {
				if strings.Contains(body, link) != signedIn {
					t.Errorf("nav: %q shown = %v, want %v (signed in)", link, !signedIn, signedIn)
				}
			}
			admin := tc.c == e.admin
			for _, link := range []string{">Users</a>", ">Audit log</a>", ">Webhooks</a>"} {
				if strings.Contains(body, link) != admin {
					t.Errorf("nav: admin link %q shown = %v, want %v", link, !admin, admin)
				}
			}
		})
	}
}

// TestAccountFlows: the forms post, redirect with a message in the flash
// cookie (never in the URL), and show it once.
func TestAccountFlows(t *testing.T) {
	e := newStackEnv(t)
	// a wrong password stays on the page with 401
	res, body := e.do(t, "POST", "/login", nil, url.Values{"email": {"ann@example.com"}, "password": {"wrong password 12"}, "next": {"/admin/users"}})
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `value="ann@example.com"`) || !strings.Contains(body, `name="next" value="/admin/users"`) {
		t.Fatalf("wrong password: %d\n%s", res.StatusCode, body)
	}
	res, _ = e.do(t, "POST", "/login", nil, url.Values{"email": {"ann@example.com"}, "password": {"a long password 123"}, "next": {"//evil.example/"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("sign in: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	// a token: shown once, with a message; revoke: a message in a cookie
	// a token: the POST redirects (reloading the page must not post again
	// and make a second token), and the page shows the secret once
	res, body = e.do(t, "POST", "/account/tokens", e.editor, url.Values{"name": {"ci"}, "scope": {"read"}, "expires_in_days": {"7"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account" || strings.Contains(body, auth.TokenPrefix) {
		t.Fatalf("create token: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
	body = followSecret(t, e.srv.URL, res, e.editor)
	if !strings.Contains(body, auth.TokenPrefix) || !strings.Contains(body, "Token created.") {
		t.Fatalf("the page after creating a token does not show it:\n%s", body)
	}
	if _, again := e.do(t, "GET", "/account", e.editor, nil); strings.Contains(again, auth.TokenPrefix) {
		t.Fatalf("the token is shown a second time:\n%s", again)
	}
	ts, err := e.s.Auth.Tokens(context.Background(), "")
	if err != nil || len(ts) != 1 {
		t.Fatalf("tokens %v %v", ts, err)
	}
	res, _ = e.do(t, "POST", "/account/tokens/"+ts[0].ID+"/revoke", e.editor, url.Values{})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account" {
		t.Fatalf("revoke: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	var flash *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "hindsight_flash" {
			flash = c
		}
	}
	if flash == nil {
		t.Fatal("revoke sets no message")
	}
	_, b := send(t, "GET", e.srv.URL+"/account", nil, e.editor, "Cookie", flash.Name+"="+flash.Value)
	if !strings.Contains(b, "The token is revoked.") {
		t.Errorf("the account page does not show the message")
	}
	if _, body := e.do(t, "GET", "/account?done=revoked", e.editor, nil); strings.Contains(body, "revoked.") {
		t.Errorf("a query string still puts a message on the page")
	}
	// accounts: a refused add keeps the form; a good one redirects
	res, body = e.do(t, "POST", "/admin/users", e.admin, url.Values{"email": {"bad"}, "name": {"Kept Name"}, "role": {"viewer"}, "password": {"x"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `value="Kept Name"`) {
		t.Errorf("bad account: %d\n%s", res.StatusCode, body)
	}
	res, _ = e.do(t, "POST", "/admin/users", e.admin, url.Values{"email": {"vi@example.com"}, "role": {"viewer"}, "password": {"a long password 456"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/users" {
		t.Errorf("add account: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	// visibility: restrict, then the incident page says so once
	res, _ = e.do(t, "POST", "/incidents/"+e.incident+"/access", e.admin, url.Values{"restricted": {"1"}, "members": {"ed@example.com"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/incidents/"+e.incident {
		t.Errorf("restrict: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if in, err := e.s.Service.Get(context.Background(), app.System, e.incident); err != nil || !in.Restricted {
		t.Errorf("not restricted: %v", err)
	}
	// sign out: to the sign-in page, signed out
	res, _ = e.do(t, "POST", "/logout", e.admin, url.Values{})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Errorf("sign out: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := e.do(t, "GET", "/admin/users", e.admin, nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after sign-out: %d", res.StatusCode)
	}
}

// followSecret GETs where a POST redirected with the session cookie c and
// the flash and secret cookies the POST set, and checks that the secret
// cookie is cleared there; it returns the page.
func followSecret(t *testing.T, base string, res *http.Response, c *http.Cookie, hdr ...string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+res.Header.Get("Location"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c != nil {
		req.AddCookie(c)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	secret := false
	for _, ck := range res.Cookies() {
		if ck.Name == "hindsight_secret" {
			secret = true
			if !ck.HttpOnly || ck.Path != res.Header.Get("Location") || ck.MaxAge <= 0 {
				t.Errorf("secret cookie %+v: want HttpOnly, limited to %s, short-lived", ck, res.Header.Get("Location"))
			}
		}
		req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	if !secret {
		t.Fatalf("the redirect sets no hindsight_secret cookie")
	}
	got, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Body.Close()
	b, _ := io.ReadAll(got.Body)
	cleared := false
	for _, ck := range got.Cookies() {
		if ck.Name == "hindsight_secret" && ck.MaxAge < 0 {
			cleared = true
		}
	}
	if !cleared {
		t.Errorf("GET %s does not clear the secret cookie", res.Header.Get("Location"))
	}
	return string(b)
}

// TestUsersPageMessages: each change on the users page confirms what it
// did to which account, and a refused one names the account and the
// change, not only the rule ("The account x is changed." said neither).
func TestUsersPageMessages(t *testing.T) {
	e := newStackEnv(t)
	ed, err := e.s.Auth.FindUser(t.Context(), "ed@example.com")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"Role", url.Values{"action": {"role"}, "role": {"viewer"}}, http.StatusSeeOther, "ed@example.com is now viewer."},
		{"Disable", url.Values{"action": {"disable"}}, http.StatusSeeOther, "ed@example.com is disabled: it cannot sign in"},
		{"Enable", url.Values{"action": {"enable"}}, http.StatusSeeOther, "ed@example.com is enabled"},
		{"BadRole", url.Values{"action": {"role"}, "role": {"boss"}}, http.StatusSeeOther, "Role of ed@example.com not changed: role: want viewer, editor or admin"},
		{"ShortPassword", url.Values{"action": {"reset"}, "password": {"short"}}, http.StatusSeeOther, "Password of ed@example.com not reset: password: at least"},
	}
	// the page is "Users": its add form and message say user, not account
	res, body := e.do(t, "POST", "/admin/users", e.admin, url.Values{"email": {"zoe@example.com"}, "role": {"viewer"}, "password": {"a long enough passphrase 9"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d\n%s", res.StatusCode, body)
	}
	for _, c := range res.Cookies() {
		if _, v, ok := strings.Cut(c.Value, "."); ok && c.Name == "hindsight_flash" {
			if b, _ := base64.RawURLEncoding.DecodeString(v); string(b) != "zoe@example.com is added as viewer: they can sign in now." {
				t.Errorf("add message %q", b)
			}
		}
	}
	if _, page := e.do(t, "GET", "/admin/users", e.admin, nil); !strings.Contains(page, ">Add a user</h2>") || !strings.Contains(page, ">Add user</button>") || strings.Contains(page, "Add an account") || strings.Contains(page, "Add account") {
		t.Errorf("the users page mixes user and account:\n%s", page)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, body := e.do(t, "POST", "/admin/users/"+ed.ID, e.admin, tc.form)
			msg := body
			for _, c := range res.Cookies() {
				if _, v, ok := strings.Cut(c.Value, "."); ok && c.Name == "hindsight_flash" {
					b, _ := base64.RawURLEncoding.DecodeString(v)
					msg = string(b)
				}
			}
			if res.StatusCode != tc.status || !strings.Contains(msg, tc.want) {
				t.Errorf("%v: %d, message %q, want %q", tc.form, res.StatusCode, msg, tc.want)
			}
		})
	}
}

// TestAccessMemberError: a member that names no account is reported as the
// form shows it (Members: “nobody@example.com” ...), not as the API's
// zero-based field path members[1].
func TestAccessMemberError(t *testing.T) {
	e := newStackEnv(t)
	res, body := e.do(t, "POST", "/incidents/"+e.incident+"/access", e.admin, url.Values{"restricted": {"1"}, "members": {"ed@example.com\nnobody@example.com"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Members: “nobody@example.com” names no active account") || strings.Contains(body, "members[") {
		t.Fatalf("a bad member: %d\n%s", res.StatusCode, body)
	}
	if !strings.Contains(body, "nobody@example.com</textarea>") {
		t.Errorf("the members posted are not shown again")
	}
}

// TestErrorAlertsAreSentences: an error message from below (auth's "wrong
// email or password", a rule "password: at least ...") starts with a
// capital letter in the page's alert, like the messages the pages write.
func TestErrorAlertsAreSentences(t *testing.T) {
	e := newStackEnv(t)
	tests := []struct {
		name, path string
		c          *http.Cookie
		form       url.Values
		want       string
	}{
		{"WrongPassword", "/login", nil, url.Values{"email": {"ann@example.com"}, "password": {"wrong password 12"}}, `role="alert">Wrong email or password</div>`},
		{"ShortPassword", "/admin/users", e.admin, url.Values{"email": {"new@example.com"}, "role": {"viewer"}, "password": {"short"}}, `role="alert">Password: at least`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, body := e.do(t, "POST", tc.path, tc.c, tc.form); !strings.Contains(body, tc.want) {
				t.Errorf("want %q in\n%s", tc.want, body)
			}
		})
	}
}

// TestRefusedFormsRedirect: a refused account or user change answers 303
// back to its page with the error in the flash cookie (Post/Redirect/Get),
// not a page rendered at the address it posted to, which a reload would
// post again; the next page shows the error, naming the field, once.
func TestRefusedFormsRedirect(t *testing.T) {
	e := newStackEnv(t)
	ed, err := e.s.Auth.FindUser(t.Context(), "ed@example.com")
	if err != nil {
		t.Fatal(err)
	}
	ann, err := e.s.Auth.FindUser(t.Context(), "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, page string
		c                *http.Cookie
		form             url.Values
		want             string
	}{
		{"PasswordUnchanged", "/account/password", "/account", e.editor, url.Values{"current": {"a long password 123"}, "password": {"a long password 123"}}, `role="alert">The new password is the current one: choose another (nothing changed, your other sessions stay signed in).`},
		{"PasswordTooShort", "/account/password", "/account", e.editor, url.Values{"current": {"a long password 123"}, "password": {"short"}}, `role="alert">Password: at least`},
		{"TokenExpiry", "/account/tokens", "/account", e.editor, url.Values{"name": {"ci"}, "scope": {"read"}, "expires_in_days": {"0"}}, `role="alert">Expires in: a number of days from 1 to 366.`},
		{"UserBadRole", "/admin/users/" + ed.ID, "/admin/users", e.admin, url.Values{"action": {"role"}, "role": {"boss"}}, `role="alert">Role of ed@example.com not changed: role: want viewer, editor or admin`},
		{"UserResetShort", "/admin/users/" + ed.ID, "/admin/users", e.admin, url.Values{"action": {"reset"}, "password": {"short"}}, `role="alert">Password of ed@example.com not reset: password: at least`},
		// the email as it is, not capitalized as the first word of the alert
		{"LastAdminDisable", "/admin/users/" + ann.ID, "/admin/users", e.admin, url.Values{"action": {"disable"}}, `role="alert">Account ann@example.com not disabled: ann@example.com is the last active admin`},
		{"UserUnknownChange", "/admin/users/" + ed.ID, "/admin/users", e.admin, url.Values{"action": {"promote"}}, `role="alert">Unknown change: want role, disable, enable, reset, break-glass-on, break-glass-off or allow-link.`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, body := e.do(t, "POST", tc.path, tc.c, tc.form)
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != tc.page {
				t.Fatalf("refused POST %s: %d to %q, want 303 to %s\n%s", tc.path, res.StatusCode, res.Header.Get("Location"), tc.page, body)
			}
			var flash *http.Cookie
			for _, c := range res.Cookies() {
				if c.Name == "hindsight_flash" {
					flash = c
				}
			}
			if flash == nil {
				t.Fatal("no flash cookie")
			}
			get := func(cs ...*http.Cookie) (*http.Response, string) {
				req, err := http.NewRequest("GET", e.srv.URL+tc.page, nil)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range cs {
					req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				return res, string(b)
			}
			res, page := get(tc.c, flash)
			if res.StatusCode != http.StatusOK || !strings.Contains(page, tc.want) {
				t.Fatalf("GET %s after the refusal: %d, want %q in\n%s", tc.page, res.StatusCode, tc.want, page)
			}
			cleared := false
			for _, c := range res.Cookies() {
				cleared = cleared || (c.Name == "hindsight_flash" && c.MaxAge < 0)
			}
			if !cleared {
				t.Error("the page that showed the error does not clear the flash cookie")
			}
			if _, again := get(tc.c); strings.Contains(again, tc.want) {
				t.Errorf("the error shows again on the next GET %s", tc.page)
			}
		})
	}
}

// TestSelfDemotion: an admin who gives up the role goes to their account
// page with the message, not back to the users page, which now answers
// 403.
func TestSelfDemotion(t *testing.T) {
	e := newStackEnv(t)
	ed, err := e.s.Auth.FindUser(t.Context(), "ed@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if res, body := e.do(t, "POST", "/admin/users/"+ed.ID, e.admin, url.Values{"action": {"role"}, "role": {"admin"}}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/users" {
		t.Fatalf("promote ed: %d %q\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
	res, body := e.do(t, "POST", "/admin/users/"+ed.ID, e.editor, url.Values{"action": {"role"}, "role": {"editor"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account" {
		t.Fatalf("ed demotes ed: %d to %q, want 303 to /account\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
	var flash *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "hindsight_flash" {
			flash = c
		}
	}
	req, err := http.NewRequest("GET", e.srv.URL+"/account", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*http.Cookie{e.editor, flash} {
		if c == nil {
			t.Fatal("no flash cookie")
		}
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	got, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Body.Close()
	b, _ := io.ReadAll(got.Body)
	if got.StatusCode != 200 || !strings.Contains(string(b), "You are now editor: the admin pages are no longer yours.") {
		t.Errorf("account page after demotion: %d\n%s", got.StatusCode, b)
	}
	// another admin's change of someone else still returns to the users page
	if res, _ := e.do(t, "POST", "/admin/users/"+ed.ID, e.admin, url.Values{"action": {"role"}, "role": {"viewer"}}); res.Header.Get("Location") != "/admin/users" {
		t.Errorf("ann demotes ed: to %q, want /admin/users", res.Header.Get("Location"))
	}
}

// TestRestrictLeavesYouIn: an editor who restricts an incident to a list
// that leaves them out stays a member (app.Service.Restrict), and the
// message says so; with themselves in the list, or as an admin, it does
// not.
func TestRestrictLeavesYouIn(t *testing.T) {
	e := newStackEnv(t)
	path := "/incidents/" + e.incident + "/access"
	stay := "You stay a member although the list left you out"
	for _, c := range []struct {
		name    string
		who     *http.Cookie
		members string
		stays   bool
	}{
		{"EditorLeftOut", e.editor, "ann@example.com", true},
		{"EditorListed", e.editor, "ED@example.com\nann@example.com", false},
		{"Admin", e.admin, "ed@example.com", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, body := e.do(t, "POST", path, c.who, url.Values{"restricted": {"1"}, "members": {c.members}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("restrict: %d\n%s", res.StatusCode, body)
			}
			if fl := flashOf(t, res.Header); !strings.HasPrefix(fl, "ok: Restricted to its members and admins.") || strings.Contains(fl, stay) != c.stays {
				t.Errorf("flash %q, want the stay-a-member sentence: %v", fl, c.stays)
			}
		})
	}
	ed, err := e.s.Auth.FindUser(t.Context(), "ed@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if in, err := e.s.Service.Get(t.Context(), app.System, e.incident); err != nil || !slices.Contains(in.Members, ed.ID) {
		t.Errorf("members after the admin's restriction: %v %+v", err, in)
	}
}
