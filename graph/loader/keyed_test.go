package loader

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vikstrous/dataloadgen"
)

// objects is a Keyed object loader over a fetch that records its calls:
// every key but "gone" is found, its value the key upper-cased.
type objects struct {
	mu      sync.Mutex
	calls   [][]string // the keys of each fetch, sorted
	err     error
	panic   bool
	fetched [][]string // what the hook was told of, sorted
	l       *Keyed[string, string]
}

func newObjects() *objects {
	o := &objects{}
	o.l = newObjectLoader(func(_ context.Context, keys []string) (map[string]string, error) {
		o.mu.Lock()
		o.calls = append(o.calls, slices.Sorted(slices.Values(keys)))
		err, panics := o.err, o.panic
		o.mu.Unlock()
		if panics {
			panic("fetch panicked")
		}
		out := map[string]string{}
		for _, k := range keys {
			if k != "gone" {
				out[k] = "<" + k + ">"
			}
		}
		return out, err
	}, func(m map[string]string) {
		o.mu.Lock()
		defer o.mu.Unlock()
		o.fetched = append(o.fetched, slices.Sorted(maps.Keys(m)))
	})
	return o
}

func (o *objects) fetches() [][]string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.calls)
}

func (o *objects) load(t *testing.T, key string) string {
	t.Helper()
	v, err := o.l.Load(context.Background(), key)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	return v
}

// Expected keys are one fetch at the first ask, however late and one by
// one the others come; the hook hears of what was fetched.
func TestExpectedKeysAreOneFetchHoweverTheyCome(t *testing.T) {
	o := newObjects()
	o.l.Expect([]string{"a", "b", "c", "b"})
	if got := o.load(t, "c"); got != "<c>" {
		t.Fatalf("c: %q", got)
	}
	time.Sleep(3 * Wait) // past any batch's wait
	for _, k := range []string{"a", "b"} {
		if got := o.load(t, k); got != "<"+k+">" {
			t.Fatalf("%s: %q", k, got)
		}
	}
	if f := o.fetches(); len(f) != 1 || !slices.Equal(f[0], []string{"a", "b", "c"}) {
		t.Fatalf("fetches: %v, want one of a, b, c", f)
	}
	if len(o.fetched) != 1 || !slices.Equal(o.fetched[0], []string{"a", "b", "c"}) {
		t.Fatalf("the hook heard of %v", o.fetched)
	}
}

// Concurrent askers of one group share its fetch.
func TestConcurrentExpectedKeysShareAFetch(t *testing.T) {
	o := newObjects()
	keys := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	o.l.Expect(keys)
	var wg sync.WaitGroup
	for _, k := range keys {
		wg.Go(func() {
			if v, err := o.l.Load(context.Background(), k); err != nil || v != "<"+k+">" {
				t.Errorf("%s: %q %v", k, v, err)
			}
		})
	}
	wg.Wait()
	if f := o.fetches(); len(f) != 1 {
		t.Fatalf("fetches: %v", f)
	}
}

// A key its group's fetch did not find is NOT_FOUND for an object loader
// and the zero value for a list loader, without a second fetch.
func TestMissingExpectedKeys(t *testing.T) {
	o := newObjects()
	o.l.Expect([]string{"a", "gone"})
	o.load(t, "a")
	if _, err := o.l.Load(context.Background(), "gone"); !errors.Is(err, dataloadgen.ErrNotFound) {
		t.Fatalf("gone: %v, want ErrNotFound", err)
	}
	if f := o.fetches(); len(f) != 1 {
		t.Fatalf("fetches: %v", f)
	}

	var calls int
	lists := newListLoader(func(_ context.Context, keys []int) (map[int][]int, error) {
		calls++
		return map[int][]int{1: {10, 11}}, nil
	}, nil)
	lists.Expect([]int{1, 2})
	if v, err := lists.Load(context.Background(), 2); err != nil || v != nil {
		t.Fatalf("2: %v %v, want an empty list", v, err)
	}
	if v, err := lists.Load(context.Background(), 1); err != nil || len(v) != 2 {
		t.Fatalf("1: %v %v", v, err)
	}
	if calls != 1 {
		t.Fatalf("%d fetches", calls)
	}
}

