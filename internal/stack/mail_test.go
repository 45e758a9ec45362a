package stack_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
	"github.com/hindsight-pm/hindsight/internal/mailtest"
	"github.com/hindsight-pm/hindsight/internal/stack"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// TestMailThroughStack: with HINDSIGHT_SMTP_URL, HINDSIGHT_MAIL_FROM and
// the base URL set, the worker Start runs reads a notification event from
// the outbox and mails it through a real SMTP server; /metrics counts it.
func TestMailThroughStack(t *testing.T) {
	mp := mailtest.StartMailpit(t)
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hindsight.db"), sqlite.Options{Render: app.Render})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	env := map[string]string{"HINDSIGHT_SMTP_URL": mp.SMTPURL, "HINDSIGHT_MAIL_FROM": "Hindsight <hindsight@example.com>"}
	s, err := stack.Build(t.Context(), st, stack.Config{BaseURL: "https://hindsight.example.com", MetricsPublic: true,
		Getenv: func(k string) string { return env[k] },
		Auth:   auth.Options{Params: auth.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Mail.Enabled() {
		t.Fatal("mail is off with HINDSIGHT_SMTP_URL set")
	}
	ctx, stop := context.WithCancel(t.Context())
	s.Start(ctx)
	defer func() { stop(); s.Wait() }()

	bob, err := s.Auth.AddUser(t.Context(), app.System, auth.NewUser{Email: "bob@example.com", Name: "Bob", Role: hindsight.RoleEditor, Password: "a long password 123"})
	if err != nil {
		t.Fatal(err)
	}
	inc, err := s.Service.Open(t.Context(), app.System, app.NewIncident{Title: "Through the stack"})
	if err != nil {
		t.Fatal(err)
	}
	// the event as app makes it (CONTRACT 2: notify is account IDs)
	payload, _ := json.Marshal(map[string]any{"event": "review.requested", "incident_id": inc.ID, "title": inc.Doc.Title,
		"actor": "alice@example.com", "notify": []string{bob.ID}})
	if _, err := st.UpdateIncident(t.Context(), hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: inc.Revision, Doc: inc.Doc, Author: "alice",
		Outbox: []hindsight.OutboxEvent{{Event: "review.requested", Payload: payload}}}); err != nil {
		t.Fatal(err)
	}
	msgs := mp.Wait(t, 1, 60*time.Second)
	if len(msgs) != 1 || msgs[0].To[0].Address != "bob@example.com" || msgs[0].Subject != "[Hindsight] Review requested: "+inc.ID+" Through the stack" ||
		!strings.Contains(msgs[0].Text, "https://hindsight.example.com/incidents/"+inc.ID) {
		t.Fatalf("mailpit got %+v", msgs)
	}
	// the message's List-Unsubscribe link works: a mail client's one-click
	// POST, without a session, turns Bob's mail off
	h := msgs[0].Headers["List-Unsubscribe"]
	if len(h) != 1 || !strings.HasPrefix(h[0], "<https://hindsight.example.com/mail/unsubscribe/") {
		t.Fatalf("List-Unsubscribe %q", h)
	}
	link := strings.TrimSuffix(strings.TrimPrefix(h[0], "<https://hindsight.example.com"), ">")
	req := httptest.NewRequest("POST", link, strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	s.Handler.ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "You are unsubscribed") {
		t.Fatalf("one-click unsubscribe: %d %.300s", rec.Code, rec.Body.String())
	}
	if set, err := s.Mail.Preference(t.Context(), bob.ID); err != nil || set.Preference != hindsight.MailOff {
		t.Fatalf("after unsubscribing: %+v, %v; want off", set, err)
	}
	rec = httptest.NewRecorder()
	s.Handler.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{`hindsight_mail_messages{status="sent"} 1`, `hindsight_mail_attempts_total{outcome="sent"} 1`, `hindsight_mail_scrape_error 0`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// TestMailSettingsRefused: a mail setting that cannot work stops the
// stack from starting, naming the variable.
func TestMailSettingsRefused(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hindsight.db"), sqlite.Options{Render: app.Render})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, tc := range []struct {
		env     map[string]string
		baseURL string
		want    string
	}{
		{map[string]string{"HINDSIGHT_SMTP_URL": "smtp://mail.example.com", "HINDSIGHT_MAIL_FROM": "h@example.com"}, "", "--base-url or HINDSIGHT_BASE_URL"},
		{map[string]string{"HINDSIGHT_SMTP_URL": "smtp://mail.example.com"}, "https://h.example.com", "HINDSIGHT_MAIL_FROM is required"},
		{map[string]string{"HINDSIGHT_SMTP_URL": "smtp://u:hunter2@mail.example.com?tls=1", "HINDSIGHT_MAIL_FROM": "h@example.com"}, "https://h.example.com", `unknown parameter "tls"`},
		{map[string]string{"HINDSIGHT_MAIL_DIGEST_HOUR": "24"}, "", "HINDSIGHT_MAIL_DIGEST_HOUR"},
	} {
		_, err := stack.Build(t.Context(), st, stack.Config{BaseURL: tc.baseURL, Getenv: func(k string) string { return tc.env[k] }})
		if hindsight.ErrorCode(err) != hindsight.EInvalid || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("env %v: %v, want an invalid error naming %q (and no password)", tc.env, err, tc.want)
		}
	}
}

// TestReviewMailFlow: the application service's review use cases (CONTRACT
// 2's notify lists) reach the right people by email: the reviewer when
// asked, the author when a review and a comment arrive; nobody is told of
// their own action.
func TestReviewMailFlow(t *testing.T) {
	mp := mailtest.StartMailpit(t)
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hindsight.db"), sqlite.Options{Render: app.Render})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	env := map[string]string{"HINDSIGHT_SMTP_URL": mp.SMTPURL, "HINDSIGHT_MAIL_FROM": "Hindsight <hindsight@example.com>"}
	s, err := stack.Build(t.Context(), st, stack.Config{BaseURL: "https://hindsight.example.com",
		Getenv: func(k string) string { return env[k] },
		Auth:   auth.Options{Params: auth.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}},
	})
	if err != nil {
		t.Fatal(err)
	}
	actor := func(email, name string) app.Actor {
		u, err := s.Auth.AddUser(t.Context(), app.System, auth.NewUser{Email: email, Name: name, Role: hindsight.RoleEditor, Password: "a long password 123"})
		if err != nil {
			t.Fatal(err)
		}
		return app.Actor{ID: u.ID, Name: u.Email, Viewer: u.Viewer()}
	}
	author, reviewer := actor("ann@example.com", "Ann Author"), actor("rex@example.com", "Rex Reviewer")
	inc, err := s.Service.Open(t.Context(), author, app.NewIncident{Title: "Queue backlog"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Service.RequestReview(t.Context(), author, inc.ID, []string{"rex@example.com"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Service.Comment(t.Context(), reviewer, inc.ID, app.NewComment{Body: "Which queue?",
		Anchor: hindsight.Anchor{Kind: hindsight.AnchorSection, Section: hindsight.SecSummary}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Service.SubmitReview(t.Context(), reviewer, inc.ID, app.NewReview{State: hindsight.ReviewChangesRequested, Body: "Name the queue."}); err != nil {
		t.Fatal(err)
	}
	stats, err := s.Mail.Tick(t.Context())
	if err != nil || stats.Sent != 3 {
		t.Fatalf("tick %+v, %v; want 3 sent", stats, err)
	}
	msgs := mp.Wait(t, 3, 30*time.Second)
	got := map[string][]string{}
	for _, m := range msgs {
		got[m.To[0].Address] = append(got[m.To[0].Address], m.Subject)
	}
	want := map[string][]string{
		"rex@example.com": {"[Hindsight] Review requested: " + inc.ID + " Queue backlog"},
		"ann@example.com": {"[Hindsight] New comment on " + inc.ID + " Queue backlog", "[Hindsight] Rex Reviewer requested changes on " + inc.ID + " Queue backlog"},
	}
	for who, subjects := range want {
		if strings.Join(got[who], "|") != strings.Join(subjects, "|") {
			t.Errorf("%s got %q, want %q", who, got[who], subjects)
		}
	}
	if len(msgs) != 3 {
		t.Fatalf("%d messages, want 3", len(msgs))
	}
}

// TestDueMail: the due check (app.Service.QueueDueEvents, run by the
// webhook worker) tells the owner by email that a postmortem is overdue,
// once per due date.
func TestDueMail(t *testing.T) {
	mp := mailtest.StartMailpit(t)
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hindsight.db"), sqlite.Options{Render: app.Render, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	env := map[string]string{"HINDSIGHT_SMTP_URL": mp.SMTPURL, "HINDSIGHT_MAIL_FROM": "Hindsight <hindsight@example.com>"}
	s, err := stack.Build(t.Context(), st, stack.Config{BaseURL: "https://hindsight.example.com", Now: clock,
		Getenv: func(k string) string { return env[k] },
		Auth:   auth.Options{Params: auth.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Auth.AddUser(t.Context(), app.System, auth.NewUser{Email: "olive@example.com", Name: "Olive Owner", Role: hindsight.RoleEditor, Password: "a long password 123"}); err != nil {
		t.Fatal(err)
	}
	// ended 2026-11-15: due 14 days later, overdue for 2 days at now
	// (older postmortems are not announced: app.DueAnnounceWindow)
	start, _ := hindsight.ParseTime("2026-11-15 10:00")
	end, _ := hindsight.ParseTime("2026-11-15 12:00")
	p := &hindsight.Postmortem{Title: "Old outage", Status: hindsight.StatusDraft, Owner: "olive@example.com",
		Summary: hindsight.Summary{Start: start, End: end, Severity: hindsight.Sev2}}
	inc, err := s.Service.Create(t.Context(), app.System, p, app.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.Service.QueueDueEvents(t.Context()); err != nil || n != 1 {
		t.Fatalf("QueueDueEvents: %d, %v; want 1", n, err)
	}
	if n, _ := s.Service.QueueDueEvents(t.Context()); n != 0 {
		t.Fatalf("QueueDueEvents again: %d, want 0 (once per due date)", n)
	}
	if stats, err := s.Mail.Tick(t.Context()); err != nil || stats.Sent != 1 {
		t.Fatalf("tick %+v, %v; want 1 sent", stats, err)
	}
	msgs := mp.Wait(t, 1, 30*time.Second)
	if len(msgs) != 1 || msgs[0].To[0].Address != "olive@example.com" || msgs[0].Subject != "[Hindsight] Postmortem overdue: "+inc.ID+" Old outage" ||
		!strings.Contains(msgs[0].Text, "The postmortem of "+inc.ID+" Old outage was due on ") {
		t.Fatalf("mailpit got %+v", msgs)
	}
}
