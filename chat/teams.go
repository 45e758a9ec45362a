package chat

import (
	"encoding/json"
	"strings"
	"time"

	xhtml "golang.org/x/net/html"
)

// teamsMessage is the part of Microsoft Graph's chatMessage resource
// (https://learn.microsoft.com/en-us/graph/api/resources/chatmessage) a
// timeline row needs.
type teamsMessage struct {
	ID                 string     `json:"id"`
	ReplyToID          *string    `json:"replyToId"`
	MessageType        string     `json:"messageType"`
	CreatedDateTime    string     `json:"createdDateTime"`
	LastEditedDateTime *string    `json:"lastEditedDateTime"`
	DeletedDateTime    *string    `json:"deletedDateTime"`
	ChatID             *string    `json:"chatId"`
	Subject            *string    `json:"subject"`
	From               *teamsFrom `json:"from"`
	Body               struct {
		ContentType string `json:"contentType"`
		Content     string `json:"content"`
	} `json:"body"`
	ChannelIdentity *struct {
		TeamID    string `json:"teamId"`
		ChannelID string `json:"channelId"`
	} `json:"channelIdentity"`
	Attachments []struct {
		ID          string  `json:"id"`
		ContentType string  `json:"contentType"`
		Name        *string `json:"name"`
	} `json:"attachments"`
	Reactions []struct {
		ReactionType string  `json:"reactionType"`
		DisplayName  *string `json:"displayName"`
	} `json:"reactions"`
	// pinned is set for a message read from a pinnedMessages list.
	pinned bool
}

// pinnedList reports whether a collection's value is a list of
// pinnedChatMessageInfo (each with a "message"), not of messages.
func pinnedList(value json.RawMessage) bool {
	var items []map[string]json.RawMessage
	if json.Unmarshal(value, &items) != nil || len(items) == 0 {
		return false
	}
	_, hasMessage := items[0]["message"]
	_, hasCreated := items[0]["createdDateTime"]
	return hasMessage && !hasCreated
}

type teamsIdentity struct {
	ID          string  `json:"id"`
	DisplayName *string `json:"displayName"`
}

type teamsFrom struct {
	User        *teamsIdentity `json:"user"`
	Application *teamsIdentity `json:"application"`
	Device      *teamsIdentity `json:"device"`
}

// parseTeams reads one chatMessage, an array of them, or a collection
// ({"value": [...]}, as the Graph list calls answer).
func parseTeams(name string, data []byte, array bool) (*Transcript, error) {
	var ms []teamsMessage
	var err error
	var probe map[string]json.RawMessage
	switch {
	case array:
		err = json.Unmarshal(data, &ms)
	case json.Unmarshal(data, &probe) == nil && probe["value"] != nil:
		if pinnedList(probe["value"]) {
			// GET /chats/{id}/pinnedMessages?$expand=message: the pinned
			// messages, each in a pinnedChatMessageInfo
			var coll struct {
				Value []struct {
					Message *teamsMessage `json:"message"`
				} `json:"value"`
			}
			err = json.Unmarshal(data, &coll)
			for _, v := range coll.Value {
				if v.Message != nil {
					m := *v.Message
					m.pinned = true
					ms = append(ms, m)
				}
			}
			break
		}
		var coll struct {
			Value []teamsMessage `json:"value"`
		}
		err = json.Unmarshal(data, &coll)
		ms = coll.Value
	default:
		var one teamsMessage
		err = json.Unmarshal(data, &one)
		ms = []teamsMessage{one}
	}
	if err != nil {
		return nil, jsonErr(name, data, err)
	}
	t := &Transcript{Format: "teams"}
	for i, tm := range ms {
		if tm.DeletedDateTime != nil && *tm.DeletedDateTime != "" {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, tm.CreatedDateTime)
		if err != nil {
			return nil, perr(name, 0, "messages[%d].createdDateTime: %q: want an RFC 3339 time (2026-11-03T14:02:05.123Z)", i, tm.CreatedDateTime)
		}
		if tm.ID == "" {
			return nil, perr(name, 0, "messages[%d].id: missing: every chatMessage has an id", i)
		}
		place := ""
		if tm.ChatID != nil {
			place = *tm.ChatID
		} else if tm.ChannelIdentity != nil {
			place = tm.ChannelIdentity.ChannelID
		}
		m := Message{Source: SourceTeams, ID: tm.ID, At: at.UTC(), Pinned: tm.pinned,
			Edited: tm.LastEditedDateTime != nil && *tm.LastEditedDateTime != "",
			System: tm.MessageType != "" && tm.MessageType != "message"}
		if place != "" {
			m.ID = place + "/" + tm.ID
		}
		if tm.ReplyToID != nil && *tm.ReplyToID != "" {
			m.Thread = *tm.ReplyToID
		}
		if f := tm.From; f != nil {
			switch {
			case f.User != nil:
				m.Author = firstNonEmpty(deref(f.User.DisplayName), f.User.ID)
			case f.Application != nil:
				m.Author, m.Bot = firstNonEmpty(deref(f.Application.DisplayName), f.Application.ID), true
			case f.Device != nil:
				m.Author, m.Bot = firstNonEmpty(deref(f.Device.DisplayName), f.Device.ID), true
			}
		}
		m.Author = firstNonEmpty(m.Author, "unknown")
		text := tm.Body.Content
		if strings.EqualFold(tm.Body.ContentType, "html") {
			text = htmlText(text)
		}
		text = strings.TrimSpace(text)
		if s := deref(tm.Subject); s != "" {
			text = strings.TrimSpace(s + ": " + text)
		}
		for _, a := range tm.Attachments {
			if n := deref(a.Name); n != "" {
				text = strings.TrimSpace(text + " [file: " + n + "]")
			}
		}
		m.Text = text
		for _, r := range tm.Reactions {
			if n := firstNonEmpty(r.ReactionType, deref(r.DisplayName)); n != "" {
				m.Reactions = append(m.Reactions, n)
			}
		}
		t.Messages = append(t.Messages, m)
	}
	sortMessages(t.Messages)
	return t, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// htmlText reduces a Teams message body to text: block elements and <br>
// become line breaks, <at> mentions get an @, <emoji> its alt text,
// attachments' placeholders go.
func htmlText(s string) string {
	z := xhtml.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	for {
		tt := z.Next()
		switch tt {
		case xhtml.ErrorToken:
			return strings.TrimSpace(b.String())
		case xhtml.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken, xhtml.EndTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			attrs := map[string]string{}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				attrs[string(k)] = string(v)
			}
			switch tag {
			case "script", "style":
				if tt == xhtml.StartTagToken {
					skip++
				} else if tt == xhtml.EndTagToken && skip > 0 {
					skip--
				}
			case "br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "blockquote", "pre":
				b.WriteString("\n")
			case "at":
				if tt == xhtml.StartTagToken {
					b.WriteString("@")
				}
			case "emoji", "img":
				if tt != xhtml.EndTagToken {
					b.WriteString(attrs["alt"])
				}
			}
		}
	}
}
