package account

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/kimhub/kimhub/internal/apperr"
)

// Password rules.
const (
	MinPasswordLength = 10
	MaxPasswordLength = 128
)

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

//go:embed common-passwords.txt
var commonPasswordsFile []byte

// commonPasswords are refused whatever their length: lists of leaked
// passwords, Indonesian favourites among them, lower-cased.
var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(commonPasswordsFile))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" && !strings.HasPrefix(w, "#") {
			m[strings.ToLower(w)] = true
		}
	}
	return m
}()

// ValidatePassword checks a new password against the rules; others are
// things the password must not contain or equal (the name, email, phone).
func ValidatePassword(pw string, others ...string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLength {
		return apperr.Invalid("password", "the password needs at least %d characters", MinPasswordLength)
	}
	if n > MaxPasswordLength {
		return apperr.Invalid("password", "the password may have at most %d characters", MaxPasswordLength)
	}
	lower := strings.ToLower(pw)
	if commonPasswords[lower] || commonPasswords[strings.TrimRight(lower, "0123456789!.")] || oneRepeatedRune(pw) {
		return apperr.Invalid("password", "this password is too common; choose another")
	}
	bare := alnum(lower)
	for _, o := range others {
		o = strings.ToLower(strings.TrimSpace(o))
		if local, _, ok := strings.Cut(o, "@"); ok {
			o = local
		}
		if o = alnum(o); len(o) >= 4 && strings.Contains(bare, o) {
			return apperr.Invalid("password", "the password must not contain your name, email or phone")
		}
	}
	return nil
}

// alnum keeps only letters and digits, so that "Siti Aminah" is found in
// "siti-aminah-2026".
func alnum(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}

func oneRepeatedRune(s string) bool {
	first, _ := utf8.DecodeRuneInString(s)
	return strings.Trim(s, string(first)) == ""
}

// hashSlots bounds the argon2id computations running at once: each takes
// 19 MiB, and a burst of logins must queue rather than exhaust memory.
var hashSlots = make(chan struct{}, 4)

func argonKey(pw, salt []byte, iter, mem uint32, threads uint8, keyLen uint32) []byte {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	return argon2.IDKey(pw, salt, iter, mem, threads, keyLen)
}

// HashPassword returns the argon2id hash of pw as a PHC string.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argonKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches hash, in time that does not
// depend on where they differ.
func VerifyPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var mem, iter uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iter, &threads); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	if mem > 64*1024 || iter > 10 || threads == 0 || threads > 4 {
		return false // not parameters this server writes
	}
	got := argonKey([]byte(pw), salt, iter, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is verified against when a login names no account, so that an
// unknown account and a wrong password take the same time.
var dummyHash = func() string {
	h, err := HashPassword("not-a-real-password-" + base64.RawStdEncoding.EncodeToString([]byte("kimhub")))
	if err != nil {
		panic(err)
	}
	return h
}()

// VerifyAgainstNothing spends the time of one verification and fails.
func VerifyAgainstNothing(pw string) bool {
	VerifyPassword(dummyHash, pw)
	return false
}
