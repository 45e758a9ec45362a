package tracker

import (
	"context"
	"net/http"
	"net/url"

	hindsight "github.com/hindsight-pm/hindsight"
)

// This file holds the parts of the package whose implementation lands after
// the interface (issue 20): each returns an EUnavailable error saying so, so
// the sync engine keeps its work pending instead of failing.

func notYet(what string) error {
	return hindsight.Errorf(hindsight.EUnavailable, "tracker: %s is not implemented yet in this build", what)
}

// pendingClient is a Client whose calls all fail with notYet.
type pendingClient struct{ kind Kind }

func (c pendingClient) Create(context.Context, Issue) (Ref, error) {
	return Ref{}, notYet(string(c.kind) + " Create")
}

func (c pendingClient) Update(context.Context, Ref, Change) error {
	return notYet(string(c.kind) + " Update")
}

func (c pendingClient) FindByMarker(context.Context, string) (Ref, bool, error) {
	return Ref{}, false, notYet(string(c.kind) + " FindByMarker")
}

func newGitHub(Config, *http.Client) (Client, error) { return pendingClient{GitHub}, nil }
func newGitLab(Config, *http.Client) (Client, error) { return pendingClient{GitLab}, nil }
func newJira(Config, *http.Client) (Client, error)   { return pendingClient{Jira}, nil }

func parseGitHub(http.Header, []byte, string) (Event, bool, error) {
	return Event{}, false, notYet("the GitHub webhook parser")
}

func parseGitLab(http.Header, []byte, string) (Event, bool, error) {
	return Event{}, false, notYet("the GitLab webhook parser")
}

func parseJira(http.Header, url.Values, []byte, string) (Event, bool, error) {
	return Event{}, false, notYet("the Jira webhook parser")
}
