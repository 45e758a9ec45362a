package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
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
		{"AlertEnqueueOncePerKey", testAlertEnqueue},
		{"AlertInboxClaimPerGroup", testAlertInboxClaim},
		{"AlertInboxFinishRelease", testAlertInboxFinish},
		{"AlertInboxConcurrentClaims", testAlertInboxConcurrentClaims},
		{"AlertDeliveriesFoundByRevisionMessage", testAlertDeliveries},
		{"AlertGroups", testAlertGroups},
		{"WebhookCRUD", testWebhookCRUD},
		{"FanOutOncePerSubscription", testFanOut},
		{"ConcurrentFanOutExactlyOnce", testConcurrentFanOut},
		{"ClaimLeaseAttemptsRedeliver", testDeliveryLifecycle},
		{"ConcurrentClaimsDisjoint", testConcurrentClaims},
		{"OverdueQueuedOnce", testOverdueOnce},
		{"ClaimPerSubscription", testClaimPerSubscription},
		{"ClaimInIncidentOrder", testClaimIncidentOrder},
		{"ConcurrentClaimsKeepIncidentOrder", testConcurrentClaimsOrder},
	}
	clocked := []struct {
		name string
		fn   func(t *testing.T, s integrationStore, clk *Clock)
	}{
		{"DisablePausesEnableResumesDeleteCounts", testPauseResume},
	}
	for _, tc := range clocked {
		t.Run(tc.name, func(t *testing.T) {
			clk := NewClock(Epoch)
			st := open(t, Config{Render: markdown.Render, Clock: clk.Now})
			s, ok := st.(integrationStore)
			if !ok {
				t.Fatalf("%T does not implement hindsight.AlertStore and hindsight.WebhookStore", st)
			}
			tc.fn(t, s, clk)
		})
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

// igEnqueue enqueues a delivery whose payload is its new keys, space-separated.
func igEnqueue(t *testing.T, s integrationStore, source, group, delivery string, closes bool, keys ...string) []string {
	t.Helper()
	fresh, err := s.EnqueueAlert(t.Context(), hindsight.AlertInboxEntry{Source: source, Group: group, Delivery: delivery, Closes: closes, ReceivedAt: Epoch},
		keys, func(fresh []string) ([]byte, error) { return []byte(strings.Join(fresh, " ")), nil })
	if err != nil {
		t.Fatalf("EnqueueAlert(%s): %v", delivery, err)
	}
	return fresh
}

func inboxDeliveries(es []hindsight.AlertInboxEntry) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.Delivery)
	}
	return out
}

