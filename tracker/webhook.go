package tracker

import (
	"net/http"
	"net/url"
	"time"
)

// Event is what a tracker's webhook says about one issue.
type Event struct {
	Ref Ref
	// Closed is set when the issue was closed (true) or reopened (false).
	Closed *bool
	// Due is set when the due date changed; a zero time means it was cleared.
	Due *time.Time
	// Actor is the tracker login of who made the change.
	Actor string
	// Marker is the hidden Hindsight marker found in the issue body, if any,
	// so an event maps back to an action item even without a stored link.
	Marker string
}

// ParseGitHub verifies a GitHub webhook request (X-Hub-Signature-256, an
// HMAC-SHA256 of the body with secret) and parses an `issues` event. The
// bool is false for events that change nothing Hindsight tracks (other
// events, other actions); the error wraps EForbidden for a bad signature and
// EInvalid for a payload that cannot be read.
func ParseGitHub(h http.Header, body []byte, secret string) (Event, bool, error) {
	return parseGitHub(h, body, secret)
}

// ParseGitLab verifies a GitLab webhook request (X-Gitlab-Token equal to
// secret) and parses an `Issue Hook` event (close, reopen, update of the due
// date). Errors and the bool as for ParseGitHub.
func ParseGitLab(h http.Header, body []byte, secret string) (Event, bool, error) {
	return parseGitLab(h, body, secret)
}

// ParseJira verifies a Jira webhook request (the shared secret in the
// ?secret= query parameter or the X-Hindsight-Secret header, as Jira
// webhooks cannot sign) and parses a `jira:issue_updated` event whose
// changelog touches the status (by status category) or the due date. Errors
// and the bool as for ParseGitHub.
func ParseJira(h http.Header, query url.Values, body []byte, secret string) (Event, bool, error) {
	return parseJira(h, query, body, secret)
}
