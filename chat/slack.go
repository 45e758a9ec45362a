package chat

import (
	"encoding/json"
	"html"
	"strings"

	"github.com/slack-go/slack"
)

// slackMessage is a message as Slack's export and conversations.history
// write it: slack-go's type, and the export's user_profile, which names
// the author.
type slackMessage struct {
	slack.Message
	UserProfile *struct {
		RealName    string `json:"real_name"`
		DisplayName string `json:"display_name"`
		Name        string `json:"name"`
	} `json:"user_profile,omitempty"`
}

// slackSystem are the subtypes Slack writes itself: kept as System
// messages (Select leaves them out).
var slackSystem = map[string]bool{
	slack.MsgSubTypeChannelJoin: true, slack.MsgSubTypeChannelLeave: true,
	slack.MsgSubTypeChannelTopic: true, slack.MsgSubTypeChannelPurpose: true,
	slack.MsgSubTypeChannelName: true, slack.MsgSubTypeChannelArchive: true,
	slack.MsgSubTypeChannelUnarchive: true, slack.MsgSubTypeGroupJoin: true,
	slack.MsgSubTypeGroupLeave: true, slack.MsgSubTypeGroupTopic: true,
	slack.MsgSubTypeGroupPurpose: true, slack.MsgSubTypeGroupName: true,
	slack.MsgSubTypeGroupArchive: true, slack.MsgSubTypeGroupUnarchive: true,
	slack.MsgSubTypePinnedItem: true, slack.MsgSubTypeUnpinnedItem: true,
	"channel_convert_to_private": true, "channel_convert_to_public": true,
}

// parseSlackHistory reads a conversations.history (or .replies) answer.
func parseSlackHistory(name string, data []byte) (*Transcript, error) {
	var env struct {
		OK       *bool          `json:"ok"`
		Error    string         `json:"error"`
		Messages []slackMessage `json:"messages"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, jsonErr(name, data, err)
	}
	if env.OK != nil && !*env.OK {
		return nil, perr(name, 1, "the answer is an error (ok: false, error: %q), not messages", env.Error)
	}
	msgs, err := slackMessages(name, env.Messages, nil, "")
	if err != nil {
		return nil, err
	}
	return &Transcript{Format: "slack-history", Messages: msgs}, nil
}

// parseSlackMessages reads a JSON array of Slack messages of channel
// (label, "" when unknown), naming authors from users (user ID -> name).
func parseSlackMessages(name string, data []byte, users map[string]string, channel string) ([]Message, error) {
	var ms []slackMessage
	if err := json.Unmarshal(data, &ms); err != nil {
		return nil, jsonErr(name, data, err)
	}
	return slackMessages(name, ms, users, channel)
}

// slackMessages converts decoded Slack messages.
func slackMessages(name string, ms []slackMessage, users map[string]string, channel string) ([]Message, error) {
	out := make([]Message, 0, len(ms))
	for i, sm := range ms {
		m := sm.Message
		if m.SubType == slack.MsgSubTypeMessageChanged && m.SubMessage != nil {
			// an edit event: the message as it is now
			m.Msg = *m.SubMessage
			m.Edited = &slack.Edited{}
		}
		if m.SubType == slack.MsgSubTypeMessageDeleted || m.Hidden || m.SubType == "tombstone" {
			continue
		}
		at, ok := parseTS(m.Timestamp)
		if !ok {
			return nil, perr(name, 0, "messages[%d].ts: %q: want Slack's epoch seconds with fraction (1701612345.000200)", i, m.Timestamp)
		}
		msg := Message{
			Source: SourceSlack, Channel: channel, ID: m.Timestamp, At: at,
			Pinned: len(m.PinnedTo) > 0, Edited: m.Edited != nil,
			Bot:    m.BotID != "" || m.SubType == slack.MsgSubTypeBotMessage,
			System: slackSystem[m.SubType],
		}
		if m.ThreadTimestamp != "" && m.ThreadTimestamp != m.Timestamp {
			msg.Thread = m.ThreadTimestamp
		}
		msg.Author = firstNonEmpty(users[m.User])
		if sm.UserProfile != nil && msg.Author == "" {
			msg.Author = firstNonEmpty(sm.UserProfile.DisplayName, sm.UserProfile.RealName, sm.UserProfile.Name)
		}
		if msg.Author == "" && m.BotProfile != nil {
			msg.Author = m.BotProfile.Name
		}
		msg.Author = firstNonEmpty(msg.Author, m.Username, m.User, m.BotID, "unknown")
		text := slackText(m.Text, users)
		if text == "" {
			for _, a := range m.Attachments {
				if t := firstNonEmpty(a.Fallback, a.Text, a.Title, a.Pretext); t != "" {
					text = strings.TrimSpace(text + " " + slackText(t, users))
				}
			}
		}
		for _, f := range m.Files {
			if n := firstNonEmpty(f.Title, f.Name, f.ID); n != "" {
				text = strings.TrimSpace(text + " [file: " + n + "]")
			}
		}
		msg.Text = text
		for _, r := range m.Reactions {
			if r.Name != "" {
				msg.Reactions = append(msg.Reactions, r.Name)
			}
		}
		out = append(out, msg)
	}
	sortMessages(out)
	return out, nil
}

// slackText resolves Slack's markup (https://docs.slack.dev/messaging/formatting-message-text):
// <@U123> mentions, <#C123|name> channels, <!here>, <url|label> links,
// and the &amp; &lt; &gt; escapes.
func slackText(s string, users map[string]string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(html.UnescapeString(s))
			break
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			b.WriteString(html.UnescapeString(s))
			break
		}
		b.WriteString(html.UnescapeString(s[:i]))
		tok := s[i+1 : i+j]
		s = s[i+j+1:]
		target, label, hasLabel := strings.Cut(tok, "|")
		label = html.UnescapeString(label)
		switch {
		case strings.HasPrefix(target, "@"):
			n := users[target[1:]]
			if n == "" {
				n = strings.TrimPrefix(label, "@")
			}
			if n == "" {
				n = target[1:]
			}
			b.WriteString("@" + n)
		case strings.HasPrefix(target, "#"):
			if label != "" {
				b.WriteString("#" + label)
			} else {
				b.WriteString(target)
			}
		case strings.HasPrefix(target, "!"):
			switch {
			case hasLabel && label != "":
				b.WriteString(label)
			case strings.HasPrefix(target, "!subteam^"):
				b.WriteString("@" + strings.TrimPrefix(target, "!subteam^"))
			default:
				b.WriteString("@" + target[1:])
			}
		default:
			target = html.UnescapeString(strings.TrimPrefix(target, "mailto:"))
			if hasLabel && label != "" && label != target {
				b.WriteString(label + " (" + target + ")")
			} else {
				b.WriteString(target)
			}
		}
	}
	return strings.TrimSpace(b.String())
}

// FromSlack converts messages as slack-go decodes them (an Events API
// message event, a conversations.history answer fetched with slack-go) of
// channel (a label, "" when unknown), naming authors from users (user ID
// -> name, nil for none). Messages the chat wrote itself are marked
// System; deleted ones are left out.
func FromSlack(ms []slack.Message, users map[string]string, channel string) ([]Message, error) {
	in := make([]slackMessage, len(ms))
	for i, m := range ms {
		in[i].Message = m
	}
	return slackMessages("slack", in, users, channel)
}
