// Package alerting holds Hindsight's inbound alert receivers: Prometheus
// Alertmanager (webhook payload version 4), PagerDuty (V3 webhooks) and a
// small generic JSON schema for any other source. Each turns a delivery into
// timeline rows of a Draft postmortem, opening the Draft for a new alert
// group and extending the open one for a known group, through the
// application service like every other writer.
//
// Every receiver authenticates the request itself (a per-source bearer
// token, or PagerDuty's HMAC signature): a request without valid
// credentials gets 401 and leaves nothing but a log line. Bodies are
// bounded (MaxBodyBytes), a malformed payload gets 400 with the reason, and
// a retried delivery changes nothing.
//
// # Idempotency
//
// The application service writes a change in one transaction that a
// receiver cannot add rows to, so events are deduplicated by claiming before
// applying: the receiver records the event keys of a delivery as pending
// under a fresh batch ID (hindsight.AlertStore.ClaimAlertEvents, whose
// primary key makes a key claimable once), applies the change with the
// batch ID in the revision message (written in the same transaction as the
// change), and marks the batch done. A retry finds its keys claimed and
// changes nothing. When the change fails the claims are released so the
// sender's retry applies them. A batch left pending by a crash between the
// save and the "done" mark is settled by the next delivery that meets it:
// the revision message tells whether the change was saved (then the keys
// are done) or not (then they are released and applied again). Deliveries
// of one group are queued in the process and saved together (group commit:
// one revision for a burst of alerts, which also bounds the revisions an
// alert storm makes); across processes the store's optimistic concurrency
// makes the loser reload and retry.
package alerting

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// Sources, as recorded in the dedup table and the timeline's Source column.
const (
	SourceAlertmanager = "alertmanager"
	SourcePagerDuty    = "pagerduty"
	SourceGeneric      = "generic"
)

// SourceColumn is the extra timeline column that names where a row came
// from.
const SourceColumn = "Source"

// DefaultMaxBodyBytes bounds a delivery's body.
const DefaultMaxBodyBytes = 1 << 20

// Config configures the receivers. The zero Config refuses every request
// (no secrets) and maps labels with the defaults.
type Config struct {
	// AlertmanagerToken authenticates Alertmanager: a bearer token
	// (Authorization: Bearer), the password of basic auth, or ?token=.
	AlertmanagerToken string
	// PagerDutySecrets verify X-PagerDuty-Signature; several allow a
	// rotation without downtime.
	PagerDutySecrets []string
	// GenericToken authenticates the generic endpoint, like
	// AlertmanagerToken.
	GenericToken string

	// ServiceLabels are the Alertmanager labels whose value names the
	// affected service, first present wins (default "service", "job").
	ServiceLabels []string
	// SeverityLabel is the label that carries the severity (default
	// "severity").
	SeverityLabel string
	// SeverityMap maps a lower-case label value to a severity (default
	// DefaultSeverityMap). Values of the form SEV-N map to themselves.
	SeverityMap map[string]hindsight.Severity

	// MaxBodyBytes bounds a body (DefaultMaxBodyBytes when 0).
	MaxBodyBytes int64
	// StaleClaim is how long a claim may stay pending before a delivery
	// that meets it settles it as left by a crash (default 2 minutes).
	StaleClaim time.Duration
	// Logger receives the log lines (slog.Default() when nil).
	Logger *slog.Logger
}

// DefaultSeverityMap maps common alert severities to Hindsight's.
var DefaultSeverityMap = map[string]hindsight.Severity{
	"critical": hindsight.Sev1, "page": hindsight.Sev1, "fatal": hindsight.Sev1, "emergency": hindsight.Sev1,
	"error": hindsight.Sev2, "high": hindsight.Sev2, "major": hindsight.Sev2,
	"warning": hindsight.Sev3, "warn": hindsight.Sev3, "medium": hindsight.Sev3, "minor": hindsight.Sev3,
	"info": hindsight.Sev4, "low": hindsight.Sev4, "informational": hindsight.Sev4, "none": hindsight.Sev4,
	// PagerDuty's default priorities
	"p1": hindsight.Sev1, "p2": hindsight.Sev2, "p3": hindsight.Sev3, "p4": hindsight.Sev4, "p5": hindsight.Sev4,
}