func testAlertEnqueue(t *testing.T, s integrationStore) {
	ctx := t.Context()
	var encoded []string
	fresh, err := s.EnqueueAlert(ctx, hindsight.AlertInboxEntry{Source: "alertmanager", Group: "g1", Delivery: "d1", ReceivedAt: Epoch},
		[]string{"k2", "k1", "k2", ""}, func(fresh []string) ([]byte, error) {
			encoded = fresh
			return []byte("payload-1"), nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(fresh, []string{"k2", "k1"}) || !slices.Equal(encoded, fresh) {
		t.Fatalf("first delivery: new %v, encoded %v; want [k2 k1] in the caller's order, each once", fresh, encoded)
	}
	// the same keys under another source are other events
	if f := igEnqueue(t, s, "pagerduty", "g1", "d2", false, "k1"); !slices.Equal(f, []string{"k1"}) {
		t.Fatalf("another source: %v", f)
	}
	// a delivery with one known key and one new
	if f := igEnqueue(t, s, "alertmanager", "g1", "d3", true, "k1", "k3"); !slices.Equal(f, []string{"k3"}) {
		t.Fatalf("second delivery: %v, want [k3]", f)
	}
	// a duplicate delivery: nothing written, the encoder not called
	called := false
	fresh, err = s.EnqueueAlert(ctx, hindsight.AlertInboxEntry{Source: "alertmanager", Group: "g1", Delivery: "d4", ReceivedAt: Epoch},
		[]string{"k1", "k2", "k3"}, func([]string) ([]byte, error) { called = true; return nil, nil })
	if err != nil || len(fresh) != 0 || called {
		t.Fatalf("duplicate delivery: %v, %v (encoder called %v)", fresh, err, called)
	}
	in, err := s.FindAlertInbox(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(inboxDeliveries(in), []string{"d1", "d2", "d3"}) {
		t.Fatalf("inbox %v, want d1 d2 d3", inboxDeliveries(in))
	}
	e := in[0]
	if e.Source != "alertmanager" || e.Group != "g1" || e.Events != 2 || e.Closes || string(e.Payload) != "payload-1" ||
		!e.ReceivedAt.Equal(Epoch) || !e.LeaseUntil.IsZero() || e.Attempts != 0 || e.LastError != "" || e.ID == 0 {
		t.Fatalf("entry read back: %+v", e)
	}
	if !in[2].Closes || in[2].Events != 1 || in[2].ID <= in[0].ID {
		t.Fatalf("third entry: %+v", in[2])
	}
	if l, err := s.FindAlertInbox(ctx, 2); err != nil || len(l) != 2 {
		t.Fatalf("FindAlertInbox(limit 2): %d, %v", len(l), err)
	}
	found, err := s.FindAlertEvents(ctx, "alertmanager", []string{"k1", "k2", "k3", "nope"})
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	for _, e := range found {
		states[e.Key] = e.State + " " + e.Batch
		if !e.At.Equal(Epoch) {
			t.Errorf("event %s at %v, want %v", e.Key, e.At, Epoch)
		}
	}
	if jsonString(states) != jsonString(map[string]string{"k1": "queued d1", "k2": "queued d1", "k3": "queued d3"}) {
		t.Fatalf("FindAlertEvents: %v", states)
	}
	if found, err := s.FindAlertEvents(ctx, "alertmanager", nil); err != nil || len(found) != 0 {
		t.Fatalf("FindAlertEvents(none) = %v, %v", found, err)
	}
	st, err := s.AlertInboxStats(ctx, Epoch)
	if err != nil || st.Entries != 3 || st.Events != 4 || st.Claimed != 0 || !st.Oldest.Equal(Epoch) {
		t.Fatalf("stats %+v, %v", st, err)
	}
	// an encoder failure writes nothing
	_, err = s.EnqueueAlert(ctx, hindsight.AlertInboxEntry{Source: "generic", Group: "g", Delivery: "d5", ReceivedAt: Epoch},
		[]string{"x1"}, func([]string) ([]byte, error) { return nil, hindsight.Errorf(hindsight.EInvalid, "cannot encode") })
	igCode(t, "encoder failure", err, hindsight.EInvalid)
	if ev, _ := s.FindAlertEvents(ctx, "generic", []string{"x1"}); len(ev) != 0 {
		t.Fatalf("a failed enqueue left events: %+v", ev)
	}
	_, err = s.EnqueueAlert(ctx, hindsight.AlertInboxEntry{Group: "g", Delivery: "d6"}, []string{"x"}, func([]string) ([]byte, error) { return nil, nil })
	igCode(t, "enqueue without source", err, hindsight.EInvalid)
	if f := igEnqueue(t, s, "generic", "g", "d7", false, "bad\x00key"); len(f) != 1 || f[0] != "bad\x00key" {
		t.Fatalf("a key with a NUL byte must be cleaned, not refused, and named as given: %q", f)
	}
	if ev, _ := s.FindAlertEvents(ctx, "generic", []string{"badkey"}); len(ev) != 1 {
		t.Fatalf("cleaned key not stored: %+v", ev)
	}
	// several deliveries in one transaction: a key of a later one that an
	// earlier one holds is not new
	enc := func(fresh []string) ([]byte, error) { return []byte(strings.Join(fresh, " ")), nil }
	got, err := s.EnqueueAlerts(ctx, []hindsight.AlertEnqueue{
		{Entry: hindsight.AlertInboxEntry{Source: "generic", Group: "b", Delivery: "b1", ReceivedAt: Epoch}, Keys: []string{"y1", "y2"}, Encode: enc},
		{Entry: hindsight.AlertInboxEntry{Source: "generic", Group: "b", Delivery: "b2", ReceivedAt: Epoch}, Keys: []string{"y2", "y3"}, Encode: enc},
		{Entry: hindsight.AlertInboxEntry{Source: "generic", Group: "b", Delivery: "b3", ReceivedAt: Epoch}, Keys: []string{"y1"}, Encode: enc},
	})
	if err != nil || jsonString(got) != jsonString([][]string{{"y1", "y2"}, {"y3"}, nil}) {
		t.Fatalf("EnqueueAlerts = %v, %v; want [[y1 y2] [y3] []]", got, err)
	}
	// one failure records none of the batch
	_, err = s.EnqueueAlerts(ctx, []hindsight.AlertEnqueue{
		{Entry: hindsight.AlertInboxEntry{Source: "generic", Group: "c", Delivery: "c1", ReceivedAt: Epoch}, Keys: []string{"z1"}, Encode: enc},
		{Entry: hindsight.AlertInboxEntry{Source: "generic", Group: "c", Delivery: "c2", ReceivedAt: Epoch}, Keys: []string{"z2"},
			Encode: func([]string) ([]byte, error) { return nil, hindsight.Errorf(hindsight.EInvalid, "no") }},
	})
	igCode(t, "batch with a failing encoder", err, hindsight.EInvalid)
	if ev, _ := s.FindAlertEvents(ctx, "generic", []string{"z1", "z2"}); len(ev) != 0 {
		t.Fatalf("a failed batch left events: %+v", ev)
	}
	if got, err := s.EnqueueAlerts(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("EnqueueAlerts(none) = %v, %v", got, err)
	}
	// many keys at once (more than one statement's worth)
	many := make([]string, 450)
	for i := range many {
		many[i] = fmt.Sprintf("m%03d", i)
	}
	if f := igEnqueue(t, s, "generic", "big", "d8", false, many...); len(f) != 450 {
		t.Fatalf("450 keys: %d new", len(f))
	}
	if f := igEnqueue(t, s, "generic", "big", "d9", false, append(many[:10:10], "m-new")...); !slices.Equal(f, []string{"m-new"}) {
		t.Fatalf("resend of 10 with one new: %v", f)
	}
}

func testAlertInboxClaim(t *testing.T, s integrationStore) {
	ctx := t.Context()
	// g1: a1, a2 (closes), a3; g2: b1; g3: c1; g1 again later
	igEnqueue(t, s, "alertmanager", "g1", "a1", false, "a1")
	igEnqueue(t, s, "alertmanager", "g2", "b1", false, "b1")
	igEnqueue(t, s, "alertmanager", "g1", "a2", true, "a2")
	igEnqueue(t, s, "generic", "g1", "c1", false, "c1") // same group name, other source
	igEnqueue(t, s, "alertmanager", "g1", "a3", false, "a3")
	now := Epoch.Add(time.Hour)
	claim := func(at time.Time, groups, per int) []hindsight.AlertInboxEntry {
		t.Helper()
		es, err := s.ClaimAlertInbox(ctx, hindsight.AlertClaim{Now: at, Lease: time.Minute, Groups: groups, PerGroup: per})
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	got := claim(now, 2, 10)
	if !slices.Equal(inboxDeliveries(got), []string{"a1", "a2", "b1"}) {
		t.Fatalf("first claim %v, want a1 a2 (up to the entry that closes g1) and b1", inboxDeliveries(got))
	}
	for _, e := range got {
		if e.Attempts != 1 || !e.LeaseUntil.Equal(now.Add(time.Minute)) || len(e.Payload) == 0 {
			t.Errorf("claimed entry %+v: want attempt 1, lease until %v, payload", e, now.Add(time.Minute))
		}
	}
	// g1 is held (its oldest entry is claimed): a3 waits behind it
	if got := claim(now, 5, 10); !slices.Equal(inboxDeliveries(got), []string{"c1"}) {
		t.Fatalf("second claim %v, want c1 only", inboxDeliveries(got))
	}
	if got := claim(now.Add(30*time.Second), 5, 10); len(got) != 0 {
		t.Fatalf("claimed %v under live leases", inboxDeliveries(got))
	}
	st, err := s.AlertInboxStats(ctx, now)
	if err != nil || st.Entries != 5 || st.Claimed != 4 {
		t.Fatalf("stats %+v, %v; want 5 entries, 4 claimed", st, err)
	}
	// the leases lapse: claimed again, attempt 2; PerGroup bounds the run
	later := now.Add(2 * time.Minute)
	got = claim(later, 1, 1)
	if !slices.Equal(inboxDeliveries(got), []string{"a1"}) || got[0].Attempts != 2 {
		t.Fatalf("claim after the lease: %+v, want a1 at attempt 2", got)
	}
	if n, err := s.FinishAlertInbox(ctx, hindsight.AlertFinish{Source: "alertmanager", Deliveries: []string{"a1"}, IncidentID: "INC-20261126-001"}); err != nil || n != 1 {
		t.Fatalf("finish a1: %d, %v", n, err)
	}
	// a2 is g1's oldest now, and unclaimed since its lease lapsed
	if got := claim(later, 10, 10); !slices.Equal(inboxDeliveries(got), []string{"b1", "a2", "c1"}) {
		t.Fatalf("claim after finishing a1: %v, want b1, a2 (closes), c1 (groups in the order of their oldest entry)", inboxDeliveries(got))
	}
	if _, err := s.FinishAlertInbox(ctx, hindsight.AlertFinish{Source: "alertmanager", Deliveries: []string{"a2"}, IncidentID: "INC-20261126-001"}); err != nil {
		t.Fatal(err)
	}
	if got := claim(later, 10, 10); !slices.Equal(inboxDeliveries(got), []string{"a3"}) || got[0].Attempts != 1 {
		t.Fatalf("claim after the group closed: %+v, want a3 at attempt 1", got)
	}

	// an older entry free while a younger one of its group is held (on
	// PostgreSQL an entry can commit after one with a higher id): the
	// group stays held
	igEnqueue(t, s, "pagerduty", "P9", "p1", false, "p1")
	igEnqueue(t, s, "pagerduty", "P9", "p2", false, "p2")
	if got := claim(later, 10, 10); !slices.Equal(inboxDeliveries(got), []string{"p1", "p2"}) {
		t.Fatalf("claim of P9: %v", inboxDeliveries(got))
	}
	if err := s.ReleaseAlertInbox(ctx, []string{"p1"}, "", later); err != nil {
		t.Fatal(err)
	}
	if got := claim(later, 10, 10); len(got) != 0 {
		t.Fatalf("claimed %v while p2 of the same group is held", inboxDeliveries(got))
	}
	got = slices.DeleteFunc(claim(later.Add(2*time.Minute), 10, 10), func(e hindsight.AlertInboxEntry) bool { return e.Group != "P9" })
	if !slices.Equal(inboxDeliveries(got), []string{"p1", "p2"}) {
		t.Fatalf("claim of P9 after p2's lease: %v", inboxDeliveries(got))
	}
}

func testAlertInboxFinish(t *testing.T, s integrationStore) {
	ctx := t.Context()
	igEnqueue(t, s, "pagerduty", "P1", "d1", false, "e1", "e2")
	igEnqueue(t, s, "pagerduty", "P1", "d2", false, "e3")
	now := Epoch.Add(time.Hour)
	es, err := s.ClaimAlertInbox(ctx, hindsight.AlertClaim{Now: now, Lease: time.Minute, Groups: 1, PerGroup: 10})
	if err != nil || len(es) != 2 {
		t.Fatalf("claim: %v, %v", inboxDeliveries(es), err)
	}
	// a failed apply: released with its reason, claimable again from the retry time
	retry := now.Add(10 * time.Second)
	if err := s.ReleaseAlertInbox(ctx, []string{"d1", "d2"}, "database is locked", retry); err != nil {
		t.Fatal(err)
	}
	in, _ := s.FindAlertInbox(ctx, 0)
	if len(in) != 2 || in[0].LastError != "database is locked" || !in[0].LeaseUntil.Equal(retry) || in[0].Attempts != 1 {
		t.Fatalf("released: %+v", in)
	}
	if es, _ := s.ClaimAlertInbox(ctx, hindsight.AlertClaim{Now: retry.Add(-time.Second), Lease: time.Minute, Groups: 1}); len(es) != 0 {
		t.Fatalf("claimed before the retry time: %v", inboxDeliveries(es))
	}
	es, err = s.ClaimAlertInbox(ctx, hindsight.AlertClaim{Now: retry, Lease: time.Minute, Groups: 1, PerGroup: 10})
	if err != nil || len(es) != 2 || es[0].Attempts != 2 {
		t.Fatalf("claim at the retry time: %+v, %v", es, err)
	}
	// two applies in one call: d1 and d2 of P1, and (in another source) x1
	igEnqueue(t, s, "generic", "G", "x1", false, "x1")
	g := &hindsight.AlertGroup{Source: "pagerduty", Key: "P1", IncidentID: "INC-20261126-007", Open: true}
	n, err := s.FinishAlertInbox(ctx,
		hindsight.AlertFinish{Source: "pagerduty", Deliveries: []string{"d1", "d2"}, IncidentID: "INC-20261126-007", Group: g},
		hindsight.AlertFinish{Source: "generic", Deliveries: []string{"x1"}, IncidentID: "INC-20261126-008", Group: &hindsight.AlertGroup{Source: "generic", Key: "G", IncidentID: "INC-20261126-008"}})
	if err != nil || n != 3 {
		t.Fatalf("finish: %d, %v", n, err)
	}
	if got, err := s.FindAlertGroup(ctx, "generic", "G"); err != nil || got.IncidentID != "INC-20261126-008" || got.Open {
		t.Fatalf("second group of the finish: %+v, %v", got, err)
	}
	if ev, _ := s.FindAlertEvents(ctx, "generic", []string{"x1"}); len(ev) != 1 || ev[0].State != hindsight.AlertDone || ev[0].IncidentID != "INC-20261126-008" {
		t.Fatalf("event of the second finish: %+v", ev)
	}
	if n, err := s.FinishAlertInbox(ctx); err != nil || n != 0 {
		t.Fatalf("finish of nothing: %d, %v", n, err)
	}
	if in, _ := s.FindAlertInbox(ctx, 0); len(in) != 0 {
		t.Fatalf("inbox after finish: %+v", in)
	}
	ev, err := s.FindAlertEvents(ctx, "pagerduty", []string{"e1", "e2", "e3"})
	if err != nil || len(ev) != 3 {
		t.Fatalf("events: %+v, %v", ev, err)
	}
	for _, e := range ev {
		if e.State != hindsight.AlertDone || e.IncidentID != "INC-20261126-007" {
			t.Errorf("event %+v: want done in INC-20261126-007", e)
		}
	}
	if got, err := s.FindAlertGroup(ctx, "pagerduty", "P1"); err != nil || got.IncidentID != "INC-20261126-007" || !got.Open {
		t.Fatalf("group written with the finish: %+v, %v", got, err)
	}
	// finishing again (another applier did it first): nothing, the group untouched
	other := &hindsight.AlertGroup{Source: "pagerduty", Key: "P1", IncidentID: "INC-20261126-999", Open: false}
	if n, err := s.FinishAlertInbox(ctx, hindsight.AlertFinish{Source: "pagerduty", Deliveries: []string{"d1", "d2"}, IncidentID: "INC-20261126-999", Group: other}); err != nil || n != 0 {
		t.Fatalf("second finish: %d, %v", n, err)
	}
	if got, _ := s.FindAlertGroup(ctx, "pagerduty", "P1"); got == nil || got.IncidentID != "INC-20261126-007" {
		t.Fatalf("a finish of nothing changed the group: %+v", got)
	}
	if ev, _ := s.FindAlertEvents(ctx, "pagerduty", []string{"e1"}); len(ev) != 1 || ev[0].IncidentID != "INC-20261126-007" {
		t.Fatalf("a finish of nothing changed the events: %+v", ev)
	}
	// the wrong source finishes nothing
	igEnqueue(t, s, "generic", "G", "x2", false, "x2")
	if n, err := s.FinishAlertInbox(ctx, hindsight.AlertFinish{Source: "pagerduty", Deliveries: []string{"x2"}, IncidentID: "INC-20261126-008"}); err != nil || n != 0 {
		t.Fatalf("finish in another source: %d, %v", n, err)
	}
	if n, err := s.FinishAlertInbox(ctx, hindsight.AlertFinish{Source: "generic", Deliveries: []string{"x2"}, IncidentID: "INC-20261126-008"}); err != nil || n != 1 {
		t.Fatalf("finish x2: %d, %v", n, err)
	}
	if st, err := s.AlertInboxStats(ctx, now); err != nil || st.Entries != 0 || st.Events != 0 || !st.Oldest.IsZero() {
		t.Fatalf("stats of an empty inbox: %+v, %v", st, err)
	}
}

func testAlertInboxConcurrentClaims(t *testing.T, s integrationStore) {
	ctx := t.Context()
	const groups, per = 12, 3
	for g := range groups {
		for i := range per {
			d := fmt.Sprintf("g%02d-%d", g, i)
			igEnqueue(t, s, "generic", fmt.Sprintf("group-%02d", g), d, false, d)
		}
	}
	now := Epoch.Add(time.Hour)
	var mu sync.Mutex
	var wg sync.WaitGroup
	got := map[string]int{}
	owner := map[string]int{} // group -> claimer
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				es, err := s.ClaimAlertInbox(ctx, hindsight.AlertClaim{Now: now, Lease: time.Hour, Groups: 2, PerGroup: 2})
				if err != nil {
					t.Error(err)
					return
				}
				if len(es) == 0 {
					return
				}
				mu.Lock()
				for _, e := range es {
					got[e.Delivery]++
					if o, ok := owner[e.Group]; ok && o != w {
						t.Errorf("group %s claimed by claimers %d and %d", e.Group, o, w)
					}
					owner[e.Group] = w
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	// each group's oldest two entries, each claimed once; the third waits
	// behind the live claim
	if len(got) != groups*2 {
		t.Fatalf("%d entries claimed, want %d", len(got), groups*2)
	}
	for d, c := range got {
		if c != 1 || strings.HasSuffix(d, "-2") {
			t.Errorf("entry %s claimed %d times", d, c)
		}
	}
}

func testAlertDeliveries(t *testing.T, s integrationStore) {
	ctx := t.Context()
	a := igCreate(t, s, hindsight.IncidentCreate{Message: "opened from alertmanager: 2 event(s) " + hindsight.BatchMarker("abc123") + " " + hindsight.BatchMarker("def456")})
	b := igCreate(t, s, hindsight.IncidentCreate{Message: "opened from generic: 1 event(s) " + hindsight.BatchMarker("0a0b0c")})
	got, err := s.FindAlertDeliveries(ctx, []string{"abc123", "def456", "0a0b0c", "abc12", "nope"}, Epoch.Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if jsonString(got) != jsonString(map[string]string{"abc123": a.ID, "def456": a.ID, "0a0b0c": b.ID}) {
		t.Fatalf("FindAlertDeliveries = %v", got)
	}
	// revisions before since are not read
	if got, err := s.FindAlertDeliveries(ctx, []string{"abc123"}, Epoch.Add(time.Hour)); err != nil || len(got) != 0 {
		t.Fatalf("FindAlertDeliveries since after the saves = %v, %v", got, err)
	}
	if got, err := s.FindAlertDeliveries(ctx, nil, time.Time{}); err != nil || len(got) != 0 {
		t.Fatalf("FindAlertDeliveries(none) = %v, %v", got, err)
	}
	if got, err := s.FindAlertDeliveries(ctx, []string{"0a0b0c"}, time.Time{}); err != nil || got["0a0b0c"] != b.ID {
		t.Fatalf("FindAlertDeliveries since the zero time = %v, %v", got, err)
	}
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
	if n, err := s.DeleteWebhook(ctx, w.ID); err != nil || n != 0 {
		t.Fatalf("DeleteWebhook = %d, %v; want 0 pending discarded", n, err)
	}
	_, err = s.FindWebhookByID(ctx, w.ID)
	igCode(t, "find deleted", err, hindsight.ENotFound)
	_, err = s.DeleteWebhook(ctx, w.ID)
	igCode(t, "delete again", err, hindsight.ENotFound)
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
		// a disabled subscription is paused: its events wait for it
		fmt.Sprintf("%d incident.created %s false", off.ID, open.ID):    1,
		fmt.Sprintf("%d action_item.created %s false", off.ID, open.ID): 1,
		fmt.Sprintf("%d incident.created %s true", off.ID, secret.ID):   1,
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
	// two incidents: their deliveries do not wait for each other
	igCreate(t, s, hindsight.IncidentCreate{Outbox: []hindsight.OutboxEvent{igEvent(hindsight.EventIncidentCreated)}})
	igCreate(t, s, hindsight.IncidentCreate{Outbox: []hindsight.OutboxEvent{igEvent(hindsight.EventIncidentCreated)}})
	t0 := Epoch.Add(time.Hour)
	if _, err := s.FanOutOutbox(ctx, t0, 10*time.Minute, 10); err != nil {
		t.Fatal(err)
	}
	got, err := igClaim(s, t0, 1)
	if err != nil || len(got) != 1 {
		t.Fatalf("claim 1: %d, %v", len(got), err)
	}
	first := got[0]
	// leased: a second claim gets only the other one
	got, err = igClaim(s, t0, 10)
	if err != nil || len(got) != 1 || got[0].ID == first.ID {
		t.Fatalf("claim while leased: %+v, %v", got, err)
	}
	second := got[0]
	if got, _ := igClaim(s, t0.Add(30*time.Second), 10); len(got) != 0 {
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
	if got, _ := igClaim(s, t0.Add(90*time.Second), 10); len(got) != 0 {
		t.Fatalf("claimed a delivery before it was due: %+v", got)
	}
	got, err = igClaim(s, t0.Add(2*time.Minute), 10)
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
	got, err = igClaim(s, t1, 10)
	if err != nil || len(got) != 1 || got[0].ID != first.ID || !got[0].RetryUntil.Equal(t1.Add(time.Hour)) {
		t.Fatalf("claim after redeliver: %+v, %v", got, err)
	}
	igCode(t, "redeliver missing", s.Redeliver(ctx, 999, t1, time.Hour), hindsight.ENotFound)
	igCode(t, "attempt of missing", s.RecordAttempt(ctx, hindsight.DeliveryAttempt{ID: 999, At: t1}), hindsight.ENotFound)
	_, err = s.FindDeliveryByID(ctx, 999)
	igCode(t, "find missing", err, hindsight.ENotFound)
	// deleting the subscription removes its deliveries (one pending: the
	// redelivered one, claimed but not attempted)
	if n, err := s.DeleteWebhook(ctx, w.ID); err != nil || n != 1 {
		t.Fatalf("DeleteWebhook = %d, %v; want 1 pending discarded", n, err)
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
				ds, err := igClaim(s, now, 4)
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
