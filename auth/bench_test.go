package auth_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/auth"
)

// BenchmarkHashPassword is the cost of one sign-in's password check with
// the production parameters.
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := auth.HashPassword("correct horse battery staple", auth.DefaultParams); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWrap is the per-request cost of the access check on a Read
// route (SQLite store): by session cookie, by bearer token, anonymous.
func BenchmarkWrap(b *testing.B) {
	for _, by := range []string{"session", "token", "anonymous"} {
		b.Run(by, func(b *testing.B) {
			w := newBenchWorld(b)
			u, err := w.auth.AddUser(b.Context(), systemActor, auth.NewUser{Email: "bench@example.com", Role: hindsight.RoleViewer, Password: "bench password 1"})
			if err != nil {
				b.Fatal(err)
			}
			req := httptest.NewRequest("GET", "/fake/public", nil)
			switch by {
			case "session":
				c, err := w.auth.SessionCookie(b.Context(), u, "192.0.2.1", "bench")
				if err != nil {
					b.Fatal(err)
				}
				req.AddCookie(c)
			case "token":
				secret, _, err := w.auth.CreateToken(b.Context(), systemActor, u.ID, "bench", hindsight.ScopeRead, 0)
				if err != nil {
					b.Fatal(err)
				}
				req.Header.Set("Authorization", "Bearer "+secret)
			}
			b.ResetTimer()
			for b.Loop() {
				rec := httptest.NewRecorder()
				w.h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatal(rec.Code)
				}
			}
		})
	}
}
