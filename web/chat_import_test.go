package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/alerting"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/sqlite"
	"github.com/hindsight-pm/hindsight/web"
)

// chatEnv is a web UI with the Import chat page over a real SQLite store.
func chatEnv(t *testing.T) (*env, *hindsight.Incident) {
	t.Helper()
	clock := func() time.Time { return now }
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hs.db"), sqlite.Options{Render: app.Render, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := app.New(st, app.Options{Now: clock})
	ui, err := web.New(svc, web.Options{Chat: alerting.New(svc, st, alerting.Config{})})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ui.Handler())
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	e := &env{t: t, svc: svc, srv: srv, c: c}
	doc := &hindsight.Postmortem{Title: "Checkout latency", Status: hindsight.StatusDraft}
	doc.Summary.Start, _ = hindsight.ParseTime("2026-11-03 13:55")
	in, err := svc.Create(context.Background(), app.System, doc, app.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return e, in
}

// postMultipart posts fields and an optional file as the page's form does.
func (e *env) postMultipart(path string, fields map[string]string, file string, data []byte, hdr map[string]string) resp {
	e.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if file != "" {
		w, _ := mw.CreateFormFile("file", file)
		_, _ = w.Write(data)
	}
	_ = mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+path, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := e.c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, string(body)}
}

func TestChatImportPage(t *testing.T) {
	e, in := chatEnv(t)
	base := "/incidents/" + url.PathEscape(in.ID)
	history, err := os.ReadFile(filepath.Join("..", "chat", "testdata", "slack-history.json"))
	if err != nil {
		t.Fatal(err)
	}
	if r := e.do("GET", base+"/edit", nil, nil); !strings.Contains(r.body, `href="`+base+`/chat"`) {
		t.Errorf("the editor does not link the Import chat page")
	}
	r := e.do("GET", base+"/chat", nil, nil)
	if r.code != 200 || !strings.Contains(r.body, `value="2026-11-03"`) || !strings.Contains(r.body, `enctype="multipart/form-data"`) {
		t.Fatalf("page %d:\n%s", r.code, r.body)
	}
	checkHTML(t, "chat page", r.body)

	// preview (htmx: the fragment) of the pinned messages, bots left out
	fields := map[string]string{"only": "all", "zone": "UTC", "no_bots": "1"}
	r = e.postMultipart(base+"/chat/preview", fields, "history.json", history, map[string]string{"HX-Request": "true"})
	if r.code != 200 || strings.Contains(r.body, "<html") || !strings.Contains(r.body, "history.json: 4 message(s) read as slack-history; 2 selected; <strong>2 new row(s)</strong>") ||
		!strings.Contains(r.body, "Pool size raised to 200 @U01ANN") || strings.Contains(r.body, "deploy-bot") {
		t.Fatalf("preview %d:\n%s", r.code, r.body)
	}
	// a window in another zone: 06:09 PST is 14:09 UTC
	r = e.postMultipart(base+"/chat/preview", map[string]string{"only": "all", "zone": "PT", "since": "2026-11-03T06:09"}, "history.json", history, map[string]string{"HX-Request": "true"})
	if !strings.Contains(r.body, "1 selected") || !strings.Contains(r.body, "Error rate back to baseline") {
		t.Errorf("window:\n%s", r.body)
	}
	// import without htmx: back to the incident with what it did
	r = e.postMultipart(base+"/chat", fields, "history.json", history, nil)
	if r.code != http.StatusSeeOther || !strings.HasPrefix(r.hdr.Get("Location"), base) {
		t.Fatalf("import %d %v:\n%s", r.code, r.hdr, r.body)
	}
	if show := e.do("GET", base, nil, nil); !strings.Contains(show.body, "Added 2 row(s) to the timeline in revision 2") {
		t.Errorf("no confirmation on the incident page")
	}
	got, _ := e.svc.Get(context.Background(), app.System, in.ID)
	if len(got.Doc.Timeline) != 2 || got.Doc.Timeline[0].Cells[1] != "U02TARO" {
		t.Errorf("timeline %+v", got.Doc.Timeline)
	}
	// again, with htmx: nothing added, and the preview marks the rows
	r = e.postMultipart(base+"/chat/preview", fields, "history.json", history, map[string]string{"HX-Request": "true"})
	if !strings.Contains(r.body, "imported before") || !strings.Contains(r.body, "<strong>0 new row(s)</strong>") {
		t.Errorf("second preview:\n%s", r.body)
	}
	r = e.postMultipart(base+"/chat", fields, "history.json", history, map[string]string{"HX-Request": "true"})
	if r.code != 200 || r.hdr.Get("HX-Redirect") == "" {
		t.Errorf("htmx import %d %v", r.code, r.hdr)
	}
	if show := e.do("GET", base, nil, nil); !strings.Contains(show.body, "Nothing to add: the 2 selected message(s) were imported before.") {
		t.Errorf("no 'nothing to add' on the incident page")
	}
	// pasted text
	r = e.postMultipart(base+"/chat", map[string]string{"text": "[14:20] Ann: all clear", "only": "all"}, "", nil, nil)
	if r.code != http.StatusSeeOther {
		t.Errorf("paste %d:\n%s", r.code, r.body)
	}

	// bad input: the page again, saying what is wrong (422)
	for _, tc := range []struct {
		fields map[string]string
		file   string
		data   string
		want   string
	}{
		{map[string]string{"only": "all"}, "", "", "Choose a file or paste messages."},
		{map[string]string{"only": "all", "text": "hello\n[14:02] Ann: x"}, "", "", "pasted text:1: not the start of a chat message"},
		{map[string]string{"only": "all"}, "bad.json", `{"ok": true, "messages": [{"ts": 5}]}`, "bad.json:1: messages.ts: JSON number"},
		{map[string]string{"only": "all", "zone": "Mars", "text": "[14:02] Ann: x"}, "", "", "Zone: “Mars”"},
		{map[string]string{"only": "reaction", "reaction": "", "text": "[14:02] Ann: x"}, "", "", "Reaction: name the emoji"},
		{map[string]string{"only": "all", "since": "noon", "text": "[14:02] Ann: x"}, "", "", "From: “noon” is not a time"},
	} {
		for _, path := range []string{base + "/chat/preview", base + "/chat"} {
			r := e.postMultipart(path, tc.fields, tc.file, []byte(tc.data), nil)
			if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, tc.want) || !strings.Contains(r.body, "<html") {
				t.Errorf("%s %v: %d, want 422 with %q:\n%s", path, tc.fields, r.code, tc.want, r.body)
			}
		}
	}
	if r := e.do("GET", "/incidents/INC-20990101-001/chat", nil, nil); r.code != 404 {
		t.Errorf("unknown incident: %d", r.code)
	}
}