// ConfigFromEnv reads the receivers' configuration from the environment:
// HINDSIGHT_ALERTMANAGER_TOKEN, HINDSIGHT_PAGERDUTY_SECRET (comma-separated
// for rotation), HINDSIGHT_GENERIC_TOKEN, HINDSIGHT_ALERT_SERVICE_LABELS
// (comma-separated), HINDSIGHT_ALERT_SEVERITY_LABEL and
// HINDSIGHT_ALERT_SEVERITY_MAP ("critical=SEV-1,warning=SEV-3", added to
// the defaults). A bad mapping is an EInvalid error naming the variable.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	c := Config{
		AlertmanagerToken: strings.TrimSpace(getenv("HINDSIGHT_ALERTMANAGER_TOKEN")),
		GenericToken:      strings.TrimSpace(getenv("HINDSIGHT_GENERIC_TOKEN")),
		SeverityLabel:     strings.TrimSpace(getenv("HINDSIGHT_ALERT_SEVERITY_LABEL")),
	}
	c.PagerDutySecrets = splitList(getenv("HINDSIGHT_PAGERDUTY_SECRET"))
	c.ServiceLabels = splitList(getenv("HINDSIGHT_ALERT_SERVICE_LABELS"))
	if m := strings.TrimSpace(getenv("HINDSIGHT_ALERT_SEVERITY_MAP")); m != "" {
		c.SeverityMap = map[string]hindsight.Severity{}
		for k, v := range DefaultSeverityMap {
			c.SeverityMap[k] = v
		}
		for _, pair := range splitList(m) {
			k, v, ok := strings.Cut(pair, "=")
			sev, valid := hindsight.ParseSeverity(strings.TrimSpace(v))
			if !ok || strings.TrimSpace(k) == "" || !valid {
				return Config{}, hindsight.Errorf(hindsight.EInvalid, "HINDSIGHT_ALERT_SEVERITY_MAP: %q: want label=SEV-N", pair)
			}
			c.SeverityMap[strings.ToLower(strings.TrimSpace(k))] = sev
		}
	}
	return c, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Receivers serves the alert webhooks.
type Receivers struct {
	svc   *app.Service
	store hindsight.AlertStore
	cfg   Config
	log   *slog.Logger

	// deliveries being applied in this process: per group, a queue whose
	// leader saves the rows of every queued delivery at once; per batch,
	// the delivery that claimed it
	qmu      sync.Mutex
	queues   map[string]*groupQueue
	inflight map[string]*pending
}

