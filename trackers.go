package hindsight

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// TrackerLink is an action item's issue in an issue tracker and the sync
// still to do for it (issue 20). There is one link per item, ever: the
// store keeps it unique per incident and item, and per marker, and the
// sync engine looks for an issue carrying the marker before it creates
// one (an issue created just before a crash is found again).
//
// The link is its own queue entry: Want* is the item's state in Hindsight,
// Remote* the state the tracker is known to have (after a create or update
// Hindsight sent, or a webhook the tracker sent); the link is Pending while
// there is no issue yet or the two differ. A change that came from the
// tracker sets both (TrackerEcho), so it is never sent back.
type TrackerLink struct {
	IncidentID string `json:"incident_id"`
	// ItemKey is the item's ID (AI-NNN), or "#N" (its 1-based position)
	// for an item without one, when the link was made. Once the issue
	// exists the item is found by its Ticket first.
	ItemKey string `json:"item_key"`
	Kind    string `json:"kind"` // github, gitlab, jira
	// Marker is written into the issue body: "hindsight:INC-…/AI-003".
	Marker string `json:"marker"`
	// IssueKey and URL are the issue's ("org/repo#12", "OPS-12"); empty
	// until it is created.
	IssueKey string `json:"issue_key"`
	URL      string `json:"url"`

	WantClosed   bool   `json:"want_closed"`
	WantDue      string `json:"want_due"` // YYYY-MM-DD or ""
	RemoteClosed bool   `json:"remote_closed"`
	RemoteDue    string `json:"remote_due"`

	// Pending is true while there is work to do; Reason says why it is
	// not done yet ("queued", or the last error).
	Pending       bool      `json:"pending"`
	Reason        string    `json:"reason,omitempty"`
	Attempts      int       `json:"attempts"`
	NextAttemptAt time.Time `json:"next_attempt_at,omitzero"`

	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Created reports whether the issue exists.
func (l TrackerLink) Created() bool { return l.IssueKey != "" }

// State is "creating" (no issue yet), "pending" (a change to send) or
// "synced".
func (l TrackerLink) State() string {
	switch {
	case !l.Created():
		return "creating"
	case l.Pending:
		return "pending"
	}
	return "synced"
}

// TrackerMarker is the marker of an incident's item: the hidden identifier
// written into its issue's body, "hindsight:INC-20261201-001/AI-003" (an
// item without an ID: ".../item-2", its position).
func TrackerMarker(incidentID, itemKey string) string {
	if n, ok := strings.CutPrefix(itemKey, "#"); ok {
		itemKey = "item-" + n
	}
	return "hindsight:" + incidentID + "/" + itemKey
}

// ItemKeyOf is the key of the item at 0-based position pos: its ID, or
// "#N".
func ItemKeyOf(it ActionItem, pos int) string {
	if it.ID != "" {
		return it.ID
	}
	return fmt.Sprintf("#%d", pos+1)
}

// FindLinkedItem returns the position of the link's item in items: the
// item whose Ticket is the issue's key or URL, else the item of the link's
// key (ID, or position for "#N"); -1 when there is none.
func FindLinkedItem(items []ActionItem, l *TrackerLink) int {
	if l.IssueKey != "" {
		for i, it := range items {
			if t := strings.TrimSpace(it.Ticket); t != "" && (strings.EqualFold(t, l.IssueKey) || (l.URL != "" && t == l.URL)) {
				return i
			}
		}
	}
	if n, ok := strings.CutPrefix(l.ItemKey, "#"); ok {
		var pos int
		if _, err := fmt.Sscanf(n, "%d", &pos); err == nil && pos >= 1 && pos <= len(items) && items[pos-1].ID == "" {
			return pos - 1
		}
		return -1
	}
	for i, it := range items {
		if strings.EqualFold(it.ID, l.ItemKey) {
			return i
		}
	}
	return -1
}

// TrackerState is an item's state as a tracker holds it.
type TrackerState struct {
	Closed bool
	Due    string // YYYY-MM-DD or ""
}

// StateOfItem is the state an item asks its issue to have.
func StateOfItem(it ActionItem) TrackerState {
	st := TrackerState{Closed: it.Status == ItemClosed}
	if !it.TargetDate.T.IsZero() {
		st.Due = it.TargetDate.T.Format(time.DateOnly)
	}
	return st
}

// TrackerEcho is what the tracker said, applied to a link in the same
// transaction as the revision it causes (IncidentUpdate.Tracker), so the
// change is not sent back.
type TrackerEcho struct {
	IncidentID, ItemKey string
	// IssueKey and URL, when IssueKey is not empty, record the issue
	// created (or found by its marker).
	IssueKey, URL string
	// Remote is the state the tracker now has.
	Remote TrackerState
}

// TrackerClaim asks for pending links due at Now, leased until
// Now+Lease.
type TrackerClaim struct {
	Now   time.Time
	Lease time.Duration
	Limit int
}

// TrackerAttempt is the outcome of a sync attempt of one link.
type TrackerAttempt struct {
	IncidentID, ItemKey string
	At                  time.Time
	// Echo, when not nil, is what the tracker has now (the attempt
	// succeeded).
	Echo *TrackerEcho
	// Err is the failure ("" on success); the link stays pending and is
	// tried again at Next.
	Err  string
	Next time.Time
}

// TrackerStore keeps the tracker links (sqlite/ and postgres/ implement
// it; storetest.RunTrackers is its conformance suite). UpdateIncident
// also recomputes the links of the incident it saves, in its transaction:
// an item closed, reopened or re-dated by any writer makes its link
// pending.
type TrackerStore interface {
	// QueueTrackerIssue inserts a link to create (pending, due at once)
	// with its audit records, in one transaction; EConflict when the item
	// or the marker has a link already.
	QueueTrackerIssue(ctx context.Context, l *TrackerLink, audit []AuditRecord) error
	// FindTrackerLinks lists the links of an incident ("" for every
	// incident), by incident and item.
	FindTrackerLinks(ctx context.Context, incidentID string) ([]TrackerLink, error)
	// FindTrackerLinkByIssue returns the link of a tracker's issue;
	// ENotFound when there is none.
	FindTrackerLinkByIssue(ctx context.Context, kind, issueKey string) (*TrackerLink, error)
	// ClaimTrackerLinks returns up to c.Limit pending links due at c.Now
	// and not leased, and leases them until c.Now+c.Lease.
	ClaimTrackerLinks(ctx context.Context, c TrackerClaim) ([]TrackerLink, error)
	// RecordTrackerAttempt records an attempt's outcome and ends the lease.
	RecordTrackerAttempt(ctx context.Context, a TrackerAttempt) error
	// FindItemTrackers returns what the action item tracker shows of the
	// issues of the incidents ids' items, without reading a document: one
	// ItemTrackers per live incident v may see, by Incident ID (the others,
	// restricted or deleted or unknown, are left out, as a read of them is
	// ENotFound). No ids reads nothing.
	FindItemTrackers(ctx context.Context, v Viewer, ids []string) ([]ItemTrackers, error)
}

// TrackerField is the Incident Summary field that overrides the tracker of
// one incident ("Tracker: jira OPS2"; app.Service.TrackerFor reads it).
const TrackerField = "Tracker"

// ItemTrackers is an incident's tracker state as the action item tracker
// shows it (TrackerStore.FindItemTrackers): read from the store's rows,
// not from the document.
type ItemTrackers struct {
	IncidentID string
	Revision   int
	// TrackerField are the values of the incident's Tracker field as its
	// shape rows keep them (trimmed, lower case: each line's whole value
	// and, for a value with commas, each piece too), sorted; none when it
	// has no such line or only an empty one.
	TrackerField []string
	// Links are the incident's tracker links by item key (as
	// FindTrackerLinks lists them); Positions[i] is the 0-based position
	// of Links[i]'s item in the latest revision (FindLinkedItem over the
	// items' IDs and Tickets), -1 when it is no longer there.
	Links     []TrackerLink
	Positions []int
}

// LinkAt returns the link of the item at 0-based position pos (the first
// one by item key, as FindLinkedItem over the document finds it), or nil.
func (t *ItemTrackers) LinkAt(pos int) *TrackerLink {
	for i := range t.Links {
		if i < len(t.Positions) && t.Positions[i] == pos {
			return &t.Links[i]
		}
	}
	return nil
}
