package alerting

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
)

// clockSkew is how far the clocks of the processes sharing a database may
// disagree: an entry's change was saved after it was received, less this.
const clockSkew = 15 * time.Minute

// accept records a delivery's change in the inbox (see the package comment)
// and returns the status and answer: 202 with the counts when it queued
// events, 200 when every event was a duplicate.
func (r *Receivers) accept(ctx context.Context, c change) (int, *Result, error) {
	res := &Result{}
	if len(c.rows) == 0 {
		return http.StatusOK, res, nil
	}
	now := r.svc.Now()
	keys := make([]string, 0, len(c.rows))
	seen := make(map[string]bool, len(c.rows))
	for _, rw := range c.rows {
		if !seen[rw.key] {
			seen[rw.key] = true
			keys = append(keys, rw.key)
		}
	}
	// a read first: a resent delivery (Alertmanager resends whole groups)
	// writes nothing
	known, err := r.store.FindAlertEvents(ctx, c.source, keys)
	if err != nil {
		return 0, nil, err
	}
	if len(known) >= len(keys) {
		res.Duplicates = len(c.rows)
		for _, e := range known {
			if e.State == hindsight.AlertDone && e.IncidentID != "" {
				res.IncidentID = e.IncidentID
				break
			}
		}
		if res.IncidentID == "" {
			res.IncidentID = r.groupIncident(ctx, c)
		}
		return http.StatusOK, res, nil
	}
	delivery := newDelivery()
	fresh, err := r.enq.enqueue(ctx, hindsight.AlertEnqueue{Entry: hindsight.AlertInboxEntry{
		Source: c.source, Group: c.group, Delivery: delivery, Closes: c.closes, ReceivedAt: now,
	}, Keys: keys, Encode: func(fresh []string) ([]byte, error) {
		take := make(map[string]bool, len(fresh))
		for _, k := range fresh {
			take[k] = true
		}
		q := c
		q.rows = nil
		for _, rw := range c.rows {
			if take[rw.key] {
				q.rows = append(q.rows, rw)
				delete(take, rw.key) // a key repeated in the delivery is one event
			}
		}
		return encodeChange(q, now)
	}})
	if err != nil {
		return 0, nil, err
	}
	res.Accepted = len(fresh)
	res.Duplicates = len(c.rows) - len(fresh)
	res.IncidentID = r.groupIncident(ctx, c)
	if res.Accepted == 0 {
		return http.StatusOK, res, nil
	}
	r.notify()
	return http.StatusAccepted, res, nil
}

// groupIncident is the incident c's group maps to while it is open ("" when
// none, or when the lookup fails: the answer does not depend on it).
func (r *Receivers) groupIncident(ctx context.Context, c change) string {
	g, err := r.store.FindAlertGroup(ctx, c.source, c.group)
	if err != nil || !g.Open {
		return ""
	}
	return g.IncidentID
}

// notify wakes the applier.
func (r *Receivers) notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Start runs the applier in the background until ctx ends; Wait waits for
// it to stop. A second Start while it runs does nothing.
func (r *Receivers) Start(ctx context.Context) {
	r.runMu.Lock()
	defer r.runMu.Unlock()
	if r.stopped != nil {
		select {
		case <-r.stopped:
		default:
			return // running
		}
	}
	stopped := make(chan struct{})
	r.stopped = stopped
	go func() {
		defer close(stopped)
		t := time.NewTicker(r.cfg.Poll)
		defer t.Stop()
		for {
			claimed, _, err := r.pass(ctx)
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				r.log.ErrorContext(ctx, "alert inbox", "err", err)
			}
			if claimed > 0 {
				// more may be waiting (what failed waits for its retry
				// time, so this does not spin)
				continue
			}
			select {
			case <-ctx.Done():
				return
			case <-r.wake:
			case <-t.C:
			}
		}
	}()
}

// Wait waits until the applier started by Start has stopped (its context
// ended and the saves it was making ended). It returns at once when Start
// was not called.
func (r *Receivers) Wait() {
	r.runMu.Lock()
	stopped := r.stopped
	r.runMu.Unlock()
	if stopped != nil {
		<-stopped
	}
}

