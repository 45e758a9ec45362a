package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/markdown"
)

// templateText is placeholder text of the template that must never be
// written for a field left empty.
var templateText = []string{"Name", "Links to incident tickets", "YYYY-MM-DD", "HH:MM", "service-name", "Item 1", "Factor 1",
	"Event description", "Action description", "P0/P1/P2", "Open/Closed", "(Yes/No)", "Provide a concise", "% of users affected",
	"Monitoring / Customer report", "Slack / PagerDuty"}

// TestFormLeavesEmptyFieldsEmpty: fields left empty in the New incident and
// edit forms are stored empty: no template placeholder text in the
// Markdown, and lint reports no placeholder.
func TestFormLeavesEmptyFieldsEmpty(t *testing.T) {
	e := newEnv(t)
	r := e.do("POST", "/incidents", url.Values{"title": {"Queue backlog"}, "severity": {"SEV-3"}, "start": {"2026-03-20T10:00"}, "services": {"queue"}}, nil)
	if r.code != http.StatusSeeOther {
		t.Fatalf("create: %d %s", r.code, r.body)
	}
	id := "INC-20260320-001"
	r = e.do("POST", "/incidents/"+id+"/edit", url.Values{"revision": {"1"}, "title": {"Queue backlog"}, "commander": {""}, "references": {""},
		"went_well": {""}, "root_factors": {""}, "data_loss": {""}, "tl_rows": {"1"}, "tl_time": {"2026-03-20T10:00"}, "tl_event": {"queue depth alert"}, "tl_cells": {""},
		"ai_rows": {"1"}, "ai_id": {"AI-001"}, "ai_action": {"Add a queue depth alert"}, "ai_owner": {""}, "ai_priority": {""}, "ai_target": {""}, "ai_status": {"Open"},
		"op": {"save"}}, nil)
	if r.code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.code, r.body)
	}
	in, err := e.svc.Get(context.Background(), app.System, id)
	if err != nil {
		t.Fatal(err)
	}
	md := string(in.Markdown)
	for _, ph := range templateText {
		if strings.Contains(md, ph) {
			t.Errorf("stored Markdown holds the placeholder %q:\n%s", ph, md)
		}
	}
	for _, f := range lint.Source("x.md", in.Markdown, nil, lint.Options{}) {
		if f.Rule == "HS001" {
			t.Errorf("lint reports a placeholder the form wrote: %s", f.Message)
		}
	}
	if a := in.Doc.ActionItems; len(a) != 1 || a[0].Owner != "" || !a[0].TargetDate.IsZero() {
		t.Errorf("action items %+v", a)
	}
}

// TestFormKeepsAndDropsAuthorsPlaceholders: placeholder text the author
// left stays verbatim while the form edits other fields, and goes once the
// form posts that field (empty is empty).
func TestFormKeepsAndDropsAuthorsPlaceholders(t *testing.T) {
	e := newEnv(t)
	src := "# Incident Postmortem: Cache stampede\n\n**Status:** Draft\n\n## Detection & Response\n\n- **Incident Commander:** Name\n- **On-Call Responders:** Names\n"
	p, _ := markdown.Parse([]byte(src))
	in, err := e.svc.Create(context.Background(), app.System, p, app.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(in.Markdown), "- **Incident Commander:** Name\n") {
		t.Fatalf("the author's placeholder was not kept:\n%s", in.Markdown)
	}
	r := e.do("POST", "/incidents/"+in.ID+"/edit", url.Values{"revision": {"1"}, "title": {"Cache stampede on login"}, "op": {"save"}}, nil)
	if r.code != http.StatusSeeOther {
		t.Fatalf("save: %d", r.code)
	}
	got, _ := e.svc.Get(context.Background(), app.System, in.ID)
	if !strings.Contains(string(got.Markdown), "- **Incident Commander:** Name\n") {
		t.Errorf("an edit of the title dropped the author's placeholder:\n%s", got.Markdown)
	}
	r = e.do("POST", "/incidents/"+in.ID+"/edit", url.Values{"revision": {"2"}, "title": {"Cache stampede on login"}, "commander": {""}, "op": {"save"}}, nil)
	if r.code != http.StatusSeeOther {
		t.Fatalf("save: %d", r.code)
	}
	got, _ = e.svc.Get(context.Background(), app.System, in.ID)
	md := string(got.Markdown)
	if !strings.Contains(md, "- **Incident Commander:**\n") || !strings.Contains(md, "- **On-Call Responders:** Names\n") {
		t.Errorf("posting the commander empty: want it empty and the responders' placeholder kept:\n%s", md)
	}
	if got.Doc.Detection.Commander != "" || len(got.Doc.Hints) != 1 || got.Doc.Hints[0].Field != "detection.on_call_responders" || got.Doc.Hints[0].Text != "Names" {
		t.Errorf("model: commander %q hints %+v", got.Doc.Detection.Commander, got.Doc.Hints)
	}
}
