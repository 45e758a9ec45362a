package lint

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
)

const issueShapeYAML = `fields:                       # extra metadata lines in Incident Summary
  - name: Region
    type: enum                # text | enum | multi | date | time | number | account | team | url
    values: [us-east-1, us-west-2, eu-west-1]
    required: {status: [In Review, Published]}
  - name: Customer tier
    type: multi
    values: [free, pro, enterprise]
  - name: Jira epic
    type: url
    help: The epic that tracks the follow-up work
  - name: Paged
    type: time
    required: {severity: [SEV-1, sev2]}
taxonomy:                     # contributing-factor categories
  factors: [change/deploy, change/config, capacity, dependency/third-party, dependency/internal, process/runbook, monitoring/gap, human-factors/tooling]
tags: {free: true, suggested: [database, dns, certificates, network]}
templates:                    # variants: extra sections and fields per incident type
  security:
    extends: default
    sections: [Data Exposure Assessment, Regulatory Notifications]
    fields: [Disclosure deadline]
    restricted: true
  privacy:
    extends: security
    fields: [DPO]
  bare:
`

var issueShape = hindsight.Shape{
	Fields: []hindsight.FieldDef{
		{Name: "Region", Type: hindsight.FieldEnum, Values: []string{"us-east-1", "us-west-2", "eu-west-1"},
			Required: hindsight.FieldRequirement{Status: []hindsight.Status{hindsight.StatusInReview, hindsight.StatusPublished}}},
		{Name: "Customer tier", Type: hindsight.FieldMulti, Values: []string{"free", "pro", "enterprise"}},
		{Name: "Jira epic", Type: hindsight.FieldURL, Help: "The epic that tracks the follow-up work"},
		{Name: "Paged", Type: hindsight.FieldTime, Required: hindsight.FieldRequirement{Severity: []hindsight.Severity{hindsight.Sev1, hindsight.Sev2}}},
	},
	Factors: []string{"change/deploy", "change/config", "capacity", "dependency/third-party", "dependency/internal", "process/runbook", "monitoring/gap", "human-factors/tooling"},
	Tags:    hindsight.TagPolicy{Free: true, Suggested: []string{"database", "dns", "certificates", "network"}},
	Templates: []hindsight.TemplateDef{
		{Name: "security", Extends: "default", Sections: []string{"Data Exposure Assessment", "Regulatory Notifications"}, Fields: []string{"Disclosure deadline"}, Restricted: true},
		{Name: "privacy", Extends: "security", Fields: []string{"DPO"}},
		{Name: "bare"},
	},
}

func TestParseShape(t *testing.T) {
	s, err := ParseShape([]byte(issueShapeYAML))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s, issueShape) {
		t.Fatalf("ParseShape =\n%#v\nwant\n%#v", s, issueShape)
	}
	// the same keys in .hindsight.yaml beside the others
	c, err := ParseConfig(".hindsight.yaml", []byte("services: [api]\n"+issueShapeYAML))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Shape, issueShape) {
		t.Fatalf("Config.Shape =\n%#v\nwant\n%#v", c.Shape, issueShape)
	}
	if c, err := ParseConfig(".hindsight.yaml", []byte("services: [api]\n")); err != nil || !c.Shape.IsZero() {
		t.Fatalf("a file without a shape: %+v, %v", c.Shape, err)
	}
}

