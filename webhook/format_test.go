package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
)

var update = flag.Bool("update", false, "rewrite the checked-in examples under testdata/")

// TestTeamsFormat: a subscription in the teams format posts an Adaptive
// Card in the Teams Workflows webhook shape, byte for byte the checked-in
// example (testdata/teams_incident_created.json), and a restricted
// incident's card holds nothing of its content.
func TestTeamsFormat(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: start}
	st := openStore(t, filepath.Join(t.TempDir(), "h.db"), clk)
	defer st.Close()
	w := newWorker(t, st, clk)
	rc := newReceiver(t, "k", clk, 0)
	subscribe(t, w, rc.srv.URL, "k", "teams", hindsight.EventIncidentCreated, hindsight.EventActionItemCreated)
	open := openIncident(t, st, clk, false)
	secret := openIncident(t, st, clk, true)
	if _, err := w.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	bodies, _, _ := rc.got()
	if len(bodies) != 4 {
		t.Fatalf("teams receiver got %d messages, want 4", len(bodies))
	}
	var created []byte
	for _, b := range bodies {
		// the shape every Teams Workflows webhook takes
		var m struct {
			Type        string `json:"type"`
			Attachments []struct {
				ContentType string          `json:"contentType"`
				ContentURL  *string         `json:"contentUrl"`
				Content     json.RawMessage `json:"content"`
			} `json:"attachments"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if m.Type != "message" || len(m.Attachments) != 1 || m.Attachments[0].ContentType != "application/vnd.microsoft.card.adaptive" {
			t.Fatalf("not a Teams message with one Adaptive Card: %s", b)
		}
		var card struct {
			Type    string `json:"type"`
			Version string `json:"version"`
			Body    []struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"body"`
		}
		if err := json.Unmarshal(m.Attachments[0].Content, &card); err != nil {
			t.Fatal(err)
		}
		if card.Type != "AdaptiveCard" || card.Version != "1.4" || len(card.Body) < 2 || card.Body[0].Type != "TextBlock" {
			t.Fatalf("not an Adaptive Card 1.4 with a body: %s", b)
		}
		switch {
		case strings.Contains(card.Body[0].Text, secret.ID):
			if strings.Contains(string(b), "Checkout") || strings.Contains(string(b), "SEV-2") || strings.Contains(string(b), "latency SLO") {
				t.Errorf("restricted incident content sent to Teams: %s", b)
			}
		case strings.Contains(card.Body[0].Text, open.ID):
			if strings.HasPrefix(card.Body[0].Text, "Incident opened") {
				created = b
			}
		default:
			t.Errorf("card for no known incident: %s", b)
		}
	}
	if created == nil {
		t.Fatal("no incident.created card for the open incident")
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, created, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	golden := filepath.Join("testdata", "teams_incident_created.json")
	if *update {
		if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Fatalf("Teams card differs from %s (go test ./webhook -run TestTeamsFormat -update rewrites it):\n%s", golden, pretty.String())
	}
}
