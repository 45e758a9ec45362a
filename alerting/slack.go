package alerting

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/chat"
	"github.com/slack-go/slack"
)

// SourceSlack names the Slack Events API receiver in logs.
const SourceSlack = "slack"

// SlackReplayWindow is how far a request's X-Slack-Request-Timestamp may be
// from now: Slack's advice, five minutes.
const SlackReplayWindow = 5 * time.Minute

// SlackConfig configures POST /hooks/slack.
type SlackConfig struct {
	// SigningSecret verifies X-Slack-Signature (the app's Signing Secret).
	// Empty refuses every request.
	SigningSecret string
	// Channels maps a channel ID to the incident its messages go to. A
	// channel not mapped here goes to the incident whose Communication
	// Channels field names the channel ID (the newest such incident).
	Channels map[string]string
	// Reaction is the emoji whose reaction_added adds the message (default
	// "timeline").
	Reaction string
	// AllMessages adds every message event of a mapped channel; without
	// it message events are acknowledged and ignored.
	AllMessages bool
	// BotToken lets the receiver read the message a reaction names
	// (conversations.history) and the names of authors (users.info):
	// reaction events carry neither. Without it reactions are ignored.
	BotToken string
	// APIURL is Slack's Web API base (default https://slack.com/api/; tests
	// point it at a stand-in).
	APIURL string
}

// slackConfigFromEnv reads HINDSIGHT_SLACK_SIGNING_SECRET,
// HINDSIGHT_SLACK_CHANNELS (C0INC42=INC-20261103-001,...),
// HINDSIGHT_SLACK_REACTION, HINDSIGHT_SLACK_MESSAGES (reaction or all),
// HINDSIGHT_SLACK_BOT_TOKEN and HINDSIGHT_SLACK_API_URL.
func slackConfigFromEnv(getenv func(string) string) (SlackConfig, error) {
	c := SlackConfig{
		SigningSecret: strings.TrimSpace(getenv("HINDSIGHT_SLACK_SIGNING_SECRET")),
		Reaction:      strings.Trim(strings.TrimSpace(getenv("HINDSIGHT_SLACK_REACTION")), ":"),
		BotToken:      strings.TrimSpace(getenv("HINDSIGHT_SLACK_BOT_TOKEN")),
		APIURL:        strings.TrimSpace(getenv("HINDSIGHT_SLACK_API_URL")),
	}
	switch v := strings.ToLower(strings.TrimSpace(getenv("HINDSIGHT_SLACK_MESSAGES"))); v {
	case "", "reaction":
	case "all":
		c.AllMessages = true
	default:
		return SlackConfig{}, hindsight.Errorf(hindsight.EInvalid, "HINDSIGHT_SLACK_MESSAGES: %q: want reaction or all", v)
	}
	for _, pair := range splitList(getenv("HINDSIGHT_SLACK_CHANNELS")) {
		ch, id, ok := strings.Cut(pair, "=")
		ch, id = strings.TrimSpace(ch), strings.TrimSpace(id)
		if !ok || ch == "" || id == "" {
			return SlackConfig{}, hindsight.Errorf(hindsight.EInvalid, "HINDSIGHT_SLACK_CHANNELS: %q: want CHANNEL_ID=INCIDENT_ID", pair)
		}
		if c.Channels == nil {
			c.Channels = map[string]string{}
		}
		c.Channels[ch] = id
	}
	return c, nil
}

