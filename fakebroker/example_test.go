package fakebroker_test

import (
	"context"
	"fmt"
	"time"

	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakenamesrv"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// A name server and a broker on an in-memory network: the broker registers over the wire, a
// producer's send auto-creates its topic, and the test reads what was stored.
func Example() {
	mem := remoting.NewMemNetwork()
	ns := fakenamesrv.New()
	l, _ := mem.Listen("127.0.0.1:9876")
	_ = ns.Start(l)
	defer ns.Close()

	b := fakebroker.New(
		fakebroker.WithListenAddr("127.0.0.1:10911"),
		fakebroker.WithListenFunc(mem.Listen),
		fakebroker.WithDialer(mem.Dial),
		fakebroker.WithNameServers("127.0.0.1:9876"),
	)
	_ = b.Start()
	defer b.Crash()

	c := remoting.NewClient(remoting.WithDialer(mem.Dial))
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	h := protocol.SendMessageRequestHeader{
		ProducerGroup: "pg", Topic: "Orders", DefaultTopic: "TBW102", DefaultTopicQueueNums: 4,
		QueueID: 1, BornTimestamp: time.Now().UnixMilli(),
		Properties: protocol.EncodeProperties(map[string]string{"TAGS": "TagA", "UNIQ_KEY": "ID-1"}),
	}
	resp, _ := c.Invoke(ctx, b.Addr(), protocol.RequestWithHeader(remoting.CodeSendMessage, h, []byte("hello")))
	fmt.Println("send:", resp.Code, resp.ExtFields["msgId"], resp.ExtFields["queueOffset"])

	for _, m := range b.Messages("Orders") {
		fmt.Println("stored:", m.QueueID, m.QueueOffset, m.MsgID, m.Tags, string(m.Body))
	}
	// The auto-creation reached the name server with a oneway REGISTER_BROKER.
	_ = ns.Await(ctx, func() bool { _, ok := ns.Route("Orders"); return ok })
	route, _ := ns.Route("Orders")
	fmt.Println("route:", route.QueueDatas[0].BrokerName, route.QueueDatas[0].WriteQueueNums)
	// Output:
	// send: 0 7F00000100002A9F0000000000000000 0
	// stored: 1 0 ID-1 TagA hello
	// route: broker-a 4
}
