package auth

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzSSOParsers: the parsers of what an identity provider or a proxy
// sends (the groups claim of an ID token, the groups header) and of the
// trusted addresses setting never panic, and what they return holds.
func FuzzSSOParsers(f *testing.F) {
	f.Add(`{"groups":["eng","ops"]}`, "eng, ops", "10.0.0.0/8,127.0.0.1")
	f.Add(`{"groups":"eng"}`, "", "::1/128")
	f.Add(`{"groups":[1,2]}`, ",,,", "not an address")
	f.Add(`{"groups":{"a":"b"}}`, " a ,b", "10.0.0.0/33")
	f.Fuzz(func(t *testing.T, claims, header, trusted string) {
		var raw map[string]any
		if json.Unmarshal([]byte(claims), &raw) == nil {
			if gs, err := groupsOf(raw, "groups"); err == nil && len(gs) > MaxGroups {
				t.Errorf("groupsOf returned %d groups, over the limit", len(gs))
			}
		}
		for _, g := range proxyGroups(header) {
			if g == "" || g != strings.TrimSpace(g) || strings.Contains(g, ",") {
				t.Errorf("proxyGroups(%q) returned %q", header, g)
			}
		}
		if ps, err := parsePrefixes(trusted); err == nil {
			if len(ps) == 0 {
				t.Errorf("parsePrefixes(%q) accepted no prefixes", trusted)
			}
			for _, p := range ps {
				if !p.IsValid() || p != p.Masked() {
					t.Errorf("parsePrefixes(%q): %v", trusted, p)
				}
			}
		}
	})
}

func TestParsePrefixes(t *testing.T) {
	for _, c := range []struct {
		in, want, err string
	}{
		{"10.0.0.0/8, 127.0.0.1", "[10.0.0.0/8 127.0.0.1/32]", ""},
		{"::1, fd00::/8", "[::1/128 fd00::/8]", ""},
		{"10.1.2.3/8", "[10.0.0.0/8]", ""},
		{"", "", "no addresses"},
		{"10.0.0.0/33", "", "not a CIDR prefix"},
		{"example.com", "", "not an address"},
	} {
		ps, err := parsePrefixes(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("parsePrefixes(%q) error %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parsePrefixes(%q): %v", c.in, err)
			continue
		}
		var got []string
		for _, p := range ps {
			got = append(got, p.String())
		}
		if s := "[" + strings.Join(got, " ") + "]"; s != c.want {
			t.Errorf("parsePrefixes(%q) = %s, want %s", c.in, s, c.want)
		}
	}
}

func TestSSOConfigFromEnv(t *testing.T) {
	for _, c := range []struct {
		name string
		env  map[string]string
		err  string
	}{
		{"none", nil, ""},
		{"no client ID", map[string]string{"HINDSIGHT_OIDC_ISSUER": "https://idp.example.com"}, "HINDSIGHT_OIDC_CLIENT_ID is required"},
		{"bad issuer", map[string]string{"HINDSIGHT_OIDC_ISSUER": "idp.example.com", "HINDSIGHT_OIDC_CLIENT_ID": "x"}, "HINDSIGHT_OIDC_ISSUER"},
		{"only without issuer", map[string]string{"HINDSIGHT_OIDC_ONLY": "1"}, "HINDSIGHT_OIDC_ONLY needs HINDSIGHT_OIDC_ISSUER"},
		{"bad flag", map[string]string{"HINDSIGHT_OIDC_ISSUER": "https://idp.example.com", "HINDSIGHT_OIDC_CLIENT_ID": "x", "HINDSIGHT_OIDC_LINK_BY_EMAIL": "maybe"}, `HINDSIGHT_OIDC_LINK_BY_EMAIL="maybe"`},
		{"bad refresh", map[string]string{"HINDSIGHT_OIDC_ISSUER": "https://idp.example.com", "HINDSIGHT_OIDC_CLIENT_ID": "x", "HINDSIGHT_OIDC_REFRESH": "1s"}, "HINDSIGHT_OIDC_REFRESH"},
		{"both secrets", map[string]string{"HINDSIGHT_OIDC_ISSUER": "https://idp.example.com", "HINDSIGHT_OIDC_CLIENT_ID": "x", "HINDSIGHT_OIDC_CLIENT_SECRET": "a", "HINDSIGHT_OIDC_CLIENT_SECRET_FILE": "/nonexistent"}, "both set"},
		{"missing secret file", map[string]string{"HINDSIGHT_OIDC_ISSUER": "https://idp.example.com", "HINDSIGHT_OIDC_CLIENT_ID": "x", "HINDSIGHT_OIDC_CLIENT_SECRET_FILE": "/nonexistent"}, "HINDSIGHT_OIDC_CLIENT_SECRET_FILE"},
		{"proxy without trusted", map[string]string{"HINDSIGHT_AUTH_PROXY_HEADER": "X-Forwarded-Email"}, "needs HINDSIGHT_AUTH_PROXY_TRUSTED"},
		{"bad trusted", map[string]string{"HINDSIGHT_AUTH_PROXY_HEADER": "X-Forwarded-Email", "HINDSIGHT_AUTH_PROXY_TRUSTED": "everyone"}, "HINDSIGHT_AUTH_PROXY_TRUSTED"},
		{"groups header alone", map[string]string{"HINDSIGHT_AUTH_PROXY_GROUPS_HEADER": "X-Forwarded-Groups"}, "needs HINDSIGHT_AUTH_PROXY_HEADER"},
		{"proxy", map[string]string{"HINDSIGHT_AUTH_PROXY_HEADER": "X-Forwarded-Email", "HINDSIGHT_AUTH_PROXY_TRUSTED": "10.0.0.0/8"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := SSOConfigFromEnv(func(k string) string { return c.env[k] })
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Errorf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (len(c.env) == 0) != (cfg == nil) {
				t.Errorf("config %+v for %v", cfg, c.env)
			}
		})
	}
}
