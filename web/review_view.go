package web

import (
	"html/template"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
)

// The review on the incident page: the Review panel (requests, reviews,
// the publish gate's checklist, the review form), and the comment threads
// in the margin of the document next to what they anchor.

// reviewPanel is the data of the "review-panel" template.
type reviewPanel struct {
	ID       string
	Revision int
	Status   hindsight.Status
	// Due is the postmortem's due date, if it has one.
	Due dueView
	// Requests are the open review requests; Reviews each reviewer's
	// latest review.
	Requests []hindsight.ReviewRequest
	Reviews  []hindsight.Review
	// Gate is the publish gate's checklist (nil: not evaluated).
	Gate *hindsight.GateResult
	// Mine is the viewer's latest review; ChangesSince is true when the
	// document changed since it.
	Mine         *hindsight.Review
	ChangesSince bool
	// Reviewers are the accounts that may be asked (not yet asked).
	Reviewers []accountOption
	// CanRequest lets the viewer ask for reviews (editors); CanReview
	// lets them submit one (a signed-in account).
	CanRequest, CanReview bool
	// Override is an admin's publication past the gate (nil: none).
	Override *app.PublishOverride
	// PublishAnyway offers an admin the override when the gate is red.
	PublishAnyway bool
	// Outdated are the threads whose anchor is gone, shown apart.
	Outdated []threadView
	// General are the threads of no section (lines of the Markdown that
	// are outside the sections).
	General []threadView
	// Error and Saved are messages of the last change.
	Error, Saved string
	// Open and Resolved count the threads.
	Open, Resolved int
}

// accountOption is one account in a select.
type accountOption struct {
	ID, Label string
}

// dueView shows a postmortem's due date.
type dueView struct {
	At    time.Time
	State string // hindsight.DueSoon, DueOverdue, DueLater or "" (none)
	// Text is "due 2026-05-06 (in 3 days)", "overdue by 2 days".
	Text string
}

// newDueView describes due (zero: no due date) for status st at now.
func newDueView(due time.Time, st hindsight.Status, now time.Time) dueView {
	d := dueView{At: due, State: hindsight.DueState(due, st, now)}
	if due.IsZero() {
		return d
	}
	date := due.UTC().Format(hindsight.DateLayout)
	days := int(due.Sub(now).Hours() / 24)
	switch d.State {
	case hindsight.DueOverdue:
		late := int(now.Sub(due).Hours() / 24)
		switch late {
		case 0:
			d.Text = "overdue since " + date
		case 1:
			d.Text = "overdue by 1 day (due " + date + ")"
		default:
			d.Text = "overdue by " + strconv.Itoa(late) + " days (due " + date + ")"
		}
	case hindsight.DueNone:
		d.Text = "was due " + date
	default:
		switch days {
		case 0:
			d.Text = "due " + date + " (today)"
		case 1:
			d.Text = "due " + date + " (in 1 day)"
		default:
			d.Text = "due " + date + " (in " + strconv.Itoa(days) + " days)"
		}
	}
	return d
}

// threadView is a comment thread as the page shows it.
type threadView struct {
	ID int64
	// Label names what the thread is about ("Timeline row 14:02 deploy
	// started"); Section is where it is shown; Row the timeline row or
	// action item (-1: none).
	Label    string
	Section  string
	Row      int
	Outdated bool
	Resolved bool
	// ResolvedBy names who resolved it.
	ResolvedBy string
	Comments   []commentView
	// CanResolve lets the viewer resolve or reopen it, CanReply reply.
	CanResolve, CanReply bool
}

// commentView is one comment of a thread.
type commentView struct {
	hindsight.Comment
	Author string
	HTML   template.HTML
	// CanEdit: the viewer wrote it; CanDelete: the viewer is an admin.
	CanEdit, CanDelete bool
}

// viewerInfo is who looks at the review.
type viewerInfo struct {
	ID     string
	Admin  bool
	Editor bool
	Signed bool
}

