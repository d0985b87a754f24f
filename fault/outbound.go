package fault

import (
	"context"
	"errors"
	"fmt"

	"github.com/rocketsim/rocketsim/remoting"
)

// A fake server also sends requests of its own to its clients: a broker asks a producer
// CHECK_TRANSACTION_STATE (39, oneway) and pushes PUSH_REPLY_MESSAGE_TO_CLIENT (326, two-way); it
// tells a consumer group's members NOTIFY_CONSUMER_IDS_CHANGED (40, oneway), and on an admin
// request sends its consumers RESET_CONSUMER_CLIENT_OFFSET (220, oneway) or asks them
// GET_CONSUMER_STATUS_FROM_CLIENT (221), GET_CONSUMER_RUNNING_INFO (307) and
// CONSUME_MESSAGE_DIRECTLY (309), two-way.
// The same rules act on them when the server sends them through InvokeOneway and Invoke below
// (a proxy relaying them from the server behind it: Forward),
// but only rules that name the request's code: a rule for every code (Code 0) is about what the
// server receives, and keeps its budget for that. A broker never receives a 39, so a test drops
// "the broker's 39" with an ordinary rule for code 39. 307 and 309 a broker both receives (from
// mqadmin) and sends on (to the consumer), so a rule for them meets the admin's request first. What each action means for a request
// going out:
//
//   - delay holds the request, then sends it;
//   - drop does not send it: a oneway request looks sent to the server (as one lost on the
//     network does), a two-way one waits for an answer until its context ends and fails with
//     a timeout;
//   - close closes the connection instead of sending, and the send fails with the closed
//     connection's error;
//   - error does not send a two-way request and answers it with the rule's code and remark, as
//     a client that refused it would;
//   - corrupt sends a two-way request, then closes the connection instead of delivering the
//     client's answer, as a server does that cannot read what came back;
//   - override sends a two-way request and replaces its answer's code (and remark when set).
//
// As for requests received, error, corrupt and override pass oneway requests by. Requests sent
// are not recorded in the History, which holds what the server received.

// InvokeOneway sends req, a request the server makes, over conn as Conn.InvokeOneway does,
// after the rules had their say.
func (inj *Injector) InvokeOneway(ctx context.Context, conn *remoting.Conn, req *remoting.Command) error {
	req.Flag |= remoting.FlagOneway // what match reads to pass oneway requests by
	_, err := inj.send(ctx, conn, req, func(ctx context.Context, req *remoting.Command) (*remoting.Command, error) {
		return nil, conn.InvokeOneway(ctx, req)
	})
	return err
}

// Invoke sends req, a request the server makes, over conn and waits for the answer as
// Conn.Invoke does, after the rules had their say.
func (inj *Injector) Invoke(ctx context.Context, conn *remoting.Conn, req *remoting.Command) (*remoting.Command, error) {
	req.Flag &^= remoting.FlagOneway
	return inj.send(ctx, conn, req, conn.Invoke)
}

// Forward passes req on over conn as Conn.Forward does (its opaque and flag bits kept, oneway or
// not as its flag says), after the rules had their say: a proxy relaying a request that the
// server behind it sends a client.
func (inj *Injector) Forward(ctx context.Context, conn *remoting.Conn, req *remoting.Command) (*remoting.Command, error) {
	return inj.send(ctx, conn, req, conn.Forward)
}

// send applies the first rule that takes req, sending it with do where the rule lets it go
// out. A oneway req gets no answer whatever happens.
func (inj *Injector) send(ctx context.Context, conn *remoting.Conn, req *remoting.Command,
	do func(context.Context, *remoting.Command) (*remoting.Command, error)) (*remoting.Command, error) {
	rule, ok := inj.match(req, true)
	if !ok {
		return do(ctx, req)
	}
	if rule.Delay > 0 {
		wait(ctx, rule.Delay)
	}
	oneway := req.IsOneway()
	switch {
	case rule.Action == ActionDrop && oneway:
		return nil, nil
	case rule.Action == ActionDrop:
		<-ctx.Done()
		return nil, droppedError(ctx, req)
	case rule.Action == ActionClose:
		_ = conn.Close()
		return do(ctx, req)
	case oneway: // error, corrupt and override pass oneway requests by (match does not take them)
		return do(ctx, req)
	case rule.Action == ActionError:
		return remoting.NewResponse(req, rule.answerCode(), rule.Remark), nil
	case rule.Action == ActionCorrupt:
		if _, err := do(ctx, req); err != nil {
			return nil, err
		}
		_ = conn.Close()
		return nil, fmt.Errorf("fault: the answer to request code %d was corrupted: %w", req.Code, remoting.ErrConnectionClosed)
	case rule.Action == ActionOverride:
		resp, err := do(ctx, req)
		if err != nil {
			return nil, err
		}
		resp.Code = rule.ResponseCode
		if rule.Remark != "" {
			resp.Remark = rule.Remark
		}
		return resp, nil
	default: // ActionDelay
		return do(ctx, req)
	}
}

// droppedError is what a dropped two-way request fails with once its wait ends: a timeout
// when the deadline passed, else why the context ended.
func droppedError(ctx context.Context, req *remoting.Command) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("fault: request code %d dropped by a fault rule: %w", req.Code, remoting.ErrTimeout)
	}
	return fmt.Errorf("fault: request code %d dropped by a fault rule: %w", req.Code, context.Cause(ctx))
}
