package tracker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-github/v75/github"

	hindsight "github.com/hindsight-pm/hindsight"
)

// githubClient talks to the GitHub REST API through google/go-github:
// POST /repos/{owner}/{repo}/issues, PATCH /repos/{owner}/{repo}/issues/{n},
// GET /repos/{owner}/{repo}/issues/{n} (to edit the due line of the body)
// and GET /repos/{owner}/{repo}/issues (FindByMarker).
//
// GitHub issues have no due date: it is a "**Due:** YYYY-MM-DD" line of the
// body, which Update rewrites and webhooks read back (a milestone per date
// would litter the repository).
type githubClient struct {
	gh          *github.Client
	owner, repo string
	labels      []string
}

// findPages bounds FindByMarker's scan: 3 pages of 100 issues, newest first.
const findPages = 3

func newGitHub(cfg Config, hc *http.Client) (Client, error) {
	gh := github.NewClient(hc)
	if cfg.Token != "" {
		gh = gh.WithAuthToken(cfg.Token)
	}
	if cfg.BaseURL != "" {
		// GitHub Enterprise Server: https://HOST/api/v3/ (WithEnterpriseURLs
		// adds the /api/v3/ suffix when it is missing).
		var err error
		gh, err = gh.WithEnterpriseURLs(cfg.BaseURL, cfg.BaseURL)
		if err != nil {
			return nil, hindsight.Errorf(hindsight.EInvalid, "trackers.github.base_url: %v", err)
		}
	}
	owner, repo, _ := strings.Cut(cfg.Repo, "/")
	return &githubClient{gh: gh, owner: owner, repo: repo, labels: cfg.Labels}, nil
}

func (c *githubClient) key(n int) string { return fmt.Sprintf("%s/%s#%d", c.owner, c.repo, n) }

func (c *githubClient) ref(is *github.Issue) Ref {
	return Ref{Kind: GitHub, Key: c.key(is.GetNumber()), URL: is.GetHTMLURL()}
}

// Create creates the issue: body, due line and marker comment; the config's
// and the issue's labels; the assignee when set (a login); closed at once
// (state_reason completed) when is.Closed.
func (c *githubClient) Create(ctx context.Context, is Issue) (Ref, error) {
	req := &github.IssueRequest{
		Title: github.Ptr(is.Title),
		Body:  github.Ptr(composeBody(is, true)),
	}
	if l := mergeLabels(c.labels, is.Labels); len(l) > 0 {
		req.Labels = &l
	}
	if is.Assignee != "" {
		req.Assignees = &[]string{is.Assignee}
	}
	created, _, err := c.gh.Issues.Create(ctx, c.owner, c.repo, req)
	if err != nil {
		return Ref{}, githubError(err)
	}
	return closeCreated(ctx, c, c.ref(created), is.Closed)
}

// Update closes (state_reason completed) or reopens (reopened) the issue and
// rewrites the due line of its body, in one PATCH.
func (c *githubClient) Update(ctx context.Context, ref Ref, ch Change) error {
	n, err := c.number(ref)
	if err != nil {
		return err
	}
	req := &github.IssueRequest{}
	if ch.Closed != nil {
		if *ch.Closed {
			req.State, req.StateReason = github.Ptr("closed"), github.Ptr("completed")
		} else {
			req.State, req.StateReason = github.Ptr("open"), github.Ptr("reopened")
		}
	}
	if ch.Due != nil {
		cur, _, err := c.gh.Issues.Get(ctx, c.owner, c.repo, n)
		if err != nil {
			return githubError(err)
		}
		body := cur.GetBody()
		if nb := setBodyDue(body, *ch.Due); nb != body {
			req.Body = &nb
		}
	}
	if req.State == nil && req.Body == nil {
		return nil
	}
	if _, _, err := c.gh.Issues.Edit(ctx, c.owner, c.repo, n, req); err != nil {
		return githubError(err)
	}
	return nil
}

// FindByMarker lists the repository's issues, newest first, filtered by the
// configured labels, and looks for the marker in their bodies. The search
// API (`"marker" in:body`) is not used: its index lags behind writes by up to
// a minute, so it can miss exactly the issue created just before a crash,
// and it has a separate, much lower rate limit (30 requests a minute).
func (c *githubClient) FindByMarker(ctx context.Context, marker string) (Ref, bool, error) {
	if !validMarker(marker) {
		return Ref{}, false, hindsight.Errorf(hindsight.EInvalid, "github: %q is not a Hindsight marker", marker)
	}
	opt := &github.IssueListByRepoOptions{
		State: "all", Sort: "created", Direction: "desc", Labels: c.labels,
		ListOptions: github.ListOptions{PerPage: 100},
	}
	for range findPages {
		list, resp, err := c.gh.Issues.ListByRepo(ctx, c.owner, c.repo, opt)
		if err != nil {
			return Ref{}, false, githubError(err)
		}
		for _, is := range list {
			if is.IsPullRequest() {
				continue
			}
			if hasMarker(is.GetBody(), marker) {
				return c.ref(is), true, nil
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opt.ListOptions.Page = resp.NextPage
	}
	return Ref{}, false, nil
}

func (c *githubClient) number(ref Ref) (int, error) {
	path, n, ok := splitKey(ref.Key)
	if !ok || !strings.EqualFold(path, c.owner+"/"+c.repo) {
		return 0, badRef(GitHub, ref, "an issue of "+c.owner+"/"+c.repo)
	}
	return int(n), nil
}

// githubError classifies a go-github error: primary and secondary rate limits
// become a *RetryError (with the reset time or Retry-After), other answers by
// status (statusError), failures without an answer by transportError.
func githubError(err error) error {
	var rl *github.RateLimitError
	if errors.As(err, &rl) {
		after := time.Until(rl.Rate.Reset.Time)
		if after < 0 {
			after = 0
		}
		return &RetryError{After: after, Reason: "github rate limit: " + rl.Message}
	}
	var ab *github.AbuseRateLimitError
	if errors.As(err, &ab) {
		re := &RetryError{Reason: "github secondary rate limit: " + ab.Message}
		if ab.RetryAfter != nil {
			re.After = *ab.RetryAfter
		} else if ab.Response != nil {
			re.After = retryAfter(ab.Response.Header, time.Now())
		}
		return re
	}
	var er *github.ErrorResponse
	if errors.As(err, &er) {
		return statusError(GitHub, er.Response, er.Message)
	}
	return transportError(GitHub, err)
}
