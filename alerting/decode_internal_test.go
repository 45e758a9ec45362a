package alerting

import (
	"strings"
	"testing"
)

// The receivers decode with httpx's one decoder: a value of the wrong JSON
// kind names its field as the sender wrote it and the form it takes, and no
// Go type name reaches the sender.
func TestDecodeNamesFieldsAsSent(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{`{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"x"},"startsAt":12}]}`, "alerts.startsAt: want an RFC 3339 time string"},
		{`{"version":4}`, "version: want a string, got a JSON number"},
		{`{"version":"4"} {}`, "unexpected data after the JSON value"},
		{``, "the request body is empty"},
	} {
		_, err := DecodeAlertmanager([]byte(c.body))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.body, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "Go ") {
			t.Errorf("%s: %v names a Go type", c.body, err)
		}
	}
}
