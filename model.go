package hindsight

import "strings"

// Postmortem is the whole document of one incident postmortem, field for
// field as in the template (shared/template/postmortem-template.md).
//
// A field that is not set holds its zero value and renders empty: only
// `hindsight new` writes the template's hints (markdown.RenderTemplate).
// Content the template has no field for is kept verbatim in Extras (per
// section) and Custom (whole unknown sections), and hint text an author left
// in place is kept in Hints, so a document never loses a word by passing
// through Hindsight.
type Postmortem struct {
	// Title is the text after "Incident Postmortem: " in the H1.
	Title       string `json:"title"`
	Version     string `json:"version"`
	Status      Status `json:"status"`
	Owner       string `json:"owner"`
	LastUpdated Date   `json:"last_updated"`

	Summary          Summary       `json:"summary"`
	ExecutiveSummary string        `json:"executive_summary"`
	Detection        Detection     `json:"detection"`
	Impact           Impact        `json:"impact"`
	Timeline         []Event       `json:"timeline"`
	RootCause        RootCause     `json:"root_cause"`
	Resolution       Resolution    `json:"resolution"`
	Communication    Communication `json:"communication"`
	WentWell         []string      `json:"went_well"`
	WentPoorly       []string      `json:"went_poorly"`
	ActionItems      []ActionItem  `json:"action_items"`
	Prevention       Prevention    `json:"prevention"`
	References       []string      `json:"references"`

	// Extras holds, per section key (see Sections), content inside a known
	// section that maps to no field. Nil when there is none.
	Extras map[string]Extra `json:"extras,omitempty"`
	// Custom holds sections the template does not know, in document order.
	Custom []CustomSection `json:"custom_sections,omitempty"`
	// Hints holds the template's placeholder text an author left in the
	// document where a field is unset ("Name", "YYYY-MM-DD", the sample
	// action item row), in document order, so that formatting keeps it
	// verbatim and lint goes on reporting it. Only the Markdown parser
	// creates hints: an empty field set through the API or the web form
	// renders empty.
	Hints []Hint `json:"hints,omitempty"`

	// shape types custom fields in the JSON form (WithShape); it is not
	// part of the document.
	shape *Shape
}

// Hint is placeholder text left at a field path ("detection.incident_commander",
// "went_well[0]": before the item of that index; "action_items[1]": a whole
// row, whose cells are in Cells).
type Hint struct {
	Field string   `json:"field"`
	Text  string   `json:"text"`
	Cells []string `json:"cells,omitempty"`
}

// Summary is the "Incident Summary" section.
type Summary struct {
	// IncidentID is INC-YYYYMMDD-NNN; any other text is kept verbatim.
	IncidentID     string         `json:"incident_id"`
	Start          Time           `json:"start_time"`
	End            Time           `json:"end_time"`
	Duration       Duration       `json:"duration"`
	Severity       Severity       `json:"severity"`
	Services       []Service      `json:"services_affected"`
	CustomerImpact CustomerImpact `json:"customer_impact"`
}

// Service is one entry of "Services Affected": a name and an impact summary.
type Service struct {
	Name   string `json:"name"`
	Impact string `json:"impact"`
}

// CustomerImpact is the Incident Summary's customer impact: who and what was
// hit. Notes keeps further sub-bullets verbatim.
type CustomerImpact struct {
	UsersAffected string   `json:"users_affected"`
	Regions       string   `json:"regions"`
	Symptoms      string   `json:"symptoms"`
	Notes         []string `json:"notes,omitempty"`
}

// Detection is the "Detection & Response" section.
type Detection struct {
	// DetectedBy is Monitoring, Customer report, Internal team or Other,
	// optionally followed by free text; see DetectionSource.
	DetectedBy    string   `json:"detected_by"`
	DetectionTime Time     `json:"detection_time"`
	TTA           Duration `json:"time_to_acknowledge"`
	TTM           Duration `json:"time_to_mitigate"`
	Commander     string   `json:"incident_commander"`
	Responders    string   `json:"on_call_responders"`
	Channels      string   `json:"communication_channels"`
}

// Impact is the "Impact Analysis" section. Customer and Internal are
// Markdown (usually a list).
type Impact struct {
	Customer string     `json:"customer"`
	Internal string     `json:"internal"`
	Data     DataImpact `json:"data"`
}

// DataImpact answers the three data questions. Notes keeps further
// sub-bullets verbatim.
type DataImpact struct {
	Loss       Answer   `json:"loss"`
	Exposure   Answer   `json:"exposure"`
	Compliance Answer   `json:"compliance"`
	Notes      []string `json:"notes,omitempty"`
}

// Event is one row of the timeline.
type Event struct {
	Time  Time   `json:"time"`
	Event string `json:"event"`
	// Cells holds the values of extra columns (see Extra.Columns).
	Cells []string `json:"cells,omitempty"`
}

// RootCause is the "Root Cause" section.
type RootCause struct {
	Primary string   `json:"primary"`
	Factors []string `json:"contributing_factors"`
}

// Resolution is the "Resolution" section.
type Resolution struct {
	Immediate string `json:"immediate_fix"`
	LongTerm  string `json:"long_term_fix"`
	Rollback  Answer `json:"rollback_needed"`
}

