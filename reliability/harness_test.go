package reliability

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"
)

var fullFlag = flag.Bool("reliability.full", false, "run the long form of the reliability tests (also HINDSIGHT_RELIABILITY_FULL=1)")

// full reports whether the long form was asked for.
func full() bool { return *fullFlag || os.Getenv("HINDSIGHT_RELIABILITY_FULL") == "1" }

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binary builds cmd/hindsight once per test run and returns its path.
func binary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		goBin, err := exec.LookPath("go")
		if err != nil {
			goBin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
		}
		binDir, binErr = os.MkdirTemp("", "hindsight-reliability-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "hindsight")
		cmd := exec.Command(goBin, "build", "-o", binPath, "./cmd/hindsight")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build ./cmd/hindsight: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// syncBuffer collects a child's output safely.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 1<<20 { // keep the tail only
		tail := append([]byte(nil), s.b.Bytes()[s.b.Len()-(256<<10):]...)
		s.b.Reset()
		s.b.Write(tail)
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// instance is one `hindsight serve` child process over a database, always
// on the same address so clients survive its restarts.
type instance struct {
	t    testing.TB
	name string
	db   string // SQLite path or postgres:// URL
	dir  string // working directory
	addr string
	url  string
	env  []string // added to the environment of every run

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	out  *syncBuffer
	runs int
}

// freeAddr returns a free loopback address.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe starts `hindsight serve` over db and waits for /readyz. The
// process is stopped (SIGTERM) when the test ends.
func startServe(t testing.TB, name, db string) *instance {
	t.Helper()
	return startServeEnv(t, name, db)
}

// startServeEnv is startServe with env (KEY=value) added to the
// environment of every run of the process.
func startServeEnv(t testing.TB, name, db string, env ...string) *instance {
	t.Helper()
	in := &instance{t: t, name: name, db: db, dir: t.TempDir(), addr: freeAddr(t), env: env}
	in.url = "http://" + in.addr
	setToken(in.url, apiToken(t, db))
	in.start()
	t.Cleanup(in.stop)
	return in
}

// start runs the process and waits until /readyz answers 200.
func (in *instance) start() {
	in.t.Helper()
	in.mu.Lock()
	cmd := exec.Command(binary(in.t), "--db", in.db, "serve", "--addr", in.addr, "--log-level", "warn")
	cmd.Dir = in.dir
	cmd.Env = append(append(os.Environ(), "HINDSIGHT_LOG_FORMAT=text"), in.env...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		in.mu.Unlock()
		in.t.Fatalf("%s: start hindsight serve: %v", in.name, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	in.cmd, in.done, in.out = cmd, done, out
	in.runs++
	in.mu.Unlock()

	deadline := time.Now().Add(60 * time.Second)
	c := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-done:
			in.t.Fatalf("%s: hindsight serve exited before it was ready: %s\n%s", in.name, cmd.ProcessState, out.String())
		default:
		}
		res, err := c.Get(in.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				in.checkOpen(c)
				return
			}
		}
		if time.Now().After(deadline) {
			in.t.Fatalf("%s: /readyz not 200 after 60 s (last error %v)\n%s", in.name, err, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkOpen fails clearly when the API refuses the harness's token.
func (in *instance) checkOpen(c *http.Client) {
	in.t.Helper()
	res, err := do(http.MethodGet, in.url+"/api/v1/incidents?limit=1", nil, nil)
	if err != nil {
		return // a restart race; the workload copes
	}
	if res.status == http.StatusUnauthorized || res.status == http.StatusForbidden {
		in.t.Fatalf("%s: the API answers %d with the harness's admin token: %s", in.name, res.status, res.body)
	}
}

var (
	tokenMu  sync.Mutex
	dbTokens = map[string]string{} // database -> token of its admin
	urlToken = map[string]string{} // server base URL -> token
)

// apiToken returns a read-write API token of an admin account of db,
// creating the account and the token with the CLI (hindsight user add,
// hindsight token create) the first time: serve lets no anonymous caller
// in.
func apiToken(t testing.TB, db string) string {
	t.Helper()
	tokenMu.Lock()
	defer tokenMu.Unlock()
	if tok, ok := dbTokens[db]; ok {
		return tok
	}
	const email = "reliability@example.com"
	dir := t.TempDir()
	cmd := exec.Command(binary(t), "--db", db, "user", "add", email, "--role", "admin", "--name", "Reliability", "--password-stdin")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader("reliability-password-2026\n")
	if out, err := cmd.CombinedOutput(); err != nil && !strings.Contains(string(out), "exists") {
		t.Fatalf("hindsight user add: %v\n%s", err, out) // an account from a restored backup is fine
	}
	cmd = exec.Command(binary(t), "--db", db, "token", "create", "--user", email, "--name", "reliability tests", "--scope", "read-write", "--expires-in-days", "1")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("hindsight token create: %v\n%s", err, stderr.String())
	}
	tok := strings.TrimSpace(string(out))
	dbTokens[db] = tok
	return tok
}

// setToken makes do send tok to every URL under base.
func setToken(base, tok string) {
	tokenMu.Lock()
	urlToken[base] = tok
	tokenMu.Unlock()
}

func tokenFor(u string) string {
	tokenMu.Lock()
	defer tokenMu.Unlock()
	for base, tok := range urlToken {
		if strings.HasPrefix(u, base+"/") {
			return tok
		}
	}
	return ""
}

// kill sends SIGKILL and waits for the process to be gone.
func (in *instance) kill() {
	in.mu.Lock()
	cmd, done := in.cmd, in.done
	in.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// stop sends SIGTERM and waits (SIGKILL after 30 s).
func (in *instance) stop() {
	in.mu.Lock()
	cmd, done := in.cmd, in.done
	in.mu.Unlock()
	if cmd == nil {
		return
	}
	select {
	case <-done:
		return
	default:
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-done
	}
}

// logs is what the current process wrote.
func (in *instance) logs() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.out.String()
}

// response is an HTTP answer, read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

// client is an HTTP client for the tests: no keep-alive across kills
// matters, every request has a timeout.
var client = &http.Client{Timeout: 60 * time.Second}

// do sends one request; err is a transport error (no answer).
func do(method, u string, header map[string]string, body []byte) (response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		return response{}, err
	}
	if tok := tokenFor(u); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, err
	}
	return response{status: res.StatusCode, header: res.Header, body: b}, nil
}

// revisionOf reads the ETag of a response ("3" or W/"3").
func revisionOf(h http.Header) int {
	v := strings.Trim(strings.TrimPrefix(h.Get("ETag"), "W/"), `"`)
	n, _ := strconv.Atoi(v)
	return n
}

// md is the header set of a Markdown request that wants Markdown back.
func md(extra ...string) map[string]string {
	h := map[string]string{"Content-Type": "text/markdown; charset=utf-8", "Accept": "text/markdown"}
	for i := 0; i+1 < len(extra); i += 2 {
		h[extra[i]] = extra[i+1]
	}
	return h
}

// postgresURL returns a URL of a fresh schema of the test database
// (dropped when the test ends), skipping without HINDSIGHT_TEST_POSTGRES_URL
// and failing when it is set but unreachable.
func postgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("HINDSIGHT_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("HINDSIGHT_TEST_POSTGRES_URL is not set: skipping the PostgreSQL variant (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("HINDSIGHT_TEST_POSTGRES_URL is set but PostgreSQL is unreachable: %v", err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "hs_rel_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("HINDSIGHT_TEST_POSTGRES_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// integrityCheck opens a SQLite file with database/sql and the modernc
// driver and returns the result of PRAGMA integrity_check ("ok" when sound).
func integrityCheck(t testing.TB, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("PRAGMA integrity_check")
	if err != nil {
		t.Fatalf("integrity_check of %s: %v", path, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// runCLI runs the hindsight binary with args in dir and returns its
// combined output and exit code.
func runCLI(t testing.TB, dir string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		}
		t.Fatalf("hindsight %s: %v", strings.Join(args, " "), err)
	}
	return string(out), 0
}
