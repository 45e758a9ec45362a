package hindsight

import (
	"context"
	"encoding/json"
	"math"
	"time"
)

// InsightStore answers the follow-through and learning questions: figures
// over many incidents (computed by SQL aggregates in the database, never by
// loading documents), the action item tracker, related incidents and
// recurrences. Every method takes a Viewer and counts restricted incidents
// only for viewers who may see them. sqlite/ and postgres/ implement it.
type InsightStore interface {
	// Insights computes the figures of docs/metrics.md over the incidents
	// matching f.
	Insights(ctx context.Context, v Viewer, f InsightsFilter) (*Insights, error)
	// TrackActionItems lists action items across incidents, with the
	// incident's end and the due-date objective of each item.
	TrackActionItems(ctx context.Context, v Viewer, q ActionItemQuery) (*ActionItemPage, error)
	// ActionItemCounts counts the items matching q per owner (open, overdue,
	// past objective, closed), most open first.
	ActionItemCounts(ctx context.Context, v Viewer, q ActionItemQuery) ([]OwnerCount, error)
	// RelatedIncidents lists up to limit incidents related to id (same
	// services, similar contributing factors, similar text), best first,
	// each with the reasons it is shown. ENotFound when id is not visible.
	RelatedIncidents(ctx context.Context, v Viewer, id string, limit int) ([]Related, error)
	// Recurrences lists the earlier incidents on id's services whose action
	// items are all closed: "did the fix work?". ENotFound when id is not
	// visible.
	Recurrences(ctx context.Context, v Viewer, id string) ([]Recurrence, error)
	// Gauges counts incidents by severity and status and the open and
	// overdue action items as of asOf, for /metrics.
	Gauges(ctx context.Context, v Viewer, asOf time.Time) (*Gauges, error)
	// InsightTrends computes, per UTC month of Start, what Insights would
	// count for that month's part of f's range (incidents, by severity,
	// time to mitigate), in a few grouped queries instead of one Insights
	// per month. Months without incidents are absent; incidents without a
	// Start are never counted.
	InsightTrends(ctx context.Context, v Viewer, f InsightsFilter) ([]TrendMonth, error)
}

// TrendMonth is one month of the insights trends: the incidents that
// started in it (and in the filter's range), by severity, and their time to
// mitigate. Each figure is what Insights returns for the same incidents.
type TrendMonth struct {
	Month          string       `json:"month"` // YYYY-MM
	Incidents      int          `json:"incidents"`
	BySeverity     []Count      `json:"by_severity"`
	TimeToMitigate Distribution `json:"time_to_mitigate"`
}

// DefaultUnpublishedDays is how many days after an incident's end a
// postmortem that is not Published is counted as late.
const DefaultUnpublishedDays = 14

// InsightsFilter selects the incidents the figures are computed over. Zero
// fields do not filter.
type InsightsFilter struct {
	// From (inclusive) and Before (exclusive) bound the incidents' Start;
	// when either is set, incidents without a Start are left out.
	From   time.Time `json:"from,omitzero"`
	Before time.Time `json:"before,omitzero"`
	// Severity, Status and Service narrow the incidents (service: exact,
	// case-insensitive name).
	Severity []Severity `json:"severity,omitempty"`
	Status   []Status   `json:"status,omitempty"`
	Service  string     `json:"service,omitempty"`
	// Team narrows the incidents to a team's (slug): added by hand or
	// owning one of their affected services.
	Team string `json:"team,omitempty"`
	// Fields, Tag and FactorCategory narrow the incidents as
	// IncidentFilter's fields of the same names do.
	Fields         map[string]string `json:"fields,omitempty"`
	Tag            string            `json:"tag,omitempty"`
	FactorCategory string            `json:"factor_category,omitempty"`
	// GroupFields names the custom fields (enum fields of the shape) that
	// Insights.ByField breaks down.
	GroupFields []string `json:"group_fields,omitempty"`
	// AsOf is "today" for overdue items and late postmortems (default: the
	// store's clock).
	AsOf time.Time `json:"as_of,omitzero"`
	// UnpublishedDays is the grace period of the late-postmortem figure;
	// DefaultUnpublishedDays when 0.
	UnpublishedDays int `json:"unpublished_days"`
	// Objectives are the due-date objectives by priority; DefaultObjectives
	// when zero.
	Objectives Objectives `json:"objectives"`
}

