package chat_test

import (
	"archive/zip"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/chat"
)

var day = time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)

func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// zipDir zips a fixture directory as Slack's export does.
func zipDir(t testing.TB, dir string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	root := filepath.Join("testdata", dir)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		w, err := zw.Create(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		_, err = w.Write(read(t, filepath.Join(dir, rel)))
		return err
	})
	if err != nil || zw.Close() != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// row is what a test expects of a message.
type row struct {
	at, author, text string
	flags            string // p pinned, b bot, e edited, s system, t thread reply
}

func flags(m chat.Message) string {
	f := ""
	for _, x := range []struct {
		on bool
		c  string
	}{{m.Pinned, "p"}, {m.Bot, "b"}, {m.Edited, "e"}, {m.System, "s"}, {m.Thread != "", "t"}} {
		if x.on {
			f += x.c
		}
	}
	return f
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, format string
		data         []byte
		want         []row
	}{
		{"slack-export.zip", "slack-export", zipDir(t, "slack-export"), []row{
			{"2026-11-03T14:00:00.0001Z", "Алексей Иванов", "@Алексей Иванов has joined the channel", "s"},
			{"2026-11-03T14:02:00.0002Z", "Ann", "Checkout p99 is at 4s :fire: @here", "p"},
			{"2026-11-03T14:03:00Z", "田中 太郎", "DBの接続プールが枯渇しています <pool=orders>", "t"},
			{"2026-11-03T14:03:20Z", "Ann", "FYI incident in #incident-42", ""},
			{"2026-11-03T14:04:00.0003Z", "PagerDuty", "Triggered: checkout-latency (P1)", "b"},
			{"2026-11-03T14:05:00Z", "Алексей Иванов", "Rolled back to release 812 (https://deploy.example.com/r/812) | see #general", "e"},
			{"2026-11-03T14:06:00.0005Z", "Ann", "graph from the dashboard [file: p99 latency]", ""},
			{"2026-11-03T14:07:00Z", "Алексей Иванов", "@Алексей Иванов has left the channel", "s"},
			{"2026-11-04T08:00:00.000001Z", "Ann", "Postmortem draft is up, mentioning @田中 太郎 :memo:", ""},
		}},
		{"slack-history.json", "slack-history", read(t, "slack-history.json"), []row{
			{"2026-11-03T14:07:40Z", "U04X", "@U04X has joined the channel", "s"},
			{"2026-11-03T14:07:50Z", "deploy-bot", "Deploy 813 finished", "b"},
			{"2026-11-03T14:08:00.0001Z", "U02TARO", "Pool size raised to 200 @U01ANN", "p"},
			{"2026-11-03T14:10:00.0002Z", "U01ANN", "Error rate back to baseline", ""},
		}},
		{"teams-collection.json", "teams", read(t, "teams-collection.json"), []row{
			{"2026-11-03T14:02:05.123Z", "Ann Lee", "@田中 太郎 checkout p99 is at 4s 🔥", ""},
			{"2026-11-03T14:03:10Z", "田中 太郎", "Pool <orders> exhausted & retrying\n\nsecond paragraph", "et"},
			{"2026-11-03T14:03:20Z", "unknown", "", "s"},
			{"2026-11-03T14:05:00Z", "Grafana", "dashboard export [file: p99.png]", "b"},
		}},
		{"teams-pinned.json", "teams", read(t, "teams-pinned.json"), []row{
			{"2026-11-03T14:02:05.123Z", "Ann Lee", "@田中 太郎 checkout p99 is at 4s 🔥", "p"},
		}},
		{"teams-message.json", "teams", read(t, "teams-message.json"), []row{
			{"2026-11-03T14:10:00.5Z", "Алексей Иванов", "Rolled back release 812 successfully", ""},
		}},
		{"paste-bracket.txt", "text", read(t, "paste-bracket.txt"), []row{
			{"2026-11-03T14:02:00Z", "Ann Lee", "checkout p99 is at 4s :fire:", ""},
			{"2026-11-03T14:03:00Z", "田中 太郎", "DB pool exhausted\nstack trace in the thread", ""},
			{"2026-11-03T14:05:00Z", "Алексей", "rolling back release 812", ""},
			{"2026-11-03T14:20:00Z", "Ann Lee", "error rate back to baseline :white_check_mark:", ""},
		}},
		{"paste-header.txt", "text", read(t, "paste-header.txt"), []row{
			{"2026-11-03T14:02:00Z", "Ann Lee", "checkout p99 is at 4s :fire:", ""},
			{"2026-11-03T14:03:00Z", "Ann Lee", "opening an incident", ""},
			{"2026-11-03T14:04:00Z", "田中 太郎", "DB pool exhausted", "e"},
			{"2026-11-03T14:10:00Z", "Alexei", "rolled back", ""},
		}},
		{"paste-slack-today.txt", "text", read(t, "paste-slack-today.txt"), []row{
			{"2026-11-02T23:58:00Z", "Alexei", "deploy 812 started", ""},
			{"2026-11-03T14:02:00Z", "Ann Lee", "checkout p99 is at 4s", ""},
			{"2026-11-03T14:04:00Z", "田中 太郎", "DB pool exhausted", ""},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := chat.Parse(tc.name, tc.data, chat.Options{Date: day})
			if err != nil {
				t.Fatal(err)
			}
			if tr.Format != tc.format {
				t.Errorf("format %q, want %q", tr.Format, tc.format)
			}
			if len(tr.Messages) != len(tc.want) {
				t.Fatalf("%d messages, want %d: %+v", len(tr.Messages), len(tc.want), tr.Messages)
			}
			seen := map[string]bool{}
			for i, m := range tr.Messages {
				w := tc.want[i]
				got := row{m.At.Format(time.RFC3339Nano), m.Author, m.Text, flags(m)}
				if got != w {
					t.Errorf("message %d:\n got %+v\nwant %+v", i, got, w)
				}
				if m.ID == "" || seen[m.Key()] {
					t.Errorf("message %d: key %q empty or repeated", i, m.Key())
				}
				seen[m.Key()] = true
			}
		})
	}
}

