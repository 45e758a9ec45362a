package hindsight

import (
	"strconv"
	"strings"
	"time"
)

// RollOver is how far before the row above a timeline time written without
// a date may fall before it is taken to be on the next day: "23:50" then
// "00:10" is the next day, "14:30" then "14:10" is the same day (and out of
// order, which lint reports). Compared in UTC, after conversion.
const RollOver = 6 * time.Hour

// Clock is a time as written: a time of day, with the date and the zone
// when the text gives them.
type Clock struct {
	Year                 int        // 0 when no year was written
	Month                time.Month // 0 when no date was written ("Jul 18" has no year)
	Day                  int
	Hour, Minute, Second int
	// Zone is the zone written after the time, nil when none was.
	Zone *Zone
	// Text is the time as written.
	Text string
}

// HasDate reports whether a full date (with its year) was written.
func (c Clock) HasDate() bool { return c.Year != 0 }

// HasMonthDay reports whether a month and day were written without a year
// ("Jul 18 10:09 PM").
func (c Clock) HasMonthDay() bool { return c.Year == 0 && c.Month != 0 }

var monthNames = map[string]time.Month{
	"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
	"may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
	"sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}

// digits reads up to max digits at s[i:]; it returns the value and the end.
func digits(s string, i, max int) (int, int) {
	j := i
	for j < len(s) && j-i < max && isDigit(s[j]) {
		j++
	}
	if j == i {
		return -1, i
	}
	n, _ := strconv.Atoi(s[i:j])
	return n, j
}

func skipSpaces(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	if strings.HasPrefix(s[i:], "\u00a0") {
		return skipSpaces(s, i+len("\u00a0"))
	}
	return i
}

// scanWord reads letters at s[i:].
func scanWord(s string, i int) (string, int) {
	j := i
	for j < len(s) && isLetter(s[j]) {
		j++
	}
	return s[i:j], j
}

// scanDate reads 2024-02-07, 2024/2/7, Feb 7, 2024, February 7 2024 or
// 7 Feb 2024 at the start of s: y, m, d and the end, or end 0.
func scanDate(s string) (int, time.Month, int, int) {
	if y, i := digits(s, 0, 4); i == 4 && i < len(s) && (s[i] == '-' || s[i] == '/') && (i+1 >= len(s) || isDigit(s[i+1])) {
		sep := s[i]
		m, j := digits(s, i+1, 2)
		if m < 1 || j >= len(s) || s[j] != sep {
			return 0, 0, 0, 0
		}
		d, k := digits(s, j+1, 2)
		if d < 1 || (k < len(s) && isDigit(s[k])) {
			return 0, 0, 0, 0
		}
		if y < 1 {
			return 0, 0, 0, 0
		}
		return validDate(y, time.Month(m), d, k)
	}
	// 7 Feb 2024
	if d, i := digits(s, 0, 2); d >= 1 && i < len(s) && s[i] == ' ' {
		w, j := scanWord(s, i+1)
		if mo, ok := monthNames[strings.ToLower(w)]; ok {
			j = skipDot(s, j)
			if y, k := scanYear(s, j); k > 0 {
				return validDate(y, mo, d, k)
			}
			return validDate(0, mo, d, j) // "18 Jul": the year comes from the row above
		}
		return 0, 0, 0, 0
	}
	// Feb 7, 2024
	w, i := scanWord(s, 0)
	mo, ok := monthNames[strings.ToLower(w)]
	if !ok {
		return 0, 0, 0, 0
	}
	i = skipSpaces(s, skipDot(s, i))
	d, j := digits(s, i, 2)
	if d < 1 {
		return 0, 0, 0, 0
	}
	for _, suf := range []string{"st", "nd", "rd", "th"} {
		if strings.HasPrefix(s[j:], suf) {
			j += 2
			break
		}
	}
	if y, k := scanYear(s, j); k > 0 {
		return validDate(y, mo, d, k)
	}
	return validDate(0, mo, d, j) // "Jul 18": the year comes from the row above
}

// scanYear reads ", 2024" or " 2024" at s[j:]: the year and its end, or end 0.
func scanYear(s string, j int) (int, int) {
	if j < len(s) && s[j] == ',' {
		j++
	}
	j = skipSpaces(s, j)
	if y, k := digits(s, j, 4); k-j == 4 && (k >= len(s) || !isDigit(s[k])) {
		return y, k
	}
	return 0, 0
}

// validDate returns the date and its end, or end 0 for a day the month
// does not have (2024-02-30) or a month past 12.
// Year 0 is a month and day without a year (Feb 29 allowed).
func validDate(y int, mo time.Month, d, end int) (int, time.Month, int, int) {
	ly := y
	if y == 0 {
		ly = 2000
	}
	if y < 0 || (y == 0 && end == 0) || mo < 1 || mo > 12 || d < 1 || d > time.Date(ly, mo+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return 0, 0, 0, 0
	}
	return y, mo, d, end
}

func skipDot(s string, i int) int {
	if i < len(s) && s[i] == '.' {
		return i + 1
	}
	return i
}

// scanMeridiem reads am, PM, a.m., P.M. (any case) at s[i:]: 0 for am, 12
// for pm, -1 for none, and the end.
func scanMeridiem(s string, i int) (int, int) {
	j := i
	if j >= len(s) {
		return -1, i
	}
	var add int
	switch s[j] {
	case 'a', 'A':
		add = 0
	case 'p', 'P':
		add = 12
	default:
		return -1, i
	}
	j++
	j = skipDot(s, j)
	if j >= len(s) || (s[j] != 'm' && s[j] != 'M') {
		return -1, i
	}
	j++
	dotted := j < len(s) && s[j] == '.'
	j = skipDot(s, j)
	if !dotted && !wordEnd(s, j) {
		return -1, i
	}
	if dotted && j < len(s) && isLetter(s[j]) {
		return -1, i
	}
	return add, j
}

// ScanTime reads a time at the start of s and returns it with the rest of
// s. It reads an optional date (2024-02-07, 2024/02/07, Feb 7, 2024,
// 7 Feb 2024, or Feb 7 without a year, followed by a space, "T", ", " or
// " at "), a time of day (14:02, 14:02:30, 9:41 AM, 9:41am, 9:41 a.m.,
// 4.05am, 9 PM) and an optional zone
// (UTC, Z, PST, PT, America/Los_Angeles, +09:00, UTC+9, GMT-7, or one of
// these in parentheses).
func ScanTime(s string) (Clock, string, bool) {
	var c Clock
	i := 0
	if y, mo, d, end := scanDate(s); end > 0 {
		c.Year, c.Month, c.Day = y, mo, d
		i = end
		switch {
		case i < len(s) && s[i] == 'T' && i+1 < len(s) && isDigit(s[i+1]):
			i++
		default:
			j := i
			if j < len(s) && s[j] == ',' {
				j++
			}
			j = skipSpaces(s, j)
			if j == i {
				return Clock{}, s, false
			}
			if w, k := scanWord(s, j); strings.EqualFold(w, "at") {
				j = skipSpaces(s, k)
			} else if j < len(s) && s[j] == '@' {
				j = skipSpaces(s, j+1)
			}
			i = j
		}
	}
	h, j := digits(s, i, 2)
	if h < 0 {
		return Clock{}, s, false
	}
	m, sec := 0, 0
	hasMinutes := false
	if j+2 < len(s)+0 && s[j] == ':' && isDigit(s[j+1]) && isDigit(s[j+2]) {
		m, _ = strconv.Atoi(s[j+1 : j+3])
		j += 3
		hasMinutes = true
		if j+2 < len(s) && s[j] == ':' && isDigit(s[j+1]) && isDigit(s[j+2]) {
			sec, _ = strconv.Atoi(s[j+1 : j+3])
			j += 3
			if j+1 < len(s) && (s[j] == '.' || s[j] == ',') && isDigit(s[j+1]) {
				j++
				for j < len(s) && isDigit(s[j]) {
					j++
				}
			}
		}
		if j < len(s) && (isDigit(s[j]) || s[j] == ':') {
			return Clock{}, s, false
		}
	} else if j+3 < len(s) && s[j] == '.' && isDigit(s[j+1]) && isDigit(s[j+2]) {
		// "4.05am", "5.35 pm": a dot between hours and minutes, read only
		// with am/pm after it (a bare 3.14 is a number)
		k := j + 3
		if k < len(s) && s[k] == ' ' {
			k++
		}
		if add, _ := scanMeridiem(s, k); add < 0 {
			return Clock{}, s, false
		}
		m, _ = strconv.Atoi(s[j+1 : j+3])
		j += 3
	} else if j < len(s) && s[j] == ':' {
		return Clock{}, s, false
	}
	k := j
	if k < len(s) && s[k] == ' ' {
		k++
	}
	if add, end := scanMeridiem(s, k); add >= 0 {
		if h < 1 || h > 12 {
			return Clock{}, s, false
		}
		h = h%12 + add
		j = end
	} else if !hasMinutes {
		return Clock{}, s, false
	}
	if h > 23 || m > 59 || sec > 60 {
		return Clock{}, s, false
	}
	if sec == 60 {
		sec = 59 // a leap second reads as the minute it ends
	}
	c.Hour, c.Minute, c.Second = h, m, sec
	// the zone: attached (Z, +09:00), after a space, or in parentheses
	if z, n := scanZone(s[j:], false); z != nil {
		c.Zone = z
		j += n
	} else if k := skipSpaces(s, j); k > j && k < len(s) {
		if z, n := scanZone(s[k:], false); z != nil && (isLetter(s[k]) || n >= 5) {
			// after a space an offset is written in full (+09:00, -0700)
			c.Zone = z
			j = k + n
		} else if z, n := parenZone(s[k:]); z != nil {
			c.Zone = z
			j = k + n
		}
	}
	c.Text = strings.TrimSpace(s[:j])
	return c, s[j:], true
}

// parenZone reads "(PST)" or "（PST）" holding exactly a zone.
func parenZone(s string) (*Zone, int) {
	for _, p := range [][2]string{{"(", ")"}, {"（", "）"}} {
		if !strings.HasPrefix(s, p[0]) {
			continue
		}
		end := strings.Index(s, p[1])
		if end < 0 {
			return nil, 0
		}
		inner := strings.TrimSpace(s[len(p[0]):end])
		if z, ok := LookupZone(inner); ok {
			return z, end + len(p[1])
		}
	}
	return nil, 0
}

// In returns the UTC instant of c, reading a time written without a zone in
// def (nil: UTC). A time with no date, in an ambiguous zone, in the wrong
// half of the year for its abbreviation, or at a local time that did not
// happen or happened twice is a *TimeError.
func (c Clock) In(def *Zone) (time.Time, error) {
	if !c.HasDate() {
		return time.Time{}, &TimeError{Kind: TimeNoDate, Text: c.Text}
	}
	return inZone(c.Year, c.Month, c.Day, c.Hour, c.Minute, c.Second, c.zone(def), c.Text)
}

func (c Clock) zone(def *Zone) *Zone {
	switch {
	case c.Zone != nil:
		return c.Zone
	case def != nil:
		return def
	}
	return UTCZone
}

// Place returns the UTC instant of c after the row above it (prev, UTC). A
// time with a date is read on its date. A time of day takes prev's date in
// its own zone, and the next day when it would otherwise fall more than
// RollOver before prev.
func (c Clock) Place(prev time.Time, def *Zone) (time.Time, error) {
	if c.HasDate() {
		return c.In(def)
	}
	if prev.IsZero() {
		return time.Time{}, &TimeError{Kind: TimeNoDate, Text: c.Text}
	}
	z := c.zone(def)
	if z.ambiguous {
		return time.Time{}, &TimeError{Kind: TimeZoneAmbiguous, Text: c.Text, Zone: z.Name}
	}
	base := prev.In(z.loc)
	if c.HasMonthDay() {
		// the year of the row above; the next one when the date would
		// fall more than RollOver before it (Dec 31, then Jan 1)
		y := base.Year()
		if cand := time.Date(y, c.Month, c.Day, c.Hour, c.Minute, c.Second, 0, z.loc); prev.Sub(cand) > RollOver {
			y++
		}
		return inZone(y, c.Month, c.Day, c.Hour, c.Minute, c.Second, z, c.Text)
	}
	if cand := time.Date(base.Year(), base.Month(), base.Day(), c.Hour, c.Minute, c.Second, 0, z.loc); prev.Sub(cand) > RollOver {
		base = time.Date(base.Year(), base.Month(), base.Day()+1, 12, 0, 0, 0, z.loc)
	}
	return inZone(base.Year(), base.Month(), base.Day(), c.Hour, c.Minute, c.Second, z, c.Text)
}

// ParseTimeIn reads a whole value as a time (see ScanTime), a time written
// without a zone being in def (nil: UTC). Text that is not exactly one
// time is returned as Time{Text: s} with a *TimeError saying why.
func ParseTimeIn(s string, def *Zone) (Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Time{}, &TimeError{Kind: TimeNotTime}
	}
	c, rest, ok := ScanTime(s)
	if !ok || strings.TrimSpace(rest) != "" {
		return Time{Text: s}, &TimeError{Kind: TimeNotTime, Text: s}
	}
	t, err := c.In(def)
	if err != nil {
		if te, ok := err.(*TimeError); ok {
			te.Text = s
		}
		return Time{Text: s}, err
	}
	if t.IsZero() {
		// 0001-01-01 00:00 UTC is Go's zero time, which means "empty" in
		// the model: no incident happened then, so it is kept as text
		return Time{Text: s}, &TimeError{Kind: TimeNotTime, Text: s}
	}
	return TimeOf(t), nil
}

// ExplainTime says why text kept in a time field is not a time: a
// *TimeError whose Kind tells an ambiguous zone, an abbreviation out of
// season, a local time that did not happen or happened twice, or a time of
// day with no date, from TimeNotTime.
func ExplainTime(s string) *TimeError {
	s = strings.TrimSpace(s)
	c, rest, ok := ScanTime(s)
	if !ok {
		return &TimeError{Kind: TimeNotTime, Text: s}
	}
	rest = strings.TrimSpace(rest)
	if rest == "" || strings.HasPrefix(rest, "(") || strings.HasPrefix(rest, "（") {
		if c.Zone.Ambiguous() {
			return &TimeError{Kind: TimeZoneAmbiguous, Text: s, Zone: c.Zone.Name}
		}
		if !c.HasDate() {
			return &TimeError{Kind: TimeNoDate, Text: s}
		}
		if _, err := c.In(nil); err != nil {
			te := err.(*TimeError)
			te.Text = s
			return te
		}
	}
	return &TimeError{Kind: TimeNotTime, Text: s}
}
