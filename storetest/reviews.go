package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
)

// reviewStore is what the review suite needs of a store.
type reviewStore interface {
	hindsight.Store
	hindsight.AccountStore
	hindsight.ReviewStore
}

// Pair returns two stores over one new, empty database (two instances of
// the server); it registers its own cleanup with t.
type Pair func(t *testing.T, c Config) (hindsight.Store, hindsight.Store)

// RunReviews is the conformance suite of hindsight.ReviewStore: review
// requests, reviews and their staleness, threaded comments, visibility of
// restricted incidents, the publish gate in the publishing transaction
// (also with two instances approving, commenting and publishing at once),
// and the due events.
func RunReviews(t *testing.T, open Opener, pair Pair) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s reviewStore)
	}{
		{"RequestsOpenUntilReviewedOrWithdrawn", testReviewRequests},
		{"ApprovalStaleAfterContentChange", testReviewStale},
		{"CommentThreads", testCommentThreads},
		{"RestrictedReviewsInvisible", testReviewVisibility},
		{"GateInPublishingTransaction", testGateAborts},
		{"DueQueuedOnce", testDueOnce},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, asReviewStore(t, open(t, Config{Render: markdown.Render, Clock: NewClock(Epoch).Now})))
		})
	}
	t.Run("TwoInstancesApproveAndPublish", func(t *testing.T) {
		a, b := pair(t, Config{Render: markdown.Render, Clock: NewClock(Epoch).Now})
		testGateRace(t, asReviewStore(t, a), asReviewStore(t, b))
	})
}

func asReviewStore(t *testing.T, st hindsight.Store) reviewStore {
	t.Helper()
	s, ok := st.(reviewStore)
	if !ok {
		t.Fatalf("%T does not implement hindsight.AccountStore and hindsight.ReviewStore", st)
	}
	return s
}

func rvUsers(t *testing.T, s reviewStore) {
	t.Helper()
	for _, u := range []*hindsight.User{user("usr_author", "author@example.com", hindsight.RoleEditor), user("usr_r1", "r1@example.com", hindsight.RoleEditor),
		user("usr_r2", "r2@example.com", hindsight.RoleViewer), user("usr_admin", "admin@example.com", hindsight.RoleAdmin)} {
		if err := s.CreateUser(ctx(t), u, false, "", nil); err != nil {
			t.Fatal(err)
		}
	}
}

