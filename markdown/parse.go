package markdown

import (
	"bytes"
	"reflect"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hindsight-pm/hindsight"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	"go.yaml.in/yaml/v4"
)

var gm = goldmark.New(goldmark.WithExtensions(extension.Table))

// blockParser is goldmark's CommonMark block parser with the GFM table
// paragraph transformer and no inline parsers: Parse maps blocks and keeps
// every value's source text, so it never needs inline nodes. Link reference
// definitions stay paragraphs, so they are kept as content, not consumed.
var blockParser = parser.NewParser(
	parser.WithBlockParsers(parser.DefaultBlockParsers()...),
	parser.WithParagraphTransformers(util.Prioritized(extension.NewTableParagraphTransformer(), 200)),
)

// Parser returns goldmark's full parser (CommonMark with the GFM table
// extension, inline parsing included): the baseline Parse is measured
// against in benchmarks and tests. It has no nesting bound (limits.go):
// never give it user text.
func Parser() parser.Parser { return gm.Parser() }

// Parse reads a postmortem written in Markdown into the model and records
// where each field stood. It never fails: what it cannot map is kept
// verbatim in the model's Extras and Custom sections and listed in the
// source map; placeholders of the template parse as "not set".
func Parse(src []byte) (*hindsight.Postmortem, *hindsight.SourceMap) {
	p := &parse{doc: &hindsight.Postmortem{}, sm: &hindsight.SourceMap{Lines: make(map[string]int, 64+bytes.Count(src, []byte{'\n'}))}}
	p.run(src)
	if bytes.IndexByte(src, '<') >= 0 && (bytes.Contains(src, []byte("://")) || bytes.IndexByte(src, '@') >= 0) {
		// autolinks read as the bare address Render wraps (links.go)
		mapStrings(reflect.ValueOf(p.doc).Elem(), bareLinks)
	}
	return p.doc, p.sm
}

type block struct {
	node       ast.Node
	from, to   int // 0-based lines, inclusive, trailing blank lines dropped
	heading    int // heading level, 0 when not a heading
	headingTxt string
}

type section struct {
	key     string  // known section key, or "" for a custom section
	tail    []block // subsections inside the section, kept verbatim
	custom  *hindsight.CustomSection
	line    int // heading line, 0-based
	blocks  []block
	heading block
}

type parse struct {
	// metaSeen holds the fields read from the metadata at the top (a
	// Severity written there is not read again in the Incident Summary)
	metaSeen map[*fieldSpec]bool
	doc      *hindsight.Postmortem
	sm       *hindsight.SourceMap
	src      *source

	// zone is the zone the document states ("All times are Pacific")
	zone docZone
	// rowCtx is the zone context of the timeline rows being read
	rowCtx timeContext
	// timeline times, placed after the whole document is read
	pending []pendingTime
}

var disableRe = regexp.MustCompile(`<!--\s*hindsight-disable\s+([^>]*?)\s*-->`)

func (p *parse) run(in []byte) {
	in = normalizeInput(in)
	front := frontMatterEnd(in)
	gmIn := in
	if front > 0 {
		// blank out front matter for goldmark, keeping line numbers
		gmIn = append([]byte(nil), in...)
		for i := 0; i < front; i++ {
			if gmIn[i] != '\n' {
				gmIn[i] = ' '
			}
		}
	}
	p.src = newSource(in)
	p.zone = findDocZone(p.src)
	p.sm.LineCount = p.src.lines()
	for _, m := range disableComments(in) {
		for _, id := range strings.FieldsFunc(string(m[1]), func(r rune) bool { return r == ',' || r == ' ' }) {
			p.sm.Disabled = append(p.sm.Disabled, strings.ToUpper(id))
		}
	}
	// markers nested past MaxNesting are read as text (limits.go); the
	// first lines are noted for the linter
	gmIn, deep := limitBlocks(gmIn)
	for _, l := range deep[:min(len(deep), maxDeepNotes)] {
		p.sm.Unknown = append(p.sm.Unknown, hindsight.Unknown{Kind: "nesting", Line: l})
	}
	root := blockParser.Parse(text.NewReader(gmIn))
	blocks := p.topBlocks(root)
	if front > 0 {
		fm := block{from: 0, to: p.src.lineOf(front - 1)}
		blocks = append([]block{fm}, blocks...)
	}
	secs := p.group(blocks)
	for _, s := range secs {
		p.section(s)
	}
	if front > 0 {
		p.frontMatter(in[:front])
	}
	p.resolveTimes()
}

