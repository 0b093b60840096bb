// Package relay implements the Relay conventions of kimhub's API: opaque
// global IDs for node(id:), and cursor connections over keyset pagination.
//
// A store asks for one page with Page: it reads the cursor's key, filters
// with a keyset condition (code > $1, or (created_at, id) < ($1, $2)), orders
// by the same key and fetches Page.Limit+1 rows; Build then turns those rows
// into edges and pageInfo. OFFSET is never used, so a page costs the same at
// the millionth row as at the first.
package relay

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/kimhub/kimhub/internal/apperr"
)

// Page-size bounds: a connection returns DefaultPageSize items unless asked,
// and never more than MaxPageSize.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// Args are a connection field's arguments.
type Args struct {
	First  *int
	After  *string
	Last   *int
	Before *string
}

// Page is a validated request for one page.
type Page struct {
	// Limit is how many items the page holds at most.
	Limit int
	// Backward is true for last/before: the store orders by the key
	// descending and Build restores ascending order.
	Backward bool
	// cursor is the decoded key after (or before) which the page starts.
	cursor    []json.RawMessage
	hasCursor bool
	argName   string
	kind      string
}

// NewPage validates args for a connection of kind (e.g. "region"); a cursor
// minted for another kind of connection is refused.
func NewPage(kind string, a Args) (Page, error) {
	p := Page{Limit: DefaultPageSize, kind: kind}
	if a.First != nil && a.Last != nil {
		return p, apperr.Invalid("first", "give first or last, not both")
	}
	if a.After != nil && a.Before != nil {
		return p, apperr.Invalid("after", "give after or before, not both")
	}
	if a.First != nil && a.Before != nil {
		return p, apperr.Invalid("before", "page backwards with last and before, or forwards with first and after")
	}
	if a.Last != nil && a.After != nil {
		return p, apperr.Invalid("after", "page forwards with first and after, or backwards with last and before")
	}
	n, name := a.First, "first"
	if a.Last != nil || a.Before != nil {
		p.Backward = true
		n, name = a.Last, "last"
	}
	if n != nil {
		if *n < 0 || *n > MaxPageSize {
			return p, apperr.Invalid(name, "%s must be from 0 to %d", name, MaxPageSize)
		}
		p.Limit = *n
	}
	raw, argName := a.After, "after"
	if p.Backward {
		raw, argName = a.Before, "before"
	}
	if raw != nil {
		key, err := decodeCursor(kind, *raw)
		if err != nil {
			return p, apperr.Invalid(argName, "%s is not a cursor of this list; use a cursor it returned", argName)
		}
		p.cursor, p.hasCursor, p.argName = key, true, argName
	}
	return p, nil
}

// HasCursor reports whether the page starts after (or before) a cursor.
func (p Page) HasCursor() bool { return p.hasCursor }

// Cursor decodes the cursor's key into dst, one pointer per key part.
func (p Page) Cursor(dst ...any) error {
	if !p.hasCursor || len(dst) != len(p.cursor) {
		return apperr.Invalid(p.argName, "%s is not a cursor of this list; use a cursor it returned", p.argName)
	}
	for i, d := range dst {
		if err := json.Unmarshal(p.cursor[i], d); err != nil {
			return apperr.Invalid(p.argName, "%s is not a cursor of this list; use a cursor it returned", p.argName)
		}
	}
	return nil
}

// Fetch is the number of rows a store should read: one more than the page, to
// learn whether another page follows.
func (p Page) Fetch() int { return p.Limit + 1 }

// FetchSQL is Fetch as a statement's LIMIT: a literal, not a parameter.
// kimhub's connections plan a statement once for all its values
// (postgres.StatementCache), and such a plan takes a parameter's LIMIT
// for a tenth of the rows, where the page's few rows are what make
// walking an index in order and stopping the plan to choose.
func (p Page) FetchSQL() string { return strconv.Itoa(p.Fetch()) }

