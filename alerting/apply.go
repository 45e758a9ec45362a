package alerting

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
)

// maxCoalesce bounds how many deliveries of one group one save takes.
const maxCoalesce = 100

// pending is one delivery's claimed rows on their way into a save.
type pending struct {
	c     change
	rows  []row
	batch string
	now   time.Time
	// done is closed when the delivery's rows are saved (or failed);
	// promote is closed when the delivery must lead its group's next save.
	done, promote chan struct{}
	id            string
	opened        bool
	err           error
}

// groupQueue holds the deliveries of one group waiting for a save. One of
// them leads: it saves every queued delivery's rows in one revision (group
// commit), so a burst of alerts for one incident makes few revisions, and
// hands the lead to the next waiting delivery.
type groupQueue struct {
	items  []*pending
	leader bool
}

func groupKey(source, group string) string { return source + "\x00" + group }

// apply applies a change idempotently (see the package comment).
func (r *Receivers) apply(ctx context.Context, c change) (*Result, error) {
	res := &Result{}
	if len(c.rows) == 0 {
		return res, nil
	}
	now := r.svc.Now()
	keys := make([]string, 0, len(c.rows))
	for _, rw := range c.rows {
		keys = append(keys, rw.key)
	}
	// a read first: a resent delivery (Alertmanager resends whole groups)
	// writes nothing
	known, err := r.store.FindAlertEvents(ctx, c.source, keys)
	if err != nil {
		return nil, err
	}
	done := map[string]string{}
	for _, e := range known {
		if e.State == hindsight.AlertDone {
			done[e.Key] = e.IncidentID
		}
	}
	var fresh []string
	for _, k := range keys {
		if id, ok := done[k]; ok {
			res.Duplicates++
			if res.IncidentID == "" {
				res.IncidentID = id
			}
		} else if !slices.Contains(fresh, k) {
			fresh = append(fresh, k)
		}
	}
	if len(fresh) == 0 {
		return res, nil
	}
	p := &pending{c: c, batch: newBatch(), now: now, done: make(chan struct{}), promote: make(chan struct{})}
	r.qmu.Lock()
	r.inflight[p.batch] = p
	r.qmu.Unlock()
	defer func() {
		r.qmu.Lock()
		delete(r.inflight, p.batch)
		r.qmu.Unlock()
	}()
	claimed, err := r.claim(ctx, p, fresh, res)
	if err != nil {
		_ = r.store.ReleaseAlertEvents(context.WithoutCancel(ctx), c.source, p.batch)
		return nil, err
	}
	for _, rw := range c.rows {
		if slices.Contains(claimed, rw.key) {
			p.rows = append(p.rows, rw)
			claimed = slices.DeleteFunc(claimed, func(k string) bool { return k == rw.key })
		}
	}
	if len(p.rows) == 0 {
		return res, nil
	}
	r.enqueue(p)
	if p.err != nil {
		return nil, p.err
	}
	res.IncidentID, res.Opened, res.Applied = p.id, p.opened, len(p.rows)
	return res, nil
}

// claim claims keys for p's batch and settles the claims other batches
// hold on them: a delivery of this process being applied is waited for, a
// stale one left by a crash is settled from the revision history. It
// returns the keys p claimed, counting the others in res.
func (r *Receivers) claim(ctx context.Context, p *pending, keys []string, res *Result) ([]string, error) {
	c := p.c
	claimed, existing, err := r.store.ClaimAlertEvents(ctx, c.source, p.batch, keys, p.now)
	if err != nil {
		return nil, err
	}
	var retry []string
	for _, e := range existing {
		if e.State == hindsight.AlertPending {
			r.qmu.Lock()
			other := r.inflight[e.Batch]
			r.qmu.Unlock()
			if other != nil {
				t := time.NewTimer(30 * time.Second)
				select {
				case <-other.done:
					t.Stop()
				case <-t.C:
					return nil, hindsight.Errorf(hindsight.ETransient, "event %q is being applied by another delivery; retry later", e.Key)
				case <-ctx.Done():
					t.Stop()
					return nil, ctx.Err()
				}
				if other.err != nil {
					return nil, hindsight.Errorf(hindsight.ETransient, "event %q: another delivery failed to apply it; retry later", e.Key)
				}
				e.State, e.IncidentID = hindsight.AlertDone, other.id
			}
		}
		if e.State == hindsight.AlertDone {
			res.Duplicates++
			if res.IncidentID == "" {
				res.IncidentID = e.IncidentID
			}
			continue
		}
		if p.now.Sub(e.At) < r.cfg.StaleClaim {
			return nil, hindsight.Errorf(hindsight.ETransient, "event %q is being applied by another delivery; retry later", e.Key)
		}
		id, err := r.store.FindAlertBatch(ctx, e.Batch)
		if err != nil {
			return nil, err
		}
		if id != "" {
			r.log.WarnContext(ctx, "alert batch left pending was saved: marking it done", "source", c.source, "batch", e.Batch, "incident", id)
			var g *hindsight.AlertGroup
			if _, err := r.store.FindAlertGroup(ctx, c.source, c.group); hindsight.ErrorCode(err) == hindsight.ENotFound {
				g = &hindsight.AlertGroup{Source: c.source, Key: c.group, IncidentID: id, Open: true}
			}
			if err := r.store.FinishAlertEvents(ctx, c.source, e.Batch, id, g); err != nil {
				return nil, err
			}
			res.Duplicates++
			continue
		}
		r.log.WarnContext(ctx, "alert batch left pending was not saved: applying it again", "source", c.source, "batch", e.Batch)
		if err := r.store.ReleaseAlertEvents(ctx, c.source, e.Batch); err != nil {
			return nil, err
		}
		retry = append(retry, e.Key)
	}
	if len(retry) > 0 {
		more, again, err := r.store.ClaimAlertEvents(ctx, c.source, p.batch, retry, p.now)
		if err != nil {
			return nil, err
		}
		if len(again) > 0 {
			return nil, hindsight.Errorf(hindsight.ETransient, "event %q is being applied by another delivery; retry later", again[0].Key)
		}
		claimed = append(claimed, more...)
	}
	return claimed, nil
}

