package postgres

import (
	"context"
	"database/sql"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// queryTrees keeps, for each search text, its query's querytree (the query
// without its negations, as text) and its number of nodes: what the search
// plans in Go (keysQuery, searchShare). websearch_to_tsquery gives the
// same query for the same text, so an entry never goes out of date; a text
// not kept costs one small statement.
type queryTrees struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]queryTree
}

// queryTree is a text's query as far as the plan needs it.
type queryTree struct {
	tree  string // querytree's text; "" when NULL
	nodes int    // numnode
	exact bool   // the keys query matches exactly the query's matches (exactTree)
}

// maxQueryTrees bounds queryTrees: when full it is emptied.
const maxQueryTrees = 4096

// get returns arg's query tree; ok is false when it cannot be read.
func (c *queryTrees) get(ctx context.Context, arg string) (queryTree, bool) {
	if c == nil || c.db == nil {
		return queryTree{}, false
	}
	c.mu.Lock()
	qt, ok := c.m[arg]
	c.mu.Unlock()
	if ok {
		return qt, true
	}
	var tree, text sql.NullString
	if err := c.db.QueryRowContext(ctx, `SELECT querytree(q), numnode(q), q::text FROM websearch_to_tsquery('english', $1) q`, arg).Scan(&tree, &qt.nodes, &text); err != nil {
		return queryTree{}, false
	}
	qt.tree = tree.String
	qt.exact = tree.Valid && text.Valid && tree.String == text.String && exactTree(tree.String)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxQueryTrees {
		c.m = map[string]queryTree{}
	}
	c.m[arg] = qt
	return qt, true
}

// searchPlan is SearchHint's value: the statistics and the query's tree,
// from which SearchWindowQuery works out in Go the range's start, the
// expected share and the keys query that migration 00290's SQL functions
// compute in the statement (SearchWindowSQL).
type searchPlan struct {
	st     *searchStats // nil: none
	qt     queryTree
	qtOK   bool
	bounds *searchBounds // expired when the statement finds a higher ID
}

// idForm is an Incident ID whose year, month and tens of days make its
// bucket (hindsight_search_keys).
var idForm = regexp.MustCompile(`^INC-[0-9]{4}(0[1-9]|1[0-2])[0-3][0-9]-`)

// queryTokens splits querytree's text as migration 00290's functions do
// with this regular expression:
//
//	'(?:[^'\\]|''|\\.)*'|<[0-9-]*>|[^ ]
//
// quoted words (a quote doubled, a backslash escaped), phrase operators
// and single characters; spaces separate them.
func queryTokens(qt string) []string {
	var out []string
	for i := 0; i < len(qt); {
		c := qt[i]
		switch {
		case c == ' ':
			i++
			continue
		case c == '\'':
			j := i + 1
			for j < len(qt) {
				if qt[j] == '\'' {
					if j+1 < len(qt) && qt[j+1] == '\'' {
						j += 2
						continue
					}
					break
				}
				if qt[j] == '\\' && j+1 < len(qt) {
					j += 2
					continue
				}
				j++
			}
			if j < len(qt) {
				out = append(out, qt[i:j+1])
				i = j + 1
				continue
			}
		case c == '<':
			j := i + 1
			for j < len(qt) && (qt[j] >= '0' && qt[j] <= '9' || qt[j] == '-') {
				j++
			}
			if j < len(qt) && qt[j] == '>' {
				out = append(out, qt[i:j+1])
				i = j + 1
				continue
			}
		}
		// one character (a rune: the SQL's [^ ] is one character)
		n := 1
		for n < 4 && i+n < len(qt) && qt[i+n]&0xC0 == 0x80 {
			n++
		}
		out = append(out, qt[i:i+n])
		i += n
	}
	return out
}

// exactTree reports whether a query (its text, when it is its own
// querytree: it negates nothing) is words joined by AND and OR only: no
// phrase (the keys hold no positions), no weight or prefix. Then the keys
// query (keysQuery) matches a row of its range exactly when the query
// does: a row's keys are its own words, each with the row's bucket, and
// every bucket of the range is among each word's choices. The search then
// skips checking each row against its tsvector (ts_match_vq), a tenth of
// the database's CPU per search of a word at 100,000 incidents (perf).
func exactTree(qt string) bool {
	if !usableTree(qt) {
		return false
	}
	for _, t := range queryTokens(qt) {
		switch {
		case len(t) >= 2 && t[0] == '\'' && t[len(t)-1] == '\'':
		case t == "&" || t == "|" || t == "(" || t == ")":
		default:
			return false
		}
	}
	return true
}

