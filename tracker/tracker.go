// Package tracker talks to the issue trackers that action items are synced
// with: GitHub, GitLab and Jira Cloud. It has two halves:
//
//   - Client, one per tracker kind, creates an issue for an action item,
//     closes, reopens or re-dates it, and finds an issue by the hidden marker
//     written into its body (crash recovery: an issue created just before a
//     crash is found again instead of created twice);
//   - ParseGitHub, ParseGitLab and ParseJira verify a tracker's webhook request
//     and turn it into an Event (closed, reopened, due date changed).
//
// The package knows nothing of documents or stores: the sync engine in app/
// decides what to send and what an Event changes.
package tracker

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	hindsight "github.com/hindsight-pm/hindsight"
)

// Kind names a tracker.
type Kind string

// The tracker kinds.
const (
	GitHub Kind = "github"
	GitLab Kind = "gitlab"
	Jira   Kind = "jira"
)

// Kinds lists the tracker kinds in a fixed order.
var Kinds = []Kind{GitHub, GitLab, Jira}

// Config is one tracker's configuration, as read from the `trackers:` key of
// .hindsight.yaml plus the resolved token.
type Config struct {
	Kind Kind
	// Repo is the GitHub "org/repo" or the GitLab "group/project" path
	// (unused by Jira).
	Repo string
	// BaseURL is the REST API base. Defaults: https://api.github.com/ for
	// GitHub, https://gitlab.com/api/v4/ for GitLab; required for Jira (the
	// site, e.g. https://example.atlassian.net).
	BaseURL string
	// Project is the Jira project key (e.g. "OPS") and IssueType the Jira
	// issue type name (default "Task").
	Project, IssueType string
	// Labels are added to every issue created.
	Labels []string
	// TokenEnv names the environment variable holding the token; the caller
	// resolves it into Token (the package never reads the environment).
	TokenEnv string
	Token    string
	// Email is the Jira account email used with the API token (basic auth).
	Email string
	// Priorities maps an item's priority to the name of a Jira priority
	// (Jira only). Priorities it does not name keep the defaults of Jira's
	// default priority scheme: P0 Highest, P1 High, P2 Medium.
	Priorities map[hindsight.Priority]string
}

// Issue is an issue to create for an action item.
type Issue struct {
	Title, Body string
	Labels      []string
	// Assignee is the tracker login (GitHub, GitLab username) or Jira
	// account ID; empty leaves the issue unassigned.
	Assignee string
	// Due is the target date (zero: none). GitLab and Jira have a due date
	// field; on GitHub it is a line of the body.
	Due    time.Time
	Closed bool
	// Priority is the action item's priority; Jira sets its priority field
	// from it, GitHub and GitLab ignore it (they take priority labels).
	Priority hindsight.Priority
	// Marker is the hidden identifier written into the issue body, e.g.
	// "hindsight:INC-20261201-001/A3"; FindByMarker searches for it.
	Marker string
}

// Ref identifies an issue in a tracker.
type Ref struct {
	Kind Kind `json:"kind"`
	// Key is "org/repo#12" (GitHub), "group/proj#3" (GitLab, the issue IID)
	// or "OPS-12" (Jira).
	Key string `json:"key"`
	URL string `json:"url"`
}

// Change is an update of an issue; nil fields are left alone.
type Change struct {
	Closed *bool
	Due    *time.Time // a zero time clears the due date
}

// Client is one tracker's API.
type Client interface {
	// Create creates the issue and returns its reference.
	Create(ctx context.Context, is Issue) (Ref, error)
	// Update closes or reopens the issue and changes its due date.
	Update(ctx context.Context, ref Ref, ch Change) error
	// FindByMarker finds the issue whose body carries marker; false when
	// there is none.
	FindByMarker(ctx context.Context, marker string) (Ref, bool, error)
}

// RetryError reports that the tracker asked to be called again later: a 429
// with Retry-After, GitHub's secondary rate limits, a 5xx answer. The sync
// engine keeps the work in its outbox and retries after After.
type RetryError struct {
	After  time.Duration
	Reason string
}

func (e *RetryError) Error() string {
	if e.After > 0 {
		return fmt.Sprintf("tracker: retry after %s: %s", e.After, e.Reason)
	}
	return "tracker: retry later: " + e.Reason
}

// New returns the client for cfg.Kind. hc is the HTTP client to use (nil:
// http.DefaultClient); tests pass one that reaches an httptest server.
// A configuration error has the code EInvalid and names the field.
func New(cfg Config, hc *http.Client) (Client, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	switch cfg.Kind {
	case GitHub:
		return newGitHub(cfg, hc)
	case GitLab:
		return newGitLab(cfg, hc)
	case Jira:
		return newJira(cfg, hc)
	}
	return nil, hindsight.Errorf(hindsight.EInvalid, "trackers: unknown kind %q (want github, gitlab or jira)", cfg.Kind)
}

// validate checks the fields each kind needs.
func (cfg Config) validate() error {
	bad := func(field, msg string) error {
		e := hindsight.Errorf(hindsight.EInvalid, "trackers.%s.%s: %s", cfg.Kind, field, msg)
		e.Fields = []hindsight.FieldError{{Field: "trackers." + string(cfg.Kind) + "." + field, Message: msg}}
		return e
	}
	switch cfg.Kind {
	case GitHub, GitLab:
		if cfg.Repo == "" {
			return bad("repo", "required")
		}
		owner, name, ok := strings.Cut(cfg.Repo, "/")
		if !ok || owner == "" || name == "" || strings.HasSuffix(name, "/") || (cfg.Kind == GitHub && strings.Contains(name, "/")) {
			if cfg.Kind == GitHub {
				return bad("repo", fmt.Sprintf("%q is not owner/repo", cfg.Repo))
			}
			return bad("repo", fmt.Sprintf("%q is not group/project", cfg.Repo))
		}
	case Jira:
		if cfg.BaseURL == "" {
			return bad("base_url", "required (the site, e.g. https://example.atlassian.net)")
		}
		if cfg.Project == "" {
			return bad("project", "required (a project key such as OPS)")
		}
	default:
		return hindsight.Errorf(hindsight.EInvalid, "trackers: unknown kind %q (want github, gitlab or jira)", cfg.Kind)
	}
	if cfg.BaseURL != "" && !strings.HasPrefix(cfg.BaseURL, "https://") && !strings.HasPrefix(cfg.BaseURL, "http://") {
		return bad("base_url", fmt.Sprintf("%q is not an http(s) URL", cfg.BaseURL))
	}
	return nil
}
