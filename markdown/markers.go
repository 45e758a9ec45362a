package markdown

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/hindsight-pm/hindsight"
)

// Emoji status markers, as Confluence, Notion and Google Docs tables carry
// them ("✅ Done", "🟠 High", "⚠️ Open"): a marker before a value is dropped
// when the value reads on its own; a marker alone means something only where
// the meaning is clear (a check mark is done), otherwise it is kept as text,
// which lint reports.

// isMarkerRune reports an emoji or pictographic symbol (and the joiners and
// variation selectors that follow one).
func isMarkerRune(r rune) bool {
	switch {
	case r == '\ufe0f' || r == '\ufe0e' || r == '\u200d' || r == '\u20e3':
		return true
	case r >= 0x1F000 && r <= 0x1FAFF, r >= 0x2600 && r <= 0x27BF, r >= 0x2B00 && r <= 0x2BFF, r >= 0x2190 && r <= 0x21FF, r >= 0x2300 && r <= 0x23FF:
		return true
	case r == '✓' || r == '✔' || r == '✗' || r == '✘':
		return true
	}
	return false
}

// stripMarker removes emoji markers (and the spaces after them) at the start
// of s; marker is what was removed, trimmed.
func stripMarker(s string) (rest, marker string) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return !isMarkerRune(r) && !unicode.IsSpace(r) })
	if i < 0 {
		return "", t
	}
	if i == 0 {
		return t, ""
	}
	return t[i:], strings.TrimSpace(t[:i])
}

// doneMarkers are markers that alone mean an item is done.
var doneMarkers = map[string]bool{"✅": true, "☑️": true, "☑": true, "✔️": true, "✔": true, "✓": true}

// itemStatusOf reads an action item status written with or without a marker.
func itemStatusOf(v string) (hindsight.ItemStatus, bool) {
	rest, marker := stripMarker(stripEmphasis(v))
	if rest == "" {
		if doneMarkers[strings.ReplaceAll(marker, "\ufe0f", "")] || doneMarkers[marker] {
			return hindsight.ItemClosed, true
		}
		return hindsight.ItemStatus(v), false
	}
	if st, ok := hindsight.ParseItemStatus(stripEmphasis(rest)); ok {
		return st, true
	}
	return hindsight.ItemStatus(v), false
}

// priorityWords are spelled priorities whose level is clear on the P0-P2
// scale; "low" is not (there is no P3), so it is kept as text.
var priorityWords = map[string]hindsight.Priority{
	"critical": hindsight.P0, "urgent": hindsight.P0, "highest": hindsight.P0, "blocker": hindsight.P0,
	"high": hindsight.P1, "medium": hindsight.P2, "normal": hindsight.P2,
}

// priorityOf reads a priority written with or without a marker ("🔴 P0",
// "🟠 High").
func priorityOf(v string) (hindsight.Priority, bool) {
	rest, _ := stripMarker(stripEmphasis(v))
	rest = stripEmphasis(rest)
	if rest == "" {
		return hindsight.Priority(v), false
	}
	if pr, ok := hindsight.ParsePriority(rest); ok {
		return pr, true
	}
	if pr, ok := priorityWords[strings.ToLower(strings.Trim(rest, " .!"))]; ok {
		return pr, true
	}
	return hindsight.Priority(v), false
}

var (
	// the tail of a checklist item's first line: "@net-oncall", "due
	// 2024-03-01", "(P1)", "P0", "owner: Ann", "priority: high"
	tailPriorityRe = regexp.MustCompile(`(?i)\s*[(\[]?\b(P[0-2])\b[)\]]?$`)
	tailDueRe      = regexp.MustCompile(`(?i)\s*[(\[]?\b(?:due|by|target|eta)\b:?\s+(\d{4}-\d{1,2}-\d{1,2}|\d{4}/\d{1,2}/\d{1,2}|Q[1-4]\s+\d{4}|H[12]\s+\d{4}|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{4})[)\]]?$`)
	tailHandleRe   = regexp.MustCompile(`(?:^|\s)(@[\p{L}\p{N}][\p{L}\p{N}._/-]*)$`)
	segmentSepRe   = regexp.MustCompile(`\s+[—–]\s+|\s+-\s+`)
)

