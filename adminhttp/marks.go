package adminhttp

import (
	"errors"
	"net/http"
	"strings"
	"sync"
)

// Mark is a labelled instant on the timeline: a plan step as `sim load` applies it, or anything
// a test or a person wants to see beside the requests (POST /v1/marks).
type Mark struct {
	Seq   uint64 `json:"seq"`  // from 1, in the order the marks were made
	Time  int64  `json:"time"` // ms since the epoch
	Label string `json:"label"`
}

// MaxMarks is how many marks Marks keeps for streams and GET /v1/marks; older ones are dropped.
const MaxMarks = 1000

// maxLabel bounds a mark's label, in bytes: a plan step's description is well under it.
const maxLabel = 500

// Marks keeps the newest MaxMarks marks and tells watchers of each new one. Servers keep one
// (MarkKeeper) so that marks made from Go and through any of their admin handlers are one
// list. The zero value is ready; it is safe for concurrent use.
type Marks struct {
	mu    sync.Mutex
	seq   uint64
	kept  []Mark
	next  int
	watch map[int]func(Mark)
}

// Add makes a mark labelled label now and returns it.
func (m *Marks) Add(label string) Mark {
	m.mu.Lock()
	m.seq++
	mk := Mark{Seq: m.seq, Time: nowMillis(), Label: label}
	m.kept = append(m.kept, mk)
	if len(m.kept) > MaxMarks {
		m.kept = append(m.kept[:0], m.kept[len(m.kept)-MaxMarks:]...)
	}
	fns := make([]func(Mark), 0, len(m.watch))
	for _, f := range m.watch {
		fns = append(fns, f)
	}
	m.mu.Unlock()
	for _, f := range fns {
		f(mk)
	}
	return mk
}

// List returns the kept marks, oldest first.
func (m *Marks) List() []Mark {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Mark{}, m.kept...)
}

// listAndWatch returns the kept marks and calls f with every later one until stop is called,
// with none lost or repeated between the two.
func (m *Marks) listAndWatch(f func(Mark)) (kept []Mark, stop func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.watch == nil {
		m.watch = map[int]func(Mark){}
	}
	id := m.next
	m.next++
	m.watch[id] = f
	return append([]Mark{}, m.kept...), func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		delete(m.watch, id)
	}
}

// MarkKeeper is what Servers implement to keep their marks themselves (fakecluster and the
// proxy do, so that Go code marks the same timeline as POST /v1/marks). Servers that do not
// get marks kept by their admin handler.
type MarkKeeper interface {
	Marks() *Marks
}

// marksOf is where s's marks are kept.
func (m *Mux) marksOf(s Servers) *Marks {
	if k, ok := s.(MarkKeeper); ok {
		return k.Marks()
	}
	return m.marks
}

// MarkRequest is the body of POST /v1/marks.
type MarkRequest struct {
	Label string `json:"label"`
}

func addMark(w http.ResponseWriter, r *http.Request, marks *Marks) {
	var req MarkRequest
	if err := DecodeBody(r, &req); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	req.Label = strings.TrimSpace(req.Label)
	switch {
	case req.Label == "":
		WriteError(w, http.StatusBadRequest, errors.New(`"label" is required`))
		return
	case len(req.Label) > maxLabel:
		WriteError(w, http.StatusBadRequest, errors.New(`"label" is longer than 500 bytes`))
		return
	}
	WriteJSON(w, http.StatusCreated, marks.Add(req.Label))
}

func listMarks(w http.ResponseWriter, r *http.Request, s Servers, marks *Marks) {
	f, _, err := parseHistoryFilter(r, s)
	if err != nil {
		writeFilterError(w, err)
		return
	}
	out := struct {
		Marks []Mark `json:"marks"`
	}{Marks: []Mark{}}
	for _, mk := range marks.List() {
		if f.matchTime(mk.Time) {
			out.Marks = append(out.Marks, mk)
		}
	}
	WriteJSON(w, http.StatusOK, out)
}

func markEvent(mk Mark) Event { return Event{Type: "mark", Time: mk.Time, Mark: &mk} }
