package hindsight

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// TimeLayout is the canonical form of a time in a document.
const TimeLayout = "2006-01-02 15:04"

// DateLayout is the canonical form of a date in a document.
const DateLayout = "2006-01-02"

// IsUnknownText reports whether s is an honest "we don't know" value such as
// Unknown, TBD or N/A, as opposed to an unfilled template placeholder.
func IsUnknownText(s string) bool {
	switch strings.ToLower(strings.Trim(strings.TrimSpace(s), ".*_()")) {
	case "unknown", "tbd", "tba", "n/a", "na", "none", "not applicable", "unclear", "to be determined", "pending", "?", "-":
		return true
	}
	return false
}

// Time is a UTC instant at minute precision. T is zero when the field is not
// set or holds text that is not a time; Text then holds that text verbatim
// (an honest "Unknown", or something the linter will flag).
type Time struct {
	T    time.Time
	Text string
}

// TimeOf returns the Time of t, converted to UTC and truncated to the minute.
func TimeOf(t time.Time) Time {
	return Time{T: time.Unix(t.Unix()/60*60, 0).UTC()}
}

// IsSet reports whether t holds a valid time.
func (t Time) IsSet() bool { return !t.T.IsZero() }

// IsZero reports whether t is not set at all (no time, no text).
func (t Time) IsZero() bool { return t.T.IsZero() && t.Text == "" }

// String renders t canonically, or its text, or "" when unset.
func (t Time) String() string {
	if t.IsSet() {
		return t.T.Format(TimeLayout)
	}
	return t.Text
}

// ParseTime reads a time: "2021-10-04 15:39", "2021-10-04T15:39Z", with
// seconds (dropped), a 12-hour clock ("2021-10-04 3:39 PM"), and a zone
// (UTC, PST, PT, America/Los_Angeles, +02:00, UTC+9...) converted to UTC; a
// time without a zone is UTC. See ScanTime for every form. Text that is not
// exactly one time (or whose zone is ambiguous, see ParseTimeIn) is
// returned as Time{Text: s} with ok false.
func ParseTime(s string) (Time, bool) {
	t, err := ParseTimeIn(s, nil)
	return t, err == nil
}

// MarshalJSON writes RFC 3339 UTC, the text verbatim, or null.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsSet() {
		return json.Marshal(t.T.Format(time.RFC3339))
	}
	if t.Text == "" {
		return []byte("null"), nil
	}
	return json.Marshal(t.Text)
}

// UnmarshalJSON reads what MarshalJSON writes, and any form ParseTime takes.
func (t *Time) UnmarshalJSON(b []byte) error {
	var s *string
	if err := json.Unmarshal(b, &s); err != nil {
		return typeError(b, Time{})
	}
	if s == nil {
		*t = Time{}
		return nil
	}
	// the form MarshalJSON writes, first: stored models decode fast
	if len(*s) == len("2006-01-02T15:04:05Z") && (*s)[len(*s)-1] == 'Z' {
		if v, err := time.Parse(time.RFC3339, *s); err == nil {
			*t = TimeOf(v)
			return nil
		}
	}
	*t, _ = ParseTime(*s)
	return nil
}

// Date is a calendar date (UTC midnight), with the same conventions as Time.
type Date struct {
	T    time.Time
	Text string
}

// DateOf returns the Date of t's UTC calendar day.
func DateOf(t time.Time) Date {
	t = t.UTC()
	return Date{T: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}
}

// IsSet reports whether d holds a valid date.
func (d Date) IsSet() bool { return !d.T.IsZero() }

// IsZero reports whether d is not set at all.
func (d Date) IsZero() bool { return d.T.IsZero() && d.Text == "" }

// String renders d canonically, or its text, or "".
func (d Date) String() string {
	if d.IsSet() {
		return d.T.Format(DateLayout)
	}
	return d.Text
}

// ParseDate parses "2021-10-04" (and 2021/10/04, or a full time, whose day is
// taken). Other text is returned as Date{Text: s} with ok false.
func ParseDate(s string) (Date, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Date{}, false
	}
	for _, l := range []string{DateLayout, "2006/01/02", "2006-1-2", "Jan 2, 2006", "January 2, 2006", "2 Jan 2006", "2 January 2006"} {
		if t, err := time.Parse(l, s); err == nil {
			return DateOf(t), true
		}
	}
	if t, ok := ParseTime(s); ok {
		return DateOf(t.T), true
	}
	return Date{Text: s}, false
}

