package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// itemQuery is a normalized ActionItemQuery.
type itemQuery struct {
	hindsight.ActionItemQuery
	day, overdueDay time.Time
	limit           int
	cur             *itemCursor
}

// DefaultItemPage is how many items a tracker page has when the query
// names no limit.
const DefaultItemPage = 50

// itemCursor is where a tracker page ended: the sort key of its last item
// (keyset paging).
type itemCursor struct {
	Sort string `json:"s,omitempty"`
	Desc bool   `json:"d,omitempty"`
	// NoDate: the item has no target date (sort target); Date: its target
	// date, YYYY-MM-DD
	NoDate bool   `json:"n,omitempty"`
	Date   string `json:"t,omitempty"`
	// Str: priority or owner key; Num: severity rank
	Str string `json:"k,omitempty"`
	Num int    `json:"r,omitempty"`
	Inc string `json:"i"`
	Pos int    `json:"p"`
}

func badCursor(c, msg string) error {
	msg = fmt.Sprintf("%q is not valid here: %s", c, msg)
	return &hindsight.Error{Code: hindsight.EMalformed, Message: "cursor: " + msg, Fields: []hindsight.FieldError{{Field: "cursor", Message: msg}}}
}

// noDateKey is the first column of the default order: items without a
// target date last, in either direction (the indexes' expression).
const noDateKey = `(CASE WHEN a.target_date IS NULL THEN 1 ELSE 0 END)`

// after adds to c the condition "after the cursor in the list's order":
// one range of the order's index (a row value), or for the default order
// with a descending date, the items without a date after those with one.
func (s *Store) after(c *cond, q *itemQuery) error {
	k := q.cur
	op := ">"
	if q.Desc {
		op = "<"
	}
	switch hindsight.ActionItemSort(k.Sort) {
	case "", hindsight.ItemSortTarget:
		if k.NoDate {
			c.add(noDateKey+` = 1 AND (a.incident_id, a.position) `+op+` (?, ?)`, k.Inc, k.Pos)
			return nil
		}
		d, err := time.Parse(time.DateOnly, k.Date)
		if err != nil {
			return badCursor(q.Cursor, "no date in it")
		}
		if q.Desc {
			c.add(`(`+noDateKey+` = 1 OR (a.target_date, a.incident_id, a.position) < (?, ?, ?))`, s.d.Date(d), k.Inc, k.Pos)
		} else {
			c.add(`(`+noDateKey+`, a.target_date, a.incident_id, a.position) > (0, ?, ?, ?)`, s.d.Date(d), k.Inc, k.Pos)
		}
	case hindsight.ItemSortPriority:
		c.add(`(a.priority, a.incident_id, a.position) `+op+` (?, ?, ?)`, k.Str, k.Inc, k.Pos)
	case hindsight.ItemSortOwner:
		c.add(`(a.owner_key, a.incident_id, a.position) `+op+` (?, ?, ?)`, k.Str, k.Inc, k.Pos)
	case hindsight.ItemSortSeverity:
		c.add(`(a.inc_severity_rank, a.incident_id, a.position) `+op+` (?, ?, ?)`, k.Num, k.Inc, k.Pos)
	case hindsight.ItemSortIncident:
		c.add(`(a.incident_id, a.position) `+op+` (?, ?)`, k.Inc, k.Pos)
	}
	return nil
}

