package lint

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
)

// Rule describes one check.
type Rule struct {
	// ID is stable: HS001, HS002...
	ID string `json:"id"`
	// Name is a short kebab-case name, also accepted in configuration.
	Name string `json:"name"`
	// Level is the default level.
	Level Level `json:"level"`
	// Description says in one line what the rule checks.
	Description string `json:"description"`
	// Fixable reports whether --fix can resolve the rule's findings.
	Fixable bool `json:"fixable,omitempty"`

	check func(*checker)
}

// Rules returns every rule in ID order.
func Rules() []Rule {
	out := make([]Rule, len(rules))
	for i, r := range rules {
		out[i] = *r
	}
	return out
}

// ruleByKey finds a rule by ID or name (case-insensitive).
func ruleByKey(k string) *Rule {
	k = strings.TrimSpace(k)
	for _, r := range rules {
		if strings.EqualFold(r.ID, k) || strings.EqualFold(r.Name, k) {
			return r
		}
	}
	return nil
}

var rules []*Rule

func init() {
	rules = []*Rule{
		{ID: "HS001", Name: "placeholder", Level: Error, check: checkPlaceholders,
			Description: "A placeholder of the template (YYYY-MM-DD, HH:MM, Name, Item 1, P0/P1/P2...) is left in the document; a Draft is only checked in its Incident Summary."},
		{ID: "HS002", Name: "incident-id", Level: Error, check: checkIncidentID,
			Description: "The Incident ID has the form INC-YYYYMMDD-NNN and its date is the UTC date of the Start Time."},
		{ID: "HS003", Name: "time-format", Level: Error, check: checkTimes,
			Description: "Start, End and Detection Time and every timeline time are UTC times written YYYY-MM-DD HH:MM."},
		{ID: "HS004", Name: "duration-format", Level: Error, check: checkDurations,
			Description: "Duration, Time to Acknowledge and Time to Mitigate are durations written HH:MM."},
		{ID: "HS005", Name: "severity", Level: Error, check: checkSeverity,
			Description: "Severity is one of SEV-1, SEV-2, SEV-3, SEV-4."},
		{ID: "HS006", Name: "status", Level: Error, check: checkStatus,
			Description: "The document Status is Draft, In Review or Published."},
		{ID: "HS007", Name: "date-format", Level: Error, check: checkDates,
			Description: "Last Updated and every action item's Target Date are dates written YYYY-MM-DD, and every action item has a Target Date."},
		{ID: "HS008", Name: "end-before-start", Level: Error, check: checkEndAfterStart,
			Description: "The End Time is after the Start Time."},
		{ID: "HS009", Name: "duration-mismatch", Level: Error, Fixable: true, check: checkDurationMatches,
			Description: "Duration equals End Time minus Start Time (--fix recomputes it)."},
		{ID: "HS010", Name: "detection-window", Level: Warning, check: checkDetectionWindow,
			Description: "The Detection Time lies between the Start Time and the End Time."},
		{ID: "HS011", Name: "response-times", Level: Warning, check: checkResponseTimes,
			Description: "Time to Acknowledge is not longer than Time to Mitigate, and Time to Mitigate is not longer than End Time minus Detection Time."},
		{ID: "HS012", Name: "blameless", Level: Warning, check: checkBlameless,
			Description: "Wording blames people rather than systems (\"human error\", \"careless\", \"should have known\", \"X's fault\"...); a neutral wording is suggested. The word list is configurable."},
		{ID: "HS013", Name: "timeline-order", Level: Warning, Fixable: true, check: checkTimelineOrder,
			Description: "Timeline rows are in chronological order (--fix sorts a timeline whose rows all have valid times)."},
		{ID: "HS014", Name: "timeline-empty", Level: Error, check: checkTimelineEmpty,
			Description: "A Published postmortem has at least one timeline row."},
		{ID: "HS015", Name: "timeline-window", Level: Info, check: checkTimelineWindow,
			Description: "Timeline rows after the End Time, or long before the Start Time (timeline_lead_hours, default 24), are worth a second look."},
		{ID: "HS016", Name: "action-id", Level: Error, Fixable: true, check: checkActionIDs,
			Description: "Every action item has a unique ID of the form AI-NNN (--fix numbers items that have none)."},
		{ID: "HS017", Name: "action-owner", Level: Error, check: checkActionOwners,
			Description: "Every action item has an owner that is not a placeholder or an unknown."},
		{ID: "HS018", Name: "action-priority", Level: Error, check: checkActionPriorities,
			Description: "Every action item has a Priority of P0, P1 or P2."},
		{ID: "HS019", Name: "action-status", Level: Error, check: checkActionStatuses,
			Description: "Every action item has a Status of Open or Closed."},
		{ID: "HS020", Name: "action-overdue", Level: Warning, check: checkOverdue,
			Description: "An Open action item is past its Target Date (today is --today, default the clock)."},
		{ID: "HS021", Name: "p0-due-window", Level: Warning, check: checkP0Window,
			Description: "A P0 action item is due within p0_due_days (default 7) days after the incident ended."},
		{ID: "HS022", Name: "required-sections", Level: Error, check: checkRequired,
			Description: "The sections and summary fields required by the document's status are filled: a Draft needs the Incident Summary, a Published postmortem every section (configurable)."},
		{ID: "HS023", Name: "severity-requirements", Level: Error, check: checkSeverityRequirements,
			Description: "A SEV-1 or SEV-2 postmortem under review or published has an executive summary, a root cause, customer communication (configurable) and at least one P0 or P1 action item."},
		{ID: "HS024", Name: "data-exposure-compliance", Level: Error, check: checkCompliance,
			Description: "When Data exposure is Yes, Compliance implications is answered Yes or No."},
		{ID: "HS025", Name: "unknown-section", Level: Info, check: checkUnknown,
			Description: "A section, label or table column the template does not know (kept verbatim); the Tags line and the fields and sections the shape declares are known."},
		{ID: "HS026", Name: "unknown-service", Level: Info, check: checkServices,
			Description: "An affected service is not in the service catalog (only when services is configured)."},
		{ID: "HS027", Name: "unknown-owner", Level: Info, check: checkKnownOwners,
			Description: "An action item owner or the document owner is not in the list of known owners (only when owners is configured)."},
		{ID: "HS028", Name: "yes-no", Level: Warning, check: checkAnswers,
			Description: "The Yes/No questions (data loss, data exposure, compliance, rollback) are answered Yes or No (or an honest Unknown)."},
		{ID: "HS029", Name: "time-zone", Level: Error, check: checkTimeZones,
			Description: "A time is kept as written because its zone cannot convert it exactly: an ambiguous abbreviation (IST, CST, BST), an abbreviation of the other half of the year (PST in July), a local time skipped or repeated by a clock change, or no zone in a document that states two; write an offset."},
		{ID: "HS030", Name: "time-no-date", Level: Error, check: checkTimeDates,
			Description: "A timeline time of day has no dated row above it and no Start Time to take its date from, so it is kept as written; write the date."},
	}
}

