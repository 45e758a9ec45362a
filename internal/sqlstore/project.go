package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hindsight-pm/hindsight"
)

// projection is everything the store derives from a model: the queryable
// columns of the incidents row, the rows of services, timeline events and
// action items, and the search text. Build it with project, the one place
// both backends turn a model into rows.
type projection struct {
	Title, Severity, Status      string
	SeverityRank                 int
	Start, End, Detected         time.Time
	StartKey                     int64
	Duration, TTA, TTM           sql.NullInt64
	Owner, Commander, DetectedBy string
	Source                       string
	LastUpdated                  time.Time
	Services                     []hindsight.Service
	Events                       []hindsight.Event
	Items                        []hindsight.ActionItem
	ActionItems, OpenActionItems int
	SearchTitle, SearchBody      string
	servicesText                 string
	// Tags, Fields and Factors are the shape rows (migration 00160), each
	// with its written form (migration 00230).
	Tags    []shapeRow
	Fields  []shapeRow
	Factors []shapeRow
}

// clean makes s storable in an indexed text column of either backend:
// valid UTF-8 without NUL bytes (PostgreSQL TEXT rejects both). The
// canonical Markdown and the model keep the original bytes; only
// projections are cleaned.
func clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return s
}

// cleanSearch also drops the snippet markers, so a snippet's markers are
// always the store's.
func cleanSearch(s string) string {
	s = clean(s)
	if strings.ContainsAny(s, hindsight.MarkStart+hindsight.MarkEnd) {
		s = strings.NewReplacer(hindsight.MarkStart, " ", hindsight.MarkEnd, " ").Replace(s)
	}
	return s
}

func minutes(d hindsight.Duration) sql.NullInt64 {
	if !d.Valid {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: int64(d.Minutes), Valid: true}
}

// severityRank orders severities: SEV-1..SEV-4, then anything else.
func severityRank(s hindsight.Severity) int {
	if l := s.Level(); l != 0 {
		return l
	}
	return 9
}

func project(p *hindsight.Postmortem) *projection {
	s := p.Summary
	pr := &projection{
		Title:        clean(p.Title),
		Severity:     clean(string(s.Severity)),
		SeverityRank: severityRank(s.Severity),
		Status:       clean(string(p.Status)),
		Start:        s.Start.T,
		End:          s.End.T,
		Detected:     p.Detection.DetectionTime.T,
		Duration:     minutes(s.Duration),
		TTA:          minutes(p.Detection.TTA),
		TTM:          minutes(p.Detection.TTM),
		Owner:        clean(p.Owner),
		Commander:    clean(p.Detection.Commander),
		DetectedBy:   clean(p.Detection.DetectedBy),
		Source:       string(p.Detection.Source()),
		LastUpdated:  p.LastUpdated.T,
		Services:     s.Services,
		Events:       p.Timeline,
		Items:        p.ActionItems,
		ActionItems:  len(p.ActionItems),
	}
	if s.Start.IsSet() {
		pr.StartKey = s.Start.T.Unix()
	}
	pr.OpenActionItems = p.OpenActionItems()
	names := make([]string, 0, len(s.Services))
	for _, sv := range s.Services {
		names = append(names, clean(strings.ReplaceAll(sv.Name, "\n", " ")))
	}
	pr.servicesText = strings.Join(names, "\n")
	pr.SearchTitle = cleanSearch(p.Title)
	pr.SearchBody = cleanSearch(searchText(p))
	pr.Tags, pr.Fields, pr.Factors = shapeRows(p)
	return pr
}

// shapeKey is how tags, field labels and values and factor categories are
// stored and compared: trimmed, lower case (Go's folding on both backends,
// so the filters compare keys made here with keys made here).
func shapeKey(s string) string {
	return strings.ToLower(strings.TrimSpace(clean(s)))
}

// shapeRow is one row of a shape table: the field label's key (fields
// only), the key (a tag, a factor category, a field value or piece) and
// the key as the document writes it.
type shapeRow struct {
	name, key, written string
}

// writtenForm is w trimmed when its lower case is key, else "". It is the spelling insights show for
// key when the row is in the oldest incident with key (Store.keySpellings),
// as followup's keyCase found it in that incident's document before
// migration 00230: a form that does not compare equal to the key, or a
// row from another line than the first labelled so (shapeRows), is not
// shown and the key is. It is cleaned (clean) for the TEXT column.
func writtenForm(w, key string) string {
	w = strings.TrimSpace(w)
	if strings.ToLower(w) != key {
		return ""
	}
	return clean(w)
}

