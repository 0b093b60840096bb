package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/kimhub/kimhub/internal/app"
	"github.com/kimhub/kimhub/internal/testenv"
)

// syncBuffer collects a program's log output safely across goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// server is a running kimhub started through app.Run, as main starts it.
type server struct {
	url  string
	logs *syncBuffer
	stop func() error // cancels the run and returns its error
}

// run runs one subcommand to completion.
func run(t *testing.T, env func(string) string, args ...string) (string, error) {
	t.Helper()
	var out syncBuffer
	err := app.Run(context.Background(), app.Options{Args: args, Getenv: env, Stdout: &out, Stderr: &out})
	return out.String(), err
}

// start loads the demo data into an emptied database and serves it.
func start(t *testing.T, overrides map[string]string) *server {
	t.Helper()
	return serve(t, loadDemo(t, overrides))
}

// loadDemo loads the demo data into an emptied database and returns the
// environment to serve it with.
func loadDemo(t *testing.T, overrides map[string]string) func(string) string {
	t.Helper()
	testenv.DB(t) // empty the database
	env := testenv.Getenv(t, overrides)
	if out, err := run(t, env, "demo"); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	return env
}

// serve runs serve over the database env names until the test ends.
func serve(t *testing.T, env func(string) string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- app.Run(ctx, app.Options{
			Args: []string{"serve"}, Getenv: env, Stdout: logs, Stderr: logs,
			OnListen: func(a string) { addr <- a },
		})
	}()
	s := &server{logs: logs}
	select {
	case a := <-addr:
		s.url = "http://" + a
	case err := <-done:
		cancel()
		t.Fatalf("serve stopped at once: %v\n%s", err, logs)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatalf("serve did not start\n%s", logs)
	}
	var once sync.Once
	var stopErr error
	s.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(30 * time.Second):
				stopErr = errors.New("serve did not stop")
			}
		})
		return stopErr
	}
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return s
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
	status int
	header http.Header
}

// query posts a GraphQL document the way a client app does.
func (s *server) query(t *testing.T, doc string, vars map[string]any) gqlResponse {
	t.Helper()
	return s.queryAs(t, "", doc, vars)
}

// queryAs posts a GraphQL document with an access token ("" for none).
func (s *server) queryAs(t *testing.T, token, doc string, vars map[string]any) gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": doc, "variables": vars})
	return s.postAs(t, token, body)
}

func (s *server) post(t *testing.T, body []byte) gqlResponse {
	t.Helper()
	return s.postAs(t, "", body)
}

func (s *server) postAs(t *testing.T, token string, body []byte) gqlResponse {
	t.Helper()
	req, _ := http.NewRequest("POST", s.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r gqlResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("status %d, body %q: %v", resp.StatusCode, raw, err)
	}
	r.status, r.header = resp.StatusCode, resp.Header
	return r
}

// decode unpacks data, failing on any error.
func (r gqlResponse) decode(t *testing.T, into any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, into); err != nil {
		t.Fatal(err)
	}
}

// only returns the single error of a response.
func (r gqlResponse) only(t *testing.T) gqlError {
	t.Helper()
	if len(r.Errors) != 1 {
		t.Fatalf("want one error, got %+v (data %s)", r.Errors, r.Data)
	}
	return r.Errors[0]
}

func districtsOf(t *testing.T, db *sqlx.DB, parent string) []string {
	t.Helper()
	var codes []string
	if err := db.Select(&codes, `SELECT code FROM regions WHERE parent_code = $1 ORDER BY code`, parent); err != nil {
		t.Fatal(err)
	}
	return codes
}

type regionJSON struct {
	ID     string `json:"id"`
	Code   string `json:"code"`
	Name   string `json:"name"`
	Level  string `json:"level"`
	Parent *struct {
		Name string `json:"name"`
	} `json:"parent"`
}

type connJSON struct {
	Edges []struct {
		Cursor string     `json:"cursor"`
		Node   regionJSON `json:"node"`
	} `json:"edges"`
	PageInfo struct {
		HasNextPage     bool    `json:"hasNextPage"`
		HasPreviousPage bool    `json:"hasPreviousPage"`
		StartCursor     *string `json:"startCursor"`
		EndCursor       *string `json:"endCursor"`
	} `json:"pageInfo"`
}