// MarshalJSON writes YYYY-MM-DD, the text verbatim, or null.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsSet() {
		return json.Marshal(d.T.Format(DateLayout))
	}
	if d.Text == "" {
		return []byte("null"), nil
	}
	return json.Marshal(d.Text)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (d *Date) UnmarshalJSON(b []byte) error {
	var s *string
	if err := json.Unmarshal(b, &s); err != nil {
		return typeError(b, Date{})
	}
	if s == nil {
		*d = Date{}
		return nil
	}
	if len(*s) == len(DateLayout) {
		if v, err := time.Parse(DateLayout, *s); err == nil {
			*d = Date{T: v}
			return nil
		}
	}
	*d, _ = ParseDate(*s)
	return nil
}

// Duration is a length of time in whole minutes, written HH:MM; hours may
// exceed 24 ("73:05"). Valid is false when not set or not a duration; Text
// then holds the text verbatim.
type Duration struct {
	Minutes int
	Valid   bool
	Text    string
}

// Minutes returns a valid Duration of m minutes.
func Minutes(m int) Duration { return Duration{Minutes: m, Valid: true} }

// IsZero reports whether d is not set at all.
func (d Duration) IsZero() bool { return !d.Valid && d.Text == "" }

// HHMM formats minutes as HH:MM.
func HHMM(m int) string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	return fmt.Sprintf("%s%02d:%02d", sign, m/60, m%60)
}

// String renders d as HH:MM, or its text, or "".
func (d Duration) String() string {
	if d.Valid {
		return HHMM(d.Minutes)
	}
	return d.Text
}

// ParseDuration parses HH:MM (hours may exceed 24), H:MM, HH:MM:SS (seconds
// dropped), and the spelled forms people write: "45m", "2h", "2h 5m",
// "52h 5m", "1h30", "1 hour 5 minutes", "3 hours 40 minutes", "95 minutes",
// "1d 2h", "3 days". Other text is returned verbatim, ok false.
func ParseDuration(s string) (Duration, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Duration{}, false
	}
	if parts := strings.Split(s, ":"); len(parts) == 2 || len(parts) == 3 {
		h, err1 := strconv.Atoi(parts[0])
		m, err2 := strconv.Atoi(parts[1])
		if err1 == nil && err2 == nil && h >= 0 && m >= 0 && m < 60 && len(parts[1]) == 2 && len(parts[0]) <= 6 {
			if len(parts) == 3 {
				if sec, err := strconv.Atoi(parts[2]); err != nil || sec < 0 || sec >= 60 || len(parts[2]) != 2 {
					return Duration{Text: s}, false
				}
			}
			return Minutes(h*60 + m), true
		}
		return Duration{Text: s}, false
	}
	if m, ok := parseSpelledDuration(s); ok {
		return Minutes(m), true
	}
	return Duration{Text: s}, false
}

func parseSpelledDuration(s string) (int, bool) {
	f := strings.Fields(strings.ToLower(strings.ReplaceAll(s, ",", " ")))
	// split "2h5m" and "2h" into number/unit tokens
	var toks []string
	for _, w := range f {
		if w == "and" {
			continue
		}
		start := 0
		for i := 1; i <= len(w); i++ {
			if i == len(w) || (w[i] >= '0' && w[i] <= '9') != (w[i-1] >= '0' && w[i-1] <= '9') {
				toks = append(toks, w[start:i])
				start = i
			}
		}
	}
	// "1h30": minutes after hours may go without their unit
	if len(toks) == 3 && (toks[1] == "h" || toks[1] == "hr" || toks[1] == "hrs") {
		toks = append(toks, "m")
	}
	if len(toks) == 0 || len(toks)%2 != 0 {
		return 0, false
	}
	total := 0
	for i := 0; i < len(toks); i += 2 {
		n, err := strconv.Atoi(toks[i])
		if err != nil || n < 0 || n > 1_000_000 {
			return 0, false
		}
		switch toks[i+1] {
		case "m", "min", "mins", "minute", "minutes":
			total += n
		case "h", "hr", "hrs", "hour", "hours":
			total += n * 60
		case "d", "day", "days":
			total += n * 24 * 60
		default:
			return 0, false
		}
	}
	if total/60 > 999_999 {
		return 0, false // HH:MM writes at most six digits of hours
	}
	return total, true
}

type durationJSON struct {
	HHMM    string `json:"hhmm,omitempty"`
	Minutes *int   `json:"minutes,omitempty"`
	Text    string `json:"text,omitempty"`
}

// MarshalJSON writes {"hhmm": "73:05", "minutes": 4385}, {"text": "..."} or null.
func (d Duration) MarshalJSON() ([]byte, error) {
	switch {
	case d.Valid:
		m := d.Minutes
		return json.Marshal(durationJSON{HHMM: HHMM(m), Minutes: &m})
	case d.Text != "":
		return json.Marshal(durationJSON{Text: d.Text})
	}
	return []byte("null"), nil
}

