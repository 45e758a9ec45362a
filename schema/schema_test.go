package schema

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/gen"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

func compile(t *testing.T) *jsonschema.Schema {
	t.Helper()
	s, err := Compile()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, data []byte) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("unmarshal %s: %v", data, err)
	}
	return s.Validate(v)
}

func marshal(t *testing.T, p *hindsight.Postmortem) []byte {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// full returns a model with every field set, unknown content included.
func full() *hindsight.Postmortem {
	at := time.Date(2026, 3, 12, 21, 47, 0, 0, time.UTC)
	return &hindsight.Postmortem{
		Title: "Checkout outage", Version: "1.2", Status: hindsight.StatusPublished, Owner: "Hannah Okafor",
		LastUpdated: hindsight.DateOf(at.AddDate(0, 0, 15)),
		Summary: hindsight.Summary{
			IncidentID: "INC-20260312-001", Start: hindsight.TimeOf(at), End: hindsight.TimeOf(at.Add(73*time.Hour + 5*time.Minute)),
			Duration: hindsight.Minutes(73*60 + 5), Severity: hindsight.Sev1,
			Services: []hindsight.Service{{Name: "checkout-api", Impact: "down"}, {Name: "orders-db"}},
			CustomerImpact: hindsight.CustomerImpact{UsersAffected: "100%", Regions: "all", Symptoms: "errors",
				Notes: []string{"merchants escalated"}},
		},
		ExecutiveSummary: "Checkout was down.",
		Detection: hindsight.Detection{DetectedBy: "Monitoring", DetectionTime: hindsight.TimeOf(at.Add(4 * time.Minute)),
			TTA: hindsight.Minutes(4), TTM: hindsight.Minutes(0), Commander: "Hannah Okafor", Responders: "Priya Raman", Channels: "Slack"},
		Impact: hindsight.Impact{Customer: "- 38% errors", Internal: "- 11 engineers", Data: hindsight.DataImpact{
			Loss: hindsight.Answer{Value: hindsight.Yes, Note: "312 orders, recovered"}, Exposure: hindsight.Answer{Value: hindsight.No},
			Compliance: hindsight.Answer{Value: "Unknown"}, Notes: []string{"Audit log gap? No"}}},
		Timeline: []hindsight.Event{
			{Time: hindsight.TimeOf(at), Event: "volume slows", Cells: []string{"OPS-1"}},
			{Time: hindsight.Time{Text: "shortly after"}, Event: "failover"},
		},
		RootCause:     hindsight.RootCause{Primary: "watchdog off", Factors: []string{"lag", "pooler"}},
		Resolution:    hindsight.Resolution{Immediate: "fenced", LongTerm: "enforce watchdog", Rollback: hindsight.Answer{Value: hindsight.No}},
		Communication: hindsight.Communication{StatusPage: "5 updates", Direct: "email", FollowUp: "report"},
		WentWell:      []string{"contained"}, WentPoorly: []string{"slow detection"},
		ActionItems: []hindsight.ActionItem{
			{ID: "AI-001", Action: "watchdog", Owner: "Tomás Ferreira", Priority: hindsight.P0, TargetDate: hindsight.DateOf(at.AddDate(0, 0, 4)), Status: hindsight.ItemClosed, Cells: []string{"OPS-2"}},
			{ID: "AI-002", Action: "alert", Owner: "TBD", Priority: "high", TargetDate: hindsight.Date{Text: "next sprint"}, Status: "Blocked"},
		},
		Prevention: hindsight.Prevention{Monitoring: "alert", Process: "check", Documentation: "runbook", Training: "drill"},
		References: []string{"[OPS-4812](https://tracker.example/OPS-4812)"},
		Extras: map[string]hindsight.Extra{
			hindsight.SecPreamble:    {Fields: []hindsight.Field{{Label: "Reviewers", Value: "Ari Cohen"}}, After: "Blameless format."},
			hindsight.SecTimeline:    {Columns: []string{"Ticket"}},
			hindsight.SecActionItems: {Columns: []string{"Ticket"}},
			hindsight.SecDetection:   {Before: "<!-- note -->", Fields: []hindsight.Field{{Value: "unlabelled item"}}},
		},
		Custom: []hindsight.CustomSection{{Heading: "Lessons Learned", Level: 2, Body: "Recovering is not handling.", After: hindsight.SecRootCause}},
	}
}

// TestModelsValid validates the JSON of hand-built models covering set,
// unset and text values.
func TestModelsValid(t *testing.T) {
	s := compile(t)
	textual := full()
	textual.Status = "Final-ish"
	textual.Summary.Start = hindsight.Time{Text: "Unknown"}
	textual.Summary.Duration = hindsight.Duration{Text: "TBD"}
	textual.Summary.Severity = "SEV-5"
	textual.Detection.TTA = hindsight.Duration{Text: "a few minutes"}
	textual.LastUpdated = hindsight.Date{Text: "last week"}
	zeroDur := full()
	zeroDur.Summary.Duration = hindsight.Minutes(0)
	zeroDur.Summary.End = zeroDur.Summary.Start
	for _, tc := range []struct {
		name string
		p    *hindsight.Postmortem
	}{
		{"Zero", &hindsight.Postmortem{}},
		{"Full", full()},
		{"TextValues", textual},
		{"ZeroDuration", zeroDur},
		{"EmptySlices", &hindsight.Postmortem{Timeline: []hindsight.Event{}, WentWell: []string{}, ActionItems: []hindsight.ActionItem{}}},
		{"EmptyRows", &hindsight.Postmortem{Timeline: []hindsight.Event{{}}, ActionItems: []hindsight.ActionItem{{}}, Summary: hindsight.Summary{Services: []hindsight.Service{{}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := validate(t, s, marshal(t, tc.p)); err != nil {
				t.Errorf("%v\n%s", err, marshal(t, tc.p))
			}
		})
	}
}

// TestGeneratedValid validates generated models, valid and messy.
func TestGeneratedValid(t *testing.T) {
	s := compile(t)
	g := gen.NewWithOptions(1, gen.Options{Messy: 0.3})
	for i := range 300 {
		p := g.Postmortem()
		if err := validate(t, s, marshal(t, p)); err != nil {
			t.Fatalf("generated document %d: %v", i, err)
		}
	}
}

// TestDocumentsValid validates json.Marshal(markdown.Parse(file)) of every
// example and every messy test document.
func TestDocumentsValid(t *testing.T) {
	s := compile(t)
	var files []string
	for _, pat := range []string{"../examples/*.md", "../testdata/messy/*.md"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 10 {
		t.Fatalf("found only %d documents", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			p, _ := markdown.Parse(src)
			if err := validate(t, s, marshal(t, p)); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestInvalidRejected checks that JSON with wrong types, unknown properties
// or missing fields fails validation.
func TestInvalidRejected(t *testing.T) {
	s := compile(t)
	base := map[string]any{}
	if err := json.Unmarshal(marshal(t, full()), &base); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(m map[string]any)
	}{
		{"UnknownTopLevel", func(m map[string]any) { m["colour"] = "red" }},
		{"UnknownInSummary", func(m map[string]any) { sub(m, "summary")["priority"] = "P0" }},
		{"UnknownInActionItem", func(m map[string]any) { idx(m, "action_items", 0)["assignee"] = "x" }},
		{"TitleNumber", func(m map[string]any) { m["title"] = 42 }},
		{"StatusNull", func(m map[string]any) { m["status"] = nil }},
		{"StartTimeNumber", func(m map[string]any) { sub(m, "summary")["start_time"] = 1773352020 }},
		{"DurationString", func(m map[string]any) { sub(m, "summary")["duration"] = "05:05" }},
		{"DurationBadHHMM", func(m map[string]any) {
			sub(m, "summary")["duration"] = map[string]any{"hhmm": "5:65", "minutes": 365}
		}},
		{"DurationNegative", func(m map[string]any) {
			sub(m, "summary")["duration"] = map[string]any{"hhmm": "00:05", "minutes": -5}
		}},
		{"DurationBothForms", func(m map[string]any) {
			sub(m, "summary")["duration"] = map[string]any{"hhmm": "00:05", "minutes": 5, "text": "TBD"}
		}},
		{"DurationEmptyText", func(m map[string]any) { sub(m, "summary")["duration"] = map[string]any{"text": ""} }},
		{"TimeEmptyString", func(m map[string]any) { sub(m, "summary")["end_time"] = "" }},
		{"AnswerString", func(m map[string]any) { sub(sub(m, "impact"), "data")["loss"] = "Yes" }},
		{"AnswerEmptyNote", func(m map[string]any) {
			sub(sub(m, "impact"), "data")["exposure"] = map[string]any{"value": "No", "note": ""}
		}},
		{"TimelineObject", func(m map[string]any) { m["timeline"] = map[string]any{} }},
		{"WentWellNumbers", func(m map[string]any) { m["went_well"] = []any{1, 2} }},
		{"MissingSummary", func(m map[string]any) { delete(m, "summary") }},
		{"MissingEventTime", func(m map[string]any) { delete(idx(m, "timeline", 0), "time") }},
		{"ExtrasUnknownSection", func(m map[string]any) { sub(m, "extras")["lessons"] = map[string]any{"after": "x"} }},
		{"CustomLevelZero", func(m map[string]any) { idx(m, "custom_sections", 0)["level"] = 0 }},
		{"CustomSectionsEmpty", func(m map[string]any) { m["custom_sections"] = []any{} }},
		{"ServicesString", func(m map[string]any) { sub(m, "summary")["services_affected"] = "checkout-api" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m map[string]any
			b, _ := json.Marshal(base)
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			tc.change(m)
			b, _ = json.Marshal(m)
			if err := validate(t, s, b); err == nil {
				t.Errorf("accepted invalid document: %s", b)
			}
		})
	}
	// the unchanged base document is valid, so each failure above is due to its change
	b, _ := json.Marshal(base)
	if err := validate(t, s, b); err != nil {
		t.Fatalf("base document invalid: %v", err)
	}
}

func sub(m map[string]any, k string) map[string]any { return m[k].(map[string]any) }

func idx(m map[string]any, k string, i int) map[string]any { return m[k].([]any)[i].(map[string]any) }

// TestSchemaDescribed checks that every property of the schema has a title
// and a description, and that every closed object forbids other properties.
func TestSchemaDescribed(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(JSON, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["$id"] != ID || doc["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$id %v, $schema %v", doc["$id"], doc["$schema"])
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		if props, ok := m["properties"].(map[string]any); ok {
			if m["additionalProperties"] != false {
				t.Errorf("%s: object without additionalProperties false", path)
			}
			for k, p := range props {
				pm := p.(map[string]any)
				if s, _ := pm["title"].(string); strings.TrimSpace(s) == "" {
					t.Errorf("%s.%s: no title", path, k)
				}
				if s, _ := pm["description"].(string); strings.TrimSpace(s) == "" {
					t.Errorf("%s.%s: no description", path, k)
				}
				if k != strings.ToLower(k) || strings.Contains(k, "-") {
					t.Errorf("%s.%s: not snake_case", path, k)
				}
			}
		}
		for k, c := range m {
			switch c := c.(type) {
			case map[string]any:
				walk(path+"/"+k, c)
			case []any:
				for _, e := range c {
					walk(path+"/"+k, e)
				}
			}
		}
	}
	walk("#", doc)
}

func TestValidateFunc(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		ok   bool
	}{
		{"Model", string(marshal(t, full())), true},
		{"NotJSON", "{", false},
		{"Array", "[]", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := Validate([]byte(tc.in)); (err == nil) != tc.ok {
				t.Errorf("Validate(%.40q) = %v, want ok %v", tc.in, err, tc.ok)
			}
		})
	}
}
