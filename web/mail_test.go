package web_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
)

// TestMailPreferenceForm: the account page's email choice saves, redirects
// with a message and shows the choice; a bad value names the field.
func TestMailPreferenceForm(t *testing.T) {
	e := newStackEnv(t)
	res, body := e.do(t, "GET", "/account", e.editor, nil)
	if res.StatusCode != 200 {
		t.Fatalf("account page %d", res.StatusCode)
	}
	checkShell(t, "/account", body)
	for _, want := range []string{"Email notifications", `id="mail-immediate" name="mail" type="radio" value="immediate" checked`,
		`value="digest"`, `value="off"`, "This server sends no email yet"} {
		if !strings.Contains(body, want) {
			t.Errorf("account page lacks %q", want)
		}
	}
	tests := []struct {
		value, flash string
		want         hindsight.MailPreference
	}{
		{"digest", "You get one email a day", hindsight.MailDigest},
		{"off", "You get no email.", hindsight.MailOff},
		{"weekly", "Email notifications: choose immediately, daily digest or off.", hindsight.MailOff},
		{"immediate", "You get an email for each review request", hindsight.MailImmediate},
	}
	for _, tc := range tests {
		res, _ := e.do(t, "POST", "/account/notifications", e.editor, url.Values{"mail": {tc.value}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account" {
			t.Fatalf("POST mail=%s: %d to %q", tc.value, res.StatusCode, res.Header.Get("Location"))
		}
		var flash *http.Cookie
		for _, c := range res.Cookies() {
			if c.Name != e.editor.Name {
				flash = c
			}
		}
		req, _ := http.NewRequest("GET", e.srv.URL+"/account", nil)
		req.AddCookie(e.editor)
		if flash != nil {
			req.AddCookie(flash)
		}
		got, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b := new(strings.Builder)
		_, _ = ioCopy(b, got)
		if !strings.Contains(b.String(), tc.flash) {
			t.Errorf("after mail=%s the page lacks %q", tc.value, tc.flash)
		}
		if !strings.Contains(b.String(), `value="`+string(tc.want)+`" checked`) {
			t.Errorf("after mail=%s the page does not show %s chosen", tc.value, tc.want)
		}
	}
}

// TestUnsubscribePage: an email's unsubscribe link works signed out: the
// GET asks and changes nothing, the POST (the page's button or a mail
// client's one-click) turns mail off; a bad token is a 404 page.
func TestUnsubscribePage(t *testing.T) {
	e := newStackEnv(t)
	u, err := e.s.Auth.FindUser(t.Context(), "ed@example.com")
	if err != nil {
		t.Fatal(err)
	}
	set, err := e.s.Mail.Preference(t.Context(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	path := "/mail/unsubscribe/" + set.UnsubscribeToken
	res, body := e.do(t, "GET", path, nil, nil)
	if res.StatusCode != 200 || !strings.Contains(body, "Stop all Hindsight email to <strong>ed@example.com</strong>") || !strings.Contains(body, `action="`+path+`"`) {
		t.Fatalf("GET: %d\n%s", res.StatusCode, body)
	}
	checkShell(t, path, body)
	if s, _ := e.s.Mail.Preference(t.Context(), u.ID); s.Preference != hindsight.MailImmediate {
		t.Fatalf("the GET changed the preference to %s", s.Preference)
	}
	// RFC 8058 one-click: a POST with List-Unsubscribe=One-Click, no cookie
	res, body = e.do(t, "POST", path, nil, url.Values{"List-Unsubscribe": {"One-Click"}})
	if res.StatusCode != 200 || !strings.Contains(body, "You are unsubscribed") || !strings.Contains(body, "ed@example.com") {
		t.Fatalf("POST: %d\n%s", res.StatusCode, body)
	}
	checkShell(t, "POST "+path, body)
	if s, _ := e.s.Mail.Preference(t.Context(), u.ID); s.Preference != hindsight.MailOff {
		t.Fatalf("after the POST the preference is %s, want off", s.Preference)
	}
	res, body = e.do(t, "GET", path, nil, nil)
	if res.StatusCode != 200 || !strings.Contains(body, "already off") {
		t.Fatalf("GET when off: %d\n%s", res.StatusCode, body)
	}
	for _, m := range []string{"GET", "POST"} {
		res, body = e.do(t, m, "/mail/unsubscribe/"+set.UnsubscribeToken[:10], nil, url.Values{})
		if res.StatusCode != 404 || !strings.Contains(body, "this unsubscribe link is not valid") {
			t.Fatalf("%s with a cut token: %d\n%s", m, res.StatusCode, body)
		}
		checkShell(t, m+" bad token", body)
	}
}

func ioCopy(b *strings.Builder, res *http.Response) (int64, error) {
	defer res.Body.Close()
	return io.Copy(b, res.Body)
}
