// Package alerting holds Hindsight's inbound alert receivers: Prometheus
// Alertmanager (webhook payload version 4), PagerDuty (V3 webhooks) and a
// small generic JSON schema for any other source. Each turns a delivery into
// timeline rows of a Draft postmortem, opening the Draft for a new alert
// group and extending the open one for a known group, through the
// application service like every other writer.
//
// ImportChat puts chat messages (package chat) into a named incident
// through the same inbox, so that a message is imported once.
//
// Every receiver authenticates the request itself (a per-source bearer
// token, or PagerDuty's HMAC signature): a request without valid
// credentials gets 401 and leaves nothing but a log line. Bodies are
// bounded (MaxBodyBytes), a malformed payload gets 400 with the reason, and
// a retried delivery changes nothing.
//
// # The inbox
//
// A receiver does not save the incident while the sender waits. It
// authenticates, decodes and validates the delivery (the 400s stay
// synchronous), then records it in the durable inbox in one short
// transaction (hindsight.AlertStore.EnqueueAlerts): each event key in the
// event table, whose primary key makes an event acceptable once, and one
// inbox entry with the delivery's new events. Deliveries that arrive while
// a transaction runs are recorded together in the next one (group commit).
// It answers 202 Accepted with the counts (200 when every event was a
// duplicate, or when the delivery means no change). From then on the
// events survive a crash.
//
// The applier (Start, or Drain in tests and tools) claims the waiting
// entries of one alert group per worker at a time (ClaimAlertInbox: a
// lease, one claimer per group across processes), coalesces them into one
// save through app.Service (one revision for a burst of alerts), and
// finishes them (FinishAlertInbox: the entries leave the inbox, their
// events are done, the group maps to its incident). The intake goes first: before each of its writes the applier
// waits (briefly) for the deliveries being received to be answered, and
// while deliveries arrive it rests as long as it saved (Config.ApplyDuty),
// so under a stream of alerts the answers stay fast and the applier lags,
// each of its saves then taking more of a group's waiting alerts.
//
// # Exactly once
//
// The application service writes a change in one transaction that a
// receiver cannot add rows to, so the save names the deliveries it applies
// in its revision message (hindsight.BatchMarker of each entry's delivery
// ID), written in the same transaction as the change. An entry is finished
// after its save; an applier that stops in between (a crash) leaves the
// entry claimed until the lease ends. The next claim of an entry claimed
// before reads the revision history (FindAlertDeliveries): a revision
// naming the delivery means the change was saved (the entry is finished
// without saving again), none means it was not (it is applied). A failed
// save leaves the entries in the inbox, tried again with a growing delay.
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

// AuthorColumn is the extra timeline column that names who wrote a chat
// message a row came from.
const AuthorColumn = "Author"

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

	// Slack configures POST /hooks/slack (chat messages live).
	Slack SlackConfig

	// MaxBodyBytes bounds a body (DefaultMaxBodyBytes when 0).
	MaxBodyBytes int64
	// InboxLease is how long the applier's claim on inbox entries holds
	// (default 1 minute): the entries of an applier that stopped (a crash)
	// are applied by the next claim after it. A save that has not ended
	// after half the lease is cancelled.
	InboxLease time.Duration
	// ApplyWorkers is how many alert groups the applier saves at once
	// (default 1: on SQLite the saves share one writer, and a second
	// worker mostly takes CPU from the intake; on PostgreSQL every
	// instance runs an applier).
	ApplyWorkers int
	// MaxCoalesce bounds the deliveries of one group one save takes
	// (default 100).
	MaxCoalesce int
	// Poll is how often the applier looks at the inbox when no delivery
	// woke it: for entries accepted by other processes and entries waiting
	// for a retry (default 1 second).
	Poll time.Duration
	// ApplyDuty is the share of its time the applier spends saving while
	// deliveries are arriving, in (0, 1] (default 0.5): after a save that
	// took d it rests d*(1-ApplyDuty)/ApplyDuty, leaving the CPU and the
	// writer to the intake. A backlog then builds up and each save takes
	// more of it. 1 does not rest.
	ApplyDuty float64
	// IntakeFirst is how long the applier waits, before each of its
	// writes (claim, save, finish), for the deliveries being received to be
	// answered (default 10ms; negative: it does not wait). Under a stream
	// of deliveries the applier then lags, and coalesces more, rather than
	// the answers.
	IntakeFirst time.Duration
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
// the defaults), HINDSIGHT_ALERT_INBOX_LEASE (a Go duration) and the Slack
// receiver's HINDSIGHT_SLACK_* (SlackConfig). A bad
// value is an EInvalid error naming the variable.
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
	sc, err := slackConfigFromEnv(getenv)
	if err != nil {
		return Config{}, err
	}
	c.Slack = sc
	if v := strings.TrimSpace(getenv("HINDSIGHT_ALERT_INBOX_LEASE")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return Config{}, hindsight.Errorf(hindsight.EInvalid, "HINDSIGHT_ALERT_INBOX_LEASE: %q: want a duration of at least 1s (e.g. 1m)", v)
		}
		c.InboxLease = d
	}
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

