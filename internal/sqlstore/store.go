package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// Options configure a Store; the backends' Options embed the same fields.
type Options struct {
	// Render renders canonical Markdown; required.
	Render hindsight.RenderFunc
	// Clock returns the current time; time.Now when nil.
	Clock func() time.Time
	// MaxDocBytes limits a rendered document; hindsight.DefaultMaxDocBytes
	// when 0.
	MaxDocBytes int
	// VersionTTL is how long FindIncidentVersion may answer from memory
	// for an unrestricted incident (0: always from the database). Writes
	// through this Store are seen at once; writes by another process within
	// the TTL. For a database that one process writes (SQLite).
	VersionTTL time.Duration
	// PushedChanges applies VersionTTL only while SetChangesPushed(true):
	// for a database several processes write that tell each other of every
	// commit (PostgreSQL LISTEN/NOTIFY on ChangesChannel).
	PushedChanges bool
}

// Store implements hindsight.Store over database/sql.
type Store struct {
	w, r   *sql.DB // writer and reader pools (the same for PostgreSQL)
	rq     *stmtCache
	d      Dialect
	render hindsight.RenderFunc
	clock  func() time.Time
	max    int
	vers   versions
	gen    generation
	pushed atomic.Bool
}

// New returns a Store writing through w and reading through r.
func New(w, r *sql.DB, d Dialect, o Options) (*Store, error) {
	if o.Render == nil {
		return nil, hindsight.Errorf(hindsight.EInvalid, "store options: Render is required")
	}
	s := &Store{w: w, r: r, rq: newStmtCache(r), d: d, render: o.Render, clock: o.Clock, max: o.MaxDocBytes}
	s.vers.ttl = o.VersionTTL
	if o.PushedChanges {
		s.vers.pushed = &s.pushed
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.max <= 0 {
		s.max = hindsight.DefaultMaxDocBytes
	}
	return s, nil
}

// Close closes the pools.
func (s *Store) Close() error {
	s.rq.Close()
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// now is the store's clock at microsecond precision (what both backends keep).
func (s *Store) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

func internal(op string, err error) error {
	if err == nil {
		return nil
	}
	var he *hindsight.Error
	if errors.As(err, &he) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &hindsight.Error{Code: hindsight.EUnavailable, Message: op + ": " + err.Error(), Err: err}
	}
	return &hindsight.Error{Code: hindsight.EInternal, Message: op + ": " + err.Error(), Err: err}
}

// storable reports whether s can be a query parameter of either backend
// (PostgreSQL refuses NUL bytes and invalid UTF-8 in text).
func storable(s string) bool { return clean(s) == s }

func notFound(id string) error {
	return hindsight.Errorf(hindsight.ENotFound, "incident %q not found", id)
}

// tx runs fn in a write transaction, committing when fn returns nil.
func (s *Store) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return s.unavailable(err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return s.unavailable(err)
	}
	// the generation last: its row lock is held only while committing
	if _, err := tx.ExecContext(ctx, `UPDATE store_generation SET n = n + 1 WHERE id = 1`); err != nil {
		_ = tx.Rollback()
		return s.unavailable(err)
	}
	if s.postgres() { // the other instances hear of it when it commits
		if _, err := tx.ExecContext(ctx, `SELECT pg_notify('`+ChangesChannel+`', '')`); err != nil {
			_ = tx.Rollback()
			return s.unavailable(err)
		}
	}
	err = tx.Commit()
	s.vers.changed() // even when the commit's outcome is unknown
	return s.unavailable(err)
}

// unavailable makes a write that failed because the database cannot write
// now (disk full, read-only, I/O error) an EUnavailable (503) whose message
// names the cause; other errors are returned as they are.
func (s *Store) unavailable(err error) error {
	if err == nil {
		return nil
	}
	var he *hindsight.Error
	if errors.As(err, &he) {
		return err
	}
	if cause := s.d.Unavailable(err); cause != "" {
		return &hindsight.Error{Code: hindsight.EUnavailable, Message: "the database cannot write: " + cause, Err: err}
	}
	return err
}

