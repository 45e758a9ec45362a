package tracker

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	hindsight "github.com/hindsight-pm/hindsight"
)

// jiraClient is a small client of the Jira Cloud platform REST API v3 over
// net/http. No well-kept Go client covers v3 (the maintained ones speak v2,
// whose descriptions are plain text, not the Atlassian Document Format v3
// requires), and Hindsight needs six calls:
//
//   - POST /rest/api/3/issue: create (ADF description, labels, duedate,
//     priority, assignee);
//   - GET  /rest/api/3/issue/{key}/transitions: the transitions available,
//     to pick one into the "done" or "new" (To Do) status category;
//   - POST /rest/api/3/issue/{key}/transitions: close or reopen;
//   - PUT  /rest/api/3/issue/{key}: set or clear duedate;
//   - GET  /rest/api/3/issue/{key}?fields=status: only when no transition
//     leads to the wanted status category, to tell "already there" from
//     "not allowed";
//   - POST /rest/api/3/search/jql: find an issue by its marker label
//     (the search endpoint that replaced GET/POST /rest/api/3/search).
//
// The marker is an issue label: JQL `labels = "..."` matches it exactly,
// whereas `text ~` is a tokenized full-text match, and issue properties are
// searchable only when an app declares them indexed. Authentication is basic
// auth with the account's email and an API token.
type jiraClient struct {
	hc                 *http.Client
	base               string // without trailing slash
	project, issueType string
	labels             []string
	email, token       string
	priorities         map[hindsight.Priority]string
}

// maxJiraBody bounds what is read of a Jira answer.
const maxJiraBody = 4 << 20

func newJira(cfg Config, hc *http.Client) (Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Host == "" {
		return nil, hindsight.Errorf(hindsight.EInvalid, "trackers.jira.base_url: %q is not a URL", cfg.BaseURL)
	}
	it := cfg.IssueType
	if it == "" {
		it = "Task"
	}
	prio := maps.Clone(jiraPriorities)
	for p, name := range cfg.Priorities {
		if !p.Valid() || strings.TrimSpace(name) == "" {
			return nil, hindsight.Errorf(hindsight.EInvalid, "trackers.jira.priorities: %q: expected P0, P1 or P2 mapped to a Jira priority name", string(p))
		}
		prio[p] = strings.TrimSpace(name)
	}
	return &jiraClient{
		hc: hc, base: strings.TrimRight(cfg.BaseURL, "/"), project: cfg.Project, issueType: it,
		labels: cfg.Labels, email: cfg.Email, token: cfg.Token, priorities: prio,
	}, nil
}

// jiraPriorities maps Hindsight priorities (the model knows P0, P1 and P2)
// to the names of Jira's default priority scheme; trackers.jira.priorities
// overrides them per priority.
var jiraPriorities = map[hindsight.Priority]string{hindsight.P0: "Highest", hindsight.P1: "High", hindsight.P2: "Medium"}

// jiraDefaultNames are the priorities of Jira's default scheme, most urgent
// first. An item whose Priority is written as one of them (text the model
// keeps verbatim, e.g. "Low") is sent as that priority.
var jiraDefaultNames = []string{"Highest", "High", "Medium", "Low", "Lowest"}

// priority returns the Jira priority name for an item's priority, or "".
func (c *jiraClient) priority(p hindsight.Priority) string {
	if name := c.priorities[p]; name != "" {
		return name
	}
	if q, ok := hindsight.ParsePriority(string(p)); ok {
		return c.priorities[q]
	}
	for _, name := range jiraDefaultNames {
		if strings.EqualFold(strings.TrimSpace(string(p)), name) {
			return name
		}
	}
	return ""
}

// labelPriority reads a priority label ("P1", "priority:P1", "priority/P1"):
// the priority, or "" when the label is no priority.
func labelPriority(label string) hindsight.Priority {
	l := label
	for _, p := range []string{"priority:", "priority/", "priority-"} {
		if len(l) > len(p) && strings.EqualFold(l[:len(p)], p) {
			l = l[len(p):]
			break
		}
	}
	p, ok := hindsight.ParsePriority(l)
	if !ok || !strings.EqualFold(strings.TrimSpace(l), string(p)) {
		return ""
	}
	return p
}

// jiraLabel makes s a valid Jira label (labels cannot hold spaces).
func jiraLabel(s string) string { return strings.Join(strings.Fields(s), "-") }

