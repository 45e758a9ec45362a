package webhook

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// Input is a subscription to create or the fields to change (nil: keep).
type Input struct {
	URL         *string   `json:"url"`
	Events      *[]string `json:"events"`
	Secret      *string   `json:"secret"`
	Format      *string   `json:"format"`
	Active      *bool     `json:"active"`
	Description *string   `json:"description"`
	// RotateSecret replaces the secret with a new random one.
	RotateSecret bool `json:"rotate_secret"`
}

// Validate checks a subscription: an absolute http(s) URL, known events
// (or "*"), format json, slack or teams. The error names the fields at
// fault.
func Validate(s *hindsight.WebhookSubscription) error {
	var errs []hindsight.FieldError
	badf := func(f, m string) { errs = append(errs, hindsight.FieldError{Field: f, Message: m}) }
	u, err := url.Parse(s.URL)
	switch {
	case strings.TrimSpace(s.URL) == "":
		badf("url", "required")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		badf("url", "want an absolute http:// or https:// URL")
	case len(s.URL) > 2000:
		badf("url", "at most 2000 characters")
	}
	if len(s.Events) == 0 {
		badf("events", "at least one event (or \"*\" for all): "+strings.Join(hindsight.WebhookEvents, ", "))
	}
	for _, e := range s.Events {
		if e != "*" && !slices.Contains(hindsight.WebhookEvents, e) {
			badf("events", "unknown event "+quote(e)+": want "+strings.Join(hindsight.WebhookEvents, ", ")+" or *")
		}
	}
	if !slices.Contains(hindsight.WebhookFormats, s.Format) {
		badf("format", "want json, slack or teams")
	}
	if len(s.Description) > 500 {
		badf("description", "at most 500 characters")
	}
	if len(s.Secret) > 500 {
		badf("secret", "at most 500 characters")
	}
	if len(errs) == 0 {
		return nil
	}
	return &hindsight.Error{Code: hindsight.EInvalid, Message: errs[0].Field + ": " + errs[0].Message, Fields: errs}
}

func quote(s string) string { return `"` + s + `"` }

func normEvents(in []string) []string {
	var out []string
	for _, e := range in {
		for _, p := range strings.Split(e, ",") {
			if p = strings.TrimSpace(p); p != "" && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

func (in Input) apply(s *hindsight.WebhookSubscription) {
	if in.URL != nil {
		s.URL = strings.TrimSpace(*in.URL)
	}
	if in.Events != nil {
		s.Events = normEvents(*in.Events)
	}
	if in.Secret != nil {
		s.Secret = strings.TrimSpace(*in.Secret)
	}
	if in.Format != nil {
		s.Format = strings.ToLower(strings.TrimSpace(*in.Format))
	}
	if in.Active != nil {
		s.Active = *in.Active
	}
	if in.Description != nil {
		s.Description = strings.TrimSpace(*in.Description)
	}
	if in.RotateSecret {
		s.Secret = NewSecret()
	}
}

// Create adds a subscription: active and json unless in says otherwise,
// with a random secret when none is given. The returned subscription holds
// the secret; later reads through the API do not show it.
func (w *Webhooks) Create(ctx context.Context, in Input) (*hindsight.WebhookSubscription, error) {
	s := &hindsight.WebhookSubscription{Format: hindsight.FormatJSON, Active: true}
	in.apply(s)
	if s.Secret == "" {
		s.Secret = NewSecret()
	}
	if err := Validate(s); err != nil {
		return nil, err
	}
	if err := w.checkDestination(s); err != nil {
		return nil, err
	}
	if err := w.store.CreateWebhook(ctx, s); err != nil {
		return nil, err
	}
	w.audit(ctx, "webhook.create", s.ID, describe(s))
	w.pokeDispatcher()
	return s, nil
}

// Update changes the fields in sets.
func (w *Webhooks) Update(ctx context.Context, id int64, in Input) (*hindsight.WebhookSubscription, error) {
	s, err := w.store.FindWebhookByID(ctx, id)
	if err != nil {
		return nil, err
	}
	old := *s
	old.Events = slices.Clone(s.Events)
	in.apply(s)
	if err := Validate(s); err != nil {
		return nil, err
	}
	if err := w.checkDestination(s); err != nil {
		return nil, err
	}
	if err := w.store.UpdateWebhook(ctx, s); err != nil {
		return nil, err
	}
	w.audit(ctx, "webhook.update", id, changes(&old, s))
	w.pokeDispatcher() // enabled: its runner starts now
	return s, nil
}

// Delete removes a subscription and its deliveries.
func (w *Webhooks) Delete(ctx context.Context, id int64) error {
	_, err := w.Remove(ctx, id)
	return err
}

// Remove removes a subscription and its deliveries and returns how many
// of those were pending (discarded; the subscription's Pending showed it
// before). Disabling a subscription pauses them instead.
func (w *Webhooks) Remove(ctx context.Context, id int64) (int, error) {
	s, err := w.store.FindWebhookByID(ctx, id)
	if err != nil {
		return 0, err
	}
	n, err := w.store.DeleteWebhook(ctx, id)
	if err != nil {
		return n, err
	}
	w.audit(ctx, "webhook.delete", id, "was to "+host(s.URL)+"; "+strconv.Itoa(n)+" pending deliveries discarded")
	return n, nil
}

// Get returns one subscription (with its secret).
func (w *Webhooks) Get(ctx context.Context, id int64) (*hindsight.WebhookSubscription, error) {
	return w.store.FindWebhookByID(ctx, id)
}

// SetActive enables or disables a subscription.
func (w *Webhooks) SetActive(ctx context.Context, id int64, active bool) (*hindsight.WebhookSubscription, error) {
	return w.Update(ctx, id, Input{Active: &active})
}

// RetryFor is how long a delivery is retried before it is given up.
func (w *Webhooks) RetryFor() time.Duration { return w.cfg.RetryFor }

// List returns every subscription.
func (w *Webhooks) List(ctx context.Context) ([]hindsight.WebhookSubscription, error) {
	return w.store.FindWebhooks(ctx)
}

// Deliveries returns the delivery log, newest first.
func (w *Webhooks) Deliveries(ctx context.Context, f hindsight.DeliveryFilter) ([]hindsight.WebhookDelivery, error) {
	return w.store.FindDeliveries(ctx, f)
}

// Redeliver queues a delivery again now, retried for RetryFor.
func (w *Webhooks) Redeliver(ctx context.Context, id int64) (*hindsight.WebhookDelivery, error) {
	if err := w.store.Redeliver(ctx, id, w.now(), w.cfg.RetryFor); err != nil {
		return nil, err
	}
	d, err := w.store.FindDeliveryByID(ctx, id)
	if err == nil {
		w.kickRunner(d.SubscriptionID)
	}
	return d, err
}