func TestParseShapeDefaults(t *testing.T) {
	tests := []struct {
		yaml string
		want hindsight.Shape
	}{
		{"", hindsight.Shape{}},
		{"{}", hindsight.Shape{}},
		{"fields:\ntags:\ntemplates:\ntaxonomy:\n", hindsight.Shape{}},
		{"fields: [{name: Notes}]", hindsight.Shape{Fields: []hindsight.FieldDef{{Name: "Notes", Type: hindsight.FieldText}}}},
		{"fields: [{name: Labels, type: MULTI}]", hindsight.Shape{Fields: []hindsight.FieldDef{{Name: "Labels", Type: hindsight.FieldMulti}}}},
		{"tags: {suggested: [dns]}", hindsight.Shape{Tags: hindsight.TagPolicy{Free: true, Suggested: []string{"dns"}}}},
		{"tags: {free: false, suggested: dns}", hindsight.Shape{Tags: hindsight.TagPolicy{Suggested: []string{"dns"}}}},
		{"fields: [{name: Region, type: enum, values: [a], required: {status: published}}]",
			hindsight.Shape{Fields: []hindsight.FieldDef{{Name: "Region", Type: hindsight.FieldEnum, Values: []string{"a"},
				Required: hindsight.FieldRequirement{Status: []hindsight.Status{hindsight.StatusPublished}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.yaml, func(t *testing.T) {
			got, err := ParseShape([]byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestParseShapeErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown top key", "fields: []\nflavour: x\n", `line 2: unknown key "flavour"`},
		{"unknown type", "fields:\n  - name: Region\n    type: colour\n", `line 3: fields: Region: unknown type "colour"; expected text, enum, multi`},
		{"enum without values", "fields:\n  - name: Region\n    type: enum\n", "line 2: fields: Region: an enum field needs values"},
		{"values on a text field", "fields:\n  - name: Notes\n    values: [a]\n", "line 3: fields: Notes: values: only an enum or a multi field has values"},
		{"duplicate field", "fields:\n  - name: Region\n  - name: region\n", `line 3: fields: "region" is declared twice`},
		{"duplicate value", "fields:\n  - name: Region\n    type: enum\n    values:\n      - a\n      - A\n", `line 6: fields: Region: values: "A" is listed twice`},
		{"comma in a multi value", "fields:\n  - name: Tier\n    type: multi\n    values: [a, \"b,c\"]\n", `line 4: fields: Tier: values: "b,c" holds a comma`},
		{"no name", "fields:\n  - type: text\n", "line 2: fields: a field needs a name"},
		{"name collides with Severity", "fields:\n  - name: Severity\n", `line 2: fields: a line labelled "Severity" in Incident Summary is the template's "Severity" field`},
		{"name collides by prefix", "fields:\n  - name: Severity class\n", `the template's "Severity" field`},
		{"name collides with an alias", "fields:\n  - name: Started at\n", `the template's "Start Time (UTC)" field`},
		{"name is Tags", "fields:\n  - name: tags\n", "Tags is the tags line"},
		{"name is metadata", "fields:\n  - name: Owner\n", "metadata line"},
		{"name with a colon", "fields:\n  - name: \"a: b\"\n", "a name cannot hold"},
		{"bad required status", "fields:\n  - name: Region\n    required:\n      status: [Shipped]\n", `line 4: fields: required.status: unknown status "Shipped"`},
		{"bad required severity", "fields:\n  - name: Region\n    required: {severity: [SEV-9]}\n", `line 3: fields: required.severity: unknown severity "SEV-9"`},
		{"unknown required key", "fields:\n  - name: Region\n    required: {team: [a]}\n", `unknown key "team" in fields: required`},
		{"unknown field key", "fields:\n  - name: Region\n    colour: red\n", `line 3: unknown key "colour" in a field`},
		{"fields not a list", "fields: {name: Region}\n", "line 1: fields: expected a list"},
		{"taxonomy not a mapping", "taxonomy: [a]\n", "line 1: taxonomy: expected"},
		{"taxonomy duplicate", "taxonomy:\n  factors: [a, b, A]\n", `line 2: taxonomy.factors: "A" is listed twice`},
		{"taxonomy bracket", "taxonomy:\n  factors: [\"a]b\"]\n", "a category cannot hold"},
		{"taxonomy unknown key", "taxonomy:\n  causes: [a]\n", `line 2: unknown key "causes" in taxonomy`},
		{"tags free not bool", "tags:\n  free: maybe\n", `line 2: tags.free: "maybe" is not true or false`},
		{"tags comma", "tags: {suggested: [\"a,b\"]}\n", "holds a comma"},
		{"extends unknown", "templates:\n  security:\n    extends: secret\n", `line 3: templates: security: extends unknown template "secret"; expected default, security`},
		{"extends cycle", "templates:\n  a: {extends: b}\n  b: {extends: a}\n", "cycle"},
		{"extends itself", "templates:\n  a: {extends: a}\n", "extends itself"},
		{"template field collides", "templates:\n  security:\n    fields: [Duration]\n", `line 3: templates: security: fields: a line labelled "Duration"`},
		{"template duplicate", "templates:\n  a: {}\n  A: {}\n", `line 3: templates: "A" is declared twice`},
		{"template bad name", "templates:\n  \"a b\": {}\n", "is not a template name"},
		{"template restricted not bool", "templates:\n  a: {restricted: sometimes}\n", `"sometimes" is not true or false`},
		{"template unknown key", "templates:\n  a: {colour: red}\n", `unknown key "colour" in templates: a`},
		{"bad yaml", "fields: [\n", "line "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseShape([]byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if hindsight.ErrorCode(err) != hindsight.EInvalid {
				t.Fatalf("code = %q, want invalid", hindsight.ErrorCode(err))
			}
		})
	}
	// in .hindsight.yaml the file is named
	_, err := ParseConfig("/x/.hindsight.yaml", []byte("services: [a]\nfields:\n  - name: Region\n    type: colour\n"))
	if err == nil || !strings.Contains(err.Error(), `/x/.hindsight.yaml:4: fields: Region: unknown type "colour"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestMarshalShapeRoundTrip(t *testing.T) {
	for _, s := range []hindsight.Shape{
		issueShape,
		{},
		{Tags: hindsight.TagPolicy{Free: true}},
		{Tags: hindsight.TagPolicy{Suggested: []string{"yes", "null", "1.5", "#x"}}},
		{Fields: []hindsight.FieldDef{{Name: "Région ünïcode", Type: hindsight.FieldEnum, Values: []string{"true", "a: b", "- c", "'q'"}, Help: "line\nbreak"}}},
		{Templates: []hindsight.TemplateDef{{Name: "default", Fields: []string{"Region"}}, {Name: "x"}}},
	} {
		b, err := MarshalShape(s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseShape(b)
		if err != nil {
			t.Fatalf("ParseShape(MarshalShape) of %+v: %v\n%s", s, err, b)
		}
		if !reflect.DeepEqual(got, s) {
			t.Fatalf("round trip:\n%s\ngot  %#v\nwant %#v", b, got, s)
		}
	}
}

func TestMarshalShapeReadable(t *testing.T) {
	b, err := MarshalShape(issueShape)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"fields:\n  - name: Region\n    type: enum\n    values: [us-east-1, us-west-2, eu-west-1]\n",
		"tags: {free: true, suggested: [database, dns, certificates, network]}", "templates:\n  security:\n    extends: default\n"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("MarshalShape lacks %q:\n%s", want, b)
		}
	}
}

func TestWithShape(t *testing.T) {
	c, err := ParseConfig(".hindsight.yaml", []byte("services: [api]\np0_due_days: 7\nrules: {HS001: off}\n"+issueShapeYAML))
	if err != nil {
		t.Fatal(err)
	}
	n := c.WithShape(hindsight.Shape{Factors: []string{"x"}})
	if !reflect.DeepEqual(n.Shape, hindsight.Shape{Factors: []string{"x"}}) {
		t.Fatalf("copy's shape = %+v", n.Shape)
	}
	if !reflect.DeepEqual(c.Shape, issueShape) {
		t.Fatal("WithShape changed the original")
	}
	if n.P0DueDays != 7 || n.Path != ".hindsight.yaml" || n.Levels["HS001"] != Off || !n.knownService("API") {
		t.Fatalf("copy lost settings: %+v", n)
	}
}
