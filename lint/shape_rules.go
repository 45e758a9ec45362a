package lint

import (
	"fmt"
	"strings"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
)

// The rules of the shape (issue 19): custom fields, factor categories, tags
// and template variants declared in .hindsight.yaml (Config.Shape). None
// reports anything without a shape. Changing the shape never rewrites a
// document: these rules report the values that no longer fit, and --fix
// only corrects what is unambiguous (a value that differs from a declared
// one only in case).

func init() {
	rules = append(rules,
		&Rule{ID: "HS031", Name: "field-type", Level: Error, check: checkFieldTypes,
			Description: "A custom field's value fits its declared type (date YYYY-MM-DD, time, number, absolute http(s) URL, account, team slug); the value is kept as written."},
		&Rule{ID: "HS032", Name: "field-value", Level: Error, Fixable: true, check: checkFieldValues,
			Description: "An enum or multi field's value is one of its declared values; the nearest is suggested (--fix corrects a value that differs only in case)."},
		&Rule{ID: "HS033", Name: "field-required", Level: Error, check: checkFieldRequired,
			Description: "A custom field required at the document's status or severity, or by its template variant once under review, is filled."},
		&Rule{ID: "HS034", Name: "factor-category", Level: Warning, Fixable: true, check: checkFactorCategories,
			Description: "A contributing factor's [category] is in the taxonomy; the nearest is suggested (--fix corrects a category that differs only in case)."},
		&Rule{ID: "HS035", Name: "tag-suggested", Level: Warning, Fixable: true, check: checkTags,
			Description: "With tags.free: false, every tag is one of the suggested tags (--fix corrects a tag that differs only in case)."},
		&Rule{ID: "HS036", Name: "template-sections", Level: Error, check: checkTemplateSections,
			Description: "A document made from a template variant has the variant's sections, filled, once under review or published."},
	)
}

// summaryLine returns the line of the Incident Summary line labelled
// label, 0 when unknown.
func (c *checker) summaryLine(label string) int {
	for _, u := range c.sm.Unknown {
		if u.Kind == "field" && u.Section == hindsight.SecSummary && strings.EqualFold(strings.TrimSpace(u.Name), strings.TrimSpace(label)) {
			return u.Line
		}
	}
	return c.sm.Line(hindsight.SecSummary)
}

// sectionLine returns the line of the custom section headed h, 0 when
// unknown.
func (c *checker) sectionLine(h string) int {
	for _, u := range c.sm.Unknown {
		if u.Kind == "section" && strings.EqualFold(strings.TrimSpace(u.Name), strings.TrimSpace(h)) {
			return u.Line
		}
	}
	return 0
}

// fieldPath is the JSON path of a custom field in findings.
func fieldPath(name string) string { return "custom_fields." + name }

// ---------------------------------------------------------------- HS031

func checkFieldTypes(c *checker) {
	s := &c.cfg.Shape
	for _, v := range s.Values(c.doc) {
		if v.Problem == "" || v.Type == hindsight.FieldEnum || v.Type == hindsight.FieldMulti {
			continue
		}
		f := c.reportAt(fieldPath(v.Name), c.summaryLine(v.Name), "%s: %s (kept as written)", v.Name, v.Problem)
		f.needle = v.Raw
	}
}

// ---------------------------------------------------------------- HS032

func checkFieldValues(c *checker) {
	s := &c.cfg.Shape
	for _, v := range s.Values(c.doc) {
		if v.Problem == "" || v.Type != hindsight.FieldEnum && v.Type != hindsight.FieldMulti {
			continue
		}
		f := c.reportAt(fieldPath(v.Name), c.summaryLine(v.Name), "%s: %s", v.Name, v.Problem)
		f.needle = v.Raw
		d := s.Field(v.Name)
		if fixed, ok := caseFix(v.Raw, d.Values, v.Type == hindsight.FieldMulti); ok {
			name := v.Name
			f.Fix = &Fix{Description: fmt.Sprintf("%s: write %q as %q", name, v.Raw, fixed),
				apply: func(p *hindsight.Postmortem) { p.SetCustomField(name, fixed) }}
		}
	}
}

// caseFix returns raw with every piece that differs from a declared value
// only in case written as declared, when that leaves no other problem:
// whitespace and separators stay as written.
func caseFix(raw string, values []string, multi bool) (string, bool) {
	pieces := []string{raw}
	if multi {
		pieces = strings.Split(raw, ",")
	}
	changed := false
	for i, p := range pieces {
		core := strings.TrimSpace(p)
		if core == "" {
			continue
		}
		if contains(values, core) {
			continue
		}
		e, ok := foldMatch(values, core)
		if !ok {
			return "", false
		}
		pieces[i] = strings.Replace(p, core, e, 1)
		changed = true
	}
	return strings.Join(pieces, ","), changed
}

