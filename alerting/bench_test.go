package alerting_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func benchPayload(i, groups int) string {
	g := i % groups
	return fmt.Sprintf(`{"version":"4","groupKey":"{}:{group=\"g%d\"}","status":"firing","receiver":"hindsight",
"commonLabels":{"alertname":"Bench","group":"g%d","service":"svc-%d","severity":"warning"},
"alerts":[{"status":"firing","labels":{"alertname":"Bench","group":"g%d","instance":"h%d","service":"svc-%d","severity":"warning"},
"annotations":{"summary":"alert %d"},"startsAt":"%s","endsAt":"0001-01-01T00:00:00Z","fingerprint":"%016x"}]}`,
		g, g, g%20, g, i, g%20, i, now.Add(-time.Hour+time.Duration(i)*time.Millisecond).Format(time.RFC3339Nano), i)
}

// BenchmarkIntake measures one delivery of one new alert (in-process, no
// network) into one of 100 groups over SQLite, up to its answer: the events
// recorded in the inbox, not applied. See bench/webhooks for the load test.
func BenchmarkIntake(b *testing.B) { runIntake(b, false, false) }

// BenchmarkIntakeApplied is BenchmarkIntake with the inbox applied after
// each delivery (Drain): the whole cost of an alert when saves are not
// coalesced (the first 100 open a Draft each, the rest add a row).
func BenchmarkIntakeApplied(b *testing.B) { runIntake(b, false, true) }

// BenchmarkResend measures a resent delivery (all duplicates: a read only).
func BenchmarkResend(b *testing.B) { runIntake(b, true, false) }

func runIntake(b *testing.B, resend, apply bool) {
	e := newBenchEnv(b)
	const groups = 100
	post := func(body string) {
		req := httptest.NewRequest("POST", "/hooks/alertmanager?token="+amToken, strings.NewReader(body))
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, req)
		if w.Code != 200 && w.Code != 202 {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
		if apply {
			if _, err := e.r.Drain(b.Context()); err != nil {
				b.Fatal(err)
			}
		}
	}
	first := benchPayload(0, groups)
	post(first)
	i := 1
	b.ResetTimer()
	for b.Loop() {
		if resend {
			post(first)
		} else {
			post(benchPayload(i, groups))
		}
		i++
	}
}
