// Package app is Hindsight's application service: the one path every write
// takes, from the web forms, the JSON API, `hindsight import`, action item
// toggles and alert webhooks. It applies the rules (validation, status
// transitions, Incident ID allocation through the store, optimistic
// concurrency), renders the canonical Markdown, and hands the store one
// change with its audit records and outbound events, written in one
// transaction. Handlers stay thin: decode, call, encode.
package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/pagecache"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/markdown"
	"golang.org/x/sync/singleflight"
)

// Actor is who asks for a change or a read.
type Actor struct {
	ID      string           // account ID ("" for anonymous)
	Name    string           // recorded as the revision author
	Viewer  hindsight.Viewer // what the actor may see
	Address string           // remote address, for the audit log
}

// System is the actor of the CLI and of integrations: it sees everything.
var System = Actor{ID: "system", Name: "hindsight", Viewer: hindsight.SystemViewer}

func (a Actor) author() string {
	if a.Name != "" {
		return a.Name
	}
	if a.ID != "" {
		return a.ID
	}
	return "anonymous"
}

// Service is the application service over a store.
type Service struct {
	store hindsight.Store
	now   func() time.Time
	lint  *lint.Config
	// MaxDocBytes bounds a document's canonical Markdown.
	maxDoc int
	// cache keeps rendered responses by incident and revision (cache.go)
	cache *pagecache.Cache
	// lists coalesces concurrent misses of one list page (Listed)
	lists singleflight.Group
	// shape keeps the effective shape per store generation (shape.go)
	shape shapeCache
	// trackers syncs action items with issue trackers (tracker.go)
	trackers TrackerOptions
}

// Options configure a Service.
type Options struct {
	Now         func() time.Time // the clock; time.Now when nil
	Lint        *lint.Config     // lint configuration; defaults when nil
	MaxDocBytes int              // hindsight.DefaultMaxDocBytes when 0
	CacheBytes  int              // rendered responses kept (Rendered): DefaultCacheBytes when 0, none when < 0
}

