package web

import (
	"html/template"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// figure is one computed figure beside the stated one.
type figure struct {
	Name     string
	Stated   string
	Computed string
	Basis    string // how Computed was found
	Mismatch bool
}

type showData struct {
	In          *hindsight.Incident
	Doc         *hindsight.Postmortem
	Figures     []figure
	Lint        lintPanel
	Status      statusBox
	Extras      map[string]template.HTML
	Custom      map[string][]hindsight.CustomSection
	TimelineCol []string
	ActionCol   []string
	// Review is the Review panel (nil without a review store); margin
	// holds the comment threads by section; CommentOn opens a section's
	// new comment form on a place ("timeline:row:3", from ?comment=).
	Review    *reviewPanel
	margin    margin
	CommentOn string
	// Due is the postmortem's due date.
	Due dueView
	// FocusItem is the key of the action item just closed or reopened in
	// place: its button gets autofocus so htmx keeps keyboard focus there.
	FocusItem string
	// Teams are the incident's teams: owning an affected service, or
	// added by hand.
	Teams []hindsight.IncidentTeam
	// Shape is the document's custom fields, tags and categorized factors
	// read by the effective shape (shown in place of their raw lines).
	Shape shapeInputs
	// Tracker is what the page knows of its items' issues
	// (tracker_sync.go).
	Tracker trackerView
}

// statusBox is the status chip with the allowed transitions as buttons.
type statusBox struct {
	ID          string
	Revision    int
	Status      hindsight.Status
	Transitions []transition
	Error       string
	// Saved is the "Saved as revision N." banner after a change in place.
	Saved string
	// Confirm is the number of lint errors when publishing asks for
	// confirmation first (0: no question).
	Confirm int
}

type transition struct {
	To    hindsight.Status
	Label string
	Class string
}

func newStatusBox(in *hindsight.Incident) statusBox {
	b := statusBox{ID: in.ID, Revision: in.Revision, Status: in.Doc.Status}
	for _, to := range in.Doc.Status.Transitions() {
		t := transition{To: to, Label: "Move to " + to.Label(), Class: "btn"}
		switch {
		case to == hindsight.StatusPublished:
			t.Label, t.Class = "Publish", "btn btn-primary"
		case to == hindsight.StatusInReview && in.Doc.Status == hindsight.StatusDraft:
			t.Label, t.Class = "Send to review", "btn btn-primary"
		case to == hindsight.StatusInReview:
			t.Label = "Reopen review"
		case to == hindsight.StatusDraft:
			t.Label = "Back to draft"
		}
		b.Transitions = append(b.Transitions, t)
	}
	return b
}

func (u *UI) incidentShow(w http.ResponseWriter, r *http.Request) {
	a := u.actor(r)
	// the review (requests, reviews, comments) changes without a new
	// revision: its stamp is part of the cache's key
	stamp, err := u.fetchStamp(r.Context(), a, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	// the teams (owners of its services) change without a new revision
	// too: their slugs and services are part of the key
	teams, tstamp, err := u.incidentTeams(r, a, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	// and its items' issue links (queued, failed with a reason, created)
	links, err := u.trackerStamp(r, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	render := func(in *hindsight.Incident) ([]byte, error) {
		d := u.showData(r, in, "")
		d.Teams = teams
		if err := u.withReview(r, &d); err != nil {
			return nil, err
		}
		p := page{Title: in.ID + " " + in.Doc.Title, Data: d}
		u.withFlash(w, r, &p)
		return u.page(r, "show", p)
	}
	// the page of a revision is the same for every reader who may see it,
	// until the day changes (overdue action items): served from the
	// service's per-revision cache, which checks the reader every time; a
	// page with a message (after a save) is not the cached one
	if r.URL.RawQuery == "" && !hasFlash(r) {
		// the fields are read by the shape: a saved shape is a new page
		shapeVer := "file"
		if set, err := u.svc.ShapeSetting(r.Context()); err == nil && set.Version > 0 {
			shapeVer = strconv.Itoa(set.Version)
		}
		form := strings.Join([]string{"html", a.ID, u.svc.Now().Format(hindsight.DateLayout), stamp, tstamp, shapeVer, links}, "\x00")
		b, _, err := u.svc.Rendered(r.Context(), a, r.PathValue("id"), form, render)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		writeHTML(w, http.StatusOK, b)
		return
	}
	in, err := u.svc.Get(r.Context(), a, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	b, err := render(in)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	writeHTML(w, http.StatusOK, b)
}

func (u *UI) showData(r *http.Request, in *hindsight.Incident, statusErr string) showData {
	d := showData{
		In: in, Doc: in.Doc, Figures: figures(in.Doc),
		Lint:   newLintPanel(in.ID, "show", u.svc.LintSource(r.Context(), "", in.Markdown)),
		Status: newStatusBox(in),
		Extras: map[string]template.HTML{}, Custom: map[string][]hindsight.CustomSection{},
	}
	d.Status.Error = statusErr
	d.Due = newDueView(u.dueAt(in), in.Doc.Status, u.svc.Now())
	d.Shape = newShapeInputs(u.svc.Shape(r.Context()), in.Doc)
	d.Tracker = u.trackerView(r, in)
	for k, e := range in.Doc.Extras {
		if k == hindsight.SecSummary {
			e = unlabelled(e) // the labelled lines are the fields, shown typed
		}
		d.Extras[k] = extraHTML(e)
	}
	for _, c := range in.Doc.Custom {
		d.Custom[c.After] = append(d.Custom[c.After], c)
	}
	if e, ok := in.Doc.Extras[hindsight.SecTimeline]; ok {
		d.TimelineCol = e.Columns
	}
	if e, ok := in.Doc.Extras[hindsight.SecActionItems]; ok {
		d.ActionCol = e.Columns
	}
	return d
}

// extraHTML renders a section's verbatim extra content (not its columns).
func extraHTML(e hindsight.Extra) template.HTML {
	var b strings.Builder
	if e.Before != "" {
		b.WriteString(e.Before + "\n\n")
	}
	for _, f := range e.Fields {
		if f.Label != "" {
			b.WriteString("- **" + f.Label + ":** " + f.Value + "\n")
		} else {
			b.WriteString("- " + f.Value + "\n")
		}
	}
	if e.After != "" {
		b.WriteString("\n" + e.After + "\n")
	}
	if b.Len() == 0 {
		return ""
	}
	return mdHTML(b.String())
}

var (
	ackRe      = regexp.MustCompile(`(?i)\b(acknowledg\w*|ack(ed|'d)?)\b`)
	mitigateRe = regexp.MustCompile(`(?i)\b(mitigat\w*|rolled back|roll(ed)?[- ]?back|restored|recovered|failover completed|resolved)\b`)
	// a row that says "mitigated" is the mitigation, before any row that
	// only says something was restored ("checkout partially restored")
	mitigatedRe = regexp.MustCompile(`(?i)\bmitigat\w*\b`)
)

// figures computes Duration, time to detect, TTA and TTM from the times in
// the document and sets them beside the stated values.
func figures(p *hindsight.Postmortem) []figure {
	s, e, det := p.Summary.Start, p.Summary.End, p.Detection.DetectionTime
	span := func(a, b hindsight.Time) (int, bool) {
		if !a.IsSet() || !b.IsSet() {
			return 0, false
		}
		return int(b.T.Sub(a.T) / time.Minute), true
	}
	fig := func(name string, stated hindsight.Duration, computed int, ok bool, basis string) figure {
		f := figure{Name: name, Stated: stated.String(), Computed: "—", Basis: basis}
		if f.Stated == "" {
			f.Stated = "—"
		}
		if ok {
			f.Computed = hindsight.HHMM(computed)
			f.Mismatch = stated.Valid && stated.Minutes != computed
		}
		return f
	}
	var out []figure
	m, ok := span(s, e)
	out = append(out, fig("Duration", p.Summary.Duration, m, ok, "End − Start"))
	m, ok = span(s, det)
	out = append(out, fig("Time to detect", hindsight.Duration{}, m, ok, "Detection − Start"))
	ack, mit := timelineTime(p, det, ackRe), timelineTime(p, det, mitigatedRe)
	if !mit.IsSet() {
		mit = timelineTime(p, det, mitigateRe)
	}
	m, ok = span(det, ack)
	out = append(out, fig("Time to acknowledge (TTA)", p.Detection.TTA, m, ok, "first “acknowledged” timeline row − Detection"))
	m, ok = span(det, mit)
	out = append(out, fig("Time to mitigate (TTM)", p.Detection.TTM, m, ok, "first “mitigated” timeline row (else “rolled back/restored”) − Detection"))
	return out
}

// timelineTime returns the time of the first timeline row at or after from
// whose text matches re.
func timelineTime(p *hindsight.Postmortem, from hindsight.Time, re *regexp.Regexp) hindsight.Time {
	if !from.IsSet() {
		return hindsight.Time{}
	}
	for _, ev := range p.Timeline {
		if ev.Time.IsSet() && !ev.Time.T.Before(from.T) && re.MatchString(ev.Event) {
			return ev.Time
		}
	}
	return hindsight.Time{}
}