// ---------------------------------------------------------------- helpers

const (
	timeExpect     = "YYYY-MM-DD HH:MM (UTC)"
	durationExpect = "HH:MM"
	dateExpect     = "YYYY-MM-DD"
)

func fmtTime(t time.Time) string { return t.UTC().Format(hindsight.TimeLayout) }
func fmtDate(t time.Time) string { return t.UTC().Format(hindsight.DateLayout) }

// minutesBetween returns b-a in whole minutes.
func minutesBetween(a, b time.Time) int { return int(b.Sub(a) / time.Minute) }

func isDraft(s hindsight.Status) bool {
	return s == hindsight.StatusDraft || s == hindsight.StatusTemplate || !s.Valid()
}

// placeholderField reports whether a placeholder was reported at field or
// inside it, so that other rules do not report the same gap twice.
func (c *checker) placeholderAt(field string) bool {
	if c.placeholders == nil {
		return false
	}
	if c.placeholders[field] {
		return true
	}
	for f := range c.placeholders {
		if strings.HasPrefix(f, field+".") || strings.HasPrefix(f, field+"[") {
			return true
		}
	}
	return false
}

// placeholderWords are template placeholders that may reach the model from
// a source without a source map (JSON, the web form).
var placeholderWords = map[string]bool{
	"name": true, "names": true, "owner": true, "person": true, "someone": true,
	"action description": true, "event description": true, "item 1": true, "item 2": true,
	"factor 1": true, "factor 2": true, "service-name (impact summary)": true,
	"yyyy-mm-dd": true, "hh:mm": true, "yyyy-mm-dd hh:mm": true,
}

func isPlaceholderText(s string) bool {
	return placeholderWords[strings.ToLower(strings.TrimSpace(s))]
}

// ---------------------------------------------------------------- HS001

func checkPlaceholders(c *checker) {
	draft := isDraft(c.doc.Status)
	for _, p := range c.sm.Placeholders {
		if p.Field == "version" {
			continue // "1.0" is the template's example and a real first version
		}
		if c.placeholders == nil {
			c.placeholders = map[string]bool{}
		}
		// recorded even when not reported, so that no other rule reports
		// an unfilled part of a Draft either
		c.placeholders[p.Field] = true
		if draft && p.Field != hindsight.SecSummary && !strings.HasPrefix(p.Field, hindsight.SecSummary+".") {
			continue
		}
		f := c.reportAt(p.Field, p.Line, "%s: template placeholder %q left in; expected %s", p.Field, short(p.Text), expectFor(p.Field))
		f.needle = p.Text
	}
}

