package loader

import (
	"context"
	"sync"

	"github.com/vikstrous/dataloadgen"

	"github.com/kimhub/kimhub/internal/relay"
)

// PageKey asks for one page of the children of a parent. Extra carries
// whatever else shapes the page (a filter and order, encoded), so that keys
// with the same page arguments and extra share one fetch.
type PageKey[P comparable] struct {
	Parent P
	Args   relay.ArgsKey
	Extra  string
}

// PageLoader batches "one page of children per parent": keys with the same
// page arguments go to one fetch, so a list of N parents, each asking for
// its first 10 children, costs one statement.
//
// Keys reach a plain batch over the loader's wait, and a batch closes when
// the wait is over: a key that comes later (gqlgen starts sibling fields in
// goroutines, and under load some start late) waits for a second batch and
// a second statement. So a parent can belong to a sibling group: the
// parents that one list returned together (a page of regions, the
// communities of a batch of regions), recorded with Siblings. The first
// key asked for a parent of a group fetches, at once and in one statement,
// that page for the whole group; its siblings' keys, when they come, wait
// for that fetch instead of for a batch. Nothing is guessed from the clock:
// a field selected on a list's nodes is asked for every node, so the group
// is exactly the keys that will come. A group's fetch, failed, fails its
// siblings' keys with the same error for the rest of the request, as a
// batch's does for its keys.
type PageLoader[P comparable, T any] struct {
	batch *dataloadgen.Loader[PageKey[P], relay.Connection[T]]
	// kind, read and fetched are newPageLoader's arguments.
	kind    func(extra string) string
	read    func(ctx context.Context, parents []P, p relay.Page, extra string) (map[P]relay.Connection[T], error)
	fetched func(map[P]relay.Connection[T])

	mu sync.Mutex
	// groups are the sibling groups each parent is in, oldest first.
	groups  map[P][]*siblings[P]
	flights map[flightKey[P]]*flight[P, T]
}

// siblings are parents returned together.
type siblings[P comparable] struct{ parents []P }

type flightKey[P comparable] struct {
	group *siblings[P]
	args  relay.ArgsKey
	extra string
}

// flight is one fetch of a page for a sibling group.
type flight[P comparable, T any] struct {
	once
	conns map[P]relay.Connection[T]
}

// newPageLoader makes a PageLoader. kind gives the cursor kind of a page
// for its extra; fetch reads one page for each of parents; fetched, if not
// nil, is told of every fetch's pages (to record their nodes as siblings).
func newPageLoader[P comparable, T any](kind func(extra string) string,
	fetch func(ctx context.Context, parents []P, p relay.Page, extra string) (map[P]relay.Connection[T], error),
	fetched func(map[P]relay.Connection[T]),
) *PageLoader[P, T] {
	// Its maps and its batch are made when first needed, as Keyed's.
	return &PageLoader[P, T]{kind: kind, read: fetch, fetched: fetched}
}

// fetch reads one page for each of parents and tells fetched of them.
func (l *PageLoader[P, T]) fetch(ctx context.Context, parents []P, args relay.ArgsKey, extra string) (map[P]relay.Connection[T], error) {
	page, err := relay.NewPage(l.kind(extra), args.Args())
	if err != nil {
		return nil, err
	}
	conns, err := l.read(ctx, parents, page, extra)
	if err == nil && l.fetched != nil {
		l.fetched(conns)
	}
	return conns, err
}

// batchLocked returns the loader's batch, made on first use; l.mu is held.
func (l *PageLoader[P, T]) batchLocked() *dataloadgen.Loader[PageKey[P], relay.Connection[T]] {
	if l.batch == nil {
		l.batch = dataloadgen.NewLoader(l.runBatch, dataloadgen.WithWait(Wait))
	}
	return l.batch
}

// runBatch fetches a batch's keys: one fetch for each page arguments and
// extra that its keys share.
func (l *PageLoader[P, T]) runBatch(ctx context.Context, keys []PageKey[P]) ([]relay.Connection[T], []error) {
	type group struct {
		args  relay.ArgsKey
		extra string
	}
	out := make([]relay.Connection[T], len(keys))
	errs := make([]error, len(keys))
	groups := map[group][]int{}
	for i, k := range keys {
		g := group{k.Args, k.Extra}
		groups[g] = append(groups[g], i)
	}
	for g, idx := range groups {
		parents := make([]P, len(idx))
		for j, i := range idx {
			parents[j] = keys[i].Parent
		}
		conns, err := l.fetch(ctx, parents, g.args, g.extra)
		for _, i := range idx {
			out[i], errs[i] = conns[keys[i].Parent], err
		}
	}
	return out, errs
}

// Siblings records parents returned together (see PageLoader). A parent
// listed twice in one list is fetched once. A parent can be in several
// groups (a community in the pages of a province and of one of its
// regencies; a region in a page and found again as a parent): its key
// joins a fetch already started for any of them, and otherwise starts its
// newest group's (lists are recorded from the top of a query down, and the
// deeper list is the one whose nodes go on to ask for more).
func (l *PageLoader[P, T]) Siblings(parents []P) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.siblingsLocked(parents)
}

func (l *PageLoader[P, T]) siblingsLocked(parents []P) {
	g := &siblings[P]{}
	for _, p := range parents {
		if gs := l.groups[p]; len(gs) == 0 || gs[len(gs)-1] != g {
			if l.groups == nil {
				l.groups = map[P][]*siblings[P]{}
			}
			l.groups[p] = append(gs, g)
			g.parents = append(g.parents, p)
		}
	}
}

// siblingsUnlessListed records parents as Siblings does, unless parent is
// in a group already: for a group that the first of its parents to ask
// decides (Loaders.Requests); of siblings asking at once, one records it.
func (l *PageLoader[P, T]) siblingsUnlessListed(parent P, parents []P) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.groups[parent]) == 0 {
		l.siblingsLocked(parents)
	}
}

// listed says whether parent is in a sibling group.
func (l *PageLoader[P, T]) listed(parent P) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.groups[parent]) > 0
}

// Load returns the page key asks for: from its sibling group's fetch if its
// parent has a group, else through a batch.
func (l *PageLoader[P, T]) Load(ctx context.Context, key PageKey[P]) (relay.Connection[T], error) {
	l.mu.Lock()
	gs := l.groups[key.Parent]
	if len(gs) == 0 {
		b := l.batchLocked()
		l.mu.Unlock()
		return b.Load(ctx, key)
	}
	var f *flight[P, T]
	for i := len(gs) - 1; i >= 0 && f == nil; i-- {
		f = l.flights[flightKey[P]{gs[i], key.Args, key.Extra}]
	}
	g := gs[len(gs)-1]
	if f == nil {
		fk := flightKey[P]{g, key.Args, key.Extra}
		f = &flight[P, T]{once: newOnce()}
		if l.flights == nil {
			l.flights = map[flightKey[P]]*flight[P, T]{}
		}
		l.flights[fk] = f
		l.mu.Unlock()
		f.run(func() (err error) {
			f.conns, err = l.fetch(ctx, g.parents, key.Args, key.Extra)
			return err
		})
	} else {
		l.mu.Unlock()
	}
	if err := f.wait(ctx); err != nil {
		return relay.Connection[T]{}, err
	}
	return f.conns[key.Parent], nil
}
