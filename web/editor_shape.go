package web

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/hindsight-pm/hindsight"
)

// The editor's inputs for the shape (issue 19): a typed input per declared
// custom field in the Incident Summary part, the Tags line with the
// suggested tags offered, and a category per contributing factor. A value
// that does not fit the shape (an enum value since removed) is shown as it
// is, with the shape's problem beside it, and kept when the form is saved:
// nothing is dropped silently.

// customInput is one custom field's input.
type customInput struct {
	Index int
	ID    string
	Name  string
	Type  hindsight.FieldType
	Raw   string
	Help  string
	// Options are the declared values (enum, multi), Chosen the pieces of
	// Raw, Extra the chosen pieces that are not options (kept, with a
	// warning).
	Options []string
	Chosen  []string
	Extra   []string
	Problem string
	// Declared is false for a labelled line no field declares (text).
	Declared bool
	Required bool
}

// Has reports whether v is one of the chosen values (case-insensitively).
func (c customInput) Has(v string) bool {
	for _, x := range c.Chosen {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// InputType is the HTML input type of a field that is not a choice:
// times and dates are typed as the editor's other times are.
func (c customInput) InputType() string {
	if c.Type == hindsight.FieldURL && c.Problem == "" {
		return "url"
	}
	return "text"
}

// factorRow is one contributing factor's row.
type factorRow struct {
	Category, Text string
	// Unknown says the category is not in the taxonomy (kept, warned).
	Unknown bool
}

// shapeInputs are the shape's inputs of the editor.
type shapeInputs struct {
	Custom []customInput
	// Tags is the Tags line; Suggested the tags offered; TagProblem names
	// tags the policy does not allow.
	Tags       string
	Suggested  []string
	TagProblem string
	// Taxonomy is the factor categories (none: the factors stay one
	// text area); Factors one row per factor and an empty one to add.
	Taxonomy []string
	Factors  []factorRow
	// Teams are team slugs offered for team fields.
	Teams []string
}

func newShapeInputs(sh hindsight.Shape, p *hindsight.Postmortem) shapeInputs {
	var in shapeInputs
	for i, v := range sh.Values(p) {
		c := customInput{Index: i, ID: fmt.Sprintf("cf-%d", i), Name: v.Name, Type: v.Type, Raw: v.Raw, Problem: v.Problem}
		if d := sh.Field(v.Name); d != nil {
			c.Declared = true
			c.Name = d.Name
			c.Help = d.Help
			c.Options = d.Values
			c.Required = !d.Required.IsZero() && d.Required.Applies(p.Status, p.Summary.Severity)
		} else {
			c.Type = hindsight.FieldText
		}
		if c.Type == hindsight.FieldEnum || c.Type == hindsight.FieldMulti {
			c.Chosen = splitPieces(v.Raw, c.Type == hindsight.FieldMulti)
			for _, x := range c.Chosen {
				if !containsFold(c.Options, x) {
					c.Extra = append(c.Extra, x)
				}
			}
		}
		in.Custom = append(in.Custom, c)
	}
	tags := p.Tags()
	in.Tags = strings.Join(tags, ", ")
	in.Suggested = sh.Tags.Suggested
	var bad []string
	for _, t := range tags {
		if !sh.Tags.Allows(t) {
			bad = append(bad, t)
		}
	}
	if len(bad) > 0 {
		in.TagProblem = "not among the suggested tags (tags are not free): " + strings.Join(bad, ", ")
	}
	in.Taxonomy = sh.Factors
	for _, f := range p.Factors() {
		_, known := sh.Factor(f.Category)
		in.Factors = append(in.Factors, factorRow{Category: f.Category, Text: f.Text, Unknown: f.Category != "" && !known})
	}
	if len(sh.Factors) > 0 {
		in.Factors = append(in.Factors, factorRow{}) // the editor's row to add one
	}
	return in
}

// splitPieces is a value's pieces: a multi's comma-separated values, an
// enum's one value.
func splitPieces(raw string, multi bool) []string {
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	if !multi {
		return []string{strings.TrimSpace(raw)}
	}
	var out []string
	for _, x := range strings.Split(raw, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func containsFold(list []string, v string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, v) })
}

// readShapeForm sets the custom fields, the tags and the categorized
// factors the form posts (cf_name with cf_<i>, tags, rf_cat with rf_text).
func readShapeForm(p *hindsight.Postmortem, v url.Values) {
	for i, name := range v["cf_name"] {
		var vals []string
		for _, x := range v[fmt.Sprintf("cf_%d", i)] {
			if x = strings.Join(strings.Fields(x), " "); x != "" && !slices.Contains(vals, x) {
				vals = append(vals, x)
			}
		}
		old, _ := p.CustomField(name)
		if slices.Equal(splitPieces(old, true), vals) || strings.Join(strings.Fields(old), " ") == strings.Join(vals, ", ") {
			continue // as written: its spelling stays
		}
		p.SetCustomField(name, strings.Join(vals, ", "))
	}
	if v.Has("tags_field") {
		var tags []string
		for _, t := range strings.Split(v.Get("tags"), ",") {
			if t = strings.Join(strings.Fields(t), " "); t != "" && !containsFold(tags, t) {
				tags = append(tags, t)
			}
		}
		if !slices.Equal(tags, p.Tags()) {
			p.SetTags(tags)
		}
	}
	if v.Has("rf_rows") {
		cats, texts := v["rf_cat"], v["rf_text"]
		p.RootCause.Factors = nil
		for i, t := range texts {
			t = strings.Join(strings.Fields(t), " ")
			if t == "" {
				continue
			}
			f := hindsight.Factor{Text: t}
			if i < len(cats) {
				f.Category = strings.TrimSpace(cats[i])
			}
			p.RootCause.Factors = append(p.RootCause.Factors, f.String())
		}
	}
}

// unlabelled is e without its labelled lines (the custom fields and the
// Tags line, which the incident page shows as fields).
func unlabelled(e hindsight.Extra) hindsight.Extra {
	var keep []hindsight.Field
	for _, f := range e.Fields {
		if f.Label == "" {
			keep = append(keep, f)
		}
	}
	e.Fields = keep
	return e
}

// HasCategories reports whether a factor has a category or the shape
// has a taxonomy (the incident page then lists factors with their
// category).
func (s shapeInputs) HasCategories() bool {
	if len(s.Taxonomy) > 0 {
		return true
	}
	for _, f := range s.Factors {
		if f.Category != "" {
			return true
		}
	}
	return false
}