// usableTree reports whether a query tree holds a word a match must have
// (querytree is neither NULL, empty nor T).
func usableTree(qt string) bool { return qt != "" && qt != "T" }

// keysQuery is hindsight_search_keys_query (migration 00290) in Go, the
// same text: qt (querytree's text) over the buckets of the incidents from
// lo up to hi, every word w becoming (w@b1 | ... | w@x), a phrase an AND.
// ok is false where the function gives NULL.
func keysQuery(qt, lo, hi string) (string, bool) {
	if !usableTree(qt) || !idForm.MatchString(lo) || !idForm.MatchString(hi) {
		return "", false
	}
	month := func(id string) int {
		y, _ := strconv.Atoi(id[4:8])
		m, _ := strconv.Atoi(id[8:10])
		return y*12 + m - 1
	}
	mlo, mhi := month(lo), month(hi)
	if mhi-mlo >= 48 {
		return "", false
	}
	blo, bhi := lo[4:11], hi[4:11]
	var buckets []string
	for m := mhi; m >= mlo; m-- {
		for d := 3; d >= 0; d-- {
			b := lpad(strconv.Itoa(m/12), 4) + lpad(strconv.Itoa(m%12+1), 2) + strconv.Itoa(d)
			if b >= blo && b <= bhi {
				buckets = append(buckets, b)
			}
		}
	}
	buckets = append(buckets, "x")
	var res strings.Builder
	for _, t := range queryTokens(qt) {
		switch t[0] {
		case '\'':
			res.WriteString(" (")
			for i, b := range buckets {
				if i > 0 {
					res.WriteString(" | ")
				}
				res.WriteString(t[:len(t)-1])
				res.WriteString("@")
				res.WriteString(b)
				res.WriteString("'")
			}
			res.WriteString(")")
		case '<':
			res.WriteString(" &")
		default:
			res.WriteString(" ")
			res.WriteString(t)
		}
	}
	return res.String(), true
}

// lpad is PostgreSQL's lpad(s, n, '0') for a digit string.
func lpad(s string, n int) string {
	if len(s) >= n {
		return s[:n]
	}
	return strings.Repeat("0", n-len(s)) + s
}

