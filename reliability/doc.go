// Package reliability holds Hindsight's reliability evidence: integration
// tests that build the real hindsight binary and drive `hindsight serve` as
// a child process. They prove that an acknowledged save is never lost or
// changed (SIGKILL at random moments, on SQLite and PostgreSQL), that every
// alert a receiver answered 2xx lands in a timeline exactly once across
// SIGKILLs between the inbox commit and the apply, that two
// instances on one PostgreSQL database lose no update and allocate no
// duplicate Incident ID, that hostile input gets a clear error and changes
// nothing stored, and that a backup taken under write load restores.
//
// The tests run in `go test ./...` in a reduced form; set
// HINDSIGHT_RELIABILITY_FULL=1 (or pass -reliability.full) for the long
// form. PostgreSQL tests need HINDSIGHT_TEST_POSTGRES_URL.
package reliability
