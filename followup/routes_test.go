package followup_test

import (
	"net/http"
	"testing"

	"github.com/hindsight-pm/hindsight/api"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/followup"
	"github.com/hindsight-pm/hindsight/internal/httpx"
	"github.com/hindsight-pm/hindsight/metrics"
	"github.com/hindsight-pm/hindsight/web"
)

// TestRoutesJoinTheTable registers the follow-up and /metrics routes with
// the web UI's and the API's in one ServeMux, as the server does: no
// pattern may conflict (ServeMux panics on a conflict).
func TestRoutesJoinTheTable(t *testing.T) {
	e := newEnv(t)
	svc := app.New(e.st, app.Options{})
	ui, err := web.New(svc, web.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := followup.New(svc, e.st, followup.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New(metrics.Options{Store: e.st, Pools: e.st.PoolStats})
	var routes []httpx.Route
	routes = append(routes, ui.Routes()...)
	routes = append(routes, api.New(svc, api.Options{}).Routes()...)
	routes = append(routes, h.Routes()...)
	routes = append(routes, m.Route())
	mux := http.NewServeMux()
	names := map[string]bool{}
	for _, rt := range m.Wrap(routes) {
		if names[rt.Name] {
			t.Errorf("route name %q is used twice", rt.Name)
		}
		names[rt.Name] = true
		mux.Handle(rt.Pattern, rt.Handler)
	}
}
