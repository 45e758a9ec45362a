// Package metrics serves /metrics in the Prometheus text format
// (prometheus/client_golang): incidents by severity and status and the open
// and overdue action items (queried from the store on scrape, cached
// briefly), HTTP request counts and latency histograms by route name (a
// middleware), database connection pool figures, and the Go runtime and
// process collectors.
package metrics

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/internal/httpx"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Options configure Metrics.
type Options struct {
	// Store answers the incident and action item gauges (nil: none).
	Store hindsight.InsightStore
	// Pools returns database pool figures by pool name (sqlstore's
	// PoolStats; nil: none).
	Pools func() map[string]sql.DBStats
	// CacheTTL is how long the store's gauges are reused between scrapes
	// (default 15s).
	CacheTTL time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Public serves /metrics without credentials; by default it needs
	// httpx.Read (a read token). Either way the store's figures count only
	// the incidents the caller may see (an anonymous caller: the
	// unrestricted ones; an admin: all).
	Public bool
	// Logger receives store errors during a scrape (nil: slog.Default()).
	Logger *slog.Logger
	// AlertInbox sizes the alert receivers' inbox (alerting's
	// Receivers.Backlog; nil: no inbox figures). Queried on each scrape.
	AlertInbox func(context.Context) (hindsight.AlertInboxStats, error)
}

// Metrics is the registry and the HTTP instruments.
type Metrics struct {
	reg      *prometheus.Registry
	store    *storeCollector // nil without a store
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inflight prometheus.Gauge
	opts     Options
}

// New returns Metrics with every collector registered.
func New(o Options) *Metrics {
	if o.CacheTTL <= 0 {
		o.CacheTTL = 15 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	m := &Metrics{reg: prometheus.NewRegistry(), opts: o}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hindsight_http_requests_total", Help: "HTTP requests by route name, method and status code.",
	}, []string{"route", "method", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "hindsight_http_request_duration_seconds", Help: "HTTP request latency by route name and method.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route", "method"})
	m.inflight = prometheus.NewGauge(prometheus.GaugeOpts{Name: "hindsight_http_requests_in_flight", Help: "HTTP requests being served."})
	m.reg.MustRegister(m.requests, m.latency, m.inflight,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if o.Store != nil {
		m.store = &storeCollector{o: o, cache: map[string]*gaugeEntry{}}
	}
	if o.Pools != nil {
		m.reg.MustRegister(&poolCollector{pools: o.Pools})
	}
	if o.AlertInbox != nil {
		m.reg.MustRegister(&inboxCollector{o: o})
	}
	return m
}

// Registry returns the registry, to register more collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus text format, with the
// store's figures as the request's actor may see them (app.ActorFrom):
// restricted incidents are counted only for their members and admins.
func (m *Metrics) Handler() http.Handler {
	opts := promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(m.opts.Logger.Handler(), slog.LevelError)}
	if m.store == nil {
		return promhttp.HandlerFor(m.reg, opts)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reg := prometheus.NewRegistry()
		reg.MustRegister(viewerCollector{c: m.store, v: app.ActorFrom(r.Context()).Viewer})
		promhttp.HandlerFor(prometheus.Gatherers{m.reg, reg}, opts).ServeHTTP(w, r)
	})
}

// Route is the /metrics entry of the route table.
func (m *Metrics) Route() httpx.Route {
	access := httpx.Read
	if m.opts.Public {
		access = httpx.Public
	}
	return httpx.Route{Pattern: "GET /metrics", Access: access, Name: "metrics", Handler: m.Handler()}
}

// Instrument returns a middleware counting the requests of the route named
// route and timing them.
func (m *Metrics) Instrument(route string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := m.opts.Now()
			m.inflight.Inc()
			rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
			defer func() {
				m.inflight.Dec()
				m.requests.WithLabelValues(route, r.Method, strconv.Itoa(rec.code)).Inc()
				m.latency.WithLabelValues(route, r.Method).Observe(m.opts.Now().Sub(start).Seconds())
			}()
			next.ServeHTTP(rec, r)
		})
	}
}

// Wrap returns routes with each handler instrumented under its route name.
func (m *Metrics) Wrap(routes []httpx.Route) []httpx.Route {
	out := make([]httpx.Route, len(routes))
	for i, rt := range routes {
		rt.Handler = m.Instrument(rt.Name)(rt.Handler)
		out[i] = rt
	}
	return out
}

// statusRecorder remembers the status code written.
type statusRecorder struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.code, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

var (
	incidentsDesc = prometheus.NewDesc("hindsight_incidents", "Incidents (not deleted) by severity and postmortem status.", []string{"severity", "status"}, nil)
	openDesc      = prometheus.NewDesc("hindsight_action_items_open", "Action items that are not Closed.", nil, nil)
	overdueDesc   = prometheus.NewDesc("hindsight_action_items_overdue", "Action items not Closed whose target date has passed.", nil, nil)
	scrapeErrDesc = prometheus.NewDesc("hindsight_store_scrape_error", "1 when the last query of the store's figures failed.", nil, nil)
)

// storeCollector queries the store's gauges as a viewer sees them,
// reusing each viewer's for CacheTTL.
type storeCollector struct {
	o     Options
	mu    sync.Mutex
	cache map[string]*gaugeEntry // by viewerKey
}

type gaugeEntry struct {
	at   time.Time
	last *hindsight.Gauges
	err  bool
}

// maxViewers bounds the cached figures (one set per viewer); past it they
// are all dropped.
const maxViewers = 1000

// viewerKey is who sees the same figures: every admin alike, else the
// account.
func viewerKey(v hindsight.Viewer) string {
	if v.SeesAll() {
		return "*"
	}
	return "u:" + v.UserID
}

