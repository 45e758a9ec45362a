package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/tracker"
)

// The sync of action items with issue trackers (issue 20,
// docs/integrations.md). The queue is the tracker link itself
// (hindsight.TrackerLink, one per item, ever): "Create issue" queues one
// with an audit record in one transaction; every save recomputes the links
// of its incident in its own transaction (the store), so a close, reopen
// or re-date by any writer makes the link pending; SyncTrackers (the
// worker serve runs, and `hindsight actions sync`) sends what is pending.
// A create looks for an issue carrying the item's marker first, so an
// issue created just before a crash is found instead of created twice, and
// writes the issue's key into the item's Ticket as one revision authored
// by the tracker ("tracker:github"). A tracker's webhook
// (ApplyTrackerEvent) changes the item as one revision authored by the
// tracker and records the tracker's state in the same transaction, so the
// change is not sent back.

// TrackerOptions configure the tracker sync.
type TrackerOptions struct {
	// BaseURL is Hindsight's public URL, for the link back in an issue's
	// body ("" leaves the link out).
	BaseURL string
	// Getenv resolves token_env and email_env (os.Getenv when nil).
	Getenv func(string) string
	// HTTP is the client the tracker clients use (nil: http.DefaultClient).
	HTTP *http.Client
	// NewClient makes a tracker's client (tracker.New when nil; tests pass
	// a fake).
	NewClient func(tracker.Config, *http.Client) (tracker.Client, error)
	// Lease is how long a worker holds a link it is syncing before another
	// may take it (a crashed worker's links wait this long); 2 minutes
	// when 0.
	Lease time.Duration
	// Logger receives the worker's errors (discarded when nil).
	Logger *slog.Logger
}

// UseTrackers sets the tracker sync's options (before the service is in
// use).
func (s *Service) UseTrackers(o TrackerOptions) { s.trackers = o }

// TrackerField is the Incident Summary field that overrides the tracker of
// one incident: "github", "github org/other-repo", "gitlab group/project"
// or "jira OPS2" (a configured tracker, and for GitHub and GitLab another
// repository or project, for Jira another project key).
const TrackerField = hindsight.TrackerField

// Trackers returns the configured trackers (the trackers: key of
// .hindsight.yaml), the default first.
func (s *Service) Trackers() []lint.TrackerSettings { return s.lint.Trackers }

// TrackerFor returns the tracker settings an incident's items sync with:
// the incident's Tracker field when set, else the first configured
// tracker. EInvalid names the field when it names no configured tracker;
// ok is false when no tracker is configured.
func (s *Service) TrackerFor(p *hindsight.Postmortem) (lint.TrackerSettings, bool, error) {
	ts := s.lint.Trackers
	v, set := p.CustomField(TrackerField)
	v = strings.TrimSpace(v)
	if !set || v == "" {
		if len(ts) == 0 {
			return lint.TrackerSettings{}, false, nil
		}
		return ts[0], true, nil
	}
	kind, target, _ := strings.Cut(v, " ")
	kind, target = strings.ToLower(strings.TrimSpace(kind)), strings.TrimSpace(target)
	t := s.lint.Tracker(tracker.Kind(kind))
	if t == nil {
		var names []string
		for _, c := range ts {
			names = append(names, string(c.Kind))
		}
		msg := fmt.Sprintf("%q names no configured tracker (configured: %s)", v, strings.Join(names, ", "))
		if len(names) == 0 {
			msg = fmt.Sprintf("%q: no tracker is configured (trackers: in .hindsight.yaml)", v)
		}
		return lint.TrackerSettings{}, false, invalidField("summary."+strings.ToLower(TrackerField), msg)
	}
	out := *t
	if target != "" {
		if out.Kind == tracker.Jira {
			out.Project = target
		} else {
			out.Repo = target
		}
	}
	return out, true, nil
}

// trackerActor is the author of the revisions a tracker causes.
func trackerActor(kind string) Actor {
	return Actor{ID: "tracker:" + kind, Name: "tracker:" + kind, Viewer: hindsight.SystemViewer}
}

func (s *Service) trackerStore() (hindsight.TrackerStore, error) {
	ts, ok := s.store.(hindsight.TrackerStore)
	if !ok {
		return nil, hindsight.Errorf(hindsight.EUnsupport, "the database keeps no tracker links")
	}
	return ts, nil
}

