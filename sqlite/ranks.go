package sqlite

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/hindsight-pm/hindsight/internal/sqlstore"
)

// ranksFunc is an aggregate function, registered on every connection the
// driver opens (registerRank), that gathers a search window's matches into
// one value: each row's incident pk and rank, 16 bytes a row (the pk's
// int64 and the rank's float64 bits, little-endian), in the order the rows
// came. The search reads the window as that one value and picks its page in
// Go (sqlstore.SearchRanker). A query that returned the window as rows
// paid database/sql's conversions for each of its 1,000 (two boxed values,
// a Scan), about as much as ranking them; the query before that ordered the
// window in SQL, materializing it into a temporary table read three times
// (the page's edge, the page, the count): half a search's CPU.
//
//	hindsight_ranks(pk, rank)
//
// A row whose pk is not an integer or whose rank is not a number is an
// error, not a guess.
const ranksFunc = "hindsight_ranks"

// rankPairSize is the bytes of one row in ranksFunc's value.
const rankPairSize = 16

// ranksAgg is ranksFunc's aggregate context (sqlite3_aggregate_context,
// zeroed by SQLite on the first row): the rows gathered so far, in memory
// from sqlite3_realloc64.
type ranksAgg struct {
	buf      uintptr
	len, cap int64
}

// registerRanks registers ranksFunc on connection db.
func registerRanks(tls *libc.TLS, db uintptr) error {
	name, err := libc.CString(ranksFunc)
	if err != nil {
		return err
	}
	defer libc.Xfree(tls, name)
	rc := sqlite3.Xsqlite3_create_function_v2(tls, db, name, 2, sqlite3.SQLITE_UTF8|sqlite3.SQLITE_DETERMINISTIC|sqlite3.SQLITE_INNOCUOUS, 0, 0, cFunc(ranksStep), cFunc(ranksFinal), 0)
	if rc != sqlite3.SQLITE_OK {
		return errors.New("sqlite: register " + ranksFunc + ": " + libc.GoString(sqlite3.Xsqlite3_errstr(tls, rc)))
	}
	return nil
}

// ranksStep adds a row (SQLite calls it with the two arguments registered).
func ranksStep(tls *libc.TLS, ctx uintptr, _ int32, argv uintptr) {
	a := sqlite3.Xsqlite3_aggregate_context(tls, ctx, int32(unsafe.Sizeof(ranksAgg{})))
	if a == 0 {
		sqlite3.Xsqlite3_result_error_nomem(tls, ctx)
		return
	}
	pk, r := arg(argv, 0), arg(argv, 1)
	if sqlite3.Xsqlite3_value_type(tls, pk) != sqlite3.SQLITE_INTEGER {
		ranksError(tls, ctx, ranksFunc+": the pk is not an integer")
		return
	}
	if t := sqlite3.Xsqlite3_value_type(tls, r); t != sqlite3.SQLITE_FLOAT && t != sqlite3.SQLITE_INTEGER {
		ranksError(tls, ctx, ranksFunc+": the rank is not a number")
		return
	}
	g := (*ranksAgg)(ptr(a))
	if g.len == g.cap {
		c := max(2*g.cap, 1024*rankPairSize)
		b := sqlite3.Xsqlite3_realloc64(tls, g.buf, uint64(c))
		if b == 0 {
			sqlite3.Xsqlite3_result_error_nomem(tls, ctx)
			return
		}
		g.buf, g.cap = b, c
	}
	out := unsafe.Slice((*byte)(ptr(g.buf+uintptr(g.len))), rankPairSize)
	binary.LittleEndian.PutUint64(out, uint64(sqlite3.Xsqlite3_value_int64(tls, pk)))
	binary.LittleEndian.PutUint64(out[8:], math.Float64bits(sqlite3.Xsqlite3_value_double(tls, r)))
	g.len += rankPairSize
}

// ranksFinal hands the rows gathered to the result (an empty blob for
// none); SQLite calls it also when a statement is reset before its end, so
// the memory is always freed.
func ranksFinal(tls *libc.TLS, ctx uintptr) {
	a := sqlite3.Xsqlite3_aggregate_context(tls, ctx, 0)
	if a == 0 || (*ranksAgg)(ptr(a)).buf == 0 {
		sqlite3.Xsqlite3_result_zeroblob(tls, ctx, 0)
		return
	}
	g := (*ranksAgg)(ptr(a))
	sqlite3.Xsqlite3_result_blob64(tls, ctx, g.buf, uint64(g.len), cFunc(sqlite3.Xsqlite3_free))
	*g = ranksAgg{}
}

func ranksError(tls *libc.TLS, ctx uintptr, s string) {
	msg, err := libc.CString(s)
	if err != nil {
		sqlite3.Xsqlite3_result_error_nomem(tls, ctx)
		return
	}
	sqlite3.Xsqlite3_result_error(tls, ctx, msg, -1)
	libc.Xfree(tls, msg)
}

// decodeRanks reads ranksFunc's value into dst.
func decodeRanks(b []byte, dst []sqlstore.RankedPK) ([]sqlstore.RankedPK, error) {
	if len(b)%rankPairSize != 0 {
		return dst, errors.New("sqlite: " + ranksFunc + ": a value of a length not a multiple of 16")
	}
	dst = slices.Grow(dst, len(b)/rankPairSize)
	for ; len(b) > 0; b = b[rankPairSize:] {
		dst = append(dst, sqlstore.RankedPK{
			PK:   int64(binary.LittleEndian.Uint64(b)),
			Rank: math.Float64frombits(binary.LittleEndian.Uint64(b[8:])),
		})
	}
	return dst, nil
}
