package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight/api"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// TestShapeJSONForm (issue 19): a document posted with custom_fields, tags
// and root_cause.factors is stored as labelled Incident Summary lines and
// "[category] " factors; the JSON read back types a multi field as an
// array (the shape says multi); a body whose raw and friendly forms
// disagree is refused naming the field.
func TestShapeJSONForm(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/test.db", sqlite.Options{Render: app.Render})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg, err := lint.ParseConfig(".hindsight.yaml", []byte("fields:\n  - {name: Customer tier, type: multi, values: [free, pro, enterprise]}\n  - {name: Region, type: enum, values: [eu-west-1]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, app.New(st, app.Options{Now: func() time.Time { return clock }, Lint: cfg}), api.Options{})

	var doc map[string]any
	if err := json.Unmarshal([]byte(mustJSON(t, sampleDoc("Shaped"))), &doc); err != nil {
		t.Fatal(err)
	}
	delete(doc, "extras")
	doc["custom_fields"] = map[string]any{"Region": "eu-west-1", "Customer tier": []string{"pro", "enterprise"}}
	doc["tags"] = []string{"dns", "network"}
	rc := doc["root_cause"].(map[string]any)
	delete(rc, "contributing_factors")
	rc["factors"] = []map[string]string{{"category": "change/config", "text": "The TTL was set by hand"}, {"category": "", "text": "No canary"}}
	body, _ := json.Marshal(doc)
	res := e.do(req{method: "POST", path: "/api/v1/incidents", header: jsonHeader, body: string(body)})
	if res.status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	var created struct {
		ID  string `json:"id"`
		Doc struct {
			CustomFields map[string]any `json:"custom_fields"`
			Tags         []string       `json:"tags"`
			RootCause    struct {
				Contributing []string `json:"contributing_factors"`
			} `json:"root_cause"`
		} `json:"doc"`
	}
	res.json(t, &created)
	if tier, ok := created.Doc.CustomFields["Customer tier"].([]any); !ok || len(tier) != 2 || tier[1] != "enterprise" {
		t.Errorf("custom_fields = %v; want Customer tier as an array", created.Doc.CustomFields)
	}
	if created.Doc.CustomFields["Region"] != "eu-west-1" || strings.Join(created.Doc.Tags, ",") != "dns,network" {
		t.Errorf("custom_fields %v tags %v", created.Doc.CustomFields, created.Doc.Tags)
	}
	if strings.Join(created.Doc.RootCause.Contributing, "|") != "[change/config] The TTL was set by hand|No canary" {
		t.Errorf("contributing_factors %q", created.Doc.RootCause.Contributing)
	}
	// the same from GET (JSON, cached) and as Markdown
	get := e.do(req{method: "GET", path: "/api/v1/incidents/" + created.ID})
	if !strings.Contains(string(get.body), `"custom_fields":{"Customer tier":["pro","enterprise"],"Region":"eu-west-1"}`) {
		t.Errorf("GET JSON lacks the typed custom fields:\n%s", get.body)
	}
	md := e.do(req{method: "GET", path: "/api/v1/incidents/" + created.ID, header: map[string]string{"Accept": "text/markdown"}})
	for _, want := range []string{"- **Region:** eu-west-1\n", "- **Customer tier:** pro, enterprise\n", "- **Tags:** dns, network\n", "  - [change/config] The TTL was set by hand\n"} {
		if !strings.Contains(string(md.body), want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md.body)
		}
	}
	// the raw and the friendly form disagree: refused, naming the field
	rc["contributing_factors"] = []string{"Something else"}
	body, _ = json.Marshal(doc)
	res = e.do(req{method: "POST", path: "/api/v1/incidents", header: jsonHeader, body: string(body), invalid: true})
	if res.status != http.StatusBadRequest || !strings.Contains(string(res.body), "root_cause.factors and root_cause.contributing_factors disagree") {
		t.Errorf("conflict: %d %s", res.status, res.body)
	}
}
