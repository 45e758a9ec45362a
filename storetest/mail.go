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

// RunMail runs the conformance suite of hindsight.MailStore against stores
// made by open, which must implement it and hindsight.WebhookStore.
func RunMail(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s mailStore)
	}{
		{"Settings", testMailSettings},
		{"ConsumeByPreference", testMailConsume},
		{"ConsumeOwnCursor", testMailOwnCursor},
		{"ConcurrentConsumeOnce", testMailConcurrentConsume},
		{"ClaimLeaseRecord", testMailLifecycle},
		{"ConcurrentClaimsDisjoint", testMailConcurrentClaims},
		{"Digests", testMailDigests},
		{"Prune", testMailPrune},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := open(t, Config{Render: markdown.Render, Clock: NewClock(Epoch).Now})
			s, ok := st.(mailStore)
			if !ok {
				t.Fatalf("%T does not implement hindsight.MailStore and hindsight.WebhookStore", st)
			}
			tc.fn(t, s)
		})
	}
}

type mailStore interface {
	hindsight.Store
	hindsight.WebhookStore
	hindsight.MailStore
}

// mailNotify reads the notify list of an event payload, as the mailer
// does.
func mailNotify(ev hindsight.MailEvent) []string {
	var p struct {
		Notify []string `json:"notify"`
	}
	_ = json.Unmarshal(ev.Payload, &p)
	return p.Notify
}

func mailEvent(name string, notify ...string) hindsight.OutboxEvent {
	b, _ := json.Marshal(map[string]any{"event": name, "notify": notify})
	return hindsight.OutboxEvent{Event: name, Payload: b}
}

func mailConsume(t *testing.T, s mailStore, now time.Time) int {
	t.Helper()
	n, err := s.ConsumeMailEvents(t.Context(), hindsight.MailConsume{Now: now, RetryFor: time.Hour, Limit: 100, Recipients: mailNotify})
	if err != nil {
		t.Fatalf("ConsumeMailEvents: %v", err)
	}
	return n
}

func mailFind(t *testing.T, s mailStore, f hindsight.MailFilter) []hindsight.MailMessage {
	t.Helper()
	ms, err := s.FindMail(t.Context(), f)
	if err != nil {
		t.Fatalf("FindMail: %v", err)
	}
	return ms
}

func mailSummary(ms []hindsight.MailMessage) []string {
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%s:%s:%s", m.AccountID, m.Event, m.Status))
	}
	slices.Sort(out)
	return out
}

func testMailSettings(t *testing.T, s mailStore) {
	ctx := t.Context()
	a, err := s.MailSettingsFor(ctx, "usr_a")
	if err != nil {
		t.Fatal(err)
	}
	if a.Preference != hindsight.MailImmediate || len(a.UnsubscribeToken) < 20 {
		t.Fatalf("new settings %+v: want immediate with a token", a)
	}
	again, err := s.MailSettingsFor(ctx, "usr_a")
	if err != nil || again.UnsubscribeToken != a.UnsubscribeToken {
		t.Fatalf("settings read again: %+v, %v; want the same token", again, err)
	}
	b, _ := s.MailSettingsFor(ctx, "usr_b")
	if b.UnsubscribeToken == a.UnsubscribeToken {
		t.Fatal("two accounts share an unsubscribe token")
	}
	got, err := s.FindMailSettingsByToken(ctx, a.UnsubscribeToken)
	if err != nil || got.AccountID != "usr_a" {
		t.Fatalf("by token: %+v, %v", got, err)
	}
	for _, tok := range []string{"", "nope", a.UnsubscribeToken + "x", "\x00"} {
		_, err := s.FindMailSettingsByToken(ctx, tok)
		igCode(t, fmt.Sprintf("token %q", tok), err, hindsight.ENotFound)
	}
	set, err := s.SetMailPreference(ctx, "usr_a", hindsight.MailDigest, []hindsight.AuditEntry{{Actor: "usr_a", Action: "mail.preference", Target: "usr_a"}})
	if err != nil || set.Preference != hindsight.MailDigest || set.UnsubscribeToken != a.UnsubscribeToken {
		t.Fatalf("set digest: %+v, %v; want digest, same token", set, err)
	}
	_, err = s.SetMailPreference(ctx, "usr_a", "weekly", nil)
	igCode(t, "preference weekly", err, hindsight.EInvalid)
	// an account without settings gets them with the preference set
	c, err := s.SetMailPreference(ctx, "usr_c", hindsight.MailOff, nil)
	if err != nil || c.Preference != hindsight.MailOff || c.UnsubscribeToken == "" {
		t.Fatalf("set off for a new account: %+v, %v", c, err)
	}
	if as, ok := s.(hindsight.AccountStore); ok {
		es, err := as.FindAudit(ctx, hindsight.AuditFilter{Action: "mail.preference"})
		if err != nil || len(es) != 1 || es[0].Target != "usr_a" {
			t.Fatalf("audit of the preference change: %+v, %v; want one entry", es, err)
		}
	}
}