func (s *Store) normItemQuery(q hindsight.ActionItemQuery) (*itemQuery, error) {
	n := &itemQuery{ActionItemQuery: q}
	n.Objectives = q.Objectives.OrDefault()
	n.day = s.asOfDay(q.AsOf)
	n.overdueDay = n.day
	if !q.OverdueAsOf.IsZero() {
		n.overdueDay = hindsight.DateOf(q.OverdueAsOf).T
	}
	n.limit = q.Limit
	if n.limit <= 0 {
		n.limit = DefaultItemPage
	}
	n.limit = min(n.limit, 5000)
	if q.Offset < 0 {
		return nil, hindsight.Errorf(hindsight.EInvalid, "action items: offset must not be negative")
	}
	if q.Cursor != "" {
		if q.Offset != 0 {
			return nil, badCursor(q.Cursor, "a cursor and an offset cannot be used together")
		}
		n.cur = &itemCursor{}
		if err := decodeCursor(q.Cursor, n.cur); err != nil {
			return nil, err
		}
		if n.cur.Sort != string(q.Sort) || n.cur.Desc != q.Desc {
			return nil, badCursor(q.Cursor, "it belongs to another sort order: start from the first page")
		}
	}
	switch q.Sort {
	case "", hindsight.ItemSortTarget, hindsight.ItemSortPriority, hindsight.ItemSortOwner, hindsight.ItemSortIncident, hindsight.ItemSortSeverity:
	default:
		return nil, hindsight.Errorf(hindsight.EInvalid, "action items: sort %q is not one of target, priority, owner, incident, severity", q.Sort)
	}
	if !q.DueFrom.IsZero() && !q.DueBefore.IsZero() && !q.DueFrom.Before(q.DueBefore) {
		return nil, hindsight.Errorf(hindsight.EInvalid, "action items: due_from must be before due_before")
	}
	return n, nil
}

// itemConds is the filters of q on action items (alias a, with their
// copies of the incident's columns) of live incidents visible to v: the
// store's FindActionItems filters plus the tracker's, as one or more
// disjoint conditions (arms) whose matches together are the items: past
// objective is one arm per priority, each a range of the open items'
// (priority, end) index. open reports whether only open items can match
// (their partial indexes then serve). A shape key is a probe or, when rare,
// the items of its incidents (shapeItemCond; always with every, for reads
// of every matching item).
func (s *Store) itemConds(ctx context.Context, v hindsight.Viewer, q *itemQuery, every bool) (arms []*cond, open bool, err error) {
	c := &cond{}
	c.add(`a.inc_live = 1`)
	visibleCond(c, v, `a.inc_restricted`, `a.incident_id`)
	open = q.Overdue || q.PastObjective || (len(q.Status) > 0 && !slices.Contains(q.Status, hindsight.ItemClosed))
	if open {
		c.add(`a.is_open = 1`)
	}
	if q.Owner != "" {
		c.add(`a.owner_key = ?`, foldKey(q.Owner))
	}
	// open items are read from their partial indexes (in owner, target
	// date or priority order): keep the planner off the priority and
	// status indexes of every item
	prio, status := `a.priority`, `a.status`
	if open {
		prio, status = s.noIndex(prio), s.noIndex(status)
	}
	c.in(prio, strs(q.Priority))
	c.in(status, strs(q.Status))
	c.in(`a.inc_severity`, strs(q.Severity))
	if q.Overdue {
		c.add(`a.target_date IS NOT NULL AND a.target_date < ?`, s.d.Date(q.overdueDay))
	}
	if !q.DueFrom.IsZero() {
		c.add(`a.target_date IS NOT NULL AND a.target_date >= ?`, s.d.Date(q.DueFrom))
	}
	if !q.DueBefore.IsZero() {
		c.add(`a.target_date IS NOT NULL AND a.target_date < ?`, s.d.Date(q.DueBefore))
	}
	if q.Service != "" {
		sv := `SELECT sv.incident_id FROM insight_facts sv WHERE sv.scope = 1 AND sv.service = ?`
		if open {
			sv += ` AND sv.open_items > 0`
		}
		c.add(`a.incident_id IN (`+sv+`)`, foldKey(q.Service))
	}
	if q.IncidentID != "" {
		c.add(`a.incident_id = ?`, clean(q.IncidentID))
	}
	teamItemConds(c, q.Team, q.OwnerTeam)
	if err := s.shapeItemCond(ctx, c, `a.incident_id`, q.Fields, q.Tag, q.FactorCategory, every); err != nil {
		return nil, false, err
	}
	if !q.PastObjective {
		return []*cond{c}, open, nil
	}
	o := q.Objectives.OrDefault()
	for _, pr := range []hindsight.Priority{hindsight.P0, hindsight.P1, hindsight.P2} {
		d, _ := o.Days(pr)
		arm := &cond{parts: slices.Clone(c.parts), args: slices.Clone(c.args)}
		arm.add(`a.priority = ? AND a.inc_end_at IS NOT NULL AND a.inc_end_at < ?`, string(pr), s.d.Time(q.day.AddDate(0, 0, -d)))
		arms = append(arms, arm)
	}
	return arms, open, nil
}

