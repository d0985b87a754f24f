package realrmq

import (
	"context"
	"fmt"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// Client is the remoting client the cluster uses for its own requests (cluster info, topic
// creation). Callers may send through it too; Close closes it.
func (c *Cluster) Client() *remoting.Client { return c.client }

// ClusterInfo asks the name server for GET_BROKER_CLUSTER_INFO (106).
func (c *Cluster) ClusterInfo(ctx context.Context) (*protocol.ClusterInfo, error) {
	resp, err := c.client.Invoke(ctx, c.nsAddr, remoting.NewRequest(remoting.CodeGetBrokerClusterInfo, nil, nil))
	if err != nil {
		return nil, err
	}
	if resp.Code != remoting.Success {
		return nil, fmt.Errorf("realrmq: cluster info: code %d: %s", resp.Code, resp.Remark)
	}
	return protocol.DecodeClusterInfo(resp.Body)
}

// CreateTopic creates topic with the given number of read and write queues and read-write
// permission on every running broker. See CreateTopicConfig.
func (c *Cluster) CreateTopic(ctx context.Context, topic string, queues int32) error {
	tc := protocol.NewTopicConfig(topic)
	tc.ReadQueueNums, tc.WriteQueueNums = queues, queues
	return c.CreateTopicConfig(ctx, tc)
}

// CreateTopicConfig sends UPDATE_AND_CREATE_TOPIC (17) to the named brokers, or to every
// running broker when none is named, as mqadmin updateTopic does. The broker registers the
// topic with the name server before it answers, so the route is visible on return.
func (c *Cluster) CreateTopicConfig(ctx context.Context, tc protocol.TopicConfig, brokers ...string) error {
	if len(brokers) == 0 {
		for _, b := range c.Brokers() {
			if b.Running {
				brokers = append(brokers, b.Name)
			}
		}
		if len(brokers) == 0 {
			return fmt.Errorf("realrmq: create topic %s: no broker running", tc.TopicName)
		}
	}
	filter := tc.TopicFilterType
	if filter == "" {
		filter = protocol.SingleTag
	}
	h := protocol.CreateTopicRequestHeader{
		Topic:           tc.TopicName,
		DefaultTopic:    protocol.AutoCreateTopicKey,
		ReadQueueNums:   tc.ReadQueueNums,
		WriteQueueNums:  tc.WriteQueueNums,
		Perm:            tc.Perm,
		TopicFilterType: filter,
		TopicSysFlag:    &tc.TopicSysFlag,
		Order:           tc.Order,
	}
	for _, name := range brokers {
		addr, ok := c.BrokerAddr(name)
		if !ok {
			return fmt.Errorf("realrmq: no broker %q", name)
		}
		resp, err := c.client.Invoke(ctx, addr, protocol.RequestWithHeader(remoting.CodeUpdateAndCreateTopic, h, nil))
		if err != nil {
			return fmt.Errorf("realrmq: create topic %s on %s: %w", tc.TopicName, name, err)
		}
		if resp.Code != remoting.Success {
			return fmt.Errorf("realrmq: create topic %s on %s: code %d: %s", tc.TopicName, name, resp.Code, resp.Remark)
		}
	}
	return nil
}
