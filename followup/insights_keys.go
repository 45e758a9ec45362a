package followup

import (
	"context"
	"strings"
	"sync"

	"github.com/hindsight-pm/hindsight"
)

// maxKeyLookups bounds how many free keys (values the shape does not
// declare) one Insights call looks up in the store; the others keep their
// lower-case match key until a later call looks them up.
const maxKeyLookups = 24

// maxKeyForms bounds the remembered spellings (the map starts again when
// full).
const maxKeyForms = 8192

// keyForms remembers the written spelling of free keys: a look-up costs a
// filtered list query and a document read (tens of milliseconds for a rare
// key at 100,000 incidents), and the spelling changes only when an older
// incident with the key appears. Spellings come from incidents every
// reader may see (not restricted), so one map serves every reader; a key
// no such incident has is remembered as "" for the store generation it was
// looked up in.
type keyForms struct {
	mu    sync.Mutex
	forms map[string]keyForm
}

type keyForm struct {
	form, gen string
}

// keyCase writes the keys of in's breakdowns by factor category, tag and
// field (the store keeps them lower-cased, as match keys) as people wrote
// them: as the shape declares them (taxonomy categories, suggested tags,
// enum and multi values), else as written in the oldest incident that has
// the key and is not restricted (a restricted document's spelling is shown
// to no one). Matching stays case-insensitive: a filter link with
// "Database" finds what "database" does.
func (h *Handler) keyCase(ctx context.Context, in *hindsight.Insights) {
	sh := h.svc.Shape(ctx)
	st := h.svc.Store()
	gen := ""
	if g, ok := st.(interface {
		Generation(context.Context) (string, error)
	}); ok {
		gen, _ = g.Generation(ctx)
	}
	lookups := 0
	// written finds key among the written forms of the oldest unrestricted
	// incident matching f ("": none, an error, or no look-ups left).
	written := func(kind string, f hindsight.IncidentFilter, forms func(p *hindsight.Postmortem) []string, key string) string {
		ck := kind + "\x00" + key
		h.keys.mu.Lock()
		kf, ok := h.keys.forms[ck]
		h.keys.mu.Unlock()
		if ok && (kf.form != "" || kf.gen == gen) {
			return kf.form
		}
		if lookups >= maxKeyLookups {
			return ""
		}
		lookups++
		form := ""
		f.Limit, f.Sort = 1, hindsight.SortStart
		if list, err := st.FindIncidents(ctx, hindsight.Viewer{}, f); err == nil && len(list.Incidents) > 0 {
			if inc, err := st.FindIncidentByID(ctx, hindsight.Viewer{}, list.Incidents[0].ID); err == nil {
				for _, w := range forms(inc.Doc) {
					if matchKey(w) == key {
						form = strings.TrimSpace(w)
						break
					}
				}
			} else {
				return ""
			}
		} else if err != nil {
			return ""
		}
		h.keys.mu.Lock()
		if h.keys.forms == nil || len(h.keys.forms) >= maxKeyForms {
			h.keys.forms = map[string]keyForm{}
		}
		h.keys.forms[ck] = keyForm{form: form, gen: gen}
		h.keys.mu.Unlock()
		return form
	}
	recase := func(kind string, cs []hindsight.Count, declared []string, f func(key string) hindsight.IncidentFilter, forms func(p *hindsight.Postmortem) []string) map[string]string {
		m := map[string]string{}
		for i, c := range cs {
			d := declaredForm(declared, c.Key)
			if d == "" && c.Key != "" {
				d = written(kind, f(c.Key), forms, c.Key)
			}
			if d != "" {
				m[c.Key], cs[i].Key = d, d
			}
		}
		return m
	}
	cats := recase("factor", in.ByFactorCategory, sh.Factors,
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
	recase("tag", in.ByTag, sh.Tags.Suggested,
		func(k string) hindsight.IncidentFilter { return hindsight.IncidentFilter{Tag: k} },
		func(p *hindsight.Postmortem) []string { return p.Tags() })
	for name, cs := range in.ByField {
		var values []string
		if fd := sh.Field(name); fd != nil {
			values = fd.Values
		}
		recase("field\x00"+matchKey(name), cs, values,
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
