package hindsight

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	// the zone rules travel in the binary: PT, ET and IANA names never
	// depend on the host's zoneinfo
	_ "time/tzdata"
)

// Zone is a time zone as a document names it: an abbreviation (PST, JST), a
// US zone name (PT, Pacific), an IANA name (America/Los_Angeles) or an
// offset (+09:00, UTC+9). Ambiguous abbreviations (IST, CST, BST) are zones
// too, but they convert nothing: a time written in one is kept as text.
type Zone struct {
	// Name is the zone as written.
	Name string
	// loc holds the rules (a fixed offset for abbreviations and offsets).
	loc *time.Location
	// season, for an abbreviation naming one half of a zone's year (PST,
	// CEST), is the zone whose offset on the date must equal loc's: "PST"
	// written on a July date is not read as UTC-8.
	season *time.Location
	// ambiguous is set for abbreviations used by several zones.
	ambiguous bool
}

// UTCZone is the zone of canonical times.
var UTCZone = &Zone{Name: "UTC", loc: time.UTC}

// Ambiguous reports whether z names several zones (IST, CST, BST...).
func (z *Zone) Ambiguous() bool { return z != nil && z.ambiguous }

// String returns the zone as written.
func (z *Zone) String() string {
	if z == nil {
		return ""
	}
	return z.Name
}

// Equal reports whether two zones convert every time the same way.
func (z *Zone) Equal(o *Zone) bool {
	if z == nil || o == nil {
		return z == o
	}
	if z.ambiguous || o.ambiguous {
		return z.ambiguous && o.ambiguous && strings.EqualFold(z.Name, o.Name)
	}
	return z.loc.String() == o.loc.String() && z.season == o.season && zoneOffsetKey(z) == zoneOffsetKey(o)
}

func zoneOffsetKey(z *Zone) string {
	_, off := time.Date(2000, 1, 1, 0, 0, 0, 0, z.loc).Zone()
	_, off2 := time.Date(2000, 7, 1, 0, 0, 0, 0, z.loc).Zone()
	return strconv.Itoa(off) + "/" + strconv.Itoa(off2)
}

type abbrev struct {
	hours  float64 // offset from UTC
	season string  // IANA zone whose offset must match on the date
}

// zoneAbbrevs are the abbreviations that name exactly one offset. An
// abbreviation for one half of a zone's year carries that zone, so that
// "PST" on a summer date (when PDT is in effect) is reported, not guessed.
var zoneAbbrevs = map[string]abbrev{
	"UTC": {0, ""}, "GMT": {0, ""}, "Z": {0, ""}, "UT": {0, ""},
	"PST": {-8, "America/Los_Angeles"}, "PDT": {-7, "America/Los_Angeles"},
	"MST": {-7, ""}, // Arizona keeps MST all year
	"MDT": {-6, "America/Denver"},
	"EST": {-5, "America/New_York"}, "EDT": {-4, "America/New_York"},
	"AKST": {-9, "America/Anchorage"}, "AKDT": {-8, "America/Anchorage"},
	"HST": {-10, ""},
	"CET": {1, "Europe/Berlin"}, "CEST": {2, "Europe/Berlin"},
	"JST": {9, ""}, "KST": {9, ""}, "SGT": {8, ""}, "HKT": {8, ""}, "MSK": {3, ""},
	"AEST": {10, ""}, // Queensland keeps AEST all year
	"AEDT": {11, "Australia/Sydney"},
	"NZST": {12, "Pacific/Auckland"}, "NZDT": {13, "Pacific/Auckland"},
}

// ambiguousAbbrevs name more than one zone (IST: India, Israel, Ireland;
// CST: US Central, China, Cuba; BST: British Summer, Bangladesh...).
var ambiguousAbbrevs = map[string]bool{
	"IST": true, "CST": true, "CDT": true, "BST": true, "AST": true, "ADT": true,
	"GST": true, "SST": true, "ECT": true, "AMT": true, "CCT": true,
}

