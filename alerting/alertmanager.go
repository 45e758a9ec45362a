package alerting

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// AlertmanagerPayload is Alertmanager's webhook payload, version 4, as its
// documentation describes it. Only the fields Hindsight reads are declared
// (Hindsight does not import Alertmanager's module). An example:
//
//	{
//	  "version": "4",
//	  "groupKey": "{}:{alertname=\"HighLatency\"}",
//	  "truncatedAlerts": 0,
//	  "status": "firing",
//	  "receiver": "hindsight",
//	  "groupLabels": {"alertname": "HighLatency"},
//	  "commonLabels": {"alertname": "HighLatency", "severity": "critical", "service": "checkout"},
//	  "commonAnnotations": {"summary": "Checkout p99 latency above 2s"},
//	  "externalURL": "http://alertmanager.example:9093",
//	  "alerts": [{
//	    "status": "firing",
//	    "labels": {"alertname": "HighLatency", "instance": "api-1:9100", "severity": "critical", "service": "checkout"},
//	    "annotations": {"summary": "Checkout p99 latency above 2s"},
//	    "startsAt": "2026-11-26T10:03:12.511Z",
//	    "endsAt": "0001-01-01T00:00:00Z",
//	    "generatorURL": "http://prometheus.example:9090/graph?g0.expr=...",
//	    "fingerprint": "c0ffee0123456789"
//	  }]
//	}
type AlertmanagerPayload struct {
	Version           string              `json:"version"`
	GroupKey          string              `json:"groupKey"`
	TruncatedAlerts   int                 `json:"truncatedAlerts"`
	Status            string              `json:"status"`
	Receiver          string              `json:"receiver"`
	GroupLabels       map[string]string   `json:"groupLabels"`
	CommonLabels      map[string]string   `json:"commonLabels"`
	CommonAnnotations map[string]string   `json:"commonAnnotations"`
	ExternalURL       string              `json:"externalURL"`
	Alerts            []AlertmanagerAlert `json:"alerts"`
}

