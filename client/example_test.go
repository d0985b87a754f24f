package client_test

import (
	"context"
	"fmt"

	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/remoting"
)

// A producer sends to a fake cluster on an in-memory network, with a manager of its own.
func Example() {
	mem := remoting.NewMemNetwork()
	c, err := fakecluster.New(fakecluster.WithMemNetwork(mem), fakecluster.WithTopic("Orders", 4))
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Start(context.Background()); err != nil {
		panic(err)
	}

	p, err := client.NewProducer(
		client.WithGroup("orders-producer"),
		client.WithNameServers(c.NameServerAddr()),
		client.WithDialer(mem.Dial),
		client.WithManager(client.NewManager()),
	)
	if err != nil {
		panic(err)
	}
	if err := p.Start(); err != nil {
		panic(err)
	}
	defer p.Shutdown()

	msg := client.NewMessage("Orders", []byte("order #1"))
	msg.SetTags("created")
	res, err := p.Send(context.Background(), msg)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Status, res.Queue.Topic, res.Queue.BrokerName)
	stored := c.Messages("Orders")[0]
	fmt.Println(string(stored.Body), stored.Tags, stored.MsgID == res.MsgID)

	p.Shutdown()
	_, err = p.Send(context.Background(), msg)
	fmt.Println(err)
	// Output:
	// SEND_OK Orders broker-a
	// order #1 created true
	// The producer service state not OK, SHUTDOWN_ALREADY
	// See http://rocketmq.apache.org/docs/faq/ for further details.
}