// Insights are the figures over a set of incidents (see docs/metrics.md for
// every definition).
type Insights struct {
	Filter InsightsFilter `json:"filter"`
	// Incidents is how many incidents matched.
	Incidents  int     `json:"incidents"`
	BySeverity []Count `json:"by_severity"`
	ByStatus   []Count `json:"by_status"`
	ByService  []Count `json:"by_service"`
	// ByMonth counts by the UTC month of Start (YYYY-MM; "" for no Start),
	// oldest first.
	ByMonth []Count `json:"by_month"`
	// TimeToDetect is Detection Time minus Start, in minutes.
	TimeToDetect Distribution `json:"time_to_detect"`
	// TimeToAcknowledge and TimeToMitigate are the stated values, or derived
	// from the timeline when not stated (Derived counts those).
	TimeToAcknowledge Distribution `json:"time_to_acknowledge"`
	TimeToMitigate    Distribution `json:"time_to_mitigate"`
	// Duration is End minus Start, or the stated Duration when a time is
	// missing (Derived counts those).
	Duration Distribution `json:"duration"`
	// Detection counts incidents by detection source ("" when not stated).
	Detection   []Count           `json:"detection"`
	ActionItems ActionItemFigures `json:"action_items"`
	Unpublished Unpublished       `json:"unpublished"`
	// Recurrences counts, per service, the matching incidents that hit a
	// service which had an earlier incident whose action items were all
	// closed.
	Recurrences []Count `json:"recurrences"`

	// ByFactorCategory, ByTag and ByField (per field named in
	// InsightsFilter.GroupFields, keyed as named there) count the matching
	// incidents by contributing-factor category, tag and custom field value
	// (a comma-separated value counts once per piece), ordered by their
	// lower-case match keys. The store writes each key (and each repeat
	// factor's category) as the oldest live, unrestricted incident with it
	// writes it (by Start, then Incident ID; the match key when only
	// restricted incidents have it), the same for every reader;
	// followup.Handler.Insights writes the keys the shape declares as it
	// declares them. Each with the median time to mitigate; an incident with two counts
	// for both, so shares can add up past 100%. Most incidents first.
	ByFactorCategory []Count            `json:"by_factor_category"`
	ByTag            []Count            `json:"by_tag"`
	ByField          map[string][]Count `json:"by_field"`
	// RepeatFactors are the factor categories that recurred on a service:
	// two or more matching incidents naming the service and a factor of
	// the category, each started within RepeatDays of the one before.
	RepeatFactors []RepeatFactor `json:"repeat_factors"`
}

// RepeatDays is the window of a repeat factor: a category recurs on a
// service when two incidents naming both started at most this many days
// apart.
const RepeatDays = 90

// RepeatStore finds the incidents that make a factor category recur on a
// service (implemented by the SQL stores).
type RepeatStore interface {
	// FactorRepeats lists, per category of categories and service of
	// services (both case-insensitive), the live incidents other than id
	// that v may see naming both and started at most RepeatDays before or
	// after start, oldest first.
	FactorRepeats(ctx context.Context, v Viewer, id string, categories, services []string, start time.Time) ([]RepeatFactor, error)
}

// RepeatFactor is a factor category recurring on a service: Incidents
// (oldest first) are the incidents of the recurrence.
type RepeatFactor struct {
	Category  string   `json:"category"`
	Service   string   `json:"service"`
	Incidents []string `json:"incidents"`
}

