package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/demo"
	"github.com/jackc/pgx/v5"
)

// syncBuffer is a bytes.Buffer safe for a running server and a test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listeningRe = regexp.MustCompile(`Hindsight listening on (http://\S+)`)

// waitListening waits for the listening line and returns the URL. done
// reports an early exit.
func waitListening(t *testing.T, out *syncBuffer, done <-chan int) string {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		if m := listeningRe.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d before listening: %s", code, out.String())
		case <-deadline:
			t.Fatalf("serve did not print its address: %q", out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// bearer is the API token the serve tests send (serve puts every route
// behind sign-in).
var bearer string

// adminToken creates an admin account and a read-write token for it in the
// database db, through the CLI, and makes the test's requests send it.
func adminToken(t *testing.T, db string) {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run([]string{"--db", db, "user", "add", "ops@example.com", "--role", "admin", "--password-stdin"}, strings.NewReader("serve test password\n"), &out, &errb); code != 0 {
		t.Fatalf("user add: %s", errb.String())
	}
	out.Reset()
	if code := run([]string{"--db", db, "token", "create", "--user", "ops@example.com", "--name", "serve test", "--scope", "read-write"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("token create: %s", errb.String())
	}
	for _, f := range strings.Fields(out.String()) {
		if strings.HasPrefix(f, "hst_") {
			bearer = f
		}
	}
	if bearer == "" {
		t.Fatalf("no token in %q", out.String())
	}
	t.Cleanup(func() { bearer = "" })
}

func get(t *testing.T, url string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	res, err := get(t, url), error(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v: %s", url, err, b)
		}
	}
	return res.StatusCode
}

// TestServeDemoAndSIGTERM runs `hindsight serve --demo` on a fresh
// database, uses the API, and stops it with SIGTERM.
func TestServeDemoAndSIGTERM(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	adminToken(t, db)
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--demo", "--log-format", "json"}, strings.NewReader(""), &out, &errb)
	}()
	base := waitListening(t, &out, done)
	want, err := demo.Postmortems(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), fmt.Sprintf("Seeded %d demo incidents", len(want))) {
		t.Errorf("stdout: %q", out.String())
	}
	var page hindsight.IncidentPage
	if code := getJSON(t, base+"/api/v1/incidents?limit=100", &page); code != 200 || len(page.Incidents) != len(want) {
		t.Fatalf("incidents: %d, %d incidents", code, len(page.Incidents))
	}
	for _, p := range []string{"/healthz", "/readyz", "/api/v1/openapi.json"} {
		if code := getJSON(t, base+p, nil); code != 200 {
			t.Errorf("%s: %d", p, code)
		}
	}
	// the web app is served too, with the security headers
	res, err := get(t, base+"/incidents/"+page.Incidents[0].ID), error(nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), page.Incidents[0].Title) || !strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("incident page: %d %v", res.StatusCode, res.Header)
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	// one JSON log line per request, with status and duration
	var lines int
	for _, l := range strings.Split(strings.TrimSpace(errb.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		if rec["msg"] == "request" {
			lines++
			if rec["status"] == nil || rec["duration"] == nil || rec["method"] == nil || rec["path"] == nil {
				t.Errorf("log line %q", l)
			}
		}
	}
	if lines != 5 {
		t.Errorf("%d request lines, want 5: %s", lines, errb.String())
	}
}

