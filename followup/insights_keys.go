package followup

import (
	"context"
	"strings"

	"github.com/hindsight-pm/hindsight"
)

// keyCase writes the keys of in's breakdowns by factor category, tag and
// field, and the categories of its repeat factors, as the shape declares
// them (taxonomy categories, suggested tags, enum and multi values). The
// store already writes every other key as the oldest unrestricted incident
// with it writes it (Store.Insights; migration 00230), so this reads no
// incident and remembers nothing. Matching stays case-insensitive: a
// filter link with "Database" finds what "database" does.
func (h *Handler) keyCase(ctx context.Context, in *hindsight.Insights) {
	sh := h.svc.Shape(ctx)
	declare := func(cs []hindsight.Count, declared []string) {
		for i, c := range cs {
			if d := declaredForm(declared, matchKey(c.Key)); d != "" {
				cs[i].Key = d
			}
		}
	}
	declare(in.ByFactorCategory, sh.Factors)
	for i, r := range in.RepeatFactors {
		if d := declaredForm(sh.Factors, matchKey(r.Category)); d != "" {
			in.RepeatFactors[i].Category = d
		}
	}
	declare(in.ByTag, sh.Tags.Suggested)
	for name, cs := range in.ByField {
		if fd := sh.Field(name); fd != nil {
			declare(cs, fd.Values)
		}
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
