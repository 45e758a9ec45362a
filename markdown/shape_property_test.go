package markdown

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"pgregory.net/rapid"
)

// propShape declares a field of every type.
var propShape = hindsight.Shape{
	Fields: []hindsight.FieldDef{
		{Name: "Region", Type: hindsight.FieldEnum, Values: []string{"us-east-1", "eu-west-1", "ap-南-1"}},
		{Name: "Customer tier", Type: hindsight.FieldMulti, Values: []string{"free", "pro", "enterprise"}},
		{Name: "Labels", Type: hindsight.FieldMulti},
		{Name: "Deadline", Type: hindsight.FieldDate},
		{Name: "Paged at", Type: hindsight.FieldTime},
		{Name: "Cost", Type: hindsight.FieldNumber},
		{Name: "Reviewer", Type: hindsight.FieldAccount},
		{Name: "Owning team", Type: hindsight.FieldTeam},
		{Name: "Jira epic", Type: hindsight.FieldURL},
		{Name: "Notes", Type: hindsight.FieldText},
	},
	Factors: []string{"change/config", "capacity", "human factors"},
	Tags:    hindsight.TagPolicy{Suggested: []string{"dns", "database"}},
}

// genShapeValue draws a value for a field of type typ: a fitting one, a
// near miss, free text (commas, unicode) or empty.
func genShapeValue(t *rapid.T, d hindsight.FieldDef) string {
	if rapid.IntRange(0, 3).Draw(t, "free") == 0 {
		return genLine(t, "v", false)
	}
	switch d.Type {
	case hindsight.FieldEnum:
		v := rapid.SampledFrom(d.Values).Draw(t, "enum")
		if rapid.Bool().Draw(t, "upper") {
			v = strings.ToUpper(v)
		}
		return v
	case hindsight.FieldMulti:
		pool := append(slices.Clone(d.Values), "gold", "日本", "x y")
		pieces := rapid.SliceOfN(rapid.SampledFrom(pool), 1, 4).Draw(t, "pieces")
		return strings.Join(pieces, rapid.SampledFrom([]string{",", ", ", " ,  "}).Draw(t, "sep"))
	case hindsight.FieldDate:
		return rapid.SampledFrom([]string{"2026-12-01", "2026-13-01", "Dec 1, 2026", "soon"}).Draw(t, "date")
	case hindsight.FieldTime:
		return rapid.SampledFrom([]string{"2026-12-01 10:00", "2026-12-01 9:41 AM PT", "10:00", "2026-12-01T10:00Z"}).Draw(t, "time")
	case hindsight.FieldNumber:
		return rapid.SampledFrom([]string{"42", "-3.5", "1,000", "NaN"}).Draw(t, "number")
	case hindsight.FieldAccount:
		return rapid.SampledFrom([]string{"ana@example.com", "Zoë Çelik", "a.b@example.org", "!!"}).Draw(t, "account")
	case hindsight.FieldTeam:
		return rapid.SampledFrom([]string{"payments", "Payments", "core infra"}).Draw(t, "team")
	case hindsight.FieldURL:
		return rapid.SampledFrom([]string{"https://jira.example.com/browse/OPS-1", "OPS-1", "ftp://x.example.com/"}).Draw(t, "url")
	}
	return genLine(t, "v", false)
}

// genShaped draws a model with declared (and undeclared) custom fields,
// empty lines among them, tags and categorized factors.
func genShaped(t *rapid.T) *hindsight.Postmortem {
	p := genModel(t)
	normalise(p)
	for _, d := range propShape.Fields {
		if !rapid.Bool().Draw(t, "has"+d.Name) {
			continue
		}
		if rapid.IntRange(0, 5).Draw(t, "empty") == 0 {
			ex := p.Extras[hindsight.SecSummary]
			if _, ok := p.CustomField(d.Name); !ok {
				ex.Fields = append(ex.Fields, hindsight.Field{Label: d.Name})
				if p.Extras == nil {
					p.Extras = map[string]hindsight.Extra{}
				}
				p.Extras[hindsight.SecSummary] = ex
			}
			continue
		}
		p.SetCustomField(d.Name, genShapeValue(t, d))
	}
	if rapid.Bool().Draw(t, "hastags") {
		p.SetTags(rapid.SliceOfN(rapid.Custom(func(t *rapid.T) string {
			return rapid.SampledFrom([]string{"dns", "DNS", "database", "証明書", genWord(t, "tag")}).Draw(t, "tag")
		}), 1, 4).Draw(t, "tags"))
	}
	for range rapid.IntRange(0, 3).Draw(t, "nfactors") {
		cat := rapid.SampledFrom([]string{"", "change/config", "Capacity", "human factors", "unknown/cat", "région"}).Draw(t, "cat")
		p.RootCause.Factors = append(p.RootCause.Factors, hindsight.Factor{Category: cat, Text: genLine(t, "factor", false)}.String())
	}
	return p
}