// CreateIssue queues the creation of an issue for one action item (by its
// ID, or its 1-based position) in the incident's tracker: one issue per
// item, ever (EConflict when it has a link or a Ticket already). The
// worker creates it; the link says "sync pending" until then.
func (s *Service) CreateIssue(ctx context.Context, a Actor, id, item string) (*hindsight.TrackerLink, error) {
	ts, err := s.trackerStore()
	if err != nil {
		return nil, err
	}
	cur, err := s.store.FindIncidentByID(ctx, a.Viewer, id)
	if err != nil {
		return nil, err
	}
	pos := findItem(cur.Doc.ActionItems, item)
	if pos < 0 {
		return nil, hindsight.Errorf(hindsight.ENotFound, "incident %s has no action item %s", id, item)
	}
	it := cur.Doc.ActionItems[pos]
	key := hindsight.ItemKeyOf(it, pos)
	if it.Ticket != "" {
		return nil, hindsight.Errorf(hindsight.EConflict, "action item %s of %s has a ticket already: %s", key, id, it.Ticket)
	}
	t, ok, err := s.TrackerFor(cur.Doc)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, hindsight.Errorf(hindsight.EInvalid, "no issue tracker is configured (trackers: in .hindsight.yaml, docs/integrations.md)")
	}
	st := hindsight.StateOfItem(it)
	l := &hindsight.TrackerLink{IncidentID: cur.ID, ItemKey: key, Kind: string(t.Kind), Marker: hindsight.TrackerMarker(cur.ID, key),
		WantClosed: st.Closed, WantDue: st.Due, CreatedBy: a.author()}
	if err := ts.QueueTrackerIssue(ctx, l, []hindsight.AuditRecord{s.audit(a, "action_item.issue", cur.ID, fmt.Sprintf("create a %s issue for %s", t.Kind, key))}); err != nil {
		return nil, err
	}
	return l, nil
}

// TrackerLinks lists the tracker links of an incident the actor may see.
func (s *Service) TrackerLinks(ctx context.Context, a Actor, id string) ([]hindsight.TrackerLink, error) {
	ts, err := s.trackerStore()
	if err != nil {
		return nil, err
	}
	if _, _, err := s.store.FindIncidentVersion(ctx, a.Viewer, id); err != nil {
		return nil, err
	}
	return ts.FindTrackerLinks(ctx, id)
}

// ItemTrackers returns the tracker state of the items of the incidents
// ids the actor may see (TrackerStore.FindItemTrackers: no document read);
// the incidents the actor may not see are left out.
func (s *Service) ItemTrackers(ctx context.Context, a Actor, ids []string) ([]hindsight.ItemTrackers, error) {
	ts, err := s.trackerStore()
	if err != nil {
		return nil, err
	}
	return ts.FindItemTrackers(ctx, a.Viewer, ids)
}

// TrackerKind is the kind of the tracker an incident's items sync with, as
// TrackerFor says it ("" when none is configured or the Tracker field names
// none), from the field's shape rows (ItemTrackers.TrackerField) instead of
// the document. sure is false when the rows cannot tell (a value with
// commas, or Tracker lines naming different trackers, whose first line is
// unknown): read the document then.
func (s *Service) TrackerKind(field []string) (kind string, sure bool) {
	var first string
	for i, v := range field {
		w, _, _ := strings.Cut(strings.TrimSpace(v), " ")
		if i == 0 {
			first = w
		} else if w != first {
			return "", false
		}
	}
	p := &hindsight.Postmortem{}
	if len(field) > 0 {
		p.SetCustomField(TrackerField, field[0])
	}
	t, ok, err := s.TrackerFor(p)
	if err != nil || !ok {
		return "", true
	}
	return string(t.Kind), true
}

