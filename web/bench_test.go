package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkPages measures the handlers alone (no network) on a real SQLite
// store: the incident page (with lint and figures), the list and search.
func BenchmarkPages(b *testing.B) {
	e := newEnvTB(b)
	ex := e.example("INC-20260312-001-checkout-database-failover.md")
	h := e.srv.Config.Handler
	for _, p := range []string{"/incidents/" + ex.ID, "/incidents/" + ex.ID + "?uncached", "/incidents", "/incidents?q=failover"} {
		b.Run(p, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
				if rec.Code != 200 {
					b.Fatal(rec.Code)
				}
			}
		})
	}
}
