package main

import (
	"fmt"
	"runtime"
	"strings"
	"time"
)

// render writes the report: the run's settings, the side-by-side table,
// then each ladder.
func render(o options, t *targets, rs []*result, posts int) string {
	var b strings.Builder
	host, _ := hostInfo()
	fmt.Fprintf(&b, "\n%s; %d CPUs for Go; %d posts; regency %s, province %s, community %s.\n", host, runtime.NumCPU(), posts, t.Regency, t.Province, t.Community)
	fmt.Fprintf(&b, "Ladder %v req/s, %v a step, %d bisections; sustainable = p95 < %v and no errors (relaxed: p95 < %v); %d %s per server and query, in turns, the best counting. "+
		"pgbench -c %d -j 2 -T %d. kimhub DATABASE_URL parameters: %q, loader wait %v, statement cache %d, plan cache mode %s, GOGC %d. PostGraphile: %d workers.\n\n",
		o.rates, o.step, o.refine, o.target, o.relaxed, o.rounds, plural(o.rounds, "round", "rounds"),
		o.pgbenchClients, int(o.pgbenchTime.Seconds()), o.kimhubParams, o.loaderWait, o.stmtCache, o.planMode, o.gogc, o.pgWorkers)
	fmt.Fprintf(&b, "| query | same answers | sustainable req/s (p95 < %v): kimhub / PostGraphile / ceiling (pgbench tps) | kimhub ÷ PostGraphile | kimhub ÷ ceiling | floor server req/s (p95 < %v): kimhub ÷ floor; floor ÷ ceiling | req/s at p95 < %v: kimhub / PostGraphile (ratio) |",
		o.target, o.target, o.relaxed)
	for _, f := range o.fixed {
		fmt.Fprintf(&b, " p50 / p95 / p99 at %d req/s: kimhub — PostGraphile |", f)
	}
	b.WriteString(" statements per request: kimhub / PostGraphile |\n|---|---|---|---|---|---|---|")
	for range o.fixed {
		b.WriteString("---|")
	}
	b.WriteString("---|\n")
	for _, r := range rs {
		same := "yes"
		if !r.same {
			same = "**no**"
			if r.diff != "" && strings.HasPrefix(r.diff, "PostGraphile failed") {
				same = "**PostGraphile failed**"
			}
		}
		if r.q.Partial != "" && r.same {
			same = "yes*"
		}
		if o.noPostGraphile {
			same = "—"
		} else if r.q.kimhubOnly() {
			same = "— (kimhub only)"
		}
		ratioPG := "—"
		if r.same && r.pg.Sustainable > 0 {
			ratioPG = fmt.Sprintf("%.2f", float64(r.kimhub.Sustainable)/float64(r.pg.Sustainable))
		} else if r.same && r.kimhub.Sustainable > 0 {
			ratioPG = "∞ (PostGraphile held no rate)"
		}
		ratioC := "—"
		if r.ceiling > 0 {
			ratioC = fmt.Sprintf("%.2f", float64(r.kimhub.Sustainable)/r.ceiling)
		}
		ceiling := "n/a"
		if r.ceiling > 0 {
			ceiling = fmt.Sprintf("%.0f", r.ceiling)
		}
		relaxed := fmt.Sprintf("%d / %s", r.kimhub.Relaxed, "—")
		if !o.noPostGraphile && len(r.pg.Steps) > 0 {
			relaxed = fmt.Sprintf("%d / %d", r.kimhub.Relaxed, r.pg.Relaxed)
			if r.same && r.pg.Relaxed > 0 {
				relaxed += fmt.Sprintf(" (%.2f)", float64(r.kimhub.Relaxed)/float64(r.pg.Relaxed))
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %d / %s / %s | %s | %s | %s | %s |", r.q.Name, same, r.kimhub.Sustainable, pgRate(r, o), ceiling, ratioPG, ratioC, floorCell(r), relaxed)
		for _, f := range o.fixed {
			fmt.Fprintf(&b, " %s — %s |", lat(r.kimhub, f), lat(r.pg, f))
		}
		fmt.Fprintf(&b, " %.1f / %s |\n", r.kimhubStmts, stmts(r, o))
	}
	b.WriteString("\n")
	for _, r := range rs {
		fmt.Fprintf(&b, "- %s: %s.", r.q.Name, r.q.What)
		if r.diff != "" {
			fmt.Fprintf(&b, " Not comparable: %s.", r.diff)
		}
		if r.q.Partial != "" {
			fmt.Fprintf(&b, " *%s.", r.q.Partial)
		}
		if r.ceilingNote != "" {
			fmt.Fprintf(&b, " Ceiling: %s.", r.ceilingNote)
		}
		b.WriteString("\n")
	}
	b.WriteString(renderCost(rs, o.pgbenchClients))
	b.WriteString(renderBudget(rs))
	b.WriteString("\nEvery step of the ladders (rate: p50/p95/p99, errors), each round's sustainable rate first:\n\n")
	for _, r := range rs {
		writeRounds(&b, r.q.Name+" kimhub", r.kimhubRounds)
		writeRounds(&b, r.q.Name+" PostGraphile", r.pgRounds)
		writeRounds(&b, r.q.Name+" floor server", r.floorRounds)
	}
	return b.String()
}

// writeRounds lists a server's rounds of one query.
func writeRounds(b *strings.Builder, who string, rounds []ladder) {
	for i, l := range rounds {
		round := ""
		if len(rounds) > 1 {
			round = fmt.Sprintf(", round %d", i+1)
		}
		fmt.Fprintf(b, "- %s%s (held %d): %s\n", who, round, l.Sustainable, steps(l))
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func pgRate(r *result, o options) string {
	if o.noPostGraphile || len(r.pg.Steps) == 0 {
		return "—"
	}
	return fmt.Sprint(r.pg.Sustainable)
}

// floorCell is the floor server's rate and the two ratios it gives.
func floorCell(r *result) string {
	if len(r.floor.Steps) == 0 {
		return "—"
	}
	out := fmt.Sprint(r.floor.Sustainable)
	if r.floor.Sustainable == 0 {
		return out
	}
	out += fmt.Sprintf(": %.2f", float64(r.kimhub.Sustainable)/float64(r.floor.Sustainable))
	if r.ceiling > 0 {
		out += fmt.Sprintf("; %.2f", float64(r.floor.Sustainable)/r.ceiling)
	}
	return out
}

func stmts(r *result, o options) string {
	if o.noPostGraphile || r.pgStmts == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f", r.pgStmts)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }

func lat(l ladder, rate int) string {
	s, ok := l.at(rate)
	if !ok {
		if len(l.Steps) > 0 {
			return "— (over capacity)"
		}
		return "—"
	}
	out := ms(s.P50) + " / " + ms(s.P95) + " / " + ms(s.P99) + " ms"
	if s.Errors > 0 {
		out += fmt.Sprintf(" (%d errors)", s.Errors)
	}
	return out
}

func steps(l ladder) string {
	var parts []string
	for _, s := range l.Steps {
		p := fmt.Sprintf("%d: %s/%s/%s", s.Rate, ms(s.P50), ms(s.P95), ms(s.P99))
		if s.Errors > 0 {
			p += fmt.Sprintf(" %d errors (%.80s)", s.Errors, s.FirstError)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

// renderCost is the table of what a request costs: kimhub's (this
// process's CPU, client included; PostgreSQL's CPU; allocations), and the
// floor server's and the HTTP exchange's alone when they were measured.
func renderCost(rs []*result, clients int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nWhat a request costs, over requests sent back to back by %d clients on a quiet machine: this process's CPU time (user + system: the server's and the client's shares), PostgreSQL's (its processes' on this machine), Go heap allocations. "+
		"The floor server runs kimhub's statements for the request and writes its answer; HTTP only writes the answer and runs nothing:\n\n", clients)
	b.WriteString("| query | kimhub: CPU per request | kimhub: PostgreSQL's CPU per request | heap objects per request | heap KiB per request | statements per request | floor server: CPU / PostgreSQL's | HTTP only: CPU |\n|---|---|---|---|---|---|---|---|\n")
	for _, r := range rs {
		c := r.kimhubCost
		fmt.Fprintf(&b, "| %s | %s | %s | %.0f | %.0f | %.1f |", r.q.Name, ms2(c.CPU), msOrDash(c.PG), c.Allocs, c.Bytes/1024, r.kimhubStmts)
		if r.floorCost.CPU == 0 {
			b.WriteString(" — | — |\n")
			continue
		}
		fmt.Fprintf(&b, " %s / %s | %s |\n", ms2(r.floorCost.CPU), msOrDash(r.floorCost.PG), ms2(r.httpCost.CPU))
	}
	return b.String()
}

// renderBudget sets each read's CPU per request against what half the
// ceiling allows. At the ceiling pgbench and PostgreSQL keep the machine's
// cores busy, cores ÷ tps of CPU per transaction; at half that rate each
// request may take twice that in all, server, load generator and
// PostgreSQL together. A server whose request costs more cannot hold half
// the ceiling at any latency.
func renderBudget(rs []*result) string {
	cores := runtime.NumCPU()
	var b strings.Builder
	fmt.Fprintf(&b, "\nThe CPU a request may take at half the ceiling: at the ceiling pgbench and PostgreSQL keep the %d cores busy, so at half its rate a request may take 2 × %d ÷ tps in all (server, load generator and PostgreSQL). "+
		"Each server's request in all is this process's CPU plus PostgreSQL's, from the cost table; the HTTP exchange alone plus PostgreSQL's CPU under pgbench is the least any server could take. Above 1.00 of the budget a server cannot hold half the ceiling at any latency:\n\n", cores, cores)
	b.WriteString("| query | ceiling (pgbench tps) | CPU a request may take at half the ceiling | PostgreSQL's CPU per transaction under pgbench | kimhub in all (÷ budget) | floor server in all (÷ budget) | HTTP only + PostgreSQL under pgbench (÷ budget) |\n|---|---|---|---|---|---|---|\n")
	for _, r := range rs {
		if r.ceiling <= 0 || r.q.KimhubChain != nil {
			continue
		}
		budget := time.Duration(2 * float64(cores) / r.ceiling * float64(time.Second))
		// inAll is a server's CPU plus PostgreSQL's, and their sum's share
		// of the budget (a dash if either was not measured).
		inAll := func(server, pg time.Duration) string {
			if server == 0 || pg == 0 {
				return "—"
			}
			return fmt.Sprintf("%s + %s = %s (%.2f)", ms2(server), ms2(pg), ms2(server+pg), float64(server+pg)/float64(budget))
		}
		fmt.Fprintf(&b, "| %s | %.0f | %s | %s | %s | %s | %s |\n", r.q.Name, r.ceiling, ms2(budget), msOrDash(r.ceilingPG),
			inAll(r.kimhubCost.CPU, r.kimhubCost.PG), inAll(r.floorCost.CPU, r.floorCost.PG), inAll(r.httpCost.CPU, r.ceilingPG))
	}
	return b.String()
}

func ms2(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// msOrDash is ms2, or a dash for what was not measured (zero).
func msOrDash(d time.Duration) string {
	if d == 0 {
		return "—"
	}
	return ms2(d)
}
