package webhook

import (
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
)

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

// TestBodyNeverSendsNotify: the notification recipients of a review event
// (account IDs, for mail) are not sent to webhook receivers, in any format.
func TestBodyNeverSendsNotify(t *testing.T) {
	w := &Webhooks{}
	d := &hindsight.WebhookDelivery{ID: 7, Event: hindsight.EventReviewRequested, IncidentID: "INC-20260101-001",
		Payload: []byte(`{"event":"review.requested","incident_id":"INC-20260101-001","title":"T","actor":"a@example.com","notify":["usr_secret1","usr_secret2"]}`)}
	for _, f := range hindsight.WebhookFormats {
		b, err := w.body(&hindsight.WebhookSubscription{Format: f}, d)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "notify") || strings.Contains(string(b), "usr_secret") {
			t.Errorf("format %s sends the recipients: %s", f, b)
		}
		if f == hindsight.FormatJSON && !strings.Contains(string(b), `"actor":"a@example.com"`) {
			t.Errorf("json format lost the actor: %s", b)
		}
	}
}