// frontMatter fills the fields the document's body leaves unset from its
// front matter ("severity: SEV-1", "incident_id: ...", "services: [a, b]"),
// as static sites and Notion exports keep metadata there. The front matter
// itself is kept verbatim, so a field the body sets is never read from it
// (the body wins; fmt writes the value in its section and the front matter
// as it was, which reads back the same).
func (p *parse) frontMatter(b []byte) {
	body := bytes.TrimPrefix(b, []byte("---\n"))
	if i := bytes.LastIndex(body, []byte("\n---")); i >= 0 {
		body = body[:i]
	} else if i := bytes.LastIndex(body, []byte("\n...")); i >= 0 {
		body = body[:i]
	}
	var doc yaml.Node
	if !yamlMapping(body) || yaml.Unmarshal(body, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return
	}
	m := doc.Content[0]
	specs := append(append(append([]*fieldSpec{}, fieldSpecs[hindsight.SecPreamble]...), fieldSpecs[hindsight.SecSummary]...), fieldSpecs[hindsight.SecDetection]...)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		var value string
		switch v.Kind {
		case yaml.ScalarNode:
			value = v.Value
		case yaml.SequenceNode:
			var parts []string
			for _, c := range v.Content {
				if c.Kind != yaml.ScalarNode {
					parts = nil
					break
				}
				parts = append(parts, c.Value)
			}
			value = strings.Join(parts, ", ")
		}
		value = strings.TrimSpace(value)
		if value == "" || strings.ContainsAny(value, "\n\r") {
			continue
		}
		n := normLabel(k.Value)
		if n == "title" && p.doc.Title == "" && p.sm.Lines["title"] == 0 {
			p.doc.Title = value
			p.at("title", 1+k.Line-1)
			continue
		}
		for _, f := range specs {
			if !f.matches(n) || n == "impact" || n == "detection" {
				continue
			}
			// the paths the field sets, learnt on a scratch model: read only
			// where the body set none of them
			v := fieldVal{text: value, line: k.Line} // k.Line is 1-based, below the first "---"
			scratch := *p
			scratch.doc = &hindsight.Postmortem{}
			scratch.sm = &hindsight.SourceMap{Lines: map[string]int{}}
			f.set(&scratch, v)
			set := len(scratch.sm.Lines) == 0
			for path := range scratch.sm.Lines {
				if _, ok := p.sm.Lines[path]; ok {
					set = true
				}
			}
			if !set {
				f.set(p, v)
			}
			break
		}
	}
}

func disableComments(in []byte) [][][]byte {
	if !bytes.Contains(in, []byte("hindsight-disable")) {
		return nil
	}
	return disableRe.FindAllSubmatch(in, -1)
}

// normalizeInput drops a byte order mark, turns CRLF into LF and replaces
// invalid UTF-8 and NUL bytes so the model holds valid text.
func normalizeInput(in []byte) []byte {
	in = bytes.TrimPrefix(in, []byte("\xef\xbb\xbf"))
	if bytes.IndexByte(in, '\r') >= 0 {
		in = bytes.ReplaceAll(in, []byte("\r\n"), []byte("\n"))
		in = bytes.ReplaceAll(in, []byte("\r"), []byte("\n"))
	}
	if !utf8.Valid(in) {
		in = bytes.ToValidUTF8(in, []byte("\uFFFD"))
	}
	if bytes.IndexByte(in, 0) >= 0 {
		in = bytes.ReplaceAll(in, []byte{0}, []byte("\uFFFD"))
	}
	return in
}

// frontMatterEnd returns the byte offset just past a YAML front matter block
// ("---" ... "---" or "...") at the start of the document, or 0.
func frontMatterEnd(in []byte) int {
	if !bytes.HasPrefix(in, []byte("---\n")) {
		return 0
	}
	off := 4
	for off < len(in) {
		end := bytes.IndexByte(in[off:], '\n')
		line := in[off:]
		next := len(in)
		if end >= 0 {
			line = in[off : off+end]
			next = off + end + 1
		}
		l := string(bytes.TrimRight(line, " \t"))
		if l == "---" || l == "..." {
			if off == 4 || !yamlMapping(in[4:off]) && !keyLines(in[4:off]) {
				return 0 // "---" then "---": two rules; or text between rules
			}
			return next
		}
		if l == "" && off == 4 {
			return 0
		}
		if !bytes.Contains(line, []byte(":")) && !bytes.HasPrefix(line, []byte(" ")) && !bytes.HasPrefix(line, []byte("-")) && !bytes.HasPrefix(line, []byte("#")) && l != "" {
			return 0 // not YAML-looking
		}
		off = next
	}
	return 0
}

// keyLines reports whether every line of b reads as front matter even when
// it is not valid YAML ("title: Outage: DB" is a YAML error that people
// write): "key: value", an indented or "- " continuation, a comment or a
// blank line. A postmortem's own metadata ("**Version:** 1.0") is none.
func keyLines(b []byte) bool {
	for line := range strings.SplitSeq(string(b), "\n") {
		if strings.Trim(line, " \t") == "" || line[0] == ' ' || line[0] == '\t' || line[0] == '#' || strings.HasPrefix(line, "- ") || line == "-" {
			continue
		}
		if !keyLineRe.MatchString(line) {
			return false
		}
	}
	return true
}