func testMailConsume(t *testing.T, s mailStore) {
	ctx := t.Context()
	if _, err := s.SetMailPreference(ctx, "usr_b", hindsight.MailDigest, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetMailPreference(ctx, "usr_c", hindsight.MailOff, nil); err != nil {
		t.Fatal(err)
	}
	inc := igCreate(t, s, hindsight.IncidentCreate{Outbox: []hindsight.OutboxEvent{
		mailEvent("review.requested", "usr_a", "usr_b", "usr_c", "usr_a"),
		mailEvent("incident.created"),
	}})
	now := Epoch.Add(time.Minute)
	if n := mailConsume(t, s, now); n != 2 {
		t.Fatalf("consumed %d events, want 2", n)
	}
	ms := mailFind(t, s, hindsight.MailFilter{})
	want := []string{"usr_a:review.requested:pending", "usr_b:review.requested:held"}
	if got := mailSummary(ms); !slices.Equal(got, want) {
		t.Fatalf("queued %v, want %v (off: nothing; a repeated recipient once)", got, want)
	}
	for _, m := range ms {
		if m.IncidentID != inc.ID || m.Kind != hindsight.MailKindEvent || m.OutboxID == 0 || len(m.Payload) == 0 {
			t.Fatalf("message %+v: want the event's incident, kind, outbox ID and payload", m)
		}
		if m.Status == hindsight.MailPending && (!m.NextAttempt.Equal(now) || !m.RetryUntil.Equal(now.Add(time.Hour))) {
			t.Fatalf("pending message due %v until %v; want %v until +1h", m.NextAttempt, m.RetryUntil, now)
		}
	}
	if n := mailConsume(t, s, now); n != 0 {
		t.Fatalf("a second pass consumed %d events, want 0", n)
	}
	if got := mailSummary(mailFind(t, s, hindsight.MailFilter{})); !slices.Equal(got, want) {
		t.Fatalf("after a second pass %v, want %v", got, want)
	}
	counts, err := s.CountMail(ctx)
	if err != nil || counts[hindsight.MailPending] != 1 || counts[hindsight.MailHeld] != 1 {
		t.Fatalf("CountMail %v, %v; want 1 pending, 1 held", counts, err)
	}
}

// testMailOwnCursor: the webhook fan-out handing the outbox out does not
// hide events from mail, nor mail's reading from the fan-out.
func testMailOwnCursor(t *testing.T, s mailStore) {
	ctx := t.Context()
	igCreate(t, s, hindsight.IncidentCreate{Outbox: []hindsight.OutboxEvent{mailEvent("comment.created", "usr_a")}})
	if _, err := s.FanOutOutbox(ctx, Epoch, time.Hour, 100); err != nil {
		t.Fatal(err)
	}
	if n := mailConsume(t, s, Epoch); n != 1 {
		t.Fatalf("mail read %d events after the fan-out, want 1", n)
	}
	igCreate(t, s, hindsight.IncidentCreate{Outbox: []hindsight.OutboxEvent{mailEvent("comment.created", "usr_b")}})
	if n := mailConsume(t, s, Epoch); n != 1 {
		t.Fatalf("mail read %d events, want 1", n)
	}
	if n, err := s.FanOutOutbox(ctx, Epoch, time.Hour, 100); err != nil || n != 1 {
		t.Fatalf("fan-out after mail: %d, %v; want 1", n, err)
	}
	if got := len(mailFind(t, s, hindsight.MailFilter{})); got != 2 {
		t.Fatalf("%d messages, want 2", got)
	}
}

func testMailConcurrentConsume(t *testing.T, s mailStore) {
	const events = 30
	for i := range events {
		igCreate(t, s, hindsight.IncidentCreate{Outbox: []hindsight.OutboxEvent{mailEvent("review.requested", "usr_a", fmt.Sprintf("usr_%d", i))}})
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				_, err := s.ConsumeMailEvents(ctxBackground(), hindsight.MailConsume{Now: Epoch, RetryFor: time.Hour, Limit: 7, Recipients: mailNotify})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	mailConsume(t, s, Epoch)
	ms := mailFind(t, s, hindsight.MailFilter{Limit: 1000})
	if len(ms) != 2*events {
		t.Fatalf("%d messages after concurrent passes, want %d (each event once per recipient)", len(ms), 2*events)
	}
	seen := map[string]bool{}
	for _, m := range ms {
		k := fmt.Sprintf("%s/%d", m.AccountID, m.OutboxID)
		if seen[k] {
			t.Fatalf("message %s queued twice", k)
		}
		seen[k] = true
	}
}

func testMailLifecycle(t *testing.T, s mailStore) {
	ctx := t.Context()
	igCreate(t, s, hindsight.IncidentCreate{Outbox: []hindsight.OutboxEvent{mailEvent("review.requested", "usr_a", "usr_b", "usr_c", "usr_d")}})
	now := Epoch
	mailConsume(t, s, now)
	got, err := s.ClaimMail(ctx, hindsight.MailClaim{Now: now, Lease: time.Minute, Limit: 10})
	if err != nil || len(got) != 4 {
		t.Fatalf("claim: %d, %v; want 4", len(got), err)
	}
	if again, err := s.ClaimMail(ctx, hindsight.MailClaim{Now: now.Add(30 * time.Second), Lease: time.Minute}); err != nil || len(again) != 0 {
		t.Fatalf("claim while leased: %d, %v; want none", len(again), err)
	}
	byAcct := map[string]int64{}
	for _, m := range got {
		byAcct[m.AccountID] = m.ID
	}
	at := now.Add(time.Second)
	for _, a := range []hindsight.MailAttempt{
		{ID: byAcct["usr_a"], At: at, OK: true},
		{ID: byAcct["usr_b"], At: at, Error: "connection refused", Next: at.Add(time.Minute)},
		{ID: byAcct["usr_c"], At: at, Error: "550 no such user"},
		{ID: byAcct["usr_d"], At: at, Drop: true, Error: "no longer a member"},
	} {
		if err := s.RecordMailAttempt(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	igCode(t, "record of a missing message", s.RecordMailAttempt(ctx, hindsight.MailAttempt{ID: 999999, At: at, OK: true}), hindsight.ENotFound)
	want := []string{"usr_a:review.requested:sent", "usr_b:review.requested:pending", "usr_c:review.requested:failed", "usr_d:review.requested:dropped"}
	ms := mailFind(t, s, hindsight.MailFilter{})
	if got := mailSummary(ms); !slices.Equal(got, want) {
		t.Fatalf("after attempts %v, want %v", got, want)
	}
	for _, m := range ms {
		switch m.AccountID {
		case "usr_a":
			if !m.SentAt.Equal(at) || m.Attempts != 1 {
				t.Fatalf("sent message %+v: want sent at %v, 1 attempt", m, at)
			}
		case "usr_b":
			if m.LastError != "connection refused" || m.Attempts != 1 || !m.NextAttempt.Equal(at.Add(time.Minute)) {
				t.Fatalf("retrying message %+v", m)
			}
		case "usr_d":
			if m.Attempts != 0 || m.LastError != "no longer a member" {
				t.Fatalf("dropped message %+v: want no attempt and the reason", m)
			}
		}
	}
	// the retry is not due before its time, and is due (lease ended) after
	if early, _ := s.ClaimMail(ctx, hindsight.MailClaim{Now: at.Add(30 * time.Second), Lease: time.Minute}); len(early) != 0 {
		t.Fatalf("claimed %d before the retry is due", len(early))
	}
	late, err := s.ClaimMail(ctx, hindsight.MailClaim{Now: at.Add(time.Minute), Lease: time.Minute})
	if err != nil || len(late) != 1 || late[0].AccountID != "usr_b" {
		t.Fatalf("claim of the due retry: %+v, %v", late, err)
	}
	// a lease that lapses (the sender stopped) makes it claimable again
	lapsed, err := s.ClaimMail(ctx, hindsight.MailClaim{Now: at.Add(3 * time.Minute), Lease: time.Minute})
	if err != nil || len(lapsed) != 1 {
		t.Fatalf("claim after the lease lapsed: %d, %v; want 1", len(lapsed), err)
	}
	if f := mailFind(t, s, hindsight.MailFilter{Status: hindsight.MailSent}); len(f) != 1 || f[0].AccountID != "usr_a" {
		t.Fatalf("filter by status: %v", mailSummary(f))
	}
	if f := mailFind(t, s, hindsight.MailFilter{AccountID: "usr_c"}); len(f) != 1 || f[0].Status != hindsight.MailFailed {
		t.Fatalf("filter by account: %v", mailSummary(f))
	}
}

func testMailConcurrentClaims(t *testing.T, s mailStore) {
	const n = 24
	var recips []string
	for i := range n {
		recips = append(recips, fmt.Sprintf("usr_%02d", i))
	}
	igCreate(t, s, hindsight.IncidentCreate{Outbox: []hindsight.OutboxEvent{mailEvent("review.requested", recips...)}})
	mailConsume(t, s, Epoch)
	var mu sync.Mutex
	var all []int64
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				ms, err := s.ClaimMail(ctxBackground(), hindsight.MailClaim{Now: Epoch, Lease: time.Hour, Limit: 3})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				for _, m := range ms {
					all = append(all, m.ID)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	slices.Sort(all)
	if len(all) != n || len(slices.Compact(slices.Clone(all))) != n {
		t.Fatalf("claimed %d messages (%d distinct), want each of %d once", len(all), len(slices.Compact(all)), n)
	}
}

func testMailDigests(t *testing.T, s mailStore) {
	ctx := t.Context()
	for _, a := range []string{"usr_a", "usr_b"} {
		if _, err := s.SetMailPreference(ctx, a, hindsight.MailDigest, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, ev := range []hindsight.OutboxEvent{mailEvent("review.requested", "usr_a"), mailEvent("comment.created", "usr_a", "usr_b"), mailEvent("review.submitted", "usr_a")} {
		igCreate(t, s, hindsight.IncidentCreate{Outbox: []hindsight.OutboxEvent{ev}})
	}
	mailConsume(t, s, Epoch)
	// one more for usr_a after the cutoff: it waits for the next digest
	igCreate(t, s, hindsight.IncidentCreate{Outbox: []hindsight.OutboxEvent{mailEvent("postmortem.overdue", "usr_a")}})
	mailConsume(t, s, Epoch.Add(2*time.Hour))
	cutoff := Epoch.Add(time.Hour)
	n, err := s.BuildDigests(ctx, cutoff, cutoff.Add(time.Minute), time.Hour)
	if err != nil || n != 2 {
		t.Fatalf("BuildDigests: %d, %v; want 2 (one per account)", n, err)
	}
	if n, err := s.BuildDigests(ctx, cutoff, cutoff.Add(2*time.Minute), time.Hour); err != nil || n != 0 {
		t.Fatalf("BuildDigests again with the same cutoff: %d, %v; want 0", n, err)
	}
	ds := mailFind(t, s, hindsight.MailFilter{Kind: hindsight.MailKindDigest})
	if len(ds) != 2 {
		t.Fatalf("%d digests, want 2", len(ds))
	}
	for _, d := range ds {
		var events []string
		for _, it := range d.Items {
			events = append(events, it.Event)
			if it.Status != hindsight.MailDigested || it.DigestID != d.ID {
				t.Fatalf("digest item %+v: want digested into %d", it, d.ID)
			}
		}
		want := map[string][]string{"usr_a": {"review.requested", "comment.created", "review.submitted"}, "usr_b": {"comment.created"}}[d.AccountID]
		if !slices.Equal(events, want) || d.Status != hindsight.MailPending {
			t.Fatalf("digest of %s: %v (%s), want %v pending", d.AccountID, events, d.Status, want)
		}
	}
	claimed, err := s.ClaimMail(ctx, hindsight.MailClaim{Now: cutoff.Add(time.Minute), Lease: time.Minute, Limit: 10})
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claim of the digests: %d, %v", len(claimed), err)
	}
	for _, d := range claimed {
		if len(d.Items) == 0 {
			t.Fatalf("claimed digest %d without its items", d.ID)
		}
	}
	held := mailFind(t, s, hindsight.MailFilter{Status: hindsight.MailHeld})
	if len(held) != 1 || held[0].Event != "postmortem.overdue" {
		t.Fatalf("held after the digest: %v; want the later event only", mailSummary(held))
	}
	// the next day's digest takes it
	if n, err := s.BuildDigests(ctx, cutoff.Add(24*time.Hour), cutoff.Add(24*time.Hour), time.Hour); err != nil || n != 1 {
		t.Fatalf("next day's digests: %d, %v; want 1", n, err)
	}
}

// testMailPrune: messages done before the cutoff go (a digest with its
// events); pending, held and recent ones stay.
func testMailPrune(t *testing.T, s mailStore) {
	ctx := t.Context()
	if _, err := s.SetMailPreference(ctx, "usr_d", hindsight.MailDigest, nil); err != nil {
		t.Fatal(err)
	}
	igCreate(t, s, hindsight.IncidentCreate{Outbox: []hindsight.OutboxEvent{mailEvent("review.requested", "usr_a", "usr_b", "usr_c", "usr_d")}})
	mailConsume(t, s, Epoch)
	if n, err := s.BuildDigests(ctx, Epoch.Add(time.Hour), Epoch.Add(time.Hour), time.Hour); err != nil || n != 1 {
		t.Fatalf("BuildDigests: %d, %v", n, err)
	}
	ms, err := s.ClaimMail(ctx, hindsight.MailClaim{Now: Epoch.Add(time.Hour), Lease: time.Minute, Limit: 10})
	if err != nil || len(ms) != 4 {
		t.Fatalf("claim: %d, %v", len(ms), err)
	}
	at := map[string]time.Time{"usr_a": Epoch.Add(2 * time.Hour), "usr_b": Epoch.Add(2 * time.Hour), "usr_d": Epoch.Add(2 * time.Hour), "usr_c": Epoch.Add(48 * time.Hour)}
	for _, m := range ms {
		a := hindsight.MailAttempt{ID: m.ID, At: at[m.AccountID], OK: true}
		if m.AccountID == "usr_b" {
			a = hindsight.MailAttempt{ID: m.ID, At: at[m.AccountID], Error: "later", Next: Epoch.Add(72 * time.Hour)}
		}
		if err := s.RecordMailAttempt(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.PruneMail(ctx, Epoch.Add(24*time.Hour))
	if err != nil || n != 3 {
		t.Fatalf("PruneMail: %d, %v; want 3 (usr_a's message, usr_d's digest and its event)", n, err)
	}
	left := mailFind(t, s, hindsight.MailFilter{})
	want := []string{"usr_b:review.requested:pending", "usr_c:review.requested:sent"}
	if got := mailSummary(left); !slices.Equal(got, want) {
		t.Fatalf("after pruning %v, want %v", got, want)
	}
	if n, err := s.PruneMail(ctx, Epoch.Add(24*time.Hour)); err != nil || n != 0 {
		t.Fatalf("PruneMail again: %d, %v", n, err)
	}
}
