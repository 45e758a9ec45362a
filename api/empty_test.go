package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
)

// TestEmptyFieldsStayEmpty: a JSON document with empty fields (no
// commander, an action item without owner or date, no timeline) is stored
// without any template placeholder text.
func TestEmptyFieldsStayEmpty(t *testing.T) {
	e := newEnv(t)
	p := sampleDoc("Empty fields")
	p.Detection.Commander = ""
	p.ActionItems = []hindsight.ActionItem{{ID: "AI-001", Action: "Add a failover alert", Status: hindsight.ItemOpen}}
	res := e.do(req{method: "POST", path: "/api/v1/incidents", header: with(jsonHeader, "Accept", "text/markdown"), body: mustJSON(t, p)})
	if res.status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	for _, ph := range []string{"Name", "YYYY-MM-DD", "HH:MM", "P0/P1/P2", "Event description", "Item 1", "Links to incident tickets", "(Yes/No)", "Factor 1"} {
		if strings.Contains(string(res.body), ph) {
			t.Errorf("stored Markdown holds the placeholder %q:\n%s", ph, res.body)
		}
	}
	if !strings.Contains(string(res.body), "| AI-001 | Add a failover alert | | | | Open |") {
		t.Errorf("action item not written with empty cells:\n%s", res.body)
	}
}
