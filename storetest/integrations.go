package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
)

// RunIntegrations runs the conformance suite of hindsight.AlertStore and
// hindsight.WebhookStore against stores made by open, which must implement
// both.
func RunIntegrations(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s integrationStore)
	}{
		{"AlertEventsClaimFinishRelease", testAlertEvents},
		{"AlertBatchFoundByRevisionMessage", testAlertBatch},
		{"AlertGroups", testAlertGroups},
		{"WebhookCRUD", testWebhookCRUD},
		{"FanOutOncePerSubscription", testFanOut},
		{"ConcurrentFanOutExactlyOnce", testConcurrentFanOut},
		{"ClaimLeaseAttemptsRedeliver", testDeliveryLifecycle},
		{"ConcurrentClaimsDisjoint", testConcurrentClaims},
		{"OverdueQueuedOnce", testOverdueOnce},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := open(t, Config{Render: markdown.Render, Clock: NewClock(Epoch).Now})
			s, ok := st.(integrationStore)
			if !ok {
				t.Fatalf("%T does not implement hindsight.AlertStore and hindsight.WebhookStore", st)
			}
			tc.fn(t, s)
		})
	}
}

type integrationStore interface {
	hindsight.Store
	hindsight.AlertStore
	hindsight.WebhookStore
}

func igCode(t *testing.T, what string, err error, code hindsight.Code) {
	t.Helper()
	if got := hindsight.ErrorCode(err); got != code {
		t.Fatalf("%s: error code %q (%v), want %q", what, got, err, code)
	}
}

func igCreate(t *testing.T, s hindsight.Store, c hindsight.IncidentCreate) *hindsight.Incident {
	t.Helper()
	if c.Doc == nil {
		c.Doc = &hindsight.Postmortem{Title: "integration test", Status: hindsight.StatusDraft}
	}
	if c.Author == "" {
		c.Author = "alertmanager"
	}
	inc, err := s.CreateIncident(t.Context(), c)
	if err != nil {
		t.Fatalf("CreateIncident: %v", err)
	}
	return inc
}

func testAlertEvents(t *testing.T, s integrationStore) {
	ctx := t.Context()
	claimed, existing, err := s.ClaimAlertEvents(ctx, "alertmanager", "b1", []string{"k1", "k2", "k1", ""}, Epoch)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(claimed, []string{"k1", "k2"}) || len(existing) != 0 {
		t.Fatalf("first claim: claimed %v existing %v, want [k1 k2] and none", claimed, existing)
	}
	// the same keys under another source are other events
	if c, _, err := s.ClaimAlertEvents(ctx, "pagerduty", "b9", []string{"k1"}, Epoch); err != nil || len(c) != 1 {
		t.Fatalf("claim in another source: %v %v", c, err)
	}
	claimed, existing, err = s.ClaimAlertEvents(ctx, "alertmanager", "b2", []string{"k2", "k3"}, Epoch)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(claimed, []string{"k3"}) || len(existing) != 1 || existing[0].Key != "k2" || existing[0].Batch != "b1" || existing[0].State != hindsight.AlertPending {
		t.Fatalf("second claim: claimed %v existing %+v", claimed, existing)
	}
	if !existing[0].At.Equal(Epoch) {
		t.Errorf("claim time %v, want %v", existing[0].At, Epoch)
	}
	if err := s.FinishAlertEvents(ctx, "alertmanager", "b1", "INC-20261126-001", &hindsight.AlertGroup{Source: "alertmanager", Key: "g1", IncidentID: "INC-20261126-001", Open: true}); err != nil {
		t.Fatal(err)
	}
	if g, err := s.FindAlertGroup(ctx, "alertmanager", "g1"); err != nil || g.IncidentID != "INC-20261126-001" || !g.Open {
		t.Fatalf("group written with the finished batch: %+v, %v", g, err)
	}
	found, err := s.FindAlertEvents(ctx, "alertmanager", []string{"k1", "k2", "k3", "nope"})
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	for _, e := range found {
		states[e.Key] = e.State + " " + e.Batch + " " + e.IncidentID
	}
	if jsonString(states) != jsonString(map[string]string{"k1": "done b1 INC-20261126-001", "k2": "done b1 INC-20261126-001", "k3": "pending b2 "}) {
		t.Fatalf("FindAlertEvents: %v", states)
	}
	if found, err := s.FindAlertEvents(ctx, "alertmanager", nil); err != nil || len(found) != 0 {
		t.Fatalf("FindAlertEvents(none) = %v, %v", found, err)
	}
	if err := s.ReleaseAlertEvents(ctx, "alertmanager", "b2"); err != nil {
		t.Fatal(err)
	}
	// b1's keys are done; b2's released key can be claimed again
	claimed, existing, err = s.ClaimAlertEvents(ctx, "alertmanager", "b3", []string{"k1", "k3"}, Epoch)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(claimed, []string{"k3"}) || len(existing) != 1 || existing[0].State != hindsight.AlertDone || existing[0].IncidentID != "INC-20261126-001" {
		t.Fatalf("third claim: claimed %v existing %+v", claimed, existing)
	}
	// releasing a finished batch changes nothing
	if err := s.ReleaseAlertEvents(ctx, "alertmanager", "b1"); err != nil {
		t.Fatal(err)
	}
	if _, existing, _ := s.ClaimAlertEvents(ctx, "alertmanager", "b4", []string{"k1"}, Epoch); len(existing) != 1 || existing[0].State != hindsight.AlertDone {
		t.Fatalf("done event released: %+v", existing)
	}
	_, _, err = s.ClaimAlertEvents(ctx, "", "b5", []string{"x"}, Epoch)
	igCode(t, "claim without source", err, hindsight.EInvalid)
	_, _, err = s.ClaimAlertEvents(ctx, "generic", "b5", []string{"bad\x00key"}, Epoch)
	if err != nil {
		t.Fatalf("a key with a NUL byte must be cleaned, not refused: %v", err)
	}
}