// Create creates the issue. The item's priority sets the priority field
// (c.priority); so does a priority label ("P1", "priority/P1"), which is
// then not sent as a label, when the item has none. The marker is a label.
func (c *jiraClient) Create(ctx context.Context, is Issue) (Ref, error) {
	fields := map[string]any{
		"project":     map[string]string{"key": c.project},
		"issuetype":   map[string]string{"name": c.issueType},
		"summary":     jiraSummary(is.Title),
		"description": adf(is.Body),
	}
	var labels []string
	prio := c.priority(is.Priority)
	for _, l := range mergeLabels(c.labels, is.Labels) {
		if p := labelPriority(l); p != "" {
			if prio == "" {
				prio = c.priority(p)
			}
			continue
		}
		labels = append(labels, jiraLabel(l))
	}
	if prio != "" {
		fields["priority"] = map[string]string{"name": prio}
	}
	if is.Marker != "" {
		labels = append(labels, is.Marker)
	}
	if len(labels) > 0 {
		fields["labels"] = labels
	}
	if !is.Due.IsZero() {
		fields["duedate"] = is.Due.Format(time.DateOnly)
	}
	if is.Assignee != "" {
		fields["assignee"] = map[string]string{"accountId": is.Assignee}
	}
	var out struct {
		ID  string `json:"id"`
		Key string `json:"key"`
	}
	if err := c.do(ctx, http.MethodPost, "/rest/api/3/issue", map[string]any{"fields": fields}, &out); err != nil {
		return Ref{}, err
	}
	if out.Key == "" {
		return Ref{}, hindsight.Errorf(hindsight.EInternal, "jira: the created issue has no key")
	}
	return closeCreated(ctx, c, Ref{Kind: Jira, Key: out.Key, URL: c.base + "/browse/" + out.Key}, is.Closed)
}

var jiraKeyRe = regexp.MustCompile(`^[A-Z][A-Z0-9_]*-[1-9][0-9]*$`)

// Update moves the issue into a status of category "done" (close) or "new"
// (reopen) through one of its transitions, and sets or clears duedate.
func (c *jiraClient) Update(ctx context.Context, ref Ref, ch Change) error {
	if !jiraKeyRe.MatchString(ref.Key) {
		return badRef(Jira, ref, "a Jira issue key such as OPS-12")
	}
	path := "/rest/api/3/issue/" + url.PathEscape(ref.Key)
	if ch.Due != nil {
		var due any // JSON null clears the field
		if !ch.Due.IsZero() {
			due = ch.Due.Format(time.DateOnly)
		}
		if err := c.do(ctx, http.MethodPut, path, map[string]any{"fields": map[string]any{"duedate": due}}, nil); err != nil {
			return err
		}
	}
	if ch.Closed == nil {
		return nil
	}
	want := "new"
	if *ch.Closed {
		want = "done"
	}
	var tr struct {
		Transitions []struct {
			ID string `json:"id"`
			To struct {
				StatusCategory struct {
					Key string `json:"key"`
				} `json:"statusCategory"`
			} `json:"to"`
		} `json:"transitions"`
	}
	if err := c.do(ctx, http.MethodGet, path+"/transitions", nil, &tr); err != nil {
		return err
	}
	for _, t := range tr.Transitions {
		if t.To.StatusCategory.Key == want {
			return c.do(ctx, http.MethodPost, path+"/transitions", map[string]any{"transition": map[string]string{"id": t.ID}}, nil)
		}
	}
	// No transition leads there: fine when the issue is already in such a
	// status (closing a closed issue is a no-op, as on GitHub and GitLab).
	var cur struct {
		Fields struct {
			Status struct {
				StatusCategory struct {
					Key string `json:"key"`
				} `json:"statusCategory"`
			} `json:"status"`
		} `json:"fields"`
	}
	if err := c.do(ctx, http.MethodGet, path+"?fields=status", nil, &cur); err != nil {
		return err
	}
	got := cur.Fields.Status.StatusCategory.Key
	if got == want || (want == "new" && got == "indeterminate") {
		return nil
	}
	return hindsight.Errorf(hindsight.EConflict, "jira: %s has no transition into a %q status category (the workflow does not allow it from %q)", ref.Key, want, got)
}

