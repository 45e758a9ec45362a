package tracker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	hindsight "github.com/hindsight-pm/hindsight"
)

// markerRe matches a Hindsight marker (hindsight.TrackerMarker): "hindsight:"
// then an incident ID and an item key separated by a slash, e.g.
// "hindsight:INC-20261201-001/AI-003", or "…/#3" for an item without an ID.
var markerRe = regexp.MustCompile(`hindsight:[A-Za-z0-9][A-Za-z0-9._-]*/(?:#[0-9]+|[A-Za-z0-9][A-Za-z0-9._-]*)`)

// ExtractMarker returns the first Hindsight marker in text, or "".
func ExtractMarker(text string) string { return markerRe.FindString(text) }

// validMarker reports whether m is one whole marker.
func validMarker(m string) bool { return m != "" && markerRe.FindString(m) == m }

// markerComment is the marker as an HTML comment: hidden when GitHub and
// GitLab render the Markdown, kept in the raw body that webhooks carry.
func markerComment(m string) string { return "<!-- " + m + " -->" }

// dueLineRe matches the due date line written into GitHub bodies (GitHub
// issues have no due date field), also when a person edited its emphasis.
var dueLineRe = regexp.MustCompile(`(?mi)^[ \t]*(?:\*\*)?due(?: date)?:(?:\*\*)?[ \t]*(\d{4}-\d{2}-\d{2})?[ \t]*\r?$`)

// dueLine is the body line that carries a due date on GitHub.
func dueLine(d time.Time) string { return "**Due:** " + d.Format(time.DateOnly) }

// bodyDue returns the due date written in body; ok is false when there is no
// due line, and the time is zero when the line has no valid date.
func bodyDue(body string) (time.Time, bool) {
	m := dueLineRe.FindStringSubmatch(body)
	if m == nil {
		return time.Time{}, false
	}
	d, err := time.Parse(time.DateOnly, m[1])
	if err != nil {
		return time.Time{}, true
	}
	return d, true
}

// setBodyDue returns body with its due line replaced by due (zero: removed),
// or with a due line added before the marker comment when there was none.
func setBodyDue(body string, due time.Time) string {
	if loc := dueLineRe.FindStringIndex(body); loc != nil {
		start, end := loc[0], loc[1]
		cr := ""
		if strings.HasSuffix(body[start:end], "\r") {
			cr = "\r"
		}
		if !due.IsZero() {
			return body[:start] + dueLine(due) + cr + body[end:]
		}
		if end < len(body) && body[end] == '\n' {
			end++
		}
		// Drop the blank line the due line was set apart with.
		if strings.HasSuffix(body[:start], "\n\n") && (end == len(body) || strings.HasPrefix(body[end:], "\n") || strings.HasPrefix(body[end:], "\r\n")) {
			start--
		}
		return body[:start] + body[end:]
	}
	if due.IsZero() {
		return body
	}
	if i := strings.Index(body, "<!-- hindsight:"); i >= 0 {
		return body[:i] + dueLine(due) + "\n\n" + body[i:]
	}
	return strings.TrimRight(body, "\n") + "\n\n" + dueLine(due)
}

// composeBody is the body of a new GitHub or GitLab issue: the caller's body,
// the due line when withDue, then the marker comment.
func composeBody(is Issue, withDue bool) string {
	var b strings.Builder
	b.WriteString(strings.TrimRight(is.Body, "\n"))
	if withDue && !is.Due.IsZero() {
		b.WriteString("\n\n" + dueLine(is.Due))
	}
	if is.Marker != "" {
		b.WriteString("\n\n" + markerComment(is.Marker))
	}
	return strings.TrimLeft(b.String(), "\n")
}

// mergeLabels is cfg's labels then the issue's, without repeats (compared
// case-insensitively, as the trackers do).
func mergeLabels(a, b []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range append(append([]string(nil), a...), b...) {
		l = strings.TrimSpace(l)
		k := strings.ToLower(l)
		if l == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, l)
	}
	return out
}

