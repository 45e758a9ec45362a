package webhook

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// Routes returns the admin routes: the JSON API under /api/v1/webhooks
// and /api/v1/webhook-deliveries (the HTML page /admin/webhooks is web's).
func (w *Webhooks) Routes() []httpx.Route {
	h := func(f func(http.ResponseWriter, *http.Request) error) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if err := f(rw, r); err != nil {
				writeError(rw, r, err)
			}
		})
	}
	return []httpx.Route{
		{Pattern: "GET /api/v1/webhooks", Access: httpx.Admin, Name: "api.webhooks.list", Handler: h(w.apiList)},
		{Pattern: "POST /api/v1/webhooks", Access: httpx.Admin, Name: "api.webhooks.create", Handler: h(w.apiCreate)},
		{Pattern: "GET /api/v1/webhooks/{id}", Access: httpx.Admin, Name: "api.webhooks.get", Handler: h(w.apiGet)},
		{Pattern: "PATCH /api/v1/webhooks/{id}", Access: httpx.Admin, Name: "api.webhooks.update", Handler: h(w.apiUpdate)},
		{Pattern: "DELETE /api/v1/webhooks/{id}", Access: httpx.Admin, Name: "api.webhooks.delete", Handler: h(w.apiDelete)},
		{Pattern: "GET /api/v1/webhooks/{id}/deliveries", Access: httpx.Admin, Name: "api.webhooks.deliveries", Handler: h(w.apiSubDeliveries)},
		{Pattern: "GET /api/v1/webhook-deliveries", Access: httpx.Admin, Name: "api.webhook_deliveries.list", Handler: h(w.apiDeliveries)},
		{Pattern: "POST /api/v1/webhook-deliveries/{id}/redeliver", Access: httpx.Admin, Name: "api.webhook_deliveries.redeliver", Handler: h(w.apiRedeliver)},
	}
}

// View is a subscription as the API shows it: the secret is shown once,
// in the answer to the create (and to a rotation).
type View struct {
	hindsight.WebhookSubscription
	SecretSet bool `json:"secret_set"`
}

func view(s *hindsight.WebhookSubscription, withSecret bool) View {
	v := View{WebhookSubscription: *s, SecretSet: s.Secret != ""}
	if !withSecret {
		v.Secret = ""
	}
	return v
}

func badParam(name, msg string) error { return httpx.BadParam(name, msg) }

// writeJSON writes an API answer; never cached (a secret is in some).
func writeJSON(rw http.ResponseWriter, status int, v any) {
	rw.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(rw, status, v)
}

// writeError writes err: the one JSON error body under /api/ (httpx),
// plain text on the admin page's form posts.
func writeError(rw http.ResponseWriter, r *http.Request, err error) {
	if strings.HasPrefix(r.URL.Path, "/admin/") {
		status, d, internal := httpx.Describe(err)
		if internal {
			slog.ErrorContext(r.Context(), "webhooks: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		http.Error(rw, d.Message, status)
		return
	}
	httpx.WriteError(rw, r, nil, err)
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, hindsight.Errorf(hindsight.ENotFound, "no webhook or delivery %q", r.PathValue("id"))
	}
	return id, nil
}

func decode(rw http.ResponseWriter, r *http.Request, v any) error {
	return httpx.Decoder{MaxBytes: 64 << 10}.Request(rw, r, v)
}

func (w *Webhooks) apiList(rw http.ResponseWriter, r *http.Request) error {
	subs, err := w.List(r.Context())
	if err != nil {
		return err
	}
	out := make([]View, 0, len(subs))
	for i := range subs {
		out = append(out, view(&subs[i], false))
	}
	writeJSON(rw, http.StatusOK, map[string]any{"webhooks": out})
	return nil
}

func (w *Webhooks) apiCreate(rw http.ResponseWriter, r *http.Request) error {
	var in Input
	if err := decode(rw, r, &in); err != nil {
		return err
	}
	s, err := w.Create(r.Context(), in)
	if err != nil {
		return err
	}
	rw.Header().Set("Location", "/api/v1/webhooks/"+strconv.FormatInt(s.ID, 10))
	writeJSON(rw, http.StatusCreated, view(s, true))
	return nil
}

func (w *Webhooks) apiGet(rw http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	s, err := w.store.FindWebhookByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(rw, http.StatusOK, view(s, false))
	return nil
}

func (w *Webhooks) apiUpdate(rw http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in Input
	if err := decode(rw, r, &in); err != nil {
		return err
	}
	s, err := w.Update(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(rw, http.StatusOK, view(s, in.RotateSecret || in.Secret != nil))
	return nil
}

func (w *Webhooks) apiDelete(rw http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	n, err := w.Remove(r.Context(), id)
	if err != nil {
		return err
	}
	// the count was shown before (pending_deliveries of GET); this is what
	// the removal discarded
	writeJSON(rw, http.StatusOK, map[string]any{"id": id, "discarded_deliveries": n})
	return nil
}

func deliveryFilter(r *http.Request) (hindsight.DeliveryFilter, error) {
	f := hindsight.DeliveryFilter{Status: r.URL.Query().Get("status")}
	switch f.Status {
	case "", hindsight.DeliveryPending, hindsight.DeliveryDelivered, hindsight.DeliveryFailed:
	default:
		return f, badParam("status", "want pending, delivered or failed")
	}
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return f, badParam("limit", "want 1 to 1000")
		}
		f.Limit = n
	}
	return f, nil
}

func (w *Webhooks) apiSubDeliveries(rw http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := w.store.FindWebhookByID(r.Context(), id); err != nil {
		return err
	}
	f, err := deliveryFilter(r)
	if err != nil {
		return err
	}
	f.SubscriptionID = id
	return w.writeDeliveries(rw, r, f)
}

func (w *Webhooks) apiDeliveries(rw http.ResponseWriter, r *http.Request) error {
	f, err := deliveryFilter(r)
	if err != nil {
		return err
	}
	if s := r.URL.Query().Get("webhook"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return badParam("webhook", "want a webhook ID")
		}
		f.SubscriptionID = id
	}
	return w.writeDeliveries(rw, r, f)
}

func (w *Webhooks) writeDeliveries(rw http.ResponseWriter, r *http.Request, f hindsight.DeliveryFilter) error {
	ds, err := w.Deliveries(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(rw, http.StatusOK, map[string]any{"deliveries": ds})
	return nil
}

func (w *Webhooks) apiRedeliver(rw http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := w.Redeliver(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(rw, http.StatusAccepted, d)
	return nil
}