// FindByMarker searches the project for the issue labelled with the marker.
func (c *jiraClient) FindByMarker(ctx context.Context, marker string) (Ref, bool, error) {
	if !validMarker(marker) {
		return Ref{}, false, hindsight.Errorf(hindsight.EInvalid, "jira: %q is not a Hindsight marker", marker)
	}
	req := map[string]any{
		"jql":        fmt.Sprintf(`project = %s AND labels = %s`, jqlString(c.project), jqlString(marker)),
		"fields":     []string{"labels"},
		"maxResults": 5,
	}
	var out struct {
		Issues []struct {
			Key    string `json:"key"`
			Fields struct {
				Labels []string `json:"labels"`
			} `json:"fields"`
		} `json:"issues"`
	}
	if err := c.do(ctx, http.MethodPost, "/rest/api/3/search/jql", req, &out); err != nil {
		return Ref{}, false, err
	}
	for _, is := range out.Issues {
		for _, l := range is.Fields.Labels {
			if l == marker {
				return Ref{Kind: Jira, Key: is.Key, URL: c.base + "/browse/" + is.Key}, true, nil
			}
		}
	}
	return Ref{}, false, nil
}

// jqlString quotes s as a JQL string.
func jqlString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// jiraSummary fits a title into Jira's summary: one line, at most 255 characters.
func jiraSummary(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 255 {
		s = string(r[:254]) + "…"
	}
	return s
}

// do sends one request with basic auth and decodes a JSON answer into out.
func (c *jiraClient) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return hindsight.Errorf(hindsight.EInternal, "jira: %v", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return hindsight.Errorf(hindsight.EInvalid, "jira: %v", err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.SetBasicAuth(c.email, c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return transportError(Jira, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxJiraBody))
	if err != nil {
		return transportError(Jira, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return statusError(Jira, resp, jiraMessage(data))
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return hindsight.Errorf(hindsight.EInternal, "jira: %s %s: unreadable answer: %v", method, path, err)
	}
	return nil
}

// jiraMessage reads Jira's error collection ({"errorMessages":[...],
// "errors":{field: message}}) into one line.
func jiraMessage(data []byte) string {
	var e struct {
		ErrorMessages []string          `json:"errorMessages"`
		Errors        map[string]string `json:"errors"`
	}
	if json.Unmarshal(data, &e) != nil {
		if len(data) > 200 {
			data = data[:200]
		}
		return strings.TrimSpace(string(data))
	}
	parts := append([]string(nil), e.ErrorMessages...)
	for k, v := range e.Errors {
		parts = append(parts, k+": "+v)
	}
	return strings.Join(parts, "; ")
}

// urlRe finds links in a body so that they stay links in ADF.
var urlRe = regexp.MustCompile(`https?://[^\s<>()\[\]"']+`)

// adf turns plain text or light Markdown into an Atlassian Document Format
// document: a paragraph per blank-line separated block, hard breaks between
// its lines, URLs as links. HTML comments (the marker on other trackers) are
// dropped.
func adf(text string) map[string]any {
	text = htmlCommentRe.ReplaceAllString(text, "")
	var content []any
	for _, block := range regexp.MustCompile(`\n[ \t]*\n`).Split(strings.ReplaceAll(text, "\r\n", "\n"), -1) {
		block = strings.Trim(block, "\n")
		if strings.TrimSpace(block) == "" {
			continue
		}
		var inline []any
		for i, line := range strings.Split(block, "\n") {
			if i > 0 {
				inline = append(inline, map[string]any{"type": "hardBreak"})
			}
			inline = append(inline, adfText(line)...)
		}
		if len(inline) > 0 {
			content = append(content, map[string]any{"type": "paragraph", "content": inline})
		}
	}
	if content == nil {
		content = []any{}
	}
	return map[string]any{"type": "doc", "version": 1, "content": content}
}

var htmlCommentRe = regexp.MustCompile(`(?s)<!--.*?-->`)

// adfText is one line as ADF text nodes, links marked (ADF text nodes must
// not be empty).
func adfText(line string) []any {
	var out []any
	add := func(s, href string) {
		if s == "" {
			return
		}
		n := map[string]any{"type": "text", "text": s}
		if href != "" {
			n["marks"] = []any{map[string]any{"type": "link", "attrs": map[string]string{"href": href}}}
		}
		out = append(out, n)
	}
	last := 0
	for _, loc := range urlRe.FindAllStringIndex(line, -1) {
		add(line[last:loc[0]], "")
		u := strings.TrimRight(line[loc[0]:loc[1]], ".,;:!?")
		add(u, u)
		last = loc[0] + len(u)
	}
	add(line[last:], "")
	return out
}
