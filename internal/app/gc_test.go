package app

import (
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	was := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(was) })

	if got := TuneGC(func(string) string { return "" }); got != DefaultGOGC {
		t.Errorf("without GOGC: TuneGC says %d, want %d", got, DefaultGOGC)
	}
	if now := debug.SetGCPercent(100); now != DefaultGOGC {
		t.Errorf("without GOGC the target is %d, want %d", now, DefaultGOGC)
	}
	// With GOGC set, the runtime has applied it: TuneGC leaves it be.
	debug.SetGCPercent(150)
	if got := TuneGC(func(k string) string { return map[string]string{"GOGC": "150"}[k] }); got != 150 {
		t.Errorf("with GOGC=150: TuneGC says %d, want 150", got)
	}
	if now := debug.SetGCPercent(100); now != 150 {
		t.Errorf("with GOGC=150 the target is %d, want 150 left alone", now)
	}
}
