package followup_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/followup"
	"github.com/hindsight-pm/hindsight/internal/gen"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// BenchmarkInsightsKeyCase measures an insights computation whose
// breakdown keys are written as people wrote them: the store's Insights
// alone ("store": counts, then each free key's spelling from the shape
// rows, migration 00230) and Handler.Insights ("handler": the store's
// answer with the shape's declared spellings), in two interleaved rounds,
// over HINDSIGHT_BENCH_N generated incidents (default 3000) whose Tags
// lines hold 160 free tags in mixed case, each on about 1 incident in 40.
// Nothing is remembered between computations, so every one is what a
// first one was before (main's "cold").
//
//	go test ./followup -run '^$' -bench InsightsKeyCase -benchtime 20x
func BenchmarkInsightsKeyCase(b *testing.B) {
	ctx := context.Background()
	clock := func() time.Time { return now }
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "hs.db"), sqlite.Options{Render: app.Render, Clock: clock})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	svc := app.New(st, app.Options{Now: clock})
	h, err := followup.New(svc, st, followup.Options{})
	if err != nil {
		b.Fatal(err)
	}
	n := 3000
	if _, err := fmt.Sscan(getenv("HINDSIGHT_BENCH_N", "3000"), &n); err != nil {
		b.Fatal(err)
	}
	g := gen.New(7)
	var docs []*hindsight.Postmortem
	for i := range n {
		p := g.Postmortem()
		p.Summary.Start = hindsight.TimeOf(now.Add(-time.Duration(i%330) * 24 * time.Hour))
		if p.Extras == nil {
			p.Extras = map[string]hindsight.Extra{}
		}
		e := p.Extras[hindsight.SecSummary]
		e.Fields = append(e.Fields, hindsight.Field{Label: "Tags", Value: fmt.Sprintf("Team-%d, Area%c%d", i%40, 'A'+rune(i%3), i%40)})
		p.Extras[hindsight.SecSummary] = e
		docs = append(docs, p)
	}
	for i := 0; i < len(docs); i += 200 {
		var cs []hindsight.IncidentCreate
		for _, p := range docs[i:min(i+200, len(docs))] {
			cs = append(cs, hindsight.IncidentCreate{Doc: p, Author: "bench"})
		}
		if _, err := st.CreateIncidents(ctx, cs); err != nil {
			b.Fatal(err)
		}
	}
	f := hindsight.InsightsFilter{From: now.AddDate(-1, 0, 0), Before: now.AddDate(0, 0, 1), AsOf: now}
	v := hindsight.Viewer{UserID: "reader"}
	q := url.Values{"from": {f.From.Format(hindsight.DateLayout)}, "to": {now.Format(hindsight.DateLayout)}}
	// rounds interleave before and after (a shared machine)
	for round := range 2 {
		b.Run(fmt.Sprintf("store-%d", round), func(b *testing.B) {
			c := cpu()
			for b.Loop() {
				if _, err := h.InsightsStore(ctx, v, q); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, c)
		})
		b.Run(fmt.Sprintf("handler-%d", round), func(b *testing.B) {
			c := cpu()
			for b.Loop() {
				in, err := h.Insights(ctx, v, q)
				if err != nil {
					b.Fatal(err)
				}
				if len(in.ByTag) == 0 || in.ByTag[0].Key[0] != 'A' && in.ByTag[0].Key[0] != 'T' {
					b.Fatalf("tags %v", in.ByTag[:min(3, len(in.ByTag))])
				}
			}
			reportCPU(b, c)
		})
	}
}

func getenv(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// cpu is the process's CPU time (user + system) so far.
func cpu() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per operation since c (the store runs
// in-process on SQLite, so it is the whole work of a request): on a shared
// machine it varies less than the wall time.
func reportCPU(b *testing.B, c time.Duration) {
	b.ReportMetric(float64(cpu()-c)/float64(b.N)/1e6, "cpu-ms/op")
}
