package loader

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kimhub/kimhub/internal/relay"
)

// pages is a PageLoader over a fetch that records its calls: each parent's
// page is one node, "<parent>/<first>".
type pages struct {
	mu    sync.Mutex
	calls [][]string // the parents of each fetch, sorted
	err   error
	panic bool
	l     *PageLoader[string, string]
}

func newPages() *pages {
	p := &pages{}
	p.l = newPageLoader(fixed("test"), func(_ context.Context, parents []string, pg relay.Page, _ string) (map[string]relay.Connection[string], error) {
		p.mu.Lock()
		p.calls = append(p.calls, slices.Sorted(slices.Values(parents)))
		err, panics := p.err, p.panic
		p.mu.Unlock()
		if panics {
			panic("fetch panicked")
		}
		out := map[string]relay.Connection[string]{}
		for _, parent := range parents {
			node := fmt.Sprintf("%s/%d", parent, pg.Limit)
			out[parent] = relay.Connection[string]{Edges: []relay.Edge[string]{{Node: node}}}
		}
		return out, err
	}, nil)
	return p
}

func (p *pages) fetches() [][]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.calls)
}

func key(parent string, first int) PageKey[string] {
	return PageKey[string]{Parent: parent, Args: relay.Args{First: &first}.Key()}
}

// page loads parent's page of first items and returns its one node.
func (p *pages) page(t *testing.T, parent string, first int) string {
	t.Helper()
	c, err := p.l.Load(context.Background(), key(parent, first))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Edges) != 1 {
		t.Fatalf("want one node, got %d", len(c.Edges))
	}
	return c.Edges[0].Node
}

// A sibling's key fetches the whole group's pages at once, and the others'
// keys, however late they come, are answered from that fetch: one fetch,
// whatever the timing.
func TestSiblingsShareOneFetchHoweverLateTheyCome(t *testing.T) {
	p := newPages()
	p.l.Siblings([]string{"a", "b", "c"})

	if got := p.page(t, "b", 5); got != "b/5" {
		t.Fatalf("b's page: %q", got)
	}
	time.Sleep(3 * Wait) // past any batch's wait
	for _, parent := range []string{"a", "c"} {
		if got := p.page(t, parent, 5); got != parent+"/5" {
			t.Fatalf("%s's page: %q", parent, got)
		}
	}
	if got := p.fetches(); !slices.EqualFunc(got, [][]string{{"a", "b", "c"}}, slices.Equal) {
		t.Fatalf("fetches: want one for the group, got %v", got)
	}

	// Other page arguments are another fetch, for the group again.
	if got := p.page(t, "c", 2); got != "c/2" {
		t.Fatalf("c's second page: %q", got)
	}
	if n := len(p.fetches()); n != 2 {
		t.Fatalf("want a second fetch for other arguments, got %d fetches", n)
	}
}

// Siblings asking at the same time still make one fetch.
func TestConcurrentSiblingsMakeOneFetch(t *testing.T) {
	ctx := context.Background()
	p := newPages()
	parents := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	p.l.Siblings(parents)
	var wg sync.WaitGroup
	got := make([]string, len(parents))
	errs := make([]error, len(parents))
	for i, parent := range parents {
		wg.Go(func() {
			c, err := p.l.Load(ctx, key(parent, 3))
			if err == nil && len(c.Edges) == 1 {
				got[i] = c.Edges[0].Node
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, parent := range parents {
		if errs[i] != nil || got[i] != parent+"/3" {
			t.Fatalf("%s: page %q, error %v", parent, got[i], errs[i])
		}
	}
	if n := len(p.fetches()); n != 1 {
		t.Fatalf("want one fetch, got %d", n)
	}
}

// A parent outside any group goes through a batch: keys asked together
// still share a fetch, and a parent already in a group keeps it.
func TestParentsWithoutGroupBatch(t *testing.T) {
	p := newPages()
	var wg sync.WaitGroup
	for _, parent := range []string{"x", "y"} {
		wg.Go(func() {
			if got := p.page(t, parent, 1); got != parent+"/1" {
				t.Errorf("%s's page: %q", parent, got)
			}
		})
	}
	wg.Wait()
	if got := p.fetches(); !slices.EqualFunc(got, [][]string{{"x", "y"}}, slices.Equal) {
		t.Fatalf("want one batched fetch of x and y, got %v", got)
	}

	p.l.Siblings([]string{"a", "b", "a"})
	p.l.Siblings([]string{"b", "c", "c"}) // b is in both: its newer group first
	p.page(t, "b", 1)
	if got := p.fetches(); !slices.Equal(got[len(got)-1], []string{"b", "c"}) {
		t.Fatalf("b's fetch: want its newer group, each parent once, got %v", got[len(got)-1])
	}
	p.page(t, "a", 1)
	if got := p.fetches(); !slices.Equal(got[len(got)-1], []string{"a", "b"}) {
		t.Fatalf("a's fetch: want a's group, each parent once, got %v", got[len(got)-1])
	}
	// A parent whose group has fetched this page, listed again (a region
	// found again as a parent), takes its page from that fetch.
	n := len(p.fetches())
	p.l.Siblings([]string{"a", "d"})
	if got := p.page(t, "a", 1); got != "a/1" || len(p.fetches()) != n {
		t.Fatalf("a listed again: %q after %d fetches, want none", got, len(p.fetches())-n)
	}

	// siblingsUnlessListed records a group only if its parent has none.
	p.l.siblingsUnlessListed("e", []string{"e", "f"})
	p.l.siblingsUnlessListed("f", []string{"f", "e", "g"}) // f is listed: not recorded
	p.page(t, "f", 1)
	if got := p.fetches(); !slices.Equal(got[len(got)-1], []string{"e", "f"}) {
		t.Fatalf("f's fetch: want the group e recorded, got %v", got[len(got)-1])
	}
}

// A failed fetch fails every sibling's key; a panicking one does too, and
// leaves none of them waiting.
func TestSiblingsShareAFailure(t *testing.T) {
	ctx := context.Background()
	p := newPages()
	p.err = errors.New("the database is gone")
	p.l.Siblings([]string{"a", "b"})
	for _, parent := range []string{"a", "b"} {
		if _, err := p.l.Load(ctx, key(parent, 1)); !errors.Is(err, p.err) {
			t.Fatalf("%s: want the fetch's error, got %v", parent, err)
		}
	}

	p = newPages()
	p.panic = true
	p.l.Siblings([]string{"a", "b"})
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the fetch's panic should reach the first caller")
			}
		}()
		_, _ = p.l.Load(ctx, key("a", 1))
	}()
	done := make(chan error, 1)
	go func() { _, err := p.l.Load(ctx, key("b", 1)); done <- err }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("b: want an error after the group's fetch panicked")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("b is still waiting for a fetch that panicked")
	}
}

// A sibling whose request is cancelled stops waiting for the group's
// fetch.
func TestASiblingStopsWaitingWhenCancelled(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	l := newPageLoader(fixed("test"), func(_ context.Context, parents []string, _ relay.Page, _ string) (map[string]relay.Connection[string], error) {
		close(started)
		<-release
		return map[string]relay.Connection[string]{}, nil
	}, nil)
	l.Siblings([]string{"a", "b"})
	go func() { _, _ = l.Load(context.Background(), key("a", 1)) }()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := l.Load(ctx, key("b", 1)); done <- err }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("want context.Canceled, got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("b still waits after its request was cancelled")
	}
	close(release)
}