// TestShapePropertyRoundTrip (issue 19): a document with random declared
// fields (every type, fitting values or not, commas, unicode, empty),
// tags and categorized factors reads back the same through Render and
// Parse, formats stably, and reads the same typed values with the shape
// and the same text without it; its JSON, with and without the shape,
// decodes to the same fields, tags and factors.
func TestShapePropertyRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := genShaped(t)
		md := Render(p)
		q, _ := Parse(md)
		if !reflect.DeepEqual(q.CustomFields(), p.CustomFields()) {
			t.Fatalf("custom fields\n got %q\nwant %q\n%s", q.CustomFields(), p.CustomFields(), md)
		}
		if !reflect.DeepEqual(q.Tags(), p.Tags()) {
			t.Fatalf("tags %q, want %q", q.Tags(), p.Tags())
		}
		if !reflect.DeepEqual(q.RootCause.Factors, p.RootCause.Factors) || !reflect.DeepEqual(q.Factors(), p.Factors()) {
			t.Fatalf("factors %q, want %q", q.RootCause.Factors, p.RootCause.Factors)
		}
		if again := Render(q); !bytes.Equal(again, md) {
			t.Fatalf("fmt is not stable:\n%s\n---\n%s", md, again)
		}
		// with the shape: the same typed reading; without: every value text
		if !reflect.DeepEqual(propShape.Values(q), propShape.Values(p)) {
			t.Fatalf("typed values differ")
		}
		var none *hindsight.Shape
		for _, v := range none.Values(q) {
			if v.Type != hindsight.FieldText || v.Problem != "" {
				t.Fatalf("without a shape %+v is not text", v)
			}
			if raw, _ := p.CustomField(v.Name); raw != v.Raw {
				t.Fatalf("without a shape %q = %q, want %q", v.Name, v.Raw, raw)
			}
		}
		// the HTML page renders (no panic) and JSON round-trips with and without the shape
		_ = Page(q)
		for _, sh := range []*hindsight.Shape{nil, &propShape} {
			b, err := json.Marshal(q.WithShape(sh))
			if err != nil {
				t.Fatal(err)
			}
			var back hindsight.Postmortem
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("unmarshal: %v\n%s", err, b)
			}
			if !reflect.DeepEqual(back.CustomFields(), q.CustomFields()) || !reflect.DeepEqual(back.Tags(), q.Tags()) ||
				!reflect.DeepEqual(back.RootCause.Factors, q.RootCause.Factors) {
				t.Fatalf("JSON round trip (shape %v) differs", sh != nil)
			}
			// a client that sends only the friendly form gets the same lines
			var friendly map[string]any
			_ = json.Unmarshal(b, &friendly)
			delete(friendly, "extras")
			if rc, ok := friendly["root_cause"].(map[string]any); ok {
				delete(rc, "contributing_factors")
			}
			fb, _ := json.Marshal(friendly)
			var f hindsight.Postmortem
			if err := json.Unmarshal(fb, &f); err != nil {
				t.Fatalf("friendly unmarshal: %v", err)
			}
			if !reflect.DeepEqual(f.Tags(), q.Tags()) || !reflect.DeepEqual(f.RootCause.Factors, q.RootCause.Factors) {
				t.Fatalf("friendly JSON: tags %q factors %q, want %q %q", f.Tags(), f.RootCause.Factors, q.Tags(), q.RootCause.Factors)
			}
			for _, cf := range q.CustomFields() {
				got, _ := f.CustomField(cf.Label)
				want, _ := q.CustomField(cf.Label)
				if got != want && !(sh != nil && sh.Field(cf.Label) != nil && sh.Field(cf.Label).Type == hindsight.FieldMulti) {
					t.Fatalf("friendly JSON: %q = %q, want %q", cf.Label, got, want)
				}
			}
		}
	})
}
