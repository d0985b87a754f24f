package fault

import (
	"context"
	"maps"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/remoting"
	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

func TestHistoryRecordsRequestAndAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRigWith(t, NewInjector(1), NewHistory(WithMaxBody(5)))
		c := r.client()
		req := sendV2("orders", "GID_orders")
		req.Body = []byte("hello world")
		req.SerializeType = remoting.SerializeRocketMQ
		sent := time.Now()
		_, err := r.invoke(c, req)
		require.NoError(t, err)
		conn, err := c.Conn(t.Context(), r.addr)
		require.NoError(t, err)
		serverConns := r.srv.Conns()
		require.Len(t, serverConns, 1)

		require.Equal(t, Entry{
			Seq:            1,
			Time:           sent,
			Peer:           conn.LocalAddr(),
			Local:          r.addr,
			ConnID:         serverConns[0].ID(),
			Code:           remoting.CodeSendMessageV2,
			Language:       remoting.LanguageJava,
			Version:        remoting.CurrentVersion,
			Opaque:         req.Opaque,
			SerializeType:  remoting.SerializeRocketMQ,
			ExtFields:      map[string]string{"a": "GID_orders", "b": "orders"},
			Body:           []byte("hello"),
			BodySize:       11,
			Topic:          "orders",
			Groups:         []string{"GID_orders"},
			Answered:       true,
			ResponseCode:   remoting.Success,
			ResponseFields: map[string]string{"msgId": "MSG1", "queueId": "0"},
		}, r.onlyEntry())

		_, err = r.invoke(c, heartbeatOf(t, "GID_orders"))
		require.NoError(t, err)
		beats := r.hist.Requests(remoting.CodeHeartBeat)
		require.Len(t, beats, 1)
		require.Equal(t, uint64(2), beats[0].Seq)
		require.Equal(t, serverConns[0].ID(), beats[0].ConnID, "same connection, same ID")
		require.Equal(t, []string{"GID_orders", "CID_GID_orders"}, beats[0].Groups)
	})
}

func TestHistoryKeepsWhatTheClientSent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.srv.Handle(remoting.CodeSendMessageV2, func(_ context.Context, req *remoting.Request) *remoting.Command {
			// A handler that wants another header or body replaces the request's command with
			// a changed copy (remoting.Request): the history keeps what the client sent.
			changed := *req.Command
			changed.ExtFields = maps.Clone(req.Command.ExtFields)
			changed.ExtFields["b"] = "rewritten"
			changed.Body = append([]byte("J"), req.Command.Body[1:]...)
			req.Command = &changed
			return remoting.NewResponse(req.Command, remoting.Success, "")
		})
		_, err := r.invoke(r.client(), sendV2("orders", "GID"))
		require.NoError(t, err)
		e := r.onlyEntry()
		require.Equal(t, "orders", e.ExtFields["b"])
		require.Equal(t, "hello", string(e.Body))
	})
}

func TestHistoryKeepsTheLatestEntries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRigWith(t, NewInjector(1), NewHistory(WithMaxEntries(3)))
		c := r.client()
		for range 5 {
			_, err := r.invoke(c, heartbeat())
			require.NoError(t, err)
		}
		require.Equal(t, []uint64{3, 4, 5}, seqs(r.hist.Entries()))
		require.Len(t, r.hist.Requests(remoting.CodeHeartBeat), 3)
		require.Empty(t, r.hist.Requests(remoting.CodeSendMessageV2))

		r.hist.Reset()
		require.Empty(t, r.hist.Entries())
		_, err := r.invoke(c, heartbeat())
		require.NoError(t, err)
		require.Equal(t, []uint64{6}, seqs(r.hist.Entries()), "Seq goes on after Reset")
	})
}

func seqs(entries []Entry) []uint64 {
	var out []uint64
	for _, e := range entries {
		out = append(out, e.Seq)
	}
	return out
}

func TestHistoryRecordsAHandlerPanic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.srv.Handle(remoting.CodeSendMessageV2, func(context.Context, *remoting.Request) *remoting.Command { panic("boom") })
		resp, err := r.invoke(r.client(), sendV2("orders", "GID"))
		require.NoError(t, err)
		e := r.onlyEntry()
		require.True(t, e.Answered)
		require.Equal(t, resp.Code, e.ResponseCode)
		require.Equal(t, resp.Remark, e.Remark)
		require.Equal(t, "boom", e.Remark)
	})
}

