package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight"
	svc "github.com/hindsight-pm/hindsight/app"
	"github.com/spf13/cobra"
)

func init() {
	commands = append(commands, newReviewCmd)
}

// newReviewCmd is "hindsight review": the review of postmortems from the
// terminal, over the database (--db) like "hindsight actions", through the
// same application service as the web app and the API (the same gate,
// audit log and events). Who acts is --as (an account's email or ID; the
// environment's HINDSIGHT_AS by default).
func newReviewCmd(a *app) *cobra.Command {
	var as string
	cmd := &cobra.Command{
		Use:   "review",
		Short: "Request, approve, comment on and follow the review of postmortems",
		Long: `Review postmortems from the terminal, over the database (--db), as the account
named by --as (an email or account ID; default $HINDSIGHT_AS): request reviews,
approve, comment or request changes, and see where a review stands (the
publish gate of .hindsight.yaml review:, reviewers, threads, the due date).
See docs/review.md.`,
		Example: `  hindsight review request INC-20261120-001 sam@example.com --as dana@example.com
  hindsight review comment INC-20261120-001 -m "Which deploy?" --timeline "2026-11-20 14:02" --as sam@example.com
  hindsight review comment INC-20261120-001 -m "Name the deploy" --request-changes --as sam@example.com
  hindsight review approve INC-20261120-001 -m "LGTM" --as sam@example.com
  hindsight review status INC-20261120-001`,
	}
	cmd.PersistentFlags().StringVar(&as, "as", os.Getenv("HINDSIGHT_AS"), "the account (email or ID) that acts (env HINDSIGHT_AS)")

	withService := func(cmd *cobra.Command, needActor bool, fn func(ctx context.Context, s *appService, act svc.Actor) error) error {
		s, err := openService(cmd.Context(), a)
		if err != nil {
			return err
		}
		defer s.Close()
		act := svc.System
		if as != "" || needActor {
			if act, err = reviewActor(cmd.Context(), s, as); err != nil {
				return err
			}
		}
		return fn(cmd.Context(), s, act)
	}

	request := &cobra.Command{
		Use:   "request INC-ID REVIEWER...",
		Short: "Ask accounts (emails) to review an incident",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withService(cmd, true, func(ctx context.Context, s *appService, act svc.Actor) error {
				opened, err := s.RequestReview(ctx, act, args[0], args[1:])
				if err != nil {
					return err
				}
				if len(opened) == 0 {
					fmt.Fprintf(a.stdout, "%s: every reviewer named already has an open request\n", args[0])
				}
				for _, q := range opened {
					fmt.Fprintf(a.stdout, "%s: review requested of %s\n", args[0], q.ReviewerEmail)
				}
				return nil
			})
		},
	}

	var approveMsg string
	var approveRev int
	approve := &cobra.Command{
		Use:   "approve INC-ID",
		Short: "Approve an incident's postmortem (its latest revision, or --revision)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withService(cmd, true, func(ctx context.Context, s *appService, act svc.Actor) error {
				r, err := s.SubmitReview(ctx, act, args[0], svc.NewReview{State: hindsight.ReviewApproved, Body: approveMsg, Revision: approveRev})
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "%s: %s\n", args[0], r.Describe())
				return nil
			})
		},
	}
	approve.Flags().StringVarP(&approveMsg, "message", "m", "", "the review's text (Markdown)")
	approve.Flags().IntVar(&approveRev, "revision", 0, "the revision reviewed (default: the latest)")

	var c commentFlags
	comment := &cobra.Command{
		Use:   "comment INC-ID -m TEXT",
		Short: "Comment on a place in the document, reply, or request changes",
		Long: `Comment on an incident's postmortem. Without a place the comment is on the
Incident Summary; --section, --field, --timeline, --item or --lines anchor it,
--reply answers a thread. --request-changes submits a review that requests
changes (with -m as its text) instead of a comment; --review-comment submits a
review that only comments.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withService(cmd, true, func(ctx context.Context, s *appService, act svc.Actor) error {
				return runComment(ctx, a, s, act, args[0], &c)
			})
		},
	}
	fl := comment.Flags()
	fl.StringVarP(&c.message, "message", "m", "", "the text (Markdown; required)")
	fl.StringVar(&c.section, "section", "", "anchor to a section (key such as root_cause, or a heading)")
	fl.StringVar(&c.field, "field", "", "anchor to a field (path such as detection.incident_commander)")
	fl.StringVar(&c.timeline, "timeline", "", "anchor to the timeline row at this time (YYYY-MM-DD HH:MM)")
	fl.StringVar(&c.item, "item", "", "anchor to the action item with this ID (or 1-based row)")
	fl.StringVar(&c.lines, "lines", "", "anchor to lines of the Markdown (N or N-M)")
	fl.Int64Var(&c.reply, "reply", 0, "reply to the comment with this ID")
	fl.BoolVar(&c.changes, "request-changes", false, "submit a review requesting changes instead")
	fl.BoolVar(&c.reviewOnly, "review-comment", false, "submit a review that comments instead")

	var format string
	status := &cobra.Command{
		Use:   "status [INC-ID]",
		Short: "Show where a review stands, or (without an ID) what waits for --as",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return hindsight.Errorf(hindsight.EInvalid, "--format: %q is not text or json", format)
			}
			return withService(cmd, len(args) == 0, func(ctx context.Context, s *appService, act svc.Actor) error {
				if len(args) == 0 {
					my, err := s.MyReviews(ctx, act)
					if err != nil {
						return err
					}
					return printMyReviews(a, my, format)
				}
				st, err := s.ReviewStatus(ctx, act, args[0])
				if err != nil {
					return err
				}
				return printReviewStatus(a, st, format)
			})
		},
	}
	status.Flags().StringVar(&format, "format", "text", "output: text or json")

	cmd.AddCommand(request, approve, comment, status)
	return cmd
}

// reviewActor is the account named by --as.
func reviewActor(ctx context.Context, s *appService, who string) (svc.Actor, error) {
	if strings.TrimSpace(who) == "" {
		return svc.Actor{}, hindsight.Errorf(hindsight.EInvalid, "--as: name the account that acts (its email or ID), or set HINDSIGHT_AS")
	}
	as, ok := s.store.(hindsight.AccountStore)
	if !ok {
		return svc.Actor{}, hindsight.Errorf(hindsight.EInvalid, "--as: this database keeps no accounts")
	}
	var u *hindsight.User
	var err error
	if strings.Contains(who, "@") {
		u, err = as.FindUserByEmail(ctx, who)
	} else {
		u, err = as.FindUserByID(ctx, who)
	}
	if err != nil || u.Disabled {
		return svc.Actor{}, hindsight.Errorf(hindsight.EInvalid, "--as: %q names no active account (hindsight user list shows them)", who)
	}
	return svc.Actor{ID: u.ID, Name: u.Email, Viewer: u.Viewer()}, nil
}

type commentFlags struct {
	message, section, field, timeline, item, lines string
	reply                                          int64
	changes, reviewOnly                            bool
}

func runComment(ctx context.Context, a *app, s *appService, act svc.Actor, id string, c *commentFlags) error {
	if strings.TrimSpace(c.message) == "" {
		return hindsight.Errorf(hindsight.EInvalid, "-m/--message: the text is required")
	}
	if c.changes || c.reviewOnly {
		st := hindsight.ReviewChangesRequested
		if !c.changes {
			st = hindsight.ReviewCommented
		}
		r, err := s.SubmitReview(ctx, act, id, svc.NewReview{State: st, Body: c.message})
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%s: %s\n", id, r.Describe())
		return nil
	}
	n := svc.NewComment{Body: c.message, ParentID: c.reply}
	if c.reply == 0 {
		in, err := s.Get(ctx, act, id)
		if err != nil {
			return err
		}
		if n.Anchor, err = cliAnchor(in, c); err != nil {
			return err
		}
		n.Revision = in.Revision
	}
	cm, err := s.Comment(ctx, act, id, n)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s: comment %d on %s\n", id, cm.ID, anchorText(cm.Anchor))
	return nil
}

// cliAnchor builds the anchor the flags name, from the incident's latest
// revision: the error names the flag.
func cliAnchor(in *hindsight.Incident, c *commentFlags) (hindsight.Anchor, error) {
	set := 0
	for _, v := range []string{c.section, c.field, c.timeline, c.item, c.lines} {
		if v != "" {
			set++
		}
	}
	if set > 1 {
		return hindsight.Anchor{}, hindsight.Errorf(hindsight.EInvalid, "--section, --field, --timeline, --item and --lines: give one place")
	}
	switch {
	case c.field != "":
		sec, _, _ := strings.Cut(c.field, ".")
		return hindsight.Anchor{Kind: hindsight.AnchorField, Section: sec, Field: c.field, Label: c.field}, nil
	case c.timeline != "":
		t, ok := hindsight.ParseTime(c.timeline)
		if !ok {
			return hindsight.Anchor{}, hindsight.Errorf(hindsight.EInvalid, "--timeline: %q is not a time (YYYY-MM-DD HH:MM)", c.timeline)
		}
		for i, e := range in.Doc.Timeline {
			if e.Time.IsSet() && e.Time.T.Equal(t.T) {
				return hindsight.Anchor{Kind: hindsight.AnchorTimeline, Section: hindsight.SecTimeline, Time: e.Time.String(), Text: e.Event, Index: i, Label: e.Time.String()}, nil
			}
		}
		return hindsight.Anchor{}, hindsight.Errorf(hindsight.EInvalid, "--timeline: %s has no timeline row at %s", in.ID, c.timeline)
	case c.item != "":
		for i, it := range in.Doc.ActionItems {
			if (it.ID != "" && strings.EqualFold(it.ID, c.item)) || c.item == strconv.Itoa(i+1) {
				return hindsight.Anchor{Kind: hindsight.AnchorActionItem, Section: hindsight.SecActionItems, ItemID: it.ID, Text: it.Action, Index: i, Label: it.ID}, nil
			}
		}
		return hindsight.Anchor{}, hindsight.Errorf(hindsight.EInvalid, "--item: %s has no action item %s", in.ID, c.item)
	case c.lines != "":
		from, to, ok := strings.Cut(c.lines, "-")
		if !ok {
			to = from
		}
		start, err1 := strconv.Atoi(strings.TrimSpace(from))
		end, err2 := strconv.Atoi(strings.TrimSpace(to))
		lines := strings.Split(string(in.Markdown), "\n")
		if err1 != nil || err2 != nil || start < 1 || end < start || end > len(lines) {
			return hindsight.Anchor{}, hindsight.Errorf(hindsight.EInvalid, "--lines: %q is not N or N-M within the document's %d lines", c.lines, len(lines))
		}
		return hindsight.Anchor{Kind: hindsight.AnchorLines, StartLine: start, EndLine: end, Text: strings.Join(lines[start-1:end], "\n")}, nil
	case c.section != "":
		key := c.section
		for _, s := range hindsight.Sections {
			if strings.EqualFold(s.Heading, c.section) {
				key = s.Key
			}
		}
		return hindsight.Anchor{Kind: hindsight.AnchorSection, Section: key, Label: hindsight.SectionHeading(key)}, nil
	}
	return hindsight.Anchor{Kind: hindsight.AnchorSection, Section: hindsight.SecSummary, Label: hindsight.SectionHeading(hindsight.SecSummary)}, nil
}

func anchorText(an hindsight.Anchor) string {
	switch an.Kind {
	case hindsight.AnchorTimeline:
		return "timeline row " + an.Time + " " + strconv.Quote(an.Text)
	case hindsight.AnchorActionItem:
		if an.ItemID != "" {
			return "action item " + an.ItemID
		}
		return "action item " + strconv.Quote(an.Text)
	case hindsight.AnchorLines:
		return fmt.Sprintf("lines %d-%d", an.StartLine, an.EndLine)
	case hindsight.AnchorField:
		return "field " + an.Field
	case "":
		return "its thread"
	}
	return "section " + hindsight.SectionHeading(an.Section)
}

func printReviewStatus(a *app, st *svc.ReviewStatus, format string) error {
	if format == "json" {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	w := a.stdout
	fmt.Fprintf(w, "%s (revision %d, %s)\n", st.IncidentID, st.Revision, st.Status)
	verdict := "open: it may be published"
	if !st.Gate.OK {
		verdict = "closed: publishing is refused"
	}
	fmt.Fprintf(w, "gate %s\n", verdict)
	for _, c := range st.Gate.Checks {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  %s %s\n", mark, c.Message)
	}
	fmt.Fprintln(w, "reviews:")
	if len(st.Latest) == 0 {
		fmt.Fprintln(w, "  none yet")
	}
	for _, r := range st.Latest {
		fmt.Fprintf(w, "  %s: %s\n", r.ReviewerEmail, r.Describe())
	}
	for _, q := range st.Requests {
		if q.State == hindsight.RequestOpen {
			fmt.Fprintf(w, "  %s: review requested (revision %d)\n", q.ReviewerEmail, q.Revision)
		}
	}
	fmt.Fprintf(w, "threads: %d, %d unresolved\n", st.Threads, st.OpenThreads)
	if !st.DueAt.IsZero() {
		due := st.DueAt.Format("2006-01-02 15:04") + " UTC"
		if st.DueState != "" {
			due += " (" + strings.ReplaceAll(st.DueState, "_", " ") + ")"
		}
		fmt.Fprintf(w, "due: %s\n", due)
	}
	if o := st.PublishOverride; o != nil {
		fmt.Fprintf(w, "published past the gate by %s at %s: %s\n", o.By, o.At.Format("2006-01-02 15:04"), o.Reason)
	}
	return nil
}

func printMyReviews(a *app, my *svc.MyReviews, format string) error {
	if format == "json" {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(my)
	}
	w := a.stdout
	fmt.Fprintf(w, "requested of you: %d\n", len(my.Requested))
	for _, q := range my.Requested {
		fmt.Fprintf(w, "  %s (asked %s)\n", q.IncidentID, q.RequestedAt.Format("2006-01-02"))
	}
	for _, g := range []struct {
		name  string
		items []svc.ReviewItem
	}{{"your postmortems waiting for review", my.Waiting}, {"due soon", my.Due}, {"overdue", my.Overdue}} {
		fmt.Fprintf(w, "%s: %d\n", g.name, len(g.items))
		for _, it := range g.items {
			line := fmt.Sprintf("  %s %s [%s, %s]", it.ID, it.Title, it.Severity, it.Status)
			if !it.DueAt.IsZero() {
				line += " due " + it.DueAt.Format("2006-01-02")
			}
			fmt.Fprintln(w, line)
		}
	}
	return nil
}