// New returns a Service over store.
func New(store hindsight.Store, o Options) *Service {
	s := &Service{store: store, now: o.Now, lint: o.Lint, maxDoc: o.MaxDocBytes}
	switch {
	case o.CacheBytes == 0:
		s.cache = pagecache.New(DefaultCacheBytes)
	case o.CacheBytes > 0:
		s.cache = pagecache.New(o.CacheBytes)
	default:
		s.cache = pagecache.New(0)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.lint == nil {
		s.lint = lint.DefaultConfig()
	}
	if s.maxDoc <= 0 {
		s.maxDoc = hindsight.DefaultMaxDocBytes
	}
	return s
}

// Store returns the service's store, for reads that need no rules.
func (s *Service) Store() hindsight.Store { return s.store }

// Now returns the service clock's time.
func (s *Service) Now() time.Time { return s.now().UTC() }

// Render is the renderer stores are built with.
func Render(p *hindsight.Postmortem) []byte { return markdown.Render(p) }

// NewIncident is the short form that opens a Draft from the template.
type NewIncident struct {
	Title      string
	Severity   hindsight.Severity
	Start      hindsight.Time
	Services   []string
	Commander  string
	Restricted bool
	Public     bool // visible to everyone whatever restricted_by_default says
	Members    []string
	// Template names the template variant (templates: in the shape; ""
	// is default): its field lines and sections are added, empty, and a
	// restricted variant makes the incident restricted.
	Template string
}

// Open creates a Draft postmortem from the short form: the store allocates
// the Incident ID for the Start day.
func (s *Service) Open(ctx context.Context, a Actor, n NewIncident) (*hindsight.Incident, error) {
	p := &hindsight.Postmortem{Title: strings.TrimSpace(n.Title), Status: hindsight.StatusDraft}
	p.Summary.Severity = n.Severity
	p.Summary.Start = n.Start
	for _, sv := range n.Services {
		for _, name := range strings.Split(sv, ",") {
			if name = strings.TrimSpace(name); name != "" {
				p.Summary.Services = append(p.Summary.Services, hindsight.Service{Name: name})
			}
		}
	}
	p.Detection.Commander = strings.TrimSpace(n.Commander)
	p.Owner = p.Detection.Commander
	var errs []hindsight.FieldError
	if p.Title == "" {
		errs = append(errs, hindsight.FieldError{Field: "title", Message: "title is required"})
	}
	if n.Severity != "" && !n.Severity.Valid() {
		errs = append(errs, hindsight.FieldError{Field: "summary.severity", Message: "want SEV-1, SEV-2, SEV-3 or SEV-4"})
	}
	shape := s.Shape(ctx)
	v, err := shape.Variant(n.Template)
	if err != nil {
		var e *hindsight.Error
		if errors.As(err, &e) && len(e.Fields) > 0 {
			errs = append(errs, e.Fields...)
		}
	}
	if len(errs) > 0 {
		return nil, &hindsight.Error{Code: hindsight.EInvalid, Message: errs[0].Message, Fields: errs}
	}
	v.Apply(p, nil)
	o := CreateOptions{Restricted: n.Restricted, Public: n.Public, Members: n.Members, Message: "opened"}
	if v.Restricted {
		o.Restricted, o.Public = true, false
	}
	if !strings.EqualFold(v.Name, hindsight.DefaultTemplate) {
		o.Message = "opened from template " + v.Name
	}
	return s.Create(ctx, a, p, o)
}

// CreateOptions are the options of Create.
type CreateOptions struct {
	Message string
	// Restricted creates the incident restricted to Members (account IDs
	// or emails) and admins, in the create's transaction: it is never
	// listed, searched or sent to webhooks unrestricted. A non-admin
	// creator is always a member. Public creates it visible to every
	// reader even where the configuration restricts new incidents of its
	// severity by default (restricted_by_default); without either, that
	// configuration decides. Members of an incident that is not restricted
	// are not kept.
	Restricted bool
	Public     bool
	Members    []string
	// KeepID keeps the document's own Incident ID (import) instead of
	// allocating one.
	KeepID bool
	// Force stores a document that fails validation (import --force).
	Force bool
	// Import keeps the document's own Last Updated date (hindsight import).
	Import bool
	// KeepStatus creates a Published document as Published without the
	// review gate (hindsight import --keep-status): system or admin actors
	// only, recorded in the audit log. Otherwise a document created as
	// Published must pass the gate (EConflict listing what is unmet).
	KeepStatus bool
}

// Create stores a new postmortem as revision 1.
func (s *Service) Create(ctx context.Context, a Actor, p *hindsight.Postmortem, o CreateOptions) (*hindsight.Incident, error) {
	c, err := s.newIncident(ctx, a, p, o)
	if err != nil {
		return nil, err
	}
	if err := Alive(ctx); err != nil {
		return nil, err
	}
	in, err := s.store.CreateIncident(ctx, c)
	if err != nil {
		return nil, err
	}
	s.wrote(in.ID)
	return in, nil
}

// newIncident checks a new incident and makes what the store saves for it,
// with its audit record and outbox events (Create, ImportDocs).
func (s *Service) newIncident(ctx context.Context, a Actor, p *hindsight.Postmortem, o CreateOptions) (hindsight.IncidentCreate, error) {
	if p == nil {
		return hindsight.IncidentCreate{}, hindsight.Errorf(hindsight.EInvalid, "no document")
	}
	if p.Status == hindsight.StatusTemplate {
		p.Status = hindsight.StatusDraft
	}
	now := s.Now()
	if !o.Import || !p.LastUpdated.IsSet() {
		p.LastUpdated = hindsight.DateOf(now)
	}
	if !o.KeepID {
		p.Summary.IncidentID = ""
	}
	if !o.Force {
		if err := Validate(p); err != nil {
			return hindsight.IncidentCreate{}, err
		}
	}
	if err := s.checkSize(p); err != nil {
		return hindsight.IncidentCreate{}, err
	}
	msg := o.Message
	if msg == "" {
		msg = "created"
	}
	restricted := o.Restricted || (!o.Public && s.lint.RestrictedByDefault(p.Summary.Severity))
	var members []string
	if restricted {
		var err error
		if members, err = s.members(ctx, a, o.Members); err != nil {
			return hindsight.IncidentCreate{}, err
		}
		msg += "; restricted to " + memberList(members)
	}
	audit := []hindsight.AuditRecord{s.audit(a, "incident.create", "", msg)}
	if p.Status == hindsight.StatusPublished {
		if o.KeepStatus {
			if !a.Viewer.SeesAll() {
				return hindsight.IncidentCreate{}, hindsight.Errorf(hindsight.EForbidden, "only an admin may keep a Published status (--keep-status)")
			}
			audit = append(audit, s.audit(a, AuditImportKeepStatus, "", "created as Published without the review gate"))
		} else if err := s.evaluateGate(&hindsight.Incident{CreatedBy: a.author()}, p, &hindsight.ReviewSummary{}).Err(); err != nil {
			return hindsight.IncidentCreate{}, err
		}
	}
	repeats, err := s.repeatEvents(ctx, nil, p, p.Summary.IncidentID, now)
	if err != nil {
		return hindsight.IncidentCreate{}, err
	}
	return hindsight.IncidentCreate{
		Doc: p, Author: a.author(), Message: msg, Restricted: restricted, Members: members, KeepID: o.KeepID,
		Audit:  audit,
		Outbox: append(s.createdEvents(p, now), repeats...),
	}, nil
}

// Get returns an incident the actor may see.
func (s *Service) Get(ctx context.Context, a Actor, id string) (*hindsight.Incident, error) {
	return s.store.FindIncidentByID(ctx, a.Viewer, id)
}

// Version returns the current revision and save time of an incident the
// actor may see, without reading its document.
func (s *Service) Version(ctx context.Context, a Actor, id string) (int, time.Time, error) {
	return s.store.FindIncidentVersion(ctx, a.Viewer, id)
}

// SaveOptions are the options of Save.
type SaveOptions struct {
	Message string
	Force   bool // store a document that fails validation (import --force)
	// Import takes the document as the truth (hindsight import): any status
	// change is allowed and its own Last Updated date is kept.
	Import bool
	// KeepStatus publishes an imported document without the review gate
	// (hindsight import --keep-status): system or admin actors only,
	// recorded in the audit log.
	KeepStatus bool
	// OverrideReason publishes past an unmet review gate: admins only,
	// recorded in the audit log (incident.publish_forced) with the reason.
	OverrideReason string
	// tracker is what an issue tracker said, applied to the item's tracker
	// link with the revision (app/tracker.go): never sent back.
	tracker *hindsight.TrackerEcho
}

// Save stores doc as the next revision of incident id. base is the revision
// the editor started from: when another save came in between, the store
// refuses with a conflict that names who saved. Status changes follow the
// workflow (Draft -> In Review -> Published, and back one step).
func (s *Service) Save(ctx context.Context, a Actor, id string, base int, p *hindsight.Postmortem, o SaveOptions) (*hindsight.Incident, error) {
	if p == nil {
		return nil, hindsight.Errorf(hindsight.EInvalid, "no document")
	}
	cur, err := s.store.FindIncidentByID(ctx, a.Viewer, id)
	if err != nil {
		return nil, err
	}
	if base <= 0 {
		return nil, &hindsight.Error{Code: hindsight.EInvalid, Message: "the revision the edit started from is required", Fields: []hindsight.FieldError{{Field: "revision", Message: "required"}}}
	}
	// the Incident ID is the store's: a document cannot move to another ID
	p.Summary.IncidentID = cur.ID
	if p.Status == hindsight.StatusTemplate {
		p.Status = cur.Doc.Status
	}
	if p.Status != cur.Doc.Status && cur.Doc.Status.Valid() && !cur.Doc.Status.CanMoveTo(p.Status) && !o.Force && !o.Import {
		return nil, &hindsight.Error{Code: hindsight.EInvalid,
			Message: fmt.Sprintf("status cannot change from %s to %s (allowed: %s)", cur.Doc.Status.Label(), p.Status.Label(), statusList(cur.Doc.Status.Transitions())),
			Fields:  []hindsight.FieldError{{Field: "status", Message: "transition not allowed"}}}
	}
	if !o.Force {
		if err := Validate(p); err != nil {
			return nil, err
		}
	}
	now := s.Now()
	if !o.Import || !p.LastUpdated.IsSet() {
		p.LastUpdated = hindsight.DateOf(now)
	}
	if err := s.checkSize(p); err != nil {
		return nil, err
	}
	msg := o.Message
	if msg == "" {
		msg = "edited"
	}
	if err := Alive(ctx); err != nil {
		return nil, err
	}
	audit := []hindsight.AuditRecord{s.audit(a, "incident.update", id, msg)}
	if p.Status != cur.Doc.Status {
		audit = append(audit, s.audit(a, "incident.status", id, fmt.Sprintf("%s -> %s", cur.Doc.Status.Label(), p.Status.Label())))
	}
	defer s.wrote(id)
	// the publish gate: checked inside the transaction that publishes
	var gate func(*hindsight.ReviewSummary) error
	if p.Status == hindsight.StatusPublished && cur.Doc.Status != hindsight.StatusPublished {
		switch {
		case o.Import && o.KeepStatus:
			if !a.Viewer.SeesAll() {
				return nil, hindsight.Errorf(hindsight.EForbidden, "only an admin may keep a Published status (--keep-status)")
			}
			audit = append(audit, s.audit(a, AuditImportKeepStatus, id, "published by import without the review gate"))
		case strings.TrimSpace(o.OverrideReason) != "":
			if !a.Viewer.SeesAll() {
				return nil, hindsight.Errorf(hindsight.EForbidden, "only an admin may publish past the review gate")
			}
			detail := strings.TrimSpace(o.OverrideReason)
			audit = append(audit, s.audit(a, AuditPublishForced, id, detail))
		default:
			s.LintConfig(ctx) // the effective shape, for the gate's lint
			gate = s.gate(cur, p)
		}
	}
	repeats, err := s.repeatEvents(ctx, cur.Doc, p, id, now)
	if err != nil {
		return nil, err
	}
	return s.store.UpdateIncident(ctx, hindsight.IncidentUpdate{
		ID: id, BaseRevision: base, Doc: p, Author: a.author(), Message: msg, Gate: gate,
		Audit:   audit,
		Outbox:  append(s.changeEvents(cur.Doc, p, id, now), repeats...),
		Tracker: o.tracker,
	})
}

// SaveMarkdown parses a document edited as raw Markdown and saves it. The
// error of an invalid document names the lines at fault.
func (s *Service) SaveMarkdown(ctx context.Context, a Actor, id string, base int, md []byte, o SaveOptions) (*hindsight.Incident, error) {
	if len(md) > s.maxDoc {
		return nil, hindsight.Errorf(hindsight.ETooLarge, "document is %d bytes; the limit is %d", len(md), s.maxDoc)
	}
	p, sm := markdown.Parse(md)
	if err := Alive(ctx); err != nil {
		return nil, err
	}
	in, err := s.Save(ctx, a, id, base, p, o)
	return in, WithLines(err, sm)
}

// SetStatus moves an incident to another status, as a new revision.
func (s *Service) SetStatus(ctx context.Context, a Actor, id string, base int, to hindsight.Status) (*hindsight.Incident, error) {
	if !to.Valid() {
		return nil, &hindsight.Error{Code: hindsight.EInvalid, Message: fmt.Sprintf("unknown status %q: want Draft, In Review or Published", to), Fields: []hindsight.FieldError{{Field: "status", Message: "want Draft, In Review or Published"}}}
	}
	cur, err := s.store.FindIncidentByID(ctx, a.Viewer, id)
	if err != nil {
		return nil, err
	}
	if base == 0 {
		base = cur.Revision
	}
	if base != cur.Revision {
		return nil, Stale(cur, base)
	}
	if cur.Doc.Status == to {
		return cur, nil
	}
	doc := *cur.Doc
	doc.Status = to
	return s.Save(ctx, a, id, base, &doc, SaveOptions{Message: "status: " + to.Label()})
}

// SetActionItemStatus closes or reopens one action item (by its ID, or by
// its 1-based position when it has none) as a new revision of its
// postmortem, so the document stays the truth. base 0 means "the latest".
func (s *Service) SetActionItemStatus(ctx context.Context, a Actor, id string, base int, item string, st hindsight.ItemStatus) (*hindsight.Incident, error) {
	if !st.Valid() {
		return nil, &hindsight.Error{Code: hindsight.EInvalid, Message: "status must be Open or Closed", Fields: []hindsight.FieldError{{Field: "status", Message: "want Open or Closed"}}}
	}
	cur, err := s.store.FindIncidentByID(ctx, a.Viewer, id)
	if err != nil {
		return nil, err
	}
	if base == 0 {
		base = cur.Revision
	}
	if base != cur.Revision {
		return nil, Stale(cur, base) // even when the item is already so
	}
	doc := *cur.Doc
	doc.ActionItems = append([]hindsight.ActionItem(nil), cur.Doc.ActionItems...)
	idx := findItem(doc.ActionItems, item)
	if idx < 0 {
		return nil, hindsight.Errorf(hindsight.ENotFound, "incident %s has no action item %s", id, item)
	}
	if doc.ActionItems[idx].Status == st {
		return cur, nil
	}
	doc.ActionItems[idx].Status = st
	verb := "closed"
	if st == hindsight.ItemOpen {
		verb = "reopened"
	}
	label := doc.ActionItems[idx].ID
	if label == "" {
		label = fmt.Sprintf("#%d", idx+1)
	}
	return s.Save(ctx, a, id, base, &doc, SaveOptions{Message: fmt.Sprintf("action item %s %s", label, verb), Force: true})
}

// Stale is the conflict (EConflict) of a change that started from revision
// base of an incident now at cur. The API answers it 412 (If-Match), the
// web app 409.
func Stale(cur *hindsight.Incident, base int) error {
	who := cur.UpdatedBy
	if who == "" {
		who = "someone"
	}
	if base > cur.Revision {
		return hindsight.Errorf(hindsight.EConflict, "incident %s has no revision %d (the latest is %d)", cur.ID, base, cur.Revision)
	}
	return hindsight.Errorf(hindsight.EConflict,
		"incident %s was changed by %s at %s UTC (revision %d) after you started from revision %d; reload it and apply your changes again",
		cur.ID, who, cur.UpdatedAt.UTC().Format("2006-01-02 15:04"), cur.Revision, base)
}

func findItem(items []hindsight.ActionItem, key string) int {
	for i, it := range items {
		if it.ID != "" && strings.EqualFold(it.ID, key) {
			return i
		}
	}
	var n int
	if _, err := fmt.Sscanf(strings.TrimPrefix(key, "#"), "%d", &n); err == nil && n >= 1 && n <= len(items) && !strings.HasPrefix(strings.ToUpper(key), "AI-") {
		return n - 1
	}
	return -1
}

// Delete hides an incident (soft delete: its history is kept).
func (s *Service) Delete(ctx context.Context, a Actor, id string, base int) error {
	if _, err := s.store.FindIncidentByID(ctx, a.Viewer, id); err != nil {
		return err
	}
	defer s.wrote(id)
	return s.store.DeleteIncident(ctx, hindsight.IncidentDelete{ID: id, Author: a.author(), Base: base,
		Audit: []hindsight.AuditRecord{s.audit(a, "incident.delete", id, "")}})
}

// Lint lints a document with the service's configuration and the
// effective shape (ShapeSetting) as of today.
func (s *Service) Lint(ctx context.Context, p *hindsight.Postmortem, sm *hindsight.SourceMap) []lint.Finding {
	return lint.Lint(p, sm, s.LintConfig(ctx), lint.Options{Today: s.Now()})
}

// DefaultVisibility says which new incidents are restricted by default
// (restricted_by_default in .hindsight.yaml): "" for none, else a phrase
// such as "every new incident" or "new SEV-1 and SEV-2 incidents".
func (s *Service) DefaultVisibility() string {
	if s.lint.RestrictAll {
		return "every new incident"
	}
	if len(s.lint.RestrictSeverities) == 0 {
		return ""
	}
	names := make([]string, len(s.lint.RestrictSeverities))
	for i, v := range s.lint.RestrictSeverities {
		names[i] = string(v)
	}
	if len(names) == 1 {
		return "new " + names[0] + " incidents"
	}
	return "new " + strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1] + " incidents"
}

