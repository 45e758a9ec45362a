package hindsight

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

var incidentIDRe = regexp.MustCompile(`^INC-(\d{8})-(\d{3,})$`)

// FormatIncidentID returns INC-YYYYMMDD-NNN for the UTC day of t.
func FormatIncidentID(t time.Time, seq int) string {
	return fmt.Sprintf("INC-%s-%03d", t.UTC().Format("20060102"), seq)
}

// IncidentDay is the day an incident's ID is numbered in: the UTC day of its
// Start Time, or of now when the start is not set.
func IncidentDay(start Time, now time.Time) time.Time {
	if start.IsSet() {
		return start.T
	}
	return now
}

// ParseIncidentID splits a valid Incident ID into its day and sequence.
func ParseIncidentID(id string) (day time.Time, seq int, ok bool) {
	m := incidentIDRe.FindStringSubmatch(id)
	if m == nil {
		return time.Time{}, 0, false
	}
	d, err := time.Parse("20060102", m[1])
	if err != nil {
		return time.Time{}, 0, false
	}
	n, err := strconv.Atoi(m[2])
	if err != nil || n < 1 {
		return time.Time{}, 0, false
	}
	return d, n, true
}

var actionIDRe = regexp.MustCompile(`^AI-\d{3,}$`)

// ValidActionID reports whether id has the form AI-NNN.
func ValidActionID(id string) bool { return actionIDRe.MatchString(id) }

// FormatActionID returns AI-NNN.
func FormatActionID(n int) string { return fmt.Sprintf("AI-%03d", n) }
