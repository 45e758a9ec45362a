package hindsight

import (
	"context"
	"time"
)

// Store keeps incidents: every saved revision of each postmortem as canonical
// Markdown, and projections of the latest revision (summary columns,
// services, timeline events, action items, search text) rebuilt from the
// model on every save. sqlite/ and postgres/ implement it; storetest/ is the
// conformance suite both run.
//
// Every read takes a Viewer, so restricted incidents stay invisible
// (ENotFound) to non-members in one place. Writes take no Viewer: the
// application service decides who may write before it calls the store.
//
// The store stores what the model holds: it does not validate severities,
// statuses, priorities or dates (the service and the linter do), so
// "SEV-9" is kept and returned verbatim. It refuses only what it cannot keep:
// a rendered document over its size limit (ETooLarge), a missing model
// (EInvalid) and a stale base revision (EConflict).
type Store interface {
	// CreateIncident allocates the next Incident ID for the UTC day of the
	// model's Start (the creation time's day when Start is not set), sets
	// Doc.Summary.IncidentID on a copy of the model, renders it and saves
	// revision 1, all in one transaction.
	CreateIncident(ctx context.Context, c IncidentCreate) (*Incident, error)
	// CreateIncidents creates several incidents, each as CreateIncident
	// does, all in one transaction: all of them or, on an error, none
	// (hindsight import batches documents this way).
	CreateIncidents(ctx context.Context, cs []IncidentCreate) ([]*Incident, error)
	// FindIncidentByID returns an incident with its latest revision.
	// Deleted incidents are ENotFound unless IncludeDeleted is passed;
	// restricted ones are ENotFound to a viewer who is not a member.
	FindIncidentByID(ctx context.Context, v Viewer, id string, opts ...ReadOption) (*Incident, error)
	// FindIncidentVersion returns the current revision and save time of an
	// incident v may see, without reading its document (page caches).
	FindIncidentVersion(ctx context.Context, v Viewer, id string) (revision int, updatedAt time.Time, err error)
	// FindIncidents lists incidents matching f, one page at a time.
	FindIncidents(ctx context.Context, v Viewer, f IncidentFilter) (*IncidentPage, error)
	// UpdateIncident saves a new revision when u.BaseRevision is still the
	// latest; otherwise it returns EConflict naming who saved in between and
	// when. The Incident ID never changes: the model's IncidentID is reset to
	// the stored one before rendering.
	UpdateIncident(ctx context.Context, u IncidentUpdate) (*Incident, error)
	// DeleteIncident hides an incident from every read (soft delete, history
	// kept), or removes it and its history for good when d.Purge is set.
	DeleteIncident(ctx context.Context, d IncidentDelete) error
	// SearchIncidents runs a ranked full-text search over every section of
	// the latest revisions. Snippets mark hits with MarkStart and MarkEnd.
	SearchIncidents(ctx context.Context, v Viewer, q SearchQuery) (*SearchPage, error)
	// FindRevisions lists an incident's revisions, oldest first, without
	// their Markdown.
	FindRevisions(ctx context.Context, v Viewer, id string, opts ...ReadOption) ([]Revision, error)
	// FindRevision returns one revision (1-based N) with its Markdown.
	FindRevision(ctx context.Context, v Viewer, id string, n int, opts ...ReadOption) (*Revision, error)
	// FindActionItems lists action items across incidents.
	FindActionItems(ctx context.Context, v Viewer, f ActionItemFilter) ([]ActionItemRow, error)
	// Close releases the store's connections.
	Close() error
}

// RenderFunc renders the canonical Markdown of a model (markdown.Render).
// Stores are constructed with one, because the Incident ID they allocate
// inside a transaction is part of the Markdown.
type RenderFunc func(*Postmortem) []byte

// DefaultMaxDocBytes is the default limit on a rendered document's size.
const DefaultMaxDocBytes = 1 << 20

// MarkStart and MarkEnd surround each hit in a SearchHit snippet (STX and
// ETX, which never occur in stored search text). The web layer escapes the
// snippet and then turns them into <mark> and </mark>.
const (
	MarkStart = "\x02"
	MarkEnd   = "\x03"
)

// Viewer is who reads: every read filters by it. The zero Viewer is an
// anonymous reader who sees only unrestricted incidents.
type Viewer struct {
	// UserID is the reader; a restricted incident is visible to its members.
	UserID string
	// Admin sees every incident.
	Admin bool
	// All is for the system and the CLI: sees every incident.
	All bool
}

// SystemViewer sees everything: for the CLI, imports and background jobs.
var SystemViewer = Viewer{All: true}

