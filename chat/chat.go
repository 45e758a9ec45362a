// Package chat reads incident chat transcripts into messages that can become
// timeline rows: a Slack workspace export (the official export: a folder per
// channel of day files, users.json and channels.json at the root, as a
// directory or a zip), a Slack channel's messages as conversations.history
// returns them, a Microsoft Teams chat export (Graph chatMessage JSON, one
// message or a {"value": [...]} collection) and text pasted from a chat
// window in the common copy shapes.
//
// Parse detects the format; Select keeps the messages of a time window and
// a choice (all, pinned, or those with a reaction). The package reads and
// selects only: saving rows into an incident is alerting.ImportChat's, through
// the alert inbox, so that importing a transcript twice adds nothing.
package chat

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// Sources of messages (the Source column names them, with the channel).
const (
	SourceSlack = "slack"
	SourceTeams = "teams"
	SourceText  = "chat"
)

// Message is one chat message.
type Message struct {
	// Source is SourceSlack, SourceTeams or SourceText.
	Source string `json:"source"`
	// Channel names the channel or chat ("#incident-42", a Teams chat ID),
	// "" when the transcript does not say.
	Channel string `json:"channel,omitempty"`
	// ID identifies the message within its source: Slack's ts, the Teams
	// chat (or channel) and message ID, or for pasted text a digest of
	// time, author and text (a line pasted twice is one message).
	ID string `json:"id"`
	// At is when the message was posted (UTC).
	At time.Time `json:"at"`
	// Author is the display name (or the user ID when no name is known).
	Author string `json:"author"`
	// Text is the message as plain text (Slack markup resolved, Teams
	// HTML reduced to text), files named after it.
	Text string `json:"text"`
	// Thread is the ID of the thread's first message for a reply.
	Thread string `json:"thread,omitempty"`
	// Pinned, Reactions (emoji names without colons, "timeline"), Bot and
	// Edited describe the message.
	Pinned    bool     `json:"pinned,omitempty"`
	Reactions []string `json:"reactions,omitempty"`
	Bot       bool     `json:"bot,omitempty"`
	Edited    bool     `json:"edited,omitempty"`
	// System marks a message the chat itself wrote (a member joined or
	// left, the topic changed). Select leaves them out.
	System bool `json:"system,omitempty"`
}

// Key is the message's idempotency key: source and ID. A Slack message's ID
// is its ts alone (not its channel, which an export names and an event
// gives as an ID), so a message added live and then imported from the
// export is one message.
func (m Message) Key() string { return m.Source + "/" + m.ID }

// SourceLabel is the value of the timeline's Source column for m: the
// source and the channel ("slack #incident-42").
func (m Message) SourceLabel() string {
	if m.Channel == "" {
		return m.Source
	}
	return m.Source + " " + m.Channel
}

// HasReaction reports whether m has the reaction name (with or without
// colons, case-insensitive).
func (m Message) HasReaction(name string) bool {
	name = strings.Trim(strings.TrimSpace(name), ":")
	return slices.ContainsFunc(m.Reactions, func(r string) bool { return strings.EqualFold(r, name) })
}

// Transcript is a parsed file: its messages in time order and the format it
// was read as.
type Transcript struct {
	// Format is "slack-export", "slack-history", "teams" or "text".
	Format   string    `json:"format"`
	Messages []Message `json:"messages"`
}

// Options tune Parse for pasted text, which has no dates or zones of its
// own.
type Options struct {
	// Date is the day of a pasted time without a date ("[14:02]"), and
	// "Today" in Slack's copy; the zero Date is the day of Now.
	Date time.Time
	// Zone is the zone of pasted times (nil: UTC), the document core's
	// zone rules (hindsight.LookupZone, hindsight.ParseTimeIn).
	Zone *hindsight.Zone
	// Now is the clock (time.Now when nil), for a default Date.
	Now func() time.Time
}

// Choice is which messages Select keeps.
type Choice struct {
	// Only is "" or "all" (every message but the chat's own), "pinned",
	// or "reaction:NAME" (messages with that reaction emoji).
	Only string
	// Since and Until bound the window (inclusive; zero: open).
	Since, Until time.Time
	// DropBots leaves out messages of bots and integrations (kept by
	// default).
	DropBots bool
}

// ParseChoice reads the --only value: all, pinned or reaction:NAME.
func ParseChoice(only string) (string, error) {
	only = strings.TrimSpace(only)
	switch {
	case only == "", strings.EqualFold(only, "all"):
		return "all", nil
	case strings.EqualFold(only, "pinned"):
		return "pinned", nil
	case strings.HasPrefix(strings.ToLower(only), "reaction:"):
		name := strings.Trim(strings.TrimSpace(only[len("reaction:"):]), ":")
		if name == "" || strings.ContainsAny(name, " \t\n") {
			return "", hindsight.Errorf(hindsight.EInvalid, "only: %q: want reaction:NAME, an emoji name such as reaction:timeline", only)
		}
		return "reaction:" + name, nil
	}
	return "", hindsight.Errorf(hindsight.EInvalid, "only: %q: want all, pinned or reaction:NAME", only)
}

// Select returns the messages of t that c keeps, in time order.
func Select(msgs []Message, c Choice) ([]Message, error) {
	only, err := ParseChoice(c.Only)
	if err != nil {
		return nil, err
	}
	if !c.Since.IsZero() && !c.Until.IsZero() && c.Until.Before(c.Since) {
		return nil, hindsight.Errorf(hindsight.EInvalid, "until: %s is before since (%s)", c.Until.UTC().Format(time.RFC3339), c.Since.UTC().Format(time.RFC3339))
	}
	var out []Message
	for _, m := range msgs {
		switch {
		case m.System:
			continue
		case c.DropBots && m.Bot:
			continue
		case !c.Since.IsZero() && m.At.Before(c.Since):
			continue
		case !c.Until.IsZero() && m.At.After(c.Until):
			continue
		case only == "pinned" && !m.Pinned:
			continue
		case strings.HasPrefix(only, "reaction:") && !m.HasReaction(strings.TrimPrefix(only, "reaction:")):
			continue
		}
		out = append(out, m)
	}
	sortMessages(out)
	return out, nil
}

func sortMessages(ms []Message) {
	slices.SortStableFunc(ms, func(a, b Message) int { return a.At.Compare(b.At) })
}

// digest is the ID of a message that has none: its time, author and text.
func digest(at time.Time, author, text string) string {
	h := sha256.Sum256([]byte(at.UTC().Format(time.RFC3339) + "\x00" + author + "\x00" + text))
	return "t" + hex.EncodeToString(h[:10])
}

// perr is a file that cannot be read, naming the file (a zip member or a
// directory's file) and the line when known (0: not known).
func perr(file string, line int, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	where := file
	if line > 0 {
		where = fmt.Sprintf("%s:%d", file, line)
	}
	return &hindsight.Error{Code: hindsight.EInvalid, Message: where + ": " + msg,
		Fields: []hindsight.FieldError{{Field: file, Line: line, Message: msg}}}
}
