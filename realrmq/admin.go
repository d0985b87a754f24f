package realrmq

import (
	"context"
	"fmt"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// Client is the remoting client the cluster uses for its own requests (cluster info, topic
// creation). Callers may send through it too; Close closes it.
func (c *Cluster) Client() *remoting.Client { return c.client }

// ClusterInfo asks the name server for GET_BROKER_CLUSTER_INFO (106).
func (c *Cluster) ClusterInfo(ctx context.Context) (*protocol.ClusterInfo, error) {
	return admin.ClusterInfo(ctx, c.client, c.nsAddr)
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
	for _, name := range brokers {
		addr, ok := c.BrokerAddr(name)
		if !ok {
			return fmt.Errorf("%w %q", ErrUnknownBroker, name)
		}
		if err := admin.CreateTopic(ctx, c.client, addr, tc); err != nil {
			return fmt.Errorf("realrmq: %s: %w", name, err)
		}
	}
	return nil
}
