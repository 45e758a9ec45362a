package markdown

import (
	"reflect"
	"strings"

	"github.com/hindsight-pm/hindsight"
)

// Bare URLs and e-mail addresses are written as autolinks (<https://…>,
// <oncall@example.com>), as markdownlint's MD034 asks; Parse reads an
// autolink back as the bare address, so the model holds one form and a
// document round-trips. Code spans, fenced code, HTML (tags, comments,
// blocks), link destinations, link reference definitions and front matter
// are left alone. A "www." address without a scheme stays as written:
// <www.example.com> would show its angle brackets.

// autolinks returns s with its bare URLs and e-mail addresses wrapped.
func autolinks(s string) string { return rewriteLinks(s, true) }

// bareLinks returns s with the autolinks that autolinks would write
// unwrapped: only when wrapping the result again writes what wrapping s
// writes (an autolink right after a bare URL, or before text that would
// extend it, keeps s as written).
func bareLinks(s string) string {
	u := rewriteLinks(s, false)
	if u == s || autolinks(u) == autolinks(s) {
		return u
	}
	return s
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isEmailLocal(c byte) bool { return isAlnum(c) || c == '.' || c == '_' || c == '+' || c == '-' }

// linkMayStart reports whether a bare address may start after byte prev
// (0 at the start of the text).
func linkMayStart(prev byte) bool {
	return prev == 0 || !(isEmailLocal(prev) || prev == '/' || prev == ':' || prev == '@' || prev == '<' || prev == '&' || prev == '\\' || prev >= 0x80)
}

// urlEnd returns the length of the URL at the start of s (http:// or
// https://), with trailing punctuation left out as GFM does, or 0.
func urlEnd(s string) int {
	var n int
	switch {
	case len(s) >= 8 && strings.EqualFold(s[:8], "https://"):
		n = 8
	case len(s) >= 7 && strings.EqualFold(s[:7], "http://"):
		n = 7
	default:
		return 0
	}
	j := n
	for j < len(s) {
		c := s[j]
		if c <= ' ' || c == '<' || c == '>' || c == '|' || c == '`' || c == '[' || c == ']' || c == '"' || c == '\\' || c == 0x7f {
			break
		}
		j++
	}
	open, close := strings.Count(s[n:j], "("), strings.Count(s[n:j], ")")
	for j > n {
		c := s[j-1]
		if strings.IndexByte("?!.,:;*_~'", c) >= 0 {
			j--
			continue
		}
		if c == ')' && open < close {
			j--
			close--
			continue
		}
		break
	}
	if j == n || !isAlnum(s[n]) {
		return 0
	}
	return j
}

// emailEnd returns the length of the e-mail address at the start of s, or 0.
func emailEnd(s string) int {
	at := 0
	for at < len(s) && isEmailLocal(s[at]) {
		at++
	}
	if at == 0 || at >= len(s) || s[at] != '@' {
		return 0
	}
	j := at + 1
	dots := 0
	for j < len(s) && (isAlnum(s[j]) || s[j] == '-' || s[j] == '_' || (s[j] == '.' && j+1 < len(s) && isAlnum(s[j+1]))) {
		if s[j] == '.' {
			dots++
		}
		j++
	}
	if dots == 0 || j == at+1 || s[j-1] == '-' || s[j-1] == '_' || !isAlnum(s[0]) {
		return 0
	}
	if j < len(s) && (s[j] == '@' || s[j] == '-' || s[j] == '_') {
		return 0
	}
	return j
}

// addressEnd returns the length of the bare URL or e-mail address at the
// start of s, or 0.
func addressEnd(s string) int {
	if n := urlEnd(s); n > 0 {
		return n
	}
	return emailEnd(s)
}

// rewriteLinks wraps (wrap) or unwraps the bare addresses of s.
func rewriteLinks(s string, wrap bool) string {
	if wrap && !strings.Contains(s, "://") && !strings.Contains(s, "@") {
		return s
	}
	if !wrap && !strings.Contains(s, "<") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	last := func() byte {
		if b.Len() == 0 {
			return 0
		}
		return b.String()[b.Len()-1]
	}
	i := 0
	// front matter stays as written
	if strings.HasPrefix(s, "---\n") {
		if end := strings.Index(s[4:], "\n---"); end >= 0 {
			i = 4 + end + 4
			b.WriteString(s[:i])
		}
	}
	noCloser := map[int]bool{} // backtick run lengths with no closing run left
	fence := ""
	lineStart := true
	htmlBlock := false
	for i < len(s) {
		if lineStart {
			lineStart = false
			eol := strings.IndexByte(s[i:], '\n')
			if eol < 0 {
				eol = len(s) - i
			}
			line := s[i : i+eol]
			t := strings.TrimLeft(line, " \t>")
			t = strings.TrimLeft(t, "-*+ \t")
			verbatim := false
			switch {
			case fence != "":
				verbatim = true
				if strings.HasPrefix(t, fence) {
					fence = ""
				}
			case strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~"):
				fence, verbatim = t[:3], true
			case htmlBlock:
				verbatim = true
				if strings.TrimSpace(line) == "" {
					htmlBlock = false
				}
			case len(t) > 1 && t[0] == '<' && (isAlnum(t[1]) || t[1] == '/' || t[1] == '!') && addressEnd(t[1:]) == 0 && !strings.HasPrefix(t, "<!--"):
				htmlBlock, verbatim = true, true
			case len(t) > 1 && t[0] == '[' && strings.Contains(t, "]:"):
				verbatim = strings.Index(t, "]:") < strings.IndexAny(t+"\n", " \t\n") || strings.Index(t, "]:") == strings.Index(t, "]")
			}
			if verbatim {
				b.WriteString(line)
				i += eol
				continue
			}
		}
		c := s[i]
		switch {
		case c == '\n':
			b.WriteByte(c)
			i++
			lineStart = true
			continue
		case c == '\\' && i+1 < len(s) && s[i+1] != '\n':
			b.WriteString(s[i : i+2])
			i += 2
			continue
		case c == '`':
			n := 1
			for i+n < len(s) && s[i+n] == '`' {
				n++
			}
			run := s[i : i+n]
			end := -1
			if !noCloser[n] {
				if end = closingRun(s[i+n:], n); end < 0 {
					noCloser[n] = true // none further on either
				}
			}
			if end >= 0 {
				b.WriteString(s[i : i+n+end+n])
				i += n + end + n
			} else {
				b.WriteString(run)
				i += n
			}
			continue
		case c == '<':
			if strings.HasPrefix(s[i:], "<!--") {
				end := strings.Index(s[i:], "-->")
				if end < 0 {
					b.WriteString(s[i:])
					return b.String()
				}
				b.WriteString(s[i : i+end+3])
				i += end + 3
				continue
			}
			// the '>' closing an autolink or a tag on this line, before any
			// other '<' (so that a run of '<' is read in linear time)
			close := i + 1
			for close < len(s) && s[close] != '>' && s[close] != '<' && s[close] != '\n' {
				close++
			}
			if close < len(s) && s[close] == '>' && close > i+1 {
				close -= i
				inner := s[i+1 : i+close]
				if n := addressEnd(inner); n > 0 && n == len(inner) {
					// an autolink: unwrapped when wrapping it again gives it back
					if !wrap && linkMayStart(last()) && addressEnd(inner+tokenAfter(s[i+close+1:])) == len(inner) {
						b.WriteString(inner)
					} else {
						b.WriteString(s[i : i+close+1])
					}
					i += close + 1
					continue
				}
				if isAlnum(s[i+1]) || s[i+1] == '/' || s[i+1] == '!' || s[i+1] == '?' {
					if !strings.ContainsAny(inner, "<\n") {
						b.WriteString(s[i : i+close+1]) // an HTML tag
						i += close + 1
						continue
					}
				}
			}
		case c == '!' || c == '[':
			if end := inlineLinkEnd(s[i:]); end > 0 {
				b.WriteString(s[i : i+end])
				i += end
				continue
			}
		case wrap && linkMayStart(last()):
			if n := addressEnd(s[i:]); n > 0 {
				b.WriteByte('<')
				b.WriteString(s[i : i+n])
				b.WriteByte('>')
				i += n
				continue
			}
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

// tokenAfter returns the start of s up to a space or a '<': all an address
// before it could run on into.
func tokenAfter(s string) string {
	if i := strings.IndexAny(s, " \t\n<"); i >= 0 {
		return s[:i]
	}
	return s
}

// closingRun returns the offset in s of the next run of exactly n
// backticks, or -1.
func closingRun(s string, n int) int {
	for j := 0; j < len(s); {
		if s[j] != '`' {
			j++
			continue
		}
		k := j
		for k < len(s) && s[k] == '`' {
			k++
		}
		if k-j == n {
			return j
		}
		j = k
	}
	return -1
}

// inlineLinkEnd returns the length of an inline link or image at the start
// of s ("[text](dest)", "![alt](src)"), or 0.
func inlineLinkEnd(s string) int {
	i := 0
	if strings.HasPrefix(s, "!") {
		i = 1
	}
	if i >= len(s) || s[i] != '[' {
		return 0
	}
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '\n':
			return 0
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				if j+1 < len(s) && s[j+1] == '(' {
					if k := strings.IndexByte(s[j+1:], ')'); k > 0 && !strings.Contains(s[j+1:j+1+k], "\n") {
						return j + 1 + k + 1
					}
				}
				return 0
			}
		}
	}
	return 0
}

var stringType = reflect.TypeOf("")

// mapStrings calls f on every string field of v (plain string fields, slice
// and map values; not map keys or named string types such as Status),
// setting the result. v must be addressable.
func mapStrings(v reflect.Value, f func(string) string) {
	switch v.Kind() {
	case reflect.String:
		if v.Type() == stringType && v.CanSet() {
			if s := v.String(); s != "" {
				if t := f(s); t != s {
					v.SetString(t)
				}
			}
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				mapStrings(v.Field(i), f)
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			mapStrings(v.Index(i), f)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			mapStrings(v.Elem(), f)
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		iter := v.MapRange()
		for iter.Next() {
			cp := reflect.New(iter.Value().Type()).Elem()
			cp.Set(iter.Value())
			mapStrings(cp, f)
			v.SetMapIndex(iter.Key(), cp)
		}
	}
}

// anyString reports whether f holds for a string field of v (as mapStrings
// visits them).
func anyString(v reflect.Value, f func(string) bool) bool {
	switch v.Kind() {
	case reflect.String:
		return v.Type() == stringType && f(v.String())
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() && anyString(v.Field(i), f) {
				return true
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			if anyString(v.Index(i), f) {
				return true
			}
		}
	case reflect.Pointer:
		return !v.IsNil() && anyString(v.Elem(), f)
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			if anyString(iter.Value(), f) {
				return true
			}
		}
	}
	return false
}

// hasBareLink reports whether s may hold an address to wrap.
func hasBareLink(s string) bool { return autolinks(s) != s }

// withAutolinks returns p, or a deep copy of p with its bare addresses
// wrapped when it has any.
func withAutolinks(p *hindsight.Postmortem) *hindsight.Postmortem {
	if !anyString(reflect.ValueOf(p).Elem(), hasBareLink) {
		return p
	}
	cp := deepCopy(reflect.ValueOf(p).Elem())
	mapStrings(cp, autolinks)
	out := cp.Addr().Interface().(*hindsight.Postmortem)
	return out
}

// deepCopy copies v with fresh slices and maps, so that mapStrings on the
// copy leaves v as it was.
func deepCopy(v reflect.Value) reflect.Value {
	out := reflect.New(v.Type()).Elem()
	switch v.Kind() {
	case reflect.Struct:
		out.Set(v) // unexported state (time.Time's): shared as is, no strings to map
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				out.Field(i).Set(deepCopy(v.Field(i)))
			}
		}
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		s := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			s.Index(i).Set(deepCopy(v.Index(i)))
		}
		out.Set(s)
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		m := reflect.MakeMapWithSize(v.Type(), v.Len())
		iter := v.MapRange()
		for iter.Next() {
			m.SetMapIndex(iter.Key(), deepCopy(iter.Value()))
		}
		out.Set(m)
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(deepCopy(v.Elem()))
		out.Set(p)
	default:
		out.Set(v)
	}
	return out
}