// Drain applies, in the caller's goroutine, every inbox entry that can be
// applied now (not claimed by another applier, not waiting for a retry)
// and returns how many events it applied. Its error is the first failure;
// the entries that failed stay in the inbox for a later retry. Tests and
// tools use it instead of (or beside) Start.
func (r *Receivers) Drain(ctx context.Context) (int, error) {
	total := 0
	var first error
	for {
		claimed, applied, err := r.pass(ctx)
		total += applied
		if err != nil && first == nil {
			first = err
		}
		if claimed == 0 || ctx.Err() != nil || errors.Is(err, errCrash) {
			if first == nil {
				first = ctx.Err()
			}
			return total, first
		}
	}
}

// Backlog sizes the inbox now.
func (r *Receivers) Backlog(ctx context.Context) (hindsight.AlertInboxStats, error) {
	return r.store.AlertInboxStats(ctx, r.svc.Now())
}

// errCrash is the error of an applier stopped at a crash point (tests).
var errCrash = errors.New("alerting: stopped at a crash point")

// pass claims the entries of one group per worker, applies them,
// ApplyWorkers groups at once, and finishes them together in one
// transaction. It
// returns the entries claimed, the events applied and the first error.
func (r *Receivers) pass(ctx context.Context) (claimed, applied int, err error) {
	r.gate.wait(r.cfg.IntakeFirst)
	now := r.svc.Now()
	entries, err := r.store.ClaimAlertInbox(ctx, hindsight.AlertClaim{
		Now: now, Lease: r.cfg.InboxLease, Groups: claimGroups * r.cfg.ApplyWorkers, PerGroup: r.cfg.MaxCoalesce,
	})
	if err != nil || len(entries) == 0 {
		return 0, 0, err
	}
	var groups [][]hindsight.AlertInboxEntry
	idx := map[string]int{}
	for _, e := range entries {
		k := groupKey(e.Source, e.Group)
		i, ok := idx[k]
		if !ok {
			i = len(groups)
			idx[k] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], e)
	}
	// the saves run to their end (or half the lease) even when ctx ends:
	// an interrupted save is safe but costs a settlement later
	deadline := time.Now().Add(r.cfg.InboxLease / 2)
	var mu sync.Mutex
	var wg sync.WaitGroup
	var fins []hindsight.AlertFinish
	events := 0
	crashed := false
	sem := make(chan struct{}, r.cfg.ApplyWorkers)
	for _, g := range groups {
		if ctx.Err() != nil {
			// stopping: the group is not started; release it at once
			r.release(context.WithoutCancel(ctx), g, ctx.Err(), now)
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			gctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), deadline)
			defer cancel()
			f, n, gerr := r.applyGroup(gctx, g)
			mu.Lock()
			defer mu.Unlock()
			fins = append(fins, f...)
			events += n
			if errors.Is(gerr, errCrash) {
				crashed = true
			}
			if gerr != nil && err == nil {
				err = gerr
			}
		}()
	}
	wg.Wait()
	if crashed || len(fins) == 0 {
		return len(entries), 0, err
	}
	r.gate.wait(r.cfg.IntakeFirst)
	fctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), deadline)
	defer cancel()
	if _, ferr := r.store.FinishAlertInbox(fctx, fins...); ferr != nil {
		// saved but not finished: the next claim after the lease settles
		// the entries from the revision history
		r.log.ErrorContext(ctx, "alert inbox: saved entries not finished; they are settled after the lease", "groups", len(fins), "err", ferr)
		return len(entries), 0, errors.Join(err, ferr)
	}
	return len(entries), events, err
}

// claimGroups is how many groups a pass claims per worker: one, so that
// each save has half of a fresh lease to finish in (a pass's groups are
// claimed at once and would share one lease).
const claimGroups = 1

// maxRetryDelay bounds the delay before a failed entry is tried again.
const maxRetryDelay = 10 * time.Minute

// retryAt is when entries that failed at now are tried again: after a delay
// that doubles with their attempts, from 5 seconds to maxRetryDelay.
func retryAt(entries []hindsight.AlertInboxEntry, now time.Time) time.Time {
	attempts := 1
	for _, e := range entries {
		attempts = max(attempts, e.Attempts)
	}
	return now.Add(min(5*time.Second<<min(attempts-1, 10), maxRetryDelay))
}

