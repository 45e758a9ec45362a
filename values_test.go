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

func utc(y int, mo time.Month, d, h, m int) time.Time {
	return time.Date(y, mo, d, h, m, 0, 0, time.UTC)
}

// TestParseTimeForms: every time form of docs/format.md, in a field (a
// whole value with its date), read exactly or kept as text with the reason.
func TestParseTimeForms(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Time
	}{
		{"2024-02-07 16:50", utc(2024, 2, 7, 16, 50)},
		{"2024-02-07T19:02:00Z", utc(2024, 2, 7, 19, 2)},
		{"2024-02-07T19:02:00.250Z", utc(2024, 2, 7, 19, 2)},
		{"2024-02-07 18:45:30", utc(2024, 2, 7, 18, 45)},
		{"2024/02/07 18:45", utc(2024, 2, 7, 18, 45)},
		{"2024-2-7 9:05", utc(2024, 2, 7, 9, 5)},
		{"2024-02-07 18:20 UTC", utc(2024, 2, 7, 18, 20)},
		{"2024-02-07 18:20 utc", utc(2024, 2, 7, 18, 20)},
		{"2024-02-07 18:20 GMT", utc(2024, 2, 7, 18, 20)},
		{"2024-02-07 18:20Z", utc(2024, 2, 7, 18, 20)},
		{"2024-02-07 18:20 (UTC)", utc(2024, 2, 7, 18, 20)},
		// 12-hour clock, any case, with or without a space or dots
		{"2024-02-07 9:41 AM", utc(2024, 2, 7, 9, 41)},
		{"2024-02-07 9:41 PM", utc(2024, 2, 7, 21, 41)},
		{"2024-02-07 9:41pm", utc(2024, 2, 7, 21, 41)},
		{"2024-02-07 9:41 a.m.", utc(2024, 2, 7, 9, 41)},
		{"2024-02-07 9:41 P.M.", utc(2024, 2, 7, 21, 41)},
		{"2024-02-07 9:41 Pm", utc(2024, 2, 7, 21, 41)},
		{"2024-02-07 12:05 AM", utc(2024, 2, 7, 0, 5)},
		{"2024-02-07 12:05 PM", utc(2024, 2, 7, 12, 5)},
		{"2024-02-07 9 PM", utc(2024, 2, 7, 21, 0)},
		{"2024-02-07 09:41:30 AM", utc(2024, 2, 7, 9, 41)},
		// zones: abbreviations, US zones by date, IANA names, offsets
		{"2024-02-07 9:41 AM PST", utc(2024, 2, 7, 17, 41)},
		{"2024-07-10 9:41 AM PDT", utc(2024, 7, 10, 16, 41)},
		{"2024-02-07 11:05 am PT", utc(2024, 2, 7, 19, 5)},
		{"2024-07-10 11:05 am PT", utc(2024, 7, 10, 18, 5)},
		{"2024-02-07 10:00 MST", utc(2024, 2, 7, 17, 0)},
		{"2024-07-10 10:00 MST", utc(2024, 7, 10, 17, 0)}, // Arizona
		{"2024-07-10 10:00 MDT", utc(2024, 7, 10, 16, 0)},
		{"2024-02-07 10:00 EST", utc(2024, 2, 7, 15, 0)},
		{"2024-07-10 10:00 EDT", utc(2024, 7, 10, 14, 0)},
		{"2024-02-07 10:00 ET", utc(2024, 2, 7, 15, 0)},
		{"2024-07-10 10:00 ET", utc(2024, 7, 10, 14, 0)},
		{"2024-02-07 10:00 CET", utc(2024, 2, 7, 9, 0)},
		{"2024-07-10 10:00 CEST", utc(2024, 7, 10, 8, 0)},
		{"2024-02-07 10:00 JST", utc(2024, 2, 7, 1, 0)},
		{"2024-02-07 10:00 KST", utc(2024, 2, 7, 1, 0)},
		{"2024-07-10 10:00 AEST", utc(2024, 7, 10, 0, 0)},
		{"2024-02-07 10:00 AEDT", utc(2024, 2, 6, 23, 0)},
		{"2024-07-10 10:00 NZST", utc(2024, 7, 9, 22, 0)},
		{"2024-02-07 10:00 NZDT", utc(2024, 2, 6, 21, 0)},
		{"2024-02-07 10:00 America/Los_Angeles", utc(2024, 2, 7, 18, 0)},
		{"2024-07-10 10:00 Asia/Kolkata", utc(2024, 7, 10, 4, 30)},
		{"2024-02-07 10:00 +09:00", utc(2024, 2, 7, 1, 0)},
		{"2024-02-07T10:00+09:00", utc(2024, 2, 7, 1, 0)},
		{"2024-02-07 10:00 -0700", utc(2024, 2, 7, 17, 0)},
		{"2024-02-07 10:00 UTC+9", utc(2024, 2, 7, 1, 0)},
		{"2024-02-07 10:00 UTC+05:30", utc(2024, 2, 7, 4, 30)},
		{"2024-02-07 10:00 GMT-7", utc(2024, 2, 7, 17, 0)},
		{"2024-02-07 10:00 UTC−7", utc(2024, 2, 7, 17, 0)},
		{"2024-02-07 10:00 (PST)", utc(2024, 2, 7, 18, 0)},
		{"2024-02-07 10:00 Pacific Time", utc(2024, 2, 7, 18, 0)},
		{"2024-02-07 10:00 India Standard Time", utc(2024, 2, 7, 4, 30)},
		// dates with month names, and "at"
		{"Feb 7, 2024 9:41 PM PST", utc(2024, 2, 8, 5, 41)},
		{"February 7, 2024 at 9:41 PM PST", utc(2024, 2, 8, 5, 41)},
		{"7 Feb 2024 21:41", utc(2024, 2, 7, 21, 41)},
		{"8 November 2023, 4.05am AEDT", utc(2023, 11, 7, 17, 5)},
		{"2023-11-08 5.35 pm AEDT", utc(2023, 11, 8, 6, 35)},
		{"2024-02-07, 21:41", utc(2024, 2, 7, 21, 41)},
	} {
		got, ok := ParseTime(c.in)
		if !ok || !got.T.Equal(c.want) || got.Text != "" {
			t.Errorf("ParseTime(%q) = %+v, %v; want %s", c.in, got, ok, c.want.Format(TimeLayout))
		}
	}
	// kept as text, with the reason lint reports
	for _, c := range []struct {
		in   string
		kind TimeErrorKind
	}{
		{"2024-02-07 10:00 IST", TimeZoneAmbiguous},
		{"2024-02-07 10:00 CST", TimeZoneAmbiguous},
		{"2024-07-10 10:00 BST", TimeZoneAmbiguous},
		{"2024-07-10 9:41 AM PST", TimeZoneSeason}, // PDT was in effect
		{"2024-02-07 9:41 AM PDT", TimeZoneSeason},
		{"2024-07-10 10:00 CET", TimeZoneSeason},
		{"2024-03-10 02:30 PT", TimeLocalGap},
		{"2024-11-03 01:30 PT", TimeLocalRepeat},
		{"2024-10-27 02:30 Europe/Berlin", TimeLocalRepeat},
		{"9:41 AM PST", TimeNoDate},
		{"18:45:30", TimeNoDate},
		{"2024-02-07 13:41 PM", TimeNotTime},
		{"2024-02-07 0:41 AM", TimeNotTime},
		{"2024-02-07 24:00", TimeNotTime},
		{"2024-02-07 4.05", TimeNotTime}, // a dot only with am/pm
		{"Jul 18 10:09 PM", TimeNoDate},  // no year: only in a timeline, after a dated row
		{"2024-02-30 10:00", TimeNotTime},
		{"2021-13-04 15:39", TimeNotTime},
		{"Feb 30, 2024 10:00", TimeNotTime},
		{"0000-01-01 10:00", TimeNotTime},
		{"2024-02-07 10:00 +25:00", TimeNotTime},
		{"2021-02-10 03:15 (JST 12:15)", TimeNotTime},
		{"2024-02-07 10:00 Mars/Olympus", TimeNotTime},
		{"yesterday", TimeNotTime},
	} {
		got, err := ParseTimeIn(c.in, nil)
		te, _ := err.(*TimeError)
		if te == nil || te.Kind != c.kind || got.IsSet() || got.Text != c.in {
			t.Errorf("ParseTimeIn(%q) = %+v, %v; want text kept, kind %d", c.in, got, err, c.kind)
		}
		if ex := ExplainTime(c.in); ex.Kind != c.kind {
			t.Errorf("ExplainTime(%q) = %v; want kind %d", c.in, ex, c.kind)
		}
	}
}