var keyLineRe = regexp.MustCompile(`^[A-Za-z0-9_"'][A-Za-z0-9_ ."'-]*:(\s|$)`)

// yamlMapping reports whether b is a YAML mapping (or only comments), as
// front matter is: a document that opens with a rule and has another
// further down is not front matter unless what lies between reads as YAML
// (or as keyLines).
func yamlMapping(b []byte) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	var n yaml.Node
	if err := yaml.Unmarshal(b, &n); err != nil {
		return false
	}
	return n.Kind == 0 || n.Kind == yaml.DocumentNode && (len(n.Content) == 0 || n.Content[0].Kind == yaml.MappingNode)
}

// topBlocks lists the document's top-level blocks with their line spans.
func (p *parse) topBlocks(root ast.Node) []block {
	var out []block
	for n := root.FirstChild(); n != nil; n = n.NextSibling() {
		from := p.startLine(n)
		if from < 0 {
			continue
		}
		b := block{node: n, from: from}
		if h, ok := n.(*ast.Heading); ok {
			b.heading = h.Level
			b.headingTxt = p.headingText(h, from)
		}
		out = append(out, b)
	}
	for i := range out {
		to := p.src.lines() - 1
		if i+1 < len(out) {
			to = out[i+1].from - 1
		}
		for to > out[i].from && p.src.blank(to) {
			to--
		}
		out[i].to = to
	}
	return out
}

// startLine returns the 0-based line where node n starts.
func (p *parse) startLine(n ast.Node) int {
	if pos := n.Pos(); pos >= 0 {
		return p.src.lineOf(pos)
	}
	if n.Type() == ast.TypeBlock && n.Lines().Len() > 0 {
		return p.src.lineOf(n.Lines().At(0).Start)
	}
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if l := p.startLine(c); l >= 0 {
			return l
		}
	}
	return -1
}

func (p *parse) headingText(h *ast.Heading, line int) string {
	if h.Lines().Len() > 0 {
		var b strings.Builder
		for i := 0; i < h.Lines().Len(); i++ {
			seg := h.Lines().At(i)
			v := bytes.TrimSpace(seg.Value(p.src.b))
			if len(v) == 0 {
				continue // a line of white space only (vertical tabs)
			}
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.Write(v)
		}
		return b.String()
	}
	// an empty ATX heading, or one goldmark gave no lines
	return strings.TrimSpace(strings.Trim(strings.TrimSpace(p.src.line(line)), "#"))
}

// group splits blocks into the preamble and sections. A heading (levels 1
// to 3) whose text names a known section starts it; an unknown heading at
// level 1 or 2 (the canonical section level) starts a custom section; deeper
// headings are content of the section they stand in, so the canonical form,
// with sections at level 2, reads back the same.
func (p *parse) group(blocks []block) []*section {
	pre := &section{key: hindsight.SecPreamble}
	secs := []*section{pre}
	cur := pre
	seen := map[string]bool{}
	top := topSections(blocks)
	lastKnown := ""
	titled := false
	for _, b := range blocks {
		if b.heading > 0 {
			if !titled && b.heading == 1 && cur == pre {
				titled = true
				p.title(b)
				pre.heading = b
				continue
			}
			key := sectionKey(b.headingTxt)
			// a level-3 heading starts a known section only where no level-1
			// or 2 heading names it (then it is content: the canonical form
			// writes sections at level 2 and keeps such headings in place)
			if key != "" && !seen[key] && (b.heading <= 2 || b.heading == 3 && !top[key]) {
				seen[key] = true
				lastKnown = key
				cur = &section{key: key, line: b.from, heading: b}
				secs = append(secs, cur)
				p.sm.Lines[key] = b.from + 1
				continue
			}
			if b.heading <= 2 {
				after := lastKnown
				if key != "" && sectionIndex(key) > sectionIndex(after) {
					// a second heading of a known section stands after the
					// first: written before it, it would be read as the first
					after = key
				}
				cs := &hindsight.CustomSection{Heading: b.headingTxt, Level: b.heading, After: after}
				cur = &section{custom: cs, line: b.from, heading: b}
				secs = append(secs, cur)
				p.sm.Unknown = append(p.sm.Unknown, hindsight.Unknown{Kind: "section", Name: b.headingTxt, Line: b.from + 1})
				continue
			}
		}
		cur.blocks = append(cur.blocks, b)
	}
	return secs
}

