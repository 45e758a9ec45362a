package hindsight

import (
	"math"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// A team's shape of the template (issue 19): the custom fields, the
// contributing-factor taxonomy, the tag policy and the template variants it
// declares in .hindsight.yaml (or an admin saves in the web app).
//
// The document model does not change with a shape. Custom fields and the
// Tags line are labelled list items of "Incident Summary", kept in
// Extras[SecSummary].Fields (parsed and rendered there losslessly, in
// order); a factor's category is a "[category] " prefix of a
// RootCause.Factors string. A shape only types what is written: reading a
// document without one keeps every value as text, and changing a shape
// never rewrites a document (lint reports the values that no longer fit).

// FieldType is the type of a custom field.
type FieldType string

// The field types.
const (
	FieldText    FieldType = "text"    // any one line
	FieldEnum    FieldType = "enum"    // one of FieldDef.Values
	FieldMulti   FieldType = "multi"   // comma-separated, each one of FieldDef.Values when there are values
	FieldDate    FieldType = "date"    // YYYY-MM-DD
	FieldTime    FieldType = "time"    // a time as the document's own times are read (ParseTime)
	FieldNumber  FieldType = "number"  // a decimal number
	FieldAccount FieldType = "account" // an email address or a person's name
	FieldTeam    FieldType = "team"    // a team slug
	FieldURL     FieldType = "url"     // an absolute http or https URL
)

// FieldTypes lists the field types.
var FieldTypes = []FieldType{FieldText, FieldEnum, FieldMulti, FieldDate, FieldTime, FieldNumber, FieldAccount, FieldTeam, FieldURL}

// Valid reports whether t is one of FieldTypes.
func (t FieldType) Valid() bool {
	for _, v := range FieldTypes {
		if t == v {
			return true
		}
	}
	return false
}

// FieldRequirement says when a field (or a template's field) must be
// filled: at any of the statuses, or at any of the severities. Empty lists
// never require it.
type FieldRequirement struct {
	Status   []Status   `json:"status,omitempty"`
	Severity []Severity `json:"severity,omitempty"`
}

// IsZero reports whether r requires nothing.
func (r FieldRequirement) IsZero() bool { return len(r.Status) == 0 && len(r.Severity) == 0 }

// Applies reports whether r requires the field of a postmortem at status st
// and severity sev.
func (r FieldRequirement) Applies(st Status, sev Severity) bool {
	for _, s := range r.Status {
		if s == st {
			return true
		}
	}
	for _, s := range r.Severity {
		if s == sev {
			return true
		}
	}
	return false
}

// FieldDef declares a custom field: a labelled line "**Name:** value" in
// Incident Summary.
type FieldDef struct {
	Name     string           `json:"name"`
	Type     FieldType        `json:"type"`
	Values   []string         `json:"values,omitempty"`
	Required FieldRequirement `json:"required,omitzero"`
	Help     string           `json:"help,omitempty"`
}

// TagPolicy says which tags the Tags line may hold. Free allows any tag;
// otherwise only the Suggested ones (case-insensitively), except that a
// policy with no suggested tags allows any: the zero policy restricts
// nothing.
type TagPolicy struct {
	Free      bool     `json:"free"`
	Suggested []string `json:"suggested,omitempty"`
}

// Allows reports whether the policy accepts tag.
func (t TagPolicy) Allows(tag string) bool {
	if t.Free || len(t.Suggested) == 0 {
		return true
	}
	_, ok := matchFold(t.Suggested, tag)
	return ok
}

// TemplateDef is a template variant ("security"): the sections and fields
// it adds to the template it extends, and whether incidents made from it
// start restricted.
type TemplateDef struct {
	Name    string `json:"name"`
	Extends string `json:"extends,omitempty"`
	// Sections are headings of custom sections the variant adds (and
	// requires).
	Sections []string `json:"sections,omitempty"`
	// Fields are names of custom fields the variant adds (and requires);
	// a field need not be declared in Shape.Fields (it is then text).
	Fields     []string `json:"fields,omitempty"`
	Restricted bool     `json:"restricted,omitempty"`
}

// DefaultTemplate is the name of the template every shape has: the seed
// template with the shape's declared fields.
const DefaultTemplate = "default"

// Shape is what a team declares on top of the template.
type Shape struct {
	Fields []FieldDef `json:"fields,omitempty"`
	// Factors is the contributing-factor taxonomy (taxonomy.factors):
	// the categories a "[category] " prefix may name.
	Factors   []string      `json:"factors,omitempty"`
	Tags      TagPolicy     `json:"tags"`
	Templates []TemplateDef `json:"templates,omitempty"`
}

// IsZero reports whether s declares nothing.
func (s *Shape) IsZero() bool {
	return s == nil || len(s.Fields) == 0 && len(s.Factors) == 0 && !s.Tags.Free &&
		len(s.Tags.Suggested) == 0 && len(s.Templates) == 0
}

// Field returns the declared field named name (case-insensitively), or nil.
func (s *Shape) Field(name string) *FieldDef {
	if s == nil {
		return nil
	}
	name = strings.TrimSpace(name)
	for i := range s.Fields {
		if strings.EqualFold(s.Fields[i].Name, name) {
			return &s.Fields[i]
		}
	}
	return nil
}

// Template returns the template variant named name (case-insensitively),
// or nil. "default" always exists: declared or not (then an empty
// variant of the seed template).
func (s *Shape) Template(name string) *TemplateDef {
	name = strings.TrimSpace(name)
	if s != nil {
		for i := range s.Templates {
			if strings.EqualFold(s.Templates[i].Name, name) {
				return &s.Templates[i]
			}
		}
	}
	if strings.EqualFold(name, DefaultTemplate) {
		return &TemplateDef{Name: DefaultTemplate}
	}
	return nil
}

// Factor returns the taxonomy's spelling of category (case-insensitively)
// and whether it is declared.
func (s *Shape) Factor(category string) (string, bool) {
	if s == nil {
		return "", false
	}
	return matchFold(s.Factors, category)
}

// TagsLabel is the label of the Tags line in Incident Summary.
const TagsLabel = "Tags"

// isTagsLabel reports whether a summary label is the Tags line's.
func isTagsLabel(label string) bool { return strings.EqualFold(strings.TrimSpace(label), TagsLabel) }

// summaryFields returns the labelled and unlabelled extras of Incident
// Summary (nil when there are none).
func (p *Postmortem) summaryFields() []Field {
	if p.Extras == nil {
		return nil
	}
	return p.Extras[SecSummary].Fields
}

// CustomFields returns the labelled extra lines of Incident Summary except
// the Tags line, in document order.
func (p *Postmortem) CustomFields() []Field {
	var out []Field
	for _, f := range p.summaryFields() {
		if f.Label != "" && !isTagsLabel(f.Label) {
			out = append(out, f)
		}
	}
	return out
}

// CustomField returns the value of the first Incident Summary line labelled
// name (case-insensitively) and whether there is one.
func (p *Postmortem) CustomField(name string) (string, bool) {
	name = strings.TrimSpace(name)
	for _, f := range p.summaryFields() {
		if f.Label != "" && strings.EqualFold(f.Label, name) {
			return f.Value, true
		}
	}
	return "", false
}

// SetCustomField sets the Incident Summary line labelled name
// (case-insensitively): the first such line keeps its place and label and
// takes value, later duplicates are removed; a new line is appended; an
// empty value removes the line.
func (p *Postmortem) SetCustomField(name, value string) {
	name = strings.TrimSpace(name)
	value = strings.TrimSpace(value)
	if name == "" {
		return
	}
	ex := Extra{}
	if p.Extras != nil {
		ex = p.Extras[SecSummary]
	}
	fields := make([]Field, 0, len(ex.Fields)+1)
	done := false
	for _, f := range ex.Fields {
		if f.Label != "" && strings.EqualFold(f.Label, name) {
			if !done && value != "" {
				fields = append(fields, Field{Label: f.Label, Value: value})
			}
			done = true
			continue
		}
		fields = append(fields, f)
	}
	if !done && value != "" {
		fields = append(fields, Field{Label: name, Value: value})
	}
	if len(fields) == 0 {
		fields = nil
	}
	ex.Fields = fields
	if ex.IsZero() {
		delete(p.Extras, SecSummary)
		if len(p.Extras) == 0 {
			p.Extras = nil
		}
		return
	}
	if p.Extras == nil {
		p.Extras = map[string]Extra{}
	}
	p.Extras[SecSummary] = ex
}

// Tags returns the tags of the Tags line: split on commas, trimmed, empty
// pieces dropped; nil when there is no Tags line.
func (p *Postmortem) Tags() []string {
	v, ok := p.CustomField(TagsLabel)
	if !ok {
		return nil
	}
	return splitList(v)
}

// SetTags writes the Tags line ("a, b"), in place; no tags removes it.
func (p *Postmortem) SetTags(tags []string) {
	var keep []string
	for _, t := range tags {
		if t = strings.TrimSpace(t); t != "" {
			keep = append(keep, t)
		}
	}
	p.SetCustomField(TagsLabel, strings.Join(keep, ", "))
}

// splitList splits a comma-separated value, trimmed, empty pieces dropped.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Factor is a contributing factor with its category ("" when it has none).
type Factor struct {
	Category string `json:"category"`
	Text     string `json:"text"`
}

// ParseFactor reads a contributing factor: "[change/config] The limit" is
// {change/config, The limit}; text without a "[category]" prefix (one
// line, no brackets inside, not a task list's "[x]", followed by a space or
// nothing) is {"", text}. It never changes a character: f.String() == s.
func ParseFactor(s string) Factor {
	if !strings.HasPrefix(s, "[") {
		return Factor{Text: s}
	}
	i := strings.IndexByte(s, ']')
	if i < 0 {
		return Factor{Text: s}
	}
	cat := s[1:i]
	if !ValidCategory(cat) {
		return Factor{Text: s}
	}
	rest := s[i+1:]
	switch {
	case rest == "":
		return Factor{Category: cat}
	case rest[0] == ' ':
		return Factor{Category: cat, Text: rest[1:]}
	}
	// "[text](url)", "[a][b]": a link, not a category
	return Factor{Text: s}
}

// ValidCategory reports whether c can stand in a "[category]" prefix:
// trimmed, not empty, no bracket or line break, and not "x" or "X", which
// with the brackets open a task list item.
func ValidCategory(c string) bool {
	return c != "" && c != "x" && c != "X" && c == strings.TrimSpace(c) && !strings.ContainsAny(c, "[]\n\r")
}

// String is the factor as written in a document: "[category] text", or
// the text alone when it has no category (the inverse of ParseFactor).
func (f Factor) String() string {
	switch {
	case f.Category == "":
		return f.Text
	case f.Text == "":
		return "[" + f.Category + "]"
	}
	return "[" + f.Category + "] " + f.Text
}

// Factors returns the contributing factors with their categories.
func (p *Postmortem) Factors() []Factor {
	if len(p.RootCause.Factors) == 0 {
		return nil
	}
	out := make([]Factor, len(p.RootCause.Factors))
	for i, s := range p.RootCause.Factors {
		out[i] = ParseFactor(s)
	}
	return out
}

// FieldValue is a custom field of a document read by a shape.
type FieldValue struct {
	// Name is the declared name, or the document's label for an
	// undeclared field.
	Name string    `json:"name"`
	Type FieldType `json:"type"`
	// Raw is the value as written ("" when absent).
	Raw string `json:"raw"`
	// Values are the normalized pieces (see Shape.Check).
	Values []string `json:"values,omitempty"`
	// Problem says why Raw does not fit the type ("" when it fits).
	Problem string `json:"problem,omitempty"`
}

// Values reads p's custom fields by s: every declared field in declaration
// order (Raw "" when absent), then the undeclared labelled lines, as text,
// in document order. The Tags line is not a field.
func (s *Shape) Values(p *Postmortem) []FieldValue {
	var out []FieldValue
	if s != nil {
		for _, d := range s.Fields {
			raw, _ := p.CustomField(d.Name)
			values, problem := s.Check(d.Name, raw)
			out = append(out, FieldValue{Name: d.Name, Type: d.fieldType(), Raw: raw, Values: values, Problem: problem})
		}
	}
	for _, f := range p.CustomFields() {
		if s.Field(f.Label) != nil {
			continue
		}
		var values []string
		if f.Value != "" {
			values = []string{f.Value}
		}
		out = append(out, FieldValue{Name: f.Label, Type: FieldText, Raw: f.Value, Values: values})
	}
	return out
}

// fieldType is d's type, text when unset.
func (d *FieldDef) fieldType() FieldType {
	if d.Type == "" {
		return FieldText
	}
	return d.Type
}

// Check reads raw as the field name declares it. values are the
// normalized pieces: the enum's own spelling, each piece of a multi (split
// on commas), a date or time in canonical form, a team slug lower-cased;
// a piece that cannot be read is kept verbatim. problem says why raw does
// not fit ("" when it does), with the fix when there is one. An empty raw
// has no values and no problem (whether it is required is lint's
// question); an undeclared field is text.
func (s *Shape) Check(name, raw string) (values []string, problem string) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, ""
	}
	d := s.Field(name)
	if d == nil {
		return []string{raw}, ""
	}
	switch d.fieldType() {
	case FieldEnum:
		v, p := checkEnum(d.Values, raw)
		return []string{v}, p
	case FieldMulti:
		var problems []string
		for _, piece := range splitList(raw) {
			v, p := piece, ""
			if len(d.Values) > 0 {
				v, p = checkEnum(d.Values, piece)
			}
			values = append(values, v)
			if p != "" {
				problems = append(problems, p)
			}
		}
		return values, strings.Join(problems, "; ")
	case FieldDate:
		if t, err := time.Parse(DateLayout, raw); err == nil && t.Format(DateLayout) == raw {
			return []string{raw}, ""
		}
		if d, ok := ParseDate(raw); ok {
			return []string{raw}, "want a date YYYY-MM-DD: write " + d.String()
		}
		return []string{raw}, "want a date YYYY-MM-DD"
	case FieldTime:
		t, err := ParseTimeIn(raw, nil)
		if err != nil {
			msg := strconv.Quote(raw) + " is not a time"
			if te := ExplainTime(raw); te != nil {
				msg = te.Error()
			}
			return []string{raw}, msg + " (want a time such as 2026-11-18 14:02 UTC)"
		}
		return []string{t.String()}, ""
	case FieldNumber:
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return []string{raw}, "want a number such as 42 or 3.5"
		}
		return []string{raw}, ""
	case FieldURL:
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(raw, " \t") {
			return []string{raw}, "want an absolute http or https URL"
		}
		return []string{raw}, ""
	case FieldAccount:
		if validAccount(raw) {
			return []string{raw}, ""
		}
		return []string{raw}, "want an email address or a person's name"
	case FieldTeam:
		if ValidTeamSlug(raw) {
			return []string{raw}, ""
		}
		if low := strings.ToLower(raw); ValidTeamSlug(low) {
			return []string{low}, "team slugs are lower case: write " + low
		}
		return []string{raw}, "want a team slug: lower case letters, digits and hyphens"
	}
	return []string{raw}, ""
}

