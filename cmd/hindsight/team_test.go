package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestTeamCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "h.db")
	pw := "a long enough password"
	for _, e := range []string{"ann@example.com", "bob@example.com"} {
		if code, out, errs := runIn(t, pw+"\n", "--db", db, "user", "add", e, "--password-stdin"); code != 0 {
			t.Fatalf("user add %s: %d %s %s", e, code, out, errs)
		}
	}
	steps := []struct {
		name string
		args []string
		code int
		out  string // substring of stdout (or stderr when code != 0)
	}{
		{"create", []string{"team", "create", "payments", "--name", "Payments", "--member", "ann@example.com", "--service", "checkout"}, 0, "Created team payments (Payments): members ann@example.com; services checkout"},
		{"create again", []string{"team", "create", "payments", "--name", "Again"}, 2, "exists"},
		{"bad slug", []string{"team", "create", "Pay Ments", "--name", "x"}, 2, "SLUG: want lower case letters"},
		{"no name", []string{"team", "create", "search"}, 2, "--name: a team needs a name"},
		{"unknown member", []string{"team", "create", "search", "--name", "Search", "--member", "ann@example.com", "--member", "ghost@example.com"}, 2, "--member #2: names no active account"},
		{"add member", []string{"team", "add-member", "payments", "bob@example.com"}, 0, "members ann@example.com, bob@example.com"},
		{"add unknown member", []string{"team", "add-member", "payments", "ghost@example.com"}, 2, "EMAIL #1: names no active account"},
		{"add to unknown team", []string{"team", "add-member", "nobody", "bob@example.com"}, 2, "not found"},
		{"remove member", []string{"team", "remove-member", "payments", "ann@example.com"}, 0, "members bob@example.com;"},
		{"add service", []string{"team", "add-service", "payments", "ledger", "Payments"}, 0, "services checkout, ledger, Payments"},
		{"remove service", []string{"team", "remove-service", "payments", "LEDGER"}, 0, "services checkout, Payments"},
		{"list", []string{"team", "list"}, 0, "bob@example.com"},
		{"delete", []string{"team", "delete", "payments"}, 0, "Deleted team payments"},
		{"delete again", []string{"team", "delete", "payments"}, 2, "not found"},
		{"list empty", []string{"team", "list"}, 0, "SLUG"},
	}
	for _, s := range steps {
		code, out, errs := runIn(t, "", append([]string{"--db", db}, s.args...)...)
		got := out
		if s.code != 0 {
			got = errs
		}
		if code != s.code || !strings.Contains(got, s.out) {
			t.Errorf("%s: exit %d (want %d), want %q\nstdout: %s\nstderr: %s", s.name, code, s.code, s.out, out, errs)
		}
	}
	_, out, _ := runIn(t, "", "--db", db, "user", "list")
	if !strings.Contains(out, "ann@example.com") {
		t.Errorf("accounts gone: %s", out)
	}
}
