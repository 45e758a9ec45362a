package mail

import (
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/mailtest"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/sqlite"
)

const base = "https://hindsight.example.com"

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

type mailTestStore interface {
	hindsight.Store
	hindsight.AccountStore
	hindsight.MailStore
}

func openSQLite(t testing.TB) mailTestStore {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hindsight.db"), sqlite.Options{Render: markdown.Render})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newMailer(t testing.TB, st hindsight.Store, smtpURL string, clk *clock) *Mailer {
	t.Helper()
	m, err := New(st, Config{SMTPURL: smtpURL, From: "Hindsight <hindsight@example.com>", BaseURL: base, DigestHour: DefaultDigestHour,
		Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func addUser(t testing.TB, st hindsight.AccountStore, id, name string) *hindsight.User {
	t.Helper()
	u := &hindsight.User{ID: id, Email: id + "@example.com", Name: name, Role: hindsight.RoleEditor, PasswordHash: "x"}
	if err := st.CreateUser(t.Context(), u, false, "", nil); err != nil {
		t.Fatal(err)
	}
	return u
}

// payload is a notification event as app makes it (app.Event with the
// notify list, CONTRACT 2).
func payload(event, incident, title string, notify []string, extra map[string]any) []byte {
	p := map[string]any{"event": event, "incident_id": incident, "title": title, "severity": "SEV-2", "status": "In Review",
		"actor": "alice@example.com", "notify": notify}
	for k, v := range extra {
		p[k] = v
	}
	b, _ := json.Marshal(p)
	return b
}

// incident creates an incident whose creation queues the events built by
// evs from its ID (the store fills the ID in; payloads name it by title).
func incident(t testing.TB, st hindsight.Store, title string, restricted bool, members []string, evs ...hindsight.OutboxEvent) *hindsight.Incident {
	t.Helper()
	inc, err := st.CreateIncident(t.Context(), hindsight.IncidentCreate{Doc: &hindsight.Postmortem{Title: title, Status: hindsight.StatusDraft},
		Author: "alice", Restricted: restricted, Members: members})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) > 0 {
		queue(t, st, inc, evs...)
	}
	return inc
}

// queue saves a revision of inc carrying events.
func queue(t testing.TB, st hindsight.Store, inc *hindsight.Incident, evs ...hindsight.OutboxEvent) {
	t.Helper()
	cur, err := st.FindIncidentByID(t.Context(), hindsight.SystemViewer, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i := range evs {
		evs[i].IncidentID = inc.ID
	}
	if _, err := st.UpdateIncident(t.Context(), hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: cur.Revision, Doc: cur.Doc, Author: "alice", Outbox: evs}); err != nil {
		t.Fatal(err)
	}
}

func ev(event string, inc *hindsight.Incident, notify []string, extra map[string]any) hindsight.OutboxEvent {
	return hindsight.OutboxEvent{Event: event, Payload: payload(event, inc.ID, inc.Doc.Title, notify, extra)}
}

func tick(t testing.TB, m *Mailer) TickStats {
	t.Helper()
	st, err := m.Tick(t.Context())
	if err != nil {
		t.Fatalf("Tick: %v", err)
	}
	return st
}

// TestNotificationEmail: a review request reaches the reviewer through a
// real SMTP server as a multipart message (text and HTML) with a subject
// that says what happened, links to the incident, and List-Unsubscribe
// with one-click.
func TestNotificationEmail(t *testing.T) {
	mp := mailtest.StartMailpit(t)
	st := openSQLite(t)
	clk := &clock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	m := newMailer(t, st, mp.SMTPURL, clk)
	bob := addUser(t, st, "usr_bob", "Bob Reviewer")
	inc := incident(t, st, "Checkout <outage>", false, nil)
	queue(t, st, inc,
		ev("review.requested", inc, []string{bob.ID}, nil),
		ev("comment.created", inc, []string{bob.ID}, map[string]any{"comment": map[string]any{"id": 7, "body": "Line one <b>\nline two", "author_name": "Carol"}}),
		ev("incident.status_changed", inc, nil, nil))
	if s := tick(t, m); s.Sent != 2 || s.Failed != 0 {
		t.Fatalf("tick %+v, want 2 sent", s)
	}
	msgs := mp.Wait(t, 2, 30*time.Second)
	if len(msgs) != 2 {
		t.Fatalf("mailpit got %d messages, want 2", len(msgs))
	}
	set, err := st.MailSettingsFor(t.Context(), bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	link := base + "/incidents/" + inc.ID
	unsub := base + "/mail/unsubscribe/" + set.UnsubscribeToken
	tests := []struct {
		subject  string
		text     []string
		html     []string
		notHTML  []string
		linkHTML string
	}{
		{subject: "[Hindsight] Review requested: " + inc.ID + " Checkout <outage>",
			text: []string{"alice@example.com asked you to review " + inc.ID + " Checkout <outage>.", "Open it: " + link, unsub},
			html: []string{"Checkout &lt;outage&gt;", `href="` + link + `"`, `href="` + unsub + `"`}},
		{subject: "[Hindsight] New comment on " + inc.ID + " Checkout <outage>",
			text: []string{"Carol commented on", "  > Line one <b>\n  > line two", link + "#comment-7"},
			html: []string{"Line one &lt;b&gt;<br>line two", `href="` + link + `#comment-7"`}, notHTML: []string{"<b>"}},
	}
	for i, tc := range tests {
		got := msgs[i]
		if got.Subject != tc.subject {
			t.Errorf("message %d subject %q, want %q", i, got.Subject, tc.subject)
		}
		if len(got.To) != 1 || got.To[0].Address != bob.Email || got.From.Address != "hindsight@example.com" {
			t.Errorf("message %d from %v to %v", i, got.From, got.To)
		}
		for _, s := range tc.text {
			if !strings.Contains(got.Text, s) {
				t.Errorf("message %d text lacks %q:\n%s", i, s, got.Text)
			}
		}
		for _, s := range tc.html {
			if !strings.Contains(got.HTML, s) {
				t.Errorf("message %d HTML lacks %q:\n%s", i, s, got.HTML)
			}
		}
		for _, s := range tc.notHTML {
			if strings.Contains(got.HTML, s) {
				t.Errorf("message %d HTML holds %q unescaped", i, s)
			}
		}
		if h := got.Headers["List-Unsubscribe"]; len(h) != 1 || h[0] != "<"+unsub+">" {
			t.Errorf("message %d List-Unsubscribe %q, want <%s>", i, h, unsub)
		}
		if h := got.Headers["List-Unsubscribe-Post"]; len(h) != 1 || h[0] != "List-Unsubscribe=One-Click" {
			t.Errorf("message %d List-Unsubscribe-Post %q", i, h)
		}
		if h := got.Headers["Content-Type"]; len(h) != 1 || !strings.HasPrefix(h[0], "multipart/alternative") {
			t.Errorf("message %d Content-Type %q, want multipart/alternative", i, h)
		}
	}
	if s := tick(t, m); s.Sent != 0 || s.Events != 0 {
		t.Fatalf("second tick %+v, want nothing to do", s)
	}
}

// TestRetryUntilServerUp: with the SMTP server down, the message stays
// queued and is retried with backoff; once it is up the message goes,
// exactly once.
func TestRetryUntilServerUp(t *testing.T) {
	mp := mailtest.New(t) // not started: connections are refused
	st := openSQLite(t)
	clk := &clock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	m := newMailer(t, st, mp.SMTPURL, clk)
	bob := addUser(t, st, "usr_bob", "Bob")
	incident(t, st, "Retry", false, nil)
	inc := incident(t, st, "Down then up", false, nil)
	queue(t, st, inc, ev("review.requested", inc, []string{bob.ID}, nil))
	for i := range 3 {
		s := tick(t, m)
		if s.Failed != 1 || s.Sent != 0 {
			t.Fatalf("tick %d with the server down: %+v, want 1 failed", i, s)
		}
		ms, _ := st.FindMail(t.Context(), hindsight.MailFilter{})
		if len(ms) != 1 || ms[0].Status != hindsight.MailPending || ms[0].Attempts != i+1 || ms[0].LastError == "" {
			t.Fatalf("after failure %d: %+v", i, ms)
		}
		// not due again before its backoff (at least half the delay)
		if s := tick(t, m); s.Failed != 0 {
			t.Fatalf("retried at once: %+v", s)
		}
		clk.Set(ms[0].NextAttempt)
	}
	mp.Start()
	if s := tick(t, m); s.Sent != 1 {
		t.Fatalf("tick with the server up: %+v, want 1 sent", s)
	}
	if s := tick(t, m); s.Sent != 0 || s.Failed != 0 {
		t.Fatalf("tick after sending: %+v, want nothing", s)
	}
	if got := mp.Wait(t, 1, 30*time.Second); len(got) != 1 {
		t.Fatalf("mailpit got %d messages, want exactly 1", len(got))
	}
	ms, _ := st.FindMail(t.Context(), hindsight.MailFilter{})
	if ms[0].Status != hindsight.MailSent || ms[0].Attempts != 4 {
		t.Fatalf("message %+v, want sent on the 4th attempt", ms[0])
	}
	// kept 30 days, then removed by the hourly clean-up
	clk.Set(clk.Now().Add(29 * 24 * time.Hour))
	tick(t, m)
	if ms, _ := st.FindMail(t.Context(), hindsight.MailFilter{}); len(ms) != 1 {
		t.Fatalf("%d messages after 29 days, want the sent one kept", len(ms))
	}
	clk.Set(clk.Now().Add(2 * 24 * time.Hour))
	tick(t, m)
	if ms, _ := st.FindMail(t.Context(), hindsight.MailFilter{}); len(ms) != 0 {
		t.Fatalf("%d messages after 31 days, want none", len(ms))
	}
}

// TestGiveUpAfterRetryWindow: a message still failing when its retry
// window ends fails for good.
func TestGiveUpAfterRetryWindow(t *testing.T) {
	st := openSQLite(t)
	clk := &clock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	port := mailtest.FreePort(t)
	m, err := New(st, Config{SMTPURL: "smtp://127.0.0.1:" + strconv.Itoa(port), From: "h@example.com", BaseURL: base, Now: clk.Now,
		RetryFor: 10 * time.Minute, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	bob := addUser(t, st, "usr_bob", "Bob")
	inc := incident(t, st, "Never", false, nil)
	queue(t, st, inc, ev("review.requested", inc, []string{bob.ID}, nil))
	for range 20 {
		tick(t, m)
		ms, _ := st.FindMail(t.Context(), hindsight.MailFilter{})
		if ms[0].Status == hindsight.MailFailed {
			if ms[0].Attempts < 2 {
				t.Fatalf("gave up after %d attempts", ms[0].Attempts)
			}
			return
		}
		clk.Set(clk.Now().Add(2 * time.Minute))
	}
	t.Fatal("never gave up")
}

// TestRefusedRecipient: a recipient the SMTP server refuses for good (5xx)
// fails at once, without holding up the others of its batch.
func TestRefusedRecipient(t *testing.T) {
	mp := mailtest.New(t)
	mp.Args = []string{"--smtp-allowed-recipients", "^usr_good@"}
	mp.Start()
	st := openSQLite(t)
	clk := &clock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	m := newMailer(t, st, mp.SMTPURL, clk)
	bad := addUser(t, st, "usr_bad", "Bad")
	good := addUser(t, st, "usr_good", "Good")
	inc := incident(t, st, "Refused", false, nil)
	queue(t, st, inc, ev("review.requested", inc, []string{bad.ID, good.ID}, nil))
	if s := tick(t, m); s.Sent != 1 || s.Failed != 1 {
		t.Fatalf("tick %+v, want 1 sent and 1 failed", s)
	}
	ms, _ := st.FindMail(t.Context(), hindsight.MailFilter{AccountID: bad.ID})
	if len(ms) != 1 || ms[0].Status != hindsight.MailFailed || ms[0].Attempts != 1 || !strings.Contains(ms[0].LastError, "550") {
		t.Fatalf("refused message %+v, want failed after 1 attempt with the 550 reply", ms)
	}
	if got := mp.Wait(t, 1, 30*time.Second); len(got) != 1 || got[0].To[0].Address != good.Email {
		t.Fatalf("mailpit got %v, want the good recipient's message", got)
	}
}

// TestRestrictedRecipients: who is not a member of a restricted incident
// when the message is sent gets nothing (neither content nor subject).
func TestRestrictedRecipients(t *testing.T) {
	mp := mailtest.StartMailpit(t)
	st := openSQLite(t)
	clk := &clock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	m := newMailer(t, st, mp.SMTPURL, clk)
	member := addUser(t, st, "usr_member", "Member")
	outsider := addUser(t, st, "usr_outsider", "Outsider")
	leaving := addUser(t, st, "usr_leaving", "Leaving")
	disabled := addUser(t, st, "usr_disabled", "Disabled")
	inc := incident(t, st, "Secret breach", true, []string{member.ID, leaving.ID, disabled.ID})
	queue(t, st, inc, ev("comment.created", inc, []string{member.ID, outsider.ID, leaving.ID, disabled.ID, "usr_gone"}, map[string]any{"comment": map[string]any{"body": "the secret"}}))
	// queued while leaving was a member; removed before sending
	if _, err := m.consume(t.Context()); err != nil {
		t.Fatal(err)
	}
	cur, _ := st.FindIncidentByID(t.Context(), hindsight.SystemViewer, inc.ID)
	members := []string{member.ID, disabled.ID}
	if _, err := st.UpdateIncident(t.Context(), hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: cur.Revision, Doc: cur.Doc, Author: "alice", Members: &members}); err != nil {
		t.Fatal(err)
	}
	yes := true
	if _, err := st.UpdateUser(t.Context(), disabled.ID, hindsight.UserUpdate{Disabled: &yes}, nil); err != nil {
		t.Fatal(err)
	}
	s := tick(t, m)
	if s.Sent != 1 || s.Dropped != 4 {
		t.Fatalf("tick %+v, want 1 sent, 4 dropped", s)
	}
	msgs := mp.Wait(t, 1, 30*time.Second)
	if len(msgs) != 1 || msgs[0].To[0].Address != member.Email || !strings.Contains(msgs[0].Text, "the secret") {
		t.Fatalf("mailpit got %d messages (%v), want the member's only", len(msgs), msgs)
	}
	ms, _ := st.FindMail(t.Context(), hindsight.MailFilter{Status: hindsight.MailDropped})
	reasons := map[string]string{}
	for _, x := range ms {
		reasons[x.AccountID] = x.LastError
	}
	want := map[string]string{outsider.ID: "the recipient may no longer see the incident", leaving.ID: "the recipient may no longer see the incident",
		disabled.ID: "the account is disabled", "usr_gone": "the account no longer exists"}
	for k, v := range want {
		if reasons[k] != v {
			t.Errorf("dropped %s: %q, want %q", k, reasons[k], v)
		}
	}
}

// TestRestrictedByTeam: a restricted incident shared with a team mails
// the team's members (the store's viewer filter decides, as for pages),
// and stops when the account leaves the team.
func TestRestrictedByTeam(t *testing.T) {
	mp := mailtest.StartMailpit(t)
	st := openSQLite(t)
	ts, ok := any(st).(hindsight.TeamStore)
	if !ok {
		t.Skip("the store keeps no teams")
	}
	clk := &clock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	m := newMailer(t, st, mp.SMTPURL, clk)
	tess := addUser(t, st, "usr_tess", "Tess")
	if _, err := ts.CreateTeam(t.Context(), &hindsight.Team{Slug: "payments", Name: "Payments", Members: []hindsight.TeamMember{{UserID: tess.ID}}}, nil); err != nil {
		t.Fatal(err)
	}
	inc, err := st.CreateIncident(t.Context(), hindsight.IncidentCreate{Doc: &hindsight.Postmortem{Title: "Team only", Status: hindsight.StatusDraft},
		Author: "alice", Restricted: true, MemberTeams: []string{"payments"}})
	if err != nil {
		t.Fatal(err)
	}
	queue(t, st, inc, ev("review.requested", inc, []string{tess.ID}, nil))
	if s := tick(t, m); s.Sent != 1 {
		t.Fatalf("tick %+v, want the team member's message sent", s)
	}
	if _, err := ts.UpdateTeam(t.Context(), "payments", hindsight.TeamUpdate{RemoveMembers: []string{tess.ID}}, nil); err != nil {
		t.Fatal(err)
	}
	queue(t, st, inc, ev("comment.created", inc, []string{tess.ID}, map[string]any{"comment": map[string]any{"body": "team secret"}}))
	if s := tick(t, m); s.Sent != 0 || s.Dropped != 1 {
		t.Fatalf("tick after leaving the team %+v, want it dropped", s)
	}
	if got := mp.Wait(t, 1, 30*time.Second); len(got) != 1 || strings.Contains(got[0].Text, "team secret") {
		t.Fatalf("mailpit got %d messages, want only the first", len(got))
	}
}

// TestDigest: an account on the daily digest gets one message a day at the
// digest hour with everything since the last one; an account that turned
// mail off gets nothing.
func TestDigest(t *testing.T) {
	mp := mailtest.StartMailpit(t)
	st := openSQLite(t)
	clk := &clock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	m := newMailer(t, st, mp.SMTPURL, clk)
	dana := addUser(t, st, "usr_dana", "Dana")
	olly := addUser(t, st, "usr_olly", "Olly")
	if _, err := m.SetPreference(t.Context(), dana.ID, hindsight.MailDigest, dana.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := m.SetPreference(t.Context(), olly.ID, hindsight.MailOff, olly.ID, ""); err != nil {
		t.Fatal(err)
	}
	a := incident(t, st, "First", false, nil)
	b := incident(t, st, "Second", false, nil)
	queue(t, st, a, ev("review.requested", a, []string{dana.ID, olly.ID}, nil))
	queue(t, st, b, ev("review.submitted", b, []string{dana.ID}, map[string]any{"review": map[string]any{"state": "changes_requested", "body": "Add the timeline", "reviewer_name": "Rita", "revision": 3}}))
	queue(t, st, b, ev("postmortem.overdue", b, []string{dana.ID}, map[string]any{"due_at": "2026-11-30T00:00:00Z"}))
	if s := tick(t, m); s.Sent != 0 || s.Digests != 0 {
		t.Fatalf("tick at 10:00: %+v, want nothing sent (held for tomorrow 08:00)", s)
	}
	clk.Set(time.Date(2026, 12, 2, 7, 59, 0, 0, time.UTC))
	if s := tick(t, m); s.Sent != 0 {
		t.Fatalf("tick at 07:59: %+v, want nothing", s)
	}
	clk.Set(time.Date(2026, 12, 2, 8, 0, 30, 0, time.UTC))
	if s := tick(t, m); s.Digests != 1 || s.Sent != 1 {
		t.Fatalf("tick at 08:00: %+v, want one digest sent", s)
	}
	msgs := mp.Wait(t, 1, 30*time.Second)
	if len(msgs) != 1 {
		t.Fatalf("mailpit got %d messages, want 1 digest", len(msgs))
	}
	d := msgs[0]
	if d.Subject != "[Hindsight] Your daily digest: 3 notifications" || d.To[0].Address != dana.Email {
		t.Fatalf("digest %q to %v", d.Subject, d.To)
	}
	for _, s := range []string{
		"alice@example.com asked you to review " + a.ID + " First.",
		"Rita requested changes on " + b.ID + " Second (revision 3).", "  > Add the timeline",
		"The postmortem of " + b.ID + " Second was due on Mon 30 Nov 2026 and is not published yet.",
		base + "/incidents/" + a.ID, base + "/incidents/" + b.ID,
	} {
		if !strings.Contains(d.Text, s) {
			t.Errorf("digest text lacks %q:\n%s", s, d.Text)
		}
	}
	if strings.Count(d.HTML, "<li>") != 3 {
		t.Errorf("digest HTML lists %d items, want 3:\n%s", strings.Count(d.HTML, "<li>"), d.HTML)
	}
	if s := tick(t, m); s.Sent != 0 || s.Digests != 0 {
		t.Fatalf("tick after the digest: %+v, want nothing", s)
	}
}

// TestUnsubscribe: the token of the List-Unsubscribe link turns the
// account's mail off; later events send it nothing.
func TestUnsubscribe(t *testing.T) {
	st := openSQLite(t)
	clk := &clock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	m := newMailer(t, st, "smtp://127.0.0.1:1?starttls=0", clk)
	bob := addUser(t, st, "usr_bob", "Bob")
	set, err := m.Preference(t.Context(), bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Unsubscribe(t.Context(), "not-a-token", ""); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Fatalf("unknown token: %v, want not found", err)
	}
	got, err := m.Unsubscribe(t.Context(), set.UnsubscribeToken, "192.0.2.1")
	if err != nil || got.Preference != hindsight.MailOff || got.AccountID != bob.ID {
		t.Fatalf("unsubscribe: %+v, %v", got, err)
	}
	inc := incident(t, st, "After", false, nil)
	queue(t, st, inc, ev("review.requested", inc, []string{bob.ID}, nil))
	if s := tick(t, m); s.Events == 0 || s.Sent+s.Failed != 0 {
		t.Fatalf("tick %+v: want the event read and nothing queued", s)
	}
	if ms, _ := st.FindMail(t.Context(), hindsight.MailFilter{}); len(ms) != 0 {
		t.Fatalf("%d messages queued for an unsubscribed account", len(ms))
	}
	es, _ := st.FindAudit(t.Context(), hindsight.AuditFilter{Action: "mail.unsubscribe"})
	if len(es) != 1 || es[0].Target != bob.ID || es[0].Address != "192.0.2.1" {
		t.Fatalf("audit %+v, want one mail.unsubscribe entry", es)
	}
}

// TestMailOff: without an SMTP URL events are read and passed over, so
// turning mail on later does not send old news.
func TestMailOff(t *testing.T) {
	st := openSQLite(t)
	clk := &clock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	m := newMailer(t, st, "", clk)
	if m.Enabled() {
		t.Fatal("mail on without an SMTP URL")
	}
	bob := addUser(t, st, "usr_bob", "Bob")
	inc := incident(t, st, "Quiet", false, nil)
	queue(t, st, inc, ev("review.requested", inc, []string{bob.ID}, nil))
	if s := tick(t, m); s.Events != 1 {
		t.Fatalf("tick %+v, want the event read", s)
	}
	if ms, _ := st.FindMail(t.Context(), hindsight.MailFilter{}); len(ms) != 0 {
		t.Fatalf("%d messages queued with mail off", len(ms))
	}
	// serve logs once whether mail is on
	var buf strings.Builder
	m.log = slog.New(slog.NewTextHandler(&buf, nil))
	m.LogState()
	m.LogState()
	if n := strings.Count(buf.String(), "mail is off: set HINDSIGHT_SMTP_URL"); n != 1 {
		t.Fatalf("logged %d times that mail is off, want once:\n%s", n, buf.String())
	}
	on := newMailer(t, st, "smtp://127.0.0.1:1?starttls=0", clk)
	if s := tick(t, on); s.Events != 0 {
		t.Fatalf("mail turned on read %d old events", s.Events)
	}
}

func TestConfigErrors(t *testing.T) {
	st := openSQLite(t)
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no from", Config{SMTPURL: "smtp://mail.example.com", BaseURL: base}, "HINDSIGHT_MAIL_FROM is required"},
		{"bad from", Config{SMTPURL: "smtp://mail.example.com", From: "not an address", BaseURL: base}, "HINDSIGHT_MAIL_FROM \"not an address\""},
		{"no base URL", Config{SMTPURL: "smtp://mail.example.com", From: "h@example.com"}, "base URL"},
		{"bad URL", Config{SMTPURL: "http://mail.example.com", From: "h@example.com", BaseURL: base}, "scheme must be smtp or smtps"},
		{"bad hour", Config{DigestHour: 24}, "digest hour 24"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(st, tc.cfg)
			if hindsight.ErrorCode(err) != hindsight.EInvalid || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: %v, want an invalid error with %q", err, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"HINDSIGHT_MAIL_DIGEST_HOUR": "25"}, "HINDSIGHT_MAIL_DIGEST_HOUR: \"25\""},
		{map[string]string{"HINDSIGHT_MAIL_DIGEST_HOUR": "eight"}, "HINDSIGHT_MAIL_DIGEST_HOUR: \"eight\""},
	} {
		_, err := ConfigFromEnv(func(k string) string { return tc.env[k] })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ConfigFromEnv(%v): %v, want %q", tc.env, err, tc.want)
		}
	}
	c, err := ConfigFromEnv(func(k string) string {
		return map[string]string{"HINDSIGHT_SMTP_URL": " smtp://m:25 ", "HINDSIGHT_MAIL_FROM": "h@example.com", "HINDSIGHT_MAIL_DIGEST_HOUR": "0"}[k]
	})
	if err != nil || c.SMTPURL != "smtp://m:25" || c.From != "h@example.com" || c.DigestHour != 0 {
		t.Fatalf("ConfigFromEnv: %+v, %v", c, err)
	}
	if c, _ := ConfigFromEnv(func(string) string { return "" }); c.DigestHour != DefaultDigestHour {
		t.Fatalf("default digest hour %d", c.DigestHour)
	}
}

func TestParseSMTPURL(t *testing.T) {
	tests := []struct {
		in   string
		want smtpSettings
		err  string
	}{
		{in: "smtp://user:pa%40ss@mail.example.com:587?starttls=1", want: smtpSettings{host: "mail.example.com", port: 587, tls: 0, user: "user", password: "pa@ss"}},
		{in: "smtp://mail.example.com", want: smtpSettings{host: "mail.example.com", port: 25, tls: 1}},
		{in: "smtp://127.0.0.1:1025?starttls=0", want: smtpSettings{host: "127.0.0.1", port: 1025, tls: 2}},
		{in: "smtps://u:p@mail.example.com", want: smtpSettings{host: "mail.example.com", port: 465, ssl: true, user: "u", password: "p"}},
		{in: "smtps://[::1]:2465", want: smtpSettings{host: "::1", port: 2465, ssl: true}},
		{in: "http://mail.example.com", err: "scheme must be smtp or smtps"},
		{in: "smtp://", err: "names no host"},
		{in: "smtp://m:0", err: `port "0"`},
		{in: "smtp://m:99999", err: `port "99999"`},
		{in: "smtp://m/path", err: "no path"},
		{in: "smtp://m?starttls=maybe", err: `starttls="maybe"`},
		{in: "smtp://m?tls=1", err: `unknown parameter "tls"`},
		{in: "smtps://m?starttls=1", err: "smtps:// is TLS already"},
		{in: "smtp://user:secret@m:x", err: "HINDSIGHT_SMTP_URL (an SMTP URL with credentials)"},
		{in: "smtp://user:secret@m?x=1", err: "user:xxxxx@m"},
	}
	for _, tc := range tests {
		got, err := ParseSMTPURL(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "secret") {
				t.Errorf("ParseSMTPURL(%q): %v, want an error with %q (and no password)", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseSMTPURL(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func FuzzParseSMTPURL(f *testing.F) {
	for _, s := range []string{"smtp://u:p@h:587?starttls=1", "smtps://h", "smtp://[::1]:25", "smtp://%zz", "smtp://h?starttls=0&starttls=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseSMTPURL(s)
		if err != nil {
			if hindsight.ErrorCode(err) != hindsight.EInvalid {
				t.Fatalf("error %v is not invalid", err)
			}
			return
		}
		if got.host == "" || got.port < 1 || got.port > 65535 {
			t.Fatalf("accepted %q as %+v", s, got)
		}
	})
}
