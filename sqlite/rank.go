package sqlite

import (
	"errors"
	"reflect"
	"sync"
	"unsafe"

	"modernc.org/libc"
	sqlitedrv "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// rankFunc is an FTS5 auxiliary function, registered on every connection
// the driver opens, that computes exactly what the table's rank, bm25(10.0,
// 1.0) (migration 00003), computes, with the same floating-point operations
// in the same order, but without walking the doclist of each phrase once per
// search. bm25 needs, once per statement, the number of rows that hold each
// phrase (its IDF); FTS5 counts them by reading every entry of the phrase's
// doclist (82,000 rows for a common word at 100,000 incidents, about a fifth
// of an uncached search's CPU). Those counts change only when the index
// does, so rankFunc keeps them per store generation (the store_generation
// row every write transaction raises, read by the same statement, so in the
// same snapshot) and counts, as bm25 does, only when the generation, the
// row count or the token count differs from the last counted.
//
//	hindsight_rank(incident_fts, store, generation, match)
//
// store names the Store (a number per Open), generation is the
// store_generation row and match is the MATCH expression. bm25 also needs
// each row's size in tokens (incident_fts_docsize), which its xColumnSize
// read with a statement of its own for each row (a sixth of the search's
// CPU), and a seek joined in the query still cost a fifth: the sizes are
// kept in memory too, per store generation (sizes.go), and read from the
// table only while the generation they were read at is not the
// statement's. The result is bm25's, bit for bit: TestRankMatchesBM25
// compares them.
const rankFunc = "hindsight_rank"

// rankWeights are bm25's column weights in the table's rank setting,
// bm25(10.0, 1.0): title, body.
var rankWeights = [...]float64{10.0, 1.0}

func init() {
	sqlitedrv.RegisterConnectionHook(registerRank)
}

// errRankHandle: the driver's connection no longer has the field this file
// reads its database handle from (a modernc.org/sqlite upgrade changed it).
var errRankHandle = errors.New("sqlite: register " + rankFunc + ": the driver's connection has no database handle field (modernc.org/sqlite changed)")

// registerRank registers rankFunc and ranksFunc (ranks.go) on a new
// connection of the driver.
func registerRank(c sqlitedrv.ExecQuerierContext, _ string) error {
	db, err := connHandle(c)
	if err != nil {
		return err
	}
	tls := libc.NewTLS()
	defer tls.Close()
	api, err := fts5API(tls, db)
	if err != nil {
		return err
	}
	name, err := libc.CString(rankFunc)
	if err != nil {
		return err
	}
	defer libc.Xfree(tls, name)
	// xCreateFunction(fts5_api*, const char *zName, void *pUserData,
	// fts5_extension_function xFunction, void (*xDestroy)(void*))
	create := (*sqlite3.Tfts5_api)(ptr(api)).FxCreateFunction
	rc := (*(*func(*libc.TLS, uintptr, uintptr, uintptr, uintptr, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{create})))(tls, api, name, 0, cFunc(rankFunction), 0)
	if rc != sqlite3.SQLITE_OK {
		return errors.New("sqlite: register " + rankFunc + ": " + libc.GoString(sqlite3.Xsqlite3_errstr(tls, rc)))
	}
	return registerRanks(tls, db)
}

// connHandle is the sqlite3* handle of a connection of the driver, read
// from its unexported field db: the driver offers no other way to reach
// the FTS5 API (sqlite3_bind_pointer).
func connHandle(c any) (uintptr, error) {
	v := reflect.ValueOf(c)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return 0, errRankHandle
	}
	f := v.Elem().FieldByName("db")
	if !f.IsValid() || f.Kind() != reflect.Uintptr || f.Uint() == 0 {
		return 0, errRankHandle
	}
	return uintptr(f.Uint()), nil
}