// checklistMeta reads the owner, priority and target date written after a
// checklist item's action, in the forms people write:
//
//	Canary the DNS config rollout @net-oncall due 2024-03-01 (P1)
//	Add a TTL floor — owner: Ann, P0, due: Q2 2024
//	Disable the scaling — @networking — due 2021-12-10 — P0
//
// It returns the action without them. Anything it does not recognise stays
// in the action: a segment after a dash is read only when every part of it
// is a known one.
func checklistMeta(line string, vals map[int]string) string {
	action := strings.TrimSpace(line)
	for again := true; again; {
		before := action
		// " — owner: Ann, P0, due: Q2 2024" and " — @x — due y — P0"
		// segments, from the end; then what ends the action itself
		if locs := segmentSepRe.FindAllStringIndex(action, -1); len(locs) > 0 {
			last := locs[len(locs)-1]
			found := map[int]string{}
			if metaParts(action[last[1]:], found) {
				for k, v := range found {
					if vals[k] == "" {
						vals[k] = v
					}
				}
				action = strings.TrimSpace(action[:last[0]])
			}
		}
		if action == before {
			action = tailMeta(action, vals)
		}
		again = action != before
	}
	return action
}

// tailMeta reads "@handle due 2024-03-01 (P1)" at the end of an action.
func tailMeta(action string, vals map[int]string) string {
	for changed := true; changed; {
		changed = false
		if m := tailPriorityRe.FindStringSubmatchIndex(action); m != nil && vals[colPriority] == "" && m[0] > 0 {
			vals[colPriority] = strings.ToUpper(action[m[2]:m[3]])
			action, changed = strings.TrimSpace(action[:m[0]]), true
		}
		if m := tailDueRe.FindStringSubmatchIndex(action); m != nil && vals[colTarget] == "" && m[0] > 0 {
			vals[colTarget] = action[m[2]:m[3]]
			action, changed = strings.TrimSpace(action[:m[0]]), true
		}
		if m := tailHandleRe.FindStringSubmatchIndex(action); m != nil && m[0] > 0 {
			h := action[m[2]:m[3]]
			if vals[colOwner] == "" {
				vals[colOwner] = h
			} else {
				vals[colOwner] = h + ", " + vals[colOwner]
			}
			action, changed = strings.TrimSpace(action[:m[0]]), true
		}
	}
	return action
}

// metaParts reads a segment of comma-separated owner, priority and date
// parts; false when a part is none of them (the segment is then text).
func metaParts(seg string, found map[int]string) bool {
	seg = strings.TrimSpace(seg)
	if strings.HasPrefix(seg, "(") && strings.HasSuffix(seg, ")") {
		seg = strings.TrimSpace(seg[1 : len(seg)-1])
	}
	if seg == "" {
		return false
	}
	for _, part := range strings.Split(seg, ",") {
		part = strings.TrimSpace(part)
		if m := tailPriorityRe.FindStringSubmatchIndex(part); m != nil && m[0] > 0 && strings.HasSuffix(part, ")") {
			// "due 2021-02-15 (P2)"
			found[colPriority] = strings.ToUpper(part[m[2]:m[3]])
			part = strings.TrimSpace(part[:m[0]])
		}
		lp := strings.ToLower(part)
		key, val, hasKey := strings.Cut(part, ":")
		key = strings.ToLower(strings.TrimSpace(key))
		val = strings.TrimSpace(val)
		switch {
		case part == "":
			return false
		case hasKey && (key == "owner" || key == "owners" || key == "assignee" || key == "assigned to" || key == "dri"):
			found[colOwner] = val
		case hasKey && (key == "due" || key == "target" || key == "target date" || key == "due date" || key == "eta" || key == "by"):
			found[colTarget] = val
		case hasKey && (key == "priority" || key == "prio"):
			found[colPriority] = val
		case hasKey && key == "status":
			found[colStatus] = val
		case strings.HasPrefix(lp, "due ") || strings.HasPrefix(lp, "by "):
			found[colTarget] = strings.TrimSpace(part[strings.IndexByte(part, ' ')+1:])
		case tailHandleRe.MatchString(part) && !strings.Contains(part, " "):
			found[colOwner] = part
		default:
			if _, ok := hindsight.ParsePriority(part); ok && len(part) <= 4 {
				found[colPriority] = part
				continue
			}
			return false
		}
	}
	return true
}