// namedZones are spelled-out and US generic zone names, lower case.
var namedZones = map[string]string{
	"pt": "America/Los_Angeles", "pacific": "America/Los_Angeles", "pacific time": "America/Los_Angeles", "us pacific": "America/Los_Angeles",
	"mt": "America/Denver", "mountain": "America/Denver", "mountain time": "America/Denver", "us mountain": "America/Denver",
	"ct": "America/Chicago", "central": "America/Chicago", "central time": "America/Chicago", "us central": "America/Chicago",
	"et": "America/New_York", "eastern": "America/New_York", "eastern time": "America/New_York", "us eastern": "America/New_York",
	"coordinated universal time": "UTC", "universal time": "UTC",
}

// spelledAbbrevs are full names of one half of a zone's year.
var spelledAbbrevs = map[string]string{
	"pacific standard time": "PST", "pacific daylight time": "PDT",
	"mountain standard time": "MST", "mountain daylight time": "MDT",
	"eastern standard time": "EST", "eastern daylight time": "EDT",
	"central european time": "CET", "central european summer time": "CEST",
	"japan standard time": "JST", "korea standard time": "KST",
	"greenwich mean time":              "GMT",
	"australian eastern standard time": "AEST", "australian eastern daylight time": "AEDT",
	"new zealand standard time": "NZST", "new zealand daylight time": "NZDT",
}

// spelledFixed are full names that settle an ambiguous abbreviation.
var spelledFixed = map[string]struct {
	hours  float64
	season string
}{
	"india standard time":   {5.5, ""},
	"china standard time":   {8, ""},
	"british summer time":   {1, "Europe/London"},
	"irish standard time":   {1, "Europe/Dublin"},
	"israel standard time":  {2, "Asia/Jerusalem"},
	"central standard time": {-6, "America/Chicago"},
	"central daylight time": {-5, "America/Chicago"},
}

var (
	locMu    sync.Mutex
	locCache = map[string]*time.Location{}
)

func loadLoc(name string) *time.Location {
	if name == "" {
		return nil
	}
	locMu.Lock()
	defer locMu.Unlock()
	if l, ok := locCache[name]; ok {
		return l
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		l = nil
	}
	locCache[name] = l
	return l
}

func fixedZone(name string, hours float64, season string) *Zone {
	return &Zone{Name: name, loc: time.FixedZone(name, int(hours*3600)), season: loadLoc(season)}
}

// LookupZone reads a zone name on its own: "PST", "PT", "Pacific",
// "America/Los_Angeles", "+09:00", "UTC+9", "GMT-7", "India Standard Time".
// Ambiguous abbreviations are returned with Ambiguous() true.
func LookupZone(s string) (*Zone, bool) {
	s = strings.TrimSpace(s)
	z, n := scanZone(s, true)
	if z == nil || n != len(s) {
		return nil, false
	}
	return z, true
}

var spelledNames []string // every spelled name, longest first