// Receivers serves the alert webhooks and applies their inbox.
type Receivers struct {
	svc   *app.Service
	store hindsight.AlertStore
	cfg   Config
	log   *slog.Logger

	// wake tells the applier that a delivery was accepted
	wake chan struct{}
	// gate counts the deliveries being received: the applier lets them go
	// first
	gate gate
	// enq records deliveries in the inbox, several per transaction
	enq enqueuer
	// the applier started by Start
	runMu   sync.Mutex
	stopped chan struct{}
	// slackNames caches Slack users' display names (user ID -> name) and
	// channels' names ("channel:" + ID -> #name)
	slackNames sync.Map
	// crashAt makes the applier stop at a point as if the process died
	// (tests: export_test.go)
	crashAt string
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
	if cfg.InboxLease <= 0 {
		cfg.InboxLease = time.Minute
	}
	if cfg.ApplyWorkers <= 0 {
		cfg.ApplyWorkers = 1
	}
	if cfg.MaxCoalesce <= 0 {
		cfg.MaxCoalesce = 100
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.ApplyDuty <= 0 || cfg.ApplyDuty > 1 {
		cfg.ApplyDuty = 0.5
	}
	if cfg.IntakeFirst == 0 {
		cfg.IntakeFirst = 10 * time.Millisecond
	}
	r := &Receivers{svc: svc, store: store, cfg: cfg, log: cfg.Logger, wake: make(chan struct{}, 1), enq: enqueuer{store: store}}
	if r.log == nil {
		r.log = slog.Default()
	}
	return r
}

// Routes returns the receivers' routes. They are httpx.Public at the router
// level: each authenticates its requests with its own secret.
func (r *Receivers) Routes() []httpx.Route {
	return []httpx.Route{
		{Pattern: "POST /hooks/alertmanager", Access: httpx.Public, Name: "hooks.alertmanager", Handler: r.intake(r.serveAlertmanager)},
		{Pattern: "POST /hooks/pagerduty", Access: httpx.Public, Name: "hooks.pagerduty", Handler: r.intake(r.servePagerDuty)},
		{Pattern: "POST /hooks/generic", Access: httpx.Public, Name: "hooks.generic", Handler: r.intake(r.serveGeneric)},
		{Pattern: "POST /hooks/slack", Access: httpx.Public, Name: "hooks.slack", Handler: r.intake(r.serveSlack)},
	}
}

// intake marks a delivery as being received while h serves it.
func (r *Receivers) intake(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.gate.enter()
		defer r.gate.leave()
		h(w, req)
	})
}

// gate counts the deliveries being received, so the applier can let them
// go first: a save takes the only SQLite writer and a core for a
// millisecond or more, and a sender waits for its answer, not for the save.
type gate struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed when n drops to 0
	last time.Time     // when the last delivery was answered
}

