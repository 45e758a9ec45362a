// Package gen generates realistic, varied and internally consistent
// postmortems for benchmarks, load tests and property-test seeds.
//
// A Generator is deterministic: the same seed and options give the same
// sequence of documents on every run and platform. It uses math/rand/v2 with
// a PCG source, a fixed reference time instead of the clock, and no map
// iteration.
package gen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// DefaultNow is the reference "today" of a Generator when Options.Now is
// zero: start times are spread over the three years before it, and action
// items due before it are Closed in valid documents.
var DefaultNow = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// Options tune a Generator.
type Options struct {
	// Now is the reference time; DefaultNow when zero.
	Now time.Time
	// Messy is the share (0..1) of documents given flaws a linter reports:
	// placeholders left unset, a wrong duration, "TBD" values, timeline rows
	// out of order, action items without owner. 0 (the default) produces
	// only valid, lint-clean documents.
	Messy float64
	// Span is how far before Now start times are spread (three years when
	// zero).
	Span time.Duration
	// Overdue is the share (0..1) of action items already due at Now that
	// are left Open (overdue); 0 closes them all.
	Overdue float64
}

// Generator produces postmortems. It is not safe for concurrent use.
type Generator struct {
	r       *rand.Rand
	now     time.Time
	messy   float64
	span    int // minutes
	overdue float64
	perDay  map[string]int // incident sequence per start day (lookups only)

	// per-document substitutions
	svc, dep, region, ticket string
}

// New returns a Generator of valid documents seeded with seed.
func New(seed int64) *Generator { return NewWithOptions(seed, Options{}) }

// NewWithOptions returns a Generator seeded with seed and tuned by o.
func NewWithOptions(seed int64, o Options) *Generator {
	now := o.Now
	if now.IsZero() {
		now = DefaultNow
	}
	span := int(o.Span / time.Minute)
	if span <= 0 {
		span = 3 * 365 * 24 * 60
	}
	return &Generator{
		r:       rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15)),
		now:     now.UTC().Truncate(time.Minute),
		messy:   min(max(o.Messy, 0), 1),
		span:    span,
		overdue: min(max(o.Overdue, 0), 1),
		perDay:  map[string]int{},
	}
}

