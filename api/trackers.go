package api

import (
	"io"
	"log/slog"
	"net/http"
	"os"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/internal/httpx"
	"github.com/hindsight-pm/hindsight/tracker"
)

// The issue tracker routes (issue 20, docs/integrations.md).

// createIssue is POST /api/v1/incidents/{id}/action-items/{item}/issue:
// queues the creation of the item's issue in the incident's tracker (202
// with the link; the worker creates it).
func (a *API) createIssue(w http.ResponseWriter, r *http.Request) {
	l, err := a.svc.CreateIssue(r.Context(), a.actor(r), r.PathValue("id"), r.PathValue("item"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusAccepted, linkJSON(l))
}

// trackerLinks is GET /api/v1/incidents/{id}/tracker-links: the incident's
// items' issues and their sync state.
func (a *API) trackerLinks(w http.ResponseWriter, r *http.Request) {
	ls, err := a.svc.TrackerLinks(r.Context(), a.actor(r), r.PathValue("id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := make([]TrackerLinkJSON, 0, len(ls))
	for i := range ls {
		out = append(out, linkJSON(&ls[i]))
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"links": out})
}

// TrackerLinkJSON is an action item's issue and its sync state.
type TrackerLinkJSON struct {
	IncidentID string `json:"incident_id"`
	Item       string `json:"item"`
	Kind       string `json:"kind"`
	IssueKey   string `json:"issue_key"`
	URL        string `json:"url"`
	// State is creating, pending or synced; Reason why it is not synced
	// yet.
	State         string `json:"state"`
	Reason        string `json:"reason"`
	Attempts      int    `json:"attempts"`
	NextAttemptAt string `json:"next_attempt_at,omitempty"`
}

func linkJSON(l *hindsight.TrackerLink) TrackerLinkJSON {
	j := TrackerLinkJSON{IncidentID: l.IncidentID, Item: l.ItemKey, Kind: l.Kind, IssueKey: l.IssueKey, URL: l.URL, State: l.State(), Reason: l.Reason, Attempts: l.Attempts}
	if l.State() == "synced" {
		j.Reason = ""
	}
	if !l.NextAttemptAt.IsZero() && l.Pending {
		j.NextAttemptAt = l.NextAttemptAt.UTC().Format("2006-01-02T15:04:05Z")
	}
	return j
}

// HookSecrets are the tracker webhooks' shared secrets.
type HookSecrets struct {
	GitHub, GitLab, Jira string
}

// HookSecretsFromEnv reads HINDSIGHT_GITHUB_WEBHOOK_SECRET,
// HINDSIGHT_GITLAB_WEBHOOK_TOKEN (or HINDSIGHT_GITLAB_WEBHOOK_SECRET) and
// HINDSIGHT_JIRA_WEBHOOK_SECRET (getenv: os.Getenv when nil).
func HookSecretsFromEnv(getenv func(string) string) HookSecrets {
	if getenv == nil {
		getenv = os.Getenv
	}
	gitlab := getenv("HINDSIGHT_GITLAB_WEBHOOK_TOKEN")
	if gitlab == "" {
		// the name the tracker setup section first used
		gitlab = getenv("HINDSIGHT_GITLAB_WEBHOOK_SECRET")
	}
	return HookSecrets{GitHub: getenv("HINDSIGHT_GITHUB_WEBHOOK_SECRET"), GitLab: gitlab, Jira: getenv("HINDSIGHT_JIRA_WEBHOOK_SECRET")}
}

// maxHookBytes bounds a tracker webhook's body.
const maxHookBytes = 1 << 20

// TrackerHooks returns POST /hooks/github, /hooks/gitlab and /hooks/jira:
// public routes that verify each request with their own secret (an
// unconfigured secret refuses every request, 403). A relevant event
// closes, reopens or re-dates the linked item (app.ApplyTrackerEvent);
// the answer is 200 {"changed": bool} or 202 for an event about nothing
// Hindsight tracks.
func TrackerHooks(svc *app.Service, secrets HookSecrets, logger *slog.Logger) []httpx.Route {
	if logger == nil {
		logger = slog.Default()
	}
	hook := func(kind tracker.Kind, parse func(r *http.Request, body []byte) (tracker.Event, bool, error)) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxHookBytes))
			if err != nil {
				httpx.WriteError(w, r, logger, hindsight.Errorf(hindsight.ETooLarge, "%s webhook: the body is over %d bytes", kind, maxHookBytes))
				return
			}
			ev, relevant, err := parse(r, body)
			if err != nil {
				httpx.WriteError(w, r, logger, err)
				return
			}
			if !relevant {
				httpx.WriteJSON(w, http.StatusAccepted, map[string]any{"changed": false, "ignored": true})
				return
			}
			_, changed, err := svc.ApplyTrackerEvent(r.Context(), kind, ev)
			if err != nil {
				httpx.WriteError(w, r, logger, err)
				return
			}
			httpx.WriteJSON(w, http.StatusOK, map[string]any{"changed": changed})
		})
	}
	return []httpx.Route{
		{Pattern: "POST /hooks/github", Access: httpx.Public, Name: "hooks.github", Handler: hook(tracker.GitHub, func(r *http.Request, b []byte) (tracker.Event, bool, error) {
			return tracker.ParseGitHub(r.Header, b, secrets.GitHub)
		})},
		{Pattern: "POST /hooks/gitlab", Access: httpx.Public, Name: "hooks.gitlab", Handler: hook(tracker.GitLab, func(r *http.Request, b []byte) (tracker.Event, bool, error) {
			return tracker.ParseGitLab(r.Header, b, secrets.GitLab)
		})},
		{Pattern: "POST /hooks/jira", Access: httpx.Public, Name: "hooks.jira", Handler: hook(tracker.Jira, func(r *http.Request, b []byte) (tracker.Event, bool, error) {
			return tracker.ParseJira(r.Header, r.URL.Query(), b, secrets.Jira)
		})},
	}
}
