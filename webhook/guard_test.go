package webhook_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/webhook"
)

// secretBody is what the internal services below answer: it must never
// reach the delivery log.
const secretBody = "ami-id instance-id iam/security-credentials SECRET-7f3a"

// internalService is an HTTP server on addr (127.0.0.1:0 or [::1]:0) that
// answers every request with status and secretBody, counting the calls.
func internalService(t *testing.T, addr string, status int) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	var calls atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(secretBody))
	}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &calls
}

// storeSubscription writes a subscription straight into the store, as one
// made while private receivers were allowed, or whose name resolved to a
// public address then, would be.
func storeSubscription(t *testing.T, w *webhook.Webhooks, u string) *hindsight.WebhookSubscription {
	t.Helper()
	s := &hindsight.WebhookSubscription{URL: u, Events: []string{hindsight.EventIncidentCreated}, Format: hindsight.FormatJSON, Active: true, Secret: "k"}
	if err := w.Store().CreateWebhook(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPrivateDestinationsRefusedAtDelivery: without AllowPrivate, a
// delivery to loopback (IPv4, IPv6, or a name resolving to it) or to the
// metadata address is refused when connecting; the receiver is never
// called and the log says why, with no byte of any answer.
func TestPrivateDestinationsRefusedAtDelivery(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: start}
	st := openStore(t, filepath.Join(t.TempDir(), "h.db"), clk)
	defer st.Close()
	guarded := newWorker(t, st, clk, func(c *webhook.Config) { c.AllowPrivate = false; c.Timeout = 2 * time.Second })

	v4, v4calls := internalService(t, "127.0.0.1:0", http.StatusOK)
	_, port, _ := net.SplitHostPort(v4.Listener.Addr().String())
	type target struct {
		name  string
		url   string
		calls *atomic.Int32
	}
	targets := []target{
		{"IPv4 loopback", v4.URL + "/latest/meta-data", v4calls},
		{"localhost name", "http://localhost:" + port + "/hook", v4calls},
		{"metadata service", "http://169.254.169.254/latest/meta-data/", nil},
		{"private network", "http://10.255.255.1:8080/admin", nil},
		{"IPv4-mapped loopback", "http://[::ffff:127.0.0.1]:" + port + "/", v4calls},
	}
	if ln, err := net.Listen("tcp", "[::1]:0"); err == nil {
		ln.Close()
		v6, v6calls := internalService(t, "[::1]:0", http.StatusOK)
		targets = append(targets, target{"IPv6 loopback", v6.URL + "/", v6calls})
	} else {
		t.Logf("no IPv6 loopback here (%v): the [::1] case is covered by TestGuardControl only", err)
	}
	subs := map[int64]target{}
	for _, tg := range targets {
		subs[storeSubscription(t, guarded, tg.url).ID] = tg
	}
	openIncident(t, st, clk, false)
	if _, err := guarded.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	ds, err := guarded.Deliveries(ctx, hindsight.DeliveryFilter{})
	if err != nil || len(ds) != len(targets) {
		t.Fatalf("%d deliveries (%v), want %d", len(ds), err, len(targets))
	}
	for _, d := range ds {
		tg := subs[d.SubscriptionID]
		if d.Status == hindsight.DeliveryDelivered || d.LastStatus != 0 || !strings.Contains(d.LastError, "not public") || !strings.Contains(d.LastError, "HINDSIGHT_WEBHOOK_ALLOW_PRIVATE") {
			t.Errorf("%s (%s): status %s, HTTP %d, %q; want refused as not public", tg.name, tg.url, d.Status, d.LastStatus, d.LastError)
		}
		if strings.Contains(d.LastError, "SECRET") || strings.Contains(d.LastError, "ami-id") {
			t.Errorf("%s: the delivery log holds the answer's body: %q", tg.name, d.LastError)
		}
	}
	for _, tg := range targets {
		if tg.calls != nil && tg.calls.Load() != 0 {
			t.Errorf("%s: the internal service was called %d times", tg.name, tg.calls.Load())
		}
	}

	// the operator allows private receivers: the loopback ones are reached
	clk.Add(time.Hour)
	for _, d := range ds {
		if subs[d.SubscriptionID].calls == nil {
			if err := guarded.Delete(ctx, d.SubscriptionID); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if _, err := guarded.Redeliver(ctx, d.ID); err != nil {
			t.Fatal(err)
		}
	}
	allowed := newWorker(t, st, clk)
	if _, err := allowed.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if v4calls.Load() == 0 {
		t.Errorf("with AllowPrivate the loopback receiver was not called")
	}
}

// TestSubscriptionToPrivateHostRefused: creating or updating a
// subscription whose URL names a non-public address literally is an
// invalid-field error on url, unless private receivers are allowed.
func TestSubscriptionToPrivateHostRefused(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: start}
	st := openStore(t, filepath.Join(t.TempDir(), "h.db"), clk)
	defer st.Close()
	guarded := newWorker(t, st, clk, func(c *webhook.Config) { c.AllowPrivate = false })
	allowed := newWorker(t, st, clk)
	events := []string{"*"}
	for _, u := range []string{
		"http://127.0.0.1:8080/hook", "http://[::1]/hook", "http://169.254.169.254/latest/meta-data/",
		"https://10.0.0.7/", "http://192.168.1.1/", "http://100.64.1.1/", "http://[fd00::1]:9000/", "http://[::ffff:127.0.0.1]/",
		"http://0.0.0.0:80/", "http://localhost:9000/", "http://api.localhost/", "http://[fe80::1%25eth0]/",
	} {
		_, err := guarded.Create(ctx, webhook.Input{URL: &u, Events: &events})
		var he *hindsight.Error
		if hindsight.ErrorCode(err) != hindsight.EInvalid || !errors.As(err, &he) || len(he.Fields) != 1 || he.Fields[0].Field != "url" {
			t.Errorf("create %s: %v, want an invalid url field", u, err)
			continue
		}
		if _, err := allowed.Create(ctx, webhook.Input{URL: &u, Events: &events}); err != nil {
			t.Errorf("create %s with AllowPrivate: %v", u, err)
		}
	}
	// through the API: a 422 naming the url field
	mux := http.NewServeMux()
	for _, rt := range guarded.Routes() {
		mux.Handle(rt.Pattern, rt.Handler)
	}
	req := httptest.NewRequest("POST", "/api/v1/webhooks", strings.NewReader(`{"url":"http://169.254.169.254/latest/meta-data/","events":["*"]}`))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `"field":"url"`) || !strings.Contains(rec.Body.String(), "link-local") {
		t.Errorf("API create to the metadata address: %d %s", rec.Code, rec.Body)
	}
	pub := "https://hooks.example.com/a"
	s, err := guarded.Create(ctx, webhook.Input{URL: &pub, Events: &events})
	if err != nil {
		t.Fatalf("public URL refused: %v", err)
	}
	bad := "http://127.0.0.1/"
	if _, err := guarded.Update(ctx, s.ID, webhook.Input{URL: &bad}); hindsight.ErrorCode(err) != hindsight.EInvalid || !strings.Contains(err.Error(), "url") {
		t.Errorf("update to loopback: %v", err)
	}
}

