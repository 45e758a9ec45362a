// Package api is Hindsight's JSON API under /api/v1: incidents (list, get,
// create, replace with If-Match, status transitions, delete), revisions and
// diffs, action items, search and lint. Content is the JSON form of the
// model (encoding/json of hindsight.Postmortem, described by
// schema/postmortem.schema.json); Markdown is accepted and returned too, by
// Content-Type and Accept (text/markdown).
//
// The API is spec-first: openapi.json in this package is the OpenAPI 3.1
// document, served at /api/v1/openapi.json, and the contract test checks
// every request and response of the handler tests against it.
//
// Handlers stay thin: decode, call app.Service, encode. Every route is an
// httpx.Route with its access level; Routes returns them for the server's
// one route table.
package api

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// Prefix is the path prefix of every API route.
const Prefix = "/api/v1"

// DefaultMaxBodyBytes bounds a request body when Options.MaxBodyBytes is 0.
// A document's canonical Markdown is at most hindsight.DefaultMaxDocBytes
// (1 MiB); its JSON form is larger, so the API allows 4 MiB.
const DefaultMaxBodyBytes = 4 << 20

// DefaultMaxDepth bounds the nesting of a JSON request body.
const DefaultMaxDepth = 32

// Options configure the API.
type Options struct {
	// BaseURL is the public URL of the server (e.g. https://hindsight.example.com);
	// Location headers are absolute when it is set.
	BaseURL string
	// MaxBodyBytes bounds request bodies (413 beyond); DefaultMaxBodyBytes when 0.
	MaxBodyBytes int64
	// MaxDepth bounds the nesting of JSON bodies (400 beyond); DefaultMaxDepth when 0.
	MaxDepth int
	// Logger receives internal errors (their details never reach clients);
	// slog.Default() when nil.
	Logger *slog.Logger
	// Actor returns who makes a request. Nil means the actor the request's
	// context carries (app.ActorFrom: app.System until accounts exist), with
	// the remote address for the audit log.
	Actor func(*http.Request) app.Actor
}

// API serves the JSON API over an application service.
type API struct {
	svc  *app.Service
	opts Options
}

// New returns the API over svc.
func New(svc *app.Service, opts Options) *API {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = DefaultMaxDepth
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	a := &API{svc: svc, opts: opts}
	return a
}

func (a *API) actor(r *http.Request) app.Actor {
	if a.opts.Actor != nil {
		return a.opts.Actor(r)
	}
	act := app.ActorFrom(r.Context())
	if act.Address == "" {
		act.Address = r.RemoteAddr
	}
	return act
}

// Routes returns the API's routes for the server's route table. The last
// one is a catch-all under /api/v1/ that answers unknown paths with a JSON
// 404 (and known paths with a wrong method with a JSON 405).
func (a *API) Routes() []httpx.Route {
	rs := []httpx.Route{
		{Pattern: "GET " + Prefix + "/openapi.json", Access: httpx.Public, Name: "api.openapi", Handler: http.HandlerFunc(a.openAPI)},
		{Pattern: "GET " + Prefix + "/incidents", Access: httpx.Read, Name: "api.incidents.list", Handler: http.HandlerFunc(a.listIncidents)},
		{Pattern: "GET " + Prefix + "/incidents.csv", Access: httpx.Read, Name: "api.incidents.csv", Handler: http.HandlerFunc(a.incidentsCSV)},
		{Pattern: "POST " + Prefix + "/incidents", Access: httpx.Write, Name: "api.incidents.create", Handler: http.HandlerFunc(a.createIncident)},
		{Pattern: "GET " + Prefix + "/incidents/{id}", Access: httpx.Read, Name: "api.incidents.get", Handler: http.HandlerFunc(a.getIncident)},
		{Pattern: "PUT " + Prefix + "/incidents/{id}", Access: httpx.Write, Name: "api.incidents.replace", Handler: http.HandlerFunc(a.replaceIncident)},
		{Pattern: "DELETE " + Prefix + "/incidents/{id}", Access: httpx.Admin, Name: "api.incidents.delete", Handler: http.HandlerFunc(a.deleteIncident)},
		{Pattern: "POST " + Prefix + "/incidents/{id}/status", Access: httpx.Write, Name: "api.incidents.status", Handler: http.HandlerFunc(a.setStatus)},
		{Pattern: "GET " + Prefix + "/incidents/{id}/lint", Access: httpx.Read, Name: "api.incidents.lint", Handler: http.HandlerFunc(a.lintIncident)},
		{Pattern: "GET " + Prefix + "/incidents/{id}/revisions", Access: httpx.Read, Name: "api.revisions.list", Handler: http.HandlerFunc(a.listRevisions)},
		{Pattern: "GET " + Prefix + "/incidents/{id}/revisions/{n}", Access: httpx.Read, Name: "api.revisions.get", Handler: http.HandlerFunc(a.getRevision)},
		{Pattern: "GET " + Prefix + "/incidents/{id}/diff", Access: httpx.Read, Name: "api.revisions.diff", Handler: http.HandlerFunc(a.diffRevisions)},
		{Pattern: "GET " + Prefix + "/incidents/{id}/action-items", Access: httpx.Read, Name: "api.action_items.incident", Handler: http.HandlerFunc(a.incidentActionItems)},
		{Pattern: "POST " + Prefix + "/incidents/{id}/action-items/{item}/close", Access: httpx.Write, Name: "api.action_items.close", Handler: a.setItemStatus(hindsight.ItemClosed)},
		{Pattern: "POST " + Prefix + "/incidents/{id}/action-items/{item}/reopen", Access: httpx.Write, Name: "api.action_items.reopen", Handler: a.setItemStatus(hindsight.ItemOpen)},
		{Pattern: "POST " + Prefix + "/incidents/{id}/action-items/{item}/issue", Access: httpx.Write, Name: "api.action_items.issue", Handler: http.HandlerFunc(a.createIssue)},
		{Pattern: "GET " + Prefix + "/incidents/{id}/tracker-links", Access: httpx.Read, Name: "api.tracker_links", Handler: http.HandlerFunc(a.trackerLinks)},
		{Pattern: "GET " + Prefix + "/action-items", Access: httpx.Read, Name: "api.action_items.list", Handler: http.HandlerFunc(a.listActionItems)},
		{Pattern: "GET " + Prefix + "/search", Access: httpx.Read, Name: "api.search", Handler: http.HandlerFunc(a.search)},
		{Pattern: "POST " + Prefix + "/lint", Access: httpx.Read, Name: "api.lint", Handler: http.HandlerFunc(a.lint)},
	}
	rs = append(rs, a.teamRoutes()...)
	rs = append(rs, a.reviewRoutes()...)
	rs = append(rs, httpx.Route{Pattern: Prefix + "/", Access: httpx.Public, Name: NotFoundRoute, Handler: newFallback(rs)})
	return rs
}
