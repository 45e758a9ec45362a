// Command insights benchmarks the insight queries: it seeds N generated
// incidents (internal/gen) with exactly K action items each through
// Store.CreateIncident, then reports p50/p95 latencies of the insights
// figures for a one-year range (with and without filters) and of the
// action item tracker page (a page of items plus the counts per owner)
// with filters.
//
//	go run ./bench/insights -n 100000 -db /tmp/hindsight-insights.db
//	go run ./bench/insights -n 100000 -db 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable' -schema hs_insights
//
// An existing database with at least N incidents is reused (SQLite file, or
// the named PostgreSQL schema, which is kept). Goal at 100,000 incidents and
// 400,000 items on SQLite: p95 under 100 ms.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"regexp"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/insights"
	"github.com/hindsight-pm/hindsight/internal/gen"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/postgres"
	"github.com/hindsight-pm/hindsight/sqlite"
	"github.com/jackc/pgx/v5"
)

type store interface {
	hindsight.Store
	hindsight.InsightStore
}

func main() {
	n := flag.Int("n", 100000, "incidents to seed")
	k := flag.Int("items", 4, "action items per incident")
	dsn := flag.String("db", "/tmp/hindsight-insights.db", "SQLite file or postgres:// URL")
	schema := flag.String("schema", "hs_insights", "PostgreSQL: the schema to work in (kept)")
	reps := flag.Int("reps", 30, "repetitions of each query")
	workers := flag.Int("workers", 2, "parallel importers")
	only := flag.String("only", "", "run only the figures whose name matches this regular expression")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the timed queries to this file")
	flag.Parse()
	re, err := regexp.Compile(*only)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: -only:", err)
		os.Exit(2)
	}
	if err := run(*n, *k, *dsn, *schema, *reps, *workers, re, *cpuprofile); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(n, k int, dsn, schema string, reps, workers int, only *regexp.Regexp, cpuprofile string) error {
	ctx := context.Background()
	var s store
	var analyze func() error
	if postgres.IsURL(dsn) {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema); err != nil {
			return err
		}
		ps, err := postgres.Open(ctx, dsn, postgres.Options{Render: markdown.Render, Schema: schema})
		if err != nil {
			return err
		}
		s = ps
		analyze = func() error {
			var tables []string
			for _, t := range []string{"incidents", "incident_services", "action_items", "timeline_events", "incident_members",
				"insight_facts", "insight_counts", "insight_hist", "insight_items"} {
				tables = append(tables, schema+"."+t)
			}
			// VACUUM too: the state autovacuum leaves a database in (index-only
			// scans need the visibility map)
			_, err := conn.Exec(ctx, "VACUUM ANALYZE "+strings.Join(tables, ", "))
			return err
		}
	} else {
		ss, err := sqlite.Open(ctx, dsn, sqlite.Options{Render: markdown.Render})
		if err != nil {
			return err
		}
		s = ss
		analyze = func() error { return nil }
	}
	defer s.Close()
	now := gen.DefaultNow
	all, err := s.Insights(ctx, hindsight.SystemViewer, hindsight.InsightsFilter{AsOf: now})
	if err != nil {
		return err
	}
	fmt.Printf("store %s: %d incidents, %d action items present\n", backend(dsn), all.Incidents, all.ActionItems.Total)
	if all.Incidents < n {
		if err := seed(ctx, s, n-all.Incidents, k, workers, int64(all.Incidents)+1); err != nil {
			return err
		}
		if err := analyze(); err != nil {
			return err
		}
		if all, err = s.Insights(ctx, hindsight.SystemViewer, hindsight.InsightsFilter{AsOf: now}); err != nil {
			return err
		}
		fmt.Printf("now %d incidents, %d action items\n", all.Incidents, all.ActionItems.Total)
	}
	var services, owners []string
	for _, c := range all.ByService {
		services = append(services, c.Key)
	}
	oc, err := s.ActionItemCounts(ctx, hindsight.SystemViewer, hindsight.ActionItemQuery{AsOf: now, ActionItemFilter: hindsight.ActionItemFilter{Limit: 50}})
	if err != nil {
		return err
	}
	for _, o := range oc {
		owners = append(owners, o.Owner)
	}
	pick := func(xs []string, i int) string {
		if len(xs) == 0 {
			return ""
		}
		return xs[i%len(xs)]
	}
	year := func(i int) hindsight.InsightsFilter {
		// a one-year range ending on a different day each repetition
		to := now.AddDate(0, 0, -i)
		return hindsight.InsightsFilter{From: to.AddDate(-1, 0, 0), Before: to, AsOf: now}
	}
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	member := hindsight.Viewer{UserID: "someone"}
	fig := []struct {
		name string
		v    hindsight.Viewer
		f    func(i int) hindsight.InsightsFilter
	}{
		{"one year, all incidents", hindsight.SystemViewer, year},
		{"one year, as a non-admin", member, year},
		{"one year, SEV-1 and SEV-2", hindsight.SystemViewer, func(i int) hindsight.InsightsFilter {
			f := year(i)
			f.Severity = []hindsight.Severity{hindsight.Sev1, hindsight.Sev2}
			return f
		}},
		{"one year, one service", hindsight.SystemViewer, func(i int) hindsight.InsightsFilter {
			f := year(i)
			f.Service = pick(services, i)
			return f
		}},
	}
	fmt.Printf("\n%-34s %9s %9s %9s %10s\n", "insights", "p50 ms", "p95 ms", "cpu p95", "incidents")
	var allIns, allInsCPU []time.Duration
	for _, x := range fig {
		if !only.MatchString(x.name) {
			continue
		}
		var ds, cs []time.Duration
		got := 0
		for i := range reps {
			start, c0 := time.Now(), cpu()
			in, err := s.Insights(ctx, x.v, x.f(i))
			if err != nil {
				return fmt.Errorf("%s: %w", x.name, err)
			}
			ds, cs = append(ds, time.Since(start)), append(cs, cpu()-c0)
			got = in.Incidents
		}
		allIns, allInsCPU = append(allIns, ds...), append(allInsCPU, cs...)
		fmt.Printf("%-34s %9.2f %9.2f %9.2f %10d\n", x.name, ms(pct(ds, 50)), ms(pct(ds, 95)), ms(pct(cs, 95)), got)
	}
	fmt.Printf("%-34s %9.2f %9.2f %9.2f\n", "ALL INSIGHTS", ms(pct(allIns, 50)), ms(pct(allIns, 95)), ms(pct(allInsCPU, 95)))

	wf, wb := insights.Week(now)
	q := func(mod func(*hindsight.ActionItemQuery, int)) func(int) hindsight.ActionItemQuery {
		return func(i int) hindsight.ActionItemQuery {
			x := hindsight.ActionItemQuery{AsOf: now, ActionItemFilter: hindsight.ActionItemFilter{Limit: 100}}
			mod(&x, i)
			return x
		}
	}
	items := []struct {
		name string
		q    func(int) hindsight.ActionItemQuery
	}{
		{"no filter", q(func(*hindsight.ActionItemQuery, int) {})},
		{"open", q(func(x *hindsight.ActionItemQuery, _ int) { x.Status = []hindsight.ItemStatus{hindsight.ItemOpen} })},
		{"overdue", q(func(x *hindsight.ActionItemQuery, _ int) { x.Overdue = true })},
		{"owner (my items)", q(func(x *hindsight.ActionItemQuery, i int) { x.Owner = pick(owners, i) })},
		{"P0, SEV-1, open", q(func(x *hindsight.ActionItemQuery, _ int) {
			x.Priority = []hindsight.Priority{hindsight.P0}
			x.Severity = []hindsight.Severity{hindsight.Sev1}
			x.Status = []hindsight.ItemStatus{hindsight.ItemOpen}
		})},
		{"service, open", q(func(x *hindsight.ActionItemQuery, i int) {
			x.Service = pick(services, i)
			x.Status = []hindsight.ItemStatus{hindsight.ItemOpen}
		})},
		{"due this week", q(func(x *hindsight.ActionItemQuery, _ int) { x.DueFrom, x.DueBefore = wf, wb })},
		{"past objective, by priority", q(func(x *hindsight.ActionItemQuery, _ int) {
			x.PastObjective = true
			x.Sort = hindsight.ItemSortPriority
		})},
		{"open, sorted by owner, page 3", q(func(x *hindsight.ActionItemQuery, _ int) {
			x.Status = []hindsight.ItemStatus{hindsight.ItemOpen}
			x.Sort, x.Offset = hindsight.ItemSortOwner, 200
		})},
	}
	fmt.Printf("\n%-34s %9s %9s %9s %10s\n", "action item page (items + owners)", "p50 ms", "p95 ms", "cpu p95", "matches")
	var allItems, allItemsCPU []time.Duration
	for _, x := range items {
		if !only.MatchString(x.name) {
			continue
		}
		var ds, cs []time.Duration
		total := 0
		for i := range reps {
			aq := x.q(i)
			start, c0 := time.Now(), cpu()
			page, err := s.TrackActionItems(ctx, member, aq)
			if err != nil {
				return fmt.Errorf("%s: %w", x.name, err)
			}
			aq.Limit, aq.Offset = 50, 0
			if _, err := s.ActionItemCounts(ctx, member, aq); err != nil {
				return fmt.Errorf("%s owners: %w", x.name, err)
			}
			ds, cs = append(ds, time.Since(start)), append(cs, cpu()-c0)
			total = page.Total
		}
		allItems, allItemsCPU = append(allItems, ds...), append(allItemsCPU, cs...)
		fmt.Printf("%-34s %9.2f %9.2f %9.2f %10d\n", x.name, ms(pct(ds, 50)), ms(pct(ds, 95)), ms(pct(cs, 95)), total)
	}
	fmt.Printf("%-34s %9.2f %9.2f %9.2f\n", "ALL ACTION ITEM PAGES", ms(pct(allItems, 50)), ms(pct(allItems, 95)), ms(pct(allItemsCPU, 95)))
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Printf("\nload average during the run: %s", b)
	}
	return nil
}