// armsSQL is the UNION ALL of SELECT cols over the arms, with colArgs (the
// arguments of cols) before each arm's own.
func armsSQL(cols string, colArgs []any, arms []*cond) (string, []any) {
	var parts []string
	var args []any
	for _, c := range arms {
		parts = append(parts, `SELECT `+cols+` FROM action_items a WHERE `+c.String())
		args = append(append(args, colArgs...), c.args...)
	}
	return strings.Join(parts, "\nUNION ALL "), args
}

// rolledUp reports whether the items matching q can be counted from
// insight_items: no filter but owner, priority, status and severity.
func (q *itemQuery) rolledUp() bool {
	return !q.Overdue && !q.PastObjective && q.DueFrom.IsZero() && q.DueBefore.IsZero() && q.Service == "" && q.IncidentID == "" &&
		q.Team == "" && q.OwnerTeam == "" && !q.shaped()
}

// shaped reports whether q filters by a custom field, tag or factor
// category.
func (q *itemQuery) shaped() bool {
	var c cond
	shapeCond(&c, "x", q.Fields, q.Tag, q.FactorCategory)
	return len(c.parts) > 0
}

// itemRollup selects, per owner, the items and closed items matching q
// (rolledUp) from insight_items, plus (for a viewer who is not an admin)
// the restricted incidents' items the viewer sees as a member, counted
// from action_items.
func (s *Store) itemRollup(v hindsight.Viewer, q *itemQuery) (string, []any) {
	closed := `'` + string(hindsight.ItemClosed) + `'`
	var c cond
	if v.SeesAll() {
		c.add(`restricted IN (0, 1)`)
	} else {
		c.add(`restricted = 0`)
	}
	if q.Owner != "" {
		c.add(`owner_key = ?`, foldKey(q.Owner))
	}
	c.in(`priority`, strs(q.Priority))
	c.in(`status`, strs(q.Status))
	c.in(`severity`, strs(q.Severity))
	sq := `SELECT owner_key, n, CASE WHEN status = ` + closed + ` THEN n ELSE 0 END AS closed FROM insight_items WHERE ` + c.String()
	args := c.args
	if !v.SeesAll() && v.UserID != "" {
		var m cond
		m.add(`a.incident_id = m.incident_id AND a.inc_restricted = 1 AND a.inc_live = 1`)
		if q.Owner != "" {
			m.add(`a.owner_key = ?`, foldKey(q.Owner))
		}
		m.in(`a.priority`, strs(q.Priority))
		m.in(`a.status`, strs(q.Status))
		m.in(`a.inc_severity`, strs(q.Severity))
		sq += `
UNION ALL SELECT a.owner_key, 1, CASE WHEN a.status = ` + closed + ` THEN 1 ELSE 0 END FROM (SELECT DISTINCT incident_id FROM incident_viewers WHERE user_id = ?) m CROSS JOIN action_items a WHERE ` + m.String()
		// DISTINCT: an account named and in a named team sees an incident once
		args = append(append(args, clean(v.UserID)), m.args...)
	}
	return sq, args
}