// fts5API returns the connection's fts5_api pointer, as the FTS5
// documentation says to get it: SELECT fts5(?1) with a pointer bound.
func fts5API(tls *libc.TLS, db uintptr) (uintptr, error) {
	q, err := libc.CString("SELECT fts5(?1)")
	if err != nil {
		return 0, err
	}
	defer libc.Xfree(tls, q)
	typ, err := libc.CString("fts5_api_ptr")
	if err != nil {
		return 0, err
	}
	defer libc.Xfree(tls, typ)
	p := tls.Alloc(16) // the statement, then the fts5_api pointer
	defer tls.Free(16)
	*(*uintptr)(ptr(p)) = 0
	*(*uintptr)(ptr(p + 8)) = 0
	if rc := sqlite3.Xsqlite3_prepare_v2(tls, db, q, -1, p, 0); rc != sqlite3.SQLITE_OK {
		return 0, errors.New("sqlite: register " + rankFunc + ": " + libc.GoString(sqlite3.Xsqlite3_errmsg(tls, db)))
	}
	stmt := *(*uintptr)(ptr(p))
	sqlite3.Xsqlite3_bind_pointer(tls, stmt, 1, p+8, typ, 0)
	sqlite3.Xsqlite3_step(tls, stmt)
	rc := sqlite3.Xsqlite3_finalize(tls, stmt)
	api := *(*uintptr)(ptr(p + 8))
	if rc != sqlite3.SQLITE_OK || api == 0 {
		return 0, errors.New("sqlite: register " + rankFunc + ": no fts5_api")
	}
	return api, nil
}

// ptr converts an address SQLite handed out (C memory, never moved) to a
// pointer.
func ptr(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }

// cFunc is the C function pointer of a Go function declared at top level,
// as the driver makes them (modernc.org/sqlite cFuncPointer): the address
// of its static closure.
func cFunc[T any](f T) uintptr { return *(*uintptr)(unsafe.Pointer(&struct{ f T }{f})) }

// api calls of the Fts5ExtensionApi, by the function pointers of its struct
type fts5 struct {
	tls *libc.TLS
	api *sqlite3.TFts5ExtensionApi
	cx  uintptr // Fts5Context*
}

func (x fts5) call1(f uintptr) int32 {
	return (*(*func(*libc.TLS, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{f})))(x.tls, x.cx)
}

func (x fts5) callP(f, out uintptr) int32 {
	return (*(*func(*libc.TLS, uintptr, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{f})))(x.tls, x.cx, out)
}

func (x fts5) callIP(f uintptr, i int32, out uintptr) int32 {
	return (*(*func(*libc.TLS, uintptr, int32, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{f})))(x.tls, x.cx, i, out)
}

func (x fts5) auxdata() uintptr {
	return (*(*func(*libc.TLS, uintptr, int32) uintptr)(unsafe.Pointer(&struct{ uintptr }{x.api.FxGetAuxdata})))(x.tls, x.cx, 0)
}

func (x fts5) setAuxdata(p uintptr) int32 {
	return (*(*func(*libc.TLS, uintptr, uintptr, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{x.api.FxSetAuxdata})))(x.tls, x.cx, p, cFunc(sqlite3.Xsqlite3_free))
}

func (x fts5) rowid() int64 {
	return (*(*func(*libc.TLS, uintptr) int64)(unsafe.Pointer(&struct{ uintptr }{x.api.FxRowid})))(x.tls, x.cx)
}

func (x fts5) phraseFirst(i int32, iter, col, off uintptr) int32 {
	return (*(*func(*libc.TLS, uintptr, int32, uintptr, uintptr, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{x.api.FxPhraseFirst})))(x.tls, x.cx, i, iter, col, off)
}

func (x fts5) phraseNext(iter, col, off uintptr) {
	(*(*func(*libc.TLS, uintptr, uintptr, uintptr, uintptr))(unsafe.Pointer(&struct{ uintptr }{x.api.FxPhraseNext})))(x.tls, x.cx, iter, col, off)
}

func (x fts5) queryPhrase(i int32, count uintptr) int32 {
	return (*(*func(*libc.TLS, uintptr, int32, uintptr, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{x.api.FxQueryPhrase})))(x.tls, x.cx, i, count, cFunc(countRow))
}

// arg is the i-th of an sqlite3_value* array.
func arg(apVal uintptr, i int) uintptr {
	return *(*uintptr)(ptr(apVal + uintptr(i)*unsafe.Sizeof(uintptr(0))))
}

