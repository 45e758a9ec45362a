package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// FactorRepeats implements hindsight.RepeatStore: the live incidents other
// than id that v may see, naming a factor of one of categories and one of
// services, that started at most hindsight.RepeatDays before or after
// start; one RepeatFactor per category and service found (category as
// stored, service as the first such incident names it), its Incidents
// oldest first.
func (s *Store) FactorRepeats(ctx context.Context, v hindsight.Viewer, id string, categories, services []string, start time.Time) ([]hindsight.RepeatFactor, error) {
	var cats, svcs []string
	for _, c := range categories {
		if k := shapeKey(c); k != "" {
			cats = append(cats, k)
		}
	}
	for _, n := range services {
		if n = strings.TrimSpace(clean(n)); n != "" {
			svcs = append(svcs, n)
		}
	}
	out := []hindsight.RepeatFactor{}
	if len(cats) == 0 || len(svcs) == 0 || start.IsZero() {
		return out, nil
	}
	window := int64(hindsight.RepeatDays) * 24 * 3600
	var c cond
	c.in(`sc.category`, cats)
	ph := strings.TrimSuffix(strings.Repeat("lower(?), ", len(svcs)), ", ")
	args := make([]any, len(svcs))
	for i, n := range svcs {
		args[i] = n
	}
	c.add(`lower(sv.name) IN (`+ph+`)`, args...)
	c.add(`i.id <> ? AND i.deleted_at IS NULL AND i.start_at IS NOT NULL AND i.start_key >= ? AND i.start_key <= ?`,
		clean(id), start.Unix()-window, start.Unix()+window)
	c.visible(v)
	rows, err := s.rq.QueryContext(ctx, s.d.Rebind(`SELECT sc.category, sv.name, i.id, i.start_key FROM incident_factors sc
JOIN incident_services sv ON sv.incident_id = sc.incident_id JOIN incidents i ON i.id = sc.incident_id
WHERE `+c.String()+` ORDER BY i.start_key, i.id`), c.args...)
	if err != nil {
		return nil, internal("factor repeats", err)
	}
	defer rows.Close()
	type key struct{ category, service string }
	at := map[key]int{}
	for rows.Next() {
		var h repeatHit
		if err := rows.Scan(&h.category, &h.service, &h.id, &h.start); err != nil {
			return nil, internal("factor repeats", err)
		}
		k := key{h.category, foldKey(strings.TrimSpace(h.service))}
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, hindsight.RepeatFactor{Category: h.category, Service: strings.TrimSpace(h.service)})
		}
		if n := len(out[i].Incidents); n == 0 || out[i].Incidents[n-1] != h.id {
			out[i].Incidents = append(out[i].Incidents, h.id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, internal("factor repeats", err)
	}
	return out, nil
}

var _ hindsight.RepeatStore = (*Store)(nil)
