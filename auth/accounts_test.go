package auth_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
)

func TestPasswords(t *testing.T) {
	cases := []struct {
		name, pw string
		ok       bool
	}{
		{"too short", "elevenchars", false},
		{"minimum", "twelve chars", true},
		{"unicode counts characters", "éàüöçñßøåæœ€", true},
		{"one character repeated", "éééééééééééé", false},
		{"common", "Password2026!", false},
		{"common, letters as digits", "P@ssw0rd12345", false},
		{"keyboard run", "qwertyuiopasdf", false},
		{"digit run", "123456789012", false},
		{"repeat", "abcabcabcabc", false},
		{"list entry twice", "letmeinletmein", false},
		{"too long", strings.Repeat("x", auth.MaxPasswordLength+1), false},
		{"invalid utf-8", "abcdefghijk\xff", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, err := auth.HashPassword(tc.pw, testParams)
			if (err == nil) != tc.ok {
				t.Fatalf("HashPassword: %v, want ok=%v", err, tc.ok)
			}
			if !tc.ok {
				if hindsight.ErrorCode(err) != hindsight.EInvalid {
					t.Errorf("code %s", hindsight.ErrorCode(err))
				}
				return
			}
			if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") || strings.Contains(h, tc.pw) {
				t.Errorf("hash %q", h)
			}
			if !auth.VerifyPassword(h, tc.pw) {
				t.Error("the password does not verify")
			}
			if auth.VerifyPassword(h, tc.pw+"x") {
				t.Error("a wrong password verifies")
			}
			h2, _ := auth.HashPassword(tc.pw, testParams)
			if h2 == h {
				t.Error("two hashes of one password are equal (no salt)")
			}
		})
	}
	for _, bad := range []string{"", "plain", "$argon2id$v=19$m=1024,t=1,p=1$!!$!!", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"} {
		if auth.VerifyPassword(bad, "twelve chars") {
			t.Errorf("malformed hash %q verifies", bad)
		}
	}
}

func TestSetupLink(t *testing.T) {
	w := newWorld(t, worldOpts{})
	link, err := w.auth.SetupLink(t.Context(), "http://127.0.0.1:8080/")
	if err != nil || !strings.HasPrefix(link, "http://127.0.0.1:8080/setup?token=") {
		t.Fatalf("SetupLink = %q, %v", link, err)
	}
	path := strings.TrimPrefix(link, "http://127.0.0.1:8080")
	tok := strings.TrimPrefix(path, "/setup?token=")
	w.secret = append(w.secret, tok)
	if rec := w.do(t, "GET", path, "", nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `<label for="password">`) {
		t.Fatalf("setup page: %d", rec.Code)
	}
	if rec := w.do(t, "GET", "/setup?token=not-the-token", "", nil); rec.Code != http.StatusNotFound {
		t.Errorf("wrong setup token: %d", rec.Code)
	}
	pw := "first admin password"
	w.secret = append(w.secret, pw)
	cases := []struct {
		name string
		form url.Values
		want int
	}{
		{"passwords differ", url.Values{"email": {"root@example.com"}, "password": {pw}, "confirm": {pw + "x"}}, http.StatusUnprocessableEntity},
		{"short password", url.Values{"email": {"root@example.com"}, "password": {"short"}, "confirm": {"short"}}, http.StatusUnprocessableEntity},
		{"bad email", url.Values{"email": {"root"}, "password": {pw}, "confirm": {pw}}, http.StatusUnprocessableEntity},
		{"ok", url.Values{"email": {"root@example.com"}, "name": {"Root"}, "password": {pw}, "confirm": {pw}}, http.StatusSeeOther},
		{"used up", url.Values{"email": {"other@example.com"}, "password": {pw}, "confirm": {pw}}, http.StatusNotFound},
	}
	var cookie *http.Cookie
	for _, tc := range cases {
		tc.form.Set("token", tok)
		rec := w.do(t, "POST", "/setup", tc.form.Encode(), nil)
		if rec.Code != tc.want {
			t.Errorf("%s: %d, want %d: %s", tc.name, rec.Code, tc.want, rec.Body)
		}
		for _, c := range rec.Result().Cookies() {
			if c.Value != "" && c.Name != "hindsight_flash" {
				cookie = c
			}
		}
	}
	if cookie == nil {
		t.Fatal("setup did not sign the admin in")
	}
	if rec := w.do(t, "GET", "/admin/users", "", cookie); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "root@example.com") {
		t.Errorf("admin page after setup: %d", rec.Code)
	}
	if link, err := w.auth.SetupLink(t.Context(), "http://x"); link != "" || err != nil {
		t.Errorf("SetupLink with an account = %q, %v", link, err)
	}
}

