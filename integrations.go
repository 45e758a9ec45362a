package hindsight

import (
	"context"
	"time"
)

// Alert event states in an AlertStore.
const (
	// AlertPending is an event claimed by a receiver that is applying it.
	AlertPending = "pending"
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
	// Batch is the delivery that claimed the event; the revision message of
	// the change that applied it names the batch.
	Batch string `json:"batch"`
	// State is AlertPending or AlertDone.
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

// AlertStore keeps what the alert receivers need to be idempotent: the
// events they have applied and the incident of each alert group. sqlite/
// and postgres/ implement it; storetest.RunIntegrations is its conformance
// suite.
//
// A receiver claims the keys of a delivery (pending, under a batch ID),
// applies the change through the application service with the batch ID in
// the revision message, then finishes the batch (done). A retry of the
// delivery finds its keys claimed and changes nothing. A batch left pending
// by a crash is resolved by FindAlertBatch: the revision message is written
// in the same transaction as the change, so it tells whether the change was
// saved.
type AlertStore interface {
	// ClaimAlertEvents inserts each key as pending under batch at time at,
	// in one transaction. It returns the keys it inserted and the events
	// already recorded for the others (claimed earlier, by this batch or
	// another).
	ClaimAlertEvents(ctx context.Context, source, batch string, keys []string, at time.Time) (claimed []string, existing []AlertEvent, err error)
	// FindAlertEvents returns the events recorded for keys (a read: the
	// cheap check that makes a resent delivery write nothing).
	FindAlertEvents(ctx context.Context, source string, keys []string) ([]AlertEvent, error)
	// FinishAlertEvents marks the pending events of batch done, recording
	// the incident they went to, and, when group is not nil, inserts or
	// replaces that group's mapping in the same transaction.
	FinishAlertEvents(ctx context.Context, source, batch, incidentID string, group *AlertGroup) error
	// ReleaseAlertEvents deletes the pending events of batch (its change
	// was not saved), so a retry applies them.
	ReleaseAlertEvents(ctx context.Context, source, batch string) error
	// FindAlertBatch returns the incident whose revision message names
	// batch ("[batch <id>]"), or "" when no saved revision does.
	FindAlertBatch(ctx context.Context, batch string) (incidentID string, err error)
	// FindAlertGroup returns the group, or ENotFound.
	FindAlertGroup(ctx context.Context, source, key string) (*AlertGroup, error)
	// PutAlertGroup inserts or replaces the group's mapping.
	PutAlertGroup(ctx context.Context, g AlertGroup) error
}

// BatchMarker is how a revision message names the alert batch it applied.
func BatchMarker(batch string) string { return "[batch " + batch + "]" }
