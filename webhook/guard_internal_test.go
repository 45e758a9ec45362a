package webhook

import (
	"net/netip"
	"testing"
)

func TestBlockedReason(t *testing.T) {
	tests := []struct {
		addr string
		want string // "" is a public address
	}{
		{"127.0.0.1", "loopback"},
		{"127.255.0.9", "loopback"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"},
		{"169.254.169.254", "link-local"},
		{"::ffff:169.254.169.254", "link-local"},
		{"fe80::1", "link-local"},
		{"10.0.0.1", "private"},
		{"172.16.5.4", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.1", "private"},
		{"::ffff:10.1.2.3", "private"},
		{"100.64.0.1", "private"},
		{"100.127.255.254", "private"},
		{"fc00::1", "private"},
		{"fd12:3456::1", "private"},
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"0.1.2.3", "reserved"},
		{"224.0.0.1", "link-local"}, // link-local multicast
		{"239.1.2.3", "multicast"},
		{"ff02::1", "link-local"},
		{"ff05::2", "multicast"},
		{"255.255.255.255", "reserved"},
		{"240.0.0.1", "reserved"},
		{"198.18.0.1", "reserved"},
		{"64:ff9b::7f00:1", "loopback"},
		{"64:ff9b::a9fe:a9fe", "link-local"},
		{"::7f00:1", "loopback"},
		{"::808:808", "reserved"},
		// public
		{"93.184.216.34", ""},
		{"8.8.8.8", ""},
		{"172.32.0.1", ""},
		{"100.128.0.1", ""},
		{"2606:4700:4700::1111", ""},
		{"64:ff9b::808:808", ""},
	}
	for _, tc := range tests {
		if got := blockedReason(netip.MustParseAddr(tc.addr)); got != tc.want {
			t.Errorf("blockedReason(%s) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}

func TestGuardControl(t *testing.T) {
	for _, a := range []string{"127.0.0.1:80", "[::1]:443", "169.254.169.254:80", "[fe80::1%eth0]:80", "10.0.0.1:8080", "nonsense"} {
		if err := guardControl("tcp", a, nil); err == nil {
			t.Errorf("guardControl(%s) let it through", a)
		}
	}
	for _, a := range []string{"93.184.216.34:443", "[2606:4700:4700::1111]:443"} {
		if err := guardControl("tcp", a, nil); err != nil {
			t.Errorf("guardControl(%s) = %v, want nil", a, err)
		}
	}
}
