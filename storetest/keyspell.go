package storetest

import (
	"sort"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
)

// RunKeySpellings runs the conformance suite of the spellings of the
// insights breakdown keys (migration 00230): a tag, factor category or
// field value is shown as the oldest live, unrestricted incident with it
// writes it (by start, then Incident ID), to every reader alike; the key
// in lower case when only restricted incidents have it. A save that
// changes the oldest spelling shows at once, also to a second instance on
// the same database (pair).
func RunKeySpellings(t *testing.T, pair Pair) {
	tests := []struct {
		name string
		fn   func(t *testing.T, a, b hindsight.Store)
	}{
		{"OldestUnrestricted", testSpellingsOldest},
		{"AfterEdits", testSpellingsAfterEdits},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := pair(t, Config{Render: markdown.Render, Clock: NewClock(Epoch).Now})
			tc.fn(t, a, b)
		})
	}
}

// spelled is a document of the spelling tests: its start ("" for none),
// Team name field, Tags line and factor categories.
func spelled(title, start, team, tags string, cats ...string) *hindsight.Postmortem {
	d := shaped{spec: spec{title: title, start: start, sev: "SEV-2", services: []string{"checkout"}},
		fields: [][2]string{{"Team name", team}, {"Tags", tags}}}
	for _, c := range cats {
		d.factors = append(d.factors, "["+c+"] something")
	}
	return d.doc()
}

// spellings renders in's breakdowns as "tags | categories | Team name",
// each sorted.
func spellings(in *hindsight.Insights) string {
	keys := func(cs []hindsight.Count) string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Key)
		}
		sort.Strings(out)
		return strings.Join(out, ",")
	}
	return keys(in.ByTag) + " | " + keys(in.ByFactorCategory) + " | " + keys(in.ByField["Team name"])
}

func insightsOf(t *testing.T, s hindsight.Store, v hindsight.Viewer) *hindsight.Insights {
	t.Helper()
	in, err := s.(hindsight.InsightStore).Insights(ctx(t), v, hindsight.InsightsFilter{GroupFields: []string{"Team name"}})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func testSpellingsOldest(t *testing.T, s, _ hindsight.Store) {
	create := func(p *hindsight.Postmortem, restricted bool) *hindsight.Incident {
		c := hindsight.IncidentCreate{Doc: p, Author: "alice", Restricted: restricted}
		if restricted {
			c.Members = []string{"bob"}
		}
		inc, err := s.CreateIncident(ctx(t), c)
		if err != nil {
			t.Fatal(err)
		}
		return inc
	}
	// the oldest is restricted, the next one deleted: neither spells
	create(spelled("hidden", "2026-01-01 10:00", "PAYMENTS core", "KAFKA, SecretThing", "Vendor/Cloud"), true)
	del := create(spelled("deleted", "2026-01-15 10:00", "PAYMENTS CORE", "KAFKA", "VENDOR/CLOUD"), false)
	if err := s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: del.ID, Author: "alice"}); err != nil {
		t.Fatal(err)
	}
	create(spelled("first", "2026-02-01 10:00", "Payments Core, Billing", "postgresql, Kafka, Kafka-Connect", "vendor/cloud"), false)
	create(spelled("second", "2026-03-01 10:00", "payments core", "POSTGRESQL, kafka, KAFKA", "CAPACITY"), false)
	// the same start: the lower Incident ID (created first) spells
	create(spelled("tie one", "2026-04-01 10:00", "", "Tie-Break", "Same/Start"), false)
	create(spelled("tie two", "2026-04-01 10:00", "", "tie-break", "same/start"), false)
	// no start sorts first (start key 0), as the incident list by start
	create(spelled("no start", "", "", "", "Capacity"), false)
	want := "Kafka,Kafka-Connect,Tie-Break,postgresql,secretthing | Capacity,Same/Start,vendor/cloud | Billing,Payments Core"
	for _, c := range []struct {
		name string
		v    hindsight.Viewer
	}{
		{"Anonymous", hindsight.Viewer{}},
		{"Reader", hindsight.Viewer{UserID: "carol"}},
		{"MemberOfTheRestricted", hindsight.Viewer{UserID: "bob"}},
		{"Admin", hindsight.Viewer{UserID: "root", Admin: true}},
		{"System", hindsight.SystemViewer},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := spellings(insightsOf(t, s, c.v))
			if c.v.UserID != "bob" && !c.v.SeesAll() {
				// the restricted incident is not counted for them
				want := strings.Replace(want, ",secretthing", "", 1)
				if got != want {
					t.Errorf("got %q, want %q", got, want)
				}
				return
			}
			if got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func testSpellingsAfterEdits(t *testing.T, a, b hindsight.Store) {
	old, err := a.CreateIncident(ctx(t), hindsight.IncidentCreate{Doc: spelled("old", "2026-02-01 10:00", "Payments Core", "Kafka", "Change/Deploy"), Author: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateIncident(ctx(t), hindsight.IncidentCreate{Doc: spelled("new", "2026-03-01 10:00", "PAYMENTS CORE", "KAFKA", "CHANGE/DEPLOY"), Author: "alice"}); err != nil {
		t.Fatal(err)
	}
	check := func(what, want string) {
		t.Helper()
		for i, s := range []hindsight.Store{a, b} {
			if got := spellings(insightsOf(t, s, hindsight.Viewer{})); got != want {
				t.Errorf("%s, instance %d: got %q, want %q", what, i+1, got, want)
			}
		}
	}
	check("created", "Kafka | Change/Deploy | Payments Core")
	// b reads first (so a cache would hold the old spelling), then a
	// changes the oldest document's spelling
	insightsOf(t, b, hindsight.Viewer{})
	inc, err := a.FindIncidentByID(ctx(t), hindsight.SystemViewer, old.ID)
	if err != nil {
		t.Fatal(err)
	}
	upd := spelled("old", "2026-02-01 10:00", "payments-core, Payments core", "KafKa", "change/DEPLOY")
	if _, err := a.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: inc.Revision, Doc: upd, Author: "alice"}); err != nil {
		t.Fatal(err)
	}
	check("edited", "KafKa | change/DEPLOY | Payments core,payments-core")
	// moved after the other one: the other one spells
	inc, err = b.FindIncidentByID(ctx(t), hindsight.SystemViewer, old.ID)
	if err != nil {
		t.Fatal(err)
	}
	upd = spelled("old", "2026-04-01 10:00", "payments-core, Payments core", "KafKa", "change/DEPLOY")
	if _, err := b.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: inc.Revision, Doc: upd, Author: "alice"}); err != nil {
		t.Fatal(err)
	}
	check("moved later", "KAFKA | CHANGE/DEPLOY | PAYMENTS CORE,payments-core")
	// restricting the oldest: its spelling goes (only it has payments-core)
	inc, err = a.FindIncidentByID(ctx(t), hindsight.SystemViewer, old.ID)
	if err != nil {
		t.Fatal(err)
	}
	upd = spelled("old", "2026-01-01 10:00", "payments-core, Payments core", "KafKa", "change/DEPLOY")
	yes := true
	if _, err := a.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: inc.Revision, Doc: upd, Author: "alice", Restricted: &yes}); err != nil {
		t.Fatal(err)
	}
	for i, s := range []hindsight.Store{a, b} {
		if got, want := spellings(insightsOf(t, s, hindsight.SystemViewer)), "KAFKA | CHANGE/DEPLOY | PAYMENTS CORE,payments-core"; got != want {
			t.Errorf("restricted, instance %d: got %q, want %q", i+1, got, want)
		}
	}
}