// short cuts text for a one-line message: its first line, at most 60
// characters.
func short(s string) string {
	s = strings.TrimSpace(s)
	cut := false
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s, cut = strings.TrimSpace(s[:i]), true
	}
	if r := []rune(s); len(r) > 60 {
		s, cut = string(r[:57]), true
	}
	if cut {
		s += "…"
	}
	return s
}

// expectFor describes the value expected at a field path.
func expectFor(field string) string {
	last := field
	if i := strings.LastIndexAny(field, ".]"); i >= 0 && i+1 < len(field) {
		last = field[i+1:]
	}
	if strings.HasSuffix(field, "]") {
		last = ""
	}
	switch last {
	case "incident_id":
		return "an Incident ID like INC-20211004-001"
	case "start_time", "end_time", "detection_time", "time":
		return "a time " + timeExpect
	case "duration", "time_to_acknowledge", "time_to_mitigate":
		return "a duration " + durationExpect
	case "last_updated", "target_date":
		return "a date " + dateExpect
	case "severity":
		return "SEV-1, SEV-2, SEV-3 or SEV-4"
	case "priority":
		return "P0, P1 or P2"
	case "status":
		if strings.HasPrefix(field, "action_items") {
			return "Open or Closed"
		}
		return "Draft, In Review or Published"
	case "owner", "incident_commander", "on_call_responders":
		return "a person or team"
	case "loss", "exposure", "compliance", "rollback_needed":
		return "Yes or No"
	case "services_affected":
		return "at least one affected service"
	}
	return "real content (or delete the line)"
}

// ---------------------------------------------------------------- HS002

func checkIncidentID(c *checker) {
	id := strings.TrimSpace(c.doc.Summary.IncidentID)
	const field = "summary.incident_id"
	if id == "" || hindsight.IsUnknownText(id) {
		return
	}
	day, _, ok := hindsight.ParseIncidentID(id)
	if !ok {
		f := c.report(field, "%s %q is not an Incident ID; expected INC-YYYYMMDD-NNN", field, id)
		f.needle = id
		return
	}
	if st := c.doc.Summary.Start; st.IsSet() {
		want := hindsight.DateOf(st.T).T
		if !day.Equal(want) {
			f := c.report(field, "%s %s is dated %s but summary.start_time is on %s; expected INC-%s-NNN",
				field, id, fmtDate(day), fmtDate(want), want.Format("20060102"))
			f.needle = id
		}
	}
}

// ---------------------------------------------------------------- HS003

// timeFields lists every time field of the document with its path.
func timeFields(p *hindsight.Postmortem) ([]string, []hindsight.Time) {
	paths := []string{"summary.start_time", "summary.end_time", "detection.detection_time"}
	times := []hindsight.Time{p.Summary.Start, p.Summary.End, p.Detection.DetectionTime}
	for i, e := range p.Timeline {
		paths = append(paths, fmt.Sprintf("timeline[%d].time", i))
		times = append(times, e.Time)
	}
	return paths, times
}

// timeProblem says why a time field holds text: the parser's reason when
// it gave one (the document's zone is part of it), else the text's own.
func (c *checker) timeProblem(field string, t hindsight.Time) *hindsight.TimeError {
	if t.IsSet() || t.Text == "" || hindsight.IsUnknownText(t.Text) {
		return nil
	}
	if c.sm != nil {
		for _, is := range c.sm.TimeIssues {
			if is.Field == field && is.Err != nil {
				return is.Err
			}
		}
	}
	return hindsight.ExplainTime(t.Text)
}

func (c *checker) badTime(field string, t hindsight.Time) {
	if t.IsSet() || t.Text == "" || hindsight.IsUnknownText(t.Text) {
		return
	}
	if te := c.timeProblem(field, t); te != nil && te.Kind != hindsight.TimeNotTime {
		return // HS029, HS030
	}
	msg := "expected " + timeExpect
	if cl, rest, ok := hindsight.ScanTime(t.Text); ok && strings.TrimSpace(rest) != "" {
		// "2021-06-08 09:47 (JST 18:47)": a time with more after it
		msg = fmt.Sprintf("it reads as %q followed by %q; a field holds the time alone (a timeline row keeps a note in its event)", cl.Text, strings.TrimSpace(rest))
	}
	f := c.report(field, "%s %q is not a time; %s", field, t.Text, msg)
	f.needle = t.Text
}

func checkTimes(c *checker) {
	c.badTime("summary.start_time", c.doc.Summary.Start)
	c.badTime("summary.end_time", c.doc.Summary.End)
	c.badTime("detection.detection_time", c.doc.Detection.DetectionTime)
	for i, e := range c.doc.Timeline {
		c.badTime(fmt.Sprintf("timeline[%d].time", i), e.Time)
	}
}

