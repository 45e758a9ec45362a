// Command store benchmarks a Hindsight store: it seeds N generated
// incidents (internal/gen) and reports the import rate, list and search
// latencies (p50/p95 over varied filters and queries) and the database size.
//
//	go run ./bench/store -n 100000 -db /tmp/hindsight-bench.db
//	go run ./bench/store -n 10000 -db 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
//
// An existing SQLite file with at least N incidents is reused (delete it to
// re-import); on PostgreSQL the run works in a fresh schema dropped at the
// end. Goal at 100,000 incidents on SQLite: list p95 < 10 ms, search
// p95 < 25 ms.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/gen"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/postgres"
	"github.com/hindsight-pm/hindsight/sqlite"
	"github.com/jackc/pgx/v5"
)

func main() {
	n := flag.Int("n", 10000, "incidents to seed")
	dsn := flag.String("db", "/tmp/hindsight-bench.db", "SQLite file or postgres:// URL")
	reps := flag.Int("reps", 20, "repetitions of each query")
	workers := flag.Int("workers", 4, "parallel importers")
	seed := flag.Int64("seed", 1, "generator seed")
	keep := flag.String("schema", "", "PostgreSQL: work in this schema and keep it (default: a fresh one, dropped at the end)")
	only := flag.String("only", "", "run only the lists whose name contains one of these comma-separated words (and no searches)")
	flag.Parse()
	if err := run(*n, *dsn, *reps, *workers, *seed, *keep, *only); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(n int, dsn string, reps, workers int, seed int64, keep, only string) error {
	ctx := context.Background()
	var s hindsight.Store
	var size func() (int64, error)
	var analyze func() error
	if postgres.IsURL(dsn) {
		var b [4]byte
		_, _ = rand.Read(b[:])
		schema := "hs_bench_" + hex.EncodeToString(b[:])
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		if keep != "" {
			schema = keep
			if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema); err != nil {
				return err
			}
		} else {
			if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
				return err
			}
			defer conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		}
		ps, err := postgres.Open(ctx, dsn, postgres.Options{Render: markdown.Render, Schema: schema})
		if err != nil {
			return err
		}
		s = ps
		analyze = func() error {
			_, err := conn.Exec(ctx, "ANALYZE "+schema+".incidents, "+schema+".incident_search, "+schema+".incident_services, "+schema+".action_items, "+schema+".incident_tags, "+schema+".incident_fields, "+schema+".incident_factors")
			return err
		}
		size = func() (int64, error) {
			var sz int64
			err := conn.QueryRow(ctx, `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
JOIN pg_namespace ns ON ns.oid = c.relnamespace WHERE ns.nspname = $1 AND c.relkind IN ('r', 'm')`, schema).Scan(&sz)
			return sz, err
		}
	} else {
		ss, err := sqlite.Open(ctx, dsn, sqlite.Options{Render: markdown.Render})
		if err != nil {
			return err
		}
		s = ss
		size = func() (int64, error) {
			var total int64
			for _, suffix := range []string{"", "-wal"} {
				if fi, err := os.Stat(dsn + suffix); err == nil {
					total += fi.Size()
				}
			}
			return total, nil
		}
	}
	defer s.Close()

	have, err := count(ctx, s)
	if err != nil {
		return err
	}
	fmt.Printf("store %s, %d incidents present\n", backend(dsn), have)
	if have < n {
		if err := seedStore(ctx, s, n-have, workers, seed+int64(have)); err != nil {
			return err
		}
		if analyze != nil { // as autovacuum would after a bulk load
			if err := analyze(); err != nil {
				return err
			}
		}
	}
	sz, err := size()
	if err != nil {
		return err
	}
	fmt.Printf("database size: %.1f MiB (%d incidents)\n", float64(sz)/(1<<20), max(n, have))

	// sample real values for filters
	sample, err := s.FindIncidents(ctx, hindsight.SystemViewer, hindsight.IncidentFilter{Limit: 200, Sort: hindsight.SortID})
	if err != nil {
		return err
	}
	var owners, services, commanders []string
	for _, x := range sample.Incidents {
		owners = append(owners, x.Owner)
		commanders = append(commanders, x.Commander)
		services = append(services, x.Services...)
	}
	pick := func(xs []string, i int) string {
		if len(xs) == 0 {
			return ""
		}
		return xs[i%len(xs)]
	}
	t := func(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC) }
	lists := []struct {
		name string
		f    func(i int) hindsight.IncidentFilter
	}{
		{"newest first", func(int) hindsight.IncidentFilter { return hindsight.IncidentFilter{Desc: true} }},
		{"severity SEV-1, by start", func(int) hindsight.IncidentFilter {
			return hindsight.IncidentFilter{Severity: []hindsight.Severity{hindsight.Sev1}, Desc: true}
		}},
		{"status Draft, by updated", func(int) hindsight.IncidentFilter {
			return hindsight.IncidentFilter{Status: []hindsight.Status{hindsight.StatusDraft}, Sort: hindsight.SortUpdated, Desc: true}
		}},
		{"owner", func(i int) hindsight.IncidentFilter {
			return hindsight.IncidentFilter{Owner: pick(owners, i), Desc: true}
		}},
		{"commander, by severity", func(i int) hindsight.IncidentFilter {
			return hindsight.IncidentFilter{Commander: pick(commanders, i), Sort: hindsight.SortSeverity}
		}},
		{"service", func(i int) hindsight.IncidentFilter {
			return hindsight.IncidentFilter{Service: pick(services, i), Desc: true}
		}},
		{"open action items, SEV-1/2", func(int) hindsight.IncidentFilter {
			return hindsight.IncidentFilter{HasOpenActionItems: ptr(true), Severity: []hindsight.Severity{hindsight.Sev1, hindsight.Sev2}, Desc: true}
		}},
		{"start in one month", func(i int) hindsight.IncidentFilter {
			m := t(2024+i%3, time.Month(1+i%12))
			return hindsight.IncidentFilter{StartFrom: m, StartBefore: m.AddDate(0, 1, 0), Desc: true}
		}},
		{"text query", func(i int) hindsight.IncidentFilter {
			return hindsight.IncidentFilter{Query: []string{"database", "certificate", "latency", "deploy"}[i%4], Desc: true}
		}},
		// issue 19: the shape filters (shapeDoc gives the seeded documents
		// tags, fields and factor categories)
		{"tag", func(i int) hindsight.IncidentFilter {
			return hindsight.IncidentFilter{Tag: benchTags[i%len(benchTags)], Desc: true}
		}},
		{"tag (1% of incidents)", func(int) hindsight.IncidentFilter {
			return hindsight.IncidentFilter{Tag: "rare", Desc: true}
		}},
		{"factor category", func(i int) hindsight.IncidentFilter {
			return hindsight.IncidentFilter{FactorCategory: benchCategories[i%len(benchCategories)], Desc: true}
		}},
		{"field Region", func(i int) hindsight.IncidentFilter {
			return hindsight.IncidentFilter{Fields: map[string]string{"Region": benchRegions[i%len(benchRegions)]}, Desc: true}
		}},
		{"tag (1%) + field Region", func(i int) hindsight.IncidentFilter {
			return hindsight.IncidentFilter{Tag: "rare", Fields: map[string]string{"Region": benchRegions[i%len(benchRegions)]}, Desc: true}
		}},
		{"field Region, by severity", func(i int) hindsight.IncidentFilter {
			return hindsight.IncidentFilter{Fields: map[string]string{"Region": benchRegions[i%len(benchRegions)]}, Sort: hindsight.SortSeverity}
		}},
		{"field multi piece + tag", func(i int) hindsight.IncidentFilter {
			return hindsight.IncidentFilter{Fields: map[string]string{"Customer tier": "enterprise"}, Tag: benchTags[i%len(benchTags)], Desc: true}
		}},
		{"category + SEV-1/2", func(i int) hindsight.IncidentFilter {
			return hindsight.IncidentFilter{FactorCategory: benchCategories[i%len(benchCategories)], Severity: []hindsight.Severity{hindsight.Sev1, hindsight.Sev2}, Desc: true}
		}},
	}
	// cpu: this process's CPU time per list (user + system), which a
	// loaded machine inflates less than latency; on PostgreSQL most of the
	// work is the server's, so it says little there.
	selected := func(name string) bool {
		return only == "" || slices.ContainsFunc(strings.Split(only, ","), func(w string) bool { return strings.Contains(name, w) })
	}
	fmt.Printf("\n%-30s %9s %9s %9s %9s %9s\n", "list (50 per page)", "p50 ms", "p95 ms", "rows", "cpu p50", "cpu p95")
	var allList []time.Duration
	for _, l := range lists {
		if !selected(l.name) {
			continue
		}
		var ds, cpus []time.Duration
		rows := 0
		for i := range reps {
			f := l.f(i)
			cpu0 := cpuTime()
			start := time.Now()
			page, err := s.FindIncidents(ctx, hindsight.SystemViewer, f)
			if err != nil {
				return fmt.Errorf("%s: %w", l.name, err)
			}
			if page.Next != "" && i%2 == 1 { // and the second page
				f.Cursor = page.Next
				if _, err := s.FindIncidents(ctx, hindsight.SystemViewer, f); err != nil {
					return fmt.Errorf("%s page 2: %w", l.name, err)
				}
			}
			ds = append(ds, time.Since(start))
			cpus = append(cpus, cpuTime()-cpu0)
			rows = len(page.Incidents)
		}
		allList = append(allList, ds...)
		fmt.Printf("%-30s %9.2f %9.2f %9d %9.2f %9.2f\n", l.name, ms(pct(ds, 50)), ms(pct(ds, 95)), rows, ms(pct(cpus, 50)), ms(pct(cpus, 95)))
	}
	fmt.Printf("%-30s %9.2f %9.2f\n", "ALL LISTS", ms(pct(allList, 50)), ms(pct(allList, 95)))
	if err := actionItems(ctx, s, reps, func(i int) string { return pick(owners, i) }, selected); err != nil {
		return err
	}
	if only != "" {
		return nil
	}

	queries := []string{"database", "certificate expired", "connection pool exhausted", "latency", "rollback deploy",
		"kafka consumer lag", "dns", "customer data exposure", "memory leak", "rate limit"}
	fmt.Printf("\n%-30s %9s %9s %9s\n", "search (20 hits)", "p50 ms", "p95 ms", "hits")
	var allSearch []time.Duration
	for _, q := range queries {
		var ds []time.Duration
		hits := 0
		for range max(reps/4, 3) {
			start := time.Now()
			page, err := s.SearchIncidents(ctx, hindsight.SystemViewer, hindsight.SearchQuery{Text: q})
			if err != nil {
				return fmt.Errorf("search %q: %w", q, err)
			}
			ds = append(ds, time.Since(start))
			hits = len(page.Hits)
		}
		allSearch = append(allSearch, ds...)
		fmt.Printf("%-30s %9.2f %9.2f %9d\n", q, ms(pct(ds, 50)), ms(pct(ds, 95)), hits)
	}
	fmt.Printf("%-30s %9.2f %9.2f\n", "ALL SEARCHES", ms(pct(allSearch, 50)), ms(pct(allSearch, 95)))

	return nil
}

