package server_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hindsight-pm/hindsight/internal/httpx"
	"github.com/hindsight-pm/hindsight/server"
)

// BenchmarkMiddleware compares a handler alone with the same handler behind
// the server's route table and middleware (log line to io.Discard).
func BenchmarkMiddleware(b *testing.B) {
	page := make([]byte, 13000)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(page) })
	wrapped, err := server.New(server.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		[]httpx.Route{{Pattern: "GET /incidents/{id}", Access: httpx.Read, Name: "page", Handler: h}})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{{"bare", h}, {"server", wrapped}} {
		b.Run(bc.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/incidents/INC-20261118-001", nil)
			b.ReportAllocs()
			for b.Loop() {
				bc.h.ServeHTTP(httptest.NewRecorder(), r)
			}
		})
	}
}
