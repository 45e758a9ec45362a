package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// The insight figures read precomputed rows, kept in the same transaction
// as every save (writeRows) and delete (retireInsights):
//
//   - insight_facts: per live (not deleted) incident, one row for the
//     incident (scope 0) and one per distinct service (scope 1), with
//     everything the figures read: the month of Start, severity, status,
//     detection source, item counts and the four times in minutes (time to
//     acknowledge and mitigate already derived from the timeline when not
//     stated) with their histogram buckets.
//   - insight_counts and insight_hist: sums of the facts per month and
//     filter values (the rollups), so a range of whole months is read from
//     a few hundred rows instead of tens of thousands of incidents;
//     insight_hist_year sums insight_hist per year (00320), so a range of
//     months reads a year's rows for a year mostly inside it.
//   - insight_items: action items per owner, restricted, severity, priority
//     and status, for the tracker's totals.
//
// The rollups are changed by deltas (the facts removed and added by a save)
// applied in one statement per table with the keys in a fixed order, so
// concurrent saves on PostgreSQL wait for each other's rollup rows instead
// of deadlocking. Migration 00050 builds everything from existing rows with
// the same definitions (storetest's InsightMigration checks they agree).

// Metric numbers of insight_hist.metric, in the order of fact.x.
const (
	metricTTD = iota
	metricTTA
	metricTTM
	metricDur
	nMetrics
)

// metricCols are the facts' minute columns by metric.
var metricCols = [nMetrics]string{"ttd", "tta", "ttm", "dur"}

// fact is one row of insight_facts.
type fact struct {
	scope      int
	service    string
	started    int
	mon        int
	startKey   int64
	restricted int
	severity   string
	status     string
	source     string
	items      int
	open       int
	ended      int
	endKey     sql.NullInt64 // Unix seconds of End
	fixed      int
	x          [nMetrics]sql.NullInt64
	derived    [nMetrics]int
}

// foldKey lower-cases the ASCII letters of s, as SQLite's lower() does:
// service and owner names compare case-insensitively this way on both
// backends (PostgreSQL's lower() would also fold other letters).
func foldKey(s string) string {
	s = clean(s)
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// monthIndex numbers the UTC month of t: year*12 + month - 1.
func monthIndex(t time.Time) int {
	y, m, _ := t.UTC().Date()
	return y*12 + int(m) - 1
}

// monthStart is the first instant of month index m.
func monthStart(m int) time.Time {
	y := m / 12
	if m < 0 && m%12 != 0 {
		y--
	}
	return time.Date(y, time.Month(m-y*12+1), 1, 0, 0, 0, 0, time.UTC)
}

// monthKey is the YYYY-MM text of month index m.
func monthKey(m int) string { return monthStart(m).Format("2006-01") }

// bucket is the histogram bucket of x minutes: x itself below 100, then
// one per length and two leading decimal digits (100-109 is 310, 110-119
// is 311, 990-999 is 399, 1000-1099 is 410, 4300-4399 is 443); -1 for
// anything negative. Buckets are ordered like their values. Migration
// 00310 computes the same in SQL (00050's buckets had one leading digit:
// at 100,000 incidents the median's bucket of a year held some 3,400
// values, each read to rank it).
func bucket(x int64) int64 {
	switch {
	case x < 0:
		return -1
	case x < 100:
		return x
	}
	s := strconv.FormatInt(x, 10)
	return 100*int64(len(s)) + 10*int64(s[0]-'0') + int64(s[1]-'0')
}

// bucketExact reports whether bucket b holds a single value (b itself).
func bucketExact(b int64) bool { return b >= 0 && b < 100 }

// minutesBetween is whole minutes from earlier to later, as the stores
// compute them: Unix seconds subtracted, divided by 60.
func minutesBetween(later, earlier time.Time) int64 {
	return (later.Unix() - earlier.Unix()) / 60
}

// asciiContains reports whether s, with its ASCII letters lower-cased,
// contains word (lower-case ASCII).
func asciiContains(s, word string) bool { return strings.Contains(foldKey(s), word) }

// firstEventMinutes is the minutes from det to the first timeline event at
// or after det whose text contains word (ASCII case-insensitive).
func firstEventMinutes(events []hindsight.Event, det time.Time, word string) (int64, bool) {
	var first time.Time
	for _, e := range events {
		t := e.Time.T.UTC().Truncate(time.Microsecond)
		if t.IsZero() || t.Before(det) || !asciiContains(e.Event, word) {
			continue
		}
		if first.IsZero() || t.Before(first) {
			first = t
		}
	}
	if first.IsZero() {
		return 0, false
	}
	return minutesBetween(first, det), true
}

func nullInt(v int64) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: true} }

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

