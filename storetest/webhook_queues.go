package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// igClaim claims up to limit due deliveries of any subscription, leased
// for a minute.
func igClaim(s integrationStore, now time.Time, limit int) ([]hindsight.WebhookDelivery, error) {
	return s.ClaimDeliveries(ctxBackground(), hindsight.DeliveryClaim{Now: now, Lease: time.Minute, Limit: limit})
}

func igSubscribe(t *testing.T, s integrationStore, active bool) *hindsight.WebhookSubscription {
	t.Helper()
	w := &hindsight.WebhookSubscription{URL: "https://hooks.example.com/" + fmt.Sprint(time.Now().UnixNano()), Events: []string{"*"}, Format: "json", Active: active}
	if err := s.CreateWebhook(t.Context(), w); err != nil {
		t.Fatal(err)
	}
	return w
}

func igEvents(names ...string) []hindsight.OutboxEvent {
	var out []hindsight.OutboxEvent
	for _, n := range names {
		out = append(out, igEvent(n))
	}
	return out
}

func deliveryEvents(ds []hindsight.WebhookDelivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, fmt.Sprintf("%d:%s:%s", d.SubscriptionID, d.IncidentID, d.Event))
	}
	slices.Sort(out)
	return out
}

// testClaimPerSubscription: a claim for one subscription takes only its
// deliveries; a claim for any takes every active subscription's.
func testClaimPerSubscription(t *testing.T, s integrationStore) {
	ctx := t.Context()
	a, b := igSubscribe(t, s, true), igSubscribe(t, s, true)
	for range 3 {
		igCreate(t, s, hindsight.IncidentCreate{Outbox: igEvents(hindsight.EventIncidentCreated)})
	}
	now := Epoch.Add(time.Hour)
	if _, err := s.FanOutOutbox(ctx, now, time.Hour, 100); err != nil {
		t.Fatal(err)
	}
	got, err := s.ClaimDeliveries(ctx, hindsight.DeliveryClaim{Subscription: b.ID, Now: now, Lease: time.Minute, Limit: 10})
	if err != nil || len(got) != 3 {
		t.Fatalf("claim of webhook %d: %d, %v; want its 3 deliveries", b.ID, len(got), err)
	}
	for _, d := range got {
		if d.SubscriptionID != b.ID {
			t.Fatalf("claim of webhook %d returned a delivery of webhook %d", b.ID, d.SubscriptionID)
		}
	}
	got, err = igClaim(s, now, 10)
	if err != nil || len(got) != 3 {
		t.Fatalf("claim of any: %d, %v; want webhook %d's 3 (webhook %d's are leased)", len(got), err, a.ID, b.ID)
	}
	for _, d := range got {
		if d.SubscriptionID != a.ID {
			t.Fatalf("claim of any returned a leased delivery of webhook %d", d.SubscriptionID)
		}
	}
}

