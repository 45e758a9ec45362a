package app

import (
	"context"
	"os"
	"strconv"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// QueueOpenItems queues an issue for every open action item without a
// Ticket or a tracker link, of the incidents ids (every incident the actor
// sees when empty), in each incident's tracker (`hindsight actions sync`).
// It returns the links of those incidents' items it queued or found.
func (s *Service) QueueOpenItems(ctx context.Context, a Actor, ids []string) ([]hindsight.TrackerLink, error) {
	ts, err := s.trackerStore()
	if err != nil {
		return nil, err
	}
	if len(s.lint.Trackers) == 0 {
		return nil, hindsight.Errorf(hindsight.EInvalid, "no issue tracker is configured (trackers: in .hindsight.yaml, docs/integrations.md)")
	}
	var rows []hindsight.ActionItemRow
	filter := hindsight.ActionItemFilter{Status: []hindsight.ItemStatus{hindsight.ItemOpen}, Limit: 5000}
	if len(ids) == 0 {
		if rows, err = s.openItems(ctx, a.Viewer); err != nil {
			return nil, err
		}
	}
	for _, id := range ids {
		if _, _, err := s.store.FindIncidentVersion(ctx, a.Viewer, id); err != nil {
			return nil, err
		}
		f := filter
		f.IncidentID = id
		rs, err := s.store.FindActionItems(ctx, a.Viewer, f)
		if err != nil {
			return nil, err
		}
		rows = append(rows, rs...)
	}
	seen := map[string]bool{}
	var out []hindsight.TrackerLink
	for _, r := range rows {
		if r.Ticket != "" {
			continue
		}
		key := r.ID
		if key == "" {
			key = strconv.Itoa(r.Position + 1)
		}
		_, err := s.CreateIssue(ctx, a, r.IncidentID, key)
		if err != nil && hindsight.ErrorCode(err) != hindsight.EConflict {
			return out, err
		}
		seen[r.IncidentID] = true
	}
	for _, id := range ids {
		seen[id] = true
	}
	for id := range seen {
		ls, err := ts.FindTrackerLinks(ctx, id)
		if err != nil {
			return out, err
		}
		out = append(out, ls...)
	}
	return out, nil
}

// openItemsPage is how many items a page of openItems holds.
var openItemsPage = 5000

// openItems is every open action item v sees, read by pages of the
// tracker's keyset list (by incident): one read of at most 5,000 used to
// leave the rest out of `hindsight actions sync` without a word.
func (s *Service) openItems(ctx context.Context, v hindsight.Viewer) ([]hindsight.ActionItemRow, error) {
	filter := hindsight.ActionItemFilter{Status: []hindsight.ItemStatus{hindsight.ItemOpen}, Limit: openItemsPage}
	is, ok := s.store.(hindsight.InsightStore)
	if !ok {
		return nil, hindsight.Errorf(hindsight.EUnsupport, "action items: this store cannot list every open action item")
	}
	q := hindsight.ActionItemQuery{ActionItemFilter: filter, Sort: hindsight.ItemSortIncident}
	var rows []hindsight.ActionItemRow
	for {
		page, err := is.TrackActionItems(ctx, v, q)
		if err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			rows = append(rows, it.ActionItemRow)
		}
		if page.Next == "" {
			return rows, nil
		}
		q.Cursor = page.Next
	}
}

// LeaseFromEnv reads HINDSIGHT_TRACKER_LEASE (a duration such as 2m: how
// long a crashed worker's links wait before another takes them).
func (o *TrackerOptions) LeaseFromEnv(getenv func(string) string) error {
	if getenv == nil {
		getenv = os.Getenv
	}
	v := getenv("HINDSIGHT_TRACKER_LEASE")
	if v == "" {
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second {
		return hindsight.Errorf(hindsight.EInvalid, "HINDSIGHT_TRACKER_LEASE %q: want a duration of 1s or more, e.g. 2m", v)
	}
	o.Lease = d
	return nil
}

// StartTrackerSync runs the tracker worker until ctx ends: a pass every
// second while trackers are configured (SyncTrackers).
func (s *Service) StartTrackerSync(ctx context.Context) {
	if len(s.lint.Trackers) == 0 {
		return
	}
	if _, err := s.trackerStore(); err != nil {
		return
	}
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			for {
				n, err := s.SyncTrackers(ctx, 20)
				if err != nil && ctx.Err() == nil {
					s.trackerLog().Error("tracker sync", "err", err)
				}
				if n == 0 || err != nil {
					break
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}