// facts computes the insight_facts rows of a live incident from its
// projection (docs/metrics.md has the definitions).
func facts(pr *projection, restricted bool) []fact {
	start, end, det := pr.Start.UTC().Truncate(time.Microsecond), pr.End.UTC().Truncate(time.Microsecond), pr.Detected.UTC().Truncate(time.Microsecond)
	f := fact{
		severity: pr.Severity, status: pr.Status, source: pr.Source,
		restricted: flag(restricted), items: pr.ActionItems, open: pr.OpenActionItems,
		ended: flag(!end.IsZero()), startKey: pr.StartKey,
	}
	if !start.IsZero() {
		f.started, f.mon = 1, monthIndex(start)
	}
	if !end.IsZero() {
		f.endKey = nullInt(end.Unix())
	}
	f.fixed = flag(f.started == 1 && f.items > 0 && f.open == 0)
	if !start.IsZero() && !det.IsZero() && !det.Before(start) {
		f.x[metricTTD] = nullInt(minutesBetween(det, start))
	}
	derive := func(m int, stated sql.NullInt64, word string) {
		if stated.Valid {
			f.x[m] = stated
			return
		}
		if det.IsZero() {
			return
		}
		if v, ok := firstEventMinutes(pr.Events, det, word); ok {
			f.x[m], f.derived[m] = nullInt(v), 1
		}
	}
	derive(metricTTA, pr.TTA, "acknowledg")
	derive(metricTTM, pr.TTM, "mitigat")
	switch {
	case !start.IsZero() && !end.IsZero() && !end.Before(start):
		f.x[metricDur] = nullInt(minutesBetween(end, start))
	case pr.Duration.Valid:
		f.x[metricDur], f.derived[metricDur] = pr.Duration, 1
	}
	out := []fact{f}
	seen := map[string]bool{}
	for _, sv := range pr.Services {
		k := foldKey(sv.Name)
		if seen[k] {
			continue
		}
		seen[k] = true
		g := f
		g.scope, g.service = 1, k
		out = append(out, g)
	}
	return out
}

// factCols are the columns of insight_facts after incident_id, in the
// order of factArgs and scanFact.
const factCols = `scope, service, started, mon, start_key, restricted, severity, status, source, items, open_items, ended, end_key, fixed,
    ttd, tta, ttm, dur, tta_derived, ttm_derived, dur_derived, ttd_b, tta_b, ttm_b, dur_b`

func (f *fact) args() []any {
	a := []any{f.scope, f.service, f.started, f.mon, f.startKey, f.restricted, f.severity, f.status, f.source,
		f.items, f.open, f.ended, f.endKey, f.fixed}
	for _, x := range f.x {
		a = append(a, x)
	}
	a = append(a, f.derived[metricTTA], f.derived[metricTTM], f.derived[metricDur])
	for _, x := range f.x {
		if x.Valid {
			a = append(a, bucket(x.Int64))
		} else {
			a = append(a, nil)
		}
	}
	return a
}

func (f *fact) dest() []any {
	return []any{&f.scope, &f.service, &f.started, &f.mon, &f.startKey, &f.restricted, &f.severity, &f.status, &f.source,
		&f.items, &f.open, &f.ended, &f.endKey, &f.fixed, &f.x[0], &f.x[1], &f.x[2], &f.x[3],
		&f.derived[metricTTA], &f.derived[metricTTM], &f.derived[metricDur]}
}

