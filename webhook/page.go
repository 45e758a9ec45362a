package webhook

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/hindsight-pm/hindsight"
)

//go:embed templates/webhooks.html
var templatesFS embed.FS

var pageTmpl = template.Must(template.New("webhooks.html").Funcs(template.FuncMap{
	"fmtTime": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
	},
}).ParseFS(templatesFS, "templates/webhooks.html"))

type pageData struct {
	Subs       []hindsight.WebhookSubscription
	Deliveries []hindsight.WebhookDelivery
	Events     []string
	RetryFor   string
	Created    *hindsight.WebhookSubscription
	Error      string
}

func (w *Webhooks) render(rw http.ResponseWriter, r *http.Request, status int, d pageData) error {
	var err error
	if d.Subs, err = w.List(r.Context()); err != nil {
		return err
	}
	if d.Deliveries, err = w.Deliveries(r.Context(), hindsight.DeliveryFilter{Limit: 50}); err != nil {
		return err
	}
	d.Events = hindsight.WebhookEvents
	d.RetryFor = human(w.cfg.RetryFor)
	var buf bytes.Buffer
	if err := pageTmpl.Execute(&buf, d); err != nil {
		return err
	}
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.Header().Set("Cache-Control", "no-store")
	rw.WriteHeader(status)
	_, err = rw.Write(buf.Bytes())
	return err
}

// sameSite refuses form posts a browser marks as cross-site (a cheap
// guard; the server's session layer owns CSRF protection).
func sameSite(r *http.Request) error {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return hindsight.Errorf(hindsight.EForbidden, "cross-site form post refused")
	}
	return nil
}

func (w *Webhooks) pageShow(rw http.ResponseWriter, r *http.Request) error {
	return w.render(rw, r, http.StatusOK, pageData{})
}

func (w *Webhooks) pageCreate(rw http.ResponseWriter, r *http.Request) error {
	if err := sameSite(r); err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(rw, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return badRequest("bad form: " + err.Error())
	}
	url, format, desc, secret := r.PostForm.Get("url"), r.PostForm.Get("format"), r.PostForm.Get("description"), r.PostForm.Get("secret")
	events := r.PostForm["events"]
	s, err := w.Create(r.Context(), Input{URL: &url, Events: &events, Format: &format, Description: &desc, Secret: &secret})
	if err != nil {
		if hindsight.ErrorCode(err) == hindsight.EInvalid {
			return w.render(rw, r, http.StatusUnprocessableEntity, pageData{Error: hindsight.ErrorMessage(err)})
		}
		return err
	}
	return w.render(rw, r, http.StatusCreated, pageData{Created: s})
}

func (w *Webhooks) pageToggle(rw http.ResponseWriter, r *http.Request) error {
	if err := sameSite(r); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	s, err := w.store.FindWebhookByID(r.Context(), id)
	if err != nil {
		return err
	}
	active := !s.Active
	if _, err := w.Update(r.Context(), id, Input{Active: &active}); err != nil {
		return err
	}
	http.Redirect(rw, r, "/admin/webhooks", http.StatusSeeOther)
	return nil
}

func (w *Webhooks) pageDelete(rw http.ResponseWriter, r *http.Request) error {
	if err := sameSite(r); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := w.Delete(r.Context(), id); err != nil {
		return err
	}
	http.Redirect(rw, r, "/admin/webhooks", http.StatusSeeOther)
	return nil
}

func (w *Webhooks) pageRedeliver(rw http.ResponseWriter, r *http.Request) error {
	if err := sameSite(r); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := w.Redeliver(r.Context(), id); err != nil {
		return err
	}
	http.Redirect(rw, r, "/admin/webhooks#d"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// human writes a duration as people do: "24 hours", "90 minutes".
func human(d time.Duration) string {
	switch {
	case d%time.Hour == 0 && d >= 2*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + " hours"
	case d%time.Minute == 0 && d >= 2*time.Minute:
		return strconv.Itoa(int(d/time.Minute)) + " minutes"
	}
	return d.String()
}
