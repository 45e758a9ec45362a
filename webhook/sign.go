package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The headers of a delivery.
const (
	HeaderSignature = "X-Hindsight-Signature" // sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">
	HeaderTimestamp = "X-Hindsight-Timestamp" // Unix seconds when the attempt was signed
	HeaderEvent     = "X-Hindsight-Event"     // the event name
	HeaderDelivery  = "X-Hindsight-Delivery"  // the delivery ID, the same on every attempt
)

// Sign returns the X-Hindsight-Signature value of body sent at ts:
// "sha256=" and the hex HMAC-SHA256, keyed by secret, of
// "<unix seconds>.<body>".
func Sign(secret string, ts time.Time, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts.Unix(), 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a delivery as a receiver should: the signature over the
// timestamp header and the body, and a timestamp within tolerance of now
// (refusing replays of old deliveries). The error says what is wrong.
func Verify(secret, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	sec, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return fmt.Errorf("%s: %q is not Unix seconds", HeaderTimestamp, timestamp)
	}
	ts := time.Unix(sec, 0)
	if d := now.Sub(ts); d > tolerance || d < -tolerance {
		return fmt.Errorf("%s: %s is more than %v from now (a replay?)", HeaderTimestamp, ts.UTC().Format(time.RFC3339), tolerance)
	}
	got, ok := strings.CutPrefix(strings.TrimSpace(signature), "sha256=")
	if !ok {
		return fmt.Errorf("%s: want sha256=<hex>", HeaderSignature)
	}
	gb, err := hex.DecodeString(got)
	if err != nil {
		return fmt.Errorf("%s: not hex", HeaderSignature)
	}
	want, _ := hex.DecodeString(strings.TrimPrefix(Sign(secret, ts, body), "sha256="))
	if !hmac.Equal(gb, want) {
		return fmt.Errorf("%s: does not match", HeaderSignature)
	}
	return nil
}