// topSections returns the known sections that a level-1 or 2 heading
// names, the title (a first level-1 heading before any section) aside.
func topSections(blocks []block) map[string]bool {
	top := map[string]bool{}
	started := false
	for _, b := range blocks {
		if b.heading == 0 {
			continue
		}
		key := sectionKey(b.headingTxt)
		if b.heading == 1 && !started {
			started = true // the title
			continue
		}
		if b.heading <= 2 || key != "" {
			started = true
		}
		if b.heading <= 2 && key != "" {
			top[key] = true
		}
	}
	return top
}

// sectionIndex is the position of a section key in the template (-1 for
// the preamble).
func sectionIndex(key string) int {
	for i, s := range hindsight.Sections {
		if s.Key == key {
			return i
		}
	}
	return -1
}

// sectionKey maps a heading to a known section key, or "".
func sectionKey(heading string) string {
	h := normLabel(heading)
	// a number ("3. Timeline") or an emoji ("📋 Action Items") before the name
	for {
		first, rest, ok := strings.Cut(h, " ")
		if !ok || strings.IndexFunc(first, unicode.IsLetter) >= 0 {
			break
		}
		h = rest
	}
	h = strings.TrimPrefix(h, "the ")
	if k, ok := sectionAliases[h]; ok {
		return k
	}
	// "Timeline (all times PT)" drops its parentheses in normLabel;
	// "Timeline — all times Pacific" and "Timeline of the outage" are the
	// timeline too
	if strings.HasPrefix(h, "timeline ") || strings.HasPrefix(h, "detailed timeline") {
		return hindsight.SecTimeline
	}
	return ""
}

var sectionAliases = map[string]string{
	"incident summary": hindsight.SecSummary, "summary": hindsight.SecSummary, "incident overview": hindsight.SecSummary, "incident details": hindsight.SecSummary, "overview": hindsight.SecSummary,
	"executive summary": hindsight.SecExecutive, "exec summary": hindsight.SecExecutive, "tl dr": hindsight.SecExecutive, "tldr": hindsight.SecExecutive,
	"detection and response": hindsight.SecDetection, "detection": hindsight.SecDetection, "detection response": hindsight.SecDetection, "response": hindsight.SecDetection,
	"impact analysis": hindsight.SecImpact, "impact": hindsight.SecImpact, "impact assessment": hindsight.SecImpact,
	"timeline": hindsight.SecTimeline, "timeline utc": hindsight.SecTimeline, "incident timeline": hindsight.SecTimeline, "timeline of events": hindsight.SecTimeline,
	"root cause": hindsight.SecRootCause, "root causes": hindsight.SecRootCause, "root cause analysis": hindsight.SecRootCause, "cause": hindsight.SecRootCause, "causes": hindsight.SecRootCause,
	"resolution": hindsight.SecResolution, "resolution and recovery": hindsight.SecResolution, "mitigation": hindsight.SecResolution, "remediation": hindsight.SecResolution,
	"customer communication": hindsight.SecCommunication, "customer communications": hindsight.SecCommunication, "communication": hindsight.SecCommunication, "communications": hindsight.SecCommunication,
	"what went well": hindsight.SecWentWell, "went well": hindsight.SecWentWell, "what went right": hindsight.SecWentWell,
	"what went poorly": hindsight.SecWentPoorly, "what went wrong": hindsight.SecWentPoorly, "went poorly": hindsight.SecWentPoorly, "what could have gone better": hindsight.SecWentPoorly, "what didn t go well": hindsight.SecWentPoorly, "what did not go well": hindsight.SecWentPoorly,
	"action plan": hindsight.SecActionItems, "follow ups": hindsight.SecActionItems, "followups": hindsight.SecActionItems, "follow up tasks": hindsight.SecActionItems,
	"action items follow ups": hindsight.SecActionItems, "action items and follow ups": hindsight.SecActionItems, "action items followups": hindsight.SecActionItems,
	"next steps": hindsight.SecActionItems, "remediation actions": hindsight.SecActionItems, "remediation tasks": hindsight.SecActionItems, "corrective and preventive actions": hindsight.SecActionItems,
	"corrective action items": hindsight.SecActionItems, "action items and owners": hindsight.SecActionItems, "todo": hindsight.SecActionItems, "to do": hindsight.SecActionItems,
	"customer impact": hindsight.SecImpact, "user impact": hindsight.SecImpact, "business impact": hindsight.SecImpact, "impact and scope": hindsight.SecImpact,
	"detection and alerting": hindsight.SecDetection, "detection and escalation": hindsight.SecDetection,
	"root cause and contributing factors": hindsight.SecRootCause, "root causes and contributing factors": hindsight.SecRootCause, "root cause s": hindsight.SecRootCause, "causes and contributing factors": hindsight.SecRootCause, "trigger and root cause": hindsight.SecRootCause,
	"recovery": hindsight.SecResolution, "mitigation and resolution": hindsight.SecResolution, "resolution and mitigation": hindsight.SecResolution, "mitigation and recovery": hindsight.SecResolution,
	"things that went well": hindsight.SecWentWell, "what worked": hindsight.SecWentWell, "what worked well": hindsight.SecWentWell,
	"things that went poorly": hindsight.SecWentPoorly, "things that went wrong": hindsight.SecWentPoorly, "what went badly": hindsight.SecWentPoorly, "what didn t work": hindsight.SecWentPoorly, "what did not work": hindsight.SecWentPoorly, "what could be improved": hindsight.SecWentPoorly, "areas for improvement": hindsight.SecWentPoorly,
	"preventive measures": hindsight.SecPrevention, "preventative measures": hindsight.SecPrevention, "preventive actions": hindsight.SecPrevention, "preventative actions": hindsight.SecPrevention,
	"related links": hindsight.SecReferences, "related documents": hindsight.SecReferences, "further reading": hindsight.SecReferences,
	"action items": hindsight.SecActionItems, "actions": hindsight.SecActionItems, "follow up actions": hindsight.SecActionItems, "follow up items": hindsight.SecActionItems, "corrective actions": hindsight.SecActionItems, "remediation items": hindsight.SecActionItems, "action item": hindsight.SecActionItems,
	"prevention and follow up": hindsight.SecPrevention, "prevention": hindsight.SecPrevention, "prevention and followup": hindsight.SecPrevention, "follow up": hindsight.SecPrevention,
	"attachments and references": hindsight.SecReferences, "references": hindsight.SecReferences, "attachments": hindsight.SecReferences, "links": hindsight.SecReferences, "supporting information": hindsight.SecReferences,
}