// Communication is the "Customer Communication" section.
type Communication struct {
	StatusPage string `json:"status_page_updates"`
	Direct     string `json:"direct_notifications"`
	FollowUp   string `json:"post_incident_follow_up"`
}

// ActionItem is one row of the action items table.
type ActionItem struct {
	ID         string     `json:"id"`
	Action     string     `json:"action"`
	Owner      string     `json:"owner"`
	Priority   Priority   `json:"priority"`
	TargetDate Date       `json:"target_date"`
	Status     ItemStatus `json:"status"`
	// Ticket is the item's issue in a tracker (a key such as "org/repo#12"
	// or "OPS-12", or a link), read from the table's Ticket column (also
	// headed "Issue" or "Tracker", any case): the first such column. The
	// column keeps its place among the extra columns (Extra.Columns names
	// it; the item's cell at that place is not used); a document without
	// one gets a "Ticket" column after the others when an item has a
	// ticket.
	Ticket string `json:"ticket"`
	// Cells holds the values of extra columns (see Extra.Columns).
	Cells []string `json:"cells,omitempty"`
}

// Prevention is the "Prevention & Follow-up" section.
type Prevention struct {
	Monitoring    string `json:"monitoring_improvements"`
	Process       string `json:"process_improvements"`
	Documentation string `json:"documentation_updates"`
	Training      string `json:"training_needs"`
}

// Extra is the content of a known section that maps to no field, verbatim.
type Extra struct {
	// Before is Markdown that stood before the section's own content.
	Before string `json:"before,omitempty"`
	// Fields are list items the section does not know, in order; Label is
	// empty for an unlabelled item.
	Fields []Field `json:"fields,omitempty"`
	// After is Markdown that stood after the section's own content.
	After string `json:"after,omitempty"`
	// Columns names the extra columns of the section's table.
	Columns []string `json:"columns,omitempty"`
}

// IsZero reports whether e holds nothing.
func (e Extra) IsZero() bool {
	return e.Before == "" && e.After == "" && len(e.Fields) == 0 && len(e.Columns) == 0
}

// Field is a labelled (or unlabelled) list item kept verbatim.
type Field struct {
	Label string `json:"label,omitempty"`
	Value string `json:"value"`
}

// CustomSection is a section the template does not know, kept verbatim.
type CustomSection struct {
	Heading string `json:"heading"`
	Level   int    `json:"level"`
	Body    string `json:"body"`
	// After is the key of the known section it followed ("" for before the
	// first section).
	After string `json:"after"`
}

// Section keys, in template order. They name sections in Extras, in source
// maps and in lint messages, and are the JSON names of the sections.
const (
	SecSummary       = "summary"
	SecExecutive     = "executive_summary"
	SecDetection     = "detection"
	SecImpact        = "impact"
	SecTimeline      = "timeline"
	SecRootCause     = "root_cause"
	SecResolution    = "resolution"
	SecCommunication = "communication"
	SecWentWell      = "went_well"
	SecWentPoorly    = "went_poorly"
	SecActionItems   = "action_items"
	SecPrevention    = "prevention"
	SecReferences    = "references"
	// SecPreamble is the content between the metadata and the first section.
	SecPreamble = "preamble"
)

// SectionInfo describes a known section.
type SectionInfo struct {
	Key     string
	Heading string // the template's heading text
}

// Sections lists the known sections in template order.
var Sections = []SectionInfo{
	{SecSummary, "Incident Summary"},
	{SecExecutive, "Executive Summary"},
	{SecDetection, "Detection & Response"},
	{SecImpact, "Impact Analysis"},
	{SecTimeline, "Timeline (UTC)"},
	{SecRootCause, "Root Cause"},
	{SecResolution, "Resolution"},
	{SecCommunication, "Customer Communication"},
	{SecWentWell, "What Went Well"},
	{SecWentPoorly, "What Went Poorly"},
	{SecActionItems, "Action Items"},
	{SecPrevention, "Prevention & Follow-up"},
	{SecReferences, "Attachments & References"},
}

// SectionHeading returns the template heading of a section key.
func SectionHeading(key string) string {
	for _, s := range Sections {
		if s.Key == key {
			return s.Heading
		}
	}
	return key
}

// IsTicketColumn reports whether an action items table column of that
// heading holds the items' tickets: "Ticket", "Issue" or "Tracker", any
// case, with surrounding white space.
func IsTicketColumn(heading string) bool {
	switch strings.ToLower(strings.TrimSpace(heading)) {
	case "ticket", "issue", "tracker":
		return true
	}
	return false
}

// TicketColumn is the index in columns (Extra.Columns of the action items)
// of the first ticket column, or -1.
func TicketColumn(columns []string) int {
	for i, c := range columns {
		if IsTicketColumn(c) {
			return i
		}
	}
	return -1
}

// OpenActionItems counts the action items that are not Closed.
func (p *Postmortem) OpenActionItems() int {
	n := 0
	for _, a := range p.ActionItems {
		if a.Status != ItemClosed {
			n++
		}
	}
	return n
}

// ServiceNames returns the names of the affected services.
func (p *Postmortem) ServiceNames() []string {
	out := make([]string, 0, len(p.Summary.Services))
	for _, s := range p.Summary.Services {
		if s.Name != "" {
			out = append(out, s.Name)
		}
	}
	return out
}