// actionItems measures the action item tracker's lists (up to 100 items,
// in target date order).
func actionItems(ctx context.Context, s hindsight.Store, reps int, owner func(int) string, selected func(string) bool) error {
	cases := []struct {
		name string
		f    func(i int) hindsight.ActionItemFilter
	}{
		{"action items: overdue, owner", func(i int) hindsight.ActionItemFilter {
			return hindsight.ActionItemFilter{Overdue: true, Owner: owner(i)}
		}},
		{"action items: tag", func(i int) hindsight.ActionItemFilter {
			return hindsight.ActionItemFilter{Tag: benchTags[i%len(benchTags)]}
		}},
		{"action items: tag (1%)", func(int) hindsight.ActionItemFilter { return hindsight.ActionItemFilter{Tag: "rare"} }},
		{"action items: category", func(i int) hindsight.ActionItemFilter {
			return hindsight.ActionItemFilter{FactorCategory: benchCategories[i%len(benchCategories)]}
		}},
	}
	fmt.Printf("\n%-30s %9s %9s %9s %9s %9s\n", "action items (100)", "p50 ms", "p95 ms", "rows", "cpu p50", "cpu p95")
	for _, c := range cases {
		if !selected(c.name) {
			continue
		}
		var ds, cpus []time.Duration
		rows := 0
		for i := range reps {
			f := c.f(i)
			f.Limit = 100
			cpu0 := cpuTime()
			start := time.Now()
			items, err := s.FindActionItems(ctx, hindsight.SystemViewer, f)
			if err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			ds = append(ds, time.Since(start))
			cpus = append(cpus, cpuTime()-cpu0)
			rows = len(items)
		}
		fmt.Printf("%-30s %9.2f %9.2f %9d %9.2f %9.2f\n", c.name, ms(pct(ds, 50)), ms(pct(ds, 95)), rows, ms(pct(cpus, 50)), ms(pct(cpus, 95)))
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

func backend(dsn string) string {
	if postgres.IsURL(dsn) {
		return "postgres"
	}
	return "sqlite " + dsn
}

func count(ctx context.Context, s hindsight.Store) (int, error) {
	n := 0
	f := hindsight.IncidentFilter{Limit: 1000, Sort: hindsight.SortID, Deleted: hindsight.WithDeleted}
	for {
		page, err := s.FindIncidents(ctx, hindsight.SystemViewer, f)
		if err != nil {
			return 0, err
		}
		n += len(page.Incidents)
		if page.Next == "" {
			return n, nil
		}
		f.Cursor = page.Next
	}
}

// The shape the seeded documents get (issue 19).
var (
	benchTags       = []string{"database", "dns", "certificates", "network", "deploy", "capacity", "queue", "cache"}
	benchCategories = []string{"change/deploy", "change/config", "capacity", "dependency/third-party", "dependency/internal", "process/runbook", "monitoring/gap", "human-factors/tooling"}
	benchRegions    = []string{"us-east-1", "us-west-2", "eu-west-1"}
	benchTiers      = []string{"free", "pro", "enterprise"}
)

// shapeDoc gives generated document k a Region (enum), a Customer tier
// (multi), one or two tags (and "rare" on 1%) and a category on each
// contributing factor, deterministically from k.
func shapeDoc(p *hindsight.Postmortem, k int) {
	tags := []string{benchTags[k%len(benchTags)]}
	if k%3 == 0 {
		tags = append(tags, benchTags[(k/3+1)%len(benchTags)])
	}
	if k%100 == 0 {
		tags = append(tags, "rare")
	}
	tier := benchTiers[k%len(benchTiers)]
	if k%5 == 0 {
		tier = "pro, enterprise"
	}
	e := p.Extras[hindsight.SecSummary]
	e.Fields = append(e.Fields, hindsight.Field{Label: "Region", Value: benchRegions[k%len(benchRegions)]},
		hindsight.Field{Label: "Customer tier", Value: tier}, hindsight.Field{Label: "Tags", Value: strings.Join(tags, ", ")})
	if p.Extras == nil {
		p.Extras = map[string]hindsight.Extra{}
	}
	p.Extras[hindsight.SecSummary] = e
	for i, f := range p.RootCause.Factors {
		p.RootCause.Factors[i] = "[" + benchCategories[(k+i)%len(benchCategories)] + "] " + f
	}
}

func seedStore(ctx context.Context, s hindsight.Store, n, workers int, seed int64) error {
	g := gen.New(seed)
	docs := make(chan *hindsight.Postmortem, 256)
	go func() {
		defer close(docs)
		for k := range n {
			p := g.Postmortem()
			shapeDoc(p, int(seed)+k)
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
				p.Summary.IncidentID = ""
				if _, err := s.CreateIncident(ctx, hindsight.IncidentCreate{Doc: p, Author: "bench", Message: "seeded"}); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				if k := done.Add(1); k%10000 == 0 {
					fmt.Printf("  %d imported, %.0f/s\n", k, float64(k)/time.Since(start).Seconds())
				}
			}
		}()
	}
	wg.Wait()
	for range docs { // drain after an error
	}
	if firstErr != nil {
		return firstErr
	}
	el := time.Since(start)
	fmt.Printf("imported %d incidents in %s: %.0f incidents/s (%d workers)\n", n, el.Round(time.Millisecond), float64(n)/el.Seconds(), workers)
	return nil
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

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