func TestExportDirectory(t *testing.T) {
	tr, err := chat.ParseExport("slack-export", os.DirFS(filepath.Join("testdata", "slack-export")))
	if err != nil {
		t.Fatal(err)
	}
	z, err := chat.Parse("x.zip", zipDir(t, "slack-export"), chat.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Messages) != 9 || len(z.Messages) != len(tr.Messages) {
		t.Fatalf("directory %d messages, zip %d, want 9", len(tr.Messages), len(z.Messages))
	}
	if m := tr.Messages[1]; m.Channel != "#incident-42" || m.ID != "1793714520.000200" || m.SourceLabel() != "slack #incident-42" || !m.HasReaction(":timeline:") || !m.HasReaction("FIRE") {
		t.Errorf("message 1: %+v", m)
	}
}

// Pasted times are read in the zone given, by the document core's rules.
func TestTextZone(t *testing.T) {
	z, ok := hindsight.LookupZone("America/Los_Angeles")
	if !ok {
		t.Fatal("no zone")
	}
	tr, err := chat.Parse("paste", []byte("[14:02] Ann: up\n[2:05 PM] Ann: down\n"), chat.Options{Date: day, Zone: z})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"2026-11-03T22:02:00Z", "2026-11-03T22:05:00Z"} {
		if got := tr.Messages[i].At.Format(time.RFC3339); got != want {
			t.Errorf("message %d at %s, want %s (PST is UTC-8 in November)", i, got, want)
		}
	}
	// the same paste twice has the same keys
	again, _ := chat.Parse("paste", []byte("[14:02] Ann: up\n[2:05 PM] Ann: down\n"), chat.Options{Date: day, Zone: z})
	if again.Messages[0].Key() != tr.Messages[0].Key() {
		t.Error("the same pasted line got another key")
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, data, want string
	}{
		{"a.txt", "hello there\n[14:02] Ann: x", "a.txt:1: not the start of a chat message"},
		{"b.txt", "\n\n", "b.txt:1: no chat messages"},
		{"c.json", "{\"ok\": true,\n \"messages\": [\n{\"ts\": 5}]}", "c.json:3: messages.ts: JSON number"},
		{"d.json", "{\"ok\": true, \"messages\": [{\"ts\": \"yesterday\"}]}", "d.json: messages[0].ts: \"yesterday\""},
		{"e.json", "{\"ok\": false, \"error\": \"not_in_channel\"}", "e.json:1: the answer is an error"},
		{"f.json", "{\n\"value\": [{\"id\": \"1\", \"createdDateTime\": \"noon\"}]}", "f.json: messages[0].createdDateTime: \"noon\""},
		{"g.json", "[{\"a\": 1,}]", "g.json:1: not valid JSON"},
		{"h.json", "{\"kind\": \"other\"}", "h.json:1: JSON that is no chat transcript"},
		{"i.zip", "PK\x03\x04garbage", "i.zip: not a readable zip file"},
		{"j.txt", "[25:99] Ann: x", "j.txt:1: \"25:99\": not a time"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := chat.Parse(tc.name, []byte(tc.data), chat.Options{Date: day})
			if err == nil || !strings.Contains(err.Error(), tc.want) || hindsight.ErrorCode(err) != hindsight.EInvalid {
				t.Fatalf("error %v (%s), want one containing %q, invalid", err, hindsight.ErrorCode(err), tc.want)
			}
		})
	}
}

func TestSelect(t *testing.T) {
	tr, err := chat.Parse("x.zip", zipDir(t, "slack-export"), chat.Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	for _, tc := range []struct {
		name string
		c    chat.Choice
		want []string // IDs
	}{
		{"all but the chat's own", chat.Choice{}, []string{"1793714520.000200", "1793714580.000000", "1793714600.000000", "1793714640.000300", "1793714700.000000", "1793714760.000500", "1793779200.000001"}},
		{"pinned", chat.Choice{Only: "pinned"}, []string{"1793714520.000200"}},
		{"reaction", chat.Choice{Only: "reaction::timeline:"}, []string{"1793714520.000200", "1793714700.000000", "1793779200.000001"}},
		{"reaction in a window", chat.Choice{Only: "reaction:timeline", Since: at("2026-11-03T14:03:00Z"), Until: at("2026-11-03T23:59:00Z")}, []string{"1793714700.000000"}},
		{"no bots", chat.Choice{DropBots: true, Until: at("2026-11-03T14:04:30Z")}, []string{"1793714520.000200", "1793714580.000000", "1793714600.000000"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := chat.Select(tr.Messages, tc.c)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, m := range got {
				ids = append(ids, m.ID)
			}
			if strings.Join(ids, " ") != strings.Join(tc.want, " ") {
				t.Errorf("got %v\nwant %v", ids, tc.want)
			}
		})
	}
	for _, bad := range []chat.Choice{{Only: "starred"}, {Only: "reaction:"}, {Since: at("2026-11-04T00:00:00Z"), Until: at("2026-11-03T00:00:00Z")}} {
		if _, err := chat.Select(tr.Messages, bad); hindsight.ErrorCode(err) != hindsight.EInvalid {
			t.Errorf("%+v: error %v, want invalid", bad, err)
		}
	}
}