// seed creates n generated incidents with exactly k action items each.
func seed(ctx context.Context, s hindsight.Store, n, k, workers int, seed int64) error {
	g := gen.New(seed)
	docs := make(chan *hindsight.Postmortem, 256)
	go func() {
		defer close(docs)
		for range n {
			p := g.Postmortem()
			p.Summary.IncidentID = ""
			orig := p.ActionItems
			items := slices.Clone(orig)
			for len(items) < k {
				a := hindsight.ActionItem{Action: "Follow-up review", Owner: p.Owner, Priority: hindsight.P2, Status: hindsight.ItemOpen}
				if len(orig) > 0 {
					a = orig[len(items)%len(orig)]
					a.Action += " (follow-up)"
				}
				items = append(items, a)
			}
			items = items[:k]
			for i := range items {
				items[i].ID = hindsight.FormatActionID(i + 1)
			}
			p.ActionItems = items
			docs <- p
		}
	}()
	var done atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range docs {
				if _, err := s.CreateIncident(ctx, hindsight.IncidentCreate{Doc: p, Author: "bench", Message: "seeded"}); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				if d := done.Add(1); d%10000 == 0 {
					fmt.Printf("  %d imported, %.0f/s\n", d, float64(d)/time.Since(start).Seconds())
				}
			}
		}()
	}
	wg.Wait()
	for range docs {
	}
	if firstErr != nil {
		return firstErr
	}
	fmt.Printf("imported %d incidents in %s\n", n, time.Since(start).Round(time.Second))
	return nil
}

// cpu is the process's CPU time (user + system) so far. Under a loaded
// machine it shows what a query costs better than the wall clock; on
// PostgreSQL it leaves out the server's own work.
func cpu() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func backend(dsn string) string {
	if postgres.IsURL(dsn) {
		return "postgres"
	}
	return "sqlite " + dsn
}

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[min(max(i-1, 0), len(s)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
