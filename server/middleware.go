package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"time"
)

type recordKey struct{}

// record is what the request log learns while the request is served.
type record struct {
	route string
}

// statusWriter records the status and the bytes written.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer (Flush,
// deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests writes one log line per request: method, path, route,
// status, duration, bytes and remote address.
func logRequests(next http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &record{}
		sw := &statusWriter{ResponseWriter: w}
		r = r.WithContext(context.WithValue(r.Context(), recordKey{}, rec))
		defer func() {
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			logger.LogAttrs(r.Context(), level, "request",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("route", rec.route),
				slog.Int("status", status),
				slog.Duration("duration", time.Since(start)),
				slog.Int64("bytes", sw.bytes),
				slog.String("remote", r.RemoteAddr),
			)
		}()
		next.ServeHTTP(sw, r)
	})
}

// securityHeaders sets the security headers of every response; a handler
// may replace them (a stricter CSP, say) before it writes.
func securityHeaders(next http.Handler, csp string, hsts bool) http.Handler {
	// the values are made once and shared by every response (Set would
	// allocate each one per request, the largest part of a cached
	// response's garbage): a handler that sets or adds to one of these
	// headers gets a slice of its own (Set replaces it, Add appends past
	// its capacity), so the shared ones are never written
	type header struct {
		key string // canonical
		val []string
	}
	hs := []header{
		{"Content-Security-Policy", []string{csp}},
		{"X-Content-Type-Options", []string{"nosniff"}},
		{"Referrer-Policy", []string{"same-origin"}},
		{"X-Frame-Options", []string{"DENY"}},
		{"Cross-Origin-Opener-Policy", []string{"same-origin"}},
	}
	if hsts {
		// no includeSubDomains: other hosts of the domain are not ours
		hs = append(hs, header{"Strict-Transport-Security", []string{"max-age=31536000"}})
	}
	for i := range hs {
		hs[i].val = slices.Clip(hs[i].val)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for _, x := range hs {
			h[x.key] = x.val
		}
		next.ServeHTTP(w, r)
	})
}

// limitBody bounds every request body: reading past the limit fails with
// *http.MaxBytesError, which handlers answer with 413. A declared
// Content-Length over the limit is refused at once.
func limitBody(next http.Handler, limit int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			writeError(w, r, http.StatusRequestEntityTooLarge, "too_large", "request body is over the limit of "+itoa(limit)+" bytes")
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	if n == 0 {
		return "0"
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// recoverPanics turns a panic in a handler into a 500 with no details for
// the client, and logs it with the stack. http.ErrAbortHandler is passed
// on (it aborts the response on purpose).
func recoverPanics(next http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(p)
			}
			logger.ErrorContext(r.Context(), "panic in handler", "method", r.Method, "path", r.URL.Path, "panic", p, "stack", stack())
			if sw, ok := w.(*statusWriter); ok && sw.status != 0 {
				// the response has begun: the connection is all that can be ended
				panic(http.ErrAbortHandler)
			}
			writeError(w, r, http.StatusInternalServerError, "internal", "internal error")
		}()
		next.ServeHTTP(w, r)
	})
}