// Cursor encodes a key for a connection of kind.
func Cursor(kind string, key ...any) string {
	b, err := json.Marshal(key)
	if err != nil {
		panic("relay: cursor key does not marshal: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(append([]byte(kind+":"), b...))
}

func decodeCursor(kind, s string) ([]json.RawMessage, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	rest, ok := strings.CutPrefix(string(b), kind+":")
	if !ok {
		return nil, apperr.New(apperr.BadUserInput, "wrong kind")
	}
	var key []json.RawMessage
	if err := json.Unmarshal([]byte(rest), &key); err != nil || len(key) == 0 {
		return nil, apperr.New(apperr.BadUserInput, "bad key")
	}
	return key, nil
}

// PageInfo is Relay's pageInfo.
type PageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
	// start and end make the cursors of the page's first and last items
	// (nil for an empty page).
	start, end func() string
}

// StartCursor is the cursor of the page's first item (nil if it is empty).
func (p PageInfo) StartCursor() *string { return call(p.start) }

// EndCursor is the cursor of the page's last item (nil if it is empty).
func (p PageInfo) EndCursor() *string { return call(p.end) }

func call(f func() string) *string {
	if f == nil {
		return nil
	}
	s := f()
	return &s
}

// Edge is one item of a page with its cursor.
type Edge[T any] struct {
	Node     T
	cursorOf func(T) string
}

// Cursor encodes the edge's cursor. It is made when asked for: most lists
// never show their cursors, and a dashboard's nested lists hold a thousand
// edges (a JSON array and its base64 each).
func (e Edge[T]) Cursor() string {
	if e.cursorOf == nil {
		return ""
	}
	return e.cursorOf(e.Node)
}

// Connection is one page of a list.
type Connection[T any] struct {
	Edges    []Edge[T]
	PageInfo PageInfo
}

// Nodes returns the page's items without their cursors.
func (c Connection[T]) Nodes() []T {
	out := make([]T, len(c.Edges))
	for i, e := range c.Edges {
		out[i] = e.Node
	}
	return out
}

// Build makes a connection from the rows a store fetched for p (up to
// p.Fetch(), in the store's order), minting each cursor with cursorOf.
func Build[T any](p Page, rows []T, cursorOf func(T) string) Connection[T] {
	more := len(rows) > p.Limit
	if more {
		rows = rows[:p.Limit]
	}
	if p.Backward {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
	}
	c := Connection[T]{Edges: make([]Edge[T], len(rows))}
	for i, r := range rows {
		c.Edges[i] = Edge[T]{Node: r, cursorOf: cursorOf}
	}
	// A cursor names an item on the far side of it, so a page that starts
	// from one has items beyond its start.
	if p.Backward {
		c.PageInfo.HasPreviousPage, c.PageInfo.HasNextPage = more, p.hasCursor
	} else {
		c.PageInfo.HasNextPage, c.PageInfo.HasPreviousPage = more, p.hasCursor
	}
	if n := len(c.Edges); n > 0 {
		c.PageInfo.start, c.PageInfo.end = c.Edges[0].Cursor, c.Edges[n-1].Cursor
	}
	return c
}

// ArgsKey is a comparable form of Args, for keying a batched loader by its
// page arguments.
type ArgsKey struct {
	First, Last         int
	HasFirst, HasLast   bool
	After, Before       string
	HasAfter, HasBefore bool
}

// Key returns the comparable form of a.
func (a Args) Key() ArgsKey {
	var k ArgsKey
	if a.First != nil {
		k.First, k.HasFirst = *a.First, true
	}
	if a.Last != nil {
		k.Last, k.HasLast = *a.Last, true
	}
	if a.After != nil {
		k.After, k.HasAfter = *a.After, true
	}
	if a.Before != nil {
		k.Before, k.HasBefore = *a.Before, true
	}
	return k
}

// Args returns the arguments k was made from.
func (k ArgsKey) Args() Args {
	var a Args
	if k.HasFirst {
		a.First = &k.First
	}
	if k.HasLast {
		a.Last = &k.Last
	}
	if k.HasAfter {
		a.After = &k.After
	}
	if k.HasBefore {
		a.Before = &k.Before
	}
	return a
}