// WriteProbe checks that the database can write now, with a tiny
// transaction on the health table: it writes a new row of a few pages
// before it removes the previous one, so it needs new space each time and
// fails as a real write would when the database cannot grow (disk full,
// SQLite's max_page_count, a read-only file or standby). The readiness
// check (/readyz) calls it.
func (s *Store) WriteProbe(ctx context.Context) error {
	now := s.now()
	id := rand.Int64() // not the time: several servers (or a frozen test clock) probe at once
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO health (id, at, pad) VALUES (?, ?, ?)`), id, s.d.Time(now), make([]byte, probeBytes)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.d.Rebind(`DELETE FROM health WHERE id <> ?`), id)
		return err
	})
	return internal("write probe", err)
}

// probeBytes is the size of the write probe's row: a few pages, so the
// probe needs as much new space as a small incident does.
const probeBytes = 12 << 10

func (s *Store) renderDoc(doc *hindsight.Postmortem) ([]byte, []byte, error) {
	md := s.render(doc)
	if len(md) > s.max {
		return nil, nil, hindsight.Errorf(hindsight.ETooLarge, "the document is %d bytes, over the limit of %d bytes", len(md), s.max)
	}
	js, err := json.Marshal(doc)
	if err != nil {
		return nil, nil, hindsight.Errorf(hindsight.EInvalid, "the model cannot be encoded: %v", err)
	}
	return md, js, nil
}

// CreateIncident implements hindsight.Store.
func (s *Store) CreateIncident(ctx context.Context, c hindsight.IncidentCreate) (*hindsight.Incident, error) {
	ins, err := s.CreateIncidents(ctx, []hindsight.IncidentCreate{c})
	if err != nil {
		return nil, err
	}
	return ins[0], nil
}

// CreateIncidents implements hindsight.Store: every incident in one
// transaction, so a failure of one leaves none of them.
func (s *Store) CreateIncidents(ctx context.Context, cs []hindsight.IncidentCreate) ([]*hindsight.Incident, error) {
	for i, c := range cs {
		if c.Doc == nil {
			if len(cs) == 1 {
				return nil, hindsight.Errorf(hindsight.EInvalid, "create incident: the document is missing")
			}
			return nil, hindsight.Errorf(hindsight.EInvalid, "create incident %d of %d: the document is missing", i+1, len(cs))
		}
	}
	now := s.now()
	out := make([]*hindsight.Incident, len(cs))
	failed := -1 // the incident whose statement failed
	err := s.txBatch(ctx, &failed, func(tx *batch) error {
		if err := s.checkTakenIDs(ctx, tx, cs); err != nil {
			return err
		}
		// the rollups move once for the whole transaction, not once per
		// incident: three upserts instead of three per incident
		delta := newRollupDelta()
		counters := keptCounters{}
		teams := false
		for i, c := range cs {
			tx.setOwner(i)
			in, err := s.createIncident(ctx, tx, c, now, delta, counters)
			if err != nil {
				return err
			}
			out[i] = in
			teams = teams || len(c.MemberTeams) > 0 || len(hindsight.DocTeams(in.Doc)) > 0
		}
		tx.setOwner(-1)
		// the shared rows last, each table in key order: a transaction
		// holds their locks only while it ends, and two import
		// transactions running at once take them in the same order
		if err := counters.apply(ctx, s, tx); err != nil {
			return err
		}
		if err := delta.apply(ctx, s, tx); err != nil {
			return err
		}
		if !teams {
			return nil // no team rows were written
		}
		return s.readTeamsOf(ctx, tx, out)
	})
	if err != nil {
		if failed >= 0 && cs[failed].KeepID && s.d.IsUniqueViolation(err) {
			return nil, hindsight.Errorf(hindsight.EConflict, "incident %s already exists", cs[failed].Doc.Summary.IncidentID)
		}
		return nil, internal("create incident", err)
	}
	return out, nil
}

// checkTakenIDs refuses, with one query, the creation of an incident whose
// own Incident ID (KeepID) another incident has (deleted ones too).
func (s *Store) checkTakenIDs(ctx context.Context, tx dbtx, cs []hindsight.IncidentCreate) error {
	var ids []any
	for _, c := range cs {
		if _, _, ok := hindsight.ParseIncidentID(c.Doc.Summary.IncidentID); c.KeepID && ok {
			ids = append(ids, c.Doc.Summary.IncidentID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	var id string
	err := tx.QueryRowContext(ctx, s.d.Rebind(`SELECT id FROM incidents WHERE id IN (`+ph+`) ORDER BY id LIMIT 1`), ids...).Scan(&id)
	if err == nil {
		return hindsight.Errorf(hindsight.EConflict, "incident %s already exists", id)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}

// readTeamsOf fills in the team lists of incidents, with one query.
func (s *Store) readTeamsOf(ctx context.Context, tx dbtx, ins []*hindsight.Incident) error {
	byID := make(map[string]*hindsight.Incident, len(ins))
	args := make([]any, len(ins))
	for i, in := range ins {
		byID[in.ID] = in
		args[i] = in.ID
		in.Teams, in.MemberTeams = nil, nil
	}
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(ins)), ", ")
	rows, err := tx.QueryContext(ctx, s.d.Rebind(`SELECT incident_id, kind, team_slug FROM incident_teams WHERE incident_id IN (`+ph+`)
ORDER BY incident_id, kind, team_slug`), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, kind, slug string
		if err := rows.Scan(&id, &kind, &slug); err != nil {
			return err
		}
		in := byID[id]
		if in == nil {
			continue
		}
		if kind == teamMember {
			in.MemberTeams = append(in.MemberTeams, slug)
		} else {
			in.Teams = append(in.Teams, slug)
		}
	}
	return rows.Err()
}

// createIncident saves one new incident in tx (CreateIncidents), adding
// its insight figures to delta (which the caller applies).
func (s *Store) createIncident(ctx context.Context, tx dbtx, c hindsight.IncidentCreate, now time.Time, delta *rollupDelta, counters keptCounters) (*hindsight.Incident, error) {
	day := hindsight.IncidentDay(c.Doc.Summary.Start, now)
	doc := *c.Doc
	id, err := s.allocateID(ctx, tx, c, day, counters)
	if err != nil {
		return nil, err
	}
	doc.Summary.IncidentID = id
	md, js, err := s.renderDoc(&doc)
	if err != nil {
		return nil, err
	}
	pr := project(&doc)
	_, err = tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO incidents (id, revision, title, severity, severity_rank, status,
start_at, end_at, detected_at, start_key, duration_min, tta_min, ttm_min, owner, commander, detected_by, detected_source,
last_updated, services, action_items, open_action_items, restricted, created_at, created_by, updated_at, updated_key, updated_by)
VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		id, pr.Title, pr.Severity, pr.SeverityRank, pr.Status,
		s.d.Time(pr.Start), s.d.Time(pr.End), s.d.Time(pr.Detected), pr.StartKey, pr.Duration, pr.TTA, pr.TTM,
		pr.Owner, pr.Commander, pr.DetectedBy, pr.Source, s.d.Date(pr.LastUpdated), pr.servicesText,
		pr.ActionItems, pr.OpenActionItems, c.Restricted, s.d.Time(now), clean(c.Author), s.d.Time(now), now.UnixMicro(), clean(c.Author))
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO incident_docs (incident_id, doc_json) VALUES (?, ?)`), id, string(js)); err != nil {
		return nil, err
	}
	if err := s.insertRevision(ctx, tx, id, 1, md, c.Author, now, c.Message); err != nil {
		return nil, err
	}
	// the incident's row is new (its Incident ID was free): no rows of it
	// exist to read or replace
	nw := &newRows{restricted: c.Restricted, delta: delta}
	if err := s.writeRows(ctx, tx, id, pr, nw); err != nil {
		return nil, err
	}
	if err := s.setMembers(ctx, tx, id, c.Members, nw); err != nil {
		return nil, err
	}
	if err := s.setIncidentTeams(ctx, tx, id, teamMember, "member_teams", c.MemberTeams, nw); err != nil {
		return nil, err
	}
	if err := s.setDocTeams(ctx, tx, id, &doc, nw); err != nil {
		return nil, err
	}
	if err := s.writeSide(ctx, tx, id, now, c.Audit, c.Outbox); err != nil {
		return nil, err
	}
	return &hindsight.Incident{ID: id, Revision: 1, Doc: &doc, Markdown: md, Restricted: c.Restricted,
		Members: normMembers(c.Members), CreatedAt: now, CreatedBy: c.Author, UpdatedAt: now, UpdatedBy: c.Author}, nil
}

// allocateID returns the next Incident ID of day's UTC date, or the model's
// own ID when c.KeepID asks for it, moving the day's counter in tx; a kept
// ID's counter is raised in counters, which the caller writes at the end.
func (s *Store) allocateID(ctx context.Context, tx dbtx, c hindsight.IncidentCreate, day time.Time, counters keptCounters) (string, error) {
	if c.KeepID {
		if d, seq, ok := hindsight.ParseIncidentID(c.Doc.Summary.IncidentID); ok {
			// checkTakenIDs refused a taken one; one taken meanwhile by
			// another instance fails the insert (a unique violation)
			k := d.Format("20060102")
			counters[k] = max(counters[k], seq)
			return c.Doc.Summary.IncidentID, nil
		}
	}
	// a new number counts the kept IDs before it
	if err := counters.apply(ctx, s, tx); err != nil {
		return "", err
	}
	var n int
	err := tx.QueryRowContext(ctx, s.d.Rebind(`INSERT INTO incident_counters (day, n) VALUES (?, 1)
ON CONFLICT (day) DO UPDATE SET n = incident_counters.n + 1 RETURNING n`), day.UTC().Format("20060102")).Scan(&n)
	if err != nil {
		return "", err
	}
	return hindsight.FormatIncidentID(day, n), nil
}

