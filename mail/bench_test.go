package mail

import (
	"fmt"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight/internal/mailtest"
)

// BenchmarkSend measures the worker end to end on SQLite and a real
// Mailpit: one review event for 50 accounts read from the outbox, queued,
// rendered and sent (10 per SMTP connection); ms/message is the figure.
//
//	go test ./mail -run '^$' -bench BenchmarkSend -benchtime 10x
func BenchmarkSend(b *testing.B) {
	mp := mailtest.StartMailpit(b)
	st := openSQLite(b)
	clk := &clock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	m := newMailer(b, st, mp.SMTPURL, clk)
	const per = 50
	var ids []string
	for i := range per {
		ids = append(ids, addUser(b, st, fmt.Sprintf("usr_%03d", i), fmt.Sprintf("User %d", i)).ID)
	}
	inc := incident(b, st, "Bench", false, nil)
	b.ResetTimer()
	sent := 0
	for range b.N {
		queue(b, st, inc, ev("review.requested", inc, ids, nil))
		s, err := m.Tick(b.Context())
		if err != nil || s.Sent != per {
			b.Fatalf("tick %+v, %v; want %d sent", s, err, per)
		}
		sent += s.Sent
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(sent), "ms/message")
}
