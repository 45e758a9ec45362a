// Command soak is Hindsight's soak test: it seeds a SQLite database with
// generated incidents, starts the real `hindsight serve` on it as a child
// process, and drives a steady mixed load (reads, lists, searches, saves,
// lint calls) at a fixed rate for a fixed time. It reports the error count
// (goal: 0), the p99 latency of every minute, and the server's resident
// memory (VmRSS from /proc/PID/status) at the start and the end (goal: no
// growth beyond 20%), as a Markdown section.
//
//	go run ./bench/soak -duration 10m -rate 40 -out /tmp/soak.md
//
// bench/soak/run.sh runs it and puts the section into docs/benchmarks.md.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/internal/gen"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// words are the search queries (the store benchmark's).
var words = []string{"database", "certificate expired", "connection pool exhausted", "latency", "rollback deploy",
	"kafka consumer lag", "dns", "customer data exposure", "memory leak", "rate limit"}

// ops and their share of the load, in percent.
var mix = []struct {
	op    string
	share int
}{{"read", 40}, {"list", 10}, {"search", 20}, {"save", 15}, {"lint", 15}}

func main() {
	bin := flag.String("bin", "", "hindsight binary (default: go build ./cmd/hindsight into a temp dir)")
	dur := flag.Duration("duration", 10*time.Minute, "how long to drive the load")
	rate := flag.Int("rate", 40, "requests per second, steady (an open loop: late answers do not slow it)")
	n := flag.Int("n", 2000, "incidents to seed")
	out := flag.String("out", "", "write the Markdown section here (default: stdout)")
	flag.Parse()
	if err := run(*bin, *dur, *rate, *n, *out); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

func run(bin string, dur time.Duration, rate, n int, out string) error {
	tmp, err := os.MkdirTemp("", "hindsight-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if bin == "" {
		bin = filepath.Join(tmp, "hindsight")
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/hindsight")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build: %w", err)
		}
	}
	db := filepath.Join(tmp, "soak.db")
	fmt.Fprintf(os.Stderr, "seeding %d incidents into %s\n", n, db)
	ids, docs, err := seed(db, n)
	if err != nil {
		return err
	}
	token, err := apiToken(bin, db, tmp)
	if err != nil {
		return err
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	base := "http://" + addr
	srv := exec.Command(bin, "--db", db, "serve", "--addr", addr, "--log-level", "warn")
	srv.Dir = tmp
	var logs bytes.Buffer
	srv.Stdout, srv.Stderr = &logs, &logs
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() {
		_ = srv.Process.Signal(syscall.SIGTERM)
		_ = srv.Wait()
	}()
	if err := waitReady(base); err != nil {
		return fmt.Errorf("%w\n%s", err, logs.String())
	}
	pid := srv.Process.Pid
	rssStart := memory(pid)
	fmt.Fprintf(os.Stderr, "serve pid %d ready at %s, VmRSS %d KiB; %v at %d req/s\n", pid, base, rssStart.rss, dur, rate)

	d := &driver{base: base, token: token, ids: ids, docs: docs, client: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	res := d.drive(dur, rate, pid)
	rssEnd := memory(pid)
	section := report(res, dur, rate, n, rssStart, rssEnd)
	if out == "" {
		fmt.Print(section)
		return nil
	}
	return os.WriteFile(out, []byte(section), 0o644)
}

// seed stores n generated incidents (seed 1) and returns their IDs and a
// few documents for the lint calls.
func seed(db string, n int) ([]string, [][]byte, error) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, db, sqlite.Options{Render: markdown.Render})
	if err != nil {
		return nil, nil, err
	}
	defer st.Close()
	svc := app.New(st, app.Options{})
	g := gen.New(1)
	var ids []string
	var docs [][]byte
	for i := range n {
		p := g.Postmortem()
		in, err := svc.Create(ctx, app.System, p, app.CreateOptions{KeepID: true, Message: "soak seed"})
		if err != nil {
			return nil, nil, fmt.Errorf("seed %d: %w", i, err)
		}
		ids = append(ids, in.ID)
		if len(docs) < 50 {
			docs = append(docs, in.Markdown)
		}
	}
	return ids, docs, nil
}