// keptCounters are the day counters (day YYYYMMDD -> sequence number) that
// the kept Incident IDs of a CreateIncidents call raise.
type keptCounters map[string]int

// apply raises the counters in tx, with one statement in day order, and
// forgets them.
func (k keptCounters) apply(ctx context.Context, s *Store, tx dbtx) error {
	if len(k) == 0 {
		return nil
	}
	days := slices.Sorted(maps.Keys(k))
	for len(days) > 0 {
		n := min(len(days), maxDeltaRows)
		args := make([]any, 0, 2*n)
		for _, d := range days[:n] {
			args = append(args, d, k[d])
		}
		q := `INSERT INTO incident_counters (day, n) VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?), ", n), ", ") +
			` ON CONFLICT (day) DO UPDATE SET n = CASE WHEN incident_counters.n > excluded.n THEN incident_counters.n ELSE excluded.n END`
		if _, err := tx.ExecContext(ctx, s.d.Rebind(q), args...); err != nil {
			return err
		}
		days = days[n:]
	}
	clear(k)
	return nil
}

func (s *Store) insertRevision(ctx context.Context, tx dbtx, id string, n int, md []byte, author string, at time.Time, msg string) error {
	_, err := tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO revisions (incident_id, n, markdown, author, at, message) VALUES (?, ?, ?, ?, ?, ?)`),
		id, n, md, clean(author), s.d.Time(at), clean(msg))
	return err
}

func normMembers(m []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, u := range m {
		u = clean(strings.TrimSpace(u))
		if u != "" && !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	slices.Sort(out)
	return out
}

func (s *Store) setMembers(ctx context.Context, tx dbtx, id string, members []string, nw *newRows) error {
	if nw == nil {
		if _, err := tx.ExecContext(ctx, s.d.Rebind(`DELETE FROM incident_members WHERE incident_id = ?`), id); err != nil {
			return err
		}
	}
	var rows [][]any
	for _, u := range normMembers(members) {
		rows = append(rows, []any{id, u})
	}
	return s.insertRows(ctx, tx, `INSERT INTO incident_members (incident_id, user_id) VALUES `, `(?, ?)`, rows)
}

// writeSide writes audit records and outbox events with the change.
func (s *Store) writeSide(ctx context.Context, tx dbtx, id string, now time.Time, audit []hindsight.AuditRecord, outbox []hindsight.OutboxEvent) error {
	for _, a := range audit {
		if a.IncidentID == "" {
			a.IncidentID = id
		}
		if a.At.IsZero() {
			a.At = now
		}
		if _, err := tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO audit_log (at, actor, action, incident_id, detail, address, target) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			s.d.Time(a.At), clean(a.Actor), clean(a.Action), clean(a.IncidentID), clean(a.Detail), clean(a.Address), clean(a.IncidentID)); err != nil {
			return err
		}
	}
	for _, e := range outbox {
		if e.IncidentID == "" {
			e.IncidentID = id
		}
		if e.At.IsZero() {
			e.At = now
		}
		payload := e.Payload
		if payload == nil {
			payload = []byte{}
		}
		if _, err := tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO outbox (at, incident_id, event, payload) VALUES (?, ?, ?, ?)`),
			s.d.Time(e.At), clean(e.IncidentID), clean(e.Event), payload); err != nil {
			return err
		}
	}
	return nil
}

// UpdateIncident implements hindsight.Store.
func (s *Store) UpdateIncident(ctx context.Context, u hindsight.IncidentUpdate) (*hindsight.Incident, error) {
	if u.Doc == nil {
		return nil, hindsight.Errorf(hindsight.EInvalid, "update incident %s: the document is missing", u.ID)
	}
	if u.BaseRevision < 1 {
		return nil, hindsight.Errorf(hindsight.EInvalid, "update incident %s: the base revision is missing", u.ID)
	}
	if !storable(u.ID) {
		return nil, notFound(u.ID)
	}
	now := s.now()
	doc := *u.Doc
	doc.Summary.IncidentID = u.ID
	md, js, err := s.renderDoc(&doc)
	if err != nil {
		return nil, err
	}
	pr := project(&doc)
	n := u.BaseRevision + 1
	var inc *hindsight.Incident
	err = s.txBatch(ctx, nil, func(tx *batch) error {
		q := `UPDATE incidents SET revision = ?, title = ?, severity = ?, severity_rank = ?, status = ?,
start_at = ?, end_at = ?, detected_at = ?, start_key = ?, duration_min = ?, tta_min = ?, ttm_min = ?, owner = ?, commander = ?,
detected_by = ?, detected_source = ?, last_updated = ?, services = ?, action_items = ?, open_action_items = ?,
updated_at = ?, updated_key = ?, updated_by = ?`
		args := []any{n, pr.Title, pr.Severity, pr.SeverityRank, pr.Status,
			s.d.Time(pr.Start), s.d.Time(pr.End), s.d.Time(pr.Detected), pr.StartKey, pr.Duration, pr.TTA, pr.TTM,
			pr.Owner, pr.Commander, pr.DetectedBy, pr.Source, s.d.Date(pr.LastUpdated), pr.servicesText,
			pr.ActionItems, pr.OpenActionItems, s.d.Time(now), now.UnixMicro(), clean(u.Author)}
		if u.Restricted != nil {
			q += `, restricted = ?`
			args = append(args, *u.Restricted)
		}
		q += ` WHERE id = ? AND revision = ? AND deleted_at IS NULL`
		args = append(args, u.ID, u.BaseRevision)
		res, err := tx.ExecContext(ctx, s.d.Rebind(q), args...)
		if err != nil {
			return err
		}
		if k, err := res.RowsAffected(); err != nil {
			return err
		} else if k == 0 {
			return s.whyNotUpdated(ctx, tx, u.ID, u.BaseRevision)
		}
		if _, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE incident_docs SET doc_json = ? WHERE incident_id = ?`), string(js), u.ID); err != nil {
			return err
		}
		if err := s.insertRevision(ctx, tx, u.ID, n, md, u.Author, now, u.Message); err != nil {
			return err
		}
		if err := s.writeRows(ctx, tx, u.ID, pr, nil); err != nil {
			return err
		}
		if err := s.syncTrackerLinks(ctx, tx, u.ID, &doc, u.Tracker, now); err != nil {
			return err
		}
		if u.Members != nil {
			if err := s.setMembers(ctx, tx, u.ID, *u.Members, nil); err != nil {
				return err
			}
		}
		if u.MemberTeams != nil {
			if err := s.setIncidentTeams(ctx, tx, u.ID, teamMember, "member_teams", *u.MemberTeams, nil); err != nil {
				return err
			}
		}
		if err := s.setDocTeams(ctx, tx, u.ID, &doc, nil); err != nil {
			return err
		}
		if err := s.writeSide(ctx, tx, u.ID, now, u.Audit, u.Outbox); err != nil {
			return err
		}
		if u.Gate != nil {
			sum, err := s.reviewSummary(ctx, tx, u.ID, n, md)
			if err != nil {
				return err
			}
			if err := u.Gate(sum); err != nil {
				return err
			}
		}
		inc = &hindsight.Incident{ID: u.ID, Revision: n, Doc: &doc, Markdown: md, UpdatedAt: now, UpdatedBy: u.Author}
		return s.readRecord(ctx, tx, inc)
	})
	if err != nil {
		return nil, internal("update incident "+u.ID, err)
	}
	return inc, nil
}