// TestParseTimeDocumentZone: a time without a zone is read in the zone the
// document states; a zone written on the time wins.
func TestParseTimeDocumentZone(t *testing.T) {
	pacific, ok := LookupZone("Pacific")
	if !ok {
		t.Fatal("Pacific is not a zone")
	}
	for in, want := range map[string]time.Time{
		"2024-02-07 10:00":     utc(2024, 2, 7, 18, 0),
		"2024-07-10 10:00":     utc(2024, 7, 10, 17, 0),
		"2024-07-10 10:00 UTC": utc(2024, 7, 10, 10, 0),
		"2024-07-10 10:00 JST": utc(2024, 7, 10, 1, 0),
	} {
		if got, err := ParseTimeIn(in, pacific); err != nil || !got.T.Equal(want) {
			t.Errorf("ParseTimeIn(%q, Pacific) = %+v, %v; want %s", in, got, err, want)
		}
	}
	ist, _ := LookupZone("IST")
	if _, err := ParseTimeIn("2024-02-07 10:00", ist); err == nil {
		t.Error("a document in IST read a time")
	}
	for _, s := range []string{"UTC", "Pacific", "US Eastern", "PT", "CET", "America/Los_Angeles", "+09:00", "UTC+9", "GMT-7", "India Standard Time", "Z"} {
		if z, ok := LookupZone(s); !ok || z.Ambiguous() {
			t.Errorf("LookupZone(%q) = %v, %v", s, z, ok)
		}
	}
	for _, s := range []string{"IST", "CST", "BST"} {
		if z, ok := LookupZone(s); !ok || !z.Ambiguous() {
			t.Errorf("LookupZone(%q) = %v, %v; want ambiguous", s, z, ok)
		}
	}
	for _, s := range []string{"DNS", "Mars/Olympus", "pst", "+9", ""} {
		if z, ok := LookupZone(s); ok {
			t.Errorf("LookupZone(%q) = %v: not a zone", s, z)
		}
	}
}

