package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
	"github.com/hindsight-pm/hindsight/internal/stack"
	"github.com/hindsight-pm/hindsight/postgres"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// qa10Queries and qa10Insights are what TestQA10Upgrade asks before and
// after the upgrade.
var (
	qa10Queries  = []string{"database", "certificate", "tls expired", `"connection pool"`, "cache -dns", "failover or latency", "auth-service", "zzzqqq", "checkout", "renewed certificate", "deploy*", "queue backlog", "partner integrations", "region", "eu-west", `"managed PKI" -expired`, "café", "the"}
	qa10Insights = []string{"", "severity=SEV-1", "severity=SEV-2&service=auth-service", "team=core", "from=2024-02-15&to=2024-07-10", "from=2025-01-20", "to=2024-03-03", "tag=db", "tag=dns&severity=SEV-3", "factor=capacity", "field.Region=eu-west", "from=2023-11-15&to=2026-11-01&team=core", "group_field=Region"}
)

// qa10Req sends method path (body JSON when not nil) to base with the
// token: the status and the body.
func qa10Req(t *testing.T, base, tok, method, path string, body any, hdr ...string) (int, []byte) {
	t.Helper()
	s, b, _ := qa10Do(t, base, tok, method, path, body, hdr...)
	return s, b
}

// qa10Do is qa10Req with the answer's ETag; a string body is Markdown,
// hdr are header names and values.
func qa10Do(t *testing.T, base, tok, method, path string, body any, hdr ...string) (int, []byte, string) {
	t.Helper()
	rd := bytes.NewReader(nil)
	ctype := "application/json"
	switch x := body.(type) {
	case nil:
	case string:
		rd, ctype = bytes.NewReader([]byte(x)), "text/markdown"
	default:
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if body != nil {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	return resp.StatusCode, buf.Bytes(), resp.Header.Get("ETag")
}

// qa10Snapshot is every answer of qa10Insights and of qa10Queries' pages
// (20 hits a page, walked to the end) for each reader's token.
func qa10Snapshot(t *testing.T, base string, toks map[string]string) map[string]any {
	t.Helper()
	out := map[string]any{}
	for who, tok := range toks {
		for _, q := range qa10Insights {
			s, b := qa10Req(t, base, tok, "GET", "/api/v1/insights?"+q, nil)
			if s != 200 {
				t.Fatalf("%s insights?%s: %d %.300s", who, q, s, b)
			}
			out[who+" insights?"+q] = jsonValue(b)
		}
		for _, q := range qa10Queries {
			var pages []any
			for cur, n := "", 0; n < 40; n++ {
				p := "/api/v1/search?limit=20&q=" + url.QueryEscape(q)
				if cur != "" {
					p += "&cursor=" + url.QueryEscape(cur)
				}
				s, b := qa10Req(t, base, tok, "GET", p, nil)
				if s != 200 {
					t.Fatalf("%s search %q: %d %.300s", who, q, s, b)
				}
				var pg struct {
					Next string `json:"next"`
				}
				_ = json.Unmarshal(b, &pg)
				pages = append(pages, withoutSnippets(jsonValue(b)))
				if cur = pg.Next; cur == "" {
					break
				}
			}
			out[who+" search "+q] = pages
		}
	}
	return out
}

// withoutSnippets is a search page without its hits' snippets and their
// highlights: they are made in Go from the stored text on every search,
// not from migrated data, and changed on purpose since 994e2f8 (a hit's
// snippet leaves out the ID, severity, status and owner at the start of
// the text, snippet.MakeAfter); the hits, their order and ranks are
// compared.
func withoutSnippets(v any) any {
	if m, ok := v.(map[string]any); ok {
		if hits, ok := m["hits"].([]any); ok {
			for _, h := range hits {
				if hm, ok := h.(map[string]any); ok {
					delete(hm, "snippet")
					delete(hm, "highlights")
				}
			}
		}
	}
	return v
}

// qa10Port is a free port on 127.0.0.1.
func qa10Port(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestQA10Upgrade: a database made and filled by the binary
// HINDSIGHT_QA10_OLD (994e2f8, before this session: 400 generated
// incidents, tags, a custom field and factor categories on some, a team,
// restricted and deleted incidents) answers /api/v1/insights (13 filters)
// and /api/v1/search (18 queries, every page) for an admin, a member of
// the restricted incidents and another reader exactly as before once this
// code serves it (migrations 00310 and 00311 apply; snippets aside,
// withoutSnippets), on both stores.
// Skipped unless HINDSIGHT_QA10_OLD names that binary.
func TestQA10Upgrade(t *testing.T) {
	old := os.Getenv("HINDSIGHT_QA10_OLD")
	if old == "" {
		t.Skip("HINDSIGHT_QA10_OLD names the binary of 994e2f8 (e.g. /tmp/hs/hindsight-994e2f8)")
	}
	browserPath(t)
	for _, store := range qa7Stores(t) {
		t.Run(store, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "up.db")
			if store == "postgres" {
				db = qa10Database(t)
			}
			run := func(stdin string, args ...string) string {
				t.Helper()
				cmd := exec.Command(old, append(args, "--db", db)...)
				cmd.Stdin = strings.NewReader(stdin)
				b, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("%s %v: %v\n%s", old, args, err, b)
				}
				return string(b)
			}
			gen := filepath.Join(dir, "gen")
			run("", "generate", "--count", "400", "--seed", "3", "--out", gen)
			qa10Shape(t, gen)
			run("", "import", gen)
			toks := map[string]string{}
			for _, u := range [][2]string{{"ada@x.test", "admin"}, {"mem@x.test", "editor"}, {"oth@x.test", "viewer"}} {
				run(password+"\n", "user", "add", u[0], "--role", u[1], "--password-stdin")
				f := strings.Fields(run("", "token", "create", "--user", u[0], "--name", "qa10", "--scope", "read-write"))
				toks[u[0][:3]] = f[len(f)-1]
			}
			addr := qa10Port(t)
			srv := exec.Command(old, "serve", "--db", db, "--addr", addr)
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			base := "http://" + addr
			for i := 0; ; i++ {
				if r, err := http.Get(base + "/healthz"); err == nil {
					r.Body.Close()
					break
				}
				if i > 200 {
					t.Fatal("the old server did not start")
				}
				time.Sleep(50 * time.Millisecond)
			}
			ada := toks["ada"]
			if s, b := qa10Req(t, base, ada, "POST", "/api/v1/teams", map[string]any{"slug": "core", "name": "Core", "services": []string{"auth-service", "checkout"}}); s != 201 {
				t.Fatalf("team: %d %s", s, b)
			}
			_, b := qa10Req(t, base, ada, "GET", "/api/v1/incidents?limit=1000", nil)
			var list struct {
				Incidents []struct {
					ID string `json:"id"`
				} `json:"incidents"`
			}
			if err := json.Unmarshal(b, &list); err != nil || len(list.Incidents) != 400 {
				t.Fatalf("the old server lists %d incidents (%v)", len(list.Incidents), err)
			}
			for i := 3; i < 400; i += 37 {
				if s, b := qa10Req(t, base, ada, "PUT", "/api/v1/incidents/"+list.Incidents[i].ID+"/restriction", map[string]any{"restricted": true, "members": []string{"mem@x.test"}}); s != 200 {
					t.Fatalf("restrict: %d %s", s, b)
				}
			}
			for i := 5; i < 400; i += 61 {
				if s, b := qa10Req(t, base, ada, "DELETE", "/api/v1/incidents/"+list.Incidents[i].ID, nil); s != 200 && s != 204 {
					t.Fatalf("delete: %d %s", s, b)
				}
			}
			before := qa10Snapshot(t, base, toks)
			_ = srv.Process.Signal(os.Interrupt)
			_ = srv.Wait()

			// this code serves the same database
			var st hindsight.Store
			var err error
			if store == "sqlite" {
				st, err = sqlite.Open(context.Background(), db, sqlite.Options{Render: app.Render})
			} else {
				st, err = postgres.Open(context.Background(), db, postgres.Options{Render: app.Render})
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			now := serveStore(t, st, stack.Config{Getenv: func(string) string { return "" }}, false)
			after := qa10Snapshot(t, now.URL, toks)
			differ := 0
			for k, v := range before {
				if d := qa9Diff("", v, after[k]); d != "" {
					differ++
					t.Errorf("%s: %s after the upgrade differs at %s", store, k, d)
				}
			}
			t.Logf("%s: %d answers compared before and after the upgrade, %d differ", store, len(before), differ)

			// edits through the API: the figures are those of a database
			// made from the final documents
			base = now.URL
			edit := func(id string, f func(string) string) {
				t.Helper()
				s, md, etag := qa10Do(t, base, ada, "GET", "/api/v1/incidents/"+id, nil, "Accept", "text/markdown")
				if s != 200 {
					t.Fatalf("get %s: %d", id, s)
				}
				if s, b := qa10Req(t, base, ada, "PUT", "/api/v1/incidents/"+id, f(string(md)), "If-Match", etag); s != 200 {
					t.Fatalf("edit %s: %d %.300s", id, s, b)
				}
			}
			live := list.Incidents
			for n, i := range []int{10, 11, 12} {
				_, md, _ := qa10Do(t, base, ada, "GET", "/api/v1/incidents/"+live[i].ID, nil, "Accept", "text/markdown")
				doc := regexp.MustCompile(`(?m)^# Incident Postmortem: .*$`).ReplaceAllString(string(md), fmt.Sprintf("# Incident Postmortem: QA10 created %d", n))
				doc = regexp.MustCompile(`(\*\*Incident ID:\*\*) \S+`).ReplaceAllString(doc, "$1")
				doc = regexp.MustCompile(`(\*\*Start Time \(UTC\):\*\*) \S+ \S+`).ReplaceAllString(doc, fmt.Sprintf("$1 2026-0%d-1%d 08:00", n+3, n))
				doc = regexp.MustCompile(`(\*\*End Time \(UTC\):\*\*) \S+ \S+`).ReplaceAllString(doc, fmt.Sprintf("$1 2026-0%d-1%d 11:2%d", n+3, n, n))
				doc = regexp.MustCompile(`(\*\*Duration:\*\*) \S+`).ReplaceAllString(doc, fmt.Sprintf("$1 03:2%d", n))
				if s, b := qa10Req(t, base, ada, "POST", "/api/v1/incidents", doc); s != 201 {
					t.Fatalf("create: %d %.300s", s, b)
				}
			}
			sevRe := regexp.MustCompile(`(\*\*Severity:\*\*) SEV-(\d)`)
			for i := 20; i < len(live); i += 41 {
				edit(live[i].ID, func(md string) string {
					return sevRe.ReplaceAllStringFunc(md, func(m string) string {
						d := m[len(m)-1] - '0'
						return m[:len(m)-1] + string(rune('1'+d%4))
					})
				})
			}
			endRe := regexp.MustCompile(`(\*\*End Time \(UTC\):\*\*) (\S+) \S+`)
			startRe := regexp.MustCompile(`\*\*Start Time \(UTC\):\*\* (\S+)`)
			for i := 30; i < len(live); i += 53 {
				edit(live[i].ID, func(md string) string {
					day := startRe.FindStringSubmatch(md)[1]
					md = endRe.ReplaceAllString(md, "$1 "+day+" 23:59")
					return regexp.MustCompile(`(\*\*Duration:\*\*) \S+`).ReplaceAllString(md, "$1")
				})
			}
			for i := 7; i < len(live); i += 29 {
				qa10Req(t, base, ada, "POST", "/api/v1/incidents/"+live[i].ID+"/status", map[string]string{"status": "Published", "reason": "qa10"})
			}
			for i := 8; i < len(live); i += 31 {
				qa10Req(t, base, ada, "POST", "/api/v1/incidents/"+live[i].ID+"/status", map[string]string{"status": "Draft"})
			}
			for i := 11; i < len(live); i += 43 {
				qa10Req(t, base, ada, "PUT", "/api/v1/incidents/"+live[i].ID+"/restriction", map[string]any{"restricted": true, "members": []string{"mem@x.test"}})
			}
			for i := 3; i < len(live); i += 74 {
				qa10Req(t, base, ada, "PUT", "/api/v1/incidents/"+live[i].ID+"/restriction", map[string]any{"restricted": false})
			}
			for i := 13; i < len(live); i += 67 {
				qa10Req(t, base, ada, "DELETE", "/api/v1/incidents/"+live[i].ID, nil)
			}
			edited := qa10Snapshot(t, base, toks)
			if qa9Diff("", after["ada insights?"], edited["ada insights?"]) == "" {
				t.Errorf("%s: the edits changed no figure", store)
			}

			// the second database: the final documents created afresh,
			// the same restrictions and statuses
			fresh := serveStore(t, qa10Open(t, store)(), stack.Config{Getenv: func(string) string { return "" }}, false)
			ctx := context.Background()
			ftoks := map[string]string{}
			for _, u := range [][2]string{{"ada@x.test", "admin"}, {"mem@x.test", "editor"}, {"oth@x.test", "viewer"}} {
				nu, err := fresh.Stack.Auth.AddUser(ctx, app.System, auth.NewUser{Email: u[0], Name: u[0][:3], Role: hindsight.Role(u[1]), Password: password})
				if err != nil {
					t.Fatal(err)
				}
				tok, _, err := fresh.Stack.Auth.CreateToken(ctx, app.System, nu.ID, "qa10", hindsight.ScopeReadWrite, 0)
				if err != nil {
					t.Fatal(err)
				}
				ftoks[u[0][:3]] = tok
			}
			if s, b := qa10Req(t, fresh.URL, ftoks["ada"], "POST", "/api/v1/teams", map[string]any{"slug": "core", "name": "Core", "services": []string{"auth-service", "checkout"}}); s != 201 {
				t.Fatalf("team: %d %s", s, b)
			}
			_, b = qa10Req(t, base, ada, "GET", "/api/v1/incidents?limit=1000", nil)
			var final struct {
				Incidents []struct {
					ID         string           `json:"id"`
					Status     hindsight.Status `json:"status"`
					Restricted bool             `json:"restricted"`
				} `json:"incidents"`
			}
			if err := json.Unmarshal(b, &final); err != nil {
				t.Fatal(err)
			}
			for _, x := range final.Incidents {
				in, err := now.Svc.Get(ctx, app.System, x.ID)
				if err != nil {
					t.Fatal(err)
				}
				c, err := fresh.Svc.Create(ctx, app.System, in.Doc, app.CreateOptions{KeepID: true, Force: true})
				if err != nil {
					t.Fatalf("create %s afresh: %v", x.ID, err)
				}
				if x.Restricted {
					if _, err := fresh.Svc.Restrict(ctx, app.System, x.ID, true, []string{"mem@x.test"}, nil); err != nil {
						t.Fatal(err)
					}
				}
				if x.Status == hindsight.StatusPublished && c.Doc.Status != hindsight.StatusPublished {
					if _, err := fresh.Svc.Publish(ctx, app.System, x.ID, c.Revision, "qa10"); err != nil {
						t.Fatalf("publish %s afresh: %v", x.ID, err)
					}
				}
			}
			again := qa10Snapshot(t, fresh.URL, ftoks)
			differ = 0
			for k, v := range edited {
				if !strings.Contains(k, " insights?") {
					continue
				}
				if d := qa9Diff("", v, again[k]); d != "" {
					differ++
					t.Errorf("%s: %s after the edits differs from a database of the final documents at %s", store, k, d)
				}
			}
			t.Logf("%s: insights after the edits against a database of the final documents: %d differ", store, differ)
		})
	}
}

// qa10Shape gives some generated documents tags, a Region field and
// factor categories.
func qa10Shape(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	sev := regexp.MustCompile(`(- \*\*Severity:\*\* [^\n]*\n)`)
	tags, cats := []string{"db", "network", "dns", "cache"}, []string{"change/config", "capacity", "dependency"}
	for i, e := range ents {
		p := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		add := ""
		if i%5 == 0 {
			add += fmt.Sprintf("- **Tags:** %s, %s\n", tags[i%4], tags[(i/5)%4])
		}
		if i%7 == 0 {
			add += "- **Region:** " + []string{"eu-west", "us-east"}[i%2] + "\n"
		}
		if add != "" {
			if loc := sev.FindStringIndex(s); loc != nil {
				s = s[:loc[1]] + add + s[loc[1]:]
			}
		}
		if i%3 == 0 {
			s = strings.Replace(s, "- **Contributing Factors:**\n  - ", "- **Contributing Factors:**\n  - ["+cats[(i/3)%3]+"] ", 1)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// qa10Database creates a PostgreSQL database of its own, dropped when the
// test ends: its URL.
func qa10Database(t *testing.T) string {
	t.Helper()
	pg := os.Getenv("HINDSIGHT_TEST_POSTGRES_URL")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "hs_qa10_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), pg)
		if err != nil {
			t.Errorf("drop database: %v", err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database: %v", err)
		}
	})
	u, err := url.Parse(pg)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
