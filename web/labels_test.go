package web

import "testing"

func TestFieldLabel(t *testing.T) {
	tests := []struct{ path, want string }{
		{"summary.customer_impact.users_affected", "Users affected"},
		{"summary.duration", "Duration"},
		{"detection.time_to_mitigate", "Time to mitigate"},
		{"impact.data.loss", "Data loss or corruption"},
		{"action_items[2]", "Action item 3"},
		{"action_items[2].target_date", "Action item 3 target date"},
		{"timeline[4].time", "Timeline row 5 time"},
		{"timeline[0]", "Timeline row 1"},
		{"summary.services_affected[1]", "Service 2"},
		{"root_cause.contributing_factors[0]", "Contributing factor 1"},
		{"timeline", "Timeline (UTC)"},
		{"title", "Title"},
		{"example.com", ""},
		{"action_items[x]", ""},
		{"nonsense[3]", ""},
	}
	for _, tc := range tests {
		if got := FieldLabel(tc.path); got != tc.want {
			t.Errorf("FieldLabel(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

func TestLabelMessage(t *testing.T) {
	tests := []struct{ msg, want string }{
		{"summary.duration is 01:30 but End − Start is 02:00; expected 02:00", "Duration is 01:30 but End − Start is 02:00; expected 02:00"},
		{"timeline[4].time 14:00 is before the row above it (14:05); expected chronological order", "Timeline row 5 time 14:00 is before the row above it (14:05); expected chronological order"},
		{"action_items[2].target_date of AI-003 is missing; expected a date YYYY-MM-DD", "Action item 3 target date of AI-003 is missing; expected a date YYYY-MM-DD"},
		{"summary.customer_impact.users_affected: template placeholder left in", "Users affected: template placeholder left in"},
		{"see runbooks.example.com, e.g. the db one", "see runbooks.example.com, e.g. the db one"},
	}
	for _, tc := range tests {
		if got := labelMessage(tc.msg); got != tc.want {
			t.Errorf("labelMessage(%q)\n = %q\nwant %q", tc.msg, got, tc.want)
		}
	}
}