// Postmortem returns the next generated postmortem.
func (g *Generator) Postmortem() *hindsight.Postmortem {
	sc := scenarios[g.r.IntN(len(scenarios))]
	g.pickServices()
	p := &hindsight.Postmortem{}

	sev := g.severity()
	status := g.status()

	// Times: start within the span (three years by default), duration
	// log-uniform from 5 minutes to 3 days, detection early in the window.
	dur := int(math.Round(math.Exp(g.uniform(math.Log(5), math.Log(3*24*60)))))
	if sev == hindsight.Sev1 && dur < 30 {
		dur += 30 + g.r.IntN(120)
	}
	start := g.now.Add(-time.Duration(dur+g.r.IntN(max(g.span-dur, 1))+60) * time.Minute)
	end := start.Add(time.Duration(dur) * time.Minute)
	monitor := g.r.Float64() < 0.7
	frac := 0.15
	if !monitor {
		frac = 0.4
	}
	detOff := g.r.IntN(int(float64(dur)*frac) + 1)
	rem := dur - detOff
	tta := g.r.IntN(min(rem, 30) + 1)
	ttm := tta + int(float64(rem-tta)*g.uniform(0.3, 1))
	det := start.Add(time.Duration(detOff) * time.Minute)

	day := start.Format("20060102")
	g.perDay[day]++
	p.Title = g.fill(sc.title)
	p.Status = status
	p.Version = g.version(status)
	cmdr := g.name()
	p.Owner = cmdr
	if g.chance(0.3) {
		p.Owner = g.name()
	}
	upd := end.Add(time.Duration(g.r.IntN(21*24*60)) * time.Minute)
	if upd.After(g.now) {
		upd = g.now
	}
	p.LastUpdated = hindsight.DateOf(upd)

	p.Summary = hindsight.Summary{
		IncidentID: hindsight.FormatIncidentID(start, g.perDay[day]),
		Start:      hindsight.TimeOf(start),
		End:        hindsight.TimeOf(end),
		Duration:   hindsight.Minutes(dur),
		Severity:   sev,
		Services:   g.services(sev),
		CustomerImpact: hindsight.CustomerImpact{
			UsersAffected: g.fill(g.pick(usersAffected)),
			Regions:       g.region,
			Symptoms:      g.fill(g.pick(sc.symptoms)),
		},
	}
	p.ExecutiveSummary = g.executive(sc, dur, sev, p.Summary.CustomerImpact.Symptoms)

	by := detectedBy[g.r.IntN(len(detectedBy))]
	for by.monitor != monitor {
		by = detectedBy[g.r.IntN(len(detectedBy))]
	}
	p.Detection = hindsight.Detection{
		DetectedBy:    g.fill(by.text),
		DetectionTime: hindsight.TimeOf(det),
		TTA:           hindsight.Minutes(tta),
		TTM:           hindsight.Minutes(ttm),
		Commander:     cmdr,
		Responders:    g.responders(sev),
		Channels:      g.fill(g.pick(channels)),
	}
	p.Impact = g.impact(sev)
	p.Timeline = g.timeline(sc, sev, start, end, det, tta, ttm, cmdr, p.Detection.DetectedBy)
	p.RootCause = hindsight.RootCause{Primary: g.fill(sc.cause), Factors: g.factors(sc, status)}
	p.Resolution = hindsight.Resolution{
		Immediate: g.fill(sc.immediate),
		LongTerm:  g.fill(sc.longTerm),
		Rollback:  g.answer(0.35, "the triggering change was rolled back"),
	}
	if sev == hindsight.Sev4 && g.chance(0.5) {
		p.Communication = hindsight.Communication{StatusPage: "None; no external impact.", Direct: "None.", FollowUp: "None planned."}
	} else {
		p.Communication = hindsight.Communication{
			StatusPage: g.fill(g.pick(statusPage)),
			Direct:     g.fill(g.pick(directNotifications)),
			FollowUp:   g.fill(g.pick(followUps)),
		}
	}
	p.WentWell = g.some(wentWell, 1, 4)
	p.WentPoorly = g.some(wentPoorly, 1, 4)
	p.ActionItems = g.actionItems(sc, sev, status, end)
	p.Prevention = hindsight.Prevention{
		Monitoring:    g.fill(g.pick(monitoringImprovements)),
		Process:       g.fill(g.pick(processImprovements)),
		Documentation: g.fill(g.pick(documentationUpdates)),
		Training:      g.fill(g.pick(trainingNeeds)),
	}
	p.References = g.some(references, 1, 4)

	if g.messy > 0 && g.r.Float64() < g.messy {
		g.mess(p)
	}
	return p
}

// severity draws a severity weighted toward SEV-3.
func (g *Generator) severity() hindsight.Severity {
	switch x := g.r.Float64(); {
	case x < 0.08:
		return hindsight.Sev1
	case x < 0.30:
		return hindsight.Sev2
	case x < 0.75:
		return hindsight.Sev3
	}
	return hindsight.Sev4
}

func (g *Generator) status() hindsight.Status {
	switch x := g.r.Float64(); {
	case x < 0.6:
		return hindsight.StatusPublished
	case x < 0.8:
		return hindsight.StatusInReview
	}
	return hindsight.StatusDraft
}

func (g *Generator) version(s hindsight.Status) string {
	if s == hindsight.StatusDraft {
		return "0." + strconv.Itoa(1+g.r.IntN(5))
	}
	// not "1.0": the template's own version parses as "not set"
	return "1." + strconv.Itoa(1+g.r.IntN(4))
}

func (g *Generator) pickServices() {
	i := g.r.IntN(len(services))
	j := g.r.IntN(len(services) - 1)
	if j >= i {
		j++
	}
	g.svc, g.dep = services[i], services[j]
	g.region = g.pick(regions)
	g.ticket = fmt.Sprintf("%s-%d", g.pick([]string{"OPS", "INFRA", "SRE", "PLAT", "CHG"}), 100+g.r.IntN(9900))
}

func (g *Generator) services(sev hindsight.Severity) []hindsight.Service {
	n := 1 + g.r.IntN(5-sev.Level()+1)
	out := []hindsight.Service{{Name: g.svc, Impact: g.fill(g.pick(serviceImpacts))}}
	if n > 1 {
		out = append(out, hindsight.Service{Name: g.dep, Impact: g.fill(g.pick(serviceImpacts))})
	}
	for len(out) < n {
		s := g.pick(services)
		if slices.ContainsFunc(out, func(x hindsight.Service) bool { return x.Name == s }) {
			continue
		}
		out = append(out, hindsight.Service{Name: s, Impact: g.fill(g.pick(serviceImpacts))})
	}
	return out
}