// TestScanTime: a timeline bullet's time is read from the start of the
// line; the rest (the event) is left untouched.
func TestScanTime(t *testing.T) {
	for _, c := range []struct{ in, text, rest string }{
		{"2024-02-07 16:50 — x", "2024-02-07 16:50", " — x"},
		{"9:41 AM PST — paging storm", "9:41 AM PST", " — paging storm"},
		{"11:05 am PT: z", "11:05 am PT", ": z"},
		{"18:20 UTC", "18:20 UTC", ""},
		{"2024-02-07T19:02:00Z", "2024-02-07T19:02:00Z", ""},
		{"18:45:30", "18:45:30", ""},
		{"9:41 a.m. - y", "9:41 a.m.", " - y"},
		{"2021-02-10 03:15 (JST 12:15)", "2021-02-10 03:15", " (JST 12:15)"},
		{"14:02 DNS change", "14:02", " DNS change"},
		{"09:12 Central database failed", "09:12", " Central database failed"},
		{"14:02 amazon down", "14:02", " amazon down"},
		{"14:02 -  alert", "14:02", " -  alert"},
		{"14:02 (PST) alert", "14:02 (PST)", " alert"},
	} {
		got, rest, ok := ScanTime(c.in)
		if !ok || got.Text != c.text || rest != c.rest {
			t.Errorf("ScanTime(%q) = %q, %q, %v; want %q, %q", c.in, got.Text, rest, ok, c.text, c.rest)
		}
	}
	for _, in := range []string{"x 14:02", "1402", "14:2", "14:02:", "2024-02-07", "Step 3: fix", "25:00"} {
		if got, _, ok := ScanTime(in); ok {
			t.Errorf("ScanTime(%q) = %+v: not a time", in, got)
		}
	}
}

