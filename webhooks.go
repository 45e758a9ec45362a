package hindsight

import (
	"context"
	"time"
)

// The outbound webhook events.
const (
	EventIncidentCreated       = "incident.created"
	EventIncidentStatusChanged = "incident.status_changed"
	EventIncidentPublished     = "incident.published"
	EventActionItemCreated     = "action_item.created"
	EventActionItemClosed      = "action_item.closed"
	EventActionItemOverdue     = "action_item.overdue"
	// EventFactorRepeated: a save made a contributing-factor category recur
	// on a service (RepeatFactor; issue 19).
	EventFactorRepeated = "factor.repeated"
)

// WebhookEvents lists the events a subscription can ask for.
var WebhookEvents = []string{
	EventIncidentCreated, EventIncidentStatusChanged, EventIncidentPublished,
	EventActionItemCreated, EventActionItemClosed, EventActionItemOverdue,
	EventReviewRequested, EventReviewSubmitted, EventCommentCreated,
	EventPostmortemDueSoon, EventPostmortemOverdue, EventFactorRepeated,
}

// Webhook formats.
const (
	// FormatJSON posts the event as Hindsight's JSON.
	FormatJSON = "json"
	// FormatSlack posts a Slack incoming-webhook message with blocks.
	FormatSlack = "slack"
	// FormatTeams posts a Microsoft Teams message: an Adaptive Card in the
	// shape the Teams "Workflows" (Power Automate) webhook takes.
	FormatTeams = "teams"
)

// WebhookFormats lists the formats a subscription can use.
var WebhookFormats = []string{FormatJSON, FormatSlack, FormatTeams}

// WebhookSubscription is an outbound webhook: where to post which events.
type WebhookSubscription struct {
	ID  int64  `json:"id"`
	URL string `json:"url"`
	// Events are the event names it receives (see WebhookEvents).
	Events []string `json:"events"`
	// Secret signs each delivery (HMAC-SHA256).
	Secret string `json:"secret,omitempty"`
	// Format is FormatJSON, FormatSlack or FormatTeams.
	Format string `json:"format"`
	// Active is false while the subscription is disabled: its deliveries
	// are paused (kept, and new events queued), not sent, until it is
	// enabled again.
	Active      bool   `json:"active"`
	Description string `json:"description"`
	// PausedAt is when it was disabled (zero while active). Read only.
	PausedAt time.Time `json:"paused_at,omitzero"`
	// Pending is how many of its deliveries wait to be sent (queued,
	// retrying or paused): what removing it discards. Read only.
	Pending int `json:"pending_deliveries"`
	// OldestPending is when the event of its oldest pending delivery
	// happened (zero when none is pending). Read only.
	OldestPending time.Time `json:"oldest_pending_at,omitzero"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Wants reports whether the subscription receives event.
func (s *WebhookSubscription) Wants(event string) bool {
	for _, e := range s.Events {
		if e == event || e == "*" {
			return true
		}
	}
	return false
}

// Delivery states.
const (
	DeliveryPending   = "pending"   // waiting for its next attempt
	DeliveryDelivered = "delivered" // the receiver answered 2xx
	DeliveryFailed    = "failed"    // gave up: retries ran out of time
)

// WebhookDelivery is one event for one subscription, with its attempts.
type WebhookDelivery struct {
	ID             int64  `json:"id"`
	SubscriptionID int64  `json:"subscription_id"`
	OutboxID       int64  `json:"outbox_id"`
	Event          string `json:"event"`
	IncidentID     string `json:"incident_id"`
	// Payload is the outbox event's payload (app.Event as JSON).
	Payload []byte `json:"-"`
	// Restricted is whether the incident was restricted when the event was
	// fanned out: its content is then not sent.
	Restricted bool   `json:"restricted"`
	Status     string `json:"status"`
	Attempts   int    `json:"attempts"`
	// LastStatus is the HTTP status of the last attempt (0 when none or
	// when it got no answer).
	LastStatus  int       `json:"last_status"`
	LastError   string    `json:"last_error"`
	EventAt     time.Time `json:"event_at"`
	NextAttempt time.Time `json:"next_attempt_at,omitzero"`
	// RetryUntil bounds the retries: no attempt starts after it.
	RetryUntil  time.Time `json:"retry_until"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
}