func (g *Generator) executive(sc scenario, dur int, sev hindsight.Severity, symptoms string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s The impact lasted %s; customers saw %s.", g.fill(sc.cause), spell(dur), lowerFirst(symptoms))
	fmt.Fprintf(&b, " Responders %s", lowerFirst(g.fill(sc.immediate)))
	if sev.Level() <= 2 {
		fmt.Fprintf(&b, " %s", g.fill(sc.longTerm))
	}
	return b.String()
}

func (g *Generator) responders(sev hindsight.Severity) string {
	n := 1 + g.r.IntN(6-sev.Level())
	return strings.Join(g.distinctNames(n), ", ")
}

func (g *Generator) impact(sev hindsight.Severity) hindsight.Impact {
	im := hindsight.Impact{
		Customer: g.fill("- Error rate of {svc} peaked at {pct}%\n- Latency p99 up to {n} s"),
		Internal: g.fill("- " + strconv.Itoa(2+g.r.IntN(9)) + " engineers engaged\n- {n} support tickets"),
	}
	if sev == hindsight.Sev4 {
		im.Customer = "- None external"
	}
	im.Data.Loss = g.answer(0.05, g.fill("{n} records written during the incident had to be replayed; none lost permanently"))
	im.Data.Exposure = hindsight.Answer{Value: hindsight.No}
	if sev.Level() <= 2 {
		im.Data.Exposure = g.answer(0.15, g.fill("contact data of {n} customers visible to other tenants"))
	}
	if im.Data.Exposure.Value == hindsight.Yes {
		im.Data.Compliance = hindsight.Answer{Value: hindsight.Yes, Note: "notified the supervisory authority within 72 hours"}
		if g.chance(0.3) {
			im.Data.Compliance = hindsight.Answer{Value: hindsight.No, Note: "reviewed with the privacy office; no notification required"}
		}
	} else {
		im.Data.Compliance = hindsight.Answer{Value: hindsight.No}
	}
	return im
}

func (g *Generator) answer(pYes float64, note string) hindsight.Answer {
	if g.chance(pYes) {
		return hindsight.Answer{Value: hindsight.Yes, Note: note}
	}
	return hindsight.Answer{Value: hindsight.No}
}

// timeline returns 3..40 chronological rows within [start, end], with the
// start, detection, acknowledgement, mitigation and end as rows.
// milestone matches the words that mark a timeline row as the
// acknowledgement or the mitigation (as the incident page reads them).
var milestone = regexp.MustCompile(`(?i)\b(acknowledg\w*|ack(ed|'d)?|mitigat\w*|rolled back|roll(ed)?[- ]?back|restored|recovered|failover completed|resolved)\b`)

func (g *Generator) timeline(sc scenario, sev hindsight.Severity, start, end, det time.Time, tta, ttm int, cmdr, detectedBy string) []hindsight.Event {
	bounds := [...][2]int{{12, 40}, {8, 25}, {4, 14}, {3, 8}}[sev.Level()-1]
	n := bounds[0] + g.r.IntN(bounds[1]-bounds[0]+1)
	dur := int(end.Sub(start) / time.Minute)
	n = max(3, min(n, dur/2+3))
	type row struct {
		at  time.Time
		txt string
	}
	rows := []row{{start, g.fill(sc.trigger)}}
	if n >= 5 {
		rows = append(rows,
			row{det, "Incident detected by " + lowerFirst(detectedBy)},
			row{det.Add(time.Duration(tta) * time.Minute), cmdr + " acknowledges and opens the incident channel"},
			row{det.Add(time.Duration(ttm) * time.Minute), "Mitigated: " + lowerFirst(g.fill(sc.mitigate))},
		)
	} else {
		rows = append(rows, row{det.Add(time.Duration(ttm) * time.Minute), "Mitigated: " + lowerFirst(g.fill(sc.mitigate))})
	}
	mitAt := det.Add(time.Duration(ttm) * time.Minute)
	bank := append(slices.Clone(sc.findings), genericFindings...)
	order := g.r.Perm(len(bank))
	for i := 0; len(rows) < n-1; i++ {
		at := start.Add(time.Duration(g.r.IntN(dur+1)) * time.Minute)
		txt := g.fill(bank[order[i%len(bank)]])
		if milestone.MatchString(txt) && at.Before(mitAt) {
			// a row that reads as an acknowledgement or a mitigation comes
			// after the real one, so the timeline agrees with TTA and TTM
			at = mitAt.Add(time.Duration(g.r.IntN(int(end.Sub(mitAt)/time.Minute)+1)) * time.Minute)
		}
		rows = append(rows, row{at, txt})
	}
	rows = append(rows, row{end, "Incident resolved; monitoring confirms normal operation"})
	slices.SortStableFunc(rows, func(a, b row) int { return a.at.Compare(b.at) })
	out := make([]hindsight.Event, len(rows))
	for i, r := range rows {
		out[i] = hindsight.Event{Time: hindsight.TimeOf(r.at), Event: r.txt}
	}
	return out
}