func rvIncident(t *testing.T, s reviewStore, restricted bool, members ...string) *hindsight.Incident {
	t.Helper()
	doc := spec{title: "checkout down", start: "2026-11-20 14:00", body: "the cache"}.doc()
	doc.Timeline = []hindsight.Event{ev("2026-11-20 14:00", "alert fired"), ev("2026-11-20 14:02", "deploy started")}
	inc, err := s.CreateIncident(ctx(t), hindsight.IncidentCreate{Doc: doc, Author: "author@example.com", Restricted: restricted, Members: members})
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

func ev(at, text string) hindsight.Event {
	tm, _ := hindsight.ParseTime(at)
	return hindsight.Event{Time: tm, Event: text}
}

func testReviewRequests(t *testing.T, s reviewStore) {
	rvUsers(t, s)
	inc := rvIncident(t, s, false)
	var told []string
	opened, err := s.RequestReviews(ctx(t), hindsight.ReviewRequestCreate{IncidentID: inc.ID, Reviewers: []string{"usr_r1", "usr_r2"}, RequestedBy: "usr_author",
		Audit: []hindsight.AuditRecord{{Actor: "usr_author", Action: "review.request"}},
		Outbox: func(o []hindsight.ReviewRequest) []hindsight.OutboxEvent {
			for _, r := range o {
				told = append(told, r.Reviewer)
			}
			return []hindsight.OutboxEvent{{Event: hindsight.EventReviewRequested, Payload: []byte(`{}`)}}
		}})
	if err != nil || len(opened) != 2 || opened[0].ReviewerEmail != "r1@example.com" || opened[0].Revision != 1 || opened[0].State != hindsight.RequestOpen || opened[0].ID == 0 {
		t.Fatalf("RequestReviews = %+v, %v", opened, err)
	}
	if fmt.Sprint(told) != "[usr_r1 usr_r2]" {
		t.Errorf("outbox told %v", told)
	}
	again, err := s.RequestReviews(ctx(t), hindsight.ReviewRequestCreate{IncidentID: inc.ID, Reviewers: []string{"usr_r1"}, RequestedBy: "usr_author"})
	if err != nil || len(again) != 0 {
		t.Errorf("asking an open reviewer again opened %v, %v", again, err)
	}
	_, err = s.RequestReviews(ctx(t), hindsight.ReviewRequestCreate{IncidentID: inc.ID, Reviewers: []string{"usr_r1", "usr_nobody"}, RequestedBy: "usr_author"})
	wantField(t, "unknown reviewer", err, "reviewers[1]")
	_, err = s.RequestReviews(ctx(t), hindsight.ReviewRequestCreate{IncidentID: "INC-20260101-999", Reviewers: []string{"usr_r1"}})
	wantCode(t, "request on a missing incident", err, hindsight.ENotFound)

	if err := s.WithdrawReviewRequest(ctx(t), inc.ID, "usr_r2", Epoch, nil); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "withdraw twice", s.WithdrawReviewRequest(ctx(t), inc.ID, "usr_r2", Epoch, nil), hindsight.ENotFound)

	r, err := s.SubmitReview(ctx(t), hindsight.ReviewSubmit{Review: hindsight.Review{IncidentID: inc.ID, Reviewer: "usr_r1", ReviewerEmail: "r1@example.com", State: hindsight.ReviewApproved, Body: "LGTM"}})
	if err != nil || r.ID == 0 || r.Revision != 1 || r.At.IsZero() {
		t.Fatalf("SubmitReview = %+v, %v", r, err)
	}
	_, err = s.SubmitReview(ctx(t), hindsight.ReviewSubmit{Review: hindsight.Review{IncidentID: inc.ID, Reviewer: "usr_r1", State: "maybe"}})
	wantField(t, "bad state", err, "state")
	_, err = s.SubmitReview(ctx(t), hindsight.ReviewSubmit{Review: hindsight.Review{IncidentID: inc.ID, Reviewer: "usr_r1", State: hindsight.ReviewApproved, Revision: 9}})
	wantField(t, "future revision", err, "revision")

	all, err := s.FindReviewRequests(ctx(t), hindsight.SystemViewer, hindsight.ReviewRequestFilter{IncidentID: inc.ID})
	if err != nil || len(all) != 2 {
		t.Fatalf("FindReviewRequests = %+v, %v", all, err)
	}
	states := map[string]hindsight.ReviewRequest{}
	for _, q := range all {
		states[q.Reviewer] = q
	}
	if q := states["usr_r1"]; q.State != hindsight.RequestReviewed || q.ReviewID != r.ID || q.ClosedAt.IsZero() {
		t.Errorf("reviewed request: %+v", q)
	}
	if q := states["usr_r2"]; q.State != hindsight.RequestWithdrawn {
		t.Errorf("withdrawn request: %+v", q)
	}
	open, err := s.FindReviewRequests(ctx(t), hindsight.SystemViewer, hindsight.ReviewRequestFilter{Reviewer: "usr_r1", OpenOnly: true})
	if err != nil || len(open) != 0 {
		t.Errorf("open requests of r1 after the review: %v %v", open, err)
	}
	// asked again after the review: a new request
	again, err = s.RequestReviews(ctx(t), hindsight.ReviewRequestCreate{IncidentID: inc.ID, Reviewers: []string{"usr_r1"}, RequestedBy: "usr_author"})
	if err != nil || len(again) != 1 {
		t.Errorf("asking again after a review: %v, %v", again, err)
	}
	audit, err := s.FindAudit(ctx(t), hindsight.AuditFilter{Action: "review.request"})
	if err != nil || len(audit) != 1 || audit[0].IncidentID != inc.ID {
		t.Errorf("audit of the request: %+v %v", audit, err)
	}
}

func wantField(t *testing.T, what string, err error, field string) {
	t.Helper()
	e, ok := err.(*hindsight.Error)
	if !ok || e.Code != hindsight.EInvalid || len(e.Fields) == 0 || e.Fields[0].Field != field {
		t.Errorf("%s: got %v, want invalid naming %s", what, err, field)
	}
}