// TrackActionItems implements hindsight.InsightStore.
func (s *Store) TrackActionItems(ctx context.Context, v hindsight.Viewer, aq hindsight.ActionItemQuery) (*hindsight.ActionItemPage, error) {
	q, err := s.normItemQuery(aq)
	if err != nil {
		return nil, err
	}
	// the count reads every matching item: a shape key drives it from its
	// incidents' items; the page may probe a common key instead
	arms, _, err := s.itemConds(ctx, v, q, true)
	if err != nil {
		return nil, err
	}
	page := &hindsight.ActionItemPage{Items: []hindsight.TrackedItem{}}
	if q.rolledUp() {
		sq, args := s.itemRollup(v, q)
		err = s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT COALESCE(SUM(n), 0) FROM (`+sq+`) x`), args...).Scan(&page.Total)
	} else {
		sq, args := armsSQL(`COUNT(*) AS n`, nil, arms)
		err = s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT COALESCE(SUM(n), 0) FROM (`+sq+`) x`), args...).Scan(&page.Total)
	}
	if err != nil {
		return nil, internal("track action items", err)
	}
	if q.shaped() && page.Total > 0 && q.Offset < page.Total {
		if arms, _, err = s.itemConds(ctx, v, q, false); err != nil {
			return nil, err
		}
	}
	if page.Total == 0 || q.Offset >= page.Total {
		return page, nil
	}
	dir := "ASC"
	if q.Desc {
		dir = "DESC"
	}
	var key string
	switch q.Sort {
	case "", hindsight.ItemSortTarget:
		key = `CASE WHEN a.target_date IS NULL THEN 1 ELSE 0 END, a.target_date ` + dir
	case hindsight.ItemSortPriority:
		key = `a.priority ` + dir
	case hindsight.ItemSortOwner:
		key = `a.owner_key ` + dir
	case hindsight.ItemSortSeverity:
		key = `a.inc_severity_rank ` + dir
	case hindsight.ItemSortIncident:
		key = `a.incident_id ` + dir
	}
	key += `, a.incident_id ` + dir + `, a.position ` + dir
	if q.cur != nil {
		for _, c := range arms {
			if err := s.after(c, q); err != nil {
				return nil, err
			}
		}
	}
	// the page's items (limit+1: is there a next page?) from action_items
	// alone: one arm is one range of the order's index, several are their
	// matches sorted; then each item's row by its key
	var pq string
	var pargs []any
	if len(arms) == 1 {
		pq, pargs = `SELECT a.incident_id, a.position FROM action_items a WHERE `+arms[0].String(), arms[0].args
	} else {
		u, uargs := armsSQL(`a.incident_id, a.position, a.target_date, a.priority, a.owner_key, a.inc_severity_rank`, nil, arms)
		pq, pargs = `SELECT a.incident_id, a.position FROM (`+u+`) a`, uargs
	}
	sq := `SELECT a.incident_id, a.position, a.item_id, a.action, a.owner,
    a.priority, a.target_date, a.target_text, a.status, a.ticket, a.owner_key, a.inc_severity_rank
FROM (` + pq + ` ORDER BY ` + key + ` LIMIT ? OFFSET ?) p
JOIN action_items a ON a.incident_id = p.incident_id AND a.position = p.position
ORDER BY ` + key
	rows, err := s.rq.QueryContext(ctx, s.d.Rebind(sq), append(append([]any{}, pargs...), q.limit+1, q.Offset)...)
	if err != nil {
		return nil, internal("track action items", err)
	}
	defer rows.Close()
	var last itemCursor
	for rows.Next() {
		if len(page.Items) == q.limit {
			page.Next = encodeCursor(last)
			break
		}
		var r hindsight.TrackedItem
		var target time.Time
		if err := rows.Scan(&r.IncidentID, &r.Position, &r.ID, &r.Action, &r.Owner, (*string)(&r.Priority), timeScan{&target}, &r.TargetDate.Text,
			(*string)(&r.Status), &r.Ticket, &last.Str, &last.Num); err != nil {
			return nil, internal("track action items", err)
		}
		if !target.IsZero() {
			r.TargetDate = hindsight.DateOf(target)
		}
		last = itemCursor{Sort: string(q.Sort), Desc: q.Desc, NoDate: target.IsZero(), Inc: r.IncidentID, Pos: r.Position, Str: last.Str, Num: last.Num}
		switch q.Sort {
		case "", hindsight.ItemSortTarget:
			last.Str, last.Num = "", 0
			if !target.IsZero() {
				last.Date = target.UTC().Format(time.DateOnly)
			}
		case hindsight.ItemSortPriority:
			last.Str, last.Num = string(r.Priority), 0
		case hindsight.ItemSortOwner:
			last.Num = 0
		case hindsight.ItemSortSeverity:
			last.Str = ""
		default:
			last.Str, last.Num = "", 0
		}
		if q.Sort != "" && q.Sort != hindsight.ItemSortTarget {
			last.NoDate = false
		}
		page.Items = append(page.Items, r)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("track action items", err)
	}
	rows.Close()
	if err := s.itemIncidents(ctx, page.Items); err != nil {
		return nil, err
	}
	for i := range page.Items {
		q.annotate(&page.Items[i])
	}
	return page, nil
}