// Known keys (fetched or primed) are not fetched again; a key in two
// groups not yet fetched starts its newer group's fetch; a key in a group
// whose fetch has started joins that fetch, whatever group it is in later.
func TestKeysInSeveralGroups(t *testing.T) {
	o := newObjects()
	if !o.l.Prime("p", "primed") || o.l.Prime("p", "again") {
		t.Fatal("Prime: want true, then false")
	}
	o.l.Expect([]string{"a", "b"})
	o.l.Expect([]string{"b", "c", "p"})
	if got := o.load(t, "c"); got != "<c>" {
		t.Fatalf("c: %q", got)
	}
	o.load(t, "b")
	if got := o.load(t, "p"); got != "primed" {
		t.Fatalf("p: %q", got)
	}
	o.l.Expect([]string{"b", "d"}) // b is known now
	o.load(t, "d")
	o.load(t, "a")
	want := [][]string{{"b", "c"}, {"d"}, {"a", "b"}}
	if f := o.fetches(); !slices.EqualFunc(f, want, slices.Equal) {
		t.Fatalf("fetches: %v, want %v", f, want)
	}

	// x's group has started (and, here, finished) its fetch; x listed
	// again later is answered by it, and the new group fetches the rest.
	o = newObjects()
	o.l.Expect([]string{"x", "y"})
	o.load(t, "x")
	o.l.Expect([]string{"y", "z"})
	o.load(t, "y")
	o.load(t, "z")
	want = [][]string{{"x", "y"}, {"z"}}
	if f := o.fetches(); !slices.EqualFunc(f, want, slices.Equal) {
		t.Fatalf("fetches: %v, want %v", f, want)
	}
}

// A failed or panicking group fetch fails its keys, and the others' waits
// end with that error rather than a missing value.
func TestFailedExpectedFetch(t *testing.T) {
	o := newObjects()
	o.err = errors.New("database down")
	o.l.Expect([]string{"a", "b"})
	if _, err := o.l.Load(context.Background(), "a"); err == nil || err.Error() != "database down" {
		t.Fatalf("a: %v", err)
	}
	if _, err := o.l.Load(context.Background(), "b"); err == nil || err.Error() != "database down" {
		t.Fatalf("b: %v", err)
	}

	o = newObjects()
	o.panic = true
	o.l.Expect([]string{"a", "b"})
	func() {
		defer func() { _ = recover() }()
		_, _ = o.l.Load(context.Background(), "a")
		t.Error("the fetch's panic did not reach the first asker")
	}()
	if _, err := o.l.Load(context.Background(), "b"); !errors.Is(err, errFetchPanicked) {
		t.Fatalf("b after a panic: %v", err)
	}
}

// LoadAll answers grouped and known keys as Load does and the others in
// one batch, in order, with each key's error.
func TestLoadAllMixesGroupsAndABatch(t *testing.T) {
	o := newObjects()
	o.l.Expect([]string{"a", "b"})
	o.l.Prime("p", "primed")
	vs, err := o.l.LoadAll(context.Background(), []string{"x", "a", "p", "y", "b"})
	if err != nil || !slices.Equal(vs, []string{"<x>", "<a>", "primed", "<y>", "<b>"}) {
		t.Fatalf("LoadAll: %v %v", vs, err)
	}
	if f := o.fetches(); len(f) != 2 || !slices.Equal(f[0], []string{"a", "b"}) || !slices.Equal(f[1], []string{"x", "y"}) {
		t.Fatalf("fetches: %v", f)
	}
	vs, err = o.l.LoadAll(context.Background(), []string{"a", "gone"})
	var each dataloadgen.ErrorSlice
	if !errors.As(err, &each) || each[0] != nil || !errors.Is(each[1], dataloadgen.ErrNotFound) || vs[0] != "<a>" {
		t.Fatalf("LoadAll with a missing key: %v %v", vs, err)
	}
}

// A waiter whose request ends stops waiting.
func TestCancelledWaiterOfAGroup(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	l := newObjectLoader(func(_ context.Context, keys []string) (map[string]string, error) {
		close(started)
		<-release
		return map[string]string{"a": "A", "b": "B"}, nil
	}, nil)
	l.Expect([]string{"a", "b"})
	go func() { _, _ = l.Load(context.Background(), "a") }()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Load(ctx, "b"); !errors.Is(err, context.Canceled) {
		t.Fatalf("b: %v", err)
	}
	close(release)
}

// expectUnless records a group only if its key has none yet: of siblings
// that each decide the group of their first key at once, one records it.
func TestExpectUnlessKeyIsGrouped(t *testing.T) {
	o := newObjects()
	o.l.expectUnless("a", []string{"a", "b"})
	o.l.expectUnless("b", []string{"b", "a", "c"}) // b is grouped: not recorded
	o.load(t, "b")
	o.load(t, "a")
	if f := o.fetches(); len(f) != 1 || !slices.Equal(f[0], []string{"a", "b"}) {
		t.Fatalf("fetches: %v, want one of a and b", f)
	}
}
