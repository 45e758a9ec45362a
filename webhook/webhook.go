// Package webhook delivers Hindsight's events to outbound webhooks:
// subscriptions managed by admins (URL, events, secret, format json, slack
// or teams, active), and a worker that turns the outbox the application
// service fills into one delivery per matching subscription, signs each
// (X-Hindsight-Signature over the timestamp and the body), and retries it
// with exponential backoff and jitter for a bounded time. Deliveries live
// in the database (hindsight.WebhookStore), so they survive a restart, and
// several `serve` processes on one PostgreSQL share the work: rows are
// claimed with FOR UPDATE SKIP LOCKED and a lease there, and SQLite
// serializes writers.
//
// Each subscription is its own queue with its own runner (worker.go): a
// receiver that hangs or fails delays only its own deliveries. Within a
// subscription, one incident's events are delivered in the order they
// happened (the next waits while an earlier one is pending). A disabled
// subscription is paused: its deliveries wait, and go on when it is
// enabled again; only removing it discards them.
//
// Restricted incidents: a delivery for a restricted incident carries the
// event name, time and incident ID only, never its title, severity or
// action items (the receiver is outside the incident's member list).
package webhook

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/prometheus/client_golang/prometheus"
)

// Config configures the worker. Zero fields take the defaults.
type Config struct {
	// RetryFor bounds the retries of a delivery (default 24h).
	RetryFor time.Duration
	// BaseDelay is the first retry's delay, doubled on each attempt up to
	// MaxDelay (defaults 30s and 1h); each delay is jittered to between
	// half and all of it.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// Poll is how often the worker looks for new events and each
	// subscription for due deliveries (default 1s).
	Poll time.Duration
	// Lease is how long a claimed delivery is kept from other workers
	// while it is attempted (default 2 minutes; more than Timeout).
	Lease time.Duration
	// Timeout bounds one attempt (default 10s).
	Timeout time.Duration
	// Parallel is how many deliveries of one subscription are attempted
	// at once (default 4; one incident's events are never attempted at
	// once: they go in order). Subscriptions do not share it: each has its
	// own queue and runner, so a hanging receiver holds up only its own.
	// Batch is how many deliveries a subscription's pass of Tick claims at
	// a time (default 20).
	Batch    int
	Parallel int
	// OverdueEvery is how often overdue action items are looked for
	// (default 1h); an item is announced once per target date, within
	// OverdueWindow of it (default 7 days: older ones are not news).
	OverdueEvery  time.Duration
	OverdueWindow time.Duration
	// DueCheck, when set, runs with the overdue check (every
	// OverdueEvery): app.Service.QueueDueEvents, which queues
	// postmortem.due_soon and postmortem.overdue once per due date.
	DueCheck func(context.Context) (int, error)
	// BaseURL, when set, makes links to incidents (incident_url, Slack).
	BaseURL string
	// AllowPrivate lets deliveries go to loopback, private, link-local
	// and other non-public addresses (HINDSIGHT_WEBHOOK_ALLOW_PRIVATE=1):
	// for self-hosted receivers on the internal network. Off, such
	// destinations are refused when a subscription names one literally
	// and, whatever the name, when the connection is made.
	AllowPrivate bool
	// Client sends the deliveries (default: an http.Client with Timeout
	// that follows no redirects, uses no proxy and, unless AllowPrivate,
	// connects only to public addresses). A Client given here does its
	// own destination checks.
	Client *http.Client
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Logger receives the worker's log lines (slog.Default() when nil).
	Logger *slog.Logger
}

// Webhooks is the subscriptions' admin side and the delivery worker.
type Webhooks struct {
	store     hindsight.WebhookStore
	incidents hindsight.Store
	cfg       Config
	log       *slog.Logger

	mu          sync.Mutex
	lastOverdue time.Time
	runners     map[int64]*runner // one per active subscription, under Start
	attempts    *prometheus.CounterVec
	poke        chan struct{} // wakes the dispatcher (a subscription enabled or added)
}

