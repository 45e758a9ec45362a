package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/auth"
)

func TestUserAndTokenCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "h.db")
	pw := "a long enough password"
	steps := []struct {
		name  string
		stdin string
		args  []string
		code  int
		out   string // substring of stdout (or stderr when code != 0)
	}{
		{"add", pw + "\n", []string{"user", "add", "ann@example.com", "--role", "editor", "--name", "Ann", "--password-stdin"}, 0, "Added ann@example.com"},
		{"add admin", pw + "\n", []string{"user", "add", "root@example.com", "--role", "admin"}, 0, "as admin"},
		{"duplicate", pw + "\n", []string{"user", "add", "ANN@example.com"}, 2, "exists"},
		{"short password", "short\n", []string{"user", "add", "bob@example.com"}, 2, "at least 12 characters"},
		{"no password", "", []string{"user", "add", "bob@example.com"}, 2, "no password on stdin"},
		{"bad role", pw + "\n", []string{"user", "add", "bob@example.com", "--role", "boss"}, 2, "want viewer, editor or admin"},
		{"list", "", []string{"user", "list"}, 0, "ann@example.com"},
		{"role", "", []string{"user", "role", "ann@example.com", "viewer"}, 0, "viewer, active"},
		{"disable", "", []string{"user", "disable", "ann@example.com"}, 0, "disabled"},
		{"enable", "", []string{"user", "enable", "ann@example.com"}, 0, "active"},
		{"reset", "another long password\n", []string{"user", "reset-password", "ann@example.com", "--password-stdin"}, 0, "ann@example.com"},
		{"unknown account", "", []string{"user", "disable", "ghost@example.com"}, 2, "not found"},
		{"last admin", "", []string{"user", "disable", "root@example.com"}, 2, "last active admin"},
		{"break-glass on", "", []string{"user", "break-glass", "root@example.com", "on"}, 0, "admin, active, break-glass"},
		{"break-glass listed", "", []string{"user", "list"}, 0, "active, break-glass"},
		{"break-glass off", "", []string{"user", "break-glass", "root@example.com", "off"}, 0, "admin, active\n"},
		{"break-glass bad", "", []string{"user", "break-glass", "root@example.com", "maybe"}, 2, `break-glass "maybe": want on or off`},
		{"link", "", []string{"user", "link", "ann@example.com"}, 0, "linked at the next identity provider sign-in"},
		{"token", "", []string{"token", "create", "--user", "ann@example.com", "--name", "ci"}, 0, "hst_"},
		{"token bad scope", "", []string{"token", "create", "--user", "ann@example.com", "--name", "ci", "--scope", "all"}, 2, "read or read-write"},
		{"token list", "", []string{"token", "list", "--user", "ann@example.com"}, 0, "active"},
		{"revoke unknown", "", []string{"token", "revoke", "tok_nope"}, 2, "not found"},
	}
	for _, s := range steps {
		code, out, errs := runIn(t, s.stdin, append([]string{"--db", db}, s.args...)...)
		got := out
		if s.code != 0 {
			got = errs
		}
		if code != s.code || !strings.Contains(got, s.out) {
			t.Errorf("%s: exit %d (want %d)\nstdout: %s\nstderr: %s", s.name, code, s.code, out, errs)
		}
		if strings.Contains(out+errs, pw) {
			t.Errorf("%s: the password is printed", s.name)
		}
	}
	// revoke the created token through its listed ID
	_, out, _ := runIn(t, "", "--db", db, "token", "list")
	var id string
	for _, f := range strings.Fields(out) {
		if strings.HasPrefix(f, "tok_") {
			id = f
		}
	}
	if code, out, errs := runIn(t, "", "--db", db, "token", "revoke", id); code != 0 || !strings.Contains(out, "Revoked") {
		t.Errorf("revoke %q: %d %s %s", id, code, out, errs)
	}
	if _, out, _ := runIn(t, "", "--db", db, "token", "list"); !strings.Contains(out, "revoked") || strings.Contains(out, "hst_") {
		t.Errorf("list after revoke: %s", out)
	}
}

func TestServeAuthWiring(t *testing.T) {
	cases := []struct {
		name, email, pw string
		wantErr         string
		wantLink        bool
		wantOut         string
	}{
		{"no accounts: setup link", "", "", "", true, "No account exists yet"},
		{"bootstrap", "Ops@Example.com", "bootstrap password", "", false, "Created the first admin account ops@example.com"},
		{"half set", "ops@example.com", "", "set both", false, ""},
		{"short password", "ops@example.com", "short", "at least 12", false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("HINDSIGHT_ADMIN_EMAIL", tc.email)
			t.Setenv("HINDSIGHT_ADMIN_PASSWORD", tc.pw)
			st, err := openStore(t.Context(), filepath.Join(t.TempDir(), "h.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			var out bytes.Buffer
			a := &app{stdout: &out, stderr: &out}
			au, err := auth.New(st.(hindsight.AccountStore), nil, auth.Options{})
			if err != nil {
				t.Fatal(err)
			}
			err = bootstrapAdmin(t.Context(), a, au)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := printSetupLink(t.Context(), a, au, "http://127.0.0.1:8080"); err != nil {
				t.Fatal(err)
			}
			got := out.String()
			if strings.Contains(got, "http://127.0.0.1:8080/setup?token=") != tc.wantLink || !strings.Contains(got, tc.wantOut) {
				t.Errorf("output %q", got)
			}
			if tc.pw != "" && strings.Contains(got, tc.pw) {
				t.Error("the password is printed")
			}
		})
	}
}
