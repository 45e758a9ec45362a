package followup

import (
	"context"
	"strings"

	"github.com/hindsight-pm/hindsight"
)

// maxKeyLookups bounds how many free keys (values the shape does not
// declare) one Insights call looks up in a document; the others keep
// their lower-case match key.
const maxKeyLookups = 24

// keyCase writes the keys of in's breakdowns by factor category, tag and
// field (the store keeps them lower-cased, as match keys) as people wrote
// them: as the shape declares them (taxonomy categories, suggested tags,
// enum and multi values), else as written in the oldest incident the
// viewer may see that has the key. Matching stays case-insensitive: a
// filter link with "Database" finds what "database" does.
func (h *Handler) keyCase(ctx context.Context, v hindsight.Viewer, in *hindsight.Insights) {
	sh := h.svc.Shape(ctx)
	lookups := 0
	// written finds key among the written forms of the oldest incident
	// matching f (nil: none found or no lookups left).
	written := func(f hindsight.IncidentFilter, forms func(p *hindsight.Postmortem) []string, key string) string {
		if lookups >= maxKeyLookups {
			return ""
		}
		lookups++
		st := h.svc.Store()
		f.Limit, f.Sort = 1, hindsight.SortStart
		list, err := st.FindIncidents(ctx, v, f)
		if err != nil || len(list.Incidents) == 0 {
			return ""
		}
		inc, err := st.FindIncidentByID(ctx, v, list.Incidents[0].ID)
		if err != nil {
			return ""
		}
		for _, w := range forms(inc.Doc) {
			if matchKey(w) == key {
				return strings.TrimSpace(w)
			}
		}
		return ""
	}
	recase := func(cs []hindsight.Count, declared []string, f func(key string) hindsight.IncidentFilter, forms func(p *hindsight.Postmortem) []string) map[string]string {
		m := map[string]string{}
		for i, c := range cs {
			d := declaredForm(declared, c.Key)
			if d == "" && c.Key != "" {
				d = written(f(c.Key), forms, c.Key)
			}
			if d != "" {
				m[c.Key], cs[i].Key = d, d
			}
		}
		return m
	}
	cats := recase(in.ByFactorCategory, sh.Factors,
		func(k string) hindsight.IncidentFilter { return hindsight.IncidentFilter{FactorCategory: k} },
		func(p *hindsight.Postmortem) []string {
			var out []string
			for _, f := range p.Factors() {
				out = append(out, f.Category)
			}
			return out
		})
	for i, r := range in.RepeatFactors {
		if d, ok := cats[r.Category]; ok {
			in.RepeatFactors[i].Category = d
		} else if d := declaredForm(sh.Factors, r.Category); d != "" {
			in.RepeatFactors[i].Category = d
		}
	}
	recase(in.ByTag, sh.Tags.Suggested,
		func(k string) hindsight.IncidentFilter { return hindsight.IncidentFilter{Tag: k} },
		func(p *hindsight.Postmortem) []string { return p.Tags() })
	for name, cs := range in.ByField {
		var values []string
		if fd := sh.Field(name); fd != nil {
			values = fd.Values
		}
		recase(cs, values,
			func(k string) hindsight.IncidentFilter {
				return hindsight.IncidentFilter{Fields: map[string]string{name: k}}
			},
			func(p *hindsight.Postmortem) []string {
				v, _ := p.CustomField(name)
				return strings.Split(v, ",")
			})
	}
}

// matchKey is the store's match key of a written tag, category or field
// value: trimmed, lower case.
func matchKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// declaredForm returns the declared spelling of key, or "".
func declaredForm(declared []string, key string) string {
	for _, d := range declared {
		if matchKey(d) == key {
			return strings.TrimSpace(d)
		}
	}
	return ""
}
