package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestPprofAddr: --pprof takes loopback host:port only, unless
// --pprof-allow-remote, and never the public --addr.
func TestPprofAddr(t *testing.T) {
	cases := []struct {
		addr   string
		remote bool
		err    string
	}{
		{"127.0.0.1:6060", false, ""},
		{"[::1]:6060", false, ""},
		{"localhost:6060", false, ""},
		{"127.0.0.2:0", false, ""},
		{"0.0.0.0:6060", false, "not a loopback address"},
		{":6060", false, "not a loopback address"},
		{"192.0.2.7:6060", false, "--pprof-allow-remote"},
		{"pprof.example.com:6060", false, "not a loopback address"},
		{"0.0.0.0:6060", true, ""},
		{"6060", false, "want host:port"},
		{"127.0.0.1:8080", false, "public address"},
		{"127.0.0.1:8080", true, "public address"},
	}
	for _, c := range cases {
		err := checkPprofAddr(c.addr, "127.0.0.1:8080", c.remote)
		if c.err == "" && err != nil || c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("checkPprofAddr(%q, remote %v) = %v, want %q", c.addr, c.remote, err, c.err)
		}
	}
	code, _, stderr := runCLI(t, "serve", "--pprof", "0.0.0.0:6060", "--db", filepath.Join(t.TempDir(), "x.db"))
	if code != 2 || !strings.Contains(stderr, `--pprof "0.0.0.0:6060": not a loopback address`) {
		t.Errorf("serve --pprof 0.0.0.0:6060: exit %d, stderr %q; want 2", code, stderr)
	}
}

var pprofRe = regexp.MustCompile(`Profiler \(net/http/pprof\) on (http://\S+)`)

// TestServePprof: serve --pprof answers net/http/pprof on its own listener;
// the public listener does not serve it.
func TestServePprof(t *testing.T) {
	var out syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, &app{stdout: &out, stderr: io.Discard, db: filepath.Join(t.TempDir(), "a.db")}, serveFlags{addr: "127.0.0.1:0", pprof: "127.0.0.1:0"})
	}()
	base := waitListening(t, &out, nil)
	var prof string
	for deadline := time.Now().Add(10 * time.Second); prof == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := pprofRe.FindStringSubmatch(out.String()); m != nil {
			prof = m[1]
		}
	}
	if prof == "" {
		t.Fatalf("no profiler address in %q", out.String())
	}
	res, err := http.Get(prof + "cmdline")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || len(b) == 0 {
		t.Errorf("GET %scmdline: %d %q, want 200 and the command line", prof, res.StatusCode, b)
	}
	res, err = http.Get(prof + "heap?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), "heap profile") {
		t.Errorf("GET %sheap: %d, want 200 and a heap profile", prof, res.StatusCode)
	}
	res, err = http.Get(base + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode == http.StatusOK && strings.Contains(string(b), "test") {
		t.Errorf("the public listener serves the profiler: %d %q", res.StatusCode, b)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
