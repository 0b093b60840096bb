package region

import (
	"fmt"

	"github.com/kimhub/kimhub/internal/apperr"
)

// Subtrees are region codes of one level, whose subtrees a statement
// reads together.
type Subtrees struct {
	Level Level
	Codes []string
}

// GroupByLevel groups codes by their level, the levels from the top of the
// tree down (a fixed order: one set of levels makes one statement text,
// one prepared statement, whatever the order of the codes). field names
// the input a malformed code came from, for the error.
func GroupByLevel(codes []string, field string) ([]Subtrees, error) {
	byLevel := map[Level][]string{}
	for _, c := range codes {
		level, err := LevelOf(c)
		if err != nil {
			return nil, apperr.Invalid(field, "%q is not a region code", c)
		}
		byLevel[level] = append(byLevel[level], c)
	}
	var out []Subtrees
	for _, level := range Levels {
		if cs := byLevel[level]; len(cs) > 0 {
			out = append(out, Subtrees{level, cs})
		}
	}
	return out, nil
}

// SubtreeMatch is the SQL condition that the region code in column col lies
// in the subtree of the code in key, a code of the given level: its
// level's prefix equals key (a code of a higher level is shorter, so its
// prefix never does), or for a village, the lowest level, the code itself.
// Tables that are read by subtree in some order keep an index on each
// level's prefix, left(col, n), in that order: a range of codes over an
// index of codes cannot give a subtree's rows in any other order.
func SubtreeMatch(col, key string, level Level) string {
	if level == Village {
		return col + " = " + key
	}
	n := -1 // the dots between parts, less the one after the last
	for i, l := range Levels {
		n += partWidths[i] + 1
		if l == level {
			break
		}
	}
	return fmt.Sprintf("left(%s, %d) = %s", col, n, key)
}

// SubtreeRange is the SQL condition that the region code in column col is
// the code in key or lies below it: the codes from key up to key followed
// by '/', the character after the '.' that separates a code's parts (every
// region code column has collation "C"; codes hold only digits and dots).
// Unlike `col LIKE key || '.%'`, it is a range of an index on col in any
// plan, also one made before key is known: kimhub's connections plan each
// statement once (postgres.StatementCache).
func SubtreeRange(col, key string) string {
	return fmt.Sprintf("(%s >= %s AND %s < (%s || '/'))", col, key, col, key)
}