// shapeRows are the distinct rows of p's tags, custom fields and factor
// categories (Contract B of issue 19): a field is stored with its whole
// value and each comma-separated piece, so a filter on one value of a
// multi field finds it; empty keys are left out. Each row keeps its first
// form in the document (writtenForm); the rows of a field label's second
// line and later keep none, as p.CustomField reads only the first one.
func shapeRows(p *hindsight.Postmortem) (tags, fields, factors []shapeRow) {
	seen := map[string]bool{}
	for _, t := range p.Tags() {
		if k := shapeKey(t); k != "" && !seen[k] {
			seen[k] = true
			tags = append(tags, shapeRow{key: k, written: writtenForm(t, k)})
		}
	}
	seenF := map[[2]string]bool{}
	firstLine := map[string]bool{}
	addField := func(name, value string, first bool) {
		kv := [2]string{name, shapeKey(value)}
		if kv[1] != "" && !seenF[kv] {
			seenF[kv] = true
			r := shapeRow{name: name, key: kv[1]}
			if first {
				r.written = writtenForm(value, kv[1])
			}
			fields = append(fields, r)
		}
	}
	for _, f := range p.CustomFields() {
		name := shapeKey(f.Label)
		if name == "" {
			continue
		}
		first := !firstLine[name]
		firstLine[name] = true
		addField(name, f.Value, first)
		if strings.Contains(f.Value, ",") {
			for _, piece := range strings.Split(f.Value, ",") {
				addField(name, piece, first)
			}
		}
	}
	seen = map[string]bool{}
	for _, f := range p.Factors() {
		if k := shapeKey(f.Category); k != "" && !seen[k] {
			seen[k] = true
			factors = append(factors, shapeRow{key: k, written: writtenForm(f.Category, k)})
		}
	}
	return tags, fields, factors
}

// searchText is the text of every section of p, one field per line.
// searchHeader is the first lines of an incident's search text: its
// Incident ID, severity, status and owner (those set).
func searchHeader(id, severity, status, owner string) []string {
	return []string{id, severity, status, owner}
}

// searchHeaderLen is the length of the header (searchHeader) that begins
// the search text body of the incident x, as stored: the lines that are,
// in turn, its ID, severity, status and owner (a document whose Incident
// ID is not its key lacks that line). A hit's snippet is made from the
// rest (the result shows those fields already) unless only they hold the
// query's words.
func searchHeaderLen(x *hindsight.IncidentSummary, body string) int {
	n := 0
	for _, v := range searchHeader(x.ID, string(x.Severity), string(x.Status), x.Owner) {
		if strings.TrimSpace(v) == "" {
			continue
		}
		if rest := body[n:]; len(rest) > len(v) && rest[len(v)] == '\n' && strings.HasPrefix(rest, v) {
			n += len(v) + 1
		}
	}
	return n
}

func searchText(p *hindsight.Postmortem) string {
	var b strings.Builder
	add := func(ss ...string) {
		for _, s := range ss {
			if strings.TrimSpace(s) != "" {
				b.WriteString(s)
				b.WriteByte('\n')
			}
		}
	}
	s := p.Summary
	add(searchHeader(s.IncidentID, string(s.Severity), string(p.Status), p.Owner)...)
	for _, sv := range s.Services {
		add(sv.Name, sv.Impact)
	}
	ci := s.CustomerImpact
	add(ci.UsersAffected, ci.Regions, ci.Symptoms)
	add(ci.Notes...)
	add(p.ExecutiveSummary)
	d := p.Detection
	add(d.DetectedBy, d.Commander, d.Responders, d.Channels)
	add(p.Impact.Customer, p.Impact.Internal)
	for _, a := range []hindsight.Answer{p.Impact.Data.Loss, p.Impact.Data.Exposure, p.Impact.Data.Compliance} {
		add(a.Note)
	}
	add(p.Impact.Data.Notes...)
	for _, e := range p.Timeline {
		add(e.Event)
		add(e.Cells...)
	}
	add(p.RootCause.Primary)
	add(p.RootCause.Factors...)
	add(p.Resolution.Immediate, p.Resolution.LongTerm, p.Resolution.Rollback.Note)
	add(p.Communication.StatusPage, p.Communication.Direct, p.Communication.FollowUp)
	add(p.WentWell...)
	add(p.WentPoorly...)
	for _, a := range p.ActionItems {
		add(a.ID, a.Action, a.Owner)
		add(a.Cells...)
	}
	pv := p.Prevention
	add(pv.Monitoring, pv.Process, pv.Documentation, pv.Training)
	add(p.References...)
	for _, key := range sortedKeys(p.Extras) {
		e := p.Extras[key]
		add(e.Before)
		for _, f := range e.Fields {
			add(f.Label, f.Value)
		}
		add(e.After)
	}
	for _, c := range p.Custom {
		add(c.Heading, c.Body)
	}
	return b.String()
}

func sortedKeys(m map[string]hindsight.Extra) []string {
	keys := make([]string, 0, len(m))
	for _, s := range hindsight.Sections {
		if _, ok := m[s.Key]; ok {
			keys = append(keys, s.Key)
		}
	}
	if _, ok := m[hindsight.SecPreamble]; ok {
		keys = append(keys, hindsight.SecPreamble)
	}
	return keys
}