// docSize is the row's size in tokens from its incident_fts_docsize blob,
// a varint per column (ncol), as FTS5's xColumnSize(-1) sums them
// (fts5StorageDecodeSizeArray, sqlite3Fts5GetVarint32); false when the blob
// does not hold exactly ncol varints.
func docSize(b []byte, ncol int) (int32, bool) {
	var sum int32
	for range ncol {
		v, n := varint(b)
		if n == 0 {
			return 0, false
		}
		sum += int32(uint32(v) & 0x7fffffff)
		b = b[n:]
	}
	if len(b) != 0 {
		return 0, false
	}
	return sum, true
}

// varint decodes SQLite's varint (sqlite3Fts5GetVarint: big-endian groups
// of 7 bits, the ninth byte whole) at the start of b: its value and
// length, or length 0 when b ends first.
func varint(b []byte) (uint64, int) {
	var v uint64
	for i := range 8 {
		if i >= len(b) {
			return 0, 0
		}
		v = v<<7 | uint64(b[i]&0x7f)
		if b[i]&0x80 == 0 {
			return v, i + 1
		}
	}
	if len(b) < 9 {
		return 0, 0
	}
	return v<<8 | uint64(b[8]), 9
}

// countRow is xQueryPhrase's callback: one more row holds the phrase.
func countRow(_ *libc.TLS, _, _, n uintptr) int32 {
	*(*int64)(ptr(n))++
	return sqlite3.SQLITE_OK
}

// rankState is what rankFunction keeps for one statement (FTS5 auxdata, in
// memory from sqlite3_malloc, freed by FTS5): the phrase count, the average
// row size in tokens, then each phrase's IDF and a frequency per phrase
// for the row at hand.
type rankState struct {
	n     int64
	avgdl float64
	// the Store and generation of the statement, and whether the sizes
	// kept for them (sizes.go) agree with FTS5's row and token counts
	store, gen, sized int64
}

const rankStateSize = int(unsafe.Sizeof(rankState{}))

// hitKey names a count of the rows holding each phrase of a match.
type hitKey struct {
	store, gen, rows, tokens int64
	match                    string
}

// hits remembers counts of rows holding each phrase, a few thousand
// searches' worth; past that all are dropped at once.
var hits = struct {
	sync.Mutex
	m map[hitKey][]int64
}{m: map[hitKey][]int64{}}

const hitsMax = 4096

// rankFunction is rankFunc's fts5_extension_function: bm25 as FTS5's
// fts5Bm25Function computes it, the IDFs from counts kept (rankFunc).
func rankFunction(tls *libc.TLS, pApi, pFts, pCtx uintptr, nVal int32, apVal uintptr) {
	x := fts5{tls: tls, api: (*sqlite3.TFts5ExtensionApi)(ptr(pApi)), cx: pFts}
	if nVal != 3 {
		msg, _ := libc.CString(rankFunc + ": wants the table, store, generation and match")
		sqlite3.Xsqlite3_result_error(tls, pCtx, msg, -1)
		libc.Xfree(tls, msg)
		return
	}
	st := x.auxdata()
	if st == 0 {
		var rc int32
		if st, rc = newRankState(x, apVal); rc != sqlite3.SQLITE_OK {
			sqlite3.Xsqlite3_result_error_code(tls, pCtx, rc)
			return
		}
	}
	s := (*rankState)(ptr(st))
	idf := unsafe.Slice((*float64)(ptr(st+uintptr(rankStateSize))), s.n)
	freq := unsafe.Slice((*float64)(ptr(st+uintptr(rankStateSize)+uintptr(s.n)*8)), s.n)
	clear(freq)
	// each phrase's instances in the row, by xPhraseFirst and
	// xPhraseNext (bm25 counts them by xInstCount and xInst, which first
	// build an array of every phrase's instances: 4% of a search's CPU);
	// the counts, sums of the column weights (small integers), are the
	// same in any order. out: the iterator (16 bytes), then the column
	// and the offset of an instance
	out := tls.Alloc(32)
	defer tls.Free(32)
	iter, col, off := out, out+16, out+20
	for ip := range freq {
		if rc := x.phraseFirst(int32(ip), iter, col, off); rc != sqlite3.SQLITE_OK {
			sqlite3.Xsqlite3_result_error_code(tls, pCtx, rc)
			return
		}
		for ic := *(*int32)(ptr(col)); ic >= 0; ic = *(*int32)(ptr(col)) {
			w := 1.0
			if int(ic) < len(rankWeights) {
				w = rankWeights[ic]
			}
			freq[ip] += w
			x.phraseNext(iter, col, off)
		}
	}
	nTok, ok := int32(0), false
	if s.sized != 0 {
		nTok, ok = sizeOf(s.store, s.gen, x.rowid())
	}
	if !ok {
		// not kept (the sizes are of another generation, or being read):
		// FTS5's own lookup, as bm25 does
		if rc := x.callIP(x.api.FxColumnSize, -1, out); rc != sqlite3.SQLITE_OK {
			sqlite3.Xsqlite3_result_error_code(tls, pCtx, rc)
			return
		}
		nTok = *(*int32)(ptr(out))
	}
	D := float64(nTok)
	sqlite3.Xsqlite3_result_double(tls, pCtx, -1.0*bm25Score(idf, freq, D, s.avgdl))
}