// AlertmanagerAlert is one alert of a notification.
type AlertmanagerAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     Time              `json:"startsAt"`
	EndsAt       Time              `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// DecodeAlertmanager parses and checks a payload; the error says what is
// wrong and where.
func DecodeAlertmanager(body []byte) (*AlertmanagerPayload, error) {
	var p AlertmanagerPayload
	if err := decodeJSON(body, &p); err != nil {
		return nil, err
	}
	if p.Version != "4" {
		return nil, bad("version: %q is not supported: want \"4\" (Alertmanager webhook payload version 4)", p.Version)
	}
	if strings.TrimSpace(p.GroupKey) == "" {
		return nil, bad("groupKey: required")
	}
	if p.Status != "firing" && p.Status != "resolved" {
		return nil, bad("status: %q: want firing or resolved", p.Status)
	}
	if len(p.Alerts) == 0 {
		return nil, bad("alerts: at least one alert is required")
	}
	for i := range p.Alerts {
		a := &p.Alerts[i]
		if a.Status != "firing" && a.Status != "resolved" {
			return nil, bad("alerts[%d].status: %q: want firing or resolved", i, a.Status)
		}
		if a.StartsAt.IsZero() {
			return nil, bad("alerts[%d].startsAt: required", i)
		}
		if a.Status == "resolved" && a.EndsAt.IsZero() {
			return nil, bad("alerts[%d].endsAt: required for a resolved alert", i)
		}
		if a.Fingerprint == "" {
			a.Fingerprint = labelsFingerprint(a.Labels)
		}
	}
	return &p, nil
}

// decodeJSON reads a receiver's payload with httpx's one decoder (the
// receivers keep the raw bytes for their senders' signatures, so they
// decode bytes, not the request): unknown fields are allowed, as senders
// add fields over time; every failure is a 400 bad_request naming the field
// as the sender wrote it.
func decodeJSON(body []byte, v any) error {
	if err := (httpx.Decoder{AllowUnknown: true}).Bytes(body, v); err != nil {
		return malformed("%s", hindsight.ErrorMessage(err))
	}
	return nil
}

// labelsFingerprint stands in for a missing fingerprint: a hash of the
// sorted labels.
func labelsFingerprint(labels map[string]string) string {
	h := sha256.New()
	for _, k := range sortedKeys(labels) {
		fmt.Fprintf(h, "%s\x00%s\x00", k, labels[k])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func eventKey(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// alertmanagerChange maps a notification to a change: one row per alert
// firing or resolving (Alertmanager resends the alerts of a group with each
// notification; the key groupKey+fingerprint+status+startsAt makes a resent
// alert a duplicate).
func (r *Receivers) alertmanagerChange(p *AlertmanagerPayload) change {
	c := change{source: SourceAlertmanager, group: p.GroupKey, closes: p.Status == "resolved"}
	name := p.CommonLabels["alertname"]
	if name == "" {
		name = p.GroupLabels["alertname"]
	}
	summary := firstOf(p.CommonAnnotations, "summary", "title", "description")
	switch {
	case name != "" && summary != "":
		c.open.title = name + ": " + summary
	case name != "":
		c.open.title = name
	case summary != "":
		c.open.title = summary
	default:
		c.open.title = "Alert group " + labelText(p.GroupLabels, nil)
	}
	c.open.title = cellText(c.open.title)
	c.open.detectedBy = "Monitoring (Alertmanager"
	if p.Receiver != "" {
		c.open.detectedBy += ", receiver " + p.Receiver
	}
	c.open.detectedBy += ")"
	var lastEnd time.Time
	for _, a := range p.Alerts {
		if a.EndsAt.After(lastEnd) {
			lastEnd = a.EndsAt.Time
		}
	}
	// in time order, so services and rows do not depend on the order
	// Alertmanager lists the alerts in
	alerts := slices.Clone(p.Alerts)
	slices.SortStableFunc(alerts, func(a, b AlertmanagerAlert) int {
		if c := a.StartsAt.Compare(b.StartsAt.Time); c != 0 {
			return c
		}
		return strings.Compare(a.Fingerprint, b.Fingerprint)
	})
	for _, a := range alerts {
		if c.open.start.IsZero() || a.StartsAt.Before(c.open.start) {
			c.open.start = a.StartsAt.Time
		}
		if s := r.severity(a.Labels[r.cfg.SeverityLabel]); s.Valid() && (!c.open.severity.Valid() || s.Level() < c.open.severity.Level()) {
			c.open.severity = s
		}
		for _, l := range r.cfg.ServiceLabels {
			if v := strings.TrimSpace(a.Labels[l]); v != "" {
				if !slices.Contains(c.open.services, v) {
					c.open.services = append(c.open.services, v)
				}
				break
			}
		}
		an := a.Labels["alertname"]
		if an == "" {
			an = name
		}
		text := an
		if s := firstOf(a.Annotations, "summary", "title", "description"); s != "" {
			text += " — " + s
		}
		if l := labelText(a.Labels, p.CommonLabels); l != "" {
			text += " (" + l + ")"
		}
		rw := row{key: eventKey(p.GroupKey, a.Fingerprint, a.Status, a.StartsAt.UTC().Format(time.RFC3339Nano)), label: "Alertmanager"}
		if a.Status == "firing" {
			rw.at, rw.text = a.StartsAt.Time, "Alert firing: "+text
		} else {
			rw.at, rw.text = a.EndsAt.Time, "Alert resolved: "+text
			if c.closes {
				rw.effect = effect{effectEnd, lastEnd}
			}
		}
		c.rows = append(c.rows, rw)
	}
	return c
}

func firstOf(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := strings.TrimSpace(m[k]); v != "" {
			return v
		}
	}
	return ""
}

// labelText renders the labels not in common, sorted: k=v, k=v.
func labelText(labels, common map[string]string) string {
	var parts []string
	for _, k := range sortedKeys(labels) {
		if k == "alertname" || (common != nil && common[k] == labels[k]) {
			continue
		}
		parts = append(parts, k+"="+labels[k])
	}
	return strings.Join(parts, ", ")
}

func (r *Receivers) serveAlertmanager(w http.ResponseWriter, req *http.Request) {
	if ok, why := tokenOK(req, r.cfg.AlertmanagerToken); !ok {
		r.unauthorized(w, req, SourceAlertmanager, why)
		return
	}
	body, err := r.readBody(w, req)
	if err != nil {
		r.fail(w, req, SourceAlertmanager, err)
		return
	}
	p, err := DecodeAlertmanager(body)
	if err != nil {
		r.fail(w, req, SourceAlertmanager, err)
		return
	}
	status, res, err := r.accept(req.Context(), r.alertmanagerChange(p))
	if err != nil {
		r.fail(w, req, SourceAlertmanager, err)
		return
	}
	writeJSON(w, status, res)
}