// retryAfter reads how long a tracker asked to wait: Retry-After (seconds or
// an HTTP date), else the reset time of an exhausted rate limit
// (X-RateLimit-Reset on GitHub, RateLimit-Reset on GitLab: Unix seconds).
// It returns 0 when the response says nothing.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			return time.Duration(n) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil {
			if d := t.Sub(now); d > 0 {
				return d
			}
			return 0
		}
	}
	for _, k := range []string{"X-RateLimit-Reset", "RateLimit-Reset"} {
		v := strings.TrimSpace(h.Get(k))
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			continue
		}
		if n < 1e9 { // RateLimit-Reset as a delta in seconds (IETF draft)
			return time.Duration(n) * time.Second
		}
		if d := time.Unix(n, 0).Sub(now); d > 0 {
			return d
		}
		return 0
	}
	return 0
}

// statusError turns a non-2xx answer of a tracker into an error: a
// *RetryError for 429, 5xx and exhausted or secondary rate limits (403 with
// X-RateLimit-Remaining: 0 or a "secondary rate limit" message), otherwise a
// hindsight error whose code follows the status.
func statusError(kind Kind, resp *http.Response, msg string) error {
	if resp == nil {
		return hindsight.Errorf(hindsight.EInternal, "%s: %s", kind, msg)
	}
	st := resp.StatusCode
	reason := fmt.Sprintf("%s answered %d %s", kind, st, strings.TrimSpace(msg))
	lower := strings.ToLower(msg)
	rateLimited := st == http.StatusTooManyRequests ||
		(st == http.StatusForbidden && (resp.Header.Get("X-RateLimit-Remaining") == "0" ||
			strings.Contains(lower, "rate limit") || resp.Header.Get("Retry-After") != ""))
	if rateLimited || st >= 500 {
		return &RetryError{After: retryAfter(resp.Header, time.Now()), Reason: reason}
	}
	var code hindsight.Code
	switch st {
	case http.StatusUnauthorized:
		code = hindsight.EUnauth
	case http.StatusForbidden:
		code = hindsight.EForbidden
	case http.StatusNotFound, http.StatusGone:
		code = hindsight.ENotFound
	case http.StatusConflict:
		code = hindsight.EConflict
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		code = hindsight.EInvalid
	default:
		code = hindsight.EInternal
	}
	return &hindsight.Error{Code: code, Message: reason}
}

// transportError classifies an error that came with no answer: a network
// failure (the tracker is down or unreachable) is a *RetryError, a cancelled
// context is returned as it is.
func transportError(kind Kind, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var ne net.Error
	var oe *net.OpError
	if errors.As(err, &ne) || errors.As(err, &oe) {
		return &RetryError{Reason: fmt.Sprintf("%s unreachable: %v", kind, err)}
	}
	return &hindsight.Error{Code: hindsight.EInternal, Message: fmt.Sprintf("%s: %v", kind, err), Err: err}
}

// badRef is the error for a Ref that does not belong to this client.
func badRef(kind Kind, ref Ref, want string) error {
	return hindsight.Errorf(hindsight.EInvalid, "%s: issue key %q is not %s", kind, ref.Key, want)
}

// splitKey splits "path#N" into the path and N.
func splitKey(key string) (string, int64, bool) {
	path, num, ok := strings.Cut(key, "#")
	if !ok || path == "" {
		return "", 0, false
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 {
		return "", 0, false
	}
	return path, n, true
}

// hasMarker reports whether text carries marker as a whole marker
// (not as the prefix of a longer one: AI-1 must not match AI-12).
func hasMarker(text, marker string) bool {
	for _, m := range markerRe.FindAllString(text, -1) {
		if m == marker {
			return true
		}
	}
	return false
}

// closeCreated closes an issue just created for an item that is already
// closed (issues are created open); the reference is returned either way, so
// that a failed close is retried as an update, not as a second issue.
func closeCreated(ctx context.Context, c Client, ref Ref, closed bool) (Ref, error) {
	if !closed {
		return ref, nil
	}
	return ref, c.Update(ctx, ref, Change{Closed: ptr(true)})
}
