package httpx

import (
	"net/url"
	"sort"
	"strings"
)

// FieldParam is the prefix of a custom field filter in a list's query:
// field.<Label>=<value> (issue 19).
const FieldParam = "field."

// Shape is the shape filters of a list's query parameters: tag=,
// factor= (a contributing-factor category) and field.<Label>= (a custom
// field of Incident Summary, label case-insensitive), as the incident
// list, the action item lists and insights read them.
type Shape struct {
	Fields map[string]string
	Tag    string
	Factor string
}

// ShapeParams reads the shape filters of v. Empty values filter nothing; a
// field.<Label> without a label, or a parameter given twice with different
// values, is a bad parameter naming it.
func ShapeParams(v url.Values) (Shape, error) {
	var s Shape
	one := func(name string) (string, error) {
		vals := v[name]
		out := ""
		for _, x := range vals {
			x = strings.TrimSpace(x)
			if x == "" {
				continue
			}
			if out != "" && !strings.EqualFold(out, x) {
				return "", BadParam(name, "give one value, not "+strings.Join(vals, " and "))
			}
			out = x
		}
		return out, nil
	}
	var err error
	if s.Tag, err = one("tag"); err != nil {
		return s, err
	}
	if s.Factor, err = one("factor"); err != nil {
		return s, err
	}
	names := make([]string, 0, len(v))
	for name := range v {
		if strings.HasPrefix(name, FieldParam) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		label := strings.TrimSpace(strings.TrimPrefix(name, FieldParam))
		if label == "" {
			return s, BadParam(name, "name the field: field.<Label>=<value>, e.g. field.Region=us-east-1")
		}
		val, err := one(name)
		if err != nil {
			return s, err
		}
		if val == "" {
			continue
		}
		if s.Fields == nil {
			s.Fields = map[string]string{}
		}
		for have := range s.Fields {
			if strings.EqualFold(have, label) && !strings.EqualFold(s.Fields[have], val) {
				return s, BadParam(name, "the field "+label+" is given twice with different values")
			}
		}
		s.Fields[label] = val
	}
	return s, nil
}

// Query is s as query parameters (for links that keep the filters).
func (s Shape) Query(v url.Values) {
	if s.Tag != "" {
		v.Set("tag", s.Tag)
	}
	if s.Factor != "" {
		v.Set("factor", s.Factor)
	}
	for label, val := range s.Fields {
		v.Set(FieldParam+label, val)
	}
}