func TestWaitFor(t *testing.T) {
	isRoute := func(e Entry) bool { return e.Code == remoting.CodeGetRouteInfoByTopic }
	routeQuery := func() *remoting.Command {
		return remoting.NewRequest(remoting.CodeGetRouteInfoByTopic, map[string]string{"topic": "orders"}, nil)
	}

	t.Run("finds a kept entry at once", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			r := newRig(t)
			_, err := r.invoke(r.client(), routeQuery())
			require.NoError(t, err)
			e, err := r.hist.WaitFor(t.Context(), isRoute)
			require.NoError(t, err)
			require.Equal(t, "orders", e.Topic)
		})
	})

	t.Run("wakes on a later request", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			r := newRig(t)
			c := r.client()
			_, err := r.invoke(c, heartbeat())
			require.NoError(t, err)
			found := make(chan Entry, 1)
			go func() {
				e, err := r.hist.WaitFor(t.Context(), isRoute)
				require.NoError(t, err)
				found <- e
			}()
			synctest.Wait()
			require.Empty(t, found, "no route query yet")

			_, err = r.invoke(c, heartbeat())
			require.NoError(t, err)
			synctest.Wait()
			require.Empty(t, found, "a heartbeat does not match")

			time.Sleep(time.Minute)
			_, err = r.invoke(c, routeQuery())
			require.NoError(t, err)
			e := <-found
			require.Equal(t, uint64(3), e.Seq)
			require.Equal(t, time.Now(), e.Time)
		})
	})

	t.Run("gives up when its context ends", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			hist := NewHistory()
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			start := time.Now()
			_, err := hist.WaitFor(ctx, isRoute)
			require.ErrorIs(t, err, context.DeadlineExceeded)
			require.Equal(t, 5*time.Second, time.Since(start))
		})
	})

	t.Run("match may call the history", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			r := newRig(t)
			_, err := r.invoke(r.client(), routeQuery())
			require.NoError(t, err)
			_, err = r.hist.WaitFor(t.Context(), func(Entry) bool { return len(r.hist.Entries()) == 1 })
			require.NoError(t, err)
		})
	})
}

// A long-polling handler answers after it returned: the entry is recorded with that answer,
// and not before it.
func TestHistoryWaitsForALateAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.srv.Handle(remoting.CodePullMessage, func(_ context.Context, req *remoting.Request) *remoting.Command {
			req.AnswerLater()
			time.AfterFunc(2*time.Second, func() {
				resp := remoting.NewResponse(req.Command, remoting.PullNotFound, "no new message")
				_ = req.Respond(resp)
			})
			return nil
		})
		c := r.client()
		done := make(chan struct{})
		go func() {
			defer close(done)
			resp, err := r.invoke(c, remoting.NewRequest(remoting.CodePullMessage, map[string]string{"topic": "T"}, nil))
			require.NoError(t, err)
			require.Equal(t, remoting.PullNotFound, resp.Code)
		}()
		synctest.Wait()
		require.Empty(t, r.hist.Entries(), "nothing recorded while the pull is held")
		<-done
		e := r.onlyEntry()
		require.True(t, e.Answered)
		require.Equal(t, remoting.PullNotFound, e.ResponseCode)
		require.Equal(t, 2*time.Second, e.Latency)
		require.Equal(t, "T", e.Topic)
	})
}

func TestHistoryRecordsAHeldRequestWhoseConnectionCloses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.srv.Handle(remoting.CodePullMessage, func(_ context.Context, req *remoting.Request) *remoting.Command {
			req.AnswerLater()
			return nil
		})
		c := r.client()
		c.InvokeAsync(t.Context(), r.addr, remoting.NewRequest(remoting.CodePullMessage, nil, nil), func(*remoting.Command, error) {})
		synctest.Wait()
		require.Empty(t, r.hist.Entries())
		require.NoError(t, c.Close())
		synctest.Wait()
		require.False(t, r.onlyEntry().Answered)
	})
}