func (g *Generator) factors(sc scenario, status hindsight.Status) []string {
	lo := 1
	if status == hindsight.StatusDraft {
		lo = 0
	}
	n := lo + g.r.IntN(len(sc.factors)-lo+1)
	idx := g.r.Perm(len(sc.factors))[:n]
	slices.Sort(idx)
	out := make([]string, 0, n)
	for _, i := range idx {
		out = append(out, g.fill(sc.factors[i]))
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// actionItems returns 0..12 items (at least 1 unless Draft; at least one P0
// or P1 for SEV-1/SEV-2). P0 items are due within 7 days of the end; items
// due before the reference time are Closed.
func (g *Generator) actionItems(sc scenario, sev hindsight.Severity, status hindsight.Status, end time.Time) []hindsight.ActionItem {
	lo := 1
	if status == hindsight.StatusDraft {
		lo = 0
	}
	hi := [...]int{12, 8, 5, 3}[sev.Level()-1]
	n := lo + g.r.IntN(hi-lo+1)
	bank := append(slices.Clone(sc.actions), genericActions...)
	order := g.r.Perm(len(bank))
	endDay := hindsight.DateOf(end).T
	out := make([]hindsight.ActionItem, 0, n)
	for i := range n {
		text := g.fill(bank[order[i%len(bank)]])
		if i >= len(bank) {
			text += " (phase " + strconv.Itoa(i/len(bank)+1) + ")"
		}
		pri := hindsight.Priorities[g.r.IntN(3)]
		if i == 0 && sev.Level() <= 2 && pri == hindsight.P2 {
			pri = hindsight.P1
		}
		var days int
		switch pri {
		case hindsight.P0:
			days = 1 + g.r.IntN(7)
		case hindsight.P1:
			days = 7 + g.r.IntN(39)
		default:
			days = 14 + g.r.IntN(107)
		}
		due := endDay.AddDate(0, 0, days)
		st := hindsight.ItemClosed
		if !due.Before(g.now) && g.chance(0.7) || due.Before(g.now) && g.overdue > 0 && g.chance(g.overdue) {
			st = hindsight.ItemOpen
		}
		out = append(out, hindsight.ActionItem{
			ID:         hindsight.FormatActionID(i + 1),
			Action:     text,
			Owner:      g.name(),
			Priority:   pri,
			TargetDate: hindsight.Date{T: due},
			Status:     st,
		})
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// mess gives p one to three flaws a linter reports.
func (g *Generator) mess(p *hindsight.Postmortem) {
	for range 1 + g.r.IntN(3) {
		switch g.r.IntN(6) {
		case 0: // placeholders left (the template's hint text kept where a value belongs)
			p.ExecutiveSummary = ""
			p.Detection.Commander = ""
			p.Summary.CustomerImpact = hindsight.CustomerImpact{}
			p.Hints = addHints(p.Hints,
				hindsight.Hint{Field: hindsight.SecExecutive, Text: "Provide a concise, non-technical overview of what happened, why it mattered, and how it was resolved."},
				hindsight.Hint{Field: "detection.incident_commander", Text: "Name"},
				hindsight.Hint{Field: "summary.customer_impact.users_affected", Text: "% of users affected"})
		case 1: // wrong duration
			p.Summary.Duration = hindsight.Minutes(p.Summary.Duration.Minutes + 1 + g.r.IntN(90))
		case 2: // honest unknowns
			p.Summary.Duration = hindsight.Duration{Text: "TBD"}
			p.Detection.DetectionTime = hindsight.Time{Text: "Unknown"}
			p.Impact.Data.Compliance = hindsight.Answer{Value: "Unknown"}
		case 3: // timeline out of order
			if n := len(p.Timeline); n >= 2 {
				p.Timeline[0], p.Timeline[n-1] = p.Timeline[n-1], p.Timeline[0]
			}
		case 4: // action item without owner or priority
			if len(p.ActionItems) > 0 {
				p.ActionItems[0].Owner = ""
				p.ActionItems[0].Priority = "P0/P1/P2"
			}
		case 5: // template left in sections
			p.RootCause.Factors = nil
			p.WentWell = nil
			p.References = nil
			p.Hints = addHints(p.Hints,
				hindsight.Hint{Field: "root_cause.contributing_factors[0]", Text: "Factor 1"},
				hindsight.Hint{Field: "went_well[0]", Text: "Item 1"},
				hindsight.Hint{Field: "references[0]", Text: "Links to incident tickets, dashboards, logs, or related PRs."})
		}
	}
}

// addHints adds hints at fields that have none yet.
func addHints(hs []hindsight.Hint, add ...hindsight.Hint) []hindsight.Hint {
	for _, h := range add {
		if !slices.ContainsFunc(hs, func(x hindsight.Hint) bool { return x.Field == h.Field }) {
			hs = append(hs, h)
		}
	}
	return hs
}

// fill substitutes the bank placeholders.
func (g *Generator) fill(s string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		switch key := s[i+1 : i+j]; key {
		case "svc":
			b.WriteString(g.svc)
		case "dep":
			b.WriteString(g.dep)
		case "region":
			b.WriteString(g.region)
		case "name":
			b.WriteString(g.name())
		case "n":
			b.WriteString(strconv.Itoa(2 + g.r.IntN(97)))
		case "pct":
			b.WriteString(strconv.Itoa(1 + g.r.IntN(100)))
		case "ver":
			fmt.Fprintf(&b, "v%d.%d.%d", 1+g.r.IntN(9), g.r.IntN(40), g.r.IntN(10))
		case "ticket":
			b.WriteString(g.ticket)
		default:
			b.WriteString(s[i : i+j+1])
		}
		s = s[i+j+1:]
	}
}

func (g *Generator) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g *Generator) name() string { return g.pick(names) }

func (g *Generator) distinctNames(n int) []string {
	idx := g.r.Perm(len(names))[:n]
	out := make([]string, n)
	for i, j := range idx {
		out[i] = names[j]
	}
	return out
}

// some returns lo..hi distinct filled items of list, in list order.
func (g *Generator) some(list []string, lo, hi int) []string {
	n := lo + g.r.IntN(hi-lo+1)
	idx := g.r.Perm(len(list))[:n]
	slices.Sort(idx)
	out := make([]string, n)
	for i, j := range idx {
		out[i] = g.fill(list[j])
	}
	return out
}

func (g *Generator) chance(p float64) bool { return g.r.Float64() < p }

func (g *Generator) uniform(lo, hi float64) float64 { return lo + g.r.Float64()*(hi-lo) }

// lowerFirst lowercases the first letter of s unless it starts an acronym
// ("SLO", "TLS").
func lowerFirst(s string) string {
	if len(s) < 2 || s[0] < 'A' || s[0] > 'Z' || (s[1] >= 'A' && s[1] <= 'Z') {
		return s
	}
	return string(s[0]+'a'-'A') + s[1:]
}

// spell writes a duration in words: "45 minutes", "3 hours 5 minutes".
func spell(m int) string {
	h, mm := m/60, m%60
	unit := func(n int, s string) string {
		if n == 1 {
			return "1 " + s
		}
		return strconv.Itoa(n) + " " + s + "s"
	}
	switch {
	case h == 0:
		return unit(mm, "minute")
	case mm == 0:
		return unit(h, "hour")
	}
	return unit(h, "hour") + " " + unit(mm, "minute")
}

// Slug returns a lowercase ASCII slug of title for file names: letters and
// digits joined by single hyphens, cut at a word boundary to at most 60
// characters.
func Slug(title string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(title) {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(c)
		default:
			dash = true
		}
	}
	s := b.String()
	if len(s) > 60 {
		s = s[:61]
		if i := strings.LastIndexByte(s, '-'); i > 0 {
			s = s[:i]
		} else {
			s = s[:60]
		}
	}
	if s == "" {
		return "postmortem"
	}
	return s
}

// FileName returns "<incident-id>-<slug>.md" for p.
func FileName(p *hindsight.Postmortem) string {
	id := Slug(p.Summary.IncidentID)
	if _, _, ok := hindsight.ParseIncidentID(p.Summary.IncidentID); ok {
		id = p.Summary.IncidentID
	}
	return id + "-" + Slug(p.Title) + ".md"
}
