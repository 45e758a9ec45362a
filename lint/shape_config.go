package lint

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
)

// The shape of the template (issue 19) in .hindsight.yaml:
//
//	fields:                       # extra metadata lines in Incident Summary
//	  - name: Region
//	    type: enum                # text | enum | multi | date | time | number | account | team | url
//	    values: [us-east-1, us-west-2, eu-west-1]
//	    required: {status: [In Review, Published], severity: [SEV-1]}
//	    help: The AWS region the incident started in
//	taxonomy:
//	  factors: [change/deploy, change/config, capacity]
//	tags: {free: true, suggested: [database, dns]}
//	templates:
//	  security:
//	    extends: default
//	    sections: [Data Exposure Assessment, Regulatory Notifications]
//	    fields: [Disclosure deadline]
//	    restricted: true
//
// Every error names the file and the line.

// shapeFile is the part of .hindsight.yaml ParseShape reads.
type shapeFile struct {
	Fields    yaml.Node `yaml:"fields"`
	Taxonomy  yaml.Node `yaml:"taxonomy"`
	Tags      yaml.Node `yaml:"tags"`
	Templates yaml.Node `yaml:"templates"`
}

// Limits of a shape.
const (
	maxShapeFields    = 200
	maxShapeValues    = 500
	maxShapeTemplates = 100
	maxShapeName      = 60
)

// ParseShape reads the YAML of a shape: the keys fields, taxonomy, tags and
// templates (as MarshalShape writes them, or as they stand in
// .hindsight.yaml). Errors name the line ("line 4: ...").
func ParseShape(data []byte) (hindsight.Shape, error) {
	var sf shapeFile
	dec, err := yaml.NewLoader(bytes.NewReader(data), yaml.WithKnownFields())
	if err != nil {
		return hindsight.Shape{}, configError("", 0, "%v", err)
	}
	if err := dec.Load(&sf); err != nil && !errors.Is(err, io.EOF) {
		return hindsight.Shape{}, yamlError("", err)
	}
	return parseShape("", &sf)
}

// parseShape reads and checks the four shape keys of a configuration
// file at path.
func parseShape(path string, sf *shapeFile) (hindsight.Shape, error) {
	var s hindsight.Shape
	var err error
	if s.Fields, err = shapeFields(path, &sf.Fields); err != nil {
		return s, err
	}
	if s.Factors, err = shapeTaxonomy(path, &sf.Taxonomy); err != nil {
		return s, err
	}
	if s.Tags, err = shapeTags(path, &sf.Tags); err != nil {
		return s, err
	}
	if s.Templates, err = shapeTemplates(path, &sf.Templates, s.Fields); err != nil {
		return s, err
	}
	return s, nil
}

// scalar returns the text of a scalar node, or an error naming what was
// expected.
func scalar(path string, n *yaml.Node, what string) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", configError(path, n.Line, "%s: expected %s", what, describeNode(n))
	}
	return strings.TrimSpace(n.Value), nil
}

// describeNode says what a node is, for "expected a string, got a list".
func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a single value, got a mapping"
	case yaml.SequenceNode:
		return "a single value, got a list"
	}
	return "a single value"
}

// stringList reads a list of strings (a YAML list, or one string).
func stringList(path string, n *yaml.Node, what string) ([]string, []int, error) {
	var items []*yaml.Node
	switch n.Kind {
	case 0:
		return nil, nil, nil
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil, nil, nil
		}
		items = []*yaml.Node{n}
	case yaml.SequenceNode:
		items = n.Content
	default:
		return nil, nil, configError(path, n.Line, "%s: expected a list", what)
	}
	var out []string
	var lines []int
	for _, it := range items {
		if it.Kind != yaml.ScalarNode {
			return nil, nil, configError(path, it.Line, "%s: expected a list of single values", what)
		}
		v := strings.TrimSpace(it.Value)
		if v == "" {
			return nil, nil, configError(path, it.Line, "%s: an empty entry", what)
		}
		if strings.ContainsAny(v, "\n\r") {
			return nil, nil, configError(path, it.Line, "%s: %q spans several lines", what, v)
		}
		out = append(out, v)
		lines = append(lines, it.Line)
	}
	return out, lines, nil
}

// noDuplicates reports the first entry of list repeated (up to case).
func noDuplicates(path string, list []string, lines []int, what string) error {
	seen := map[string]bool{}
	for i, v := range list {
		k := strings.ToLower(v)
		if seen[k] {
			return configError(path, lines[i], "%s: %q is listed twice", what, v)
		}
		seen[k] = true
	}
	return nil
}

