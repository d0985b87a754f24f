package adminhttp

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Call is one call of the admin API as GET /v1 lists it.
type Call struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Doc    string `json:"doc"` // one line: what the call answers or does
}

// Mux is the admin API's router: an http.ServeMux that also remembers each call's one-line
// description, so that GET /v1 (and GET / asked for JSON) lists exactly the calls it serves.
type Mux struct {
	mux    *http.ServeMux
	calls  []Call
	events *eventHub
	marks  *Marks // for Servers that keep none (MarkKeeper)
}

// NewMux returns a Mux without calls; Register adds the shared ones.
func NewMux() *Mux {
	return &Mux{mux: http.NewServeMux(), events: newEventHub(), marks: &Marks{}}
}

// HandleFunc serves pattern ("METHOD /path") with h and lists it with doc.
func (m *Mux) HandleFunc(pattern, doc string, h http.HandlerFunc) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		panic(fmt.Sprintf("adminhttp: pattern %q has no method", pattern))
	}
	m.mux.HandleFunc(pattern, h)
	m.calls = append(m.calls, Call{Method: method, Path: path, Doc: doc})
}

// Calls returns the calls served, sorted by path then method.
func (m *Mux) Calls() []Call {
	out := slices.Clone(m.calls)
	slices.SortStableFunc(out, func(a, b Call) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Method, b.Method)
	})
	return out
}

// ServeHTTP routes r to its call.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.mux.ServeHTTP(w, r) }

func (m *Mux) serveIndex(w http.ResponseWriter, _ *http.Request) {
	WriteJSON(w, http.StatusOK, struct {
		Calls []Call `json:"calls"`
	}{m.Calls()})
}

// wantsHTML says whether r comes from a browser asking for a page rather than a tool asking
// for JSON: curl sends */*, and a tool that wants JSON says so.
func wantsHTML(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "text/html") && !strings.HasPrefix(accept, "application/json")
}
