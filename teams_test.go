package hindsight_test

import (
	"slices"
	"testing"

	"github.com/hindsight-pm/hindsight"
)

func TestDocTeams(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fields []hindsight.Field
		want   []string
	}{
		{"none", nil, nil},
		{"one line", []hindsight.Field{{Label: "Teams", Value: "payments, SRE ,, core-infra"}}, []string{"payments", "SRE", "core-infra"}},
		{"label case and space", []hindsight.Field{{Label: " teams ", Value: "a"}}, []string{"a"}},
		{"other labels", []hindsight.Field{{Label: "Pager Policy", Value: "db"}, {Label: "Team", Value: "x"}}, nil},
		{"two lines", []hindsight.Field{{Label: "Teams", Value: "a"}, {Label: "Teams", Value: "b"}}, []string{"a", "b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &hindsight.Postmortem{Extras: map[string]hindsight.Extra{hindsight.SecSummary: {Fields: tc.fields}}}
			if got := hindsight.DocTeams(p); !slices.Equal(got, tc.want) {
				t.Errorf("DocTeams = %q, want %q", got, tc.want)
			}
		})
	}
	if hindsight.DocTeams(nil) != nil {
		t.Error("DocTeams(nil) is not nil")
	}
}

func TestSetDocTeams(t *testing.T) {
	orig := map[string]hindsight.Extra{hindsight.SecSummary: {Fields: []hindsight.Field{{Label: "Pager Policy", Value: "db"}, {Label: "Teams", Value: "old"}, {Label: "teams", Value: "older"}}}}
	p := &hindsight.Postmortem{Extras: orig}
	hindsight.SetDocTeams(p, []string{"payments", "sre"})
	f := p.Extras[hindsight.SecSummary].Fields
	if len(f) != 2 || f[0].Label != "Pager Policy" || f[1].Label != "Teams" || f[1].Value != "payments, sre" {
		t.Errorf("replaced: %+v", f)
	}
	if len(orig[hindsight.SecSummary].Fields) != 3 {
		t.Errorf("the original model's extras changed: %+v", orig)
	}
	hindsight.SetDocTeams(p, nil)
	if f := p.Extras[hindsight.SecSummary].Fields; len(f) != 1 || f[0].Label != "Pager Policy" {
		t.Errorf("removed: %+v", f)
	}
	q := &hindsight.Postmortem{}
	hindsight.SetDocTeams(q, []string{"a"})
	if got := hindsight.DocTeams(q); !slices.Equal(got, []string{"a"}) {
		t.Errorf("added to a model without extras: %v", got)
	}
	hindsight.SetDocTeams(q, nil)
	if _, ok := q.Extras[hindsight.SecSummary]; ok {
		t.Errorf("an empty summary extra is kept: %+v", q.Extras)
	}
}