func testReviewStale(t *testing.T, s reviewStore) {
	rvUsers(t, s)
	inc := rvIncident(t, s, false)
	if _, err := s.SubmitReview(ctx(t), hindsight.ReviewSubmit{Review: hindsight.Review{IncidentID: inc.ID, Reviewer: "usr_r1", State: hindsight.ReviewChangesRequested}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SubmitReview(ctx(t), hindsight.ReviewSubmit{Review: hindsight.Review{IncidentID: inc.ID, Reviewer: "usr_r1", State: hindsight.ReviewApproved}}); err != nil {
		t.Fatal(err)
	}
	// a status change (and its Last Updated date) is not a content change
	doc := *inc.Doc
	doc.Status = hindsight.StatusInReview
	doc.LastUpdated = hindsight.DateOf(Epoch.AddDate(0, 0, 3))
	cur, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: 1, Doc: &doc, Author: "x"})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := s.ReviewSummary(ctx(t), hindsight.SystemViewer, inc.ID)
	if err != nil || sum.Revision != 2 || len(sum.Reviews) != 1 {
		t.Fatalf("ReviewSummary = %+v, %v", sum, err)
	}
	if r := sum.Reviews[0]; r.State != hindsight.ReviewApproved || r.Stale || r.RevisionsSince != 1 {
		t.Errorf("after a status change: %+v", r)
	}
	doc2 := *cur.Doc
	doc2.RootCause.Primary = "the cache, and the deploy"
	if _, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: 2, Doc: &doc2, Author: "x"}); err != nil {
		t.Fatal(err)
	}
	rs, err := s.FindReviews(ctx(t), hindsight.SystemViewer, inc.ID)
	if err != nil || len(rs) != 2 {
		t.Fatalf("FindReviews = %+v, %v", rs, err)
	}
	if r := rs[1]; !r.Stale || r.RevisionsSince != 2 || r.Describe() != "approved revision 1; 2 revisions since (content changed)" {
		t.Errorf("after a content change: %+v %q", r, r.Describe())
	}
}