// testClaimIncidentOrder: per subscription and incident, only the
// earliest pending delivery is claimable; a delivered or failed one lets
// the next go; other incidents and other subscriptions do not wait.
func testClaimIncidentOrder(t *testing.T, s integrationStore) {
	ctx := t.Context()
	sub := igSubscribe(t, s, true)
	other := igSubscribe(t, s, true)
	a := igCreate(t, s, hindsight.IncidentCreate{Outbox: igEvents(hindsight.EventIncidentCreated, hindsight.EventActionItemCreated, hindsight.EventIncidentPublished)})
	b := igCreate(t, s, hindsight.IncidentCreate{Outbox: igEvents(hindsight.EventIncidentCreated)})
	now := Epoch.Add(time.Hour)
	if _, err := s.FanOutOutbox(ctx, now, time.Hour, 100); err != nil {
		t.Fatal(err)
	}
	claim := func(at time.Time) []hindsight.WebhookDelivery {
		t.Helper()
		ds, err := s.ClaimDeliveries(ctx, hindsight.DeliveryClaim{Subscription: sub.ID, Now: at, Lease: time.Minute, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return ds
	}
	want := func(what string, got []hindsight.WebhookDelivery, w ...string) {
		t.Helper()
		var ws []string
		for _, e := range w {
			ws = append(ws, fmt.Sprintf("%d:%s", sub.ID, e))
		}
		slices.Sort(ws)
		if g := deliveryEvents(got); !slices.Equal(g, ws) {
			t.Fatalf("%s: claimed %v, want %v", what, g, ws)
		}
	}
	first := claim(now)
	want("first claim", first, a.ID+":"+hindsight.EventIncidentCreated, b.ID+":"+hindsight.EventIncidentCreated)
	want("while the heads are leased", claim(now))
	var a1 hindsight.WebhookDelivery
	for _, d := range first {
		if d.IncidentID == a.ID {
			a1 = d
		} else if err := s.RecordAttempt(ctx, hindsight.DeliveryAttempt{ID: d.ID, At: now, OK: true, StatusCode: 204}); err != nil {
			t.Fatal(err)
		}
	}
	// the head fails and waits for its retry: the next event still waits
	if err := s.RecordAttempt(ctx, hindsight.DeliveryAttempt{ID: a1.ID, At: now, StatusCode: 503, Error: "HTTP 503", Next: now.Add(5 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	want("while the head is retrying", claim(now.Add(2*time.Minute)))
	// the other subscription's deliveries of the same incident do not wait
	if ds, err := s.ClaimDeliveries(ctx, hindsight.DeliveryClaim{Subscription: other.ID, Now: now, Lease: time.Minute, Limit: 10}); err != nil || len(ds) != 2 {
		t.Fatalf("other webhook: %d, %v; want its two heads", len(ds), err)
	}
	retry := claim(now.Add(5 * time.Minute))
	want("the head's retry", retry, a.ID+":"+hindsight.EventIncidentCreated)
	if err := s.RecordAttempt(ctx, hindsight.DeliveryAttempt{ID: a1.ID, At: now.Add(5 * time.Minute), OK: true, StatusCode: 204}); err != nil {
		t.Fatal(err)
	}
	second := claim(now.Add(5 * time.Minute))
	want("after the head was delivered", second, a.ID+":"+hindsight.EventActionItemCreated)
	// a delivery that gives up lets the next one go too
	if err := s.RecordAttempt(ctx, hindsight.DeliveryAttempt{ID: second[0].ID, At: now.Add(6 * time.Minute), StatusCode: 500, Error: "HTTP 500"}); err != nil {
		t.Fatal(err)
	}
	want("after the second failed for good", claim(now.Add(6*time.Minute)), a.ID+":"+hindsight.EventIncidentPublished)
}

// testConcurrentClaimsOrder: workers claiming one subscription's
// deliveries at once never hold two deliveries of one incident, and claim
// each incident's deliveries in the order they were queued.
func testConcurrentClaimsOrder(t *testing.T, s integrationStore) {
	ctx := t.Context()
	sub := igSubscribe(t, s, true)
	const incidents = 8
	for range incidents {
		igCreate(t, s, hindsight.IncidentCreate{Outbox: igEvents(hindsight.EventIncidentCreated, hindsight.EventActionItemCreated, hindsight.EventActionItemClosed)})
	}
	now := Epoch.Add(time.Hour)
	if _, err := s.FanOutOutbox(ctx, now, time.Hour, 100); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	inflight := map[string]int64{}
	order := map[string][]int64{}
	claimed := 0
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for idle := 0; idle < 3; {
				ds, err := s.ClaimDeliveries(ctx, hindsight.DeliveryClaim{Subscription: sub.ID, Now: now, Lease: time.Minute, Limit: 3})
				if err != nil {
					t.Error(err)
					return
				}
				if len(ds) == 0 {
					idle++
					time.Sleep(5 * time.Millisecond)
					continue
				}
				idle = 0
				mu.Lock()
				for _, d := range ds {
					if other, busy := inflight[d.IncidentID]; busy {
						t.Errorf("deliveries %d and %d of incident %s claimed at once", other, d.ID, d.IncidentID)
					}
					inflight[d.IncidentID] = d.ID
					order[d.IncidentID] = append(order[d.IncidentID], d.OutboxID)
					claimed++
				}
				mu.Unlock()
				for _, d := range ds {
					mu.Lock()
					delete(inflight, d.IncidentID) // before the outcome is committed
					mu.Unlock()
					if err := s.RecordAttempt(ctx, hindsight.DeliveryAttempt{ID: d.ID, At: now, OK: true, StatusCode: 204}); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	if claimed != 3*incidents {
		t.Fatalf("%d deliveries claimed, want %d", claimed, 3*incidents)
	}
	for id, o := range order {
		if !slices.IsSorted(o) || len(o) != 3 {
			t.Errorf("incident %s: outbox events claimed in the order %v, want 3 ascending", id, o)
		}
	}
}

// testPauseResume: disabling a subscription pauses its deliveries (kept
// pending, not claimable, new events still queued); enabling resumes them
// (due at once, retry windows moved by the paused time); deleting returns
// the number of pending deliveries it discarded.
func testPauseResume(t *testing.T, s integrationStore, clk *Clock) {
	ctx := t.Context()
	sub := igSubscribe(t, s, true)
	a := igCreate(t, s, hindsight.IncidentCreate{Outbox: igEvents(hindsight.EventIncidentCreated, hindsight.EventActionItemCreated)})
	t0 := clk.Now()
	if _, err := s.FanOutOutbox(ctx, t0, time.Hour, 100); err != nil {
		t.Fatal(err)
	}
	ds, err := igClaim(s, t0, 10)
	if err != nil || len(ds) != 1 {
		t.Fatalf("claim: %d, %v", len(ds), err)
	}
	head := ds[0]
	if err := s.RecordAttempt(ctx, hindsight.DeliveryAttempt{ID: head.ID, At: t0, StatusCode: 503, Error: "HTTP 503", Next: t0.Add(10 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	sub.Active = false
	if err := s.UpdateWebhook(ctx, sub); err != nil {
		t.Fatal(err)
	}
	paused, err := s.FindWebhookByID(ctx, sub.ID)
	if err != nil || paused.Active || paused.PausedAt.IsZero() || paused.Pending != 2 || paused.OldestPending.IsZero() || paused.OldestPending.After(t0) {
		t.Fatalf("disabled webhook: %+v, %v; want inactive, paused_at set, 2 pending, the oldest from before %v", paused, err, t0)
	}
	if ds, _ := igClaim(s, t0.Add(20*time.Minute), 10); len(ds) != 0 {
		t.Fatalf("claimed %d deliveries of a disabled webhook", len(ds))
	}
	if all, _ := s.FindDeliveries(ctx, hindsight.DeliveryFilter{SubscriptionID: sub.ID}); len(all) != 2 || all[0].Status != hindsight.DeliveryPending || all[1].Status != hindsight.DeliveryPending {
		t.Fatalf("deliveries of a disabled webhook: %+v; want 2 still pending", all)
	}
	// an event while paused is queued for it
	b := igCreate(t, s, hindsight.IncidentCreate{Outbox: igEvents(hindsight.EventIncidentCreated)})
	clk.Advance(30 * time.Minute)
	t1 := clk.Now()
	if n, err := s.FanOutOutbox(ctx, t1, time.Hour, 100); err != nil || n != 1 {
		t.Fatalf("fan-out while paused: %d, %v", n, err)
	}
	clk.Advance(2 * time.Hour) // paused longer than the retry window
	sub.Active = true
	if err := s.UpdateWebhook(ctx, sub); err != nil {
		t.Fatal(err)
	}
	resumed := sub.UpdatedAt
	if !sub.PausedAt.IsZero() || sub.Pending != 3 {
		t.Fatalf("enabled webhook: paused_at %v, pending %d; want zero and 3", sub.PausedAt, sub.Pending)
	}
	all, err := s.FindDeliveries(ctx, hindsight.DeliveryFilter{SubscriptionID: sub.ID})
	if err != nil || len(all) != 3 {
		t.Fatalf("deliveries: %d, %v", len(all), err)
	}
	for _, d := range all {
		if d.Status != hindsight.DeliveryPending || d.NextAttempt.After(resumed) {
			t.Errorf("delivery %d after enabling: %s, next attempt %v; want pending and due by %v", d.ID, d.Status, d.NextAttempt, resumed)
		}
		var want time.Time
		switch {
		case d.IncidentID == b.ID: // queued while paused: paused since it was queued
			want = t1.Add(time.Hour).Add(resumed.Sub(t1))
		default: // queued before: paused since the webhook was disabled
			want = t0.Add(time.Hour).Add(resumed.Sub(paused.PausedAt))
		}
		if !d.RetryUntil.Equal(want) {
			t.Errorf("delivery %d (%s %s): retry until %v, want %v (moved by the paused time)", d.ID, d.IncidentID, d.Event, d.RetryUntil, want)
		}
	}
	got, err := igClaim(s, resumed, 10)
	if err != nil {
		t.Fatal(err)
	}
	if g := deliveryEvents(got); !slices.Equal(g, []string{
		fmt.Sprintf("%d:%s:%s", sub.ID, a.ID, hindsight.EventIncidentCreated),
		fmt.Sprintf("%d:%s:%s", sub.ID, b.ID, hindsight.EventIncidentCreated),
	}) {
		t.Fatalf("claim after enabling: %v; want both incidents' first events", g)
	}
	// removing discards: the count is what was pending
	if n, err := s.DeleteWebhook(ctx, sub.ID); err != nil || n != 3 {
		t.Fatalf("DeleteWebhook = %d, %v; want 3 pending discarded", n, err)
	}
}

func ctxBackground() context.Context { return context.Background() }