func testAlertBatch(t *testing.T, s integrationStore) {
	ctx := t.Context()
	inc := igCreate(t, s, hindsight.IncidentCreate{Message: "opened from alertmanager " + hindsight.BatchMarker("abc123")})
	id, err := s.FindAlertBatch(ctx, "abc123")
	if err != nil || id != inc.ID {
		t.Fatalf("FindAlertBatch(abc123) = %q, %v; want %q", id, err, inc.ID)
	}
	if id, err := s.FindAlertBatch(ctx, "abc12"); err != nil || id != "" {
		t.Fatalf("a prefix of a batch ID matched: %q %v", id, err)
	}
	if id, err := s.FindAlertBatch(ctx, "nope"); err != nil || id != "" {
		t.Fatalf("FindAlertBatch(nope) = %q, %v", id, err)
	}
	_, err = s.FindAlertBatch(ctx, "a%b")
	igCode(t, "batch with a LIKE wildcard", err, hindsight.EInvalid)
}

func testAlertGroups(t *testing.T, s integrationStore) {
	ctx := t.Context()
	_, err := s.FindAlertGroup(ctx, "alertmanager", "{}:{alertname=\"X\"}")
	igCode(t, "missing group", err, hindsight.ENotFound)
	g := hindsight.AlertGroup{Source: "alertmanager", Key: "{}:{alertname=\"X\"}", IncidentID: "INC-20261126-001", Open: true}
	if err := s.PutAlertGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	got, err := s.FindAlertGroup(ctx, g.Source, g.Key)
	if err != nil || got.IncidentID != g.IncidentID || !got.Open || got.CreatedAt.IsZero() {
		t.Fatalf("FindAlertGroup = %+v, %v", got, err)
	}
	g.Open = false
	if err := s.PutAlertGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	got2, err := s.FindAlertGroup(ctx, g.Source, g.Key)
	if err != nil || got2.Open || !got2.CreatedAt.Equal(got.CreatedAt) {
		t.Fatalf("closed group = %+v, %v (created %v before)", got2, err, got.CreatedAt)
	}
	g.IncidentID, g.Open = "INC-20261126-002", true
	if err := s.PutAlertGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	if got3, _ := s.FindAlertGroup(ctx, g.Source, g.Key); got3 == nil || got3.IncidentID != "INC-20261126-002" || !got3.Open {
		t.Fatalf("reopened group = %+v", got3)
	}
	igCode(t, "group without key", s.PutAlertGroup(ctx, hindsight.AlertGroup{Source: "x"}), hindsight.EInvalid)
}