// New returns the webhooks over st, which must implement
// hindsight.WebhookStore (the SQLite and PostgreSQL stores do).
func New(st hindsight.Store, cfg Config) (*Webhooks, error) {
	ws, ok := st.(hindsight.WebhookStore)
	if !ok {
		return nil, hindsight.Errorf(hindsight.EUnsupport, "the store %T keeps no webhooks", st)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.RetryFor, 24*time.Hour)
	def(&cfg.BaseDelay, 30*time.Second)
	def(&cfg.MaxDelay, time.Hour)
	def(&cfg.Poll, time.Second)
	def(&cfg.Timeout, 10*time.Second)
	def(&cfg.Lease, 2*time.Minute)
	def(&cfg.OverdueEvery, time.Hour)
	def(&cfg.OverdueWindow, 7*24*time.Hour)
	if cfg.Lease <= cfg.Timeout {
		cfg.Lease = 2 * cfg.Timeout
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 20
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 4
	}
	if cfg.Client == nil {
		cfg.Client = newClient(cfg.Timeout, cfg.AllowPrivate)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	w := &Webhooks{store: ws, incidents: st, cfg: cfg, log: cfg.Logger, runners: map[int64]*runner{}, poke: make(chan struct{}, 1), attempts: newAttemptCounter()}
	if w.log == nil {
		w.log = slog.Default()
	}
	return w, nil
}

// Store returns the webhook store.
func (w *Webhooks) Store() hindsight.WebhookStore { return w.store }

func (w *Webhooks) now() time.Time { return w.cfg.Now().UTC() }

// nextAttempt is the time of the next attempt after the (d.Attempts+1)-th
// failed: BaseDelay doubled per attempt, at most MaxDelay, jittered to
// [d/2, d], at least retryAfter; zero when it would pass RetryUntil.
func (w *Webhooks) nextAttempt(d *hindsight.WebhookDelivery, at time.Time, retryAfter time.Duration) time.Time {
	delay := w.cfg.BaseDelay
	for i := 0; i < d.Attempts && delay < w.cfg.MaxDelay; i++ {
		delay *= 2
	}
	delay = min(delay, w.cfg.MaxDelay)
	half := delay / 2
	if half > 0 {
		if n, err := rand.Int(rand.Reader, big.NewInt(int64(half)+1)); err == nil {
			delay = half + time.Duration(n.Int64())
		}
	}
	delay = max(delay, min(retryAfter, w.cfg.MaxDelay))
	next := at.Add(delay)
	if next.After(d.RetryUntil) {
		return time.Time{}
	}
	return next
}

// send posts the delivery; it returns the HTTP status, the Retry-After
// asked for, and "" on success or why it failed.
func (w *Webhooks) send(ctx context.Context, sub *hindsight.WebhookSubscription, d *hindsight.WebhookDelivery) (int, time.Duration, string) {
	body, err := w.body(sub, d)
	if err != nil {
		return 0, 0, "encode: " + err.Error()
	}
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.URL, bytes.NewReader(body))
	if err != nil {
		return 0, 0, "bad URL: " + err.Error()
	}
	ts := w.now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Hindsight-Webhook/1")
	req.Header.Set(HeaderEvent, d.Event)
	req.Header.Set(HeaderDelivery, strconv.FormatInt(d.ID, 10))
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	if sub.Secret != "" {
		req.Header.Set(HeaderSignature, Sign(sub.Secret, ts, body))
	}
	resp, err := w.cfg.Client.Do(req)
	if err != nil {
		msg, detail := transportError(err)
		w.log.WarnContext(ctx, "webhook receiver unreachable", "webhook", sub.ID, "delivery", d.ID, "url", sub.URL, "cause", detail)
		return 0, 0, msg
	}
	defer resp.Body.Close()
	// the answer's body is read (to reuse the connection) but never kept:
	// the delivery log holds the status line only, so a subscription
	// cannot be used to read what an internal service answers
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, 0, ""
	}
	var ra time.Duration
	if s, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); err == nil && s > 0 {
		ra = time.Duration(s) * time.Second
	}
	return resp.StatusCode, ra, statusLine(resp.StatusCode)
}

