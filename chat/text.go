package chat

import (
	"regexp"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// The shapes of pasted chat text.
var (
	// [14:02] Ann: text, [2026-11-03 14:02] Ann: text, [2:02 PM] Ann: text
	reBracket = regexp.MustCompile(`^\[(?:(\d{4}-\d{2}-\d{2})[ T])?(\d{1,2}:\d{2}(?::\d{2})?(?: ?[AaPp]\.?[Mm]\.?)?)\]\s*([^:\[\]]{1,80}?):(?:\s+(.*))?$`)
	// Ann Lee  2:02 PM (two or more spaces or a tab before the time)
	reHeader = regexp.MustCompile(`^(\S[^\t]{0,79}?)(?:\s{2,}|\t+)(\d{1,2}:\d{2}(?: ?[AaPp][Mm])?)$`)
	// Ann Lee  Today at 2:02 PM (Slack's copy)
	reRelative = regexp.MustCompile(`^(\S.{0,79}?)\s+(Today|Yesterday) at (\d{1,2}:\d{2}(?: ?[AaPp][Mm])?)$`)
	// 2:03 PM or [2:03 PM] alone: the next message of the same author
	reClock = regexp.MustCompile(`^\[?(\d{1,2}:\d{2}(?: ?[AaPp][Mm])?)\]?$`)
)

// parseText reads pasted text. Each message starts with a line of one of
// the shapes above; the lines after it, up to the next such line, are its
// text. A time without a date is on opt.Date, in opt.Zone.
func parseText(name, s string, opt Options) (*Transcript, error) {
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	day := opt.Date
	if day.IsZero() {
		day = now()
	}
	dayText := day.Format(hindsight.DateLayout)
	t := &Transcript{Format: "text"}
	var cur *Message
	var body []string
	flush := func() {
		if cur == nil {
			return
		}
		cur.Text = strings.TrimSpace(strings.Join(body, "\n"))
		cur.ID = digest(cur.At, cur.Author, cur.Text)
		if cur.Text != "" {
			t.Messages = append(t.Messages, *cur)
		}
		cur, body = nil, nil
	}
	at := func(line int, date, clock string) (time.Time, error) {
		if date == "" {
			date = dayText
		}
		v, err := hindsight.ParseTimeIn(date+" "+clock, opt.Zone)
		if err != nil {
			return time.Time{}, perr(name, line, "%q: not a time: %v", clock, err)
		}
		return v.T, nil
	}
	s = strings.TrimPrefix(s, "\ufeff")
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, raw := range lines {
		n := i + 1
		line := strings.TrimRight(raw, " \t\r")
		trimmed := strings.TrimSpace(line)
		if m := reBracket.FindStringSubmatch(trimmed); m != nil {
			when, err := at(n, m[1], m[2])
			if err != nil {
				return nil, err
			}
			flush()
			cur = &Message{Source: SourceText, At: when, Author: strings.TrimSpace(m[3])}
			body = []string{m[4]}
			continue
		}
		if m := reRelative.FindStringSubmatch(trimmed); m != nil {
			d := day
			if m[2] == "Yesterday" {
				d = day.AddDate(0, 0, -1)
			}
			when, err := at(n, d.Format(hindsight.DateLayout), m[3])
			if err != nil {
				return nil, err
			}
			flush()
			cur = &Message{Source: SourceText, At: when, Author: strings.TrimSpace(m[1])}
			continue
		}
		if m := reHeader.FindStringSubmatch(line); m != nil && !strings.HasPrefix(line, " ") {
			when, err := at(n, "", m[2])
			if err != nil {
				return nil, err
			}
			flush()
			cur = &Message{Source: SourceText, At: when, Author: strings.TrimSpace(m[1])}
			continue
		}
		if m := reClock.FindStringSubmatch(trimmed); m != nil && cur != nil {
			when, err := at(n, "", m[1])
			if err != nil {
				return nil, err
			}
			author := cur.Author
			flush()
			cur = &Message{Source: SourceText, At: when, Author: author}
			continue
		}
		if cur == nil {
			if trimmed == "" {
				continue
			}
			return nil, perr(name, n, "not the start of a chat message: want \"[14:02] Name: text\", \"Name  2:02 PM\" followed by the message, or Slack's \"Name  Today at 2:02 PM\"")
		}
		if trimmed == "(edited)" {
			cur.Edited = true
			continue
		}
		body = append(body, trimmed)
	}
	flush()
	if len(t.Messages) == 0 {
		return nil, perr(name, 1, "no chat messages: the text is empty")
	}
	sortMessages(t.Messages)
	return t, nil
}
