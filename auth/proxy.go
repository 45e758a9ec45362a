package auth

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/hindsight-pm/hindsight"
)

// parsePrefixes reads a comma-separated list of CIDR prefixes or single
// addresses.
func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			ad, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not an address or a CIDR prefix such as 10.0.0.0/8", f)
			}
			out = append(out, netip.PrefixFrom(ad.Unmap(), ad.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR prefix such as 10.0.0.0/8", f)
		}
		out = append(out, p.Masked())
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no addresses")
	}
	return out, nil
}

// trustedProxy reports whether r comes straight from a trusted proxy.
func (a *Auth) trustedProxy(r *http.Request) bool {
	ad, err := netip.ParseAddr(clientAddress(r))
	if err != nil {
		return false
	}
	ad = ad.Unmap()
	for _, p := range a.o.SSO.ProxyTrusted {
		if p.Contains(ad) {
			return true
		}
	}
	return false
}

// proxyGroups reads the groups header: comma-separated names.
func proxyGroups(h string) []string {
	var out []string
	for _, g := range strings.Split(h, ",") {
		if g = strings.TrimSpace(g); g != "" {
			out = append(out, g)
		}
	}
	return out
}

// fromProxy authenticates a request by the trusted proxy's header: ok
// false when the header is absent or r does not come from a trusted
// address (the header's presence is then logged and ignored).
func (a *Auth) fromProxy(ctx context.Context, r *http.Request) (*hindsight.User, bool, error) {
	sso := a.o.SSO
	if sso == nil || sso.ProxyHeader == "" {
		return nil, false, nil
	}
	email := strings.TrimSpace(r.Header.Get(sso.ProxyHeader))
	if email == "" {
		return nil, false, nil
	}
	addr := clientAddress(r)
	if !a.trustedProxy(r) {
		a.o.Logger.WarnContext(ctx, "proxy sign-in header from an untrusted address ignored", "header", sso.ProxyHeader, "remote", addr)
		return nil, false, nil
	}
	if len(email) > 254 || !strings.Contains(email, "@") {
		return nil, false, hindsight.Errorf(hindsight.EUnauth, "the proxy's %s header is not an email address", sso.ProxyHeader)
	}
	var groups []string
	if sso.ProxyGroupsHeader != "" {
		for _, v := range r.Header.Values(sso.ProxyGroupsHeader) { // one header, or one per group
			groups = append(groups, proxyGroups(v)...)
		}
		if len(groups) > MaxGroups {
			return nil, false, hindsight.Errorf(hindsight.EUnauth, "the proxy's %s header has %d groups, more than %d", sso.ProxyGroupsHeader, len(groups), MaxGroups)
		}
	}
	email = strings.ToLower(email)
	u, err := a.store.FindUserByEmail(ctx, email)
	switch {
	case hindsight.ErrorCode(err) == hindsight.ENotFound:
		// the proxy vouches for the email: the account is made at once
		u = &hindsight.User{ID: newID("usr_"), Email: email, Role: sso.Roles.Role(groups), PasswordHash: NoPassword}
		err = a.store.CreateLinkedUser(ctx, u, hindsight.Identity{Issuer: hindsight.ProxyIssuer, Subject: email},
			[]hindsight.AuditEntry{{Actor: "system", Action: "user.create", Target: u.ID, Address: addr,
				Detail: email + " as " + string(u.Role) + " (first request through the authenticating proxy)"}})
		if hindsight.ErrorCode(err) == hindsight.EConflict { // made by a concurrent request
			u, err = a.store.FindUserByEmail(ctx, email)
		}
		if err != nil {
			return nil, false, err
		}
		a.o.Logger.InfoContext(ctx, "account created at first request through the proxy", "account", email)
	case err != nil:
		return nil, false, err
	}
	if u.Disabled {
		return nil, false, hindsight.Errorf(hindsight.EForbidden, "the account %s is disabled", email)
	}
	if sso.ProxyGroupsHeader != "" {
		if u, err = a.applyRole(ctx, u, groups, addr, "proxy"); err != nil {
			return nil, false, err
		}
		// GroupSync hears of a change of groups, not of every request
		slices.Sort(groups)
		key := strings.Join(groups, "\n")
		if prev, ok := a.proxySeen.Load(u.ID); !ok || prev.(string) != key {
			a.syncGroups(ctx, u.ID, groups)
			a.proxySeen.Store(u.ID, key)
		}
	}
	return u, true, nil
}