// UnmarshalJSON reads what MarshalJSON writes; a plain "HH:MM" string or a
// number of minutes is accepted too.
func (d *Duration) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	switch {
	case s == "null":
		*d = Duration{}
		return nil
	case strings.HasPrefix(s, `"`):
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		*d, _ = ParseDuration(str)
		return nil
	case strings.HasPrefix(s, "{"):
		var v durationJSON
		if err := json.Unmarshal(b, &v); err != nil {
			return fmt.Errorf("duration: %w", err)
		}
		switch {
		case v.Minutes != nil:
			if *v.Minutes < 0 {
				return fmt.Errorf("duration minutes must not be negative")
			}
			*d = Minutes(*v.Minutes)
		case v.HHMM != "":
			*d, _ = ParseDuration(v.HHMM)
		default:
			*d, _ = ParseDuration(v.Text)
		}
		return nil
	}
	var m int
	if err := json.Unmarshal(b, &m); err != nil || m < 0 {
		return typeError(b, Duration{})
	}
	*d = Minutes(m)
	return nil
}

// Severity is SEV-1 (worst) to SEV-4; other text is kept verbatim.
type Severity string

// The severities.
const (
	Sev1 Severity = "SEV-1"
	Sev2 Severity = "SEV-2"
	Sev3 Severity = "SEV-3"
	Sev4 Severity = "SEV-4"
)

// Severities lists the valid severities, worst first.
var Severities = []Severity{Sev1, Sev2, Sev3, Sev4}

// Valid reports whether s is SEV-1..SEV-4.
func (s Severity) Valid() bool { return s.Level() != 0 }

// Level returns 1..4, or 0 when s is not valid.
func (s Severity) Level() int {
	switch s {
	case Sev1:
		return 1
	case Sev2:
		return 2
	case Sev3:
		return 3
	case Sev4:
		return 4
	}
	return 0
}

// ParseSeverity accepts SEV-1, SEV1, sev 1, Sev-1, S1, P1-style "Severity 1";
// anything else is returned verbatim with ok false.
func ParseSeverity(s string) (Severity, bool) {
	t := strings.TrimSpace(s)
	n := strings.ToLower(t)
	for _, p := range []string{"severity", "sev", "s"} {
		if strings.HasPrefix(n, p) {
			rest := strings.TrimLeft(n[len(p):], " -_:")
			if len(rest) == 1 && rest[0] >= '1' && rest[0] <= '4' {
				return Severity("SEV-" + rest), true
			}
		}
	}
	return Severity(t), false
}

// Status is the review status of a postmortem. The zero value is Template.
type Status string

// The statuses, in workflow order.
const (
	StatusTemplate  Status = ""
	StatusDraft     Status = "Draft"
	StatusInReview  Status = "In Review"
	StatusPublished Status = "Published"
)

// Statuses lists the statuses of the workflow.
var Statuses = []Status{StatusDraft, StatusInReview, StatusPublished}

// Valid reports whether s is Draft, In Review or Published.
func (s Status) Valid() bool {
	return s == StatusDraft || s == StatusInReview || s == StatusPublished
}

// Label is the status as written in a document ("Template" for the zero value).
func (s Status) Label() string {
	if s == StatusTemplate {
		return "Template"
	}
	return string(s)
}

// ParseStatus maps the words people use (Final, Complete, Done -> Published;
// Review, Under review -> In Review; WIP -> Draft); other text is verbatim.
func ParseStatus(s string) (Status, bool) {
	t := strings.TrimSpace(s)
	switch strings.ToLower(strings.Trim(t, ".*_ ")) {
	case "template", "":
		return StatusTemplate, true
	case "draft", "wip", "work in progress", "in progress", "open":
		return StatusDraft, true
	case "in review", "review", "in-review", "under review", "reviewing", "ready for review", "pending review":
		return StatusInReview, true
	case "published", "final", "complete", "completed", "done", "approved", "closed", "reviewed":
		return StatusPublished, true
	}
	return Status(t), false
}

// Transitions lists the statuses a postmortem may move to from s.
func (s Status) Transitions() []Status {
	switch s {
	case StatusDraft:
		return []Status{StatusInReview}
	case StatusInReview:
		return []Status{StatusDraft, StatusPublished}
	case StatusPublished:
		return []Status{StatusInReview}
	case StatusTemplate:
		return []Status{StatusDraft}
	}
	return []Status{StatusDraft}
}

// CanMoveTo reports whether the workflow allows s -> to.
func (s Status) CanMoveTo(to Status) bool {
	for _, t := range s.Transitions() {
		if t == to {
			return true
		}
	}
	return false
}

// Priority is P0 (most urgent) to P2; other text is kept verbatim.
type Priority string

// The priorities.
const (
	P0 Priority = "P0"
	P1 Priority = "P1"
	P2 Priority = "P2"
)

