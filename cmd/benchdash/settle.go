package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// settle waits until the machine is quiet: the CPUs (from /proc/stat) less
// than quietBusy busy over two windows in a row. A step past a server's
// capacity leaves work behind after its last request was sent: requests
// vegeta gave up on that the server still answers (Node carries on with a
// request whose client left), and the statements they run. Whatever is
// measured next (the next step, the other server, pgbench) would share the
// cores with that backlog. It gives up after limit and says so (the caller
// reports it); without /proc/stat it waits a second.
func settle(limit time.Duration) (time.Duration, error) {
	const (
		window    = 250 * time.Millisecond
		quietBusy = 0.20
	)
	start := time.Now()
	prev, err := cpuTicks()
	if err != nil {
		time.Sleep(time.Second)
		return time.Since(start), fmt.Errorf("cannot tell whether the machine is quiet (%v): waited a second", err)
	}
	calm := 0 // windows in a row under quietBusy
	for time.Since(start) < limit {
		time.Sleep(window)
		cur, err := cpuTicks()
		if err != nil {
			return time.Since(start), err
		}
		busy, total := cur.busy-prev.busy, cur.total-prev.total
		prev = cur
		if total > 0 && float64(busy)/float64(total) < quietBusy {
			if calm++; calm == 2 {
				return time.Since(start), nil
			}
		} else {
			calm = 0
		}
	}
	return time.Since(start), fmt.Errorf("the CPUs were still busy after %v", limit)
}

type ticks struct{ busy, total uint64 }

// cpuTicks reads the machine's CPU time so far from /proc/stat's first
// line: user nice system idle iowait irq softirq steal …; idle and iowait
// are not busy.
func cpuTicks() (ticks, error) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return ticks{}, err
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil {
		return ticks{}, err
	}
	fields := strings.Fields(line)
	if len(fields) < 5 || fields[0] != "cpu" {
		return ticks{}, fmt.Errorf("/proc/stat begins %q", line)
	}
	var t ticks
	for i, s := range fields[1:] {
		if i >= 8 { // guest and guest_nice are already in user and nice
			break
		}
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return ticks{}, fmt.Errorf("/proc/stat: %q: %v", s, err)
		}
		t.total += n
		if i != 3 && i != 4 {
			t.busy += n
		}
	}
	return t, nil
}
