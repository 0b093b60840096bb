package loader

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"

	"github.com/vikstrous/dataloadgen"
)

// Keyed loads one value per key: an object by its id (a post's author, a
// report's community), or a list or value for a key (a post's tags, the
// viewer's role in a community).
//
// Like PageLoader it knows sibling groups: the keys that the nodes of one
// list will ask for, recorded with Expect when the list is fetched (the
// authors of a page of posts). The first key asked of a group fetches the
// whole group at once, in one statement; the others wait for that fetch.
// Keys without a group go through a batch over the loader's wait, as a
// dataloadgen loader's do. Every value fetched or primed is kept for the
// rest of the request.
type Keyed[K comparable, V any] struct {
	batch *dataloadgen.Loader[K, V]
	fetch func(ctx context.Context, keys []K) (map[K]V, error)
	// missing is what a key that the fetch did not find gives: ErrNotFound
	// for objects, nil for lists and values (their zero value).
	missing error
	// fetched, if set, is told of every fetch's values (to record what
	// their nodes will ask for in turn).
	fetched func(map[K]V)

	mu   sync.Mutex
	have map[K]V
	// groups are the groups each key is in, oldest first.
	groups map[K][]*keyGroup[K]
}

// keyGroup is the keys one list's nodes ask for, and their fetch.
type keyGroup[K comparable] struct {
	once
	keys    []K
	started bool
}

func newKeyed[K comparable, V any](fetch func(ctx context.Context, keys []K) (map[K]V, error), missing error, fetched func(map[K]V)) *Keyed[K, V] {
	// Its maps and its batch are made when first needed: a request makes
	// every loader and uses a few.
	return &Keyed[K, V]{fetch: fetch, missing: missing, fetched: fetched}
}

// batchLocked returns the loader's batch, made on first use; l.mu is held.
func (l *Keyed[K, V]) batchLocked() *dataloadgen.Loader[K, V] {
	if l.batch == nil {
		l.batch = dataloadgen.NewLoader(l.runBatch, dataloadgen.WithWait(Wait))
	}
	return l.batch
}

// runBatch fetches a batch's keys, in the form dataloadgen wants.
func (l *Keyed[K, V]) runBatch(ctx context.Context, keys []K) ([]V, []error) {
	m, err := l.run(ctx, keys)
	out := make([]V, len(keys))
	errs := make([]error, len(keys))
	for i, k := range keys {
		v, ok := m[k]
		switch {
		case err != nil:
			errs[i] = err
		case !ok && l.missing != nil:
			errs[i] = l.missing
		default:
			out[i] = v
		}
	}
	return out, errs
}

// keepLocked keeps value for key; l.mu is held.
func (l *Keyed[K, V]) keepLocked(key K, value V) {
	if l.have == nil {
		l.have = map[K]V{}
	}
	l.have[key] = value
}

// newObjectLoader loads objects by key: a key not found is ErrNotFound
// (Get makes it NOT_FOUND).
func newObjectLoader[K comparable, V any](fetch func(ctx context.Context, keys []K) (map[K]V, error), fetched func(map[K]V)) *Keyed[K, V] {
	return newKeyed(fetch, dataloadgen.ErrNotFound, fetched)
}

// newListLoader loads "the list of X for each key": a key with no rows gets
// an empty list, not NOT_FOUND. fetched, if set, is told of every fetch's
// items, all lists together.
func newListLoader[K comparable, V any](fetch func(ctx context.Context, keys []K) (map[K][]V, error), fetched func([]V)) *Keyed[K, []V] {
	var each func(map[K][]V)
	if fetched != nil {
		each = func(m map[K][]V) { fetched(slices.Concat(slices.Collect(maps.Values(m))...)) }
	}
	return newKeyed(fetch, nil, each)
}

// newValueLoader loads a lookup whose missing keys mean the zero value.
func newValueLoader[K comparable, V any](fetch func(ctx context.Context, keys []K) (map[K]V, error)) *Keyed[K, V] {
	return newKeyed(fetch, nil, nil)
}

// run fetches keys and keeps what it found, unless the fetch failed (then
// its keys fail for the rest of the request, as a batch's do).
func (l *Keyed[K, V]) run(ctx context.Context, keys []K) (map[K]V, error) {
	m, err := l.fetch(ctx, keys)
	if err != nil {
		return m, err
	}
	l.PrimeAll(m)
	return m, nil
}

// PrimeAll keeps values fetched by something else (an author read with
// its post), as a fetch of this loader keeps them: each unless a value is
// known already, and the loader's fetched hook told of them, so that their
// own relations are one group, as a fetch's would be.
func (l *Keyed[K, V]) PrimeAll(m map[K]V) {
	if len(m) == 0 {
		return
	}
	l.mu.Lock()
	for k, v := range m {
		if _, ok := l.have[k]; !ok {
			l.keepLocked(k, v)
		}
	}
	l.mu.Unlock()
	if l.fetched != nil {
		l.fetched(m)
	}
}

// Expect records keys that the nodes of one list will ask for (see
// Keyed). Keys already known, or in a group whose fetch has started, are
// left out. A key can be in several groups not yet fetched (an author of
// posts in two lists): the first asked starts its newest group's fetch, as
// PageLoader.Siblings says.
func (l *Keyed[K, V]) Expect(keys []K) { l.expect(keys) }

