package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/hindsight-pm/hindsight"
)

// writeShape replaces the tag, field and factor category rows of incident
// id with those of pr (writeRows) and takes id off the backfill list of
// migration 00160: its rows are now the document's. Each row carries the
// incident's start_key (pr.StartKey, as the incidents row has it), which
// lists by a shape key read in start order (migration 00200), and the key
// as the document writes it (migration 00230, keySpellings); every save
// rewrites the rows, so a start or a spelling that changes moves them.
func (s *Store) writeShape(ctx context.Context, tx dbtx, id string, pr *projection, nw *newRows) (bool, error) {
	var pending int64
	if nw == nil { // an incident created in tx has no rows yet (writeRows)
		res, err := tx.ExecContext(ctx, s.d.Rebind(`DELETE FROM shape_backfill WHERE incident_id = ?`), id)
		if err != nil {
			return false, err
		}
		if pending, err = res.RowsAffected(); err != nil {
			return false, err
		}
		for _, q := range []string{
			`DELETE FROM incident_tags WHERE incident_id = ?`,
			`DELETE FROM incident_fields WHERE incident_id = ?`,
			`DELETE FROM incident_factors WHERE incident_id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, s.d.Rebind(q), id); err != nil {
				return false, err
			}
		}
	}
	if len(pr.Tags) > 0 {
		rows := make([][]any, len(pr.Tags))
		for i, t := range pr.Tags {
			rows[i] = []any{id, t.key, pr.StartKey, t.written}
		}
		if err := s.insertRows(ctx, tx, `INSERT INTO incident_tags (incident_id, tag, start_key, written) VALUES `, `(?, ?, ?, ?)`, rows); err != nil {
			return false, err
		}
	}
	if len(pr.Fields) > 0 {
		rows := make([][]any, len(pr.Fields))
		for i, f := range pr.Fields {
			rows[i] = []any{id, f.name, f.key, pr.StartKey, f.written}
		}
		if err := s.insertRows(ctx, tx, `INSERT INTO incident_fields (incident_id, name, value, start_key, written) VALUES `, `(?, ?, ?, ?, ?)`, rows); err != nil {
			return false, err
		}
	}
	if len(pr.Factors) > 0 {
		rows := make([][]any, len(pr.Factors))
		for i, c := range pr.Factors {
			rows[i] = []any{id, c.key, pr.StartKey, c.written}
		}
		if err := s.insertRows(ctx, tx, `INSERT INTO incident_factors (incident_id, category, start_key, written) VALUES `, `(?, ?, ?, ?)`, rows); err != nil {
			return false, err
		}
	}
	return pending > 0, nil
}

// backfillBatch is how many incidents BackfillShape writes a transaction.
const backfillBatch = 200

// BackfillShape writes the tag, field and factor category rows of the
// incidents migrations 00160 and 00230 listed in shape_backfill (those that
// existed before them), from their stored documents, a batch of incidents to a
// transaction. Each incident leaves the list in the transaction that
// writes its rows; one a save took off the list meanwhile is skipped (the
// save wrote its rows). The backends call it after migrating up; it does
// nothing once the list is empty, and another instance running it at the
// same time only finds fewer incidents to write. It returns how many
// incidents it wrote.
func (s *Store) BackfillShape(ctx context.Context) (int, error) {
	total := 0
	for {
		var ids []string
		rows, err := s.w.QueryContext(ctx, s.d.Rebind(`SELECT incident_id FROM shape_backfill ORDER BY incident_id LIMIT ?`), backfillBatch)
		if err != nil {
			return total, internal("backfill shape rows", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return total, internal("backfill shape rows", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return total, internal("backfill shape rows", err)
		}
		if len(ids) == 0 {
			return total, nil
		}
		n := 0
		err = s.tx(ctx, func(tx *sql.Tx) error {
			n = 0
			for _, id := range ids {
				var js string
				var startKey int64
				err := tx.QueryRowContext(ctx, s.d.Rebind(`SELECT d.doc_json, i.start_key FROM incident_docs d JOIN incidents i ON i.id = d.incident_id
WHERE d.incident_id = ?`), id).Scan(&js, &startKey)
				if errors.Is(err, sql.ErrNoRows) {
					// no document (cannot happen: written with the incident);
					// nothing to project
					if _, err := tx.ExecContext(ctx, s.d.Rebind(`DELETE FROM shape_backfill WHERE incident_id = ?`), id); err != nil {
						return err
					}
					continue
				}
				if err != nil {
					return err
				}
				var doc hindsight.Postmortem
				if err := json.Unmarshal([]byte(js), &doc); err != nil {
					return hindsight.Errorf(hindsight.EInternal, "backfill shape rows: decode incident %s: %v", id, err)
				}
				pr := &projection{StartKey: startKey}
				pr.Tags, pr.Fields, pr.Factors = shapeRows(&doc)
				pending, err := s.writeShape(ctx, tx, id, pr, nil)
				if err != nil {
					return err
				}
				if !pending {
					// a save took it off the list and wrote its rows after
					// this transaction read the list: those rows are newer
					return errRetryBackfill
				}
				n++
			}
			return nil
		})
		if errors.Is(err, errRetryBackfill) {
			continue // the batch again: the list no longer holds that incident
		}
		if err != nil {
			return total, internal("backfill shape rows", err)
		}
		total += n
	}
}

var errRetryBackfill = hindsight.Errorf(hindsight.EConflict, "backfill shape rows: an incident was saved meanwhile")

// shapeKeyRows is one key of a shape filter: the rows of table (alias
// "sk") that have it, where (on sk's columns) with args.
type shapeKeyRows struct {
	table, where string
	args         []any
	// drop removes this key from a filter (it drives the list instead)
	drop func(f *hindsight.IncidentFilter)
}

// shapeKeys are the keys of a shape filter, compared as shapeKey stores
// them: the tag, the factor category and each field's value (empty ones
// are left out), in that order.
func shapeKeys(fields map[string]string, tag, category string) []shapeKeyRows {
	var out []shapeKeyRows
	if k := shapeKey(tag); k != "" {
		out = append(out, shapeKeyRows{`incident_tags`, `sk.tag = ?`, []any{k}, func(f *hindsight.IncidentFilter) { f.Tag = "" }})
	}
	if k := shapeKey(category); k != "" {
		out = append(out, shapeKeyRows{`incident_factors`, `sk.category = ?`, []any{k}, func(f *hindsight.IncidentFilter) { f.FactorCategory = "" }})
	}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		n, v := shapeKey(name), shapeKey(fields[name])
		if n == "" || v == "" {
			continue
		}
		out = append(out, shapeKeyRows{`incident_fields`, `sk.name = ? AND sk.value = ?`, []any{n, v}, func(f *hindsight.IncidentFilter) {
			rest := make(map[string]string, len(f.Fields))
			for k, v := range f.Fields {
				if k != name {
					rest[k] = v
				}
			}
			f.Fields = rest
		}})
	}
	return out
}

// shapeCond keeps the incidents (ID column col) that have every value of
// fields (label -> value), the tag and the factor category (each when set),
// compared as shapeKey stores them. Correlated EXISTS probes of the
// (incident_id, key) primary keys, so a list reads incidents in its own
// order and stops at a page: an IN (subquery) made SQLite read every
// incident with a common tag and sort them (465 ms p50 at 100,000
// incidents, a tag on 12% of them). A list by start is driven by one of
// the keys' rows instead (FindIncidents, shapeDriver) and probes the rest.
func shapeCond(c *cond, col string, fields map[string]string, tag, category string) {
	for i, k := range shapeKeys(fields, tag, category) {
		alias := fmt.Sprintf("sk%d", i)
		c.add(`EXISTS (SELECT 1 FROM `+k.table+` `+alias+` WHERE `+strings.ReplaceAll(k.where, "sk.", alias+".")+` AND `+alias+`.incident_id = `+col+`)`, k.args...)
	}
}

// shapeCountCap bounds the count shapeDriver makes of each key's rows: past
// it, a key is common enough that any of them gives a page quickly.
const shapeCountCap = 2000

// shapeDriver chooses the key of f's shape filter whose rows drive a list
// by start: the rarest (by a count capped at shapeCountCap), as a list
// driven by a key reads only the incidents that have it, in start order.
// ok is false when f has no shape key.
func (s *Store) shapeDriver(ctx context.Context, f *hindsight.IncidentFilter) (shapeKeyRows, bool, error) {
	keys := shapeKeys(f.Fields, f.Tag, f.FactorCategory)
	switch len(keys) {
	case 0:
		return shapeKeyRows{}, false, nil
	case 1:
		return keys[0], true, nil
	}
	ns, err := s.shapeCounts(ctx, keys)
	if err != nil {
		return shapeKeyRows{}, false, err
	}
	best := 0
	for i, n := range ns {
		if n < ns[best] {
			best = i
		}
	}
	return keys[best], true, nil
}

// shapeCounts counts each key's rows, capped at shapeCountCap, in one
// query.
func (s *Store) shapeCounts(ctx context.Context, keys []shapeKeyRows) ([]int, error) {
	parts := make([]string, len(keys))
	var args []any
	for i, k := range keys {
		parts[i] = `(SELECT count(*) FROM (SELECT 1 FROM ` + k.table + ` sk WHERE ` + k.where + ` LIMIT ?) x)`
		args = append(append(args, k.args...), shapeCountCap)
	}
	ns := make([]int, len(keys))
	dest := make([]any, len(keys))
	for i := range ns {
		dest[i] = &ns[i]
	}
	if err := s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT `+strings.Join(parts, ", ")), args...).Scan(dest...); err != nil {
		return nil, internal("count shape rows", err)
	}
	return ns, nil
}