// TestFailedAnswerKeepsStatusLineOnly: a receiver's error answer leaves
// its status code and the standard reason phrase in the log, not its body
// nor its own reason phrase; a redirect is not followed.
func TestFailedAnswerKeepsStatusLineOnly(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: start}
	st := openStore(t, filepath.Join(t.TempDir(), "h.db"), clk)
	defer st.Close()
	w := newWorker(t, st, clk)
	var followed atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(rw, r, "/elsewhere", http.StatusFound)
		case "/elsewhere":
			followed.Add(1)
		default:
			rw.WriteHeader(http.StatusForbidden)
			_, _ = rw.Write([]byte(secretBody))
		}
	}))
	defer srv.Close()
	forbidden := subscribe(t, w, srv.URL+"/private", "k", "json", hindsight.EventIncidentCreated)
	redirect := subscribe(t, w, srv.URL+"/redirect", "k", "json", hindsight.EventIncidentCreated)
	openIncident(t, st, clk, false)
	if _, err := w.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[int64]string{forbidden.ID: "HTTP 403 Forbidden", redirect.ID: "HTTP 302 Found"}
	ds, _ := w.Deliveries(ctx, hindsight.DeliveryFilter{})
	if len(ds) != 2 {
		t.Fatalf("%d deliveries, want 2", len(ds))
	}
	for _, d := range ds {
		if d.LastError != want[d.SubscriptionID] || d.Status != hindsight.DeliveryPending {
			t.Errorf("delivery to webhook %d: %s %q, want pending with %q", d.SubscriptionID, d.Status, d.LastError, want[d.SubscriptionID])
		}
	}
	if followed.Load() != 0 {
		t.Errorf("the redirect was followed")
	}
}

// TestConnectionErrorsAreUniform: a closed port and a receiver that never
// answers leave the same message in the delivery log (no port scanner).
func TestConnectionErrorsAreUniform(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: start}
	st := openStore(t, filepath.Join(t.TempDir(), "h.db"), clk)
	defer st.Close()
	w := newWorker(t, st, clk, func(c *webhook.Config) { c.Timeout = 300 * time.Millisecond })
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()
	silent, err := net.Listen("tcp", "127.0.0.1:0") // accepts (backlog) and never answers
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	tlsOnly := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	tlsOnly.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	tlsOnly.StartTLS()
	defer tlsOnly.Close()
	subscribe(t, w, "http://"+closedAddr+"/", "k", "json", hindsight.EventIncidentCreated)
	subscribe(t, w, "http://"+silent.Addr().String()+"/", "k", "json", hindsight.EventIncidentCreated)
	subscribe(t, w, "https://"+strings.TrimPrefix(tlsOnly.URL, "https://")+"/", "k", "json", hindsight.EventIncidentCreated) // an untrusted certificate
	subscribe(t, w, "http://no-such-host.invalid/", "k", "json", hindsight.EventIncidentCreated)
	openIncident(t, st, clk, false)
	if _, err := w.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	ds, _ := w.Deliveries(ctx, hindsight.DeliveryFilter{})
	if len(ds) != 4 {
		t.Fatalf("%d deliveries, want 4", len(ds))
	}
	for _, d := range ds {
		if d.LastError != webhook.ErrNoAnswer || d.LastStatus != 0 {
			t.Errorf("delivery to webhook %d: HTTP %d %q, want %q", d.SubscriptionID, d.LastStatus, d.LastError, webhook.ErrNoAnswer)
		}
	}
}