// SeesAll reports whether v sees restricted incidents without membership.
func (v Viewer) SeesAll() bool { return v.All || v.Admin }

// ReadOption widens a read.
type ReadOption int

// The read options.
const (
	// IncludeDeleted makes soft-deleted incidents visible to the read.
	IncludeDeleted ReadOption = iota + 1
)

// HasReadOption reports whether opts holds o.
func HasReadOption(opts []ReadOption, o ReadOption) bool {
	for _, x := range opts {
		if x == o {
			return true
		}
	}
	return false
}

// Incident is a stored postmortem: its latest revision and record data.
type Incident struct {
	// ID is the Incident ID (INC-YYYYMMDD-NNN), allocated by the store.
	ID string `json:"id"`
	// Revision is the number of the latest revision, from 1.
	Revision int `json:"revision"`
	// Doc is the model of the latest revision.
	Doc *Postmortem `json:"doc"`
	// Markdown is the canonical Markdown of the latest revision.
	Markdown []byte `json:"-"`
	// Restricted incidents are visible to their Members and admins only.
	Restricted bool     `json:"restricted"`
	Members    []string `json:"members,omitempty"`

	// MemberTeams are the slugs of the teams whose members see the
	// incident while it is restricted (beside Members).
	MemberTeams []string `json:"member_teams,omitempty"`
	// Teams are the slugs of the existing teams the document's "Teams:"
	// line names (DocTeams), resolved at the last save; the incident's
	// teams are these and those owning an affected service
	// (TeamStore.FindIncidentTeams).
	Teams []string `json:"teams,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"`
	// DeletedAt is zero unless the incident is soft-deleted.
	DeletedAt time.Time `json:"deleted_at,omitzero"`
	DeletedBy string    `json:"deleted_by,omitempty"`

	// ReviewDueAt is when the postmortem is due (.hindsight.yaml
	// review.due_days after End; zero without an End) and PublishOverride
	// an admin's publication past the review gate: set by the application
	// (app.Service.DecorateIncident), not stored.
	ReviewDueAt     time.Time        `json:"review_due_at,omitzero"`
	PublishOverride *PublishOverride `json:"publish_override,omitempty"`
}

