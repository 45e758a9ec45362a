package storetest

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// testInsightTrends checks InsightTrends against Insights asked for each
// month's part of the range (what the insights page did before): the same
// months, incidents, counts by severity and time to mitigate, for random
// filters (ranges on and off month boundaries, open ends, severity,
// status, service) and every kind of viewer.
func testInsightTrends(t *testing.T, s insightStore, f *fixture) {
	refWorld(t, s, f, 3, 160)
	r := rand.New(rand.NewPCG(4, 11))
	filters := append(randomFilters(r, 30), hindsight.InsightsFilter{Team: "nobody", AsOf: asOf})
	compared, mitigated := 0, 0
	for _, fl := range filters {
		for _, v := range refViewers {
			name := fmt.Sprintf("viewer %+v, filter from %v before %v sev %v status %v service %q", v, fl.From, fl.Before, fl.Severity, fl.Status, fl.Service)
			got, err := s.InsightTrends(ctx(t), v, fl)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			all, err := s.Insights(ctx(t), v, fl)
			if err != nil {
				t.Fatal(err)
			}
			var want []hindsight.TrendMonth
			for _, c := range all.ByMonth {
				if c.Key == "" {
					continue // no Start: in no month
				}
				m, err := time.Parse("2006-01", c.Key)
				if err != nil {
					t.Fatal(err)
				}
				mf := fl
				mf.From, mf.Before = m, m.AddDate(0, 1, 0)
				if fl.From.After(mf.From) {
					mf.From = fl.From
				}
				if !fl.Before.IsZero() && fl.Before.Before(mf.Before) {
					mf.Before = fl.Before
				}
				in, err := s.Insights(ctx(t), v, mf)
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, hindsight.TrendMonth{Month: c.Key, Incidents: in.Incidents, BySeverity: in.BySeverity, TimeToMitigate: in.TimeToMitigate})
			}
			if len(got) != len(want) {
				t.Fatalf("%s: %d months %+v, want %d %+v", name, len(got), got, len(want), want)
			}
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Fatalf("%s: month %d:\n got %+v\nwant %+v", name, i, got[i], want[i])
				}
				compared++
				if want[i].TimeToMitigate.N > 1 {
					mitigated++
				}
			}
		}
	}
	if compared < 100 || mitigated < 50 {
		t.Fatalf("compared %d months, %d with two or more times to mitigate: the fixture is too thin to test anything", compared, mitigated)
	}
	if _, err := s.InsightTrends(ctx(t), hindsight.SystemViewer, hindsight.InsightsFilter{From: asOf, Before: asOf}); hindsight.ErrorCode(err) != hindsight.EInvalid {
		t.Fatalf("an empty range: %v, want %s", err, hindsight.EInvalid)
	}
}
