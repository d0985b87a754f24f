package remoting

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

var (
	// ErrTimeout is wrapped by the error of a request that got no answer before its context's
	// deadline. Such errors also match context.DeadlineExceeded and os.ErrDeadlineExceeded.
	ErrTimeout error = timeoutSentinel{}
	// ErrConnectionClosed is wrapped by the error of every request that was pending on, or
	// sent to, a connection that closed; the cause of the close is wrapped too.
	ErrConnectionClosed = errors.New("remoting: connection closed")
	// ErrClientClosed is returned once Client.Close has been called, and is the cause wrapped
	// in the errors of the requests that Close failed.
	ErrClientClosed = errors.New("remoting: client closed")
	// ErrServerClosed is returned by Serve after Shutdown or Close, and is the cause of the
	// connections those close.
	ErrServerClosed = errors.New("remoting: server closed")
	// ErrTooManyRequests is wrapped when no async or oneway permit came free before the
	// request's context ended (Java: "invokeAsyncImpl tryAcquire semaphore timeout").
	ErrTooManyRequests = errors.New("remoting: too many requests in flight")
	// ErrIdle is the cause of a connection closed for idleness.
	ErrIdle = errors.New("remoting: connection idle")
)

type timeoutSentinel struct{}

func (timeoutSentinel) Error() string { return "remoting: request timed out" }

// Is lets callers that think in standard-library terms test a transport timeout the way they
// test any other deadline.
func (timeoutSentinel) Is(target error) bool {
	return target == context.DeadlineExceeded || target == os.ErrDeadlineExceeded
}

func (timeoutSentinel) Timeout() bool { return true }

// timeoutError says which request timed out, where, and after how long.
type timeoutError struct {
	op      string
	addr    string
	code    int32
	opaque  int32
	elapsed time.Duration
}

func (e *timeoutError) Error() string {
	return fmt.Sprintf("remoting: %s to %s timed out after %v (code %d, opaque %d)",
		e.op, e.addr, e.elapsed.Round(time.Microsecond), e.code, e.opaque)
}

func (e *timeoutError) Unwrap() error { return ErrTimeout }
func (e *timeoutError) Timeout() bool { return true }

// connClosedError is what pending requests get when their connection goes away.
type connClosedError struct {
	addr  string
	cause error
}

func (e *connClosedError) Error() string {
	if e.cause == nil {
		return "remoting: connection to " + e.addr + " closed"
	}
	return "remoting: connection to " + e.addr + " closed: " + e.cause.Error()
}

func (e *connClosedError) Unwrap() []error {
	if e.cause == nil {
		return []error{ErrConnectionClosed}
	}
	return []error{ErrConnectionClosed, e.cause}
}

// ConnectError reports a failure to open a connection to Addr (Java's RemotingConnectException,
// "connect to <addr> failed").
type ConnectError struct {
	Addr string
	Err  error
}

func (e *ConnectError) Error() string {
	return "remoting: connect to " + e.Addr + " failed: " + e.Err.Error()
}

func (e *ConnectError) Unwrap() error { return e.Err }
