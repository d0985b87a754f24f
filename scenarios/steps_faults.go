package scenarios

import (
	"time"

	"github.com/cucumber/godog"

	"github.com/rocketsim/rocketsim/backend"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/remoting"
)

// sendCodes are the request codes a send may use: v1, v2 and batch.
var sendCodes = []int32{remoting.CodeSendMessage, remoting.CodeSendMessageV2, remoting.CodeSendBatchMessage}

// Fault steps: only backends with injectors (the fakes) support them; their scenarios are
// tagged @fake-only.
func (w *World) faultSteps(sc *godog.ScenarioContext) {
	times := func(once string) int {
		if once != "" {
			return 1
		}
		return 0
	}
	sc.Step(`^"([^"]*)" delays sends by (\d+) (seconds?|milliseconds?)( once)?$`, func(broker string, n int, unit, once string) error {
		d := time.Duration(n) * time.Second
		if unit[0] == 'm' {
			d = time.Duration(n) * time.Millisecond
		}
		return w.addSendFault(broker, fault.Rule{Action: fault.ActionDelay, Delay: d, Times: times(once)})
	})
	sc.Step(`^"([^"]*)" drops sends$`, func(broker string) error {
		return w.addSendFault(broker, fault.Rule{Action: fault.ActionDrop})
	})
	sc.Step(`^"([^"]*)" answers sends with code (\d+)( once)?$`, func(broker string, code int, once string) error {
		return w.addSendFault(broker, fault.Rule{Action: fault.ActionError, ResponseCode: int32(code),
			Remark: "injected by the scenario", Times: times(once)})
	})
	sc.Step(`^"([^"]*)" stores sends but answers code (\d+)( once)?$`, func(broker string, code int, once string) error {
		return w.addSendFault(broker, fault.Rule{Action: fault.ActionOverride, ResponseCode: int32(code), Times: times(once)})
	})
	sc.Step(`^the name server delays route queries by (\d+) seconds?$`, func(n int) error {
		return w.addFault(backend.NameServerTarget, fault.Rule{Code: remoting.CodeGetRouteInfoByTopic,
			Action: fault.ActionDelay, Delay: time.Duration(n) * time.Second})
	})
	sc.Step(`^the address of "([^"]*)" is a black hole$`, func(broker string) error {
		return w.withCluster(func(c backend.Cluster) error {
			ctx, cancel := w.ctx()
			defer cancel()
			return c.BlackHole(ctx, broker)
		})
	})
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

func (w *World) addFault(target string, r fault.Rule) error {
	return w.withCluster(func(c backend.Cluster) error { return c.AddFault(target, r) })
}
