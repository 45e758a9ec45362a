package auth

import (
	_ "embed"
	"strings"
	"unicode"
)

// commonPasswords is the list of common passwords and stems refused by
// CheckPassword (common-passwords.txt).
//
//go:embed common-passwords.txt
var commonPasswordsTxt string

var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(commonPasswordsTxt, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			m[strings.ToLower(l)] = true
		}
	}
	return m
}()

// sequences are runs that a password must not be a piece of (forwards or
// backwards): digits, the alphabet, keyboard rows.
var sequences = []string{
	"01234567890123456789012345678901234567890",
	"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
	"qwertyuiopasdfghjklzxcvbnmqwertyuiopasdfghjklzxcvbnm",
	"qwertzuiopasdfghjklyxcvbnm",
	"azertyuiopqsdfghjklmwxcvbn",
	"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
	"zaq12wsxcde34rfvbgt56yhnmju78ik,.lo90p;/-[",
	"!@#$%^&*()_+!@#$%^&*()_+",
}

// leet undoes the usual letter-for-digit-or-symbol swaps.
var leet = strings.NewReplacer("0", "o", "1", "i", "3", "e", "4", "a", "@", "a", "5", "s", "$", "s", "7", "t", "!", "i", "8", "b", "9", "g", "|", "l")

// leetL is leet reading 1 as l.
var leetL = strings.NewReplacer("0", "o", "1", "l", "3", "e", "4", "a", "@", "a", "5", "s", "$", "s", "7", "t", "!", "l", "8", "b", "9", "g", "|", "l")

func trimNonLetters(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
}

// commonPassword reports whether pw is a common password: on the list (as
// it is, with digits, symbols or spaces before or after it, or with letters
// written as digits or symbols), one short piece repeated, or a run of
// digits, letters or keys.
func commonPassword(pw string) bool {
	lower := strings.ToLower(pw)
	if commonPasswords[lower] {
		return true
	}
	core := trimNonLetters(lower)
	for _, c := range []string{core, leet.Replace(core), leetL.Replace(core), leet.Replace(lower), leetL.Replace(lower),
		trimNonLetters(leet.Replace(lower)), trimNonLetters(leetL.Replace(lower))} {
		if c != "" && commonPasswords[c] {
			return true
		}
	}
	compact := strings.Join(strings.Fields(lower), "")
	if repeated(compact) {
		return true
	}
	for _, seq := range sequences {
		if len(compact) >= 6 && (strings.Contains(seq, compact) || strings.Contains(reverse(seq), compact)) {
			return true
		}
	}
	// a list entry repeated ("passwordpassword") or with a repeat around it
	for u := 1; u <= len(core)/2; u++ {
		if len(core)%u == 0 && strings.Repeat(core[:u], len(core)/u) == core && commonPasswords[core[:u]] {
			return true
		}
	}
	return false
}

// repeated reports whether s is one shorter piece written over and over
// ("aaaaaaaaaaaa", "abcabcabcabc", "1234512345").
func repeated(s string) bool {
	for u := 1; u <= len(s)/2; u++ {
		if len(s)%u == 0 && strings.Repeat(s[:u], len(s)/u) == s {
			return true
		}
	}
	return false
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}
