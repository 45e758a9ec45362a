package web

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// The section editor edits the known fields of the model it loaded (the
// base revision's): a field the form does not post is left as it was, and
// the document's verbatim extras and custom sections are never touched.

// formReader reads posted fields into a model, collecting field errors.
type formReader struct {
	v      url.Values
	errs   []hindsight.FieldError
	checks []timeCheck
}

func (f *formReader) has(name string) bool { _, ok := f.v[name]; return ok }

func (f *formReader) str(name string, dst *string) {
	if f.has(name) {
		*dst = normalizeText(f.v.Get(name))
	}
}

// normalizeText turns browser CRLF into LF and trims the ends.
func normalizeText(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

// time reads a typed time: any form the root package's time reader
// accepts (14:02, 2026-11-26 14:02, 2:02 PM, 14:02 PST, 2026-11-26T14:02Z...).
// A time of day without a date is placed after ref (the row above, or the
// incident's start), rolling over to the next day as a timeline does. The
// result is stored in UTC; id is the input's element id, for the check
// shown beside it as one types.
func (f *formReader) time(name, id, field string, ref time.Time, dst *hindsight.Time) {
	if !f.has(name) {
		return
	}
	f.timeValue(f.v.Get(name), id, field, ref, dst)
}

func (f *formReader) timeValue(s, id, field string, ref time.Time, dst *hindsight.Time) {
	s = strings.TrimSpace(s)
	t, err := readTime(s, ref)
	c := timeCheck{ID: id, Field: field, Input: s}
	if err != nil {
		c.Error = err.Error()
		f.errs = append(f.errs, hindsight.FieldError{Field: field, Message: c.Error})
	} else if t.IsSet() && t.String() != s {
		c.UTC = t.String()
	}
	f.checks = append(f.checks, c)
	*dst = t
}

// timeHelp is what a time input accepts.
const timeHelp = "write 14:02, 2026-11-26 14:02, 2:02 PM or 14:02 PST (or Unknown)"

// readTime reads a typed time with the root package's reader (ScanTime,
// Clock.Place): a date and time, or a time of day placed after ref. Empty
// text and an honest Unknown are kept; other text that is not one time is
// an error saying why.
func readTime(s string, ref time.Time) (hindsight.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return hindsight.Time{}, nil
	}
	if hindsight.IsUnknownText(s) {
		return hindsight.Time{Text: s}, nil
	}
	c, rest, ok := hindsight.ScanTime(s)
	if !ok || strings.TrimSpace(rest) != "" {
		return hindsight.Time{Text: s}, fmt.Errorf("%q is not a time: %s", s, timeHelp)
	}
	t, err := c.Place(ref, nil)
	if err != nil {
		return hindsight.Time{Text: s}, err
	}
	return hindsight.TimeOf(t), nil
}

// timeCheck is what the editor shows beside a time input as one types:
// the UTC time the text was read as (when it was not already written so),
// or why it is not a time.
type timeCheck struct {
	ID    string
	Field string
	Input string
	UTC   string
	Error string
}

func (f *formReader) duration(name, field string, dst *hindsight.Duration) {
	if !f.has(name) {
		return
	}
	s := strings.TrimSpace(f.v.Get(name))
	d, ok := hindsight.ParseDuration(s)
	if s != "" && !ok && !hindsight.IsUnknownText(s) {
		f.errs = append(f.errs, hindsight.FieldError{Field: field, Message: "want HH:MM, e.g. 01:30 (or Unknown)"})
	}
	*dst = d
}

func (f *formReader) answer(name, field string, dst *hindsight.Answer) {
	if !f.has(name) && !f.has(name+"_note") {
		return
	}
	v := strings.TrimSpace(f.v.Get(name))
	a := hindsight.Answer{Note: normalizeText(f.v.Get(name + "_note"))}
	switch strings.ToLower(v) {
	case "yes":
		a.Value = hindsight.Yes
	case "no":
		a.Value = hindsight.No
	default:
		a.Value = hindsight.YesNo(v)
	}
	if a.Value == "" && a.Note != "" {
		f.errs = append(f.errs, hindsight.FieldError{Field: field, Message: "choose Yes, No or Unknown for this note"})
	}
	*dst = a
}

