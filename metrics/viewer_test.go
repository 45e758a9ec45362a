package metrics_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/metrics"
)

// TestMetricsCountWhatTheCallerSees: /metrics counted restricted incidents
// for any reader (issue 15). The store's figures are now those of the
// caller: a non-member's leave restricted incidents out, a member's and an
// admin's count them.
func TestMetricsCountWhatTheCallerSees(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	st := openStore(t, now)
	for i := range 3 {
		p := &hindsight.Postmortem{Title: "x", Status: hindsight.StatusDraft}
		p.Summary.Severity = hindsight.Sev1
		c := hindsight.IncidentCreate{Doc: p}
		if i > 0 {
			c.Restricted, c.Members = true, []string{"usr_member"}
		}
		if _, err := st.CreateIncident(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	m := metrics.New(metrics.Options{Store: st, Now: func() time.Time { return now }})
	scrape := func(v hindsight.Viewer) string {
		r := httptest.NewRequest("GET", "/metrics", nil)
		r = r.WithContext(app.WithActor(r.Context(), app.Actor{ID: v.UserID, Viewer: v}))
		w := httptest.NewRecorder()
		m.Handler().ServeHTTP(w, r)
		return w.Body.String()
	}
	for _, tc := range []struct {
		name string
		v    hindsight.Viewer
		want string
	}{
		{"non-member", hindsight.Viewer{UserID: "usr_other"}, `hindsight_incidents{severity="SEV-1",status="Draft"} 1`},
		{"anonymous", hindsight.Viewer{}, `hindsight_incidents{severity="SEV-1",status="Draft"} 1`},
		{"member", hindsight.Viewer{UserID: "usr_member"}, `hindsight_incidents{severity="SEV-1",status="Draft"} 3`},
		{"admin", hindsight.Viewer{UserID: "usr_admin", Admin: true}, `hindsight_incidents{severity="SEV-1",status="Draft"} 3`},
		{"non-member again (cached per viewer)", hindsight.Viewer{UserID: "usr_other"}, `hindsight_incidents{severity="SEV-1",status="Draft"} 1`},
	} {
		if body := scrape(tc.v); !strings.Contains(body, tc.want+"\n") {
			t.Errorf("%s: want %s in\n%s", tc.name, tc.want, body)
		}
	}
}