func (g *gate) enter() {
	g.mu.Lock()
	if g.n == 0 {
		g.idle = make(chan struct{})
	}
	g.n++
	g.mu.Unlock()
}

func (g *gate) leave() {
	g.mu.Lock()
	g.n--
	if g.n == 0 {
		close(g.idle)
	}
	g.last = time.Now()
	g.mu.Unlock()
}

// active reports whether deliveries are being received: one now, or one
// answered within d.
func (g *gate) active(d time.Duration) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.n > 0 || time.Since(g.last) < d
}

// wait returns when no delivery is being received, or after at most d.
func (g *gate) wait(d time.Duration) {
	g.mu.Lock()
	if g.n == 0 || d <= 0 {
		g.mu.Unlock()
		return
	}
	idle := g.idle
	g.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-idle:
	case <-t.C:
	}
}

// Result is the JSON answer to an accepted delivery: 202 when it queued
// events, 200 when it queued none.
type Result struct {
	// IncidentID is the incident the alert group maps to when the answer
	// is written ("" for a group not applied yet): the new events go there
	// unless it has since left Draft. For a delivery of duplicates only,
	// the incident they went to.
	IncidentID string `json:"incident_id,omitempty"`
	// Accepted counts the new events, queued in the inbox (durable: they
	// reach the timeline even if the process stops now); Duplicates those
	// seen before (a retried delivery has only duplicates).
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
	// Ignored counts events that map to no change (e.g. a PagerDuty ping).
	Ignored int `json:"ignored,omitempty"`
}

// badPayload is a payload the receiver refuses: a 422 invalid for a value
// that breaks the format's rules (bad), a 400 bad_request for one that is
// not JSON of the expected form (malformed). Its message starts with the
// field at fault ("alerts[0].status: ..."), which the answer names in
// fields.
type badPayload struct {
	msg       string
	malformed bool
}

func (e *badPayload) Error() string { return e.msg }

func bad(format string, args ...any) error { return &badPayload{msg: fmt.Sprintf(format, args...)} }

func malformed(format string, args ...any) error {
	return &badPayload{msg: fmt.Sprintf(format, args...), malformed: true}
}

// httpError is the answer to a refused payload, in httpx's one error shape.
func (e *badPayload) httpError() error {
	var fields []hindsight.FieldError
	if name, rest, ok := strings.Cut(e.msg, ": "); ok && name != "" && !strings.ContainsAny(name, " \t") {
		fields = []hindsight.FieldError{{Field: name, Message: rest}}
	}
	if e.malformed {
		return httpx.BadRequest(e.msg, fields...)
	}
	return &hindsight.Error{Code: hindsight.EInvalid, Message: e.msg, Fields: fields}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, status, v)
}

func (r *Receivers) fail(w http.ResponseWriter, req *http.Request, source string, err error) {
	var bp *badPayload
	if errors.As(err, &bp) {
		err = bp.httpError()
	}
	status, d, _ := httpx.Describe(err)
	if status >= 500 {
		r.log.ErrorContext(req.Context(), "alert receiver failed", "source", source, "status", status, "err", err)
	} else {
		r.log.WarnContext(req.Context(), "alert delivery refused", "source", source, "status", status, "reason", d.Message, "remote", req.RemoteAddr)
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, status, httpx.ErrorBody{Error: d})
}

// unauthorized answers 401; the log line is the only trace.
func (r *Receivers) unauthorized(w http.ResponseWriter, req *http.Request, source, why string) {
	r.log.WarnContext(req.Context(), "alert delivery unauthorized", "source", source, "reason", why, "remote", req.RemoteAddr)
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusUnauthorized, httpx.ErrorBody{Error: httpx.ErrorDetail{
		Code: string(hindsight.EUnauth), Message: "missing or invalid credentials", Fields: []hindsight.FieldError{}}})
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
	// incident, when set, is the incident the rows go into (a chat
	// import): never a new one, whatever its status; by is who asked.
	incident string
	by       app.Actor
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
	effect effect
	// label is the Source column's value.
	label string
	// author is the Author column's value (chat messages), "" for none.
	author string
}

