package server_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight/internal/httpx"
	"github.com/hindsight-pm/hindsight/server"
)

func testRoutes() []httpx.Route {
	return []httpx.Route{
		{Pattern: "GET /hello", Access: httpx.Read, Name: "hello", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "hello")
		})},
		{Pattern: "POST /echo", Access: httpx.Write, Name: "echo", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, err := io.ReadAll(r.Body)
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				http.Error(w, "too large", http.StatusRequestEntityTooLarge)
				return
			}
			_, _ = w.Write(b)
		})},
		{Pattern: "GET /panic", Access: httpx.Read, Name: "panic", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			panic("secret detail")
		})},
		{Pattern: "GET /api/v1/panic", Access: httpx.Read, Name: "api.panic", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			panic(errors.New("secret detail"))
		})},
		{Pattern: "GET /admin", Access: httpx.Admin, Name: "admin", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "admin")
		})},
		{Pattern: "GET /csp", Access: httpx.Public, Name: "csp", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Security-Policy", "default-src 'none'")
			w.Header().Add("X-Frame-Options", "SAMEORIGIN")
			_, _ = io.WriteString(w, "own policy")
		})},
	}
}

func newHandler(t *testing.T, cfg server.Config) (http.Handler, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	h, err := server.New(cfg, testRoutes())
	if err != nil {
		t.Fatal(err)
	}
	return h, &logs
}

func TestMiddleware(t *testing.T) {
	h, logs := newHandler(t, server.Config{MaxBodyBytes: 16})
	tests := []struct {
		name, method, path, body string
		chunked                  bool
		status                   int
		bodyHas, bodyHasNot      string
		contentType              string
	}{
		{name: "ok", method: "GET", path: "/hello", status: 200, bodyHas: "hello"},
		{name: "healthz", method: "GET", path: "/healthz", status: 200, bodyHas: `"ok"`, contentType: "application/json"},
		{name: "readyz without check", method: "GET", path: "/readyz", status: 200, bodyHas: `"ready"`},
		{name: "body within limit", method: "POST", path: "/echo", body: "0123456789", status: 200, bodyHas: "0123456789"},
		{name: "declared body over limit", method: "POST", path: "/echo", body: strings.Repeat("x", 17), status: 413, bodyHas: "limit of 16 bytes"},
		{name: "streamed body over limit", method: "POST", path: "/echo", body: strings.Repeat("x", 40), chunked: true, status: 413},
		{name: "panic", method: "GET", path: "/panic", status: 500, bodyHasNot: "secret", contentType: "text/plain; charset=utf-8"},
		{name: "panic under api", method: "GET", path: "/api/v1/panic", status: 500, bodyHas: `"code":"internal"`, bodyHasNot: "secret", contentType: "application/json"},
		{name: "unknown path", method: "GET", path: "/nothing", status: 404},
		{name: "wrong method", method: "DELETE", path: "/hello", status: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs.Reset()
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
				if tt.chunked {
					body = io.MultiReader(strings.NewReader(tt.body)) // unknown length
				}
			}
			r := httptest.NewRequest(tt.method, tt.path, body)
			if tt.chunked {
				r.ContentLength = -1
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if tt.bodyHas != "" && !strings.Contains(rec.Body.String(), tt.bodyHas) {
				t.Errorf("body %q lacks %q", rec.Body, tt.bodyHas)
			}
			if tt.bodyHasNot != "" && strings.Contains(rec.Body.String(), tt.bodyHasNot) {
				t.Errorf("body %q shows %q", rec.Body, tt.bodyHasNot)
			}
			if tt.contentType != "" && rec.Header().Get("Content-Type") != tt.contentType {
				t.Errorf("Content-Type %q", rec.Header().Get("Content-Type"))
			}
			hd := rec.Header()
			for k, want := range map[string]string{
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "same-origin",
				"X-Frame-Options":        "DENY",
			} {
				if hd.Get(k) != want {
					t.Errorf("%s = %q, want %q", k, hd.Get(k), want)
				}
			}
			if csp := hd.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("CSP %q", csp)
			}
			// one log line with the request's facts
			line := strings.TrimSpace(logs.String())
			if strings.Count(line, "msg=request") != 1 {
				t.Fatalf("log: %q", line)
			}
			for _, want := range []string{"method=" + tt.method, "path=" + tt.path, "status=" + itoa(tt.status), "duration=", "bytes="} {
				if !strings.Contains(line, want) {
					t.Errorf("log line %q lacks %q", line, want)
				}
			}
			if tt.status == 500 && !strings.Contains(logs.String(), "secret detail") {
				t.Errorf("the panic is not logged: %q", logs.String())
			}
		})
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func TestHandlersMayReplaceHeaders(t *testing.T) {
	h, _ := newHandler(t, server.Config{})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/csp", nil))
	if got := rec.Header().Get("Content-Security-Policy"); got != "default-src 'none'" {
		t.Fatalf("CSP %q", got)
	}
}

