package auth_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/auth"
)

func TestSafeNext(t *testing.T) {
	for _, tc := range []struct{ next, want string }{
		// kept: paths on this site
		{"/", "/"},
		{"/incidents/INC-20260101-001", "/incidents/INC-20260101-001"},
		{"/incidents?q=db+failover&status=draft", "/incidents?q=db+failover&status=draft"},
		{"/incidents/INC-1#timeline", "/incidents/INC-1#timeline"},
		{"/search?q=caf%C3%A9", "/search?q=caf%C3%A9"},
		{"/incidents/café", "/incidents/café"},
		// refused: other origins, before or after the browser's normalisation
		{"", "/"},
		{"https://evil.example", "/"},
		{"http:/evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"evil.example", "/"},
		{"//evil.example/x", "/"},
		{"///evil.example", "/"},
		{"/\\evil.example", "/"},
		{"\\/evil.example", "/"},
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"/\r/evil.example", "/"},
		{"\t//evil.example", "/"},
		{" //evil.example", "/"},
		{"/ /evil.example", "/"},
		{"/\x00/evil.example", "/"},
		{"/\x7f/evil.example", "/"},
		{"/\u00a0/evil.example", "/"},
		{"/\u2028/evil.example", "/"},
		{"/\u200b/evil.example", "/"},
		{"/\ufeff/evil.example", "/"},
		{"/%2F%2Fevil.example", "/"},
		{"/\xff/evil.example", "/"},
		{"/" + strings.Repeat("a", 3000), "/"},
	} {
		if got := auth.SafeNext(tc.next); got != tc.want {
			t.Errorf("SafeNext(%q) = %q, want %q", tc.next, got, tc.want)
		}
	}
}

// TestLoginRedirectTabbedNext is the open redirect of issue 15:
// /login?next=%2F%09%2Fevil.example sent "Location: /<TAB>/evil.example",
// which browsers follow to evil.example.
func TestLoginRedirectTabbedNext(t *testing.T) {
	w := newWorld(t, worldOpts{})
	_, pw := w.addUser(t, "ann@example.com", hindsight.RoleViewer)
	for _, next := range []string{"/\t/evil.example", "/\n/evil.example", "/\\/evil.example", "/ /evil.example"} {
		form := url.Values{"email": {"ann@example.com"}, "password": {pw}, "next": {next}}.Encode()
		rec := w.do(t, "POST", "/login", form, nil)
		if got := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || got != "/" {
			t.Errorf("POST /login next=%q: %d to %q, want /", next, rec.Code, got)
		}
		c, _ := w.login(t, "ann@example.com", pw, nil)
		rec = w.do(t, "GET", "/login?next="+url.QueryEscape(next), "", c)
		if got := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || got != "/" {
			t.Errorf("GET /login?next=%q signed in: %d to %q, want /", next, rec.Code, got)
		}
	}
}
