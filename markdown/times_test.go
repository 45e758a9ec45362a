package markdown

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"pgregory.net/rapid"
)

// timelineDoc is a document with a summary and a timeline written as
// bullets; above is put between the heading and the bullets.
func timelineDoc(start, heading, above string, rows ...string) string {
	var b strings.Builder
	b.WriteString("# Incident Postmortem: Paging storm\n\n## Incident Summary\n\n")
	if start != "" {
		b.WriteString("- **Start Time (UTC):** " + start + "\n")
	}
	b.WriteString("\n## " + heading + "\n\n")
	if above != "" {
		b.WriteString(above + "\n\n")
	}
	for _, r := range rows {
		b.WriteString("- " + r + "\n")
	}
	return b.String()
}

type row struct {
	time  string // canonical UTC, or the text kept
	event string
}

func checkRows(t *testing.T, name, src string, want []row) *hindsight.SourceMap {
	t.Helper()
	p, sm := Parse([]byte(src))
	if len(p.Timeline) != len(want) {
		t.Fatalf("%s: %d rows, want %d: %+v", name, len(p.Timeline), len(want), p.Timeline)
	}
	for i, w := range want {
		got := p.Timeline[i]
		if got.Time.String() != w.time || got.Event != w.event {
			t.Errorf("%s: row %d = %q %q; want %q %q", name, i, got.Time.String(), got.Event, w.time, w.event)
		}
		if w.time != "" && !strings.HasPrefix(w.time, "20") && got.Time.IsSet() {
			t.Errorf("%s: row %d read as a time", name, i)
		}
	}
	// fmt is idempotent and keeps every value
	out := Render(p)
	p2, _ := Parse(out)
	if out2 := Render(p2); string(out2) != string(out) {
		t.Errorf("%s: fmt not idempotent:\n%s\n---\n%s", name, out, out2)
	}
	for i := range p.Timeline {
		if p2.Timeline[i].Time != p.Timeline[i].Time || p2.Timeline[i].Event != p.Timeline[i].Event {
			t.Errorf("%s: row %d after fmt = %+v, want %+v", name, i, p2.Timeline[i], p.Timeline[i])
		}
	}
	return sm
}

