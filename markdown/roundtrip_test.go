package markdown

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"pgregory.net/rapid"
)

// Generators of canonical models: every value is in the form Parse produces.

var wordChars = []rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789éüßçñ日本語中文한국어🔥✅—–'\"%$&/@!?.,;=+~")

func genWord(t *rapid.T, label string) string {
	first := rapid.SampledFrom([]rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéü日🔥")).Draw(t, label+"f")
	rest := rapid.SliceOfN(rapid.SampledFrom(wordChars), 0, 8).Draw(t, label+"r")
	return string(first) + string(rest)
}

// genLine draws a line of words; pipes allowed when pipes is true.
func genLine(t *rapid.T, label string, pipes bool) string {
	n := rapid.IntRange(1, 8).Draw(t, label+"n")
	words := make([]string, n)
	for i := range words {
		words[i] = genWord(t, label)
		if i > 0 && pipes && rapid.IntRange(0, 9).Draw(t, label+"p") == 0 {
			words[i] = "|" + words[i]
		}
		if i > 0 && rapid.IntRange(0, 14).Draw(t, label+"c") == 0 {
			words[i] = "`" + words[i] + "`"
		}
	}
	s := strings.Join(words, " ")
	if isPlaceholderLike(s) {
		return "x" + s
	}
	return s
}

func isPlaceholderLike(s string) bool {
	return hindsight.IsUnknownText(s)
}

// genText draws Markdown of one or several lines: prose, sub-lists, blank
// lines between paragraphs.
func genText(t *rapid.T, label string) string {
	n := rapid.IntRange(1, 4).Draw(t, label+"lines")
	var lines []string
	for i := 0; i < n; i++ {
		switch k := rapid.IntRange(0, 5).Draw(t, label+"k"); {
		case k == 0 && i > 0 && lines[len(lines)-1] != "":
			lines = append(lines, "")
		case k == 1:
			lines = append(lines, "- "+genLine(t, label, false))
		default:
			lines = append(lines, genLine(t, label, false))
		}
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n")
}

// genParagraph draws prose only (Extra text must not start a list).
func genParagraph(t *rapid.T, label string) string {
	s := genLine(t, label, false)
	if rapid.Bool().Draw(t, label+"2") {
		s += "\n" + genLine(t, label, false)
	}
	return "Note " + s
}

func optional[T any](t *rapid.T, label string, g func() T) T {
	var zero T
	if rapid.IntRange(0, 3).Draw(t, label+"?") == 0 {
		return zero
	}
	return g()
}

func genTime(t *rapid.T, label string) hindsight.Time {
	switch rapid.IntRange(0, 9).Draw(t, label) {
	case 0:
		return hindsight.Time{}
	case 1:
		return hindsight.Time{Text: rapid.SampledFrom([]string{"Unknown", "TBD", "not recorded", "shortly after lunch"}).Draw(t, label+"t")}
	}
	m := rapid.Int64Range(946684800/60, 1924992000/60).Draw(t, label+"m")
	return hindsight.TimeOf(time.Unix(m*60, 0))
}

func genDuration(t *rapid.T, label string) hindsight.Duration {
	switch rapid.IntRange(0, 9).Draw(t, label) {
	case 0:
		return hindsight.Duration{}
	case 1:
		return hindsight.Duration{Text: "Unknown"}
	}
	return hindsight.Minutes(rapid.IntRange(0, 20000).Draw(t, label+"m"))
}

func genDate(t *rapid.T, label string) hindsight.Date {
	switch rapid.IntRange(0, 9).Draw(t, label) {
	case 0:
		return hindsight.Date{}
	case 1:
		return hindsight.Date{Text: "TBD"}
	}
	return hindsight.DateOf(genTime(t, label+"d").T.Add(time.Hour))
}

func genAnswer(t *rapid.T, label string) hindsight.Answer {
	switch rapid.IntRange(0, 5).Draw(t, label) {
	case 0:
		return hindsight.Answer{}
	case 1:
		return hindsight.Answer{Value: "Unknown"}
	case 2:
		return hindsight.Answer{Value: hindsight.Yes, Note: genLine(t, label+"n", false)}
	case 3:
		return hindsight.Answer{Value: hindsight.Yes}
	}
	return hindsight.Answer{Value: hindsight.No}
}

func genList(t *rapid.T, label string) []string {
	return rapid.SliceOfN(rapid.Custom(func(t *rapid.T) string { return genText(t, label) }), 0, 4).Draw(t, label)
}

func genField(t *rapid.T, label string, labelled bool) hindsight.Field {
	if labelled {
		return hindsight.Field{Label: "Extra " + genWord(t, label), Value: genLine(t, label, false)}
	}
	return hindsight.Field{Value: genParagraph(t, label)}
}

func genModel(t *rapid.T) *hindsight.Postmortem {
	text := func(l string) string { return optional(t, l, func() string { return genText(t, l) }) }
	line := func(l string) string { return optional(t, l, func() string { return genLine(t, l, false) }) }
	p := &hindsight.Postmortem{
		Title:       line("title"),
		Version:     line("version"),
		Status:      rapid.SampledFrom([]hindsight.Status{"", hindsight.StatusDraft, hindsight.StatusInReview, hindsight.StatusPublished}).Draw(t, "status"),
		Owner:       line("owner"),
		LastUpdated: genDate(t, "updated"),
	}
	s := &p.Summary
	if rapid.Bool().Draw(t, "hasid") {
		s.IncidentID = hindsight.FormatIncidentID(time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC), rapid.IntRange(1, 999).Draw(t, "seq"))
	}
	s.Start, s.End = genTime(t, "start"), genTime(t, "end")
	s.Duration = genDuration(t, "duration")
	s.Severity = rapid.SampledFrom([]hindsight.Severity{"", hindsight.Sev1, hindsight.Sev2, hindsight.Sev3, hindsight.Sev4, "SEV-9", "Unknown"}).Draw(t, "sev")
	for i := range rapid.IntRange(0, 4).Draw(t, "nsvc") {
		_ = i
		sv := hindsight.Service{Name: strings.ToLower(genWordNoPunct(t, "svc"))}
		if rapid.Bool().Draw(t, "svcimpact") {
			sv.Impact = genLine(t, "impact", false)
		}
		s.Services = append(s.Services, sv)
	}
	ci := &s.CustomerImpact
	ci.UsersAffected = optional(t, "users", func() string { return genLineNoColon(t, "users") })
	ci.Regions = optional(t, "regions", func() string { return genLineNoColon(t, "regions") })
	ci.Symptoms = optional(t, "symptoms", func() string { return genLineNoColon(t, "symptoms") })
	if ci.UsersAffected != "" && ci.Regions != "" && ci.Symptoms != "" {
		ci.Notes = rapid.SliceOfN(rapid.Custom(func(t *rapid.T) string { return genLineNoColon(t, "note") }), 0, 2).Draw(t, "notes")
		if len(ci.Notes) == 0 {
			ci.Notes = nil
		}
	}
	p.ExecutiveSummary = text("exec")
	d := &p.Detection
	d.DetectedBy = line("detectedby")
	d.DetectionTime = genTime(t, "dettime")
	d.TTA, d.TTM = genDuration(t, "tta"), genDuration(t, "ttm")
	d.Commander, d.Responders, d.Channels = line("ic"), line("resp"), line("chan")
	p.Impact.Customer, p.Impact.Internal = text("cust"), text("internal")
	p.Impact.Data.Loss, p.Impact.Data.Exposure, p.Impact.Data.Compliance = genAnswer(t, "loss"), genAnswer(t, "exp"), genAnswer(t, "comp")
	if rapid.IntRange(0, 4).Draw(t, "datanotes") == 0 {
		p.Impact.Data.Notes = []string{genLineNoColon(t, "dnote")}
	}
	var cols []string
	for i := range rapid.IntRange(0, 2).Draw(t, "tcols") {
		cols = append(cols, []string{"Source", "Link"}[i])
	}
	for range rapid.IntRange(0, 6).Draw(t, "nevents") {
		e := hindsight.Event{Time: genTime(t, "etime"), Event: genLine(t, "event", true)}
		if rapid.IntRange(0, 5).Draw(t, "multi") == 0 {
			e.Event += "\n" + genLine(t, "event2", true)
		}
		if e.Time.Text != "" && strings.ContainsAny(e.Time.Text, "0123456789") {
			e.Time = hindsight.Time{}
		}
		for i := range cols {
			e.Cells = append(e.Cells, optional(t, "cell", func() string { return genLine(t, "cell", true) }))
			_ = i
		}
		e.Cells = trimCells(e.Cells)
		p.Timeline = append(p.Timeline, e)
	}
	p.RootCause.Primary = text("primary")
	p.RootCause.Factors = genList(t, "factors")
	p.Resolution.Immediate, p.Resolution.LongTerm = text("imm"), text("long")
	p.Resolution.Rollback = genAnswer(t, "rollback")
	p.Communication.StatusPage, p.Communication.Direct, p.Communication.FollowUp = text("sp"), text("direct"), text("fu")
	p.WentWell, p.WentPoorly, p.References = genList(t, "well"), genList(t, "poorly"), genList(t, "refs")
	// extra columns: none, a ticket column (any of its headings) and a
	// Notes column, in either order
	var acols []string
	ticketAt := -1
	switch rapid.IntRange(0, 3).Draw(t, "acol") {
	case 1:
		acols = []string{rapid.SampledFrom([]string{"Ticket", "Issue", "tracker"}).Draw(t, "tcol")}
		ticketAt = 0
	case 2:
		acols = []string{"Notes", rapid.SampledFrom([]string{"Ticket", "ISSUE"}).Draw(t, "tcol")}
		ticketAt = 1
	case 3:
		acols = []string{"Notes"}
	}
	for i := range rapid.IntRange(0, 5).Draw(t, "nai") {
		a := hindsight.ActionItem{
			ID:         optional(t, "aid", func() string { return hindsight.FormatActionID(i + 1) }),
			Action:     genLine(t, "action", true),
			Owner:      line("aowner"),
			Priority:   rapid.SampledFrom([]hindsight.Priority{"", hindsight.P0, hindsight.P1, hindsight.P2}).Draw(t, "prio"),
			TargetDate: genDate(t, "target"),
			Status:     rapid.SampledFrom([]hindsight.ItemStatus{"", hindsight.ItemOpen, hindsight.ItemClosed}).Draw(t, "ast"),
		}
		if ticketAt >= 0 {
			a.Ticket = optional(t, "ticket", func() string { return genLine(t, "ticket", true) })
		}
		if len(acols) > 0 && acols[0] == "Notes" {
			a.Cells = trimCells([]string{optional(t, "notes", func() string { return genLine(t, "notes", true) })})
		}
		p.ActionItems = append(p.ActionItems, a)
	}
	p.Prevention.Monitoring, p.Prevention.Process = text("mon"), text("proc")
	p.Prevention.Documentation, p.Prevention.Training = text("doc"), text("train")
	// unknown content
	keys := []string{hindsight.SecPreamble}
	for _, s := range hindsight.Sections {
		keys = append(keys, s.Key)
	}
	fieldSections := []string{hindsight.SecSummary, hindsight.SecDetection, hindsight.SecImpact, hindsight.SecRootCause, hindsight.SecResolution, hindsight.SecCommunication, hindsight.SecPrevention}
	for _, k := range keys {
		if rapid.IntRange(0, 5).Draw(t, "hasextra") != 0 {
			continue
		}
		var x hindsight.Extra
		if k != hindsight.SecExecutive {
			x.Before = optional(t, "before", func() string { return genParagraph(t, "before") })
			x.After = optional(t, "after", func() string { return genParagraph(t, "after") })
		}
		if slices.Contains(fieldSections, k) {
			for range rapid.IntRange(0, 2).Draw(t, "nfields") {
				x.Fields = append(x.Fields, genField(t, "field", rapid.Bool().Draw(t, "labelled")))
			}
		}
		if k == hindsight.SecPreamble {
			x.Before = ""
			for range rapid.IntRange(0, 2).Draw(t, "nmeta") {
				x.Fields = append(x.Fields, genField(t, "meta", true))
			}
		}
		if !x.IsZero() {
			if p.Extras == nil {
				p.Extras = map[string]hindsight.Extra{}
			}
			p.Extras[k] = x
		}
	}
	if len(cols) > 0 {
		ex := p.Extras[hindsight.SecTimeline]
		ex.Columns = cols
		if p.Extras == nil {
			p.Extras = map[string]hindsight.Extra{}
		}
		p.Extras[hindsight.SecTimeline] = ex
	}
	if len(acols) > 0 {
		ex := p.Extras[hindsight.SecActionItems]
		ex.Columns = acols
		if p.Extras == nil {
			p.Extras = map[string]hindsight.Extra{}
		}
		p.Extras[hindsight.SecActionItems] = ex
	}
	for _, k := range keys {
		if k == hindsight.SecPreamble {
			k = ""
		}
		if rapid.IntRange(0, 7).Draw(t, "custom") == 0 {
			p.Custom = append(p.Custom, hindsight.CustomSection{Heading: "Lessons " + genWordNoPunct(t, "h"), Level: 2, Body: optional(t, "body", func() string { return genText(t, "body") }), After: k})
		}
	}
	return p
}

func genWordNoPunct(t *rapid.T, label string) string {
	return rapid.StringMatching(`[a-z][a-z0-9]{1,10}`).Draw(t, label)
}

func genLineNoColon(t *rapid.T, label string) string {
	return strings.Join(strings.Fields(strings.NewReplacer(":", " ", "?", " ").Replace(genLine(t, label, false))), " ") + "x"
}

// normalise makes the generated model equal to what Parse gives: nil for
// empty slices, canonical Duration text.
func normalise(p *hindsight.Postmortem) {
	if len(p.Summary.Services) == 0 {
		p.Summary.Services = nil
	}
	for _, l := range []*[]string{&p.WentWell, &p.WentPoorly, &p.References, &p.RootCause.Factors} {
		if len(*l) == 0 {
			*l = nil
		}
	}
	if len(p.Timeline) == 0 {
		p.Timeline = nil
	}
	if len(p.ActionItems) == 0 {
		p.ActionItems = nil
	}
	if len(p.Custom) == 0 {
		p.Custom = nil
	}
	// an item section without items holds its prose before the (absent) list
	for key, items := range map[string][]string{hindsight.SecWentWell: p.WentWell, hindsight.SecWentPoorly: p.WentPoorly, hindsight.SecReferences: p.References} {
		if ex, ok := p.Extras[key]; ok && len(items) == 0 && ex.After != "" {
			ex.Before = strings.Trim(ex.Before+"\n\n"+ex.After, "\n")
			ex.After = ""
			p.Extras[key] = ex
		}
	}
}

func TestRoundTripProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := genModel(t)
		normalise(m)
		md := Render(m)
		got, _ := Parse(md)
		if !reflect.DeepEqual(m, got) {
			wantJSON, _ := json.MarshalIndent(m, "", " ")
			gotJSON, _ := json.MarshalIndent(got, "", " ")
			t.Fatalf("Parse(Render(m)) != m\nmarkdown:\n%s\n%s", md, lineDiff(string(wantJSON), string(gotJSON)))
		}
		again := Render(got)
		if string(again) != string(md) {
			t.Fatalf("Render(Parse(Render(m))) != Render(m)\n%s", lineDiff(string(md), string(again)))
		}
	})
}

func TestJSONRoundTripProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := genModel(t)
		normalise(m)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var back hindsight.Postmortem
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("unmarshal: %v\n%s", err, b)
		}
		if string(Render(&back)) != string(Render(m)) {
			t.Fatalf("JSON round trip changed the document\n%s", lineDiff(string(Render(m)), string(Render(&back))))
		}
	})
}
