package tracker

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	hindsight "github.com/hindsight-pm/hindsight"
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

// ParseJira verifies a Jira webhook request (an X-Hub-Signature HMAC when
// the webhook was registered with a secret, else the shared secret in the
// ?secret= query parameter or the JiraSecretHeader header) and parses a `jira:issue_updated` event whose
// changelog touches the status (by status category) or the due date. Errors
// and the bool as for ParseGitHub.
func ParseJira(h http.Header, query url.Values, body []byte, secret string) (Event, bool, error) {
	return parseJira(h, query, body, secret)
}

// maxHookBody bounds a webhook body (the receivers cap the request too).
const maxHookBody = 1 << 20

func forbidden(kind Kind, msg string) error {
	return hindsight.Errorf(hindsight.EForbidden, "%s webhook: %s", kind, msg)
}

func invalid(kind Kind, format string, args ...any) error {
	return hindsight.Errorf(hindsight.EInvalid, "%s webhook: %s", kind, fmt.Sprintf(format, args...))
}

// checkHMAC verifies "sha256=HEX" against the HMAC-SHA256 of body with
// secret, in constant time.
func checkHMAC(kind Kind, header string, body []byte, secret string) error {
	if secret == "" {
		return forbidden(kind, "no webhook secret is configured")
	}
	if header == "" {
		return forbidden(kind, "the request is not signed")
	}
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return forbidden(kind, "the signature is not sha256=HEX")
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return forbidden(kind, "the signature is not sha256=HEX")
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return forbidden(kind, "bad signature")
	}
	return nil
}

// checkSecret compares a shared secret in constant time.
func checkSecret(kind Kind, got, secret string) error {
	if secret == "" {
		return forbidden(kind, "no webhook secret is configured")
	}
	if got == "" {
		return forbidden(kind, "the request carries no secret")
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
		return forbidden(kind, "bad secret")
	}
	return nil
}

