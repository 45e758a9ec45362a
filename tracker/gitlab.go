package tracker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	hindsight "github.com/hindsight-pm/hindsight"
)

// gitlabClient talks to the GitLab REST API v4 through
// gitlab.com/gitlab-org/api/client-go/v2: POST /projects/{id}/issues,
// PUT /projects/{id}/issues/{iid}, GET /projects/{id}/issues?search=&in=
// (FindByMarker) and GET /users?username= (the assignee's ID).
// The library's own retries are off: a 429 or 5xx comes back as a
// *RetryError and the sync engine's outbox retries, so a retry survives a
// restart.
type gitlabClient struct {
	gl      *gitlab.Client
	project string
	labels  []string
}

func newGitLab(cfg Config, hc *http.Client) (Client, error) {
	base := cfg.BaseURL
	if base == "" {
		base = "https://gitlab.com/api/v4/"
	}
	gl, err := gitlab.NewClient(cfg.Token,
		gitlab.WithBaseURL(base),
		gitlab.WithHTTPClient(hc),
		gitlab.WithoutRetries(),
	)
	if err != nil {
		return nil, hindsight.Errorf(hindsight.EInvalid, "trackers.gitlab.base_url: %v", err)
	}
	return &gitlabClient{gl: gl, project: cfg.Repo, labels: cfg.Labels}, nil
}

func (c *gitlabClient) ref(is *gitlab.Issue) Ref {
	return Ref{Kind: GitLab, Key: fmt.Sprintf("%s#%d", c.project, is.IID), URL: is.WebURL}
}

// Create creates the issue with its description (body then the marker
// comment), labels, due_date and assignee (looked up by username; an unknown
// username leaves the issue unassigned rather than failing the sync).
func (c *gitlabClient) Create(ctx context.Context, is Issue) (Ref, error) {
	opt := &gitlab.CreateIssueOptions{
		Title:       gitlab.Ptr(is.Title),
		Description: gitlab.Ptr(composeBody(is, false)),
	}
	if l := mergeLabels(c.labels, is.Labels); len(l) > 0 {
		lo := gitlab.LabelOptions(l)
		opt.Labels = &lo
	}
	if !is.Due.IsZero() {
		d := gitlab.ISOTime(dateOnly(is.Due))
		opt.DueDate = &d
	}
	if is.Assignee != "" {
		id, err := c.userID(ctx, is.Assignee)
		if err != nil {
			return Ref{}, err
		}
		if id != 0 {
			opt.AssigneeIDs = &[]int64{id}
		}
	}
	created, _, err := c.gl.Issues.CreateIssue(c.project, opt, gitlab.WithContext(ctx))
	if err != nil {
		return Ref{}, gitlabError(err)
	}
	return closeCreated(ctx, c, c.ref(created), is.Closed)
}

// Update sends state_event close or reopen and due_date (an empty due_date
// clears it) in one PUT.
func (c *gitlabClient) Update(ctx context.Context, ref Ref, ch Change) error {
	path, iid, ok := splitKey(ref.Key)
	if !ok || !strings.EqualFold(path, c.project) {
		return badRef(GitLab, ref, "an issue of "+c.project)
	}
	opt := &gitlab.UpdateIssueOptions{}
	if ch.Closed != nil {
		if *ch.Closed {
			opt.StateEvent = gitlab.Ptr("close")
		} else {
			opt.StateEvent = gitlab.Ptr("reopen")
		}
	}
	if ch.Due != nil {
		if ch.Due.IsZero() {
			opt.ResetDueDate = true
		} else {
			d := gitlab.ISOTime(dateOnly(*ch.Due))
			opt.DueDate = &d
		}
	}
	if opt.StateEvent == nil && ch.Due == nil {
		return nil
	}
	if _, _, err := c.gl.Issues.UpdateIssue(c.project, iid, opt, gitlab.WithContext(ctx)); err != nil {
		return gitlabError(err)
	}
	return nil
}

// FindByMarker searches the project's issues (open and closed) for the marker
// in their descriptions (search=MARKER&in=description). GitLab's issue search
// reads the database, so an issue created a moment ago is found; the
// description is checked again for the whole marker.
func (c *gitlabClient) FindByMarker(ctx context.Context, marker string) (Ref, bool, error) {
	if !validMarker(marker) {
		return Ref{}, false, hindsight.Errorf(hindsight.EInvalid, "gitlab: %q is not a Hindsight marker", marker)
	}
	opt := &gitlab.ListProjectIssuesOptions{
		Search:      gitlab.Ptr(marker),
		In:          gitlab.Ptr("description"),
		ListOptions: gitlab.ListOptions{PerPage: 20},
	}
	list, _, err := c.gl.Issues.ListProjectIssues(c.project, opt, gitlab.WithContext(ctx))
	if err != nil {
		return Ref{}, false, gitlabError(err)
	}
	for _, is := range list {
		if hasMarker(is.Description, marker) {
			return c.ref(is), true, nil
		}
	}
	return Ref{}, false, nil
}

// userID returns the ID of the user with that username, 0 when none.
func (c *gitlabClient) userID(ctx context.Context, username string) (int64, error) {
	users, _, err := c.gl.Users.ListUsers(&gitlab.ListUsersOptions{Username: gitlab.Ptr(strings.TrimPrefix(username, "@"))}, gitlab.WithContext(ctx))
	if err != nil {
		return 0, gitlabError(err)
	}
	for _, u := range users {
		if strings.EqualFold(u.Username, strings.TrimPrefix(username, "@")) {
			return u.ID, nil
		}
	}
	return 0, nil
}

// gitlabError classifies a client-go error by its answer (statusError reads
// Retry-After and RateLimit-Reset) or as a transport failure.
func gitlabError(err error) error {
	var er *gitlab.ErrorResponse
	if errors.As(err, &er) {
		if er.Response != nil {
			return statusError(GitLab, er.Response, er.Message)
		}
		if er.StatusCode == http.StatusNotFound {
			return hindsight.Errorf(hindsight.ENotFound, "gitlab answered 404 Not Found")
		}
	}
	return transportError(GitLab, err)
}

// dateOnly is the calendar day of t as midnight UTC.
func dateOnly(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