// list reads a textarea with one item per line.
func (f *formReader) list(name string, dst *[]string) {
	if !f.has(name) {
		return
	}
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(f.v.Get(name), "\r\n", "\n"), "\n") {
		l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "- "))
		if l != "" {
			out = append(out, l)
		}
	}
	*dst = out
}

func cellsOf(s string) []string {
	if s == "" {
		return nil
	}
	var c []string
	if json.Unmarshal([]byte(s), &c) != nil {
		return nil
	}
	return c
}

// cellsJSON is the hidden-input form of a row's extra cells.
func cellsJSON(c []string) string {
	if len(c) == 0 {
		return ""
	}
	b, _ := json.Marshal(c)
	return string(b)
}

// readForm sets the known fields of p from a posted section form. It
// returns the fields that could not be read (a time that is not a time);
// the rest of the form is applied anyway, so the editor shows it again;
// and the checks of the time inputs.
func readForm(p *hindsight.Postmortem, v url.Values) ([]hindsight.FieldError, []timeCheck) {
	dropPostedHints(p, v)
	f := &formReader{v: v}
	f.str("title", &p.Title)
	f.str("owner", &p.Owner)
	f.str("version", &p.Version)

	s := &p.Summary
	f.time("start", "start", "summary.start_time", s.Start.T, &s.Start)
	f.time("end", "end", "summary.end_time", s.Start.T, &s.End)
	f.duration("duration", "summary.duration", &s.Duration)
	if f.has("severity") {
		sv := strings.TrimSpace(v.Get("severity"))
		s.Severity, _ = hindsight.ParseSeverity(sv)
	}
	if f.has("services") {
		var names []string
		f.list("services", &names)
		s.Services = nil
		for _, n := range names {
			s.Services = append(s.Services, parseServiceLine(n))
		}
	}
	f.str("users_affected", &s.CustomerImpact.UsersAffected)
	f.str("regions", &s.CustomerImpact.Regions)
	f.str("symptoms", &s.CustomerImpact.Symptoms)

	f.str("executive_summary", &p.ExecutiveSummary)

	d := &p.Detection
	f.str("detected_by", &d.DetectedBy)
	f.time("detection_time", "detection_time", "detection.detection_time", s.Start.T, &d.DetectionTime)
	f.duration("tta", "detection.time_to_acknowledge", &d.TTA)
	f.duration("ttm", "detection.time_to_mitigate", &d.TTM)
	f.str("commander", &d.Commander)
	f.str("responders", &d.Responders)
	f.str("channels", &d.Channels)

	f.str("impact_customer", &p.Impact.Customer)
	f.str("impact_internal", &p.Impact.Internal)
	f.answer("data_loss", "impact.data.loss", &p.Impact.Data.Loss)
	f.answer("data_exposure", "impact.data.exposure", &p.Impact.Data.Exposure)
	f.answer("data_compliance", "impact.data.compliance", &p.Impact.Data.Compliance)

	if f.has("tl_time") || f.has("tl_rows") {
		times, events, cells, pos := v["tl_time"], v["tl_event"], v["tl_cells"], v["tl_pos"]
		n := max(len(times), len(events))
		p.Timeline = nil
		ref := s.Start.T
		var order []int
		for i := range n {
			var e hindsight.Event
			if i < len(times) {
				f.timeValue(times[i], fmt.Sprintf("tl-time-%d", i), fmt.Sprintf("timeline[%d].time", i), ref, &e.Time)
				if e.Time.IsSet() {
					ref = e.Time.T
				}
			}
			if i < len(events) {
				e.Event = normalizeText(events[i])
			}
			if i < len(cells) {
				e.Cells = cellsOf(cells[i])
			}
			p.Timeline = append(p.Timeline, e)
			order = append(order, i+1)
			if i < len(pos) {
				if k, err := strconv.Atoi(strings.TrimSpace(pos[i])); err == nil {
					order[i] = k
				}
			}
		}
		p.Timeline = reorder(p.Timeline, order)
	}

	f.str("root_primary", &p.RootCause.Primary)
	f.list("root_factors", &p.RootCause.Factors)
	f.str("fix_immediate", &p.Resolution.Immediate)
	f.str("fix_long_term", &p.Resolution.LongTerm)
	f.answer("rollback", "resolution.rollback_needed", &p.Resolution.Rollback)
	f.str("comm_status_page", &p.Communication.StatusPage)
	f.str("comm_direct", &p.Communication.Direct)
	f.str("comm_follow_up", &p.Communication.FollowUp)
	f.list("went_well", &p.WentWell)
	f.list("went_poorly", &p.WentPoorly)

	if f.has("ai_action") || f.has("ai_rows") {
		ids, acts, owners, prios, dates, sts, cells := v["ai_id"], v["ai_action"], v["ai_owner"], v["ai_priority"], v["ai_target"], v["ai_status"], v["ai_cells"]
		at := func(ss []string, i int) string {
			if i < len(ss) {
				return strings.TrimSpace(ss[i])
			}
			return ""
		}
		p.ActionItems = nil
		for i := range len(acts) {
			a := hindsight.ActionItem{ID: at(ids, i), Action: strings.Join(strings.Fields(at(acts, i)), " "), Owner: at(owners, i)}
			a.Priority, _ = hindsight.ParsePriority(at(prios, i))
			a.Status, _ = hindsight.ParseItemStatus(at(sts, i))
			if ds := at(dates, i); ds != "" {
				dt, ok := hindsight.ParseDate(ds)
				if !ok && !hindsight.IsUnknownText(ds) {
					f.errs = append(f.errs, hindsight.FieldError{Field: fmt.Sprintf("action_items[%d].target_date", i), Message: "want a date YYYY-MM-DD"})
				}
				a.TargetDate = dt
			}
			if i < len(cells) {
				a.Cells = cellsOf(cells[i])
			}
			p.ActionItems = append(p.ActionItems, a)
		}
	}

	f.str("prev_monitoring", &p.Prevention.Monitoring)
	f.str("prev_process", &p.Prevention.Process)
	f.str("prev_documentation", &p.Prevention.Documentation)
	f.str("prev_training", &p.Prevention.Training)
	f.list("references", &p.References)
	return f.errs, f.checks
}