// readRecord fills in the record data of inc that an update leaves alone:
// visibility, members and creation, read in tx so they belong to the
// revision just written.
func (s *Store) readRecord(ctx context.Context, tx dbtx, inc *hindsight.Incident) error {
	err := tx.QueryRowContext(ctx, s.d.Rebind(`SELECT restricted, created_at, created_by FROM incidents WHERE id = ?`), inc.ID).Scan(
		&inc.Restricted, timeScan{&inc.CreatedAt}, &inc.CreatedBy)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, s.d.Rebind(`SELECT user_id FROM incident_members WHERE incident_id = ? ORDER BY user_id`), inc.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return err
		}
		inc.Members = append(inc.Members, u)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return s.readIncidentTeams(ctx, tx, inc)
}

// whyNotUpdated explains a refused update: no such incident, or a stale
// base revision (who saved in between, and when).
func (s *Store) whyNotUpdated(ctx context.Context, tx dbtx, id string, base int) error {
	var cur int
	var deleted string
	err := tx.QueryRowContext(ctx, s.d.Rebind(`SELECT revision, CASE WHEN deleted_at IS NULL THEN '' ELSE 'x' END FROM incidents WHERE id = ?`), id).Scan(&cur, &deleted)
	if errors.Is(err, sql.ErrNoRows) || deleted != "" {
		return notFound(id)
	}
	if err != nil {
		return err
	}
	if base > cur {
		return hindsight.Errorf(hindsight.EConflict, "incident %s has no revision %d (the latest is %d)", id, base, cur)
	}
	var author string
	var at time.Time
	err = tx.QueryRowContext(ctx, s.d.Rebind(`SELECT author, at FROM revisions WHERE incident_id = ? AND n = ?`), id, base+1).Scan(&author, timeScan{&at})
	if err != nil {
		return err
	}
	if author == "" {
		author = "someone"
	}
	more := ""
	if cur > base+1 {
		more = fmt.Sprintf(" (and %d more revisions since; the latest is %d)", cur-base-1, cur)
	}
	return hindsight.Errorf(hindsight.EConflict,
		"incident %s was changed by %s at %s UTC (revision %d) after you started from revision %d%s; reload it and apply your changes again",
		id, author, at.Format("2006-01-02 15:04:05"), base+1, base, more)
}

// DeleteIncident implements hindsight.Store.
func (s *Store) DeleteIncident(ctx context.Context, d hindsight.IncidentDelete) error {
	if !storable(d.ID) {
		return notFound(d.ID)
	}
	now := s.now()
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.retireInsights(ctx, tx, d.ID); err != nil {
			return err
		}
		var res sql.Result
		var err error
		// the If-Match revision is compared by the statement itself, in
		// this transaction: no read-then-delete race
		baseCond, baseArgs := "", []any{}
		if d.Base > 0 {
			baseCond, baseArgs = " AND revision = ?", []any{d.Base}
		}
		if d.Purge {
			if err := s.d.DeleteSearch(ctx, tx, d.ID); err != nil {
				return err
			}
			res, err = tx.ExecContext(ctx, s.d.Rebind(`DELETE FROM incidents WHERE id = ?`+baseCond), append([]any{d.ID}, baseArgs...)...)
		} else {
			res, err = tx.ExecContext(ctx, s.d.Rebind(`UPDATE incidents SET deleted_at = ?, deleted_by = ? WHERE id = ? AND deleted_at IS NULL`+baseCond),
				append([]any{s.d.Time(now), clean(d.Author), d.ID}, baseArgs...)...)
		}
		if err != nil {
			return err
		}
		if k, err := res.RowsAffected(); err != nil {
			return err
		} else if k == 0 {
			if d.Base > 0 {
				return s.whyNotUpdated(ctx, tx, d.ID, d.Base)
			}
			return notFound(d.ID)
		}
		return s.writeSide(ctx, tx, d.ID, now, d.Audit, nil)
	})
	return internal("delete incident "+d.ID, err)
}

// cond builds a WHERE clause.
type cond struct {
	parts []string
	args  []any
}

func (c *cond) add(sql string, args ...any) {
	c.parts = append(c.parts, sql)
	c.args = append(c.args, args...)
}

func (c *cond) String() string {
	if len(c.parts) == 0 {
		return "1 = 1"
	}
	return strings.Join(c.parts, " AND ")
}

// visible adds the viewer's filter on incidents (alias i).
func (c *cond) visible(v hindsight.Viewer) {
	switch {
	case v.SeesAll():
	case v.UserID == "":
		c.add(`NOT i.restricted`)
	default:
		c.add(`(NOT i.restricted OR EXISTS (SELECT 1 FROM incident_viewers m WHERE m.incident_id = i.id AND m.user_id = ?))`, clean(v.UserID))
	}
}

func (c *cond) in(col string, vals []string) {
	if len(vals) == 0 {
		return
	}
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = clean(v)
	}
	c.add(col+" IN ("+ph+")", args...)
}

func strs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

const incidentCols = `i.id, i.revision, i.restricted, i.created_at, i.created_by, i.updated_at, i.updated_by, i.deleted_at, i.deleted_by, d.doc_json`

