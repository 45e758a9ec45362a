package web

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight"
)

// The section editor edits the known fields of the model it loaded (the
// base revision's): a field the form does not post is left as it was, and
// the document's verbatim extras and custom sections are never touched.

// formReader reads posted fields into a model, collecting field errors.
type formReader struct {
	v    url.Values
	errs []hindsight.FieldError
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

func (f *formReader) time(name, field string, dst *hindsight.Time) {
	if !f.has(name) {
		return
	}
	s := strings.TrimSpace(f.v.Get(name))
	t, ok := hindsight.ParseTime(s)
	if s != "" && !ok && !hindsight.IsUnknownText(s) {
		f.errs = append(f.errs, hindsight.FieldError{Field: field, Message: "want a UTC date and time, YYYY-MM-DD HH:MM (or Unknown)"})
	}
	*dst = t
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

// applyForm sets the known fields of p from a posted section form. It
// returns the fields that could not be read (a time that is not a time);
// the rest of the form is applied anyway, so the editor shows it again.
func applyForm(p *hindsight.Postmortem, v url.Values) []hindsight.FieldError {
	dropPostedHints(p, v)
	f := &formReader{v: v}
	f.str("title", &p.Title)
	f.str("owner", &p.Owner)
	f.str("version", &p.Version)

	s := &p.Summary
	f.time("start", "summary.start_time", &s.Start)
	f.time("end", "summary.end_time", &s.End)
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
	f.time("detection_time", "detection.detection_time", &d.DetectionTime)
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
		times, events, cells := v["tl_time"], v["tl_event"], v["tl_cells"]
		n := max(len(times), len(events))
		p.Timeline = nil
		for i := range n {
			var e hindsight.Event
			if i < len(times) {
				f.v = url.Values{"t": {times[i]}}
				f.time("t", fmt.Sprintf("timeline[%d].time", i), &e.Time)
				f.v = v
			}
			if i < len(events) {
				e.Event = normalizeText(events[i])
			}
			if i < len(cells) {
				e.Cells = cellsOf(cells[i])
			}
			p.Timeline = append(p.Timeline, e)
		}
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
			a := hindsight.ActionItem{ID: at(ids, i), Action: normalizeText(at(acts, i)), Owner: at(owners, i)}
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
	return f.errs
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

// rowOp is a row operation of the editor: add, remove or move a row.
type rowOp struct {
	Table string // "tl" or "ai"
	Verb  string // "add", "del", "up", "down"
	Index int
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
	case "del", "up", "down":
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

// apply performs the row operation on p; it returns the row to focus.
func (op rowOp) apply(p *hindsight.Postmortem) int {
	switch op.Table {
	case "tl":
		dropHints(p, hindsight.SecTimeline) // rows move: placeholder rows would stand elsewhere
		return moveRows(&p.Timeline, op, func() hindsight.Event { return hindsight.Event{} })
	default:
		dropHints(p, hindsight.SecActionItems)
		return moveRows(&p.ActionItems, op, func() hindsight.ActionItem {
			return hindsight.ActionItem{ID: nextActionID(p.ActionItems), Status: hindsight.ItemOpen}
		})
	}
}

func moveRows[T any](rows *[]T, op rowOp, fresh func() T) int {
	r := *rows
	i := op.Index
	switch op.Verb {
	case "add":
		*rows = append(r, fresh())
		return len(*rows) - 1
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
