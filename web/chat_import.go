package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/alerting"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/chat"
)

// ChatImporter adds chat messages to an incident's timeline through the
// alert inbox (alerting.Receivers): one revision, each message once.
type ChatImporter interface {
	ImportChat(ctx context.Context, a app.Actor, id string, msgs []chat.Message) (*alerting.ChatResult, error)
	KnownChat(ctx context.Context, id string, msgs []chat.Message) (map[string]bool, error)
}

// chatForm is the Import chat page's form, as posted.
type chatForm struct {
	Text, Since, Until, Zone, Date, Only, Reaction string
	NoBots                                         bool
}

// chatRow is one previewed row.
type chatRow struct {
	Time, Source, Author, Event string
	Known                       bool
}

// chatPreview is what the preview shows.
type chatPreview struct {
	File     string
	Format   string
	Read     int
	Selected int
	New      int
	Rows     []chatRow
}

// chatData is the Import chat page's data.
type chatData struct {
	In      *hindsight.Incident
	Form    chatForm
	Preview *chatPreview
	Error   string
}

// chatMaxBytes bounds an upload: the parser's bound and room for the form.
const chatMaxBytes = chat.MaxBytes + 1<<20

// chatImportPage shows the Import chat form.
func (u *UI) chatImportPage(w http.ResponseWriter, r *http.Request) {
	in, err := u.svc.Get(r.Context(), u.actor(r), r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "chat_import", page{Title: "Import chat into " + in.ID,
		Data: chatData{In: in, Form: chatForm{Zone: "UTC", Only: "all", Reaction: "timeline", Date: startDate(in)}}})
}

func startDate(in *hindsight.Incident) string {
	if s := in.Doc.Summary.Start; s.IsSet() {
		return s.T.Format(hindsight.DateLayout)
	}
	return ""
}

// chatRead reads the posted form and the messages it selects.
func (u *UI) chatRead(w http.ResponseWriter, r *http.Request, in *hindsight.Incident) (chatForm, *chat.Transcript, []chat.Message, string, error) {
	r.Body = http.MaxBytesReader(w, r.Body, chatMaxBytes)
	err := r.ParseMultipartForm(8 << 20)
	if errors.Is(err, http.ErrNotMultipart) {
		err = r.ParseForm()
	}
	var f chatForm
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return f, nil, nil, "", hindsight.Errorf(hindsight.ETooLarge, "the upload is larger than %d MiB", chat.MaxBytes>>20)
		}
		return f, nil, nil, "", hindsight.Errorf(hindsight.EInvalid, "cannot read the form: %v", err)
	}
	v := r.PostFormValue
	f = chatForm{Text: v("text"), Since: v("since"), Until: v("until"), Zone: strings.TrimSpace(v("zone")), Date: v("date"),
		Only: v("only"), Reaction: strings.Trim(strings.TrimSpace(v("reaction")), ":"), NoBots: v("no_bots") != ""}
	bad := func(format string, args ...any) (chatForm, *chat.Transcript, []chat.Message, string, error) {
		return f, nil, nil, "", hindsight.Errorf(hindsight.EInvalid, format, args...)
	}
	var zone *hindsight.Zone
	if f.Zone != "" && !strings.EqualFold(f.Zone, "UTC") {
		z, ok := hindsight.LookupZone(f.Zone)
		if !ok || z.Ambiguous() {
			return bad("Zone: “%s” is not a zone Hindsight knows unambiguously (UTC, PT, Europe/Berlin, +02:00).", f.Zone)
		}
		zone = z
	}
	c := chat.Choice{DropBots: f.NoBots}
	switch f.Only {
	case "", "all":
		c.Only = "all"
	case "pinned":
		c.Only = "pinned"
	case "reaction":
		if f.Reaction == "" {
			return bad("Reaction: name the emoji (timeline for :timeline:).")
		}
		c.Only = "reaction:" + f.Reaction
	default:
		return bad("Messages: choose all, pinned or with a reaction.")
	}
	if _, err := chat.ParseChoice(c.Only); err != nil {
		return bad("Reaction: “%s” is not an emoji name.", f.Reaction)
	}
	for _, b := range []struct {
		label, v string
		to       *time.Time
		whole    bool
	}{{"From", f.Since, &c.Since, false}, {"Until", f.Until, &c.Until, true}} {
		if strings.TrimSpace(b.v) == "" {
			continue
		}
		t, err := hindsight.ParseTimeIn(strings.Replace(b.v, "T", " ", 1), zone)
		if err != nil {
			return bad("%s: “%s” is not a time (2026-11-03 14:00).", b.label, b.v)
		}
		*b.to = t.T
		if b.whole {
			*b.to = t.T.Add(time.Minute - time.Nanosecond)
		}
	}
	var day time.Time
	if f.Date != "" {
		d, err := time.Parse(time.DateOnly, f.Date)
		if err != nil {
			return bad("Date of pasted times: “%s” is not a date (YYYY-MM-DD).", f.Date)
		}
		day = d
	} else if s := in.Doc.Summary.Start; s.IsSet() {
		day = s.T
	}
	name, data := "pasted text", []byte(f.Text)
	if file, hdr, err := r.FormFile("file"); err == nil {
		defer file.Close()
		if hdr.Size > 0 {
			b, err := io.ReadAll(io.LimitReader(file, chat.MaxBytes+1))
			if err != nil {
				return bad("cannot read the file: %v", err)
			}
			name, data = hdr.Filename, b
		}
	}
	if strings.TrimSpace(string(data)) == "" {
		return bad("Choose a file or paste messages.")
	}
	tr, err := chat.Parse(name, data, chat.Options{Date: day, Zone: zone})
	if err != nil {
		return f, nil, nil, name, err
	}
	msgs, err := chat.Select(tr.Messages, c)
	if err != nil {
		return f, nil, nil, name, err
	}
	return f, tr, msgs, name, nil
}