// TestSharedSecurityHeaders: the security headers' values are shared by
// every response; a handler that replaces or adds to one (GET /csp sets
// the CSP and adds an X-Frame-Options value) changes its own response
// only.
func TestSharedSecurityHeaders(t *testing.T) {
	h, _ := newHandler(t, server.Config{})
	for i := range 3 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/csp", nil))
		if got := rec.Header().Values("X-Frame-Options"); len(got) != 2 || got[0] != "DENY" || got[1] != "SAMEORIGIN" {
			t.Fatalf("request %d: X-Frame-Options %q", i, got)
		}
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		hd := rec.Header()
		if got := hd.Values("X-Frame-Options"); len(got) != 1 || got[0] != "DENY" {
			t.Fatalf("request %d: X-Frame-Options %q after a handler added one", i, got)
		}
		if csp := hd.Get("Content-Security-Policy"); csp == "default-src 'none'" || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Fatalf("request %d: CSP %q after a handler replaced its own", i, csp)
		}
		if hd.Get("Referrer-Policy") != "same-origin" || hd.Get("X-Content-Type-Options") != "nosniff" || hd.Get("Cross-Origin-Opener-Policy") != "same-origin" {
			t.Fatalf("request %d: headers %v", i, hd)
		}
	}
}

func TestReadyz(t *testing.T) {
	for _, tt := range []struct {
		name   string
		err    error
		status int
	}{{"ready", nil, 200}, {"database down", errors.New("connection refused"), 503}} {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := newHandler(t, server.Config{Ready: func(context.Context) error { return tt.err }})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
			if rec.Code != tt.status || strings.Contains(rec.Body.String(), "refused") {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
		})
	}
}

func TestRouteTableErrors(t *testing.T) {
	ok := http.NotFoundHandler()
	tests := []struct {
		name   string
		routes []httpx.Route
		want   string
	}{
		{"duplicate", []httpx.Route{{Pattern: "GET /a", Name: "a", Handler: ok}, {Pattern: "GET /a", Name: "b", Handler: ok}}, "both have the pattern"},
		{"no name", []httpx.Route{{Pattern: "GET /a", Handler: ok}}, "needs a pattern, a name and a handler"},
		{"no handler", []httpx.Route{{Pattern: "GET /a", Name: "a"}}, "needs a pattern, a name and a handler"},
		{"bad pattern", []httpx.Route{{Pattern: "GET /a/{", Name: "a", Handler: ok}}, "route a"},
		{"conflicting patterns", []httpx.Route{{Pattern: "GET /a/{x}", Name: "a", Handler: ok}, {Pattern: "GET /a/{y}", Name: "b", Handler: ok}}, "route b"},
		{"clash with healthz", []httpx.Route{{Pattern: "GET /healthz", Name: "mine", Handler: ok}}, "both have the pattern"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := server.New(server.Config{}, tt.routes)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want %q", err, tt.want)
			}
		})
	}
}

func TestHTTPServerTimeouts(t *testing.T) {
	s := server.HTTPServer("127.0.0.1:0", http.NotFoundHandler(), nil)
	if s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= 0 || s.WriteTimeout <= 0 || s.IdleTimeout <= 0 || s.MaxHeaderBytes <= 0 {
		t.Fatalf("unset limits: %+v", s)
	}
}

// TestGracefulShutdown starts a real server, holds a request in flight,
// stops the server, and checks that the request still completes while new
// connections are refused.
func TestGracefulShutdown(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	slow := []httpx.Route{{Pattern: "GET /slow", Access: httpx.Read, Name: "slow", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		_, _ = io.WriteString(w, "finished")
	})}}
	h, err := server.New(server.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, slow)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Serve(ctx, server.HTTPServer(addr, h, nil), ln, 10*time.Second) }()

	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		res, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		got <- result{res.StatusCode, string(b), err}
	}()
	<-entered
	stop() // as SIGTERM does in hindsight serve

	// the listener closes: new connections are refused while the request runs
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts connections after shutdown began")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("Serve returned %v before the request in flight finished", err)
	default:
	}
	close(release)
	r := <-got
	if r.err != nil || r.status != 200 || r.body != "finished" {
		t.Fatalf("request in flight: %+v", r)
	}
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

func TestCrossOriginProtection(t *testing.T) {
	h, _ := newHandler(t, server.Config{TrustedOrigins: []string{"https://hindsight.example.com"}})
	tests := []struct {
		name    string
		method  string
		path    string
		headers map[string]string
		status  int
	}{
		{"same origin", "POST", "/echo", map[string]string{"Sec-Fetch-Site": "same-origin"}, 200},
		{"no browser headers (curl, webhooks)", "POST", "/echo", nil, 200},
		{"cross site", "POST", "/echo", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"cross site API", "POST", "/api/v1/panic", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"other origin", "POST", "/echo", map[string]string{"Origin": "https://evil.example"}, 403},
		{"trusted origin", "POST", "/echo", map[string]string{"Origin": "https://hindsight.example.com", "Sec-Fetch-Site": "cross-site"}, 200},
		{"cross site read", "GET", "/hello", map[string]string{"Sec-Fetch-Site": "cross-site"}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.path, strings.NewReader("x"))
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != tt.status {
				t.Fatalf("%d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if tt.status == 403 && strings.HasPrefix(tt.path, "/api/") && !strings.Contains(rec.Body.String(), `"code":"forbidden"`) {
				t.Errorf("body %s", rec.Body)
			}
		})
	}
	if _, err := server.New(server.Config{TrustedOrigins: []string{"not a url"}}); err == nil {
		t.Error("a malformed trusted origin is accepted")
	}
}
