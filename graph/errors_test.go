package graph

import (
	"context"
	"fmt"
	"testing"

	"github.com/lib/pq"
)

// A load that ended with its request (the client gone, the time up) is
// UNAVAILABLE, not an INTERNAL fault to report.
func TestEndedRequestsAreUnavailable(t *testing.T) {
	for _, err := range []error{context.Canceled, fmt.Errorf("page: %w", context.DeadlineExceeded),
		fmt.Errorf("responses: %w", &pq.Error{Code: "57014", Message: "canceling statement due to user request"})} {
		e := presentError(context.Background(), err)
		if e.Extensions["code"] != "UNAVAILABLE" {
			t.Errorf("%v: %v", err, e.Extensions)
		}
	}
	if e := presentError(context.Background(), fmt.Errorf("boom")); e.Extensions["code"] != "INTERNAL" {
		t.Errorf("a plain error: %v", e.Extensions)
	}
}