// readFacts reads the insight_facts rows of incident id in tx.
func (s *Store) readFacts(ctx context.Context, tx dbtx, id string) ([]fact, error) {
	cols := strings.SplitN(factCols, ", ttd_b", 2)[0]
	rows, err := tx.QueryContext(ctx, s.d.Rebind(`SELECT `+cols+` FROM insight_facts WHERE incident_id = ?`), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fact
	for rows.Next() {
		var f fact
		if err := rows.Scan(f.dest()...); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// itemKey is a key of insight_items.
type itemKey struct {
	owner      string
	restricted int
	severity   string
	priority   string
	status     string
}

// readItemCounts reads the insight_items contribution of incident id's
// live action items in tx.
func (s *Store) readItemCounts(ctx context.Context, tx dbtx, id string) (map[itemKey]int, error) {
	rows, err := tx.QueryContext(ctx, s.d.Rebind(`SELECT owner_key, inc_restricted, inc_severity, priority, status, COUNT(*)
FROM action_items WHERE incident_id = ? AND inc_live = 1 GROUP BY owner_key, inc_restricted, inc_severity, priority, status`), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[itemKey]int{}
	for rows.Next() {
		var k itemKey
		var n int
		if err := rows.Scan(&k.owner, &k.restricted, &k.severity, &k.priority, &k.status, &n); err != nil {
			return nil, err
		}
		out[k] += n
	}
	return out, rows.Err()
}

// countKey is a key of insight_counts.
type countKey struct {
	scope, dims              int
	service                  string
	started, mon, restricted int
	severity, status, source string
}

type countVal struct{ n, items, open, ended int }

// histKey is a key of insight_hist.
type histKey struct {
	dims, started, mon, restricted int
	severity, status               string
	metric                         int
	bucket                         int64
}

type histVal struct{ n, total, derived int64 }

// rollupDelta accumulates the rollup changes of a transaction.
type rollupDelta struct {
	counts   map[countKey]countVal
	hist     map[histKey]histVal
	histYear map[histKey]histVal // insight_hist_year: mon is the year (mon / 12)
	items    map[itemKey]int
}

func newRollupDelta() *rollupDelta {
	return &rollupDelta{counts: map[countKey]countVal{}, hist: map[histKey]histVal{}, histYear: map[histKey]histVal{}, items: map[itemKey]int{}}
}

// addFact adds (sign 1) or removes (sign -1) the contribution of f.
func (d *rollupDelta) addFact(f *fact, sign int) {
	add := func(k countKey) {
		v := d.counts[k]
		v.n += sign
		v.items += sign * f.items
		v.open += sign * f.open
		v.ended += sign * f.ended
		d.counts[k] = v
	}
	if f.scope == 0 {
		add(countKey{scope: 0, dims: 1, started: f.started, mon: f.mon, restricted: f.restricted, severity: f.severity, status: f.status, source: f.source})
		for m, x := range f.x {
			if !x.Valid {
				continue
			}
			for dims := 0; dims <= 1; dims++ {
				k := histKey{dims: dims, started: f.started, mon: f.mon, restricted: f.restricted, metric: m, bucket: bucket(x.Int64)}
				if dims == 1 {
					k.severity, k.status = f.severity, f.status
				}
				for _, h := range []map[histKey]histVal{d.hist, d.histYear} {
					v := h[k]
					v.n += int64(sign)
					v.total += int64(sign) * x.Int64
					v.derived += int64(sign * f.derived[m])
					h[k] = v
					k.mon /= 12 // the year's row next
				}
			}
		}
		return
	}
	add(countKey{scope: 1, dims: 0, service: f.service, started: f.started, mon: f.mon, restricted: f.restricted})
	add(countKey{scope: 1, dims: 1, service: f.service, started: f.started, mon: f.mon, restricted: f.restricted, severity: f.severity, status: f.status})
}

func (d *rollupDelta) addItems(m map[itemKey]int, sign int) {
	for k, n := range m {
		d.items[k] += sign * n
	}
}

// maxDeltaRows bounds the rows of one upsert statement (SQLite allows
// 32766 parameters).
const maxDeltaRows = 500

// apply writes the non-zero deltas: one upsert per table (in batches), the
// tables in a fixed order and each table's keys sorted, so every
// transaction takes the rollup rows' locks in the same order.
func (d *rollupDelta) apply(ctx context.Context, s *Store, tx dbtx) error {
	upsert := func(table, keyCols, valCols string, rows []deltaRow) error {
		kc := strings.Split(keyCols, ", ")
		vc := strings.Split(valCols, ", ")
		ph := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(kc)+len(vc)), ", ") + ")"
		sets := make([]string, len(vc))
		for i, c := range vc {
			sets[i] = c + " = " + table + "." + c + " + excluded." + c
		}
		for len(rows) > 0 {
			batch := rows[:min(len(rows), maxDeltaRows)]
			rows = rows[len(batch):]
			args := make([]any, 0, len(batch)*(len(kc)+len(vc)))
			phs := make([]string, len(batch))
			for i, r := range batch {
				args = append(append(args, r.key...), r.vals...)
				phs[i] = ph
			}
			q := `INSERT INTO ` + table + ` (` + keyCols + `, ` + valCols + `) VALUES ` + strings.Join(phs, ", ") +
				` ON CONFLICT (` + keyCols + `) DO UPDATE SET ` + strings.Join(sets, ", ")
			if _, err := tx.ExecContext(ctx, s.d.Rebind(q), args...); err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
		}
		return nil
	}

	counts := deltaRows(d.counts, func(k countKey, v countVal) ([]any, []any) {
		return []any{k.scope, k.dims, k.service, k.started, k.mon, k.restricted, k.severity, k.status, k.source},
			[]any{v.n, v.items, v.open, v.ended}
	})
	if err := upsert("insight_counts", "scope, dims, service, started, mon, restricted, severity, status, source", "n, items, open_items, ended", counts); err != nil {
		return err
	}
	hist := deltaRows(d.hist, func(k histKey, v histVal) ([]any, []any) {
		return []any{k.dims, k.started, k.mon, k.restricted, k.severity, k.status, k.metric, k.bucket},
			[]any{v.n, v.total, v.derived}
	})
	if err := upsert("insight_hist", "dims, started, mon, restricted, severity, status, metric, bucket", "n, total, derived", hist); err != nil {
		return err
	}
	histYear := deltaRows(d.histYear, func(k histKey, v histVal) ([]any, []any) {
		return []any{k.dims, k.started, k.mon, k.restricted, k.severity, k.status, k.metric, k.bucket},
			[]any{v.n, v.total, v.derived}
	})
	if err := upsert("insight_hist_year", "dims, started, yr, restricted, severity, status, metric, bucket", "n, total, derived", histYear); err != nil {
		return err
	}
	items := deltaRows(d.items, func(k itemKey, n int) ([]any, []any) {
		return []any{k.owner, k.restricted, k.severity, k.priority, k.status}, []any{n}
	})
	return upsert("insight_items", "owner_key, restricted, severity, priority, status", "n", items)
}

// deltaRow is one rollup row to add: its key columns and value columns.
type deltaRow struct {
	key  []any
	vals []any
}

// deltaRows turns the non-zero deltas of m into rows sorted by their key
// columns (in column order), so every transaction takes the rows' locks in
// the same order.
func deltaRows[K, V comparable](m map[K]V, cols func(K, V) (key, vals []any)) []deltaRow {
	var zero V
	rows := make([]deltaRow, 0, len(m))
	for k, v := range m {
		if v != zero {
			key, vals := cols(k, v)
			rows = append(rows, deltaRow{key, vals})
		}
	}
	slices.SortFunc(rows, func(a, b deltaRow) int {
		for i := range a.key {
			if c := compareCol(a.key[i], b.key[i]); c != 0 {
				return c
			}
		}
		return 0
	})
	return rows
}

// compareCol orders two values of one key column (string, int or int64).
func compareCol(a, b any) int {
	switch x := a.(type) {
	case string:
		return cmp.Compare(x, b.(string))
	case int:
		return cmp.Compare(x, b.(int))
	case int64:
		return cmp.Compare(x, b.(int64))
	}
	panic(fmt.Sprintf("compareCol: unexpected %T", a)) // a programming error: keys are built above
}

// writeFacts replaces the facts of live incident id (old, read before)
// with those of pr and moves the rollups by the difference. oldItems is the
// insight_items contribution of the incident's action items before
// writeRows replaced them. With delta set the rollup changes are added to
// it for the caller to apply; otherwise they are applied here.
func (s *Store) writeFacts(ctx context.Context, tx dbtx, id string, pr *projection, restricted bool, oldItems map[itemKey]int, old []fact, delta *rollupDelta) error {
	fs := facts(pr, restricted)
	d := delta
	if d == nil {
		d = newRollupDelta()
	}
	d.addItems(oldItems, -1)
	d.addItems(itemCounts(pr, restricted), 1)
	if !sameFacts(old, fs) {
		for i := range old {
			d.addFact(&old[i], -1)
		}
		if len(old) > 0 {
			if _, err := tx.ExecContext(ctx, s.d.Rebind(`DELETE FROM insight_facts WHERE incident_id = ?`), id); err != nil {
				return err
			}
		}
		ph := "(?, " + strings.TrimSuffix(strings.Repeat("?, ", strings.Count(factCols, ",")+1), ", ") + ")"
		phs := make([]string, len(fs))
		var args []any
		for i := range fs {
			d.addFact(&fs[i], 1)
			phs[i] = ph
			args = append(append(args, id), fs[i].args()...)
		}
		// one row per incident and service: an incident with thousands of
		// services is written in batches
		for len(phs) > 0 {
			n := min(len(phs), maxDeltaRows)
			per := len(args) / len(phs)
			if _, err := tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO insight_facts (incident_id, `+factCols+`) VALUES `+strings.Join(phs[:n], ", ")), args[:n*per]...); err != nil {
				return err
			}
			phs, args = phs[n:], args[n*per:]
		}
	}
	if delta != nil {
		return nil // the caller applies it
	}
	return d.apply(ctx, s, tx)
}

// sameFacts reports whether a and b hold the same rows (in any order): a
// save that changes nothing the figures read (most edits) leaves the facts
// and the rollups alone.
func sameFacts(a, b []fact) bool {
	if len(a) != len(b) {
		return false
	}
	key := func(x, y fact) int {
		return cmp.Or(cmp.Compare(x.scope, y.scope), strings.Compare(x.service, y.service))
	}
	a, b = slices.Clone(a), slices.Clone(b)
	slices.SortFunc(a, key)
	slices.SortFunc(b, key)
	return slices.Equal(a, b)
}

// itemCounts is the insight_items contribution of the action items of a
// live incident (the values writeRows stores).
func itemCounts(pr *projection, restricted bool) map[itemKey]int {
	m := map[itemKey]int{}
	for _, a := range pr.Items {
		m[itemKey{owner: foldKey(a.Owner), restricted: flag(restricted), severity: pr.Severity,
			priority: clean(string(a.Priority)), status: clean(string(a.Status))}]++
	}
	return m
}

// retireInsights takes a deleted incident out of the figures, in the
// delete's transaction: it locks the incident's row (so a concurrent save
// of it waits), subtracts its facts and live items from the rollups,
// deletes the facts and marks its items as not live. It does nothing for
// an incident already retired (or missing).
func (s *Store) retireInsights(ctx context.Context, tx *sql.Tx, id string) error {
	if _, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE incidents SET revision = revision WHERE id = ?`), id); err != nil {
		return err
	}
	old, err := s.readFacts(ctx, tx, id)
	if err != nil {
		return err
	}
	items, err := s.readItemCounts(ctx, tx, id)
	if err != nil {
		return err
	}
	if len(old) == 0 && len(items) == 0 {
		return nil
	}
	d := newRollupDelta()
	for i := range old {
		d.addFact(&old[i], -1)
	}
	d.addItems(items, -1)
	if _, err := tx.ExecContext(ctx, s.d.Rebind(`DELETE FROM insight_facts WHERE incident_id = ?`), id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE action_items SET inc_live = 0 WHERE incident_id = ?`), id); err != nil {
		return err
	}
	return d.apply(ctx, s, tx)
}

// DumpInsightTables writes the insight facts, the rollups (rows with
// non-zero sums) and the action items' insight columns as sorted text, for
// tests that compare what the saves maintained with what migration 00050
// builds from the same incidents.
func (s *Store) DumpInsightTables(ctx context.Context) (string, error) {
	var b strings.Builder
	for _, t := range []struct{ name, q string }{
		{"insight_facts", `SELECT incident_id, ` + factCols + ` FROM insight_facts`},
		{"insight_counts", `SELECT scope, dims, service, started, mon, restricted, severity, status, source, n, items, open_items, ended
FROM insight_counts WHERE n <> 0 OR items <> 0 OR open_items <> 0 OR ended <> 0`},
		{"insight_hist", `SELECT dims, started, mon, restricted, severity, status, metric, bucket, n, total, derived FROM insight_hist
WHERE n <> 0 OR total <> 0 OR derived <> 0`},
		{"insight_hist_year", `SELECT dims, started, yr, restricted, severity, status, metric, bucket, n, total, derived FROM insight_hist_year
WHERE n <> 0 OR total <> 0 OR derived <> 0`},
		{"insight_items", `SELECT owner_key, restricted, severity, priority, status, n FROM insight_items WHERE n <> 0`},
		{"action_items", `SELECT incident_id, position, owner_key, is_open, inc_live, inc_restricted, inc_severity, inc_severity_rank,
    inc_status, inc_started, inc_start_key, inc_end_at FROM action_items`},
	} {
		rows, err := s.r.QueryContext(ctx, t.q)
		if err != nil {
			return "", err
		}
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return "", err
			}
			parts := make([]string, len(vals))
			for i, v := range vals {
				switch x := v.(type) {
				case nil:
					parts[i] = "NULL"
				case []byte:
					parts[i] = string(x)
				case time.Time:
					parts[i] = x.UTC().Format(TextTimeLayout)
				case bool:
					parts[i] = strconv.Itoa(flag(x))
				default:
					parts[i] = fmt.Sprint(x)
				}
			}
			lines = append(lines, strings.Join(parts, "|"))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return "", err
		}
		slices.Sort(lines)
		b.WriteString(t.name + ":\n")
		for _, l := range lines {
			b.WriteString(l + "\n")
		}
	}
	return b.String(), nil
}