func (p *parse) title(b block) {
	t := b.headingTxt
	p.sm.Lines["title"] = b.from + 1
	if strings.EqualFold(strings.TrimSpace(t), phTitle) {
		p.placeholder("title", b.from, t)
		return
	}
	if strings.EqualFold(strings.TrimSpace(t), emptyTitle) {
		return // the heading an untitled document renders with
	}
	lt := strings.ToLower(t)
	for _, pre := range []string{"incident postmortem:", "incident post-mortem:", "postmortem:", "post-mortem:", "post mortem:", "incident review:", "incident report:", "postmortem -", "postmortem —", "post-incident review:", "post incident review:", "post-incident report:"} {
		if strings.HasPrefix(lt, pre) {
			t = strings.TrimSpace(t[len(pre):])
			break
		}
	}
	p.doc.Title = t
}

// placeholder records the template's hint text left at field: a finding
// for lint in the source map, and the text itself in the model's Hints, so
// that formatting keeps it verbatim while the field stays unset.
func (p *parse) placeholder(field string, line int, text string) {
	p.placeholderRow(field, line, text, nil)
}

// placeholderRow records a placeholder that is a whole table row (the
// template's sample timeline or action item row) with its cells.
func (p *parse) placeholderRow(field string, line int, text string, cells []string) {
	p.sm.Placeholders = append(p.sm.Placeholders, hindsight.Placeholder{Field: field, Line: line + 1, Text: text})
	if _, ok := p.sm.Lines[field]; !ok {
		p.sm.Lines[field] = line + 1
	}
	p.doc.Hints = append(p.doc.Hints, hindsight.Hint{Field: field, Text: text, Cells: cells})
}

func (p *parse) at(field string, line int) { p.sm.Lines[field] = line + 1 }

func (p *parse) section(s *section) {
	if s.custom != nil {
		if len(s.blocks) > 0 {
			s.custom.Body = p.rangeText(s.blocks)
		}
		p.doc.Custom = append(p.doc.Custom, *s.custom)
		return
	}
	switch s.key {
	case hindsight.SecPreamble:
		p.preamble(s)
	case hindsight.SecExecutive:
		if len(s.blocks) > 0 {
			v := p.rangeText(s.blocks)
			if normValue(v) == normValue(phExecutive) {
				p.placeholder(hindsight.SecExecutive, s.blocks[0].from, v)
			} else {
				p.doc.ExecutiveSummary = v
				p.at(hindsight.SecExecutive, s.blocks[0].from)
			}
		}
	case hindsight.SecTimeline:
		p.timeline(s)
	case hindsight.SecActionItems:
		p.actionItems(s)
	case hindsight.SecWentWell:
		p.splitSubsections(s)
		p.doc.WentWell = p.itemSection(s, []string{phItem1, phItem2})
	case hindsight.SecWentPoorly:
		p.splitSubsections(s)
		p.doc.WentPoorly = p.itemSection(s, []string{phItem1, phItem2})
	case hindsight.SecReferences:
		p.splitSubsections(s)
		p.doc.References = p.itemSection(s, []string{phReferences})
	default:
		p.splitSubsections(s)
		p.fieldSection(s, fieldSpecs[s.key])
	}
}