// shapeItemCond is shapeCond for action items (incident ID column col).
// A page read in an order of the items' own (target date, priority ...)
// with a key on fewer than shapeCountCap incidents (shapeCounts) keeps the
// items whose incident is among the rarest key's rows (the other keys
// probed once per incident there), so the items are read by incident (a
// few thousand at most) and sorted, instead of reading items in the list's
// order and probing each one's incident (a tag on 1% of 100,000 incidents
// read most of ~330,000 items to fill a page); with only common keys it
// probes (shapeCond), which fills a page quickly. every is for reads of
// every matching item (counts): they are always driven by the rarest key's
// incidents, as probing every live item reads them all.
func (s *Store) shapeItemCond(ctx context.Context, c *cond, col string, fields map[string]string, tag, category string, every bool) error {
	keys := shapeKeys(fields, tag, category)
	if len(keys) == 0 {
		return nil
	}
	best, drive := 0, every
	if len(keys) > 1 || !every {
		ns, err := s.shapeCounts(ctx, keys)
		if err != nil {
			return err
		}
		for i, n := range ns {
			if n < ns[best] {
				best = i
			}
		}
		drive = every || ns[best] < shapeCountCap
	}
	if !drive {
		shapeCond(c, col, fields, tag, category)
		return nil
	}
	d := keys[best]
	sub := `SELECT sd.incident_id FROM ` + d.table + ` sd WHERE ` + strings.ReplaceAll(d.where, "sk.", "sd.")
	args := slices.Clone(d.args)
	for i, k := range keys {
		if i == best {
			continue
		}
		alias := fmt.Sprintf("sk%d", i)
		sub += ` AND EXISTS (SELECT 1 FROM ` + k.table + ` ` + alias + ` WHERE ` + strings.ReplaceAll(k.where, "sk.", alias+".") + ` AND ` + alias + `.incident_id = sd.incident_id)`
		args = append(args, k.args...)
	}
	if every {
		// PostgreSQL's planner chooses how to join a count to the key's
		// incidents (a hash of a common key's thousands of incidents)
		c.add(col+` IN (`+sub+`)`, args...)
	} else {
		c.add(s.inList(col, sub), args...)
	}
	return nil
}

// InListDialect is implemented by a Dialect whose planner needs another
// spelling of "col IN (subquery)" to read the subquery's rows first.
type InListDialect interface {
	// InList keeps the rows whose col is among those sub selects, read
	// by looking up each of them (PostgreSQL: col = ANY(ARRAY(sub)); its
	// planner made IN (sub) a semi-join probing items in the list's order,
	// 280 ms for a tag on 1% of 100,000 incidents).
	InList(col, sub string) string
}

// inList is col IN (sub), or the dialect's InList.
func (s *Store) inList(col, sub string) string {
	if d, ok := s.d.(InListDialect); ok {
		return d.InList(col, sub)
	}
	return col + ` IN (` + sub + `)`
}
