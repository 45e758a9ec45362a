package sqlstore

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// noDueKey is the SortDue key of an incident without a due date: after
// every due date, in both directions.
const noDueKey = int64(1) << 62

// dueSQL is the postmortem due date of incident i under rule, in Unix
// seconds (hindsight.DueRule.DueAt: End plus the severity's days; a day
// is 86,400 s in UTC), with its arguments (the severities the rule names);
// NULL without an End. The days are integers from the configuration,
// written into the SQL; the severities are parameters.
func (s *Store) dueSQL(rule hindsight.DueRule) (string, []any) {
	sevs := sortedSeverities(rule)
	def := strconv.Itoa(rule.DefaultDays())
	days := def
	var args []any
	if len(sevs) > 0 {
		var b strings.Builder
		b.WriteString(`CASE i.severity`)
		for _, sev := range sevs {
			b.WriteString(` WHEN ? THEN ` + strconv.Itoa(rule.Days[hindsight.Severity(sev)]))
			args = append(args, sev)
		}
		b.WriteString(` ELSE ` + def + ` END`)
		days = b.String()
	}
	return `(` + s.d.Epoch(`i.end_at`) + ` + 86400 * ` + days + `)`, args
}

// dueQuery is FindIncidents' query by due date (SortDue), with its
// arguments: the incidents of c, ordered by due date (the key: its Unix
// seconds, negated for desc, so that the list is always read in ascending
// key and ID order: ties by ID ascending in both directions), those
// without one (no End, or Published) last, from after cur, at most limit.
//
// Within the incidents of one grace period (a severity the rule names, or
// all the others) the due date is End plus a constant, so each such group
// is read in End order from index incidents_end_id (migration 00300), up to limit rows, and the
// groups are merged: a page reads about limit rows a group, where ordering
// by the computed date read and sorted every unpublished incident (40,000
// of 100,000 generated ones). q's range becomes a range of End in each
// group, exactly: Ends and due dates are whole seconds (times in documents
// have no fractions).
func (s *Store) dueQuery(q *hindsight.DueQuery, statuses []hindsight.Status, desc bool, c *cond, cur *listCursor, limit int) (string, []any) {
	type group struct {
		where string
		args  []any
		days  int
		none  string // the condition of a group without a due date
	}
	var groups []group
	var named []any
	for _, sev := range sortedSeverities(q.Rule) {
		groups = append(groups, group{where: `i.severity = ?`, args: []any{sev}, days: q.Rule.Days[hindsight.Severity(sev)]})
		named = append(named, sev)
	}
	other := group{days: q.Rule.DefaultDays()}
	if len(named) > 0 {
		other.where, other.args = `i.severity NOT IN (`+strings.TrimSuffix(strings.Repeat(`?, `, len(named)), `, `)+`)`, named
	}
	groups = append(groups, other)
	published := string(hindsight.StatusPublished)
	if q.From.IsZero() && q.Before.IsZero() {
		// no End (a range of the index), and Published ones when the
		// statuses let them in
		groups = append(groups, group{none: `i.end_at IS NULL`})
		if len(statuses) == 0 || slices.Contains(statuses, hindsight.StatusPublished) {
			groups = append(groups, group{none: `i.end_at IS NOT NULL AND i.status = ?`, args: []any{published}})
		}
	}
	end := s.d.Epoch(`i.end_at`)
	var arms []string
	var args []any
	for _, g := range groups {
		gc := cond{parts: slices.Clone(c.parts), args: slices.Clone(c.args)}
		var key, order string
		if g.none != "" {
			if cur != nil && cur.Key > noDueKey {
				continue // a cursor made by hand, after every incident
			}
			gc.add(g.none, g.args...)
			if cur != nil && cur.Key == noDueKey {
				gc.add(`i.id > ?`, cur.ID)
			}
			key, order = strconv.FormatInt(noDueKey, 10), `i.id ASC`
		} else {
			if cur != nil && cur.Key == noDueKey {
				continue // the page starts among those without a due date
			}
			gc.add(`i.end_at IS NOT NULL AND i.status <> ?`, published)
			if g.where != "" {
				gc.add(g.where, g.args...)
			}
			shift := int64(g.days) * 86400
			key, order = `(`+end+` + `+strconv.FormatInt(shift, 10)+`)`, `i.end_at ASC, i.id ASC`
			if desc {
				key, order = `-`+key, `i.end_at DESC, i.id ASC`
			}
			if !q.From.IsZero() {
				gc.add(`i.end_at >= ?`, s.d.Time(endBound(ceilUnix(q.From), -shift)))
			}
			if !q.Before.IsZero() {
				gc.add(`i.end_at < ?`, s.d.Time(endBound(ceilUnix(q.Before), -shift)))
			}
			if cur != nil {
				// the row value is exact; the bound on End before it is the
				// same as a range of the index
				if desc {
					gc.add(`i.end_at <= ?`, s.d.Time(endBound(-max(cur.Key, -noDueKey), -shift)))
				} else {
					gc.add(`i.end_at >= ?`, s.d.Time(endBound(cur.Key, -shift)))
				}
				gc.add(`(`+key+`, i.id) > (?, ?)`, cur.Key, cur.ID)
			}
		}
		arms = append(arms, `SELECT * FROM (SELECT `+summaryCols+`, `+key+` AS due_key FROM incidents i WHERE `+gc.String()+` ORDER BY `+order+` LIMIT ?) g`+strconv.Itoa(len(arms)))
		args = append(append(args, gc.args...), limit)
	}
	if len(arms) == 0 {
		// a cursor among the incidents without a due date on a list that
		// has none (a range of due dates): nothing comes after it
		return "", nil
	}
	return strings.Join(arms, ` UNION ALL `) + ` ORDER BY due_key, id LIMIT ?`, append(args, limit)
}