// TestClockPlace: a time of day takes the date of the row above it in its
// own zone and rolls to the next day only when it falls more than RollOver
// before that row, across midnight and across DST changes.
func TestClockPlace(t *testing.T) {
	for _, c := range []struct {
		prev time.Time
		in   string
		want time.Time
	}{
		{utc(2024, 2, 7, 16, 50), "9:41 AM PST", utc(2024, 2, 7, 17, 41)},
		{utc(2024, 2, 7, 17, 41), "11:05 am PT", utc(2024, 2, 7, 19, 5)},
		{utc(2024, 2, 7, 19, 5), "18:20 UTC", utc(2024, 2, 7, 18, 20)}, // out of order, same day
		{utc(2024, 2, 7, 23, 50), "00:10", utc(2024, 2, 8, 0, 10)},     // across midnight
		{utc(2024, 2, 7, 14, 30), "14:10", utc(2024, 2, 7, 14, 10)},
		{utc(2024, 2, 7, 20, 0), "13:59", utc(2024, 2, 8, 13, 59)}, // more than 6 h before
		{utc(2024, 2, 7, 20, 0), "14:00", utc(2024, 2, 7, 14, 0)},  // exactly 6 h: same day
		// the row above is 2024-02-08 01:00 UTC = Feb 7, 17:00 PST
		{utc(2024, 2, 8, 1, 0), "5:30 PM PST", utc(2024, 2, 8, 1, 30)},
		{utc(2024, 2, 8, 1, 0), "11:30 PM PT", utc(2024, 2, 8, 7, 30)},
		// across the spring-forward night in Pacific time
		{utc(2024, 3, 10, 9, 0), "3:15 AM PT", utc(2024, 3, 10, 10, 15)}, // 01:00 PST -> 03:15 PDT
		{utc(2024, 3, 10, 7, 30), "11:45 PM PT", utc(2024, 3, 10, 7, 45)},
		// across midnight and the fall-back night
		{utc(2024, 11, 3, 6, 50), "11:55 PM PDT", utc(2024, 11, 3, 6, 55)},
		{utc(2024, 11, 3, 6, 55), "12:20 AM PT", utc(2024, 11, 3, 7, 20)},
		{utc(2024, 11, 3, 7, 20), "3:00 AM PT", utc(2024, 11, 3, 11, 0)},
		// a month and day take the year of the row above, the next one after December
		{utc(2024, 7, 18, 20, 0), "Jul 18 10:09 PM", utc(2024, 7, 18, 22, 9)},
		{utc(2024, 12, 31, 23, 0), "Jan 1 12:30 AM", utc(2025, 1, 1, 0, 30)},
		// a dated row is read on its own date
		{utc(2024, 2, 7, 20, 0), "2024-02-09 01:00", utc(2024, 2, 9, 1, 0)},
	} {
		cl, rest, ok := ScanTime(c.in)
		if !ok || rest != "" {
			t.Fatalf("ScanTime(%q) = %v %q", c.in, ok, rest)
		}
		got, err := cl.Place(c.prev, nil)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("Place(%q after %s) = %s, %v; want %s", c.in, c.prev.Format(TimeLayout), got.Format(TimeLayout), err, c.want.Format(TimeLayout))
		}
	}
	for _, c := range []struct {
		prev time.Time
		in   string
		kind TimeErrorKind
	}{
		{time.Time{}, "14:02", TimeNoDate},
		{utc(2024, 2, 7, 10, 0), "10:30 IST", TimeZoneAmbiguous},
		{utc(2024, 3, 10, 9, 0), "2:30 AM PT", TimeLocalGap},
		{utc(2024, 11, 3, 7, 20), "1:30 AM PT", TimeLocalRepeat},
		{utc(2024, 7, 10, 16, 0), "9:41 AM PST", TimeZoneSeason},
	} {
		cl, _, _ := ScanTime(c.in)
		if _, err := cl.Place(c.prev, nil); err == nil || err.(*TimeError).Kind != c.kind {
			t.Errorf("Place(%q after %s) = %v; want kind %d", c.in, c.prev, err, c.kind)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]int{"00:45": 45, "73:05": 73*60 + 5, "1:05": 65, "01:05:59": 65, "45m": 45, "2h": 120, "2h 5m": 125, "1 hour 5 minutes": 65, "90 min": 90, "1d 2h": 26 * 60,
		"52h 5m": 52*60 + 5, "3 hours 40 minutes": 220, "95 minutes": 95, "1h30": 90, "5d 4h": 124 * 60, "125:05": 125*60 + 5, "1 day, 2 hours and 5 minutes": 26*60 + 5, "3 hrs 40 mins": 220} {
		got, ok := ParseDuration(in)
		if !ok || got.Minutes != want || got.String() != HHMM(want) {
			t.Errorf("ParseDuration(%q) = %+v, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"soon", "1:75", "12", "TBD", "-01:00", "~45m", "about 2h", "1.5h", "5 1h"} {
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
	for _, s := range []string{"2021-10-04 15:39", "73:05", "SEV1", "p0", "Yes — x", "Final", "1h 5m", "2021-10-04T15:39:00+02:00", "99999999:00",
		"2024-02-07 9:41 AM PST", "2024-02-07 11:05 am PT", "2024-02-07 9:41 a.m.", "Feb 7, 2024 at 9:41 PM America/Los_Angeles", "2024-02-07 10:00 UTC+9", "2024-02-07 10:00 GMT-7",
		"2024-02-07 10:00 IST", "2024-11-03 01:30 PT", "2024-03-10 02:30 PT", "2021-02-10 03:15 (JST 12:15)", "2024-02-07 10:00 （JST）", "52h 5m", "3 hours 40 minutes", "95 minutes", "1d 2h", "1h30"} {
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
		_, _ = ParseStatus(s)
		_, _ = ParseItemStatus(s)
		ParseIncidentID(s)
	})
}
