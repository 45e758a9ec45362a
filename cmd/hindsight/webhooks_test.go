package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
)

func TestWebhookCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "h.db")
	steps := []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"webhook", "add", "https://hooks.example.com/a", "-e", "incident.created,incident.published", "--format", "slack"}, 0, "secret: whsec_"},
		{[]string{"webhook", "add", "https://hooks.example.com/b", "--secret", "s3cret", "--description", "pager bridge"}, 0, "webhook 2"},
		{[]string{"webhook", "list"}, 0, "https://hooks.example.com/a"},
		{[]string{"webhook", "list", "--json"}, 0, `"description": "pager bridge"`},
		{[]string{"webhook", "add", "ftp://x"}, 2, "url:"},
		{[]string{"webhook", "add", "https://x.example", "-e", "incident.exploded"}, 2, "unknown event"},
		{[]string{"webhook", "deliveries", "--status", "failed"}, 0, "ID"},
		{[]string{"webhook", "redeliver", "42"}, 2, "delivery 42 not found"},
		{[]string{"webhook", "redeliver", "x"}, 2, "not an ID"},
		{[]string{"webhook", "remove", "1"}, 0, "webhook 1 removed; 0 pending deliveries discarded"},
		{[]string{"webhook", "remove", "1"}, 2, "not found"},
	}
	for _, s := range steps {
		code, out, errOut := runCLI(t, append([]string{"--db", db}, s.args...)...)
		if code != s.code || !strings.Contains(out+errOut, s.contains) {
			t.Fatalf("hindsight %s: exit %d\n%s%s\nwant exit %d with %q", strings.Join(s.args, " "), code, out, errOut, s.code, s.contains)
		}
	}
	_, out, _ := runCLI(t, "--db", db, "webhook", "list")
	if strings.Contains(out, "s3cret") || strings.Contains(out, "hooks.example.com/a") {
		t.Fatalf("list shows a secret or a removed webhook:\n%s", out)
	}
}

// TestWebhookRemoveCountsPending: removing a webhook with pending
// deliveries says how many and needs --yes; the removal reports what it
// discarded.
func TestWebhookRemoveCountsPending(t *testing.T) {
	db := filepath.Join(t.TempDir(), "h.db")
	if code, out, errOut := runCLI(t, "--db", db, "webhook", "add", "https://hooks.example.com/a"); code != 0 {
		t.Fatalf("add: %d %s%s", code, out, errOut)
	}
	s, err := openStore(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, err := s.CreateIncident(t.Context(), hindsight.IncidentCreate{Doc: &hindsight.Postmortem{Title: fmt.Sprintf("queued %d", i)},
			Outbox: []hindsight.OutboxEvent{{Event: hindsight.EventIncidentCreated, Payload: []byte(`{}`)}}}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.(hindsight.WebhookStore).FanOutOutbox(t.Context(), time.Now(), time.Hour, 100); err != nil || n != 2 {
		t.Fatalf("fan-out: %d %v", n, err)
	}
	s.Close()
	steps := []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"webhook", "list"}, 0, "PENDING"},
		{[]string{"webhook", "remove", "1"}, 2, "webhook 1 has 2 pending deliveries"},
		{[]string{"webhook", "disable", "1"}, 0, "webhook 1 disabled; its 2 pending deliveries"},
		{[]string{"webhook", "list"}, 0, "false"},
		{[]string{"webhook", "enable", "1"}, 0, "webhook 1 enabled; 2 pending deliveries resume"},
		{[]string{"webhook", "disable", "9"}, 2, "not found"},
		{[]string{"webhook", "list", "--json"}, 0, `"pending_deliveries": 2`},
		{[]string{"webhook", "remove", "1", "--yes"}, 0, "webhook 1 removed; 2 pending deliveries discarded"},
	}
	for _, st := range steps {
		code, out, errOut := runCLI(t, append([]string{"--db", db}, st.args...)...)
		if code != st.code || !strings.Contains(out+errOut, st.contains) {
			t.Fatalf("hindsight %s: exit %d\n%s%s\nwant exit %d with %q", strings.Join(st.args, " "), code, out, errOut, st.code, st.contains)
		}
	}
}
