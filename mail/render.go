package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strconv"
	"strings"
	texttemplate "text/template"

	"github.com/hindsight-pm/hindsight"
	gomail "github.com/wneessen/go-mail"
)

// The email templates: a plain-text and an HTML part of one message, for a
// notification and for a digest (both list items). Emails are not web
// pages: they stand alone (no layout, stylesheet or scripts of web/).
//
//go:embed templates/email_*.tmpl
var templateFS embed.FS

type templates struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

func parseTemplates() (*templates, error) {
	t, err := texttemplate.New("").Funcs(texttemplate.FuncMap{"indent": indent}).ParseFS(templateFS, "templates/email_*.txt.tmpl")
	if err != nil {
		return nil, fmt.Errorf("mail: text templates: %w", err)
	}
	h, err := htmltemplate.New("").Funcs(htmltemplate.FuncMap{"lines": lines}).ParseFS(templateFS, "templates/email_*.html.tmpl")
	if err != nil {
		return nil, fmt.Errorf("mail: HTML templates: %w", err)
	}
	return &templates{text: t, html: h}, nil
}

// lines splits text into its lines.
func lines(s string) []string {
	return strings.Split(strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")), "\n")
}

// indent quotes text in a plain-text message: each line after "  > ".
func indent(s string) string {
	ls := lines(s)
	for i := range ls {
		ls[i] = "  > " + ls[i]
	}
	return strings.Join(ls, "\n")
}

// content is what a message's templates get.
type content struct {
	Subject string
	// Name is the recipient's name.
	Name  string
	Items []item
	// Unsubscribe turns the recipient's mail off; Account is where they
	// choose immediate, digest or off.
	Unsubscribe string
	Account     string
}

// Digest reports whether the message is a digest.
func (c *content) Digest() bool { return len(c.Items) > 1 || (len(c.Items) == 1 && c.Items[0].digest) }

// item is one event, as a message says it.
type item struct {
	Subject string
	// Headline says what happened in one sentence.
	Headline string
	// Quote is the review's or comment's text ("" when none).
	Quote string
	// Link opens the incident.
	Link     string
	Incident string
	Title    string
	digest   bool
}

// reviewVerb says what a review of state did.
func reviewVerb(state string) string {
	switch state {
	case "approved":
		return "approved"
	case "changes_requested":
		return "requested changes on"
	default:
		return "commented on"
	}
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// describe words an event.
func (m *Mailer) describe(e *event) item {
	it := item{Incident: e.IncidentID, Title: e.Title, Link: m.cfg.BaseURL + "/incidents/" + e.IncidentID}
	name := e.IncidentID
	if e.Title != "" {
		name += " " + e.Title
	}
	who := firstOf(e.Actor, "Someone")
	switch e.Event {
	case "review.requested":
		it.Subject = "Review requested: " + name
		it.Headline = who + " asked you to review " + name + "."
	case "review.submitted":
		verb := "reviewed"
		if e.Review != nil {
			who = firstOf(e.Review.ReviewerName, e.Review.ReviewerEmail, e.Actor, "Someone")
			verb = reviewVerb(e.Review.State)
			it.Quote = e.Review.Body
		}
		it.Subject = who + " " + verb + " " + name
		it.Headline = it.Subject + "."
		if e.Review != nil && e.Review.Revision > 0 {
			it.Headline = fmt.Sprintf("%s %s %s (revision %d).", who, verb, name, e.Review.Revision)
		}
	case "comment.created":
		if e.Comment != nil {
			who = firstOf(e.Comment.AuthorName, e.Comment.AuthorEmail, e.Actor, "Someone")
			it.Quote = e.Comment.Body
			if e.Comment.ID > 0 {
				it.Link += "#comment-" + strconv.FormatInt(e.Comment.ID, 10)
			}
		}
		it.Subject = "New comment on " + name
		it.Headline = who + " commented on " + name + "."
	case "postmortem.due_soon":
		it.Subject = "Postmortem due " + day(e) + ": " + name
		it.Headline = "The postmortem of " + name + " is due on " + day(e) + "."
	case "postmortem.overdue":
		it.Subject = "Postmortem overdue: " + name
		it.Headline = "The postmortem of " + name + " was due on " + day(e) + " and is not published yet."
	default:
		it.Subject = e.Event + ": " + name
		it.Headline = it.Subject + "."
	}
	it.Subject = "[Hindsight] " + it.Subject
	return it
}

func day(e *event) string {
	if e.DueAt.IsZero() {
		return "(no date)"
	}
	return e.DueAt.UTC().Format("Mon 2 Jan 2006")
}

// message builds the email of msg to u.
func (m *Mailer) message(u *hindsight.User, msg *hindsight.MailMessage, c *content) (*gomail.Msg, error) {
	if msg.Kind == hindsight.MailKindDigest {
		for i := range c.Items {
			c.Items[i].digest = true
		}
	}
	var txt, html bytes.Buffer
	if err := m.tmpl.text.ExecuteTemplate(&txt, "email_message.txt.tmpl", c); err != nil {
		return nil, fmt.Errorf("mail: render text: %w", err)
	}
	if err := m.tmpl.html.ExecuteTemplate(&html, "email_message.html.tmpl", c); err != nil {
		return nil, fmt.Errorf("mail: render HTML: %w", err)
	}
	out := gomail.NewMsg()
	out.FromMailAddress(m.from)
	if err := out.AddToFormat(u.DisplayName(), u.Email); err != nil {
		return nil, fmt.Errorf("mail: recipient %q: %w", u.Email, err)
	}
	out.Subject(c.Subject)
	out.SetDateWithValue(m.now())
	// one Message-ID per message: a message sent twice (a sender that
	// stopped between sending and recording) is recognisably the same
	out.SetMessageIDWithValue(fmt.Sprintf("hindsight-mail-%d@%s", msg.ID, m.from.Address[strings.LastIndex(m.from.Address, "@")+1:]))
	out.SetGenHeader(gomail.HeaderListUnsubscribe, "<"+c.Unsubscribe+">")
	out.SetGenHeader(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	out.SetGenHeader("Auto-Submitted", "auto-generated")
	out.SetBodyString(gomail.TypeTextPlain, txt.String())
	out.AddAlternativeString(gomail.TypeTextHTML, html.String())
	return out, nil
}