// IncidentSummary is an incident as lists and search show it: the queryable
// columns of its latest revision, without the document.
type IncidentSummary struct {
	ID       string   `json:"id"`
	Revision int      `json:"revision"`
	Title    string   `json:"title"`
	Severity Severity `json:"severity"`
	Status   Status   `json:"status"`
	// Start, End and Detected are zero when the document holds no time.
	Start    time.Time `json:"start_time,omitzero"`
	End      time.Time `json:"end_time,omitzero"`
	Detected time.Time `json:"detection_time,omitzero"`
	// DurationMin, TTAMin and TTMMin are minutes, or -1 when not set.
	DurationMin int    `json:"duration_minutes"`
	TTAMin      int    `json:"tta_minutes"`
	TTMMin      int    `json:"ttm_minutes"`
	Owner       string `json:"owner"`
	Commander   string `json:"incident_commander"`
	DetectedBy  string `json:"detected_by"`
	// Source classifies DetectedBy.
	Source DetectionSource `json:"detection_source"`
	// LastUpdated is the document's "Last Updated" date (zero when unset).
	LastUpdated     time.Time `json:"last_updated,omitzero"`
	Services        []string  `json:"services"`
	ActionItems     int       `json:"action_items"`
	OpenActionItems int       `json:"open_action_items"`
	Restricted      bool      `json:"restricted"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	UpdatedBy       string    `json:"updated_by"`
	DeletedAt       time.Time `json:"deleted_at,omitzero"`
	// ReviewDueAt is when an unpublished postmortem is due (set by the
	// application from End, severity and review.due_days; not stored).
	ReviewDueAt time.Time `json:"review_due_at,omitzero"`
}

// IncidentCreate is what CreateIncident saves.
type IncidentCreate struct {
	Doc     *Postmortem
	Author  string
	Message string // revision message, e.g. "imported from file.md"
	// Restricted and Members set the incident's visibility.
	Restricted bool
	Members    []string

	// MemberTeams are team slugs whose members see the restricted
	// incident. (The teams added by hand are the document's "Teams:"
	// line, hindsight.DocTeams.)
	MemberTeams []string

	// KeepID keeps the model's Incident ID when it is a valid
	// INC-YYYYMMDD-NNN (for imports of existing postmortems): EConflict when
	// it is taken; the day's counter moves past it so later IDs never
	// collide. Without KeepID, or with an ID that is not valid, the store
	// allocates one.
	KeepID bool
	// Audit and Outbox are written in the same transaction; the store fills
	// in their incident ID and time.
	Audit  []AuditRecord
	Outbox []OutboxEvent
}

// IncidentUpdate is what UpdateIncident saves.
type IncidentUpdate struct {
	ID string
	// BaseRevision is the revision the editor started from.
	BaseRevision int
	Doc          *Postmortem
	Author       string
	Message      string
	// Restricted, when not nil, changes the visibility; Members, when not
	// nil, replaces the member list.
	Restricted *bool
	Members    *[]string
	Audit      []AuditRecord
	Outbox     []OutboxEvent

	// MemberTeams, when not nil, replaces the teams whose members see the
	// restricted incident.
	MemberTeams *[]string
	// Gate, when not nil, is called inside the update's transaction, after
	// the new revision is written and with the incident's row locked, with
	// the review state as of the new revision (ReviewStore); an error
	// aborts the update. The publish gate runs here, so reviews and
	// comments arriving at the same time cannot slip past it.
	Gate func(*ReviewSummary) error
	// Tracker, when not nil, is what an issue tracker said (the change
	// comes from it, or records the issue created): applied to the item's
	// tracker link in the same transaction, so it is not sent back
	// (TrackerStore).
	Tracker *TrackerEcho
}

// IncidentDelete is what DeleteIncident does.
type IncidentDelete struct {
	ID     string
	Author string
	// Base, when not 0, is the revision the caller saw (If-Match): the
	// store compares it in the delete's own transaction and refuses with
	// EConflict when the incident has moved on (nothing is deleted).
	Base int
	// Purge removes the incident, its revisions and projections for good.
	Purge bool
	Audit []AuditRecord
}

// AuditRecord is one line of the audit log, written with the change it
// records.
type AuditRecord struct {
	Actor  string
	Action string // e.g. "incident.create", "incident.restrict"
	Detail string // free text or JSON
	// Address is the remote address of the request ("" for the CLI).
	Address string
	// IncidentID and At are filled in by the store when empty.
	IncidentID string
	At         time.Time
}

// OutboxEvent is an outbound webhook event queued with the change that
// caused it; a delivery worker sends it later.
type OutboxEvent struct {
	Event   string // e.g. "incident.created"
	Payload []byte
	// IncidentID and At are filled in by the store when empty.
	IncidentID string
	At         time.Time
}

// IncidentSort is a sort key of FindIncidents. Ties are broken by Incident ID
// in the same direction.
type IncidentSort string

// The sort keys.
const (
	// SortStart sorts by start time; incidents without one sort as oldest.
	SortStart IncidentSort = "start"
	// SortSeverity sorts by severity level (SEV-1 first ascending);
	// unknown severities sort after SEV-4.
	SortSeverity IncidentSort = "severity"
	SortUpdated  IncidentSort = "updated"
	SortID       IncidentSort = "id"
	// SortDue sorts by postmortem due date (IncidentFilter.Due's rule):
	// the earliest first, or the latest first with Desc; incidents without
	// a due date (no End, or Published) last either way; ties by Incident
	// ID ascending in both directions.
	SortDue IncidentSort = "due"
)

// DeletedMode says whether lists include soft-deleted incidents.
type DeletedMode int

// The deleted modes.
const (
	ExcludeDeleted DeletedMode = iota // the default
	WithDeleted
	OnlyDeleted
)

// IncidentFilter selects, sorts and pages incidents. Zero fields do not
// filter; text matches are exact but case-insensitive (ASCII).
type IncidentFilter struct {
	// IDs keeps these incidents (Incident IDs) only, when set.
	IDs       []string
	Severity  []Severity
	Status    []Status
	Service   string // a service name
	Owner     string
	Commander string

	// Team keeps the incidents of a team (slug): added by hand or owning
	// one of their affected services.
	Team string

	// StartFrom (inclusive) and StartBefore (exclusive) bound the start time.
	StartFrom   time.Time
	StartBefore time.Time
	// HasOpenActionItems, when not nil, keeps incidents that have (true) or
	// have not (false) action items that are not Closed.
	HasOpenActionItems *bool
	// Query keeps incidents whose text matches a full-text query.
	Query   string
	Deleted DeletedMode

	// Fields keeps incidents whose custom field (a labelled line of
	// Incident Summary; label case-insensitive) has the value: the whole
	// value or one of its comma-separated pieces, case-insensitively.
	// Tag keeps incidents with the tag; FactorCategory those with a
	// contributing factor of the category (both case-insensitive).
	Fields         map[string]string
	Tag            string
	FactorCategory string

	// Due, when set, is the rule of SortDue and, with From or Before set,
	// keeps the incidents whose postmortem is due in that range.
	Due *DueQuery

	// Sort defaults to SortStart; Desc reverses it (newest first).
	Sort IncidentSort
	Desc bool
	// Limit defaults to 50 and is at most 1000.
	Limit int
	// Cursor is IncidentPage.Next of the previous page; it is only valid
	// with the same filter and sort.
	Cursor string
}

// DueQuery says when postmortems are due (Rule: DueRule.DueAt of an
// incident's severity and End; none without an End or once Published) and,
// with From (inclusive) or Before (exclusive) set, keeps the incidents due
// in that range. Due dates are compared to the second.
type DueQuery struct {
	Rule         DueRule
	From, Before time.Time
}

// IncidentPage is one page of FindIncidents.
type IncidentPage struct {
	Incidents []IncidentSummary `json:"incidents"`
	// Next is the cursor of the next page, "" on the last page.
	Next string `json:"next,omitempty"`
}

// SearchQuery is a full-text search. Text is words (all must match);
// PostgreSQL also understands "quoted phrases", or and -word.
type SearchQuery struct {
	Text string
	// Limit defaults to 20 and is at most 200.
	Limit  int
	Cursor string
}

// SearchHit is one incident found by a search.
type SearchHit struct {
	IncidentSummary
	// Snippet is plain text around the hits, each between MarkStart and
	// MarkEnd.
	Snippet string `json:"snippet"`
	// Rank orders hits, higher is better; comparable within one search only.
	Rank float64 `json:"rank"`
}

// SearchPage is one page of search hits, best first.
type SearchPage struct {
	Hits []SearchHit `json:"hits"`
	Next string      `json:"next,omitempty"`
	// Total is how many incidents the search ranked: every match the
	// viewer may see among the store's search window (the 1,000 most
	// recent matches), 0 on a page past the end.
	Total int `json:"total"`
}

// Revision is one saved revision of an incident.
type Revision struct {
	N       int       `json:"n"`
	Author  string    `json:"author"`
	At      time.Time `json:"at"`
	Message string    `json:"message"`
	// Markdown is set by FindRevision only.
	Markdown []byte `json:"-"`
}

// ActionItemFilter selects action items across incidents. Zero fields do
// not filter.
type ActionItemFilter struct {
	Owner    string
	Priority []Priority
	Status   []ItemStatus
	// Overdue keeps items not Closed whose target date is before OverdueAsOf
	// (default: today, by the store's clock).
	Overdue     bool
	OverdueAsOf time.Time
	Service     string
	Severity    []Severity
	// DueBefore keeps items whose target date is before it (exclusive).
	DueBefore time.Time
	// DueFrom keeps items whose target date is on or after it: with
	// DueBefore a due window (e.g. this week); with Overdue the recently
	// overdue (the overdue check's window, which a list sorted by target
	// date would otherwise reach only after every older overdue item).
	DueFrom    time.Time
	IncidentID string
	// Limit defaults to 500 and is at most 5000.
	Limit int

	// Team keeps the items of a team's incidents (slug: added by hand or
	// owning an affected service); OwnerTeam keeps the items a team owns
	// (the owner is the team's slug or name, case-insensitively).
	Team      string
	OwnerTeam string

	// Fields, Tag and FactorCategory keep the items of the incidents
	// IncidentFilter's fields of the same names keep.
	Fields         map[string]string
	Tag            string
	FactorCategory string
}

// ActionItemRow is an action item with the incident it belongs to.
type ActionItemRow struct {
	IncidentID       string   `json:"incident_id"`
	IncidentTitle    string   `json:"incident_title"`
	IncidentSeverity Severity `json:"incident_severity"`
	// Position is the item's 0-based row in the incident's table.
	Position int `json:"position"`
	ActionItem
}

// MigrationState is one schema migration of a store.
type MigrationState struct {
	Version   int64     `json:"version"`
	Name      string    `json:"name"`
	Applied   bool      `json:"applied"`
	AppliedAt time.Time `json:"applied_at,omitzero"`
}

// Migrator is implemented by stores whose schema is versioned: the CLI's
// "hindsight migrate" uses it.
type Migrator interface {
	MigrationStatus(ctx context.Context) ([]MigrationState, error)
	MigrateUp(ctx context.Context) error
	// MigrateDown rolls back the latest applied migration.
	MigrateDown(ctx context.Context) error
}

// Backuper is implemented by stores that can copy themselves online into a
// file (SQLite).
type Backuper interface {
	Backup(ctx context.Context, path string) error
}
