package webhook

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
)

// Message is the JSON body of a delivery in the json format.
type Message struct {
	// DeliveryID is the same on every attempt of a delivery: receivers
	// drop repeats by it.
	DeliveryID int64  `json:"delivery_id"`
	Event      string `json:"event"`
	// At is when the event happened.
	At         time.Time `json:"at"`
	IncidentID string    `json:"incident_id"`
	// IncidentURL is set when Config.BaseURL is.
	IncidentURL string `json:"incident_url,omitempty"`
	// Restricted is true for an event of a restricted incident: Data then
	// holds nothing of its content.
	Restricted bool `json:"restricted,omitempty"`
	// Data is the event (app.Event): title, severity, status, the status it
	// came from, the action item.
	Data *app.Event `json:"data,omitempty"`
}

// message builds a delivery's Message. The outbox payload's incident ID
// may be "" (incident.created, queued before the store allocated the ID):
// the delivery's own incident ID is filled in.
func (w *Webhooks) message(d *hindsight.WebhookDelivery) Message {
	m := Message{DeliveryID: d.ID, Event: d.Event, At: d.EventAt.UTC(), IncidentID: d.IncidentID, Restricted: d.Restricted}
	if w.cfg.BaseURL != "" && d.IncidentID != "" {
		m.IncidentURL = strings.TrimRight(w.cfg.BaseURL, "/") + "/incidents/" + d.IncidentID
	}
	if d.Restricted {
		return m
	}
	var ev app.Event
	if err := json.Unmarshal(d.Payload, &ev); err == nil {
		if ev.IncidentID == "" {
			ev.IncidentID = d.IncidentID
		}
		if ev.Event == "" {
			ev.Event = d.Event
		}
		if !ev.At.IsZero() {
			m.At = ev.At.UTC()
		}
		// whom to tell is for notifications (mail), not for receivers
		ev.Notify = nil
		m.Data = &ev
	}
	return m
}

// body renders a delivery in its subscription's format.
func (w *Webhooks) body(sub *hindsight.WebhookSubscription, d *hindsight.WebhookDelivery) ([]byte, error) {
	m := w.message(d)
	switch sub.Format {
	case hindsight.FormatSlack:
		return json.Marshal(slackMessage(m))
	case hindsight.FormatTeams:
		return json.Marshal(teamsMessage(m))
	}
	return json.Marshal(m)
}

// SlackMessage is a Slack incoming-webhook message with blocks.
type SlackMessage struct {
	Text   string       `json:"text"`
	Blocks []SlackBlock `json:"blocks"`
}

// SlackBlock is one Block Kit block (header, section or context).
type SlackBlock struct {
	Type     string      `json:"type"`
	Text     *SlackText  `json:"text,omitempty"`
	Fields   []SlackText `json:"fields,omitempty"`
	Elements []SlackText `json:"elements,omitempty"`
}

// SlackText is a Block Kit text object.
type SlackText struct {
	Type string `json:"type"` // plain_text or mrkdwn
	Text string `json:"text"`
}

var eventTitles = map[string]string{
	hindsight.EventIncidentCreated:       "Incident opened",
	hindsight.EventIncidentStatusChanged: "Postmortem status changed",
	hindsight.EventIncidentPublished:     "Postmortem published",
	hindsight.EventActionItemCreated:     "Action item added",
	hindsight.EventActionItemClosed:      "Action item closed",
	hindsight.EventActionItemOverdue:     "Action item overdue",
	hindsight.EventReviewRequested:       "Review requested",
	hindsight.EventReviewSubmitted:       "Review submitted",
	hindsight.EventCommentCreated:        "New review comment",
	hindsight.EventPostmortemDueSoon:     "Postmortem due soon",
	hindsight.EventPostmortemOverdue:     "Postmortem overdue",
	hindsight.EventFactorRepeated:        "Contributing factor repeated",
}

