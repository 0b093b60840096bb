package graph

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/kimhub/kimhub/internal/config"
)

// writeResponse writes what json.Marshal writes for the same response,
// byte for byte while the data has nothing json.Marshal escapes for HTML,
// and the same JSON once parsed when it has.
func TestWriteResponseIsJSONMarshal(t *testing.T) {
	yes := true
	for _, resp := range []*graphql.Response{
		{Data: json.RawMessage(`{"region":{"name":"Aceh","children":[1,2.5,"x\"y"]}}`)},
		{Data: json.RawMessage(`null`), Errors: gqlerror.List{{Message: "no such region", Path: ast.Path{ast.PathName("region")},
			Extensions: map[string]any{"code": "NOT_FOUND", "field": "code"}}}},
		{Errors: gqlerror.List{{Message: "a"}, {Message: "b <c>"}}},
		{Data: json.RawMessage(`{"a":1}`), Extensions: map[string]any{"cost": 3}},
		{},
		{Data: json.RawMessage(`{"a":1}`), Label: "l", Path: ast.Path{ast.PathName("a")}, HasNext: &yes},
		nil,
	} {
		want, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		writeResponse(&got, resp)
		if got.String() != string(want) {
			t.Errorf("got  %s\nwant %s", got.String(), want)
		}
	}
	html := &graphql.Response{Data: json.RawMessage(`{"bodyHtml":"<p>Tom & Jerry</p>"}`)}
	want, _ := json.Marshal(html)
	var got bytes.Buffer
	writeResponse(&got, html)
	var a, b any
	if err := json.Unmarshal(got.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) || !strings.Contains(got.String(), "<p>Tom & Jerry</p>") {
		t.Errorf("got %s, json.Marshal %s", got.String(), want)
	}
}

// jsonPOST answers as transport.POST does: its content types, and its
// statuses for a body that is not JSON and for an invalid document.
func TestJSONPOSTAnswersAsTransportPOST(t *testing.T) {
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewHandler(&Resolver{}, cfg, nil, nil))
	defer srv.Close()
	for _, c := range []struct {
		name, body, accept string
		status             int
		contentType, want  string
	}{
		{"a query", `{"query":"{ __typename }"}`, "", 200, "application/json", `{"data":{"__typename":"Query"}}`},
		{"any type", `{"query":"{ __typename }"}`, "*/*", 200, "application/json", `{"data":{"__typename":"Query"}}`},
		{"graphql-response", `{"query":"{ __typename }"}`, "application/graphql-response+json", 200, "application/graphql-response+json", `{"data":{"__typename":"Query"}}`},
		{"not JSON", `{"query":`, "", 400, "application/json", `"json request body could not be decoded`},
		{"invalid document", `{"query":"{ nope }"}`, "", 422, "application/json", `Cannot query field \"nope\" on type \"Query\"`},
		{"invalid, graphql-response", `{"query":"{ nope }"}`, "application/graphql-response+json", 400, "application/graphql-response+json", `"code":"GRAPHQL_VALIDATION_FAILED"`},
	} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(c.body))
		req.Header.Set("Content-Type", "application/json")
		if c.accept != "" {
			req.Header.Set("Accept", c.accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		_, _ = body.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || resp.Header.Get("Content-Type") != c.contentType || !strings.Contains(body.String(), c.want) || !json.Valid(body.Bytes()) {
			t.Errorf("%s: %d %s %s", c.name, resp.StatusCode, resp.Header.Get("Content-Type"), body.String())
		}
	}
}
