package fakecluster

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// What the cluster does for consumer groups beyond serving their clients: subscription groups
// (each broker's own, as mqadmin updateSubGroup and deleteSubGroup keep them), and the requests
// a broker answers by asking a group's consumers (mqadmin resetOffsetByTime, consumerStatus,
// consumeMessage), which go over the wire to the brokers as mqadmin sends them, so that the
// consumers are asked exactly as a real broker asks them.

// ErrNotFound is returned when no broker can answer: no running broker holds the topic, has
// the client in the group, or stored the message.
var ErrNotFound = errors.New("fakecluster: not found")

// SubscriptionGroup is one broker's config of a consumer group.
type SubscriptionGroup struct {
	Broker string
	Config protocol.SubscriptionGroupConfig
}

// SubscriptionGroups returns every master's subscription groups (those a 4.9.7 broker starts
// with included), by broker, each broker's in the order it lists them.
func (c *Cluster) SubscriptionGroups() []SubscriptionGroup {
	var out []SubscriptionGroup
	for _, b := range c.brokers {
		for _, cfg := range b.SubscriptionGroups() {
			out = append(out, SubscriptionGroup{Broker: b.Name(), Config: cfg})
		}
	}
	return out
}

// UpdateSubscriptionGroup creates or replaces a consumer group's config on the named brokers
// (every broker when none is named), as UPDATE_AND_CREATE_SUBSCRIPTIONGROUP does.
func (c *Cluster) UpdateSubscriptionGroup(cfg protocol.SubscriptionGroupConfig, brokers ...string) error {
	if cfg.GroupName == "" {
		return errors.New("fakecluster: a subscription group needs a name")
	}
	targets, err := c.pick(brokers)
	if err != nil {
		return err
	}
	for _, b := range targets {
		b.UpdateSubscriptionGroup(cfg)
	}
	return nil
}

// DeleteSubscriptionGroup forgets a consumer group's config on the named brokers (every broker
// when none is named), and with removeOffset its consumer offsets, as DELETE_SUBSCRIPTIONGROUP
// does. A broker that auto-creates groups creates it again on its next use.
func (c *Cluster) DeleteSubscriptionGroup(group string, removeOffset bool, brokers ...string) error {
	targets, err := c.pick(brokers)
	if err != nil {
		return err
	}
	for _, b := range targets {
		b.DeleteSubscriptionGroup(group, removeOffset)
	}
	return nil
}

// QueueLock is a queue an orderly consumer holds (LOCK_BATCH_MQ), on one broker.
type QueueLock struct {
	Queue    protocol.MessageQueue
	ClientID string
}

// QueueLocks returns the queue locks of a consumer group that have not lapsed, on every
// broker, sorted by queue.
func (c *Cluster) QueueLocks(group string) []QueueLock {
	var out []QueueLock
	for _, b := range c.brokers {
		locks := b.QueueLocks(group)
		for _, mq := range slices.SortedFunc(maps.Keys(locks), protocol.CompareMessageQueues) {
			out = append(out, QueueLock{Queue: mq, ClientID: locks[mq]})
		}
	}
	return out
}

// adminClient returns a client for the cluster's own admin requests, on its network.
func (c *Cluster) adminClient() *remoting.Client {
	opts := []remoting.ClientOption{remoting.WithLogger(c.cfg.logger)}
	if d := c.Dialer(); d != nil {
		opts = append(opts, remoting.WithDialer(d))
	}
	if c.cfg.tlsMode == remoting.TLSEnforcing {
		opts = append(opts, remoting.WithTLS(trustAnyServer()))
	}
	if creds := c.cfg.aclAdmin; creds.AccessKey != "" {
		opts = append(opts, remoting.WithRequestHook(func(_ string, req *remoting.Command) { creds.Sign(req) }))
	}
	return remoting.NewClient(opts...)
}

// holding returns the running masters that hold topic, as mqadmin finds them in its route.
func (c *Cluster) holding(topic string) []*fakebroker.Broker {
	var out []*fakebroker.Broker
	for _, b := range c.brokers {
		if _, ok := b.Topic(topic); ok && b.Running() {
			out = append(out, b)
		}
	}
	return out
}

