package fakenamesrv_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/rocketsim/rocketsim/fakenamesrv"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// A broker registers a topic with the fake name server; a client asks for its route, and then
// for a topic nobody has.
func Example() {
	ns := fakenamesrv.New(fakenamesrv.WithLogger(slog.New(slog.DiscardHandler)))
	if err := ns.Listen("127.0.0.1:0"); err != nil {
		panic(err)
	}
	defer ns.Close()
	client := remoting.NewClient()
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	body, _ := (&protocol.RegisterBrokerBody{TopicConfigSerializeWrapper: protocol.TopicConfigSerializeWrapper{
		TopicConfigTable: map[string]protocol.TopicConfig{"Orders": protocol.NewTopicConfig("Orders")},
		DataVersion:      protocol.DataVersion{Timestamp: 1, Counter: 1},
	}}).Encode(false)
	register := protocol.RequestWithHeader(remoting.CodeRegisterBroker, protocol.RegisterBrokerRequestHeader{
		BrokerName: "broker-a", BrokerAddr: "127.0.0.1:10911", ClusterName: "DefaultCluster",
		HAServerAddr: "127.0.0.1:10912", BodyCRC32: protocol.BodyCRC32(body),
	}, body)
	if _, err := client.Invoke(ctx, ns.Addr(), register); err != nil {
		panic(err)
	}

	for _, topic := range []string{"Orders", "Missing"} {
		resp, err := client.Invoke(ctx, ns.Addr(), protocol.RequestWithHeader(remoting.CodeGetRouteInfoByTopic,
			protocol.GetRouteInfoRequestHeader{Topic: topic}, nil))
		if err != nil {
			panic(err)
		}
		fmt.Println(resp.Code, string(resp.Body)+resp.Remark)
	}
	for _, b := range ns.Brokers() {
		fmt.Println(b.Name, b.Addr, b.Online)
	}
	// Output:
	// 0 {"brokerDatas":[{"brokerAddrs":{"0":"127.0.0.1:10911"},"brokerName":"broker-a","cluster":"DefaultCluster"}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":16,"topicSysFlag":0,"writeQueueNums":16}]}
	// 17 No topic route info in name server for the topic: Missing
	// See http://rocketmq.apache.org/docs/faq/ for further details.
	// broker-a 127.0.0.1:10911 true
}
