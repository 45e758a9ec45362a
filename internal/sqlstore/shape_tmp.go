package sqlstore

// Stand-ins for the root accessors of Contract A (issue 19, shape-core's
// shape.go) until they land; same definitions.

import (
	"strings"

	"github.com/hindsight-pm/hindsight"
)

func docCustomFields(p *hindsight.Postmortem) []hindsight.Field {
	var out []hindsight.Field
	for _, f := range p.Extras[hindsight.SecSummary].Fields {
		if f.Label != "" && !strings.EqualFold(strings.TrimSpace(f.Label), "Tags") {
			out = append(out, f)
		}
	}
	return out
}

func docTags(p *hindsight.Postmortem) []string {
	var out []string
	for _, f := range p.Extras[hindsight.SecSummary].Fields {
		if strings.EqualFold(strings.TrimSpace(f.Label), "Tags") {
			for _, t := range strings.Split(f.Value, ",") {
				if t = strings.TrimSpace(t); t != "" {
					out = append(out, t)
				}
			}
		}
	}
	return out
}

type docFactor struct{ Category, Text string }

func docFactors(p *hindsight.Postmortem) []docFactor {
	var out []docFactor
	for _, s := range p.RootCause.Factors {
		f := docFactor{Text: s}
		t := strings.TrimSpace(s)
		if strings.HasPrefix(t, "[") {
			if i := strings.Index(t, "]"); i > 1 {
				f = docFactor{Category: strings.TrimSpace(t[1:i]), Text: strings.TrimSpace(t[i+1:])}
			}
		}
		out = append(out, f)
	}
	return out
}
