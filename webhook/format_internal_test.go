package webhook

import "testing"

func TestTeamsText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Checkout latency", "Checkout latency"},
		{"**bold** and _it_", `\*\*bold\*\* and \_it\_`},
		{"[click](https://evil.example)", `\[click\](https://evil.example)`},
		{"- not a list", `\- not a list`},
		{"12. not a list either", `12\. not a list either`},
		{"two\nlines\r\n  here", "two lines here"},
		{`back\slash`, `back\\slash`},
		{"SEV-2 → Draft", "SEV-2 → Draft"},
	}
	for _, tc := range tests {
		if got := teamsText(tc.in); got != tc.want {
			t.Errorf("teamsText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