// DeliveryFilter selects deliveries, newest first.
type DeliveryFilter struct {
	SubscriptionID int64
	Status         string
	// Limit defaults to 100 and is at most 1000.
	Limit int
}

// DeliveryClaim says which deliveries a worker takes.
type DeliveryClaim struct {
	// Subscription, when not zero, limits the claim to its deliveries.
	Subscription int64
	Now          time.Time
	Lease        time.Duration
	// Limit defaults to 10.
	Limit int
}

// DeliveryAttempt is the outcome of one attempt of a delivery.
type DeliveryAttempt struct {
	ID         int64
	At         time.Time
	OK         bool
	StatusCode int
	Error      string
	// Next is when to try again; zero gives up (the delivery fails) unless
	// OK.
	Next time.Time
}

// OverdueItem is an action item found overdue, to be announced once per
// target date.
type OverdueItem struct {
	IncidentID string
	// ItemKey is the item's ID, or "#<position>" when it has none.
	ItemKey    string
	TargetDate time.Time
	// Payload is the event payload to queue.
	Payload []byte
}

// WebhookStore keeps outbound webhook subscriptions and the delivery queue.
// sqlite/ and postgres/ implement it; storetest.RunIntegrations is its
// conformance suite.
type WebhookStore interface {
	// CreateWebhook inserts s, setting its ID and times.
	CreateWebhook(ctx context.Context, s *WebhookSubscription) error
	// UpdateWebhook replaces a subscription's URL, events, secret, format,
	// active flag and description; ENotFound when there is none. Disabling
	// pauses its deliveries; enabling resumes them: its pending deliveries
	// are due at once and their retry window is moved by the time it was
	// paused (in the same transaction).
	UpdateWebhook(ctx context.Context, s *WebhookSubscription) error
	// DeleteWebhook removes a subscription and its deliveries and returns
	// how many of those were pending (discarded).
	DeleteWebhook(ctx context.Context, id int64) (int, error)
	FindWebhookByID(ctx context.Context, id int64) (*WebhookSubscription, error)
	FindWebhooks(ctx context.Context) ([]WebhookSubscription, error)

	// FanOutOutbox turns up to limit undelivered outbox rows (oldest
	// first) into one delivery per matching subscription (active or
	// paused) and marks
	// the rows handed out, in one transaction; several processes may call
	// it at once and each row is handed out exactly once. Deliveries are
	// due at now and retried until now+retryFor. It returns the number of
	// outbox rows handled.
	FanOutOutbox(ctx context.Context, now time.Time, retryFor time.Duration, limit int) (int, error)
	// ClaimDeliveries returns up to c.Limit pending deliveries due at
	// c.Now, of active subscriptions (of c.Subscription when set), and
	// leases them until c.Now+c.Lease (another worker does not claim them
	// before), in one transaction. Per subscription and incident, only the
	// earliest pending delivery (by outbox order) is claimable: an
	// incident's next event waits while an earlier one is queued, leased
	// or retrying, so a receiver gets one incident's events in order.
	ClaimDeliveries(ctx context.Context, c DeliveryClaim) ([]WebhookDelivery, error)
	// RecordAttempt records an attempt's outcome and ends its lease.
	RecordAttempt(ctx context.Context, a DeliveryAttempt) error
	// Redeliver makes a delivery pending again, due at now and retried
	// until now+retryFor.
	Redeliver(ctx context.Context, id int64, now time.Time, retryFor time.Duration) error
	FindDeliveries(ctx context.Context, f DeliveryFilter) ([]WebhookDelivery, error)
	FindDeliveryByID(ctx context.Context, id int64) (*WebhookDelivery, error)
	// QueueOverdue queues an action_item.overdue outbox event for each
	// item not announced before for its target date, in one transaction,
	// and returns how many it queued.
	QueueOverdue(ctx context.Context, items []OverdueItem, at time.Time) (int, error)
}