// formPaths maps the editor's inputs to the model's field paths.
var formPaths = map[string]string{
	"title": "title", "owner": "owner", "version": "version",
	"start": "summary.start_time", "end": "summary.end_time", "duration": "summary.duration", "severity": "summary.severity",
	"services": "summary.services_affected", "users_affected": "summary.customer_impact.users_affected",
	"regions": "summary.customer_impact.regions", "symptoms": "summary.customer_impact.symptoms",
	"executive_summary": hindsight.SecExecutive,
	"detected_by":       "detection.detected_by", "detection_time": "detection.detection_time",
	"tta": "detection.time_to_acknowledge", "ttm": "detection.time_to_mitigate", "commander": "detection.incident_commander",
	"responders": "detection.on_call_responders", "channels": "detection.communication_channels",
	"impact_customer": "impact.customer", "impact_internal": "impact.internal",
	"data_loss": "impact.data.loss", "data_loss_note": "impact.data.loss",
	"data_exposure": "impact.data.exposure", "data_exposure_note": "impact.data.exposure",
	"data_compliance": "impact.data.compliance", "data_compliance_note": "impact.data.compliance",
	"tl_time": hindsight.SecTimeline, "tl_rows": hindsight.SecTimeline,
	"root_primary": "root_cause.primary", "root_factors": "root_cause.contributing_factors",
	"fix_immediate": "resolution.immediate_fix", "fix_long_term": "resolution.long_term_fix",
	"rollback": "resolution.rollback_needed", "rollback_note": "resolution.rollback_needed",
	"comm_status_page": "communication.status_page_updates", "comm_direct": "communication.direct_notifications",
	"comm_follow_up": "communication.post_incident_follow_up",
	"went_well":      hindsight.SecWentWell, "went_poorly": hindsight.SecWentPoorly,
	"ai_action": hindsight.SecActionItems, "ai_rows": hindsight.SecActionItems,
	"prev_monitoring": "prevention.monitoring_improvements", "prev_process": "prevention.process_improvements",
	"prev_documentation": "prevention.documentation_updates", "prev_training": "prevention.training_needs",
	"references": hindsight.SecReferences,
}

