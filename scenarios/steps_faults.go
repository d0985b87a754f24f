package scenarios

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/rocketsim/rocketsim/backend"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/remoting"
)

// sendCodes are the request codes a send may use: v1, v2 and batch.
var sendCodes = []int32{remoting.CodeSendMessage, remoting.CodeSendMessageV2, remoting.CodeSendBatchMessage}

// Fault steps: the fakes' injectors carry them out, and on real servers the scenario's proxy
// does, as the clients see it; a delay is scaled as the scenario's time is.
func (w *World) faultSteps() []stepDef {
	times := func(once string) int {
		if once != "" {
			return 1
		}
		return 0
	}
	return []stepDef{
		step(`^"([^"]*)" delays sends by (\d+) (seconds?|milliseconds?)( once)?$`,
			"the broker holds every send (or the next one) that long before it stores and answers it",
			func(broker string, n int, unit, once string) error {
				return w.addSendFault(broker, fault.Rule{Action: fault.ActionDelay, Delay: duration(n, unit), Times: times(once)})
			}).alias("slow", "slowly", "hangs", "late"),
		step(`^"([^"]*)" drops sends$`,
			"the broker loses every send without storing or answering it, as a black-holed network would",
			func(broker string) error {
				return w.addSendFault(broker, fault.Rule{Action: fault.ActionDrop})
			}).alias("loses", "ignores", "no answer", "does not answer"),
		step(`^"([^"]*)" answers sends with code (\d+)( once)?$`,
			"the broker refuses every send (or the next one) with that response code, storing nothing",
			func(broker string, code int, once string) error {
				return w.addSendFault(broker, fault.Rule{Action: fault.ActionError, ResponseCode: int32(code),
					Remark: "injected by the scenario", Times: times(once)})
			}).alias("refuses", "rejects", "error", "busy"),
		step(`^"([^"]*)" stores sends but answers code (\d+)( once)?$`,
			"the broker stores every send (or the next one) but answers with that code instead of SUCCESS (FLUSH_DISK_TIMEOUT is 10)",
			func(broker string, code int, once string) error {
				return w.addSendFault(broker, fault.Rule{Action: fault.ActionOverride, ResponseCode: int32(code), Times: times(once)})
			}).alias("flush", "override"),
		step(`^"([^"]*)" closes the connection of the next send$`,
			"the broker closes the connection the next send arrives on, without storing or answering it",
			func(broker string) error {
				return w.addSendFault(broker, fault.Rule{Action: fault.ActionClose, Times: 1})
			}).alias("disconnects", "connection breaks", "hangs up", "closes"),
		step(`^"([^"]*)" (delays heartbeats by (\d+) seconds|drops heartbeats)$`,
			"the broker holds every HEART_BEAT that long before it answers, or loses it without an answer",
			func(broker, what, secs string) error {
				r := fault.Rule{Code: remoting.CodeHeartBeat, Action: fault.ActionDrop}
				if secs != "" {
					r.Action, r.Delay = fault.ActionDelay, secondsD(int(atoi32(secs)))
				}
				return w.addFault(broker, r)
			}).alias("slow heartbeats", "ignores heartbeats", "hangs on heartbeats"),
		step(`^the name server (delays route queries by (\d+) seconds?|drops route queries)$`,
			"the name server holds every GET_ROUTEINFO_BY_TOPIC that long before it answers, or loses it without an answer",
			func(what, secs string) error {
				r := fault.Rule{Code: remoting.CodeGetRouteInfoByTopic, Action: fault.ActionDrop}
				if secs != "" {
					r.Action, r.Delay = fault.ActionDelay, secondsD(int(atoi32(secs)))
				}
				return w.addFault(backend.NameServerTarget, r)
			}).alias("slow name server", "hung name server", "name server hangs", "name server is down"),
		step(`^"([^"]*)" drops the next END_TRANSACTION$`,
			"the broker loses the next END_TRANSACTION it receives, as a network would: a producer's commit or rollback "+
				"never arrives, and only the broker's check can settle the transaction",
			func(broker string) error {
				return w.addFault(broker, fault.Rule{Code: remoting.CodeEndTransaction, Action: fault.ActionDrop, Times: 1})
			}).alias("lost commit", "lost rollback", "end transaction lost"),
		step(`^the address of "([^"]*)" is a black hole$`,
			"the broker is gone and connection attempts to its address hang instead of being refused",
			func(broker string) error {
				return w.withCluster(func(c backend.Cluster) error {
					ctx, cancel := w.ctx()
					defer cancel()
					var addr string
					for _, b := range c.Brokers() {
						if b.Name == broker {
							addr = b.Addr
						}
					}
					if err := c.BlackHole(ctx, broker); err != nil {
						return err
					}
					return w.awaitClosedSeen(ctx, addr)
				})
			}).onReal("the scenario's proxy crashes the broker as its clients see it, then listens on its address with a "+
			"full accept queue, so that connection attempts hang until the client's connect timeout (Linux)").
			alias("unreachable", "firewall", "blackhole", "connect hangs"),
	}
}

// awaitClosedSeen waits until no producer holds an open connection to addr any more. A bubble
// settles before the next step, so on the fakes every client has read a close by then; on the
// wall clock a client reads it a moment after the server closed, and a send in that moment
// would go out on the dead connection and fail on it, not on a new connect.
func (w *World) awaitClosedSeen(ctx context.Context, addr string) error {
	if _, wall := w.cluster.(timeScaler); !wall || addr == "" {
		return nil
	}
	for {
		open := ""
		for name, ps := range w.producers {
			if ps.p != nil && slices.Contains(ps.p.Snapshot().Connections, addr) {
				open = name
			}
		}
		if open == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("producer %q still holds its connection to %s: %w", open, addr, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// duration reads "3 seconds" or "500 milliseconds".
func duration(n int, unit string) time.Duration {
	if unit[0] == 'm' {
		return time.Duration(n) * time.Millisecond
	}
	return time.Duration(n) * time.Second
}

// addSendFault adds r for every send code, each with r's own budget.
func (w *World) addSendFault(target string, r fault.Rule) error {
	for _, code := range sendCodes {
		r.Code = code
		if err := w.addFault(target, r); err != nil {
			return err
		}
	}
	return nil
}

// addFault adds r with its delay scaled as the scenario's time is.
func (w *World) addFault(target string, r fault.Rule) error {
	r.Delay = w.scale(r.Delay)
	return w.withCluster(func(c backend.Cluster) error { return c.AddFault(target, r) })
}
