package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/webhook"
)

// webhooksData is the webhooks admin page's data.
type webhooksData struct {
	Subs       []hindsight.WebhookSubscription
	Deliveries []hindsight.WebhookDelivery
	Events     []string
	RetryFor   string
	// Created is the subscription just added, shown once with its secret.
	Created *hindsight.WebhookSubscription
	// Form is what a refused add posted, shown again.
	Form webhookForm
}

type webhookForm struct {
	URL, Format, Description string
	Events                   map[string]bool
}

// webhooks is the admin page of outbound webhooks: subscriptions, the
// add form and the delivery log.
func (u *UI) webhooks(w http.ResponseWriter, r *http.Request) {
	d := webhooksData{}
	// the subscription just added: "<id>.<secret>", shown once
	if id, secret, ok := strings.Cut(u.takeSecret(w, r, "/admin/webhooks"), "."); ok {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			d.Created = &hindsight.WebhookSubscription{ID: n, Secret: secret}
		}
	}
	u.showWebhooks(w, r, http.StatusOK, page{}, d)
}

func (u *UI) showWebhooks(w http.ResponseWriter, r *http.Request, status int, p page, d webhooksData) {
	var err error
	if d.Subs, err = u.wh.List(r.Context()); err != nil {
		u.fail(w, r, err)
		return
	}
	if d.Deliveries, err = u.wh.Deliveries(r.Context(), hindsight.DeliveryFilter{Limit: 50}); err != nil {
		u.fail(w, r, err)
		return
	}
	d.Events = hindsight.WebhookEvents
	d.RetryFor = humanDuration(u.wh.RetryFor())
	if d.Form.Events == nil {
		d.Form.Events = map[string]bool{}
		for _, e := range d.Events {
			d.Form.Events[e] = true
		}
	}
	p.Title, p.Nav, p.Data = "Webhooks", "webhooks", d
	u.render(w, r, status, "webhooks", p)
}

// webhookCreate adds a subscription and redirects to the page, which
// shows its secret once.
func (u *UI) webhookCreate(w http.ResponseWriter, r *http.Request) {
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	f := r.PostForm
	url, format, desc, secret := f.Get("url"), f.Get("format"), f.Get("description"), f.Get("secret")
	events := f["events"]
	s, err := u.wh.Create(r.Context(), webhook.Input{URL: &url, Events: &events, Format: &format, Description: &desc, Secret: &secret})
	if err != nil {
		if hindsight.ErrorCode(err) != hindsight.EInvalid {
			u.fail(w, r, err)
			return
		}
		form := webhookForm{URL: url, Format: format, Description: desc, Events: map[string]bool{}}
		for _, e := range events {
			form.Events[e] = true
		}
		u.showWebhooks(w, r, http.StatusUnprocessableEntity, page{Error: "Not saved: " + hindsight.ErrorMessage(err)}, webhooksData{Form: form})
		return
	}
	id := strconv.FormatInt(s.ID, 10)
	u.redirectSecret(w, r, "/admin/webhooks", id+"."+s.Secret, "Webhook "+id+" is added.")
}

// webhookID reads the {id} of the path (404 when it is not a number).
func webhookID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, hindsight.Errorf(hindsight.ENotFound, "no webhook %q", r.PathValue("id"))
	}
	return id, nil
}

// webhookToggle sets a subscription active or paused (the state the
// posted active field names; without it, the other state).
func (u *UI) webhookToggle(w http.ResponseWriter, r *http.Request) {
	id, err := webhookID(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	s, err := u.wh.Get(r.Context(), id)
	if err != nil {
		if hindsight.ErrorCode(err) == hindsight.ENotFound {
			// a page loaded before another admin deleted it: back to the
			// list, which no longer shows it, saying so
			verb := "changed"
			switch r.PostForm.Get("active") {
			case "0":
				verb = "disabled"
			case "1":
				verb = "enabled"
			}
			u.redirectFlash(w, r, "/admin/webhooks", flashError, "Webhook "+strconv.FormatInt(id, 10)+" not "+verb+": it does not exist (another administrator may have deleted it).")
			return
		}
		u.fail(w, r, err)
		return
	}
	// the page posts the state its button shows (active=0 on "Disable"), so
	// two admins pressing Disable on the same page do not turn it back on;
	// without it the state flips
	want := !s.Active
	switch r.PostForm.Get("active") {
	case "0":
		want = false
	case "1":
		want = true
	}
	already := ""
	if want == s.Active {
		already = "already "
	} else if s, err = u.wh.SetActive(r.Context(), id, want); err != nil {
		u.fail(w, r, err)
		return
	}
	state := "disabled: its deliveries are paused"
	if s.Active {
		state = "enabled"
	}
	u.redirectFlash(w, r, "/admin/webhooks", flashOK, "Webhook "+strconv.FormatInt(id, 10)+" is "+already+state+".")
}

// webhookDelete removes a subscription and its delivery log.
func (u *UI) webhookDelete(w http.ResponseWriter, r *http.Request) {
	id, err := webhookID(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	n, err := u.wh.Remove(r.Context(), id)
	if err != nil {
		if hindsight.ErrorCode(err) == hindsight.ENotFound {
			u.redirectFlash(w, r, "/admin/webhooks", flashError, "Webhook "+strconv.FormatInt(id, 10)+" not deleted: it does not exist (another administrator may have deleted it).")
			return
		}
		u.fail(w, r, err)
		return
	}
	msg := "Webhook " + strconv.FormatInt(id, 10) + " and its delivery log are deleted."
	if n > 0 {
		msg = "Webhook " + strconv.FormatInt(id, 10) + " is deleted; its " + strconv.Itoa(n) + " pending deliveries are discarded."
	}
	u.redirectFlash(w, r, "/admin/webhooks", flashOK, msg)
}

// webhookRedeliver queues a delivery again.
func (u *UI) webhookRedeliver(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		u.fail(w, r, hindsight.Errorf(hindsight.ENotFound, "no delivery %q", r.PathValue("id")))
		return
	}
	if _, err := u.wh.Redeliver(r.Context(), id); err != nil {
		if hindsight.ErrorCode(err) == hindsight.ENotFound {
			u.redirectFlash(w, r, "/admin/webhooks", flashError, "Delivery "+strconv.FormatInt(id, 10)+" not queued again: it does not exist (deleting a webhook deletes its deliveries).")
			return
		}
		u.fail(w, r, err)
		return
	}
	u.redirectFlash(w, r, "/admin/webhooks#d"+strconv.FormatInt(id, 10), flashOK, "Delivery "+strconv.FormatInt(id, 10)+" is queued again.")
}

// humanDuration writes a duration as people do: "24 hours", "90 minutes".
func humanDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0 && d >= 2*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + " hours"
	case d%time.Minute == 0 && d >= 2*time.Minute:
		return strconv.Itoa(int(d/time.Minute)) + " minutes"
	}
	return d.String()
}
