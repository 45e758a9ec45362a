// Command load is the web benchmark's helper: it seeds a database with
// generated incidents, serves a page's bytes from memory as the baseline,
// and drives HTTP load at a fixed number of connections, reporting
// requests per second, latency percentiles and a process's peak resident
// size. bench/web/run.sh runs the whole benchmark with it.
//
//	load seed -db hindsight.db -n 100000
//	load seed -postgres postgres://... -n 100000
//	load baseline -addr 127.0.0.1:18081 -page page.html
//	load drive -conns 32 -duration 10s -pid 1234 URL [URL...]
//	load urls -base http://127.0.0.1:18080 -n 1000 > incidents.txt
//	load report -n 100000 results.jsonl > RESULTS.md
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/gen"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/postgres"
	"github.com/hindsight-pm/hindsight/sqlite"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: load seed|baseline|drive [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "seed":
		err = seedCmd(os.Args[2:])
	case "baseline":
		err = baselineCmd(os.Args[2:])
	case "drive":
		err = driveCmd(os.Args[2:])
	case "urls":
		err = urlsCmd(os.Args[2:])
	case "report":
		err = reportCmd(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q: want seed, baseline or drive", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

// seedCmd fills a SQLite database with generated incidents up to -n.
func seedCmd(args []string) error {
	fs := flag.NewFlagSet("seed", flag.ExitOnError)
	db := fs.String("db", "hindsight-bench.db", "SQLite database file")
	pg := fs.String("postgres", "", "PostgreSQL URL to seed instead of the SQLite file")
	n := fs.Int("n", 100000, "incidents the database should hold")
	seed := fs.Int64("seed", 1, "generator seed")
	workers := fs.Int("workers", 4, "parallel writers")
	_ = fs.Parse(args)
	ctx := context.Background()
	var st interface {
		hindsight.Store
		Close() error
	}
	var err error
	if *pg != "" {
		st, err = postgres.Open(ctx, *pg, postgres.Options{Render: markdown.Render, MaxConns: int32(*workers + 2)})
		*db = "PostgreSQL"
	} else {
		st, err = sqlite.Open(ctx, *db, sqlite.Options{Render: markdown.Render})
	}
	if err != nil {
		return err
	}
	defer st.Close()
	have := 0
	for cursor := ""; ; {
		page, err := st.FindIncidents(ctx, hindsight.SystemViewer, hindsight.IncidentFilter{Limit: 1000, Sort: hindsight.SortID, Cursor: cursor, Deleted: hindsight.WithDeleted})
		if err != nil {
			return err
		}
		have += len(page.Incidents)
		if page.Next == "" || have >= *n {
			break
		}
		cursor = page.Next
	}
	if have >= *n {
		fmt.Printf("%s holds %d incidents already\n", *db, have)
		return nil
	}
	todo := *n - have
	fmt.Printf("seeding %d incidents into %s\n", todo, *db)
	docs := make(chan *hindsight.Postmortem, 256)
	go func() {
		g := gen.New(*seed + int64(have))
		for range todo {
			docs <- g.Postmortem()
		}
		close(docs)
	}()
	var done atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, *workers)
	start := time.Now()
	for range *workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range docs {
				if _, err := st.CreateIncident(ctx, hindsight.IncidentCreate{Doc: p, Author: "bench", Message: "seeded"}); err != nil {
					errc <- err
					for range docs {
					}
					return
				}
				if d := done.Add(1); d%10000 == 0 {
					fmt.Printf("  %d/%d (%.0f/s)\n", d, todo, float64(d)/time.Since(start).Seconds())
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
	}
	fmt.Printf("seeded %d incidents in %s\n", todo, time.Since(start).Round(time.Second))
	// planner statistics, as hindsight import leaves them: a server whose
	// autovacuum is off (as on the benchmark machine) would otherwise plan
	// every query blind
	if a, ok := st.(interface{ Analyze(context.Context) error }); ok {
		return a.Analyze(ctx)
	}
	return nil
}

// baselineCmd serves one page's bytes from memory: the fastest a Go
// net/http server can answer the same response on this machine.
func baselineCmd(args []string) error {
	fs := flag.NewFlagSet("baseline", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:18081", "address to listen on")
	pagePath := fs.String("page", "", "file whose bytes every response carries")
	ctype := fs.String("type", "text/html; charset=utf-8", "Content-Type of the page")
	_ = fs.Parse(args)
	page, err := os.ReadFile(*pagePath)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Printf("baseline listening on http://%s (%d bytes)\n", ln.Addr(), len(page))
	return http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", *ctype)
		w.Header().Set("Content-Length", strconv.Itoa(len(page)))
		_, _ = w.Write(page)
	}))
}

