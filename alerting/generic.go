package alerting

import (
	"net/http"
	"strings"
	"time"
)

// GenericAlert is the generic endpoint's schema (docs/integrations.md):
//
//	{
//	  "title": "Checkout p99 latency above 2s",  // required when it opens an incident
//	  "severity": "critical",                     // SEV-1..SEV-4 or a mapped word; optional
//	  "services": ["checkout"],                   // optional
//	  "time": "2026-11-26T10:03:00Z",             // RFC 3339; optional, default: receipt
//	  "event": "p99 latency 2.4s on api-1",       // required: the timeline row
//	  "dedup_key": "checkout-latency-1",          // required: a retry with it changes nothing
//	  "group": "checkout-latency",                // optional: events of a group go to one incident (default: title)
//	  "resolved": false,                          // optional: true sets End and closes the group
//	  "source": "nagios"                          // optional: the Source column (default "generic")
//	}
type GenericAlert struct {
	Title    string   `json:"title"`
	Severity string   `json:"severity"`
	Services []string `json:"services"`
	Time     *Time    `json:"time"`
	Event    string   `json:"event"`
	DedupKey string   `json:"dedup_key"`
	Group    string   `json:"group"`
	Resolved bool     `json:"resolved"`
	Source   string   `json:"source"`
}

// DecodeGeneric parses and checks a generic alert.
func DecodeGeneric(body []byte) (*GenericAlert, error) {
	var g GenericAlert
	if err := decodeJSON(body, &g); err != nil {
		return nil, err
	}
	if strings.TrimSpace(g.DedupKey) == "" {
		return nil, bad("dedup_key: required")
	}
	if strings.TrimSpace(g.Event) == "" {
		return nil, bad("event: required (the timeline row's text)")
	}
	if strings.TrimSpace(g.Group) == "" && strings.TrimSpace(g.Title) == "" {
		return nil, bad("title: required (or group)")
	}
	if len(g.Services) > 50 {
		return nil, bad("services: at most 50")
	}
	for i, s := range g.Services {
		if strings.TrimSpace(s) == "" {
			return nil, bad("services[%d]: empty", i)
		}
	}
	if g.Time != nil && g.Time.IsZero() {
		return nil, bad("time: zero time")
	}
	return &g, nil
}

func (r *Receivers) genericChange(g *GenericAlert, now time.Time) (change, error) {
	group := strings.TrimSpace(g.Group)
	if group == "" {
		group = strings.TrimSpace(g.Title)
	}
	c := change{source: SourceGeneric, group: group, closes: g.Resolved}
	c.open.title = cellText(g.Title)
	if c.open.title == "" {
		c.open.title = cellText(group)
	}
	if g.Severity != "" {
		c.open.severity = r.severity(g.Severity)
		if !c.open.severity.Valid() {
			return change{}, bad("severity: %q: want SEV-1..SEV-4 or one of the mapped words (critical, error, warning, info...)", g.Severity)
		}
	}
	for _, s := range g.Services {
		c.open.services = append(c.open.services, strings.TrimSpace(s))
	}
	at := now
	if g.Time != nil {
		at = g.Time.Time
	}
	c.open.start = at
	label := strings.TrimSpace(g.Source)
	if label == "" {
		label = SourceGeneric
	}
	c.open.detectedBy = "Monitoring (" + cellText(label) + ")"
	rw := row{key: g.DedupKey, at: at, text: g.Event, label: label}
	if g.Resolved {
		rw.effect = effect{effectEnd, at}
	}
	c.rows = []row{rw}
	return c, nil
}

func (r *Receivers) serveGeneric(w http.ResponseWriter, req *http.Request) {
	if ok, why := tokenOK(req, r.cfg.GenericToken); !ok {
		r.unauthorized(w, req, SourceGeneric, why)
		return
	}
	body, err := r.readBody(w, req)
	if err != nil {
		r.fail(w, req, SourceGeneric, err)
		return
	}
	g, err := DecodeGeneric(body)
	if err != nil {
		r.fail(w, req, SourceGeneric, err)
		return
	}
	c, err := r.genericChange(g, r.svc.Now())
	if err != nil {
		r.fail(w, req, SourceGeneric, err)
		return
	}
	status, res, err := r.accept(req.Context(), c)
	if err != nil {
		r.fail(w, req, SourceGeneric, err)
		return
	}
	writeJSON(w, status, res)
}
