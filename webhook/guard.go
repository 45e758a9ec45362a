package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// Outbound deliveries go only to public addresses unless the operator
// allows private ones (HINDSIGHT_WEBHOOK_ALLOW_PRIVATE=1): an admin must not
// be able to make the server post to, and read answers from, its own
// loopback, the cloud metadata service or the internal network (SSRF).
//
// The check runs on the address the connection is about to use, after
// name resolution (a net.Dialer Control hook), so a name that resolves to
// a private address, or that changes its answer between a check and the
// connection (DNS rebinding), is refused as well. Redirects are not
// followed and no HTTP proxy from the environment is used, so every
// connection a delivery makes goes through that dialer.

// blockedPrefixes are the non-public IPv4 and IPv6 ranges netip's
// predicates do not name: CGNAT, "this network", IETF protocol
// assignments, benchmarking, reserved and broadcast, and the IPv6
// discard prefix.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("100::/64"),
}

// embedsIPv4 are IPv6 forms that carry an IPv4 address in their last 32
// bits (NAT64 and the deprecated IPv4-compatible form): the embedded
// address is checked too.
var embedsIPv4 = []netip.Prefix{
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("::/96"),
}

// blockedReason says why ip is not a public destination, or "" when it is:
// loopback, private (RFC 1918, fc00::/7 unique-local), CGNAT
// (100.64.0.0/10), link-local (169.254.0.0/16 with the metadata service,
// fe80::/10), unspecified, multicast, reserved, and the IPv4-mapped and
// -embedded IPv6 forms of those.
func blockedReason(ip netip.Addr) string {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid():
		return "invalid"
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsLoopback():
		return "loopback"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "link-local"
	case ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "multicast"
	case ip.IsPrivate():
		return "private"
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			if p.Bits() == 10 {
				return "private" // shared address space (CGNAT)
			}
			return "reserved"
		}
	}
	for _, p := range embedsIPv4 {
		if p.Contains(ip) {
			b := ip.As16()
			if r := blockedReason(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})); r != "" {
				return r
			}
			if p.Addr().IsUnspecified() {
				return "reserved" // ::a.b.c.d is deprecated: never a real destination
			}
		}
	}
	return ""
}

// refusedError is a connection the guard refused: to a non-public
// address while private destinations are not allowed.
type refusedError struct {
	addr   netip.Addr
	reason string
}

func (e *refusedError) Error() string {
	return fmt.Sprintf("destination %s is %s", e.addr, e.reason)
}

// guardControl is the net.Dialer Control hook that refuses non-public
// addresses; address is the resolved IP and port about to be connected.
func guardControl(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return &refusedError{reason: "not an IP address"}
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return &refusedError{reason: "not an IP address"}
	}
	if r := blockedReason(ip.WithZone("")); r != "" {
		return &refusedError{addr: ip, reason: r}
	}
	return nil
}

// newClient returns the HTTP client of deliveries: attempts bounded by
// timeout, no redirects followed, no proxy, and (unless allowPrivate)
// connections only to public addresses.
func newClient(timeout time.Duration, allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		d.Control = guardControl
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Timeout:       timeout,
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// ErrNoAnswer is what the delivery log says of every attempt that got no
// HTTP answer (connection refused or reset, unreachable, a name that does
// not resolve, TLS failure, timeout): one message, so the log is no
// port scanner; the cause goes to the server log.
const ErrNoAnswer = "no answer from the receiver (could not connect, or it did not answer in time); the cause is in the server log"

// errRefusedPrivate is what the delivery log says of an attempt the
// guard refused.
const errRefusedPrivate = "refused: the receiver's address is not public (loopback, private, link-local or reserved); set HINDSIGHT_WEBHOOK_ALLOW_PRIVATE=1 on the server to allow such receivers"

// transportError maps an error of http.Client.Do to the delivery log's
// message and the detail for the server log.
func transportError(err error) (logged string, detail string) {
	var re *refusedError
	if errors.As(err, &re) {
		return errRefusedPrivate, re.Error()
	}
	detail = err.Error()
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		detail = ue.Err.Error()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		detail = "timeout: " + detail
	}
	return ErrNoAnswer, detail
}

// checkURLHost refuses, at subscription time, a URL whose host is a
// literal non-public IP address or a localhost name. It is a courtesy
// (a clear error at once): the dialer's check at connection time is the
// guard, since a name can resolve to anything later.
func checkURLHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return "localhost is not a public address (set HINDSIGHT_WEBHOOK_ALLOW_PRIVATE=1 on the server to allow private receivers)"
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return ""
	}
	if r := blockedReason(ip.WithZone("")); r != "" {
		return fmt.Sprintf("%s is %s, not a public address (set HINDSIGHT_WEBHOOK_ALLOW_PRIVATE=1 on the server to allow private receivers)", ip.WithZone(""), r)
	}
	return ""
}

// checkDestination refuses a subscription whose URL names a non-public
// host literally, unless private receivers are allowed; the error names
// the url field.
func (w *Webhooks) checkDestination(s *hindsight.WebhookSubscription) error {
	if w.cfg.AllowPrivate {
		return nil
	}
	if msg := checkURLHost(s.URL); msg != "" {
		return &hindsight.Error{Code: hindsight.EInvalid, Message: "url: " + msg, Fields: []hindsight.FieldError{{Field: "url", Message: msg}}}
	}
	return nil
}
