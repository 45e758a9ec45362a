package sqlstore

import (
	"context"
	"database/sql"
	"math"
	"sort"
	"strings"

	"github.com/hindsight-pm/hindsight"
)

// insightShape computes the breakdowns by factor category, tag and the
// fields of f.GroupFields, each with the median time to mitigate, and the
// repeat factors, from the facts of the matching incidents (refineCond)
// joined with the shape rows (migration 00160). They are counted and
// ordered by the lower-case keys, then each key is written as people
// wrote it (keySpellings).
func (s *Store) insightShape(ctx context.Context, p *insightPlan, f *hindsight.InsightsFilter, out *hindsight.Insights) error {
	group := func(table, alias, key, extra string, args ...any) ([]hindsight.Count, error) {
		var c cond
		if extra != "" {
			c.add(extra, args...)
		}
		from, err := s.shapeFrom(ctx, p, &c, table, alias, out.Incidents)
		if err != nil || from == "" {
			return []hindsight.Count{}, err
		}
		rows, err := s.figQuery(ctx, s.d.Rebind(`SELECT `+key+`, f.ttm FROM `+from+` WHERE `+c.String()), c.args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		n := map[string]int{}
		ttm := map[string][]float64{}
		for rows.Next() {
			var k string
			var m sql.NullInt64
			if err := rows.Scan(&k, &m); err != nil {
				return nil, err
			}
			n[k]++
			if m.Valid && m.Int64 >= 0 {
				ttm[k] = append(ttm[k], float64(m.Int64))
			}
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		cs := counts(n, out.Incidents, func(a, b string) int { return n[b] - n[a] })
		for i := range cs {
			if v, ok := median(ttm[cs[i].Key]); ok {
				cs[i].MedianTTM = &v
			}
		}
		return cs, nil
	}
	var err error
	if out.ByFactorCategory, err = group(`incident_factors`, `sc`, `sc.category`, ""); err != nil {
		return err
	}
	if out.ByTag, err = group(`incident_tags`, `st`, `st.tag`, ""); err != nil {
		return err
	}
	for _, name := range f.GroupFields {
		k := shapeKey(name)
		if k == "" {
			continue
		}
		// the pieces of a comma-separated value, not the whole value too
		cs, err := group(`incident_fields`, `sf`, `sf.value`, `sf.name = ? AND sf.value NOT LIKE '%,%'`, k)
		if err != nil {
			return err
		}
		if err := s.spell(ctx, `incident_fields`, `value`, k, cs); err != nil {
			return err
		}
		out.ByField[name] = cs
	}
	if out.RepeatFactors, err = s.repeatFactors(ctx, p, out.Incidents); err != nil {
		return err
	}
	cats, err := s.keySpellings(ctx, `incident_factors`, `category`, "", keysOf(out.ByFactorCategory))
	if err != nil {
		return err
	}
	for i, c := range out.ByFactorCategory {
		if w, ok := cats[c.Key]; ok {
			out.ByFactorCategory[i].Key = w
		}
	}
	for i, r := range out.RepeatFactors {
		if w, ok := cats[r.Category]; ok {
			out.RepeatFactors[i].Category = w
		}
	}
	return s.spell(ctx, `incident_tags`, `tag`, "", out.ByTag)
}

// shapeFrom is the FROM of a breakdown: the rows of shape table (alias)
// joined with the matching facts (alias f, refineCond), whose conditions
// it adds to c. matching is how many incidents match (insightCounts).
//
// Which side drives the join decides the cost: most incidents often have
// no tag, factor category or custom field (the 100,000 generated ones none
// at all), and reading every matching fact to probe it for shape rows was
// half the CPU of /api/v1/insights there; but where most incidents have
// them, each shape row's fact costs more to find than each fact's shape
// rows. So the shape rows in the range drive (read through their
// start_key index, migration 00260) when they are fewer than half the
// matching incidents (counted up to that, a covering index range), and
// the facts otherwise. With a service filter the service's facts (few)
// drive, and with a team filter the team's incidents do (SQLite would
// otherwise look each shape row's incident up in the team's whole list:
// minutes at 100,000). It is "" when the table has no row in the range:
// the breakdown is empty, and its query is not run (on PostgreSQL the
// planning of the category breakdown and the repeat factors alone cost
// 7 ms of a request at 100,000 incidents without shape rows). The count
// is read once per table and request (p.shapeRows).
func (s *Store) shapeFrom(ctx context.Context, p *insightPlan, c *cond, table, alias string, matching int) (string, error) {
	rc := p.refineCond(func(col string) string { return col })
	c.add(alias + `.incident_id = f.incident_id`)
	factsFirst := p.scope == 1 || p.team != ""
	var rng cond
	if p.ranged {
		if p.whole.lo != minKey {
			rng.add(`start_key >= ?`, p.whole.lo)
		}
		if p.whole.hi != maxKey {
			rng.add(`start_key < ?`, p.whole.hi)
		}
	}
	if !factsFirst {
		limit := matching/2 + 1
		n, ok := p.shapeRows[table]
		if !ok {
			if err := s.figQueryRow(ctx, s.d.Rebind(`SELECT COUNT(*) FROM (SELECT 1 FROM `+table+` WHERE `+rng.String()+` LIMIT ?) x`),
				append(append([]any{}, rng.args...), limit)...).Scan(&n); err != nil {
				return "", err
			}
			if p.shapeRows == nil {
				p.shapeRows = map[string]int{}
			}
			p.shapeRows[table] = n
		}
		if n == 0 {
			return "", nil
		}
		factsFirst = n >= limit
	}
	if factsFirst {
		c.parts, c.args = append(c.parts, rc.parts...), append(c.args, rc.args...)
		return `insight_facts f CROSS JOIN ` + table + ` ` + alias, nil
	}
	c.add(alias + `.start_key = f.start_key`)
	for i, part := range rng.parts {
		c.add(alias+`.`+part, rng.args[i])
	}
	c.parts, c.args = append(c.parts, rc.parts...), append(c.args, rc.args...)
	return table + ` ` + alias + ` CROSS JOIN insight_facts f`, nil
}

// spell writes the keys of cs, rows of table, as keySpellings finds them.
func (s *Store) spell(ctx context.Context, table, col, name string, cs []hindsight.Count) error {
	m, err := s.keySpellings(ctx, table, col, name, keysOf(cs))
	if err != nil {
		return err
	}
	for i, c := range cs {
		if w, ok := m[c.Key]; ok {
			cs[i].Key = w
		}
	}
	return nil
}

func keysOf(cs []hindsight.Count) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Key
	}
	return out
}

