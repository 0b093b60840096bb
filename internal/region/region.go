// Package region holds the official region tree: province, regency/city,
// district and village, keyed by the Ministry of Home Affairs' dotted codes
// (kode wilayah), e.g. 64, 64.02, 64.02.01, 64.02.01.2001.
//
// The tree is derived from the codes alone: the level is the number of parts,
// the parent is the code without its last part. Everything that is "scoped to
// a region and everything below it" (government grants, feeds, statistics)
// asks InSubtree.
package region

import (
	"strings"

	"github.com/kimhub/kimhub/internal/apperr"
)

// Level is a region's place in the tree.
type Level string

// The four levels of the official tree.
const (
	Province Level = "PROVINCE" // provinsi
	Regency  Level = "REGENCY"  // kabupaten or kota
	District Level = "DISTRICT" // kecamatan
	Village  Level = "VILLAGE"  // desa or kelurahan
)

// Levels lists the levels from the top of the tree down.
var Levels = []Level{Province, Regency, District, Village}

// Valid reports whether l is one of the four levels.
func (l Level) Valid() bool {
	for _, v := range Levels {
		if l == v {
			return true
		}
	}
	return false
}

// Region is one node of the official tree.
type Region struct {
	Code       string  `db:"code"`
	Name       string  `db:"name"`
	Level      Level   `db:"level"`
	ParentCode *string `db:"parent_code"`
}

// partWidths are the digit counts of a code's parts, level by level.
var partWidths = [...]int{2, 2, 2, 4}

// LevelOf validates code and returns its level. The error says what is wrong
// in words an operator fixing a CSV file can act on.
func LevelOf(code string) (Level, error) {
	if code == "" {
		return "", apperr.Invalid("code", "a region code is empty")
	}
	parts := strings.Split(code, ".")
	if len(parts) > len(partWidths) {
		return "", apperr.Invalid("code", "region code %q has %d parts; at most 4 (e.g. 64.02.01.2001)", code, len(parts))
	}
	for i, p := range parts {
		if len(p) != partWidths[i] || !allDigits(p) {
			return "", apperr.Invalid("code", "region code %q: part %d must be %d digits (e.g. 64.02.01.2001)", code, i+1, partWidths[i])
		}
	}
	return Levels[len(parts)-1], nil
}

// ValidCode reports whether code is a well-formed region code.
func ValidCode(code string) bool {
	_, err := LevelOf(code)
	return err == nil
}

// ParentOf returns the parent code of a well-formed code, or "" for a province.
func ParentOf(code string) string {
	i := strings.LastIndexByte(code, '.')
	if i < 0 {
		return ""
	}
	return code[:i]
}

// AncestorsOf returns the codes above code, from the province down, not
// including code itself.
func AncestorsOf(code string) []string {
	var out []string
	for i := 0; i < len(code); i++ {
		if code[i] == '.' {
			out = append(out, code[:i])
		}
	}
	return out
}

// InSubtree reports whether code is root or lies below it.
func InSubtree(code, root string) bool {
	return code == root || (len(code) > len(root) && strings.HasPrefix(code, root) && code[len(root)] == '.')
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