// countedContext counts in live the AfterFunc registrations still waiting on it:
// context.AfterFunc uses a parent's own AfterFunc method when it cannot find the cancelCtx
// beneath, which Value hides (the handlers here read no value from their context).
type countedContext struct {
	context.Context
	live *atomic.Int64
}

func (countedContext) Value(any) any { return nil }

func (c countedContext) AfterFunc(f func()) func() bool {
	c.live.Add(1)
	stop := context.AfterFunc(c.Context, f)
	return func() bool {
		stopped := stop()
		if stopped {
			c.live.Add(-1)
		}
		return stopped
	}
}

// A held request answered later leaves nothing waiting on its connection's context: each
// long-polled pull of a push consumer left its entry (header, body, closures) there until the
// consumer's connection closed, which on a long run is most of a broker's memory growth.
func TestHistoryLateAnswerLeavesNothingOnTheConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var live atomic.Int64
		hist := NewHistory()
		srv := remotingtest.NewServer()
		srv.Use(func(next remoting.Handler) remoting.Handler {
			return func(ctx context.Context, req *remoting.Request) *remoting.Command {
				return next(countedContext{ctx, &live}, req)
			}
		}, hist.Interceptor())
		srv.Handle(remoting.CodePullMessage, func(_ context.Context, req *remoting.Request) *remoting.Command {
			req.AnswerLater()
			time.AfterFunc(time.Second, func() {
				_ = req.Respond(remoting.NewResponse(req.Command, remoting.PullNotFound, "no new message"))
			})
			return nil
		})
		mem := remoting.NewMemNetwork()
		addr := remotingtest.Serve(t, mem, "broker-a:10911", srv)
		c := remotingtest.NewClient(t, mem.Dial)
		for range 50 {
			resp, err := remotingtest.InvokeWithin(t, c, addr, remoting.NewRequest(remoting.CodePullMessage, nil, nil), 3*time.Second)
			require.NoError(t, err)
			require.Equal(t, remoting.PullNotFound, resp.Code)
		}
		synctest.Wait()
		require.Len(t, hist.Entries(), 50)
		require.Zero(t, live.Load(), "registrations left on the connection's context")
	})
}

// A request served by a HandleInlineList handler keeps its header as a list, and its answer
// may be one too: an entry read back has both as maps.
func TestHistoryMakesMapsOfListedHeaders(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		var listed bool
		r.srv.HandleInlineList(remoting.CodeSendMessageV2, func(_ context.Context, req *remoting.Request) *remoting.Command {
			listed = req.Command.ExtFields == nil && req.Command.Fields != nil
			resp := remoting.NewResponse(req.Command, remoting.Success, "")
			resp.Fields = []remoting.Field{{Key: "msgId", Value: "MSG1"}, {Key: "queueId", Value: "0"}}
			return resp
		}, nil)
		_, err := r.invoke(r.client(), sendV2("orders", "GID_orders"))
		require.NoError(t, err)
		require.True(t, listed, "the handler got the header as a list")
		e := r.onlyEntry()
		require.Equal(t, map[string]string{"a": "GID_orders", "b": "orders"}, e.ExtFields)
		require.Equal(t, map[string]string{"msgId": "MSG1", "queueId": "0"}, e.ResponseFields)
		require.Equal(t, "orders", e.Topic)
	})
}

// A body kept whole is the request's own bytes (a request is read-only); a body cut to the
// limit is copied, so that an entry never pins the rest of a big body.
func TestKeptBodyCopiesOnlyACutBody(t *testing.T) {
	body := []byte("hello world")
	whole := keptBody(body, 64)
	require.Equal(t, "hello world", string(whole))
	require.Same(t, &body[0], &whole[0], "a whole body is shared")
	require.Equal(t, len(body), cap(whole), "appending to it cannot reach past the body")

	cut := keptBody(body, 5)
	require.Equal(t, "hello", string(cut))
	require.NotSame(t, &body[0], &cut[0], "a cut body is copied")

	require.Nil(t, keptBody(body, 0))
	require.Nil(t, keptBody(nil, 64))
}
