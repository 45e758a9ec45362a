package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
)

func TestTimelineImportCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.db")
	s, err := openStore(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	p := &hindsight.Postmortem{Title: "Checkout latency", Status: hindsight.StatusDraft}
	p.Summary.Start, _ = hindsight.ParseTime("2026-11-03 13:55")
	inc, err := s.CreateIncident(t.Context(), hindsight.IncidentCreate{Doc: p})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	export := filepath.Join("..", "..", "chat", "testdata", "slack-export")
	history := filepath.Join("..", "..", "chat", "testdata", "slack-history.json")
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("\nhello\n[14:02] Ann: ok\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	paste := filepath.Join(dir, "paste.txt")
	if err := os.WriteFile(paste, []byte("Ann Lee  2:02 PM\ncheckout is slow\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		inStdout []string
		notOut   []string
		inStderr string
	}{
		{"DryRun", []string{"timeline", "import", inc.ID, export, "--only", "reaction:timeline", "--dry-run"}, 0,
			[]string{"TIME (UTC)", "2026-11-03 14:02  slack #incident-42  Ann", "Checkout p99 is at 4s :fire: @here", "2026-11-04 08:00", "9 message(s) read as slack-export, 3 selected, 3 would be added"}, []string{"PagerDuty"}, ""},
		{"Window", []string{"timeline", "import", inc.ID, export, "--only", "reaction:timeline", "--until", "2026-11-03 23:00"}, 0,
			[]string{"added 2 row(s) to the timeline in revision 2, 0 imported before"}, nil, ""},
		{"Again", []string{"timeline", "import", inc.ID, export, "--only", "reaction:timeline"}, 0,
			[]string{"added 1 row(s) to the timeline in revision 3, 2 imported before"}, nil, ""},
		{"DryRunKnown", []string{"timeline", "import", inc.ID, export, "--only", "reaction:timeline", "--dry-run"}, 0,
			[]string{"(imported before)", "0 would be added"}, nil, ""},
		{"Nothing", []string{"timeline", "import", inc.ID, export, "--only", "reaction:timeline"}, 0,
			[]string{"nothing to add (3 message(s) selected, 3 imported before)"}, nil, ""},
		{"Pinned", []string{"timeline", "import", inc.ID, history, "--only", "pinned", "--no-bots"}, 0,
			[]string{"added 1 row(s)"}, nil, ""},
		{"PasteZone", []string{"timeline", "import", inc.ID, paste, "--zone", "PT"}, 0,
			[]string{"added 1 row(s)"}, nil, ""},
		{"BadLine", []string{"timeline", "import", inc.ID, bad}, 2, nil, nil, "bad.txt:2: not the start of a chat message"},
		{"BadOnly", []string{"timeline", "import", inc.ID, export, "--only", "starred"}, 2, nil, nil, `--only: "starred"`},
		{"BadSince", []string{"timeline", "import", inc.ID, export, "--since", "noonish"}, 2, nil, nil, `--since: "noonish" is not a time`},
		{"BadZone", []string{"timeline", "import", inc.ID, export, "--zone", "Mars"}, 2, nil, nil, `--zone: "Mars"`},
		{"NoFile", []string{"timeline", "import", inc.ID, filepath.Join(dir, "none.json")}, 2, nil, nil, "none.json: no such file"},
		{"NoIncident", []string{"timeline", "import", "INC-20261103-999", export}, 2, nil, nil, `incident "INC-20261103-999" not found`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"--db", db}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
			for _, s := range tc.inStdout {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tc.notOut {
				if strings.Contains(out, s) {
					t.Errorf("stdout has %q:\n%s", s, out)
				}
			}
			if !strings.Contains(errOut, tc.inStderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.inStderr, errOut)
			}
		})
	}
	// the document: rows with source and author; the pasted 2:02 PM PT is 22:02 UTC
	s, err = openStore(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.FindIncidentByID(t.Context(), hindsight.SystemViewer, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	for _, ev := range got.Doc.Timeline {
		md.WriteString(ev.Time.String() + " " + ev.Event + " | " + strings.Join(ev.Cells, " | ") + "\n")
	}
	for _, want := range []string{
		"2026-11-03 14:02 Checkout p99 is at 4s :fire: @here | slack #incident-42 | Ann",
		"2026-11-03 14:05 Rolled back to release 812 (https://deploy.example.com/r/812) | see #general | slack #incident-42 | Алексей Иванов",
		"2026-11-03 14:08 Pool size raised to 200 @U01ANN | slack | U02TARO",
		"2026-11-03 22:02 checkout is slow | chat | Ann Lee",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("timeline lacks %q:\n%s", want, md.String())
		}
	}
}
