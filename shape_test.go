package hindsight

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseFactor(t *testing.T) {
	tests := []struct {
		in   string
		want Factor
	}{
		{"[change/config] The limit was set by hand", Factor{"change/config", "The limit was set by hand"}},
		{"The limit was set by hand", Factor{"", "The limit was set by hand"}},
		{"[capacity]", Factor{"capacity", ""}},
		{"[human factors] two words", Factor{"human factors", "two words"}},
		{"[change/config]  two spaces", Factor{"change/config", " two spaces"}},
		{"[docs](https://example.com) a link", Factor{"", "[docs](https://example.com) a link"}},
		{"[a][b] reference link", Factor{"", "[a][b] reference link"}},
		{"[] empty", Factor{"", "[] empty"}},
		{"[ padded ] text", Factor{"", "[ padded ] text"}},
		{"[unclosed text", Factor{"", "[unclosed text"}},
		{"[x] a task list item", Factor{"", "[x] a task list item"}},
		{"[X] a task list item", Factor{"", "[X] a task list item"}},
		{"", Factor{}},
		{"[région] ünïcode", Factor{"région", "ünïcode"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := ParseFactor(tt.in)
			if got != tt.want {
				t.Fatalf("ParseFactor(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if s := got.String(); s != tt.in {
				t.Fatalf("String() = %q, want %q", s, tt.in)
			}
		})
	}
}

func TestFactorsOfPostmortem(t *testing.T) {
	p := &Postmortem{RootCause: RootCause{Factors: []string{"[capacity] Pool too small", "No alert"}}}
	want := []Factor{{"capacity", "Pool too small"}, {"", "No alert"}}
	if got := p.Factors(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Factors() = %+v, want %+v", got, want)
	}
	if got := (&Postmortem{}).Factors(); got != nil {
		t.Fatalf("Factors() of an empty document = %+v, want nil", got)
	}
}

func summaryWith(fields ...Field) *Postmortem {
	return &Postmortem{Extras: map[string]Extra{SecSummary: {Fields: fields}}}
}

func TestSetCustomField(t *testing.T) {
	tests := []struct {
		name        string
		start       []Field
		label, val  string
		want        []Field
		wantNoExtra bool
	}{
		{"in place keeps label and order",
			[]Field{{"Region", "us-east-1"}, {"", "a note"}, {"Tags", "dns"}},
			"region", "eu-west-1",
			[]Field{{"Region", "eu-west-1"}, {"", "a note"}, {"Tags", "dns"}}, false},
		{"append when new",
			[]Field{{"Region", "us-east-1"}},
			"Jira epic", "https://jira.example.com/browse/OPS-1",
			[]Field{{"Region", "us-east-1"}, {"Jira epic", "https://jira.example.com/browse/OPS-1"}}, false},
		{"remove when empty",
			[]Field{{"Region", "us-east-1"}, {"Tier", "pro"}},
			"REGION", "",
			[]Field{{"Tier", "pro"}}, false},
		{"remove the last leaves no extra",
			[]Field{{"Region", "us-east-1"}},
			"Region", "  ",
			nil, true},
		{"duplicates collapse into the first",
			[]Field{{"Region", "a"}, {"Tier", "pro"}, {"region", "b"}},
			"Region", "c",
			[]Field{{"Region", "c"}, {"Tier", "pro"}}, false},
		{"value trimmed",
			nil,
			" Region ", " us-east-1 ",
			[]Field{{"Region", "us-east-1"}}, false},
		{"removing an absent field changes nothing",
			nil,
			"Region", "",
			nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Postmortem{}
			if tt.start != nil {
				p = summaryWith(tt.start...)
			}
			p.SetCustomField(tt.label, tt.val)
			if tt.wantNoExtra {
				if _, ok := p.Extras[SecSummary]; ok {
					t.Fatalf("Extras[summary] = %+v, want none", p.Extras[SecSummary])
				}
				return
			}
			if got := p.Extras[SecSummary].Fields; !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("fields = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSetCustomFieldKeepsOtherExtras(t *testing.T) {
	p := &Postmortem{Extras: map[string]Extra{SecSummary: {Before: "intro", After: "outro"}, SecDetection: {Before: "x"}}}
	p.SetCustomField("Region", "us-east-1")
	p.SetCustomField("Region", "")
	if got := p.Extras[SecSummary]; got.Before != "intro" || got.After != "outro" || len(got.Fields) != 0 {
		t.Fatalf("Extras[summary] = %+v", got)
	}
	if p.Extras[SecDetection].Before != "x" {
		t.Fatalf("another section's extra changed: %+v", p.Extras)
	}
}

func TestCustomFields(t *testing.T) {
	p := summaryWith(Field{"Region", "us-east-1"}, Field{"", "unlabelled"}, Field{"tags", "dns"}, Field{"Tier", ""})
	want := []Field{{"Region", "us-east-1"}, {"Tier", ""}}
	if got := p.CustomFields(); !reflect.DeepEqual(got, want) {
		t.Fatalf("CustomFields() = %+v, want %+v", got, want)
	}
	if v, ok := p.CustomField("REGION"); !ok || v != "us-east-1" {
		t.Fatalf("CustomField(REGION) = %q, %v", v, ok)
	}
	if v, ok := p.CustomField("Tier"); !ok || v != "" {
		t.Fatalf("CustomField(Tier) = %q, %v; want an empty present line", v, ok)
	}
	if _, ok := p.CustomField("Missing"); ok {
		t.Fatal("CustomField(Missing) found")
	}
	if got := (&Postmortem{}).CustomFields(); got != nil {
		t.Fatalf("CustomFields() of an empty document = %+v", got)
	}
}

func TestTags(t *testing.T) {
	tests := []struct {
		line string
		want []string
	}{
		{"dns, database", []string{"dns", "database"}},
		{" dns ,, ,network ", []string{"dns", "network"}},
		{"", nil},
		{"ünïcode, 証明書", []string{"ünïcode", "証明書"}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			p := summaryWith(Field{"Tags", tt.line})
			if got := p.Tags(); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Tags() = %q, want %q", got, tt.want)
			}
		})
	}
	if got := (&Postmortem{}).Tags(); got != nil {
		t.Fatalf("Tags() without a line = %q", got)
	}

	p := summaryWith(Field{"Region", "x"}, Field{"TAGS", "old"}, Field{"Tier", "pro"})
	p.SetTags([]string{" dns ", "", "network"})
	want := []Field{{"Region", "x"}, {"TAGS", "dns, network"}, {"Tier", "pro"}}
	if got := p.Extras[SecSummary].Fields; !reflect.DeepEqual(got, want) {
		t.Fatalf("after SetTags: %+v, want %+v", got, want)
	}
	p.SetTags(nil)
	want = []Field{{"Region", "x"}, {"Tier", "pro"}}
	if got := p.Extras[SecSummary].Fields; !reflect.DeepEqual(got, want) {
		t.Fatalf("after SetTags(nil): %+v, want %+v", got, want)
	}
}

var testShape = Shape{
	Fields: []FieldDef{
		{Name: "Region", Type: FieldEnum, Values: []string{"us-east-1", "us-west-2", "eu-west-1"}},
		{Name: "Customer tier", Type: FieldMulti, Values: []string{"free", "pro", "enterprise"}},
		{Name: "Labels", Type: FieldMulti},
		{Name: "Disclosure deadline", Type: FieldDate},
		{Name: "Paged at", Type: FieldTime},
		{Name: "Cost", Type: FieldNumber},
		{Name: "Jira epic", Type: FieldURL},
		{Name: "Reviewer", Type: FieldAccount},
		{Name: "Owning team", Type: FieldTeam},
		{Name: "Notes", Type: FieldText},
		{Name: "Untyped"},
	},
	Factors: []string{"change/config", "capacity"},
}

func TestCheck(t *testing.T) {
	tests := []struct {
		field, raw  string
		want        []string
		problem     string // a substring of the problem; "" for none
		wantProblem bool
	}{
		{"Region", "us-east-1", []string{"us-east-1"}, "", false},
		{"region", "US-East-1", []string{"us-east-1"}, `write "us-east-1"`, true},
		{"Region", "us-east-2", []string{"us-east-2"}, `did you mean "us-east-1"`, true},
		{"Region", "mars", []string{"mars"}, "is not one of us-east-1, us-west-2, eu-west-1", true},
		{"Region", "", nil, "", false},
		{"Customer tier", "pro, enterprise", []string{"pro", "enterprise"}, "", false},
		{"Customer tier", "pro,,Enterprise ,", []string{"pro", "enterprise"}, `write "enterprise"`, true},
		{"Customer tier", "pro, gold", []string{"pro", "gold"}, `"gold" is not one of`, true},
		{"Labels", "a, b ,c", []string{"a", "b", "c"}, "", false},
		{"Disclosure deadline", "2026-12-01", []string{"2026-12-01"}, "", false},
		{"Disclosure deadline", "Dec 1, 2026", []string{"Dec 1, 2026"}, "write 2026-12-01", true},
		{"Disclosure deadline", "2026-13-01", []string{"2026-13-01"}, "want a date YYYY-MM-DD", true},
		{"Disclosure deadline", "soon", []string{"soon"}, "want a date", true},
		{"Paged at", "2026-11-18 14:02", []string{"2026-11-18 14:02"}, "", false},
		{"Paged at", "2026-11-18 15:02 UTC+1", []string{"2026-11-18 14:02"}, "", false},
		{"Paged at", "14:02", []string{"14:02"}, "no date", true},
		{"Paged at", "yesterday", []string{"yesterday"}, "is not a time", true},
		{"Cost", "42", []string{"42"}, "", false},
		{"Cost", "-3.5", []string{"-3.5"}, "", false},
		{"Cost", "1,000", []string{"1,000"}, "want a number", true},
		{"Cost", "NaN", []string{"NaN"}, "want a number", true},
		{"Jira epic", "https://jira.example.com/browse/OPS-1", []string{"https://jira.example.com/browse/OPS-1"}, "", false},
		{"Jira epic", "jira.example.com/browse/OPS-1", []string{"jira.example.com/browse/OPS-1"}, "absolute http", true},
		{"Jira epic", "ftp://example.com/x", []string{"ftp://example.com/x"}, "absolute http", true},
		{"Reviewer", "alice@example.com", []string{"alice@example.com"}, "", false},
		{"Reviewer", "Alice O'Neil", []string{"Alice O'Neil"}, "", false},
		{"Reviewer", "Zoë Çelik", []string{"Zoë Çelik"}, "", false},
		{"Reviewer", "Alice <alice@example.com>", []string{"Alice <alice@example.com>"}, "want an email address", true},
		{"Reviewer", "alice@", []string{"alice@"}, "want an email address", true},
		{"Reviewer", "!!", []string{"!!"}, "want an email address", true},
		{"Owning team", "payments", []string{"payments"}, "", false},
		{"Owning team", "Payments", []string{"payments"}, "write payments", true},
		{"Owning team", "core infra", []string{"core infra"}, "want a team slug", true},
		{"Notes", "anything, with commas", []string{"anything, with commas"}, "", false},
		{"Untyped", "x", []string{"x"}, "", false},
		{"Undeclared", " kept as text ", []string{"kept as text"}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.field+"/"+tt.raw, func(t *testing.T) {
			got, problem := testShape.Check(tt.field, tt.raw)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("values = %q, want %q", got, tt.want)
			}
			if (problem != "") != tt.wantProblem || !strings.Contains(problem, tt.problem) {
				t.Errorf("problem = %q, want one containing %q (a problem: %v)", problem, tt.problem, tt.wantProblem)
			}
		})
	}
}

func TestShapeValues(t *testing.T) {
	p := summaryWith(
		Field{"Extra note", "kept"},
		Field{"region", "eu-west-1"},
		Field{"Tags", "dns"},
		Field{"Cost", "lots"},
		Field{"", "unlabelled"},
	)
	s := Shape{Fields: []FieldDef{
		{Name: "Region", Type: FieldEnum, Values: []string{"us-east-1", "eu-west-1"}},
		{Name: "Jira epic", Type: FieldURL},
		{Name: "Cost", Type: FieldNumber},
	}}
	got := s.Values(p)
	want := []FieldValue{
		{Name: "Region", Type: FieldEnum, Raw: "eu-west-1", Values: []string{"eu-west-1"}},
		{Name: "Jira epic", Type: FieldURL},
		{Name: "Cost", Type: FieldNumber, Raw: "lots", Values: []string{"lots"}, Problem: "want a number such as 42 or 3.5"},
		{Name: "Extra note", Type: FieldText, Raw: "kept", Values: []string{"kept"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Values() =\n%+v\nwant\n%+v", got, want)
	}
	// without a shape every labelled line is text
	var none *Shape
	got = none.Values(p)
	if len(got) != 3 || got[1].Name != "region" || got[1].Type != FieldText || got[2].Raw != "lots" {
		t.Fatalf("Values() without a shape = %+v", got)
	}
}

func TestShapeLookups(t *testing.T) {
	s := &Shape{
		Fields:    []FieldDef{{Name: "Region", Type: FieldEnum}},
		Templates: []TemplateDef{{Name: "security", Extends: "default", Restricted: true}},
		Factors:   []string{"change/config"},
	}
	if f := s.Field(" region "); f == nil || f.Name != "Region" {
		t.Fatalf("Field(region) = %+v", f)
	}
	if f := s.Field("Tier"); f != nil {
		t.Fatalf("Field(Tier) = %+v, want nil", f)
	}
	if tp := s.Template("Security"); tp == nil || !tp.Restricted {
		t.Fatalf("Template(Security) = %+v", tp)
	}
	if tp := s.Template("default"); tp == nil || tp.Name != "default" {
		t.Fatalf("Template(default) = %+v, want the implicit default", tp)
	}
	if tp := (&Shape{}).Template("DEFAULT"); tp == nil {
		t.Fatal("the zero shape has no default template")
	}
	if tp := s.Template("nope"); tp != nil {
		t.Fatalf("Template(nope) = %+v", tp)
	}
	if c, ok := s.Factor("Change/Config"); !ok || c != "change/config" {
		t.Fatalf("Factor() = %q, %v", c, ok)
	}
	if !(&Shape{}).IsZero() || s.IsZero() || (&Shape{Tags: TagPolicy{Free: true}}).IsZero() {
		t.Fatal("IsZero wrong")
	}
	var nilShape *Shape
	if !nilShape.IsZero() || nilShape.Field("x") != nil || nilShape.Template("default") == nil {
		t.Fatal("nil shape lookups wrong")
	}
}

func TestTagPolicyAllows(t *testing.T) {
	tests := []struct {
		p    TagPolicy
		tag  string
		want bool
	}{
		{TagPolicy{}, "anything", true},
		{TagPolicy{Free: true, Suggested: []string{"dns"}}, "other", true},
		{TagPolicy{Suggested: []string{"dns"}}, "DNS", true},
		{TagPolicy{Suggested: []string{"dns"}}, "other", false},
	}
	for _, tt := range tests {
		if got := tt.p.Allows(tt.tag); got != tt.want {
			t.Errorf("%+v.Allows(%q) = %v, want %v", tt.p, tt.tag, got, tt.want)
		}
	}
}

func TestFieldRequirementApplies(t *testing.T) {
	r := FieldRequirement{Status: []Status{StatusPublished}, Severity: []Severity{Sev1}}
	tests := []struct {
		st   Status
		sev  Severity
		want bool
	}{
		{StatusPublished, Sev3, true},
		{StatusDraft, Sev1, true},
		{StatusDraft, Sev2, false},
	}
	for _, tt := range tests {
		if got := r.Applies(tt.st, tt.sev); got != tt.want {
			t.Errorf("Applies(%q, %q) = %v, want %v", tt.st, tt.sev, got, tt.want)
		}
	}
	if (FieldRequirement{}).Applies(StatusPublished, Sev1) {
		t.Error("the zero requirement applies")
	}
}

func TestNearest(t *testing.T) {
	list := []string{"change/config", "change/deploy", "capacity"}
	tests := []struct{ in, want string }{
		{"change/confg", "change/config"},
		{"CAPACTIY", "capacity"},
		{"monitoring/gap", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Nearest(list, tt.in); got != tt.want {
			t.Errorf("Nearest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestVariant(t *testing.T) {
	s := &Shape{
		Fields: []FieldDef{{Name: "Region"}, {Name: "Disclosure deadline"}, {Name: "DPO"}},
		Templates: []TemplateDef{
			{Name: "default", Sections: []string{"Glossary"}},
			{Name: "security", Extends: "default", Sections: []string{"Data Exposure"}, Fields: []string{"Disclosure deadline"}, Restricted: true},
			{Name: "privacy", Extends: "security", Sections: []string{"data exposure", "DPA"}, Fields: []string{"DPO", "Extra"}},
		},
	}
	tests := []struct {
		name string
		want Variant
	}{
		{"", Variant{Name: "default", Sections: []string{"Glossary"}, Fields: []string{"Region"}}},
		{"Security", Variant{Name: "security", Sections: []string{"Glossary", "Data Exposure"}, Fields: []string{"Region", "Disclosure deadline"}, Restricted: true}},
		{"privacy", Variant{Name: "privacy", Sections: []string{"Glossary", "Data Exposure", "DPA"}, Fields: []string{"Region", "Disclosure deadline", "DPO", "Extra"}, Restricted: true}},
	}
	for _, tt := range tests {
		got, err := s.Variant(tt.name)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Variant(%q) = %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
	if _, err := s.Variant("nope"); ErrorCode(err) != EInvalid || !strings.Contains(err.Error(), "expected default, security, privacy") {
		t.Errorf("unknown: %v", err)
	}
	// Apply adds what is missing only, and never a known section
	p := summaryWith(Field{"region", "eu-west-1"})
	p.Custom = []CustomSection{{Heading: "glossary", Level: 2, Body: "kept"}}
	v := Variant{Sections: []string{"Glossary", "Root Cause", "New"}, Fields: []string{"Region", "DPO"}, Tags: true}
	v.Apply(p, func(h string) string { return "hint " + h })
	wantF := []Field{{"region", "eu-west-1"}, {"DPO", ""}, {"Tags", ""}}
	if got := p.Extras[SecSummary].Fields; !reflect.DeepEqual(got, wantF) {
		t.Errorf("fields %+v, want %+v", got, wantF)
	}
	wantC := []CustomSection{{Heading: "glossary", Level: 2, Body: "kept"}, {Heading: "New", Level: 2, Body: "hint New", After: SecPrevention}}
	if !reflect.DeepEqual(p.Custom, wantC) {
		t.Errorf("custom %+v, want %+v", p.Custom, wantC)
	}
}