// dropPostedHints forgets the placeholder text the author had left at the
// fields the form posts: what the form holds is the value, and a field left
// empty in the form is empty (the form never writes placeholder text).
func dropPostedHints(p *hindsight.Postmortem, v url.Values) {
	if len(p.Hints) == 0 {
		return
	}
	var paths []string
	for name := range v {
		if path, ok := formPaths[name]; ok {
			paths = append(paths, path)
		}
	}
	dropHints(p, paths...)
}

// dropHints removes the hints at or inside the given field paths.
func dropHints(p *hindsight.Postmortem, paths ...string) {
	if len(paths) == 0 || len(p.Hints) == 0 {
		return
	}
	p.Hints = slices.DeleteFunc(p.Hints, func(h hindsight.Hint) bool {
		for _, path := range paths {
			if h.Field == path || strings.HasPrefix(h.Field, path+".") || strings.HasPrefix(h.Field, path+"[") {
				return true
			}
		}
		return false
	})
	if len(p.Hints) == 0 {
		p.Hints = nil
	}
}

// parseServiceLine reads "name (impact)" or "name: impact".
func parseServiceLine(s string) hindsight.Service {
	if i := strings.Index(s, " ("); i > 0 && strings.HasSuffix(s, ")") {
		return hindsight.Service{Name: strings.TrimSpace(s[:i]), Impact: strings.TrimSpace(s[i+2 : len(s)-1])}
	}
	if i := strings.Index(s, ": "); i > 0 {
		return hindsight.Service{Name: strings.TrimSpace(s[:i]), Impact: strings.TrimSpace(s[i+2:])}
	}
	return hindsight.Service{Name: s}
}

