package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// step is one rate of the ladder, measured.
type step struct {
	Rate          int
	N, Errors     int
	P50, P95, P99 time.Duration
	FirstError    string
}

func (s step) holds(target time.Duration) bool { return s.Errors == 0 && s.N > 0 && s.P95 < target }

// ladder is what one query did on one server.
type ladder struct {
	Steps       []step
	Sustainable int // highest rate holding p95 < target with no errors (0: none)
	Relaxed     int // the same with the relaxed target
}

func (l ladder) at(rate int) (step, bool) {
	for _, s := range l.Steps {
		if s.Rate == rate {
			return s, true
		}
	}
	return step{}, false
}

// best is the round with the highest sustainable rate (then relaxed rate;
// the first of equals), the zero ladder if there were none. On a machine
// shared with whatever else runs, a disturbance can fail a ladder's steps
// early but cannot make a server faster than it is, so the best of rounds
// run in turns is the fairer reading of each server.
func best(rounds []ladder) ladder {
	var b ladder
	for i, l := range rounds {
		if i == 0 || l.Sustainable > b.Sustainable || l.Sustainable == b.Sustainable && l.Relaxed > b.Relaxed {
			b = l
		}
	}
	return b
}

// attack sends rate requests a second for d (an open model: vegeta sends on
// schedule whether or not earlier answers came back) and measures every
// answer. A failure is a transport error, a status other than 200, or a
// GraphQL "errors" key in the body.
func attack(client *http.Client, t vegeta.Target, rate int, d time.Duration) step {
	a := vegeta.NewAttacker(vegeta.Client(client), vegeta.Timeout(10*time.Second), vegeta.Workers(16))
	var lat []time.Duration
	s := step{Rate: rate}
	for r := range a.Attack(vegeta.NewStaticTargeter(t), vegeta.Rate{Freq: rate, Per: time.Second}, d, "") {
		s.N++
		lat = append(lat, r.Latency)
		if msg := failure(r.Code, r.Error, r.Body); msg != "" {
			s.Errors++
			if s.FirstError == "" {
				s.FirstError = msg
			}
		}
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	s.P50, s.P95, s.P99 = pct(0.50), pct(0.95), pct(0.99)
	return s
}

func failure(code uint16, err string, body []byte) string {
	if err != "" {
		return err
	}
	if code != http.StatusOK {
		return fmt.Sprintf("HTTP %d: %.200s", code, body)
	}
	// Parsing every answer in full cost the load's process a millisecond
	// of CPU for each of Q2's, taken from the server it shares the
	// machine with. Both servers write the key "errors" as that quoted
	// word, which a string value can only hold escaped (\"errors\"): a
	// body without it is checked for its outer braces only (a cut-off
	// body fails in transport, and each server's answers were compared in
	// full before the load); one with it is parsed. (JSON would allow
	// the key escaped, "\u0065rrors", which neither server writes.)
	if trimmed := bytes.TrimSpace(body); !bytes.Contains(body, []byte(`"errors"`)) &&
		len(trimmed) > 1 && trimmed[0] == '{' && trimmed[len(trimmed)-1] == '}' {
		return ""
	}
	var r struct {
		Errors json.RawMessage `json:"errors"`
	}
	if e := json.Unmarshal(body, &r); e != nil {
		return "body is not JSON: " + e.Error()
	}
	if len(r.Errors) > 0 && string(r.Errors) != "null" {
		return fmt.Sprintf("GraphQL errors: %.300s", r.Errors)
	}
	return ""
}

// climb runs the ladder: each rate for d, until one fails the relaxed
// target (p95 ≥ relaxed, or any error); then up to refine bisections
// between the last rate that held the target (p95 < target, no errors) and
// the first that did not. The fixed rates are measured too if the climb
// stopped below them (unless more than twice the rate that failed).
func climb(client *http.Client, t vegeta.Target, rates, fixed []int, d time.Duration, refine int, target, relaxed time.Duration, say func(string, ...any)) ladder {
	var l ladder
	quiet(say)
	// Warm-up, not measured: connections, caches, Node's JIT.
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end); {
		if _, err := send(client, t); err != nil {
			break
		}
	}
	run := func(rate int) step {
		s := attack(client, t, rate, d)
		say("  %5d req/s: n=%d p50=%v p95=%v p99=%v errors=%d %s", rate, s.N, s.P50.Round(10*time.Microsecond),
			s.P95.Round(10*time.Microsecond), s.P99.Round(10*time.Microsecond), s.Errors, s.FirstError)
		l.Steps = append(l.Steps, s)
		if s.holds(target) && rate > l.Sustainable {
			l.Sustainable = rate
		}
		if s.holds(relaxed) && rate > l.Relaxed {
			l.Relaxed = rate
		}
		quiet(say)
		return s
	}
	failedStrict, failed := 0, 0
	for _, r := range rates {
		s := run(r)
		if !s.holds(target) && failedStrict == 0 {
			failedStrict = r
		}
		if !s.holds(relaxed) {
			failed = r
			break
		}
	}
	if failedStrict > 0 {
		// Between the highest rate that held and the lowest above it that
		// did not (a noisy machine can fail a low rate and hold a higher one).
		lo, hi := l.Sustainable, 0
		for _, s := range l.Steps {
			if s.Rate > lo && !s.holds(target) && (hi == 0 || s.Rate < hi) {
				hi = s.Rate
			}
		}
		for i := 0; hi > 0 && i < refine && hi-lo > max(2, lo/10); i++ {
			mid := (lo + hi) / 2
			if s := run(mid); s.holds(target) {
				lo = mid
			} else {
				hi = mid
			}
		}
	}
	for _, f := range fixed {
		// A rate far past the first that failed would only pile up
		// timeouts (and slow down what runs next).
		if _, ok := l.at(f); !ok && (failed == 0 || f <= 2*failed) {
			run(f)
		}
	}
	return l
}