// reservedLabel says why name cannot be a custom field's label ("" when
// it can): the labels the template itself reads in Incident Summary and
// the metadata, and the Tags line.
func reservedLabel(name string) string {
	if l := markdown.SummaryLabel(name); l != "" {
		return "a line labelled " + strconv.Quote(name) + " in Incident Summary is the template's " + strconv.Quote(l) + " field; choose another name"
	}
	for _, l := range []string{"Version", "Status", "Owner", "Last Updated"} {
		if strings.EqualFold(name, l) {
			return strconv.Quote(name) + " is the template's metadata line; choose another name"
		}
	}
	if strings.EqualFold(name, hindsight.TagsLabel) {
		return "Tags is the tags line (configured under tags:); choose another name"
	}
	return ""
}

// checkFieldName says why name cannot label a line "- **name:** value"
// ("" when it can).
func checkFieldName(name string) string {
	switch {
	case name == "":
		return "a field needs a name"
	case len(name) > maxShapeName:
		return "a name of at most 60 characters"
	case strings.ContainsAny(name, "`*_[]<>|#:\\\n\r"):
		return strconv.Quote(name) + ": a name cannot hold ` * _ [ ] < > | # : or \\"
	case len(strings.Fields(name)) > 6:
		return strconv.Quote(name) + ": a name of at most six words"
	}
	return reservedLabel(name)
}