// apiToken adds an editor account to db and returns a read-write API token
// of it, with the CLI (hindsight user add, hindsight token create).
func apiToken(bin, db, dir string) (string, error) {
	const email = "soak@example.com"
	cmd := exec.Command(bin, "--db", db, "user", "add", email, "--role", "editor", "--name", "Soak", "--password-stdin")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader("soak-password-2026\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("hindsight user add: %w\n%s", err, out)
	}
	cmd = exec.Command(bin, "--db", db, "token", "create", "--user", email, "--name", "soak", "--scope", "read-write", "--expires-in-days", "1")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("hindsight token create: %w\n%s", err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitReady(base string) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s/readyz not ready after 60 s", base)
}

// mem is a process's resident memory in KiB: all of it (VmRSS), its
// anonymous part (RssAnon: heap, stacks) and its file-backed part (RssFile:
// the binary and the pages of the SQLite file it maps).
type mem struct{ rss, anon, file int }

// memory reads /proc/PID/status (zeros when unknown).
func memory(pid int) mem {
	var m mem
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return m
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		switch name {
		case "VmRSS":
			m.rss = k
		case "RssAnon":
			m.anon = k
		case "RssFile":
			m.file = k
		}
	}
	return m
}

func mib(k int) string { return strconv.FormatFloat(float64(k)/1024, 'f', 1, 64) }

// sample is one request's outcome.
type sample struct {
	op      string
	minute  int
	latency time.Duration
	err     string // "" when the answer was as expected
}

type driver struct {
	base   string
	token  string // an API token: serve lets no anonymous caller in
	ids    []string
	docs   [][]byte
	client *http.Client
}

// result is what a run measured.
type result struct {
	samples   []sample
	rssMinute []mem // memory at the end of each minute
	conflicts int64
	late      int64 // ticks skipped because too many requests were in flight
}

// drive sends rate requests a second for dur: an open loop, each request
// in its own goroutine (at most 256 in flight; beyond that a tick is
// counted as late and skipped, which would show as an overload).
func (d *driver) drive(dur time.Duration, rate int, pid int) result {
	var (
		mu       sync.Mutex
		res      result
		wg       sync.WaitGroup
		inflight atomic.Int64
		conflict atomic.Int64
	)
	start := time.Now()
	end := start.Add(dur)
	nextMinute := start.Add(time.Minute)
	r := rand.New(rand.NewPCG(1, 2))
	// The schedule is fixed: request i is due at start + i/rate, whatever
	// happened to the ones before (an open loop, no dropped ticks).
	for i := 0; ; i++ {
		due := start.Add(time.Duration(i) * time.Second / time.Duration(rate))
		if !due.Before(end) {
			wg.Wait()
			res.conflicts = conflict.Load()
			res.rssMinute = append(res.rssMinute, memory(pid))
			return res
		}
		if !due.Before(nextMinute) {
			res.rssMinute = append(res.rssMinute, memory(pid))
			nextMinute = nextMinute.Add(time.Minute)
		}
		time.Sleep(time.Until(due))
		if inflight.Load() >= 256 {
			res.late++
			continue
		}
		x, op := r.IntN(100), ""
		for _, m := range mix {
			if x < m.share {
				op = m.op
				break
			}
			x -= m.share
		}
		id := d.ids[r.IntN(len(d.ids))]
		word := words[r.IntN(len(words))]
		doc := d.docs[r.IntN(len(d.docs))]
		seq := i
		inflight.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer inflight.Add(-1)
			t0 := due // latency counts from when the request was due: a late send is a slow answer
			errText := d.do(op, id, word, doc, seq, &conflict)
			s := sample{op: op, minute: int(t0.Sub(start) / time.Minute), latency: time.Since(t0), err: errText}
			mu.Lock()
			res.samples = append(res.samples, s)
			mu.Unlock()
		}()
	}
}

