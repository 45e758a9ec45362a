package sqlstore

import (
	"context"
	"slices"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// itemQuery is a normalized ActionItemQuery.
type itemQuery struct {
	hindsight.ActionItemQuery
	day, overdueDay time.Time
	limit           int
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
		n.limit = 500
	}
	n.limit = min(n.limit, 5000)
	if q.Offset < 0 {
		return nil, hindsight.Errorf(hindsight.EInvalid, "action items: offset must not be negative")
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

// itemConds adds the filters of q on action items (alias a) of incidents
// (alias i) visible to v: the store's FindActionItems filters plus the
// tracker's.
func (s *Store) itemConds(c *cond, v hindsight.Viewer, q *itemQuery) {
	c.add(`i.deleted_at IS NULL`)
	c.visible(v)
	if q.Owner != "" {
		c.add(`lower(a.owner) = lower(?)`, clean(q.Owner))
	}
	// Open items are the few: with a status filter that leaves Closed out,
	// the status index should find the rows, not the priority index.
	prio := `a.priority`
	if len(q.Status) > 0 && !slices.Contains(q.Status, hindsight.ItemClosed) {
		prio = s.noIndex(prio)
	}
	c.in(prio, strs(q.Priority))
	c.in(`a.status`, strs(q.Status))
	c.in(`i.severity`, strs(q.Severity))
	if q.Overdue {
		closed := string(hindsight.ItemClosed)
		c.add(notClosed+` AND a.target_date IS NOT NULL AND `+s.noIndex("a.target_date")+` < ?`, closed, closed, s.d.Date(q.overdueDay))
	}
	if q.PastObjective {
		sql, args := s.objectiveCond(q.Objectives, q.day)
		c.add(sql, args...)
	}
	if !q.DueFrom.IsZero() {
		c.add(`a.target_date IS NOT NULL AND a.target_date >= ?`, s.d.Date(q.DueFrom))
	}
	if !q.DueBefore.IsZero() {
		c.add(`a.target_date IS NOT NULL AND a.target_date < ?`, s.d.Date(q.DueBefore))
	}
	if q.Service != "" {
		c.add(`EXISTS (SELECT 1 FROM incident_services sv WHERE sv.incident_id = i.id AND lower(sv.name) = lower(?))`, clean(q.Service))
	}
	if q.IncidentID != "" {
		c.add(`a.incident_id = ?`, clean(q.IncidentID))
	}
}

// TrackActionItems implements hindsight.InsightStore.
func (s *Store) TrackActionItems(ctx context.Context, v hindsight.Viewer, aq hindsight.ActionItemQuery) (*hindsight.ActionItemPage, error) {
	q, err := s.normItemQuery(aq)
	if err != nil {
		return nil, err
	}
	var c cond
	s.itemConds(&c, v, q)
	page := &hindsight.ActionItemPage{Items: []hindsight.TrackedItem{}}
	if err := s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT COUNT(*) FROM action_items a JOIN incidents i ON i.id = a.incident_id WHERE `+c.String()),
		c.args...).Scan(&page.Total); err != nil {
		return nil, internal("track action items", err)
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
		key = `lower(a.owner) ` + dir
	case hindsight.ItemSortSeverity:
		key = `i.severity_rank ` + dir
	case hindsight.ItemSortIncident:
		key = `a.incident_id ` + dir
	}
	sq := `SELECT a.incident_id, i.title, i.severity, i.status, i.end_at, i.services, a.position, a.item_id, a.action, a.owner,
    a.priority, a.target_date, a.target_text, a.status
FROM action_items a JOIN incidents i ON i.id = a.incident_id WHERE ` + c.String() + `
ORDER BY ` + key + `, a.incident_id ` + dir + `, a.position ` + dir + ` LIMIT ? OFFSET ?`
	rows, err := s.rq.QueryContext(ctx, s.d.Rebind(sq), append(append([]any{}, c.args...), q.limit, q.Offset)...)
	if err != nil {
		return nil, internal("track action items", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r hindsight.TrackedItem
		var target time.Time
		var services string
		if err := rows.Scan(&r.IncidentID, &r.IncidentTitle, (*string)(&r.IncidentSeverity), (*string)(&r.IncidentStatus), timeScan{&r.IncidentEnd},
			&services, &r.Position, &r.ID, &r.Action, &r.Owner, (*string)(&r.Priority), timeScan{&target}, &r.TargetDate.Text,
			(*string)(&r.Status)); err != nil {
			return nil, internal("track action items", err)
		}
		r.Services = splitServices(services)
		if !target.IsZero() {
			r.TargetDate = hindsight.DateOf(target)
		}
		q.annotate(&r)
		page.Items = append(page.Items, r)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("track action items", err)
	}
	return page, nil
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

// ActionItemCounts implements hindsight.InsightStore.
func (s *Store) ActionItemCounts(ctx context.Context, v hindsight.Viewer, aq hindsight.ActionItemQuery) ([]hindsight.OwnerCount, error) {
	q, err := s.normItemQuery(aq)
	if err != nil {
		return nil, err
	}
	var c cond
	s.itemConds(&c, v, q)
	objSQL, objArgs := s.objectiveCond(q.Objectives, q.day)
	closed := string(hindsight.ItemClosed)
	// The matching items are selected first (materialized), so the
	// planner picks the filters' indexes rather than walking the owner
	// index to avoid sorting the groups.
	sq := `WITH m AS MATERIALIZED (
    SELECT lower(a.owner) AS owner,
        CASE WHEN a.status = ? THEN 1 ELSE 0 END AS closed,
        CASE WHEN a.status <> ? AND a.target_date IS NOT NULL AND a.target_date < ? THEN 1 ELSE 0 END AS overdue,
        CASE WHEN ` + objSQL + ` THEN 1 ELSE 0 END AS past
    FROM action_items a JOIN incidents i ON i.id = a.incident_id WHERE ` + c.String() + `)
SELECT owner, COUNT(*), SUM(closed), SUM(overdue), SUM(past) FROM m
GROUP BY owner ORDER BY COUNT(*) - SUM(closed) DESC, 1 LIMIT ?`
	args := append([]any{closed, closed, s.d.Date(q.overdueDay)}, objArgs...)
	args = append(args, c.args...)
	args = append(args, q.limit)
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
		x.Open = x.Total - x.Closed
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("count action items", err)
	}
	return out, nil
}
