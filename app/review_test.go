package app_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/sqlite"
)

type reviewEnv struct {
	s                     *app.Service
	path                  string
	author, rev, admin, v app.Actor
}

// newReviewService is a service over a real SQLite file with the gate of
// the issue: SEV-1 two approvals, SEV-2 one, authors do not count, every
// thread resolved, lint errors block.
func newReviewService(t testing.TB, yaml string) *reviewEnv {
	t.Helper()
	clock := func() time.Time { return day }
	path := filepath.Join(t.TempDir(), "hs.db")
	st, err := sqlite.Open(context.Background(), path, sqlite.Options{Render: app.Render, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if yaml == "" {
		yaml = "review:\n  required_approvals: {SEV-1: 2, SEV-2: 1, default: 0}\n  author_can_approve: false\n  resolve_threads: true\n  due_days: {SEV-2: 10, default: 20}\n"
	}
	cfg, err := lint.ParseConfig(".hindsight.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	e := &reviewEnv{s: app.New(st, app.Options{Now: clock, Lint: cfg}), path: path}
	mk := func(id, email string, role hindsight.Role) app.Actor {
		u := &hindsight.User{ID: id, Email: email, Name: strings.ToUpper(id[4:5]) + id[5:], Role: role, PasswordHash: "$argon2id$x"}
		if err := st.CreateUser(context.Background(), u, false, "", nil); err != nil {
			t.Fatal(err)
		}
		return app.Actor{ID: id, Name: email, Viewer: u.Viewer()}
	}
	e.author = mk("usr_author", "author@example.com", hindsight.RoleEditor)
	e.rev = mk("usr_reviewer", "reviewer@example.com", hindsight.RoleEditor)
	e.admin = mk("usr_admin", "admin@example.com", hindsight.RoleAdmin)
	e.v = mk("usr_viewer", "viewer@example.com", hindsight.RoleViewer)
	return e
}

func (e *reviewEnv) incident(t *testing.T) *hindsight.Incident { return e.incidentTB(t) }

func (e *reviewEnv) incidentTB(t testing.TB) *hindsight.Incident {
	t.Helper()
	start, _ := hindsight.ParseTime("2026-11-20 14:00")
	in, err := e.s.Open(context.Background(), e.author, app.NewIncident{Title: "Checkout down", Severity: hindsight.Sev2, Start: start, Commander: "Dana"})
	if err != nil {
		t.Fatal(err)
	}
	doc := *in.Doc
	doc.Timeline = []hindsight.Event{ev("2026-11-20 14:00", "alert fired"), ev("2026-11-20 14:02", "deploy started")}
	end, _ := hindsight.ParseTime("2026-11-20 15:00")
	doc.Summary.End = end
	doc.Status = hindsight.StatusInReview
	in, err = e.s.Save(context.Background(), e.author, in.ID, in.Revision, &doc, app.SaveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func ev(at, text string) hindsight.Event {
	tm, _ := hindsight.ParseTime(at)
	return hindsight.Event{Time: tm, Event: text}
}

// outbox reads the queued events of the database file.
func (e *reviewEnv) outbox(t *testing.T, event string) []app.Event {
	t.Helper()
	db, err := sql.Open("sqlite", e.path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT payload FROM outbox WHERE event = ? ORDER BY id`, event)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []app.Event
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		var ev app.Event
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

func code(t *testing.T, what string, err error, want hindsight.Code) {
	t.Helper()
	if got := hindsight.ErrorCode(err); got != want {
		t.Fatalf("%s: %q (%v), want %q", what, got, err, want)
	}
}

// TestReviewWorkflow: the story through the application service.
func TestReviewWorkflow(t *testing.T) {
	e := newReviewService(t, "")
	ctx := context.Background()
	in := e.incident(t)
	if _, err := e.s.RequestReview(ctx, e.author, in.ID, []string{"reviewer@example.com"}); err != nil {
		t.Fatal(err)
	}
	_, err := e.s.RequestReview(ctx, e.author, in.ID, []string{"nobody@example.com"})
	code(t, "unknown reviewer", err, hindsight.EInvalid)
	reqEv := e.outbox(t, hindsight.EventReviewRequested)
	if len(reqEv) != 1 || !slices.Equal(reqEv[0].Notify, []string{"usr_reviewer"}) || reqEv[0].Actor != "author@example.com" || reqEv[0].Reviewers[0] != "reviewer@example.com" {
		t.Errorf("review.requested events %+v", reqEv)
	}
	c, err := e.s.Comment(ctx, e.rev, in.ID, app.NewComment{Body: "which deploy?",
		Anchor: hindsight.Anchor{Kind: hindsight.AnchorTimeline, Section: hindsight.SecTimeline, Time: "2026-11-20 14:02", Text: "deploy started", Index: 1}})
	if err != nil || c.Position.Row != 1 || c.Position.Outdated {
		t.Fatalf("comment %+v, %v", c, err)
	}
	comEv := e.outbox(t, hindsight.EventCommentCreated)
	if len(comEv) != 1 || !slices.Equal(comEv[0].Notify, []string{"usr_author"}) || comEv[0].Comment == nil || comEv[0].Comment.ID != c.ID {
		t.Errorf("comment.created events %+v", comEv)
	}
	for _, st := range []hindsight.ReviewState{hindsight.ReviewChangesRequested, hindsight.ReviewCommented} {
		if _, err := e.s.SubmitReview(ctx, e.rev, in.ID, app.NewReview{State: st, Body: " \n"}); hindsight.ErrorCode(err) != hindsight.EInvalid || !strings.Contains(err.Error(), "body") {
			t.Errorf("a %s review without a body: %v, want invalid naming body", st, err)
		}
	}
	if _, err := e.s.SubmitReview(ctx, e.rev, in.ID, app.NewReview{State: hindsight.ReviewChangesRequested, Body: "name the deploy"}); err != nil {
		t.Fatal(err)
	}
	// the author approves their own postmortem: it does not count
	if _, err := e.s.SubmitReview(ctx, e.author, in.ID, app.NewReview{State: hindsight.ReviewApproved}); err != nil {
		t.Fatal(err)
	}
	_, err = e.s.SetStatus(ctx, e.author, in.ID, 0, hindsight.StatusPublished)
	code(t, "publish before review", err, hindsight.EConflict)
	for _, want := range []string{"0 current approvals of 1 required (SEV-2)", "1 by an author, which does not count", "1 unresolved comment thread"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q lacks %q", err, want)
		}
	}
	// the author adds a row above and edits the commented row: the comment follows
	cur, _ := e.s.Get(ctx, e.author, in.ID)
	doc := *cur.Doc
	doc.Timeline = []hindsight.Event{ev("2026-11-20 13:55", "error rate rising"), ev("2026-11-20 14:00", "alert fired"), ev("2026-11-20 14:02", "deploy v2.3 started")}
	if _, err := e.s.Save(ctx, e.author, in.ID, cur.Revision, &doc, app.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	cs, err := e.s.Comments(ctx, e.rev, in.ID)
	if err != nil || len(cs) != 1 || cs[0].Position.Row != 2 || cs[0].Position.Outdated {
		t.Fatalf("comments after the edit %+v, %v", cs, err)
	}
	if _, err := e.s.UpdateComment(ctx, e.author, c.ID, app.CommentChange{Resolved: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	r, err := e.s.SubmitReview(ctx, e.rev, in.ID, app.NewReview{State: hindsight.ReviewApproved, Body: "LGTM"})
	if err != nil {
		t.Fatal(err)
	}
	subEv := e.outbox(t, hindsight.EventReviewSubmitted)
	if last := subEv[len(subEv)-1]; last.Review == nil || last.Review.ID != r.ID || !slices.Contains(last.Notify, "usr_author") || slices.Contains(last.Notify, "usr_reviewer") {
		t.Errorf("review.submitted %+v", last)
	}
	st, err := e.s.ReviewStatus(ctx, e.author, in.ID)
	if err != nil || !st.Gate.OK || st.OpenThreads != 0 || len(st.Latest) != 2 {
		t.Fatalf("review status %+v, %v", st, err)
	}
	if st.DueAt.IsZero() || !st.DueAt.Equal(time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)) || st.DueState != hindsight.DueLater {
		t.Errorf("due %v %q", st.DueAt, st.DueState)
	}
	pub, err := e.s.SetStatus(ctx, e.author, in.ID, 0, hindsight.StatusPublished)
	if err != nil || pub.Doc.Status != hindsight.StatusPublished {
		t.Fatalf("publish through a green gate: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// TestGateCannotBeBypassed: every way to Published goes through the gate.
func TestGateCannotBeBypassed(t *testing.T) {
	e := newReviewService(t, "")
	ctx := context.Background()
	t.Run("SaveWithStatus", func(t *testing.T) {
		in := e.incident(t)
		doc := *in.Doc
		doc.Status = hindsight.StatusInReview
		cur, err := e.s.Save(ctx, e.author, in.ID, in.Revision, &doc, app.SaveOptions{})
		if err != nil {
			t.Fatal(err)
		}
		doc.Status = hindsight.StatusPublished
		_, err = e.s.Save(ctx, e.author, in.ID, cur.Revision, &doc, app.SaveOptions{})
		code(t, "save as Published", err, hindsight.EConflict)
		_, err = e.s.SaveMarkdown(ctx, e.author, in.ID, cur.Revision, []byte(strings.Replace(string(cur.Markdown), "**Status:** In Review", "**Status:** Published", 1)), app.SaveOptions{})
		code(t, "save Markdown as Published", err, hindsight.EConflict)
		_, err = e.s.Save(ctx, e.admin, in.ID, cur.Revision, &doc, app.SaveOptions{Force: true})
		code(t, "forced save (import --force)", err, hindsight.EConflict)
	})
	t.Run("CreatePublished", func(t *testing.T) {
		p := &hindsight.Postmortem{Title: "born published", Status: hindsight.StatusPublished}
		p.Summary.Severity = hindsight.Sev1
		_, err := e.s.Create(ctx, e.author, p, app.CreateOptions{})
		code(t, "create as Published", err, hindsight.EConflict)
	})
	t.Run("ImportArrivesInReview", func(t *testing.T) {
		src := []byte("# Incident Postmortem: imported\n\n**Status:** Published\n\n## Incident Summary\n\n- **Severity:** SEV-1\n")
		r := e.s.Import(ctx, e.admin, "old.md", src, app.ImportOptions{Force: true})
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		in, _ := e.s.Get(ctx, e.admin, r.ID)
		if in.Doc.Status != hindsight.StatusInReview {
			t.Errorf("imported as %s", in.Doc.Status)
		}
		r = e.s.Import(ctx, e.author, "old2.md", src, app.ImportOptions{Force: true, KeepStatus: true})
		code(t, "--keep-status by an editor", r.Err, hindsight.EForbidden)
		r = e.s.Import(ctx, app.System, "old3.md", src, app.ImportOptions{Force: true, KeepStatus: true})
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		in, _ = e.s.Get(ctx, e.admin, r.ID)
		if in.Doc.Status != hindsight.StatusPublished {
			t.Errorf("--keep-status imported as %s", in.Doc.Status)
		}
		as, _ := e.s.Store().(hindsight.AccountStore)
		es, err := as.FindAudit(ctx, hindsight.AuditFilter{Action: app.AuditImportKeepStatus, IncidentID: r.ID})
		if err != nil || len(es) != 1 {
			t.Errorf("--keep-status not audited: %v %v", es, err)
		}
	})
	t.Run("AdminOverride", func(t *testing.T) {
		in := e.incident(t)
		_, err := e.s.Publish(ctx, e.author, in.ID, 0, "because")
		code(t, "override by an editor", err, hindsight.EForbidden)
		_, err = e.s.Publish(ctx, e.admin, in.ID, 0, "")
		code(t, "admin without a reason", err, hindsight.EConflict)
		pub, err := e.s.Publish(ctx, e.admin, in.ID, 0, "legal asked for it today")
		if err != nil || pub.Doc.Status != hindsight.StatusPublished {
			t.Fatalf("override: %v", err)
		}
		o := e.s.PublishOverride(ctx, in.ID)
		if o == nil || o.Reason != "legal asked for it today" || o.By != "admin@example.com" {
			t.Errorf("override shown as %+v", o)
		}
	})
}

func TestCommentPermissions(t *testing.T) {
	e := newReviewService(t, "")
	ctx := context.Background()
	in := e.incident(t)
	c, err := e.s.Comment(ctx, e.rev, in.ID, app.NewComment{Body: "hm", Anchor: hindsight.Anchor{Kind: hindsight.AnchorSection, Section: hindsight.SecRootCause}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.s.Comment(ctx, e.rev, in.ID, app.NewComment{Body: "hm", Anchor: hindsight.Anchor{Kind: "paragraph"}})
	code(t, "bad anchor", err, hindsight.EInvalid)
	_, err = e.s.UpdateComment(ctx, e.author, c.ID, app.CommentChange{Body: ptr("mine now")})
	code(t, "edit by another", err, hindsight.EForbidden)
	if c, err = e.s.UpdateComment(ctx, e.rev, c.ID, app.CommentChange{Body: ptr("hm, why?")}); err != nil || len(c.History) != 1 {
		t.Fatalf("edit by the author: %+v %v", c, err)
	}
	code(t, "delete by an editor", e.s.DeleteComment(ctx, e.rev, c.ID), hindsight.EForbidden)
	if err := e.s.DeleteComment(ctx, e.admin, c.ID); err != nil {
		t.Fatal(err)
	}
	as, _ := e.s.Store().(hindsight.AccountStore)
	es, err := as.FindAudit(ctx, hindsight.AuditFilter{Action: app.AuditCommentDelete})
	if err != nil || len(es) != 1 || !strings.Contains(es[0].Detail, "hm, why?") {
		t.Errorf("delete not audited: %+v %v", es, err)
	}
}

func TestDueEventsOnce(t *testing.T) {
	e := newReviewService(t, "review:\n  due_days: {default: 1}\n")
	ctx := context.Background()
	in := e.incident(t) // ended 2026-11-20 15:00, due a day later: overdue on the 26th
	doc := *in.Doc
	doc.Owner = "reviewer@example.com"
	if _, err := e.s.Save(ctx, e.author, in.ID, in.Revision, &doc, app.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	n, err := e.s.QueueDueEvents(ctx)
	if err != nil || n != 1 {
		t.Fatalf("QueueDueEvents = %d, %v", n, err)
	}
	if n, _ := e.s.QueueDueEvents(ctx); n != 0 {
		t.Errorf("queued again: %d", n)
	}
	evs := e.outbox(t, hindsight.EventPostmortemOverdue)
	if len(evs) != 1 || !slices.Equal(evs[0].Notify, []string{"usr_reviewer"}) || !evs[0].DueAt.Equal(time.Date(2026, 11, 21, 15, 0, 0, 0, time.UTC)) {
		t.Errorf("overdue events %+v", evs)
	}
	my, err := e.s.MyReviews(ctx, e.rev)
	if err != nil || len(my.Overdue) != 1 || my.Overdue[0].ID != in.ID {
		t.Errorf("my reviews %+v, %v", my, err)
	}
}

func TestRestrictedReviewers(t *testing.T) {
	e := newReviewService(t, "")
	ctx := context.Background()
	start, _ := hindsight.ParseTime("2026-11-20 14:00")
	in, err := e.s.Open(ctx, e.author, app.NewIncident{Title: "secret", Severity: hindsight.Sev2, Start: start, Restricted: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.s.RequestReview(ctx, e.author, in.ID, []string{"reviewer@example.com"})
	var he *hindsight.Error
	if hindsight.ErrorCode(err) != hindsight.EInvalid || !asError(err, &he) || he.Fields[0].Field != "reviewers[0]" || !strings.Contains(err.Error(), "not a member") {
		t.Errorf("non-member reviewer: %v", err)
	}
	_, err = e.s.Comments(ctx, e.rev, in.ID)
	code(t, "comments of a restricted incident to a non-member", err, hindsight.ENotFound)
	_, err = e.s.ReviewStatus(ctx, e.rev, in.ID)
	code(t, "review status to a non-member", err, hindsight.ENotFound)
}

func asError(err error, target **hindsight.Error) bool {
	e, ok := err.(*hindsight.Error)
	*target = e
	return ok
}

// TestDueEventsSkipLongOverdue: a postmortem that fell due weeks before
// the check ran (an import of old drafts, an upgrade) is not announced;
// one that fell due within the window is.
func TestDueEventsSkipLongOverdue(t *testing.T) {
	e := newReviewService(t, "review:\n  due_days: {default: 1}\n")
	ctx := context.Background()
	recent := e.incident(t) // due 2026-11-21 15:00
	old := e.incident(t)
	doc := *old.Doc
	start, _ := hindsight.ParseTime("2026-10-01 14:00")
	end, _ := hindsight.ParseTime("2026-10-01 15:00")
	doc.Summary.Start, doc.Summary.End = start, end
	doc.Timeline = []hindsight.Event{ev("2026-10-01 14:00", "alert fired")}
	if _, err := e.s.Save(ctx, e.author, old.ID, old.Revision, &doc, app.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	if n, err := e.s.QueueDueEvents(ctx); err != nil || n != 1 {
		t.Fatalf("QueueDueEvents = %d, %v; want only the recent one", n, err)
	}
	evs := e.outbox(t, hindsight.EventPostmortemOverdue)
	if len(evs) != 1 || evs[0].IncidentID != recent.ID {
		t.Errorf("overdue events %+v, want one for %s", evs, recent.ID)
	}
}

// TestMyReviewsScope: MyReviews lists the account's own unpublished
// postmortems (Owner its email or name, any case) that are overdue or due
// within three days, in start order, and the unpublished incidents of the
// review requests it asked for; not a published, later, End-less,
// someone else's or hidden restricted one.
func TestMyReviewsScope(t *testing.T) {
	e := newReviewService(t, "") // due_days {SEV-2: 10, default: 20}; now 2026-11-26 09:30
	ctx := context.Background()
	mk := func(title, owner string, sev hindsight.Severity, start, end string, st hindsight.Status, restricted bool) string {
		t.Helper()
		s, _ := hindsight.ParseTime(start)
		in, err := e.s.Open(ctx, e.author, app.NewIncident{Title: title, Severity: sev, Start: s, Restricted: restricted})
		if err != nil {
			t.Fatal(err)
		}
		doc := *in.Doc
		doc.Owner = owner
		if end != "" {
			doc.Summary.End, _ = hindsight.ParseTime(end)
		}
		// a postmortem is published from In Review
		for _, step := range []hindsight.Status{hindsight.StatusInReview, hindsight.StatusPublished} {
			if st == hindsight.StatusDraft || (step == hindsight.StatusPublished && st != step) {
				break
			}
			doc.Status = step
			if in, err = e.s.Save(ctx, e.author, in.ID, in.Revision, &doc, app.SaveOptions{}); err != nil {
				t.Fatal(err)
			}
			doc = *in.Doc
		}
		if st == hindsight.StatusDraft {
			if _, err := e.s.Save(ctx, e.author, in.ID, in.Revision, &doc, app.SaveOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		return in.ID
	}
	ids := map[string]string{}
	for _, x := range []struct {
		title, owner string
		sev          hindsight.Severity
		start, end   string
		st           hindsight.Status
		restricted   bool
	}{
		{"overdue", "REVIEWER@example.com", hindsight.Sev2, "2026-11-14 10:00", "2026-11-14 12:00", hindsight.StatusDraft, false}, // due 11-24
		{"overdue-earlier", "reviewer", hindsight.Sev3, "2026-10-01 10:00", "2026-10-01 12:00", hindsight.StatusInReview, false},  // due 10-21
		{"soon", "Reviewer", hindsight.Sev3, "2026-11-07 10:00", "2026-11-07 12:00", hindsight.StatusDraft, false},                // due 11-27
		{"later", "reviewer@example.com", hindsight.Sev3, "2026-11-20 10:00", "2026-11-20 12:00", hindsight.StatusDraft, false},   // due 12-10
		{"published", "reviewer@example.com", hindsight.Sev4, "2026-10-01 10:00", "2026-10-01 12:00", hindsight.StatusPublished, false},
		{"no-end", "reviewer@example.com", hindsight.Sev2, "2026-10-01 10:00", "", hindsight.StatusDraft, false},
		{"theirs", "author@example.com", hindsight.Sev2, "2026-10-01 10:00", "2026-10-01 12:00", hindsight.StatusDraft, false},
		{"hidden", "reviewer@example.com", hindsight.Sev2, "2026-10-01 10:00", "2026-10-01 12:00", hindsight.StatusDraft, true},
	} {
		ids[x.title] = mk(x.title, x.owner, x.sev, x.start, x.end, x.st, x.restricted)
	}
	for _, name := range []string{"theirs", "published"} {
		if _, err := e.s.RequestReview(ctx, e.rev, ids[name], []string{"author@example.com"}); err != nil {
			t.Fatalf("request review of %s: %v", name, err)
		}
	}
	my, err := e.s.MyReviews(ctx, e.rev)
	if err != nil {
		t.Fatal(err)
	}
	names := func(items []app.ReviewItem) []string {
		var out []string
		for _, it := range items {
			for n, id := range ids {
				if id == it.ID {
					out = append(out, n)
				}
			}
		}
		return out
	}
	if got := names(my.Overdue); !slices.Equal(got, []string{"overdue-earlier", "overdue"}) {
		t.Errorf("overdue %v, want [overdue-earlier overdue]", got)
	}
	if got := names(my.Due); !slices.Equal(got, []string{"soon"}) {
		t.Errorf("due soon %v, want [soon]", got)
	}
	if got := names(my.Waiting); !slices.Equal(got, []string{"theirs"}) || my.Waiting[0].OpenRequests != 1 {
		t.Errorf("waiting %v (%+v), want [theirs] with one open request", got, my.Waiting)
	}
	if len(my.Overdue) > 0 && !my.Overdue[1].DueAt.Equal(time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("due date %v, want 2026-11-24 12:00 UTC", my.Overdue[1].DueAt)
	}
}