// statusLine is the delivery log's text of a non-2xx answer: the code and
// its standard reason phrase (not the receiver's own phrase or body).
func statusLine(code int) string {
	if t := http.StatusText(code); t != "" {
		return "HTTP " + strconv.Itoa(code) + " " + t
	}
	return "HTTP " + strconv.Itoa(code)
}

// CheckOverdue queues one action_item.overdue event per action item whose
// target date passed (within OverdueWindow), once per target date.
func (w *Webhooks) CheckOverdue(ctx context.Context) (int, error) {
	now := w.now()
	// only the window's items from the store: sorted by target date, the
	// overdue list's first 5,000 would be the oldest, and with more than
	// that overdue (old items nobody closed) the recent ones were never read
	rows, err := w.incidents.FindActionItems(ctx, hindsight.SystemViewer, hindsight.ActionItemFilter{Overdue: true, OverdueAsOf: now, DueFrom: now.Add(-w.cfg.OverdueWindow), Limit: 5000})
	if err != nil {
		return 0, err
	}
	var items []hindsight.OverdueItem
	for _, r := range rows {
		if !r.TargetDate.IsSet() || now.Sub(r.TargetDate.T) > w.cfg.OverdueWindow {
			continue
		}
		it := r.ActionItem
		key := it.ID
		if key == "" {
			key = fmt.Sprintf("#%d %s", r.Position+1, clip(it.Action, 80))
		}
		ev := app.Event{Event: hindsight.EventActionItemOverdue, At: now, IncidentID: r.IncidentID, Title: r.IncidentTitle, Severity: r.IncidentSeverity, ActionItem: &it}
		b, err := json.Marshal(ev)
		if err != nil {
			return 0, err
		}
		items = append(items, hindsight.OverdueItem{IncidentID: r.IncidentID, ItemKey: key, TargetDate: r.TargetDate.T, Payload: b})
	}
	if len(items) == 0 {
		return 0, nil
	}
	return w.store.QueueOverdue(ctx, items, now)
}

// checkDue runs Config.DueCheck when set.
func (w *Webhooks) checkDue(ctx context.Context) {
	if w.cfg.DueCheck == nil {
		return
	}
	if _, err := w.cfg.DueCheck(ctx); err != nil && ctx.Err() == nil {
		w.log.ErrorContext(ctx, "postmortem due check", "err", err)
	}
}

// NewSecret returns a random signing secret.
func NewSecret() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return "whsec_" + hex.EncodeToString(b[:])
}

// ConfigFromEnv reads the worker's settings from the environment (getenv
// is os.Getenv when nil): HINDSIGHT_WEBHOOK_RETRY_FOR (how long a delivery
// is retried, e.g. 24h), HINDSIGHT_WEBHOOK_TIMEOUT (one attempt, e.g. 10s)
// and HINDSIGHT_WEBHOOK_MAX_DELAY (the longest wait between attempts, e.g.
// 1h), and HINDSIGHT_WEBHOOK_ALLOW_PRIVATE=1 (deliveries may go to
// loopback, private and link-local addresses; see Config.AllowPrivate).
// Unset variables keep the defaults; a bad one is an EInvalid error naming
// it.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var c Config
	for _, v := range []struct {
		name string
		dst  *time.Duration
	}{{"HINDSIGHT_WEBHOOK_RETRY_FOR", &c.RetryFor}, {"HINDSIGHT_WEBHOOK_TIMEOUT", &c.Timeout}, {"HINDSIGHT_WEBHOOK_MAX_DELAY", &c.MaxDelay}} {
		s := strings.TrimSpace(getenv(v.name))
		if s == "" {
			continue
		}
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return Config{}, hindsight.Errorf(hindsight.EInvalid, "%s: %q is not a positive duration (e.g. 24h, 90s)", v.name, s)
		}
		*v.dst = d
	}
	switch s := strings.ToLower(strings.TrimSpace(getenv("HINDSIGHT_WEBHOOK_ALLOW_PRIVATE"))); s {
	case "", "0", "false", "no":
	case "1", "true", "yes":
		c.AllowPrivate = true
	default:
		return Config{}, hindsight.Errorf(hindsight.EInvalid, "HINDSIGHT_WEBHOOK_ALLOW_PRIVATE: %q is not 1 or 0", s)
	}
	return c, nil
}
