package chat_test

import (
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/chat"
)

// FuzzParse feeds every parser (the detection picks one from the bytes):
// it must not panic, must return either messages or an invalid (or too
// large) error, and every message must have a key and a time.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"slack-history.json", "teams-collection.json", "teams-message.json", "teams-pinned.json", "paste-bracket.txt", "paste-header.txt", "paste-slack-today.txt", "slack-export/incident-42/2026-11-03.json"} {
		f.Add(read(f, name))
	}
	f.Add(zipDir(f, "slack-export"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := chat.Parse("fuzz", b, chat.Options{Date: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			if c := hindsight.ErrorCode(err); c != hindsight.EInvalid && c != hindsight.ETooLarge {
				t.Fatalf("error code %s: %v", c, err)
			}
			return
		}
		for _, m := range tr.Messages {
			if m.ID == "" || m.At.IsZero() && tr.Format != "slack-history" && tr.Format != "slack-export" {
				t.Fatalf("message without a key or time: %+v", m)
			}
			if tr.Format == "text" && !utf8.ValidString(m.Author) && utf8.Valid(b) {
				t.Fatalf("author %q is not UTF-8", m.Author)
			}
		}
		if _, err := chat.Select(tr.Messages, chat.Choice{Only: "reaction:timeline"}); err != nil {
			t.Fatal(err)
		}
	})
}
