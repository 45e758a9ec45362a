package hindsight

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
)

// Review: a postmortem is reviewed like a pull request. An editor asks
// named accounts to review an incident (ReviewRequest); each reviewer
// submits Reviews (approved, changes requested, commented) tied to the
// revision they read; anyone who may see the incident comments on places in
// the document (Comment, anchored by an Anchor that follows edits); and the
// publish gate (ReviewGate, from .hindsight.yaml's review: keys) decides
// whether the incident may move to Published. See docs/review.md.

// The review events (outbound webhooks and notifications).
const (
	EventReviewRequested   = "review.requested"
	EventReviewSubmitted   = "review.submitted"
	EventCommentCreated    = "comment.created"
	EventPostmortemDueSoon = "postmortem.due_soon"
	EventPostmortemOverdue = "postmortem.overdue"
)

// ReviewState is the verdict of a review.
type ReviewState string

// The review states.
const (
	ReviewApproved         ReviewState = "approved"
	ReviewChangesRequested ReviewState = "changes_requested"
	ReviewCommented        ReviewState = "commented"
)

// Valid reports whether s is a review state.
func (s ReviewState) Valid() bool {
	return s == ReviewApproved || s == ReviewChangesRequested || s == ReviewCommented
}

// Label is the state as people read it.
func (s ReviewState) Label() string {
	switch s {
	case ReviewApproved:
		return "approved"
	case ReviewChangesRequested:
		return "changes requested"
	case ReviewCommented:
		return "commented"
	}
	return string(s)
}

// ParseReviewState reads a review state ("approved", "changes_requested"
// or "commented"; "approve", "request_changes" and "comment" are accepted).
func ParseReviewState(s string) (ReviewState, error) {
	switch strings.ToLower(strings.TrimSpace(strings.ReplaceAll(s, "-", "_"))) {
	case "approved", "approve":
		return ReviewApproved, nil
	case "changes_requested", "request_changes", "changes":
		return ReviewChangesRequested, nil
	case "commented", "comment":
		return ReviewCommented, nil
	}
	return "", &Error{Code: EInvalid, Message: fmt.Sprintf("review state %q: want approved, changes_requested or commented", s),
		Fields: []FieldError{{Field: "state", Message: "want approved, changes_requested or commented"}}}
}

// Request states.
const (
	RequestOpen      = "open"      // waiting for the reviewer
	RequestReviewed  = "reviewed"  // the reviewer submitted a review
	RequestWithdrawn = "withdrawn" // withdrawn before a review came
)

// ReviewRequest asks one account to review an incident. It is open until
// that reviewer submits a review (any state) or it is withdrawn.
type ReviewRequest struct {
	ID         int64  `json:"id"`
	IncidentID string `json:"incident_id"`
	// Reviewer is the account ID asked; ReviewerEmail and ReviewerName
	// are read from the account.
	Reviewer      string `json:"reviewer"`
	ReviewerEmail string `json:"reviewer_email"`
	ReviewerName  string `json:"reviewer_name,omitempty"`
	// RequestedBy is the account ID that asked ("system" for the CLI).
	RequestedBy string    `json:"requested_by"`
	RequestedAt time.Time `json:"requested_at"`
	// Revision is the incident's revision when the review was requested.
	Revision int `json:"revision"`
	// State is RequestOpen, RequestReviewed or RequestWithdrawn.
	State    string    `json:"state"`
	ClosedAt time.Time `json:"closed_at,omitzero"`
	// ReviewID is the review that answered it (RequestReviewed).
	ReviewID int64 `json:"review_id,omitempty"`
}