func testWebhookCRUD(t *testing.T, s integrationStore) {
	ctx := t.Context()
	w := &hindsight.WebhookSubscription{URL: "http://127.0.0.1:9/hook", Events: []string{hindsight.EventIncidentCreated}, Secret: "s3cret", Format: hindsight.FormatJSON, Active: true, Description: "chat"}
	if err := s.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	if w.ID == 0 || w.CreatedAt.IsZero() {
		t.Fatalf("created webhook has no ID or time: %+v", w)
	}
	got, err := s.FindWebhookByID(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.URL != w.URL || !slices.Equal(got.Events, w.Events) || got.Secret != "s3cret" || !got.Active || got.Format != "json" || got.Description != "chat" {
		t.Fatalf("read back %+v, want %+v", got, w)
	}
	w.Events = []string{hindsight.EventIncidentPublished, hindsight.EventActionItemClosed}
	w.Active = false
	w.Format = hindsight.FormatSlack
	if err := s.UpdateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	all, err := s.FindWebhooks(ctx)
	if err != nil || len(all) != 1 || all[0].Active || !slices.Equal(all[0].Events, w.Events) || all[0].Format != "slack" {
		t.Fatalf("FindWebhooks = %+v, %v", all, err)
	}
	igCode(t, "update missing", s.UpdateWebhook(ctx, &hindsight.WebhookSubscription{ID: 999, URL: "x"}), hindsight.ENotFound)
	igCode(t, "bad event name", s.CreateWebhook(ctx, &hindsight.WebhookSubscription{URL: "x", Events: []string{"a,b"}}), hindsight.EInvalid)
	if err := s.DeleteWebhook(ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.FindWebhookByID(ctx, w.ID)
	igCode(t, "find deleted", err, hindsight.ENotFound)
	igCode(t, "delete again", s.DeleteWebhook(ctx, w.ID), hindsight.ENotFound)
}

func igEvent(name string) hindsight.OutboxEvent {
	b, _ := json.Marshal(map[string]string{"event": name, "incident_id": ""})
	return hindsight.OutboxEvent{Event: name, Payload: b}
}

func testFanOut(t *testing.T, s integrationStore) {
	ctx := t.Context()
	created := &hindsight.WebhookSubscription{URL: "http://127.0.0.1:9/a", Events: []string{hindsight.EventIncidentCreated}, Format: "json", Active: true}
	all := &hindsight.WebhookSubscription{URL: "http://127.0.0.1:9/b", Events: []string{"*"}, Format: "json", Active: true}
	off := &hindsight.WebhookSubscription{URL: "http://127.0.0.1:9/c", Events: []string{"*"}, Format: "json", Active: false}
	for _, w := range []*hindsight.WebhookSubscription{created, all, off} {
		if err := s.CreateWebhook(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	open := igCreate(t, s, hindsight.IncidentCreate{Outbox: []hindsight.OutboxEvent{igEvent(hindsight.EventIncidentCreated), igEvent(hindsight.EventActionItemCreated)}})
	secret := igCreate(t, s, hindsight.IncidentCreate{Restricted: true, Members: []string{"bob"}, Outbox: []hindsight.OutboxEvent{igEvent(hindsight.EventIncidentCreated)}})
	now := Epoch.Add(time.Hour)
	n, err := s.FanOutOutbox(ctx, now, 24*time.Hour, 100)
	if err != nil || n != 3 {
		t.Fatalf("FanOutOutbox = %d, %v; want 3 outbox rows", n, err)
	}
	if n, err := s.FanOutOutbox(ctx, now, 24*time.Hour, 100); err != nil || n != 0 {
		t.Fatalf("second FanOutOutbox = %d, %v; want 0", n, err)
	}
	ds, err := s.FindDeliveries(ctx, hindsight.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, d := range ds {
		got[fmt.Sprintf("%d %s %s %v", d.SubscriptionID, d.Event, d.IncidentID, d.Restricted)]++
		if d.Status != hindsight.DeliveryPending || !d.NextAttempt.Equal(now) || !d.RetryUntil.Equal(now.Add(24*time.Hour)) || len(d.Payload) == 0 {
			t.Errorf("delivery %+v: want pending, due %v, retried until +24h, with payload", d, now)
		}
	}
	want := map[string]int{
		fmt.Sprintf("%d incident.created %s false", created.ID, open.ID):  1,
		fmt.Sprintf("%d incident.created %s false", all.ID, open.ID):      1,
		fmt.Sprintf("%d action_item.created %s false", all.ID, open.ID):   1,
		fmt.Sprintf("%d incident.created %s true", created.ID, secret.ID): 1,
		fmt.Sprintf("%d incident.created %s true", all.ID, secret.ID):     1,
	}
	if jsonString(got) != jsonString(want) {
		t.Fatalf("deliveries %v, want %v", got, want)
	}
	only, err := s.FindDeliveries(ctx, hindsight.DeliveryFilter{SubscriptionID: created.ID})
	if err != nil || len(only) != 2 {
		t.Fatalf("deliveries of subscription %d: %d, %v; want 2", created.ID, len(only), err)
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func testConcurrentFanOut(t *testing.T, s integrationStore) {
	ctx := t.Context()
	w := &hindsight.WebhookSubscription{URL: "http://127.0.0.1:9/a", Events: []string{"*"}, Format: "json", Active: true}
	if err := s.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	const incidents = 20
	for range incidents {
		igCreate(t, s, hindsight.IncidentCreate{Outbox: []hindsight.OutboxEvent{igEvent(hindsight.EventIncidentCreated)}})
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n, err := s.FanOutOutbox(ctx, Epoch.Add(time.Hour), time.Hour, 3)
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
				mu.Lock()
				total += n
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	ds, err := s.FindDeliveries(ctx, hindsight.DeliveryFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if total != incidents || len(ds) != incidents {
		t.Fatalf("%d outbox rows handed out and %d deliveries; want %d of each", total, len(ds), incidents)
	}
}

func testDeliveryLifecycle(t *testing.T, s integrationStore) {
	ctx := t.Context()
	w := &hindsight.WebhookSubscription{URL: "http://127.0.0.1:9/a", Events: []string{"*"}, Format: "json", Active: true}
	if err := s.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	igCreate(t, s, hindsight.IncidentCreate{Outbox: []hindsight.OutboxEvent{igEvent(hindsight.EventIncidentCreated), igEvent(hindsight.EventActionItemCreated)}})
	t0 := Epoch.Add(time.Hour)
	if _, err := s.FanOutOutbox(ctx, t0, 10*time.Minute, 10); err != nil {
		t.Fatal(err)
	}
	got, err := s.ClaimDeliveries(ctx, t0, time.Minute, 1)
	if err != nil || len(got) != 1 {
		t.Fatalf("claim 1: %d, %v", len(got), err)
	}
	first := got[0]
	// leased: a second claim gets only the other one
	got, err = s.ClaimDeliveries(ctx, t0, time.Minute, 10)
	if err != nil || len(got) != 1 || got[0].ID == first.ID {
		t.Fatalf("claim while leased: %+v, %v", got, err)
	}
	second := got[0]
	if got, _ := s.ClaimDeliveries(ctx, t0.Add(30*time.Second), time.Minute, 10); len(got) != 0 {
		t.Fatalf("claimed %d leased deliveries", len(got))
	}
	// the first fails and is due again later; the second succeeds
	if err := s.RecordAttempt(ctx, hindsight.DeliveryAttempt{ID: first.ID, At: t0, StatusCode: 503, Error: "503 Service Unavailable", Next: t0.Add(2 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordAttempt(ctx, hindsight.DeliveryAttempt{ID: second.ID, At: t0, OK: true, StatusCode: 204}); err != nil {
		t.Fatal(err)
	}
	d, err := s.FindDeliveryByID(ctx, first.ID)
	if err != nil || d.Status != hindsight.DeliveryPending || d.Attempts != 1 || d.LastStatus != 503 || d.LastError == "" || !d.NextAttempt.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("after a failed attempt: %+v, %v", d, err)
	}
	d, err = s.FindDeliveryByID(ctx, second.ID)
	if err != nil || d.Status != hindsight.DeliveryDelivered || d.Attempts != 1 || !d.DeliveredAt.Equal(t0) {
		t.Fatalf("after a good attempt: %+v, %v", d, err)
	}
	if got, _ := s.ClaimDeliveries(ctx, t0.Add(90*time.Second), time.Minute, 10); len(got) != 0 {
		t.Fatalf("claimed a delivery before it was due: %+v", got)
	}
	got, err = s.ClaimDeliveries(ctx, t0.Add(2*time.Minute), time.Minute, 10)
	if err != nil || len(got) != 1 || got[0].ID != first.ID || got[0].Attempts != 1 {
		t.Fatalf("claim when due: %+v, %v", got, err)
	}
	// gives up
	if err := s.RecordAttempt(ctx, hindsight.DeliveryAttempt{ID: first.ID, At: t0.Add(2 * time.Minute), Error: "connection refused"}); err != nil {
		t.Fatal(err)
	}
	failed, err := s.FindDeliveries(ctx, hindsight.DeliveryFilter{Status: hindsight.DeliveryFailed})
	if err != nil || len(failed) != 1 || failed[0].ID != first.ID || failed[0].Attempts != 2 || failed[0].LastStatus != 0 {
		t.Fatalf("failed deliveries: %+v, %v", failed, err)
	}
	t1 := t0.Add(time.Hour)
	if err := s.Redeliver(ctx, first.ID, t1, time.Hour); err != nil {
		t.Fatal(err)
	}
	got, err = s.ClaimDeliveries(ctx, t1, time.Minute, 10)
	if err != nil || len(got) != 1 || got[0].ID != first.ID || !got[0].RetryUntil.Equal(t1.Add(time.Hour)) {
		t.Fatalf("claim after redeliver: %+v, %v", got, err)
	}
	igCode(t, "redeliver missing", s.Redeliver(ctx, 999, t1, time.Hour), hindsight.ENotFound)
	igCode(t, "attempt of missing", s.RecordAttempt(ctx, hindsight.DeliveryAttempt{ID: 999, At: t1}), hindsight.ENotFound)
	_, err = s.FindDeliveryByID(ctx, 999)
	igCode(t, "find missing", err, hindsight.ENotFound)
	// deleting the subscription removes its deliveries
	if err := s.DeleteWebhook(ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	if ds, _ := s.FindDeliveries(ctx, hindsight.DeliveryFilter{}); len(ds) != 0 {
		t.Fatalf("%d deliveries left after the subscription was deleted", len(ds))
	}
}

func testOverdueOnce(t *testing.T, s integrationStore) {
	ctx := t.Context()
	w := &hindsight.WebhookSubscription{URL: "http://127.0.0.1:9/a", Events: []string{hindsight.EventActionItemOverdue}, Format: "json", Active: true}
	if err := s.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	items := []hindsight.OverdueItem{
		{IncidentID: "INC-20261101-001", ItemKey: "AI-001", TargetDate: day, Payload: []byte(`{"event":"action_item.overdue"}`)},
		{IncidentID: "INC-20261101-001", ItemKey: "AI-002", TargetDate: day, Payload: []byte(`{}`)},
	}
	n, err := s.QueueOverdue(ctx, items, Epoch)
	if err != nil || n != 2 {
		t.Fatalf("QueueOverdue = %d, %v; want 2", n, err)
	}
	if n, err := s.QueueOverdue(ctx, items, Epoch.Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("QueueOverdue again = %d, %v; want 0", n, err)
	}
	// a new target date is a new overdue
	items[0].TargetDate = day.AddDate(0, 0, 3)
	if n, err := s.QueueOverdue(ctx, items, Epoch.Add(2*time.Hour)); err != nil || n != 1 {
		t.Fatalf("QueueOverdue with a moved target = %d, %v; want 1", n, err)
	}
	if n, err := s.FanOutOutbox(ctx, Epoch.Add(3*time.Hour), time.Hour, 100); err != nil || n != 3 {
		t.Fatalf("fan out of overdue events = %d, %v; want 3", n, err)
	}
	ds, _ := s.FindDeliveries(ctx, hindsight.DeliveryFilter{})
	if len(ds) != 3 || ds[0].Event != hindsight.EventActionItemOverdue || ds[0].IncidentID != "INC-20261101-001" {
		t.Fatalf("overdue deliveries: %+v", ds)
	}
}

func testConcurrentClaims(t *testing.T, s integrationStore) {
	ctx := t.Context()
	w := &hindsight.WebhookSubscription{URL: "http://127.0.0.1:9/a", Events: []string{"*"}, Format: "json", Active: true}
	if err := s.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	const n = 30
	for range n {
		igCreate(t, s, hindsight.IncidentCreate{Outbox: []hindsight.OutboxEvent{igEvent(hindsight.EventIncidentCreated)}})
	}
	now := Epoch.Add(time.Hour)
	if k, err := s.FanOutOutbox(ctx, now, time.Hour, 100); err != nil || k != n {
		t.Fatalf("fan out: %d, %v", k, err)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	got := map[int64]int{}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				ds, err := s.ClaimDeliveries(ctx, now, time.Minute, 4)
				if err != nil {
					t.Error(err)
					return
				}
				if len(ds) == 0 {
					return
				}
				mu.Lock()
				for _, d := range ds {
					got[d.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(got) != n {
		t.Fatalf("%d deliveries claimed, want %d", len(got), n)
	}
	for id, c := range got {
		if c != 1 {
			t.Errorf("delivery %d claimed %d times while leased", id, c)
		}
	}
}
