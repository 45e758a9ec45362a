// Package sqlstore is the part of the SQL stores that SQLite and PostgreSQL
// share: the operations of hindsight.Store over database/sql with
// hand-written SQL, the projections of a model into rows, and row mapping.
// What differs between the backends (placeholders, time and date encoding,
// full-text search, migrations) comes from a Dialect.
package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Dialect is what a backend supplies.
type Dialect interface {
	// Rebind rewrites the ? placeholders of a query into the backend's.
	Rebind(query string) string
	// Time encodes a timestamp parameter (nil for the zero time).
	Time(t time.Time) any
	// Date encodes a date parameter (nil for the zero time).
	Date(t time.Time) any
	// MatchArg turns a user's search text into the backend's query
	// parameter; ok is false when the text holds no searchable word.
	MatchArg(text string) (arg string, ok bool)
	// MatchCond is a condition on incidents (alias i) with one ? for the
	// MatchArg value: true when the incident's search text matches. common
	// says that the value matches many incidents (MatchCountSQL): a list
	// then reads incidents in its sort order and checks each against the
	// matches, where with few matches it reads the matches and sorts them.
	MatchCond(common bool) string
	// MatchCountSQL counts the incidents that match a MatchArg value (one
	// ?), up to the number that makes the value common; "" when the
	// backend's planner makes the choice itself.
	MatchCountSQL() (query string, common int)
	// SearchSQL is the ranked search. It selects cols, then two snippet
	// columns (Snippet makes the hit's snippet of them), the rank and the
	// number of ranked matches, from incidents (alias i) matching the query
	// and cond; its parameters are the MatchArg value, cond's arguments,
	// limit and offset.
	SearchSQL(cols, cond string) string
	// Snippet is a hit's snippet, from the MatchArg value and the two
	// snippet columns of SearchSQL: text around the hits, each between
	// hindsight.MarkStart and MarkEnd; the first skip bytes of b are its
	// header (searchHeaderLen), left out unless only they hold a hit.
	Snippet(arg, a, b string, skip int) string
	// PutSearch sets the search text of an incident in tx.
	PutSearch(ctx context.Context, tx Execer, id, title, body string) error
	// DeleteSearch removes an incident from the search index in tx.
	DeleteSearch(ctx context.Context, tx Execer, id string) error
	// IsUniqueViolation reports whether err is a unique or primary key
	// violation, by the driver's error code (never by the message text).
	IsUniqueViolation(err error) bool
	// Unavailable names the cause when err says the database cannot write
	// now (disk full, read-only, an I/O error, the connection lost), by
	// the driver's error code; "" for any other error.
	Unavailable(err error) string
	// Epoch is SQL for the Unix seconds (rounded down) of a timestamp
	// column, NULL when it is NULL.
	Epoch(col string) string
}

// SearchWindower is a Dialect whose search can find its window (the
// SearchWindow most recent matches) without reading every match: it counts
// the matches among the most recent incidents and ranks them in the same
// query when they hold the window; searchWindowed widens that range until
// it holds the window or every incident (PostgreSQL: the match and the
// range are one index scan).
type SearchWindower interface {
	// SearchWindow is how many matches a search ranks at most.
	SearchWindow() int
	// SearchWindowQuery is the statement that finds the window among the
	// incidents after the k most recent (all when there are no more;
	// every incident when k is 0): the SearchWindow most recent matches
	// for cond there, and its leading arguments (hint is SearchHint's
	// value, arg the MatchArg value); cond's arguments, the limit and the
	// offset follow them. Its rows hold the window's size, whether the
	// range held every incident, an estimate of the incidents searched (0
	// when unknown), the k it used (at least k, or NULL), and, when the
	// window is full or the range held every incident, the window's
	// matches ranked (the incident ID and rank of each, rank descending
	// then ID, from the offset, up to the limit): one row with a NULL ID
	// when none. A NULL size means the statement could not tell (what the
	// dialect worked out beforehand is out of date): the caller asks again
	// with plain, whose statement always can.
	SearchWindowQuery(hint any, k int64, arg, cond string, plain bool) (string, []any)
	// SearchHint is what the dialect knows of arg's search without reading
	// the index (PostgreSQL: the planner's statistics of the search index
	// and the query's tree), read once per search; it only speeds the
	// search up: the results do not depend on it.
	SearchHint(ctx context.Context, arg string) any
	// SearchRowsSQL reads cols, the title and the body of the incidents
	// whose IDs its one parameter lists (a []string), in no order.
	SearchRowsSQL(cols string) string
}

// DollarRebind rewrites ? into $1, $2, ... (PostgreSQL). The queries of this
// package hold no ? inside literals.
func DollarRebind(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// TextTimeLayout is how SQLite stores timestamps: fixed width, UTC, so text
// order is time order and the sqlite3 shell shows them readably.
const TextTimeLayout = "2006-01-02T15:04:05.000000Z"

// TextTime encodes t as TextTimeLayout text, or nil for the zero time.
func TextTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(TextTimeLayout)
}

// TextDate encodes t's UTC day as YYYY-MM-DD text, or nil for the zero time.
func TextDate(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02")
}

// NativeTime passes t through in UTC (PostgreSQL timestamptz and date), or
// nil for the zero time.
func NativeTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// timeScan scans a timestamp or date column of either backend into a
// time.Time (zero for NULL).
type timeScan struct{ dst *time.Time }

func (s timeScan) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.dst = time.Time{}
	case time.Time:
		*s.dst = v.UTC()
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	case int64:
		*s.dst = time.UnixMicro(v).UTC()
	default:
		return fmt.Errorf("cannot scan %T into a time", src)
	}
	return nil
}

func (s timeScan) parse(v string) error {
	layouts := []string{TextTimeLayout, time.RFC3339Nano, "2006-01-02"}
	if len(v) == len("2006-01-02") {
		// a date (last_updated): the other layouts fail on it, each
		// allocating its error
		layouts = layouts[2:]
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, v); err == nil {
			*s.dst = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("cannot parse time %q", v)
}

// minScan scans a nullable minutes column, -1 for NULL.
type minScan struct{ dst *int }

func (s minScan) Scan(src any) error {
	var n sql.NullInt64
	if err := n.Scan(src); err != nil {
		return err
	}
	*s.dst = -1
	if n.Valid {
		*s.dst = int(n.Int64)
	}
	return nil
}

// strScan scans a nullable text column, "" for NULL.
type strScan struct{ dst *string }

func (s strScan) Scan(src any) error {
	var n sql.NullString
	if err := n.Scan(src); err != nil {
		return err
	}
	*s.dst = n.String
	return nil
}