// LintSource parses and lints Markdown with the service's configuration
// and the effective shape.
func (s *Service) LintSource(ctx context.Context, path string, md []byte) []lint.Finding {
	return lint.Source(path, md, s.LintConfig(ctx), lint.Options{Today: s.Now()})
}

// CheckSize refuses (413 too_large) a postmortem whose canonical Markdown is
// over the document limit: what a save would refuse, lint refuses too.
func (s *Service) CheckSize(p *hindsight.Postmortem) error { return s.checkSize(p) }

func (s *Service) checkSize(p *hindsight.Postmortem) error {
	if n := len(markdown.Render(p)); n > s.maxDoc {
		return hindsight.Errorf(hindsight.ETooLarge, "document is %d bytes as Markdown; the limit is %d", n, s.maxDoc)
	}
	return nil
}

func (s *Service) audit(a Actor, action, id, detail string) hindsight.AuditRecord {
	actor := a.ID
	if actor == "" {
		actor = a.author()
	}
	return hindsight.AuditRecord{Actor: actor, Action: action, Detail: detail, Address: a.Address, IncidentID: id, At: s.Now()}
}

func statusList(ss []hindsight.Status) string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Label())
	}
	return strings.Join(out, ", ")
}

// WithLines adds the source lines of the fields an *Error names (the
// Markdown a document was read from), and the first one to its message.
func WithLines(err error, sm *hindsight.SourceMap) error {
	var e *hindsight.Error
	if sm == nil || !errors.As(err, &e) {
		return err
	}
	for i := range e.Fields {
		if e.Fields[i].Line == 0 && e.Fields[i].Field != "" {
			e.Fields[i].Line = sm.Line(e.Fields[i].Field)
		}
	}
	if len(e.Fields) > 0 && e.Fields[0].Line > 0 && !strings.HasPrefix(e.Message, "line ") {
		e.Message = fmt.Sprintf("line %d: %s", e.Fields[0].Line, e.Message)
	}
	return err
}

