package app

import (
	"context"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// Repeat is the payload of a factor.repeated event: the category, the
// service and the other incidents (unrestricted ones only: the event goes
// to every subscriber) naming both within hindsight.RepeatDays.
type Repeat struct {
	Category  string   `json:"category"`
	Service   string   `json:"service"`
	Incidents []string `json:"incidents"`
}

// repeatEvents are the factor.repeated events a save of p (old: the
// document before, nil for a new one) causes: one per category and service
// of p that another unrestricted live incident named within
// hindsight.RepeatDays of p's start and that was not such a repeat before
// the save. A store without the shape rows (not a hindsight.RepeatStore)
// queues none.
func (s *Service) repeatEvents(ctx context.Context, old, p *hindsight.Postmortem, id string, at time.Time) ([]hindsight.OutboxEvent, error) {
	rs, ok := s.store.(hindsight.RepeatStore)
	if !ok {
		return nil, nil
	}
	now, err := factorRepeats(ctx, rs, p, id)
	if err != nil || len(now) == 0 {
		return nil, err
	}
	before := map[[2]string]bool{}
	if old != nil {
		was, err := factorRepeats(ctx, rs, old, id)
		if err != nil {
			return nil, err
		}
		for _, r := range was {
			before[[2]string{r.Category, strings.ToLower(r.Service)}] = true
		}
	}
	var out []hindsight.OutboxEvent
	for _, r := range now {
		if before[[2]string{r.Category, strings.ToLower(r.Service)}] {
			continue
		}
		out = append(out, s.event(hindsight.EventFactorRepeated, p, id, at, func(e *Event) {
			e.Repeat = &Repeat{Category: r.Category, Service: r.Service, Incidents: r.Incidents}
		}))
	}
	return out, nil
}

// factorRepeats asks the store for the repeats of p's categories and
// services around its start.
func factorRepeats(ctx context.Context, rs hindsight.RepeatStore, p *hindsight.Postmortem, id string) ([]hindsight.RepeatFactor, error) {
	if !p.Summary.Start.IsSet() {
		return nil, nil
	}
	var cats, svcs []string
	for _, f := range p.Factors() {
		if f.Category != "" {
			cats = append(cats, f.Category)
		}
	}
	for _, sv := range p.Summary.Services {
		svcs = append(svcs, sv.Name)
	}
	if len(cats) == 0 || len(svcs) == 0 {
		return nil, nil
	}
	return rs.FactorRepeats(ctx, hindsight.Viewer{}, id, cats, svcs, p.Summary.Start.T)
}
