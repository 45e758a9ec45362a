package alerting

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

// PagerDutyWebhook is a PagerDuty V3 webhook payload: one event. Only the
// fields Hindsight reads are declared. An example (incident.acknowledged):
//
//	{
//	  "event": {
//	    "id": "01DEN1HNLBC1VITYDUQ0CPQ1ZI",
//	    "event_type": "incident.acknowledged",
//	    "resource_type": "incident",
//	    "occurred_at": "2026-11-26T10:09:45.213Z",
//	    "agent": {"id": "PLH1HKV", "summary": "Tenex Engineer", "type": "user_reference"},
//	    "client": {"name": "PagerDuty"},
//	    "data": {
//	      "id": "PGR0VU2", "type": "incident", "number": 2, "status": "acknowledged",
//	      "incident_key": "d3640fbd41094207a1c11e58e46b1662",
//	      "created_at": "2026-11-26T10:03:27Z",
//	      "title": "Checkout p99 latency above 2s",
//	      "service": {"id": "PF9KMXH", "summary": "checkout", "type": "service_reference"},
//	      "assignees": [{"id": "PTUXL6G", "summary": "User 123", "type": "user_reference"}],
//	      "priority": {"id": "PSO75BM", "summary": "P1", "type": "priority_reference"},
//	      "urgency": "high",
//	      "html_url": "https://acme.pagerduty.com/incidents/PGR0VU2"
//	    }
//	  }
//	}
//
// For incident.annotated, data is an incident_note:
// {"incident": {"id": "PGR0VU2", "summary": "...", "type": "incident_reference"},
// "id": "P2LA89X", "content": "note text", "type": "incident_note"}.
type PagerDutyWebhook struct {
	Event PagerDutyEvent `json:"event"`
}

// PagerDutyEvent is the event of a V3 webhook.
type PagerDutyEvent struct {
	ID           string        `json:"id"`
	EventType    string        `json:"event_type"`
	ResourceType string        `json:"resource_type"`
	OccurredAt   Time          `json:"occurred_at"`
	Agent        *PagerDutyRef `json:"agent"`
	Data         PagerDutyData `json:"data"`
}

// PagerDutyRef is a reference to a PagerDuty object.
type PagerDutyRef struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Summary string `json:"summary"`
	HTMLURL string `json:"html_url"`
}

// PagerDutyData is the union of the event data types Hindsight reads:
// incident, incident_note, incident_status_update and incident_responder.
type PagerDutyData struct {
	ID        string         `json:"id"`
	Type      string         `json:"type"`
	Number    int            `json:"number"`
	Status    string         `json:"status"`
	Title     string         `json:"title"`
	CreatedAt Time           `json:"created_at"`
	HTMLURL   string         `json:"html_url"`
	Urgency   string         `json:"urgency"`
	Service   *PagerDutyRef  `json:"service"`
	Assignees []PagerDutyRef `json:"assignees"`
	Priority  *PagerDutyRef  `json:"priority"`
	Incident  *PagerDutyRef  `json:"incident"`
	Content   string         `json:"content"`
	Message   string         `json:"message"`
	User      *PagerDutyRef  `json:"user"`
}

// VerifyPagerDuty reports whether header (X-PagerDuty-Signature: one or
// more comma-separated v1=<hex HMAC-SHA256 of body>) holds a signature of
// body by one of secrets. Comparisons are constant-time.
func VerifyPagerDuty(body []byte, header string, secrets []string) bool {
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		v, ok := strings.CutPrefix(strings.TrimSpace(part), "v1=")
		if !ok {
			continue
		}
		if b, err := hex.DecodeString(v); err == nil && len(b) == sha256.Size {
			sigs = append(sigs, b)
		}
	}
	ok := false
	for _, s := range secrets {
		if s == "" {
			continue
		}
		m := hmac.New(sha256.New, []byte(s))
		m.Write(body)
		want := m.Sum(nil)
		for _, got := range sigs {
			if hmac.Equal(got, want) {
				ok = true
			}
		}
	}
	return ok
}

// DecodePagerDuty parses and checks a V3 webhook payload.
func DecodePagerDuty(body []byte) (*PagerDutyWebhook, error) {
	var p PagerDutyWebhook
	if err := decodeJSON(body, &p); err != nil {
		return nil, err
	}
	e := &p.Event
	if strings.TrimSpace(e.ID) == "" {
		return nil, bad("event.id: required")
	}
	if strings.TrimSpace(e.EventType) == "" {
		return nil, bad("event.event_type: required")
	}
	if e.ResourceType == "incident" || strings.HasPrefix(e.EventType, "incident.") {
		if e.OccurredAt.IsZero() {
			return nil, bad("event.occurred_at: required")
		}
		if pagerDutyIncidentID(e) == "" {
			return nil, bad("event.data: no incident ID (data.id for an incident, data.incident.id otherwise)")
		}
	}
	return &p, nil
}