// Priorities lists the valid priorities, most urgent first.
var Priorities = []Priority{P0, P1, P2}

// Valid reports whether p is P0, P1 or P2.
func (p Priority) Valid() bool { return p == P0 || p == P1 || p == P2 }

// ParsePriority accepts p0, P-1, "P1 (high)", "P1 - high"; other text is
// verbatim.
func ParsePriority(s string) (Priority, bool) {
	t := strings.TrimSpace(s)
	head := t
	if i := strings.IndexAny(t, "(—–,:"); i > 0 {
		head = t[:i]
	}
	if f := strings.Fields(head); len(f) >= 2 && len(f[0]) >= 2 {
		head = f[0] // "P1 - high"
	}
	n := strings.ToUpper(strings.ReplaceAll(strings.ReplaceAll(head, "-", ""), " ", ""))
	if len(n) == 2 && n[0] == 'P' && n[1] >= '0' && n[1] <= '2' {
		return Priority(n), true
	}
	return Priority(t), false
}

// ItemStatus is the status of an action item: Open or Closed.
type ItemStatus string

// The action item statuses.
const (
	ItemOpen   ItemStatus = "Open"
	ItemClosed ItemStatus = "Closed"
)

// Valid reports whether s is Open or Closed.
func (s ItemStatus) Valid() bool { return s == ItemOpen || s == ItemClosed }

// ParseItemStatus accepts open/todo/in progress (Open) and
// closed/done/fixed/complete (Closed); other text is verbatim.
func ParseItemStatus(s string) (ItemStatus, bool) {
	t := strings.TrimSpace(s)
	switch strings.ToLower(strings.Trim(t, ".*_ ")) {
	case "open", "todo", "to do", "in progress", "in-progress", "not started", "started", "blocked", "planned", "new":
		return ItemOpen, true
	case "closed", "done", "complete", "completed", "fixed", "resolved", "finished", "shipped":
		return ItemClosed, true
	}
	return ItemStatus(t), false
}

// YesNo is Yes or No; other text is kept verbatim ("Unknown" is honest).
type YesNo string

// The answers.
const (
	Yes YesNo = "Yes"
	No  YesNo = "No"
)

// Answer is a Yes/No answer with an optional note ("Yes — 1,200 emails").
type Answer struct {
	Value YesNo  `json:"value"`
	Note  string `json:"note,omitempty"`
}

// IsZero reports whether the question is unanswered.
func (a Answer) IsZero() bool { return a.Value == "" && a.Note == "" }

// AnswerSeparator separates the answer from its note in canonical form.
const AnswerSeparator = " — "

// String renders a canonically.
func (a Answer) String() string {
	if a.Note == "" {
		return string(a.Value)
	}
	return string(a.Value) + AnswerSeparator + a.Note
}

// ParseAnswer reads "Yes", "y", "No.", "**No**", "Yes — note", "No, note".
// Text that does not start with yes or no is kept verbatim in Value.
func ParseAnswer(s string) Answer {
	t := strings.TrimSpace(s)
	word, rest := t, ""
	if i := strings.IndexAny(t, " ,;:(—–-"); i >= 0 {
		word, rest = t[:i], t[i:]
	}
	w := strings.ToLower(strings.Trim(word, ".*_!"))
	var v YesNo
	switch w {
	case "yes", "y", "true":
		v = Yes
	case "no", "n", "false", "none":
		v = No
	default:
		return Answer{Value: YesNo(t)}
	}
	note := strings.TrimSpace(rest)
	for _, sep := range []string{"—", "–", "-", ",", ";", ":"} {
		if strings.HasPrefix(note, sep) {
			note = strings.TrimSpace(note[len(sep):])
			break
		}
	}
	return Answer{Value: v, Note: note}
}

// DetectionSource classifies a "Detected By" value.
type DetectionSource string

// The detection sources of the template.
const (
	DetectedMonitoring DetectionSource = "Monitoring"
	DetectedCustomer   DetectionSource = "Customer report"
	DetectedInternal   DetectionSource = "Internal team"
	DetectedOther      DetectionSource = "Other"
)

// DetectionSource classifies DetectedBy ("" when not set).
func (d Detection) Source() DetectionSource {
	v := strings.ToLower(strings.TrimSpace(d.DetectedBy))
	switch {
	case v == "":
		return ""
	case containsAny(v, "monitor", "alert", "pagerduty", "prometheus", "datadog", "synthetic", "probe", "slo", "grafana", "nagios", "opsgenie", "automated"):
		return DetectedMonitoring
	case containsAny(v, "customer", "user report", "support", "ticket", "twitter", "social"):
		return DetectedCustomer
	case containsAny(v, "internal", "engineer", "team", "employee", "staff", "on-call", "oncall"):
		return DetectedInternal
	}
	return DetectedOther
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}