// bm25Score is the sum of fts5Bm25Function's, term by term in its order
// (k1 and b variables, as in the C translation; the conversions keep Go
// from fusing a multiply and an add).
func bm25Score(idf, freq []float64, D, avgdl float64) float64 {
	k1, b := 1.2, 0.75
	score := 0.0
	for i := range idf {
		score = score + float64(idf[i]*(float64(freq[i]*(k1+1))/(freq[i]+float64(k1*(1-b+float64(b*D)/avgdl)))))
	}
	return score
}

// newRankState computes the statement's rankState and hands it to FTS5.
func newRankState(x fts5, apVal uintptr) (uintptr, int32) {
	n := x.call1(x.api.FxPhraseCount)
	out := x.tls.Alloc(8)
	defer x.tls.Free(8)
	*(*int64)(ptr(out)) = 0
	if rc := x.callP(x.api.FxRowCount, out); rc != sqlite3.SQLITE_OK {
		return 0, rc
	}
	rows := *(*int64)(ptr(out))
	*(*int64)(ptr(out)) = 0
	if rc := x.callIP(x.api.FxColumnTotalSize, -1, out); rc != sqlite3.SQLITE_OK {
		return 0, rc
	}
	tokens := *(*int64)(ptr(out))
	k := hitKey{
		store:  sqlite3.Xsqlite3_value_int64(x.tls, arg(apVal, 0)),
		gen:    sqlite3.Xsqlite3_value_int64(x.tls, arg(apVal, 1)),
		rows:   rows,
		tokens: tokens,
		match:  libc.GoString(sqlite3.Xsqlite3_value_text(x.tls, arg(apVal, 2))),
	}
	hits.Lock()
	counts, ok := hits.m[k]
	hits.Unlock()
	if !ok || len(counts) != int(n) {
		counts = make([]int64, n)
		for i := range counts {
			*(*int64)(ptr(out)) = 0
			if rc := x.queryPhrase(int32(i), out); rc != sqlite3.SQLITE_OK {
				return 0, rc
			}
			counts[i] = *(*int64)(ptr(out))
		}
		hits.Lock()
		if len(hits.m) >= hitsMax {
			clear(hits.m)
		}
		hits.m[k] = counts
		hits.Unlock()
	}
	st := sqlite3.Xsqlite3_malloc64(x.tls, uint64(rankStateSize)+uint64(n)*16)
	if st == 0 {
		return 0, sqlite3.SQLITE_NOMEM
	}
	s := (*rankState)(ptr(st))
	s.n = int64(n)
	s.avgdl = float64(tokens) / float64(rows)
	s.store, s.gen, s.sized = k.store, k.gen, 0
	if sizesFor(k.store, k.gen, rows, tokens) {
		s.sized = 1
	}
	idf := unsafe.Slice((*float64)(ptr(st+uintptr(rankStateSize))), n)
	for i, hit := range counts {
		v := libc.Xlog(x.tls, (float64(rows-hit)+float64(0.5))/(float64(hit)+float64(0.5)))
		if v <= 0 {
			v = 1e-06
		}
		idf[i] = v
	}
	if rc := x.setAuxdata(st); rc != sqlite3.SQLITE_OK {
		return 0, rc
	}
	return st, sqlite3.SQLITE_OK
}
