// Package fault harms and records the requests a fake server receives. Both fakes, and the
// proxy in front of any server (package proxy), install the same two interceptors on their
// remoting.Server:
//
//   - History records every request with its answer (or the lack of one), so tests can assert
//     what a client sent, and can wait for a request instead of sleeping;
//   - Injector applies fault rules: delay a request, drop it, answer an error, close the
//     connection, or corrupt the answer; once, N times or until removed, with a seeded
//     probability, and in timed windows (plans). The same rules act on the requests a server
//     sends its clients (a broker's CHECK_TRANSACTION_STATE, PUSH_REPLY_MESSAGE_TO_CLIENT) when
//     it sends them through Injector.InvokeOneway and Injector.Invoke, or a proxy passes them
//     on through Injector.Forward (outbound.go).
//
// Everything reads the standard time package, so inside a testing/synctest bubble over a
// remoting.MemNetwork a delay of minutes or a plan of hours passes in no wall time at all.
package fault

import (
	"context"

	"github.com/rocketsim/rocketsim/remoting"
)

// Install puts hist outermost, then inj, around srv's handlers, so that the history records
// the answer the client really got: a fault's error code, or no answer at all. Call it before
// any other Server.Use, which would otherwise wrap the history. Either may be nil.
func Install(srv *remoting.Server, hist *History, inj *Injector) {
	var ics []remoting.Interceptor
	if hist != nil {
		ics = append(ics, hist.Interceptor())
	}
	if inj != nil {
		ics = append(ics, inj.Interceptor())
	}
	// The history never blocks a request, and the injector only through a rule (a delay, a
	// held answer): with no rules, requests the server serves inline stay inline.
	srv.UseInline(func(*remoting.Command) bool { return inj == nil || inj.live.Load() == 0 }, ics...)
}

// note is how the injector tells the history, through the request's context, what it did to
// a request; the answer alone cannot say (a dropped request and a closed connection both
// return nil).
type note struct {
	action  Action
	damaged *remoting.Command // the handler's answer that ActionCorrupt replaced
}

type noteKey struct{}

// noteContext is the request's context with its note: one allocation per request where
// context.WithValue and the note were two.
type noteContext struct {
	context.Context
	n note
}

func (c *noteContext) Value(key any) any {
	if key == (noteKey{}) {
		return &c.n
	}
	return c.Context.Value(key)
}

// noteFrom returns the request's note, or nil when no history is recording it; the setters
// accept nil.
func noteFrom(ctx context.Context) *note {
	n, _ := ctx.Value(noteKey{}).(*note)
	return n
}

func (n *note) setAction(a Action) {
	if n != nil {
		n.action = a
	}
}

func (n *note) setDamaged(resp *remoting.Command) {
	if n != nil {
		n.damaged = resp
	}
}