func contains(list []string, v string) bool {
	for _, e := range list {
		if e == v {
			return true
		}
	}
	return false
}

func foldMatch(list []string, v string) (string, bool) {
	for _, e := range list {
		if strings.EqualFold(e, v) {
			return e, true
		}
	}
	return "", false
}

// ---------------------------------------------------------------- HS033

func checkFieldRequired(c *checker) {
	s := &c.cfg.Shape
	st, sev := c.doc.Status, c.doc.Summary.Severity
	reported := map[string]bool{}
	missing := func(name string) bool {
		v, _ := c.doc.CustomField(name)
		return strings.TrimSpace(v) == "" && !reported[strings.ToLower(name)]
	}
	for _, d := range s.Fields {
		if !d.Required.Applies(st, sev) || !missing(d.Name) {
			continue
		}
		reported[strings.ToLower(d.Name)] = true
		why := "at status " + st.Label()
		if !slicesContainsStatus(d.Required.Status, st) {
			why = "at severity " + string(sev)
		}
		msg := fmt.Sprintf("%s is required %s; write a line \"- **%s:** value\" in Incident Summary", d.Name, why, d.Name)
		if len(d.Values) > 0 {
			msg += " (one of " + strings.Join(d.Values, ", ") + ")"
		}
		c.reportAt(fieldPath(d.Name), c.summaryLine(d.Name), "%s", msg)
	}
	v, ok := docVariant(s, c.doc)
	if !ok || !underReview(st) {
		return
	}
	for _, name := range v.own {
		if !missing(name) {
			continue
		}
		reported[strings.ToLower(name)] = true
		c.reportAt(fieldPath(name), c.summaryLine(name), "%s is required by the template %q once under review; write a line \"- **%s:** value\" in Incident Summary", name, v.Name, name)
	}
}

func slicesContainsStatus(list []hindsight.Status, s hindsight.Status) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// underReview reports whether a document at status s is In Review or
// Published.
func underReview(s hindsight.Status) bool {
	return s == hindsight.StatusInReview || s == hindsight.StatusPublished
}

// variantOf is the template variant a document was made from, with the
// fields and sections of its chain that are not everyone's.
type variantOf struct {
	hindsight.Variant
	own      []string // fields the variant's chain names (not everyone's)
	sections []string
}

// docVariant finds the template variant a document was made from: the
// most specific one (longest chain) of which the document has a field line
// or a section that only that chain adds. Documents do not name their
// template, so one the author stripped of all of them is not checked.
func docVariant(s *hindsight.Shape, p *hindsight.Postmortem) (variantOf, bool) {
	def, err := s.Variant(hindsight.DefaultTemplate)
	if err != nil {
		return variantOf{}, false
	}
	var best variantOf
	bestLen := -1
	for _, t := range s.Templates {
		if strings.EqualFold(t.Name, hindsight.DefaultTemplate) {
			continue
		}
		v, err := s.Variant(t.Name)
		if err != nil {
			continue
		}
		vo := variantOf{Variant: v}
		for _, f := range v.Fields {
			if !contains(def.Fields, f) {
				vo.own = append(vo.own, f)
			}
		}
		for _, sec := range v.Sections {
			if !contains(def.Sections, sec) {
				vo.sections = append(vo.sections, sec)
			}
		}
		mark := false
		for _, f := range vo.own {
			if _, ok := p.CustomField(f); ok {
				mark = true
			}
		}
		for _, sec := range vo.sections {
			if customSection(p, sec) != nil {
				mark = true
			}
		}
		if n := len(vo.own) + len(vo.sections); mark && n > bestLen {
			best, bestLen = vo, n
		}
	}
	return best, bestLen >= 0
}

// customSection returns p's custom section headed h (case-insensitively).
func customSection(p *hindsight.Postmortem, h string) *hindsight.CustomSection {
	for i := range p.Custom {
		if strings.EqualFold(strings.TrimSpace(p.Custom[i].Heading), strings.TrimSpace(h)) {
			return &p.Custom[i]
		}
	}
	return nil
}

// ---------------------------------------------------------------- HS034