// ResetOffset resets a consumer group's offsets on topic as mqadmin resetOffsetByTime does:
// INVOKE_BROKER_TO_RESET_OFFSET to every running broker that holds the topic, which tells the
// group's consumers (RESET_CONSUMER_CLIENT_OFFSET). timestamp is in ms since the epoch, or
// admin.ResetOffsetTimestampEnd; without force a queue whose committed offset is smaller keeps
// it. It returns the offsets the consumers were given, by queue; the brokers' committed offsets
// change only when the consumers commit them. A broker's refusal (no committed offsets, no
// consumer online) is a *admin.ServerError.
func (c *Cluster) ResetOffset(ctx context.Context, topic, group string, timestamp int64, force bool) (map[protocol.MessageQueue]int64, error) {
	targets := c.holding(topic)
	if len(targets) == 0 {
		return nil, fmt.Errorf("fakecluster: no running broker holds topic %s: %w", topic, ErrNotFound)
	}
	cli := c.adminClient()
	defer cli.Close()
	out := map[protocol.MessageQueue]int64{}
	for _, b := range targets {
		offsets, err := admin.ResetOffset(ctx, cli, b.Addr(), topic, group, timestamp, force)
		if err != nil {
			return nil, err
		}
		maps.Copy(out, offsets)
	}
	return out, nil
}

// ConsumerStatus asks every running broker that holds topic for INVOKE_BROKER_TO_GET_CONSUMER_STATUS:
// each asks the group's consumers (only clientID when it is not "") for their offsets on topic.
// It returns them by client id, every broker's queues together.
func (c *Cluster) ConsumerStatus(ctx context.Context, topic, group, clientID string) (map[string]map[protocol.MessageQueue]int64, error) {
	targets := c.holding(topic)
	if len(targets) == 0 {
		return nil, fmt.Errorf("fakecluster: no running broker holds topic %s: %w", topic, ErrNotFound)
	}
	cli := c.adminClient()
	defer cli.Close()
	out := map[string]map[protocol.MessageQueue]int64{}
	for _, b := range targets {
		status, err := admin.ConsumerStatus(ctx, cli, b.Addr(), topic, group, clientID)
		if err != nil {
			return nil, err
		}
		for id, offsets := range status {
			if out[id] == nil {
				out[id] = map[protocol.MessageQueue]int64{}
			}
			maps.Copy(out[id], offsets)
		}
	}
	return out, nil
}

// consumerBroker returns a running master the client is connected to as a member of group.
func (c *Cluster) consumerBroker(group, clientID string) (*fakebroker.Broker, error) {
	for _, b := range c.brokers {
		if !b.Running() {
			continue
		}
		for _, ci := range b.Clients() {
			if ci.ClientID == clientID && slices.Contains(ci.ConsumerGroups, group) {
				return b, nil
			}
		}
	}
	return nil, fmt.Errorf("fakecluster: client %s is no consumer of %s on a running broker: %w", clientID, group, ErrNotFound)
}

// ConsumerRunningInfo asks for a consumer's running info as mqadmin consumerStatus does:
// GET_CONSUMER_RUNNING_INFO to a broker the client is connected to, which passes it on to the
// consumer. With jstack the consumer adds its threads' stacks.
func (c *Cluster) ConsumerRunningInfo(ctx context.Context, group, clientID string, jstack bool) (*protocol.ConsumerRunningInfo, error) {
	b, err := c.consumerBroker(group, clientID)
	if err != nil {
		return nil, err
	}
	cli := c.adminClient()
	defer cli.Close()
	return admin.ConsumerRunningInfo(ctx, cli, b.Addr(), group, clientID, jstack)
}

// ConsumeMessageDirectly has a consumer consume one stored message again, as mqadmin
// consumeMessage does: CONSUME_MESSAGE_DIRECTLY to the broker that stored it (the one its
// offset message id names), which gives it to the consumer and passes back how that went.
func (c *Cluster) ConsumeMessageDirectly(ctx context.Context, group, clientID, offsetMsgID string) (*protocol.ConsumeMessageDirectlyResult, error) {
	host, _, err := protocol.DecodeOffsetMsgID(offsetMsgID)
	if err != nil {
		return nil, fmt.Errorf("fakecluster: %w", err)
	}
	for _, b := range c.brokers {
		if sameHost(b.StoreHost(), host) && b.Running() {
			cli := c.adminClient()
			defer cli.Close()
			return admin.ConsumeMessageDirectly(ctx, cli, b.Addr(), group, clientID, offsetMsgID)
		}
	}
	return nil, fmt.Errorf("fakecluster: no running broker stored message %s: %w", offsetMsgID, ErrNotFound)
}

func sameHost(a, b netip.AddrPort) bool {
	return a.Addr().Unmap() == b.Addr().Unmap() && a.Port() == b.Port()
}