// Result is what drive reports, one JSON object per run.
type Result struct {
	Name     string  `json:"name"`
	Conns    int     `json:"conns"`
	Seconds  float64 `json:"seconds"`
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	RPS      float64 `json:"rps"`
	P50ms    float64 `json:"p50_ms"`
	P95ms    float64 `json:"p95_ms"`
	P99ms    float64 `json:"p99_ms"`
	Maxms    float64 `json:"max_ms"`
	// CPUmsPerReq is the CPU time (user + system) -pid spent during the
	// measured period, from the kernel's accounting of that process
	// (/proc/PID/stat, what getrusage and process_cpu_seconds_total
	// report), divided by the requests answered (0 without -pid).
	CPUmsPerReq float64 `json:"cpu_ms_per_request"`
	Bytes       int64   `json:"bytes_per_response"`
	// PeakRSSMiB is the peak VmRSS of -pid during the run (0 without -pid).
	PeakRSSMiB float64 `json:"peak_rss_mib"`
	// PeakAnonMiB is the peak RssAnon (heap and stacks, without file pages
	// such as SQLite's memory-mapped database) of -pid during the run.
	PeakAnonMiB float64 `json:"peak_anon_mib"`
}

// driveCmd sends GET requests to the URLs in turn from -conns connections
// for -duration, after a short warm-up.
func driveCmd(args []string) error {
	fs := flag.NewFlagSet("drive", flag.ExitOnError)
	name := fs.String("name", "", "name of the run in the report")
	conns := fs.Int("conns", 32, "concurrent connections")
	dur := fs.Duration("duration", 10*time.Second, "measured duration")
	warm := fs.Duration("warmup", 2*time.Second, "warm-up before measuring")
	pid := fs.Int("pid", 0, "process whose VmRSS to sample")
	urlsFile := fs.String("urls", "", "file with one URL a line (added to the arguments)")
	_ = fs.Parse(args)
	urls := fs.Args()
	if *urlsFile != "" {
		f, err := os.Open(*urlsFile)
		if err != nil {
			return err
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if u := strings.TrimSpace(sc.Text()); u != "" {
				urls = append(urls, u)
			}
		}
		f.Close()
	}
	if len(urls) == 0 {
		return errors.New("drive: no URL")
	}
	tr := &http.Transport{MaxIdleConns: *conns, MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	var measuring atomic.Bool
	stop := make(chan struct{})
	type worker struct {
		lat   []time.Duration
		errs  int
		bytes int64
	}
	ws := make([]*worker, *conns)
	var next atomic.Uint64
	var wg sync.WaitGroup
	for i := range ws {
		w := &worker{lat: make([]time.Duration, 0, 1<<16)}
		ws[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				u := urls[next.Add(1)%uint64(len(urls))]
				t0 := time.Now()
				res, err := get(client, u)
				var n int64
				if err == nil {
					n, err = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if err == nil && res.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", res.StatusCode)
					}
				}
				d := time.Since(t0)
				if !measuring.Load() {
					continue
				}
				if err != nil {
					w.errs++
					continue
				}
				w.lat = append(w.lat, d)
				w.bytes += n
			}
		}()
	}
	time.Sleep(*warm)
	var peak, peakAnon int64
	rssDone := make(chan struct{})
	cpu0 := procCPU(*pid)
	measuring.Store(true)
	start := time.Now()
	go func() {
		defer close(rssDone)
		for {
			if *pid > 0 {
				if kb, err := procStatus(*pid, "VmRSS:"); err == nil && kb > peak {
					peak = kb
				}
				if kb, err := procStatus(*pid, "RssAnon:"); err == nil && kb > peakAnon {
					peakAnon = kb
				}
			}
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	time.Sleep(*dur)
	measuring.Store(false)
	elapsed := time.Since(start)
	cpu := procCPU(*pid) - cpu0
	close(stop)
	wg.Wait()
	<-rssDone

	var all []time.Duration
	res := Result{Name: *name, Conns: *conns, Seconds: elapsed.Seconds(), PeakRSSMiB: float64(peak) / 1024, PeakAnonMiB: float64(peakAnon) / 1024}
	var bytes int64
	for _, w := range ws {
		all = append(all, w.lat...)
		res.Errors += w.errs
		bytes += w.bytes
	}
	slices.Sort(all)
	res.Requests = len(all)
	res.RPS = float64(len(all)) / elapsed.Seconds()
	if len(all) > 0 {
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		res.P50ms = ms(all[len(all)*50/100])
		res.P95ms = ms(all[min(len(all)-1, len(all)*95/100)])
		if *pid > 0 && cpu > 0 {
			res.CPUmsPerReq = ms(cpu) / float64(len(all))
		}
		res.P99ms = ms(all[min(len(all)-1, len(all)*99/100)])
		res.Maxms = ms(all[len(all)-1])
		res.Bytes = bytes / int64(len(all))
	}
	if res.Errors > 0 && res.Requests == 0 {
		return fmt.Errorf("drive %s: every request failed", *name)
	}
	out, _ := json.Marshal(res)
	fmt.Println(string(out))
	return nil
}

// procCPU is the user plus system CPU time of process pid so far, from
// /proc/PID/stat (0 when pid is 0 or unreadable).
func procCPU(pid int) time.Duration {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// the fields after the command name, which is in parentheses and may
	// hold spaces: state is field 3, utime 14 and stime 15
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	// clock ticks of 1/100 s (USER_HZ on Linux)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// procStatus reads a size in KiB (VmRSS:, RssAnon:) from /proc/PID/status.
func procStatus(pid int, key string) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	return 0, errors.New("no " + key)
}

// urlsCmd prints the incident page URLs of -n incidents spread over the
// database (every k-th of the list by ID), read through the JSON API.
func urlsCmd(args []string) error {
	fs := flag.NewFlagSet("urls", flag.ExitOnError)
	base := fs.String("base", "http://127.0.0.1:18080", "server URL")
	n := fs.Int("n", 1000, "URLs to print")
	total := fs.Int("total", 100000, "incidents in the database (to spread the picks)")
	path := fs.String("path", "/incidents/", "path prefix of the URLs")
	_ = fs.Parse(args)
	step := max(*total / *n / 1000, 1) // pages of 1000 to skip between picks
	var ids []string
	cursor := ""
	for len(ids) < *n {
		u := *base + "/api/v1/incidents?sort=id&order=asc&limit=1000"
		if cursor != "" {
			u += "&cursor=" + cursor
		}
		var page hindsight.IncidentPage
		if err := getJSON(u, &page); err != nil {
			return err
		}
		per := max(*n*step/max(*total/1000, 1), 1)
		for i := 0; i < len(page.Incidents) && len(ids) < *n; i += max(len(page.Incidents)/per, 1) {
			ids = append(ids, page.Incidents[i].ID)
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
		for range step - 1 { // skip pages
			var skip hindsight.IncidentPage
			if err := getJSON(*base+"/api/v1/incidents?sort=id&order=asc&limit=1000&cursor="+cursor, &skip); err != nil {
				return err
			}
			if skip.Next == "" {
				break
			}
			cursor = skip.Next
		}
	}
	for _, id := range ids {
		fmt.Println(*base + *path + id)
	}
	return nil
}

// get sends a GET with the API token of HINDSIGHT_TOKEN (serve puts every
// route behind sign-in) when it is set.
func get(client *http.Client, u string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if tok := os.Getenv("HINDSIGHT_TOKEN"); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return client.Do(req)
}

func getJSON(u string, v any) error {
	res, err := get(http.DefaultClient, u)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		return fmt.Errorf("%s: %d %s", u, res.StatusCode, b)
	}
	return json.NewDecoder(res.Body).Decode(v)
}

// reportCmd writes the Markdown report of drive results (JSON lines); the
// run named "baseline" is the reference of the ratios.
func reportCmd(args []string) error {
	fs := flag.NewFlagSet("report", flag.ExitOnError)
	n := fs.Int("n", 0, "incidents in the database")
	note := fs.String("note", "", "machine note")
	_ = fs.Parse(args)
	var rs []Result
	for _, path := range fs.Args() {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if !strings.HasPrefix(line, "{") {
				continue
			}
			var r Result
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				return err
			}
			rs = append(rs, r)
		}
	}
	var base float64
	for _, r := range rs {
		if r.Name == "baseline" {
			base = r.RPS
		}
	}
	fmt.Printf("| run | requests/s | ratio to baseline | p50 ms | p99 ms | max ms | errors | bytes/response | peak VmRSS MiB | peak RssAnon MiB |\n")
	fmt.Printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, r := range rs {
		ratio := "-"
		if base > 0 {
			ratio = fmt.Sprintf("%.2fx", r.RPS/base)
		}
		fmt.Printf("| %s | %.0f | %s | %.2f | %.2f | %.1f | %d | %d | %.1f | %.1f |\n", r.Name, r.RPS, ratio, r.P50ms, r.P99ms, r.Maxms, r.Errors, r.Bytes, r.PeakRSSMiB, r.PeakAnonMiB)
	}
	fmt.Printf("\n%d connections, %d incidents in the database. %s\n", connsOf(rs), *n, *note)
	return nil
}

func connsOf(rs []Result) int {
	if len(rs) == 0 {
		return 0
	}
	return rs[0].Conns
}
