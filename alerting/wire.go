package alerting

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
)

// wireVersion is the version of the inbox payload. A version this code does
// not know is kept in the inbox (for a newer version to apply), not dropped.
const wireVersion = 1

// wireVersionInto is the version of a change into a named incident (a chat
// import): a version 1 applier would open a new incident with it, so it
// keeps it in the inbox instead.
const wireVersionInto = 2

// wireChange is a change as the inbox stores it (an entry's payload).
type wireChange struct {
	V        int       `json:"v"`
	Source   string    `json:"source"`
	Group    string    `json:"group"`
	Received time.Time `json:"received"`
	Closes   bool      `json:"closes,omitempty"`
	Open     struct {
		Title      string             `json:"title"`
		Severity   hindsight.Severity `json:"severity,omitempty"`
		Services   []string           `json:"services,omitempty"`
		Start      time.Time          `json:"start,omitzero"`
		DetectedBy string             `json:"detected_by,omitempty"`
	} `json:"open"`
	Rows []wireRow `json:"rows"`
	// Incident and By are a change into a named incident (version 2).
	Incident string     `json:"incident,omitempty"`
	By       *wireActor `json:"by,omitempty"`
}

type wireActor struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type wireRow struct {
	Key      string    `json:"key"`
	At       time.Time `json:"at"`
	Text     string    `json:"text"`
	Label    string    `json:"label,omitempty"`
	Effect   string    `json:"effect,omitempty"`
	EffectAt time.Time `json:"effect_at,omitzero"`
	Author   string    `json:"author,omitempty"`
}

// encodeChange encodes c, received at received, as an inbox payload.
func encodeChange(c change, received time.Time) ([]byte, error) {
	w := wireChange{V: wireVersion, Source: c.source, Group: c.group, Received: received.UTC(), Closes: c.closes}
	if c.incident != "" {
		w.V, w.Incident, w.By = wireVersionInto, c.incident, &wireActor{ID: c.by.ID, Name: c.by.Name}
	}
	w.Open.Title, w.Open.Severity, w.Open.Services, w.Open.Start, w.Open.DetectedBy = c.open.title, c.open.severity, c.open.services, c.open.start, c.open.detectedBy
	w.Rows = make([]wireRow, 0, len(c.rows))
	for _, r := range c.rows {
		w.Rows = append(w.Rows, wireRow{Key: r.key, At: r.at, Text: r.text, Label: r.label, Effect: r.effect.kind, EffectAt: r.effect.at, Author: r.author})
	}
	return json.Marshal(w)
}

// decodeChange decodes an inbox payload: the change and when it was
// received.
func decodeChange(b []byte) (change, time.Time, error) {
	var w wireChange
	if err := json.Unmarshal(b, &w); err != nil {
		return change{}, time.Time{}, fmt.Errorf("payload: %w", err)
	}
	if w.V != wireVersion && w.V != wireVersionInto || (w.V == wireVersionInto) != (w.Incident != "") {
		return change{}, time.Time{}, fmt.Errorf("payload version %d: this version of Hindsight applies versions %d and %d", w.V, wireVersion, wireVersionInto)
	}
	c := change{source: w.Source, group: w.Group, closes: w.Closes, incident: w.Incident}
	if w.By != nil {
		c.by = app.Actor{ID: w.By.ID, Name: w.By.Name, Viewer: hindsight.SystemViewer}
	}
	c.open = opening{title: w.Open.Title, severity: w.Open.Severity, services: w.Open.Services, start: w.Open.Start, detectedBy: w.Open.DetectedBy}
	for _, r := range w.Rows {
		switch r.Effect {
		case effectNone, effectTTA, effectEnd, effectReopen:
		default:
			return change{}, time.Time{}, fmt.Errorf("row %q: unknown effect %q", r.Key, r.Effect)
		}
		c.rows = append(c.rows, row{key: r.Key, at: r.At, text: r.Text, label: r.Label, author: r.Author, effect: effect{kind: r.Effect, at: r.EffectAt}})
	}
	return c, w.Received, nil
}
