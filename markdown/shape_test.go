package markdown

import "testing"

func TestSummaryLabel(t *testing.T) {
	tests := []struct{ name, want string }{
		{"Region", ""},
		{"Customer tier", ""},
		{"Jira epic", ""},
		{"Service owner", ""},
		{"Tags", ""},
		{"", ""},
		{"Severity", "Severity"},
		{"sev", "Severity"},
		{"Severity class", "Severity"}, // read as "Severity" followed by its value
		{"Duration estimate", "Duration"},
		{"Services", "Services Affected"},
		{"Started at", "Start Time (UTC)"},
		{"Incident ID", "Incident ID"},
		{"Impact", "Customer Impact"},
	}
	for _, tt := range tests {
		if got := SummaryLabel(tt.name); got != tt.want {
			t.Errorf("SummaryLabel(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
