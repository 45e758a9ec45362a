package main

import (
	"strings"
	"testing"
)

// TestSmoke runs the benchmark briefly: every alert must be accounted for
// exactly once (no timing is checked).
func TestSmoke(t *testing.T) {
	var out strings.Builder
	if err := run([]string{"-rate", "100", "-duration", "1s", "-groups", "10", "-dup", "0.2"}, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "0 alerts missing, 0 more than once") {
		t.Fatalf("unexpected report:\n%s", out.String())
	}
}

// TestOutboundSmoke runs the outbound mode briefly: the healthy receiver
// must get every event once and in order (no timing is checked).
func TestOutboundSmoke(t *testing.T) {
	var out strings.Builder
	if err := run([]string{"-outbound", "-incidents", "4", "-incident-rate", "20", "-drain-timeout", "60s"}, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "8 of 8 events received, 0 twice, 0 incidents out of order") {
		t.Fatalf("unexpected report:\n%s", out.String())
	}
}