// release ends the claim of entries after a failure: they may be claimed
// again from at.
func (r *Receivers) release(ctx context.Context, entries []hindsight.AlertInboxEntry, cause error, at time.Time) {
	if len(entries) == 0 {
		return
	}
	deliveries := make([]string, 0, len(entries))
	for _, e := range entries {
		deliveries = append(deliveries, e.Delivery)
	}
	if err := r.store.ReleaseAlertInbox(ctx, deliveries, cause.Error(), at); err != nil {
		r.log.ErrorContext(ctx, "release alert inbox entries", "err", err)
	}
}

// applyGroup applies the claimed entries of one group (in ID order). It
// returns the finishes to record and the events they carry.
func (r *Receivers) applyGroup(ctx context.Context, entries []hindsight.AlertInboxEntry) ([]hindsight.AlertFinish, int, error) {
	if r.crashAt == "claimed" {
		return nil, 0, errCrash
	}
	source, group := entries[0].Source, entries[0].Group
	now := r.svc.Now()
	entries, err := r.settle(ctx, entries)
	if err != nil {
		r.release(ctx, entries, err, retryAt(entries, now))
		return nil, 0, err
	}
	var ps []*pending
	var bad error
	for i, e := range entries {
		c, received, err := decodeChange(e.Payload)
		if err == nil && (c.source != source || c.group != group) {
			err = fmt.Errorf("its change is for %s/%q, not %s/%q", c.source, c.group, source, group)
		}
		if err != nil {
			// cannot be applied by this version: kept (nothing is lost) and
			// tried again after the longest delay; the group's later
			// entries wait behind it, in order
			bad = fmt.Errorf("alert inbox entry %d (delivery %s): %w", e.ID, e.Delivery, err)
			r.log.ErrorContext(ctx, "alert inbox entry cannot be applied", "source", source, "group", group, "delivery", e.Delivery, "err", bad)
			r.release(ctx, entries[i:], bad, now.Add(maxRetryDelay))
			break
		}
		ps = append(ps, &pending{c: c, rows: c.rows, delivery: e.Delivery, now: received})
	}
	if len(ps) == 0 {
		return nil, 0, bad
	}
	g, err := r.store.FindAlertGroup(ctx, source, group)
	if hindsight.ErrorCode(err) == hindsight.ENotFound {
		g, err = nil, nil
	}
	var fins []hindsight.AlertFinish
	n := 0
	if err == nil {
		r.gate.wait(r.cfg.IntakeFirst)
		t0 := time.Now()
		fins, n, err = r.applyRun(ctx, ps, g)
		r.rest(time.Since(t0))
	}
	if errors.Is(err, errCrash) {
		return nil, 0, err
	}
	if err != nil {
		r.log.WarnContext(ctx, "alert inbox: apply failed; the events stay queued", "source", source, "group", group, "deliveries", len(ps), "err", err)
		var left []*pending
		for _, p := range ps {
			if !slices.ContainsFunc(fins, func(f hindsight.AlertFinish) bool { return slices.Contains(f.Deliveries, p.delivery) }) {
				left = append(left, p)
			}
		}
		r.release(context.WithoutCancel(ctx), claimedOf(entries, left), err, retryAt(entries, now))
	}
	return fins, n, errors.Join(bad, err)
}

// rest paces the applier after a save that took d while deliveries are
// arriving (Config.ApplyDuty).
func (r *Receivers) rest(d time.Duration) {
	if r.cfg.ApplyDuty >= 1 || !r.gate.active(100*time.Millisecond) {
		return
	}
	time.Sleep(time.Duration(float64(d) * (1 - r.cfg.ApplyDuty) / r.cfg.ApplyDuty))
}

// claimedOf returns the entries of ps's deliveries.
func claimedOf(entries []hindsight.AlertInboxEntry, ps []*pending) []hindsight.AlertInboxEntry {
	var out []hindsight.AlertInboxEntry
	for _, e := range entries {
		if slices.ContainsFunc(ps, func(p *pending) bool { return p.delivery == e.Delivery }) {
			out = append(out, e)
		}
	}
	return out
}