const childrenQuery = `query($code: String!, $first: Int, $after: String, $last: Int, $before: String) {
  region(code: $code) {
    name level parent { name }
    children(first: $first, after: $after, last: $last, before: $before) {
      edges { cursor node { code name level } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}`

func TestServeKutaiKartanegara(t *testing.T) {
	s := start(t, nil)
	// The query of the "done when", verbatim.
	var d struct {
		Region struct {
			regionJSON
			Children connJSON `json:"children"`
		} `json:"region"`
	}
	s.query(t, `{ region(code: "64.02") { name level parent { name } children(first: 3) { edges { cursor node { code name } } pageInfo { hasNextPage endCursor } } } }`, nil).decode(t, &d)
	r := d.Region
	if r.Name != "Kabupaten Kutai Kartanegara" || r.Level != "REGENCY" || r.Parent == nil || r.Parent.Name != "Kalimantan Timur" {
		t.Fatalf("region: %+v", r.regionJSON)
	}
	if len(r.Children.Edges) != 3 || r.Children.Edges[0].Node.Code != "64.02.01" || r.Children.Edges[0].Node.Name != "Muara Muntai" || !r.Children.PageInfo.HasNextPage {
		t.Fatalf("children: %+v", r.Children)
	}
}

func TestPaginationAcrossPages(t *testing.T) {
	s := start(t, nil)
	want := districtsOf(t, testenv.Shared(t), "64.02")
	if len(want) < 15 {
		t.Fatalf("the demo has only %d districts of 64.02", len(want))
	}

	page := func(vars map[string]any) connJSON {
		var d struct {
			Region struct {
				Children connJSON `json:"children"`
			} `json:"region"`
		}
		vars["code"] = "64.02"
		s.query(t, childrenQuery, vars).decode(t, &d)
		return d.Region.Children
	}

	// Forwards, 7 at a time.
	var got []string
	var after any
	for i := 0; ; i++ {
		c := page(map[string]any{"first": 7, "after": after})
		for _, e := range c.Edges {
			got = append(got, e.Node.Code)
		}
		if (i > 0) != c.PageInfo.HasPreviousPage {
			t.Errorf("page %d: hasPreviousPage %v", i, c.PageInfo.HasPreviousPage)
		}
		if !c.PageInfo.HasNextPage {
			break
		}
		after = *c.PageInfo.EndCursor
		if i > 10 {
			t.Fatal("pagination does not end")
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("forwards:\n got %v\nwant %v", got, want)
	}

	// Backwards, 6 at a time.
	var back []string
	var before any
	for i := 0; i < 10; i++ {
		c := page(map[string]any{"last": 6, "before": before})
		var codes []string
		for _, e := range c.Edges {
			codes = append(codes, e.Node.Code)
		}
		back = append(codes, back...)
		if !c.PageInfo.HasPreviousPage {
			break
		}
		before = *c.PageInfo.StartCursor
	}
	if strings.Join(back, " ") != strings.Join(want, " ") {
		t.Fatalf("backwards:\n got %v\nwant %v", back, want)
	}

	// An empty page: zero asked for, and past the end.
	if c := page(map[string]any{"first": 0}); len(c.Edges) != 0 || !c.PageInfo.HasNextPage || c.PageInfo.EndCursor != nil {
		t.Errorf("first: 0 gave %+v", c)
	}
	last := page(map[string]any{"last": 1})
	if c := page(map[string]any{"first": 5, "after": *last.PageInfo.EndCursor}); len(c.Edges) != 0 || c.PageInfo.HasNextPage {
		t.Errorf("after the last item: %+v", c)
	}
	// A village has no children.
	var v struct {
		Region struct {
			Children connJSON `json:"children"`
		} `json:"region"`
	}
	s.query(t, childrenQuery, map[string]any{"code": "64.02.01.2001"}).decode(t, &v)
	if len(v.Region.Children.Edges) != 0 || v.Region.Children.PageInfo.HasNextPage {
		t.Errorf("village children: %+v", v.Region.Children)
	}
}

func TestRegionsQuery(t *testing.T) {
	s := start(t, nil)
	var d struct {
		Regions struct {
			Nodes []regionJSON `json:"nodes"`
		} `json:"regions"`
		Search struct {
			Nodes []regionJSON `json:"nodes"`
		} `json:"search"`
	}
	s.query(t, `{
		regions(parentCode: "64", level: REGENCY, first: 100) { nodes { code name } }
		search: regions(search: "kartanegara") { nodes { code level } }
	}`, nil).decode(t, &d)
	if len(d.Regions.Nodes) != 10 || d.Regions.Nodes[0].Code != "64.01" || d.Regions.Nodes[9].Name != "Kota Bontang" {
		t.Fatalf("regencies of 64: %+v", d.Regions.Nodes)
	}
	if len(d.Search.Nodes) != 1 || d.Search.Nodes[0].Code != "64.02" {
		t.Fatalf("search: %+v", d.Search.Nodes)
	}

	var a struct {
		Region struct {
			Ancestors []regionJSON `json:"ancestors"`
		} `json:"region"`
	}
	s.query(t, `{ region(code: "64.02.01.2001") { ancestors { code level } } }`, nil).decode(t, &a)
	if len(a.Region.Ancestors) != 3 || a.Region.Ancestors[0].Code != "64" || a.Region.Ancestors[2].Level != "DISTRICT" {
		t.Fatalf("ancestors: %+v", a.Region.Ancestors)
	}
}

func TestNodeByGlobalID(t *testing.T) {
	s := start(t, nil)
	var d struct {
		Region regionJSON `json:"region"`
	}
	s.query(t, `{ region(code: "64.02.01") { id } }`, nil).decode(t, &d)
	if d.Region.ID == "" || strings.Contains(d.Region.ID, "64.02") {
		t.Fatalf("id %q should be opaque", d.Region.ID)
	}
	var n struct {
		Node  regionJSON    `json:"node"`
		Nodes []*regionJSON `json:"nodes"`
	}
	r := s.query(t, `query($id: ID!) { node(id: $id) { id ... on Region { code name } } nodes(ids: [$id, "bm9wZTp4"]) { id } }`, map[string]any{"id": d.Region.ID})
	if err := json.Unmarshal(r.Data, &n); err != nil {
		t.Fatal(err)
	}
	if n.Node.Code != "64.02.01" || n.Node.ID != d.Region.ID {
		t.Fatalf("node: %+v", n.Node)
	}
	if len(n.Nodes) != 2 || n.Nodes[0] == nil || n.Nodes[1] != nil {
		t.Fatalf("nodes: %+v", n.Nodes)
	}
	e := r.only(t)
	if e.Extensions["code"] != "NOT_FOUND" || fmt.Sprint(e.Path) != "[nodes 1]" {
		t.Fatalf("error for the unknown ID: %+v", e)
	}
}

func TestErrorShape(t *testing.T) {
	s := start(t, map[string]string{"KIMHUB_MAX_QUERY_DEPTH": "5", "KIMHUB_MAX_QUERY_COMPLEXITY": "500", "KIMHUB_MAX_BODY_BYTES": "4096"})
	for _, tc := range []struct {
		name, doc   string
		vars        map[string]any
		code, field string
		msg         string
	}{
		{"invalid cursor", childrenQuery, map[string]any{"code": "64.02", "after": "bm90IGEgY3Vyc29y"}, "BAD_USER_INPUT", "after", "cursor"},
		{"cursor of another list", `{ regions(after: "cG9zdDpbMV0") { nodes { code } } }`, nil, "BAD_USER_INPUT", "after", "cursor"},
		{"page too large", `{ regions(first: 101) { nodes { code } } }`, nil, "BAD_USER_INPUT", "first", "100"},
		{"page far too large", `{ regions(first: 99999) { nodes { code } } }`, nil, "BAD_USER_INPUT", "first", "100"},
		{"malformed code", `{ region(code: "64-02") { name } }`, nil, "BAD_USER_INPUT", "code", "part 1 must be 2 digits"},
		{"unknown region", `{ region(code: "64.99") { name } }`, nil, "NOT_FOUND", "", "no region has code 64.99"},
		// A value a scalar cannot read is the caller's, on its argument
		// or input field: gqlgen's Time as kimhub's Date.
		{"malformed time", `{ posts(filter: {from: "kemarin"}) { nodes { id } } }`, nil, "BAD_USER_INPUT", "from", "RFC3339"},
		{"malformed time in a variable", `query($t: Time) { posts(filter: {to: $t}) { nodes { id } } }`, map[string]any{"t": 12}, "BAD_USER_INPUT", "to", "RFC3339"},
		{"malformed date", `{ regionStats(code: "64", from: "1-1-2026", to: "2026-01-31") { posts } }`, nil, "BAD_USER_INPUT", "from", "YYYY-MM-DD"},
		{"unknown field", `{ region(code: "64") { nama } }`, nil, "GRAPHQL_VALIDATION_FAILED", "", "nama"},
		{"syntax", `{ region(code: "64") { name }`, nil, "GRAPHQL_PARSE_FAILED", "", "Expected"},
		{"too deep", `{ region(code: "64") { parent { parent { parent { parent { parent { name } } } } } } }`, nil, "TOO_LARGE", "", "levels deep"},
		{"too complex", `{ regions(first: 100) { nodes { children(first: 100) { nodes { code } } } } }`, nil, "TOO_LARGE", "", "complexity"},
		// One response per request: @defer is refused wherever it is.
		{"@defer on an inline fragment", `{ region(code: "64") { name ... @defer { parent { name } } } }`, nil, "GRAPHQL_VALIDATION_FAILED", "", "@defer is not supported"},
		{"@defer on a spread", `{ region(code: "64") { ...P @defer } } fragment P on Region { name }`, nil, "GRAPHQL_VALIDATION_FAILED", "", "@defer is not supported"},
		{"@defer inside a fragment", `{ region(code: "64") { ...P } } fragment P on Region { ... @defer(label: "x") { name } }`, nil, "GRAPHQL_VALIDATION_FAILED", "", "@defer is not supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := s.query(t, tc.doc, tc.vars).only(t)
			if e.Extensions["code"] != tc.code || (tc.field != "" && e.Extensions["field"] != tc.field) || !strings.Contains(e.Message, tc.msg) {
				t.Fatalf("want %s on %q with %q, got %+v", tc.code, tc.field, tc.msg, e)
			}
		})
	}
	t.Run("not JSON", func(t *testing.T) {
		resp, err := http.Post(s.url+"/graphql", "text/plain", strings.NewReader(`{ region(code: "64") { name } }`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusUnsupportedMediaType || !strings.Contains(string(b), `"code":"BAD_USER_INPUT"`) {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	})
	t.Run("fragments that double", func(t *testing.T) {
		// Each fragment spreads the next twice: 2^30 fields if expanded.
		var doc strings.Builder
		doc.WriteString(`{ region(code: "64") { ...F0 } }`)
		for i := 0; i < 30; i++ {
			fmt.Fprintf(&doc, " fragment F%d on Region { name ...F%d ...F%d }", i, i+1, i+1)
		}
		doc.WriteString(" fragment F30 on Region { name }")
		begin := time.Now()
		e := s.query(t, doc.String(), nil).only(t)
		if e.Extensions["code"] != "TOO_LARGE" || !strings.Contains(e.Message, "fields") {
			t.Fatalf("got %+v", e)
		}
		t.Logf("refused in %v", time.Since(begin))
	})
	t.Run("chunked body too large", func(t *testing.T) {
		body := `{"query":"{ region(code: \"64\") { name } }","variables":{"pad":"` + strings.Repeat("x", 5000) + `"}}`
		req, _ := http.NewRequest("POST", s.url+"/graphql", io.MultiReader(strings.NewReader(body))) // no length: chunked
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "TOO_LARGE") {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	})
	t.Run("body too large", func(t *testing.T) {
		body, _ := json.Marshal(map[string]any{"query": `{ region(code: "64") { name } }`, "variables": map[string]any{"pad": strings.Repeat("x", 5000)}})
		r := s.post(t, body)
		if r.status != http.StatusRequestEntityTooLarge || r.only(t).Extensions["code"] != "TOO_LARGE" {
			t.Fatalf("status %d, errors %+v", r.status, r.Errors)
		}
	})
}

func TestInternalErrorsDoNotLeak(t *testing.T) {
	s := start(t, nil)
	db := testenv.Shared(t)
	// Break the schema under the running server, then put it back.
	if _, err := db.Exec(`ALTER TABLE regions RENAME TO regions_gone`); err != nil {
		t.Fatal(err)
	}
	defer db.MustExec(`ALTER TABLE regions_gone RENAME TO regions`)
	r := s.query(t, `{ regions { nodes { code } } }`, nil)
	e := r.only(t)
	if e.Extensions["code"] != "INTERNAL" {
		t.Fatalf("want INTERNAL, got %+v", e)
	}
	reqID, _ := e.Extensions["requestId"].(string)
	for _, leak := range []string{"regions", "relation", "SELECT", "pq:", "goroutine", ".go:"} {
		if strings.Contains(e.Message, leak) {
			t.Errorf("the message %q shows %q", e.Message, leak)
		}
	}
	if reqID == "" || r.header.Get("X-Request-Id") != reqID || !strings.Contains(e.Message, reqID) {
		t.Fatalf("request id %q, header %q, message %q", reqID, r.header.Get("X-Request-Id"), e.Message)
	}
	// The log has the cause, under the same request ID.
	var found bool
	for _, line := range strings.Split(s.logs.String(), "\n") {
		if strings.Contains(line, `"internal error"`) && strings.Contains(line, reqID) && strings.Contains(line, "regions") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no log line with the cause and request %s:\n%s", reqID, s.logs)
	}
}

func TestProbesAndGraphiQL(t *testing.T) {
	s := start(t, nil)
	for path, want := range map[string]string{"/healthz": `"ok"`, "/readyz": `"postgres":"ok"`, "/": "<html"} {
		resp, err := http.Get(s.url + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("GET %s: %d %q", path, resp.StatusCode, b)
		}
	}
	resp, err := http.Get(s.url + "/nothing-here")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nothing-here: %d", resp.StatusCode)
	}
	// A client's own request ID is echoed back and logged.
	req, _ := http.NewRequest("GET", s.url+"/graphql?query=%7Bregion(code:%2264%22)%7Bname%7D%7D", nil)
	req.Header.Set("X-Request-Id", "client-abc-123")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("X-Request-Id") != "client-abc-123" || !strings.Contains(s.logs.String(), "client-abc-123") {
		t.Errorf("request id not echoed or logged: %q", resp.Header.Get("X-Request-Id"))
	}
}

func TestReadyzReportsStorageDown(t *testing.T) {
	s := start(t, nil)
	st := testenv.S3(t)
	// The server created its (empty) bucket at start-up: remove it under
	// the running server.
	cl, _ := storageClient(t, st)
	if err := cl.RemoveBucket(context.Background(), st.Bucket); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(s.url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), `"storage":"unavailable"`) {
		t.Fatalf("readyz: %d %s", resp.StatusCode, b)
	}
}

// TestShutdownDrainsInFlightRequests cancels the server while a request's
// body is still arriving: the request completes, then Run returns nil.
func TestShutdownDrainsInFlightRequests(t *testing.T) {
	s := start(t, nil)
	pr, pw := io.Pipe()
	result := make(chan string, 1)
	go func() {
		resp, err := http.Post(s.url+"/graphql", "application/json", pr)
		if err != nil {
			result <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		result <- string(b)
	}()
	doc := `{"query":"{ region(code: \"64.02\") { name } }"}`
	if _, err := pw.Write([]byte(doc[:10])); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the request is now in flight
	stopped := make(chan error, 1)
	go func() { stopped <- s.stop() }()
	time.Sleep(200 * time.Millisecond)
	select {
	case err := <-stopped:
		t.Fatalf("serve stopped with a request in flight: %v", err)
	default:
	}
	pw.Write([]byte(doc[10:]))
	pw.Close()
	if got := <-result; !strings.Contains(got, "Kabupaten Kutai Kartanegara") {
		t.Fatalf("in-flight request got %q", got)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if _, err := http.Get(s.url + "/healthz"); err == nil {
		t.Fatal("the server still answers after shutdown")
	}
}

func TestInvalidConfigurationStopsStartUp(t *testing.T) {
	env := testenv.Getenv(t, map[string]string{"KIMHUB_MAX_QUERY_DEPTH": "deep"})
	_, err := run(t, env, "serve")
	if err == nil || !strings.Contains(err.Error(), "KIMHUB_MAX_QUERY_DEPTH") {
		t.Fatalf("want an error naming KIMHUB_MAX_QUERY_DEPTH, got %v", err)
	}
	_, err = run(t, testenv.Getenv(t, nil), "frobnicate")
	if !errors.Is(err, app.ErrUsage) {
		t.Fatalf("unknown command: %v", err)
	}
	_, err = run(t, testenv.Getenv(t, nil), "regions", "import")
	if !errors.Is(err, app.ErrUsage) || !strings.Contains(err.Error(), "regions import FILE") {
		t.Fatalf("import without a file: %v", err)
	}
	_, err = run(t, testenv.Getenv(t, map[string]string{"DATABASE_URL": "postgres://kimhub:kimhub@127.0.0.1:1/kimhub"}), "migrate")
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Fatalf("unreachable database: %v", err)
	}
}

func TestMigrateAndImportCommands(t *testing.T) {
	db := testenv.DB(t)
	env := testenv.Getenv(t, nil)
	if out, err := run(t, env, "migrate"); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	out, err := run(t, env, "migrate", "status")
	if err != nil || !strings.Contains(out, "00001_regions.sql") || strings.Contains(out, "pending") {
		t.Fatalf("migrate status: %v\n%s", err, out)
	}
	file := t.TempDir() + "/regions.csv"
	writeFile(t, file, "code,name\n64,Kalimantan Timur\n64.02,Kabupaten Kutai Kartanegara\n")
	out, err = run(t, env, "regions", "import", file)
	if err != nil || !strings.Contains(out, "2 new") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	bad := t.TempDir() + "/bad.csv"
	writeFile(t, bad, "code,name\n64.03,Kabupaten Berau\n64.03.01,Kelay\n64.3,Oops\n")
	_, err = run(t, env, "regions", "import", bad)
	if err == nil || !strings.Contains(err.Error(), "line 4") || !strings.Contains(err.Error(), "nothing was imported") {
		t.Fatalf("bad file: %v", err)
	}
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM regions`); err != nil || n != 2 {
		t.Fatalf("after the bad file: %d regions (%v)", n, err)
	}
}

// TestTwoInstancesMigrateAtOnce starts two migrations on a fresh schema at
// the same moment: the advisory lock serialises them, both succeed.
func TestTwoInstancesMigrateAtOnce(t *testing.T) {
	db := testenv.DB(t)
	db.MustExec(`DROP SCHEMA public CASCADE; CREATE SCHEMA public`)
	env := testenv.Getenv(t, nil)
	errs := make(chan error, 2)
	for i := 0; i < 2; i++ {
		go func() { _, err := run(t, env, "migrate"); errs <- err }()
	}
	for i := 0; i < 2; i++ {
		if err := <-errs; err != nil {
			t.Fatalf("migrate: %v", err)
		}
	}
	var applied, distinct int
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0`).Scan(&applied, &distinct); err != nil || applied != distinct || applied < 2 {
		t.Fatalf("%d migrations recorded, %d distinct (%v)", applied, distinct, err)
	}
}

// BenchmarkStartup measures `serve` from Run to accepting connections, with
// the schema already migrated (the README's start-up figure).
func BenchmarkStartup(b *testing.B) {
	env := testenv.Getenv(b, nil)
	testenv.DB(b)
	if err := app.Run(context.Background(), app.Options{Args: []string{"migrate"}, Getenv: env, Stdout: io.Discard, Stderr: io.Discard}); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		listening := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- app.Run(ctx, app.Options{Args: []string{"serve"}, Getenv: env, Stdout: io.Discard, Stderr: io.Discard,
				OnListen: func(string) { close(listening) }})
		}()
		select {
		case <-listening:
		case err := <-done:
			b.Fatal(err)
		}
		b.StopTimer()
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
