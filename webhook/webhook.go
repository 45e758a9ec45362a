// Package webhook delivers Hindsight's events to outbound webhooks:
// subscriptions managed by admins (URL, events, secret, format json or
// slack, active), and a worker that turns the outbox the application
// service fills into one delivery per matching subscription, signs each
// (X-Hindsight-Signature over the timestamp and the body), and retries it
// with exponential backoff and jitter for a bounded time. Deliveries live
// in the database (hindsight.WebhookStore), so they survive a restart, and
// several `serve` processes on one PostgreSQL share the work: rows are
// claimed with FOR UPDATE SKIP LOCKED there, and SQLite serializes writers.
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
	// Poll is how often the worker looks for work (default 2s).
	Poll time.Duration
	// Lease is how long a claimed delivery is kept from other workers
	// while it is attempted (default 2 minutes; more than Timeout).
	Lease time.Duration
	// Timeout bounds one attempt (default 10s).
	Timeout time.Duration
	// Batch is how many deliveries one pass claims (default 20), and
	// Parallel how many it sends at once (default 4).
	Batch    int
	Parallel int
	// OverdueEvery is how often overdue action items are looked for
	// (default 1h); an item is announced once per target date, within
	// OverdueWindow of it (default 7 days: older ones are not news).
	OverdueEvery  time.Duration
	OverdueWindow time.Duration
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
	def(&cfg.Poll, 2*time.Second)
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
	w := &Webhooks{store: ws, incidents: st, cfg: cfg, log: cfg.Logger}
	if w.log == nil {
		w.log = slog.Default()
	}
	return w, nil
}

// Store returns the webhook store.
func (w *Webhooks) Store() hindsight.WebhookStore { return w.store }

func (w *Webhooks) now() time.Time { return w.cfg.Now().UTC() }

// Start runs the worker in a goroutine until ctx is done.
func (w *Webhooks) Start(ctx context.Context) {
	go func() {
		t := time.NewTicker(w.cfg.Poll)
		defer t.Stop()
		for {
			if _, err := w.Tick(ctx); err != nil && ctx.Err() == nil {
				w.log.ErrorContext(ctx, "webhook worker", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// TickStats says what one pass did.
type TickStats struct {
	FannedOut int // outbox events handed out
	Attempted int // deliveries attempted
	Delivered int // of which succeeded
	Overdue   int // overdue events queued
}

// Tick does one pass of the worker: the overdue check when due, the
// fan-out of the outbox, and one attempt of every due delivery (up to a
// few batches). Tests and `hindsight webhook` call it directly.
func (w *Webhooks) Tick(ctx context.Context) (TickStats, error) {
	var st TickStats
	if w.overdueDue() {
		n, err := w.CheckOverdue(ctx)
		if err != nil {
			w.log.ErrorContext(ctx, "overdue check", "err", err)
		}
		st.Overdue = n
	}
	for range 10 {
		n, err := w.store.FanOutOutbox(ctx, w.now(), w.cfg.RetryFor, 200)
		if err != nil {
			return st, err
		}
		st.FannedOut += n
		if n < 200 {
			break
		}
	}
	for range 5 {
		ds, err := w.store.ClaimDeliveries(ctx, w.now(), w.cfg.Lease, w.cfg.Batch)
		if err != nil {
			return st, err
		}
		if len(ds) == 0 {
			break
		}
		ok := w.attemptAll(ctx, ds)
		st.Attempted += len(ds)
		st.Delivered += ok
		if len(ds) < w.cfg.Batch {
			break
		}
	}
	return st, nil
}

func (w *Webhooks) overdueDue() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	if !w.lastOverdue.IsZero() && now.Sub(w.lastOverdue) < w.cfg.OverdueEvery {
		return false
	}
	w.lastOverdue = now
	return true
}

func (w *Webhooks) attemptAll(ctx context.Context, ds []hindsight.WebhookDelivery) int {
	subs := map[int64]*hindsight.WebhookSubscription{}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	sem := make(chan struct{}, w.cfg.Parallel)
	for i := range ds {
		d := &ds[i]
		sub, seen := subs[d.SubscriptionID]
		if !seen {
			s, err := w.store.FindWebhookByID(ctx, d.SubscriptionID)
			if err != nil {
				s = nil
			}
			subs[d.SubscriptionID], sub = s, s
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if w.attempt(ctx, sub, d) {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return ok
}

// attempt sends one delivery once and records the outcome.
func (w *Webhooks) attempt(ctx context.Context, sub *hindsight.WebhookSubscription, d *hindsight.WebhookDelivery) bool {
	a := hindsight.DeliveryAttempt{ID: d.ID}
	var retryAfter time.Duration
	switch {
	case sub == nil:
		a.Error = "the subscription no longer exists"
	case !sub.Active:
		a.Error = "the subscription is disabled"
	default:
		a.StatusCode, retryAfter, a.Error = w.send(ctx, sub, d)
		a.OK = a.Error == ""
	}
	a.At = w.now()
	if !a.OK && sub != nil && sub.Active {
		a.Next = w.nextAttempt(d, a.At, retryAfter)
	}
	if err := w.store.RecordAttempt(context.WithoutCancel(ctx), a); err != nil {
		w.log.ErrorContext(ctx, "record webhook attempt", "delivery", d.ID, "err", err)
	}
	if !a.OK {
		w.log.WarnContext(ctx, "webhook delivery failed", "delivery", d.ID, "event", d.Event, "attempt", d.Attempts+1, "status", a.StatusCode, "err", a.Error, "gave_up", a.Next.IsZero())
	}
	return a.OK
}

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
	rows, err := w.incidents.FindActionItems(ctx, hindsight.SystemViewer, hindsight.ActionItemFilter{Overdue: true, OverdueAsOf: now, Limit: 5000})
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
