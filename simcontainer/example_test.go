package simcontainer_test

import (
	"context"
	"fmt"
	"log"

	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/simcontainer"
)

// A fake cluster of two brokers in a container, used by our producer from the host.
func ExampleRun() {
	ctx := context.Background()
	c, err := simcontainer.Run(ctx, simcontainer.WithBrokers(2), simcontainer.WithTopic("Orders", 4))
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = c.Terminate(ctx) }()

	p, err := client.NewProducer(client.WithGroup("orders"), client.WithNameServers(c.NameServerAddr()))
	if err != nil {
		log.Fatal(err)
	}
	if err := p.Start(); err != nil {
		log.Fatal(err)
	}
	defer p.Shutdown()
	res, err := p.Send(ctx, client.NewMessage("Orders", []byte("hello")))
	if err != nil {
		log.Fatal(err)
	}
	// The admin API (faults, history, stored messages) takes the token Run made.
	fmt.Println(res.Status, c.AdminURL() != "", c.AdminToken() != "")
}