// shapeFields reads fields: a list of field declarations.
func shapeFields(path string, n *yaml.Node) ([]hindsight.FieldDef, error) {
	if n.Kind == 0 || n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, configError(path, n.Line, "fields: expected a list of fields ({name: Region, type: enum, values: [...]})")
	}
	if len(n.Content) > maxShapeFields {
		return nil, configError(path, n.Line, "fields: %d fields; at most %d", len(n.Content), maxShapeFields)
	}
	var out []hindsight.FieldDef
	seen := map[string]bool{}
	for _, item := range n.Content {
		if item.Kind != yaml.MappingNode {
			return nil, configError(path, item.Line, "fields: expected a mapping such as {name: Region, type: enum, values: [...]}")
		}
		var d hindsight.FieldDef
		var valuesNode *yaml.Node
		typeLine := item.Line
		err := forMapping(path, item, "fields", func(k, v *yaml.Node) error {
			var err error
			switch k.Value {
			case "name":
				d.Name, err = scalar(path, v, "fields: name")
			case "type":
				var t string
				if t, err = scalar(path, v, "fields: type"); err == nil {
					d.Type, typeLine = hindsight.FieldType(strings.ToLower(t)), v.Line
				}
			case "values":
				valuesNode = v
			case "required":
				d.Required, err = requirement(path, v, "fields: required")
			case "help":
				d.Help, err = scalar(path, v, "fields: help")
			default:
				err = configError(path, k.Line, "unknown key %q in a field; expected name, type, values, required or help", k.Value)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		if msg := checkFieldName(d.Name); msg != "" {
			return nil, configError(path, item.Line, "fields: %s", msg)
		}
		if seen[strings.ToLower(d.Name)] {
			return nil, configError(path, item.Line, "fields: %q is declared twice", d.Name)
		}
		seen[strings.ToLower(d.Name)] = true
		if d.Type == "" {
			d.Type = hindsight.FieldText
		}
		if !d.Type.Valid() {
			return nil, configError(path, typeLine, "fields: %s: unknown type %q; expected %s", d.Name, d.Type, typeNames())
		}
		what := "fields: " + d.Name + ": values"
		if valuesNode != nil {
			var lines []int
			if d.Values, lines, err = stringList(path, valuesNode, what); err != nil {
				return nil, err
			}
			if len(d.Values) > maxShapeValues {
				return nil, configError(path, valuesNode.Line, "%s: %d values; at most %d", what, len(d.Values), maxShapeValues)
			}
			if err := noDuplicates(path, d.Values, lines, what); err != nil {
				return nil, err
			}
			if d.Type != hindsight.FieldEnum && d.Type != hindsight.FieldMulti && len(d.Values) > 0 {
				return nil, configError(path, valuesNode.Line, "%s: only an enum or a multi field has values (this one is %s)", what, d.Type)
			}
			if d.Type == hindsight.FieldMulti {
				for i, v := range d.Values {
					if strings.Contains(v, ",") {
						return nil, configError(path, lines[i], "%s: %q holds a comma, which separates the values of a multi field", what, v)
					}
				}
			}
		}
		if d.Type == hindsight.FieldEnum && len(d.Values) == 0 {
			return nil, configError(path, item.Line, "fields: %s: an enum field needs values: [...]", d.Name)
		}
		out = append(out, d)
	}
	return out, nil
}

// typeNames lists the field types for messages.
func typeNames() string {
	var s []string
	for _, t := range hindsight.FieldTypes {
		s = append(s, string(t))
	}
	return strings.Join(s, ", ")
}

// requirement reads required: {status: [...], severity: [...]}.
func requirement(path string, n *yaml.Node, what string) (hindsight.FieldRequirement, error) {
	var r hindsight.FieldRequirement
	if n.Kind != yaml.MappingNode {
		return r, configError(path, n.Line, "%s: expected {status: [In Review, Published], severity: [SEV-1]}", what)
	}
	err := forMapping(path, n, what, func(k, v *yaml.Node) error {
		list, lines, err := stringList(path, v, what+"."+k.Value)
		if err != nil {
			return err
		}
		switch k.Value {
		case "status":
			for i, s := range list {
				st, ok := hindsight.ParseStatus(s)
				if !ok || st == hindsight.StatusTemplate {
					return configError(path, lines[i], "%s.status: unknown status %q; expected Draft, In Review or Published", what, s)
				}
				r.Status = append(r.Status, st)
			}
		case "severity":
			for i, s := range list {
				sev, ok := hindsight.ParseSeverity(s)
				if !ok {
					return configError(path, lines[i], "%s.severity: unknown severity %q; expected SEV-1, SEV-2, SEV-3 or SEV-4", what, s)
				}
				r.Severity = append(r.Severity, sev)
			}
		default:
			return configError(path, k.Line, "unknown key %q in %s; expected status or severity", k.Value, what)
		}
		return nil
	})
	return r, err
}

// shapeTaxonomy reads taxonomy: {factors: [...]}.
func shapeTaxonomy(path string, n *yaml.Node) ([]string, error) {
	var out []string
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil, nil
	}
	if n.Kind != 0 && n.Kind != yaml.MappingNode {
		return nil, configError(path, n.Line, "taxonomy: expected {factors: [change/deploy, capacity, ...]}")
	}
	err := forMapping(path, n, "taxonomy", func(k, v *yaml.Node) error {
		if k.Value != "factors" {
			return configError(path, k.Line, "unknown key %q in taxonomy; expected factors", k.Value)
		}
		list, lines, err := stringList(path, v, "taxonomy.factors")
		if err != nil {
			return err
		}
		if len(list) > maxShapeValues {
			return configError(path, v.Line, "taxonomy.factors: %d categories; at most %d", len(list), maxShapeValues)
		}
		for i, c := range list {
			if !hindsight.ValidCategory(c) {
				return configError(path, lines[i], "taxonomy.factors: %q: a category cannot hold [ or ], nor be x (a task list's box)", c)
			}
		}
		out = list
		return noDuplicates(path, list, lines, "taxonomy.factors")
	})
	return out, err
}

// shapeTags reads tags: {free: true, suggested: [...]}. Without free, any
// tag is allowed.
func shapeTags(path string, n *yaml.Node) (hindsight.TagPolicy, error) {
	var t hindsight.TagPolicy
	if n.Kind == 0 || n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return t, nil
	}
	if n.Kind != yaml.MappingNode {
		return t, configError(path, n.Line, "tags: expected {free: true, suggested: [database, dns]}")
	}
	t.Free = true
	err := forMapping(path, n, "tags", func(k, v *yaml.Node) error {
		switch k.Value {
		case "free":
			b, err := strconv.ParseBool(strings.ToLower(v.Value))
			if v.Kind != yaml.ScalarNode || err != nil {
				return configError(path, v.Line, "tags.free: %q is not true or false", v.Value)
			}
			t.Free = b
		case "suggested":
			list, lines, err := stringList(path, v, "tags.suggested")
			if err != nil {
				return err
			}
			if len(list) > maxShapeValues {
				return configError(path, v.Line, "tags.suggested: %d tags; at most %d", len(list), maxShapeValues)
			}
			for i, s := range list {
				if strings.Contains(s, ",") {
					return configError(path, lines[i], "tags.suggested: %q holds a comma, which separates tags", s)
				}
			}
			if err := noDuplicates(path, list, lines, "tags.suggested"); err != nil {
				return err
			}
			t.Suggested = list
		default:
			return configError(path, k.Line, "unknown key %q in tags; expected free or suggested", k.Value)
		}
		return nil
	})
	return t, err
}

var templateNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

// TemplateNameOK reports whether name may name a template variant:
// letters, digits, - and _, starting with a letter or digit, at most
// maxShapeName bytes (the rule the shape's YAML is read with).
func TemplateNameOK(name string) bool {
	return templateNameRE.MatchString(name) && len(name) <= maxShapeName
}

// shapeTemplates reads templates: a mapping of names to variants.
func shapeTemplates(path string, n *yaml.Node, fields []hindsight.FieldDef) ([]hindsight.TemplateDef, error) {
	if n.Kind == 0 || n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, configError(path, n.Line, "templates: expected a mapping of names to templates ({security: {sections: [...]}})")
	}
	if len(n.Content)/2 > maxShapeTemplates {
		return nil, configError(path, n.Line, "templates: %d templates; at most %d", len(n.Content)/2, maxShapeTemplates)
	}
	var out []hindsight.TemplateDef
	lines := map[string]int{}
	extendsLine := map[string]int{}
	err := forMapping(path, n, "templates", func(k, v *yaml.Node) error {
		name := strings.TrimSpace(k.Value)
		if k.Kind != yaml.ScalarNode || !templateNameRE.MatchString(name) || len(name) > maxShapeName {
			return configError(path, k.Line, "templates: %q is not a template name (letters, digits, - and _)", k.Value)
		}
		if _, dup := lines[strings.ToLower(name)]; dup {
			return configError(path, k.Line, "templates: %q is declared twice", name)
		}
		lines[strings.ToLower(name)] = k.Line
		td := hindsight.TemplateDef{Name: name}
		if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
			out = append(out, td)
			return nil
		}
		if v.Kind != yaml.MappingNode {
			return configError(path, v.Line, "templates: %s: expected a mapping of extends, sections, fields and restricted", name)
		}
		err := forMapping(path, v, "templates."+name, func(tk, tv *yaml.Node) error {
			what := "templates: " + name + ": " + tk.Value
			var err error
			switch tk.Value {
			case "extends":
				td.Extends, err = scalar(path, tv, what)
				extendsLine[strings.ToLower(name)] = tv.Line
			case "sections":
				var ls []int
				if td.Sections, ls, err = stringList(path, tv, what); err == nil {
					err = noDuplicates(path, td.Sections, ls, what)
				}
				for i, s := range td.Sections {
					if err == nil && strings.ContainsAny(s, "#`") {
						err = configError(path, ls[i], "%s: %q: a heading cannot hold # or `", what, s)
					}
				}
			case "fields":
				var ls []int
				if td.Fields, ls, err = stringList(path, tv, what); err == nil {
					err = noDuplicates(path, td.Fields, ls, what)
				}
				for i, f := range td.Fields {
					if err != nil {
						break
					}
					if msg := checkFieldName(f); msg != "" {
						err = configError(path, ls[i], "%s: %s", what, msg)
					}
				}
			case "restricted":
				b, perr := strconv.ParseBool(strings.ToLower(tv.Value))
				if tv.Kind != yaml.ScalarNode || perr != nil {
					err = configError(path, tv.Line, "%s: %q is not true or false", what, tv.Value)
				}
				td.Restricted = b
			default:
				err = configError(path, tk.Line, "unknown key %q in templates: %s; expected extends, sections, fields or restricted", tk.Value, name)
			}
			return err
		})
		out = append(out, td)
		return err
	})
	if err != nil {
		return nil, err
	}
	// extends must name a template, without a cycle
	s := hindsight.Shape{Fields: fields, Templates: out}
	for _, td := range out {
		seen := map[string]bool{}
		cur := td
		for cur.Extends != "" {
			key := strings.ToLower(cur.Name)
			if seen[key] {
				return nil, configError(path, extendsLine[strings.ToLower(td.Name)], "templates: %s: extends makes a cycle (%s)", td.Name, cur.Name)
			}
			seen[key] = true
			next := s.Template(cur.Extends)
			if next == nil {
				return nil, configError(path, extendsLine[key], "templates: %s: extends unknown template %q; expected %s", cur.Name, cur.Extends, templateList(out))
			}
			if strings.EqualFold(next.Name, cur.Name) {
				return nil, configError(path, extendsLine[key], "templates: %s extends itself", cur.Name)
			}
			cur = *next
		}
	}
	return out, nil
}