// Review is one submitted review of an incident, tied to the revision the
// reviewer read.
type Review struct {
	ID         int64  `json:"id"`
	IncidentID string `json:"incident_id"`
	// Reviewer is the account ID; ReviewerEmail and ReviewerName are
	// kept as they were when the review was submitted.
	Reviewer      string      `json:"reviewer"`
	ReviewerEmail string      `json:"reviewer_email"`
	ReviewerName  string      `json:"reviewer_name,omitempty"`
	State         ReviewState `json:"state"`
	// Body is Markdown (rendered sanitized).
	Body string `json:"body"`
	// Revision is the revision the review was made on.
	Revision int       `json:"revision"`
	At       time.Time `json:"at"`

	// Stale and RevisionsSince are computed when read, against the
	// incident's latest revision: an approval counts for its revision and
	// for later revisions whose content (ReviewContent) is the same; once
	// the content changes it is Stale ("approved revision 7; 3 revisions
	// since"), like a dismissed approval in a pull request.
	Stale          bool `json:"stale"`
	RevisionsSince int  `json:"revisions_since"`
}

// Describe is a short line such as "approved revision 7; 3 revisions since".
func (r *Review) Describe() string {
	s := fmt.Sprintf("%s revision %d", r.State.Label(), r.Revision)
	switch {
	case r.RevisionsSince == 1:
		s += "; 1 revision since"
	case r.RevisionsSince > 1:
		s += fmt.Sprintf("; %d revisions since", r.RevisionsSince)
	}
	if r.Stale {
		s += " (content changed)"
	}
	return s
}