// ---------------------------------------------------------------- HS029, HS030

func checkTimeZones(c *checker) { c.timeProblems(true) }
func checkTimeDates(c *checker) { c.timeProblems(false) }

func (c *checker) timeProblems(zone bool) {
	paths, times := timeFields(c.doc)
	for i, field := range paths {
		te := c.timeProblem(field, times[i])
		if te == nil || te.Kind == hindsight.TimeNotTime || te.Kind.ZoneProblem() != zone {
			continue
		}
		f := c.report(field, "%s %s", field, te.Error())
		f.needle = times[i].Text
	}
}

// ---------------------------------------------------------------- HS004

func (c *checker) badDuration(field string, d hindsight.Duration) {
	if d.Valid || d.Text == "" || hindsight.IsUnknownText(d.Text) {
		return
	}
	f := c.report(field, "%s %q is not a duration; expected %s", field, d.Text, durationExpect)
	f.needle = d.Text
}

func checkDurations(c *checker) {
	c.badDuration("summary.duration", c.doc.Summary.Duration)
	c.badDuration("detection.time_to_acknowledge", c.doc.Detection.TTA)
	c.badDuration("detection.time_to_mitigate", c.doc.Detection.TTM)
}

// ---------------------------------------------------------------- HS005

func checkSeverity(c *checker) {
	s := c.doc.Summary.Severity
	if s == "" || s.Valid() || hindsight.IsUnknownText(string(s)) {
		return
	}
	f := c.report("summary.severity", "summary.severity %q is not a severity; expected SEV-1, SEV-2, SEV-3 or SEV-4", string(s))
	f.needle = string(s)
}

// ---------------------------------------------------------------- HS006

func checkStatus(c *checker) {
	s := c.doc.Status
	switch {
	case s.Valid():
	case s == hindsight.StatusTemplate:
		c.report("status", "status is Template; expected Draft, In Review or Published")
	default:
		f := c.report("status", "status %q is not a status; expected Draft, In Review or Published", string(s))
		f.needle = string(s)
	}
}

// ---------------------------------------------------------------- HS007

func (c *checker) badDate(field string, d hindsight.Date) {
	if d.IsSet() || d.Text == "" || hindsight.IsUnknownText(d.Text) {
		return
	}
	f := c.report(field, "%s %q is not a date; expected %s", field, d.Text, dateExpect)
	f.needle = d.Text
}

func checkDates(c *checker) {
	c.badDate("last_updated", c.doc.LastUpdated)
	for i, a := range c.doc.ActionItems {
		field := fmt.Sprintf("action_items[%d].target_date", i)
		if a.TargetDate.IsZero() {
			if !c.placeholderAt(field) && !emptyItem(a) {
				c.report(field, "%s of %s is missing; expected a date %s", field, itemName(a, i), dateExpect)
			}
			continue
		}
		c.badDate(field, a.TargetDate)
	}
}

// emptyItem reports whether an action item row holds nothing at all: an
// unfilled template row (whose ID is the template's AI-001) after its
// placeholders parsed as unset.
func emptyItem(a hindsight.ActionItem) bool {
	return a.Action == "" && a.Owner == "" && a.Priority == "" && a.TargetDate.IsZero() && a.Status == "" && (a.ID == "" || a.ID == "AI-001")
}

func itemName(a hindsight.ActionItem, i int) string {
	if a.ID != "" {
		return a.ID
	}
	return fmt.Sprintf("action item %d", i+1)
}

// ---------------------------------------------------------------- HS008

func checkEndAfterStart(c *checker) {
	s, e := c.doc.Summary.Start, c.doc.Summary.End
	if !s.IsSet() || !e.IsSet() || e.T.After(s.T) {
		return
	}
	f := c.report("summary.end_time", "summary.end_time %s is not after summary.start_time %s; expected an end after the start",
		fmtTime(e.T), fmtTime(s.T))
	f.needle = fmtTime(e.T)
}

// ---------------------------------------------------------------- HS009

func checkDurationMatches(c *checker) {
	s, e, d := c.doc.Summary.Start, c.doc.Summary.End, c.doc.Summary.Duration
	if !s.IsSet() || !e.IsSet() || !e.T.After(s.T) {
		return
	}
	want := minutesBetween(s.T, e.T)
	const field = "summary.duration"
	fix := &Fix{
		Description: fmt.Sprintf("summary.duration: set to %s (End − Start)", hindsight.HHMM(want)),
		apply:       func(p *hindsight.Postmortem) { p.Summary.Duration = hindsight.Minutes(want) },
	}
	switch {
	case d.Valid && d.Minutes != want:
		f := c.report(field, "summary.duration is %s but End − Start is %s; expected %s", d.String(), hindsight.HHMM(want), hindsight.HHMM(want))
		f.Fix = fix
		f.needle = d.String()
	case d.IsZero():
		f := c.report(field, "summary.duration is not set; expected %s (End − Start)", hindsight.HHMM(want))
		f.Fix = fix
	}
}