// searchShare is hindsight_search_share (migration 00290) in Go: at most
// the share of incidents that the query (querytree's text) can match, from
// the statistics' most common lexemes (one not among them counts as the
// least frequent): the smallest of its words' when they must all match,
// the sum when any may. ok is false where the function gives NULL
// (statistics missing, AND and OR mixed, no word a match must have).
func searchShare(qt string, st *searchStats) (float64, bool) {
	if !usableTree(qt) || st == nil || st.elems == nil {
		return 0, false
	}
	share, have := 0.0, false
	op := byte(0)
	for _, t := range queryTokens(qt) {
		switch {
		case t[0] == '\'':
			w := strings.ReplaceAll(strings.ReplaceAll(t[1:len(t)-1], "''", "'"), `\\`, `\`)
			f, ok := st.elems[w]
			if !ok {
				f = st.leastFreq
			}
			switch {
			case !have:
				share, have = f, true
			case op == '|':
				share += f
			default:
				share = math.Min(share, f)
			}
		case t == "|" || t == "&" || t[0] == '<':
			o := byte('&')
			if t == "|" {
				o = '|'
			}
			if op != 0 && op != o {
				return 0, false
			}
			op = o
		default:
			// parentheses: AND and OR mixed
			return 0, false
		}
	}
	if !have {
		return 0, false
	}
	return math.Min(share, 1), true
}

// keysWindowSQL is the statement of SearchWindowQuery's keys way, worked out
// in Go (searchPlan): its parameters are the MatchArg value, the keys
// query, the range's lowest ID, the last bucket the keys query covers, the
// k used and the estimated incidents, cond's arguments, the limit and the
// offset. It reads the keys of the range (incident_search_keys) and ranks
// the window's rows as SearchWindowSQL's keys branch does, without its
// other branches and the functions that work out the range; when exact
// (exactTree), without checking each row against the query; when
// byteOrder (searchStats), sorting the IDs with COLLATE "C", the same
// order as the database's then: strcoll's comparisons were about a
// twentieth of the statement's CPU. When an
// incident ID above that bucket (or of another form) is now the highest,
// the keys query may miss its matches: the row's n is NULL and the caller
// asks for SearchWindowSQL instead.
func (d dialect) keysWindowSQL(cond string, exact, byteOrder bool) string {
	window := strconv.Itoa(d.searchWindow())
	match := ` AND ts_match_vq(s.tsv, (SELECT q FROM x))`
	if exact {
		match = ""
	}
	id := ""
	if byteOrder {
		id = ` COLLATE "C"`
	}
	return `WITH x AS MATERIALIZED (SELECT websearch_to_tsquery('english', ?) AS q, ?::tsquery AS kq, ?::text AS lo,
        (SELECT h.incident_id ~ '^INC-[0-9]{4}(0[1-9]|1[0-2])[0-3][0-9]-' AND substr(h.incident_id, 5, 7) COLLATE "C" <= ?::text
            FROM (SELECT incident_id FROM incident_search ORDER BY incident_id DESC LIMIT 1) h) AS fresh,
        ?::bigint AS k, ?::bigint AS est),
hid AS MATERIALIZED (SELECT i.id FROM incidents i WHERE (i.deleted_at IS NOT NULL OR i.restricted) AND NOT (` + cond + `)),
win AS MATERIALIZED (
    SELECT s.incident_id, ts_rank_cd(s.tsv, (SELECT q FROM x)) AS rank FROM incident_search s
    WHERE (SELECT fresh FROM x) AND hindsight_search_keys(s.tsv, s.incident_id) @@ (SELECT kq FROM x)
        AND text_ge(s.incident_id, (SELECT lo FROM x))` + match + `
        AND s.incident_id NOT IN (SELECT id FROM hid)
    ORDER BY s.incident_id` + id + ` DESC LIMIT ` + window + `),
m AS MATERIALIZED (SELECT CASE WHEN (SELECT fresh FROM x) THEN count(*) END AS n FROM win),
hits AS (
    SELECT w.incident_id, w.rank FROM win w
    WHERE (SELECT n >= ` + window + ` FROM m)
    ORDER BY w.rank DESC, w.incident_id` + id + ` LIMIT ? OFFSET ?)
SELECT m.n, false, x.est, x.k, hits.incident_id, hits.rank FROM m CROSS JOIN x LEFT JOIN hits ON true
ORDER BY hits.rank DESC, hits.incident_id` + id
}

// keysArgs works out SearchWindowSQL's range and keys query in Go for a
// bounded search from k: the k used (the statistics' guess replaces the
// caller's first one, as SearchWindowSQL's e and kk do), the range's
// lowest ID from the histogram, and the keys query over its buckets up to
// the highest ID's. ok is false when SearchWindowSQL must be used: no
// statistics or query tree, a query the keys cannot narrow, or a range
// the histogram cannot place (k beyond the estimated rows).
func (d dialect) keysArgs(p *searchPlan, k int64) (kq, lo, cover string, used int64, est int64, ok bool) {
	if p == nil || p.st == nil || !p.qtOK || k <= 0 {
		return
	}
	st, qt := p.st, p.qt
	if qt.nodes == 0 || !usableTree(qt.tree) || len(st.bounds) < 2 || st.reltuples <= 0 || !idForm.MatchString(st.maxID) {
		return
	}
	used = k
	if share, sok := searchShare(qt.tree, st); sok && share != 0 {
		ek := math.Ceil(float64(d.searchWindow()) * 1.25 / share)
		if ek >= math.MaxInt64 || math.IsNaN(ek) {
			return
		}
		if k == int64(2*d.searchWindow()) {
			used = int64(ek)
		} else {
			used = max(k, int64(ek))
		}
	}
	if float64(used) >= st.reltuples {
		return
	}
	i := int(math.Floor((1 - float64(used)/st.reltuples) * float64(len(st.bounds)-1)))
	if i < 0 || i >= len(st.bounds) {
		return
	}
	lo = st.bounds[i]
	kq, kok := keysQuery(qt.tree, lo, st.maxID)
	if !kok {
		return
	}
	return kq, lo, st.maxID[4:11], used, int64(math.Round(st.reltuples)), true
}
