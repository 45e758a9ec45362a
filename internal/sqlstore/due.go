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
	sevs := make([]string, 0, len(rule.Days))
	for sev := range rule.Days {
		sevs = append(sevs, string(sev))
	}
	slices.Sort(sevs)
	def := strconv.Itoa(rule.DaysFor(noSeverity(rule)))
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

// noSeverity is a severity rule does not name (its default applies).
func noSeverity(rule hindsight.DueRule) hindsight.Severity {
	sev := hindsight.Severity("")
	for {
		if _, ok := rule.Days[sev]; !ok {
			return sev
		}
		sev += "?"
	}
}

// dueKey is SortDue's key: the due date's seconds (negated for desc, so
// that the list is always read in ascending key and ID order: ties by ID
// ascending in both directions), or noDueKey.
func (s *Store) dueKey(rule hindsight.DueRule, desc bool) (string, []any) {
	due, args := s.dueSQL(rule)
	if desc {
		due = `-` + due
	}
	return `CASE WHEN i.end_at IS NULL OR i.status = ? THEN ` + strconv.FormatInt(noDueKey, 10) + ` ELSE ` + due + ` END`,
		append([]any{string(hindsight.StatusPublished)}, args...)
}

// dueConds keeps the incidents due in [q.From, q.Before), when either is
// set. With both, the End is first bounded by the rule's shortest and
// longest grace periods, a range of index incidents_end, so that a window
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
		lo, hi := q.Rule.DaysFor(noSeverity(q.Rule)), q.Rule.DaysFor(noSeverity(q.Rule))
		for _, n := range q.Rule.Days {
			lo, hi = min(lo, n), max(hi, n)
		}
		day := 24 * time.Hour
		c.add(`i.end_at >= ? AND i.end_at < ?`, s.d.Time(q.From.Add(-time.Duration(hi)*day-time.Second)), s.d.Time(q.Before.Add(-time.Duration(lo)*day+time.Second)))
	}
}

// ceilUnix is t's Unix seconds rounded up.
func ceilUnix(t time.Time) int64 {
	if t.Nanosecond() > 0 {
		return t.Unix() + 1
	}
	return t.Unix()
}