func TestBootstrap(t *testing.T) {
	w := newWorld(t, worldOpts{})
	pw := "bootstrap password"
	w.secret = append(w.secret, pw)
	if ok, err := w.auth.Bootstrap(t.Context(), "ops@example.com", "short"); ok || hindsight.ErrorCode(err) != hindsight.EInvalid {
		t.Errorf("short password: %v, %v", ok, err)
	}
	if ok, err := w.auth.Bootstrap(t.Context(), "ops@example.com", pw); !ok || err != nil {
		t.Fatalf("Bootstrap = %v, %v", ok, err)
	}
	if ok, err := w.auth.Bootstrap(t.Context(), "again@example.com", pw); ok || err != nil {
		t.Errorf("second Bootstrap = %v, %v", ok, err)
	}
	u, err := w.auth.FindUser(t.Context(), "ops@example.com")
	if err != nil || u.Role != hindsight.RoleAdmin {
		t.Fatalf("bootstrapped admin: %+v, %v", u, err)
	}
	if c, _ := w.login(t, "ops@example.com", pw, nil); c == nil {
		t.Error("the bootstrapped admin cannot sign in")
	}
}

func TestAdminPagesAndAPI(t *testing.T) {
	w := newWorld(t, worldOpts{})
	_, apw := w.addUser(t, "root@example.com", hindsight.RoleAdmin)
	c, _ := w.login(t, "root@example.com", apw, nil)
	pw := "new user password"
	w.secret = append(w.secret, pw)
	rec := w.do(t, "POST", "/admin/users", url.Values{"email": {"new@example.com"}, "role": {"editor"}, "password": {pw}}.Encode(), c)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("add: %d %s", rec.Code, rec.Body)
	}
	u, err := w.auth.FindUser(t.Context(), "new@example.com")
	if err != nil {
		t.Fatal(err)
	}
	nc, _ := w.login(t, "new@example.com", pw, nil)
	steps := []struct {
		form   url.Values
		status int
		check  func(u *hindsight.User) bool
	}{
		{url.Values{"action": {"role"}, "role": {"viewer"}}, http.StatusSeeOther, func(u *hindsight.User) bool { return u.Role == hindsight.RoleViewer }},
		{url.Values{"action": {"role"}, "role": {"boss"}}, http.StatusSeeOther, func(u *hindsight.User) bool { return u.Role == hindsight.RoleViewer }},
		{url.Values{"action": {"reset"}, "password": {"reset password 1"}}, http.StatusSeeOther, func(u *hindsight.User) bool { return auth.VerifyPassword(u.PasswordHash, "reset password 1") }},
		{url.Values{"action": {"disable"}}, http.StatusSeeOther, func(u *hindsight.User) bool { return u.Disabled }},
		{url.Values{"action": {"enable"}}, http.StatusSeeOther, func(u *hindsight.User) bool { return !u.Disabled }},
	}
	w.secret = append(w.secret, "reset password 1")
	for i, s := range steps {
		rec := w.do(t, "POST", "/admin/users/"+u.ID, s.form.Encode(), c)
		got, _ := w.auth.FindUser(t.Context(), u.ID)
		if rec.Code != s.status || !s.check(got) {
			t.Errorf("step %d (%v): %d, account %+v", i, s.form, rec.Code, got)
		}
	}
	// the reset ended the user's session
	if rec := w.do(t, "GET", "/account", "", nc); rec.Code != http.StatusSeeOther {
		t.Errorf("session after a password reset: %d", rec.Code)
	}
	// pages render with the data
	for _, p := range []string{"/admin/users", "/admin/audit", "/admin/audit?action=user.", "/account"} {
		rec := w.do(t, "GET", p, "", c)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "new@example.com") && p != "/account" {
			t.Errorf("GET %s: %d", p, rec.Code)
		}
	}
	if rec := w.do(t, "GET", "/admin/audit?actor=root%40example.com&action=login", "", c); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), ">login</td>") {
		t.Errorf("filter by the actor's email: %d", rec.Code)
	}
	if rec := w.do(t, "GET", "/admin/audit?since=yesterday", "", c); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("bad filter: %d", rec.Code)
	}
	// API
	rec = w.do(t, "PATCH", "/api/v1/users/"+u.ID, `{"role":"admin","name":"New"}`, c)
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "argon2") {
		t.Errorf("PATCH: %d %s", rec.Code, rec.Body)
	}
	rec = w.do(t, "GET", "/api/v1/users", "", c)
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "argon2") || !strings.Contains(rec.Body.String(), `"role":"admin"`) {
		t.Errorf("GET users: %d %s", rec.Code, rec.Body)
	}
	if rec := w.do(t, "POST", "/api/v1/users", `{"email":"new@example.com","role":"viewer","password":"long enough pw"}`, c); rec.Code != http.StatusConflict {
		t.Errorf("duplicate: %d %s", rec.Code, rec.Body)
	}
	if rec := w.do(t, "POST", "/api/v1/users", `{"email":"x@example.com","role":"viewer","password":"long enough pw","admin":true}`, c); rec.Code != http.StatusBadRequest {
		t.Errorf("unknown field: %d %s", rec.Code, rec.Body)
	} else if !strings.Contains(rec.Body.String(), `"field":"admin"`) {
		t.Errorf("unknown field: %d %s", rec.Code, rec.Body)
	}
	rec = w.do(t, "GET", "/api/v1/audit?action=user.&limit=50", "", c)
	var out struct {
		Entries []hindsight.AuditEntry `json:"entries"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("audit API: %d %s", rec.Code, rec.Body)
	}
	actions := map[string]int{}
	for _, e := range out.Entries {
		actions[e.Action]++
		if e.Actor == "" || e.At.IsZero() || e.Target == "" {
			t.Errorf("audit entry without actor, time or target: %+v", e)
		}
	}
	for _, a := range []string{"user.create", "user.update", "user.reset_password", "user.disable"} {
		if actions[a] == 0 {
			t.Errorf("no %s in the audit log: %v", a, actions)
		}
	}
}

func TestAccountPageTokens(t *testing.T) {
	w := newWorld(t, worldOpts{})
	_, pw := w.addUser(t, "ann@example.com", hindsight.RoleEditor)
	c, _ := w.login(t, "ann@example.com", pw, nil)
	rec := w.do(t, "POST", "/account/tokens", "name=laptop&scope=read-write&expires_in_days=30", c)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/account" {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	// the page the post redirects to shows the secret (carried by a cookie
	// limited to it), once
	cookie := c.Name + "=" + c.Value
	for _, k := range rec.Result().Cookies() {
		cookie += "; " + k.Name + "=" + k.Value
	}
	body := w.do(t, "GET", "/account", "", nil, "Cookie", cookie).Body.String()
	i := strings.Index(body, auth.TokenPrefix)
	if i < 0 {
		t.Fatal("the new token is not shown")
	}
	secret := body[i : i+len(auth.TokenPrefix)+43]
	w.secret = append(w.secret, secret)
	if rec := w.do(t, "GET", "/api/v1/me", "", secret); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"access":"write"`) {
		t.Errorf("the shown token: %d %s", rec.Code, rec.Body)
	}
	page := w.do(t, "GET", "/account", "", c).Body.String()
	if strings.Contains(page, secret) || !strings.Contains(page, "laptop") {
		t.Error("the account page shows the secret again, or not the token")
	}
	ts, _ := w.auth.Tokens(t.Context(), "")
	if rec := w.do(t, "POST", "/account/tokens/"+ts[0].ID+"/revoke", "", c); rec.Code != http.StatusSeeOther {
		t.Errorf("revoke: %d", rec.Code)
	}
	if rec := w.do(t, "GET", "/api/v1/me", "", secret); rec.Code != http.StatusUnauthorized {
		t.Errorf("revoked: %d", rec.Code)
	}
	// change password: other sessions end, this one continues
	other, _ := w.login(t, "ann@example.com", pw, nil)
	npw := "a brand new password"
	w.secret = append(w.secret, npw)
	rec = w.do(t, "POST", "/account/password", url.Values{"current": {pw}, "password": {npw}}.Encode(), c)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("change password: %d %s", rec.Code, rec.Body)
	}
	var fresh *http.Cookie
	for _, k := range rec.Result().Cookies() {
		if k.Value != "" && k.Name != "hindsight_flash" {
			fresh = k
		}
	}
	if rec := w.do(t, "GET", "/account", "", other); rec.Code != http.StatusSeeOther {
		t.Errorf("other session after password change: %d", rec.Code)
	}
	if fresh == nil || w.do(t, "GET", "/account", "", fresh).Code != http.StatusOK {
		t.Error("this browser is not signed in after the change")
	}
	_ = app.System
}