// do runs one operation and returns "" or what went wrong.
func (d *driver) do(op, id, word string, doc []byte, seq int, conflict *atomic.Int64) string {
	switch op {
	case "read":
		return d.expect(http.MethodGet, "/api/v1/incidents/"+id, nil, nil, 200)
	case "list":
		return d.expect(http.MethodGet, "/api/v1/incidents?limit=50&status=Published", nil, nil, 200)
	case "search":
		return d.expect(http.MethodGet, "/api/v1/search?q="+url.QueryEscape(word), nil, nil, 200)
	case "lint":
		return d.expect(http.MethodPost, "/api/v1/lint", map[string]string{"Content-Type": "text/markdown"}, doc, 200)
	case "save":
		st, h, body, err := d.send(http.MethodGet, "/api/v1/incidents/"+id, map[string]string{"Accept": "text/markdown"}, nil)
		if err != nil || st != 200 {
			return fmt.Sprintf("save: get %d %v", st, err)
		}
		p, _ := markdown.Parse(body)
		p.References = append(p.References, fmt.Sprintf("Soak note %d", seq))
		if len(p.References) > 20 {
			p.References = p.References[len(p.References)-20:]
		}
		st, _, body, err = d.send(http.MethodPut, "/api/v1/incidents/"+id+"?message=soak",
			map[string]string{"Content-Type": "text/markdown", "If-Match": h.Get("ETag")}, markdown.Render(p))
		if err == nil && (st == http.StatusPreconditionFailed || st == http.StatusConflict) {
			conflict.Add(1) // another save won the race: the expected answer
			return ""
		}
		if err != nil || st != 200 {
			return fmt.Sprintf("save: put %d %v %.200s", st, err, body)
		}
		return ""
	}
	return "unknown op " + op
}

func (d *driver) expect(method, path string, h map[string]string, body []byte, want int) string {
	st, _, b, err := d.send(method, path, h, body)
	if err != nil {
		return fmt.Sprintf("%s %s: %v", method, path, err)
	}
	if st != want {
		return fmt.Sprintf("%s %s: %d %.200s", method, path, st, b)
	}
	return ""
}

func (d *driver) send(method, path string, h map[string]string, body []byte) (int, http.Header, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, d.base+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+d.token)
	for k, v := range h {
		req.Header.Set(k, v)
	}
	res, err := d.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b, err
}

func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p / 100)
	return s[i]
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64)
}