// TestServeDemoKeepsExistingData checks that --demo seeds only an empty
// database, and that HINDSIGHT_* variables set the flags' defaults.
func TestServeDemoKeepsExistingData(t *testing.T) {
	db := filepath.Join(t.TempDir(), "data.db")
	t.Setenv("HINDSIGHT_DB", db)
	t.Setenv("HINDSIGHT_ADDR", "127.0.0.1:0")
	t.Setenv("HINDSIGHT_LOG_LEVEL", "warn")
	t.Setenv("HINDSIGHT_BASE_URL", "https://hindsight.example.com")
	s, err := openStore(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateIncident(context.Background(), hindsight.IncidentCreate{Doc: &hindsight.Postmortem{Title: "mine"}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	adminToken(t, db)

	for round := range 2 {
		ctx, cancel := context.WithCancel(context.Background())
		var out, errb syncBuffer
		a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb}
		cmd := newRootCmd(a)
		cmd.SetArgs([]string{"serve", "--demo"})
		done := make(chan int, 1)
		go func() {
			err := cmd.ExecuteContext(ctx)
			done <- exitCode(err)
		}()
		base := waitListening(t, &out, done)
		if !strings.Contains(out.String(), "nothing seeded") || !strings.Contains(out.String(), "Public URL: https://hindsight.example.com") {
			t.Errorf("round %d stdout: %q", round, out.String())
		}
		var page hindsight.IncidentPage
		getJSON(t, base+"/api/v1/incidents", &page)
		if len(page.Incidents) != 1 || page.Incidents[0].Title != "mine" {
			t.Errorf("round %d: incidents %+v", round, page.Incidents)
		}
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		if strings.Contains(errb.String(), "msg=request") {
			t.Errorf("warn level logged requests: %s", errb.String())
		}
	}
}

func TestServeFlagErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--log-level", "loud"}, `--log-level "loud"`},
		{[]string{"serve", "--log-format", "xml"}, `--log-format "xml"`},
		{[]string{"serve", "--addr", "8080"}, `--addr "8080": want host:port`},
		{[]string{"serve", "--base-url", "hindsight.example.com"}, "--base-url"},
		{[]string{"serve", "extra"}, "unknown command"},
		{[]string{"serve", "--cache-bytes", "lots"}, `--cache-bytes (or HINDSIGHT_CACHE_BYTES) "lots"`},
		{[]string{"serve", "--cache-bytes", "-5"}, `--cache-bytes (or HINDSIGHT_CACHE_BYTES) "-5"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, stderr := runCLI(t, append(tt.args, "--db", filepath.Join(dir, "x.db"))...)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q, want 2 and %q", code, stderr, tt.want)
			}
		})
	}
}

// TestParseCacheBytes: --cache-bytes takes bytes, KiB, MiB or GiB; 0 is
// no cache (app.Options.CacheBytes < 0) and "" the default (0).
func TestParseCacheBytes(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"", 0, true},
		{"0", -1, true},
		{"4096", 4096, true},
		{"64MiB", 64 << 20, true},
		{" 2 GiB", 2 << 30, true},
		{"512KiB", 512 << 10, true},
		{"16MB", 0, false},
		{"-1", 0, false},
		{"1.5MiB", 0, false},
		{"99999999999GiB", 0, false},
	}
	for _, tt := range tests {
		got, err := parseCacheBytes(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseCacheBytes(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestServeAddressInUse(t *testing.T) {
	dir := t.TempDir()
	var out syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, &app{stdout: &out, stderr: io.Discard, db: filepath.Join(dir, "a.db")}, serveFlags{addr: "127.0.0.1:0"})
	}()
	base := waitListening(t, &out, nil)
	addr := strings.TrimPrefix(base, "http://")
	code, _, stderr := runCLI(t, "serve", "--addr", addr, "--db", filepath.Join(dir, "b.db"))
	if code != 2 || !strings.Contains(stderr, "address already in use") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// postgresSchema is the URL of HINDSIGHT_TEST_POSTGRES_URL with a new
// schema (prefix and random hex) as its search_path, dropped when t ends;
// the test is skipped when the variable is not set.
func postgresSchema(t *testing.T, prefix string) *url.URL {
	t.Helper()
	dsn := os.Getenv("HINDSIGHT_TEST_POSTGRES_URL")
	if dsn == "" {
		t.Skip("HINDSIGHT_TEST_POSTGRES_URL is not set: skipping the PostgreSQL test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("HINDSIGHT_TEST_POSTGRES_URL is set but PostgreSQL is unreachable: %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := prefix + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	_ = conn.Close(ctx)
	t.Cleanup(func() {
		if conn, err := pgx.Connect(context.Background(), dsn); err == nil {
			_, _ = conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			_ = conn.Close(context.Background())
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u
}

// TestServePostgres runs `hindsight serve --demo` over PostgreSQL
// (HINDSIGHT_TEST_POSTGRES_URL) in a schema of its own.
func TestServePostgres(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	u := postgresSchema(t, "hs_serve_")
	adminToken(t, u.String())

	var out syncBuffer
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- runServe(sctx, &app{stdout: &out, stderr: io.Discard, db: u.String()}, serveFlags{addr: "127.0.0.1:0", demo: true})
	}()
	base := waitListening(t, &out, nil)
	want, err := demo.Postmortems(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var page hindsight.IncidentPage
	if code := getJSON(t, base+"/api/v1/incidents?limit=100", &page); code != 200 || len(page.Incidents) != len(want) {
		t.Errorf("incidents: %d, %d incidents", code, len(page.Incidents))
	}
	if code := getJSON(t, base+"/readyz", nil); code != 200 {
		t.Errorf("readyz: %d", code)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
