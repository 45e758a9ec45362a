package alerting_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/alerting"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/chat"
	"github.com/slack-go/slack"
)

const slackSecret = "8f742231b10e8888abcd99yyyzzz85a5"

func slackHeaders(secret string, at time.Time, body []byte) http.Header {
	ts := strconv.FormatInt(at.Unix(), 10)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", ts)
	h.Set("X-Slack-Signature", alerting.SlackSignature(secret, ts, body))
	h.Set("Content-Type", "application/json")
	return h
}

// TestSlackSignatureAgreesWithSlackGo checks our signature scheme against
// slack-go's SecretsVerifier both ways: what we sign, it accepts; and for
// valid, tampered, stale and malformed requests alike, we accept exactly
// what it accepts.
func TestSlackSignatureAgreesWithSlackGo(t *testing.T) {
	body := []byte(`{"type":"event_callback","event":{"type":"message","channel":"C0INC42","user":"U01ANN","text":"hi","ts":"1793714520.000200"}}`)
	now := time.Now() // SecretsVerifier reads the real clock
	for _, tc := range []struct {
		name   string
		header func() http.Header
		body   []byte
		secret string
		ok     bool
	}{
		{"signed", func() http.Header { return slackHeaders(slackSecret, now, body) }, body, slackSecret, true},
		{"signed a minute ago", func() http.Header { return slackHeaders(slackSecret, now.Add(-time.Minute), body) }, body, slackSecret, true},
		{"tampered body", func() http.Header { return slackHeaders(slackSecret, now, body) }, append([]byte(" "), body...), slackSecret, false},
		{"other secret", func() http.Header { return slackHeaders("another-secret", now, body) }, body, slackSecret, false},
		{"replayed after 6 minutes", func() http.Header { return slackHeaders(slackSecret, now.Add(-6*time.Minute), body) }, body, slackSecret, false},
		{"from 6 minutes ahead", func() http.Header { return slackHeaders(slackSecret, now.Add(6*time.Minute), body) }, body, slackSecret, false},
		{"timestamp changed", func() http.Header {
			h := slackHeaders(slackSecret, now, body)
			h.Set("X-Slack-Request-Timestamp", strconv.FormatInt(now.Unix()-1, 10))
			return h
		}, body, slackSecret, false},
		{"no signature", func() http.Header {
			h := slackHeaders(slackSecret, now, body)
			h.Del("X-Slack-Signature")
			return h
		}, body, slackSecret, false},
		{"v1 prefix", func() http.Header {
			h := slackHeaders(slackSecret, now, body)
			h.Set("X-Slack-Signature", "v1="+strings.TrimPrefix(h.Get("X-Slack-Signature"), "v0="))
			return h
		}, body, slackSecret, false},
		{"not hex", func() http.Header {
			h := slackHeaders(slackSecret, now, body)
			h.Set("X-Slack-Signature", "v0=zz")
			return h
		}, body, slackSecret, false},
		{"no secret configured", func() http.Header { return slackHeaders("", now, body) }, body, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.header()
			ours := alerting.VerifySlack(h, tc.body, tc.secret, now) == ""
			theirs := false
			if sv, err := slack.NewSecretsVerifier(h, tc.secret); err == nil {
				if _, err := sv.Write(tc.body); err == nil {
					theirs = sv.Ensure() == nil
				}
			}
			if ours != tc.ok || theirs != tc.ok {
				t.Errorf("we accept: %v, slack-go accepts: %v, want %v", ours, theirs, tc.ok)
			}
		})
	}
}