// FindIncidentByID implements hindsight.Store.
func (s *Store) FindIncidentByID(ctx context.Context, v hindsight.Viewer, id string, opts ...hindsight.ReadOption) (*hindsight.Incident, error) {
	if !storable(id) {
		return nil, notFound(id)
	}
	var c cond
	c.add(`i.id = ?`, id)
	if !hindsight.HasReadOption(opts, hindsight.IncludeDeleted) {
		c.add(`i.deleted_at IS NULL`)
	}
	c.visible(v)
	var inc hindsight.Incident
	var js string
	err := s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT `+incidentCols+`, r.markdown FROM incidents i
JOIN incident_docs d ON d.incident_id = i.id JOIN revisions r ON r.incident_id = i.id AND r.n = i.revision WHERE `+c.String()), c.args...).Scan(
		&inc.ID, &inc.Revision, &inc.Restricted, timeScan{&inc.CreatedAt}, &inc.CreatedBy, timeScan{&inc.UpdatedAt}, &inc.UpdatedBy,
		timeScan{&inc.DeletedAt}, strScan{&inc.DeletedBy}, &js, &inc.Markdown)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(id)
	}
	if err != nil {
		return nil, internal("find incident "+id, err)
	}
	inc.Doc = new(hindsight.Postmortem)
	if err := json.Unmarshal([]byte(js), inc.Doc); err != nil {
		return nil, internal("decode incident "+id, err)
	}
	if err := s.readIncidentTeams(ctx, s.rq, &inc); err != nil {
		return nil, internal("find incident teams "+id, err)
	}
	if !inc.Restricted {
		return &inc, nil // only restricted incidents have members
	}
	rows, err := s.rq.QueryContext(ctx, s.d.Rebind(`SELECT user_id FROM incident_members WHERE incident_id = ? ORDER BY user_id`), id)
	if err != nil {
		return nil, internal("find incident members "+id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, internal("find incident members "+id, err)
		}
		inc.Members = append(inc.Members, u)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("find incident members "+id, err)
	}
	return &inc, nil
}

const summaryCols = `i.id, i.revision, i.title, i.severity, i.status, i.start_at, i.end_at, i.detected_at, i.duration_min, i.tta_min, i.ttm_min,
i.owner, i.commander, i.detected_by, i.detected_source, i.last_updated, i.services, i.action_items, i.open_action_items, i.restricted,
i.created_at, i.updated_at, i.updated_by, i.deleted_at`

func summaryDest(x *hindsight.IncidentSummary, services *string) []any {
	return []any{&x.ID, &x.Revision, &x.Title, (*string)(&x.Severity), (*string)(&x.Status),
		timeScan{&x.Start}, timeScan{&x.End}, timeScan{&x.Detected}, minScan{&x.DurationMin}, minScan{&x.TTAMin}, minScan{&x.TTMMin},
		&x.Owner, &x.Commander, &x.DetectedBy, (*string)(&x.Source), timeScan{&x.LastUpdated}, services, &x.ActionItems, &x.OpenActionItems,
		&x.Restricted, timeScan{&x.CreatedAt}, timeScan{&x.UpdatedAt}, &x.UpdatedBy, timeScan{&x.DeletedAt}}
}

func splitServices(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, "\n")
}

// listCursor is the keyset position after the last row of a page.
type listCursor struct {
	Sort string `json:"s"`
	Desc bool   `json:"d,omitempty"`
	Key  int64  `json:"k"`
	ID   string `json:"i"`
}

func encodeCursor(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a cursor encodeCursor made into v. Only such a cursor
// is taken: its JSON must encode back to the same bytes, so a cursor with
// other fields, missing ones or a changed spelling ({"x":1} would read as
// no cursor at all and serve the first page again) is refused like one that
// is not base64.
func decodeCursor(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err == nil {
		if again, _ := json.Marshal(v); string(again) != string(b) {
			err = errors.New("not a cursor of this list")
		}
	}
	if err != nil {
		// a query parameter that cannot be read: 400 bad_request naming
		// it, like every other bad query parameter
		msg := fmt.Sprintf("%q is not valid: pass the next cursor of a previous page", s)
		return &hindsight.Error{Code: hindsight.EMalformed, Message: "cursor: " + msg, Fields: []hindsight.FieldError{{Field: "cursor", Message: msg}}}
	}
	return nil
}

// incidentConds adds the filters of f (not paging) to c. byService leaves
// the service filter to the caller, which drives the query from the
// service's rows.
func (s *Store) incidentConds(ctx context.Context, c *cond, v hindsight.Viewer, f *hindsight.IncidentFilter, byService bool) error {
	switch f.Deleted {
	case hindsight.ExcludeDeleted:
		c.add(`i.deleted_at IS NULL`)
	case hindsight.OnlyDeleted:
		c.add(`i.deleted_at IS NOT NULL`)
	}
	c.visible(v)
	if f.IDs != nil {
		if len(f.IDs) == 0 {
			c.add(`1 = 0`)
		}
		c.in(`i.id`, f.IDs)
	}
	c.in(`i.severity`, strs(f.Severity))
	c.in(`i.status`, strs(f.Status))
	if f.Service != "" && !byService {
		c.add(`EXISTS (SELECT 1 FROM incident_services sv WHERE sv.incident_id = i.id AND lower(sv.name) = lower(?))`, clean(f.Service))
	}
	if f.Team != "" {
		teamCond(c, f.Team)
	}
	if f.Owner != "" {
		c.add(`lower(i.owner) = lower(?)`, clean(f.Owner))
	}
	if f.Commander != "" {
		c.add(`lower(i.commander) = lower(?)`, clean(f.Commander))
	}
	shapeCond(c, `i.id`, f.Fields, f.Tag, f.FactorCategory)
	if !f.StartFrom.IsZero() {
		c.add(`i.start_key >= ? AND i.start_at IS NOT NULL`, f.StartFrom.Unix())
	}
	if !f.StartBefore.IsZero() {
		c.add(`i.start_key < ? AND i.start_at IS NOT NULL`, f.StartBefore.Unix())
	}
	s.dueConds(c, f.Due)
	if f.HasOpenActionItems != nil {
		if *f.HasOpenActionItems {
			c.add(`i.open_action_items > 0`)
		} else {
			c.add(`i.open_action_items = 0`)
		}
	}
	if strings.TrimSpace(f.Query) != "" {
		arg, ok := s.d.MatchArg(f.Query)
		if !ok {
			c.add(`1 = 0`)
		} else {
			common, err := s.commonMatch(ctx, arg)
			if err != nil {
				return err
			}
			c.add(s.d.MatchCond(common), arg)
		}
	}
	return nil
}

// commonMatch reports whether a full-text query matches many incidents
// (Dialect.MatchCountSQL): a word in most incidents lists fastest by
// reading incidents in order and keeping the matching ones, a rare word by
// reading its matches.
func (s *Store) commonMatch(ctx context.Context, arg string) (bool, error) {
	q, common := s.d.MatchCountSQL()
	if q == "" {
		return false, nil
	}
	var n int
	if err := s.rq.QueryRowContext(ctx, s.d.Rebind(q), arg, common).Scan(&n); err != nil {
		return false, internal("count matches", err)
	}
	return n >= common, nil
}

// FindIncidents implements hindsight.Store.
func (s *Store) FindIncidents(ctx context.Context, v hindsight.Viewer, f hindsight.IncidentFilter) (*hindsight.IncidentPage, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	if limit > 1000 {
		limit = 1000
	}
	sortBy := f.Sort
	if sortBy == "" {
		sortBy = hindsight.SortStart
	}
	var key string
	switch sortBy {
	case hindsight.SortStart:
		key = "i.start_key"
	case hindsight.SortSeverity:
		key = "i.severity_rank"
	case hindsight.SortUpdated:
		key = "i.updated_key"
	case hindsight.SortID:
		key = ""
	case hindsight.SortDue:
		if f.Due == nil {
			return nil, hindsight.Errorf(hindsight.EInvalid, "sort due needs the rule of due dates (IncidentFilter.Due)")
		}
	default:
		return nil, hindsight.Errorf(hindsight.EInvalid, "sort %q is not one of start, severity, updated, id, due", f.Sort)
	}
	// by due date: its own query (dueQuery), with the range of f.Due as
	// ranges of End there rather than incidentConds' expression
	var due *hindsight.DueQuery
	if sortBy == hindsight.SortDue {
		due, f.Due = f.Due, nil
	}
	// A service's incidents by start come from that service's rows in
	// start order (index incident_services_start), not from a probe of
	// every incident in start order: a service is in a few percent of
	// incidents, so a page would otherwise look at thousands.
	byService := f.Service != "" && sortBy == hindsight.SortStart
	from, idCol := `incidents i`, `i.id`
	var c cond
	if byService {
		key, idCol = "sv.start_key", "sv.incident_id"
		// CROSS JOIN keeps SQLite's loop order: the service's rows outside.
		from = `incident_services sv CROSS JOIN incidents i`
		c.add(`lower(sv.name) = lower(?) AND sv.start_key IS NOT NULL AND i.id = sv.incident_id`, clean(f.Service))
	}
	// Likewise a tag, factor category or field value (the rarest when there
	// are several, shapeDriver) drives a list by start from its rows in
	// start order (migration 00200), and the other filters are probes: a
	// tag on 1% of 100,000 incidents made the probe plan read about 5,000
	// incidents for a page. Not with an owner, commander or text query,
	// which have their own index or match list to start from.
	if sortBy == hindsight.SortStart && !byService && f.Owner == "" && f.Commander == "" && strings.TrimSpace(f.Query) == "" {
		k, ok, err := s.shapeDriver(ctx, &f)
		if err != nil {
			return nil, err
		}
		if ok {
			k.drop(&f)
			key, idCol = "sk.start_key", "sk.incident_id"
			// CROSS JOIN keeps SQLite's loop order: the key's rows outside.
			from = k.table + ` sk CROSS JOIN incidents i`
			c.add(k.where+` AND i.id = sk.incident_id`, k.args...)
			// the other keys probed from the key's row, before its incident
			// is read (SQLite tests a condition at the first loop that has
			// its columns)
			shapeCond(&c, `sk.incident_id`, f.Fields, f.Tag, f.FactorCategory)
			f.Fields, f.Tag, f.FactorCategory = nil, "", ""
			// the start range as a range of the key's index
			if !f.StartFrom.IsZero() {
				c.add(`sk.start_key >= ?`, f.StartFrom.Unix())
			}
			if !f.StartBefore.IsZero() {
				c.add(`sk.start_key < ?`, f.StartBefore.Unix())
			}
		}
	}
	if err := s.incidentConds(ctx, &c, v, &f, byService); err != nil {
		return nil, err
	}
	dir, cmp := "ASC", ">"
	if f.Desc {
		dir, cmp = "DESC", "<"
	}
	var cur *listCursor
	if f.Cursor != "" {
		cur = new(listCursor)
		if err := decodeCursor(f.Cursor, cur); err != nil {
			return nil, err
		}
		if cur.Sort != string(sortBy) || cur.Desc != f.Desc {
			return nil, badCursor(f.Cursor, "it belongs to another sort order: start from the first page")
		}
	}
	var q string
	var args []any
	switch {
	case due != nil:
		if q, args = s.dueQuery(due, f.Status, f.Desc, &c, cur, limit+1); q == "" {
			return &hindsight.IncidentPage{Incidents: []hindsight.IncidentSummary{}}, nil
		}
	default:
		q, args = s.listQuery(from, key, idCol, dir, cmp, &c, cur, limit+1)
	}
	rows, err := s.rq.QueryContext(ctx, s.d.Rebind(q), args...)
	if err != nil {
		return nil, internal("find incidents", err)
	}
	defer rows.Close()
	page := &hindsight.IncidentPage{Incidents: []hindsight.IncidentSummary{}}
	var last listCursor
	for rows.Next() {
		if len(page.Incidents) == limit {
			page.Next = encodeCursor(last)
			break
		}
		var x hindsight.IncidentSummary
		var services string
		var k int64
		if err := rows.Scan(append(summaryDest(&x, &services), &k)...); err != nil {
			return nil, internal("find incidents", err)
		}
		x.Services = splitServices(services)
		page.Incidents = append(page.Incidents, x)
		last = listCursor{Sort: string(sortBy), Desc: f.Desc, Key: k, ID: x.ID}
	}
	if err := rows.Err(); err != nil {
		return nil, internal("find incidents", err)
	}
	return page, nil
}

// listQuery is FindIncidents' query by key (a column; "" for the ID), in
// direction dir, after cur when set, with its arguments.
func (s *Store) listQuery(from, key, idCol, dir, cmp string, c *cond, cur *listCursor, limit int) (string, []any) {
	if cur != nil {
		if key == "" {
			c.add(idCol+` `+cmp+` ?`, cur.ID)
		} else {
			// a row value, which both backends read as one index range
			// (SQLite 3.54 planned the OR spelling as two ranges and a sort:
			// 60 ms for a service's second page at 100,000 incidents)
			c.add(`(`+key+`, `+idCol+`) `+cmp+` (?, ?)`, cur.Key, cur.ID)
		}
	}
	order := idCol + " " + dir
	keyCol := "0"
	if key != "" {
		order = key + " " + dir + ", " + order
		keyCol = key
	}
	return `SELECT ` + summaryCols + `, ` + keyCol + ` FROM ` + from + ` WHERE ` + c.String() + ` ORDER BY ` + order + ` LIMIT ?`, append(c.args, limit)
}

type searchCursor struct {
	Offset int `json:"o"`
}

// SearchIncidents implements hindsight.Store.
func (s *Store) SearchIncidents(ctx context.Context, v hindsight.Viewer, q hindsight.SearchQuery) (*hindsight.SearchPage, error) {
	if strings.TrimSpace(q.Text) == "" {
		return nil, hindsight.Errorf(hindsight.EInvalid, "search: the query is empty")
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	if limit > 200 {
		limit = 200
	}
	var cur searchCursor
	if q.Cursor != "" {
		if err := decodeCursor(q.Cursor, &cur); err != nil {
			return nil, err
		}
		if cur.Offset < 0 {
			return nil, badCursor(q.Cursor, "its offset is negative: pass the next cursor of a previous page")
		}
	}
	page := &hindsight.SearchPage{Hits: []hindsight.SearchHit{}}
	arg, ok := s.d.MatchArg(q.Text)
	if !ok {
		return page, nil
	}
	var c cond
	c.add(`i.deleted_at IS NULL`)
	c.visible(v)
	if r, ok := s.d.(SearchRanker); ok {
		if err := s.searchRanked(ctx, r, page, arg, c, limit, cur.Offset); err != nil {
			return nil, internal("search incidents", err)
		}
		return page, nil
	}
	if w, ok := s.d.(SearchWindower); ok {
		if err := s.searchWindowed(ctx, w, page, arg, c, limit, cur.Offset); err != nil {
			return nil, internal("search incidents", err)
		}
		return page, nil
	}
	args := append([]any{arg}, c.args...)
	args = append(args, limit+1, cur.Offset)
	rows, err := s.rq.QueryContext(ctx, s.d.Rebind(s.d.SearchSQL(summaryCols, c.String())), args...)
	if err != nil {
		return nil, internal("search incidents", err)
	}
	defer rows.Close()
	for rows.Next() {
		if len(page.Hits) == limit {
			page.Next = encodeCursor(searchCursor{Offset: cur.Offset + limit})
			break
		}
		var h hindsight.SearchHit
		var services, a, b string
		if err := rows.Scan(append(summaryDest(&h.IncidentSummary, &services), &a, &b, &h.Rank, &page.Total)...); err != nil {
			return nil, internal("search incidents", err)
		}
		h.Services = splitServices(services)
		h.Snippet = s.d.Snippet(arg, a, b, searchHeaderLen(&h.IncidentSummary, b))
		page.Hits = append(page.Hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("search incidents", err)
	}
	return page, nil
}

// searchWindowed fills page with the hits of arg for cond from offset, up
// to limit, ranked within the search window (the window most recent
// matches that cond keeps): it counts the matches among the 2×window most
// recent incidents, and ranks them in the same query when they hold the
// window or every incident; otherwise it widens the range by what that
// count says of the words' frequency (×16 when none matched) and counts
// again, until the range holds the window, or every incident, or would hold
// about every incident (then all matches are searched, with no range:
// counting them first would only read them twice). A common word reads
// about a window of matches once, not all its matches. The page's rows
// (summary, title and body for the snippets) are read by ID afterwards.
func (s *Store) searchWindowed(ctx context.Context, w SearchWindower, page *hindsight.SearchPage, arg string, c cond, limit, offset int) error {
	type hit struct {
		id   string
		rank float64
	}
	var hits []hit
	var total int
	hint := w.SearchHint(ctx, arg)
	plain := false
	for k := int64(2 * w.SearchWindow()); ; {
		bounded := k > 0
		q, args := w.SearchWindowQuery(hint, k, arg, c.String(), plain)
		args = append(args, c.args...)
		args = append(args, limit+1, offset)
		rows, err := s.rq.QueryContext(ctx, s.d.Rebind(q), args...)
		if err != nil {
			return err
		}
		var n sql.NullInt64
		var est int64
		var all bool
		hits = hits[:0]
		used := k // the dialect may search a wider range
		for rows.Next() {
			var id sql.NullString
			var rank sql.NullFloat64
			var u sql.NullInt64
			if err := rows.Scan(&n, &all, &est, &u, &id, &rank); err != nil {
				rows.Close()
				return err
			}
			used = max(used, u.Int64)
			if id.Valid {
				hits = append(hits, hit{id.String, rank.Float64})
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if !n.Valid {
			// the dialect's shortcut could not tell: the same range again
			// with the plain statement
			if plain {
				return errors.New("search window: the plain statement gave no size")
			}
			plain = true
			continue
		}
		k = used
		if !bounded || all || n.Int64 >= int64(w.SearchWindow()) {
			total = int(n.Int64)
			break
		}
		next := k * 16
		if n.Int64 > 0 {
			// enough, at the frequency seen, for the window and a quarter
			next = k * int64(w.SearchWindow()) * 5 / (4 * n.Int64)
		}
		k = max(next, 2*k)
		if est > 0 && k >= est*3/4 {
			k = 0
		}
	}
	if len(hits) == 0 {
		return nil
	}
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.id
	}
	rows, err := s.rq.QueryContext(ctx, s.d.Rebind(w.SearchRowsSQL(summaryCols)), ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	found := make(map[string]hindsight.SearchHit, len(hits))
	for rows.Next() {
		var h hindsight.SearchHit
		var services, a, b string
		if err := rows.Scan(append(summaryDest(&h.IncidentSummary, &services), &a, &b)...); err != nil {
			return err
		}
		h.Services = splitServices(services)
		h.Snippet = s.d.Snippet(arg, a, b, searchHeaderLen(&h.IncidentSummary, b))
		found[h.ID] = h
	}
	if err := rows.Err(); err != nil {
		return err
	}
	page.Total = total
	for _, x := range hits {
		if len(page.Hits) == limit {
			page.Next = encodeCursor(searchCursor{Offset: offset + limit})
			break
		}
		// an incident deleted since the ranking is left out
		if h, ok := found[x.id]; ok {
			h.Rank = x.rank
			page.Hits = append(page.Hits, h)
		}
	}
	return nil
}

// visibleIncident checks that id exists for v (ENotFound otherwise).
func (s *Store) visibleIncident(ctx context.Context, v hindsight.Viewer, id string, opts []hindsight.ReadOption) error {
	if !storable(id) {
		return notFound(id)
	}
	var c cond
	c.add(`i.id = ?`, id)
	if !hindsight.HasReadOption(opts, hindsight.IncludeDeleted) {
		c.add(`i.deleted_at IS NULL`)
	}
	c.visible(v)
	var one int
	err := s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT 1 FROM incidents i WHERE `+c.String()), c.args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(id)
	}
	return internal("find incident "+id, err)
}