// SyncTrackers sends up to limit pending links to their trackers (one
// pass of the worker) and returns how many it handled. A tracker that asks
// to wait (tracker.RetryError, a 429's Retry-After) is tried again after
// that wait; other errors back off (30 s, doubling, at most an hour). No
// work is ever dropped: the link stays pending with the reason shown.
func (s *Service) SyncTrackers(ctx context.Context, limit int) (int, error) {
	ts, err := s.trackerStore()
	if err != nil {
		return 0, err
	}
	lease := s.trackers.Lease
	if lease <= 0 {
		lease = 2 * time.Minute
	}
	links, err := ts.ClaimTrackerLinks(ctx, hindsight.TrackerClaim{Now: s.Now(), Lease: lease, Limit: limit})
	if err != nil {
		return 0, err
	}
	for _, l := range links {
		if err := Alive(ctx); err != nil {
			return 0, err // the leases run out; another pass takes them
		}
		echo, err := s.syncLink(ctx, &l)
		at := s.Now()
		att := hindsight.TrackerAttempt{IncidentID: l.IncidentID, ItemKey: l.ItemKey, At: at, Echo: echo}
		if err != nil {
			att.Echo, att.Err, att.Next = nil, err.Error(), at.Add(retryAfter(err, l.Attempts))
			s.trackerLog().Warn("tracker sync", "incident", l.IncidentID, "item", l.ItemKey, "kind", l.Kind, "err", err)
		}
		if err := ts.RecordTrackerAttempt(ctx, att); err != nil {
			return 0, err
		}
	}
	return len(links), nil
}

// retryAfter is the wait before the next attempt after err.
func retryAfter(err error, attempts int) time.Duration {
	var re *tracker.RetryError
	if errors.As(err, &re) {
		return max(re.After, time.Second)
	}
	d := 30 * time.Second
	for range min(attempts, 7) {
		d *= 2
	}
	return min(d, time.Hour)
}