// firstEnd and lastEnd are Unix seconds just inside the times a document
// can hold (years 0001 to 9999, in whole minutes): no End is before
// firstEnd (the zero time is no End) or at or after lastEnd, and both are
// times both stores can write (PostgreSQL refuses years past 294276;
// SQLite's text times compare as text, so not past 9999).
var (
	firstEnd = time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC).Unix()
	lastEnd  = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix()
)

// endBound is the bound on End of a due key or date (Unix seconds) moved
// by shift, kept within [firstEnd, lastEnd]: it selects the same Ends, for
// a key of a cursor made by hand too, where the time itself was out of
// PostgreSQL's range (a 500 answered a tampered cursor) or wrapped around.
func endBound(sec, shift int64) time.Time {
	// first within ±2^50 s (35 million years), beyond every End moved
	// by any grace period and far from overflowing with the shift
	const far = int64(1) << 50
	sec = min(max(sec, -far), far)
	return time.Unix(min(max(sec+shift, firstEnd), lastEnd), 0).UTC()
}

// sortedSeverities are the severities rule names, sorted.
func sortedSeverities(rule hindsight.DueRule) []string {
	sevs := make([]string, 0, len(rule.Days))
	for sev := range rule.Days {
		sevs = append(sevs, string(sev))
	}
	slices.Sort(sevs)
	return sevs
}

// dueConds keeps the incidents due in [q.From, q.Before), when either is
// set. With both, the End is first bounded by the rule's shortest and
// longest grace periods, a range of index incidents_end_id, so that a window
// of due dates (the hourly due check, due this week) reads only the
// incidents that ended around it.
func (s *Store) dueConds(c *cond, q *hindsight.DueQuery) {
	if q == nil || (q.From.IsZero() && q.Before.IsZero()) {
		return
	}
	c.add(`i.end_at IS NOT NULL AND i.status <> ?`, string(hindsight.StatusPublished))
	due, args := s.dueSQL(q.Rule)
	// a due date in whole seconds is at or after From when it is at or
	// after From rounded up, and before Before when before Before rounded up
	if !q.From.IsZero() {
		c.add(due+` >= ?`, append(slices.Clone(args), ceilUnix(q.From))...)
	}
	if !q.Before.IsZero() {
		c.add(due+` < ?`, append(slices.Clone(args), ceilUnix(q.Before))...)
	}
	if !q.From.IsZero() && !q.Before.IsZero() {
		lo, hi := q.Rule.DefaultDays(), q.Rule.DefaultDays()
		for _, n := range q.Rule.Days {
			lo, hi = min(lo, n), max(hi, n)
		}
		c.add(`i.end_at >= ? AND i.end_at < ?`, s.d.Time(endBound(q.From.Unix()-1, -int64(hi)*86400)), s.d.Time(endBound(q.Before.Unix()+1, -int64(lo)*86400)))
	}
}

// ceilUnix is t's Unix seconds rounded up.
func ceilUnix(t time.Time) int64 {
	if t.Nanosecond() > 0 {
		return t.Unix() + 1
	}
	return t.Unix()
}