// Event is the payload of an outbound event.
type Event struct {
	Event      string                `json:"event"`
	At         time.Time             `json:"at"`
	IncidentID string                `json:"incident_id"`
	Title      string                `json:"title"`
	Severity   hindsight.Severity    `json:"severity"`
	Status     string                `json:"status"`
	From       string                `json:"from,omitempty"`
	ActionItem *hindsight.ActionItem `json:"action_item,omitempty"`
	// Actor is who did it: the account's email ("" for the system).
	Actor string `json:"actor,omitempty"`
	// Notify lists the account IDs to tell (review.requested: the
	// reviewers; review.submitted and comment.created: the incident's
	// authors and the thread's participants, minus the actor;
	// postmortem.due_soon and postmortem.overdue: the owners). Outbound
	// webhooks never send it.
	Notify []string `json:"notify,omitempty"`
	// Review and Comment are the review or comment the event is about.
	Review  *hindsight.Review  `json:"review,omitempty"`
	Comment *hindsight.Comment `json:"comment,omitempty"`
	// DueAt is the postmortem's due date (postmortem.* events).
	DueAt time.Time `json:"due_at,omitzero"`
	// Reviewers are the emails of the reviewers asked (review.requested).
	Reviewers []string `json:"reviewers,omitempty"`
	// Repeat is the recurring factor category (factor.repeated).
	Repeat *Repeat `json:"repeat,omitempty"`
}

