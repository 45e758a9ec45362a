// Command webhooks is the intake benchmark of the alert receivers: a load
// generator that posts Alertmanager webhooks at a fixed rate (open loop) to
// Hindsight's receiver over HTTP on loopback, backed by a SQLite store with
// the inbox's applier running in the background as under serve, waits for
// the inbox to drain, and then checks that every alert is in a timeline
// exactly once.
//
//	go run ./bench/webhooks -rate 500 -duration 60s
//
// Each request carries one new firing alert of one of -groups alert
// groups; a fraction -dup of the requests are retries of an earlier request
// (which must change nothing). Two figures per alert:
//
//   - intake latency: the client's round trip of each request (the sender
//     waits for it: authenticate, decode, record in the inbox, answer 202);
//   - timeline lag: from the alert's first send to the commit of the
//     revision that first holds it (read back from the revision history),
//     i.e. until a reader of the incident sees it.
//
// With -outbound it measures outbound webhook delivery instead: a healthy
// receiver's delivery lag alone and while other subscriptions' receivers
// hang or fail (outbound.go):
//
//	go run ./bench/webhooks -outbound -incidents 30 -incident-rate 10
//
// Results: bench/webhooks/RESULTS.md.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/alerting"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/sqlite"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "webhooks bench:", err)
		os.Exit(1)
	}
}

