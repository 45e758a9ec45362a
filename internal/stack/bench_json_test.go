package stack_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkIncidentJSONParallel serves GET /api/v1/incidents/{id} through
// the whole stack from 16 goroutines per CPU (bench/api/run.sh drives serve
// with 32 connections): its allocations per request are what the
// collector's share of a cached response's cost follows (the tail at 32
// connections, issue 16).
func BenchmarkIncidentJSONParallel(b *testing.B) {
	h, path, tok := incidentPageStack(b)
	path = "/api/v1" + path
	b.ReportAllocs()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		for pb.Next() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Errorf("status %d: %s", w.Code, w.Body)
				return
			}
		}
	})
}