// settle finishes the entries claimed before (their applier may have
// stopped after saving them) whose delivery a revision names, and returns
// the others.
func (r *Receivers) settle(ctx context.Context, entries []hindsight.AlertInboxEntry) ([]hindsight.AlertInboxEntry, error) {
	var again []string
	since := time.Time{}
	for _, e := range entries {
		if e.Attempts > 1 {
			again = append(again, e.Delivery)
			if since.IsZero() || e.ReceivedAt.Before(since) {
				since = e.ReceivedAt
			}
		}
	}
	if len(again) == 0 {
		return entries, nil
	}
	saved, err := r.store.FindAlertDeliveries(ctx, again, since.Add(-clockSkew))
	if err != nil {
		return entries, err
	}
	if len(saved) == 0 {
		return entries, nil
	}
	source, group := entries[0].Source, entries[0].Group
	var rest []hindsight.AlertInboxEntry
	for i := 0; i < len(entries); {
		id, ok := saved[entries[i].Delivery]
		if !ok {
			rest = append(rest, entries[i])
			i++
			continue
		}
		// a run of entries saved into one incident
		j := i
		var deliveries []string
		for j < len(entries) && saved[entries[j].Delivery] == id {
			deliveries = append(deliveries, entries[j].Delivery)
			j++
		}
		r.log.WarnContext(ctx, "alert inbox: deliveries left unfinished were saved; finishing them", "source", source, "group", group, "incident", id, "deliveries", len(deliveries))
		g := &hindsight.AlertGroup{Source: source, Key: group, IncidentID: id, Open: !entries[j-1].Closes}
		if _, err := r.store.FinishAlertInbox(ctx, hindsight.AlertFinish{Source: source, Deliveries: deliveries, IncidentID: id, Group: g}); err != nil {
			return append(rest, entries[i:]...), err
		}
		i = j
	}
	return rest, nil
}

// pending is one inbox entry's change on its way into a save.
type pending struct {
	c        change
	rows     []row
	delivery string
	// now is when the delivery was received
	now time.Time
}

func groupKey(source, group string) string { return source + "\x00" + group }

// applyRun saves ps (entries of one group, in order, whose mapping is g,
// nil when it has none) in one revision and returns the finish to record;
// a run too large for one document is split. It returns the finishes and
// the events they carry.
func (r *Receivers) applyRun(ctx context.Context, ps []*pending, g *hindsight.AlertGroup) ([]hindsight.AlertFinish, int, error) {
	id, mapping, err := r.save(ctx, ps, g)
	if hindsight.ErrorCode(err) == hindsight.ETooLarge && len(ps) > 1 {
		h := len(ps) / 2
		f, n, err := r.applyRun(ctx, ps[:h], g)
		if err != nil {
			return f, n, err
		}
		if last := f[len(f)-1]; last.Group != nil {
			g = last.Group
		}
		f2, m, err := r.applyRun(ctx, ps[h:], g)
		return append(f, f2...), n + m, err
	}
	if err != nil {
		return nil, 0, err
	}
	if r.crashAt == "saved" {
		return nil, 0, errCrash
	}
	f := hindsight.AlertFinish{Source: ps[0].c.source, IncidentID: id, Group: mapping}
	events := 0
	for _, p := range ps {
		f.Deliveries = append(f.Deliveries, p.delivery)
		events += len(p.rows)
	}
	return []hindsight.AlertFinish{f}, events, nil
}