// itemIncidents sets the incident columns of the items (title, severity,
// status, end, services), read once for the page (one query, each incident
// once), not once per item.
func (s *Store) itemIncidents(ctx context.Context, items []hindsight.TrackedItem) error {
	if len(items) == 0 {
		return nil
	}
	ids := make([]any, 0, len(items))
	seen := make(map[string]bool, len(items))
	for _, it := range items {
		if !seen[it.IncidentID] {
			seen[it.IncidentID] = true
			ids = append(ids, it.IncidentID)
		}
	}
	rows, err := s.rq.QueryContext(ctx, s.d.Rebind(`SELECT id, title, severity, status, end_at, services FROM incidents WHERE id IN (`+placeholders(len(ids))+`)`), ids...)
	if err != nil {
		return internal("track action items", err)
	}
	defer rows.Close()
	type inc struct {
		title, severity, status string
		end                     time.Time
		services                []string
	}
	byID := make(map[string]inc, len(ids))
	for rows.Next() {
		var id, services string
		var x inc
		if err := rows.Scan(&id, &x.title, &x.severity, &x.status, timeScan{&x.end}, &services); err != nil {
			return internal("track action items", err)
		}
		x.services = splitServices(services)
		byID[id] = x
	}
	if err := rows.Err(); err != nil {
		return internal("track action items", err)
	}
	for i := range items {
		x, it := byID[items[i].IncidentID], &items[i]
		it.IncidentTitle, it.IncidentSeverity, it.IncidentStatus, it.IncidentEnd, it.Services = x.title, hindsight.Severity(x.severity), hindsight.Status(x.status), x.end, x.services
	}
	return nil
}

// annotate sets the objective, suggestion, overdue and past-objective
// fields of r (the same rules as the SQL conditions).
func (q *itemQuery) annotate(r *hindsight.TrackedItem) {
	open := r.Status != hindsight.ItemClosed
	if due, ok := q.Objectives.Due(r.Priority, r.IncidentEnd); ok {
		r.Objective = hindsight.DateOf(due)
		r.PastObjective = open && due.Before(q.day)
	}
	r.Suggested = !r.TargetDate.IsSet() && r.Objective.IsSet()
	r.Overdue = open && r.TargetDate.IsSet() && r.TargetDate.T.Before(q.overdueDay)
}

