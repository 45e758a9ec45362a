package app

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/insights"
)

// CSVColumns are the fixed columns of the incident CSV export; every field
// the effective shape declares follows as a column of its own (headed by
// its name), in the shape's order.
var CSVColumns = []string{"incident_id", "title", "severity", "status", "start", "end", "duration_min", "ttm_min",
	"owner", "commander", "services", "restricted", "tags", "factor_categories"}

// ExportCSV writes the incidents matching f that a may see as CSV (RFC
// 4180, encoding/csv): CSVColumns, then one column per declared field of
// the effective shape with the document's value as written (a multi field
// as written too: comma-separated). Lists (services, tags, factor
// categories) are joined with "; ". Every cell is defused against
// spreadsheet formula injection (insights.SafeCell). f's Limit and Cursor
// are ignored: every match is written, in f's order. It returns how many
// incidents it wrote.
func (s *Service) ExportCSV(ctx context.Context, a Actor, w io.Writer, f hindsight.IncidentFilter) (int, error) {
	shape := s.Shape(ctx)
	head := append([]string(nil), CSVColumns...)
	for _, fd := range shape.Fields {
		head = append(head, fd.Name)
	}
	cw := csv.NewWriter(w)
	put := func(rec []string) error {
		for i := range rec {
			rec[i] = insights.SafeCell(rec[i])
		}
		return cw.Write(rec)
	}
	if err := put(head); err != nil {
		return 0, err
	}
	n := 0
	f.Limit, f.Cursor = 1000, ""
	for {
		page, err := s.store.FindIncidents(ctx, a.Viewer, f)
		if err != nil {
			return n, err
		}
		for _, sum := range page.Incidents {
			in, err := s.store.FindIncidentByID(ctx, a.Viewer, sum.ID, hindsight.IncludeDeleted)
			if hindsight.ErrorCode(err) == hindsight.ENotFound {
				continue // purged meanwhile
			}
			if err != nil {
				return n, err
			}
			if err := put(csvRecord(in, shape)); err != nil {
				return n, err
			}
			n++
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return n, err
		}
		if page.Next == "" {
			return n, nil
		}
		f.Cursor = page.Next
	}
}

// csvRecord is one incident's row of ExportCSV.
func csvRecord(in *hindsight.Incident, shape hindsight.Shape) []string {
	p := in.Doc
	sm := p.Summary
	mins := func(d hindsight.Duration) string {
		if !d.Valid {
			return ""
		}
		return strconv.Itoa(d.Minutes)
	}
	when := func(t hindsight.Time) string {
		if !t.IsSet() {
			return t.Text
		}
		return t.T.UTC().Format(time.RFC3339)
	}
	var services, cats []string
	for _, sv := range sm.Services {
		services = append(services, sv.Name)
	}
	seen := map[string]bool{}
	for _, fc := range p.Factors() {
		if fc.Category != "" && !seen[strings.ToLower(fc.Category)] {
			seen[strings.ToLower(fc.Category)] = true
			cats = append(cats, fc.Category)
		}
	}
	rec := []string{in.ID, p.Title, string(sm.Severity), string(p.Status), when(sm.Start), when(sm.End), mins(sm.Duration), mins(p.Detection.TTM),
		p.Owner, p.Detection.Commander, strings.Join(services, "; "), strconv.FormatBool(in.Restricted),
		strings.Join(p.Tags(), "; "), strings.Join(cats, "; ")}
	for _, fd := range shape.Fields {
		v, _ := p.CustomField(fd.Name)
		rec = append(rec, v)
	}
	return rec
}