// Count is one row of a breakdown: a key, how many, and the share of the
// whole (0..1).
type Count struct {
	Key   string  `json:"key"`
	N     int     `json:"n"`
	Share float64 `json:"share"`
	// MedianTTM is the median time to mitigate, in minutes, of the
	// incidents counted that have one (percentile_cont, as Distribution):
	// set by the breakdowns by factor category, tag and field only, and
	// nil there when none of them has a time to mitigate.
	MedianTTM *float64 `json:"median_ttm,omitempty"`
}

// Distribution summarizes a set of minutes. Median and P90 follow
// PostgreSQL's percentile_cont: linear interpolation between the two
// nearest ranks (the median of an even count is the mean of the two middle
// values). With N = 0 every figure is undefined (JSON null).
type Distribution struct {
	N      int     `json:"n"`
	Mean   float64 `json:"mean"`
	Median float64 `json:"median"`
	P90    float64 `json:"p90"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	// Derived counts the values not stated in the document but derived (TTA
	// and TTM from the timeline, duration from the stated Duration).
	Derived int `json:"derived"`
}

// MarshalJSON writes null for the figures of an empty distribution.
func (d Distribution) MarshalJSON() ([]byte, error) {
	type fig struct {
		N       int      `json:"n"`
		Mean    *float64 `json:"mean"`
		Median  *float64 `json:"median"`
		P90     *float64 `json:"p90"`
		Min     *float64 `json:"min"`
		Max     *float64 `json:"max"`
		Derived int      `json:"derived"`
	}
	f := fig{N: d.N, Derived: d.Derived}
	if d.N > 0 {
		f.Mean, f.Median, f.P90, f.Min, f.Max = &d.Mean, &d.Median, &d.P90, &d.Min, &d.Max
	}
	return json.Marshal(f)
}

// Round3 rounds x to three decimals: stores round every figure with it so
// both backends report the same numbers.
func Round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// ActionItemFigures are the action items of the matching incidents.
type ActionItemFigures struct {
	Total  int `json:"total"`
	Open   int `json:"open"`
	Closed int `json:"closed"`
	// Overdue items are not Closed and their target date is before AsOf.
	Overdue int `json:"overdue"`
	// PastObjective items are not Closed and AsOf is after their objective
	// date (incident end + the objective of their priority).
	PastObjective int `json:"past_objective"`
	// CompletionRate is Closed / Total (0 when Total is 0).
	CompletionRate float64 `json:"completion_rate"`
}

// Unpublished counts the matching incidents that ended more than Days days
// before AsOf and whose postmortem is not Published; IDs lists the oldest
// (at most 50).
type Unpublished struct {
	Days int      `json:"days"`
	N    int      `json:"n"`
	IDs  []string `json:"ids"`
}

// Objectives are due-date objectives by priority, in days after the
// incident's end. A zero Objectives means DefaultObjectives.
type Objectives struct {
	P0 int `json:"p0_days"`
	P1 int `json:"p1_days"`
	P2 int `json:"p2_days"`
}

// DefaultObjectives: P0 two weeks, P1 four weeks, P2 eight weeks.
var DefaultObjectives = Objectives{P0: 14, P1: 28, P2: 56}

// OrDefault returns o, or DefaultObjectives when o is zero.
func (o Objectives) OrDefault() Objectives {
	if o == (Objectives{}) {
		return DefaultObjectives
	}
	return o
}

// Days returns the objective of a priority; ok is false for a priority
// that is not P0, P1 or P2.
func (o Objectives) Days(p Priority) (int, bool) {
	switch p {
	case P0:
		return o.P0, true
	case P1:
		return o.P1, true
	case P2:
		return o.P2, true
	}
	return 0, false
}

// Due returns the objective date of an item of priority p on an incident
// that ended at end: end's UTC day plus the objective. ok is false when
// end is zero or p has no objective.
func (o Objectives) Due(p Priority, end time.Time) (time.Time, bool) {
	d, ok := o.Days(p)
	if !ok || end.IsZero() {
		return time.Time{}, false
	}
	return DateOf(end).T.AddDate(0, 0, d), true
}

// ActionItemSort is a sort key of TrackActionItems.
type ActionItemSort string

// The action item sort keys. Ties are broken by incident and position.
const (
	// ItemSortTarget sorts by target date, items without one last.
	ItemSortTarget   ActionItemSort = "target"
	ItemSortPriority ActionItemSort = "priority"
	ItemSortOwner    ActionItemSort = "owner"
	ItemSortIncident ActionItemSort = "incident"
	// ItemSortSeverity sorts by the incident's severity, SEV-1 first.
	ItemSortSeverity ActionItemSort = "severity"
)

// ActionItemQuery is the tracker's query: the store's ActionItemFilter plus
// a due window, past-objective, sorting and paging.
type ActionItemQuery struct {
	ActionItemFilter
	// PastObjective keeps items not Closed whose objective date is before
	// AsOf.
	PastObjective bool
	// AsOf is "today" for overdue and past-objective (default: the store's
	// clock); OverdueAsOf, when set, wins for overdue.
	AsOf       time.Time
	Objectives Objectives
	// Sort defaults to ItemSortTarget.
	Sort ActionItemSort
	Desc bool
	// Limit (ActionItemFilter's) defaults to 50 here and is at most 5000.
	// Cursor is the Next of the previous page (keyset paging: no item is
	// lost or shown twice while items change); Offset skips rows instead
	// (not with a Cursor).
	Cursor string
	Offset int
}

// TrackedItem is an action item as the tracker shows it.
type TrackedItem struct {
	ActionItemRow
	IncidentStatus Status    `json:"incident_status"`
	IncidentEnd    time.Time `json:"incident_end,omitzero"`
	Services       []string  `json:"services"`
	// Objective is the objective date (zero when the incident has no end or
	// the priority no objective); Suggested is true when the item has no
	// target date, so Objective is the suggested one.
	Objective     Date `json:"objective_date"`
	Suggested     bool `json:"suggested"`
	Overdue       bool `json:"overdue"`
	PastObjective bool `json:"past_objective"`
}

// ActionItemPage is one page of tracked items and the count of all matches.
// Next, when there are more, is the Cursor of the next page.
type ActionItemPage struct {
	Items []TrackedItem `json:"items"`
	Total int           `json:"total"`
	Next  string        `json:"next,omitempty"`
}

// OwnerCount is the tracker's per-owner summary ("" is no owner).
type OwnerCount struct {
	Owner         string `json:"owner"`
	Open          int    `json:"open"`
	Overdue       int    `json:"overdue"`
	PastObjective int    `json:"past_objective"`
	Closed        int    `json:"closed"`
	Total         int    `json:"total"`
}

// Related is an incident related to another, with why.
type Related struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	Severity Severity  `json:"severity"`
	Status   Status    `json:"status"`
	Start    time.Time `json:"start_time,omitzero"`
	// Reasons say why it is shown: "same service: checkout", "similar
	// contributing factors", "similar text".
	Reasons []string `json:"reasons"`
	// Score orders related incidents, higher first (see docs/metrics.md).
	Score float64 `json:"score"`
}

// Recurrence is an earlier incident on the same service whose action items
// were all closed: the fix may not have worked.
type Recurrence struct {
	Service       string    `json:"service"`
	EarlierID     string    `json:"earlier_id"`
	EarlierTitle  string    `json:"earlier_title"`
	EarlierStart  time.Time `json:"earlier_start"`
	EarlierItems  int       `json:"earlier_action_items"`
	EarlierStatus Status    `json:"earlier_status"`
}

// Gauges are the figures /metrics exports.
type Gauges struct {
	// Incidents counts incidents (not deleted) by severity and status.
	Incidents []SeverityStatusCount `json:"incidents"`
	// OpenItems and OverdueItems count action items not Closed, and those
	// of them past their target date.
	OpenItems    int `json:"open_action_items"`
	OverdueItems int `json:"overdue_action_items"`
}

// SeverityStatusCount is one cell of the incidents gauge.
type SeverityStatusCount struct {
	Severity Severity `json:"severity"`
	Status   Status   `json:"status"`
	N        int      `json:"n"`
}