// New returns the receivers over svc (which opens and saves incidents) and
// store (the dedup and group tables; usually svc's store).
func New(svc *app.Service, store hindsight.AlertStore, cfg Config) *Receivers {
	if len(cfg.ServiceLabels) == 0 {
		cfg.ServiceLabels = []string{"service", "job"}
	}
	if cfg.SeverityLabel == "" {
		cfg.SeverityLabel = "severity"
	}
	if cfg.SeverityMap == nil {
		cfg.SeverityMap = DefaultSeverityMap
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.StaleClaim <= 0 {
		cfg.StaleClaim = 2 * time.Minute
	}
	r := &Receivers{svc: svc, store: store, cfg: cfg, log: cfg.Logger, queues: map[string]*groupQueue{}, inflight: map[string]*pending{}}
	if r.log == nil {
		r.log = slog.Default()
	}
	return r
}

// Routes returns the receivers' routes. They are httpx.Public at the router
// level: each authenticates its requests with its own secret.
func (r *Receivers) Routes() []httpx.Route {
	return []httpx.Route{
		{Pattern: "POST /hooks/alertmanager", Access: httpx.Public, Name: "hooks.alertmanager", Handler: http.HandlerFunc(r.serveAlertmanager)},
		{Pattern: "POST /hooks/pagerduty", Access: httpx.Public, Name: "hooks.pagerduty", Handler: http.HandlerFunc(r.servePagerDuty)},
		{Pattern: "POST /hooks/generic", Access: httpx.Public, Name: "hooks.generic", Handler: http.HandlerFunc(r.serveGeneric)},
	}
}

// Result is the JSON answer to an accepted delivery.
type Result struct {
	// IncidentID is the incident the delivery went to ("" when it changed
	// nothing and no incident was known).
	IncidentID string `json:"incident_id,omitempty"`
	// Opened is true when the delivery opened the incident.
	Opened bool `json:"opened,omitempty"`
	// Applied counts the events that changed the incident; Duplicates
	// those seen before (a retried delivery has only duplicates).
	Applied    int `json:"applied"`
	Duplicates int `json:"duplicates"`
	// Ignored counts events that map to no change (e.g. a PagerDuty ping).
	Ignored int `json:"ignored,omitempty"`
}

// badPayload is a 400 with the reason.
type badPayload struct{ msg string }

func (e *badPayload) Error() string { return e.msg }

func bad(format string, args ...any) error { return &badPayload{fmt.Sprintf(format, args...)} }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (r *Receivers) fail(w http.ResponseWriter, req *http.Request, source string, err error) {
	var b errorBody
	status := http.StatusInternalServerError
	var bp *badPayload
	var mb *http.MaxBytesError
	var he *hindsight.Error
	switch {
	case errors.As(err, &bp):
		status, b.Error.Code, b.Error.Message = http.StatusBadRequest, "bad_request", bp.msg
	case errors.As(err, &mb):
		status, b.Error.Code = http.StatusRequestEntityTooLarge, string(hindsight.ETooLarge)
		b.Error.Message = fmt.Sprintf("body over the limit of %d bytes", mb.Limit)
	case errors.As(err, &he) && he.Code != hindsight.EInternal:
		status, b.Error.Code, b.Error.Message = httpx.Status(he.Code), string(he.Code), he.Error()
	default:
		b.Error.Code, b.Error.Message = string(hindsight.EInternal), "internal error"
	}
	if status >= 500 {
		r.log.ErrorContext(req.Context(), "alert receiver failed", "source", source, "status", status, "err", err)
	} else {
		r.log.WarnContext(req.Context(), "alert delivery refused", "source", source, "status", status, "reason", b.Error.Message, "remote", req.RemoteAddr)
	}
	writeJSON(w, status, b)
}

// unauthorized answers 401; the log line is the only trace.
func (r *Receivers) unauthorized(w http.ResponseWriter, req *http.Request, source, why string) {
	r.log.WarnContext(req.Context(), "alert delivery unauthorized", "source", source, "reason", why, "remote", req.RemoteAddr)
	var b errorBody
	b.Error.Code, b.Error.Message = string(hindsight.EUnauth), "missing or invalid credentials"
	writeJSON(w, http.StatusUnauthorized, b)
}

// readBody reads the bounded body.
func (r *Receivers) readBody(w http.ResponseWriter, req *http.Request) ([]byte, error) {
	return io.ReadAll(http.MaxBytesReader(w, req.Body, r.cfg.MaxBodyBytes))
}

// tokenOK checks a bearer token, basic-auth password or ?token= against
// want in constant time. An empty want refuses everything.
func tokenOK(req *http.Request, want string) (bool, string) {
	if want == "" {
		return false, "receiver not configured (no secret set)"
	}
	got := ""
	if h := req.Header.Get("Authorization"); h != "" {
		if scheme, v, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
			got = strings.TrimSpace(v)
		} else if _, pw, ok := req.BasicAuth(); ok {
			got = pw
		}
	}
	if got == "" {
		got = req.URL.Query().Get("token")
	}
	if got == "" {
		return false, "no token"
	}
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	if subtle.ConstantTimeCompare(a[:], b[:]) != 1 {
		return false, "wrong token"
	}
	return true, ""
}

// change is what one delivery asks for, source-independent.
type change struct {
	source string
	group  string
	// open describes the incident to open when the group has none.
	open opening
	// rows are the delivery's events, each with its dedup key.
	rows []row
	// closes marks the group resolved once these rows are applied: a
	// later delivery opens a new incident.
	closes bool
}

type opening struct {
	title      string
	severity   hindsight.Severity
	services   []string
	start      time.Time
	detectedBy string
}

type row struct {
	key  string
	at   time.Time
	text string
	// effect changes the document beyond the timeline row (End, TTA...).
	effect func(p *hindsight.Postmortem, now time.Time)
	// label is the Source column's value.
	label string
}

func newBatch() string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// actor is who the revisions of a source are by.
func actor(source string) app.Actor {
	a := app.System
	a.ID, a.Name = "integration:"+source, source
	return a
}

func cloneDoc(p *hindsight.Postmortem) *hindsight.Postmortem {
	d := *p
	d.Timeline = slices.Clone(p.Timeline)
	d.Summary.Services = slices.Clone(p.Summary.Services)
	if p.Extras != nil {
		d.Extras = make(map[string]hindsight.Extra, len(p.Extras))
		for k, v := range p.Extras {
			v.Columns = slices.Clone(v.Columns)
			d.Extras[k] = v
		}
	}
	return &d
}

