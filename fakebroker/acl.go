package fakebroker

// acl.go is the broker with aclEnable=true: BrokerController.initialAcl registers
// PlainAccessValidator as an RPC hook before every processor (the default one included), and
// NettyRemotingAbstract answers what the hook throws with SYSTEM_ERROR and the exception's
// simple description. The checks themselves are acl.Validator's.

import (
	"context"
	"errors"

	"github.com/rocketsim/rocketsim/acl"
	"github.com/rocketsim/rocketsim/remoting"
)

// aclInterceptor refuses what the validator refuses. It sits inside the history and the fault
// rules, so the history records the refusal and a fault still acts on what the client sent.
func aclInterceptor(v *acl.Validator) remoting.Interceptor {
	return func(next remoting.Handler) remoting.Handler {
		return func(ctx context.Context, req *remoting.Request) *remoting.Command {
			err := v.Check(req.Command, remoteAddr(req))
			var denied *acl.Denied
			if !errors.As(err, &denied) {
				return next(ctx, req)
			}
			resp := remoting.NewResponse(req.Command, remoting.SystemError, denied.Remark())
			// Java's answer to an exception is made afresh, not from the request, so it goes out
			// in JSON whatever the request's serialize type.
			resp.SerializeType = remoting.SerializeJSON
			return resp
		}
	}
}