// newRows is what writeRows knows of an incident created in the same
// transaction: its row is new, so no rows of it exist to read or replace.
type newRows struct {
	restricted bool
	// delta gathers the rollup changes of every incident the transaction
	// creates, applied once by the caller.
	delta *rollupDelta
}

// writeRows replaces the service, timeline and action item rows, the
// search text and the insight facts of incident id (live: not deleted,
// already written to incidents) with those of pr, and moves the insight
// rollups by the difference. Action items carry copies of the incident's
// columns the tracker filters on, so it does not join incidents per item.
// nw is set for an incident created in tx. Its reads come first, so that
// a batch (txBatch) sends the writes after them together.
func (s *Store) writeRows(ctx context.Context, tx dbtx, id string, pr *projection, nw *newRows) error {
	var restricted bool
	var oldItems map[itemKey]int
	var oldFacts []fact
	if nw != nil {
		restricted = nw.restricted
	} else {
		if err := tx.QueryRowContext(ctx, s.d.Rebind(`SELECT restricted FROM incidents WHERE id = ?`), id).Scan(&restricted); err != nil {
			return err
		}
		var err error
		if oldItems, err = s.readItemCounts(ctx, tx, id); err != nil {
			return err
		}
		if oldFacts, err = s.readFacts(ctx, tx, id); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM incident_services WHERE incident_id = ?`,
			`DELETE FROM timeline_events WHERE incident_id = ?`,
			`DELETE FROM action_items WHERE incident_id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, s.d.Rebind(q), id); err != nil {
				return err
			}
		}
	}
	if _, err := s.writeShape(ctx, tx, id, pr, nw); err != nil {
		return err
	}
	if len(pr.Services) > 0 {
		rows := make([][]any, len(pr.Services))
		for i, sv := range pr.Services {
			rows[i] = []any{id, i, clean(sv.Name), clean(sv.Impact)}
		}
		if err := s.insertRows(ctx, tx, `INSERT INTO incident_services (incident_id, position, name, impact) VALUES `, `(?, ?, ?, ?)`, rows); err != nil {
			return err
		}
		// The first row of each name carries the start, for listing a
		// service's incidents by start (migration 00070).
		if _, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE incident_services SET start_key = ? WHERE incident_id = ? AND position IN
(SELECT min(position) FROM incident_services WHERE incident_id = ? GROUP BY lower(name))`), pr.StartKey, id, id); err != nil {
			return err
		}
	}
	if len(pr.Events) > 0 {
		rows := make([][]any, len(pr.Events))
		for i, e := range pr.Events {
			rows[i] = []any{id, i, s.d.Time(e.Time.T), clean(e.Time.Text), clean(e.Event)}
		}
		if err := s.insertRows(ctx, tx, `INSERT INTO timeline_events (incident_id, position, at, at_text, event) VALUES `, `(?, ?, ?, ?, ?)`, rows); err != nil {
			return err
		}
	}
	if len(pr.Items) > 0 {
		rows := make([][]any, len(pr.Items))
		for i, a := range pr.Items {
			status := clean(string(a.Status))
			rows[i] = []any{id, i, clean(a.ID), clean(a.Action), clean(a.Owner), clean(string(a.Priority)),
				s.d.Date(a.TargetDate.T), clean(a.TargetDate.Text), status,
				foldKey(a.Owner), flag(status != string(hindsight.ItemClosed)), flag(restricted), pr.Severity, pr.SeverityRank, pr.Status,
				flag(!pr.Start.IsZero()), pr.StartKey, s.d.Time(pr.End), clean(a.Ticket)}
		}
		if err := s.insertRows(ctx, tx, `INSERT INTO action_items (incident_id, position, item_id, action, owner, priority, target_date, target_text, status,
    owner_key, is_open, inc_live, inc_restricted, inc_severity, inc_severity_rank, inc_status, inc_started, inc_start_key, inc_end_at, ticket)
VALUES `, `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)`, rows); err != nil {
			return err
		}
	}
	if err := s.d.PutSearch(ctx, tx, id, pr.SearchTitle, pr.SearchBody); err != nil {
		return err
	}
	var delta *rollupDelta
	if nw != nil {
		delta = nw.delta
	}
	return s.writeFacts(ctx, tx, id, pr, restricted, oldItems, oldFacts, delta)
}

// rowsPerInsert bounds the rows of one insertRows statement, well inside
// SQLite's and PostgreSQL's limits on the parameters of a statement.
const rowsPerInsert = 100

// insertRows inserts rows with multi-row INSERT statements (head, then row
// once per row, comma-separated), rowsPerInsert rows each: one round trip
// for all the timeline events of a document instead of one each.
func (s *Store) insertRows(ctx context.Context, tx dbtx, head, row string, rows [][]any) error {
	for len(rows) > 0 {
		n := min(len(rows), rowsPerInsert)
		var q strings.Builder
		q.WriteString(head)
		args := make([]any, 0, n*len(rows[0]))
		for i, r := range rows[:n] {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(row)
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, s.d.Rebind(q.String()), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}
