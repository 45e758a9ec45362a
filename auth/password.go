package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hindsight-pm/hindsight"
	"golang.org/x/crypto/argon2"
)

// Password length limits, in characters. The maximum bounds the work a
// single sign-in can ask of the server.
const (
	MinPasswordLength = 12
	MaxPasswordLength = 256
)

// Params are the argon2id cost parameters of new hashes. A stored hash
// carries its own, so they can be raised without invalidating old hashes.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	KeyLen  uint32
	SaltLen uint32
}

// DefaultParams are OWASP's first recommended argon2id configuration:
// 19 MiB, 2 passes, 1 lane. Memory per check is what bounds a login flood,
// so it stays modest; Auth also runs at most one check per CPU at a time.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}

// CheckPassword says why pw cannot be a password, or nil.
func CheckPassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case !utf8.ValidString(pw):
		return &hindsight.Error{Code: hindsight.EInvalid, Message: "password: not valid UTF-8", Fields: []hindsight.FieldError{{Field: "password", Message: "not valid UTF-8"}}}
	case n < MinPasswordLength:
		msg := fmt.Sprintf("at least %d characters, please (got %d)", MinPasswordLength, n)
		return &hindsight.Error{Code: hindsight.EInvalid, Message: "password: " + msg, Fields: []hindsight.FieldError{{Field: "password", Message: msg}}}
	case n > MaxPasswordLength:
		msg := fmt.Sprintf("at most %d characters", MaxPasswordLength)
		return &hindsight.Error{Code: hindsight.EInvalid, Message: "password: " + msg, Fields: []hindsight.FieldError{{Field: "password", Message: msg}}}
	case commonPassword(pw):
		msg := "one of the commonest passwords (or a common word with digits or symbols around it, a repeat or a keyboard run): choose another, e.g. a few unrelated words"
		return &hindsight.Error{Code: hindsight.EInvalid, Message: "password: " + msg, Fields: []hindsight.FieldError{{Field: "password", Message: msg}}}
	}
	return nil
}

// CheckPasswordFor is CheckPassword for the account of email: the password
// must also not be the email address or its name part. Every path that
// sets a password (setup, adding an account, a reset, a change, the CLI)
// checks with it.
func CheckPasswordFor(pw, email string) error {
	if err := CheckPassword(pw); err != nil {
		return err
	}
	email = strings.ToLower(strings.TrimSpace(email))
	lower := strings.ToLower(strings.TrimSpace(pw))
	local, _, _ := strings.Cut(email, "@")
	if email != "" && (lower == email || trimNonLetters(lower) == trimNonLetters(email) || (len(local) >= 3 && trimNonLetters(lower) == trimNonLetters(local))) {
		msg := "must not be your email address"
		return &hindsight.Error{Code: hindsight.EInvalid, Message: "password: " + msg, Fields: []hindsight.FieldError{{Field: "password", Message: msg}}}
	}
	return nil
}

// HashPassword checks pw and returns its argon2id hash in PHC string form:
// $argon2id$v=19$m=65536,t=3,p=2$<salt>$<hash>.
func HashPassword(pw string, p Params) (string, error) {
	if err := CheckPassword(pw); err != nil {
		return "", err
	}
	if p.Memory == 0 {
		p = DefaultParams
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches hash, comparing in constant
// time. A malformed hash never matches.
func VerifyPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || len(pw) > 4*MaxPasswordLength {
		return false
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false
	}
	var m, t uint32
	var th uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &th); err != nil || m == 0 || m > 1<<21 || t == 0 || t > 16 || th == 0 {
		return false
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 64 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, th, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
