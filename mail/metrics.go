package mail

import (
	"context"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/prometheus/client_golang/prometheus"
)

// The mail figures on /metrics.
var (
	descMessages = prometheus.NewDesc("hindsight_mail_messages",
		"Messages in the mail outbox by status: pending (queued or retrying), held (for a daily digest), sent, failed (gave up), dropped (the recipient may no longer receive it), digested (sent in a digest).",
		[]string{"status"}, nil)
	descScrapeErr = prometheus.NewDesc("hindsight_mail_scrape_error", "1 when reading the mail outbox failed.", nil, nil)
)

var mailStatuses = []string{hindsight.MailPending, hindsight.MailHeld, hindsight.MailSent, hindsight.MailFailed, hindsight.MailDropped, hindsight.MailDigested}

func newAttemptCounter() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hindsight_mail_attempts_total",
		Help: "Messages this process tried to send, by outcome: sent (the SMTP server took it), retry (failed, tried again later), gave_up (failed, retry window over) or dropped (not sent: the recipient may no longer receive it).",
	}, []string{"outcome"})
}

type collector struct{ m *Mailer }

// Collector returns the Prometheus collector of the mail outbox
// (hindsight_mail_messages{status}) and of this process's attempts
// (hindsight_mail_attempts_total{outcome}).
func (m *Mailer) Collector() prometheus.Collector { return collector{m} }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descMessages
	ch <- descScrapeErr
	c.m.attempts.Describe(ch)
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	c.m.attempts.Collect(ch)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := c.m.store.CountMail(ctx)
	if err != nil {
		c.m.log.Error("metrics: mail outbox", "err", err)
		ch <- prometheus.MustNewConstMetric(descScrapeErr, prometheus.GaugeValue, 1)
		return
	}
	ch <- prometheus.MustNewConstMetric(descScrapeErr, prometheus.GaugeValue, 0)
	for _, s := range mailStatuses {
		ch <- prometheus.MustNewConstMetric(descMessages, prometheus.GaugeValue, float64(n[s]), s)
	}
}