// mrkdwn escapes text for Slack's mrkdwn.
func mrkdwn(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - 1
	for cut > 0 && (s[cut]&0xC0) == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

func slackMessage(m Message) SlackMessage {
	what := eventTitles[m.Event]
	if what == "" {
		what = m.Event
	}
	head := what + ": " + m.IncidentID
	ref := mrkdwn(m.IncidentID)
	if m.IncidentURL != "" {
		ref = "<" + m.IncidentURL + "|" + mrkdwn(m.IncidentID) + ">"
	}
	var lines []string
	var fields []SlackText
	if m.Restricted || m.Data == nil {
		lines = append(lines, "*"+ref+"* (restricted: open Hindsight for the details)")
	} else {
		e := m.Data
		lines = append(lines, "*"+ref+"* "+mrkdwn(e.Title))
		if e.Severity != "" {
			fields = append(fields, SlackText{Type: "mrkdwn", Text: "*Severity*\n" + mrkdwn(string(e.Severity))})
		}
		if e.Status != "" {
			st := mrkdwn(e.Status)
			if e.From != "" {
				st = mrkdwn(e.From) + " → " + st
			}
			fields = append(fields, SlackText{Type: "mrkdwn", Text: "*Status*\n" + st})
		}
		if it := e.ActionItem; it != nil {
			item := strings.TrimSpace(it.ID + " " + it.Action)
			lines = append(lines, "> "+mrkdwn(item))
			if it.Owner != "" {
				fields = append(fields, SlackText{Type: "mrkdwn", Text: "*Owner*\n" + mrkdwn(it.Owner)})
			}
			if it.TargetDate.IsSet() {
				fields = append(fields, SlackText{Type: "mrkdwn", Text: "*Target date*\n" + it.TargetDate.String()})
			}
		}
		if r := e.Repeat; r != nil {
			lines = append(lines, "> "+mrkdwn(repeatText(r)))
		}
	}
	blocks := []SlackBlock{
		{Type: "header", Text: &SlackText{Type: "plain_text", Text: clip(head, 150)}},
		{Type: "section", Text: &SlackText{Type: "mrkdwn", Text: clip(strings.Join(lines, "\n"), 3000)}, Fields: fields},
		{Type: "context", Elements: []SlackText{{Type: "mrkdwn", Text: fmt.Sprintf("Hindsight · %s · %s UTC", m.Event, m.At.UTC().Format("2006-01-02 15:04"))}}},
	}
	return SlackMessage{Text: clip(head, 300), Blocks: blocks}
}

// TeamsMessage is a Microsoft Teams message as a Teams "Workflows" (Power
// Automate) webhook takes it: one Adaptive Card attachment.
type TeamsMessage struct {
	Type        string            `json:"type"` // "message"
	Attachments []TeamsAttachment `json:"attachments"`
}

// TeamsAttachment holds the card.
type TeamsAttachment struct {
	ContentType string       `json:"contentType"` // application/vnd.microsoft.card.adaptive
	ContentURL  *string      `json:"contentUrl"`  // always null
	Content     AdaptiveCard `json:"content"`
}

// AdaptiveCard is an Adaptive Card (schema version 1.4, the one Teams
// renders everywhere).
type AdaptiveCard struct {
	Schema  string          `json:"$schema"`
	Type    string          `json:"type"` // "AdaptiveCard"
	Version string          `json:"version"`
	Body    []CardElement   `json:"body"`
	Actions []CardAction    `json:"actions,omitempty"`
	MSTeams *CardTeamsWidth `json:"msteams,omitempty"`
}

// CardElement is a TextBlock or a FactSet.
type CardElement struct {
	Type     string     `json:"type"`
	Text     string     `json:"text,omitempty"`
	Weight   string     `json:"weight,omitempty"`
	Size     string     `json:"size,omitempty"`
	IsSubtle bool       `json:"isSubtle,omitempty"`
	Wrap     bool       `json:"wrap,omitempty"`
	Facts    []CardFact `json:"facts,omitempty"`
}

// CardFact is one title/value line of a FactSet.
type CardFact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

// CardAction is an Action.OpenUrl button.
type CardAction struct {
	Type  string `json:"type"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

// CardTeamsWidth asks Teams to use the full width of the conversation.
type CardTeamsWidth struct {
	Width string `json:"width"`
}

// teamsText makes s plain text in an Adaptive Card TextBlock or fact:
// Teams reads a Markdown subset there (**bold**, _italic_, [links](url),
// "- " and "1. " lists), so those characters are backslash-escaped, a
// leading list marker too, and line breaks become spaces.
func teamsText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '*', '_', '[', ']':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	out := b.String()
	if m := leadingListMarker.FindStringIndex(out); m != nil {
		out = out[:m[1]-2] + "\\" + out[m[1]-2:]
	}
	return out
}

// leadingListMarker finds "- ", "+ " or "12. " at the start of a text.
var leadingListMarker = regexp.MustCompile(`^(?:[-+]|[0-9]+\.) `)

func teamsMessage(m Message) TeamsMessage {
	what := eventTitles[m.Event]
	if what == "" {
		what = m.Event
	}
	body := []CardElement{{Type: "TextBlock", Text: teamsText(clip(what+": "+m.IncidentID, 150)), Weight: "Bolder", Size: "Medium", Wrap: true}}
	var facts []CardFact
	if m.Restricted || m.Data == nil {
		body = append(body, CardElement{Type: "TextBlock", Text: "Restricted incident: open Hindsight for the details.", Wrap: true})
	} else {
		e := m.Data
		if e.Title != "" {
			body = append(body, CardElement{Type: "TextBlock", Text: teamsText(clip(e.Title, 500)), Wrap: true})
		}
		if e.Severity != "" {
			facts = append(facts, CardFact{Title: "Severity", Value: teamsText(string(e.Severity))})
		}
		if e.Status != "" {
			st := teamsText(e.Status)
			if e.From != "" {
				st = teamsText(e.From) + " → " + st
			}
			facts = append(facts, CardFact{Title: "Status", Value: st})
		}
		if it := e.ActionItem; it != nil {
			facts = append(facts, CardFact{Title: "Action item", Value: teamsText(clip(strings.TrimSpace(it.ID+" "+it.Action), 500))})
			if it.Owner != "" {
				facts = append(facts, CardFact{Title: "Owner", Value: teamsText(it.Owner)})
			}
			if it.TargetDate.IsSet() {
				facts = append(facts, CardFact{Title: "Target date", Value: it.TargetDate.String()})
			}
		}
		if r := e.Repeat; r != nil {
			facts = append(facts, CardFact{Title: "Repeated", Value: teamsText(clip(repeatText(r), 500))})
		}
	}
	if len(facts) > 0 {
		body = append(body, CardElement{Type: "FactSet", Facts: facts})
	}
	body = append(body, CardElement{Type: "TextBlock", Text: fmt.Sprintf("Hindsight · %s · %s UTC", teamsText(m.Event), m.At.UTC().Format("2006-01-02 15:04")), IsSubtle: true, Size: "Small", Wrap: true})
	card := AdaptiveCard{Schema: "http://adaptivecards.io/schemas/adaptive-card.json", Type: "AdaptiveCard", Version: "1.4", Body: body, MSTeams: &CardTeamsWidth{Width: "Full"}}
	if m.IncidentURL != "" {
		card.Actions = []CardAction{{Type: "Action.OpenUrl", Title: "Open in Hindsight", URL: m.IncidentURL}}
	}
	return TeamsMessage{Type: "message", Attachments: []TeamsAttachment{{ContentType: "application/vnd.microsoft.card.adaptive", Content: card}}}
}

// repeatText describes a factor.repeated event's recurrence.
func repeatText(r *app.Repeat) string {
	return "[" + r.Category + "] on " + r.Service + ", as in " + strings.Join(r.Incidents, ", ")
}
