package web

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight"
)

// fieldLabels name the fields of a postmortem as the pages label them
// (the editor's labels), by field path. FieldLabel is the one place a
// finding's or an error's field path becomes words on a page.
var fieldLabels = map[string]string{
	"title":                                  "Title",
	"owner":                                  "Owner",
	"version":                                "Version",
	"status":                                 "Status",
	"last_updated":                           "Last updated",
	"summary.incident_id":                    "Incident ID",
	"summary.start_time":                     "Start time",
	"summary.end_time":                       "End time",
	"summary.duration":                       "Duration",
	"summary.severity":                       "Severity",
	"summary.services_affected":              "Services affected",
	"summary.customer_impact":                "Customer impact",
	"summary.customer_impact.users_affected": "Users affected",
	"summary.customer_impact.regions":        "Regions / tenants",
	"summary.customer_impact.symptoms":       "Primary symptoms",
	"detection.detected_by":                  "Detected by",
	"detection.detection_time":               "Detection time",
	"detection.time_to_acknowledge":          "Time to acknowledge",
	"detection.time_to_mitigate":             "Time to mitigate",
	"detection.incident_commander":           "Incident commander",
	"detection.on_call_responders":           "On-call responders",
	"detection.communication_channels":       "Communication channels",
	"impact.customer":                        "Customer impact",
	"impact.internal":                        "Internal impact",
	"impact.data":                            "Data impact",
	"impact.data.loss":                       "Data loss or corruption",
	"impact.data.exposure":                   "Data exposure",
	"impact.data.compliance":                 "Compliance implications",
	"impact.data.notes":                      "Data impact notes",
	"root_cause.primary":                     "Primary cause",
	"root_cause.contributing_factors":        "Contributing factors",
	"resolution.immediate_fix":               "Immediate fix",
	"resolution.long_term_fix":               "Long-term fix",
	"resolution.rollback_needed":             "Rollback needed",
	"communication.status_page_updates":      "Status page updates",
	"communication.direct_notifications":     "Direct notifications",
	"communication.post_incident_follow_up":  "Post-incident follow-up",
	"prevention.monitoring_improvements":     "Monitoring improvements",
	"prevention.process_improvements":        "Process improvements",
	"prevention.documentation_updates":       "Documentation updates",
	"prevention.training_needs":              "Training needs",
	"custom_sections":                        "Other sections",
}

// itemLabels name the rows of a list by their number ("Action item 3").
var itemLabels = map[string]string{
	"action_items": "Action item", "timeline": "Timeline row", "summary.services_affected": "Service",
	"root_cause.contributing_factors": "Contributing factor", "went_well": "What went well, item",
	"went_poorly": "What went poorly, item", "references": "Reference", "custom_sections": "Other section",
}

// rowFieldLabels name a row's cells as the editor labels them.
var rowFieldLabels = map[string]string{
	"id": "ID", "action": "action", "owner": "owner", "priority": "priority", "target_date": "target date",
	"status": "status", "time": "time", "event": "event", "notes": "note",
}

// FieldLabel returns how the pages name the field at path
// ("summary.customer_impact.users_affected" -> "Users affected",
// "action_items[2].target_date" -> "Action item 3 target date",
// "timeline[4]" -> "Timeline row 5"), or "" when the path is not a field
// of a postmortem.
func FieldLabel(path string) string {
	if l, ok := fieldLabels[path]; ok {
		return l
	}
	if key := sectionOf(path); key != "" && key == path && key != "meta" {
		return hindsight.SectionHeading(key)
	}
	m := rowPath.FindStringSubmatch(path)
	if m == nil {
		return ""
	}
	list, n, rest := m[1], m[2], strings.TrimPrefix(m[3], ".")
	item, ok := itemLabels[list]
	if !ok {
		return ""
	}
	i, err := strconv.Atoi(n)
	if err != nil {
		return ""
	}
	label := item + " " + strconv.Itoa(i+1)
	switch {
	case rest == "":
		return label
	case rowFieldLabels[rest] != "":
		return label + " " + rowFieldLabels[rest]
	case strings.HasPrefix(rest, "notes["):
		return label + " note"
	}
	return ""
}

// rowPath is a path into a list: list[n] and an optional rest.
var rowPath = regexp.MustCompile(`^([a-z_]+(?:\.[a-z_]+)?)\[(\d+)\](\..+)?$`)

// fieldPath finds field paths written in a message.
var fieldPath = regexp.MustCompile(`\b[a-z_]+(?:\.[a-z_]+|\[\d+\])+`)

// labelMessage writes a finding's or an error's message with the field
// paths in it named as the page labels them ("summary.duration is 01:30"
// -> "Duration is 01:30"); anything else is kept as it is.
func labelMessage(msg string) string {
	return fieldPath.ReplaceAllStringFunc(msg, func(p string) string {
		if l := FieldLabel(p); l != "" {
			return l
		}
		return p
	})
}