func checkFactorCategories(c *checker) {
	s := &c.cfg.Shape
	if len(s.Factors) == 0 {
		return
	}
	for i, fa := range c.doc.Factors() {
		if fa.Category == "" || contains(s.Factors, fa.Category) {
			continue
		}
		field := fmt.Sprintf("root_cause.contributing_factors[%d]", i)
		if e, ok := foldMatch(s.Factors, fa.Category); ok {
			f := c.report(field, "factor category %q differs from the taxonomy's %q only in case", fa.Category, e)
			f.needle = fa.Category
			idx, fixed := i, hindsight.Factor{Category: e, Text: fa.Text}.String()
			f.Fix = &Fix{Description: fmt.Sprintf("write the factor category %q as %q", fa.Category, e),
				apply: func(p *hindsight.Postmortem) {
					if idx < len(p.RootCause.Factors) {
						p.RootCause.Factors[idx] = fixed
					}
				}}
			continue
		}
		msg := fmt.Sprintf("factor category %q is not in the taxonomy (taxonomy.factors)", fa.Category)
		if n := hindsight.Nearest(s.Factors, fa.Category); n != "" {
			msg += fmt.Sprintf("; did you mean %q?", n)
		} else {
			msg += "; expected one of " + strings.Join(s.Factors, ", ")
		}
		f := c.report(field, "%s", msg)
		f.needle = fa.Category
	}
}

// ---------------------------------------------------------------- HS035

func checkTags(c *checker) {
	pol := c.cfg.Shape.Tags
	if pol.Free || len(pol.Suggested) == 0 {
		return
	}
	line := c.summaryLine(hindsight.TagsLabel)
	for i, t := range c.doc.Tags() {
		if contains(pol.Suggested, t) {
			continue
		}
		field := fmt.Sprintf("tags[%d]", i)
		if e, ok := foldMatch(pol.Suggested, t); ok {
			f := c.reportAt(field, line, "tag %q differs from the suggested %q only in case", t, e)
			f.needle = t
			idx := i
			f.Fix = &Fix{Description: fmt.Sprintf("write the tag %q as %q", t, e),
				apply: func(p *hindsight.Postmortem) {
					tags := p.Tags()
					if idx < len(tags) {
						tags[idx] = e
						p.SetTags(tags)
					}
				}}
			continue
		}
		msg := fmt.Sprintf("tag %q is not one of the suggested tags (tags.free is false)", t)
		if n := hindsight.Nearest(pol.Suggested, t); n != "" {
			msg += fmt.Sprintf("; did you mean %q?", n)
		} else {
			msg += "; expected one of " + strings.Join(pol.Suggested, ", ")
		}
		f := c.reportAt(field, line, "%s", msg)
		f.needle = t
	}
}

// ---------------------------------------------------------------- HS036

func checkTemplateSections(c *checker) {
	if !underReview(c.doc.Status) {
		return
	}
	s := &c.cfg.Shape
	def, err := s.Variant(hindsight.DefaultTemplate)
	if err != nil {
		return
	}
	sections := def.Sections
	name := hindsight.DefaultTemplate
	if v, ok := docVariant(s, c.doc); ok {
		sections, name = v.Sections, v.Name
	}
	for _, h := range sections {
		cs := customSection(c.doc, h)
		body := ""
		if cs != nil {
			body = strings.TrimSpace(cs.Body)
		}
		switch {
		case isTemplateHeading(h):
			continue // a template section: HS022 checks it
		case cs == nil:
			c.report("custom_sections", "the template %q has a section %q, which is missing; add \"## %s\"", name, h, h)
		case body == "" || body == markdown.SectionHint(h):
			f := c.reportAt("custom_sections", c.sectionLine(h), "section %q of the template %q is not filled", h, name)
			f.needle = h
		}
	}
}

// isTemplateHeading reports whether h is a section of the seed template.
func isTemplateHeading(h string) bool { return sectionKey(h) != "" }

// declaredContent reports whether unknown content u is something the
// shape declares (a custom field or the Tags line in Incident Summary, a
// section of a template variant): not unknown to HS025.
func (c *checker) declaredContent(u hindsight.Unknown) bool {
	s := &c.cfg.Shape
	switch u.Kind {
	case "field":
		if u.Section != hindsight.SecSummary {
			return false
		}
		if strings.EqualFold(strings.TrimSpace(u.Name), hindsight.TagsLabel) || s.Field(u.Name) != nil {
			return true
		}
		for _, t := range s.Templates {
			if _, ok := foldMatch(t.Fields, strings.TrimSpace(u.Name)); ok {
				return true
			}
		}
	case "section":
		for _, t := range s.Templates {
			if _, ok := foldMatch(t.Sections, strings.TrimSpace(u.Name)); ok {
				return true
			}
		}
	}
	return false
}