func init() {
	for k := range namedZones {
		spelledNames = append(spelledNames, k)
	}
	for k := range spelledAbbrevs {
		spelledNames = append(spelledNames, k)
	}
	for k := range spelledFixed {
		spelledNames = append(spelledNames, k)
	}
	sort.Slice(spelledNames, func(i, j int) bool {
		if len(spelledNames[i]) != len(spelledNames[j]) {
			return len(spelledNames[i]) > len(spelledNames[j])
		}
		return spelledNames[i] < spelledNames[j]
	})
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// wordEnd reports whether s[i:] starts at a word boundary.
func wordEnd(s string, i int) bool {
	return i >= len(s) || !(isLetter(s[i]) || isDigit(s[i]) || s[i] == '_')
}

// genericWords are zone names that are also common words ("Central
// database"): read only where the whole value is a zone.
var genericWords = map[string]bool{"pacific": true, "eastern": true, "central": true, "mountain": true}

// scanZone reads a zone at the start of s and returns it with the number of
// bytes read, or nil. whole allows the generic words (Pacific, Central).
func scanZone(s string, whole bool) (*Zone, int) {
	if s == "" {
		return nil, 0
	}
	if s[0] == '+' || s[0] == '-' || strings.HasPrefix(s, "−") {
		if off, n, ok := scanOffset(s, false); ok {
			return &Zone{Name: s[:n], loc: time.FixedZone(s[:n], off)}, n
		}
		return nil, 0
	}
	// UTC / GMT, optionally with an offset: UTC+9, GMT-7, UTC+05:30
	for _, p := range []string{"UTC", "GMT"} {
		if len(s) >= 3 && strings.EqualFold(s[:3], p) {
			if off, n, ok := scanOffset(s[3:], true); ok && wordEnd(s, 3+n) {
				return &Zone{Name: s[:3+n], loc: time.FixedZone(s[:3+n], off)}, 3 + n
			}
			if wordEnd(s, 3) {
				return &Zone{Name: s[:3], loc: time.UTC}, 3
			}
		}
	}
	// spelled names, longest first: "Pacific Time", "India Standard Time"
	if isLetter(s[0]) {
		low := strings.ToLower(s[:min(len(s), 40)])
		for _, name := range spelledNames {
			if len(name) <= 2 {
				continue // PT, ET...: upper case abbreviations only, below
			}
			if strings.HasPrefix(low, name) && wordEnd(s, len(name)) && (whole || !genericWords[name]) {
				return spelledZone(s[:len(name)], name), len(name)
			}
		}
	}
	// a word: an abbreviation or an IANA name
	i := 0
	for i < len(s) && (isLetter(s[i]) || isDigit(s[i]) || s[i] == '_' || s[i] == '/' || (i > 0 && (s[i] == '+' || s[i] == '-') && strings.Contains(s[:i], "/"))) {
		i++
	}
	for i > 0 && s[i-1] == '/' {
		i--
	}
	w := s[:i]
	if w == "" {
		return nil, 0
	}
	if strings.Contains(w, "/") {
		if l := loadLoc(w); l != nil && strings.Contains(l.String(), "/") {
			return &Zone{Name: w, loc: l}, i
		}
		return nil, 0
	}
	if a, ok := zoneAbbrevs[w]; ok {
		return fixedZone(w, a.hours, a.season), i
	}
	if ambiguousAbbrevs[w] {
		return &Zone{Name: w, ambiguous: true}, i
	}
	if loc, ok := namedZones[strings.ToLower(w)]; ok && w == strings.ToUpper(w) {
		return &Zone{Name: w, loc: loadLoc(loc)}, i // PT, ET, MT, CT
	}
	return nil, 0
}

func spelledZone(written, name string) *Zone {
	if loc, ok := namedZones[name]; ok {
		return &Zone{Name: written, loc: loadLoc(loc)}
	}
	if ab, ok := spelledAbbrevs[name]; ok {
		a := zoneAbbrevs[ab]
		return fixedZone(written, a.hours, a.season)
	}
	f := spelledFixed[name]
	return fixedZone(written, f.hours, f.season)
}

// scanOffset reads +09:00, +0900, +09 (and after UTC/GMT also +9, +5:30)
// at the start of s: the offset in seconds and the bytes read.
func scanOffset(s string, short bool) (int, int, bool) {
	sign, n := 0, 0
	switch {
	case strings.HasPrefix(s, "+"):
		sign, n = 1, 1
	case strings.HasPrefix(s, "-"):
		sign, n = -1, 1
	case strings.HasPrefix(s, "−"): // U+2212 MINUS SIGN
		sign, n = -1, len("−")
	default:
		return 0, 0, false
	}
	j := n
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	digits := s[n:j]
	var h, m int
	switch {
	case len(digits) == 4:
		h, _ = strconv.Atoi(digits[:2])
		m, _ = strconv.Atoi(digits[2:])
	case len(digits) == 2 || (short && len(digits) == 1):
		h, _ = strconv.Atoi(digits)
		if j+2 < len(s)+0 && s[j] == ':' && j+3 <= len(s) && isDigit(s[j+1]) && isDigit(s[j+2]) {
			m, _ = strconv.Atoi(s[j+1 : j+3])
			j += 3
		}
	default:
		return 0, 0, false
	}
	if j < len(s) && isDigit(s[j]) {
		return 0, 0, false
	}
	if h > 14 || m > 59 {
		return 0, 0, false
	}
	return sign * (h*3600 + m*60), j, true
}

// TimeErrorKind says why a time could not be read exactly.
type TimeErrorKind int

// The reasons a time is kept as text.
const (
	// TimeNotTime: the text is not a time.
	TimeNotTime TimeErrorKind = iota
	// TimeZoneAmbiguous: the zone names several zones (IST, CST, BST).
	TimeZoneAmbiguous
	// TimeZoneSeason: the abbreviation names the other half of the year
	// than the date's (PST on a date when PDT was in effect).
	TimeZoneSeason
	// TimeLocalGap: the local time does not exist (the clock jumped over it).
	TimeLocalGap
	// TimeLocalRepeat: the local time happened twice (the clock went back).
	TimeLocalRepeat
	// TimeNoDate: a time of day with no date to place it on.
	TimeNoDate
	// TimeZoneConflict: a time without a zone in a document that states two
	// different zones.
	TimeZoneConflict
)

// ZoneProblem reports whether the kind is about the zone (lint HS029) rather
// than the date (HS030) or the form (HS003).
func (k TimeErrorKind) ZoneProblem() bool { return k != TimeNotTime && k != TimeNoDate }

// TimeError explains why a time is kept as text.
type TimeError struct {
	Kind TimeErrorKind
	Text string // the time as written
	Zone string // the zone as written, when the zone is the reason
}

func (e *TimeError) Error() string {
	switch e.Kind {
	case TimeZoneAmbiguous:
		return fmt.Sprintf("%q: the zone %s names several time zones; write an offset (such as UTC+05:30) or state the document's zone", e.Text, e.Zone)
	case TimeZoneSeason:
		return fmt.Sprintf("%q: %s was not in effect on that date; write the zone (PT, ET...), the other abbreviation or an offset", e.Text, e.Zone)
	case TimeLocalGap:
		return fmt.Sprintf("%q: that local time did not exist in %s (the clocks moved forward); write an offset", e.Text, e.Zone)
	case TimeLocalRepeat:
		return fmt.Sprintf("%q: that local time happened twice in %s (the clocks moved back); write an offset", e.Text, e.Zone)
	case TimeZoneConflict:
		return fmt.Sprintf("%q has no zone and the document states two zones (%s); write the zone on the time", e.Text, e.Zone)
	case TimeNoDate:
		return fmt.Sprintf("%q: a time of day with no date before it to place it on; write the date", e.Text)
	}
	return fmt.Sprintf("%q is not a time", e.Text)
}

// inZone returns the instant of the wall clock date+hh:mm:ss in z.
func inZone(y int, mo time.Month, d, hh, mm, ss int, z *Zone, text string) (time.Time, error) {
	if z.ambiguous {
		return time.Time{}, &TimeError{Kind: TimeZoneAmbiguous, Text: text, Zone: z.Name}
	}
	t := time.Date(y, mo, d, hh, mm, ss, 0, z.loc)
	if t.Year() != y || t.Month() != mo || t.Day() != d || t.Hour() != hh || t.Minute() != mm {
		return time.Time{}, &TimeError{Kind: TimeLocalGap, Text: text, Zone: z.Name}
	}
	// a wall clock that happened twice: the same wall time an hour (or the
	// size of the change) away with another offset
	_, off := t.Zone()
	for _, probe := range []time.Duration{-3 * time.Hour, 3 * time.Hour} {
		_, o2 := t.Add(probe).Zone()
		if o2 == off {
			continue
		}
		alt := t.Add(time.Duration(off-o2) * time.Second)
		if _, o3 := alt.Zone(); o3 == o2 && alt.Hour() == hh && alt.Minute() == mm && alt.Day() == d {
			return time.Time{}, &TimeError{Kind: TimeLocalRepeat, Text: text, Zone: z.Name}
		}
	}
	if z.season != nil {
		_, want := t.Zone()
		if _, got := t.In(z.season).Zone(); got != want {
			return time.Time{}, &TimeError{Kind: TimeZoneSeason, Text: text, Zone: z.Name}
		}
	}
	return t.UTC(), nil
}
