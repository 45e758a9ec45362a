package hindsight

import (
	"context"
	"strings"
	"time"
)

// MailPreference is how an account wants its notification email.
type MailPreference string

// The mail preferences.
const (
	// MailImmediate sends one message per event as it happens (the
	// default).
	MailImmediate MailPreference = "immediate"
	// MailDigest gathers the day's events into one message a day.
	MailDigest MailPreference = "digest"
	// MailOff sends nothing.
	MailOff MailPreference = "off"
)

// MailPreferences lists the preferences, in the order forms offer them.
var MailPreferences = []MailPreference{MailImmediate, MailDigest, MailOff}

// ParseMailPreference reads a preference name, case-insensitively.
func ParseMailPreference(s string) (MailPreference, error) {
	p := MailPreference(strings.ToLower(strings.TrimSpace(s)))
	switch p {
	case MailImmediate, MailDigest, MailOff:
		return p, nil
	}
	return "", Errorf(EInvalid, "mail preference %q: want immediate, digest or off", s)
}

// MailSettings are one account's email settings.
type MailSettings struct {
	AccountID  string         `json:"account_id"`
	Preference MailPreference `json:"preference"`
	// UnsubscribeToken is the secret of the account's unsubscribe link
	// (List-Unsubscribe): it can only turn the account's mail off.
	UnsubscribeToken string    `json:"-"`
	UpdatedAt        time.Time `json:"updated_at,omitzero"`
}

// Mail message kinds.
const (
	MailKindEvent  = "event"  // one notification event for one account
	MailKindDigest = "digest" // one account's daily digest of held events
)

// Mail message states.
const (
	MailHeld     = "held"     // waits for the account's daily digest
	MailPending  = "pending"  // waits for its next attempt
	MailSent     = "sent"     // the SMTP server accepted it
	MailFailed   = "failed"   // gave up: retries ran out of time
	MailDropped  = "dropped"  // not sent: the recipient may no longer receive it
	MailDigested = "digested" // a held event sent in a digest (DigestID)
)

// MailMessage is one email to one account: a notification event, or a
// digest of several (Items).
type MailMessage struct {
	ID        int64  `json:"id"`
	AccountID string `json:"account_id"`
	Kind      string `json:"kind"`
	// OutboxID, Event, IncidentID and Payload are the outbox event of a
	// MailKindEvent message (Payload is app.Event as JSON).
	OutboxID   int64  `json:"outbox_id,omitempty"`
	Event      string `json:"event,omitempty"`
	IncidentID string `json:"incident_id,omitempty"`
	Payload    []byte `json:"-"`
	Status     string `json:"status"`
	// DigestID is the digest that took a held event.
	DigestID    int64     `json:"digest_id,omitempty"`
	Attempts    int       `json:"attempts"`
	LastError   string    `json:"last_error,omitempty"`
	EventAt     time.Time `json:"event_at"`
	NextAttempt time.Time `json:"next_attempt_at,omitzero"`
	RetryUntil  time.Time `json:"retry_until,omitzero"`
	CreatedAt   time.Time `json:"created_at"`
	SentAt      time.Time `json:"sent_at,omitzero"`
	// Items are a digest's events, oldest first (set by ClaimMail).
	Items []MailMessage `json:"items,omitempty"`
}

// MailEvent is an outbox event as the mail consumer reads it.
type MailEvent struct {
	OutboxID   int64
	Event      string
	IncidentID string
	Payload    []byte
	At         time.Time
}

// MailConsume says how ConsumeMailEvents queues messages.
type MailConsume struct {
	Now time.Time
	// RetryFor bounds the retries of the messages queued.
	RetryFor time.Duration
	// Limit is how many outbox events to read (default 100).
	Limit int
	// Recipients names the accounts an event notifies (nil: none). It is
	// called inside the store's transaction and must not use the store.
	Recipients func(MailEvent) []string
}

// MailClaim says which messages a sender takes.
type MailClaim struct {
	Now   time.Time
	Lease time.Duration
	// Limit defaults to 10.
	Limit int
}

// MailAttempt is the outcome of one attempt to send a message.
type MailAttempt struct {
	ID    int64
	At    time.Time
	OK    bool
	Error string
	// Next is when to try again; zero gives up (the message fails) unless
	// OK or Drop.
	Next time.Time
	// Drop ends the message without sending it (MailDropped), Error
	// saying why.
	Drop bool
}

// MailFilter selects messages, newest first.
type MailFilter struct {
	AccountID string
	Status    string
	Kind      string
	// Limit defaults to 100 and is at most 1000.
	Limit int
}

// MailStore keeps the mail outbox: account preferences, the cursor over
// the event outbox, and the messages to send. sqlite/ and postgres/
// implement it; storetest.RunMail is its conformance suite.
type MailStore interface {
	// MailSettingsFor returns an account's settings, creating them
	// (MailImmediate, a new unsubscribe token) on first use.
	MailSettingsFor(ctx context.Context, accountID string) (*MailSettings, error)
	// FindMailSettingsByToken returns the settings whose unsubscribe
	// token is token (ENotFound when none).
	FindMailSettingsByToken(ctx context.Context, token string) (*MailSettings, error)
	// SetMailPreference sets an account's preference (creating its
	// settings when needed) and writes audit in the same transaction. A
	// change away from MailDigest sends the account's held events in its
	// next digest all the same (they are not lost).
	SetMailPreference(ctx context.Context, accountID string, p MailPreference, audit []AuditEntry) (*MailSettings, error)
	// ConsumeMailEvents reads up to c.Limit outbox events after the mail
	// consumer's own cursor (oldest first; independent of the webhook
	// fan-out), queues one message per recipient by the recipient's
	// preference at that time (pending, held for the digest, or nothing)
	// and moves the cursor, in one transaction: several processes may
	// call it at once and each event is queued once per recipient. On
	// PostgreSQL an event whose transaction commits after a later one was
	// read is picked up for a while (gaps are remembered). It returns the
	// number of events read.
	ConsumeMailEvents(ctx context.Context, c MailConsume) (int, error)
	// BuildDigests turns every account's events held before cutoff into
	// one digest message per account, pending at now and retried until
	// now+retryFor, in one transaction. It returns how many digests it
	// made.
	BuildDigests(ctx context.Context, cutoff, now time.Time, retryFor time.Duration) (int, error)
	// ClaimMail returns up to c.Limit pending messages due at c.Now and
	// leases them until c.Now+c.Lease (no other sender claims them
	// before), in one transaction; digests come with their Items.
	ClaimMail(ctx context.Context, c MailClaim) ([]MailMessage, error)
	// RecordMailAttempt records an attempt's outcome and ends its lease.
	RecordMailAttempt(ctx context.Context, a MailAttempt) error
	// FindMail lists messages (with their digests' Items).
	FindMail(ctx context.Context, f MailFilter) ([]MailMessage, error)
	// CountMail counts the messages by status.
	CountMail(ctx context.Context) (map[string]int, error)
	// PruneMail removes the messages done (sent, failed, dropped) before
	// before, with the events of those digests, and returns how many rows
	// it removed.
	PruneMail(ctx context.Context, before time.Time) (int, error)
}