// ---------------------------------------------------------------- HS010

func checkDetectionWindow(c *checker) {
	dt, s, e := c.doc.Detection.DetectionTime, c.doc.Summary.Start, c.doc.Summary.End
	if !dt.IsSet() {
		return
	}
	const field = "detection.detection_time"
	switch {
	case s.IsSet() && dt.T.Before(s.T):
		f := c.report(field, "detection.detection_time %s is before summary.start_time %s; expected a time between start and end", fmtTime(dt.T), fmtTime(s.T))
		f.needle = fmtTime(dt.T)
	case e.IsSet() && dt.T.After(e.T):
		f := c.report(field, "detection.detection_time %s is after summary.end_time %s; expected a time between start and end", fmtTime(dt.T), fmtTime(e.T))
		f.needle = fmtTime(dt.T)
	}
}

// ---------------------------------------------------------------- HS011

func checkResponseTimes(c *checker) {
	d := c.doc.Detection
	if d.TTA.Valid && d.TTM.Valid && d.TTA.Minutes > d.TTM.Minutes {
		f := c.report("detection.time_to_acknowledge", "detection.time_to_acknowledge %s is longer than detection.time_to_mitigate %s; expected at most %s",
			d.TTA.String(), d.TTM.String(), d.TTM.String())
		f.needle = d.TTA.String()
	}
	e := c.doc.Summary.End
	if d.TTM.Valid && d.DetectionTime.IsSet() && e.IsSet() && !e.T.Before(d.DetectionTime.T) {
		limit := minutesBetween(d.DetectionTime.T, e.T)
		if d.TTM.Minutes > limit {
			f := c.report("detection.time_to_mitigate", "detection.time_to_mitigate %s is longer than End − Detection Time (%s); expected at most %s",
				d.TTM.String(), hindsight.HHMM(limit), hindsight.HHMM(limit))
			f.needle = d.TTM.String()
		}
	}
}

// ---------------------------------------------------------------- HS013

func checkTimelineOrder(c *checker) {
	tl := c.doc.Timeline
	allValid := len(tl) > 1
	for _, e := range tl {
		if !e.Time.IsSet() {
			allValid = false
		}
	}
	var prev time.Time
	prevIdx := -1
	first := true
	for i, e := range tl {
		if !e.Time.IsSet() {
			continue
		}
		if prevIdx >= 0 && e.Time.T.Before(prev) {
			field := fmt.Sprintf("timeline[%d].time", i)
			f := c.report(field, "%s %s is before the row above it (%s); expected chronological order", field, fmtTime(e.Time.T), fmtTime(prev))
			f.needle = fmtTime(e.Time.T)
			if allValid && first {
				f.Fix = &Fix{
					Description: "timeline: sorted rows by time",
					apply: func(p *hindsight.Postmortem) {
						slices.SortStableFunc(p.Timeline, func(a, b hindsight.Event) int { return a.Time.T.Compare(b.Time.T) })
					},
				}
				f.Field = "timeline"
				first = false
			}
		}
		// compare with the row just above, so one misplaced row is one
		// finding, not one per row after it
		prev, prevIdx = e.Time.T, i
	}
}

// ---------------------------------------------------------------- HS014

// timelineRows counts timeline rows that hold a time or an event.
func timelineRows(p *hindsight.Postmortem) int {
	n := 0
	for _, e := range p.Timeline {
		if !e.Time.IsZero() || strings.TrimSpace(e.Event) != "" {
			n++
		}
	}
	return n
}

func checkTimelineEmpty(c *checker) {
	if c.doc.Status != hindsight.StatusPublished || timelineRows(c.doc) > 0 || c.placeholderAt("timeline") {
		return
	}
	c.report("timeline", "timeline has no rows; expected at least one row in a Published postmortem")
}

// ---------------------------------------------------------------- HS015

func checkTimelineWindow(c *checker) {
	s, e := c.doc.Summary.Start, c.doc.Summary.End
	lead := time.Duration(c.cfg.timelineLeadHours()) * time.Hour
	for i, ev := range c.doc.Timeline {
		if !ev.Time.IsSet() {
			continue
		}
		field := fmt.Sprintf("timeline[%d].time", i)
		switch {
		case e.IsSet() && ev.Time.T.After(e.T):
			f := c.report(field, "%s %s is after summary.end_time %s; expected events up to the end (or move follow-up work to action items)", field, fmtTime(ev.Time.T), fmtTime(e.T))
			f.needle = fmtTime(ev.Time.T)
		case s.IsSet() && ev.Time.T.Before(s.T.Add(-lead)):
			f := c.report(field, "%s %s is more than %d hours before summary.start_time %s; expected events near the incident", field, fmtTime(ev.Time.T), c.cfg.timelineLeadHours(), fmtTime(s.T))
			f.needle = fmtTime(ev.Time.T)
		}
	}
}

