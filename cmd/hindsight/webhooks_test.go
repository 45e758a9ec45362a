package main

import (
	"path/filepath"
	"strings"
	"testing"
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
		{[]string{"webhook", "remove", "1"}, 0, "webhook 1 removed"},
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