// quiet waits for the machine to settle (see settle) and says so when it
// took long or did not.
func quiet(say func(string, ...any)) {
	waited, err := settle(30 * time.Second)
	if err != nil {
		say("  not quiet: %v", err)
	} else if waited > 2*time.Second {
		say("  quiet after %v", waited.Round(100*time.Millisecond))
	}
}

// chainTransport runs a request carrying the header X-Bench-Chain as a
// sequence of GraphQL requests (the write mix: create, submit, publish),
// each built from the previous answer, and answers with the last one (or
// the first that failed): vegeta times the whole sequence as one request.
type chainTransport struct {
	base   http.RoundTripper
	chains map[string]func(do func(body any) ([]byte, error)) ([]byte, error)
}

func (c *chainTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	name := req.Header.Get("X-Bench-Chain")
	chain, ok := c.chains[name]
	if !ok {
		return c.base.RoundTrip(req)
	}
	if req.Body != nil {
		req.Body.Close()
	}
	status := http.StatusOK
	do := func(body any) ([]byte, error) {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		r, err := http.NewRequestWithContext(req.Context(), http.MethodPost, req.URL.String(), bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		r.Header = req.Header.Clone()
		r.Header.Del("X-Bench-Chain")
		resp, err := c.base.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		out, err := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			status = resp.StatusCode
			return out, fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		if msg := failure(uint16(resp.StatusCode), "", out); msg != "" {
			return out, fmt.Errorf("%s", msg)
		}
		return out, err
	}
	out, err := chain(do)
	if err != nil && out == nil {
		return nil, err
	}
	return &http.Response{StatusCode: status, Status: http.StatusText(status), Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(out)), ContentLength: int64(len(out)), Request: req, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}, nil
}

// gqlBody is a GraphQL request body.
func gqlBody(query string, vars map[string]any) map[string]any {
	return map[string]any{"query": strings.TrimSpace(query), "variables": vars}
}