func testCommentThreads(t *testing.T, s reviewStore) {
	rvUsers(t, s)
	inc := rvIncident(t, s, false)
	anchor := hindsight.Anchor{Kind: hindsight.AnchorTimeline, Section: hindsight.SecTimeline, Time: "2026-11-20 14:02", Text: "deploy started", Index: 1}
	root, err := s.CreateComment(ctx(t), hindsight.CommentCreate{Comment: hindsight.Comment{IncidentID: inc.ID, Author: "usr_r1", AuthorEmail: "r1@example.com", Body: "which deploy?", Anchor: anchor}})
	if err != nil || root.ID == 0 || root.ThreadID != root.ID || root.Revision != 1 {
		t.Fatalf("CreateComment = %+v, %v", root, err)
	}
	var participants []string
	reply, err := s.CreateComment(ctx(t), hindsight.CommentCreate{Comment: hindsight.Comment{IncidentID: inc.ID, ParentID: root.ID, Author: "usr_author", Body: "v2.3"},
		Outbox: func(c *hindsight.Comment, p []string) []hindsight.OutboxEvent { participants = p; return nil }})
	if err != nil || reply.ThreadID != root.ID || reply.Anchor.Text != "deploy started" {
		t.Fatalf("reply = %+v, %v", reply, err)
	}
	if fmt.Sprint(participants) != "[usr_r1]" {
		t.Errorf("thread participants %v", participants)
	}
	_, err = s.CreateComment(ctx(t), hindsight.CommentCreate{Comment: hindsight.Comment{IncidentID: inc.ID, ParentID: 99999, Author: "usr_r1", Body: "x"}})
	wantField(t, "reply to nothing", err, "parent_id")
	_, err = s.CreateComment(ctx(t), hindsight.CommentCreate{Comment: hindsight.Comment{IncidentID: inc.ID, Author: "usr_r1", Body: "x", Anchor: hindsight.Anchor{Kind: "word"}}})
	wantField(t, "bad anchor", err, "anchor.kind")
	_, err = s.CreateComment(ctx(t), hindsight.CommentCreate{Comment: hindsight.Comment{IncidentID: inc.ID, Author: "usr_r1", Body: "  ", Anchor: anchor}})
	wantField(t, "empty body", err, "body")

	yes, no := true, false
	c, err := s.UpdateComment(ctx(t), hindsight.CommentUpdate{ID: reply.ID, Resolved: &yes, By: "usr_author"})
	if err != nil || !c.Resolved || c.ResolvedBy != "usr_author" {
		t.Fatalf("resolve = %+v, %v", c, err)
	}
	sum, err := s.ReviewSummary(ctx(t), hindsight.SystemViewer, inc.ID)
	if err != nil || sum.Threads != 1 || sum.OpenThreads != 0 {
		t.Errorf("summary after resolving: %+v %v", sum, err)
	}
	if _, err := s.CreateComment(ctx(t), hindsight.CommentCreate{Comment: hindsight.Comment{IncidentID: inc.ID, ParentID: reply.ID, Author: "usr_r1", Body: "still?"}}); err != nil {
		t.Fatal(err)
	}
	sum, _ = s.ReviewSummary(ctx(t), hindsight.SystemViewer, inc.ID)
	if sum.OpenThreads != 1 {
		t.Errorf("a reply does not reopen the thread: %+v", sum)
	}
	if _, err := s.UpdateComment(ctx(t), hindsight.CommentUpdate{ID: root.ID, Resolved: &yes, By: "usr_r1"}); err != nil {
		t.Fatal(err)
	}
	if c, err := s.UpdateComment(ctx(t), hindsight.CommentUpdate{ID: root.ID, Resolved: &no}); err != nil || c.Resolved || c.ResolvedBy != "" {
		t.Errorf("reopen = %+v, %v", c, err)
	}
	body := "which deploy started it?"
	c, err = s.UpdateComment(ctx(t), hindsight.CommentUpdate{ID: root.ID, Body: &body})
	if err != nil || c.Body != body || c.EditedAt.IsZero() || len(c.History) != 1 || c.History[0].Body != "which deploy?" {
		t.Fatalf("edit = %+v, %v", c, err)
	}
	// a second thread on a line range, then the list in thread order
	if _, err := s.CreateComment(ctx(t), hindsight.CommentCreate{Comment: hindsight.Comment{IncidentID: inc.ID, Author: "usr_r2", Body: "typo",
		Anchor: hindsight.Anchor{Kind: hindsight.AnchorLines, StartLine: 3, EndLine: 3, Text: "x"}}}); err != nil {
		t.Fatal(err)
	}
	all, err := s.FindComments(ctx(t), hindsight.SystemViewer, inc.ID)
	if err != nil || len(all) != 4 || all[0].ID != root.ID || all[1].ParentID != root.ID || all[2].ParentID == 0 || all[3].ParentID != 0 || all[3].Anchor.Kind != hindsight.AnchorLines {
		t.Fatalf("FindComments = %+v, %v", all, err)
	}
	if all[2].IsThread() || all[2].Anchor.Time != "2026-11-20 14:02" {
		t.Errorf("a reply does not carry its thread's anchor: %+v", all[2])
	}
	one, err := s.FindCommentByID(ctx(t), hindsight.SystemViewer, reply.ID)
	if err != nil || one.Body != "v2.3" || one.Anchor.Kind != hindsight.AnchorTimeline {
		t.Errorf("FindCommentByID = %+v, %v", one, err)
	}
	if err := s.DeleteComment(ctx(t), reply.ID, []hindsight.AuditRecord{{Actor: "usr_admin", Action: "comment.delete"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteComment(ctx(t), root.ID, nil); err != nil {
		t.Fatal(err)
	}
	all, _ = s.FindComments(ctx(t), hindsight.SystemViewer, inc.ID)
	if len(all) != 1 {
		t.Errorf("after deleting the first thread: %+v", all)
	}
	_, err = s.FindCommentByID(ctx(t), hindsight.SystemViewer, root.ID)
	wantCode(t, "deleted comment", err, hindsight.ENotFound)
	audit, err := s.FindAudit(ctx(t), hindsight.AuditFilter{Action: "comment.delete"})
	if err != nil || len(audit) != 1 || audit[0].IncidentID != inc.ID {
		t.Errorf("audit of the delete: %+v %v", audit, err)
	}
}

func testReviewVisibility(t *testing.T, s reviewStore) {
	rvUsers(t, s)
	inc := rvIncident(t, s, true, "usr_author", "usr_r1")
	_, err := s.RequestReviews(ctx(t), hindsight.ReviewRequestCreate{IncidentID: inc.ID, Reviewers: []string{"usr_r1", "usr_r2"}, RequestedBy: "usr_author"})
	wantField(t, "a non-member reviewer", err, "reviewers[1]")
	if _, err := s.RequestReviews(ctx(t), hindsight.ReviewRequestCreate{IncidentID: inc.ID, Reviewers: []string{"usr_r1", "usr_admin"}, RequestedBy: "usr_author"}); err != nil {
		t.Fatalf("a member and an admin: %v", err)
	}
	if _, err := s.SubmitReview(ctx(t), hindsight.ReviewSubmit{Review: hindsight.Review{IncidentID: inc.ID, Reviewer: "usr_r1", State: hindsight.ReviewCommented}}); err != nil {
		t.Fatal(err)
	}
	c, err := s.CreateComment(ctx(t), hindsight.CommentCreate{Comment: hindsight.Comment{IncidentID: inc.ID, Author: "usr_r1", Body: "secret",
		Anchor: hindsight.Anchor{Kind: hindsight.AnchorSection, Section: hindsight.SecRootCause}}})
	if err != nil {
		t.Fatal(err)
	}
	viewers := []struct {
		name string
		v    hindsight.Viewer
		sees bool
	}{
		{"Anonymous", hindsight.Viewer{}, false},
		{"NonMember", hindsight.Viewer{UserID: "usr_r2"}, false},
		{"Member", hindsight.Viewer{UserID: "usr_r1"}, true},
		{"Admin", hindsight.Viewer{UserID: "usr_admin", Admin: true}, true},
	}
	for _, vc := range viewers {
		t.Run(vc.name, func(t *testing.T) {
			check := func(what string, err error) {
				t.Helper()
				if vc.sees && err != nil || !vc.sees && !isNotFound(err) {
					t.Errorf("%s: %v", what, err)
				}
			}
			_, err := s.FindReviews(ctx(t), vc.v, inc.ID)
			check("reviews", err)
			_, err = s.FindComments(ctx(t), vc.v, inc.ID)
			check("comments", err)
			_, err = s.FindCommentByID(ctx(t), vc.v, c.ID)
			check("comment", err)
			_, err = s.ReviewSummary(ctx(t), vc.v, inc.ID)
			check("summary", err)
			reqs, err := s.FindReviewRequests(ctx(t), vc.v, hindsight.ReviewRequestFilter{})
			want := 0
			if vc.sees {
				want = 2
			}
			if err != nil || len(reqs) != want {
				t.Errorf("requests: %d, %v; want %d", len(reqs), err, want)
			}
		})
	}
}

func testGateAborts(t *testing.T, s reviewStore) {
	rvUsers(t, s)
	inc := rvIncident(t, s, false)
	if _, err := s.CreateComment(ctx(t), hindsight.CommentCreate{Comment: hindsight.Comment{IncidentID: inc.ID, Author: "usr_r1", Body: "?",
		Anchor: hindsight.Anchor{Kind: hindsight.AnchorSection, Section: hindsight.SecSummary}}}); err != nil {
		t.Fatal(err)
	}
	doc := *inc.Doc
	doc.Status = hindsight.StatusPublished
	var seen *hindsight.ReviewSummary
	_, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: 1, Doc: &doc, Author: "x",
		Outbox: []hindsight.OutboxEvent{{Event: hindsight.EventIncidentPublished}},
		Gate: func(sum *hindsight.ReviewSummary) error {
			seen = sum
			return hindsight.ReviewGate{ResolveThreads: true}.Evaluate(hindsight.GateInput{Review: sum}).Err()
		}})
	wantCode(t, "publish with an open thread", err, hindsight.EConflict)
	if seen == nil || seen.Revision != 2 || seen.OpenThreads != 1 {
		t.Errorf("the gate saw %+v", seen)
	}
	cur, err := s.FindIncidentByID(ctx(t), hindsight.SystemViewer, inc.ID)
	if err != nil || cur.Revision != 1 || cur.Doc.Status == hindsight.StatusPublished {
		t.Errorf("a refused publication was written: %+v %v", cur, err)
	}
	if _, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: 1, Doc: &doc, Author: "x",
		Gate: func(*hindsight.ReviewSummary) error { return nil }}); err != nil {
		t.Errorf("publish through an open gate: %v", err)
	}
}