// ---------------------------------------------------------------- HS016

func checkActionIDs(c *checker) {
	seen := map[string]int{}
	for i, a := range c.doc.ActionItems {
		field := fmt.Sprintf("action_items[%d].id", i)
		id := strings.TrimSpace(a.ID)
		switch {
		case id == "":
			if !emptyItem(a) {
				f := c.report(field, "%s is missing; expected an ID AI-NNN", field)
				idx := i
				f.Fix = &Fix{
					Description: fmt.Sprintf("%s: assigned the next free ID", field),
					apply:       func(p *hindsight.Postmortem) { assignActionID(p, idx) },
				}
			}
			continue
		case !hindsight.ValidActionID(id):
			f := c.report(field, "%s %q is not an action item ID; expected AI-NNN", field, id)
			f.needle = id
		}
		if j, dup := seen[id]; dup {
			f := c.report(field, "%s %s is also the ID of action_items[%d]; expected unique IDs", field, id, j)
			f.needle = id
			continue
		}
		seen[id] = i
	}
}

// assignActionID gives action item i the lowest AI-NNN above every ID in
// use, if it has none.
func assignActionID(p *hindsight.Postmortem, i int) {
	if i >= len(p.ActionItems) || strings.TrimSpace(p.ActionItems[i].ID) != "" {
		return
	}
	next := 1
	for _, a := range p.ActionItems {
		var n int
		if _, err := fmt.Sscanf(strings.TrimSpace(a.ID), "AI-%d", &n); err == nil && n >= next {
			next = n + 1
		}
	}
	p.ActionItems[i].ID = hindsight.FormatActionID(next)
}

// ---------------------------------------------------------------- HS017

func checkActionOwners(c *checker) {
	for i, a := range c.doc.ActionItems {
		field := fmt.Sprintf("action_items[%d].owner", i)
		o := strings.TrimSpace(a.Owner)
		switch {
		case c.placeholderAt(field) || emptyItem(a):
		case o == "":
			c.report(field, "%s of %s is missing; expected a person or team", field, itemName(a, i))
		case isPlaceholderText(o) || hindsight.IsUnknownText(o):
			f := c.report(field, "%s of %s is %q; expected a person or team", field, itemName(a, i), o)
			f.needle = o
		}
	}
}

// ---------------------------------------------------------------- HS018

func checkActionPriorities(c *checker) {
	for i, a := range c.doc.ActionItems {
		field := fmt.Sprintf("action_items[%d].priority", i)
		switch {
		case a.Priority.Valid() || c.placeholderAt(field) || emptyItem(a):
		case a.Priority == "":
			c.report(field, "%s of %s is missing; expected P0, P1 or P2", field, itemName(a, i))
		default:
			f := c.report(field, "%s of %s is %q; expected P0, P1 or P2", field, itemName(a, i), string(a.Priority))
			f.needle = string(a.Priority)
		}
	}
}

// ---------------------------------------------------------------- HS019

func checkActionStatuses(c *checker) {
	for i, a := range c.doc.ActionItems {
		field := fmt.Sprintf("action_items[%d].status", i)
		switch {
		case a.Status.Valid() || c.placeholderAt(field) || emptyItem(a):
		case a.Status == "":
			c.report(field, "%s of %s is missing; expected Open or Closed", field, itemName(a, i))
		default:
			f := c.report(field, "%s of %s is %q; expected Open or Closed", field, itemName(a, i), string(a.Status))
			f.needle = string(a.Status)
		}
	}
}

// ---------------------------------------------------------------- HS020

func checkOverdue(c *checker) {
	for i, a := range c.doc.ActionItems {
		if a.Status != hindsight.ItemOpen || !a.TargetDate.IsSet() || !a.TargetDate.T.Before(c.today) {
			continue
		}
		days := int(c.today.Sub(a.TargetDate.T).Hours() / 24)
		field := fmt.Sprintf("action_items[%d].target_date", i)
		f := c.report(field, "%s is Open and overdue: target date %s was %d day(s) before today (%s); expected Closed or a new target date",
			itemName(a, i), fmtDate(a.TargetDate.T), days, fmtDate(c.today))
		f.needle = fmtDate(a.TargetDate.T)
	}
}

// ---------------------------------------------------------------- HS021

