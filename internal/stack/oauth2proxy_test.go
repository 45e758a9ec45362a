package stack_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/oidctest"
)

// oauth2ProxyPath finds oauth2-proxy v7 (go install
// github.com/oauth2-proxy/oauth2-proxy/v7@v7.15.6); the test skips
// without it unless HINDSIGHT_TEST_OAUTH2_PROXY=1 (CI), which makes its
// absence a failure.
func oauth2ProxyPath(t *testing.T) string {
	t.Helper()
	const msg = "oauth2-proxy not found: go install github.com/oauth2-proxy/oauth2-proxy/v7@v7.15.6"
	if os.Getenv("HINDSIGHT_TEST_OAUTH2_PROXY") != "1" {
		t.Skip("the oauth2-proxy test runs with HINDSIGHT_TEST_OAUTH2_PROXY=1 and oauth2-proxy v7.15.6 on PATH or in ~/go/bin (go install github.com/oauth2-proxy/oauth2-proxy/v7@v7.15.6)")
	}
	if p, err := exec.LookPath("oauth2-proxy"); err == nil {
		return p
	}
	if home, err := os.UserHomeDir(); err == nil {
		if p := home + "/go/bin/oauth2-proxy"; fileExists(p) {
			return p
		}
	}
	t.Fatal(msg + " (HINDSIGHT_TEST_OAUTH2_PROXY=1 requires it)")
	return ""
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestBehindOAuth2Proxy: a real oauth2-proxy in front of Hindsight signs
// people in against the test OpenID provider and passes their email and
// groups in X-Forwarded-Email and X-Forwarded-Groups; Hindsight, trusting
// the proxy's address, signs each request in as that account, made at
// the first request with the role its groups map to.
func TestBehindOAuth2Proxy(t *testing.T) {
	bin := oauth2ProxyPath(t)
	w := newSSOWorld(t, map[string]string{"HINDSIGHT_OIDC_ISSUER": "", "HINDSIGHT_AUTH_PROXY_HEADER": "X-Forwarded-Email",
		"HINDSIGHT_AUTH_PROXY_GROUPS_HEADER": "X-Forwarded-Groups", "HINDSIGHT_AUTH_PROXY_TRUSTED": "127.0.0.1/32, ::1/128"})
	w.op.SetUser("pat", oidctest.User{Subject: "sub-pat", Email: "pat@example.com", EmailVerified: true, Name: "Pat", Groups: []string{"eng", "staff"}})
	proxy := freePort(t)
	w.op.AddClient(oidctest.Client{ID: "proxy", Secret: "proxy-secret", RedirectURIs: []string{"http://" + proxy + "/oauth2/callback"}})
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin,
		"--http-address="+proxy, "--upstream="+w.base+"/",
		"--provider=oidc", "--oidc-issuer-url="+w.op.Issuer, "--client-id=proxy", "--client-secret=proxy-secret",
		"--redirect-url=http://"+proxy+"/oauth2/callback", "--scope=openid email profile groups", "--code-challenge-method=S256",
		"--email-domain=*", "--cookie-secret="+base64.RawURLEncoding.EncodeToString(secret), "--cookie-secure=false",
		"--skip-provider-button=true", "--pass-user-headers=true", "--pass-basic-auth=false", "--reverse-proxy=false")
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("oauth2-proxy's output:\n%s", out.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + proxy + "/ping")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("oauth2-proxy did not start: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	b := w.browser()
	p := w.get(b, "http://"+proxy+"/api/v1/me")
	if !strings.HasPrefix(p.url.String(), w.op.Issuer+"/login") {
		t.Fatalf("through the proxy, signed out: ended at %s (%d), want the provider's sign-in:\n%.500s", p.url, p.status, p.body)
	}
	p = w.post(b, w.op.Issuer+"/login", url.Values{"id": {p.url.Query().Get("authRequestID")}, "username": {"pat"}, "action": {"sign-in"}})
	if p.status != http.StatusOK || !strings.Contains(p.body, `"email":"pat@example.com"`) || !strings.Contains(p.body, `"role":"editor"`) {
		t.Fatalf("through the proxy, signed in: %s %d %.500s", p.url, p.status, p.body)
	}
	u, err := w.s.Auth.FindUser(t.Context(), "pat@example.com")
	if err != nil || u.Role != hindsight.RoleEditor {
		t.Fatalf("account made through the proxy: %+v, %v", u, err)
	}
	if g, _ := w.groups.last(u.ID); len(g) != 2 {
		t.Errorf("GroupSync heard %v, want eng and staff", g)
	}
	// a page too, through the proxy
	if p := w.get(b, "http://"+proxy+"/account"); p.status != http.StatusOK || !strings.Contains(p.body, "pat@example.com") {
		t.Errorf("account page through the proxy: %d", p.status)
	}
}