func (s *Service) event(name string, p *hindsight.Postmortem, id string, at time.Time, mod func(*Event)) hindsight.OutboxEvent {
	e := Event{Event: name, At: at, IncidentID: id, Title: p.Title, Severity: p.Summary.Severity, Status: p.Status.Label()}
	if mod != nil {
		mod(&e)
	}
	b, _ := json.Marshal(e)
	return hindsight.OutboxEvent{Event: name, Payload: b, IncidentID: id, At: at}
}

func (s *Service) createdEvents(p *hindsight.Postmortem, at time.Time) []hindsight.OutboxEvent {
	// the ID is allocated by the store: events carry the document's ID, which
	// the store fills in when it writes the outbox (IncidentID "")
	out := []hindsight.OutboxEvent{s.event("incident.created", p, p.Summary.IncidentID, at, nil)}
	for i := range p.ActionItems {
		it := p.ActionItems[i]
		out = append(out, s.event("action_item.created", p, p.Summary.IncidentID, at, func(e *Event) { e.ActionItem = &it }))
	}
	return out
}

// changeEvents lists the events a save causes: status changes, publication,
// new and closed action items.
func (s *Service) changeEvents(old, p *hindsight.Postmortem, id string, at time.Time) []hindsight.OutboxEvent {
	var out []hindsight.OutboxEvent
	if old.Status != p.Status {
		out = append(out, s.event("incident.status_changed", p, id, at, func(e *Event) { e.From = old.Status.Label() }))
		if p.Status == hindsight.StatusPublished {
			out = append(out, s.event("incident.published", p, id, at, nil))
		}
	}
	before := map[string]hindsight.ActionItem{}
	for _, it := range old.ActionItems {
		before[itemKey(it)] = it
	}
	for i := range p.ActionItems {
		it := p.ActionItems[i]
		prev, existed := before[itemKey(it)]
		switch {
		case !existed:
			out = append(out, s.event("action_item.created", p, id, at, func(e *Event) { e.ActionItem = &it }))
			if it.Status == hindsight.ItemClosed {
				out = append(out, s.event("action_item.closed", p, id, at, func(e *Event) { e.ActionItem = &it }))
			}
		case prev.Status != hindsight.ItemClosed && it.Status == hindsight.ItemClosed:
			out = append(out, s.event("action_item.closed", p, id, at, func(e *Event) { e.ActionItem = &it }))
		}
	}
	return out
}

func itemKey(it hindsight.ActionItem) string {
	if it.ID != "" {
		return "id:" + it.ID
	}
	return "action:" + it.Action
}

// Equal reports whether two documents have the same canonical Markdown.
func Equal(a, b *hindsight.Postmortem) bool {
	return bytes.Equal(markdown.Render(a), markdown.Render(b))
}
