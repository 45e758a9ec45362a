// Package mail emails Hindsight's notifications: reviewers when a review
// is requested of them, authors when a review or a comment arrives, owners
// when a postmortem is due soon or overdue.
//
// It reads the outbox the application service fills (the same events the
// outbound webhooks get) with its own cursor, and turns each notification
// event into one message per recipient (the event's notify list) by the
// recipient's preference: immediate, a daily digest, or off. Messages live
// in the database (hindsight.MailStore), so they survive a restart; a
// sender claims them with a lease (FOR UPDATE SKIP LOCKED on PostgreSQL,
// SQLite's one writer otherwise), so several `serve` processes on one
// database send each message once, and retries a failed message with
// exponential backoff and jitter for a bounded time. Nothing of it runs in
// a request.
//
// Restricted incidents: what a message says is decided when it is sent, by
// what the recipient may see then: a recipient who is no longer a member
// (or whose account is disabled) gets nothing.
package mail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	netmail "net/mail"
	"strings"
	"sync"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/prometheus/client_golang/prometheus"
	gomail "github.com/wneessen/go-mail"
)

// Notification events: the ones whose notify list the mailer reads.
var notificationEvents = map[string]bool{
	"review.requested":    true,
	"review.submitted":    true,
	"comment.created":     true,
	"postmortem.due_soon": true,
	"postmortem.overdue":  true,
}

// Mailer is the mail outbox's consumer and sender, and the account side of
// mail preferences (the account page and the unsubscribe link).
type Mailer struct {
	store     hindsight.MailStore
	incidents hindsight.Store
	accounts  hindsight.AccountStore
	cfg       Config
	log       *slog.Logger
	smtp      smtpSettings
	from      *netmail.Address
	enabled   bool
	tmpl      *templates
	attempts  *prometheus.CounterVec
	logOnce   sync.Once

	mu        sync.Mutex
	lastPrune time.Time
}