func report(res result, dur time.Duration, rate, n int, rssStart, rssEnd mem) string {
	var b strings.Builder
	errs := 0
	var errSamples []string
	minutes := int((dur + time.Minute - 1) / time.Minute)
	perMin := make([][]time.Duration, minutes+1)
	perOp := map[string][]time.Duration{}
	for _, s := range res.samples {
		if s.err != "" {
			errs++
			if len(errSamples) < 5 {
				errSamples = append(errSamples, s.err)
			}
		}
		perMin[min(s.minute, minutes)] = append(perMin[min(s.minute, minutes)], s.latency)
		perOp[s.op] = append(perOp[s.op], s.latency)
	}
	// Growth is measured from the end of the first minute (caches and the
	// SQLite page cache and mmap warm up in it) to the end; the cold figure
	// at readiness is shown too.
	warm := rssStart
	if len(res.rssMinute) > 1 {
		warm = res.rssMinute[0]
	}
	growth := func(a, b int) float64 {
		if a == 0 {
			return 0
		}
		return 100 * float64(b-a) / float64(a)
	}
	pass := func(ok bool) string {
		if ok {
			return "pass"
		}
		return "**FAIL**"
	}
	fmt.Fprintf(&b, "## Soak\n\n")
	fmt.Fprintf(&b, "Measured %s on %d CPUs with `bench/soak/run.sh -duration %v -rate %d -n %d`: the real `hindsight serve` on a\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.NumCPU(), dur, rate, n)
	fmt.Fprintf(&b, "SQLite file seeded with %d generated incidents, driven at a steady %d requests/s (open loop) with\n", n, rate)
	fmt.Fprintf(&b, "40%% reads, 10%% lists, 20%% searches, 15%% saves (GET + PUT with If-Match; a 412 from a racing save is\n")
	fmt.Fprintf(&b, "the expected answer, counted apart) and 15%% lint calls.\n\n")
	fmt.Fprintf(&b, "| figure | value | goal | result |\n| --- | --- | --- | --- |\n")
	got := float64(len(res.samples)) / dur.Seconds()
	fmt.Fprintf(&b, "| requests sent on schedule | %d in %v (%.1f/s) | steady %d/s | %s |\n", len(res.samples), dur, got, rate, pass(res.late == 0 && got >= 0.95*float64(rate)))
	fmt.Fprintf(&b, "| errors (transport, 5xx, unexpected status) | %d | 0 | %s |\n", errs, pass(errs == 0))
	fmt.Fprintf(&b, "| save conflicts (412, expected) | %d | - | - |\n", res.conflicts)
	fmt.Fprintf(&b, "| server VmRSS at readiness (cold) | %s MiB (anonymous %s, file-backed %s) | - | - |\n", mib(rssStart.rss), mib(rssStart.anon), mib(rssStart.file))
	fmt.Fprintf(&b, "| server VmRSS after the first minute → end | %s → %s MiB (%+.1f%%) | growth ≤ 20%% | %s |\n",
		mib(warm.rss), mib(rssEnd.rss), growth(warm.rss, rssEnd.rss), pass(growth(warm.rss, rssEnd.rss) <= 20))
	fmt.Fprintf(&b, "| of which anonymous (RssAnon: heap, stacks) | %s → %s MiB (%+.1f%%) | growth ≤ 20%% | %s |\n",
		mib(warm.anon), mib(rssEnd.anon), growth(warm.anon, rssEnd.anon), pass(growth(warm.anon, rssEnd.anon) <= 20))
	if h := len(res.rssMinute) / 2; h >= 2 {
		mid := res.rssMinute[h-1]
		fmt.Fprintf(&b, "| of which anonymous, second half (end of minute %d → end) | %s → %s MiB (%+.1f%%) | growth ≤ 20%% | %s |\n",
			h, mib(mid.anon), mib(rssEnd.anon), growth(mid.anon, rssEnd.anon), pass(growth(mid.anon, rssEnd.anon) <= 20))
	}
	fmt.Fprintf(&b, "| of which file-backed (RssFile: binary, SQLite file mapped with mmap) | %s → %s MiB | - | - |\n", mib(warm.file), mib(rssEnd.file))
	var all []time.Duration
	for _, s := range res.samples {
		all = append(all, s.latency)
	}
	fmt.Fprintf(&b, "| latency p50 / p99 / max, whole run | %s / %s / %s ms | - | - |\n\n", ms(pct(all, 50)), ms(pct(all, 99)), ms(pct(all, 100)))
	fmt.Fprintf(&b, "p99 latency and memory per minute:\n\n| minute | requests | p50 ms | p99 ms | VmRSS MiB at its end | RssAnon MiB | RssFile MiB |\n| --- | --- | --- | --- | --- | --- | --- |\n")
	for m := range minutes {
		r := "| | |"
		if m < len(res.rssMinute) {
			x := res.rssMinute[m]
			r = mib(x.rss) + " | " + mib(x.anon) + " | " + mib(x.file) + " |"
		}
		fmt.Fprintf(&b, "| %d | %d | %s | %s | %s\n", m+1, len(perMin[m]), ms(pct(perMin[m], 50)), ms(pct(perMin[m], 99)), r)
	}
	fmt.Fprintf(&b, "\nPer operation (whole run):\n\n| operation | requests | p50 ms | p99 ms |\n| --- | --- | --- | --- |\n")
	for _, m := range mix {
		fmt.Fprintf(&b, "| %s | %d | %s | %s |\n", m.op, len(perOp[m.op]), ms(pct(perOp[m.op], 50)), ms(pct(perOp[m.op], 99)))
	}
	if len(errSamples) > 0 {
		fmt.Fprintf(&b, "\nFirst errors:\n\n")
		for _, e := range errSamples {
			fmt.Fprintf(&b, "- `%s`\n", strings.ReplaceAll(e, "`", "'"))
		}
	}
	return b.String()
}