// testGateRace: two instances on one database; one publishes through a
// gate that needs a current approval of r1 and every thread resolved,
// while the other replaces r1's approval with "changes requested" and
// opens a thread. Whatever the order, a publication that succeeded never
// saw a state the gate refuses: the review and the comment it raced with
// were written after it (on the published revision).
func testGateRace(t *testing.T, a, b reviewStore) {
	rvUsers(t, a)
	gate := hindsight.ReviewGate{DefaultApprovals: 1, ResolveThreads: true}
	published, refused := 0, 0
	for i := range 12 {
		inc := rvIncident(t, a, false)
		if _, err := a.SubmitReview(ctx(t), hindsight.ReviewSubmit{Review: hindsight.Review{IncidentID: inc.ID, Reviewer: "usr_r1", State: hindsight.ReviewApproved}}); err != nil {
			t.Fatal(err)
		}
		doc := *inc.Doc
		doc.Status = hindsight.StatusPublished
		var wg sync.WaitGroup
		var pubErr, revErr, comErr error
		var rev *hindsight.Review
		var com *hindsight.Comment
		wg.Add(3)
		go func() {
			defer wg.Done()
			_, pubErr = a.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: 1, Doc: &doc, Author: "author",
				Gate: func(sum *hindsight.ReviewSummary) error { return gate.Evaluate(hindsight.GateInput{Review: sum}).Err() }})
		}()
		go func() {
			defer wg.Done()
			rev, revErr = b.SubmitReview(ctx(t), hindsight.ReviewSubmit{Review: hindsight.Review{IncidentID: inc.ID, Reviewer: "usr_r1", State: hindsight.ReviewChangesRequested}})
		}()
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				com, comErr = b.CreateComment(ctx(t), hindsight.CommentCreate{Comment: hindsight.Comment{IncidentID: inc.ID, Author: "usr_r2", Body: "wait",
					Anchor: hindsight.Anchor{Kind: hindsight.AnchorSection, Section: hindsight.SecSummary}}})
			}
		}()
		wg.Wait()
		if revErr != nil || comErr != nil {
			t.Fatalf("round %d: review %v, comment %v", i, revErr, comErr)
		}
		switch {
		case pubErr == nil:
			published++
			if rev.Revision != 2 || (com != nil && com.Revision != 2) {
				t.Errorf("round %d: published although the gate's state had changed before (review on revision %d, comment %+v)", i, rev.Revision, com)
			}
		case hindsight.ErrorCode(pubErr) == hindsight.EConflict:
			refused++
			if rev.Revision != 1 {
				t.Errorf("round %d: refused, but the review came after: %+v", i, rev)
			}
		default:
			t.Fatalf("round %d: publish: %v", i, pubErr)
		}
	}
	t.Logf("published %d, refused %d", published, refused)
}