// TestTimelineTimes: timeline bullets and table rows with every form of
// time, zone and date the format accepts (docs/format.md).
func TestTimelineTimes(t *testing.T) {
	for _, c := range []struct {
		name                  string
		start, heading, above string
		rows                  []string
		want                  []row
		issues                map[int]hindsight.TimeErrorKind
	}{
		{name: "the issue's mixed forms", start: "2024-02-07 16:40", heading: "Timeline",
			rows: []string{"2024-02-07 16:50 — x", "9:41 AM PST — paging storm", "11:05 am PT: z", "18:20 UTC", "2024-02-07T19:02:00Z", "18:45:30"},
			want: []row{{"2024-02-07 16:50", "x"}, {"2024-02-07 17:41", "paging storm"}, {"2024-02-07 19:05", "z"}, {"2024-02-07 18:20", ""}, {"2024-02-07 19:02", ""}, {"2024-02-07 18:45", ""}}},
		{name: "12-hour clock spellings", start: "2024-02-07 08:00", heading: "Timeline (UTC)",
			rows: []string{"9:41 a.m. — a", "9:50am - b", "10:05 AM: c", "1:10 P.M. d", "**2:00 PM** — e", "`3:00 pm` f"},
			want: []row{{"2024-02-07 09:41", "a"}, {"2024-02-07 09:50", "b"}, {"2024-02-07 10:05", "c"}, {"2024-02-07 13:10", "d"}, {"2024-02-07 14:00", "e"}, {"2024-02-07 15:00", "f"}}},
		{name: "zones and offsets", start: "2024-02-07 00:00", heading: "Timeline",
			rows: []string{"2024-02-07 10:00 JST — a", "2024-02-07 10:00 +09:00 — b", "2024-02-07 10:00 UTC+9 — c", "2024-02-07 10:00 GMT-7 — d", "2024-02-07 10:00 America/Los_Angeles — e", "2024-02-07 10:00 CET — f", "2024-02-07 10:00 AEDT — g", "2024-02-07 10:00 NZDT — h", "2024-02-07 10:00 EST — i", "2024-02-07 10:00 ET — j", "2024-02-07 10:00 MST — k", "2024-02-07 10:00 KST — l"},
			want: []row{{"2024-02-07 01:00", "a"}, {"2024-02-07 01:00", "b"}, {"2024-02-07 01:00", "c"}, {"2024-02-07 17:00", "d"}, {"2024-02-07 18:00", "e"}, {"2024-02-07 09:00", "f"}, {"2024-02-06 23:00", "g"}, {"2024-02-06 21:00", "h"}, {"2024-02-07 15:00", "i"}, {"2024-02-07 15:00", "j"}, {"2024-02-07 17:00", "k"}, {"2024-02-07 01:00", "l"}}},
		{name: "PT follows the date: summer", start: "2024-07-10 16:00", heading: "Timeline",
			rows: []string{"9:41 AM PT — a", "2024-07-10 10:00 PDT — b"},
			want: []row{{"2024-07-10 16:41", "a"}, {"2024-07-10 17:00", "b"}}},
		{name: "ambiguous zones kept as text", start: "2024-02-07 08:00", heading: "Timeline",
			rows:   []string{"09:00 — a", "10:00 IST — b", "2024-02-07 10:00 CST — c", "10:30 BST: d", "11:00 — e"},
			want:   []row{{"2024-02-07 09:00", "a"}, {"10:00 IST", "b"}, {"2024-02-07 10:00 CST", "c"}, {"10:30 BST", "d"}, {"2024-02-07 11:00", "e"}},
			issues: map[int]hindsight.TimeErrorKind{1: hindsight.TimeZoneAmbiguous, 2: hindsight.TimeZoneAmbiguous, 3: hindsight.TimeZoneAmbiguous}},
		{name: "PST in July kept as text", start: "2024-07-10 16:00", heading: "Timeline",
			rows: []string{"9:41 AM PST — a"},
			want: []row{{"9:41 AM PST", "a"}}, issues: map[int]hindsight.TimeErrorKind{0: hindsight.TimeZoneSeason}},
		{name: "document zone: All times are Pacific", start: "", heading: "Timeline", above: "All times are Pacific.",
			rows: []string{"2024-02-07 08:50 — a", "9:41 AM — b", "11:05 — c", "20:00 UTC — d"},
			want: []row{{"2024-02-07 16:50", "a"}, {"2024-02-07 17:41", "b"}, {"2024-02-07 19:05", "c"}, {"2024-02-07 20:00", "d"}}},
		{name: "document zone: Times in CET", start: "2024-02-07 08:00", heading: "Timeline", above: "_Times in CET_",
			rows: []string{"10:00 — a", "2024-02-07 11:00 — b"},
			want: []row{{"2024-02-07 09:00", "a"}, {"2024-02-07 10:00", "b"}}},
		{name: "document zone: All times UTC", start: "2024-02-07 08:00", heading: "Timeline", above: "(All times UTC)",
			rows: []string{"10:00 — a"},
			want: []row{{"2024-02-07 10:00", "a"}}},
		{name: "document zone settles IST", start: "2024-02-07 04:00", heading: "Timeline", above: "All times are in IST (UTC+05:30).",
			rows: []string{"10:00 IST — a", "10:30 — b"},
			want: []row{{"2024-02-07 04:30", "a"}, {"2024-02-07 05:00", "b"}}},
		{name: "document in IST without an offset", start: "2024-02-07 04:00", heading: "Timeline", above: "All times are IST.",
			rows:   []string{"10:00 — a", "10:00 UTC — b"},
			want:   []row{{"10:00 (IST)", "a"}, {"2024-02-07 10:00", "b"}},
			issues: map[int]hindsight.TimeErrorKind{0: hindsight.TimeZoneAmbiguous}},
		{name: "two document zones", start: "2024-02-07 04:00", heading: "Timeline", above: "All times are Pacific.\n\nTimes in CET.",
			rows:   []string{"10:00 — a", "10:00 JST — b"},
			want:   []row{{"10:00 (Pacific, CET)", "a"}, {"2024-02-07 01:00", "b"}},
			issues: map[int]hindsight.TimeErrorKind{0: hindsight.TimeZoneConflict}},
		{name: "heading names the zone", start: "2024-02-07 16:00", heading: "Timeline (PT)",
			rows: []string{"9:00 — a"},
			want: []row{{"2024-02-07 17:00", "a"}}},
		{name: "roll over midnight", start: "2024-02-07 22:00", heading: "Timeline",
			rows: []string{"23:50 — a", "00:10 — b", "00:05 — c (out of order, same day)", "2024-02-09 01:00 — d", "02:00 — e"},
			want: []row{{"2024-02-07 23:50", "a"}, {"2024-02-08 00:10", "b"}, {"2024-02-08 00:05", "c (out of order, same day)"}, {"2024-02-09 01:00", "d"}, {"2024-02-09 02:00", "e"}}},
		{name: "roll over in Pacific time", start: "2024-02-08 07:00", heading: "Timeline",
			rows: []string{"11:30 PM PST — a", "12:15 AM PST — b"},
			want: []row{{"2024-02-08 07:30", "a"}, {"2024-02-08 08:15", "b"}}},
		{name: "across the spring-forward night", start: "2024-03-10 08:00", heading: "Timeline",
			rows:   []string{"12:30 AM PT — a", "1:45 AM PT — b", "3:10 AM PT — c", "2:30 AM PT — d"},
			want:   []row{{"2024-03-10 08:30", "a"}, {"2024-03-10 09:45", "b"}, {"2024-03-10 10:10", "c"}, {"2:30 AM PT", "d"}},
			issues: map[int]hindsight.TimeErrorKind{3: hindsight.TimeLocalGap}},
		{name: "across the fall-back night", start: "2024-11-03 07:00", heading: "Timeline",
			rows:   []string{"12:30 AM PT — a", "1:30 AM PT — b", "1:30 AM PST — c", "3:00 AM PT — d"},
			want:   []row{{"2024-11-03 07:30", "a"}, {"1:30 AM PT", "b"}, {"2024-11-03 09:30", "c"}, {"2024-11-03 11:00", "d"}},
			issues: map[int]hindsight.TimeErrorKind{1: hindsight.TimeLocalRepeat}},
		{name: "no date to place a row on", start: "", heading: "Timeline",
			rows:   []string{"14:02 — a", "2024-02-07 14:10 — b", "14:20 — c"},
			want:   []row{{"14:02", "a"}, {"2024-02-07 14:10", "b"}, {"2024-02-07 14:20", "c"}},
			issues: map[int]hindsight.TimeErrorKind{0: hindsight.TimeNoDate}},
		{name: "note in parentheses", start: "2021-02-10 03:00", heading: "Timeline",
			rows: []string{"2021-02-10 03:15 (JST 12:15) — rollback", "03:20 （JST 12:20） — confirmed", "03:30 (PST) — zone in parentheses"},
			want: []row{{"2021-02-10 03:15", "(JST 12:15) — rollback"}, {"2021-02-10 03:20", "（JST 12:20） — confirmed"}, {"2021-02-10 11:30", "zone in parentheses"}}},
		{name: "dates with month names", start: "", heading: "Timeline",
			rows: []string{"Feb 7, 2024 9:41 PM PST — a", "7 Feb 2024 23:00 — b"},
			want: []row{{"2024-02-08 05:41", "a"}, {"2024-02-07 23:00", "b"}}},
		{name: "written like a time but not one: kept as the time text", start: "2024-02-07 09:00", heading: "Timeline",
			rows: []string{"09:00 — a", "13:00 PM — b", "9.41 — c", "10:00 — d"},
			want: []row{{"2024-02-07 09:00", "a"}, {"13:00 PM", "b"}, {"9.41", "c"}, {"2024-02-07 10:00", "d"}}},
		{name: "month and day without a year, dotted 12-hour times, times in brackets", start: "2023-12-31 20:00", heading: "Timeline",
			rows: []string{"Dec 31 11:50 PM — a", "Jan 1 12:10 AM — b", "4.05am — c", "[2024-01-01 05:00 UTC] d", "[Later that day] e", "18 Jan 10:00 — f"},
			want: []row{{"2023-12-31 23:50", "a"}, {"2024-01-01 00:10", "b"}, {"2024-01-01 04:05", "c"}, {"2024-01-01 05:00", "d"}, {"", "[Later that day] e"}, {"2024-01-18 10:00", "f"}}},
		{name: "a list without times is a list of events", start: "2023-12-31 20:00", heading: "Timeline",
			rows: []string{"Upgrade starts", "Rollback attempted"},
			want: []row{{"", "Upgrade starts"}, {"", "Rollback attempted"}}},
		{name: "words after a time are the event", start: "2024-02-07 09:00", heading: "Timeline",
			rows: []string{"09:12 Central database failed", "09:15 DNS change", "09:20 amazon S3 errors"},
			want: []row{{"2024-02-07 09:12", "Central database failed"}, {"2024-02-07 09:15", "DNS change"}, {"2024-02-07 09:20", "amazon S3 errors"}}},
	} {
		src := timelineDoc(c.start, c.heading, c.above, c.rows...)
		sm := checkRows(t, c.name, src, c.want)
		got := map[int]hindsight.TimeErrorKind{}
		for _, is := range sm.TimeIssues {
			var i int
			if _, err := fmt.Sscanf(is.Field, "timeline[%d].time", &i); err != nil {
				t.Errorf("%s: issue field %q", c.name, is.Field)
			}
			got[i] = is.Err.Kind
			if is.Line < 1 {
				t.Errorf("%s: issue without a line: %+v", c.name, is)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(c.issues) && !(len(got) == 0 && len(c.issues) == 0) {
			t.Errorf("%s: issues %v, want %v", c.name, got, c.issues)
		}
	}
}

// TestTimelineTableZones: a table's time column header names its zone,
// and a time cell's note moves to the event.
func TestTimelineTableZones(t *testing.T) {
	src := "# Incident Postmortem: X\n\n## Incident Summary\n\n- **Start Time:** 2024-02-07 08:00\n\nAll times are Pacific.\n\n## Timeline\n\n| Time (JST) | Event |\n| --- | --- |\n| 2024-02-08 01:30 | a |\n| 02:00 (approx) | b |\n| 9:00 AM PST | c |\n"
	p, _ := Parse([]byte(src))
	if p.Summary.Start.String() != "2024-02-07 16:00" {
		t.Errorf("start = %q; want the document's Pacific zone applied", p.Summary.Start.String())
	}
	want := []row{{"2024-02-07 16:30", "a"}, {"2024-02-07 17:00", "(approx) b"}, {"2024-02-07 17:00", "c"}}
	checkRows(t, "table", src, want)
}

// TestTimesRoundTripZones (property): a timeline written in any zone, with
// dates or as times of day, reads as the same UTC instants as the same
// timeline written in UTC; and fmt writes those instants back.
func TestTimesRoundTripZones(t *testing.T) {
	zones := map[string]*time.Location{"UTC": time.UTC, "PT": loc(t, "America/Los_Angeles"), "ET": loc(t, "America/New_York"), "JST": time.FixedZone("", 9*3600),
		"America/Los_Angeles": loc(t, "America/Los_Angeles"), "Europe/Berlin": loc(t, "Europe/Berlin"), "Asia/Kolkata": loc(t, "Asia/Kolkata"), "Australia/Sydney": loc(t, "Australia/Sydney"),
		"+05:45": time.FixedZone("", 5*3600+45*60), "-03:00": time.FixedZone("", -3*3600), "UTC+9": time.FixedZone("", 9*3600), "GMT-7": time.FixedZone("", -7*3600)}
	var names []string
	for n := range zones {
		names = append(names, n)
	}
	slices.Sort(names)
	rapid.Check(t, func(rt *rapid.T) {
		start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rapid.IntRange(0, 6*365*24*60).Draw(rt, "start")) * time.Minute)
		n := rapid.IntRange(1, 8).Draw(rt, "n")
		times := []time.Time{start}
		for i := 1; i < n; i++ {
			times = append(times, times[i-1].Add(time.Duration(rapid.IntRange(0, 5*60).Draw(rt, "gap"))*time.Minute))
		}
		zname := rapid.SampledFrom(names).Draw(rt, "zone")
		twelve := rapid.Bool().Draw(rt, "12h")
		// the zone on every row, or stated once for the document
		docZone := rapid.Bool().Draw(rt, "document zone")
		var rows []string
		for i, tm := range times {
			local := tm.In(zones[zname])
			clock := local.Format("15:04")
			if twelve {
				clock = local.Format("3:04 PM")
			}
			if i == 0 || rapid.Bool().Draw(rt, "dated") {
				clock = local.Format("2006-01-02") + " " + clock
			}
			if docZone {
				rows = append(rows, fmt.Sprintf("%s — event %d", clock, i))
			} else {
				rows = append(rows, fmt.Sprintf("%s %s — event %d", clock, zname, i))
			}
		}
		above := ""
		if docZone {
			above = "All times are in " + zname + "."
		}
		src := timelineDoc(start.Format(hindsight.TimeLayout), "Timeline", above, rows...)
		p, sm := Parse([]byte(src))
		for i, tm := range times {
			got := p.Timeline[i].Time
			if !got.IsSet() {
				// a local time repeated by a clock change is kept as text, never guessed
				if len(sm.TimeIssues) > 0 && sm.TimeIssues[0].Err.Kind == hindsight.TimeLocalRepeat {
					return
				}
				rt.Fatalf("row %d %q not read: %v\n%s", i, rows[i], sm.TimeIssues, src)
			}
			if !got.T.Equal(tm) {
				rt.Fatalf("row %d %q = %s, want %s\n%s", i, rows[i], got, tm.Format(hindsight.TimeLayout), src)
			}
		}
		p2, _ := Parse(Render(p))
		for i := range times {
			if p2.Timeline[i].Time != p.Timeline[i].Time {
				rt.Fatalf("row %d after fmt = %v, want %v", i, p2.Timeline[i].Time, p.Timeline[i].Time)
			}
		}
	})
}

func loc(t *testing.T, name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