// New returns the mailer over st, which must implement hindsight.MailStore
// and hindsight.AccountStore (the SQLite and PostgreSQL stores do). With
// no SMTP URL the mailer is off (Enabled is false); a bad URL, sender or
// base URL is an EInvalid error naming the setting.
func New(st hindsight.Store, cfg Config) (*Mailer, error) {
	ms, ok := st.(hindsight.MailStore)
	if !ok {
		return nil, hindsight.Errorf(hindsight.EUnsupport, "the store %T keeps no mail", st)
	}
	as, ok := st.(hindsight.AccountStore)
	if !ok {
		return nil, hindsight.Errorf(hindsight.EUnsupport, "the store %T keeps no accounts", st)
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
	def(&cfg.Timeout, 30*time.Second)
	def(&cfg.Lease, 5*time.Minute)
	def(&cfg.Keep, 30*24*time.Hour)
	if cfg.Batch <= 0 {
		cfg.Batch = 10
	}
	if cfg.Lease <= cfg.Timeout*time.Duration(cfg.Batch+1) {
		cfg.Lease = cfg.Timeout * time.Duration(cfg.Batch+1)
	}
	if cfg.DigestHour < 0 || cfg.DigestHour > 23 {
		return nil, hindsight.Errorf(hindsight.EInvalid, "mail digest hour %d: want 0 to 23 (UTC)", cfg.DigestHour)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m := &Mailer{store: ms, incidents: st, accounts: as, cfg: cfg, log: cfg.Logger, attempts: newAttemptCounter()}
	if m.log == nil {
		m.log = slog.Default()
	}
	t, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	m.tmpl = t
	if cfg.SMTPURL == "" {
		return m, nil
	}
	if m.smtp, err = ParseSMTPURL(cfg.SMTPURL); err != nil {
		return nil, err
	}
	if m.from, err = parseFrom(cfg.From); err != nil {
		return nil, err
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return nil, hindsight.Errorf(hindsight.EInvalid, "HINDSIGHT_SMTP_URL needs the public base URL (--base-url or HINDSIGHT_BASE_URL, http:// or https://) for the links in messages")
	}
	m.cfg.BaseURL = base
	m.enabled = true
	return m, nil
}

// Enabled reports whether mail is sent (an SMTP URL is set).
func (m *Mailer) Enabled() bool { return m.enabled }

// Store returns the mail store.
func (m *Mailer) Store() hindsight.MailStore { return m.store }

func (m *Mailer) now() time.Time { return m.cfg.Now().UTC() }

// LogState logs, once, whether mail is on and where it goes.
func (m *Mailer) LogState() {
	m.logOnce.Do(func() {
		if !m.enabled {
			m.log.Info("mail is off: set HINDSIGHT_SMTP_URL and HINDSIGHT_MAIL_FROM to email notifications")
			return
		}
		m.log.Info("mail is on", "smtp", redactURL(m.cfg.SMTPURL), "from", m.from.String(), "digest_hour_utc", m.cfg.DigestHour)
	})
}

// Preference returns an account's mail settings.
func (m *Mailer) Preference(ctx context.Context, accountID string) (*hindsight.MailSettings, error) {
	return m.store.MailSettingsFor(ctx, accountID)
}

// SetPreference sets an account's preference, audited as actor's change
// from address.
func (m *Mailer) SetPreference(ctx context.Context, accountID string, p hindsight.MailPreference, actor, address string) (*hindsight.MailSettings, error) {
	if _, err := hindsight.ParseMailPreference(string(p)); err != nil {
		return nil, err
	}
	return m.store.SetMailPreference(ctx, accountID, p, []hindsight.AuditEntry{{Actor: actor, Action: "mail.preference", Target: accountID, Address: address, Detail: string(p)}})
}

// Unsubscribe turns off the mail of the account whose unsubscribe token is
// token (ENotFound for an unknown token) and returns its settings.
func (m *Mailer) Unsubscribe(ctx context.Context, token, address string) (*hindsight.MailSettings, error) {
	s, err := m.store.FindMailSettingsByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if s.Preference == hindsight.MailOff {
		return s, nil
	}
	return m.store.SetMailPreference(ctx, s.AccountID, hindsight.MailOff, []hindsight.AuditEntry{{Actor: s.AccountID, Action: "mail.unsubscribe", Target: s.AccountID, Address: address, Detail: "off"}})
}

// CheckToken returns the settings of an unsubscribe token without changing
// them (ENotFound for an unknown token).
func (m *Mailer) CheckToken(ctx context.Context, token string) (*hindsight.MailSettings, error) {
	return m.store.FindMailSettingsByToken(ctx, token)
}

// UnsubscribeURL is the link that turns s's mail off.
func (m *Mailer) UnsubscribeURL(s *hindsight.MailSettings) string {
	return m.cfg.BaseURL + "/mail/unsubscribe/" + s.UnsubscribeToken
}

// event is the part of an outbox event's payload (app.Event) mail uses.
type event struct {
	Event      string    `json:"event"`
	At         time.Time `json:"at"`
	IncidentID string    `json:"incident_id"`
	Title      string    `json:"title"`
	Severity   string    `json:"severity"`
	Status     string    `json:"status"`
	Actor      string    `json:"actor"`
	Notify     []account `json:"notify"`
	Review     *struct {
		State         string `json:"state"`
		Body          string `json:"body"`
		Revision      int    `json:"revision"`
		ReviewerEmail string `json:"reviewer_email"`
		ReviewerName  string `json:"reviewer_name"`
	} `json:"review"`
	Comment *struct {
		ID          int64  `json:"id"`
		Body        string `json:"body"`
		AuthorEmail string `json:"author_email"`
		AuthorName  string `json:"author_name"`
	} `json:"comment"`
	DueAt time.Time `json:"due_at"`
}

// account is an account ID in a notify list: a string (or a number).
type account string

func (a *account) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*a = account(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("notify: want account IDs, got %s", b)
	}
	*a = account(n.String())
	return nil
}

// Recipients returns the account IDs a notification event tells (none for
// other events or a payload that does not read).
func Recipients(ev hindsight.MailEvent) []string {
	if !notificationEvents[ev.Event] {
		return nil
	}
	var e event
	if err := json.Unmarshal(ev.Payload, &e); err != nil {
		return nil
	}
	out := make([]string, 0, len(e.Notify))
	for _, a := range e.Notify {
		if a != "" {
			out = append(out, string(a))
		}
	}
	return out
}

// TickStats says what one pass did.
type TickStats struct {
	Events  int // outbox events read
	Digests int // digests made
	Sent    int // messages sent
	Failed  int // attempts that failed
	Dropped int // messages dropped (recipient may not receive them)
}

// Tick does one synchronous pass: removes messages done more than Keep
// ago (hourly), reads new outbox events into messages, makes the daily
// digests when due, and sends every due message. Tests
// call it; serve runs Start.
func (m *Mailer) Tick(ctx context.Context) (TickStats, error) {
	var st TickStats
	if m.pruneDue() {
		if _, err := m.store.PruneMail(ctx, m.now().Add(-m.cfg.Keep)); err != nil && ctx.Err() == nil {
			m.log.ErrorContext(ctx, "mail: remove old messages", "err", err)
		}
	}
	n, err := m.consume(ctx)
	st.Events = n
	if err != nil || !m.enabled {
		return st, err
	}
	if st.Digests, err = m.digests(ctx); err != nil {
		return st, err
	}
	for range 100 {
		ms, err := m.store.ClaimMail(ctx, hindsight.MailClaim{Now: m.now(), Lease: m.cfg.Lease, Limit: m.cfg.Batch})
		if err != nil || len(ms) == 0 {
			return st, err
		}
		m.sendBatch(ctx, ms, &st)
	}
	return st, nil
}

// Start runs the worker until ctx ends: every Poll it reads new events,
// makes the digests when due and sends due messages. It logs once whether
// mail is on.
func (m *Mailer) Start(ctx context.Context) {
	m.LogState()
	go func() {
		t := time.NewTicker(m.cfg.Poll)
		defer t.Stop()
		for {
			if _, err := m.Tick(ctx); err != nil && ctx.Err() == nil {
				m.log.ErrorContext(ctx, "mail worker", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// pruneDue reports whether an hour passed since the last removal of old
// messages (and notes this one).
func (m *Mailer) pruneDue() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if !m.lastPrune.IsZero() && now.Sub(m.lastPrune) < time.Hour && !now.Before(m.lastPrune) {
		return false
	}
	m.lastPrune = now
	return true
}

// consume reads new outbox events (up to 10 batches of 200). With mail
// off, the cursor moves on and nothing is queued: turning mail on later
// does not send old news.
func (m *Mailer) consume(ctx context.Context) (int, error) {
	recips := Recipients
	if !m.enabled {
		recips = nil
	}
	total := 0
	for range 10 {
		n, err := m.store.ConsumeMailEvents(ctx, hindsight.MailConsume{Now: m.now(), RetryFor: m.cfg.RetryFor, Limit: 200, Recipients: recips})
		total += n
		if err != nil || n < 200 {
			return total, err
		}
	}
	return total, nil
}

// digestCutoff is the latest digest time at or before now.
func (m *Mailer) digestCutoff(now time.Time) time.Time {
	c := time.Date(now.Year(), now.Month(), now.Day(), m.cfg.DigestHour, 0, 0, 0, time.UTC)
	if c.After(now) {
		c = c.AddDate(0, 0, -1)
	}
	return c
}

// digests makes the digests of the events held before the latest digest
// time: one per account per day (events held after it wait for the next).
func (m *Mailer) digests(ctx context.Context) (int, error) {
	now := m.now()
	return m.store.BuildDigests(ctx, m.digestCutoff(now), now, m.cfg.RetryFor)
}

// nextAttempt is when to try msg again after a failure at at: the base
// delay doubled per attempt up to the maximum, jittered to between half
// and all of it; zero when that is past the retry window.
func (m *Mailer) nextAttempt(msg *hindsight.MailMessage, at time.Time) time.Time {
	d := m.cfg.BaseDelay
	for i := 0; i < msg.Attempts && d < m.cfg.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, m.cfg.MaxDelay)
	d = d/2 + rand.N(d/2+1)
	next := at.Add(d)
	if !msg.RetryUntil.IsZero() && next.After(msg.RetryUntil) {
		return time.Time{}
	}
	return next
}

// prepared is a claimed message ready to go, or why it does not.
type prepared struct {
	msg  *hindsight.MailMessage
	out  *gomail.Msg
	drop string // why it is not sent ("" to send)
	err  error  // a failure to retry
	// permanent says the SMTP server refused it for good (a 5xx reply):
	// it is not tried again
	permanent bool
}

// sendBatch renders and sends ms over one SMTP connection and records each
// outcome.
func (m *Mailer) sendBatch(ctx context.Context, ms []hindsight.MailMessage, st *TickStats) {
	ps := make([]prepared, len(ms))
	toSend := 0
	for i := range ms {
		ps[i] = m.prepare(ctx, &ms[i])
		if ps[i].out != nil {
			toSend++
		}
	}
	if toSend > 0 {
		m.deliver(ctx, ps)
	}
	for i := range ps {
		m.record(ctx, &ps[i], st)
	}
}

// deliver sends the prepared messages over one connection, setting err on
// each that failed.
func (m *Mailer) deliver(ctx context.Context, ps []prepared) {
	fail := func(err error) {
		for i := range ps {
			if ps[i].out != nil && ps[i].err == nil {
				ps[i].err = err
			}
		}
	}
	c, err := gomail.NewClient(m.smtp.host, m.smtp.options(m.cfg.Timeout)...)
	if err != nil {
		fail(err)
		return
	}
	dctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
	defer cancel()
	if err := c.DialWithContext(dctx); err != nil {
		fail(fmt.Errorf("connect to %s:%d: %w", m.smtp.host, m.smtp.port, err))
		return
	}
	defer func() { _ = c.Close() }()
	for i := range ps {
		if ps[i].out == nil || ps[i].err != nil {
			continue
		}
		if ctx.Err() != nil {
			ps[i].err = ctx.Err()
			continue
		}
		if err := c.Send(ps[i].out); err != nil {
			ps[i].err = err
			var se *gomail.SendError
			ps[i].permanent = errors.As(err, &se) && se.ErrorCode() >= 500 && se.ErrorCode() < 600
			_ = c.Reset()
		}
	}
}

// record writes one message's outcome.
func (m *Mailer) record(ctx context.Context, p *prepared, st *TickStats) {
	at := m.now()
	a := hindsight.MailAttempt{ID: p.msg.ID, At: at}
	outcome := "sent"
	switch {
	case p.drop != "":
		a.Drop, a.Error, outcome = true, p.drop, "dropped"
		st.Dropped++
	case p.err != nil:
		if ctx.Err() != nil {
			return // the lease lapses: attempted again later
		}
		a.Error = p.err.Error()
		if !p.permanent {
			a.Next = m.nextAttempt(p.msg, at)
		}
		outcome = "retry"
		if a.Next.IsZero() {
			outcome = "gave_up"
		}
		st.Failed++
		m.log.WarnContext(ctx, "mail not sent", "message", p.msg.ID, "account", p.msg.AccountID, "attempt", p.msg.Attempts+1, "err", a.Error, "gave_up", a.Next.IsZero())
	default:
		a.OK = true
		st.Sent++
	}
	if err := m.store.RecordMailAttempt(context.WithoutCancel(ctx), a); err != nil {
		m.log.ErrorContext(ctx, "record mail attempt", "message", p.msg.ID, "err", err)
	}
	m.attempts.WithLabelValues(outcome).Inc()
}

// prepare checks that msg may go to its recipient now and renders it.
func (m *Mailer) prepare(ctx context.Context, msg *hindsight.MailMessage) prepared {
	p := prepared{msg: msg}
	u, err := m.accounts.FindUserByID(ctx, msg.AccountID)
	if hindsight.ErrorCode(err) == hindsight.ENotFound {
		p.drop = "the account no longer exists"
		return p
	}
	if err != nil {
		p.err = err
		return p
	}
	if u.Disabled {
		p.drop = "the account is disabled"
		return p
	}
	set, err := m.store.MailSettingsFor(ctx, u.ID)
	if err != nil {
		p.err = err
		return p
	}
	if set.Preference == hindsight.MailOff {
		p.drop = "the account turned mail off"
		return p
	}
	var c content
	switch msg.Kind {
	case hindsight.MailKindDigest:
		for i := range msg.Items {
			it, ok, err := m.item(ctx, u, &msg.Items[i])
			if err != nil {
				p.err = err
				return p
			}
			if ok {
				c.Items = append(c.Items, it)
			}
		}
		if len(c.Items) == 0 {
			p.drop = "the recipient may no longer see any incident of the digest"
			return p
		}
		c.Subject = fmt.Sprintf("[Hindsight] Your daily digest: %d %s", len(c.Items), plural(len(c.Items), "notification", "notifications"))
	default:
		it, ok, err := m.item(ctx, u, msg)
		if err != nil {
			p.err = err
			return p
		}
		if !ok {
			p.drop = "the recipient may no longer see the incident"
			return p
		}
		c.Items = []item{it}
		c.Subject = it.Subject
	}
	c.Name = u.DisplayName()
	c.Unsubscribe = m.UnsubscribeURL(set)
	c.Account = m.cfg.BaseURL + "/account"
	p.out, p.err = m.message(u, msg, &c)
	return p
}

// item reads what one event says to u, when u may see its incident now.
func (m *Mailer) item(ctx context.Context, u *hindsight.User, msg *hindsight.MailMessage) (item, bool, error) {
	var e event
	if err := json.Unmarshal(msg.Payload, &e); err != nil {
		return item{}, false, nil // nothing to say
	}
	if e.IncidentID == "" {
		e.IncidentID = msg.IncidentID
	}
	inc, err := m.incidents.FindIncidentByID(ctx, u.Viewer(), e.IncidentID)
	if hindsight.ErrorCode(err) == hindsight.ENotFound {
		return item{}, false, nil
	}
	if err != nil {
		return item{}, false, err
	}
	if inc.Doc != nil && inc.Doc.Title != "" {
		e.Title = inc.Doc.Title
	}
	return m.describe(&e), true, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
