package hindsight

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestShapeJSONOut(t *testing.T) {
	p := summaryWith(Field{"Region", "us-east-1"}, Field{"Tags", "dns, network"}, Field{"Customer tier", "pro, enterprise"},
		Field{"", "a note"}, Field{"region", "second line ignored"})
	p.RootCause.Factors = []string{"[change/config] The limit", "No category"}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{
		`"custom_fields":{"Region":"us-east-1","Customer tier":"pro, enterprise"}`,
		`"tags":["dns","network"]`,
		`"factors":[{"category":"change/config","text":"The limit"},{"category":"","text":"No category"}]`,
		`"contributing_factors":["[change/config] The limit","No category"]`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("JSON lacks %s:\n%s", want, s)
		}
	}
	// typed by a shape: a multi field is an array
	sh := &Shape{Fields: []FieldDef{{Name: "customer tier", Type: FieldMulti}}}
	b, _ = json.Marshal(p.WithShape(sh))
	if !strings.Contains(string(b), `"custom_fields":{"Region":"us-east-1","Customer tier":["pro","enterprise"]}`) {
		t.Errorf("multi not an array:\n%s", b)
	}
	if p.shape != nil {
		t.Error("WithShape changed the document")
	}
	// an empty document has empty lists, never null
	b, _ = json.Marshal(&Postmortem{})
	if !strings.Contains(string(b), `"custom_fields":{},"tags":[]`) || !strings.Contains(string(b), `"factors":[]`) {
		t.Errorf("empty:\n%s", b)
	}
}

func TestShapeJSONRoundTrip(t *testing.T) {
	p := summaryWith(Field{"Region", "us-east-1"}, Field{"Tags", "dns"}, Field{"", "note"}, Field{"Empty", ""})
	p.RootCause.Factors = []string{"[capacity] Pool", "x"}
	p.Title = "T"
	b, err := json.Marshal(p.WithShape(&Shape{Fields: []FieldDef{{Name: "Region", Type: FieldMulti}}}))
	if err != nil {
		t.Fatal(err)
	}
	var back Postmortem
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, p) {
		t.Fatalf("round trip:\n%+v\nwant\n%+v", back, *p)
	}
}

func TestShapeJSONIn(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		fields  []Field
		factors []string
		err     string
	}{
		{"custom fields set in order", `{"custom_fields": {"Region": "us-east-1", "Customer tier": ["pro", " enterprise", ""], "Gone": null}}`,
			[]Field{{"Region", "us-east-1"}, {"Customer tier", "pro, enterprise"}}, nil, ""},
		{"tags", `{"tags": ["dns", " ", "network "]}`, []Field{{"Tags", "dns, network"}}, nil, ""},
		{"empty tags set nothing", `{"tags": []}`, nil, nil, ""},
		{"raw and friendly agree", `{"extras": {"summary": {"fields": [{"label": "Region", "value": "a,b"}, {"label": "Tags", "value": ""}]}}, "custom_fields": {"Region": ["a", "b"]}, "tags": []}`,
			[]Field{{"Region", "a,b"}, {"Tags", ""}}, nil, ""},
		{"raw and friendly disagree", `{"extras": {"summary": {"fields": [{"label": "Region", "value": "a"}]}}, "custom_fields": {"Region": "b"}}`,
			nil, nil, "custom_fields.Region and extras.summary.fields disagree"},
		{"tags disagree", `{"extras": {"summary": {"fields": [{"label": "Tags", "value": "a"}]}}, "tags": ["b"]}`,
			nil, nil, "tags and the Tags line"},
		{"factors set contributing factors", `{"root_cause": {"primary": "p", "factors": [{"category": "capacity", "text": "Pool"}, {"category": "", "text": "plain"}]}}`,
			nil, []string{"[capacity] Pool", "plain"}, ""},
		{"factors agree", `{"root_cause": {"contributing_factors": ["[a] x"], "factors": [{"category": "a", "text": "x"}]}}`,
			nil, []string{"[a] x"}, ""},
		{"factors disagree", `{"root_cause": {"contributing_factors": ["[a] x"], "factors": [{"category": "b", "text": "x"}]}}`,
			nil, nil, "root_cause.factors and root_cause.contributing_factors disagree"},
		{"bad category", `{"root_cause": {"factors": [{"category": "a]b", "text": "x"}]}}`, nil, nil, "a category cannot hold"},
		{"bad custom field value", `{"custom_fields": {"Region": 5}}`, nil, nil, "custom_fields.Region: want a string"},
		{"custom fields not an object", `{"custom_fields": ["a"]}`, nil, nil, "custom_fields: want an object"},
		{"unknown field", `{"colour": 1}`, nil, nil, `unknown field "colour"`},
		{"unknown root cause field", `{"root_cause": {"colour": 1}}`, nil, nil, `unknown field "colour"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Postmortem
			err := json.Unmarshal([]byte(tt.in), &p)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Extras[SecSummary].Fields; !reflect.DeepEqual(got, tt.fields) {
				t.Errorf("fields %+v, want %+v", got, tt.fields)
			}
			if !reflect.DeepEqual(p.RootCause.Factors, tt.factors) {
				t.Errorf("factors %q, want %q", p.RootCause.Factors, tt.factors)
			}
		})
	}
}

func TestShapeJSONTypeErrorPath(t *testing.T) {
	var p Postmortem
	err := json.Unmarshal([]byte(`{"summary": {"services_affected": "x"}}`), &p)
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) || te.Field != "summary.services_affected" {
		t.Fatalf("err = %#v", err)
	}
}