// checkEnum matches v against values: exactly, or up to case (then the
// value's own spelling with a problem giving the fix); otherwise v verbatim
// with a problem naming the values and the nearest one.
func checkEnum(values []string, v string) (string, string) {
	for _, e := range values {
		if e == v {
			return v, ""
		}
	}
	if e, ok := matchFold(values, v); ok {
		return e, strconv.Quote(v) + " differs only in case: write " + strconv.Quote(e)
	}
	msg := strconv.Quote(v) + " is not one of " + strings.Join(values, ", ")
	if n := Nearest(values, v); n != "" {
		msg += "; did you mean " + strconv.Quote(n) + "?"
	}
	return v, msg
}

// matchFold returns the member of list equal to v up to case and
// surrounding space.
func matchFold(list []string, v string) (string, bool) {
	v = strings.TrimSpace(v)
	for _, e := range list {
		if strings.EqualFold(e, v) {
			return e, true
		}
	}
	return "", false
}

// Nearest returns the member of list closest to v (by edit distance, up to
// case), or "" when none is close: at most a third of the longer differs.
func Nearest(list []string, v string) string {
	lv := []rune(strings.ToLower(strings.TrimSpace(v)))
	best, bestD := "", -1
	for _, e := range list {
		le := []rune(strings.ToLower(e))
		d := editDistance(lv, le)
		if limit := max(len(lv), len(le)) / 3; d > max(limit, 1) {
			continue
		}
		if bestD < 0 || d < bestD {
			best, bestD = e, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// validAccount reports whether v is an email address (bare, as
// user@example.com) or a person's name (letters, digits, spaces and
// . ' - _, at most 100 characters, starting with a letter).
func validAccount(v string) bool {
	if strings.Contains(v, "@") {
		a, err := mail.ParseAddress(v)
		return err == nil && a.Name == "" && a.Address == v
	}
	if len(v) > 100 {
		return false
	}
	for i, r := range v {
		if i == 0 && !unicode.IsLetter(r) {
			return false
		}
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) && !strings.ContainsRune(" .'-_", r) {
			return false
		}
	}
	return true
}

// Variant is a template variant with its chain of extends resolved: what
// `hindsight new --template` and a new incident from the web app or the
// API start from.
type Variant struct {
	Name string
	// Sections are the custom sections it adds, in order: the ancestors'
	// first (the chain starts at default).
	Sections []string
	// Fields are the custom field lines it writes in Incident Summary:
	// the declared fields that no variant names (everyone's), then the
	// chain's own fields, default's first.
	Fields []string
	// Tags says whether it writes a Tags line (a tag policy is declared).
	Tags bool
	// Restricted is true when it or a template it extends is restricted.
	Restricted bool
}

// Variant resolves the template named name (case-insensitively; a
// template that extends nothing extends default). An unknown name is
// EInvalid listing the known ones.
func (s *Shape) Variant(name string) (Variant, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = DefaultTemplate
	}
	t := s.Template(name)
	if t == nil {
		names := []string{DefaultTemplate}
		if s != nil {
			for _, t := range s.Templates {
				if !strings.EqualFold(t.Name, DefaultTemplate) {
					names = append(names, t.Name)
				}
			}
		}
		msg := "unknown template " + strconv.Quote(name) + "; expected " + strings.Join(names, ", ")
		return Variant{}, &Error{Code: EInvalid, Message: msg, Fields: []FieldError{{Field: "template", Message: msg}}}
	}
	var chain []*TemplateDef
	seen := map[string]bool{}
	for cur := t; cur != nil && !seen[strings.ToLower(cur.Name)]; {
		seen[strings.ToLower(cur.Name)] = true
		chain = append(chain, cur)
		ext := cur.Extends
		if ext == "" && !strings.EqualFold(cur.Name, DefaultTemplate) {
			ext = DefaultTemplate
		}
		if ext == "" {
			break
		}
		cur = s.Template(ext)
	}
	v := Variant{Name: t.Name}
	if s != nil {
		// the declared fields no variant names are everyone's
		var own []string
		for _, t := range s.Templates {
			if !strings.EqualFold(t.Name, DefaultTemplate) {
				own = append(own, t.Fields...)
			}
		}
		for _, f := range s.Fields {
			if _, ok := matchFold(own, f.Name); !ok {
				v.Fields = appendFold(v.Fields, f.Name)
			}
		}
		v.Tags = s.Tags.Free || len(s.Tags.Suggested) > 0
	}
	for i := len(chain) - 1; i >= 0; i-- {
		for _, sec := range chain[i].Sections {
			v.Sections = appendFold(v.Sections, sec)
		}
		for _, f := range chain[i].Fields {
			v.Fields = appendFold(v.Fields, f)
		}
		v.Restricted = v.Restricted || chain[i].Restricted
	}
	return v, nil
}

// appendFold appends v to list unless it is there up to case.
func appendFold(list []string, v string) []string {
	if _, ok := matchFold(list, v); ok {
		return list
	}
	return append(list, v)
}

// VariantSectionsAfter is the known section after which a variant's
// sections are added (before Attachments & References).
const VariantSectionsAfter = SecPrevention

// Apply adds v's field lines (empty, labelled, in Incident Summary) and
// sections to p, except those p already has; known sections are not
// added. hint gives a new section's body (nil: empty).
func (v Variant) Apply(p *Postmortem, hint func(heading string) string) {
	add := func(label string) {
		if _, ok := p.CustomField(label); ok {
			return
		}
		if p.Extras == nil {
			p.Extras = map[string]Extra{}
		}
		ex := p.Extras[SecSummary]
		ex.Fields = append(ex.Fields, Field{Label: label})
		p.Extras[SecSummary] = ex
	}
	for _, f := range v.Fields {
		add(f)
	}
	if v.Tags {
		add(TagsLabel)
	}
	for _, h := range v.Sections {
		if isKnownHeading(h) || p.hasCustomSection(h) {
			continue
		}
		body := ""
		if hint != nil {
			body = hint(h)
		}
		p.Custom = append(p.Custom, CustomSection{Heading: h, Level: 2, Body: body, After: VariantSectionsAfter})
	}
}

// isKnownHeading reports whether h names a template section (by heading
// or key).
func isKnownHeading(h string) bool {
	for _, s := range Sections {
		if strings.EqualFold(h, s.Heading) || strings.EqualFold(h, s.Key) {
			return true
		}
	}
	return false
}

// hasCustomSection reports whether p has a custom section headed h.
func (p *Postmortem) hasCustomSection(h string) bool {
	for _, c := range p.Custom {
		if strings.EqualFold(strings.TrimSpace(c.Heading), strings.TrimSpace(h)) {
			return true
		}
	}
	return false
}