// anchorLabel names the place an anchor points to.
func anchorLabel(a hindsight.Anchor) string {
	switch a.Kind {
	case hindsight.AnchorSection:
		return hindsight.SectionHeading(a.Section)
	case hindsight.AnchorField:
		if a.Label != "" {
			return a.Label
		}
		if l := FieldLabel(a.Field); l != "" {
			return l
		}
		return a.Field
	case hindsight.AnchorTimeline:
		return strings.TrimSpace("Timeline row " + a.Time + " " + clip(a.Text, 60))
	case hindsight.AnchorActionItem:
		if a.ItemID != "" {
			return "Action item " + a.ItemID
		}
		return "Action item “" + clip(a.Text, 60) + "”"
	case hindsight.AnchorLines:
		if a.StartLine == a.EndLine {
			return "Line " + strconv.Itoa(a.StartLine)
		}
		return "Lines " + strconv.Itoa(a.StartLine) + "–" + strconv.Itoa(a.EndLine)
	}
	return string(a.Kind)
}

// clip shortens s to n runes with an ellipsis.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// buildThreads groups comments (threads in order, each followed by its
// replies, as FindComments lists them) into threads.
func buildThreads(comments []hindsight.Comment, v viewerInfo) []threadView {
	var out []threadView
	idx := map[int64]int{}
	for _, c := range comments {
		cv := commentView{Comment: c, Author: c.AuthorName, HTML: mdHTML(c.Body),
			CanEdit: v.Editor && c.Author == v.ID, CanDelete: v.Admin}
		if cv.Author == "" {
			cv.Author = c.AuthorEmail
		}
		if cv.Author == "" {
			cv.Author = c.Author
		}
		if c.IsThread() {
			t := threadView{ID: c.ID, Label: anchorLabel(c.Anchor), Section: c.Position.Section, Row: c.Position.Row,
				Outdated: c.Position.Outdated, Resolved: c.Resolved, ResolvedBy: c.ResolvedBy,
				CanResolve: v.Editor, CanReply: v.Editor}
			if t.Section == "" && c.Anchor.Kind != hindsight.AnchorLines {
				t.Section = c.Anchor.Section
			}
			if c.Anchor.Kind == hindsight.AnchorLines && !t.Outdated {
				t.Label = "Lines " + strconv.Itoa(c.Position.StartLine) + "–" + strconv.Itoa(c.Position.EndLine)
			}
			t.Comments = append(t.Comments, cv)
			idx[c.ID] = len(out)
			out = append(out, t)
			continue
		}
		if i, ok := idx[c.ThreadID]; ok {
			out[i].Comments = append(out[i].Comments, cv)
		}
	}
	return out
}

// margin holds the threads shown beside each section, by section key; the
// timeline rows and action items with threads are marked.
type margin struct {
	BySection map[string][]threadView
	// Rows maps "timeline:3" and "action_items:0" to the row's threads.
	Rows map[string][]threadView
}

// Threads returns the threads of the section key.
func (m margin) Threads(section string) []threadView { return m.BySection[section] }

// RowThreads returns the threads anchored to row i of the section.
func (m margin) RowThreads(section string, i int) []threadView {
	return m.Rows[section+":"+strconv.Itoa(i)]
}

// placeThreads puts current threads in the margin of their section and
// returns the outdated ones and those of no known section apart.
func placeThreads(threads []threadView, p *hindsight.Postmortem) (m margin, outdated, general []threadView) {
	m = margin{BySection: map[string][]threadView{}, Rows: map[string][]threadView{}}
	known := map[string]bool{}
	for _, s := range hindsight.Sections {
		known[s.Key] = true
	}
	if p != nil {
		for _, c := range p.Custom {
			known[c.Heading] = true
		}
	}
	for _, t := range threads {
		switch {
		case t.Outdated:
			outdated = append(outdated, t)
		case known[t.Section]:
			m.BySection[t.Section] = append(m.BySection[t.Section], t)
			if t.Row >= 0 && (t.Section == hindsight.SecTimeline || t.Section == hindsight.SecActionItems) {
				k := t.Section + ":" + strconv.Itoa(t.Row)
				m.Rows[k] = append(m.Rows[k], t)
			}
		default:
			general = append(general, t)
		}
	}
	// the threads of a section in document order: rows by row
	for k, ts := range m.BySection {
		sort.SliceStable(ts, func(i, j int) bool { return ts[i].Row < ts[j].Row })
		m.BySection[k] = ts
	}
	return m, outdated, general
}