// viewerCollector is the store's figures for one scrape's viewer.
type viewerCollector struct {
	c *storeCollector
	v hindsight.Viewer
}

func (vc viewerCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- incidentsDesc
	ch <- openDesc
	ch <- overdueDesc
	ch <- scrapeErrDesc
}

func (vc viewerCollector) Collect(ch chan<- prometheus.Metric) {
	c := vc.c
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.o.Now()
	key := viewerKey(vc.v)
	e := c.cache[key]
	if e == nil {
		if len(c.cache) >= maxViewers {
			clear(c.cache)
		}
		e = &gaugeEntry{}
		c.cache[key] = e
	}
	if e.last == nil || now.Sub(e.at) >= c.o.CacheTTL {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		g, err := c.o.Store.Gauges(ctx, vc.v, now)
		cancel()
		e.err = err != nil
		if err != nil {
			c.o.Logger.Error("metrics: store gauges", "err", err)
		} else {
			e.last, e.at = g, now
		}
	}
	errVal := 0.0
	if e.err {
		errVal = 1
	}
	ch <- prometheus.MustNewConstMetric(scrapeErrDesc, prometheus.GaugeValue, errVal)
	if e.last == nil {
		return
	}
	for _, x := range e.last.Incidents {
		ch <- prometheus.MustNewConstMetric(incidentsDesc, prometheus.GaugeValue, float64(x.N), string(x.Severity), x.Status.Label())
	}
	ch <- prometheus.MustNewConstMetric(openDesc, prometheus.GaugeValue, float64(e.last.OpenItems))
	ch <- prometheus.MustNewConstMetric(overdueDesc, prometheus.GaugeValue, float64(e.last.OverdueItems))
}

var (
	poolOpen     = prometheus.NewDesc("hindsight_db_open_connections", "Open connections of a database pool.", []string{"pool"}, nil)
	poolInUse    = prometheus.NewDesc("hindsight_db_in_use_connections", "Connections in use.", []string{"pool"}, nil)
	poolIdle     = prometheus.NewDesc("hindsight_db_idle_connections", "Idle connections.", []string{"pool"}, nil)
	poolMax      = prometheus.NewDesc("hindsight_db_max_open_connections", "Maximum open connections (0: unlimited).", []string{"pool"}, nil)
	poolWait     = prometheus.NewDesc("hindsight_db_wait_count_total", "Connections waited for.", []string{"pool"}, nil)
	poolWaitSecs = prometheus.NewDesc("hindsight_db_wait_duration_seconds_total", "Time spent waiting for a connection.", []string{"pool"}, nil)
)

// poolCollector exports sql.DBStats of each pool.
type poolCollector struct {
	pools func() map[string]sql.DBStats
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolOpen, poolInUse, poolIdle, poolMax, poolWait, poolWaitSecs} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	for name, s := range c.pools() {
		ch <- prometheus.MustNewConstMetric(poolOpen, prometheus.GaugeValue, float64(s.OpenConnections), name)
		ch <- prometheus.MustNewConstMetric(poolInUse, prometheus.GaugeValue, float64(s.InUse), name)
		ch <- prometheus.MustNewConstMetric(poolIdle, prometheus.GaugeValue, float64(s.Idle), name)
		ch <- prometheus.MustNewConstMetric(poolMax, prometheus.GaugeValue, float64(s.MaxOpenConnections), name)
		ch <- prometheus.MustNewConstMetric(poolWait, prometheus.CounterValue, float64(s.WaitCount), name)
		ch <- prometheus.MustNewConstMetric(poolWaitSecs, prometheus.CounterValue, s.WaitDuration.Seconds(), name)
	}
}

var (
	inboxEntries = prometheus.NewDesc("hindsight_alert_inbox_entries", "Alert deliveries accepted (202) and not yet applied to their incidents.", nil, nil)
	inboxEvents  = prometheus.NewDesc("hindsight_alert_inbox_events", "Alert events those deliveries carry.", nil, nil)
	inboxClaimed = prometheus.NewDesc("hindsight_alert_inbox_claimed_entries", "Inbox entries being applied or waiting to be tried again.", nil, nil)
	inboxAge     = prometheus.NewDesc("hindsight_alert_inbox_oldest_age_seconds", "Age of the oldest inbox entry (0 when the inbox is empty).", nil, nil)
	inboxErr     = prometheus.NewDesc("hindsight_alert_inbox_scrape_error", "1 when sizing the alert inbox failed.", nil, nil)
)

// inboxCollector sizes the alert inbox on each scrape: a backlog that
// grows, or an oldest entry that ages, is an applier that does not keep up.
type inboxCollector struct{ o Options }

func (c *inboxCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{inboxEntries, inboxEvents, inboxClaimed, inboxAge, inboxErr} {
		ch <- d
	}
}

func (c *inboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	st, err := c.o.AlertInbox(ctx)
	cancel()
	if err != nil {
		c.o.Logger.Error("metrics: alert inbox", "err", err)
		ch <- prometheus.MustNewConstMetric(inboxErr, prometheus.GaugeValue, 1)
		return
	}
	ch <- prometheus.MustNewConstMetric(inboxErr, prometheus.GaugeValue, 0)
	age := 0.0
	if !st.Oldest.IsZero() {
		age = max(0, c.o.Now().Sub(st.Oldest).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(inboxEntries, prometheus.GaugeValue, float64(st.Entries))
	ch <- prometheus.MustNewConstMetric(inboxEvents, prometheus.GaugeValue, float64(st.Events))
	ch <- prometheus.MustNewConstMetric(inboxClaimed, prometheus.GaugeValue, float64(st.Claimed))
	ch <- prometheus.MustNewConstMetric(inboxAge, prometheus.GaugeValue, age)
}