func checkP0Window(c *checker) {
	e := c.doc.Summary.End
	if !e.IsSet() {
		return
	}
	days := c.cfg.p0DueDays()
	limit := hindsight.DateOf(e.T).T.AddDate(0, 0, days)
	for i, a := range c.doc.ActionItems {
		if a.Priority != hindsight.P0 || !a.TargetDate.IsSet() || !a.TargetDate.T.After(limit) {
			continue
		}
		field := fmt.Sprintf("action_items[%d].target_date", i)
		after := int(a.TargetDate.T.Sub(hindsight.DateOf(e.T).T).Hours() / 24)
		f := c.report(field, "%s is P0 but due %s, %d days after the incident ended; expected a target date by %s (within %d days)",
			itemName(a, i), fmtDate(a.TargetDate.T), after, fmtDate(limit), days)
		f.needle = fmtDate(a.TargetDate.T)
	}
}

// ---------------------------------------------------------------- HS022

// sectionFilled reports whether a known section holds any content.
func sectionFilled(p *hindsight.Postmortem, key string) bool {
	if x, ok := p.Extras[key]; ok && !x.IsZero() {
		return true
	}
	switch key {
	case hindsight.SecSummary:
		s := p.Summary
		return s.IncidentID != "" || !s.Start.IsZero() || !s.End.IsZero() || !s.Duration.IsZero() || s.Severity != "" ||
			len(p.ServiceNames()) > 0 || s.CustomerImpact.UsersAffected != "" || s.CustomerImpact.Regions != "" || s.CustomerImpact.Symptoms != ""
	case hindsight.SecExecutive:
		return strings.TrimSpace(p.ExecutiveSummary) != ""
	case hindsight.SecDetection:
		d := p.Detection
		return d.DetectedBy != "" || !d.DetectionTime.IsZero() || !d.TTA.IsZero() || !d.TTM.IsZero() || d.Commander != "" || d.Responders != "" || d.Channels != ""
	case hindsight.SecImpact:
		i := p.Impact
		return strings.TrimSpace(i.Customer) != "" || strings.TrimSpace(i.Internal) != "" || !i.Data.Loss.IsZero() || !i.Data.Exposure.IsZero() || !i.Data.Compliance.IsZero()
	case hindsight.SecTimeline:
		return timelineRows(p) > 0
	case hindsight.SecRootCause:
		return strings.TrimSpace(p.RootCause.Primary) != "" || nonEmpty(p.RootCause.Factors)
	case hindsight.SecResolution:
		r := p.Resolution
		return strings.TrimSpace(r.Immediate) != "" || strings.TrimSpace(r.LongTerm) != "" || !r.Rollback.IsZero()
	case hindsight.SecCommunication:
		m := p.Communication
		return strings.TrimSpace(m.StatusPage+m.Direct+m.FollowUp) != ""
	case hindsight.SecWentWell:
		return nonEmpty(p.WentWell)
	case hindsight.SecWentPoorly:
		return nonEmpty(p.WentPoorly)
	case hindsight.SecActionItems:
		for _, a := range p.ActionItems {
			if !emptyItem(a) {
				return true
			}
		}
		return false
	case hindsight.SecPrevention:
		v := p.Prevention
		return strings.TrimSpace(v.Monitoring+v.Process+v.Documentation+v.Training) != ""
	case hindsight.SecReferences:
		return nonEmpty(p.References)
	}
	return true
}

func nonEmpty(ss []string) bool {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return true
		}
	}
	return false
}

func checkRequired(c *checker) {
	st := c.doc.Status
	key := st
	if isDraft(st) {
		key = hindsight.StatusDraft
	}
	for _, sec := range c.cfg.requiredForStatus(key) {
		if sec == hindsight.SecTimeline && st == hindsight.StatusPublished && c.cfg.level(ruleByKey("HS014")) != Off {
			continue // HS014 reports it
		}
		if sec == hindsight.SecSummary {
			c.requiredSummary(key)
			continue
		}
		if !sectionFilled(c.doc, sec) && !c.placeholderAt(sec) {
			c.report(sec, "section %q is empty; expected content in a %s postmortem", hindsight.SectionHeading(sec), key.Label())
		}
	}
}

// requiredSummary checks the Incident Summary field by field.
func (c *checker) requiredSummary(st hindsight.Status) {
	type need struct {
		field string
		unset bool
	}
	s := c.doc.Summary
	needs := []need{
		{"summary.incident_id", strings.TrimSpace(s.IncidentID) == ""},
		{"summary.start_time", s.Start.IsZero()},
		{"summary.severity", s.Severity == ""},
		{"summary.services_affected", len(c.doc.ServiceNames()) == 0},
	}
	if st != hindsight.StatusDraft {
		needs = append(needs,
			need{"summary.end_time", s.End.IsZero()},
			// with both times set, HS009 reports a missing duration
			need{"summary.duration", s.Duration.IsZero() && !(s.Start.IsSet() && s.End.IsSet())},
		)
	}
	for _, n := range needs {
		if n.unset && !c.placeholderAt(n.field) {
			c.report(n.field, "%s is not set; expected %s in a %s postmortem", n.field, expectFor(n.field), st.Label())
		}
	}
}

