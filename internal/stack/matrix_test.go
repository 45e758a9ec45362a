package stack_test

import (
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
	"github.com/hindsight-pm/hindsight/auth/authtest"
	"github.com/hindsight-pm/hindsight/internal/stack"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// entries is the authorization matrix of everything serve serves: for each
// route, the status a caller whom the route lets in gets with the request
// the matrix sends (often a validation error: the handler ran, so access
// was granted). Callers below the route's access level get 401 (anonymous
// API), a redirect to sign-in (anonymous pages) or 403; non-members of a
// restricted incident get 404. A route without an entry fails the test.
var entries = map[string]authtest.Entry{
	// the web app and the JSON API
	"GET /{$}":                                                {OK: http.StatusSeeOther},
	"GET /static/{hash}/{name}":                               {OK: http.StatusNotFound},
	"GET /favicon.ico":                                        {OK: http.StatusFound},
	"GET /incidents":                                          {OK: http.StatusOK},
	"GET /incidents/new":                                      {OK: http.StatusOK},
	"POST /incidents":                                         {OK: http.StatusUnprocessableEntity},
	"GET /incidents/{id}":                                     {OK: http.StatusOK},
	"GET /incidents/{id}/edit":                                {OK: http.StatusOK},
	"POST /incidents/{id}/edit":                               {OK: http.StatusUnprocessableEntity},
	"POST /incidents/{id}/lint":                               {OK: http.StatusUnprocessableEntity},
	"GET /incidents/{id}/markdown":                            {OK: http.StatusOK},
	"POST /incidents/{id}/markdown":                           {OK: http.StatusUnprocessableEntity},
	"GET /incidents/{id}/chat":                                {OK: http.StatusOK},
	"POST /incidents/{id}/chat/preview":                       {OK: http.StatusUnprocessableEntity}, // nothing to read
	"POST /incidents/{id}/chat":                               {OK: http.StatusUnprocessableEntity},
	"POST /incidents/{id}/markdown/lint":                      {OK: http.StatusOK, Restricted: http.StatusOK}, // lints the posted text only
	"POST /incidents/{id}/status":                             {OK: http.StatusSeeOther, Body: "to=In+Review"},
	"GET /incidents/{id}/history":                             {OK: http.StatusOK},
	"GET /incidents/{id}/diff":                                {OK: http.StatusOK},
	"GET /incidents/{id}/export.md":                           {OK: http.StatusOK},
	"GET /incidents/{id}/export.json":                         {OK: http.StatusOK},
	"GET /incidents/{id}/export.html":                         {OK: http.StatusOK},
	"GET /reviews":                                            {OK: http.StatusOK},
	"GET /incidents/{id}/review/changes":                      {OK: http.StatusOK},
	"POST /incidents/{id}/review-requests":                    {OK: http.StatusSeeOther},
	"POST /incidents/{id}/review-requests/{account}/withdraw": {OK: http.StatusNotFound},
	"POST /incidents/{id}/reviews":                            {OK: http.StatusSeeOther, Body: "state=commented"},
	"POST /incidents/{id}/comments":                           {OK: http.StatusSeeOther},
	"POST /incidents/{id}/comments/{comment}":                 {OK: http.StatusNotFound},
	"POST /incidents/{id}/comments/{comment}/delete":          {OK: http.StatusNotFound},
	"POST /incidents/{id}/publish-anyway":                     {OK: http.StatusSeeOther},
	"GET /api/v1/openapi.json":                                {OK: http.StatusOK},
	"GET /api/v1/incidents":                                   {OK: http.StatusOK},
	"POST /api/v1/incidents":                                  {OK: http.StatusCreated, Body: `{"title":"Matrix created"}`},
	"GET /api/v1/incidents/{id}":                              {OK: http.StatusOK},
	"PUT /api/v1/incidents/{id}":                              {OK: http.StatusPreconditionRequired, Restricted: http.StatusPreconditionRequired, Body: `{}`},
	"DELETE /api/v1/incidents/{id}":                           {OK: http.StatusNoContent},
	"POST /api/v1/incidents/{id}/status":                      {OK: http.StatusOK, Body: `{"status":"In Review"}`},
	"GET /api/v1/incidents/{id}/lint":                         {OK: http.StatusOK},
	"GET /api/v1/incidents/{id}/revisions":                    {OK: http.StatusOK},
	"GET /api/v1/incidents/{id}/revisions/{n}":                {OK: http.StatusOK},
	"GET /api/v1/incidents/{id}/diff":                         {OK: http.StatusOK},
	"GET /api/v1/incidents/{id}/action-items":                 {OK: http.StatusOK},
	"POST /api/v1/incidents/{id}/action-items/{item}/close":   {OK: http.StatusNotFound},
	"POST /api/v1/incidents/{id}/action-items/{item}/reopen":  {OK: http.StatusNotFound},
	"POST /api/v1/incidents/{id}/action-items/{item}/issue":   {OK: http.StatusNotFound},
	"GET /api/v1/incidents/{id}/tracker-links":                {OK: http.StatusOK},
	"GET /api/v1/action-items":                                {OK: http.StatusOK},
	"GET /api/v1/search":                                      {OK: http.StatusOK, Query: "q=matrix"},
	"POST /api/v1/lint":                                       {OK: http.StatusOK, Body: "# Title\n", ContentType: "text/markdown"},
	"/api/v1/":                                                {OK: http.StatusNotFound},
	"POST /incidents/{id}/action-items/{item}":                {OK: http.StatusSeeOther, Body: "status=Closed"},
	"POST /incidents/{id}/action-items/{item}/issue":          {OK: http.StatusSeeOther},
	// the server's own routes
	"GET /healthz": {OK: http.StatusOK},
	"GET /readyz":  {OK: http.StatusOK},
	// follow-up: the action item tracker, insights, related incidents
	"GET /action-items":                     {OK: http.StatusOK},
	"POST /action-items/{id}/{item}/close":  {OK: http.StatusNotFound},
	"POST /action-items/{id}/{item}/reopen": {OK: http.StatusNotFound},
	"GET /insights":                         {OK: http.StatusOK},
	"GET /insights/charts/{chart}":          {OK: http.StatusNotFound},
	"GET /incidents/{id}/related":           {OK: http.StatusOK},
	"GET /api/v1/insights":                  {OK: http.StatusOK},
	"GET /api/v1/action-items/tracker":      {OK: http.StatusOK},
	"GET /api/v1/action-items/owners":       {OK: http.StatusOK},
	"GET /api/v1/incidents/{id}/related":    {OK: http.StatusOK},
	// outbound webhooks (admins)
	"GET /api/v1/webhooks":                           {OK: http.StatusOK},
	"POST /api/v1/webhooks":                          {OK: http.StatusUnprocessableEntity, Body: `{}`},
	"GET /api/v1/webhooks/{id}":                      {OK: http.StatusNotFound, Restricted: http.StatusNotFound},
	"PATCH /api/v1/webhooks/{id}":                    {OK: http.StatusNotFound, Restricted: http.StatusNotFound, Body: `{}`},
	"DELETE /api/v1/webhooks/{id}":                   {OK: http.StatusNotFound, Restricted: http.StatusNotFound},
	"GET /api/v1/webhooks/{id}/deliveries":           {OK: http.StatusNotFound, Restricted: http.StatusNotFound},
	"GET /api/v1/webhook-deliveries":                 {OK: http.StatusOK},
	"POST /api/v1/webhook-deliveries/{id}/redeliver": {OK: http.StatusNotFound, Restricted: http.StatusNotFound},
	"GET /admin/webhooks":                            {OK: http.StatusOK},
	"POST /admin/webhooks":                           {OK: http.StatusUnprocessableEntity, Body: "url="},
	"POST /admin/webhooks/{id}/toggle":               {OK: http.StatusNotFound, Restricted: http.StatusNotFound},
	"POST /admin/webhooks/{id}/delete":               {OK: http.StatusNotFound, Restricted: http.StatusNotFound},
	"POST /admin/webhook-deliveries/{id}/redeliver":  {OK: http.StatusNotFound, Restricted: http.StatusNotFound},
	// alert receivers authenticate with their own secret (none set here)
	"POST /hooks/alertmanager": {OK: http.StatusUnauthorized, Body: `{}`},
	"POST /hooks/pagerduty":    {OK: http.StatusUnauthorized, Body: `{}`},
	"POST /hooks/generic":      {OK: http.StatusUnauthorized, Body: `{}`},
	"POST /hooks/slack":        {OK: http.StatusUnauthorized, Body: `{}`},
	// issue tracker webhooks: their own secret (none set here: refused)
	"POST /hooks/github": {OK: http.StatusForbidden, Body: `{}`},
	"POST /hooks/gitlab": {OK: http.StatusForbidden, Body: `{}`},
	"POST /hooks/jira":   {OK: http.StatusForbidden, Body: `{}`},
	// email notifications: the account's choice, and the unsubscribe link
	// of emails (public: its token is the credential)
	"POST /account/notifications":  {OK: http.StatusSeeOther, Body: "mail=digest"},
	"GET /api/v1/me/notifications": {OK: http.StatusOK},
	"PUT /api/v1/me/notifications": {OK: http.StatusOK, Body: `{"preference":"digest"}`,
		Override: map[authtest.Principal]int{authtest.TokenRead: http.StatusForbidden}}, // a read token changes nothing
	"GET /mail/unsubscribe/{token}":  {OK: http.StatusNotFound, Restricted: http.StatusNotFound},
	"POST /mail/unsubscribe/{token}": {OK: http.StatusNotFound, Restricted: http.StatusNotFound},
	// Prometheus metrics (a read token or a session)
	"GET /metrics": {OK: http.StatusOK},
	// teams: admins manage them, readers list them
	"GET /api/v1/teams":                {OK: http.StatusOK},
	"POST /api/v1/teams":               {OK: http.StatusUnprocessableEntity, Body: `{}`},
	"GET /api/v1/teams/{slug}":         {OK: http.StatusNotFound, Restricted: http.StatusNotFound},
	"PATCH /api/v1/teams/{slug}":       {OK: http.StatusNotFound, Restricted: http.StatusNotFound, Body: `{}`},
	"DELETE /api/v1/teams/{slug}":      {OK: http.StatusNotFound, Restricted: http.StatusNotFound},
	"GET /api/v1/incidents/{id}/teams": {OK: http.StatusOK},
	"PUT /api/v1/incidents/{id}/teams": {OK: http.StatusOK, Body: `{"teams":[]}`},
	"GET /admin/teams":                 {OK: http.StatusOK},
	"POST /admin/teams":                {OK: http.StatusUnprocessableEntity, Body: "slug="},
	"POST /admin/teams/{slug}":         {OK: http.StatusSeeOther, Body: "action=rename&value=x"},
	"POST /admin/teams/{slug}/delete":  {OK: http.StatusSeeOther},
	// the fields & taxonomy (issue 19): admins only
	"GET /admin/fields":             {OK: http.StatusOK},
	"GET /admin/fields/export.yaml": {OK: http.StatusOK},
	"POST /admin/fields":            {OK: http.StatusUnprocessableEntity, Body: "version=x&action=taxonomy"},
	"POST /admin/fields/import":     {OK: http.StatusUnprocessableEntity, Body: "version=0&yaml="},
	"POST /incidents/columns":       {OK: http.StatusSeeOther, Body: "col=tags"},
	"GET /api/v1/incidents.csv":     {OK: http.StatusOK},
	"POST /incidents/{id}/teams":    {OK: http.StatusSeeOther, Body: "teams="},
	// review: editors request, review and comment; admins delete comments
	"GET /api/v1/incidents/{id}/review-requests":              {OK: http.StatusOK},
	"POST /api/v1/incidents/{id}/review-requests":             {OK: http.StatusUnprocessableEntity, Body: `{"reviewers":[]}`},
	"DELETE /api/v1/incidents/{id}/review-requests/{account}": {OK: http.StatusNotFound},
	"GET /api/v1/incidents/{id}/reviews":                      {OK: http.StatusOK},
	"POST /api/v1/incidents/{id}/reviews":                     {OK: http.StatusUnprocessableEntity, Body: `{"state":"maybe"}`},
	"GET /api/v1/incidents/{id}/comments":                     {OK: http.StatusOK},
	"POST /api/v1/incidents/{id}/comments":                    {OK: http.StatusUnprocessableEntity, Body: `{}`},
	"PATCH /api/v1/comments/{id}":                             {OK: http.StatusNotFound, Restricted: http.StatusNotFound, Body: `{}`},
	"DELETE /api/v1/comments/{id}":                            {OK: http.StatusNotFound, Restricted: http.StatusNotFound},
	"GET /api/v1/me/reviews":                                  {OK: http.StatusOK},
}

func init() {
	for k, v := range authtest.AuthEntries {
		entries[k] = v
	}
}

// TestFullRouteTableMatrix runs the matrix over exactly the table serve
// registers, for six principals and restricted and unrestricted incidents.
func TestFullRouteTableMatrix(t *testing.T) {
	clock := func() time.Time { return time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC) }
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hindsight.db"), sqlite.Options{Render: app.Render, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := stack.Build(t.Context(), st, stack.Config{
		Now:    clock,
		Getenv: func(string) string { return "" },
		Auth: auth.Options{MaxAccountFailures: 1000, MaxAddressFailures: 1000,
			Params: auth.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}},
	})
	if err != nil {
		t.Fatal(err)
	}
	authtest.Matrix(t, s.Handler, s.Table(), authtest.NewEnv(t, s.Auth, s.Service), entries)
}