// SlackSignature is Slack's v0 signature of body sent at ts (Unix seconds):
// "v0=" and the hex HMAC-SHA256 of "v0:ts:body" under secret.
func SlackSignature(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("v0:" + ts + ":"))
	m.Write(body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

// VerifySlack checks a request's X-Slack-Signature and
// X-Slack-Request-Timestamp against secret at now
// (https://docs.slack.dev/authentication/verifying-requests-from-slack/).
// It returns "" when they are valid, else why not.
func VerifySlack(h http.Header, body []byte, secret string, now time.Time) string {
	if secret == "" {
		return "receiver not configured (no secret set)"
	}
	ts, sig := h.Get("X-Slack-Request-Timestamp"), h.Get("X-Slack-Signature")
	if ts == "" || sig == "" {
		return "no X-Slack-Signature or X-Slack-Request-Timestamp"
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "X-Slack-Request-Timestamp is not Unix seconds"
	}
	if d := now.Sub(time.Unix(sec, 0)); d > SlackReplayWindow || d < -SlackReplayWindow {
		return "X-Slack-Request-Timestamp outside the 5-minute window (replayed or a wrong clock)"
	}
	if !hmac.Equal([]byte(sig), []byte(SlackSignature(secret, ts, body))) {
		return "wrong signature"
	}
	return ""
}

// slackEnvelope is an Events API request: the url_verification handshake
// or an event_callback
// (https://docs.slack.dev/apis/events-api/#callback-field).
type slackEnvelope struct {
	Type      string      `json:"type"`
	Challenge string      `json:"challenge"`
	EventID   string      `json:"event_id"`
	Event     *slackEvent `json:"event"`
}

// slackEvent is the inner event: a message (the fields of slack-go's
// message type) or a reaction_added.
type slackEvent struct {
	slack.Message
	Reaction string `json:"reaction"`
	Item     struct {
		Type    string `json:"type"`
		Channel string `json:"channel"`
		TS      string `json:"ts"`
	} `json:"item"`
}

// SlackResult is the answer to an event callback.
type SlackResult struct {
	Result
	// Ignored says why an event added nothing ("" when it did).
	Reason string `json:"reason,omitempty"`
}

func (r *Receivers) serveSlack(w http.ResponseWriter, req *http.Request) {
	body, err := r.readBody(w, req)
	if err != nil {
		r.fail(w, req, SourceSlack, err)
		return
	}
	if why := VerifySlack(req.Header, body, r.cfg.Slack.SigningSecret, r.svc.Now()); why != "" {
		r.unauthorized(w, req, SourceSlack, why)
		return
	}
	var env slackEnvelope
	if err := decodeJSON(body, &env); err != nil {
		r.fail(w, req, SourceSlack, err)
		return
	}
	switch env.Type {
	case "url_verification":
		if env.Challenge == "" {
			r.fail(w, req, SourceSlack, malformed("challenge: missing"))
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"challenge": env.Challenge})
		return
	case "event_callback":
	default:
		writeJSON(w, http.StatusOK, SlackResult{Result: Result{Ignored: 1}, Reason: "type " + strconv.Quote(env.Type) + " is not an event callback"})
		return
	}
	if env.Event == nil {
		r.fail(w, req, SourceSlack, malformed("event: missing"))
		return
	}
	res, err := r.slackEvent(req.Context(), env.Event)
	if err != nil {
		r.fail(w, req, SourceSlack, err)
		return
	}
	if res.Reason != "" {
		r.log.InfoContext(req.Context(), "slack event ignored", "event", env.EventID, "type", env.Event.Type, "reason", res.Reason)
	}
	// Slack retries anything but a 2xx within 3 seconds; 200 for all
	writeJSON(w, http.StatusOK, res)
}

// slackEvent turns an event into rows of its channel's incident.
func (r *Receivers) slackEvent(ctx context.Context, ev *slackEvent) (*SlackResult, error) {
	ignore := func(why string) (*SlackResult, error) {
		return &SlackResult{Result: Result{Ignored: 1}, Reason: why}, nil
	}
	var msg slack.Message
	channel := ""
	switch ev.Type {
	case "message":
		if !r.cfg.Slack.AllMessages {
			return ignore("message events add rows only with HINDSIGHT_SLACK_MESSAGES=all")
		}
		msg, channel = ev.Message, ev.Channel
	case "reaction_added":
		want := r.cfg.Slack.Reaction
		if want == "" {
			want = "timeline"
		}
		if !strings.EqualFold(ev.Reaction, want) {
			return ignore("reaction " + ev.Reaction + " is not " + want)
		}
		if ev.Item.Type != "message" || ev.Item.Channel == "" || ev.Item.TS == "" {
			return nil, malformed("event.item: a reaction_added on a message names its channel and ts")
		}
		channel = ev.Item.Channel
		if r.cfg.Slack.BotToken == "" {
			return ignore("reading the message a reaction names needs HINDSIGHT_SLACK_BOT_TOKEN")
		}
	default:
		return ignore("event type " + strconv.Quote(ev.Type) + " adds nothing")
	}
	if channel == "" {
		return nil, malformed("event.channel: missing")
	}
	incident, err := r.slackIncident(ctx, channel)
	if err != nil {
		return nil, err
	}
	if incident == "" {
		return ignore("channel " + channel + " maps to no incident (HINDSIGHT_SLACK_CHANNELS, or an incident's Communication Channels naming it)")
	}
	if ev.Type == "reaction_added" {
		m, err := r.slackFetch(ctx, channel, ev.Item.TS)
		if err != nil {
			return nil, err
		}
		if m == nil {
			return ignore("the message " + ev.Item.TS + " is not in the channel's history")
		}
		msg = *m
	}
	names := map[string]string{}
	ids := []string{msg.User}
	for _, m := range slackMention.FindAllStringSubmatch(msg.Text, 5) {
		ids = append(ids, m[1])
	}
	for _, id := range ids {
		if n := r.slackUserName(ctx, id); id != "" && n != "" {
			names[id] = n
		}
	}
	msgs, err := chat.FromSlack([]slack.Message{msg}, names, r.slackChannelLabel(ctx, channel))
	if err != nil {
		return nil, malformed("event.%s", strings.TrimPrefix(hindsight.ErrorMessage(err), "slack: "))
	}
	msgs, _ = chat.Select(msgs, chat.Choice{})
	if len(msgs) == 0 {
		return ignore("the message is one Slack wrote itself (a join, a topic) or was deleted")
	}
	c := chatChange(incident, actor(SourceSlack), msgs)
	_, ar, err := r.accept(ctx, c)
	if err != nil {
		return nil, err
	}
	ar.IncidentID = incident
	return &SlackResult{Result: *ar}, nil
}

