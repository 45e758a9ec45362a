package insights

import (
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// ParseObjectives reads due-date objectives written "P0=14,P1=28,P2=56"
// (days after the incident's end; "2w" and "8w" mean weeks). Priorities
// left out keep their default; "" is the defaults.
func ParseObjectives(s string) (hindsight.Objectives, error) {
	o := hindsight.DefaultObjectives
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return o, hindsight.Errorf(hindsight.EInvalid, "objectives: %q is not PRIORITY=DAYS (e.g. P0=14)", part)
		}
		k, v = strings.ToUpper(strings.TrimSpace(k)), strings.ToLower(strings.TrimSpace(v))
		mult := 1
		if strings.HasSuffix(v, "w") {
			mult, v = 7, strings.TrimSuffix(v, "w")
		} else {
			v = strings.TrimSuffix(v, "d")
		}
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 3650 {
			return o, hindsight.Errorf(hindsight.EInvalid, "objectives: %s: %q is not a number of days from 1 to 3650", k, v)
		}
		switch hindsight.Priority(k) {
		case hindsight.P0:
			o.P0 = n * mult
		case hindsight.P1:
			o.P1 = n * mult
		case hindsight.P2:
			o.P2 = n * mult
		default:
			return o, hindsight.Errorf(hindsight.EInvalid, "objectives: %q is not P0, P1 or P2", k)
		}
	}
	return o, nil
}

// FormatObjectives writes o as ParseObjectives reads it.
func FormatObjectives(o hindsight.Objectives) string {
	o = o.OrDefault()
	return "P0=" + strconv.Itoa(o.P0) + ",P1=" + strconv.Itoa(o.P1) + ",P2=" + strconv.Itoa(o.P2)
}

// SuggestedTarget is the target date to suggest for an item of priority p
// on an incident that ended at end: the objective date. ok is false when
// there is none (no end, or a priority without objective).
func SuggestedTarget(o hindsight.Objectives, p hindsight.Priority, end time.Time) (hindsight.Date, bool) {
	d, ok := o.OrDefault().Due(p, end)
	if !ok {
		return hindsight.Date{}, false
	}
	return hindsight.DateOf(d), true
}

// PastObjective reports whether an item not Closed, of priority p, on an
// incident that ended at end, is past its objective on today's date (the
// objective date is before today).
func PastObjective(o hindsight.Objectives, p hindsight.Priority, st hindsight.ItemStatus, end, today time.Time) bool {
	d, ok := o.OrDefault().Due(p, end)
	return ok && st != hindsight.ItemClosed && d.Before(hindsight.DateOf(today).T)
}

// Week returns the Monday (inclusive) and the next Monday (exclusive) of
// t's UTC ISO week: "due this week".
func Week(t time.Time) (from, before time.Time) {
	d := hindsight.DateOf(t).T
	off := (int(d.Weekday()) + 6) % 7
	from = d.AddDate(0, 0, -off)
	return from, from.AddDate(0, 0, 7)
}
