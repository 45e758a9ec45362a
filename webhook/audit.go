package webhook

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
)

// audit records a change of a subscription in the audit log ("webhook.
// create", "webhook.update", "webhook.delete", target "webhook:<id>") by
// the actor of ctx (an admin's request; the CLI is "system"), when the
// store keeps one. A subscription decides where incident data is posted,
// so who added or redirected one must be on record. The detail names the
// receiver's host, never its full URL (a Slack or Teams URL is itself a
// credential) nor the signing secret.
func (w *Webhooks) audit(ctx context.Context, action string, id int64, detail string) {
	as, ok := w.incidents.(hindsight.AccountStore)
	if !ok {
		return
	}
	a := app.ActorFrom(ctx)
	actor := a.ID
	if actor == "" {
		actor = "anonymous"
	}
	e := hindsight.AuditEntry{At: w.now(), Actor: actor, Action: action, Target: "webhook:" + strconv.FormatInt(id, 10), Address: a.Address, Detail: detail}
	if err := as.WriteAudit(ctx, []hindsight.AuditEntry{e}); err != nil {
		w.log.Error("webhook: write the audit record", "action", action, "webhook", id, "err", err)
	}
}

// host is the receiver's host of a subscription URL, for the audit log.
func host(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return "?"
}

// describe is the audit detail of a new subscription.
func describe(s *hindsight.WebhookSubscription) string {
	state := "active"
	if !s.Active {
		state = "paused"
	}
	return "to " + host(s.URL) + ", " + s.Format + ", " + state + ", events " + strings.Join(s.Events, ", ")
}

// changes is the audit detail of an update: what changed from old to s.
func changes(old, s *hindsight.WebhookSubscription) string {
	var out []string
	if old.URL != s.URL {
		out = append(out, "url to "+host(s.URL))
	}
	if strings.Join(old.Events, ",") != strings.Join(s.Events, ",") {
		out = append(out, "events "+strings.Join(s.Events, ", "))
	}
	if old.Format != s.Format {
		out = append(out, "format "+s.Format)
	}
	if old.Description != s.Description {
		out = append(out, "description")
	}
	if old.Secret != s.Secret {
		out = append(out, "new secret")
	}
	if old.Active != s.Active {
		if s.Active {
			out = append(out, "enabled")
		} else {
			out = append(out, "disabled")
		}
	}
	if len(out) == 0 {
		return "no change"
	}
	return strings.Join(out, "; ")
}