// save opens the group's incident or extends it with the rows of ps; g
// is the group's mapping (nil when it has none). It returns the incident ID
// and the group mapping to write with the finished entries (nil when it
// does not change).
func (r *Receivers) save(ctx context.Context, ps []*pending, g *hindsight.AlertGroup) (string, *hindsight.AlertGroup, error) {
	c := ps[0].c
	closes := ps[len(ps)-1].c.closes
	a := actor(c.source)
	n := 0
	markers := make([]string, 0, len(ps))
	for _, p := range ps {
		n += len(p.rows)
		markers = append(markers, hindsight.BatchMarker(p.delivery))
	}
	msg := fmt.Sprintf("%s: %d event(s) %s", c.source, n, strings.Join(markers, " "))
	apply := func(doc *hindsight.Postmortem) {
		for _, p := range ps {
			merge(doc, p.c, p.rows)
		}
	}
	if c.incident != "" {
		return r.saveInto(ctx, ps, n, markers, apply)
	}
	title := c.open.title
	if g != nil && g.Open {
		for attempt := 0; ; attempt++ {
			cur, err := r.svc.Get(ctx, a, g.IncidentID)
			if hindsight.ErrorCode(err) == hindsight.ENotFound {
				break // deleted: open a new one
			}
			if err != nil {
				return "", nil, err
			}
			if cur.Doc.Status != hindsight.StatusDraft {
				break // under review or published: alerts go to a new Draft
			}
			doc := cloneDoc(cur.Doc)
			apply(doc)
			_, err = r.svc.Save(ctx, a, cur.ID, cur.Revision, doc, app.SaveOptions{Message: msg})
			if err == nil {
				var closed *hindsight.AlertGroup
				if closes {
					closed = &hindsight.AlertGroup{Source: c.source, Key: c.group, IncidentID: cur.ID, Open: false, CreatedAt: g.CreatedAt}
				}
				return cur.ID, closed, nil
			}
			if hindsight.ErrorCode(err) == hindsight.ETooLarge {
				// the document is full: the group goes on in a new Draft
				r.log.WarnContext(ctx, "incident too large for more alert rows: opening a continuation", "source", c.source, "incident", cur.ID, "err", err)
				base, _, _ := strings.Cut(cur.Doc.Title, " (continued from ")
				title = cellText(base + " (continued from " + cur.ID + ")")
				break
			}
			if hindsight.ErrorCode(err) != hindsight.EConflict || attempt >= 8 {
				return "", nil, err
			}
		}
	}
	doc := &hindsight.Postmortem{Title: title, Status: hindsight.StatusDraft}
	doc.Summary.Severity = c.open.severity
	if !c.open.start.IsZero() {
		doc.Summary.Start = hindsight.TimeOf(c.open.start)
	}
	for _, s := range c.open.services {
		doc.Summary.Services = append(doc.Summary.Services, hindsight.Service{Name: s})
	}
	doc.Detection.DetectionTime = hindsight.TimeOf(ps[0].now)
	doc.Detection.DetectedBy = c.open.detectedBy
	apply(doc)
	inc, err := r.svc.Create(ctx, a, doc, app.CreateOptions{Message: "opened from " + msg})
	if err != nil {
		return "", nil, err
	}
	return inc.ID, &hindsight.AlertGroup{Source: c.source, Key: c.group, IncidentID: inc.ID, Open: !closes}, nil
}

// saveInto saves the rows of ps (a chat import's entries: one incident) into
// their incident, whatever its status, as one revision by the actor who
// imported them. An incident deleted since returns "" and no error: the
// entries are finished without a change.
func (r *Receivers) saveInto(ctx context.Context, ps []*pending, n int, markers []string, apply func(*hindsight.Postmortem)) (string, *hindsight.AlertGroup, error) {
	c := ps[0].c
	a := c.by
	if a.ID == "" {
		a = actor(c.source)
	}
	a.Viewer = hindsight.SystemViewer // the import checked visibility when it was accepted
	msg := fmt.Sprintf("%s: %d message(s) imported by %s %s", c.source, n, a.Name, strings.Join(markers, " "))
	for attempt := 0; ; attempt++ {
		cur, err := r.svc.Get(ctx, a, c.incident)
		if hindsight.ErrorCode(err) == hindsight.ENotFound {
			r.log.WarnContext(ctx, "chat import: the incident is gone; its messages are dropped", "incident", c.incident, "messages", n)
			return "", nil, nil
		}
		if err != nil {
			return "", nil, err
		}
		doc := cloneDoc(cur.Doc)
		apply(doc)
		_, err = r.svc.Save(ctx, a, cur.ID, cur.Revision, doc, app.SaveOptions{Message: msg})
		if err == nil {
			return cur.ID, nil, nil
		}
		if hindsight.ErrorCode(err) != hindsight.EConflict || attempt >= 8 {
			return "", nil, err
		}
	}
}
