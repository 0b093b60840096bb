package main

import (
	"strings"
	"testing"
)

// failure finds a GraphQL "errors" key wherever the body has one, and
// only there, whether it takes the fast path or parses.
func TestFailure(t *testing.T) {
	for _, c := range []struct {
		code uint16
		body string
		want string // a prefix of the failure, "" for none
	}{
		{200, `{"data":{"posts":{"nodes":[]}}}`, ""},
		{200, ` {"data":{"title":"errors"}} `, ""},
		{200, `{"data":{"title":"\"errors\": none"}}`, ""},
		{200, `{"errors":null,"data":{"a":1}}`, ""},
		{200, `{"errors":[{"message":"no such region"}],"data":null}`, "GraphQL errors: "},
		{200, `{"data":null,"errors" : [{"message":"late"}]}`, "GraphQL errors: "},
		{200, `{"data":{"a":`, "body is not JSON"},
		{200, ``, "body is not JSON"},
		{500, `{"data":{}}`, "HTTP 500"},
	} {
		got := failure(c.code, "", []byte(c.body))
		if c.want == "" && got != "" || c.want != "" && !strings.HasPrefix(got, c.want) {
			t.Errorf("%d %s: %q, want %q", c.code, c.body, got, c.want)
		}
	}
	if got := failure(200, "connection reset", []byte(`{"data":{}}`)); got != "connection reset" {
		t.Errorf("a transport error: %q", got)
	}
}