// decode reads a JSON body, naming the offset of a syntax error.
func decode(kind Kind, body []byte, v any) error {
	if len(body) > maxHookBody {
		return &hindsight.Error{Code: hindsight.ETooLarge, Message: fmt.Sprintf("%s webhook: body over %d bytes", kind, maxHookBody)}
	}
	if err := json.Unmarshal(body, v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return invalid(kind, "body is not JSON (at byte %d): %v", se.Offset, err)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return invalid(kind, "field %s: %v", te.Field, err)
		}
		return invalid(kind, "%v", err)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// githubIssueEvent is the part of GitHub's `issues` webhook payload that
// Hindsight reads. Example (abridged):
//
//	{"action":"closed","issue":{"number":12,"html_url":"https://github.com/org/repo/issues/12",
//	 "state":"closed","state_reason":"completed","body":"...<!-- hindsight:INC-20261201-001/AI-001 -->"},
//	 "changes":{"body":{"from":"..."}},"repository":{"full_name":"org/repo"},"sender":{"login":"ann"}}
type githubIssueEvent struct {
	Action string `json:"action"`
	Issue  *struct {
		Number      int64   `json:"number"`
		HTMLURL     string  `json:"html_url"`
		Body        *string `json:"body"`
		PullRequest any     `json:"pull_request"`
	} `json:"issue"`
	Changes struct {
		Body *struct {
			From string `json:"from"`
		} `json:"body"`
	} `json:"changes"`
	Repository *struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
	Sender struct {
		Login string `json:"login"`
	} `json:"sender"`
}

func parseGitHub(h http.Header, body []byte, secret string) (Event, bool, error) {
	if err := checkHMAC(GitHub, h.Get("X-Hub-Signature-256"), body, secret); err != nil {
		return Event{}, false, err
	}
	if ev := h.Get("X-GitHub-Event"); ev != "issues" {
		return Event{}, false, nil // ping and every other event
	}
	var p githubIssueEvent
	if err := decode(GitHub, body, &p); err != nil {
		return Event{}, false, err
	}
	if p.Issue == nil || p.Issue.Number <= 0 {
		return Event{}, false, invalid(GitHub, "issue.number is missing")
	}
	if p.Repository == nil || p.Repository.FullName == "" {
		return Event{}, false, invalid(GitHub, "repository.full_name is missing")
	}
	if p.Issue.PullRequest != nil {
		return Event{}, false, nil
	}
	cur := ""
	if p.Issue.Body != nil {
		cur = *p.Issue.Body
	}
	e := Event{
		Ref:    Ref{Kind: GitHub, Key: fmt.Sprintf("%s#%d", p.Repository.FullName, p.Issue.Number), URL: p.Issue.HTMLURL},
		Actor:  p.Sender.Login,
		Marker: ExtractMarker(cur),
	}
	switch p.Action {
	case "closed":
		e.Closed = ptr(true)
	case "reopened":
		e.Closed = ptr(false)
	case "edited":
		if p.Changes.Body == nil {
			return e, false, nil
		}
		oldDue, _ := bodyDue(p.Changes.Body.From)
		newDue, _ := bodyDue(cur)
		if oldDue.Equal(newDue) {
			return e, false, nil
		}
		e.Due = &newDue
	default:
		return e, false, nil
	}
	return e, true, nil
}

// gitlabIssueEvent is the part of GitLab's `Issue Hook` payload that
// Hindsight reads. Example (abridged):
//
//	{"object_kind":"issue","event_type":"issue","user":{"username":"ann"},
//	 "project":{"path_with_namespace":"group/proj"},
//	 "object_attributes":{"iid":3,"url":"https://gitlab.com/group/proj/-/issues/3","action":"update",
//	  "state":"opened","due_date":"2026-12-20","description":"...<!-- hindsight:INC-20261201-001/AI-001 -->"},
//	 "changes":{"due_date":{"previous":null,"current":"2026-12-20"}}}
type gitlabIssueEvent struct {
	ObjectKind string `json:"object_kind"`
	User       struct {
		Username string `json:"username"`
	} `json:"user"`
	Project *struct {
		PathWithNamespace string `json:"path_with_namespace"`
	} `json:"project"`
	Attrs *struct {
		IID         int64   `json:"iid"`
		URL         string  `json:"url"`
		Action      string  `json:"action"`
		Description *string `json:"description"`
		DueDate     *string `json:"due_date"`
	} `json:"object_attributes"`
	Changes struct {
		DueDate *struct {
			Previous *string `json:"previous"`
			Current  *string `json:"current"`
		} `json:"due_date"`
	} `json:"changes"`
}

func parseGitLab(h http.Header, body []byte, secret string) (Event, bool, error) {
	if err := checkSecret(GitLab, h.Get("X-Gitlab-Token"), secret); err != nil {
		return Event{}, false, err
	}
	switch h.Get("X-Gitlab-Event") {
	case "Issue Hook", "Confidential Issue Hook":
	default:
		return Event{}, false, nil
	}
	var p gitlabIssueEvent
	if err := decode(GitLab, body, &p); err != nil {
		return Event{}, false, err
	}
	if p.ObjectKind != "issue" {
		return Event{}, false, nil // a work item hook of another kind
	}
	if p.Attrs == nil || p.Attrs.IID <= 0 {
		return Event{}, false, invalid(GitLab, "object_attributes.iid is missing")
	}
	if p.Project == nil || p.Project.PathWithNamespace == "" {
		return Event{}, false, invalid(GitLab, "project.path_with_namespace is missing")
	}
	desc := ""
	if p.Attrs.Description != nil {
		desc = *p.Attrs.Description
	}
	e := Event{
		Ref:    Ref{Kind: GitLab, Key: fmt.Sprintf("%s#%d", p.Project.PathWithNamespace, p.Attrs.IID), URL: p.Attrs.URL},
		Actor:  p.User.Username,
		Marker: ExtractMarker(desc),
	}
	switch p.Attrs.Action {
	case "close":
		e.Closed = ptr(true)
	case "reopen":
		e.Closed = ptr(false)
	case "update":
	default:
		return e, false, nil // open (a new issue) and anything else
	}
	if c := p.Changes.DueDate; c != nil {
		var d time.Time
		if c.Current != nil && *c.Current != "" {
			t, err := time.Parse(time.DateOnly, *c.Current)
			if err != nil {
				return Event{}, false, invalid(GitLab, "changes.due_date.current: %q is not YYYY-MM-DD", *c.Current)
			}
			d = t
		}
		e.Due = &d
	}
	return e, e.Closed != nil || e.Due != nil, nil
}

// jiraIssueEvent is the part of Jira's `jira:issue_updated` payload that
// Hindsight reads. Example (abridged):
//
//	{"webhookEvent":"jira:issue_updated","user":{"accountId":"5b10...","displayName":"Ann"},
//	 "issue":{"key":"OPS-12","self":"https://example.atlassian.net/rest/api/3/issue/10012",
//	  "fields":{"labels":["hindsight:INC-20261201-001/AI-001"],"duedate":"2026-12-20",
//	   "status":{"name":"Done","statusCategory":{"key":"done"}}}},
//	 "changelog":{"items":[{"field":"status","fieldId":"status","fromString":"In Progress","toString":"Done"}]}}
type jiraIssueEvent struct {
	WebhookEvent string `json:"webhookEvent"`
	User         struct {
		AccountID   string `json:"accountId"`
		DisplayName string `json:"displayName"`
	} `json:"user"`
	Issue *struct {
		Key    string `json:"key"`
		Self   string `json:"self"`
		Fields struct {
			Labels  []string `json:"labels"`
			DueDate *string  `json:"duedate"`
			Status  *struct {
				StatusCategory struct {
					Key string `json:"key"`
				} `json:"statusCategory"`
			} `json:"status"`
		} `json:"fields"`
	} `json:"issue"`
	Changelog struct {
		Items []struct {
			Field   string  `json:"field"`
			FieldID string  `json:"fieldId"`
			To      *string `json:"to"`
		} `json:"items"`
	} `json:"changelog"`
}

// JiraSecretHeader is the header that may carry the Jira webhook secret
// instead of the ?secret= query parameter.
const JiraSecretHeader = "X-Hindsight-Webhook-Secret"

func parseJira(h http.Header, query url.Values, body []byte, secret string) (Event, bool, error) {
	// A webhook registered with a secret (Jira Cloud admin webhooks) is
	// signed like GitHub's (X-Hub-Signature: sha256=HEX); otherwise the
	// shared secret travels in the URL or a header.
	if sig := h.Get("X-Hub-Signature"); sig != "" {
		if err := checkHMAC(Jira, sig, body, secret); err != nil {
			return Event{}, false, err
		}
	} else {
		got := query.Get("secret")
		if got == "" {
			got = h.Get(JiraSecretHeader)
		}
		if err := checkSecret(Jira, got, secret); err != nil {
			return Event{}, false, err
		}
	}
	var p jiraIssueEvent
	if err := decode(Jira, body, &p); err != nil {
		return Event{}, false, err
	}
	if p.WebhookEvent != "jira:issue_updated" {
		return Event{}, false, nil
	}
	if p.Issue == nil || !jiraKeyRe.MatchString(p.Issue.Key) {
		return Event{}, false, invalid(Jira, "issue.key is missing or not a key such as OPS-12")
	}
	e := Event{Ref: Ref{Kind: Jira, Key: p.Issue.Key}, Actor: p.User.AccountID}
	if u, err := url.Parse(p.Issue.Self); err == nil && u.Scheme != "" && u.Host != "" {
		e.Ref.URL = u.Scheme + "://" + u.Host + "/browse/" + p.Issue.Key
	}
	for _, l := range p.Issue.Fields.Labels {
		if validMarker(l) {
			e.Marker = l
			break
		}
	}
	for _, it := range p.Changelog.Items {
		switch {
		case it.FieldID == "status" || it.Field == "status":
			if p.Issue.Fields.Status == nil {
				return Event{}, false, invalid(Jira, "issue.fields.status is missing")
			}
			e.Closed = ptr(p.Issue.Fields.Status.StatusCategory.Key == "done")
		case it.FieldID == "duedate" || it.Field == "duedate":
			var d time.Time
			v := it.To
			if p.Issue.Fields.DueDate != nil {
				v = p.Issue.Fields.DueDate
			}
			if v != nil && *v != "" {
				s := *v
				if len(s) > len(time.DateOnly) {
					s = s[:len(time.DateOnly)] // "2026-12-20 00:00:00.0" in some changelogs
				}
				t, err := time.Parse(time.DateOnly, s)
				if err != nil {
					return Event{}, false, invalid(Jira, "issue.fields.duedate: %q is not YYYY-MM-DD", *v)
				}
				d = t
			}
			e.Due = &d
		}
	}
	return e, e.Closed != nil || e.Due != nil, nil
}