// serviceLines is the textarea form of the services.
func serviceLines(ss []hindsight.Service) string {
	var b strings.Builder
	for _, s := range ss {
		b.WriteString(s.Name)
		if s.Impact != "" {
			b.WriteString(" (" + s.Impact + ")")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// rowOp is a row operation of the editor: add, insert, remove or move a
// row, sort the timeline by time or add pasted timeline lines.
type rowOp struct {
	Table string // "tl" or "ai"
	Verb  string // "add", "ins" (below Index), "del", "up", "down"; for "tl": "sort", "paste", "order" (apply the row numbers)
	Index int
	// Paste is the pasted block of a "paste".
	Paste string
}

func parseOp(s string) (rowOp, bool) {
	parts := strings.Split(s, "-")
	if len(parts) < 2 || (parts[0] != "tl" && parts[0] != "ai") {
		return rowOp{}, false
	}
	op := rowOp{Table: parts[0], Verb: parts[1]}
	switch op.Verb {
	case "add":
		return op, len(parts) == 2
	case "sort", "paste", "order":
		return op, len(parts) == 2 && op.Table == "tl"
	case "del", "up", "down", "ins":
		if len(parts) != 3 {
			return rowOp{}, false
		}
		n, err := strconv.Atoi(parts[2])
		if err != nil || n < 0 {
			return rowOp{}, false
		}
		op.Index = n
		return op, true
	}
	return rowOp{}, false
}

// apply performs the row operation on p; it returns the row to focus (-1:
// none).
func (op rowOp) apply(p *hindsight.Postmortem) int {
	if op.Table == "tl" {
		dropHints(p, hindsight.SecTimeline) // rows move: placeholder rows would stand elsewhere
	}
	switch {
	case op.Table == "tl" && op.Verb == "order":
		return -1 // the row numbers were applied as the form was read
	case op.Table == "tl" && op.Verb == "sort":
		p.Timeline = sortTimeline(p.Timeline)
		return -1
	case op.Table == "tl" && op.Verb == "paste":
		ref := p.Summary.Start.T
		for _, e := range p.Timeline {
			if e.Time.IsSet() {
				ref = e.Time.T
			}
		}
		rows := pastedRows(op.Paste, ref)
		if len(rows) == 0 {
			return -1
		}
		p.Timeline = append(p.Timeline, rows...)
		return len(p.Timeline) - len(rows)
	case op.Table == "tl":
		return moveRows(&p.Timeline, op, func() hindsight.Event { return hindsight.Event{} })
	default:
		dropHints(p, hindsight.SecActionItems)
		return moveRows(&p.ActionItems, op, func() hindsight.ActionItem {
			return hindsight.ActionItem{ID: nextActionID(p.ActionItems), Status: hindsight.ItemOpen}
		})
	}
}

// sortTimeline orders the rows that have a time by time (a stable sort:
// rows at the same minute keep their order); rows without a time keep
// their places.
func sortTimeline(rows []hindsight.Event) []hindsight.Event {
	var slots []int
	var timed []hindsight.Event
	for i, e := range rows {
		if e.Time.IsSet() {
			slots = append(slots, i)
			timed = append(timed, e)
		}
	}
	slices.SortStableFunc(timed, func(a, b hindsight.Event) int { return a.Time.T.Compare(b.Time.T) })
	out := slices.Clone(rows)
	for k, i := range slots {
		out[i] = timed[k]
	}
	return out
}

// reorder moves the rows whose position number was changed (order[i] is
// the 1-based number typed for row i) to that position; the other rows
// keep their order. Moving row 20 to 1 is one edit, not 19 clicks.
func reorder[T any](rows []T, order []int) []T {
	type moved struct {
		to  int
		row T
	}
	var stay []T
	var move []moved
	for i, r := range rows {
		if i < len(order) && order[i] != i+1 {
			move = append(move, moved{order[i], r})
		} else {
			stay = append(stay, r)
		}
	}
	if len(move) == 0 {
		return rows
	}
	slices.SortStableFunc(move, func(a, b moved) int { return a.to - b.to })
	out := stay
	for _, m := range move {
		at := min(max(m.to-1, 0), len(out))
		out = slices.Insert(out, at, m.row)
	}
	return out
}

// pastedRows reads a block of lines as copied from a chat or notes, one
// event a line: "14:02 deploy started", "- 2026-11-26 14:02 — paged",
// "[2:05 PM] rollback". A time of day is placed after the row above (ref
// for the first), rolling over midnight. A line without a time becomes an
// event without one, for the person to fill in.
func pastedRows(block string, ref time.Time) []hindsight.Event {
	var out []hindsight.Event
	for _, line := range strings.Split(strings.ReplaceAll(block, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		for _, b := range []string{"- ", "* ", "• ", "+ "} {
			line = strings.TrimSpace(strings.TrimPrefix(line, b))
		}
		if line == "" {
			continue
		}
		text := strings.TrimPrefix(line, "[")
		var e hindsight.Event
		c, rest, ok := hindsight.ScanTime(text)
		if head, tail, found := strings.Cut(text, ": "); !ok && found {
			// "23:58: paged Dana"
			if hc, hrest, hok := hindsight.ScanTime(head); hok && strings.TrimSpace(hrest) == "" {
				c, rest, ok = hc, tail, true
			}
		}
		if ok {
			if t, err := c.Place(ref, nil); err == nil {
				e.Time = hindsight.TimeOf(t)
				ref = e.Time.T
			} else {
				e.Time = hindsight.Time{Text: strings.TrimSpace(c.Text)}
			}
			line = strings.TrimLeft(strings.TrimPrefix(strings.TrimSpace(rest), "]"), " \t-–—:|")
		}
		e.Event = strings.TrimSpace(line)
		out = append(out, e)
	}
	return out
}

func moveRows[T any](rows *[]T, op rowOp, fresh func() T) int {
	r := *rows
	i := op.Index
	switch op.Verb {
	case "add":
		*rows = append(r, fresh())
		return len(*rows) - 1
	case "ins":
		at := min(i+1, len(r))
		*rows = slices.Insert(r, at, fresh())
		return at
	case "del":
		if i < len(r) {
			*rows = append(r[:i:i], r[i+1:]...)
		}
		return min(i, len(*rows)-1)
	case "up":
		if i > 0 && i < len(r) {
			r[i-1], r[i] = r[i], r[i-1]
			return i - 1
		}
	case "down":
		if i+1 < len(r) {
			r[i+1], r[i] = r[i], r[i+1]
			return i + 1
		}
	}
	return i
}

// nextActionID is AI-NNN after the highest numbered action item.
func nextActionID(items []hindsight.ActionItem) string {
	hi := 0
	for _, it := range items {
		if n, err := strconv.Atoi(strings.TrimPrefix(it.ID, "AI-")); err == nil && strings.HasPrefix(it.ID, "AI-") && n > hi {
			hi = n
		}
	}
	return hindsight.FormatActionID(hi + 1)
}
