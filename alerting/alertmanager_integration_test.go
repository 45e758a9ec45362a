package alerting_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/alerting"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// alertmanagerBinary finds a real Alertmanager: $HINDSIGHT_ALERTMANAGER_BIN,
// PATH, $GOBIN or $HOME/go/bin. Without one the test skips, unless
// HINDSIGHT_TEST_ALERTMANAGER=1 makes its absence a failure (CI).
func alertmanagerBinary(t *testing.T) string {
	t.Helper()
	var candidates []string
	if p := os.Getenv("HINDSIGHT_ALERTMANAGER_BIN"); p != "" {
		candidates = append(candidates, p)
	}
	if p, err := exec.LookPath("alertmanager"); err == nil {
		candidates = append(candidates, p)
	}
	if d := os.Getenv("GOBIN"); d != "" {
		candidates = append(candidates, filepath.Join(d, "alertmanager"))
	}
	if h, err := os.UserHomeDir(); err == nil {
		candidates = append(candidates, filepath.Join(h, "go", "bin", "alertmanager"))
	}
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && !fi.IsDir() {
			return c
		}
	}
	msg := "no alertmanager binary (PATH, $GOBIN, $HOME/go/bin or $HINDSIGHT_ALERTMANAGER_BIN): install it with `go install github.com/prometheus/alertmanager/cmd/alertmanager@v0.27.0`"
	if os.Getenv("HINDSIGHT_TEST_ALERTMANAGER") == "1" {
		t.Fatal(msg + " (HINDSIGHT_TEST_ALERTMANAGER=1 requires it)")
	}
	t.Skip(msg)
	return ""
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestRealAlertmanager runs a real Alertmanager on loopback that routes to
// Hindsight's receiver, posts alerts to its API, and checks the Draft
// incident and timeline it leads to (through the inbox and the applier
// running in the background); then resolves the alerts and checks End.
func TestRealAlertmanager(t *testing.T) {
	bin := alertmanagerBinary(t)
	if testing.Short() {
		t.Skip("-short: skipping the real Alertmanager")
	}
	dir := t.TempDir()
	st, err := sqlite.Open(t.Context(), filepath.Join(dir, "hindsight.db"), sqlite.Options{Render: markdown.Render})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := app.New(st, app.Options{})
	const token = "integration-token"
	r := alerting.New(svc, st, alerting.Config{AlertmanagerToken: token, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	// the applier runs in the background, as under hindsight serve
	actx, stopApplier := context.WithCancel(t.Context())
	r.Start(actx)
	defer func() { stopApplier(); r.Wait() }()
	mux := http.NewServeMux()
	for _, rt := range r.Routes() {
		mux.Handle(rt.Pattern, rt.Handler)
	}
	var codesMu sync.Mutex
	var codes []int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		codesMu.Lock()
		codes = append(codes, rec.Code)
		codesMu.Unlock()
	}))
	defer srv.Close()

	port := freePort(t)
	cfg := fmt.Sprintf(`global:
  resolve_timeout: 1m
route:
  receiver: hindsight
  group_by: ['alertname']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hindsight
    webhook_configs:
      - url: %s/hooks/alertmanager
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: %s
`, srv.URL, token)
	cfgPath := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	amURL := fmt.Sprintf("http://127.0.0.1:%d", port)
	var logs bytes.Buffer
	cmd := exec.Command(bin, "--config.file="+cfgPath, "--storage.path="+filepath.Join(dir, "data"),
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port), "--cluster.listen-address=", "--log.level=info")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("alertmanager log:\n%s", logs.String())
		}
	}()
	waitFor(t, "alertmanager ready", 30*time.Second, func() bool {
		resp, err := http.Get(amURL + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})

	start := time.Now().UTC().Add(-3 * time.Minute).Truncate(time.Second)
	alerts := []map[string]any{
		{"labels": map[string]string{"alertname": "HindsightIT", "instance": "api-1", "service": "checkout", "severity": "critical"},
			"annotations": map[string]string{"summary": "Checkout errors above 5%"}, "startsAt": start.Format(time.RFC3339)},
		{"labels": map[string]string{"alertname": "HindsightIT", "instance": "api-2", "job": "payments-api", "severity": "warning"},
			"annotations": map[string]string{"summary": "Checkout errors above 5%"}, "startsAt": start.Add(time.Minute).Format(time.RFC3339)},
	}
	postAlerts(t, amURL, alerts)

	var inc *hindsight.Incident
	waitFor(t, "Draft incident with both alerts", 60*time.Second, func() bool {
		page, err := st.FindIncidents(t.Context(), hindsight.SystemViewer, hindsight.IncidentFilter{})
		if err != nil || len(page.Incidents) == 0 {
			return false
		}
		inc, err = st.FindIncidentByID(t.Context(), hindsight.SystemViewer, page.Incidents[0].ID)
		return err == nil && len(inc.Doc.Timeline) >= 2
	})
	p := inc.Doc
	want(t, "status", p.Status, hindsight.StatusDraft)
	want(t, "title", p.Title, "HindsightIT: Checkout errors above 5%")
	want(t, "start", p.Summary.Start.String(), hindsight.TimeOf(start).String())
	want(t, "severity", p.Summary.Severity, hindsight.Sev1)
	want(t, "services (service label, then job)", p.ServiceNames(), []string{"checkout", "payments-api"})
	if !p.Detection.DetectionTime.IsSet() || p.Detection.DetectionTime.T.Before(hindsight.TimeOf(start).T) {
		t.Errorf("detection time %v", p.Detection.DetectionTime)
	}
	// A row names the labels its alert does not share with the others of
	// the notification it came in. The alerts started minutes ago, so
	// Alertmanager flushes the group at once (group_wait only holds fresh
	// alerts): the first notification may hold both alerts or the first
	// alone (then all its labels are common and its row names none), and a
	// row, once written, is not rewritten by later notifications.
	first := hindsight.TimeOf(start).T.Format("15:04") + "|Alert firing: HindsightIT — Checkout errors above 5%"
	second := hindsight.TimeOf(start.Add(time.Minute)).T.Format("15:04") + "|Alert firing: HindsightIT — Checkout errors above 5% (instance=api-2, job=payments-api, severity=warning)|Alertmanager"
	if got := rows(p); len(got) != 2 || got[1] != second ||
		(got[0] != first+" (instance=api-1, service=checkout, severity=critical)|Alertmanager" && got[0] != first+"|Alertmanager") {
		t.Errorf("timeline:\n got %q\nwant [%q (with or without its labels), %q]", got, first+" (instance=api-1, service=checkout, severity=critical)|Alertmanager", second)
	}

	// resolve both
	end := time.Now().UTC().Add(-10 * time.Second).Truncate(time.Second)
	for _, a := range alerts {
		a["endsAt"] = end.Format(time.RFC3339)
	}
	postAlerts(t, amURL, alerts)
	waitFor(t, "End set after every alert resolved", 60*time.Second, func() bool {
		inc, err = st.FindIncidentByID(t.Context(), hindsight.SystemViewer, inc.ID)
		return err == nil && inc.Doc.Summary.End.IsSet()
	})
	p = inc.Doc
	want(t, "end", p.Summary.End.String(), hindsight.TimeOf(end).String())
	want(t, "rows", len(p.Timeline), 4)
	for _, line := range rows(p)[2:] {
		if !strings.Contains(line, "|Alert resolved: HindsightIT") {
			t.Errorf("row %q is not a resolution", line)
		}
	}
	// every delivery was accepted: 202 (queued) or 200 (a resend of known
	// alerts only)
	codesMu.Lock()
	for _, code := range codes {
		if code != 200 && code != 202 {
			t.Errorf("a delivery got %d", code)
		}
	}
	if !slices.Contains(codes, 202) {
		t.Errorf("no delivery was answered 202: %v", codes)
	}
	codesMu.Unlock()
	page, _ := st.FindIncidents(t.Context(), hindsight.SystemViewer, hindsight.IncidentFilter{})
	want(t, "incidents", len(page.Incidents), 1)
}

func postAlerts(t *testing.T, amURL string, alerts []map[string]any) {
	t.Helper()
	b, _ := json.Marshal(alerts)
	resp, err := http.Post(amURL+"/api/v2/alerts", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("POST /api/v2/alerts: %d %s", resp.StatusCode, body)
	}
}

func waitFor(t *testing.T, what string, limit time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s after %v", what, limit)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
