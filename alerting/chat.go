package alerting

import (
	"context"
	"net/http"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/chat"
)

// SourceChat is the inbox source of chat imports (the dedup table's
// namespace); each row's Source column names the chat and channel.
const SourceChat = "chat"

// MaxChatMessages bounds the messages one import takes.
const MaxChatMessages = 5000

// ChatResult is the outcome of ImportChat.
type ChatResult struct {
	IncidentID string `json:"incident_id"`
	// Added counts the messages that became rows; Duplicates those
	// imported before (importing a file twice adds nothing).
	Added      int `json:"added"`
	Duplicates int `json:"duplicates"`
	// Revision is the incident's revision after the import.
	Revision int `json:"revision"`
	// Queued is true when the rows are in the inbox but another applier
	// holds them: they reach the timeline shortly.
	Queued bool `json:"queued,omitempty"`
}

// chatKey is a message's event key: the incident and the message's own key
// (source, channel, ID), so that a message goes into an incident once and
// may go into another.
func chatKey(incident string, m chat.Message) string { return incident + "/" + m.Key() }

// ChatRows returns the rows msgs make (the preview), in order.
func ChatRows(msgs []chat.Message) []hindsight.Event {
	out := make([]hindsight.Event, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, hindsight.Event{Time: hindsight.TimeOf(m.At), Event: cellText(m.Text), Cells: []string{cellText(m.SourceLabel()), cellText(m.Author)}})
	}
	return out
}

// KnownChat reports which of msgs were imported into incident before.
func (r *Receivers) KnownChat(ctx context.Context, incident string, msgs []chat.Message) (map[string]bool, error) {
	keys := make([]string, 0, len(msgs))
	for _, m := range msgs {
		keys = append(keys, chatKey(incident, m))
	}
	known, err := r.store.FindAlertEvents(ctx, SourceChat, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(known))
	for _, e := range known {
		out[e.Key] = true
	}
	res := make(map[string]bool, len(known))
	for _, m := range msgs {
		if out[chatKey(incident, m)] {
			res[m.Key()] = true
		}
	}
	return res, nil
}

// ImportChat adds msgs to the timeline of the incident id as one revision
// by a, through the alert inbox: each message's key is recorded once (a
// message imported before is a duplicate), the new ones are queued in one
// inbox entry, and the entry is applied now (in this goroutine) unless
// another applier holds it. a must see the incident.
func (r *Receivers) ImportChat(ctx context.Context, a app.Actor, id string, msgs []chat.Message) (*ChatResult, error) {
	if len(msgs) > MaxChatMessages {
		return nil, hindsight.Errorf(hindsight.ETooLarge, "messages: %d selected: at most %d at once (narrow the window)", len(msgs), MaxChatMessages)
	}
	cur, err := r.svc.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	res := &ChatResult{IncidentID: cur.ID, Revision: cur.Revision}
	if len(msgs) == 0 {
		return res, nil
	}
	c := chatChange(cur.ID, app.Actor{ID: a.ID, Name: a.Name}, msgs)
	// refuse an import the document cannot hold before its keys are
	// recorded: a save that can never succeed would keep them queued
	doc := cloneDoc(cur.Doc)
	merge(doc, c, c.rows)
	if err := r.svc.CheckSize(doc); err != nil {
		return nil, hindsight.Errorf(hindsight.ETooLarge, "messages: %d rows would make the postmortem larger than its limit (%s): narrow the window or the choice", len(c.rows), hindsight.ErrorMessage(err))
	}
	status, ar, err := r.accept(ctx, c)
	if err != nil {
		return nil, err
	}
	res.Added, res.Duplicates = ar.Accepted, ar.Duplicates
	if status != http.StatusAccepted {
		return res, nil
	}
	// apply it now: the caller waits for its revision
	keys := make([]string, 0, len(c.rows))
	for _, rw := range c.rows {
		keys = append(keys, rw.key)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, derr := r.Drain(ctx)
		evs, err := r.store.FindAlertEvents(ctx, SourceChat, keys)
		if err != nil {
			return nil, err
		}
		done := 0
		for _, e := range evs {
			if e.State == hindsight.AlertDone {
				done++
			}
		}
		if done == len(evs) {
			break
		}
		if derr != nil {
			// the save failed: the entry stays queued and is retried
			return nil, derr
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			res.Queued = true
			return res, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	if after, err := r.svc.Get(ctx, a, cur.ID); err == nil {
		res.Revision = after.Revision
	}
	return res, nil
}