type result struct {
	Sent, Retries, Errors int
	Rate                  float64
	P50, P90, P99, Max    time.Duration
	Incidents, Rows       int
	Missing, Doubled      int
	Revisions             int
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("webhooks", flag.ContinueOnError)
	rate := fs.Int("rate", 500, "alerts per second")
	dur := fs.Duration("duration", 60*time.Second, "how long to send")
	groups := fs.Int("groups", 1000, "alert groups (one Draft incident each)")
	dup := fs.Float64("dup", 0.05, "fraction of requests that are retries of an earlier one")
	conc := fs.Int("conc", 256, "most requests in flight")
	timeout := fs.Duration("timeout", 10*time.Second, "client timeout of one request")
	dbPath := fs.String("db", "", "SQLite file (default: a temporary one)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	workers := fs.Int("workers", 0, "alert groups the applier saves at once (0: the receivers' default)")
	duty := fs.Float64("duty", 0, "the applier's duty while deliveries arrive, in (0, 1] (0: the receivers' default)")
	intakeFirst := fs.Duration("intake-first", 0, "how long the applier waits for deliveries in progress before a save (0: the receivers' default, negative: none)")
	drainFor := fs.Duration("drain-timeout", 10*time.Minute, "how long to wait for the inbox to drain after the last send")
	applyAfter := fs.Bool("apply-after", false, "start the applier only after the last send (the intake measured alone)")
	outbound := fs.Bool("outbound", false, "measure outbound webhook delivery isolation instead of the alert intake")
	outIncidents := fs.Int("incidents", 30, "with -outbound: incidents to create (two events each)")
	outRate := fs.Int("incident-rate", 10, "with -outbound: incidents created per second")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *outbound {
		return runOutbound(*outIncidents, *outRate, *drainFor, out)
	}
	if *rate <= 0 || *dur <= 0 || *groups <= 0 || *dup < 0 || *dup >= 1 {
		return fmt.Errorf("-rate, -duration and -groups must be positive and -dup in [0, 1)")
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "hindsight-bench-webhooks-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := *dbPath
	if path == "" {
		path = filepath.Join(dir, "hindsight.db")
	}
	st, err := sqlite.Open(ctx, path, sqlite.Options{Render: markdown.Render})
	if err != nil {
		return err
	}
	defer st.Close()
	svc := app.New(st, app.Options{})
	const token = "bench-token"
	rcv := alerting.New(svc, st, alerting.Config{AlertmanagerToken: token, ApplyWorkers: *workers, IntakeFirst: *intakeFirst, ApplyDuty: *duty, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	actx, stopApplier := context.WithCancel(ctx)
	if !*applyAfter {
		rcv.Start(actx)
	}
	defer func() { stopApplier(); rcv.Wait() }()
	mux := http.NewServeMux()
	for _, rt := range rcv.Routes() {
		mux.Handle(rt.Pattern, rt.Handler)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/hooks/alertmanager"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *conc, MaxConnsPerHost: *conc}, Timeout: *timeout}

	total := int(float64(*rate) * dur.Seconds())
	start := time.Now().UTC().Add(-time.Hour).Truncate(time.Minute)
	bodies := make([][]byte, total)
	for i := range total {
		bodies[i] = payload(i, i%*groups, start)
	}
	fmt.Fprintf(out, "sending %d alerts at %d/s for %v into %d groups (%.0f%% retries), SQLite %s, GOMAXPROCS %d\n",
		total, *rate, *dur, *groups, *dup*100, path, runtime.GOMAXPROCS(0))

	var mu sync.Mutex
	lat := make([]time.Duration, 0, total)
	firstSent := make([]time.Time, total) // written once per alert, by its original request
	var errs, retries atomic.Int64
	var firstErr atomic.Value
	sem := make(chan struct{}, *conc)
	var wg sync.WaitGroup
	var resent atomic.Int64
	// send posts b, retrying a failed request (as Alertmanager would) up to 20
	// times; each attempt's round trip is an intake latency sample.
	send := func(i int, original bool) {
		b := bodies[i]
		for attempt := 0; ; attempt++ {
			t0 := time.Now()
			if original && attempt == 0 {
				firstSent[i] = t0
			}
			resp, err := client.Post(url+"?token="+token, "application/json", bytes.NewReader(b))
			d := time.Since(t0)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusOK {
					err = fmt.Errorf("status %d", resp.StatusCode)
				}
			}
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
			if err == nil {
				return
			}
			firstErr.CompareAndSwap(nil, err.Error())
			if attempt == 20 {
				errs.Add(1)
				return
			}
			resent.Add(1)
			time.Sleep(time.Duration(attempt+1) * 200 * time.Millisecond)
		}
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	interval := time.Second / time.Duration(*rate)
	cpu0 := cpuTime()
	began := time.Now()
	for i := range total {
		// open loop: request i is due at began + i*interval
		if d := time.Until(began.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		batch := []int{i}
		if i > 10 && rand.Float64() < *dup {
			batch = append(batch, rand.IntN(i)) // a retry of an earlier delivery
			retries.Add(1)
		}
		for k, j := range batch {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				send(j, k == 0)
			}()
		}
	}
	wg.Wait()
	elapsed := time.Since(began)
	// the inbox drains in the background
	sentAll := time.Now()
	if *applyAfter {
		rcv.Start(actx)
	}
	maxBacklog := 0
	for {
		b, err := rcv.Backlog(ctx)
		if err != nil {
			return err
		}
		maxBacklog = max(maxBacklog, b.Events)
		if b.Entries == 0 {
			break
		}
		if time.Since(sentAll) > *drainFor {
			return fmt.Errorf("the inbox still holds %d events after %v", b.Events, *drainFor)
		}
		time.Sleep(20 * time.Millisecond)
	}
	drained := time.Since(sentAll)
	stopApplier()
	rcv.Wait()
	cpu := cpuTime() - cpu0
	r := result{Sent: total, Retries: int(retries.Load()), Errors: int(errs.Load()), Rate: float64(total) / elapsed.Seconds()}
	slices.Sort(lat)
	q := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	r.P50, r.P90, r.P99, r.Max = q(0.50), q(0.90), q(0.99), lat[len(lat)-1]

	// every alert exactly once
	seen := make([]int, total)
	page, err := st.FindIncidents(ctx, hindsight.SystemViewer, hindsight.IncidentFilter{Limit: 1000})
	if err != nil {
		return err
	}
	ids := []string{}
	for {
		for _, in := range page.Incidents {
			ids = append(ids, in.ID)
		}
		if page.Next == "" {
			break
		}
		page, err = st.FindIncidents(ctx, hindsight.SystemViewer, hindsight.IncidentFilter{Limit: 1000, Cursor: page.Next})
		if err != nil {
			return err
		}
	}
	r.Incidents = len(ids)
	applied := make([]time.Time, total) // commit of the first revision holding each alert
	for _, id := range ids {
		inc, err := st.FindIncidentByID(ctx, hindsight.SystemViewer, id)
		if err != nil {
			return err
		}
		for _, ev := range inc.Doc.Timeline {
			if n, ok := alertNumber(ev.Event, total); ok {
				seen[n]++
				r.Rows++
			}
		}
		revs, err := st.FindRevisions(ctx, hindsight.SystemViewer, id)
		if err != nil {
			return err
		}
		r.Revisions += len(revs)
		for _, rv := range revs {
			full, err := st.FindRevision(ctx, hindsight.SystemViewer, id, rv.N)
			if err != nil {
				return err
			}
			for _, m := range alertRef.FindAllSubmatch(full.Markdown, -1) {
				if n, ok := alertNumber(string(m[0]), total); ok && applied[n].IsZero() {
					applied[n] = rv.At
				}
			}
		}
	}
	var lag []time.Duration
	for i := range total {
		if !applied[i].IsZero() && !firstSent[i].IsZero() {
			lag = append(lag, applied[i].Sub(firstSent[i]))
		}
	}
	slices.Sort(lag)
	lq := func(p float64) time.Duration {
		if len(lag) == 0 {
			return 0
		}
		return lag[min(len(lag)-1, int(p*float64(len(lag))))]
	}
	for _, c := range seen {
		switch {
		case c == 0:
			r.Missing++
		case c > 1:
			r.Doubled++
		}
	}
	fmt.Fprintf(out, "sent %d alerts + %d duplicate deliveries in %v (%.0f alerts/s); %d requests failed and were sent again, %d gave up%s\n",
		r.Sent, r.Retries, elapsed.Round(time.Millisecond), r.Rate, resent.Load(), r.Errors, errNote(firstErr.Load()))
	fmt.Fprintf(out, "intake latency: p50 %v  p90 %v  p99 %v  max %v\n", r.P50.Round(10*time.Microsecond), r.P90.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond), r.Max.Round(10*time.Microsecond))
	fmt.Fprintf(out, "timeline lag (first send to the commit of the revision holding it, %d alerts): p50 %v  p90 %v  p99 %v  max %v\n",
		len(lag), lq(0.50).Round(10*time.Microsecond), lq(0.90).Round(10*time.Microsecond), lq(0.99).Round(10*time.Microsecond), lq(1).Round(10*time.Microsecond))
	fmt.Fprintf(out, "inbox: drained %v after the last send (at most %d events waiting when the sending ended); %d revisions for %d alerts (%.1f alerts per save)\n",
		drained.Round(time.Millisecond), maxBacklog, r.Revisions, r.Rows, float64(r.Rows)/float64(max(1, r.Revisions)))
	fmt.Fprintf(out, "CPU (receiver and generator, user+system): %v, %.2f ms per alert\n", cpu.Round(time.Millisecond), float64(cpu)/float64(time.Millisecond)/float64(total))
	fmt.Fprintf(out, "timeline: %d incidents, %d rows; %d alerts missing, %d more than once\n", r.Incidents, r.Rows, r.Missing, r.Doubled)
	if r.Missing > 0 || r.Doubled > 0 || r.Errors > 0 {
		return fmt.Errorf("not every alert accounted for exactly once")
	}
	return nil
}

// alertRef finds the alert numbers in a revision's Markdown.
var alertRef = regexp.MustCompile(`alert=\d+`)

// alertNumber reads the number of "alert=N" in s.
func alertNumber(s string, total int) (int, bool) {
	i := strings.Index(s, "alert=")
	if i < 0 {
		return 0, false
	}
	var n int
	if _, err := fmt.Sscanf(s[i+len("alert="):], "%d", &n); err != nil || n < 0 || n >= total {
		return 0, false
	}
	return n, true
}

func errNote(v any) string {
	if v == nil {
		return ""
	}
	return " (first: " + v.(string) + ")"
}

// payload is an Alertmanager notification with one firing alert, number i
// of group g.
func payload(i, g int, start time.Time) []byte {
	group := fmt.Sprintf("bench-%04d", g)
	labels := map[string]string{"alertname": "BenchAlert", "group": group, "instance": fmt.Sprintf("host-%d", i), "service": "svc-" + fmt.Sprint(g%20), "severity": "warning"}
	b, _ := json.Marshal(map[string]any{
		"version": "4", "groupKey": "{}:{group=\"" + group + "\"}", "status": "firing", "receiver": "hindsight",
		"groupLabels": map[string]string{"group": group}, "commonLabels": labels,
		"commonAnnotations": map[string]string{},
		"alerts": []map[string]any{{
			"status": "firing", "labels": labels,
			"annotations": map[string]string{"summary": fmt.Sprintf("alert=%d", i)},
			"startsAt":    start.Add(time.Duration(i) * time.Millisecond).Format(time.RFC3339Nano), "endsAt": "0001-01-01T00:00:00Z",
			"fingerprint": fmt.Sprintf("%016x", i),
		}},
	})
	return b
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