// slackAPI stands in for Slack's Web API: the messages of a channel by ts,
// and users' names.
func slackAPI(t *testing.T, msgs map[string]string, users map[string]string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.Header.Get("Authorization") != "Bearer xoxb-test" && r.Form.Get("token") != "xoxb-test" {
			fmt.Fprint(w, `{"ok":false,"error":"not_authed"}`)
			return
		}
		switch r.URL.Path {
		case "/conversations.history":
			m, ok := msgs[r.Form.Get("channel")+"/"+r.Form.Get("latest")]
			if !ok {
				fmt.Fprint(w, `{"ok":true,"messages":[]}`)
				return
			}
			fmt.Fprintf(w, `{"ok":true,"messages":[%s]}`, m)
		case "/conversations.info":
			if r.Form.Get("channel") != "C0INC42" {
				fmt.Fprint(w, `{"ok":false,"error":"channel_not_found"}`)
				return
			}
			fmt.Fprint(w, `{"ok":true,"channel":{"id":"C0INC42","name":"incident-42","is_channel":true}}`)
		case "/conversations.replies":
			fmt.Fprint(w, `{"ok":false,"error":"thread_not_found"}`)
		case "/users.info":
			n, ok := users[r.Form.Get("user")]
			if !ok {
				fmt.Fprint(w, `{"ok":false,"error":"user_not_found"}`)
				return
			}
			fmt.Fprintf(w, `{"ok":true,"user":{"id":%q,"name":"x","real_name":%q,"profile":{"display_name":%q}}}`, r.Form.Get("user"), n, n)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

type slackReply struct {
	status int
	body   map[string]any
}

func (e *env) slack(body string, hdr http.Header) slackReply {
	e.t.Helper()
	req := httptest.NewRequest("POST", "/hooks/slack", strings.NewReader(body))
	req.Header = hdr
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	out := slackReply{status: w.Code}
	if err := json.Unmarshal(w.Body.Bytes(), &out.body); err != nil {
		e.t.Fatalf("answer %q: %v", w.Body.String(), err)
	}
	return out
}

func TestSlackHook(t *testing.T) {
	api := slackAPI(t, map[string]string{
		"C0INC42/1795687560.000300": `{"type":"message","user":"U02TARO","text":"DB pool exhausted <@U01ANN>","ts":"1795687560.000300"}`,
	}, map[string]string{"U01ANN": "Ann", "U02TARO": "田中 太郎"})
	e := newEnvWith(t, openSQLite)
	e = build(t, e.store, e.clock, func(c *alerting.Config) {
		c.Slack = alerting.SlackConfig{SigningSecret: slackSecret, Channels: map[string]string{}, AllMessages: true, BotToken: "xoxb-test", APIURL: api.URL}
	})
	ctx := t.Context()
	mk := func(title, channels string) string {
		doc := &hindsight.Postmortem{Title: title, Status: hindsight.StatusDraft}
		doc.Detection.Channels = channels
		inc, err := e.svc.Create(ctx, app.System, doc, app.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return inc.ID
	}
	mapped := mk("Checkout latency", "")
	byField := mk("Search outage", "Slack #inc-search (C0SEARCH), Zoom")
	// rebuild with the mapping now that the incident exists
	e = build(t, e.store, e.clock, func(c *alerting.Config) {
		c.Slack = alerting.SlackConfig{SigningSecret: slackSecret, Channels: map[string]string{"C0INC42": mapped}, AllMessages: true, BotToken: "xoxb-test", APIURL: api.URL}
	})
	now := e.clock.Now()
	signed := func(body string) http.Header { return slackHeaders(slackSecret, now, []byte(body)) }
	message := `{"type":"event_callback","event_id":"Ev1","event":{"type":"message","channel":"C0INC42","user":"U01ANN","text":"Checkout p99 is at 4s :fire:","ts":"1795687500.000200"}}`
	reaction := `{"type":"event_callback","event_id":"Ev2","event":{"type":"reaction_added","user":"U01ANN","reaction":"timeline","item_user":"U02TARO","item":{"type":"message","channel":"C0INC42","ts":"1795687560.000300"}}}`
	for _, tc := range []struct {
		name   string
		body   string
		hdr    http.Header
		status int
		want   string // a key=value of the answer
	}{
		{"handshake", `{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`, nil, 200, "challenge=3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"},
		{"unsigned", message, http.Header{}, 401, ""},
		{"stale", message, slackHeaders(slackSecret, now.Add(-10*time.Minute), []byte(message)), 401, ""},
		{"tampered", strings.Replace(message, "4s", "1s", 1), signed(message), 401, ""},
		{"message", message, nil, 200, "accepted=1"},
		{"message again (Slack's retry)", message, nil, 200, "duplicates=1"},
		{"reaction", reaction, nil, 200, "accepted=1"},
		{"other reaction", strings.Replace(reaction, `"timeline"`, `"eyes"`, 1), nil, 200, "ignored=1"},
		{"channel join", `{"type":"event_callback","event":{"type":"message","subtype":"channel_join","channel":"C0INC42","user":"U9","text":"<@U9> has joined the channel","ts":"1795687561.000000"}}`, nil, 200, "ignored=1"},
		{"unmapped channel", strings.Replace(message, "C0INC42", "C0OTHER", 1), nil, 200, "ignored=1"},
		{"channel named by the incident", strings.NewReplacer("C0INC42", "C0SEARCH", "1795687500.000200", "1795687510.000100").Replace(message), nil, 200, "accepted=1"},
		{"not JSON", `{"type":`, nil, 400, ""},
		{"bad ts", `{"type":"event_callback","event":{"type":"message","channel":"C0INC42","user":"U01ANN","text":"x","ts":"soon"}}`, nil, 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hdr := tc.hdr
			if hdr == nil {
				hdr = signed(tc.body)
			}
			got := e.slack(tc.body, hdr)
			if got.status != tc.status {
				t.Fatalf("status %d, want %d: %v", got.status, tc.status, got.body)
			}
			if k, v, ok := strings.Cut(tc.want, "="); ok && fmt.Sprint(got.body[k]) != v {
				t.Errorf("%s = %v, want %s: %v", k, got.body[k], v, got.body)
			}
		})
	}
	if _, err := e.r.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	rows := func(id string) string {
		inc, err := e.svc.Get(ctx, app.System, id)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, ev := range inc.Doc.Timeline {
			out = append(out, ev.Time.String()+" "+ev.Event+" | "+strings.Join(ev.Cells, " | "))
		}
		return strings.Join(out, "\n")
	}
	if got, want := rows(mapped), "2026-11-26 10:05 Checkout p99 is at 4s :fire: | slack #incident-42 | Ann\n2026-11-26 10:06 DB pool exhausted @Ann | slack #incident-42 | 田中 太郎"; got != want {
		t.Errorf("mapped incident:\n%s\nwant\n%s", got, want)
	}
	if got := rows(byField); !strings.Contains(got, "| slack C0SEARCH | Ann") {
		t.Errorf("incident naming the channel:\n%s", got)
	}
	// the same message from the export later adds nothing: one key per ts
	var m slack.Message
	m.Type, m.User, m.Text, m.Timestamp = "message", "U01ANN", "Checkout p99 is at 4s :fire:", "1795687500.000200"
	msgs, err := chat.FromSlack([]slack.Message{m}, nil, "#incident-42")
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.r.ImportChat(ctx, app.System, mapped, msgs)
	if err != nil || res.Added != 0 || res.Duplicates != 1 {
		t.Fatalf("%+v %v", res, err)
	}
}

func TestSlackConfigFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := alerting.ConfigFromEnv(env(map[string]string{
		"HINDSIGHT_SLACK_SIGNING_SECRET": " s3cret ", "HINDSIGHT_SLACK_CHANNELS": "C0INC42=INC-20261103-001, C0DB = INC-20261104-002",
		"HINDSIGHT_SLACK_REACTION": ":pushpin:", "HINDSIGHT_SLACK_MESSAGES": "all", "HINDSIGHT_SLACK_BOT_TOKEN": "xoxb-1",
	}))
	if err != nil {
		t.Fatal(err)
	}
	s := c.Slack
	if s.SigningSecret != "s3cret" || s.Channels["C0INC42"] != "INC-20261103-001" || s.Channels["C0DB"] != "INC-20261104-002" || s.Reaction != "pushpin" || !s.AllMessages || s.BotToken != "xoxb-1" {
		t.Errorf("%+v", s)
	}
	for k, v := range map[string]string{"HINDSIGHT_SLACK_CHANNELS": "C0INC42", "HINDSIGHT_SLACK_MESSAGES": "some"} {
		if _, err := alerting.ConfigFromEnv(env(map[string]string{k: v})); hindsight.ErrorCode(err) != hindsight.EInvalid || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
}

// Without a bot token a reaction cannot be read: acknowledged, ignored,
// and the reason says what to set. Message events are ignored unless all
// messages are taken.
func TestSlackHookWithoutToken(t *testing.T) {
	e := newEnv(t)
	inc, err := e.svc.Create(t.Context(), app.System, &hindsight.Postmortem{Title: "x", Status: hindsight.StatusDraft}, app.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e = build(t, e.store, e.clock, func(c *alerting.Config) {
		c.Slack = alerting.SlackConfig{SigningSecret: slackSecret, Channels: map[string]string{"C0INC42": inc.ID}}
	})
	for body, reason := range map[string]string{
		`{"type":"event_callback","event":{"type":"reaction_added","reaction":"timeline","item":{"type":"message","channel":"C0INC42","ts":"1795687500.000200"}}}`: "HINDSIGHT_SLACK_BOT_TOKEN",
		`{"type":"event_callback","event":{"type":"message","channel":"C0INC42","user":"U1","text":"x","ts":"1795687500.000200"}}`:                                 "HINDSIGHT_SLACK_MESSAGES=all",
		`{"type":"app_rate_limited"}`: "not an event callback",
	} {
		got := e.slack(body, slackHeaders(slackSecret, e.clock.Now(), []byte(body)))
		if got.status != 200 || fmt.Sprint(got.body["ignored"]) != "1" || !strings.Contains(fmt.Sprint(got.body["reason"]), reason) {
			t.Errorf("%s: %d %v", body, got.status, got.body)
		}
	}
	if n := len(e.inbox()); n != 0 {
		t.Errorf("%d inbox entries", n)
	}
}