func pagerDutyIncidentID(e *PagerDutyEvent) string {
	if e.Data.Type == "incident" || (e.Data.Incident == nil && e.Data.ID != "") {
		return e.Data.ID
	}
	if e.Data.Incident != nil {
		return e.Data.Incident.ID
	}
	return ""
}

// pagerDutyChange maps an event to a change; ok is false for events that
// change nothing (pings, service events).
func (r *Receivers) pagerDutyChange(p *PagerDutyWebhook) (change, bool) {
	e := &p.Event
	if e.ResourceType != "incident" && !strings.HasPrefix(e.EventType, "incident.") {
		return change{}, false
	}
	id := pagerDutyIncidentID(e)
	c := change{source: SourcePagerDuty, group: id}
	d := &e.Data
	c.open.title = d.Title
	if c.open.title == "" && d.Incident != nil {
		c.open.title = d.Incident.Summary
	}
	if c.open.title == "" {
		c.open.title = "PagerDuty incident " + id
	}
	c.open.title = cellText(c.open.title)
	c.open.start = d.CreatedAt.Time
	if c.open.start.IsZero() {
		c.open.start = e.OccurredAt.Time
	}
	if d.Service != nil && d.Service.Summary != "" {
		c.open.services = []string{d.Service.Summary}
	}
	if d.Priority != nil {
		c.open.severity = r.severity(d.Priority.Summary)
	}
	if !c.open.severity.Valid() && d.Urgency != "" {
		c.open.severity = r.severity(d.Urgency)
	}
	c.open.detectedBy = "Monitoring (PagerDuty)"
	who := "PagerDuty"
	if e.Agent != nil && e.Agent.Summary != "" {
		who = e.Agent.Summary
	}
	num := ""
	if d.Number > 0 {
		num = " #" + strconv.Itoa(d.Number)
	}
	rw := row{key: e.ID, at: e.OccurredAt.Time, label: "PagerDuty"}
	switch e.EventType {
	case "incident.triggered":
		rw.text = "PagerDuty incident" + num + " triggered: " + c.open.title
		if d.Service != nil && d.Service.Summary != "" {
			rw.text += " (service " + d.Service.Summary + ")"
		}
	case "incident.acknowledged":
		rw.text = "Acknowledged by " + who
		rw.effect = effect{effectTTA, e.OccurredAt.Time}
	case "incident.escalated":
		rw.text = "Escalated"
		if names := refNames(d.Assignees); names != "" {
			rw.text += " to " + names
		}
	case "incident.resolved":
		// the group (the PagerDuty incident) stays open: notes added
		// after the resolution, or a reopening, belong to the same
		// postmortem
		rw.text = "Resolved by " + who
		rw.effect = effect{effectEnd, e.OccurredAt.Time}
	case "incident.reopened":
		rw.text = "Reopened by " + who
		rw.effect = effect{kind: effectReopen}
	case "incident.annotated":
		rw.text = "Note by " + who + ": " + d.Content
	case "incident.status_update_published":
		rw.text = "Status update: " + d.Message
	default:
		rw.text = "PagerDuty " + strings.TrimPrefix(e.EventType, "incident.") + " by " + who
	}
	c.rows = []row{rw}
	return c, true
}

func refNames(refs []PagerDutyRef) string {
	var names []string
	for _, r := range refs {
		if r.Summary != "" {
			names = append(names, r.Summary)
		}
	}
	return strings.Join(names, ", ")
}

func (r *Receivers) servePagerDuty(w http.ResponseWriter, req *http.Request) {
	if len(r.cfg.PagerDutySecrets) == 0 {
		r.unauthorized(w, req, SourcePagerDuty, "receiver not configured (no secret set)")
		return
	}
	sig := req.Header.Get("X-PagerDuty-Signature")
	if sig == "" {
		r.unauthorized(w, req, SourcePagerDuty, "no X-PagerDuty-Signature header")
		return
	}
	body, err := r.readBody(w, req)
	if err != nil {
		r.fail(w, req, SourcePagerDuty, err)
		return
	}
	if !VerifyPagerDuty(body, sig, r.cfg.PagerDutySecrets) {
		r.unauthorized(w, req, SourcePagerDuty, "bad signature")
		return
	}
	p, err := DecodePagerDuty(body)
	if err != nil {
		r.fail(w, req, SourcePagerDuty, err)
		return
	}
	c, ok := r.pagerDutyChange(p)
	if !ok {
		writeJSON(w, http.StatusOK, &Result{Ignored: 1})
		return
	}
	status, res, err := r.accept(req.Context(), c)
	if err != nil {
		r.fail(w, req, SourcePagerDuty, err)
		return
	}
	writeJSON(w, status, res)
}