// ReviewContent is the part of a revision's canonical Markdown that an
// approval vouches for: the Markdown without its "**Status:**" and "**Last
// Updated:**" metadata lines (a status change rewrites both), with every run
// of white space made one space. Two revisions with the same ReviewContent
// differ only in whitespace and status.
func ReviewContent(md []byte) string {
	lines := strings.Split(string(md), "\n")
	var b strings.Builder
	inMeta := true
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "## ") {
			inMeta = false
		}
		if inMeta && (strings.HasPrefix(t, "**Status:**") || strings.HasPrefix(t, "**Last Updated:**")) {
			continue
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// Comment is one comment of a review thread. The first comment of a thread
// (ParentID 0, ThreadID == ID) carries the anchor and the thread's resolved
// state; replies carry the thread's ID.
type Comment struct {
	ID         int64  `json:"id"`
	IncidentID string `json:"incident_id"`
	// ThreadID is the ID of the thread's first comment (its own ID for a
	// first comment); ParentID is the comment replied to, 0 for the first.
	ThreadID int64 `json:"thread_id"`
	ParentID int64 `json:"parent_id,omitempty"`
	// Author is the account ID; AuthorEmail and AuthorName are kept as
	// they were when the comment was written.
	Author      string `json:"author"`
	AuthorEmail string `json:"author_email"`
	AuthorName  string `json:"author_name,omitempty"`
	// Body is Markdown (rendered sanitized).
	Body string `json:"body"`
	// Revision is the revision the comment was written on.
	Revision int `json:"revision"`
	// Anchor is where in the document the thread is (first comments);
	// Position is where it is in the latest revision, computed when read.
	Anchor   Anchor         `json:"anchor"`
	Position AnchorPosition `json:"position"`

	CreatedAt time.Time `json:"created_at"`
	// EditedAt is the last edit (zero when never edited); History holds
	// the earlier bodies, oldest first.
	EditedAt time.Time     `json:"edited_at,omitzero"`
	History  []CommentEdit `json:"history,omitempty"`

	// Resolved is the thread's state (kept on the first comment).
	Resolved   bool      `json:"resolved"`
	ResolvedBy string    `json:"resolved_by,omitempty"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
}

// CommentEdit is an earlier body of an edited comment.
type CommentEdit struct {
	Body string `json:"body"`
	// At is when this body was replaced.
	At time.Time `json:"at"`
}

// IsThread reports whether c is the first comment of its thread.
func (c *Comment) IsThread() bool { return c.ParentID == 0 }

// AnchorKind is what a comment is anchored to.
type AnchorKind string

// The anchor kinds.
const (
	// AnchorSection anchors to a section (Section: its key, or the heading
	// of a custom section).
	AnchorSection AnchorKind = "section"
	// AnchorField anchors to a field (Field: its path, e.g.
	// "detection.incident_commander"; Label: its label).
	AnchorField AnchorKind = "field"
	// AnchorTimeline anchors to a timeline row by its identity: Time (as
	// written, "2024-05-01 14:02") and Text (the event), with Index the
	// row it was (a hint, not the identity).
	AnchorTimeline AnchorKind = "timeline"
	// AnchorActionItem anchors to an action item by ItemID, or by Text
	// (its action) when it has none.
	AnchorActionItem AnchorKind = "action_item"
	// AnchorLines anchors to a line range of the canonical Markdown:
	// StartLine..EndLine (1-based, inclusive) and Text, the lines quoted.
	AnchorLines AnchorKind = "lines"
)

// Valid reports whether k is an anchor kind.
func (k AnchorKind) Valid() bool {
	switch k {
	case AnchorSection, AnchorField, AnchorTimeline, AnchorActionItem, AnchorLines:
		return true
	}
	return false
}

// Anchor is the stable key of a place in the document. It is kept as it was
// written; Resolve finds the place again in a later revision.
type Anchor struct {
	Kind AnchorKind `json:"kind"`
	// Section is the section key (SecTimeline...) or a custom section's
	// heading; set for every kind but lines.
	Section string `json:"section,omitempty"`
	// Field is a field path (field anchors).
	Field string `json:"field,omitempty"`
	// Label is what people read: the field's label, the row's time.
	Label string `json:"label,omitempty"`
	// Time is the timeline row's time as written.
	Time string `json:"time,omitempty"`
	// Text is the timeline row's event, the action item's action, or the
	// quoted lines.
	Text string `json:"text,omitempty"`
	// ItemID is the action item's ID.
	ItemID string `json:"item_id,omitempty"`
	// Index is the 0-based row of a timeline row or action item when the
	// comment was written (a tie-breaker when resolving).
	Index int `json:"index,omitempty"`
	// StartLine and EndLine are the line range of a lines anchor.
	StartLine int `json:"start_line,omitempty"`
	EndLine   int `json:"end_line,omitempty"`
}

// Fingerprint is the text identity of a timeline row, an action item or
// quoted lines: the SHA-256 (12 hex digits) of the text lower-cased with
// white space collapsed.
func Fingerprint(text string) string {
	sum := sha256.Sum256([]byte(normText(text)))
	return hex.EncodeToString(sum[:6])
}

func normText(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// Validate checks an anchor a client sent: the error names the field.
func (a Anchor) Validate() error {
	bad := func(field, msg string) error {
		return &Error{Code: EInvalid, Message: "anchor." + field + ": " + msg, Fields: []FieldError{{Field: "anchor." + field, Message: msg}}}
	}
	switch a.Kind {
	case AnchorSection:
		if strings.TrimSpace(a.Section) == "" {
			return bad("section", "required for a section anchor")
		}
	case AnchorField:
		if strings.TrimSpace(a.Field) == "" {
			return bad("field", "required for a field anchor")
		}
	case AnchorTimeline:
		if strings.TrimSpace(a.Time) == "" && strings.TrimSpace(a.Text) == "" {
			return bad("time", "a timeline anchor needs the row's time or text")
		}
	case AnchorActionItem:
		if strings.TrimSpace(a.ItemID) == "" && strings.TrimSpace(a.Text) == "" {
			return bad("item_id", "an action item anchor needs the item's ID or text")
		}
	case AnchorLines:
		if a.StartLine < 1 || a.EndLine < a.StartLine {
			return bad("start_line", "want 1 <= start_line <= end_line")
		}
	case "":
		return bad("kind", "required: section, field, timeline, action_item or lines")
	default:
		return bad("kind", fmt.Sprintf("%q: want section, field, timeline, action_item or lines", a.Kind))
	}
	if a.Index < 0 {
		return bad("index", "must not be negative")
	}
	return nil
}

// AnchorPosition is where an anchor is in one revision.
type AnchorPosition struct {
	// Revision is the revision resolved against.
	Revision int `json:"revision"`
	// Outdated is true when the anchored place is gone (the row, item,
	// field or lines were deleted): the comment is shown apart, never lost.
	Outdated bool `json:"outdated"`
	// Section is the section key (or custom heading) it is in.
	Section string `json:"section,omitempty"`
	// Row is the 0-based timeline row or action item, -1 for other kinds.
	Row int `json:"row"`
	// StartLine and EndLine are the line range (lines anchors).
	StartLine int `json:"start_line,omitempty"`
	EndLine   int `json:"end_line,omitempty"`
}

// Resolve finds the anchor in a revision: p is its model and md its
// canonical Markdown (for lines anchors). A timeline row is found by its
// identity (time and text) wherever it moved; when its text or time was
// edited it is the row that kept the other half and most of the words; an
// action item by its ID, else by its text. A place that is gone is
// Outdated.
func (a Anchor) Resolve(p *Postmortem, md []byte, revision int) AnchorPosition {
	pos := AnchorPosition{Revision: revision, Row: -1, Section: a.Section}
	switch a.Kind {
	case AnchorSection:
		if !sectionExists(p, a.Section) {
			pos.Outdated = true
		}
	case AnchorField:
		if !sectionExists(p, a.Section) {
			pos.Outdated = true
		}
	case AnchorTimeline:
		pos.Section = SecTimeline
		if p == nil {
			pos.Outdated = true
			break
		}
		rows := make([]anchorRow, len(p.Timeline))
		for i, e := range p.Timeline {
			rows[i] = anchorRow{key: normText(e.Time.String()), text: e.Event}
		}
		pos.Row = matchRow(rows, normText(a.Time), a.Text, a.Index)
		pos.Outdated = pos.Row < 0
	case AnchorActionItem:
		pos.Section = SecActionItems
		if p == nil {
			pos.Outdated = true
			break
		}
		rows := make([]anchorRow, len(p.ActionItems))
		for i, it := range p.ActionItems {
			rows[i] = anchorRow{key: strings.ToLower(it.ID), text: it.Action}
		}
		if a.ItemID != "" {
			for i, r := range rows {
				if r.key == strings.ToLower(a.ItemID) {
					pos.Row = i
				}
			}
		} else {
			for i := range rows {
				if rows[i].key != "" {
					rows[i].key = "\x00" // items with an ID do not match an anchor without
				}
			}
			pos.Row = matchRow(rows, "", a.Text, a.Index)
		}
		pos.Outdated = pos.Row < 0
	case AnchorLines:
		pos.Section = ""
		start, end, ok := findLines(md, a.Text, a.StartLine)
		if !ok {
			pos.Outdated = true
			break
		}
		pos.StartLine, pos.EndLine = start, end
	default:
		pos.Outdated = true
	}
	return pos
}

func sectionExists(p *Postmortem, key string) bool {
	for _, s := range Sections {
		if s.Key == key {
			return true
		}
	}
	if p == nil {
		return false
	}
	for _, c := range p.Custom {
		if strings.EqualFold(strings.TrimSpace(c.Heading), strings.TrimSpace(key)) {
			return true
		}
	}
	return false
}

type anchorRow struct {
	key  string // the normalised time, or the item ID
	text string
}

// matchRow finds a row by identity (key and text), then by text alone (the
// key was edited), then by key with the most words in common (the text was
// edited), then by the most words in common; ties go to the row nearest
// hint. -1 when none is close enough.
func matchRow(rows []anchorRow, key, text string, hint int) int {
	want := normText(text)
	best := func(ok func(r anchorRow) bool) int {
		found := -1
		for i, r := range rows {
			if ok(r) && (found < 0 || abs(i-hint) < abs(found-hint)) {
				found = i
			}
		}
		return found
	}
	if i := best(func(r anchorRow) bool { return r.key == key && normText(r.text) == want }); i >= 0 {
		return i
	}
	if want != "" {
		if i := best(func(r anchorRow) bool { return normText(r.text) == want }); i >= 0 {
			return i
		}
	}
	similar := func(min float64, sameKey bool) int {
		found, score := -1, 0.0
		for i, r := range rows {
			if sameKey && (key == "" || r.key != key) {
				continue
			}
			s := wordOverlap(want, normText(r.text))
			if s < min {
				continue
			}
			if found < 0 || s > score || (s == score && abs(i-hint) < abs(found-hint)) {
				found, score = i, s
			}
		}
		return found
	}
	if i := similar(0.34, true); i >= 0 {
		return i
	}
	return similar(0.6, false)
}

// wordOverlap is the Jaccard similarity of the words of a and b.
func wordOverlap(a, b string) float64 {
	split := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) }) {
			m[w] = true
		}
		return m
	}
	wa, wb := split(a), split(b)
	if len(wa) == 0 && len(wb) == 0 {
		return 1
	}
	n := 0
	for w := range wa {
		if wb[w] {
			n++
		}
	}
	return float64(n) / float64(len(wa)+len(wb)-n)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// findLines finds quoted (one or more lines) in md, the occurrence nearest
// line hint, comparing lines with their white space trimmed.
func findLines(md []byte, quoted string, hint int) (start, end int, ok bool) {
	want := strings.Split(strings.TrimRight(quoted, "\n"), "\n")
	for i := range want {
		want[i] = strings.TrimSpace(want[i])
	}
	if len(want) == 0 || (len(want) == 1 && want[0] == "") {
		return 0, 0, false
	}
	lines := strings.Split(string(md), "\n")
	bestAt := -1
	for i := 0; i+len(want) <= len(lines); i++ {
		match := true
		for j, w := range want {
			if strings.TrimSpace(lines[i+j]) != w {
				match = false
				break
			}
		}
		if match && (bestAt < 0 || abs(i+1-hint) < abs(bestAt+1-hint)) {
			bestAt = i
		}
	}
	if bestAt < 0 {
		return 0, 0, false
	}
	return bestAt + 1, bestAt + len(want), true
}

// ReviewGate is the publish gate: the review: keys of .hindsight.yaml.
// Moving an incident to Published is refused (EConflict) while any of its
// conditions is unmet, unless an admin publishes anyway with a reason.
type ReviewGate struct {
	// RequiredApprovals is how many current (not stale) approvals an
	// incident needs, by severity; DefaultApprovals for other severities.
	RequiredApprovals map[Severity]int `json:"required_approvals,omitempty"`
	DefaultApprovals  int              `json:"default_approvals"`
	// AuthorCanApprove counts approvals by the incident's authors (its
	// creator and whoever requested reviews).
	AuthorCanApprove bool `json:"author_can_approve"`
	// BlockOnLint is LintBlockError, LintBlockWarning or LintBlockOff.
	BlockOnLint string `json:"block_on_lint"`
	// ResolveThreads requires every comment thread resolved.
	ResolveThreads bool `json:"resolve_threads"`
	// Due is when a postmortem is due.
	Due DueRule `json:"due"`
}

// The block_on_lint values.
const (
	LintBlockError   = "error"   // lint errors block publishing
	LintBlockWarning = "warning" // lint errors and warnings block
	LintBlockOff     = "off"     // lint does not block
)

// DefaultReviewGate is the gate without review: keys: no approvals
// required, authors may not approve their own postmortem, lint does not
// block, every thread must be resolved, due DefaultUnpublishedDays after
// the end.
func DefaultReviewGate() ReviewGate {
	return ReviewGate{BlockOnLint: LintBlockOff, ResolveThreads: true, Due: DueRule{Default: DefaultUnpublishedDays}}
}

// Approvals is how many approvals an incident of severity sev needs.
func (g ReviewGate) Approvals(sev Severity) int {
	if n, ok := g.RequiredApprovals[sev]; ok {
		return n
	}
	return g.DefaultApprovals
}

// GateInput is what the gate is evaluated on: the incident's review state
// at the revision being published and its lint findings.
type GateInput struct {
	Severity Severity
	// Review is the review state as of the revision to publish (from the
	// store, inside the publishing transaction).
	Review *ReviewSummary
	// Authors are the account IDs (and emails and names) of the incident's
	// authors: its creator and whoever requested reviews.
	Authors []string
	// LintErrors and LintWarnings count the document's lint findings.
	LintErrors, LintWarnings int
}

// GateCheck is one condition of the gate.
type GateCheck struct {
	// Name is "approvals", "lint" or "threads".
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	// Message says what is met or missing, e.g. "2 approvals required
	// (SEV-1), 1 current".
	Message string `json:"message"`
}

// GateResult is the gate's verdict: every check, and whether all pass.
type GateResult struct {
	OK     bool        `json:"ok"`
	Checks []GateCheck `json:"checks"`
}

// Unmet lists the messages of the checks that fail.
func (r GateResult) Unmet() []string {
	var out []string
	for _, c := range r.Checks {
		if !c.OK {
			out = append(out, c.Message)
		}
	}
	return out
}

// ErrGateClosed is wrapped by the error of a publication the gate refuses.
var ErrGateClosed = errors.New("the review gate is not met")

// Err is the EConflict refusing publication, listing every unmet
// condition (also as Fields named "review.<check>"); nil when the gate
// passes. It wraps ErrGateClosed.
func (r GateResult) Err() error {
	if r.OK {
		return nil
	}
	e := &Error{Code: EConflict, Message: "cannot publish: " + strings.Join(r.Unmet(), "; "), Err: ErrGateClosed}
	for _, c := range r.Checks {
		if !c.OK {
			e.Fields = append(e.Fields, FieldError{Field: "review." + c.Name, Message: c.Message})
		}
	}
	return e
}

// PublishOverride is an admin's publication past an unmet gate, with the
// reason given (from the audit log).
type PublishOverride struct {
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

// Evaluate checks every condition of the gate.
func (g ReviewGate) Evaluate(in GateInput) GateResult {
	res := GateResult{OK: true}
	add := func(c GateCheck) {
		res.Checks = append(res.Checks, c)
		res.OK = res.OK && c.OK
	}
	need := g.Approvals(in.Severity)
	have, own := 0, 0
	if in.Review != nil {
		for _, r := range in.Review.Reviews {
			if r.State != ReviewApproved || r.Stale {
				continue
			}
			if !g.AuthorCanApprove && isAuthor(in.Authors, r) {
				own++
				continue
			}
			have++
		}
	}
	sev := string(in.Severity)
	if sev == "" {
		sev = "no severity"
	}
	msg := fmt.Sprintf("%d current approval%s of %d required (%s)", have, plural(have), need, sev)
	if own > 0 {
		msg += fmt.Sprintf("; %d by an author, which does not count", own)
	}
	add(GateCheck{Name: "approvals", OK: have >= need, Message: msg})
	switch g.BlockOnLint {
	case LintBlockError:
		add(GateCheck{Name: "lint", OK: in.LintErrors == 0, Message: fmt.Sprintf("%d lint error%s (block_on_lint: error)", in.LintErrors, plural(in.LintErrors))})
	case LintBlockWarning:
		n := in.LintErrors + in.LintWarnings
		add(GateCheck{Name: "lint", OK: n == 0, Message: fmt.Sprintf("%d lint error%s and %d warning%s (block_on_lint: warning)", in.LintErrors, plural(in.LintErrors), in.LintWarnings, plural(in.LintWarnings))})
	}
	if g.ResolveThreads {
		open := 0
		if in.Review != nil {
			open = in.Review.OpenThreads
		}
		add(GateCheck{Name: "threads", OK: open == 0, Message: fmt.Sprintf("%d unresolved comment thread%s", open, plural(open))})
	}
	return res
}

func isAuthor(authors []string, r Review) bool {
	for _, a := range authors {
		if a == "" {
			continue
		}
		if a == r.Reviewer || strings.EqualFold(a, r.ReviewerEmail) || (r.ReviewerName != "" && strings.EqualFold(a, r.ReviewerName)) {
			return true
		}
	}
	return false
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// ReviewSummary is the review state of an incident as of one revision.
type ReviewSummary struct {
	// Revision is the revision it is computed against.
	Revision int `json:"revision"`
	// Requests are the open review requests.
	Requests []ReviewRequest `json:"requests"`
	// Reviews are each reviewer's latest review, with Stale computed
	// against Revision.
	Reviews []Review `json:"reviews"`
	// Threads and OpenThreads count comment threads, all and unresolved.
	Threads     int `json:"threads"`
	OpenThreads int `json:"open_threads"`
	// Requesters are the account IDs that requested reviews.
	Requesters []string `json:"requesters,omitempty"`
}

// LatestReviews keeps each reviewer's latest review (reviews in any order),
// ordered by time.
func LatestReviews(reviews []Review) []Review {
	last := map[string]Review{}
	for _, r := range reviews {
		if p, ok := last[r.Reviewer]; !ok || r.At.After(p.At) || (r.At.Equal(p.At) && r.ID > p.ID) {
			last[r.Reviewer] = r
		}
	}
	out := make([]Review, 0, len(last))
	for _, r := range last {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// DueRule says when a postmortem is due: Days (by severity, else Default)
// days after the incident's End. It is the definition of the insights'
// late postmortems (Unpublished) with a grace period by severity: a
// postmortem is overdue when it is not Published and its due time is
// before "now".
type DueRule struct {
	Days    map[Severity]int `json:"days,omitempty"`
	Default int              `json:"default_days"`
}

// DaysFor is the grace period of severity sev.
func (r DueRule) DaysFor(sev Severity) int {
	if n, ok := r.Days[sev]; ok {
		return n
	}
	return r.DefaultDays()
}

// DefaultDays is the grace period of the severities Days does not name.
func (r DueRule) DefaultDays() int {
	if r.Default > 0 {
		return r.Default
	}
	return DefaultUnpublishedDays
}

// DueAt is when an incident that ended at end is due; zero when end is
// zero (no End, no due date).
func (r DueRule) DueAt(sev Severity, end time.Time) time.Time {
	if end.IsZero() {
		return time.Time{}
	}
	return end.UTC().AddDate(0, 0, r.DaysFor(sev))
}

// Due states.
const (
	DueNone       = ""          // no End, or Published
	DueLater      = "later"     // due after the next DueSoonDays
	DueSoon       = "due_soon"  // due within DueSoonDays
	DueOverdue    = "overdue"   // past due and not Published
	DueSoonDays   = 3           // how close "due soon" is
	DueThisWeek   = "this_week" // a list filter: due within 7 days (overdue excluded)
	DueFilterOver = "overdue"   // a list filter: overdue
)

// DueState classifies an incident's due date at now: DueNone when it has
// none or is Published, DueOverdue when due is before now (the insights'
// late postmortem), DueSoon within DueSoonDays, else DueLater.
func DueState(due time.Time, st Status, now time.Time) string {
	switch {
	case due.IsZero() || st == StatusPublished:
		return DueNone
	case due.Before(now):
		return DueOverdue
	case due.Before(now.AddDate(0, 0, DueSoonDays)):
		return DueSoon
	}
	return DueLater
}

// DueEvent is a due-soon or overdue postmortem to announce once per
// incident, event and due date.
type DueEvent struct {
	IncidentID string
	Event      string // EventPostmortemDueSoon or EventPostmortemOverdue
	DueAt      time.Time
	Payload    []byte
}

// ReviewRequestCreate asks reviewers (account IDs) to review an incident.
type ReviewRequestCreate struct {
	IncidentID  string
	Reviewers   []string
	RequestedBy string
	// Revision is the incident's revision at the request.
	Revision int
	At       time.Time
	Audit    []AuditRecord
	// Outbox is called in the transaction with the requests it opened
	// (reviewers that already had an open request are left out).
	Outbox func(opened []ReviewRequest) []OutboxEvent
}

// ReviewSubmit stores a review.
type ReviewSubmit struct {
	Review Review
	Audit  []AuditRecord
	// Outbox is called in the transaction with the stored review.
	Outbox func(r *Review) []OutboxEvent
}

// CommentCreate stores a comment: a new thread (ParentID 0, with an
// anchor) or a reply.
type CommentCreate struct {
	Comment Comment
	Audit   []AuditRecord
	// Outbox is called in the transaction with the stored comment and the
	// account IDs that wrote in its thread before.
	Outbox func(c *Comment, participants []string) []OutboxEvent
}

// CommentUpdate changes a comment: its body (the old body goes to its
// history), or its thread's resolved state. Nil fields stay.
type CommentUpdate struct {
	ID       int64
	Body     *string
	Resolved *bool
	By       string // account ID (resolved_by)
	At       time.Time
	Audit    []AuditRecord
}

// ReviewRequestFilter selects review requests. Zero fields do not filter.
type ReviewRequestFilter struct {
	IncidentID string
	Reviewer   string // account ID
	// OpenOnly keeps open requests.
	OpenOnly bool
}

// ReviewStore keeps review requests, reviews and comments. sqlite/ and
// postgres/ implement it beside Store; storetest.RunReviews is its
// conformance suite. Reads take a Viewer: the review data of a restricted
// incident is ENotFound (or left out of lists) for non-members, like the
// incident. Writes refuse an incident that does not exist or is deleted
// (ENotFound), and lock the incident's row, so a write and a publication
// (UpdateIncident with a Gate) of the same incident are serialised.
type ReviewStore interface {
	// RequestReviews opens a request per reviewer that has no open request
	// for the incident, in one transaction with its audit and outbox, and
	// returns the requests opened. EInvalid when a reviewer is not an
	// account, or the incident is restricted and the reviewer is not a
	// member (the error names the field "reviewers").
	RequestReviews(ctx context.Context, r ReviewRequestCreate) ([]ReviewRequest, error)
	// WithdrawReviewRequest withdraws the open request of reviewer;
	// ENotFound when there is none.
	WithdrawReviewRequest(ctx context.Context, incidentID, reviewer string, at time.Time, audit []AuditRecord) error
	// FindReviewRequests lists requests, newest first, of incidents v may
	// see.
	FindReviewRequests(ctx context.Context, v Viewer, f ReviewRequestFilter) ([]ReviewRequest, error)
	// SubmitReview stores a review (its ID and At set) and closes the
	// reviewer's open request for the incident, in one transaction.
	SubmitReview(ctx context.Context, s ReviewSubmit) (*Review, error)
	// FindReviews lists an incident's reviews, oldest first, with Stale and
	// RevisionsSince computed against its latest revision.
	FindReviews(ctx context.Context, v Viewer, incidentID string) ([]Review, error)
	// ReviewSummary is the incident's review state at its latest revision.
	ReviewSummary(ctx context.Context, v Viewer, incidentID string) (*ReviewSummary, error)

	// CreateComment stores a comment (ID, ThreadID and CreatedAt set). A
	// reply's ParentID must be a comment of the same incident (EInvalid
	// naming "parent_id" otherwise); a reply to a resolved thread reopens
	// it.
	CreateComment(ctx context.Context, c CommentCreate) (*Comment, error)
	// UpdateComment edits a comment or resolves/reopens its thread.
	UpdateComment(ctx context.Context, u CommentUpdate) (*Comment, error)
	// DeleteComment removes a comment (a thread's first comment takes its
	// replies with it), with its audit record.
	DeleteComment(ctx context.Context, id int64, audit []AuditRecord) error
	// FindComments lists an incident's comments, threads in order of
	// creation, each followed by its replies.
	FindComments(ctx context.Context, v Viewer, incidentID string) ([]Comment, error)
	// FindCommentByID returns one comment of an incident v may see.
	FindCommentByID(ctx context.Context, v Viewer, id int64) (*Comment, error)

	// QueueDue queues an outbox event for each due event not queued before
	// for its incident, event and due date, in one transaction, and
	// returns how many it queued (like QueueOverdue).
	QueueDue(ctx context.Context, events []DueEvent, at time.Time) (int, error)
}
