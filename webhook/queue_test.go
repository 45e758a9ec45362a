package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/webhook"
)

// TestHangingReceiverDelaysNoOther: under Start, one subscription's
// receiver hangs (it never answers while the test runs) and another's is
// healthy: the healthy one gets every event, in order per incident, while
// the hanging one's attempts are still in flight. (Before, a pass waited
// for its whole batch, so the healthy receiver waited for the hanging
// one's timeouts.)
func TestHangingReceiverDelaysNoOther(t *testing.T) {
	clk := &clock{t: time.Now().UTC()}
	st := openStore(t, filepath.Join(t.TempDir(), "h.db"), clk)
	defer st.Close()
	release := make(chan struct{})
	var hanging, hangDone atomic.Int32
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hanging.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
		hangDone.Add(1)
	}))
	defer hang.Close()
	defer close(release)
	var mu sync.Mutex
	got := map[string][]string{} // incident -> events, as received
	received := 0
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m webhook.Message
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &m)
		mu.Lock()
		got[m.IncidentID] = append(got[m.IncidentID], m.Event)
		received++
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer healthy.Close()

	w := newWorker(t, st, clk, func(c *webhook.Config) {
		c.Now = time.Now
		c.Poll = 20 * time.Millisecond
		c.Timeout = time.Hour // the hanging receiver's attempts stay in flight
		c.Lease = 2 * time.Hour
	})
	subscribe(t, w, hang.URL, "k", "json", hindsight.EventIncidentCreated, hindsight.EventActionItemCreated)
	subscribe(t, w, healthy.URL, "k", "json", hindsight.EventIncidentCreated, hindsight.EventActionItemCreated)
	const incidents = 10
	for range incidents {
		openIncident(t, st, clk, false) // incident.created and action_item.created
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w.Start(ctx)
	wait := func(want int) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second) // a bound for failing, not a speed goal
		for {
			mu.Lock()
			n := received
			mu.Unlock()
			if n >= want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the healthy receiver got %d of %d events while another receiver hangs", n, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	wait(2 * incidents)
	// later events too, once the healthy subscription's runner went idle
	time.Sleep(100 * time.Millisecond)
	for range 3 {
		openIncident(t, st, clk, false)
	}
	wait(2 * (incidents + 3))
	if hanging.Load() == 0 || hangDone.Load() != 0 {
		t.Fatalf("the hanging receiver: %d requests, %d finished; want some in flight, none finished", hanging.Load(), hangDone.Load())
	}
	mu.Lock()
	defer mu.Unlock()
	for id, evs := range got {
		if len(evs) != 2 || evs[0] != hindsight.EventIncidentCreated || evs[1] != hindsight.EventActionItemCreated {
			t.Errorf("incident %s: events received %v, want incident.created then action_item.created", id, evs)
		}
	}
}

// TestIncidentEventsInOrder: the receiver fails the first attempt of
// incident.created; the incident's later events are not sent before it
// is delivered, so the receiver sees them in the order they happened.
func TestIncidentEventsInOrder(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: start}
	st := openStore(t, filepath.Join(t.TempDir(), "h.db"), clk)
	defer st.Close()
	w := newWorker(t, st, clk)
	var mu sync.Mutex
	var accepted []string
	failedOnce := false
	rc := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		ev := r.Header.Get(webhook.HeaderEvent)
		mu.Lock()
		defer mu.Unlock()
		if ev == hindsight.EventIncidentCreated && !failedOnce {
			failedOnce = true
			rw.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		accepted = append(accepted, ev)
		rw.WriteHeader(http.StatusNoContent)
	}))
	defer rc.Close()
	subscribe(t, w, rc.URL, "k", "json", "*")
	openIncident(t, st, clk, false) // incident.created, action_item.created; the item is overdue
	first, err := w.Tick(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if first.Attempted != 1 || len(accepted) != 0 {
		t.Fatalf("first pass: %+v, accepted %v; want one attempt (incident.created, refused) and the later events held back", first, accepted)
	}
	mu.Unlock()
	clk.Add(time.Minute)
	if _, err := w.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{hindsight.EventIncidentCreated, hindsight.EventActionItemCreated, hindsight.EventActionItemOverdue}
	if len(accepted) != len(want) {
		t.Fatalf("accepted %v, want %v", accepted, want)
	}
	for i := range want {
		if accepted[i] != want[i] {
			t.Fatalf("accepted %v, want %v (the order they happened)", accepted, want)
		}
	}
}

// TestDisablePausesEnableResumes: disabling a subscription whose
// deliveries are retrying keeps them pending (and queues new events);
// nothing is sent while it is disabled; enabling sends them all.
func TestDisablePausesEnableResumes(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: start}
	st := openStore(t, filepath.Join(t.TempDir(), "h.db"), clk)
	defer st.Close()
	w := newWorker(t, st, clk)
	rc := newReceiver(t, "k", clk, 1) // the first attempt fails
	sub := subscribe(t, w, rc.srv.URL, "k", "json", hindsight.EventIncidentCreated)
	openIncident(t, st, clk, false)
	if s, err := w.Tick(ctx); err != nil || s.Attempted != 1 || s.Delivered != 0 {
		t.Fatalf("first pass: %+v %v", s, err)
	}
	off := false
	if _, err := w.Update(ctx, sub.ID, webhook.Input{Active: &off}); err != nil {
		t.Fatal(err)
	}
	openIncident(t, st, clk, false) // while paused
	for range 3 {
		clk.Add(2 * time.Hour) // past the retry window
		if s, err := w.Tick(ctx); err != nil || s.Attempted != 0 {
			t.Fatalf("pass while disabled: %+v %v; want nothing attempted", s, err)
		}
	}
	ds, _ := w.Deliveries(ctx, hindsight.DeliveryFilter{SubscriptionID: sub.ID})
	if len(ds) != 2 {
		t.Fatalf("%d deliveries, want 2 (one retrying, one queued while paused)", len(ds))
	}
	for _, d := range ds {
		if d.Status != hindsight.DeliveryPending {
			t.Fatalf("delivery %d is %s (%q) while its webhook is disabled; want pending", d.ID, d.Status, d.LastError)
		}
	}
	s, _ := w.Get(ctx, sub.ID)
	if s.Pending != 2 || s.PausedAt.IsZero() {
		t.Fatalf("disabled webhook: %d pending, paused at %v", s.Pending, s.PausedAt)
	}
	on := true
	if _, err := w.Update(ctx, sub.ID, webhook.Input{Active: &on}); err != nil {
		t.Fatal(err)
	}
	if s, err := w.Tick(ctx); err != nil || s.Delivered != 2 {
		t.Fatalf("pass after enabling: %+v %v; want both delivered", s, err)
	}
	bodies, _, _ := rc.got()
	if len(bodies) != 2 {
		t.Fatalf("receiver accepted %d, want 2", len(bodies))
	}
}
