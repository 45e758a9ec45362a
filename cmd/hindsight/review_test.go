package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
)

func TestReviewCommand(t *testing.T) {
	t.Setenv("HINDSIGHT_AS", "")
	db := filepath.Join(t.TempDir(), "review.db")
	s, err := openStore(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	as := s.(hindsight.AccountStore)
	for _, u := range []*hindsight.User{{ID: "usr_a", Email: "author@example.com", Role: hindsight.RoleEditor, PasswordHash: "$argon2id$x"},
		{ID: "usr_r", Email: "rev@example.com", Role: hindsight.RoleEditor, PasswordHash: "$argon2id$x"}} {
		if err := as.CreateUser(t.Context(), u, false, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	doc := &hindsight.Postmortem{Title: "Checkout down", Status: hindsight.StatusInReview}
	doc.Summary.Severity = hindsight.Sev2
	tm, _ := hindsight.ParseTime("2026-11-20 14:02")
	doc.Timeline = []hindsight.Event{{Time: tm, Event: "deploy started"}}
	inc, err := s.CreateIncident(t.Context(), hindsight.IncidentCreate{Doc: doc, Author: "author@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	for _, tc := range []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"review", "request", inc.ID, "rev@example.com", "--as", "author@example.com"}, 0, "review requested of rev@example.com", ""},
		{[]string{"review", "request", inc.ID, "nobody@example.com", "--as", "author@example.com"}, 1, "", "reviewers[0]"},
		{[]string{"review", "approve", inc.ID}, 1, "", "--as"},
		{[]string{"review", "comment", inc.ID, "-m", "which deploy?", "--timeline", "2026-11-20 14:02", "--as", "rev@example.com"}, 0, `on timeline row 2026-11-20 14:02 "deploy started"`, ""},
		{[]string{"review", "comment", inc.ID, "-m", "x", "--timeline", "2026-11-20 15:00", "--as", "rev@example.com"}, 1, "", "--timeline"},
		{[]string{"review", "status", inc.ID}, 0, "FAIL 1 unresolved comment thread", ""},
		{[]string{"review", "comment", inc.ID, "-m", "name it", "--request-changes", "--as", "rev@example.com"}, 0, "changes requested revision 1", ""},
		{[]string{"review", "approve", inc.ID, "-m", "LGTM", "--as", "rev@example.com"}, 0, "approved revision 1", ""},
		{[]string{"review", "status", "--as", "rev@example.com"}, 0, "requested of you: 0", ""},
	} {
		code, stdout, stderr := runCLI(t, append(tc.args, "--db", db)...)
		if (code == 0) != (tc.code == 0) || !strings.Contains(stdout, tc.stdout) || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("%v: exit %d\nstdout: %s\nstderr: %s", tc.args, code, stdout, stderr)
		}
	}
	_, stdout, _ := runCLI(t, "review", "status", inc.ID, "--format", "json", "--db", db)
	var st struct {
		Gate   struct{ OK bool }
		Latest []struct{ State string }
	}
	if err := json.Unmarshal([]byte(stdout), &st); err != nil || st.Gate.OK || len(st.Latest) != 1 || st.Latest[0].State != "approved" {
		t.Errorf("status json: %v %s", err, stdout)
	}
}

// TestImportKeepsPublishedOnlyWithKeepStatus: the CLI cannot get past the
// review gate by importing a Published document.
func TestImportKeepsPublishedOnlyWithKeepStatus(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "import.db")
	src, err := os.ReadFile("../../examples/INC-20260312-001-checkout-database-failover.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), "**Status:** Published") {
		t.Fatal("the example is not Published")
	}
	f := filepath.Join(dir, "pm.md")
	if err := os.WriteFile(f, src, 0o644); err != nil {
		t.Fatal(err)
	}
	status := func() hindsight.Status {
		s, err := openStore(t.Context(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		in, err := s.FindIncidentByID(t.Context(), hindsight.SystemViewer, "INC-20260312-001")
		if err != nil {
			t.Fatal(err)
		}
		return in.Doc.Status
	}
	if code, out, errs := runCLI(t, "import", f, "--db", db); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	if st := status(); st != hindsight.StatusInReview {
		t.Errorf("imported without --keep-status as %s", st)
	}
	if code, out, errs := runCLI(t, "import", "--keep-status", f, "--db", db); code != 0 {
		t.Fatalf("import --keep-status: %d %s %s", code, out, errs)
	}
	if st := status(); st != hindsight.StatusPublished {
		t.Errorf("imported with --keep-status as %s", st)
	}
	s, _ := openStore(t.Context(), db)
	defer s.Close()
	es, err := s.(hindsight.AccountStore).FindAudit(t.Context(), hindsight.AuditFilter{Action: "incident.import_keep_status"})
	if err != nil || len(es) != 1 || es[0].IncidentID != "INC-20260312-001" {
		t.Errorf("--keep-status audit: %+v %v", es, err)
	}
}