// Effects of a row beyond the timeline (data, so that a queued change can
// be stored).
const (
	effectNone   = ""
	effectTTA    = "tta"    // set the time to acknowledge once, to at
	effectEnd    = "end"    // set End to at (the latest of several)
	effectReopen = "reopen" // clear End and Duration
)

type effect struct {
	kind string
	at   time.Time
}

func (e effect) apply(p *hindsight.Postmortem) {
	switch e.kind {
	case effectTTA:
		if p.Detection.TTA.Valid {
			return
		}
		from := p.Detection.DetectionTime
		if !from.IsSet() {
			from = p.Summary.Start
		}
		if from.IsSet() {
			p.Detection.TTA = hindsight.Minutes(max(0, int(hindsight.TimeOf(e.at).T.Sub(from.T)/time.Minute)))
		}
	case effectEnd:
		t := hindsight.TimeOf(e.at)
		if !p.Summary.End.IsSet() || t.T.After(p.Summary.End.T) {
			p.Summary.End = t
		}
	case effectReopen:
		p.Summary.End, p.Summary.Duration = hindsight.Time{}, hindsight.Duration{}
	}
}

// newDelivery returns a fresh delivery ID.
func newDelivery() string {
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
func merge(p *hindsight.Postmortem, c change, rows []row) {
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
	authorCol := -1
	if slices.ContainsFunc(rows, func(rw row) bool { return rw.author != "" }) {
		authorCol = extraColumn(p, AuthorColumn)
		col = extraColumn(p, SourceColumn)
	}
	for _, rw := range rows {
		ev := hindsight.Event{Time: hindsight.TimeOf(rw.at), Event: cellText(rw.text)}
		ev.Cells = make([]string, max(col, authorCol)+1)
		label := rw.label
		if label == "" {
			label = c.source
		}
		ev.Cells[col] = cellText(label)
		if authorCol >= 0 {
			ev.Cells[authorCol] = cellText(rw.author)
		}
		pos := len(p.Timeline)
		for pos > 0 {
			prev := p.Timeline[pos-1].Time
			if !prev.IsSet() || !prev.T.After(ev.Time.T) {
				break
			}
			pos--
		}
		p.Timeline = slices.Insert(p.Timeline, pos, ev)
		rw.effect.apply(p)
	}
	if p.Summary.Start.IsSet() && p.Summary.End.IsSet() && !p.Summary.End.T.Before(p.Summary.Start.T) {
		p.Summary.Duration = hindsight.Minutes(int(p.Summary.End.T.Sub(p.Summary.Start.T) / time.Minute))
	}
}

// sourceColumn returns the index (within Cells) of the timeline's Source
// column, adding the column when the document has none and padding every
// row's cells to it.
func sourceColumn(p *hindsight.Postmortem) int { return extraColumn(p, SourceColumn) }

// extraColumn returns the index (within Cells) of the timeline's extra
// column name, adding the column when the document has none and padding
// every row's cells to it.
func extraColumn(p *hindsight.Postmortem, name string) int {
	if p.Extras == nil {
		p.Extras = map[string]hindsight.Extra{}
	}
	ex := p.Extras[hindsight.SecTimeline]
	col := slices.IndexFunc(ex.Columns, func(c string) bool { return strings.EqualFold(strings.TrimSpace(c), name) })
	if col < 0 {
		ex.Columns = append(ex.Columns, name)
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

// Time is a payload's timestamp: an RFC 3339 string. A bad one is a
// decoding error that names its field.
type Time struct{ time.Time }

var timeType = reflect.TypeFor[Time]()

// JSONForm names the JSON a Time accepts (httpx's decoder says it when a
// payload sends another).
func (Time) JSONForm() string { return "an RFC 3339 time string (2006-01-02T15:04:05Z) or null" }

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