// enqueue queues p for its group's next save and returns when p's rows are
// saved or failed, leading saves when it is p's turn.
func (r *Receivers) enqueue(p *pending) {
	key := groupKey(p.c.source, p.c.group)
	r.qmu.Lock()
	q := r.queues[key]
	if q == nil {
		q = &groupQueue{}
		r.queues[key] = q
	}
	q.items = append(q.items, p)
	lead := !q.leader
	if lead {
		q.leader = true
	}
	r.qmu.Unlock()
	if !lead {
		select {
		case <-p.done:
			return
		case <-p.promote:
		}
	}
	// lead one save: every queued delivery up to the first that closes the
	// group (a later one belongs to the group's next incident)
	r.qmu.Lock()
	n := 0
	for n < len(q.items) && n < maxCoalesce {
		n++
		if q.items[n-1].c.closes {
			break
		}
	}
	batch := slices.Clone(q.items[:n])
	q.items = q.items[n:]
	r.qmu.Unlock()

	r.saveAll(batch)

	r.qmu.Lock()
	if len(q.items) > 0 {
		next := q.items[0]
		close(next.promote)
	} else {
		q.leader = false
		delete(r.queues, key)
	}
	r.qmu.Unlock()
}

// saveAll saves the rows of ps (deliveries of one group) in one revision,
// marks their batches done or releases them, and wakes them.
func (r *Receivers) saveAll(ps []*pending) {
	ctx := context.Background()
	last := ps[len(ps)-1]
	id, opened, group, err := r.save(ctx, ps)
	for i, p := range ps {
		if err == nil {
			var g *hindsight.AlertGroup
			if p == last {
				g = group
			}
			if ferr := r.store.FinishAlertEvents(ctx, p.c.source, p.batch, id, g); ferr != nil {
				// the change is saved but this batch stays pending (and a
				// new group may be unmapped): the sender's retry settles it
				// from the revision message once the claim is stale
				p.err = ferr
			} else {
				p.id, p.opened = id, opened && i == 0
			}
		} else {
			if rerr := r.store.ReleaseAlertEvents(ctx, p.c.source, p.batch); rerr != nil {
				r.log.ErrorContext(ctx, "release alert events", "source", p.c.source, "batch", p.batch, "err", rerr)
			}
			p.err = err
		}
		close(p.done)
	}
}

// save opens the group's incident or extends it with the rows of ps. It
// returns the incident ID, whether it opened it, and the group mapping to
// write with the finished batches (nil when it does not change).
func (r *Receivers) save(ctx context.Context, ps []*pending) (string, bool, *hindsight.AlertGroup, error) {
	c := ps[0].c
	closes := ps[len(ps)-1].c.closes
	a := actor(c.source)
	n := 0
	markers := make([]string, 0, len(ps))
	for _, p := range ps {
		n += len(p.rows)
		markers = append(markers, hindsight.BatchMarker(p.batch))
	}
	msg := fmt.Sprintf("%s: %d event(s) %s", c.source, n, strings.Join(markers, " "))
	apply := func(doc *hindsight.Postmortem) {
		for _, p := range ps {
			merge(doc, p.c, p.rows, p.now)
		}
	}
	g, err := r.store.FindAlertGroup(ctx, c.source, c.group)
	if err != nil && hindsight.ErrorCode(err) != hindsight.ENotFound {
		return "", false, nil, err
	}
	title := c.open.title
	if g != nil && g.Open {
		for attempt := 0; ; attempt++ {
			cur, err := r.svc.Get(ctx, a, g.IncidentID)
			if hindsight.ErrorCode(err) == hindsight.ENotFound {
				break // deleted: open a new one
			}
			if err != nil {
				return "", false, nil, err
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
				return cur.ID, false, closed, nil
			}
			if hindsight.ErrorCode(err) == hindsight.ETooLarge {
				// the document is full: the group goes on in a new Draft
				r.log.WarnContext(ctx, "incident too large for more alert rows: opening a continuation", "source", c.source, "incident", cur.ID, "err", err)
				base, _, _ := strings.Cut(cur.Doc.Title, " (continued from ")
				title = cellText(base + " (continued from " + cur.ID + ")")
				break
			}
			if hindsight.ErrorCode(err) != hindsight.EConflict || attempt >= 8 {
				return "", false, nil, err
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
		return "", false, nil, err
	}
	return inc.ID, true, &hindsight.AlertGroup{Source: c.source, Key: c.group, IncidentID: inc.ID, Open: !closes}, nil
}
