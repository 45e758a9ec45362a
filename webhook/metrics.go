package webhook

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The webhook figures on /metrics, per subscription (labelled by its ID,
// never its URL: a URL can hold a token, as Slack's and Teams' do).
var (
	descPending = prometheus.NewDesc("hindsight_webhook_pending_deliveries",
		"Deliveries waiting to be sent (queued, retrying, or paused while the webhook is disabled).", []string{"webhook"}, nil)
	descOldest = prometheus.NewDesc("hindsight_webhook_oldest_pending_age_seconds",
		"Age of the event of the oldest pending delivery (0 when none is pending): a receiver that does not keep up.", []string{"webhook"}, nil)
	descActive = prometheus.NewDesc("hindsight_webhook_active",
		"1 while the webhook is enabled, 0 while it is disabled (its deliveries paused).", []string{"webhook"}, nil)
	descScrapeErr = prometheus.NewDesc("hindsight_webhook_scrape_error", "1 when reading the webhook queues failed.", nil, nil)
)

// collector reads the queues on each scrape and adds the attempt counters
// of this process.
type collector struct{ w *Webhooks }

// Collector returns the Prometheus collector of the webhook queues (one
// row per subscription: pending deliveries, the oldest one's age, enabled)
// and of this process's delivery attempts by outcome
// (hindsight_webhook_attempts_total{webhook, outcome} with outcome
// delivered, retry or gave_up).
func (w *Webhooks) Collector() prometheus.Collector { return collector{w} }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPending, descOldest, descActive, descScrapeErr} {
		ch <- d
	}
	c.w.attempts.Describe(ch)
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	c.w.attempts.Collect(ch)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	subs, err := c.w.store.FindWebhooks(ctx)
	if err != nil {
		c.w.log.Error("metrics: webhook queues", "err", err)
		ch <- prometheus.MustNewConstMetric(descScrapeErr, prometheus.GaugeValue, 1)
		return
	}
	ch <- prometheus.MustNewConstMetric(descScrapeErr, prometheus.GaugeValue, 0)
	now := c.w.now()
	for _, s := range subs {
		id := strconv.FormatInt(s.ID, 10)
		age, active := 0.0, 0.0
		if !s.OldestPending.IsZero() {
			age = max(0, now.Sub(s.OldestPending).Seconds())
		}
		if s.Active {
			active = 1
		}
		ch <- prometheus.MustNewConstMetric(descPending, prometheus.GaugeValue, float64(s.Pending), id)
		ch <- prometheus.MustNewConstMetric(descOldest, prometheus.GaugeValue, age, id)
		ch <- prometheus.MustNewConstMetric(descActive, prometheus.GaugeValue, active, id)
	}
}

func newAttemptCounter() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hindsight_webhook_attempts_total",
		Help: "Delivery attempts made by this process, by webhook and outcome: delivered (2xx), retry (failed, tried again later) or gave_up (failed, retry window over).",
	}, []string{"webhook", "outcome"})
}