func (s *Service) trackerLog() *slog.Logger {
	if s.trackers.Logger != nil {
		return s.trackers.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// client returns the client of a tracker's settings, its token resolved.
func (s *Service) client(t lint.TrackerSettings) (tracker.Client, error) {
	getenv := s.trackers.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	cfg := t.Config
	if cfg.TokenEnv != "" {
		cfg.Token = getenv(cfg.TokenEnv)
	}
	if t.EmailEnv != "" {
		cfg.Email = getenv(t.EmailEnv)
	}
	newClient := s.trackers.NewClient
	if newClient == nil {
		newClient = tracker.New
	}
	return newClient(cfg, s.trackers.HTTP)
}

// syncLink does one link's pending work and returns what the tracker has
// now.
func (s *Service) syncLink(ctx context.Context, l *hindsight.TrackerLink) (*hindsight.TrackerEcho, error) {
	inc, err := s.store.FindIncidentByID(ctx, hindsight.SystemViewer, l.IncidentID)
	if err != nil {
		return nil, err
	}
	t, ok, err := s.TrackerFor(inc.Doc)
	if err == nil && (!ok || string(t.Kind) != l.Kind) {
		// the incident now names another tracker (or none): the link's
		// own tracker, as configured
		if c := s.lint.Tracker(tracker.Kind(l.Kind)); c != nil {
			t, ok = *c, true
		} else {
			ok = false
		}
	}
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, hindsight.Errorf(hindsight.EInvalid, "the %s tracker is no longer configured (trackers: in .hindsight.yaml)", l.Kind)
	}
	c, err := s.client(t)
	if err != nil {
		return nil, err
	}
	pos := hindsight.FindLinkedItem(inc.Doc.ActionItems, l)
	if !l.Created() {
		if pos < 0 {
			return nil, hindsight.Errorf(hindsight.ENotFound, "action item %s is no longer in %s", l.ItemKey, l.IncidentID)
		}
		it := inc.Doc.ActionItems[pos]
		ref, found, err := c.FindByMarker(ctx, l.Marker)
		if err != nil {
			return nil, err
		}
		st := hindsight.StateOfItem(it)
		if !found {
			if ref, err = c.Create(ctx, s.issueOf(inc, it, t, l.Marker)); err != nil {
				return nil, err
			}
		} else {
			// found by its marker (created before a crash): its state is
			// not known, so the item's is sent once more
			st = hindsight.TrackerState{Closed: !st.Closed, Due: "unknown"}
		}
		echo := &hindsight.TrackerEcho{IncidentID: l.IncidentID, ItemKey: l.ItemKey, IssueKey: ref.Key, URL: ref.URL, Remote: st}
		if err := s.writeTicket(ctx, l, echo); err != nil {
			// the issue exists: keep it on the link whatever happens to the
			// document
			s.trackerLog().Warn("tracker sync: writing the ticket", "incident", l.IncidentID, "item", l.ItemKey, "err", err)
		}
		return echo, nil
	}
	want := hindsight.TrackerState{Closed: l.WantClosed, Due: l.WantDue}
	if pos >= 0 {
		want = hindsight.StateOfItem(inc.Doc.ActionItems[pos])
	}
	var ch tracker.Change
	if want.Closed != l.RemoteClosed {
		ch.Closed = &want.Closed
	}
	if want.Due != l.RemoteDue {
		var due time.Time
		if want.Due != "" {
			due, _ = time.Parse(time.DateOnly, want.Due)
		}
		ch.Due = &due
	}
	if ch.Closed != nil || ch.Due != nil {
		if err := c.Update(ctx, tracker.Ref{Kind: tracker.Kind(l.Kind), Key: l.IssueKey, URL: l.URL}, ch); err != nil {
			return nil, err
		}
	}
	return &hindsight.TrackerEcho{IncidentID: l.IncidentID, ItemKey: l.ItemKey, Remote: want}, nil
}

// issueOf is the issue of an action item.
func (s *Service) issueOf(inc *hindsight.Incident, it hindsight.ActionItem, t lint.TrackerSettings, marker string) tracker.Issue {
	title, _, _ := strings.Cut(strings.TrimSpace(it.Action), "\n")
	if r := []rune(title); len(r) > 200 {
		title = string(r[:200])
	}
	if title == "" {
		title = "Action item " + it.ID
	}
	var b strings.Builder
	b.WriteString(strings.TrimSpace(it.Action))
	fmt.Fprintf(&b, "\n\nAction item %s of the postmortem %s (%s).", or(it.ID, "without an ID"), inc.ID, inc.Doc.Title)
	if it.Owner != "" {
		fmt.Fprintf(&b, "\nOwner: %s.", it.Owner)
	}
	if it.Priority != "" {
		fmt.Fprintf(&b, "\nPriority: %s.", it.Priority)
	}
	if base := strings.TrimRight(s.trackers.BaseURL, "/"); base != "" {
		fmt.Fprintf(&b, "\n\n%s/incidents/%s", base, inc.ID)
	}
	is := tracker.Issue{Title: title, Body: b.String(), Labels: append([]string(nil), t.Labels...), Assignee: t.Owner(it.Owner),
		Due: it.TargetDate.T, Closed: it.Status == hindsight.ItemClosed, Marker: marker, Priority: it.Priority}
	if l := t.PriorityLabels[it.Priority]; l != "" {
		is.Labels = append(is.Labels, l)
	}
	return is
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// writeTicket writes the issue's key into the item's Ticket as one
// revision authored by the tracker, recording the issue on the link in
// the same transaction (a conflict with another save is retried).
func (s *Service) writeTicket(ctx context.Context, l *hindsight.TrackerLink, echo *hindsight.TrackerEcho) error {
	for range 5 {
		cur, err := s.store.FindIncidentByID(ctx, hindsight.SystemViewer, l.IncidentID)
		if err != nil {
			return err
		}
		probe := *l
		probe.IssueKey, probe.URL = echo.IssueKey, echo.URL
		pos := hindsight.FindLinkedItem(cur.Doc.ActionItems, &probe)
		if pos < 0 {
			return hindsight.Errorf(hindsight.ENotFound, "action item %s is no longer in %s", l.ItemKey, l.IncidentID)
		}
		if cur.Doc.ActionItems[pos].Ticket == echo.IssueKey {
			return nil // written before a crash
		}
		doc := *cur.Doc
		doc.ActionItems = append([]hindsight.ActionItem(nil), cur.Doc.ActionItems...)
		doc.ActionItems[pos].Ticket = echo.IssueKey
		withTicketColumn(&doc)
		_, err = s.Save(ctx, trackerActor(l.Kind), l.IncidentID, cur.Revision, &doc,
			SaveOptions{Message: fmt.Sprintf("action item %s: %s issue %s", l.ItemKey, l.Kind, echo.IssueKey), Force: true, tracker: echo})
		if hindsight.ErrorCode(err) != hindsight.EConflict {
			return err
		}
	}
	return hindsight.Errorf(hindsight.EConflict, "incident %s kept changing; the ticket of %s is written on the next pass", l.IncidentID, l.ItemKey)
}

// ApplyTrackerEvent applies what a tracker's webhook said about an issue
// (closed, reopened, due date): one revision authored by the tracker when
// the item changes, none when it already is so (redelivered or echoed
// webhooks), and the tracker's state recorded on the link in the same
// transaction, so the change is not sent back. changed is false, with no
// error, for an issue no item is linked to.
func (s *Service) ApplyTrackerEvent(ctx context.Context, kind tracker.Kind, ev tracker.Event) (inc *hindsight.Incident, changed bool, err error) {
	ts, err := s.trackerStore()
	if err != nil {
		return nil, false, err
	}
	l, err := ts.FindTrackerLinkByIssue(ctx, string(kind), ev.Ref.Key)
	if hindsight.ErrorCode(err) == hindsight.ENotFound {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	remote := hindsight.TrackerState{Closed: l.RemoteClosed, Due: l.RemoteDue}
	if ev.Closed != nil {
		remote.Closed = *ev.Closed
	}
	if ev.Due != nil {
		remote.Due = ""
		if !ev.Due.IsZero() {
			remote.Due = ev.Due.UTC().Format(time.DateOnly)
		}
	}
	echo := &hindsight.TrackerEcho{IncidentID: l.IncidentID, ItemKey: l.ItemKey, Remote: remote}
	for range 5 {
		cur, err := s.store.FindIncidentByID(ctx, hindsight.SystemViewer, l.IncidentID)
		if err != nil {
			return nil, false, err
		}
		pos := hindsight.FindLinkedItem(cur.Doc.ActionItems, l)
		if pos < 0 {
			return cur, false, ts.RecordTrackerAttempt(ctx, hindsight.TrackerAttempt{IncidentID: l.IncidentID, ItemKey: l.ItemKey, Echo: echo})
		}
		it := cur.Doc.ActionItems[pos]
		next := it
		var what []string
		if ev.Closed != nil && (it.Status == hindsight.ItemClosed) != *ev.Closed {
			next.Status = hindsight.ItemOpen
			what = append(what, "reopened")
			if *ev.Closed {
				next.Status, what[0] = hindsight.ItemClosed, "closed"
			}
		}
		if ev.Due != nil && hindsight.StateOfItem(it).Due != remote.Due {
			next.TargetDate = hindsight.Date{}
			if remote.Due != "" {
				next.TargetDate = hindsight.DateOf(*ev.Due)
			}
			what = append(what, "target date "+or(remote.Due, "removed"))
		}
		if len(what) == 0 {
			// already so: no revision; the tracker's state is noted
			return cur, false, ts.RecordTrackerAttempt(ctx, hindsight.TrackerAttempt{IncidentID: l.IncidentID, ItemKey: l.ItemKey, Echo: echo})
		}
		doc := *cur.Doc
		doc.ActionItems = append([]hindsight.ActionItem(nil), cur.Doc.ActionItems...)
		doc.ActionItems[pos] = next
		msg := fmt.Sprintf("action item %s %s in %s %s", l.ItemKey, strings.Join(what, ", "), kind, l.IssueKey)
		if ev.Actor != "" {
			msg += " by " + ev.Actor
		}
		in, err := s.Save(ctx, trackerActor(string(kind)), cur.ID, cur.Revision, &doc, SaveOptions{Message: msg, Force: true, tracker: echo})
		if hindsight.ErrorCode(err) == hindsight.EConflict {
			continue
		}
		return in, err == nil, err
	}
	return nil, false, hindsight.Errorf(hindsight.EConflict, "incident %s kept changing; the tracker may send the event again", l.IncidentID)
}

// withTicketColumn names a Ticket column among the action items' extra
// columns when the document has none, where the renderer puts it (after
// the others), so the model reads as its Markdown does.
func withTicketColumn(p *hindsight.Postmortem) {
	ex := p.Extras[hindsight.SecActionItems]
	if hindsight.TicketColumn(ex.Columns) >= 0 {
		return
	}
	width := len(ex.Columns)
	for _, it := range p.ActionItems {
		width = max(width, len(it.Cells))
	}
	cols := append([]string(nil), ex.Columns...)
	for len(cols) < width {
		cols = append(cols, "")
	}
	ex.Columns = append(cols, "Ticket")
	if p.Extras == nil {
		p.Extras = map[string]hindsight.Extra{}
	}
	p.Extras[hindsight.SecActionItems] = ex
}
