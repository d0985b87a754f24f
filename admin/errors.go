package admin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rocketsim/rocketsim/remoting"
)

// ServerError is an answer with a code the call did not expect.
type ServerError struct {
	Op     string // what was asked, e.g. "max offset of T/3"
	Addr   string // the server that answered
	Code   int32  // a remoting response code
	Remark string
}

func (e *ServerError) Error() string {
	code := fmt.Sprint(e.Code)
	if name := remoting.ResponseCodeName(e.Code); name != "" {
		code += " " + name
	}
	return fmt.Sprintf("admin: %s at %s: code %s: %s", e.Op, e.Addr, code, e.Remark)
}

// Is makes errors.Is(err, ErrTopicNotExist) and errors.Is(err, ErrIllegalQueue) true for the
// answers that mean them.
func (e *ServerError) Is(target error) bool {
	switch target {
	case ErrTopicNotExist:
		return e.Code == remoting.TopicNotExist
	case ErrIllegalQueue:
		// PullMessageProcessor: "queueId[N] is illegal, topic:[T] ...", SYSTEM_ERROR from 4.9.7
		// and INVALID_PARAMETER from 5.x.
		return (e.Code == remoting.SystemError || e.Code == remoting.InvalidParameter) && strings.Contains(e.Remark, "] is illegal")
	}
	return false
}

var (
	// ErrTopicNotExist: the broker does not hold the topic (TOPIC_NOT_EXIST).
	ErrTopicNotExist = errors.New("admin: topic not exist")
	// ErrIllegalQueue: the topic has no such queue (a queue id at or past its read queues).
	ErrIllegalQueue = errors.New("admin: illegal queue id")
	// ErrOffsetMoved: a read-back found that the offset it reads from is out of the queue's
	// range (PULL_OFFSET_MOVED): the messages there were deleted.
	ErrOffsetMoved = errors.New("admin: offset moved (messages deleted)")
	// ErrNoProgress: a pull answer did not move the offset on where it had to.
	ErrNoProgress = errors.New("admin: the broker did not move the offset on")
)

// invoke sends req to addr and returns the answer when its code is one of want (SUCCESS when
// none is given), a *ServerError with the answer otherwise.
func invoke(ctx context.Context, cli *remoting.Client, addr, op string, req *remoting.Command, want ...int32) (*remoting.Command, error) {
	resp, err := cli.Invoke(ctx, addr, req)
	if err != nil {
		return nil, fmt.Errorf("admin: %s at %s: %w", op, addr, err)
	}
	if len(want) == 0 {
		want = []int32{remoting.Success}
	}
	if !slices.Contains(want, resp.Code) {
		return resp, &ServerError{Op: op, Addr: addr, Code: resp.Code, Remark: resp.Remark}
	}
	return resp, nil
}

// decodeErr wraps a body or header the server sent that does not decode.
func decodeErr(op, addr string, err error) error {
	return fmt.Errorf("admin: %s at %s: %w", op, addr, err)
}