// spellBatch bounds the keys of one keySpellings query.
const spellBatch = 500

// keySpellings finds how people write each of keys, the lower-case keys
// of shape table's column col (incident_tags.tag, incident_factors.category,
// or incident_fields.value of label key name): as the row of the oldest
// live incident that has the key and is not restricted writes it (by start,
// then Incident ID; migration 00230). Restricted incidents are left out for
// every reader, admins too, so one spelling serves every reader and a
// restricted document's spelling is shown to no one; a key that only they
// have, or whose oldest row keeps no written form, is left out of the map
// (shown as the key). One query per spellBatch keys: per key, the first
// rows of the key's index range in start order (incident_*_start) until
// one of a visible incident; nothing is remembered between calls, so a
// save that changes the oldest spelling shows at once, on every instance.
func (s *Store) keySpellings(ctx context.Context, table, col, name string, keys []string) (map[string]string, error) {
	out := map[string]string{}
	for len(keys) > 0 {
		n := min(len(keys), spellBatch)
		var args []any
		where := `sk.` + col + ` = k.column1`
		if name != "" {
			where = `sk.name = ? AND ` + where
			args = append(args, name)
		}
		for _, k := range keys[:n] {
			args = append(args, k)
		}
		keys = keys[n:]
		q := `SELECT k.column1, (SELECT sk.written FROM ` + table + ` sk JOIN incidents i ON i.id = sk.incident_id
WHERE ` + where + ` AND i.deleted_at IS NULL AND NOT i.restricted ORDER BY sk.start_key, sk.incident_id LIMIT 1)
FROM (VALUES ` + strings.TrimSuffix(strings.Repeat(`(?), `, n), `, `) + `) k`
		rows, err := s.figQueryFresh(ctx, s.d.Rebind(q), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k string
			var w sql.NullString
			if err := rows.Scan(&k, &w); err != nil {
				rows.Close()
				return nil, err
			}
			if w.String != "" {
				out[k] = w.String
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// repeatFactors finds, among the matching incidents with a Start, the
// factor categories that recur on a service within hindsight.RepeatDays.
func (s *Store) repeatFactors(ctx context.Context, p *insightPlan, matching int) ([]hindsight.RepeatFactor, error) {
	var c cond
	c.add(`f.started = 1`)
	from, err := s.shapeFrom(ctx, p, &c, `incident_factors`, `sc`, matching)
	if err != nil || from == "" {
		return []hindsight.RepeatFactor{}, err
	}
	rows, err := s.figQuery(ctx, s.d.Rebind(`SELECT sc.category, sv.name, f.incident_id, f.start_key FROM `+from+`
JOIN incident_services sv ON sv.incident_id = f.incident_id WHERE `+c.String()), c.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hits []repeatHit
	for rows.Next() {
		var h repeatHit
		if err := rows.Scan(&h.category, &h.service, &h.id, &h.start); err != nil {
			return nil, err
		}
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return repeats(hits), nil
}

// repeatHit is one (category, service, incident) of repeatFactors.
type repeatHit struct {
	category, service, id string
	start                 int64
}

// repeats groups hits by category and service (compared as foldKey
// compares service names) and keeps the incidents that started within
// hindsight.RepeatDays of another one of the group: most incidents first,
// then by category and service.
func repeats(hits []repeatHit) []hindsight.RepeatFactor {
	type key struct{ category, service string }
	groups := map[key][]repeatHit{}
	seen := map[[3]string]bool{}
	for _, h := range hits {
		k := key{h.category, foldKey(strings.TrimSpace(h.service))}
		if seen[[3]string{k.category, k.service, h.id}] {
			continue // a document naming the service twice
		}
		seen[[3]string{k.category, k.service, h.id}] = true
		groups[k] = append(groups[k], h)
	}
	const window = int64(hindsight.RepeatDays) * 24 * 3600
	out := []hindsight.RepeatFactor{}
	for _, g := range groups {
		sort.Slice(g, func(i, j int) bool {
			if g[i].start != g[j].start {
				return g[i].start < g[j].start
			}
			return g[i].id < g[j].id
		})
		keep := map[int]bool{}
		for i := 1; i < len(g); i++ {
			if g[i].start-g[i-1].start <= window {
				keep[i-1], keep[i] = true, true
			}
		}
		if len(keep) == 0 {
			continue
		}
		r := hindsight.RepeatFactor{Category: g[0].category, Service: g[0].service}
		for i, h := range g {
			if keep[i] {
				r.Incidents = append(r.Incidents, h.id)
			}
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if len(a.Incidents) != len(b.Incidents) {
			return len(a.Incidents) > len(b.Incidents)
		}
		if a.Category != b.Category {
			return a.Category < b.Category
		}
		return foldKey(a.Service) < foldKey(b.Service)
	})
	return out
}

// median is percentile_cont(0.5) of xs (ok false when xs is empty), rounded
// as every figure is (hindsight.Round3).
func median(xs []float64) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	sort.Float64s(xs)
	r := 0.5 * float64(len(xs)-1)
	lo := int(math.Floor(r))
	hi := min(lo+1, len(xs)-1)
	return hindsight.Round3(xs[lo] + (r-float64(lo))*(xs[hi]-xs[lo])), true
}
