package fault_test

import (
	"context"
	"fmt"
	"time"

	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/remoting"
)

// A fake broker that answers the first send with SYSTEM_BUSY, and a test that waits for the
// client's retry instead of sleeping.
func Example() {
	mem := remoting.NewMemNetwork()
	srv := remoting.NewServer()
	hist, inj := fault.NewHistory(), fault.NewInjector(1)
	fault.Install(srv, hist, inj) // before the server's other interceptors
	srv.Handle(remoting.CodeSendMessageV2, func(_ context.Context, req *remoting.Request) *remoting.Command {
		return remoting.NewResponse(req.Command, remoting.Success, "")
	})
	l, _ := mem.Listen("broker-a:10911")
	_ = srv.Start(l)
	defer srv.Close()

	busy := inj.Add(fault.Rule{Code: remoting.CodeSendMessageV2, Action: fault.ActionError,
		ResponseCode: remoting.SystemBusy, Remark: "[PC_SYNCHRONIZED]broker busy", Times: 1})

	c := remoting.NewClient(remoting.WithDialer(mem.Dial))
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	for range 2 {
		send := remoting.NewRequest(remoting.CodeSendMessageV2, map[string]string{"a": "GID", "b": "orders"}, []byte("hi"))
		resp, _ := c.Invoke(ctx, l.Addr().String(), send)
		fmt.Printf("answer %d %q\n", resp.Code, resp.Remark)
	}

	retry, _ := hist.WaitFor(ctx, func(e fault.Entry) bool { return e.Topic == "orders" && e.Fault == "" })
	fmt.Println("retry recorded:", retry.Seq, retry.Answered, "rule fired", busy.Fired())
	// Output:
	// answer 2 "[PC_SYNCHRONIZED]broker busy"
	// answer 0 ""
	// retry recorded: 2 true rule fired 1
}