// splitSubsections sets apart a subsection written inside a section of
// items or fields ("### Near misses" under What Went Poorly): from its
// heading on, the section's content is kept verbatim after the section's own
// (s.tail), so its items are never merged into the list above.
func (p *parse) splitSubsections(s *section) {
	for i, b := range s.blocks {
		if b.heading > 0 {
			s.tail, s.blocks = s.blocks[i:], s.blocks[:i]
			return
		}
	}
}

// addTail keeps a section's subsections (see splitSubsections) after its
// own content.
func (p *parse) addTail(s *section, e *extra) {
	if len(s.tail) == 0 {
		return
	}
	first, last := s.tail[0], s.tail[len(s.tail)-1]
	p.unknown("content", s.key, "", first.from)
	e.after = append(e.after, p.part(block{from: first.from, to: last.to}, p.rangeText(s.tail)))
}

// blockText is a block's source, kept verbatim but for its indentation (see
// source.text).
func (p *parse) blockText(b block) string {
	_, para := b.node.(*ast.Paragraph)
	if _, list := b.node.(*ast.List); list && emptyItemLine(p.src.line(b.from)) {
		// goldmark nests under an empty first item by its indentation:
		// moving the list would change what it holds, so it stays as written
		return strings.TrimRight(p.src.text(b.from, b.to, false), " ")
	}
	t := p.src.text(b.from, b.to, !para)
	return closeOpenBlock(b.node, t)
}

// emptyItemLine reports a list marker with nothing after it ("  *", "1.").
func emptyItemLine(l string) bool {
	t := strings.TrimSpace(l)
	if t == "-" || t == "*" || t == "+" {
		return true
	}
	n := strings.TrimRight(t, ".)")
	return len(n) < len(t) && len(n) > 0 && strings.Trim(n, "0123456789") == ""
}

// closeOpenBlock closes an HTML block or a code fence that runs to the end
// of the document without its end marker (an unclosed "<!--" or "```").
// Kept as it is, it would swallow every section written after it; closed,
// it stays what it was. This is the one change formatting makes that adds
// text.
func closeOpenBlock(n ast.Node, t string) string {
	switch b := n.(type) {
	case *ast.HTMLBlock:
		if !b.HasClosure() {
			return closeHTML(b.HTMLBlockType, t)
		}
	case *ast.FencedCodeBlock:
		return closeFence(t)
	}
	return t
}

// closeFence appends the closing fence a fenced code block lacks.
func closeFence(t string) string {
	first, _, _ := strings.Cut(t, "\n")
	first = strings.TrimLeft(first, " ")
	if first == "" || (first[0] != '`' && first[0] != '~') {
		return t
	}
	c := first[0]
	n := 0
	for n < len(first) && first[n] == c {
		n++
	}
	fence := first[:n]
	lines := strings.Split(t, "\n")
	if len(lines) > 1 {
		// a closing fence is indented less than four columns (a tab
		// reaches column four) and followed by spaces and tabs only (not a
		// form feed)
		l := lines[len(lines)-1]
		last := strings.Trim(l, " \t")
		if len(last) >= n && strings.Trim(last, string(c)) == "" && indentCols(l) < 4 {
			return t
		}
	}
	return t + "\n" + fence
}

// closeHTML ends an HTML block that lacks its end marker.
func closeHTML(kind ast.HTMLBlockType, t string) string {
	var closer string
	switch kind {
	case ast.HTMLBlockType1:
		lt := strings.ToLower(t)
		for _, tag := range []string{"script", "pre", "style", "textarea"} {
			if strings.HasPrefix(strings.TrimLeft(lt, " "), "<"+tag) && !strings.Contains(lt, "</"+tag+">") {
				closer = "</" + tag + ">"
			}
		}
	case ast.HTMLBlockType2:
		if !strings.Contains(t, "-->") {
			closer = "-->"
		}
	case ast.HTMLBlockType3:
		if !strings.Contains(t, "?>") {
			closer = "?>"
		}
	case ast.HTMLBlockType4:
		if !strings.Contains(t, ">") {
			closer = ">"
		}
	case ast.HTMLBlockType5:
		if !strings.Contains(t, "]]>") {
			closer = "]]>"
		}
	}
	if closer == "" {
		return t
	}
	return t + "\n" + closer
}

// verbatimText is a block's source exactly as written, for content that is
// rendered where no list precedes it (after a heading, a rule or a table).
func (p *parse) verbatimText(b block) string {
	return closeOpenBlock(b.node, p.src.asIs(b.from, b.to))
}

