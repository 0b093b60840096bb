package main

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestRenderBudget: a read's row sets each server's CPU per request in all
// against 2 × cores ÷ the ceiling's tps; the write mix and a read without
// a ceiling have no row; a cost not measured shows as a dash.
func TestRenderBudget(t *testing.T) {
	cores := runtime.NumCPU()
	// A ceiling of 1,000 × cores tps: each request may take 2 ms.
	read := &result{q: query{Name: "Q1"}, ceiling: 1000 * float64(cores), ceilingPG: 500 * time.Microsecond,
		kimhubCost: cost{CPU: 2 * time.Millisecond, PG: time.Millisecond},
		floorCost:  cost{CPU: 500 * time.Microsecond, PG: 500 * time.Microsecond},
		httpCost:   cost{CPU: 100 * time.Microsecond}}
	noFloor := &result{q: query{Name: "Q3"}, ceiling: 500 * float64(cores), kimhubCost: cost{CPU: time.Millisecond, PG: time.Millisecond}}
	write := &result{q: query{Name: "Q5", KimhubChain: kimhubWrite}, ceiling: 100, kimhubCost: cost{CPU: time.Millisecond, PG: time.Millisecond}}
	noCeiling := &result{q: query{Name: "Q9"}}
	out := renderBudget([]*result{read, noFloor, write, noCeiling})
	want := []string{
		fmt.Sprintf("| Q1 | %d | 2.00 ms | 0.50 ms | 2.00 ms + 1.00 ms = 3.00 ms (1.50) | 0.50 ms + 0.50 ms = 1.00 ms (0.50) | 0.10 ms + 0.50 ms = 0.60 ms (0.30) |", 1000*cores),
		fmt.Sprintf("| Q3 | %d | 4.00 ms | — | 1.00 ms + 1.00 ms = 2.00 ms (0.50) | — | — |", 500*cores),
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("no row %s in\n%s", w, out)
		}
	}
	for _, q := range []string{"| Q5 |", "| Q9 |"} {
		if strings.Contains(out, q) {
			t.Errorf("a row %s in\n%s", q, out)
		}
	}
}
