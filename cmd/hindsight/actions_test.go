package main

import (
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
)

func TestActionsCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "a.db")
	s, err := openStore(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	p := &hindsight.Postmortem{Title: "Checkout down"}
	p.Summary.Start, _ = hindsight.ParseTime("2026-03-01 10:00")
	p.Summary.End, _ = hindsight.ParseTime("2026-03-01 12:00")
	due, _ := hindsight.ParseDate("2026-03-10")
	p.ActionItems = []hindsight.ActionItem{
		{ID: "AI-001", Action: "Add alert", Owner: "alice", Priority: hindsight.P0, TargetDate: due, Status: hindsight.ItemOpen},
		{ID: "AI-002", Action: "Write runbook", Owner: "bob", Priority: hindsight.P2, Status: hindsight.ItemOpen},
		{ID: "AI-003", Action: "Fix retries", Owner: "alice", Priority: hindsight.P1, Status: hindsight.ItemClosed},
	}
	inc, err := s.CreateIncident(t.Context(), hindsight.IncidentCreate{Doc: p})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	tests := []struct {
		name     string
		args     []string
		code     int
		inStdout []string
		notOut   []string
		inStderr string
	}{
		{"Table", []string{"actions", "--today", "2026-04-01"}, 0,
			[]string{"INCIDENT", inc.ID, "2026-03-10 OVERDUE", "2026-04-26 (suggested)", "2026-03-15 PAST", "3 items"}, nil, ""},
		{"Owner", []string{"actions", "--owner", "ALICE", "--today", "2026-04-01"}, 0, []string{"AI-001", "AI-003", "2 items"}, []string{"AI-002"}, ""},
		{"Overdue", []string{"actions", "--overdue", "--today", "2026-04-01"}, 0, []string{"AI-001", "1 items"}, []string{"AI-002", "AI-003"}, ""},
		{"Status", []string{"actions", "--status", "closed"}, 0, []string{"AI-003"}, []string{"AI-001"}, ""},
		{"Priority", []string{"actions", "--priority", "p2"}, 0, []string{"AI-002"}, []string{"AI-001"}, ""},
		{"PastObjective", []string{"actions", "--past-objective", "--today", "2026-04-20"}, 0, []string{"AI-001", "1 items"}, []string{"AI-002"}, ""},
		{"None", []string{"actions", "--owner", "nobody"}, 0, []string{"no action items match"}, nil, ""},
		{"BadFormat", []string{"actions", "--format", "xml"}, 2, nil, nil, `--format: "xml" is not table, json or csv`},
		{"BadToday", []string{"actions", "--today", "tomorrow"}, 2, nil, nil, `--today: "tomorrow" is not a date`},
		{"BadStatus", []string{"actions", "--status", "maybe"}, 2, nil, nil, `--status: "maybe" is not open or closed`},
		{"BadPriority", []string{"actions", "--priority", "P9"}, 2, nil, nil, `--priority: "P9"`},
		{"BadObjectives", []string{"actions", "--objectives", "P0=x"}, 2, nil, nil, `--objectives: objectives: P0`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"--db", db}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, errOut)
			}
			for _, w := range tc.inStdout {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tc.notOut {
				if strings.Contains(out, w) {
					t.Errorf("stdout has %q:\n%s", w, out)
				}
			}
			if !strings.Contains(errOut, tc.inStderr) {
				t.Errorf("stderr %q lacks %q", errOut, tc.inStderr)
			}
		})
	}
	code, out, _ := runCLI(t, "--db", db, "actions", "--format", "json", "--today", "2026-04-01")
	var page hindsight.ActionItemPage
	if err := json.Unmarshal([]byte(out), &page); code != 0 || err != nil || page.Total != 3 || !page.Items[0].Overdue {
		t.Errorf("json: exit %d, %v, %+v", code, err, page)
	}
	code, out, _ = runCLI(t, "--db", db, "actions", "--format", "csv")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(recs) != 4 || recs[0][0] != "incident_id" {
		t.Errorf("csv: exit %d, %v, %q", code, err, recs)
	}
}