// chatChange is the inbox change that adds msgs to the incident id, by a.
func chatChange(id string, a app.Actor, msgs []chat.Message) change {
	c := change{source: SourceChat, group: "incident:" + id, incident: id, by: a}
	for _, m := range msgs {
		c.rows = append(c.rows, row{key: chatKey(id, m), at: m.At, text: m.Text, label: m.SourceLabel(), author: m.Author})
	}
	return c
}

// slackIncident is the incident of a channel: the configured one, else
// the newest incident whose Communication Channels field names the
// channel ID ("" when none).
func (r *Receivers) slackIncident(ctx context.Context, channel string) (string, error) {
	if id := r.cfg.Slack.Channels[channel]; id != "" {
		return id, nil
	}
	page, err := r.svc.Store().FindIncidents(ctx, hindsight.SystemViewer, hindsight.IncidentFilter{Query: channel, Desc: true, Limit: 20})
	if err != nil {
		return "", err
	}
	for _, s := range page.Incidents {
		inc, err := r.svc.Get(ctx, actor(SourceSlack), s.ID)
		if err != nil {
			continue
		}
		if strings.Contains(strings.ToLower(inc.Doc.Detection.Channels), strings.ToLower(channel)) {
			return inc.ID, nil
		}
	}
	return "", nil
}

// slackAPI is the Web API client of the bot token (nil without one).
func (r *Receivers) slackAPI() *slack.Client {
	if r.cfg.Slack.BotToken == "" {
		return nil
	}
	opts := []slack.Option{}
	if u := r.cfg.Slack.APIURL; u != "" {
		if !strings.HasSuffix(u, "/") {
			u += "/"
		}
		opts = append(opts, slack.OptionAPIURL(u))
	}
	return slack.New(r.cfg.Slack.BotToken, opts...)
}

// slackFetch reads the message ts of channel (conversations.history, then
// conversations.replies for a thread reply); nil when Slack has none.
func (r *Receivers) slackFetch(ctx context.Context, channel, ts string) (*slack.Message, error) {
	api := r.slackAPI()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second) // Slack waits 3 s for the answer
	defer cancel()
	h, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: channel, Latest: ts, Oldest: ts, Inclusive: true, Limit: 1})
	if err != nil {
		return nil, hindsight.Errorf(hindsight.EUnavailable, "slack conversations.history: %v", err)
	}
	for i := range h.Messages {
		if h.Messages[i].Timestamp == ts {
			return &h.Messages[i], nil
		}
	}
	replies, _, _, err := api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: channel, Timestamp: ts, Latest: ts, Oldest: ts, Inclusive: true, Limit: 1})
	if err != nil {
		return nil, nil // not a thread
	}
	for i := range replies {
		if replies[i].Timestamp == ts {
			return &replies[i], nil
		}
	}
	return nil, nil
}

// slackMention is a user mention in a message's text (<@U02TARO>).
var slackMention = regexp.MustCompile(`<@([A-Z0-9]+)(?:\|[^>]*)?>`)

// slackChannelLabel names a channel as an export does (#incident-42), by
// conversations.info with the bot token; its ID when that cannot be read.
func (r *Receivers) slackChannelLabel(ctx context.Context, id string) string {
	api := r.slackAPI()
	if api == nil {
		return id
	}
	if n, ok := r.slackNames.Load("channel:" + id); ok {
		return n.(string)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	c, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: id})
	if err != nil || c.Name == "" {
		return id
	}
	r.slackNames.Store("channel:"+id, "#"+c.Name)
	return "#" + c.Name
}

// slackUserName is a user's display name (users.info with the bot token),
// "" when it cannot be read.
func (r *Receivers) slackUserName(ctx context.Context, id string) string {
	api := r.slackAPI()
	if api == nil || id == "" {
		return ""
	}
	if n, ok := r.slackNames.Load(id); ok {
		return n.(string)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	u, err := api.GetUserInfoContext(ctx, id)
	if err != nil {
		return ""
	}
	n := u.Profile.DisplayName
	if n == "" {
		n = u.RealName
	}
	if n != "" {
		r.slackNames.Store(id, n)
	}
	return n
}