func testDueOnce(t *testing.T, s reviewStore) {
	inc := rvIncident(t, s, false)
	due := Epoch.AddDate(0, 0, 5)
	evs := []hindsight.DueEvent{{IncidentID: inc.ID, Event: hindsight.EventPostmortemDueSoon, DueAt: due, Payload: []byte(`{}`)},
		{IncidentID: inc.ID, Event: hindsight.EventPostmortemOverdue, DueAt: due}}
	n, err := s.QueueDue(ctx(t), evs, Epoch)
	if err != nil || n != 2 {
		t.Fatalf("QueueDue = %d, %v", n, err)
	}
	n, err = s.QueueDue(ctx(t), evs, Epoch)
	if err != nil || n != 0 {
		t.Errorf("QueueDue again = %d, %v", n, err)
	}
	// a new due date (End moved) is announced again
	n, err = s.QueueDue(ctx(t), []hindsight.DueEvent{{IncidentID: inc.ID, Event: hindsight.EventPostmortemOverdue, DueAt: due.AddDate(0, 0, 1)}}, Epoch)
	if err != nil || n != 1 {
		t.Errorf("QueueDue for a new due date = %d, %v", n, err)
	}
	_, err = s.QueueDue(ctx(t), []hindsight.DueEvent{{IncidentID: inc.ID, Event: "incident.created", DueAt: due}}, Epoch)
	wantCode(t, "another event", err, hindsight.EInvalid)
}
