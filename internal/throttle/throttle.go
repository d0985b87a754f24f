// Package throttle bounds how many lines of one kind a log gets in a second, counting the rest:
// sim serve's fault hits and a server's closes of hostile connections both must not let a
// flood of events become a flood of lines.
package throttle

import "time"

// Window lets PerSecond events a second through and holds the rest back, counted. It is not
// safe for concurrent use. PerSecond <= 0 lets every event through.
type Window struct {
	PerSecond int

	start  time.Time // of the second being counted
	passed int       // events let through in it
	held   int       // events held back since the last one let through
}

// Admit says whether the event at now goes through. When it does, held is how many were held
// back since the one before it went through, for the caller to report first.
func (w *Window) Admit(now time.Time) (ok bool, held int) {
	if w.PerSecond <= 0 {
		return true, 0
	}
	if w.start.IsZero() || now.Sub(w.start) >= time.Second {
		w.start, w.passed = now, 0
	}
	if w.passed >= w.PerSecond {
		w.held++
		return false, 0
	}
	w.passed++
	held, w.held = w.held, 0
	return true, held
}

// Held returns how many events were held back since the last one let through, and forgets
// them: for the report at the end.
func (w *Window) Held() int {
	held := w.held
	w.held = 0
	return held
}
