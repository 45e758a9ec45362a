package app_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
)

// BenchmarkReviewGate: an incident with 20 revisions, 40 reviews by 4
// reviewers on different revisions (staleness compares revisions'
// content) and 100 resolved threads, on a real SQLite file. ReviewStatus is
// what the review panel and GET …/reviews read; PublishCycle publishes
// through the gate (checked in the publishing transaction) and moves the
// incident back to In Review.
func BenchmarkReviewGate(b *testing.B) {
	e := newReviewService(b, "review:\n  required_approvals: {default: 1}\n  resolve_threads: true\n")
	ctx := context.Background()
	in := e.incidentTB(b)
	for i := range 20 {
		doc := *in.Doc
		doc.RootCause.Primary = fmt.Sprintf("cause, take %d", i)
		var err error
		if in, err = e.s.Save(ctx, e.author, in.ID, in.Revision, &doc, app.SaveOptions{}); err != nil {
			b.Fatal(err)
		}
		for _, r := range []app.Actor{e.rev, e.admin} {
			if _, err := e.s.SubmitReview(ctx, r, in.ID, app.NewReview{State: hindsight.ReviewApproved}); err != nil {
				b.Fatal(err)
			}
		}
	}
	yes := true
	for range 100 {
		c, err := e.s.Comment(ctx, e.rev, in.ID, app.NewComment{Body: "?", Anchor: hindsight.Anchor{Kind: hindsight.AnchorSection, Section: hindsight.SecRootCause}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.s.UpdateComment(ctx, e.rev, c.ID, app.CommentChange{Resolved: &yes}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("ReviewStatus", func(b *testing.B) {
		for b.Loop() {
			st, err := e.s.ReviewStatus(ctx, e.author, in.ID)
			if err != nil || !st.Gate.OK {
				b.Fatal(err, st.Gate)
			}
		}
	})
	b.Run("PublishCycle", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.s.SetStatus(ctx, e.author, in.ID, 0, hindsight.StatusPublished); err != nil {
				b.Fatal(err)
			}
			if _, err := e.s.SetStatus(ctx, e.author, in.ID, 0, hindsight.StatusInReview); err != nil {
				b.Fatal(err)
			}
		}
	})
}