// anchorChoice is one option of the "comment on" select of a section.
type anchorChoice struct {
	Value, Label string
	Selected     bool
}

// anchorChoices lists the places of section key one may comment on: the
// section, its fields, its rows. Values are "section", "field:<path>",
// "row:<i>" (timeline) and "item:<i>" (action items).
func anchorChoices(p *hindsight.Postmortem, key, selected string) []anchorChoice {
	out := []anchorChoice{{Value: "section", Label: "The whole section"}}
	switch key {
	case hindsight.SecTimeline:
		for i, e := range p.Timeline {
			out = append(out, anchorChoice{Value: "row:" + strconv.Itoa(i), Label: strings.TrimSpace(e.Time.String() + " " + clip(e.Event, 50))})
		}
	case hindsight.SecActionItems:
		for i, it := range p.ActionItems {
			l := it.ID
			if l != "" {
				l += " "
			}
			out = append(out, anchorChoice{Value: "item:" + strconv.Itoa(i), Label: l + clip(it.Action, 50)})
		}
	default:
		var paths []string
		for path := range fieldLabels {
			if strings.HasPrefix(path, key+".") {
				paths = append(paths, path)
			}
		}
		sort.Strings(paths)
		for _, path := range paths {
			out = append(out, anchorChoice{Value: "field:" + path, Label: fieldLabels[path]})
		}
	}
	for i := range out {
		out[i].Selected = out[i].Value == selected
	}
	return out
}

// parseAnchor turns a posted "comment on" value of section key into an
// anchor of document p.
func parseAnchor(p *hindsight.Postmortem, section, value string) (hindsight.Anchor, error) {
	bad := func(msg string) error {
		return &hindsight.Error{Code: hindsight.EInvalid, Message: "anchor: " + msg, Fields: []hindsight.FieldError{{Field: "anchor", Message: msg}}}
	}
	known := false
	for _, s := range hindsight.Sections {
		known = known || s.Key == section
	}
	if !known && p != nil {
		for _, c := range p.Custom {
			known = known || c.Heading == section
		}
	}
	if !known {
		return hindsight.Anchor{}, bad("no section " + strconv.Quote(section))
	}
	kind, arg, _ := strings.Cut(value, ":")
	index := func(n int) (int, error) {
		i, err := strconv.Atoi(arg)
		if err != nil || i < 0 || i >= n {
			return 0, bad("no row " + strconv.Quote(arg) + " in this revision; reload the page")
		}
		return i, nil
	}
	switch kind {
	case "section", "":
		return hindsight.Anchor{Kind: hindsight.AnchorSection, Section: section}, nil
	case "field":
		l, ok := fieldLabels[arg]
		if !ok || !strings.HasPrefix(arg, section+".") {
			return hindsight.Anchor{}, bad("no field " + strconv.Quote(arg) + " in this section")
		}
		return hindsight.Anchor{Kind: hindsight.AnchorField, Section: section, Field: arg, Label: l}, nil
	case "row":
		if section != hindsight.SecTimeline {
			return hindsight.Anchor{}, bad("rows are in the timeline")
		}
		i, err := index(len(p.Timeline))
		if err != nil {
			return hindsight.Anchor{}, err
		}
		e := p.Timeline[i]
		return hindsight.Anchor{Kind: hindsight.AnchorTimeline, Section: section, Time: e.Time.String(), Text: e.Event, Label: e.Time.String(), Index: i}, nil
	case "item":
		if section != hindsight.SecActionItems {
			return hindsight.Anchor{}, bad("items are in the action items")
		}
		i, err := index(len(p.ActionItems))
		if err != nil {
			return hindsight.Anchor{}, err
		}
		it := p.ActionItems[i]
		return hindsight.Anchor{Kind: hindsight.AnchorActionItem, Section: section, ItemID: it.ID, Text: it.Action, Index: i}, nil
	}
	return hindsight.Anchor{}, bad("want section, field:<path>, row:<n> or item:<n>")
}
