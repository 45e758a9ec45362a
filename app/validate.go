package app

import (
	"fmt"

	"github.com/hindsight-pm/hindsight"
)

// Validate refuses a document whose typed fields hold values the model does
// not know: an unknown severity, status, priority or action item status, or
// a time, date or duration that is neither valid nor an honest "Unknown".
// Placeholders and missing values are the linter's business, not errors.
func Validate(p *hindsight.Postmortem) error {
	var errs []hindsight.FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, hindsight.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if p.Status != hindsight.StatusTemplate && !p.Status.Valid() {
		bad("status", "unknown status %q: want Draft, In Review or Published", p.Status)
	}
	if s := p.Summary.Severity; s != "" && !s.Valid() && !hindsight.IsUnknownText(string(s)) {
		bad("summary.severity", "unknown severity %q: want SEV-1, SEV-2, SEV-3 or SEV-4", s)
	}
	if id := p.Summary.IncidentID; id != "" {
		if _, _, ok := hindsight.ParseIncidentID(id); !ok {
			bad("summary.incident_id", "incident ID %q: want INC-YYYYMMDD-NNN", id)
		}
	}
	checkTime := func(field string, t hindsight.Time) {
		if t.Text != "" && !hindsight.IsUnknownText(t.Text) {
			bad(field, "%q is not a UTC time: want YYYY-MM-DD HH:MM (or Unknown)", t.Text)
		}
	}
	checkDur := func(field string, d hindsight.Duration) {
		if !d.Valid && d.Text != "" && !hindsight.IsUnknownText(d.Text) {
			bad(field, "%q is not a duration: want HH:MM (or Unknown)", d.Text)
		}
	}
	checkTime("summary.start_time", p.Summary.Start)
	checkTime("summary.end_time", p.Summary.End)
	checkDur("summary.duration", p.Summary.Duration)
	checkTime("detection.detection_time", p.Detection.DetectionTime)
	checkDur("detection.time_to_acknowledge", p.Detection.TTA)
	checkDur("detection.time_to_mitigate", p.Detection.TTM)
	for i, e := range p.Timeline {
		checkTime(fmt.Sprintf("timeline[%d].time", i), e.Time)
	}
	for i, a := range p.ActionItems {
		path := fmt.Sprintf("action_items[%d]", i)
		if a.Priority != "" && !a.Priority.Valid() {
			bad(path+".priority", "unknown priority %q: want P0, P1 or P2", a.Priority)
		}
		if a.Status != "" && !a.Status.Valid() {
			bad(path+".status", "unknown status %q: want Open or Closed", a.Status)
		}
		if a.TargetDate.Text != "" && !hindsight.IsUnknownText(a.TargetDate.Text) {
			bad(path+".target_date", "%q is not a date: want YYYY-MM-DD", a.TargetDate.Text)
		}
		if a.ID != "" && !hindsight.ValidActionID(a.ID) {
			bad(path+".id", "action item ID %q: want AI-NNN", a.ID)
		}
	}
	for _, ans := range []struct {
		field string
		a     hindsight.Answer
	}{{"impact.data.loss", p.Impact.Data.Loss}, {"impact.data.exposure", p.Impact.Data.Exposure}, {"impact.data.compliance", p.Impact.Data.Compliance}, {"resolution.rollback_needed", p.Resolution.Rollback}} {
		if v := ans.a.Value; v != "" && v != hindsight.Yes && v != hindsight.No && !hindsight.IsUnknownText(string(v)) {
			bad(ans.field, "answer %q: want Yes, No or Unknown", v)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	msg := errs[0].Field + ": " + errs[0].Message
	if len(errs) > 1 {
		msg += fmt.Sprintf(" (and %d more)", len(errs)-1)
	}
	return &hindsight.Error{Code: hindsight.EInvalid, Message: msg, Fields: errs}
}
