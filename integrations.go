package hindsight

import (
	"context"
	"time"
)

// Alert event states in an AlertStore.
const (
	// AlertQueued is an event a receiver accepted into the inbox and that
	// is not applied yet.
	AlertQueued = "queued"
	// AlertDone is an event whose change is saved (or that needed none).
	AlertDone = "done"
)

// AlertEvent is one inbound alert event a receiver has seen: the key that
// makes a retried delivery a no-op.
type AlertEvent struct {
	// Source is the receiver: "alertmanager", "pagerduty" or "generic".
	Source string `json:"source"`
	// Key identifies the event within its source: the PagerDuty event ID,
	// the generic dedup key, or the Alertmanager group key, fingerprint,
	// status and start time.
	Key string `json:"key"`
	// Batch is the delivery that brought the event (its inbox entry's
	// Delivery); the revision message of the change that applied it names
	// it (BatchMarker).
	Batch string `json:"batch"`
	// State is AlertQueued or AlertDone.
	State      string    `json:"state"`
	IncidentID string    `json:"incident_id"`
	At         time.Time `json:"at"`
}

// AlertGroup maps an alert group of a source (Alertmanager group key,
// PagerDuty incident, generic group) to the incident it opened.
type AlertGroup struct {
	Source     string `json:"source"`
	Key        string `json:"key"`
	IncidentID string `json:"incident_id"`
	// Open is true until the group resolved; a group that fires again
	// after it resolved opens a new incident.
	Open      bool      `json:"open"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// AlertInboxEntry is one accepted delivery waiting in the alert inbox to be
// applied: the events of the delivery that were new, encoded by the
// receiver.
type AlertInboxEntry struct {
	// ID orders the entries (the order they were accepted in).
	ID     int64  `json:"id"`
	Source string `json:"source"`
	// Group is the alert group the delivery belongs to: the entries of a
	// group are applied in ID order.
	Group string `json:"group"`
	// Delivery identifies the delivery: its events' Batch in the event
	// table, and the marker (BatchMarker) in the message of the revision
	// that applies it.
	Delivery string `json:"delivery"`
	// Events counts the new events the entry carries.
	Events int `json:"events"`
	// Closes is true when the delivery closes its group: a later entry of
	// the group goes to the group's next incident, so a claim stops after
	// it.
	Closes bool `json:"closes"`
	// Payload is the change, as the receiver encoded it.
	Payload    []byte    `json:"payload"`
	ReceivedAt time.Time `json:"received_at"`
	// LeaseUntil is when the current claim ends (zero when unclaimed), or
	// when a failed entry may be tried again.
	LeaseUntil time.Time `json:"lease_until"`
	// Attempts counts the claims so far. An entry claimed before (> 0 when
	// a claim returns it, which counts itself) may have been saved by an
	// applier that stopped before it finished the entry: the claimer checks
	// the revision history (FindAlertDeliveries) before applying it.
	Attempts  int    `json:"attempts"`
	LastError string `json:"last_error"`
}

// AlertClaim asks ClaimAlertInbox for work.
type AlertClaim struct {
	// Now is the time of the claim; Lease how long it holds.
	Now   time.Time
	Lease time.Duration
	// Groups bounds the groups claimed at once; PerGroup the entries of
	// one group.
	Groups, PerGroup int
}

// AlertEnqueue is one delivery for EnqueueAlerts: its inbox entry, its
// event keys, and the encoder of the payload of its new keys.
type AlertEnqueue struct {
	Entry  AlertInboxEntry
	Keys   []string
	Encode func(fresh []string) ([]byte, error)
}

// AlertFinish is one apply of inbox entries, as FinishAlertInbox records
// it: the deliveries (of one source) saved into an incident, and the
// group's mapping when it changes.
type AlertFinish struct {
	Source     string
	Deliveries []string
	IncidentID string
	Group      *AlertGroup
}

// AlertInboxStats sizes the inbox.
type AlertInboxStats struct {
	Entries int `json:"entries"`
	Events  int `json:"events"`
	// Claimed counts the entries under a live claim or waiting to be
	// tried again.
	Claimed int `json:"claimed"`
	// Oldest is when the oldest entry was accepted (zero when empty).
	Oldest time.Time `json:"oldest"`
}

// AlertStore keeps the alert receivers' durable inbox and what makes them
// idempotent: the events they have seen and the incident of each alert
// group. sqlite/ and postgres/ implement it; storetest.RunIntegrations is
// its conformance suite.
//
// A receiver records a delivery with EnqueueAlert: its event keys (whose
// primary key makes an event acceptable once: a retried delivery finds them
// and is a duplicate) and an inbox entry with the new events, in one
// transaction. An applier claims the entries of one or a few groups
// (ClaimAlertInbox: a lease; one claimer per group at a time, across
// processes), saves each group's change through the application service
// with the entries' delivery IDs in the revision message (written in the
// same transaction as the change), then finishes the entries
// (FinishAlertInbox: deleted, their events done). An entry whose claim
// lapsed before it was finished is claimed again; the revision history
// (FindAlertDeliveries) tells whether its change was saved.
type AlertStore interface {
	// EnqueueAlert records a delivery in one transaction: keys as queued
	// events under e.Delivery (each key once; a key recorded before, by any
	// delivery, is not new) and, when any key is new, the inbox entry e with
	// the payload that encode makes of the new keys. It returns the new
	// keys (none for a duplicate delivery: then nothing is written).
	EnqueueAlert(ctx context.Context, e AlertInboxEntry, keys []string, encode func(fresh []string) ([]byte, error)) (fresh []string, err error)
	// EnqueueAlerts is EnqueueAlert for several deliveries in one
	// transaction (the receivers' group commit), in order: a key of a
	// later delivery that an earlier one holds is not new. fresh[i] is the
	// new keys of qs[i]. An error records none of them.
	EnqueueAlerts(ctx context.Context, qs []AlertEnqueue) (fresh [][]string, err error)
	// ClaimAlertInbox claims the oldest claimable entries of up to
	// c.Groups groups for c.Lease and returns them group by group (the
	// groups in the order of their oldest entry, the entries of a group
	// in ID order), with their lease and attempts updated. A group is
	// claimable when its oldest entry is unclaimed (or its claim lapsed,
	// or its retry time passed); its entries are claimed from the oldest,
	// up to c.PerGroup and up to the first that closes the group. No two
	// claims hold entries of one group at once.
	ClaimAlertInbox(ctx context.Context, c AlertClaim) ([]AlertInboxEntry, error)
	// FinishAlertInbox records the applies fs in one transaction: for each,
	// it removes the entries of its deliveries from the inbox, marks their
	// events done with the incident they went to and, when its Group is
	// not nil (and it removed any entry), inserts or replaces that group's
	// mapping. It returns how many entries it removed (fewer when another
	// applier finished some first).
	FinishAlertInbox(ctx context.Context, fs ...AlertFinish) (int, error)
	// ReleaseAlertInbox ends the claim of the entries of deliveries after
	// a failed apply: they may be claimed again from retryAt, and reason is
	// kept as their last error.
	ReleaseAlertInbox(ctx context.Context, deliveries []string, reason string, retryAt time.Time) error
	// FindAlertInbox lists the inbox in ID order (at most limit entries,
	// all when limit <= 0), payloads included.
	FindAlertInbox(ctx context.Context, limit int) ([]AlertInboxEntry, error)
	// AlertInboxStats sizes the inbox; a claim at now is live when its
	// lease ends after now.
	AlertInboxStats(ctx context.Context, now time.Time) (AlertInboxStats, error)
	// FindAlertEvents returns the events recorded for keys (a read: the
	// cheap check that makes a resent delivery write nothing).
	FindAlertEvents(ctx context.Context, source string, keys []string) ([]AlertEvent, error)
	// FindAlertDeliveries returns, for each of deliveries that the message
	// of a revision names (BatchMarker), the incident of that revision. It
	// looks at the revisions of incidents updated since since, so it is
	// for settling entries whose claim lapsed, not for every apply.
	FindAlertDeliveries(ctx context.Context, deliveries []string, since time.Time) (map[string]string, error)
	// FindAlertGroup returns the group, or ENotFound.
	FindAlertGroup(ctx context.Context, source, key string) (*AlertGroup, error)
	// PutAlertGroup inserts or replaces the group's mapping.
	PutAlertGroup(ctx context.Context, g AlertGroup) error
}

// BatchMarker is how a revision message names an alert delivery (or, before
// the inbox, a batch of them) it applied.
func BatchMarker(batch string) string { return "[batch " + batch + "]" }
