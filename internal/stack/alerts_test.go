package stack_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
	"github.com/hindsight-pm/hindsight/internal/stack"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// TestAlertsThroughStack posts alerts to the receivers of the whole stack
// the way senders authenticate (Alertmanager's bearer token and basic
// auth, the generic endpoint's ?token=): the accounts' check must not take
// the sender's token for an API token. The applier started by Start puts
// the alerts in a Draft.
func TestAlertsThroughStack(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hindsight.db"), sqlite.Options{Render: app.Render})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	env := map[string]string{"HINDSIGHT_ALERTMANAGER_TOKEN": "am-secret", "HINDSIGHT_GENERIC_TOKEN": "generic-secret"}
	s, err := stack.Build(t.Context(), st, stack.Config{
		Getenv: func(k string) string { return env[k] },
		Auth:   auth.Options{Params: auth.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(t.Context())
	s.Start(ctx)
	defer func() { stop(); s.Wait() }()

	am := func(i int) string {
		return `{"version":"4","groupKey":"{}:{alertname=\"StackTest\"}","status":"firing","receiver":"hindsight",
"commonLabels":{"alertname":"StackTest","severity":"critical"},"commonAnnotations":{"summary":"through the stack"},
"alerts":[{"status":"firing","labels":{"alertname":"StackTest","instance":"h` + string(rune('0'+i)) + `"},"annotations":{},
"startsAt":"2026-11-26T10:0` + string(rune('0'+i)) + `:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"f` + string(rune('0'+i)) + `"}]}`
	}
	post := func(path, body string, hdr map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", path, strings.NewReader(body))
		req.RemoteAddr = "10.1.2.3:4567"
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		s.Handler.ServeHTTP(w, req)
		return w
	}
	basic := httptest.NewRequest("GET", "/", nil)
	basic.SetBasicAuth("alertmanager", "am-secret")
	for i, tc := range []struct {
		name, path string
		hdr        map[string]string
		status     int
	}{
		{"AlertmanagerBearer", "/hooks/alertmanager", map[string]string{"Authorization": "Bearer am-secret"}, http.StatusAccepted},
		{"AlertmanagerBasic", "/hooks/alertmanager", map[string]string{"Authorization": basic.Header.Get("Authorization")}, http.StatusAccepted},
		{"AlertmanagerQueryToken", "/hooks/alertmanager?token=am-secret", nil, http.StatusAccepted},
		{"AlertmanagerWrongBearer", "/hooks/alertmanager", map[string]string{"Authorization": "Bearer nope"}, http.StatusUnauthorized},
		{"AlertmanagerNoToken", "/hooks/alertmanager", nil, http.StatusUnauthorized},
	} {
		if w := post(tc.path, am(i), tc.hdr); w.Code != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, w.Code, w.Body, tc.status)
		} else if w.Code == http.StatusUnauthorized && !strings.Contains(w.Body.String(), "missing or invalid credentials") {
			t.Errorf("%s: the 401 is not the receiver's: %s", tc.name, w.Body)
		}
	}
	if w := post("/hooks/generic?token=generic-secret", `{"title":"Generic through the stack","event":"e","dedup_key":"k1"}`, nil); w.Code != http.StatusAccepted {
		t.Errorf("generic: %d %s", w.Code, w.Body)
	}
	// the background applier puts them in two Drafts
	deadline := time.Now().Add(30 * time.Second)
	for {
		page, err := st.FindIncidents(t.Context(), hindsight.SystemViewer, hindsight.IncidentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		rows := 0
		for _, in := range page.Incidents {
			inc, err := st.FindIncidentByID(t.Context(), hindsight.SystemViewer, in.ID)
			if err != nil {
				t.Fatal(err)
			}
			rows += len(inc.Doc.Timeline)
		}
		if len(page.Incidents) == 2 && rows == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s: %d incidents, %d timeline rows; want 2 and 4 (3 alerts and 1 generic event)", len(page.Incidents), rows)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