// ---------------------------------------------------------------- HS023

func checkSeverityRequirements(c *checker) {
	sev := c.doc.Summary.Severity
	if isDraft(c.doc.Status) || !sev.Valid() {
		return
	}
	for _, sec := range c.cfg.requiredForSeverity(sev) {
		if !sectionFilled(c.doc, sec) && !c.placeholderAt(sec) {
			c.report(sec, "section %q is empty; expected content for a %s incident", hindsight.SectionHeading(sec), sev)
		}
	}
	if sev.Level() > 2 {
		return
	}
	for _, a := range c.doc.ActionItems {
		if a.Priority == hindsight.P0 || a.Priority == hindsight.P1 {
			return
		}
	}
	c.report(hindsight.SecActionItems, "action_items has no P0 or P1 item; expected at least one for a %s incident", sev)
}

// ---------------------------------------------------------------- HS024

func checkCompliance(c *checker) {
	d := c.doc.Impact.Data
	if d.Exposure.Value != hindsight.Yes {
		return
	}
	if v := d.Compliance.Value; v == hindsight.Yes || v == hindsight.No {
		return
	}
	c.report("impact.data.compliance", "impact.data.compliance is not answered; expected Yes or No because data exposure is Yes")
}

// ---------------------------------------------------------------- HS025

func checkUnknown(c *checker) {
	for _, u := range c.sm.Unknown {
		if c.declaredContent(u) {
			continue
		}
		field := u.Section
		switch u.Kind {
		case "section":
			field = "custom_sections"
			for i, cs := range c.doc.Custom {
				if cs.Heading == u.Name {
					field = fmt.Sprintf("custom_sections[%d]", i)
					break
				}
			}
			f := c.reportAt(field, u.Line, "unknown section %q; expected one of the template's sections (kept verbatim)", u.Name)
			f.needle = u.Name
		case "field":
			f := c.reportAt(field, u.Line, "unknown field %q in section %q; expected one of the template's labels (kept verbatim)", u.Name, hindsight.SectionHeading(u.Section))
			f.needle = u.Name
		case "column":
			f := c.reportAt(field, u.Line, "unknown column %q in section %q; expected the template's columns (kept verbatim)", u.Name, hindsight.SectionHeading(u.Section))
			f.needle = u.Name
		case "nesting":
			c.reportAt("", u.Line, "quotes or lists nested deeper than %d levels: the markers past the %dth level are read as text (kept verbatim); nest less deeply", markdown.MaxNesting, markdown.MaxNesting)
		}
	}
}

// ---------------------------------------------------------------- HS026

func checkServices(c *checker) {
	if len(c.cfg.Services) == 0 {
		return
	}
	for i, s := range c.doc.Summary.Services {
		if s.Name == "" || c.cfg.knownService(s.Name) {
			continue
		}
		field := fmt.Sprintf("summary.services_affected[%d]", i)
		f := c.report(field, "service %q is not in the service catalog; expected one of the configured services", s.Name)
		f.needle = s.Name
	}
}

// ---------------------------------------------------------------- HS027

func checkKnownOwners(c *checker) {
	if len(c.cfg.Owners) == 0 {
		return
	}
	if o := strings.TrimSpace(c.doc.Owner); o != "" && !c.cfg.knownOwner(o) && !isPlaceholderText(o) {
		f := c.report("owner", "owner %q is not a known owner; expected one of the configured owners", o)
		f.needle = o
	}
	for i, a := range c.doc.ActionItems {
		o := strings.TrimSpace(a.Owner)
		if o == "" || isPlaceholderText(o) || hindsight.IsUnknownText(o) || c.cfg.knownOwner(o) {
			continue
		}
		field := fmt.Sprintf("action_items[%d].owner", i)
		f := c.report(field, "%s of %s %q is not a known owner; expected one of the configured owners", field, itemName(a, i), o)
		f.needle = o
	}
}

// ---------------------------------------------------------------- HS028

func checkAnswers(c *checker) {
	for _, q := range []struct {
		field string
		a     hindsight.Answer
	}{
		{"impact.data.loss", c.doc.Impact.Data.Loss},
		{"impact.data.exposure", c.doc.Impact.Data.Exposure},
		{"impact.data.compliance", c.doc.Impact.Data.Compliance},
		{"resolution.rollback_needed", c.doc.Resolution.Rollback},
	} {
		v := q.a.Value
		if v == "" || v == hindsight.Yes || v == hindsight.No || hindsight.IsUnknownText(string(v)) {
			continue
		}
		f := c.report(q.field, "%s %q is not an answer; expected Yes or No (optionally followed by a note)", q.field, string(v))
		f.needle = string(v)
	}
}