// ActionItemCounts implements hindsight.InsightStore. Without filters
// beyond owner, priority, status and severity, the items and closed items
// per owner come from insight_items and only open items (for overdue and
// past objective) are read; otherwise every matching item is.
func (s *Store) ActionItemCounts(ctx context.Context, v hindsight.Viewer, aq hindsight.ActionItemQuery) ([]hindsight.OwnerCount, error) {
	q, err := s.normItemQuery(aq)
	if err != nil {
		return nil, err
	}
	objSQL, objArgs := s.objectiveCond(q.Objectives, q.day)
	closed := `'` + string(hindsight.ItemClosed) + `'`
	flags := `CASE WHEN a.is_open = 1 AND a.target_date IS NOT NULL AND a.target_date < ? THEN 1 ELSE 0 END AS overdue,
        CASE WHEN a.is_open = 1 AND ` + objSQL + ` THEN 1 ELSE 0 END AS past`
	flagArgs := append([]any{s.d.Date(q.overdueDay)}, objArgs...)
	var sq string
	var args []any
	arms, _, err := s.itemConds(ctx, v, q, true)
	if err != nil {
		return nil, err
	}
	if q.rolledUp() {
		// open items only: the condition with is_open = 1 added
		c := arms[0]
		if !slices.Contains(c.parts, `a.is_open = 1`) {
			c.add(`a.is_open = 1`)
		}
		rs, rargs := s.itemRollup(v, q)
		sq = `SELECT owner, SUM(n), SUM(closed), SUM(overdue), SUM(past) FROM (
    SELECT owner_key AS owner, n, closed, 0 AS overdue, 0 AS past FROM (` + rs + `) r
    UNION ALL SELECT a.owner_key, 0, 0, ` + flags + ` FROM action_items a WHERE ` + c.String() + `) x
GROUP BY owner`
		args = append(append(rargs, flagArgs...), c.args...)
	} else {
		u, uargs := armsSQL(`a.owner_key, a.status, `+flags, flagArgs, arms)
		sq = `SELECT a.owner_key, COUNT(*), SUM(CASE WHEN a.status = ` + closed + ` THEN 1 ELSE 0 END), SUM(overdue), SUM(past) FROM (
` + u + `) a
GROUP BY a.owner_key`
		args = uargs
	}
	rows, err := s.rq.QueryContext(ctx, s.d.Rebind(sq), args...)
	if err != nil {
		return nil, internal("count action items", err)
	}
	defer rows.Close()
	out := []hindsight.OwnerCount{}
	for rows.Next() {
		var x hindsight.OwnerCount
		if err := rows.Scan(&x.Owner, &x.Total, &x.Closed, &x.Overdue, &x.PastObjective); err != nil {
			return nil, internal("count action items", err)
		}
		if x.Total == 0 {
			continue
		}
		x.Open = x.Total - x.Closed
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("count action items", err)
	}
	// most open first, then by owner
	slices.SortFunc(out, func(a, b hindsight.OwnerCount) int {
		if a.Open != b.Open {
			return b.Open - a.Open
		}
		return strings.Compare(a.Owner, b.Owner)
	})
	out = out[:min(len(out), q.limit)]
	if err := s.ownerSpellings(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// ownerSpellings replaces the owners' keys (ASCII lower-cased, what the
// counts are grouped by) with their names as written: the spelling most
// items use, the first in byte order on a tie.
func (s *Store) ownerSpellings(ctx context.Context, counts []hindsight.OwnerCount) error {
	var keys []any
	var marks []string
	for _, c := range counts {
		if c.Owner != "" {
			keys = append(keys, c.Owner)
			marks = append(marks, "?")
		}
	}
	if len(keys) == 0 {
		return nil
	}
	rows, err := s.rq.QueryContext(ctx, s.d.Rebind(`SELECT owner_key, owner, COUNT(*) FROM action_items
WHERE inc_live = 1 AND owner_key IN (`+strings.Join(marks, ", ")+`) GROUP BY owner_key, owner`), keys...)
	if err != nil {
		return internal("owner names", err)
	}
	defer rows.Close()
	type spelling struct {
		name string
		n    int
	}
	best := map[string]spelling{}
	for rows.Next() {
		var key, name string
		var n int
		if err := rows.Scan(&key, &name, &n); err != nil {
			return internal("owner names", err)
		}
		if b, ok := best[key]; !ok || n > b.n || n == b.n && name < b.name {
			best[key] = spelling{name, n}
		}
	}
	if err := rows.Err(); err != nil {
		return internal("owner names", err)
	}
	for i, c := range counts {
		if b, ok := best[c.Owner]; ok && b.name != "" {
			counts[i].Owner = b.name
		}
	}
	return nil
}
