package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/web"
)

// TestFlashCookie: a message after a POST travels in a short-lived cookie
// (HttpOnly, SameSite=Lax, Secure behind https), shows once, and nothing
// in the URL can put text in the alert box.
func TestFlashCookie(t *testing.T) {
	e := newEnv(t)
	ex := e.example("INC-20260909-003-cdn-cached-customer-exports.md")
	path := "/incidents/" + ex.ID
	for _, q := range []string{"?error=Your+account+is+locked", "?notice=Call+555", "?saved=99", "?done=revoked"} {
		body := e.do("GET", path+q, nil, nil).body
		for _, bad := range []string{"account is locked", "Call 555", "revision 99", "revoked"} {
			if strings.Contains(body, bad) {
				t.Errorf("GET %s shows %q", q, bad)
			}
		}
	}
	// a status change without htmx: a redirect with the banner in a cookie
	r := e.do("POST", path+"/status", url.Values{"revision": {"1"}, "to": {"In Review"}}, nil)
	if r.code != http.StatusSeeOther || r.hdr.Get("Location") != path {
		t.Fatalf("status: %d %q", r.code, r.hdr.Get("Location"))
	}
	c := r.hdr.Get("Set-Cookie")
	for _, want := range []string{"hindsight_flash=ok.", "Max-Age=60", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(c, want) {
			t.Errorf("Set-Cookie %q lacks %q", c, want)
		}
	}
	if strings.Contains(c, "Secure") {
		t.Errorf("a cookie over http is Secure: %q", c)
	}
	got := e.do("GET", path, nil, nil)
	if !strings.Contains(got.body, "Saved as revision 2. Status: In Review.") || !strings.Contains(got.hdr.Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("the banner after a status change is missing or not cleared: %q", got.hdr.Get("Set-Cookie"))
	}
	if again := e.do("GET", path, nil, nil).body; strings.Contains(again, "Saved as revision 2.") {
		t.Error("the banner shows twice")
	}
	// with htmx the status box says it
	r = e.do("POST", path+"/status", url.Values{"revision": {"2"}, "to": {"Draft"}}, map[string]string{"HX-Request": "true"})
	if r.code != 200 || !strings.Contains(r.body, "Saved as revision 3.") {
		t.Errorf("htmx status change: %d, no banner:\n%s", r.code, r.body)
	}
	// a forged cookie of another kind, or not base64, shows nothing
	for _, v := range []string{"script.PHNjcmlwdD4", "ok.%%%", "nodot"} {
		req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
		req.AddCookie(&http.Cookie{Name: "hindsight_flash", Value: v})
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("cookie %q: %d", v, res.StatusCode)
		}
	}
}

// TestFlashSecure: behind an https base URL the cookie is Secure.
func TestFlashSecure(t *testing.T) {
	e := newEnv(t)
	ui, err := web.New(e.svc, web.Options{BaseURL: "https://hindsight.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	ex := e.example("INC-20260909-003-cdn-cached-customer-exports.md")
	req := httptest.NewRequest("POST", "/incidents/"+ex.ID+"/status", strings.NewReader("revision=1&to=In+Review"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	ui.Handler().ServeHTTP(w, req)
	if c := w.Header().Get("Set-Cookie"); w.Code != http.StatusSeeOther || !strings.Contains(c, "Secure") {
		t.Errorf("%d, Set-Cookie %q: want Secure", w.Code, c)
	}
	if in, _ := e.svc.Get(context.Background(), app.System, ex.ID); in.Revision != 2 {
		t.Errorf("revision %d", in.Revision)
	}
}

// TestFlashErrorInView: a refusal without JavaScript sends the reader to
// the top of the page, where its message is, not to the section the form
// was in (which scrolled the message out of view); a success keeps the
// section.
func TestFlashErrorInView(t *testing.T) {
	e := newEnv(t)
	ex := e.example("INC-20260909-003-cdn-cached-customer-exports.md")
	path := "/incidents/" + ex.ID
	// a stale revision: refused
	r := e.do("POST", path+"/action-items/AI-001", url.Values{"revision": {"99"}, "status": {"Closed"}}, nil)
	if r.code != http.StatusSeeOther || r.hdr.Get("Location") != path {
		t.Fatalf("refused status change: %d %q, want a redirect to the top of %s", r.code, r.hdr.Get("Location"), path)
	}
	if got := e.do("GET", path, nil, nil).body; !strings.Contains(got, `class="alert alert-error"`) {
		t.Errorf("the page after a refusal shows no error alert")
	}
	r = e.do("POST", path+"/action-items/AI-001", url.Values{"revision": {"1"}, "status": {"Closed"}}, nil)
	if r.code != http.StatusSeeOther || r.hdr.Get("Location") != path+"#sec-action_items" {
		t.Fatalf("status change: %d %q, want a redirect to the action items", r.code, r.hdr.Get("Location"))
	}
}

// TestFormTooLarge: a form over the limit is refused with 413 and a page
// that says the limit as people write it, and that nothing was saved.
func TestFormTooLarge(t *testing.T) {
	e := newShellEnv(t)
	admin := []string{"X-User", "root", "X-Admin", "1"}
	big := url.Values{"slug": {"payments"}, "name": {strings.Repeat("x", 2<<20)}}
	st, body, _ := e.do(t, "POST", "/admin/teams", big, admin...)
	if want := "The form is larger than 2 MiB, the most this server takes in one form: nothing was saved."; st != http.StatusRequestEntityTooLarge || !strings.Contains(body, want) {
		t.Errorf("a 2 MiB form: %d, want 413 and %q in\n%.2000s", st, want, body)
	}
}
