package lint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
	"pgregory.net/rapid"
)

// blankers empty one field of a model each: what an author, the web form
// or an API client leaves empty.
var blankers = []func(p *hindsight.Postmortem){
	func(p *hindsight.Postmortem) { p.Title = "" },
	func(p *hindsight.Postmortem) { p.Version = "" },
	func(p *hindsight.Postmortem) { p.Owner = "" },
	func(p *hindsight.Postmortem) { p.LastUpdated = hindsight.Date{} },
	func(p *hindsight.Postmortem) { p.Summary.End = hindsight.Time{} },
	func(p *hindsight.Postmortem) { p.Summary.Duration = hindsight.Duration{} },
	func(p *hindsight.Postmortem) { p.Summary.Services = nil },
	func(p *hindsight.Postmortem) { p.Summary.CustomerImpact.UsersAffected = "" },
	func(p *hindsight.Postmortem) { p.Summary.CustomerImpact.Regions = "" },
	func(p *hindsight.Postmortem) { p.Summary.CustomerImpact.Symptoms = "" },
	func(p *hindsight.Postmortem) { p.ExecutiveSummary = "" },
	func(p *hindsight.Postmortem) { p.Detection.DetectedBy = "" },
	func(p *hindsight.Postmortem) { p.Detection.DetectionTime = hindsight.Time{} },
	func(p *hindsight.Postmortem) { p.Detection.TTA = hindsight.Duration{} },
	func(p *hindsight.Postmortem) { p.Detection.TTM = hindsight.Duration{} },
	func(p *hindsight.Postmortem) { p.Detection.Commander = "" },
	func(p *hindsight.Postmortem) { p.Detection.Responders = "" },
	func(p *hindsight.Postmortem) { p.Detection.Channels = "" },
	func(p *hindsight.Postmortem) { p.Impact.Customer = "" },
	func(p *hindsight.Postmortem) { p.Impact.Internal = "" },
	func(p *hindsight.Postmortem) { p.Impact.Data.Loss = hindsight.Answer{} },
	func(p *hindsight.Postmortem) { p.Impact.Data.Exposure = hindsight.Answer{} },
	func(p *hindsight.Postmortem) { p.Impact.Data.Compliance = hindsight.Answer{} },
	func(p *hindsight.Postmortem) { p.Timeline = nil },
	func(p *hindsight.Postmortem) {
		if len(p.Timeline) > 0 {
			p.Timeline[len(p.Timeline)-1].Event = ""
		}
	},
	func(p *hindsight.Postmortem) { p.RootCause.Primary = "" },
	func(p *hindsight.Postmortem) { p.RootCause.Factors = nil },
	func(p *hindsight.Postmortem) { p.Resolution.Immediate = "" },
	func(p *hindsight.Postmortem) { p.Resolution.LongTerm = "" },
	func(p *hindsight.Postmortem) { p.Resolution.Rollback = hindsight.Answer{} },
	func(p *hindsight.Postmortem) { p.Communication = hindsight.Communication{} },
	func(p *hindsight.Postmortem) { p.WentWell = nil },
	func(p *hindsight.Postmortem) { p.WentPoorly = nil },
	func(p *hindsight.Postmortem) { p.References = nil },
	func(p *hindsight.Postmortem) { p.Prevention = hindsight.Prevention{} },
	func(p *hindsight.Postmortem) {
		for i := range p.ActionItems {
			p.ActionItems[i].Owner = ""
		}
	},
	func(p *hindsight.Postmortem) {
		for i := range p.ActionItems {
			p.ActionItems[i].TargetDate = hindsight.Date{}
			p.ActionItems[i].Priority = ""
		}
	},
	func(p *hindsight.Postmortem) {
		p.ActionItems = append(p.ActionItems, hindsight.ActionItem{ID: hindsight.FormatActionID(len(p.ActionItems) + 1), Action: "Write the runbook"})
	},
	func(p *hindsight.Postmortem) { p.ActionItems = nil },
}

// emptyLines are placeholder-free empty fields an author inserts into a
// section of the Markdown: a label without value, an empty table row, an
// empty item.
var emptyLines = map[string][]string{
	"## Incident Summary":       {"- **Duration:**", "- **Services Affected:**", "- **Customer Impact:**", "- **Severity:**"},
	"## Detection & Response":   {"- **Incident Commander:**", "- **Detected By:**", "- **Time to Acknowledge (TTA):**", "- **On-Call Responders:**"},
	"## Impact Analysis":        {"- **Internal Impact:**", "- **Data Impact:**"},
	"## Root Cause":             {"- **Contributing Factors:**", "- **Primary Cause:**"},
	"## Resolution":             {"- **Rollback Needed:**", "- **Long-Term Fix:**"},
	"## Customer Communication": {"- **Status Page Updates:**"},
	"## Prevention & Follow-up": {"- **Training Needs:**"},
	"## What Went Well":         {"-"},
}

// TestEmptyFieldsNeverReportPlaceholders (property): emptying any fields
// of a document (through the model, as the web form and the API do) or
// inserting empty labelled fields into its Markdown never makes lint
// report a placeholder (HS001), before or after fmt.
func TestEmptyFieldsNeverReportPlaceholders(t *testing.T) {
	var bases [][]byte
	files, _ := filepath.Glob("../examples/*.md")
	files = append(files, filepath.Join("testdata", "good.md"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		bases = append(bases, b)
	}
	headings := make([]string, 0, len(emptyLines))
	for h := range emptyLines {
		headings = append(headings, h)
	}
	placeholders := func(t *rapid.T, what string, md []byte) {
		for _, f := range Source("x.md", md, nil, Options{Today: testToday}) {
			if f.Rule == "HS001" {
				t.Fatalf("%s: lint reports a placeholder: %s\n%s", what, f.Message, md)
			}
		}
	}
	rapid.Check(t, func(t *rapid.T) {
		src := rapid.SampledFrom(bases).Draw(t, "doc")
		if rapid.Bool().Draw(t, "inMarkdown") {
			// insert empty fields at the end of some sections' first list
			out := string(src)
			for _, h := range rapid.SliceOfNDistinct(rapid.SampledFrom(headings), 1, 4, func(s string) string { return s }).Draw(t, "sections") {
				line := rapid.SampledFrom(emptyLines[h]).Draw(t, "line")
				out = strings.Replace(out, h+"\n\n", h+"\n\n"+line+"\n", 1)
			}
			placeholders(t, "inserted", []byte(out))
			doc, _ := markdown.Parse([]byte(out))
			placeholders(t, "inserted, then fmt", markdown.Render(doc))
			return
		}
		doc, _ := markdown.Parse(src)
		for _, i := range rapid.SliceOfNDistinct(rapid.IntRange(0, len(blankers)-1), 1, 8, func(i int) int { return i }).Draw(t, "blank") {
			blankers[i](doc)
		}
		md := markdown.Render(doc)
		placeholders(t, "emptied", md)
		again, _ := markdown.Parse(md)
		placeholders(t, "emptied, then fmt", markdown.Render(again))
	})
}