// FindIncidentVersion implements hindsight.Store: the current revision
// and save time of an incident v may see, without reading the document.
func (s *Store) FindIncidentVersion(ctx context.Context, v hindsight.Viewer, id string) (int, time.Time, error) {
	if !storable(id) {
		return 0, time.Time{}, notFound(id)
	}
	now := s.clock()
	if e, ok := s.vers.get(id, now); ok {
		return e.rev, time.UnixMicro(e.key).UTC(), nil
	}
	gen := s.vers.gen.Load()
	var c cond
	c.add(`i.id = ?`, id)
	c.add(`i.deleted_at IS NULL`)
	c.visible(v)
	// updated_key is updated_at in unix microseconds, the precision both
	// backends keep: an integer scans without parsing a time
	var rev int
	var key int64
	var restricted bool
	err := s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT i.revision, i.updated_key, i.restricted FROM incidents i WHERE `+c.String()), c.args...).Scan(&rev, &key, &restricted)
	if err == nil && !restricted {
		// only unrestricted incidents: whoever may read the list may see them
		s.vers.put(id, version{rev: rev, key: key, at: now, gen: gen})
	}
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, notFound(id)
	}
	if err != nil {
		return 0, time.Time{}, internal("find incident "+id, err)
	}
	return rev, time.UnixMicro(key).UTC(), nil
}

// FindRevisions implements hindsight.Store.
func (s *Store) FindRevisions(ctx context.Context, v hindsight.Viewer, id string, opts ...hindsight.ReadOption) ([]hindsight.Revision, error) {
	if err := s.visibleIncident(ctx, v, id, opts); err != nil {
		return nil, err
	}
	rows, err := s.rq.QueryContext(ctx, s.d.Rebind(`SELECT n, author, at, message FROM revisions WHERE incident_id = ? ORDER BY n`), id)
	if err != nil {
		return nil, internal("find revisions of "+id, err)
	}
	defer rows.Close()
	out := []hindsight.Revision{}
	for rows.Next() {
		var r hindsight.Revision
		if err := rows.Scan(&r.N, &r.Author, timeScan{&r.At}, &r.Message); err != nil {
			return nil, internal("find revisions of "+id, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("find revisions of "+id, err)
	}
	return out, nil
}

// FindRevision implements hindsight.Store.
func (s *Store) FindRevision(ctx context.Context, v hindsight.Viewer, id string, n int, opts ...hindsight.ReadOption) (*hindsight.Revision, error) {
	if err := s.visibleIncident(ctx, v, id, opts); err != nil {
		return nil, err
	}
	var r hindsight.Revision
	err := s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT n, author, at, message, markdown FROM revisions WHERE incident_id = ? AND n = ?`), id, n).Scan(
		&r.N, &r.Author, timeScan{&r.At}, &r.Message, &r.Markdown)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hindsight.Errorf(hindsight.ENotFound, "incident %s has no revision %d", id, n)
	}
	if err != nil {
		return nil, internal("find revision", err)
	}
	if r.Markdown == nil {
		r.Markdown = []byte{}
	}
	return &r, nil
}

