package hindsight

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	want := time.Date(2021, 10, 4, 15, 39, 0, 0, time.UTC)
	for _, in := range []string{"2021-10-04 15:39", "2021-10-04 15:39 UTC", "2021-10-04T15:39Z", "2021-10-04T15:39:59Z", "2021-10-04 15:39:07", "2021-10-04T17:39+02:00", "2021-10-04 11:39 -0400", " 2021-10-04 15:39 "} {
		got, ok := ParseTime(in)
		if !ok || !got.T.Equal(want) || got.Text != "" {
			t.Errorf("ParseTime(%q) = %+v, %v", in, got, ok)
		}
	}
	for _, in := range []string{"yesterday", "2021-13-04 15:39", "15:39", "Unknown"} {
		got, ok := ParseTime(in)
		if ok || got.Text != in || got.IsSet() {
			t.Errorf("ParseTime(%q) = %+v, %v: want text kept, not ok", in, got, ok)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]int{"00:45": 45, "73:05": 73*60 + 5, "1:05": 65, "01:05:59": 65, "45m": 45, "2h": 120, "2h 5m": 125, "1 hour 5 minutes": 65, "90 min": 90, "1d 2h": 26 * 60} {
		got, ok := ParseDuration(in)
		if !ok || got.Minutes != want || got.String() != HHMM(want) {
			t.Errorf("ParseDuration(%q) = %+v, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"soon", "1:75", "12", "TBD", "-01:00"} {
		if got, ok := ParseDuration(in); ok || got.Text != in {
			t.Errorf("ParseDuration(%q) = %+v, %v", in, got, ok)
		}
	}
}

func TestEnums(t *testing.T) {
	sev := map[string]Severity{"SEV-1": Sev1, "SEV1": Sev1, "sev 2": Sev2, "Sev-3": Sev3, "severity 4": Sev4, "S2": Sev2}
	for in, want := range sev {
		if got, ok := ParseSeverity(in); !ok || got != want {
			t.Errorf("ParseSeverity(%q) = %q %v", in, got, ok)
		}
	}
	if got, ok := ParseSeverity("SEV-5"); ok || got != "SEV-5" {
		t.Errorf("SEV-5: %q %v", got, ok)
	}
	st := map[string]Status{"Final": StatusPublished, "Complete": StatusPublished, "review": StatusInReview, "Draft": StatusDraft, "Template": StatusTemplate}
	for in, want := range st {
		if got, ok := ParseStatus(in); !ok || got != want {
			t.Errorf("ParseStatus(%q) = %q %v", in, got, ok)
		}
	}
	ans := map[string]Answer{"yes": {Value: Yes}, "Y": {Value: Yes}, "No.": {Value: No}, "**No**": {Value: No}, "Yes — 1,200 emails": {Value: Yes, Note: "1,200 emails"}, "No, none lost": {Value: No, Note: "none lost"}, "Unknown": {Value: "Unknown"}}
	for in, want := range ans {
		if got := ParseAnswer(in); got != want {
			t.Errorf("ParseAnswer(%q) = %+v, want %+v", in, got, want)
		}
	}
	if !StatusDraft.CanMoveTo(StatusInReview) || StatusDraft.CanMoveTo(StatusPublished) || !StatusPublished.CanMoveTo(StatusInReview) {
		t.Error("workflow transitions")
	}
}

func TestValueJSON(t *testing.T) {
	type doc struct {
		A, B, C Time
		D, E    Duration
		F, G    Date
	}
	in := doc{A: TimeOf(time.Date(2026, 11, 26, 14, 2, 0, 0, time.UTC)), B: Time{Text: "TBD"}, D: Minutes(4385), E: Duration{Text: "Unknown"}, F: DateOf(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)), G: Date{Text: "next sprint"}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"A":"2026-11-26T14:02:00Z","B":"TBD","C":null,"D":{"hhmm":"73:05","minutes":4385},"E":{"text":"Unknown"},"F":"2026-12-01","G":"next sprint"}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	var back doc
	if err := json.Unmarshal(b, &back); err != nil || back != in {
		t.Fatalf("round trip: %v %+v", err, back)
	}
	var d Duration
	for _, s := range []string{`"01:30"`, `90`, `{"minutes":90}`} {
		if err := json.Unmarshal([]byte(s), &d); err != nil || d.Minutes != 90 {
			t.Errorf("%s: %+v %v", s, d, err)
		}
	}
	if err := json.Unmarshal([]byte(`-5`), &d); err == nil {
		t.Error("negative minutes accepted")
	}
}

// FuzzParseValues: the value parsers never panic, and what they accept
// renders to a form they read back the same.
func FuzzParseValues(f *testing.F) {
	for _, s := range []string{"2021-10-04 15:39", "73:05", "SEV1", "p0", "Yes — x", "Final", "1h 5m", "2021-10-04T15:39:00+02:00", "99999999:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if tm, ok := ParseTime(s); ok {
			if again, ok2 := ParseTime(tm.String()); !ok2 || again != tm {
				t.Fatalf("time %q -> %q -> %+v", s, tm.String(), again)
			}
		}
		if d, ok := ParseDuration(s); ok {
			if again, ok2 := ParseDuration(d.String()); !ok2 || again != d {
				t.Fatalf("duration %q -> %q -> %+v", s, d.String(), again)
			}
		}
		if sev, ok := ParseSeverity(s); ok && !sev.Valid() {
			t.Fatalf("severity %q -> invalid %q", s, sev)
		}
		if p, ok := ParsePriority(s); ok && !p.Valid() {
			t.Fatalf("priority %q -> invalid %q", s, p)
		}
		a := ParseAnswer(s)
		if a.Value == Yes || a.Value == No {
			if again := ParseAnswer(a.String()); again != a {
				t.Fatalf("answer %q -> %q -> %+v", s, a.String(), again)
			}
		}
		ParseDate(s)
		ParseStatus(s)
		ParseItemStatus(s)
		ParseIncidentID(s)
	})
}