// rangeText is the source of a run of blocks (a section's whole body),
// exactly as written.
func (p *parse) rangeText(bs []block) string {
	last := bs[len(bs)-1]
	t := p.src.asIs(bs[0].from, last.to)
	// the closer is decided on the last block's own text (a fence is
	// recognised by its first line), and only ever appended
	own := p.src.asIs(last.from, last.to)
	if closed := closeOpenBlock(last.node, own); len(closed) > len(own) {
		t += closed[len(own):]
	}
	return t
}

// extra collects a section's unmapped content.
type extra struct {
	before, after []part
	mapped        bool
	fields        []hindsight.Field
}

// part is one block of unmapped content and the source lines it came from.
type part struct {
	text        string
	first, last int // its first and last non-blank line; -1 when not from the source
}

// part makes b's text t a part of a section's unmapped content.
func (p *parse) part(b block, t string) part {
	first, last := b.from, b.to
	for last > first && p.src.blank(last) {
		last--
	}
	for first < last && p.src.blank(first) {
		first++
	}
	return part{text: t, first: first, last: last}
}

func (e *extra) add(pt part) {
	if pt.text == "" {
		return
	}
	if e.mapped {
		e.after = append(e.after, pt)
	} else {
		e.before = append(e.before, pt)
	}
}

// joinParts joins blocks as the source separated them: blocks written on
// adjacent lines stay adjacent, others are parted by a blank line. A blank
// line where there was none can split what reads back as one block (a
// nested list closed by an item of another marker) into two.
func joinParts(parts []part) string {
	var b strings.Builder
	for i, pt := range parts {
		if i > 0 {
			if prev := parts[i-1]; prev.last >= 0 && pt.first == prev.last+1 {
				b.WriteString("\n")
			} else {
				b.WriteString("\n\n")
				if takesIn(prev.text, pt.text) {
					// what stood between them is written elsewhere: a list
					// would take in the indented or same-marker block that
					// now follows it, so an empty comment ends the list
					// (CommonMark's advice; FuzzParse)
					b.WriteString("<!-- -->\n\n")
				}
			}
		}
		b.WriteString(pt.text)
	}
	return b.String()
}

// takesIn reports whether a list ending Markdown prev would continue into
// next written after a blank line: next is indented, or an item of the
// same marker.
func takesIn(prev, next string) bool {
	prev = strings.TrimRight(prev, "\n")
	last := prev[strings.LastIndexByte(prev, '\n')+1:]
	l := strings.TrimLeft(last, " \t")
	if l == "" || firstMarker(prev) == 0 && !isOrderedItem(prev) || !(indentCols(last) >= 2 || isItemLine(l)) {
		return false
	}
	first, _, _ := strings.Cut(next, "\n")
	if indentCols(first) >= 1 && strings.TrimSpace(first) != "" {
		return true
	}
	f := strings.TrimLeft(first, " ")
	return isItemLine(f) && firstMarker(prev) == f[0]
}

// isItemLine reports a bulleted item's line ("- x", "*"), not a rule.
func isItemLine(l string) bool {
	return l != "" && strings.ContainsAny(l[:1], "-*+") && (len(l) == 1 || l[1] == ' ' || l[1] == '\t') && !isThematicBreak(l)
}

// isOrderedItem reports text that starts with an ordered list item.
func isOrderedItem(t string) bool {
	t = strings.TrimLeft(t, " ")
	i := 0
	for i < len(t) && i < 10 && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	return i > 0 && i < len(t) && (t[i] == '.' || t[i] == ')') && (i+1 == len(t) || t[i+1] == ' ' || t[i+1] == '\t')
}

// firstMarker is the bullet of a list's first item ('-', '*', '+'), or 0.
func firstMarker(t string) byte {
	t = strings.TrimLeft(t, " ")
	if isItemLine(t[:max(0, strings.IndexByte(t+"\n", '\n'))]) {
		return t[0]
	}
	return 0
}

func (p *parse) saveExtra(key string, e *extra, columns []string) {
	x := hindsight.Extra{
		Before:  joinParts(e.before),
		After:   joinParts(e.after),
		Fields:  e.fields,
		Columns: columns,
	}
	if x.IsZero() {
		return
	}
	if p.doc.Extras == nil {
		p.doc.Extras = map[string]hindsight.Extra{}
	}
	p.doc.Extras[key] = x
}

func (p *parse) unknown(kind, sec, name string, line int) {
	p.sm.Unknown = append(p.sm.Unknown, hindsight.Unknown{Kind: kind, Section: sec, Name: name, Line: line + 1})
}

// item is a list item's content as written: marker removed, continuation
// lines dedented to the item's content column.
type item struct {
	node     *ast.ListItem
	from, to int
	text     string
}