// Preload fetches keys now, as one group (those not known already, nor in
// a group whose fetch has started): for a list whose nodes are known to
// ask for them all, so that they find their values without waiting on a
// fetch. A failed fetch fails its keys, as a group's does.
func (l *Keyed[K, V]) Preload(ctx context.Context, keys []K) {
	g := l.expect(keys)
	l.mu.Lock()
	if g.started || len(g.keys) == 0 {
		l.mu.Unlock()
		return
	}
	g.started = true
	l.mu.Unlock()
	l.runGroup(ctx, g)
}

func (l *Keyed[K, V]) expect(keys []K) *keyGroup[K] {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.expectLocked(keys)
}

func (l *Keyed[K, V]) expectLocked(keys []K) *keyGroup[K] {
	g := &keyGroup[K]{once: newOnce()}
	// A key's first group is a slot of one array for the whole list
	// (capacity 1, so that a second group copies it out), instead of a
	// slice of its own: a list of a thousand authors is one allocation.
	var slots []*keyGroup[K]
	for i, k := range keys {
		if _, ok := l.have[k]; ok {
			continue
		}
		gs := l.groups[k]
		if len(gs) > 0 && gs[len(gs)-1] == g || slices.ContainsFunc(gs, func(o *keyGroup[K]) bool { return o.started }) {
			continue
		}
		if len(gs) == 0 {
			if slots == nil {
				slots = make([]*keyGroup[K], len(keys)-i)
			}
			gs, slots = slots[:0:1], slots[1:]
		}
		if l.groups == nil {
			l.groups = map[K][]*keyGroup[K]{}
		}
		l.groups[k] = append(gs, g)
		if g.keys == nil {
			g.keys = make([]K, 0, len(keys)-i)
		}
		g.keys = append(g.keys, k)
	}
	return g
}

// runGroup runs g's fetch; the caller has marked it started.
func (l *Keyed[K, V]) runGroup(ctx context.Context, g *keyGroup[K]) {
	g.run(func() error {
		_, err := l.run(ctx, g.keys)
		return err
	})
}

// expectUnless records keys as Expect does, unless key is known or in a
// group already: for a group that the first of its keys to be asked for
// decides (Loaders.Activity); of siblings asking at once, one records it.
func (l *Keyed[K, V]) expectUnless(key K, keys []K) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.expectedLocked(key) {
		l.expectLocked(keys)
	}
}

// expected says whether key is known or in a group.
func (l *Keyed[K, V]) expected(key K) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.expectedLocked(key)
}

func (l *Keyed[K, V]) expectedLocked(key K) bool {
	_, known := l.have[key]
	return known || len(l.groups[key]) > 0
}

// Load returns the value for key: known already, from its group's fetch,
// or through a batch.
func (l *Keyed[K, V]) Load(ctx context.Context, key K) (V, error) {
	var zero V
	l.mu.Lock()
	if v, ok := l.have[key]; ok {
		l.mu.Unlock()
		return v, nil
	}
	gs := l.groups[key]
	if len(gs) == 0 {
		b := l.batchLocked()
		l.mu.Unlock()
		return b.Load(ctx, key)
	}
	g := gs[len(gs)-1]
	if i := slices.IndexFunc(gs, func(o *keyGroup[K]) bool { return o.started }); i >= 0 {
		g = gs[i]
	}
	if !g.started {
		g.started = true
		l.mu.Unlock()
		l.runGroup(ctx, g)
	} else {
		l.mu.Unlock()
	}
	if err := g.wait(ctx); err != nil {
		return zero, err
	}
	l.mu.Lock()
	v, ok := l.have[key]
	l.mu.Unlock()
	if !ok && l.missing != nil {
		return zero, l.missing
	}
	return v, nil
}

// LoadAll returns the values for keys, in order: the keys known or
// grouped as Load does, the others in one batch. If any key failed, the
// error is a dataloadgen.ErrorSlice with each key's error.
func (l *Keyed[K, V]) LoadAll(ctx context.Context, keys []K) ([]V, error) {
	out := make([]V, len(keys))
	errs := make([]error, len(keys))
	var rest []K
	var at []int
	for i, k := range keys {
		if l.expected(k) {
			out[i], errs[i] = l.Load(ctx, k)
			continue
		}
		rest = append(rest, k)
		at = append(at, i)
	}
	if len(rest) > 0 {
		l.mu.Lock()
		b := l.batchLocked()
		l.mu.Unlock()
		vs, err := b.LoadAll(ctx, rest)
		var each dataloadgen.ErrorSlice
		errors.As(err, &each)
		for j, i := range at {
			out[i] = vs[j]
			if each != nil {
				errs[i] = each[j]
			} else {
				errs[i] = err
			}
		}
	}
	for _, err := range errs {
		if err != nil {
			return out, dataloadgen.ErrorSlice(errs)
		}
	}
	return out, nil
}

// Prime keeps value for key unless a value is known already (then it
// returns false).
func (l *Keyed[K, V]) Prime(key K, value V) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.have[key]; ok {
		return false
	}
	l.keepLocked(key, value)
	return true
}