// templateList names the templates of a shape for messages, default first.
func templateList(ts []hindsight.TemplateDef) string {
	names := []string{hindsight.DefaultTemplate}
	for _, t := range ts {
		if !strings.EqualFold(t.Name, hindsight.DefaultTemplate) {
			names = append(names, t.Name)
		}
	}
	return strings.Join(names, ", ")
}

// MarshalShape writes the YAML of a shape: just the keys fields, taxonomy,
// tags and templates, as ParseShape reads them (an empty shape is "{}").
func MarshalShape(s hindsight.Shape) ([]byte, error) {
	doc := &yaml.Node{Kind: yaml.MappingNode}
	add := func(m *yaml.Node, k string, v *yaml.Node) {
		m.Content = append(m.Content, str(k), v)
	}
	if len(s.Fields) > 0 {
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, f := range s.Fields {
			m := &yaml.Node{Kind: yaml.MappingNode}
			add(m, "name", str(f.Name))
			t := f.Type
			if t == "" {
				t = hindsight.FieldText
			}
			add(m, "type", str(string(t)))
			if len(f.Values) > 0 {
				add(m, "values", flowList(f.Values))
			}
			if !f.Required.IsZero() {
				r := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
				if len(f.Required.Status) > 0 {
					var ss []string
					for _, st := range f.Required.Status {
						ss = append(ss, string(st))
					}
					add(r, "status", flowList(ss))
				}
				if len(f.Required.Severity) > 0 {
					var ss []string
					for _, sev := range f.Required.Severity {
						ss = append(ss, string(sev))
					}
					add(r, "severity", flowList(ss))
				}
				add(m, "required", r)
			}
			if f.Help != "" {
				add(m, "help", str(f.Help))
			}
			seq.Content = append(seq.Content, m)
		}
		add(doc, "fields", seq)
	}
	if len(s.Factors) > 0 {
		m := &yaml.Node{Kind: yaml.MappingNode}
		add(m, "factors", flowList(s.Factors))
		add(doc, "taxonomy", m)
	}
	if s.Tags.Free || len(s.Tags.Suggested) > 0 {
		m := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
		add(m, "free", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(s.Tags.Free)})
		if len(s.Tags.Suggested) > 0 {
			add(m, "suggested", flowList(s.Tags.Suggested))
		}
		add(doc, "tags", m)
	}
	if len(s.Templates) > 0 {
		m := &yaml.Node{Kind: yaml.MappingNode}
		for _, t := range s.Templates {
			tm := &yaml.Node{Kind: yaml.MappingNode}
			if t.Extends != "" {
				add(tm, "extends", str(t.Extends))
			}
			if len(t.Sections) > 0 {
				add(tm, "sections", flowList(t.Sections))
			}
			if len(t.Fields) > 0 {
				add(tm, "fields", flowList(t.Fields))
			}
			if t.Restricted {
				add(tm, "restricted", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
			}
			if len(tm.Content) == 0 {
				tm.Style = yaml.FlowStyle
			}
			add(m, t.Name, tm)
		}
		add(doc, "templates", m)
	}
	if len(doc.Content) == 0 {
		return []byte("{}\n"), nil
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, hindsight.Errorf(hindsight.EInternal, "shape: %v", err)
	}
	if err := enc.Close(); err != nil {
		return nil, hindsight.Errorf(hindsight.EInternal, "shape: %v", err)
	}
	return buf.Bytes(), nil
}

// str is a YAML string node (quoted when YAML would read it otherwise).
func str(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

// flowList is a YAML list in flow style: [a, b].
func flowList(ss []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, s := range ss {
		n.Content = append(n.Content, str(s))
	}
	return n
}

// WithShape returns a copy of c that uses shape s (the effective shape an
// admin saved, Contract C). Every exported setting is copied; the copy
// builds its own caches.
func (c *Config) WithShape(s hindsight.Shape) *Config {
	n := &Config{}
	src, dst := reflect.ValueOf(c).Elem(), reflect.ValueOf(n).Elem()
	for i := 0; i < src.NumField(); i++ {
		if dst.Field(i).CanSet() {
			dst.Field(i).Set(src.Field(i))
		}
	}
	n.Shape = s
	return n
}
