package main

// The outbound mode (-outbound) measures delivery isolation between
// outbound webhook subscriptions: with the worker running as under serve
// (webhook.Webhooks.Start, default settings), incidents are created at a
// fixed rate through the application service, each with one action item
// (two events: incident.created and action_item.created), and a healthy
// receiver's delivery lag (from the commit of the change to the receiver
// getting the event) is measured twice in one run:
//
//   - baseline: the healthy subscription alone;
//   - isolation: the same, with a second subscription whose receiver
//     never answers (each attempt runs into the 10 s timeout) and a third
//     whose receiver answers 503 to everything.
//
// Each phase has its own fresh SQLite file. Every event must reach the
// healthy receiver exactly once, and each incident's two events in order.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/sqlite"
	"github.com/hindsight-pm/hindsight/webhook"
)

type outboundResult struct {
	Events, Received, Doubled, OutOfOrder int
	P50, P90, P99, Max                    time.Duration
	HangingCalls, FailingCalls            int64
}

// receiverServer serves h on a fresh loopback port.
func receiverServer(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String() + "/hook", func() { srv.Close() }, nil
}

// outboundPhase runs one phase: incidents created at rate per second,
// with (bad) or without the hanging and failing subscriptions.
func outboundPhase(ctx context.Context, dir string, incidents, rate int, bad bool, drain time.Duration) (outboundResult, error) {
	var r outboundResult
	st, err := sqlite.Open(ctx, filepath.Join(dir, fmt.Sprintf("outbound-%v.db", bad)), sqlite.Options{Render: markdown.Render})
	if err != nil {
		return r, err
	}
	defer st.Close()
	svc := app.New(st, app.Options{})
	wh, err := webhook.New(st, webhook.Config{AllowPrivate: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return r, err
	}

	var mu sync.Mutex
	committed := map[string]time.Time{} // incident -> commit of its creation
	var lags []time.Duration
	seen := map[int64]int{}      // delivery ID -> times received
	got := map[string][]string{} // incident -> events in arrival order
	healthy, stopHealthy, err := receiverServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		at := time.Now()
		var m webhook.Message
		b, _ := io.ReadAll(req.Body)
		if err := json.Unmarshal(b, &m); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
		mu.Lock()
		defer mu.Unlock()
		seen[m.DeliveryID]++
		if seen[m.DeliveryID] > 1 {
			return
		}
		got[m.IncidentID] = append(got[m.IncidentID], m.Event)
		if c, ok := committed[m.IncidentID]; ok {
			lags = append(lags, at.Sub(c))
		}
	}))
	if err != nil {
		return r, err
	}
	defer stopHealthy()
	var hangCalls, failCalls atomic.Int64
	release := make(chan struct{})
	hanging, stopHanging, err := receiverServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		hangCalls.Add(1)
		select {
		case <-release:
		case <-req.Context().Done():
		}
	}))
	if err != nil {
		return r, err
	}
	failing, stopFailing, err := receiverServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		failCalls.Add(1)
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	if err != nil {
		return r, err
	}
	defer func() { close(release); stopHanging(); stopFailing() }()

	all := []string{"*"}
	if bad {
		for _, u := range []string{hanging, failing} {
			if _, err := wh.Create(ctx, webhook.Input{URL: &u, Events: &all}); err != nil {
				return r, err
			}
		}
	}
	if _, err := wh.Create(ctx, webhook.Input{URL: &healthy, Events: &all}); err != nil {
		return r, err
	}
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	wh.Start(wctx)

	interval := time.Second / time.Duration(rate)
	began := time.Now()
	for i := range incidents {
		if d := time.Until(began.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		p := &hindsight.Postmortem{Title: fmt.Sprintf("Outbound bench %d", i), Status: hindsight.StatusDraft}
		p.Summary.Severity = hindsight.Sev2
		p.ActionItems = []hindsight.ActionItem{{ID: "AI-001", Action: "Alert on webhook delivery lag", Owner: "bench", Priority: hindsight.P2, Status: hindsight.ItemOpen}}
		inc, err := svc.Create(ctx, app.System, p, app.CreateOptions{})
		if err != nil {
			return r, err
		}
		mu.Lock()
		committed[inc.ID] = time.Now()
		mu.Unlock()
	}
	r.Events = 2 * incidents
	deadline := time.Now().Add(drain)
	for {
		mu.Lock()
		n := len(lags)
		mu.Unlock()
		if n >= r.Events || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	mu.Lock()
	defer mu.Unlock()
	r.Received = len(lags)
	for _, c := range seen {
		if c > 1 {
			r.Doubled++
		}
	}
	for _, evs := range got {
		if !slices.Equal(evs, []string{hindsight.EventIncidentCreated, hindsight.EventActionItemCreated}) {
			r.OutOfOrder++
		}
	}
	slices.Sort(lags)
	q := func(p float64) time.Duration {
		if len(lags) == 0 {
			return 0
		}
		return lags[min(len(lags)-1, int(p*float64(len(lags))))]
	}
	r.P50, r.P90, r.P99 = q(0.50), q(0.90), q(0.99)
	if len(lags) > 0 {
		r.Max = lags[len(lags)-1]
	}
	r.HangingCalls, r.FailingCalls = hangCalls.Load(), failCalls.Load()
	return r, nil
}

// runOutbound is the -outbound mode.
func runOutbound(incidents, rate int, drain time.Duration, out io.Writer) error {
	if incidents <= 0 || rate <= 0 {
		return fmt.Errorf("-incidents and -incident-rate must be positive")
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "hindsight-bench-outbound-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintf(out, "outbound: %d incidents at %d/s (%d events: incident.created + action_item.created each), SQLite, webhook worker defaults (poll 1s, 4 in flight per subscription, 10s timeout)\n", incidents, rate, 2*incidents)
	base, err := outboundPhase(ctx, dir, incidents, rate, false, drain)
	if err != nil {
		return err
	}
	iso, err := outboundPhase(ctx, dir, incidents, rate, true, drain)
	if err != nil {
		return err
	}
	line := func(name string, r outboundResult) {
		fmt.Fprintf(out, "%s: %d of %d events received, %d twice, %d incidents out of order; lag p50 %v  p90 %v  p99 %v  max %v\n",
			name, r.Received, r.Events, r.Doubled, r.OutOfOrder, r.P50.Round(time.Millisecond), r.P90.Round(time.Millisecond), r.P99.Round(time.Millisecond), r.Max.Round(time.Millisecond))
	}
	line("baseline (healthy receiver alone)", base)
	line("isolation (plus a receiver that never answers and one that answers 503)", iso)
	fmt.Fprintf(out, "bad receivers during the isolation phase: the hanging one got %d requests and answered none; the failing one got %d\n", iso.HangingCalls, iso.FailingCalls)
	ratio := 0.0
	if base.P99 > 0 {
		ratio = float64(iso.P99) / float64(base.P99)
	}
	fmt.Fprintf(out, "healthy receiver p99 lag with bad receivers / alone: %.2f (goal: p99 under 2s with a hanging receiver)\n", ratio)
	for _, r := range []outboundResult{base, iso} {
		if r.Received != r.Events || r.Doubled > 0 || r.OutOfOrder > 0 {
			return fmt.Errorf("the healthy receiver did not get every event once and in order")
		}
	}
	return nil
}