// listItems returns the items of a list node, each spanning from its marker
// to the line before the next item (or the list's end).
func (p *parse) listItems(list ast.Node, end int) []item {
	var out []item
	for n := list.FirstChild(); n != nil; n = n.NextSibling() {
		li, ok := n.(*ast.ListItem)
		if !ok {
			continue
		}
		from := p.startLine(li)
		if from < 0 {
			continue
		}
		out = append(out, item{node: li, from: from})
	}
	for i := range out {
		to := end
		if i+1 < len(out) {
			to = out[i+1].from - 1
		}
		for to > out[i].from && p.src.blank(to) {
			to--
		}
		out[i].to = to
		out[i].text = p.itemText(out[i].node, out[i].from, to)
	}
	return out
}

func (p *parse) itemText(li *ast.ListItem, from, to int) string {
	first := p.src.line(from)
	// find the marker: the item's position, or the first non-space
	i := 0
	if pos := li.Pos(); pos >= 0 && pos >= p.src.start[from] {
		i = pos - p.src.start[from]
	}
	if i == 0 || i >= len(first) || !strings.ContainsRune("-*+0123456789", rune(first[i])) {
		// no position, or one that is not the marker (after a tab)
		i = 0
		for i < len(first) && (first[i] == ' ' || first[i] == '\t') {
			i++
		}
	}
	// skip the marker
	j := i
	for j < len(first) && first[j] >= '0' && first[j] <= '9' {
		j++
	}
	if j < len(first) && (first[j] == '-' || first[j] == '*' || first[j] == '+' || first[j] == '.' || first[j] == ')') {
		j++
	}
	k := j
	for k < len(first) && k-j < 4 && (first[k] == ' ' || first[k] == '\t') {
		k++
	}
	if k-j == 0 || k >= len(first) {
		k = j + 1 // an empty first line: content column is marker + 1 space
	}
	contentCol := column(first, min(k, len(first))) + max(0, k-len(first))
	var b strings.Builder
	if k < len(first) {
		// five or more spaces after the marker would make the first line
		// an indented code block of the item; it is read as its text
		b.WriteString(strings.Trim(first[k:], " \t"))
	}
	lines := []string{}
	for l := from + 1; l <= to; l++ {
		lines = append(lines, strings.TrimRight(dedent(p.src.line(l), contentCol), " \t"))
	}
	// lazy continuation lines keep their own indentation; trailing lines of
	// white space only (a vertical tab too) dropped
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	for _, l := range lines {
		b.WriteByte('\n')
		b.WriteString(l)
	}
	t := strings.Trim(b.String(), "\n")
	// an item whose content starts on the line after its marker: up to three
	// spaces before that content mean nothing
	if n := len(t) - len(strings.TrimLeft(t, " ")); n > 0 && n < 4 {
		t = t[n:]
	}
	return t
}

// itemSection reads a section that is a list of items.
func (p *parse) itemSection(s *section, placeholders []string) []string {
	var out []string
	e := &extra{}
	for _, b := range s.blocks {
		if _, ok := b.node.(*ast.List); ok {
			e.mapped = true
			for _, it := range p.listItems(b.node, b.to) {
				if isPlaceholder(it.text, placeholders...) {
					p.placeholder(indexPath(s.key, len(out)), it.from, it.text)
					continue
				}
				if it.text == "" {
					continue
				}
				p.at(indexPath(s.key, len(out)), it.from)
				out = append(out, it.text)
			}
			continue
		}
		p.unknown("content", s.key, "", b.from)
		e.add(p.part(b, p.blockText(b)))
	}
	p.addTail(s, e)
	if len(out) == 0 {
		// prose instead of a list stands alone: it is all "before"
		e.before, e.after = append(e.before, e.after...), nil
	}
	p.saveExtra(s.key, e, nil)
	return out
}

// normValue folds a value for placeholder comparison.
func normValue(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(stripEmphasis(s)), " "))
}

// isPlaceholder reports whether v is one of the placeholders, ignoring case,
// emphasis and runs of white space. It allocates nothing: it runs for every
// value of every document.
func isPlaceholder(v string, placeholders ...string) bool {
	v = stripEmphasis(v)
	for _, ph := range placeholders {
		if foldEqual(v, ph) {
			return true
		}
	}
	return false
}

// foldEqual compares ASCII-case-insensitively with white space runs equal
// to one space; both sides are already trimmed.
func foldEqual(v, ph string) bool {
	i, j := 0, 0
	for i < len(v) && j < len(ph) {
		a, b := v[i], ph[j]
		if isSpace(a) && isSpace(b) {
			for i < len(v) && isSpace(v[i]) {
				i++
			}
			for j < len(ph) && isSpace(ph[j]) {
				j++
			}
			continue
		}
		if lower(a) != lower(b) {
			return false
		}
		i++
		j++
	}
	return i == len(v) && j == len(ph)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' }

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