// merge adds rows to the timeline (after the last row not later than each),
// marks them in the Source column, and applies the opening's facts that
// widen what is known: an earlier start, a higher severity, more services.
func merge(p *hindsight.Postmortem, c change, rows []row, now time.Time) {
	col := sourceColumn(p)
	if t := c.open.start; !t.IsZero() && (!p.Summary.Start.IsSet() || t.Before(p.Summary.Start.T)) && p.Summary.Start.Text == "" {
		p.Summary.Start = hindsight.TimeOf(t)
	}
	if s := c.open.severity; s.Valid() && (!p.Summary.Severity.Valid() || s.Level() < p.Summary.Severity.Level()) {
		p.Summary.Severity = s
	}
	for _, name := range c.open.services {
		if !slices.ContainsFunc(p.Summary.Services, func(s hindsight.Service) bool { return strings.EqualFold(s.Name, name) }) {
			p.Summary.Services = append(p.Summary.Services, hindsight.Service{Name: name})
		}
	}
	for _, rw := range rows {
		ev := hindsight.Event{Time: hindsight.TimeOf(rw.at), Event: cellText(rw.text)}
		ev.Cells = make([]string, col+1)
		label := rw.label
		if label == "" {
			label = c.source
		}
		ev.Cells[col] = cellText(label)
		pos := len(p.Timeline)
		for pos > 0 {
			prev := p.Timeline[pos-1].Time
			if !prev.IsSet() || !prev.T.After(ev.Time.T) {
				break
			}
			pos--
		}
		p.Timeline = slices.Insert(p.Timeline, pos, ev)
		if rw.effect != nil {
			rw.effect(p, now)
		}
	}
	if p.Summary.Start.IsSet() && p.Summary.End.IsSet() && !p.Summary.End.T.Before(p.Summary.Start.T) {
		p.Summary.Duration = hindsight.Minutes(int(p.Summary.End.T.Sub(p.Summary.Start.T) / time.Minute))
	}
}

// sourceColumn returns the index (within Cells) of the timeline's Source
// column, adding the column when the document has none and padding every
// row's cells to it.
func sourceColumn(p *hindsight.Postmortem) int {
	if p.Extras == nil {
		p.Extras = map[string]hindsight.Extra{}
	}
	ex := p.Extras[hindsight.SecTimeline]
	col := slices.IndexFunc(ex.Columns, func(c string) bool { return strings.EqualFold(strings.TrimSpace(c), SourceColumn) })
	if col < 0 {
		ex.Columns = append(ex.Columns, SourceColumn)
		col = len(ex.Columns) - 1
		p.Extras[hindsight.SecTimeline] = ex
	}
	for i := range p.Timeline {
		if len(p.Timeline[i].Cells) <= col {
			cells := make([]string, col+1)
			copy(cells, p.Timeline[i].Cells)
			p.Timeline[i].Cells = cells
		}
	}
	return col
}

// cellText makes text fit a table cell: one line, at most 500 bytes, valid
// UTF-8.
func cellText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 500 {
		cut := 497
		for cut > 0 && (s[cut]&0xC0) == 0x80 {
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}

// severity maps a label value: SEV-N as itself, else through the map.
func (r *Receivers) severity(v string) hindsight.Severity {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	if s, ok := hindsight.ParseSeverity(v); ok {
		return s
	}
	return r.cfg.SeverityMap[strings.ToLower(v)]
}

// ttaEffect sets the time to acknowledge once, from the detection time (or
// the start) to at.
func ttaEffect(at time.Time) func(p *hindsight.Postmortem, now time.Time) {
	return func(p *hindsight.Postmortem, _ time.Time) {
		if p.Detection.TTA.Valid {
			return
		}
		from := p.Detection.DetectionTime
		if !from.IsSet() {
			from = p.Summary.Start
		}
		if from.IsSet() {
			p.Detection.TTA = hindsight.Minutes(max(0, int(hindsight.TimeOf(at).T.Sub(from.T)/time.Minute)))
		}
	}
}

// endEffect sets End to at (the latest of several).
func endEffect(at time.Time) func(p *hindsight.Postmortem, now time.Time) {
	return func(p *hindsight.Postmortem, _ time.Time) {
		t := hindsight.TimeOf(at)
		if !p.Summary.End.IsSet() || t.T.After(p.Summary.End.T) {
			p.Summary.End = t
		}
	}
}

// Time is a payload's timestamp: an RFC 3339 string. A bad one is a
// decoding error that names its field.
type Time struct{ time.Time }

var timeType = reflect.TypeFor[time.Time]()

// UnmarshalJSON reads an RFC 3339 string (null leaves the zero time).
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &json.UnmarshalTypeError{Value: "non-string " + truncate(string(b), 40), Type: timeType}
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return &json.UnmarshalTypeError{Value: "string " + strconv.Quote(truncate(s, 60)), Type: timeType}
	}
	t.Time = v
	return nil
}

// MarshalJSON writes RFC 3339 with fractional seconds.
func (t Time) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.Time.Format(time.RFC3339Nano))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "..."
}