// FindActionItems implements hindsight.Store.
func (s *Store) FindActionItems(ctx context.Context, v hindsight.Viewer, f hindsight.ActionItemFilter) ([]hindsight.ActionItemRow, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 500
	}
	if limit > 5000 {
		limit = 5000
	}
	// on the items' copies of their incident's columns (inc_live,
	// inc_restricted, inc_severity): incidents are read for the page only
	var c cond
	c.add(`a.inc_live = 1`)
	visibleCond(&c, v, `a.inc_restricted`, `a.incident_id`)
	if f.Owner != "" {
		// owner_key (ASCII case folded, as the tracker compares owners on
		// both backends) leads the index in this list's order
		c.add(`a.owner_key = ?`, foldKey(f.Owner))
	}
	c.in(`a.priority`, strs(f.Priority))
	c.in(`a.status`, strs(f.Status))
	c.in(`a.inc_severity`, strs(f.Severity))
	if f.Overdue {
		asOf := f.OverdueAsOf
		if asOf.IsZero() {
			asOf = s.now()
		}
		c.add(`a.status <> ? AND a.target_date IS NOT NULL AND a.target_date < ?`, string(hindsight.ItemClosed), s.d.Date(asOf))
	}
	if !f.DueBefore.IsZero() {
		c.add(`a.target_date IS NOT NULL AND a.target_date < ?`, s.d.Date(f.DueBefore))
	}
	if !f.DueFrom.IsZero() {
		c.add(`a.target_date IS NOT NULL AND a.target_date >= ?`, s.d.Date(f.DueFrom))
	}
	if f.Service != "" {
		c.add(`EXISTS (SELECT 1 FROM incident_services sv WHERE sv.incident_id = a.incident_id AND lower(sv.name) = lower(?))`, clean(f.Service))
	}
	if f.IncidentID != "" {
		c.add(`a.incident_id = ?`, clean(f.IncidentID))
	}
	teamItemConds(&c, f.Team, f.OwnerTeam)
	if err := s.shapeItemCond(ctx, &c, `a.incident_id`, f.Fields, f.Tag, f.FactorCategory, false); err != nil {
		return nil, err
	}
	// the page's keys first, then the page's rows: a rare shape key sorts
	// a few thousand items' keys, not their rows
	order := `CASE WHEN a.target_date IS NULL THEN 1 ELSE 0 END, a.target_date, a.incident_id, a.position`
	q := `SELECT a.incident_id, i.title, i.severity, a.position, a.item_id, a.action, a.owner, a.priority, a.target_date, a.target_text, a.status, a.ticket
FROM (SELECT a.incident_id, a.position FROM action_items a WHERE ` + c.String() + `
ORDER BY ` + order + ` LIMIT ?) p
JOIN action_items a ON a.incident_id = p.incident_id AND a.position = p.position JOIN incidents i ON i.id = a.incident_id
ORDER BY ` + order
	rows, err := s.rq.QueryContext(ctx, s.d.Rebind(q), append(c.args, limit)...)
	if err != nil {
		return nil, internal("find action items", err)
	}
	defer rows.Close()
	out := []hindsight.ActionItemRow{}
	for rows.Next() {
		var r hindsight.ActionItemRow
		var target time.Time
		if err := rows.Scan(&r.IncidentID, &r.IncidentTitle, (*string)(&r.IncidentSeverity), &r.Position, &r.ID, &r.Action, &r.Owner,
			(*string)(&r.Priority), timeScan{&target}, &r.TargetDate.Text, (*string)(&r.Status), &r.Ticket); err != nil {
			return nil, internal("find action items", err)
		}
		if !target.IsZero() {
			r.TargetDate = hindsight.DateOf(target)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("find action items", err)
	}
	return out, nil
}

var _ hindsight.Store = (*Store)(nil)

// Ping checks that the database answers (for /readyz).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.r.PingContext(ctx); err != nil {
		return hindsight.Errorf(hindsight.EUnavailable, "database: %v", err)
	}
	return nil
}
