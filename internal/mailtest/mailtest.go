// Package mailtest runs a real SMTP server for tests: Mailpit
// (github.com/axllent/mailpit), on random loopback ports, read through its
// HTTP API. Without the binary the tests that need it skip, unless
// HINDSIGHT_TEST_SMTP=1 (CI) makes its absence a failure.
package mailtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Version is the Mailpit the tests are written against (.ci/run installs
// it).
const Version = "v1.33.1"

// Binary finds Mailpit: $HINDSIGHT_MAILPIT_BIN, PATH, $GOBIN or
// $HOME/go/bin. Without one the test skips, unless HINDSIGHT_TEST_SMTP=1
// makes its absence a failure.
func Binary(t testing.TB) string {
	t.Helper()
	var candidates []string
	if p := os.Getenv("HINDSIGHT_MAILPIT_BIN"); p != "" {
		candidates = append(candidates, p)
	}
	if p, err := exec.LookPath("mailpit"); err == nil {
		candidates = append(candidates, p)
	}
	if d := os.Getenv("GOBIN"); d != "" {
		candidates = append(candidates, filepath.Join(d, "mailpit"))
	}
	if h, err := os.UserHomeDir(); err == nil {
		candidates = append(candidates, filepath.Join(h, "go", "bin", "mailpit"))
	}
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && !fi.IsDir() {
			return c
		}
	}
	msg := "no mailpit binary (PATH, $GOBIN, $HOME/go/bin or $HINDSIGHT_MAILPIT_BIN): install it with `go install github.com/axllent/mailpit@" + Version + "`"
	if os.Getenv("HINDSIGHT_TEST_SMTP") == "1" {
		t.Fatal(msg + " (HINDSIGHT_TEST_SMTP=1 requires it)")
	}
	t.Skip(msg)
	return ""
}

// Mailpit is a running (or stopped) Mailpit.
type Mailpit struct {
	// SMTPURL is its SMTP server as HINDSIGHT_SMTP_URL takes it (no
	// authentication, no TLS).
	SMTPURL string
	// API is the base URL of its HTTP API and web UI.
	API string
	// Args are more mailpit flags for Start (e.g.
	// "--smtp-allowed-recipients", "^bob@"), set before it.
	Args []string

	t        testing.TB
	bin, dir string
	smtpAddr string
	httpAddr string
	cmd      *exec.Cmd
	done     chan struct{}
}

// FreePort returns a loopback port nobody listens on (now).
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// New prepares a Mailpit on two random loopback ports without starting it
// (a test of an SMTP server that is down first); Start starts it.
func New(t testing.TB) *Mailpit {
	t.Helper()
	bin := Binary(t)
	m := &Mailpit{t: t, bin: bin, dir: t.TempDir(),
		smtpAddr: "127.0.0.1:" + strconv.Itoa(FreePort(t)), httpAddr: "127.0.0.1:" + strconv.Itoa(FreePort(t))}
	m.SMTPURL = "smtp://" + m.smtpAddr + "?starttls=0"
	m.API = "http://" + m.httpAddr
	t.Cleanup(m.Stop)
	return m
}

// StartMailpit starts a Mailpit on random loopback ports for the test
// (stopped at its end).
func StartMailpit(t testing.TB) *Mailpit {
	t.Helper()
	// FreePort's ports are free when picked, not when Mailpit binds them:
	// another test process (go test runs packages at once) can take one in
	// between, and Mailpit then exits with "address already in use". Its
	// ports are nobody's yet here, so pick others and start again.
	for attempt := 1; ; attempt++ {
		m := New(t)
		err := m.start()
		if err == nil {
			return m
		}
		if attempt == 5 || !strings.Contains(err.Error(), "address already in use") {
			t.Fatal(err)
		}
	}
}

// Start starts Mailpit (again, on the same ports, keeping what it received)
// and waits until its API answers.
func (m *Mailpit) Start() {
	m.t.Helper()
	if err := m.start(); err != nil {
		m.t.Fatal(err)
	}
}

