package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// cost is what one kimhub request costs this process, measured over
// requests sent back to back by a few clients on a quiet machine: CPU time
// (user + system, from getrusage, so the client's share is in it too, the
// same for every query) and Go heap allocations. Unlike a sustainable rate
// it moves little from run to run, so a lever's effect shows in it first.
// (Sequential requests would overstate it: between two of them the
// process idles while PostgreSQL works, and Go's scheduler spins a
// little each time before it sleeps.)
type cost struct {
	CPU    time.Duration // per request
	Allocs float64       // heap objects per request
	Bytes  float64       // heap bytes per request
	// PG is PostgreSQL's CPU time per request over the same requests
	// (pgCPU; 0 if its processes cannot be seen: a database elsewhere).
	PG time.Duration
}

func (c cost) String() string {
	return fmt.Sprintf("%.2f ms, %.0f allocs, %.0f KiB", float64(c.CPU)/float64(time.Millisecond), c.Allocs, c.Bytes/1024)
}

// measureCost sends reps requests of t from clients goroutines, each
// sending its next request when its last is answered (after a few
// unmeasured ones), and divides the process's CPU time and allocations by
// reps.
func measureCost(c *http.Client, t vegeta.Target, reps, clients int) (cost, error) {
	for i := 0; i < 5; i++ {
		if _, err := send(c, t); err != nil {
			return cost{}, err
		}
	}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	cpu0, err := cpuTime()
	if err != nil {
		return cost{}, err
	}
	pg0, pgSeen := pgCPU()
	var (
		next   atomic.Int64
		failed atomic.Pointer[error]
		wg     sync.WaitGroup
	)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(reps) {
				if _, err := send(c, t); err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		return cost{}, *err
	}
	cpu1, err := cpuTime()
	if err != nil {
		return cost{}, err
	}
	pg1, _ := pgCPU()
	runtime.ReadMemStats(&m1)
	n := float64(reps)
	out := cost{
		CPU:    time.Duration(float64(cpu1-cpu0) / n),
		Allocs: float64(m1.Mallocs-m0.Mallocs) / n,
		Bytes:  float64(m1.TotalAlloc-m0.TotalAlloc) / n,
	}
	if pgSeen {
		out.PG = time.Duration(float64(pg1-pg0) / n)
	}
	return out, nil
}

// cpuTime is this process's user + system CPU time so far.
func cpuTime() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, err
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// pgCPU is the CPU time so far (user + system) of PostgreSQL on this
// machine: of its processes (comm "postgres": the postmaster, its
// backends and workers), with the time of the children the postmaster has
// reaped (its cutime and cstime), so that a backend which ends between
// two readings (pgbench's, at the end of its run) still counts. False if
// there is no such process to see (a database on another machine, or no
// /proc). Linux counts this time in clock ticks of 1/100 s (USER_HZ, 100
// on every architecture Go runs on): a difference is worth reading over a
// few hundred requests, not one.
func pgCPU() (time.Duration, bool) {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var ticks int64
	seen := false
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // ended meanwhile
		}
		if t, ok := postgresTicks(b); ok {
			ticks += t
			seen = true
		}
	}
	return time.Duration(ticks) * 10 * time.Millisecond, seen
}

// postgresTicks reads a /proc/PID/stat line: its utime, stime, cutime and
// cstime summed, if its comm is postgres.
func postgresTicks(stat []byte) (int64, bool) {
	// pid (comm) state ppid …: comm may hold spaces and parentheses, so
	// the fields are counted from its last closing parenthesis; utime,
	// stime, cutime and cstime are the 14th to 17th fields of the line.
	open, end := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
	if open < 0 || end < open || string(stat[open+1:end]) != "postgres" {
		return 0, false
	}
	fields := bytes.Fields(stat[end+1:])
	if len(fields) < 15 {
		return 0, false
	}
	var sum int64
	for _, f := range fields[11:15] {
		n, err := strconv.ParseInt(string(f), 10, 64)
		if err != nil {
			return 0, false
		}
		sum += n
	}
	return sum, true
}
