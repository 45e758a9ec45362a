package auth

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNextLength bounds a return path; longer ones are refused.
const maxNextLength = 2048

// SafeNext returns next when it is a path on this site that a browser
// cannot read as another origin, else "/". It is the one check of every
// "return to" value (the next parameter of the sign-in page, and any page
// that redirects to a path it was given).
//
// Browsers normalise a Location before following it: they drop tabs and
// line breaks anywhere in it, trim spaces and control characters, and read
// a backslash as a slash. "/<TAB>/evil.example" thus becomes
// "//evil.example", a link to another site. So the value is refused when it
// holds any control character, whitespace or backslash, or is not valid
// UTF-8; then it must start with exactly one "/" and parse with no scheme,
// host or user. Nothing is "repaired": a refused value gives "/".
func SafeNext(next string) string {
	if next == "" || len(next) > maxNextLength || !utf8.ValidString(next) {
		return "/"
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f || r == '\\' || unicode.IsSpace(r) || unicode.IsControl(r) ||
			unicode.Is(unicode.Cf, r) { // format characters (zero-width, bidi) are invisible too
			return "/"
		}
	}
	if next[0] != '/' || strings.HasPrefix(next, "//") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") ||
		strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return next
}