func (m *Mailpit) start() error {
	if m.cmd != nil {
		return nil
	}
	args := append([]string{"--smtp", m.smtpAddr, "--listen", m.httpAddr, "--database", filepath.Join(m.dir, "mailpit.db"),
		"--smtp-auth-accept-any", "--smtp-auth-allow-insecure", "--disable-version-check", "--quiet"}, m.Args...)
	cmd := exec.Command(m.bin, args...)
	out, err := os.Create(filepath.Join(m.dir, "mailpit.log"))
	if err != nil {
		m.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("start mailpit: %w", err)
	}
	m.cmd, m.done = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); out.Close(); close(m.done) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(m.API + "/api/v1/info")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && m.smtpUp() {
				return nil
			}
		}
		select {
		case <-m.done:
			log, _ := os.ReadFile(filepath.Join(m.dir, "mailpit.log"))
			m.cmd = nil
			return fmt.Errorf("mailpit exited at start: %s", log)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("mailpit did not answer on %s within 60s", m.API)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (m *Mailpit) smtpUp() bool {
	c, err := net.DialTimeout("tcp", m.smtpAddr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// Stop stops Mailpit (its SMTP port refuses connections until Start).
func (m *Mailpit) Stop() {
	if m.cmd == nil {
		return
	}
	_ = m.cmd.Process.Kill()
	<-m.done
	m.cmd = nil
}

// Address is a sender or recipient.
type Address struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// Message is a message Mailpit received. List fills the summary fields;
// Get adds Text (with \n line ends), HTML and Headers.
type Message struct {
	ID        string    `json:"ID"`
	MessageID string    `json:"MessageID"`
	From      Address   `json:"From"`
	To        []Address `json:"To"`
	Subject   string    `json:"Subject"`
	Created   time.Time `json:"Created"`
	Text      string    `json:"Text"`
	HTML      string    `json:"HTML"`
	// Headers are the message's headers, by canonical name.
	Headers map[string][]string `json:"-"`
}

func (m *Mailpit) get(path string, v any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.API+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("mailpit GET %s: %s: %s", path, resp.Status, b)
	}
	return json.Unmarshal(b, v)
}

// List returns the messages received, newest first (their summaries).
func (m *Mailpit) List(t testing.TB) []Message {
	t.Helper()
	var out struct {
		Messages []Message `json:"messages"`
	}
	if err := m.get("/api/v1/messages?limit=1000", &out); err != nil {
		t.Fatal(err)
	}
	return out.Messages
}

// Get returns one message in full: text and HTML parts and headers.
func (m *Mailpit) Get(t testing.TB, id string) Message {
	t.Helper()
	var msg Message
	if err := m.get("/api/v1/message/"+id, &msg); err != nil {
		t.Fatal(err)
	}
	msg.Text = strings.ReplaceAll(msg.Text, "\r\n", "\n")
	if err := m.get("/api/v1/message/"+id+"/headers", &msg.Headers); err != nil {
		t.Fatal(err)
	}
	return msg
}

// Messages returns every message received in full, oldest first.
func (m *Mailpit) Messages(t testing.TB) []Message {
	t.Helper()
	list := m.List(t)
	out := make([]Message, 0, len(list))
	for i := len(list) - 1; i >= 0; i-- {
		out = append(out, m.Get(t, list[i].ID))
	}
	return out
}

// Wait polls until at least n messages arrived (or the timeout passes)
// and returns them in full, oldest first.
func (m *Mailpit) Wait(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		list := m.List(t)
		if len(list) >= n || time.Now().After(deadline) {
			return m.Messages(t)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// To returns the messages addressed to addr (case-insensitive).
func To(msgs []Message, addr string) []Message {
	var out []Message
	for _, m := range msgs {
		for _, a := range m.To {
			if strings.EqualFold(a.Address, addr) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}