// chatImportPreview shows the rows an import would add (a fragment for
// htmx, the whole page otherwise).
func (u *UI) chatImportPreview(w http.ResponseWriter, r *http.Request) {
	a := u.actor(r)
	in, err := u.svc.Get(r.Context(), a, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d := chatData{In: in}
	f, tr, msgs, name, err := u.chatRead(w, r, in)
	d.Form = f
	status := http.StatusOK
	if err == nil {
		d.Preview, err = u.chatPreviewOf(r.Context(), in.ID, name, tr, msgs)
	}
	if err != nil {
		if c := hindsight.ErrorCode(err); c != hindsight.EInvalid && c != hindsight.ETooLarge {
			u.fail(w, r, err)
			return
		}
		d.Error, status = hindsight.ErrorMessage(err), http.StatusUnprocessableEntity
	}
	if isHTMX(r) {
		u.renderPartial(w, r, status, "chat_import", "chat-preview", d)
		return
	}
	u.render(w, r, status, "chat_import", page{Title: "Import chat into " + in.ID, Data: d})
}

func (u *UI) chatPreviewOf(ctx context.Context, id, name string, tr *chat.Transcript, msgs []chat.Message) (*chatPreview, error) {
	known, err := u.opts.Chat.KnownChat(ctx, id, msgs)
	if err != nil {
		return nil, err
	}
	p := &chatPreview{File: name, Format: tr.Format, Read: len(tr.Messages), Selected: len(msgs)}
	for i, ev := range alerting.ChatRows(msgs) {
		k := known[msgs[i].Key()]
		if !k {
			p.New++
		}
		p.Rows = append(p.Rows, chatRow{Time: ev.Time.String(), Source: ev.Cells[0], Author: ev.Cells[1], Event: ev.Event, Known: k})
	}
	return p, nil
}

// chatImport imports the selected messages as one revision and goes back
// to the incident with what it did.
func (u *UI) chatImport(w http.ResponseWriter, r *http.Request) {
	a := u.actor(r)
	in, err := u.svc.Get(r.Context(), a, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	f, _, msgs, _, err := u.chatRead(w, r, in)
	var res *alerting.ChatResult
	if err == nil {
		res, err = u.opts.Chat.ImportChat(r.Context(), a, in.ID, msgs)
	}
	if err != nil {
		if c := hindsight.ErrorCode(err); c != hindsight.EInvalid && c != hindsight.ETooLarge {
			u.fail(w, r, err)
			return
		}
		d := chatData{In: in, Form: f, Error: hindsight.ErrorMessage(err)}
		if isHTMX(r) {
			u.renderPartial(w, r, http.StatusUnprocessableEntity, "chat_import", "chat-preview", d)
			return
		}
		u.render(w, r, http.StatusUnprocessableEntity, "chat_import", page{Title: "Import chat into " + in.ID, Data: d})
		return
	}
	var msg string
	switch {
	case res.Added == 0:
		msg = fmt.Sprintf("Nothing to add: the %d selected message(s) were imported before.", res.Duplicates)
	case res.Queued:
		msg = fmt.Sprintf("%d message(s) queued for the timeline; they appear in a moment.", res.Added)
	default:
		msg = fmt.Sprintf("Added %d row(s) to the timeline in revision %d (%d imported before).", res.Added, res.Revision, res.Duplicates)
	}
	to := "/incidents/" + url.PathEscape(in.ID) + "#sec-timeline"
	if isHTMX(r) {
		u.setFlash(w, flashOK, msg)
		w.Header().Set("HX-Redirect", to)
		w.WriteHeader(http.StatusOK)
		return
	}
	u.redirectFlash(w, r, to, flashOK, msg)
}
