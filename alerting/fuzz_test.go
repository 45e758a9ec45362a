package alerting

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
)

func seed(f *testing.F, dir string) {
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds in testdata/%s: %v", dir, err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// exercise applies a change to an empty and to a non-empty document and
// renders both: decoders must hand on only what the model can hold. The
// change must also come back whole from the inbox's encoding.
func exercise(t *testing.T, c change) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	b, err := encodeChange(c, now)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	back, received, err := decodeChange(b)
	if err != nil || !received.Equal(now) {
		t.Fatalf("decode: %v (received %v)", err, received)
	}
	again, _ := encodeChange(back, now)
	if string(again) != string(b) {
		t.Fatalf("the inbox encoding does not round-trip:\n%s\n%s", b, again)
	}
	for _, p := range []*hindsight.Postmortem{
		{Title: c.open.title, Status: hindsight.StatusDraft},
		{Title: "x", Timeline: []hindsight.Event{{Time: hindsight.Time{Text: "Unknown"}, Event: "human row", Cells: []string{"a", "b"}}}},
	} {
		merge(p, c, c.rows)
		if len(p.Timeline) < len(c.rows) {
			t.Fatalf("%d rows merged into %d", len(c.rows), len(p.Timeline))
		}
		md := markdown.Render(p)
		q, _ := markdown.Parse(md)
		if len(q.Timeline) != len(p.Timeline) {
			t.Fatalf("timeline of %d rows came back with %d:\n%s", len(p.Timeline), len(q.Timeline), md)
		}
	}
}

func fuzzReceivers() *Receivers { return New(nil, nil, Config{}) }

func FuzzAlertmanager(f *testing.F) {
	seed(f, "alertmanager")
	r := fuzzReceivers()
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeAlertmanager(b)
		if err != nil {
			if _, ok := err.(*badPayload); !ok {
				t.Fatalf("decode error is not a 400: %T %v", err, err)
			}
			return
		}
		c := r.alertmanagerChange(p)
		if len(c.rows) != len(p.Alerts) {
			t.Fatalf("%d alerts made %d rows", len(p.Alerts), len(c.rows))
		}
		exercise(t, c)
	})
}

func FuzzPagerDuty(f *testing.F) {
	seed(f, "pagerduty")
	r := fuzzReceivers()
	f.Fuzz(func(t *testing.T, b []byte) {
		VerifyPagerDuty(b, string(b), []string{"s"})
		p, err := DecodePagerDuty(b)
		if err != nil {
			if _, ok := err.(*badPayload); !ok {
				t.Fatalf("decode error is not a 400: %T %v", err, err)
			}
			return
		}
		if c, ok := r.pagerDutyChange(p); ok {
			if c.group == "" {
				t.Fatal("a change without a group")
			}
			exercise(t, c)
		}
	})
}

func FuzzGeneric(f *testing.F) {
	seed(f, "generic")
	r := fuzzReceivers()
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := DecodeGeneric(b)
		if err != nil {
			if _, ok := err.(*badPayload); !ok {
				t.Fatalf("decode error is not a 400: %T %v", err, err)
			}
			return
		}
		c, err := r.genericChange(g, time.Now())
		if err != nil {
			return
		}
		exercise(t, c)
	})
}
