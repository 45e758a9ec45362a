package storetest

import (
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
)

// Counter counts the rows of a table ("audit_log" or "outbox") that belong
// to an incident, by reading the backend's database directly.
type Counter func(t *testing.T, s hindsight.Store, table, incidentID string) int

// RunSideTables checks that audit records and outbox events are written in
// the same transaction as the change they belong to: kept when it commits,
// gone when it is refused.
func RunSideTables(t *testing.T, open Opener, count Counter) {
	s := open(t, Config{Render: markdown.Render, Clock: NewClock(Epoch).Now})
	audit := []hindsight.AuditRecord{{Actor: "alice", Action: "incident.create", Detail: `{"via":"test"}`}}
	outbox := []hindsight.OutboxEvent{{Event: "incident.created", Payload: []byte(`{"x":1}`)}, {Event: "incident.any"}}
	inc, err := s.CreateIncident(ctx(t), hindsight.IncidentCreate{Doc: &hindsight.Postmortem{Title: "side"}, Audit: audit, Outbox: outbox})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name          string
		do            func() error
		code          hindsight.Code
		audit, outbox int
	}{
		{"Create", func() error { return nil }, "", 1, 2},
		{"Update", func() error {
			_, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: 1, Doc: &hindsight.Postmortem{Title: "v2"}, Audit: audit, Outbox: outbox[:1]})
			return err
		}, "", 2, 3},
		{"RefusedUpdateWritesNothing", func() error {
			_, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: 1, Doc: &hindsight.Postmortem{Title: "stale"}, Audit: audit, Outbox: outbox})
			return err
		}, hindsight.EConflict, 2, 3},
		{"TooLargeWritesNothing", func() error {
			big := make([]byte, hindsight.DefaultMaxDocBytes+1)
			for i := range big {
				big[i] = 'x'
			}
			_, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: 2, Doc: &hindsight.Postmortem{Title: string(big)}, Audit: audit, Outbox: outbox})
			return err
		}, hindsight.ETooLarge, 2, 3},
		{"Delete", func() error {
			return s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: inc.ID, Audit: audit})
		}, "", 3, 3},
		{"PurgeKeepsTheLog", func() error {
			return s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: inc.ID, Purge: true, Audit: audit})
		}, "", 4, 3},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			wantCode(t, st.name, st.do(), st.code)
			if a, o := count(t, s, "audit_log", inc.ID), count(t, s, "outbox", inc.ID); a != st.audit || o != st.outbox {
				t.Errorf("%d audit records and %d outbox events, want %d and %d", a, o, st.audit, st.outbox)
			}
		})
	}
}
