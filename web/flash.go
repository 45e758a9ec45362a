package web

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// flashCookie carries the message a redirect after a POST shows on the
// next page ("Saved as revision 4.", "The token is revoked."). It lives a
// minute, is read and cleared by the next full page, and never travels in
// the URL: a link cannot put text in the app's alert box.
const flashCookie = "hindsight_flash"

// flashMaxBytes bounds a message (a cookie holds about 4 KB).
const flashMaxBytes = 1024

// flash kinds: a confirmation or an error.
const (
	flashOK    = "ok"
	flashError = "error"
)

// setFlash sets the message the next page shows.
func (u *UI) setFlash(w http.ResponseWriter, kind, msg string) {
	if len(msg) > flashMaxBytes {
		msg = msg[:flashMaxBytes]
		for !utf8.ValidString(msg) {
			msg = msg[:len(msg)-1]
		}
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: kind + "." + base64.RawURLEncoding.EncodeToString([]byte(msg)),
		Path: "/", MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: u.secure})
}

// redirectFlash sets a message and redirects (303) to a page of this site.
func (u *UI) redirectFlash(w http.ResponseWriter, r *http.Request, to, kind, msg string) {
	if kind == flashError {
		// a refusal is read where it is shown, at the top of the page, not
		// from the section the form was in, which scrolls it out of view
		// (a fragment naming the alert would put it under the sticky bar)
		if i := strings.IndexByte(to, '#'); i >= 0 {
			to = to[:i]
		}
	}
	u.setFlash(w, kind, msg)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// takeFlash reads the message a redirect left (kind "" when none) and
// clears it, so it shows once.
func (u *UI) takeFlash(w http.ResponseWriter, r *http.Request) (kind, msg string) {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return "", ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: u.secure})
	k, v, ok := strings.Cut(c.Value, ".")
	b, err := base64.RawURLEncoding.DecodeString(v)
	if !ok || err != nil || (k != flashOK && k != flashError) || !utf8.Valid(b) {
		return "", ""
	}
	return k, string(b)
}

// hasFlash reports whether a message is waiting (the incident page then
// bypasses its cache).
func hasFlash(r *http.Request) bool {
	_, err := r.Cookie(flashCookie)
	return err == nil
}

// withFlash puts a waiting message into p (unless p already carries one).
func (u *UI) withFlash(w http.ResponseWriter, r *http.Request, p *page) {
	if r.Method != http.MethodGet || isHTMX(r) {
		return
	}
	switch kind, msg := u.takeFlash(w, r); kind {
	case flashOK:
		if p.Flash == "" {
			p.Flash = msg
		}
	case flashError:
		if p.Error == "" {
			p.Error = msg
		}
	}
}

// savedAs is the banner after a change that made a new revision.
func savedAs(rev int) string { return "Saved as revision " + strconv.Itoa(rev) + "." }

// secretCookie carries a secret shown once (a new API token, a new
// webhook's signing secret) across the redirect after the POST that made
// it, so reloading the page that shows it does not post the form again
// (which made a second token or webhook). It is limited to the one page
// that shows it, lives two minutes and is cleared by that page.
const secretCookie = "hindsight_secret"

// redirectSecret keeps secret for the page at path and redirects there
// (303) with the confirmation msg.
func (u *UI) redirectSecret(w http.ResponseWriter, r *http.Request, path, secret, msg string) {
	http.SetCookie(w, &http.Cookie{Name: secretCookie, Value: base64.RawURLEncoding.EncodeToString([]byte(secret)),
		Path: path, MaxAge: 120, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: u.secure})
	u.redirectFlash(w, r, path, flashOK, msg)
}

// takeSecret reads the secret a redirect left for the page at path and
// clears it, so it shows once ("" when none).
func (u *UI) takeSecret(w http.ResponseWriter, r *http.Request, path string) string {
	c, err := r.Cookie(secretCookie)
	if err != nil || r.Method != http.MethodGet {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: secretCookie, Value: "", Path: path, MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: u.secure})
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || !utf8.Valid(b) {
		return ""
	}
	return string(b)
}
